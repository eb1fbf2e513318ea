"""Ingest validation: all-or-nothing, every bad cell as file:line:column with the reason,
--quarantine, unknown employees, missing and mis-mapped columns, blank required cells,
duplicate keys and header names."""

import json

import pytest
from blockkit import HEAD
from click.testing import CliRunner

from scorecard.cli import cli
from scorecard.errors import DataError
from scorecard.ingest import ingest
from scorecard.ruleset import load_ruleset
from scorecard.store import Store, source_table
from scorecard.testing import write_files

RS = HEAD.format(calendar="", period_kind="month") + """
[sources.calls]
path = "calls.csv"
key = "call_id"
period_by = "at"
[sources.calls.columns]
call_id = "str"
employee_id = "str"
at = "timestamp"
ok = "bool"
score = { type = "decimal", header = "得分", min = 0, max = 100 }
note = "str?"

[scorecards.s]
[[scorecards.s.items]]
id = "n"
type = "count"
source = "calls"
"""
EMPLOYEES = "employee_id,name,role,level\nE1,Ann,agent,junior\nE2,Bo,agent,senior\n"
GOOD = """\
call_id,employee_id,at,ok,得分,note
c1,E1,2026-10-01 08:00,是,85,
c2,E2,2026-10-01T09:00:30,否,"1,000",x
"""


def _setup(tmp_path, calls, employees=EMPLOYEES, rs=RS):
    write_files(tmp_path, {"scorecard.toml": rs, "employees.csv": employees,
                           "calls.csv": calls})
    return load_ruleset(tmp_path / "scorecard.toml"), Store(tmp_path / "scorecard.db")


def _count(store, rs, name="calls"):
    t = source_table(rs.dataset, name)
    if not store.has_table(t):
        return None
    return store.conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]


def test_good_file_is_stored(tmp_path):
    good = GOOD.replace('"1,000"', "100")
    rs, store = _setup(tmp_path, good)
    report = ingest(store, rs)
    assert report["calls"] == ("ingested", 2)
    assert ingest(store, rs)["calls"] == ("unchanged", 2)  # same bytes, same declaration


BAD = """\
call_id,employee_id,at,ok,得分,note
c1,E1,2026-10-01 08:00,maybe,85,
c2,E2,2026-10-01 09:00,1,,
c3,E1,2026-10-01 25:00,1,85,
c4,E1,2026-10-01 10:00,1,100.5,
c5,E9,2026-10-01 10:00,1,50,
c6,E1,2026-10-01 11:00,1,1%,
c6,E2,2026-10-01 12:00,1,2,
c8,E1,2026-10-01 12:00,1,"1,5",
"""


def test_every_bad_cell_is_named_and_nothing_is_stored(tmp_path):
    rs, store = _setup(tmp_path, BAD)
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    msg = e.value.message
    assert "nothing was stored" in msg
    for place, reason in [
        ("calls.csv:2:ok", "'maybe' is not a boolean"),
        ("calls.csv:3:score", "blank, but this column is required"),
        ("calls.csv:4:at", "'2026-10-01 25:00' is not a timestamp"),
        ("calls.csv:5:score", "100.5 is out of range [0, 100]"),
        ("calls.csv:8:call_id", "duplicate call_id 'c6' (first on line 7)"),
        ("calls.csv:9:score", "'1,5' is not a decimal number (a comma is accepted only as a "
                              "thousands separator"),
    ]:
        assert f"{place}: {reason}" in msg
    assert "run with --quarantine to keep the good rows" in msg
    assert _count(store, rs) is None  # nothing half written


def test_unknown_employee_is_an_error(tmp_path):
    rows = GOOD.replace('"1,000"', "1") + "c9,E7,2026-10-02 08:00,1,1,\n"
    rs, store = _setup(tmp_path, rows)
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    assert "calls.csv:4:employee_id: employee_id 'E7' is not in employees.csv" in e.value.message
    assert _count(store, rs) is None


def test_quarantine_keeps_good_rows_and_records_bad_ones(tmp_path):
    rs, store = _setup(tmp_path, BAD)
    report = ingest(store, rs, quarantine=True)
    # good: c6 (line 7, "1%" = 1) only; c5 has an unknown employee
    assert report["calls"] == ("ingested", 1)
    q = store.conn.execute("SELECT source, file, line, reason, row FROM _quarantine "
                           "ORDER BY line").fetchall()
    assert [r[2] for r in q] == [2, 3, 4, 5, 6, 8, 9]
    assert q[0][:4] == ("calls", "calls.csv", 2,
                        "'maybe' is not a boolean (1/0, true/false, yes/no, 是/否)")
    assert json.loads(q[0][4])[0] == "c1"
    assert "not in employees.csv" in dict((r[2], r[3]) for r in q)[6]


def test_cli_ingest_exit_code_and_quarantine(tmp_path):
    _setup(tmp_path, BAD)
    r = CliRunner().invoke(cli, ["ingest", "-c", str(tmp_path / "scorecard.toml")])
    assert r.exit_code == 2
    assert "calls.csv:2:ok: 'maybe' is not a boolean" in r.output
    r = CliRunner().invoke(cli, ["ingest", "-c", str(tmp_path / "scorecard.toml"),
                                 "--quarantine"])
    assert r.exit_code == 0, r.output
    assert "calls: ingested (1 rows)" in r.output
    assert "_quarantined: quarantined (7 rows)" in r.output


