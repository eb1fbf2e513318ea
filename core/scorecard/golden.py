"""Golden cases: small input tables and the results they must give, kept beside a rule set in
``golden/*.toml`` and run by ``scorecard test -c CONFIG``.

A case file::

    [case]
    name = "one lapse, satisfaction below target"
    period = "2026-10"

    [files]                      # source name -> CSV text (header first)
    employees = '''
    employee_id,name,site,role,level
    E1,Ann,main,agent,junior
    '''

    [expect.E1]                  # what the rule set must give, exactly
    score = "94.00"
    payout = "940.00"
    grade = "B"                  # optional; "" for no grade
    items = { polite_language = 9, resolution = 13 }

Sources a case does not give are empty (a header only). Every source is read as CSV from the
case, whatever its type in the rule set, so a case never depends on a site's files. A rule is
*exercised* when some case expects points for it that differ from what the rule gives when
nothing happens (its max for an item, 0 for a penalty): ``scorecard test`` lists the others.
"""

import copy
import tempfile
from fractions import Fraction
from pathlib import Path

import attrs
import tomli_w

from .engine import evaluate
from .errors import RuleSetError, ScorecardError
from .numbers import fmt, to_fraction
from .periods import Period
from .ruleset import load_ruleset, read_toml
from .schema import did_you_mean, locate
from .store import Store

CASE_KEYS = ("case", "files", "expect")
EXPECT_KEYS = ("score", "payout", "grade", "status", "items", "fines", "flags")


@attrs.define
class CaseResult:
    file: Path
    name: str
    failures: list = attrs.Factory(list)  # text lines
    checked: int = 0  # values compared

    @property
    def ok(self) -> bool:
        return not self.failures


@attrs.define
class GoldenReport:
    ruleset: object
    cases: list
    unexercised: list  # rule ids no case exercises (scorecard.id when the id is shared)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cases)

    def text(self) -> str:
        out = []
        for c in self.cases:
            mark = "ok  " if c.ok else "FAIL"
            out.append(f"{mark} {c.file.name}: {c.name} ({c.checked} value(s) checked)")
            out += [f"       {f}" for f in c.failures]
        failed = sum(1 for c in self.cases if not c.ok)
        out.append(f"{len(self.cases) - failed} passed, {failed} failed")
        if self.unexercised:
            out.append("rules no case exercises: " + ", ".join(self.unexercised))
        else:
            out.append("every rule is exercised by at least one case")
        return "\n".join(out)

    def as_dict(self) -> dict:
        return {"ruleset": str(self.ruleset.path), "ok": self.ok,
                "cases": [{"file": str(c.file), "name": c.name, "ok": c.ok,
                           "checked": c.checked, "failures": c.failures} for c in self.cases],
                "unexercised": self.unexercised}


def case_files(rs, directory=None) -> list[Path]:
    """``directory``'s cases, or those in ``golden/`` beside the rule set and beside every file
    it extends (a site inherits its base's agreed outcomes; its own case of the same file name
    replaces the base's)."""
    dirs = [Path(directory)] if directory else [Path(f).parent / "golden"
                                                for f in rs.merged.files]
    found: dict = {}
    for d in dirs:
        if d.is_dir():
            for f in sorted(d.glob("*.toml")):
                found.setdefault(f.name, f)
    return [found[k] for k in sorted(found)]


def _read_case(path: Path):
    text, data = read_toml(path)  # names the file (and the line) when it is not valid TOML

    def bad(key, reason):
        return RuleSetError(path, key, reason, locate(text, key))

    for k in data:
        if k not in CASE_KEYS:
            raise bad(k, f"unknown section{did_you_mean(k, CASE_KEYS)} (allowed: "
                         f"{', '.join(CASE_KEYS)})")
    case = data.get("case", {})
    if not isinstance(case.get("period"), str):
        raise bad("case.period", "missing: the period the case is evaluated for, e.g. \"2026-10\"")
    if not isinstance(data.get("expect"), dict) or not data["expect"]:
        raise bad("expect", "missing: give [expect.EMPLOYEE_ID] with the results it must give")
    for eid, exp in data["expect"].items():
        if not isinstance(exp, dict):
            raise bad(f"expect.{eid}", "expected a table")
        for k in exp:
            if k not in EXPECT_KEYS:
                raise bad(f"expect.{eid}.{k}", f"unknown key{did_you_mean(k, EXPECT_KEYS)} "
                                               f"(allowed: {', '.join(EXPECT_KEYS)})")
    return data, bad


