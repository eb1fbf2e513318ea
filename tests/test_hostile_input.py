"""Hostile or odd input (issue 14): every case ends with exit code 2 and a message naming the
file and the line or key, never a traceback, a hang, or anything half written. Cases that hung
before the fix run in a subprocess with a time limit, so a regression fails instead of hanging
the suite."""

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scorecard.cli import cli
from scorecard.ruleset import load_ruleset
from scorecard.store import Store, source_table
from scorecard.testing import write_files

RS = """
[ruleset]
org = "t"
period = "month"

[sources.employees]
path = "employees.csv"
key = "employee_id"

[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"
level = "str?"

[sources.calls]
path = "calls.csv"
key = "call_id"
period_by = "at"

[sources.calls.columns]
call_id = "str"
employee_id = "str"
at = "timestamp"
n = { type = "int", default = 1, min = 1 }
score = { type = "decimal", min = 0, max = 100 }

[scorecards.s]
[[scorecards.s.items]]
id = "n"
type = "count"
source = "calls"
max = 10
"""
EMPLOYEES = "employee_id,name,role,level\nE1,Ann,agent,junior\nE2,Bo,agent,senior\n"
CALLS = """\
call_id,employee_id,at,n,score
c1,E1,2026-10-01 08:00,1,85
c2,E2,2026-10-02 09:00:30,2,90.5
"""


def _files(tmp_path, rs=RS, calls=CALLS, employees=EMPLOYEES, **more):
    write_files(tmp_path, {"scorecard.toml": rs, "employees.csv": employees, "calls.csv": calls,
                           **more})
    return tmp_path / "scorecard.toml"


def _run(config, *args):
    return CliRunner().invoke(cli, [*args, "-c", str(config)])