def test_missing_column_with_did_you_mean(tmp_path):
    rows = GOOD.replace("employee_id,at", "employe_id,at")
    rs, store = _setup(tmp_path, rows)
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    assert "calls.csv:1: missing column(s) 'employee_id'" in e.value.message
    assert "employe_id" in e.value.message
    assert "[sources.calls.columns] NAME = { type = ..., header = \"...\" }" in e.value.message


def test_mis_mapped_header_and_case_insensitive_match(tmp_path):
    rows = GOOD.replace("得分", "score").replace("call_id,", "Call_ID,")
    rs, store = _setup(tmp_path, rows)
    with pytest.raises(DataError) as e:  # score is mapped to header 得分
        ingest(store, rs)
    assert "calls.csv:1: missing column(s) '得分'" in e.value.message
    rs, store = _setup(tmp_path / "b", GOOD.replace("call_id,", "Call_ID,").replace('"1,000"', "1"))
    assert ingest(store, rs)["calls"] == ("ingested", 2)  # header case does not matter


def test_duplicate_header_is_an_error(tmp_path):
    rows = "call_id,employee_id,at,ok,得分,note,ok\nc1,E1,2026-10-01 08:00,1,1,,0\n"
    rs, store = _setup(tmp_path, rows)
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    assert "calls.csv:1: column 'ok' appears 2 times in the header" in e.value.message


def test_blank_lines_and_defaults(tmp_path):
    rs_text = RS.replace('note = "str?"', 'note = { type = "str", default = "none" }')
    rows = GOOD.replace('"1,000"', "1") + "\n,,,,,\n"
    rs, store = _setup(tmp_path, rows, rs=rs_text)
    assert ingest(store, rs)["calls"] == ("ingested", 2)
    notes = store.conn.execute(f"SELECT note FROM [{source_table(rs.dataset, 'calls')}] "
                               f"ORDER BY _line").fetchall()
    assert notes == [("none",), ("x",)]


def test_duplicate_employee_ids(tmp_path):
    emps = EMPLOYEES + "E1,Again,agent,junior\n"
    rs, store = _setup(tmp_path, GOOD.replace('"1,000"', "1"), employees=emps)
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    assert "employees.csv:4:employee_id: duplicate employee_id 'E1' (first on line 2)" in \
        e.value.message


def test_unquoted_delimiter_shifting_cells_is_an_error(tmp_path):
    rows = GOOD.replace('"1,000"', "1,000")  # unquoted: 7 cells under a 6-column header
    rs, store = _setup(tmp_path, rows)
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    assert "calls.csv:3: 7 cells but the header has 6 columns; quote values that contain the " \
           "delimiter" in e.value.message


def test_trailing_empty_cells_are_harmless(tmp_path):
    rows = GOOD.replace('"1,000",x', "10,x,,").replace("85,\n", "85,,,\n")
    rs, store = _setup(tmp_path, rows)
    assert ingest(store, rs)["calls"] == ("ingested", 2)


@pytest.mark.parametrize("cells, reason", [
    ('2026-10-01 08:00,是,"1,5"', "calls.csv:52:score: '1,5' is not a decimal number"),
    ("2026-10-01,是,1", "calls.csv:52:at: '2026-10-01' is not a timestamp"),
    ("2026-10-01 08:00:00.5,是,1", "calls.csv:52:at: '2026-10-01 08:00:00.5' is not a timestamp"),
    ("2026-10-01T08:00Z,是,1", "has a time zone"),
    ("2026-10-01 08:00,也许,1", "calls.csv:52:ok: '也许' is not a boolean"),
])
def test_one_bad_cell_in_a_clean_batch(tmp_path, cells, reason):
    # fifty clean rows go through the bulk (column-at-a-time) path; one bad cell among them
    # must be found and named exactly as the row-by-row path names it
    good = "".join(f"k{i},E1,2026-10-01 08:00,是,1,\n" for i in range(50))
    rows = "call_id,employee_id,at,ok,得分,note\n" + good + f"bad,E1,{cells},\n"
    rs, store = _setup(tmp_path, rows)
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    assert reason in e.value.message


def test_an_optional_source_without_its_file_is_empty_and_a_required_one_is_an_error(tmp_path):
    from scorecard.engine import evaluate
    from scorecard.errors import ScorecardError
    from scorecard.periods import Period
    from scorecard.ruleset import load_ruleset
    from scorecard.store import Store
    from scorecard.testing import evaluate_files, write_files

    toml = """
[ruleset]
org = "t"
[sources.employees]
path = "employees.csv"
columns = { employee_id = "str", name = "str", role = "str" }
[sources.extra]
path = "extra.csv"
period_by = "day"
optional = true
columns = { employee_id = "str", day = "date", n = "int" }
[scorecards.s]
[[scorecards.s.items]]
id = "n"
type = "count"
source = "extra"
max = 10
"""
    emp = {"employees.csv": "employee_id,name,role\nE1,甲,x\n"}
    write_files(tmp_path, {"scorecard.toml": toml, **emp})
    # no row of any source falls in the period, hence allow_empty
    ev = evaluate(Store(tmp_path / "s.db"), load_ruleset(tmp_path / "scorecard.toml"),
                  Period.parse("2026-10"), allow_empty=True)
    assert ev.result("E1").item("n").measure.value == 0  # no file: no rows, counted as 0
    required = toml.replace("optional = true\n", "")
    (tmp_path / "r").mkdir()
    with pytest.raises(ScorecardError) as e:
        evaluate_files(tmp_path / "r", required, emp, "2026-10")
    assert "sources.extra.path: file" in e.value.message and "extra.csv not found" in \
        e.value.message