def _case_ruleset(rs, files: dict, tmp: Path, bad):
    data = copy.deepcopy(rs.merged_data)
    for name in files:
        if name not in rs.sources:
            raise bad(f"files.{name}", f"the rule set has no source {name!r}"
                                       f"{did_you_mean(name, rs.sources)} (sources: "
                                       f"{', '.join(rs.sources)})")
    for name, cols in rs.columns.items():
        target = tmp / f"{name}.csv"
        if name in files:
            body = files[name]
            if not isinstance(body, str):
                raise bad(f"files.{name}", "expected CSV text (header first)")
            target.write_text(_dedent(body), encoding="utf-8")
        else:
            target.write_text(",".join(cs.header or c for c, cs in cols.items()) + "\n",
                              encoding="utf-8")
        spec = data["sources"][name]
        for key in ("sheet", "table", "query", "encoding", "delimiter"):
            spec.pop(key, None)
        spec["type"], spec["path"] = "csv", target.name
    text = tomli_w.dumps(data, multiline_strings=True)
    (tmp / "scorecard.toml").write_text(text, encoding="utf-8")
    return load_ruleset(tmp / "scorecard.toml", data=data, text=text)


def _dedent(text: str) -> str:
    lines = [ln.strip() for ln in text.strip("\n").splitlines()]
    return "\n".join(ln for ln in lines if ln) + "\n"


def _num(v):
    return None if v is None or v == "" else to_fraction(v)


def run_case(rs, path: Path, touched: dict) -> CaseResult:
    data, bad = _read_case(path)
    case = data.get("case", {})
    res = CaseResult(path, case.get("name", path.stem))
    with tempfile.TemporaryDirectory() as tmp:
        crs = _case_ruleset(rs, data.get("files", {}), Path(tmp), bad)
        try:
            period = Period.from_user(case["period"], rs.meta.period)
            ev = evaluate(Store(Path(tmp) / "case.db"), crs, period, allow_empty=True)
        except ScorecardError as e:
            res.failures.append(f"the case does not run: {e.message}")
            return res
    results = {er.employee_id: er for er in ev.results}
    for eid, exp in data["expect"].items():
        er = results.get(eid)
        if er is None:
            res.failures.append(f"{eid}: not in the results (employees: "
                                f"{', '.join(results) or 'none'})")
            continue
        for key in ("score", "payout", "fines"):
            if key in exp:
                res.checked += 1
                got = getattr(er, key)
                if _num(exp[key]) != _num(got):
                    res.failures.append(f"{eid} {key}: expected {exp[key]}, got {got}")
        if "grade" in exp:
            res.checked += 1
            got = er.grade.grade if er.grade is not None else None
            if (exp["grade"] or None) != got:
                res.failures.append(f"{eid} grade: expected {exp['grade'] or 'none'}, got "
                                    f"{got or 'none'}")
        if "flags" in exp:
            res.checked += 1
            got_flags = sorted(f["id"] for f in er.flags)
            if sorted(exp["flags"] or []) != got_flags:
                res.failures.append(f"{eid} flags: expected {sorted(exp['flags']) or 'none'}, "
                                    f"got {got_flags or 'none'}")
        if "status" in exp:
            res.checked += 1
            if exp["status"] != er.status:
                res.failures.append(f"{eid} status: expected {exp['status']}, got {er.status}")
        points = {o.item.id: (o.points, o.item) for o in er.items}
        points.update({p.id: (a.points, p) for p, a in er.adjustments})
        for rule, want in (exp.get("items") or {}).items():
            res.checked += 1
            if rule not in points:
                res.failures.append(f"{eid} {rule}: no such item or penalty"
                                    f"{did_you_mean(rule, points)}")
                continue
            got, spec = points[rule]
            if _num(want) != got:
                res.failures.append(f"{eid} {rule}: expected {want}, got "
                                    f"{'left out' if got is None else fmt(got)}")
            idle = getattr(spec, "max", None) if hasattr(spec, "in_total") else Fraction(0)
            if _num(want) is not None and _num(want) != idle:
                # per scorecard: scorecards of one rule set often share ids (a staff form and
                # a supervisor's copy of it), and one's case says nothing about the other's rule
                touched[(er.scorecard.id, rule)] = True
    return res


def run_golden(config, directory=None) -> GoldenReport:
    """Run every case beside rule set ``config`` (or in ``directory``)."""
    rs = load_ruleset(Path(config))
    files = case_files(rs, directory)
    if not files:
        where = directory or Path(config).parent / "golden"
        raise ScorecardError(f"no golden cases in {where}: add golden/*.toml beside the rule set "
                             f"(see docs/sites.md)")
    touched: dict = {}
    cases = [run_case(rs, f, touched) for f in files]
    rules = [(sid, r.id) for sid, sc in rs.scorecards.items()
             for r in (*sc.items, *sc.penalties) if getattr(r, "in_total", True)]
    ids = [rid for _, rid in rules]
    # a rule is named by its id, or scorecard.id when several scorecards have that id
    return GoldenReport(rs, cases, [rid if ids.count(rid) == 1 else f"{sid}.{rid}"
                                    for sid, rid in rules if (sid, rid) not in touched])
