"""The bulk ingest path (column by column, cached timestamp parts) stores exactly what the
row-by-row path stores, and falls back to it so that every problem is reported the same way:
file:line:column, across batch boundaries, nothing written."""

import pytest
from blockkit import HEAD

import scorecard.ingest as ingest_mod
from scorecard.columns import column_converter, make_converter
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
ok = "bool?"
channel = "enum:phone|email"
n = { type = "int", default = 1, min = 1 }
note = "str?"

[scorecards.s]
[[scorecards.s.items]]
id = "n"
type = "count"
source = "calls"
"""
EMPLOYEES = "employee_id,name,role,level\nE1,Ann,agent,junior\nE2,Bo,agent,senior\n"
# blanks in optional columns, a default, padding spaces, bools in several spellings, timestamps
# with and without seconds and with a T, a short row (missing trailing cells), a blank line
MIXED = """\
call_id,employee_id,at,ok,channel,n,note
c1,E1,2026-10-01 08:00,是,phone,,
c2, E2 ,2026-10-01T09:00:30,TRUE,email,3,x
c3,E1,2026-10-01 08:00:00,,phone,2, y
c4,E2,2026-10-02 23:59:59,0,email

c5,E1,2026-10-01 08:00,yes,phone,1,z
"""


def _store(tmp_path, calls, name="scorecard.db"):
    write_files(tmp_path, {"scorecard.toml": RS, "employees.csv": EMPLOYEES, "calls.csv": calls})
    return load_ruleset(tmp_path / "scorecard.toml"), Store(tmp_path / name)


def _rows(store, rs):
    t = source_table(rs.dataset, "calls")
    return store.conn.execute(f"SELECT * FROM [{t}] ORDER BY _line").fetchall()


def test_bulk_path_stores_what_the_row_by_row_path_stores(tmp_path, monkeypatch):
    rs, store = _store(tmp_path, MIXED)
    ingest(store, rs)
    bulk = _rows(store, rs)
    # 2026-10-01 is day 56 × 365 + 14 leap days + 273 = 20727 since 1970-01-01:
    # 20727 × 86400 = 1790812800
    day1 = 1790812800
    assert bulk == [
        (2, "c1", "E1", day1 + 8 * 3600, 1, "phone", 1, None),
        (3, "c2", "E2", day1 + 9 * 3600 + 30, 1, "email", 3, "x"),
        (4, "c3", "E1", day1 + 8 * 3600, None, "phone", 2, "y"),
        (5, "c4", "E2", day1 + 86400 + 86399, 0, "email", 1, None),
        (7, "c5", "E1", day1 + 8 * 3600, 1, "phone", 1, "z"),
    ]
    monkeypatch.setattr(ingest_mod, "_fast_batch", lambda *a: None)
    rs2, store2 = _store(tmp_path, MIXED, "slow.db")
    ingest(store2, rs2)
    assert _rows(store2, rs2) == bulk


def _numbered(n, bad_line=None, bad_cell="2026-10-01 08:00", dup_of=None):
    out = ["call_id,employee_id,at,ok,channel,n,note"]
    for line in range(2, n + 2):
        cid = f"c{dup_of}" if line == bad_line and dup_of else f"c{line}"
        at = bad_cell if line == bad_line and not dup_of else "2026-10-01 08:00"
        out.append(f"{cid},E1,{at},1,phone,1,")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("batch", [3, 50_000])
def test_bad_cell_in_a_later_batch_names_its_line_and_writes_nothing(tmp_path, monkeypatch,
                                                                     batch):
    monkeypatch.setattr(ingest_mod, "BATCH", batch)
    # lines 2..9; line 8 lies in the third batch of 3 (lines 8, 9)
    rs, store = _store(tmp_path, _numbered(8, bad_line=8, bad_cell="2026-10-01 24:00"))
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    assert "calls.csv:8:at" in str(e.value)
    assert "'2026-10-01 24:00' is not a timestamp" in str(e.value)
    assert not store.has_table(source_table(rs.dataset, "calls"))


@pytest.mark.parametrize("batch", [3, 50_000])
def test_duplicate_key_across_batches(tmp_path, monkeypatch, batch):
    monkeypatch.setattr(ingest_mod, "BATCH", batch)
    # line 7 repeats the key of line 2 (c2), three batches of 3 apart
    rs, store = _store(tmp_path, _numbered(8, bad_line=7, dup_of=2))
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    assert "calls.csv:7:call_id" in str(e.value)
    assert "duplicate call_id 'c2' (first on line 2)" in str(e.value)
    assert not store.has_table(source_table(rs.dataset, "calls"))


def test_required_blank_in_bulk_batch_is_reported(tmp_path):
    calls = _numbered(4).replace("c4,E1,2026-10-01 08:00,1,phone", "c4,E1,,1,phone")
    rs, store = _store(tmp_path, calls)
    with pytest.raises(DataError) as e:
        ingest(store, rs)
    assert "calls.csv:4:at" in str(e.value) and "blank, but this column is required" in \
        str(e.value)


class _Spec:
    def __init__(self, type, choices=()):
        self.type, self.choices, self.min, self.max = type, list(choices), None, None


def test_timestamp_column_agrees_with_the_cell_converter_even_with_cached_parts():
    spec = _Spec("timestamp")
    conv = make_converter(spec)
    column = column_converter(spec, conv)
    # 2026-10-01 08:00:00 = 1790812800 (see above) + 8 × 3600
    assert column(["2026-10-01 08:00:00", "2026-10-01T08:00:00"]) == [1790841600, 1790841600]
    # day and clock are now cached; a text the fast path never cached goes to the converter,
    # which decides (here: Excel's form of the same time) exactly as cell by cell
    texts = ["2026-10-01 08:00:00", "2026/10/1 8:00", "2026-10-01 08:00"]
    assert column(texts) == [conv(t) for t in texts] == [1790841600] * 3
    # ... and refuses what it refuses cell by cell: any other separator between date and time
    with pytest.raises(ValueError, match="is not a timestamp"):
        column(["2026-10-01 08:00:00", "2026-10-01X08:00:00"])
    with pytest.raises(ValueError, match="is not a timestamp"):
        column(["2026-10-01 08:00:00", "2026-10-01 24:00:00"])


def test_bool_and_enum_columns_fold_and_refuse_like_the_cell_converter():
    b = _Spec("bool")
    assert column_converter(b, make_converter(b))(["1", "TRUE", "否", "No"]) == [1, 1, 0, 0]
    with pytest.raises(ValueError, match="is not a boolean"):
        column_converter(b, make_converter(b))(["1", "maybe"])
    e = _Spec("enum", ["phone", "email"])
    assert column_converter(e, make_converter(e))(["phone", "email"]) == ["phone", "email"]
    with pytest.raises(ValueError, match="is not one of: phone, email"):
        column_converter(e, make_converter(e))(["phone", "Phone"])