def _refused(result, *fragments):
    """Exit 2 with a message (no traceback: the exception is click's own exit)."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in result.output, result.output
    return result.output


def _table(config, source="calls"):
    return source_table(load_ruleset(config).dataset, source)


def _nothing_stored(config, source="calls"):
    db = Path(config).parent / "scorecard.db"
    if not db.exists():
        return
    assert not Store(db).has_table(_table(config, source))


def _cli_subprocess(config, *args, timeout=60):
    """The real command in its own process, bounded in time (these cases hung before)."""
    r = subprocess.run([sys.executable, "-m", "scorecard.cli", *args, "-c", str(config)],
                       capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in r.stderr, r.stderr
    return r


# -- numbers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell, why", [
    ("1e999999999", "within 40 digits"),  # its exact value has a billion digits: it hung
    ("1E-999999999", "within 40 digits"),
    ("1e9999999", "within 40 digits"),  # exit 1 after 11 s before
    ("9" * 5000, "within 40 digits"),
    ("1_0", "is not a decimal number"),  # Decimal() takes it
    ("١٠", "is not a decimal number"),  # Arabic-Indic 10: Decimal() takes it
    ("１０", "is not a decimal number"),  # full-width
])
def test_decimal_cells_are_bounded_and_ascii(tmp_path, cell, why):
    config = _files(tmp_path, calls=CALLS + f"c3,E1,2026-10-03 10:00,1,{cell}\n")
    if "999999" in cell:  # these hung (or took 11 s): in a process of their own, bounded
        r = _cli_subprocess(config, "ingest", timeout=30)
        assert r.returncode == 2, r.stderr
        out = r.stderr
    else:
        out = _refused(_run(config, "ingest"))
    assert "calls.csv:4:score:" in out and why in out
    _nothing_stored(config)


@pytest.mark.parametrize("cell, why", [
    ("9223372036854775808", "is too large for a whole-number column"),  # 2^63: OverflowError
    ("-9223372036854775809", "is too large for a whole-number column"),
    ("1_0", "is not a whole number"),
    ("١٠", "is not a whole number"),
    ("+", "is not a whole number"),
])
def test_int_cells_fit_sqlite_and_are_ascii(tmp_path, cell, why):
    config = _files(tmp_path, calls=CALLS + f"c3,E1,2026-10-03 10:00,{cell},1\n")
    _refused(_run(config, "ingest"), f"calls.csv:4:n: '{cell}' {why}")
    _nothing_stored(config)


def test_largest_int_is_stored(tmp_path):
    # 2^63 - 1 = 9223372036854775807 is SQLite's largest integer: accepted
    config = _files(tmp_path, calls=CALLS + "c3,E1,2026-10-03 10:00,9223372036854775807,1\n")
    assert _run(config, "ingest").exit_code == 0
    store = Store(tmp_path / "scorecard.db")
    (n,) = store.conn.execute(f"SELECT max(n) FROM [{_table(config)}]") \
        .fetchone()
    assert n == 2**63 - 1


# -- timestamps and dates -----------------------------------------------------------------------
@pytest.mark.parametrize("cell", [
    "２０２６-10-03 10:00",  # full-width digits
    "2026-10-03x10:00",  # any separator but space or T
    "2026-10-03_10:00",
    "2026-10-03  10:00",  # two spaces
    "2026-10-03 +9:00",
    "2026-10-03 ٠٩:00",  # Arabic-Indic hour
    "03.10.2026 10:00",  # another form without a declared format
])
def test_timestamps_outside_the_contract_are_refused(tmp_path, cell):
    config = _files(tmp_path, calls=CALLS + f"c3,E1,{cell},1,1\n")
    out = _refused(_run(config, "ingest"), "calls.csv:4:at:", "is not a timestamp")
    assert "isoformat" not in out  # Python's own wording does not leak through


@pytest.mark.parametrize("cell, expected", [
    # Excel on a Chinese Windows; 2026-10-03 09:05 = the ISO form's value
    ("2026/10/3 9:05", "2026-10-03 09:05:00"),
    ("2026/10/03 09:05:00", "2026-10-03 09:05:00"),
    ("2026-10-03T09:05", "2026-10-03 09:05:00"),
])
def test_excel_timestamp_forms_are_accepted(tmp_path, cell, expected):
    from scorecard.columns import format_timestamp

    config = _files(tmp_path, calls=CALLS + f"c3,E1,{cell},1,1\n")
    assert _run(config, "ingest").exit_code == 0
    store = Store(tmp_path / "scorecard.db")
    (at,) = store.conn.execute(f"SELECT at FROM [{_table(config)}] WHERE "
                               f"call_id = 'c3'").fetchone()
    assert format_timestamp(at) == expected


def test_bare_date_in_a_timestamp_column_needs_allow_date(tmp_path):
    calls = CALLS + "c3,E1,2026/10/3,1,1\nc4,E1,2026-10-31,1,1\n"
    config = _files(tmp_path, calls=calls)
    _refused(_run(config, "ingest"), "calls.csv:4:at: '2026/10/3' is not a timestamp",
             "allow_date = true")
    rs = RS.replace('at = "timestamp"', 'at = { type = "timestamp", allow_date = true }')
    config = _files(tmp_path, rs=rs, calls=calls)
    assert _run(config, "ingest").exit_code == 0
    # the rows land in October: c1, c2, c3, c4 -> E1 has c1, c3, c4 = 3 calls
    r = _run(config, "evaluate", "-p", "2026-10")
    assert r.exit_code == 0, r.output


def test_declared_format(tmp_path):
    rs = RS.replace('at = "timestamp"', 'at = { type = "timestamp", format = "%d.%m.%Y %H:%M" }')
    config = _files(tmp_path, rs=rs, calls=CALLS + "c3,E1,03.10.2026 09:05,1,1\n")
    assert _run(config, "ingest").exit_code == 0, _run(config, "ingest").output
    config = _files(tmp_path, rs=rs, calls=CALLS + "c3,E1,03.10.2026 9h05,1,1\n")
    _refused(_run(config, "ingest", "--force"),
             "calls.csv:4:at: '03.10.2026 9h05' is not a timestamp in the declared format "
             "'%d.%m.%Y %H:%M'")


@pytest.mark.parametrize("fmt, why", [
    ("%H:%M", "is not a date format with a year, month and day"),
    ("%d.%m.%Y %H:%M %z", "%z is not allowed"),
    ("%Y-%m-%d %H:%M:%S.%f", "%f is not allowed"),
])
def test_bad_format_is_refused_at_load(tmp_path, fmt, why):
    rs = RS.replace('at = "timestamp"', f'at = {{ type = "timestamp", format = "{fmt}" }}')
    _refused(_run(_files(tmp_path, rs=rs), "ingest"), "sources.calls.columns.at.format", why)


def test_excel_serials_in_xlsx(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["call_id", "employee_id", "at", "n", "score"])
    # 46298 = 2026-10-03 (serial 1 = 1900-01-01; 46296 = 2026-10-01); .375 = 9:00
    ws.append(["c1", "E1", 46298.375, 1, 5])
    ws.append(["c2", "E1", "2026/10/4 10:00", 1, 5])
    # a time read back a microsecond short of the second (binary fractions of a day)
    import datetime as dt

    ws.append(["c3", "E1", dt.datetime(2026, 10, 5, 9, 4, 59, 999999), 1, 5])
    wb.save(tmp_path / "calls.xlsx")
    rs = RS.replace('path = "calls.csv"', 'type = "xlsx"\npath = "calls.xlsx"')
    config = _files(tmp_path, rs=rs)
    r = _run(config, "ingest")
    assert r.exit_code == 0, r.output
    from scorecard.columns import format_timestamp

    store = Store(tmp_path / "scorecard.db")
    rows = store.conn.execute(f"SELECT at FROM [{_table(config)}] ORDER BY "
                              f"call_id").fetchall()
    assert [format_timestamp(a) for (a,) in rows] == ["2026-10-03 09:00:00",
                                                       "2026-10-04 10:00:00",
                                                       "2026-10-05 09:05:00"]


def test_excel_serials_only_from_xlsx(tmp_path):
    # in a CSV, 46298 is a number, not a date
    _refused(_run(_files(tmp_path, calls=CALLS + "c3,E1,46298,1,1\n"), "ingest"),
             "calls.csv:4:at: '46298' is not a timestamp")


# -- headers ------------------------------------------------------------------------------------
def test_name_beside_NAME_is_a_duplicate(tmp_path):
    employees = "employee_id,name,role,level,NAME\nE1,Ann,agent,junior,X\nE2,Bo,agent,,Y\n"
    _refused(_run(_files(tmp_path, employees=employees), "ingest"),
             "employees.csv:1: column 'name' appears 2 times in the header ('name', 'NAME')")


# -- a file full of bad cells -------------------------------------------------------------------
def test_many_bad_cells_are_counted_truly_and_grouped(tmp_path):
    # 3000 rows: every one has a bad timestamp, every third also a bad score (1000 rows), and
    # one row has an unknown n -> 3000 + 1000 + 1 = 4001 problems, in three groups
    lines = ["call_id,employee_id,at,n,score"]
    for i in range(3000):
        score = "high" if i % 3 == 0 else "50"
        n = "many" if i == 7 else "1"
        lines.append(f"k{i},E1,2026-10-01 25:00,{n},{score}")
    out = _refused(_run(_files(tmp_path, calls="\n".join(lines) + "\n"), "ingest"),
                   "4001 problem(s) in the input data; nothing was stored.")
    assert "calls.csv, column at: 3000 × is not a timestamp" in out
    assert "calls.csv, column score: 1000 × is not a decimal number" in out
    assert "calls.csv, column n: 1 × is not a whole number" in out
    # the first lines of each group, then how many more
    assert "calls.csv:2:at: '2026-10-01 25:00' is not a timestamp" in out
    assert "... and 2997 more like these" in out
    assert len(out.splitlines()) < 30


# -- rule-set values ----------------------------------------------------------------------------
ITEM_MAX = 'source = "calls"\nmax = 10'


def _max(value):
    return _rs_edit(ITEM_MAX, f'source = "calls"\nmax = {value}')


def _rs_edit(old, new, rs=RS):
    assert old in rs
    return rs.replace(old, new, 1)


@pytest.mark.parametrize("rs, key, why", [
    (_rs_edit('[ruleset]\norg = "t"\nperiod = "month"', 'ruleset = 5'), "ruleset",
     "expected a table, got 5"),
    ('rounding = 1.5\n' + RS, "rounding", "expected a table, got 1.5"),
    (_rs_edit('[sources.employees]\npath = "employees.csv"\nkey = "employee_id"\n\n'
              '[sources.employees.columns]\nemployee_id = "str"\nname = "str"\nrole = "str"\n'
              'level = "str?"', '[sources]\nemployees = true'),
     "sources.employees", "expected a table, got True"),
    (_rs_edit('path = "calls.csv"', 'path = "calls.csv"\ntype = 5'), "sources.calls.type",
     "expected a string"),
    (_rs_edit('type = "count"', 'type = 5'), "scorecards.s.items[0].type", ""),
    (_max('1e308'), "scorecards.s.items[0].max", "too large"),
    (_max('"1e999999999"'), "scorecards.s.items[0].max", "too large"),
    (_max("9" * 5000), "", "more than 40 digits"),
    (_max('"' + "9" * 5000 + '"'), "scorecards.s.items[0].max",
     "too many digits"),
    (_max('1e-300'), "scorecards.s.items[0].max", "places after"),
    (_rs_edit(ITEM_MAX, ITEM_MAX + "\nlabel = " + "[" * 500 + "]" * 500), "",
     "nested too deep"),
    (_rs_edit('[scorecards.s]', '[scorecards.s]\nfocus_sections = -5'),
     "scorecards.s.focus_sections", "0 or more"),
    (_rs_edit('path = "calls.csv"', 'path = "calls.csv"\ndelimiter = ""'),
     "sources.calls.delimiter", "expected one character"),
    (_rs_edit('path = "calls.csv"', 'path = "calls.csv"\ndelimiter = ";;"'),
     "sources.calls.delimiter", "expected one character"),
    (_rs_edit('path = "calls.csv"', 'path = "calls.csv"\nencoding = "rot13"'),
     "sources.calls.encoding", "'rot13' is not a text encoding"),
    (_rs_edit('path = "calls.csv"', 'path = "calls.csv"\nencoding = "klingon"'),
     "sources.calls.encoding", "unknown encoding 'klingon'"),
    (_rs_edit('min = 1 }', 'min = 5, max = 2 }'), "sources.calls.columns.n.min",
     "min 5 is above max 2"),
    (_rs_edit('default = 1, min = 1', 'default = 0, min = 1'), "sources.calls.columns.n.default",
     "does not accept its own default: 0 is out of range [1, ]"),
    (_rs_edit('default = 1, min = 1', 'default = "x", min = 1'),
     "sources.calls.columns.n.default", "'x' is not a whole number"),
    (_rs_edit('default = 1, min = 1', 'default = [1], min = 1'),
     "sources.calls.columns.n.default", "expected a plain value"),
    (_rs_edit('call_id = "str"', 'call_id = "enum:"'), "sources.calls.columns.call_id",
     "an enum column needs its choices"),
    (_rs_edit('call_id = "str"', 'call_id = { type = "str", min = 1 }'),
     "sources.calls.columns.call_id.min", "a range applies to int and decimal columns"),
    (_rs_edit('path = "calls.csv"', 'path = "' + "a" * 5000 + '"'), "sources.calls.path",
     "not a usable file name (5000 characters)"),
])
def test_bad_rule_set_values_are_errors_at_their_key(tmp_path, rs, key, why):
    out = _refused(_run(_files(tmp_path, rs=rs), "ingest"), "scorecard.toml", why)
    assert key in out


@pytest.mark.parametrize("path, why", [("data", "is a directory"), ("../../", "is a directory"),
                                       (".", "is a directory"),
                                       ("/dev/zero", "is not a regular file")])  # never ends
def test_source_path_naming_a_directory_or_a_device(tmp_path, path, why):
    (tmp_path / "data").mkdir()
    config = _files(tmp_path, rs=_rs_edit('path = "calls.csv"', f'path = "{path}"'))
    if path.startswith("/dev/"):  # it was read forever: in a process of its own, bounded
        r = _cli_subprocess(config, "ingest", timeout=30)
        assert r.returncode == 2 and why in r.stderr and "sources.calls" in r.stderr, r.stderr
        return
    _refused(_run(config, "ingest"), why, "sources.calls")


@pytest.mark.parametrize("target", ["data", "/dev/zero"])
def test_extends_naming_a_directory_or_an_endless_file(tmp_path, target):
    (tmp_path / "data").mkdir()
    config = _files(tmp_path, rs=_rs_edit('org = "t"', f'org = "t"\nextends = "{target}"'))
    r = _cli_subprocess(config, "ingest", timeout=30)  # /dev/zero grew to 5.8 GB before
    assert r.returncode == 2
    assert ("is a directory" if target == "data" else "larger than 4 MB") in r.stderr


def test_non_string_id_in_an_extending_file(tmp_path):
    write_files(tmp_path, {"base.toml": RS, "employees.csv": EMPLOYEES, "calls.csv": CALLS,
                           "site.toml": '[ruleset]\norg = "t"\nextends = "base.toml"\n\n'
                                        '[[scorecards.s.items]]\nid = { a = 1 }\ntype = "count"\n'
                                        'source = "calls"\n'})
    out = _refused(_run(tmp_path / "site.toml", "ingest"), "site.toml", "expected a string")
    assert "scorecards.s.items[0].id" in out


# -- encodings ----------------------------------------------------------------------------------
def _employees_bytes(n_utf8, n_gbk):
    """Chinese names, the first ``n_utf8`` lines in UTF-8 and the next ``n_gbk`` in GBK."""
    rows = [b"employee_id,name,role,level\n"]
    names = ["黄宇航", "徐霞", "周诗涵", "唐桂英", "王芳"]
    for i in range(n_utf8 + n_gbk):
        enc = "utf-8" if i < n_utf8 else "gbk"
        rows.append(f"E{i + 1},{names[i % 5]},agent,junior\n".encode(enc))
    return b"".join(rows)


def test_mixed_encoding_file_is_refused_naming_the_first_bad_line(tmp_path):
    # 100 UTF-8 lines, then 30 GBK ones: line 1 is the header, so the first GBK line is 102
    config = _files(tmp_path, employees=_employees_bytes(100, 30), calls=CALLS)
    out = _refused(_run(config, "ingest"), "employees.csv:102:", "mixes encodings",
                   "encoding = ", "sources.employees")
    assert "30 (first this one) are not" in out
    _nothing_stored(config, "employees")


@pytest.mark.parametrize("data, name", [
    (_employees_bytes(0, 40), "GBK"),
    ("employee_id,name,role,level\nE1,黄宇航,agent,junior\nE2,徐霞,agent,\n".encode("gb18030"),
     "GB18030"),
    (_employees_bytes(40, 0), "UTF-8"),
    (b"\xef\xbb\xbf" + _employees_bytes(40, 0), "UTF-8 with BOM"),
])
def test_single_encodings_are_detected(tmp_path, data, name):
    config = _files(tmp_path, employees=data, calls=CALLS)
    r = _run(config, "ingest")
    assert r.exit_code == 0, (name, r.output)
    store = Store(tmp_path / "scorecard.db")
    (first,) = store.conn.execute(f"SELECT name FROM [{_table(config, 'employees')}] "
                                  f"WHERE employee_id = 'E1'").fetchone()
    assert first == "黄宇航", name


def test_utf16_is_a_codec_but_a_utf8_file_is_not_utf16(tmp_path):
    rs = _rs_edit('path = "calls.csv"', 'path = "calls.csv"\nencoding = "utf-16"')
    _refused(_run(_files(tmp_path, rs=rs), "ingest"), "calls.csv:", "cannot be read as utf-16",
             "sources.calls")
    # a real UTF-16 file reads
    write_files(tmp_path, {"calls.csv": CALLS.encode("utf-16")})
    assert _run(tmp_path / "scorecard.toml", "ingest").exit_code == 0


SURVEY_RS = RS + """
[sources.surveys]
path = "surveys.csv"
period_by = "at"

