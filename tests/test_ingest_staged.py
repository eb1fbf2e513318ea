"""The staged ingest: cells go into a staging table as text, SQL converts and checks them into
the typed table, and Python looks only at the rows SQL does not take. What SQL checks is
reported exactly as the row-by-row converters report it (file:line:column, the reason, in line
order, exit code 2, nothing stored), SQL stores exactly what Python would store, and duplicate
keys are found in SQL without holding every key in memory."""

import sqlite3

import pytest
from blockkit import HEAD
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import scorecard.ingest as ingest_mod
from scorecard.cli import cli
from scorecard.columns import WHITESPACE, make_converter, sql_column
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
channel = "enum:phone|email"
n = { type = "int", min = 1, max = 9 }
share = { type = "decimal", min = 0, max = 100, required = false }
ok = "bool?"

[scorecards.s]
[[scorecards.s.items]]
id = "n"
type = "count"
source = "calls"
"""
EMPLOYEES = "employee_id,name,role,level\nE1,Ann,agent,junior\nE2,Bo,agent,senior\n"
HEADER = "call_id,employee_id,at,channel,n,share,ok\n"
TS_FORMS = ("YYYY-MM-DD HH:MM[:SS] (or T for the space, or 2026/10/1 9:05 as Excel writes "
            "it)")


@pytest.fixture
def staged(monkeypatch):
    """Counts the sources loaded through the staging table (so that a test cannot pass by
    falling back to the row-by-row path unnoticed)."""
    calls = []
    real = ingest_mod._load_staged

    def spy(*a, **kw):
        calls.append(a[2])  # the table
        return real(*a, **kw)

    monkeypatch.setattr(ingest_mod, "_load_staged", spy)
    return calls


def _files(tmp_path, rows, employees=EMPLOYEES):
    write_files(tmp_path, {"scorecard.toml": RS, "employees.csv": employees,
                           "calls.csv": HEADER + rows})
    return load_ruleset(tmp_path / "scorecard.toml")


def _cli_ingest(tmp_path):
    return CliRunner().invoke(cli, ["ingest", "-c", str(tmp_path / "scorecard.toml"), "--db",
                                    str(tmp_path / "s.db")])


def _nothing_stored(tmp_path, rs):
    store = Store(tmp_path / "s.db")
    assert not store.has_table(source_table(rs.dataset, "calls"))
    assert not store.has_table(source_table(rs.dataset, "employees"))
    assert store.conn.execute("SELECT count(*) FROM _ingests").fetchone() == (0,)


def _problem_lines(output):
    return [ln for ln in output.splitlines() if ln.startswith("calls.csv:")]


def test_clean_rows_are_converted_in_sql_and_stored_as_python_would(tmp_path, staged):
    rows = ("c1,E1,2026-10-01 08:00:00,phone,1,12.50,1\n"
            "c2,E2,2026-10-01T09:00:30,email,9,,\n"
            "c3,E1,2026-10-31 23:59,phone,3,100,否\n")
    rs = _files(tmp_path, rows)
    store = Store(tmp_path / "s.db")
    assert ingest(store, rs)["calls"] == ("ingested", 3)
    assert staged == [source_table(rs.dataset, "employees"), source_table(rs.dataset, "calls")]
    got = store.conn.execute(f"SELECT * FROM [{source_table(rs.dataset, 'calls')}] "
                             f"ORDER BY _line").fetchall()
    # 2026-10-01 00:00 = 1790812800 (20727 days × 86400 since 1970-01-01; see
    # test_ingest_bulk); 08:00:00 adds 28800, 09:00:30 adds 32430; 2026-10-31 23:59 is 30 days
    # and 86340 s later: 1790812800 + 2592000 + 86340 = 1793491140
    assert got == [
        (2, "c1", "E1", 1790841600, "phone", 1, "12.50", 1),
        (3, "c2", "E2", 1790845230, "email", 9, None, None),
        (4, "c3", "E1", 1793491140, "phone", 3, "100", 0),
    ]


def test_the_same_rows_as_the_row_by_row_path_for_other_spellings(tmp_path, monkeypatch):
    # spellings SQL leaves to Python (Excel's timestamp, "TRUE", "+5", padded cells, a
    # thousands separator, a percent sign) next to ones SQL takes: both paths store the same
    rows = ("c1, E1 ,2026/10/1 9:05,phone,+5,\"1,000\",TRUE\n"
            "c2,E2,2026-10-01 09:05,email,05,50%,yes\n"
            " c3 ,E1,2026-10-01T09:05:00,phone, 7 ,0.5, 是 \n"
            "c4,E2,2026-10-01 09:05:00.000,email,2,-0,0\n")
    rs_text = RS.replace("max = 100, required", "max = 1000, required")
    write_files(tmp_path, {"scorecard.toml": rs_text, "employees.csv": EMPLOYEES,
                           "calls.csv": HEADER + rows})
    rs = load_ruleset(tmp_path / "scorecard.toml")
    table = source_table(rs.dataset, "calls")
    a = Store(tmp_path / "a.db")
    ingest(a, rs)
    monkeypatch.setattr(ingest_mod, "_sql_plan", lambda *args: None)  # row by row
    b = Store(tmp_path / "b.db")
    ingest(b, rs)
    sql = f"SELECT * FROM [{table}] ORDER BY _line"
    stored = a.conn.execute(sql).fetchall()
    assert stored == b.conn.execute(sql).fetchall()
    # 2026-10-01 09:05 = 1790812800 + 9 × 3600 + 5 × 60 = 1790845500, four times
    assert [r[3] for r in stored] == [1790845500] * 4
    assert [r[1] for r in stored] == ["c1", "c2", "c3", "c4"]
    assert [(r[5], r[6], r[7]) for r in stored] == [(5, "1000", 1), (5, "50", 1), (7, "0.5", 1),
                                                    (2, "-0", 0)]


def test_bad_timestamp(tmp_path, staged):
    # 2026 is not a leap year: SQLite's date functions would read 02-30 as 03-02; spelled
    # back it differs, so Python decides, and refuses it
    rs = _files(tmp_path, "c1,E1,2026-10-01 08:00,phone,1,,\nc2,E1,2026-02-30 08:00,phone,1,,\n")
    r = _cli_ingest(tmp_path)
    assert r.exit_code == 2
    assert _problem_lines(r.output) == [
        f"calls.csv:3:at: '2026-02-30 08:00' is not a timestamp {TS_FORMS}"]
    assert "1 problem(s) in the input data; nothing was stored." in r.output
    assert staged  # went through the staging table
    _nothing_stored(tmp_path, rs)


def test_bad_enum(tmp_path, staged):
    rs = _files(tmp_path, "c1,E1,2026-10-01 08:00,Phone,1,,\n")
    r = _cli_ingest(tmp_path)
    assert r.exit_code == 2
    assert _problem_lines(r.output) == [
        "calls.csv:2:channel: 'Phone' is not one of: phone, email"]
    assert staged
    _nothing_stored(tmp_path, rs)


def test_out_of_range_numbers(tmp_path, staged):
    # n is 1..9: 0 and 10 are out, 1 and 9 (the bounds) are in; share is 0..100: 100.5 is out
    rows = ("c1,E1,2026-10-01 08:00,phone,1,100,\n"
            "c2,E1,2026-10-01 08:00,phone,0,,\n"
            "c3,E1,2026-10-01 08:00,phone,9,0,\n"
            "c4,E1,2026-10-01 08:00,phone,10,100.5,\n")
    rs = _files(tmp_path, rows)
    r = _cli_ingest(tmp_path)
    assert r.exit_code == 2
    # every bad cell of a row, in column order
    assert _problem_lines(r.output) == [
        "calls.csv:3:n: 0 is out of range [1, 9]",
        "calls.csv:5:n: 10 is out of range [1, 9]",
        "calls.csv:5:share: 100.5 is out of range [0, 100]",
    ]
    assert staged
    _nothing_stored(tmp_path, rs)


def test_blank_required_cell(tmp_path, staged):
    rs = _files(tmp_path, "c1,,2026-10-01 08:00,phone,1,,\n")
    r = _cli_ingest(tmp_path)
    assert r.exit_code == 2
    assert _problem_lines(r.output) == [
        "calls.csv:2:employee_id: blank, but this column is required"]
    _nothing_stored(tmp_path, rs)


@pytest.mark.parametrize("batch", [2, 50_000])
def test_duplicate_key_across_batches_in_line_order(tmp_path, monkeypatch, staged, batch):
    monkeypatch.setattr(ingest_mod, "BATCH", batch)
    # with batches of 2: lines 2-3, 4-5, 6-7; line 6 repeats c2 of line 3 (another batch),
    # line 7 repeats it again; line 4 has a bad enum and line 5 repeats c4's key of the bad
    # line 4, which is no duplicate: a bad row is not stored, so c4 is first seen on line 5
    rows = ("c1,E1,2026-10-01 08:00,phone,1,,\n"
            "c2,E1,2026-10-01 08:00,phone,1,,\n"
            "c4,E1,2026-10-01 08:00,fax,1,,\n"
            "c4,E2,2026-10-01 08:00,phone,1,,\n"
            "c2,E2,2026-10-01 09:00,phone,1,,\n"
            " c2,E1,2026-10-01 10:00,phone,1,,\n")
    rs = _files(tmp_path, rows)
    r = _cli_ingest(tmp_path)
    assert r.exit_code == 2
    assert _problem_lines(r.output) == [
        "calls.csv:4:channel: 'fax' is not one of: phone, email",
        "calls.csv:6:call_id: duplicate call_id 'c2' (first on line 3)",
        "calls.csv:7:call_id: duplicate call_id 'c2' (first on line 3)",
    ]
    assert staged
    _nothing_stored(tmp_path, rs)


def test_unknown_employee(tmp_path, staged):
    rs = _files(tmp_path, "c1,E1,2026-10-01 08:00,phone,1,,\nc2,E7,2026-10-01 08:00,phone,1,,\n")
    r = _cli_ingest(tmp_path)
    assert r.exit_code == 2
    assert _problem_lines(r.output) == [
        "calls.csv:3:employee_id: employee_id 'E7' is not in employees.csv"]
    assert staged
    _nothing_stored(tmp_path, rs)


def test_problems_in_a_later_batch_and_a_short_and_a_long_row(tmp_path, monkeypatch, staged):
    monkeypatch.setattr(ingest_mod, "BATCH", 2)
    # line 3 is short (reads as blank cells: n is required), line 5 has an unquoted comma
    # (8 cells under 7 columns), line 6 (third batch) a bad timestamp; lines in order
    rows = ("c1,E1,2026-10-01 08:00,phone,1,,\n"
            "c2,E1,2026-10-01 08:00,phone\n"
            "c3,E1,2026-10-01 08:00,phone,1,,\n"
            "c4,E1,2026-10-01 08:00,phone,1,1,000,1\n"
            "c5,E1,2026-10-01 24:00,phone,1,,\n")
    rs = _files(tmp_path, rows)
    with pytest.raises(DataError) as e:
        ingest(Store(tmp_path / "s.db"), rs)
    assert _problem_lines(e.value.message) == [
        "calls.csv:3:n: blank, but this column is required",
        "calls.csv:5: 8 cells but the header has 7 columns; quote values that contain the "
        "delimiter",
        f"calls.csv:6:at: '2026-10-01 24:00' is not a timestamp {TS_FORMS}",
    ]
    _nothing_stored(tmp_path, rs)


class _Spec:
    def __init__(self, type, choices=(), min=None, max=None):
        self.type, self.choices, self.min, self.max = type, list(choices), min, max


SPECS = [_Spec("str"), _Spec("enum", ["a", "b c", "是", " d"]), _Spec("bool"),
         _Spec("int", min=-3, max=1000), _Spec("decimal", min="-1.5", max="100"),
         _Spec("timestamp"), _Spec("date"), _Spec("period")]
# the pieces valid and nearly valid cells are made of
PIECES = ["2026-10-01 08:00", "2026-10-01T08:00:00", "2026-10-01 08:00:00",
          "2026-10-01", "2024-02-29", "2026-02-29", "0000-01-01", "0001-01-01", " ", "T", "08:00",
          "23:59:59", "24:00", ":60", "2026-07", "2026-13", "1", "0", "-", "+", ".", "5", "007",
          "100", "100.0", "1e3", ",", "%", "a", "b c", "是", "TRUE", "yes", "\u3000", "\xa0",
          "\x00", "\t", "中", "１", "d"]


def _check_sql_against_python(conn, spec, cell):
    form, epoch, _ = sql_column(spec)
    value, ok = form("?1", "unixepoch(?1)" if epoch else None)
    if spec.type == "str":  # as the staged load adds for its text columns: a NUL is Python's
        ok += " AND instr(?1, char(0)) = 0"
    got, taken = conn.execute(f"SELECT {value}, {ok}, ?2".replace(":ws", "?2"),
                              (cell, WHITESPACE)).fetchone()[:2]
    if taken and cell != "":
        text = cell.strip()
        assert text, cell
        assert make_converter(spec)(text) == got, (spec.type, cell, got)
    return bool(taken)


def test_sql_takes_a_cell_only_as_python_converts_it_every_pair_of_pieces():
    """Where SQL says ok, the row-by-row converter accepts the stripped cell and gives the
    very value SQL stores (where SQL says no, Python decides): every piece and every pair."""
    conn = sqlite3.connect(":memory:")
    taken = 0
    for spec in SPECS:
        for a in PIECES:
            for b in ["", *PIECES]:
                taken += _check_sql_against_python(conn, spec, a + b)
    assert taken > 50  # SQL does take the usual spellings


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=3, max_size=6), st.sampled_from(SPECS))
def test_sql_takes_a_cell_only_as_python_converts_it(pieces, spec):
    """The same for longer cells made of the pieces."""
    _check_sql_against_python(sqlite3.connect(":memory:"), spec, "".join(pieces))


def test_two_blank_keys_are_duplicates_as_row_by_row(tmp_path, staged):
    # an optional key: a unique index lets NULLs repeat, the row-by-row check did not (the
    # second blank key is a duplicate of the first); line 2 and line 4 are blank
    write_files(tmp_path, {"scorecard.toml": RS.replace('call_id = "str"', 'call_id = "str?"'),
                           "employees.csv": EMPLOYEES,
                           "calls.csv": HEADER + ",E1,2026-10-01 08:00,phone,1,,\n"
                                                 "c2,E1,2026-10-01 08:00,phone,1,,\n"
                                                 " ,E2,2026-10-01 08:00,phone,1,,\n"})
    rs = load_ruleset(tmp_path / "scorecard.toml")
    with pytest.raises(DataError) as e:
        ingest(Store(tmp_path / "s.db"), rs)
    assert _problem_lines(e.value.message) == [
        "calls.csv:4:call_id: duplicate call_id None (first on line 2)"]
    assert staged
    _nothing_stored(tmp_path, rs)


def test_python_checks_take_a_cell_only_as_the_converter_keeps_it():
    """The str, enum and bool columns are checked in Python a whole column at a time before
    staging; a cell they take is stored as it is (bools as SQL maps them): the converter
    must give the same for the stripped cell. Required, optional and defaulted columns."""
    conn = sqlite3.connect(":memory:")
    cells = [a + b for a in PIECES for b in ["", *PIECES]]
    for spec in SPECS[:3]:
        for required, default in ((True, None), (False, None), (False, "a")):
            conv = make_converter(spec)
            plan = ingest_mod._sql_plan({"c": spec}, ["c"], [conv], [default], [required])
            _, values, _, checks = plan
            assert [c[0] for c in checks] == [0]
            bad = ingest_mod._python_checks([[c] for c in cells], checks)
            for j, cell in enumerate(cells):
                if j in bad:
                    continue
                (got,) = conn.execute(f"SELECT {values[0].replace('s0', '?1')}",
                                      (cell,)).fetchone()
                if cell == "":
                    assert not required
                    want = None if default is None else conv(default)
                else:
                    want = conv(cell.strip())
                assert got == want, (spec.type, cell, got)


def test_rising_keys_skip_the_duplicate_check_but_a_row_python_fixed_does_not(tmp_path,
                                                                              monkeypatch):
    # keys in rising order cannot repeat: the check after the load is skipped; a padded key
    # (" c1", line 5) is not taken as read, Python strips it to c1 and stores it: then the
    # check runs and finds it repeats line 2
    checked = []
    real = ingest_mod._find_duplicates
    monkeypatch.setattr(ingest_mod, "_find_duplicates",
                        lambda *a: checked.append(a[1]) or real(*a))
    rows = ("c1,E1,2026-10-01 08:00,phone,1,,\n"
            "c2,E1,2026-10-01 08:00,phone,1,,\n"
            "c3,E2,2026-10-01 08:00,phone,1,,\n")
    rs = _files(tmp_path, rows)
    assert ingest(Store(tmp_path / "s.db"), rs)["calls"] == ("ingested", 3)
    assert checked == []  # employees (E1, E2) and calls (c1, c2, c3) both rise
    rs = _files(tmp_path / "b", rows + " c1,E2,2026-10-01 09:00,phone,1,,\n")
    with pytest.raises(DataError) as e:
        ingest(Store(tmp_path / "b" / "s.db"), rs)
    assert checked == [source_table(rs.dataset, "calls")]
    assert _problem_lines(e.value.message) == [
        "calls.csv:5:call_id: duplicate call_id 'c1' (first on line 2)"]
