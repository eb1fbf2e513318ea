"""``scorecard report`` as a workbook, a manager's page and an Excel-safe CSV, on
tests/test_sites.py's north site (October: E1 92.00 A 920.00, E2 90.00 A 1800.00, E3 83.00 B
1660.00, E4 65.00 D 650.00, E5 76.00 C 760.00; see test_sites_report)."""

import codecs
import csv
import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from test_sites import BASE, DATA, NORTH, SOUTH

from scorecard.cli import cli
from scorecard.testing import write_files


@pytest.fixture
def north(tmp_path):
    write_files(tmp_path, {"base.toml": BASE, "north/scorecard.toml": NORTH,
                           "south/scorecard.toml": SOUTH, **DATA})
    cfg = str(tmp_path / "north" / "scorecard.toml")
    r = CliRunner().invoke(cli, ["evaluate", "-c", cfg, "-p", "2026-10"])
    assert r.exit_code == 0, r.output
    return cfg


def test_report_xlsx(north, tmp_path):
    out = tmp_path / "october.xlsx"
    r = CliRunner().invoke(cli, ["report", "-c", north, "-p", "2026-10", "--format", "xlsx",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.stat().st_mode & 0o777 == 0o600
    wb = load_workbook(out)
    assert wb.sheetnames == ["Results", "Items", "Provenance"]
    ws = wb["Results"]
    assert ws.freeze_panes == "A2"
    head = [c.value for c in ws[1]]
    rows = {row[1]: dict(zip(head, row, strict=True))
            for row in ws.iter_rows(min_row=2, values_only=True)}
    e4 = rows["E4"]
    assert e4["排名 #"] == 5 and e4["总分 score"] == 65 and e4["等级 grade"] == "D"
    assert e4["绩效奖金 payout (CNY)"] == 650 and e4["考核期 period"] == "2026-10"
    assert e4["计算批次 run"] == 1
    # ranked by score: E1 92, E2 90, E3 83, E5 76, E4 65
    assert [row[1] for row in ws.iter_rows(min_row=2, values_only=True)] == [
        "E1", "E2", "E3", "E5", "E4"]
    score = ws.cell(row=2, column=head.index("总分 score") + 1)
    assert score.data_type == "n" and score.number_format == "0.00"
    pay = ws.cell(row=2, column=head.index("绩效奖金 payout (CNY)") + 1)
    assert pay.value == 920 and pay.number_format == "#,##0.00"
    items = wb["Items"]
    ihead = [c.value for c in items[1]]
    assert ihead == ["员工编号 employee", "姓名 name", "lapses", "sat"]
    irows = {row[0]: row for row in items.iter_rows(min_row=2, values_only=True)}
    # E4: lapses 80 - 5 x 3 = 65; sat clamped to 0
    assert irows["E4"][2:] == (65, 0)
    prov = dict(wb["Provenance"].iter_rows(values_only=True))
    assert prov["run"] == 1 and prov["period"] == "2026-10" and len(prov["result hash"]) == 64


def test_report_csv_for_excel(north):
    r = CliRunner().invoke(cli, ["report", "-c", north, "-p", "2026-10", "--format", "csv"])
    assert r.exit_code == 0, r.output
    data = r.stdout_bytes
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {(x["period"], x["run_id"]) for x in rows} == {("2026-10", "1")}
    assert [(x["employee_id"], x["payout"]) for x in rows][-1] == ("E4", "650.00")
    r = CliRunner().invoke(cli, ["report", "-c", north, "-p", "2026-10", "--format", "csv",
                                 "--no-bom"])
    assert r.stdout.startswith("period,run_id,")


def test_report_html(north, tmp_path):
    out = tmp_path / "october.html"
    r = CliRunner().invoke(cli, ["report", "-c", north, "-p", "2026-10", "--format", "html",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert 'data-chart="score-distribution"' in html and 'data-chart="grade-mix"' in html
    # payout by grade: A 920 + 1800 = 2720.00, B 1660.00, C 760.00, D 650.00
    for grade, value in (("A", "2720.00"), ("B", "1660.00"), ("C", "760.00"),
                         ("D", "650.00")):
        assert f'data-category="{grade}" data-value="{value}"' in html
    assert "<th class=\"t\">Employee</th>" in html and '<html lang="en">' in html
    r = CliRunner().invoke(cli, ["report", "-c", north, "-p", "2026-10", "--format", "xlsx"])
    # no file: refused on a terminal only; CliRunner's stdout is not one, so bytes come out
    assert r.exit_code == 0 and r.stdout_bytes[:2] == b"PK"


def test_compare_and_sites_workbooks(north, tmp_path):
    south = north.replace("north", "south")
    out = tmp_path / "compare.xlsx"
    r = CliRunner().invoke(cli, ["compare", north, south, "-p", "2026-10", "--format", "xlsx",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["Employees", "Payout cost", "Drivers", "Grade migration",
                             "Provenance"]
    emp = wb["Employees"]
    head = [c.value for c in emp[1]]
    assert head[4:6] == ["score north", "score south"]  # rule sets named by their sites
    e1 = {h: c.value for h, c in zip(head, emp[2], strict=True)}
    # E1: north 92.00, south 100.00 (8/10 = 80 % meets south's target 80), Δ 8
    assert (e1["score north"], e1["score south"], e1["Δ score"]) == (92, 100, 8)
    cost = {r[0]: r for r in wb["Payout cost"].iter_rows(min_row=2, values_only=True)}
    # 5790.00 under north, 6070.00 under south: + 280.00
    assert cost["(all)"][2:5] == (5790, 6070, 280)
    mig = list(wb["Grade migration"].iter_rows(values_only=True))
    assert mig[0][0] == "grade under north ↓ / under south →" and mig[0][1:5] == (
        "A", "B", "C", "D")
    # B under north -> A under south: E3 (83 -> 91)
    assert mig[2][:2] == ("B", 1)
    sites = tmp_path / "sites.xlsx"
    r = CliRunner().invoke(cli, ["sites", north, south, "-p", "2026-10", "--format", "xlsx",
                                 "-o", str(sites)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(sites)
    assert wb.sheetnames[:4] == ["Sites", "Score distribution", "Grade mix", "Most-lost items"]
    rows = {r[1]: r for r in wb["Sites"].iter_rows(min_row=2, values_only=True)}
    # north: mean (92 + 90 + 83 + 65 + 76) / 5 = 81.20; payout 5790.00 / 5 = 1158.00
    assert rows["north"][0] == "acme" and rows["north"][5] == 81.2
    assert rows["north"][10] == 1158
    assert wb["Sites"].cell(row=2, column=11).number_format == "#,##0.00"