[sources.surveys.columns]
employee_id = "str"
at = "timestamp"
a = { type = "int", required = false, min = 1, max = 5 }
b = { type = "int", required = false, min = 1, max = 5 }

[[scorecards.s.items]]
id = "csi"
type = "likert"
source = "surveys"
dimensions = { a = 0.5, b = 0.5 }
points_per_level = 20
"""


@pytest.mark.parametrize("rs, key, why", [
    (SURVEY_RS.replace("points_per_level = 20", "points_per_level = -20"),
     "scorecards.s.items[1].points_per_level", "must be above 0"),
    (SURVEY_RS.replace("dimensions = { a = 0.5, b = 0.5 }", "dimensions = { a = 1e300, b = 1 }"),
     "scorecards.s.items[1].dimensions.a", "too large"),
    (SURVEY_RS.replace("dimensions = { a = 0.5, b = 0.5 }", "dimensions = { a = 1.5, b = -0.5 }"),
     "scorecards.s.items[1].dimensions.b", "a weight of 0 or more"),
    (_rs_edit(ITEM_MAX, ITEM_MAX + '\nscore = { type = "deduct", per = -1 }'),
     "scorecards.s.items[0].score.per", "0 or more, got -1"),
])
def test_parameters_that_cannot_be_meant_are_refused_at_load(tmp_path, rs, key, why):
    files = {"surveys.csv": "employee_id,at,a,b\nE1,2026-10-01 08:00,5,4\n"}
    out = _refused(_run(_files(tmp_path, rs=rs, **files), "ingest"), "scorecard.toml", why)
    assert key in out
    _nothing_stored(tmp_path / "scorecard.toml")


# -- exactness ----------------------------------------------------------------------------------
def test_stored_and_shown_numbers_are_exact():
    from fractions import Fraction

    from scorecard.numbers import fmt, quantize, to_text

    # 16 × 5.0000000000000000000000000000001 = 80.0000000000000000000000000000016: the 28-digit
    # default context made it exactly 80
    tiny = Fraction("5.0000000000000000000000000000001") * 16
    assert to_text(tiny) == "80.0000000000000000000000000000016"
    assert fmt(tiny) == "80.0000000000000000000000000000016"
    assert to_text(Fraction("12345678901234567890123456789.01")) == \
        "12345678901234567890123456789.01"
    assert to_text(Fraction(-1, 8)) == "-0.125" and to_text(Fraction(1, 3)) == "1/3"
    # rounding keeps every digit: ...789.015 half up to 0.01 -> ...789.02
    assert str(quantize(Fraction("12345678901234567890123456789.015"))) == \
        "12345678901234567890123456789.02"
    assert str(quantize(10**39, "0.01")) == "1" + "0" * 39 + ".00"


def test_a_long_decimal_cell_is_stored_exactly(tmp_path):
    cell = "12345678901234567890123456789.0000000000000000000000000000001"
    rs = RS.replace("score = { type = \"decimal\", min = 0, max = 100 }", "score = \"decimal\"")
    config = _files(tmp_path, rs=rs, calls=CALLS + f"c3,E1,2026-10-03 10:00,1,{cell}\n")
    assert _run(config, "ingest").exit_code == 0
    (stored,) = Store(tmp_path / "scorecard.db").conn.execute(
        f"SELECT score FROM [{_table(config)}] WHERE call_id = 'c3'").fetchone()
    assert stored == cell


# -- ranges known at ingest ---------------------------------------------------------------------
MARKS_RS = RS + """
[sources.marks]
path = "marks.csv"
period_by = "period"

