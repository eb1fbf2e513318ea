"""docs/building-blocks.md: every built-in type has a heading that names each of its keys, and
every ```toml example there loads and evaluates against the data blocks that follow it, giving
the values its ``# expect:`` lines state (the convention is described at the top of the doc)."""

import re
import sqlite3
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import attrs
import pytest

from scorecard.registry import get_registry
from scorecard.testing import evaluate_files, write_files

DOC = Path(__file__).resolve().parents[1] / "docs" / "building-blocks.md"
KINDS = ("source", "metric", "scorer", "penalty", "grading", "payout")

WRAP = """
[ruleset]
org = "docs"

[sources.employees]
path = "employees.csv"
key = "employee_id"

[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"
level = "str?"
"""
EMPLOYEES = "employee_id,name,role,level\nE1,Ann,agent,junior\nE2,Bo,agent,senior\n"


def sections():
    """``{heading: text}`` for every heading of the doc."""
    out, name, buf = {}, None, []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if re.match(r"#{1,6} ", line):
            if name:
                out[name] = "\n".join(buf)
            name, buf = line, []
        else:
            buf.append(line)
    if name:
        out[name] = "\n".join(buf)
    return out


def examples():
    """``(heading, toml, {file: (info, text)})`` for every ```toml block."""
    found, heading, block, info, buf = [], "", None, "", []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if block is None and re.match(r"#{1,6} ", line):
            heading = line
        elif block is None and line.startswith("```") and len(line) > 3:
            block, info, buf = line[3:].split()[0], line[3:], []
        elif block is not None and line.startswith("```"):
            text = "\n".join(buf) + "\n"
            if block == "toml":
                found.append((heading, text, {}))
            elif "file=" in info and found and found[-1][0] == heading:
                attrs_ = dict(kv.split("=", 1) for kv in info.split()[1:])
                found[-1][2][attrs_["file"]] = (attrs_, text)
            block = None
        elif block is not None:
            buf.append(line)
    return found


def builtin_types():
    reg = get_registry()
    return sorted((kind, name) for (kind, name), owner in reg.owner.items()
                  if kind in KINDS and owner.startswith("scorecard_plugins."))


def test_every_builtin_type_has_a_heading_naming_its_keys():
    secs = sections()
    reg = get_registry()
    missing = []
    for kind, name in builtin_types():
        head = next((h for h in secs if f"`{name}`" in h), None)
        if head is None:
            missing.append(f"{kind} {name}: no heading")
            continue
        params = getattr(reg.get(kind, name), "Params", None)
        if params is not None and attrs.has(params):
            for f in attrs.fields(params):
                if f"`{f.name}`" not in secs[head]:
                    missing.append(f"{kind} {name}: key `{f.name}` not described")
    assert not missing, "\n".join(missing)
    assert len(builtin_types()) >= 23


def _write_data(directory, files):
    plain = {}
    for name, (info, text) in files.items():
        if name.endswith(".xlsx"):
            import openpyxl

            wb = openpyxl.Workbook()
            ws = wb.active
            ws.title = info.get("sheet", "Sheet1")
            for row in text.strip("\n").splitlines():
                ws.append([_xlsx_cell(c) for c in row.split(",")])
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            wb.save(directory / name)
        elif name.endswith(".db"):
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(directory / name)
            header, *rows = [r.split(",") for r in text.strip("\n").splitlines()]
            conn.execute(f"CREATE TABLE {info['table']} ({', '.join(header)})")
            conn.executemany(f"INSERT INTO {info['table']} VALUES "
                             f"({', '.join('?' * len(header))})", rows)
            conn.commit()
            conn.close()
        else:
            plain[name] = text
    write_files(directory, plain)


def _xlsx_cell(text):
    try:
        return int(text)
    except ValueError:
        return text or None


def _actual(ev, eid, what):
    er = ev.result(eid)
    if what in ("score", "payout", "fines"):
        return getattr(er, what)
    if what == "grade":
        return er.grade.grade if er.grade else None
    if what == "rank":
        return er.grade.rank if er.grade else None
    if what.endswith(".value"):
        return er.item(what[:-6]).measure.value
    if any(o.item.id == what for o in er.items):
        return er.points(what)
    return er.adjustment(what).points


