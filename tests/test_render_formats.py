"""The output formats every command shares (scorecard.render): Excel-safe CSV (BOM, period
and run_id columns, formula injection neutralised), xlsx read back with openpyxl (types, number
formats, sheets, frozen header, widths) and the generic HTML page."""

import codecs
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from scorecard.render import Document, csv_text, neutralise, render

ROWS = [{"employee_id": "A001", "name": "黄宇航", "score": "80.00", "payout": "800.00",
         "rank": 2, "note": "=HYPERLINK(\"http://x\")"},
        {"employee_id": "A016", "name": "陈春燕", "score": "98.00", "payout": "1960.00",
         "rank": 1, "note": "-5 points"}]
COLS = ["employee_id", "name", "score", "payout", "rank", "note"]


def excel_decode(data: bytes) -> str:
    """How Excel on a Chinese Windows opens a CSV: UTF-8 when it starts with the byte order
    mark, else the ANSI code page (GB18030)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    return data.decode("gb18030", errors="replace")


def test_neutralise():
    # OWASP: = + - @ TAB CR at the start make a cell a formula; numbers stay numbers
    for bad in ("=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    for ok in ("-5", "+3.25", "-289/3", "A001", "黄宇航", "", None, 5):
        assert neutralise(ok) == ok


def test_csv_has_a_bom_period_and_run(tmp_path):
    text = csv_text(ROWS, COLS, {"period": "2026-10", "run_id": 7})
    data = text.encode("utf-8")
    assert data.startswith(codecs.BOM_UTF8)
    lines = excel_decode(data).splitlines()
    assert lines[0] == "period,run_id,employee_id,name,score,payout,rank,note"
    assert lines[1].startswith("2026-10,7,A001,黄宇航,80.00,800.00,2,")
    # the injected formula is text, the signed note is text too; the names are not garbled
    assert "\"'=HYPERLINK(\"\"http://x\"\")\"" in lines[1]
    assert lines[2].endswith(",'-5 points")
    # without the BOM the same bytes open garbled (why the BOM is there)
    plain = csv_text(ROWS, COLS, {"period": "2026-10", "run_id": 7}, bom=False)
    assert not plain.startswith("\ufeff")
    assert "黄宇航" not in excel_decode(plain.encode("utf-8"))


def test_xlsx_reads_back_as_numbers(tmp_path):
    out = tmp_path / "r.xlsx"
    doc = Document(ROWS, COLS, headers=["员工 employee", "姓名 name", "总分 score",
                                        "奖金 payout", "排名 rank", "note"],
                   title="acme / north — 2026-10 — run 7", meta={"period": "2026-10",
                                                                 "run_id": 7},
                   sheets=[("Items", Document([{"item": "lapses", "points": "65"},
                                               {"item": "sat", "points": "12.5"}],
                                              ["item", "points"]))])
    render(doc, "xlsx", str(out))
    wb = load_workbook(out)
    assert wb.sheetnames == ["Results", "Items", "Provenance"]
    ws = wb["Results"]
    assert [c.value for c in ws[1]] == ["员工 employee", "姓名 name", "总分 score",
                                        "奖金 payout", "排名 rank", "note"]
    assert ws.freeze_panes == "A2"
    a001 = [c for c in ws[2]]
    assert a001[1].value == "黄宇航"
    # 80.00 and 800.00 are numbers with two places shown, the rank a whole number
    assert a001[2].value == 80 and a001[2].data_type == "n" and a001[2].number_format == "0.00"
    assert a001[3].value == 800 and a001[3].number_format == "0.00"
    assert a001[4].value == 2 and a001[4].number_format == "0"
    assert a001[5].value == "'=HYPERLINK(\"http://x\")" and a001[5].data_type == "s"
    # widths fitted to the longest cell (the header "员工 employee": 2 x 2 + 9 + 2 = 15)
    assert ws.column_dimensions["A"].width == 15
    items = wb["Items"]
    assert [c.value for c in items[3]] == ["sat", Decimal("12.5")] or \
        [c.value for c in items[3]] == ["sat", 12.5]
    assert items.cell(row=2, column=2).number_format == "0.00"  # a column with a fraction
    prov = dict(wb["Provenance"].iter_rows(values_only=True))
    assert prov == {"title": "acme / north — 2026-10 — run 7", "period": "2026-10",
                    "run_id": 7}


def test_html_writer_page(tmp_path):
    out = tmp_path / "r.html"
    render(Document(ROWS, COLS, title="acme — 2026-10"), "html", str(out))
    html = out.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html  # Chinese names on the page
    assert '<th class="t">Employee</th>' in html and '<th class="n">Payout</th>' in html
    assert "<script" not in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_binary_or_text_format_to_a_file_is_owner_only(tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    render(Document(ROWS, COLS, meta={"period": "2026-10", "run_id": 7}), fmt, str(out))
    assert out.stat().st_mode & 0o777 == 0o600
    if fmt == "csv":
        assert out.read_bytes().startswith(codecs.BOM_UTF8)