[sources.marks.columns]
employee_id = "str"
period = "period"
item = "str"
mark = "decimal"
"""


def test_a_mark_above_the_item_max_is_refused_at_ingest_and_nothing_is_stored(tmp_path):
    # item n: max 10, deduct from the supervisor's mark; a mark of 11 in ANY period (here
    # September, not the evaluated month) is refused before the ingest commits
    rs = _rs_edit(ITEM_MAX, ITEM_MAX + '\nscore = { type = "deduct", base_source = "marks" }',
                  rs=MARKS_RS)
    good = "employee_id,period,item,mark\nE1,2026-10,n,8\n"
    config = _files(tmp_path, rs=rs, **{"marks.csv": good})
    r = _run(config, "evaluate", "-p", "2026-10")
    assert r.exit_code == 0, r.output
    store = Store(tmp_path / "scorecard.db")
    before = store.conn.execute(f"SELECT * FROM [{_table(config, 'marks')}]").fetchall()

    write_files(tmp_path, {"marks.csv": good + "E2,2026-09,n,11\n"})
    _refused(_run(config, "ingest"),
             "marks.csv:3:mark: mark 11 for n is outside 0..10")
    # the earlier ingest is still what the store holds: the bad file was not committed
    store = Store(tmp_path / "scorecard.db")
    assert store.conn.execute(f"SELECT * FROM [{_table(config, 'marks')}]").fetchall() == before
    _refused(_run(config, "evaluate", "-p", "2026-10"), "marks.csv:3:mark:")
    # --quarantine keeps the good rows and sets the bad one aside
    r = _run(config, "ingest", "--quarantine")
    assert r.exit_code == 0, r.output
    (n,) = Store(tmp_path / "scorecard.db").conn.execute(
        f"SELECT count(*) FROM [{_table(config, 'marks')}]").fetchone()
    assert n == 1


# -- files that are not what their source type says ---------------------------------------------
@pytest.mark.parametrize("kind, data, where, why", [
    ("xlsx", CALLS.encode(), "calls.xlsx", "not an .xlsx workbook that can be read"),
    ("xlsx", b"", "calls.xlsx", "not an .xlsx workbook that can be read"),
    ("jsonl", b'{"call_id": "c1", "employee_id": "E1", "at": "2026-10-01 08:00", "n": 1, '
              b'"score": "\xff"}\n', "calls.jsonl:1", "not UTF-8"),
    ("csv", b"call_id," + b"x" * 200_000 + b"\n", "calls.csv:1", "bad CSV header: field larger"),
])
def test_a_file_that_is_not_its_type(tmp_path, kind, data, where, why):
    rs = _rs_edit('path = "calls.csv"', f'type = "{kind}"\npath = "calls.{kind}"')
    config = _files(tmp_path, rs=rs, **{f"calls.{kind}": data})
    _refused(_run(config, "ingest"), where, why)
    _nothing_stored(config)


def test_a_long_mark_stays_exact_in_the_stored_run(tmp_path):
    # base = the supervisor's mark 5.0000000000000000000000000000001 (31 places), no incident
    # of E2's: points = 5.0000000000000000000000000000001 exactly, lost = 10 − that
    # = 4.9999999999999999999999999999999; the 28-digit context stored 5 and 5
    rs = _rs_edit(ITEM_MAX, ITEM_MAX + '\nscore = { type = "deduct", base_source = "marks" }',
                  rs=MARKS_RS)
    mark = "5.0000000000000000000000000000001"
    calls = "call_id,employee_id,at,n,score\nc1,E1,2026-10-01 08:00,1,85\n"
    config = _files(tmp_path, rs=rs, calls=calls,
                    **{"marks.csv": f"employee_id,period,item,mark\nE2,2026-10,n,{mark}\n"})
    r = _run(config, "evaluate", "-p", "2026-10")
    assert r.exit_code == 0, r.output
    store = Store(tmp_path / "scorecard.db")
    points, lost = store.conn.execute(
        "SELECT points, lost FROM items WHERE employee_id = 'E2' AND item_id = 'n'").fetchone()
    assert points == mark
    assert lost == "4.9999999999999999999999999999999"