def _same(actual, expected: str):
    if expected == "none":
        return actual is None
    if isinstance(actual, Fraction | Decimal | int) and not isinstance(actual, bool):
        return Fraction(actual) == Fraction(expected)
    return str(actual) == expected


EXAMPLES = examples()


@pytest.mark.parametrize("heading, toml, files", EXAMPLES,
                         ids=[f"{i}-{re.sub(r'[^a-z_]+', '', h.lower())}"
                              for i, (h, _, _) in enumerate(EXAMPLES)])
def test_example_loads_and_evaluates(tmp_path, heading, toml, files):
    complete = re.sub(r"(?m)^#.*\n|^\s*\n", "", toml).startswith("[ruleset]")
    text = toml if complete else WRAP + toml
    data = dict(files)
    if not complete:
        data.setdefault("employees.csv", ({}, EMPLOYEES))
    _write_data(tmp_path, data)
    period = re.search(r"(?m)^# period: (\S+)", toml)
    ev = evaluate_files(tmp_path, text, {}, period[1] if period else "2026-10")
    expects = re.findall(r"(?m)^# expect: (\S+) (\S+) = (.+?)\s*$", toml)
    assert expects, f"{heading}: the example states no # expect: line"
    for eid, what, value in expects:
        got = _actual(ev, eid, what)
        assert _same(got, value), f"{heading}: {eid} {what} is {got}, the doc says {value}\n" \
                                  f"{ev.result(eid).text()}"


def test_examples_cover_every_builtin_type():
    used = set()
    for _, toml, _ in EXAMPLES:
        used |= set(re.findall(r'type = "([a-z_]+)"', toml))
    missing = [n for _, n in builtin_types() if n not in used]
    assert not missing, f"no TOML example uses: {', '.join(missing)}"


RULE_SETS = DOC.parent / "rule-sets.md"


def test_rule_sets_doc_names_every_key():
    from scorecard import ruleset as r

    text = RULE_SETS.read_text(encoding="utf-8")
    missing = [f"{cls.__name__}.{f.name}"
               for cls in (r.RuleSetMeta, r.Rounding, r.CalendarSpec, r.SourceSpec, r.ColumnSpec,
                           r.TotalSpec, r.SectionSpec)
               for f in attrs.fields(cls) if f"`{f.name}`" not in text]
    missing += [f"scorecard key {k}" for k in r.SCORECARD_KEYS if f"`{k}`" not in text]
    missing += [f"item key {k}" for k in r.ITEM_KEYS if f"`{k}`" not in text]
    missing += [f"table [{k}]" for k in r.TOP_KEYS if f"[{k}" not in text]
    assert not missing, ", ".join(missing)


def test_rule_sets_doc_example_evaluates(tmp_path):
    text = RULE_SETS.read_text(encoding="utf-8")
    blocks = re.findall(r"```(\S+)([^\n]*)\n(.*?)```", text, re.S)
    toml = next(body for kind, _, body in blocks if kind == "toml")
    files = {re.search(r"file=(\S+)", info)[1]: ({}, body)
             for kind, info, body in blocks if "file=" in info}
    _write_data(tmp_path, files)
    ev = evaluate_files(tmp_path, toml, {}, "2026-10")
    e1, e2 = ev.result("E1"), ev.result("E2")
    assert e1.score == Decimal("90.00")  # 100 − 5 × 2 lapses
    assert (e1.grade.grade, e1.payout) == ("A", Decimal("900.00"))  # 1000 × 90 / 100
    assert (e2.score, e2.payout) == (Decimal("100.00"), Decimal("2000.00"))  # lapse in November


def test_cli_lists_every_builtin_type():
    from click.testing import CliRunner

    from scorecard.cli import cli

    out = CliRunner().invoke(cli, ["plugins", "--types"]).output
    missing = [f"{k}:{n}" for k, n in builtin_types() if f"{k}:{n}" not in out]
    assert not missing, f"`scorecard plugins --types` does not list {', '.join(missing)}"
