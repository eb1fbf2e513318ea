"""``scorecard check``: a linter for rule sets.

A rule set that loads can still be wrong: item maxima that do not add up, a tier giving more
points than the item is worth, a band table with a gap, thresholds in the wrong order, a payout
table missing a level, a data file whose header does not match. Each finding has a severity
(``error``: the rule set must not run; ``warning``: it runs, but a person should look;
``info``), the key path and one plain sentence. ``evaluate`` refuses a rule set with errors.

Checks live in two places: the structural ones here, and type-specific ones on the plugin types
themselves (``check(rs, scorecard, spec)`` on a metric, scorer, penalty, grading or payout type,
returning :class:`Finding` objects or ``(path, message)`` / ``(severity, path, message)`` tuples).
"""

from fractions import Fraction
from pathlib import Path

import attrs

from .errors import RuleSetError, ScorecardError
from .ingest import clean_header, column_position
from .numbers import fmt
from .registry import get_registry
from .schema import locate

SEVERITIES = ("error", "warning", "info")


@attrs.frozen
class Finding:
    """One problem found in a rule set."""

    severity: str
    path: str
    message: str
    file: str = ""  # the file that set the key (site rule sets: base or site)

    def text(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{self.severity}: {where}{self.path}: {self.message}"

    def as_dict(self) -> dict:
        return attrs.asdict(self)


def _norm(found, default_path) -> Finding:
    if isinstance(found, Finding):
        return found
    if isinstance(found, tuple) and len(found) == 3:
        sev, path, msg = found
    elif isinstance(found, tuple) and len(found) == 2:
        (path, msg), sev = found, "error"
    else:
        return Finding("error", default_path, f"a plugin's check returned {found!r}")
    if sev not in SEVERITIES:
        sev = "error"
    return Finding(sev, path, msg)


def check_ruleset(rs, data: bool = True) -> list[Finding]:
    """Every finding for rule set ``rs``; ``data`` also reads the sources' files' headers."""
    reg = get_registry()
    out: list[Finding] = []
    for sc in rs.scorecards.values():
        out += _sums(sc)
        out += _weights(sc)
        out += _penalty_ranges(sc)
        for kind, type_name, spec, path in sc.typed_specs():
            out += _deprecated(reg, kind, type_name, path)
            out += _plugin(reg, kind, type_name, rs, sc, spec, path)
    out += _columns(rs, reg)
    if data:
        out += _headers(rs, reg)
    merged = rs.merged
    if merged is not None and len(merged.files) > 1:
        out = [attrs.evolve(f, file=str(merged.file_of(f.path))) for f in out]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(out, key=lambda f: order[f.severity])


def _deprecated(reg, kind, type_name, path):
    current = reg.deprecated(kind, type_name)
    if current is None:
        return []
    return [Finding("warning", f"{path}.type", f"the {kind} type name {type_name!r} is "
                    f"deprecated (it still works): write type = \"{current}\"")]


def _plugin(reg, kind, type_name, rs, sc, spec, path):
    fn = getattr(reg.get(kind, type_name), "check", None)
    if fn is None:
        return []
    # a crash in a plugin's check() names the plugin, as one in validate() or compute() does
    found = reg.call(kind, type_name, "check", path, fn, rs, sc, spec)
    return [_norm(f, path) for f in (found or [])]


def _sums(sc) -> list[Finding]:
    counted = [it for it in sc.items if it.in_total]
    if not counted:
        return []
    no_max = [it.id for it in counted if it.max is None]
    if no_max:
        return [Finding("info", f"scorecards.{sc.id}.items", f"item(s) {', '.join(no_max)} have "
                        f"no max, so the maxima cannot be checked to add up")]
    total = sum((it.max for it in counted), Fraction(0))
    parts = " + ".join(fmt(it.max) for it in counted)
    if sc.total.max is not None:
        if total != sc.total.max:
            return [Finding("error", f"scorecards.{sc.id}.total.max",
                            f"the counted items' max points add up to {fmt(total)} ({parts}), "
                            f"not the declared total max {fmt(sc.total.max)}")]
        return []
    if total != 100:
        return [Finding("warning", f"scorecards.{sc.id}.items",
                        f"the counted items' max points add up to {fmt(total)} ({parts}), not "
                        f"100; declare total = {{ max = {fmt(total)} }} if that is intended")]
    return []


def _weights(sc) -> list[Finding]:
    """Items combining earlier items by weight (any type with ``components``): a weighted mean
    of values has weights adding up to 1; a weighted sum of points can reach the item's max."""
    out = []
    for it in sc.items:
        comps = getattr(it.params, "components", None)
        if not isinstance(comps, dict) or not comps:
            continue
        weights = {k: Fraction(w) for k, w in comps.items()}
        terms = " + ".join(fmt(w) for w in weights.values())
        if getattr(it.params, "use", "value") != "points":
            total = sum(weights.values(), Fraction(0))
            if total != 1:
                out.append(Finding("warning", f"{it.path}.components",
                                   f"weights add up to {fmt(total)} ({terms}), not 1"))
            continue
        parts = [(sc.item(k), w) for k, w in weights.items()]
        if it.max is None or any(c is None or c.max is None for c, _ in parts):
            continue
        reach = sum((w * c.max for c, w in parts), Fraction(0))
        if reach != it.max:
            how = " + ".join(f"{fmt(w)} × {fmt(c.max)}" if w != 1 else fmt(c.max)
                             for c, w in parts)
            out.append(Finding("warning", f"{it.path}.components",
                               f"{it.id}: its components can give {fmt(reach)} points ({how}), "
                               f"but its max is {fmt(it.max)}: weights and points disagree"))
    return out


def _penalty_ranges(sc) -> list[Finding]:
    """A penalty's per-case points range must fit what there is to lose."""
    maxima = [it.max for it in sc.items if it.in_total and it.max is not None]
    if not maxima:
        return []
    biggest, total = max(maxima), sum(maxima, Fraction(0))
    out = []
    for p in sc.penalties:
        kinds = getattr(p.params, "kinds", None)
        if not isinstance(kinds, dict):
            continue
        for k, rule in kinds.items():
            rng = getattr(rule, "points", None)
            if not rng or len(rng) != 2:
                continue
            hi = rng[1]
            path = f"{p.path}.kinds.{k}.points"
            if hi > total:
                out.append(Finding("error", path, f"one case can cost {fmt(hi)} points, more "
                                   f"than the whole scorecard's {fmt(total)}"))
            elif hi > biggest:
                out.append(Finding("warning", path, f"one case can cost {fmt(hi)} points, more "
                                   f"than any item is worth (largest item max {fmt(biggest)})"))
    return out


def _columns(rs, reg) -> list[Finding]:
    """Columns the metrics read must be declared; declared columns nobody reads are noted."""
    out, read = [], {name: set() for name in rs.sources}
    read["employees"] |= {"employee_id", "name", "role", "site", "level"}
    for sc in rs.scorecards.values():
        for it in sc.items:
            reader = getattr(reg.get("metric", it.type), "sources", None)
            uses = (reader(it) if callable(reader) else None) or {}
            for src, cols in uses.items():
                if src not in rs.columns:
                    out.append(Finding("error", f"{it.path}.source", f"reads source {src!r}, "
                                       f"which is not declared"))
                    continue
                cols = {c for c in cols if c}
                read[src] |= cols | {"employee_id"}
                missing = sorted(cols - set(rs.columns[src]))
                if missing:
                    out.append(Finding("error", f"{it.path}", f"reads column(s) "
                                       f"{', '.join(missing)} that source {src!r} does not "
                                       f"declare"))
            # a scorer reading a base from a source (scorers do not list their columns)
            src = getattr(getattr(it.score, "params", None), "base_source", None)
            if src in read:
                read[src] |= set(rs.columns[src])
        for p in sc.penalties:
            src = getattr(p.params, "source", None)
            if src in read:
                read[src] |= set(rs.columns[src])  # penalties do not list their columns
        if sc.payout is not None:
            key = getattr(sc.payout.params, "key", None)
            if key:
                read["employees"].add(key)
    for name, cols in rs.columns.items():
        spec = rs.sources[name]
        read[name] |= {c for c in (spec.period_by, spec.key) if c}
        unused = [c for c in cols if c not in read[name]]
        if unused and read[name] - {"employee_id"}:
            out.append(Finding("info", f"sources.{name}.columns", f"declared but read by no "
                               f"rule: {', '.join(unused)}"))
    return out


def _headers(rs, reg) -> list[Finding]:
    """The files as they are now: present, with the declared columns in their header."""
    out = []
    for name, spec in rs.sources.items():
        path = f"sources.{name}"
        try:
            raw = reg.get("source", spec.type).read(spec, rs.base_dir)
            header = clean_header(raw.header)
        except (ScorecardError, OSError) as e:
            msg = e.message if isinstance(e, ScorecardError) else str(e)
            out.append(Finding("warning", f"{path}.path", f"cannot read the data: {msg}"))
            continue
        lowered = {h.lower(): i for i, h in enumerate(header)}
        # an optional column may be absent (its cells then read as blank)
        wanted = {c: (cs.header or c) for c, cs in rs.columns[name].items() if not cs.optional}
        # as ingest finds them: the exact name, else ignoring case
        missing = [w for w in wanted.values() if column_position(header, lowered, w) is None]
        if missing:
            out.append(Finding("error", f"{path}.columns", f"{raw.file} has no column(s) "
                               f"{', '.join(missing)} (its header: {', '.join(header)})"))
        declared = {(cs.header or c) for c, cs in rs.columns[name].items()}
        extra = [h for h in header if h and h not in declared
                 and h.lower() not in {w.lower() for w in declared}]
        if extra:
            out.append(Finding("info", f"{path}.columns", f"{raw.file} has column(s) the rule "
                               f"set does not declare (ignored): {', '.join(extra)}"))
    return out


def refuse_errors(rs, findings=None):
    """Raise (exit code 2) when the rule set has error findings; data files are not read
    (``findings``: those of ``check_ruleset(rs, data=False)`` when the caller has them)."""
    if findings is None:
        findings = check_ruleset(rs, data=False)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first, merged = errors[0], rs.merged
        file = Path(first.file) if first.file else rs.path
        text = merged.texts.get(file, "") if merged is not None else rs.text
        more = "".join(f"\n{f.text()}" for f in errors[1:])
        raise RuleSetError(file, first.path, f"{first.message} (the rule set has {len(errors)} "
                           f"error(s); `scorecard check -c {rs.path}` lists them){more}",
                           locate(text or "", first.path))


# -- helpers for plugin types' checks -------------------------------------------------------


def first_match_coverage(conditions, matches):
    """Where a first-match table (tiers) leaves values unmatched, and which rows never apply.

    ``conditions`` is a list of rows with optional ``min`` (≥), ``max`` (≤), ``above`` (>),
    ``below`` (<) and ``equals``; ``matches(row, value)`` is the table's own test. Returns
    ``(gaps, outside, unreachable)``: ``gaps`` are text ranges between the rows that no row
    takes; ``outside`` the text ranges below the lowest / above the highest bound that no row
    takes; ``unreachable`` the indexes of rows that never come first.
    """
    bounds = set()
    for c in conditions:
        for key in ("min", "max", "above", "below"):
            v = getattr(c, key, None)
            if v is not None:
                bounds.add(Fraction(v))
        eq = getattr(c, "equals", None)
        if eq is not None and not isinstance(eq, bool):
            try:
                bounds.add(Fraction(eq))
            except (TypeError, ValueError):
                pass
    if not bounds:
        return [], [], []
    b = sorted(bounds)
    probes = [(b[0] - 1, "below")]
    for i, v in enumerate(b):
        probes.append((v, "at"))
        if i + 1 < len(b):
            probes.append(((v + b[i + 1]) / 2, "mid"))
    probes.append((b[-1] + 1, "above"))
    hit = []
    for v, _ in probes:
        hit.append(next((i for i, c in enumerate(conditions) if matches(c, v)), None))
    firsts = {h for h in hit if h is not None}
    unreachable = [i for i in range(len(conditions)) if i not in firsts]
    runs, start = [], None
    for k, h in enumerate(hit + [0]):
        if h is None and start is None:
            start = k
        elif h is not None and start is not None:
            runs.append((start, k - 1))
            start = None
    gaps, outside = [], []
    for s, e in runs:
        text = _range_text(probes, s, e, b)
        (outside if s == 0 or e == len(probes) - 1 else gaps).append(text)
    return gaps, outside, unreachable


def _range_text(probes, s, e, b):
    lo_v, lo_kind = probes[s]
    hi_v, hi_kind = probes[e]
    lo = {"below": None, "at": (lo_v, "≤", "≥")}.get(lo_kind, (probes[s - 1][0] if s else None,
                                                              "<", ">"))
    hi = {"above": None, "at": (hi_v, "≤", "≤")}.get(hi_kind, (probes[e + 1][0]
                                                              if e + 1 < len(probes) else None,
                                                              "<", "<"))
    if lo is None and hi is None:
        return "every value"
    if lo is None:
        return f"value {hi[2]} {fmt(hi[0])}"
    if hi is None:
        return f"value {lo[2]} {fmt(lo[0])}"
    return f"{fmt(lo[0])} {lo[1]} value {hi[1]} {fmt(hi[0])}"
