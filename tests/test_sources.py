"""Source readers: CSV in UTF-8 (with or without BOM) and GB18030/GBK, an Excel sheet written
with openpyxl, a SQLite table or query, JSON lines; each ingested and read back."""

import datetime as dt
import sqlite3

import pytest
from blockkit import HEAD

from scorecard.errors import DataError, ScorecardError
from scorecard.ingest import ingest
from scorecard.ruleset import load_ruleset
from scorecard.store import Store, source_table
from scorecard.testing import write_files

EMP_DECL = HEAD.format(calendar="", period_kind="month")


def _load(tmp_path, sources, files):
    write_files(tmp_path, {"scorecard.toml": EMP_DECL + sources + _CARD, **files})
    rs = load_ruleset(tmp_path / "scorecard.toml")
    store = Store(tmp_path / "scorecard.db")
    return rs, store, ingest(store, rs)


_CARD = """
[scorecards.s]
[[scorecards.s.items]]
id = "n"
type = "count"
source = "employees"
"""


def rows(store, rs, name, cols="*"):
    return store.conn.execute(f"SELECT {cols} FROM [{source_table(rs.dataset, name)}] "
                              f"ORDER BY _line").fetchall()


CN = "employee_id,name,role,level\nE1,张三,客服,初级\nE2,李四,客服,高级\n"


@pytest.mark.parametrize("data", [
    CN.encode("utf-8"), b"\xef\xbb\xbf" + CN.encode("utf-8"), CN.encode("gb18030"),
    CN.encode("gbk"),
], ids=["utf8", "utf8-bom", "gb18030", "gbk"])
def test_csv_encodings_detected(tmp_path, data):
    rs, store, _ = _load(tmp_path, "", {"employees.csv": data})
    assert rows(store, rs, "employees", "employee_id, name, role") == [
        ("E1", "张三", "客服"), ("E2", "李四", "客服")]


def test_csv_encoding_set_per_source(tmp_path):
    src = 'encoding = "gb18030"\n'
    text = EMP_DECL.replace('key = "employee_id"\n', 'key = "employee_id"\n' + src)
    write_files(tmp_path, {"scorecard.toml": text + _CARD, "employees.csv": CN.encode("gbk")})
    rs = load_ruleset(tmp_path / "scorecard.toml")
    store = Store(tmp_path / "scorecard.db")
    ingest(store, rs)
    assert rows(store, rs, "employees", "name") == [("张三",), ("李四",)]


def test_csv_wrong_declared_encoding_names_the_line(tmp_path):
    text = EMP_DECL.replace('key = "employee_id"\n', 'key = "employee_id"\nencoding = "utf-8"\n')
    data = b"employee_id,name,role,level\nE1,A,agent,\n" + CN.encode("gbk")[28:]
    write_files(tmp_path, {"scorecard.toml": text + _CARD, "employees.csv": data})
    rs = load_ruleset(tmp_path / "scorecard.toml")
    with pytest.raises(DataError) as e:
        ingest(Store(tmp_path / "scorecard.db"), rs)
    assert "employees.csv:3: cannot be read as utf-8" in e.value.message
    assert 'set encoding = "..." on the source' in e.value.message


def test_xlsx_sheet(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "other"
    ws = wb.create_sheet("Oct")
    ws.append(["employee_id", "day", "at", "score", "ok"])
    ws.append(["E1", dt.date(2026, 10, 1), dt.datetime(2026, 10, 1, 8, 30), 0.1 + 0.2, True])
    ws.append(["E2", dt.datetime(2026, 10, 2), "2026-10-02 09:00", 85, "否"])
    wb.save(tmp_path / "k.xlsx")
    src = """
[sources.k]
type = "xlsx"
path = "k.xlsx"
sheet = "Oct"
[sources.k.columns]
employee_id = "str"
day = "date"
at = "timestamp"
score = "decimal"
ok = "bool"
"""
    rs, store, _ = _load(tmp_path, src, {"employees.csv": CN})
    got = rows(store, rs, "k", "_line, employee_id, day, score, ok")
    # Excel's binary 0.30000000000000004 is read as Excel shows it: 0.3
    assert got == [(2, "E1", "2026-10-01", "0.3", 1), (3, "E2", "2026-10-02", "85", 0)]


def test_xlsx_missing_sheet(tmp_path):
    import openpyxl

    openpyxl.Workbook().save(tmp_path / "k.xlsx")
    src = '[sources.k]\ntype = "xlsx"\npath = "k.xlsx"\nsheet = "Nov"\n' \
          '[sources.k.columns]\nemployee_id = "str"\n'
    with pytest.raises(ScorecardError, match="no sheet 'Nov' \\(sheets: Sheet\\)"):
        _load(tmp_path, src, {"employees.csv": CN})


def _db(tmp_path):
    conn = sqlite3.connect(tmp_path / "crm.db")
    conn.execute("CREATE TABLE visits (employee_id TEXT, n INTEGER, rate REAL, note TEXT)")
    conn.executemany("INSERT INTO visits VALUES (?, ?, ?, ?)",
                     [("E1", 3, 0.5, None), ("E2", 0, 1.0, "x"), ("E1", 2, 0.25, "y")])
    conn.commit()
    conn.close()


def test_sqlite_table_and_query(tmp_path):
    _db(tmp_path)
    src = """
[sources.v]
type = "sqlite"
path = "crm.db"
table = "visits"
[sources.v.columns]
employee_id = "str"
n = "int"
rate = "decimal"
note = "str?"

[sources.q]
type = "sqlite"
path = "crm.db"
query = "SELECT employee_id, SUM(n) AS total FROM visits GROUP BY employee_id"
[sources.q.columns]
employee_id = "str"
total = "int"
"""
    rs, store, _ = _load(tmp_path, src, {"employees.csv": CN})
    assert rows(store, rs, "v", "_line, employee_id, n, rate, note") == [
        (1, "E1", 3, "0.5", None), (2, "E2", 0, "1.0", "x"), (3, "E1", 2, "0.25", "y")]
    assert rows(store, rs, "q", "employee_id, total") == [("E1", 5), ("E2", 0)]


def test_sqlite_bad_query_and_both_table_and_query(tmp_path):
    _db(tmp_path)
    src = '[sources.q]\ntype = "sqlite"\npath = "crm.db"\nquery = "SELECT nope FROM visits"\n' \
          '[sources.q.columns]\nemployee_id = "str"\n'
    with pytest.raises(ScorecardError, match="crm.db: no such column: nope"):
        _load(tmp_path, src, {"employees.csv": CN})
    src = src.replace('query = "SELECT nope FROM visits"', 'query = "SELECT 1"\ntable = "v"')
    (tmp_path / "b").mkdir()
    _db(tmp_path / "b")
    with pytest.raises(ScorecardError, match="give exactly one of table"):
        _load(tmp_path / "b", src, {"employees.csv": CN})


JSONL_SRC = """
[sources.j]
type = "jsonl"
path = "j.jsonl"
[sources.j.columns]
employee_id = "str"
at = "timestamp"
ok = "bool?"
score = { type = "decimal", header = "得分" }
"""


def test_jsonl(tmp_path):
    data = ('{"employee_id": "E1", "at": "2026-10-01T08:00", "ok": true, "得分": 85.5}\n'
            "\n"
            '{"employee_id": "E2", "at": "2026-10-01 09:00:00", "得分": "90"}\n')
    rs, store, _ = _load(tmp_path, JSONL_SRC, {"employees.csv": CN, "j.jsonl": data})
    assert rows(store, rs, "j", "_line, employee_id, ok, score") == [
        (1, "E1", 1, "85.5"), (3, "E2", None, "90")]


def test_jsonl_bad_line_and_mis_mapped_key(tmp_path):
    data = '{"employee_id": "E1", "at": "2026-10-01 08:00", "得分": 1}\n[1, 2]\n'
    with pytest.raises(DataError, match="j.jsonl:2: not a JSON object"):
        _load(tmp_path, JSONL_SRC, {"employees.csv": CN, "j.jsonl": data})
    data = '{"employee_id": "E1", "at": "2026-10-01 08:00", "score": 1, "ok": 1}\n'
    with pytest.raises(DataError) as e:
        _load(tmp_path / "b", JSONL_SRC, {"employees.csv": CN, "j.jsonl": data})
    # the required column is blank on line 1 (reported first) or the key is named as missing
    assert "j.jsonl:1" in e.value.message and "得分" in e.value.message


def test_jsonl_optional_key_never_present_is_reported(tmp_path):
    data = '{"employee_id": "E1", "at": "2026-10-01 08:00", "得分": 1, "okay": true}\n'
    with pytest.raises(DataError) as e:
        _load(tmp_path, JSONL_SRC, {"employees.csv": CN, "j.jsonl": data})
    assert "j.jsonl:1: key(s) 'ok' appear in no object" in e.value.message
    assert "header = \"...\"" in e.value.message


def test_missing_file(tmp_path):
    src = '[sources.x]\npath = "nope.csv"\n[sources.x.columns]\nemployee_id = "str"\n'
    with pytest.raises(ScorecardError, match="nope.csv not found; put the export there"):
        _load(tmp_path, src, {"employees.csv": CN})


def test_jsonl_nested_value_is_an_error(tmp_path):
    data = '{"employee_id": "E1", "at": "2026-10-01 08:00", "得分": {"v": 1}}\n'
    with pytest.raises(DataError) as e:
        _load(tmp_path, JSONL_SRC, {"employees.csv": CN, "j.jsonl": data})
    assert "j.jsonl:1:得分: a nested JSON value; give a plain string" in e.value.message


@pytest.mark.parametrize("decl, key, why", [
    ('type = "csv"', "sources.extra.path", "missing: a csv source reads a file; give path = "),
    ('type = "sqlite"\npath = "x.db"', "sources.extra",
     'give exactly one of table = "..." or query = "..."'),
])
def test_a_file_source_without_its_file_is_refused_at_load(tmp_path, decl, key, why):
    from scorecard.errors import RuleSetError
    from scorecard.ruleset import load_ruleset

    (tmp_path / "scorecard.toml").write_text(f"""
[ruleset]
org = "t"
[sources.employees]
path = "e.csv"
columns = {{ employee_id = "str", name = "str", role = "str" }}
[sources.extra]
{decl}
columns = {{ employee_id = "str" }}
[scorecards.s]
""", encoding="utf-8")
    with pytest.raises(RuleSetError) as e:
        load_ruleset(tmp_path / "scorecard.toml")
    assert f"{key}: {why}" in e.value.message
    assert "scorecard.toml" in e.value.message
