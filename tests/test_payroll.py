"""The payroll export and the statement through the pay cycle: refused until the period is
closed (or a DRAFT), final payouts after an adjustment recomputed through the rules, the
statement's status and appeal deadline.

The rule set is tests/test_sites.py's north site with a 3-working-day appeal window:
lapses (max 80, −5 each), sat (max 20, −4 per started 5 points below 90); bands A ≥ 90,
B ≥ 80, C ≥ 70, D; payout = base (junior 1000, senior 2000) × score / 100. October:
E1 92.00 A 920.00, E2 90.00 A 1800.00, E3 83.00 B 1660.00, E4 65.00 D 650.00,
E5 76.00 C 760.00 (see test_sites_report).
"""

import codecs
import csv
import io
import stat
from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from test_sites import BASE, DATA, SOUTH

from scorecard import cycle
from scorecard.cli import cli
from scorecard.periods import Period
from scorecard.ruleset import load_ruleset
from scorecard.store import Store
from scorecard.testing import write_files

NORTH = """
[ruleset]
extends = "../base.toml"
site = "north"

[process]
appeal_days = 3
"""

#: publication day: Friday 4 December 2026; the window is 3 working days after it, the
#: weekend not counted: Mon 7, Tue 8, Wed 9 -> the last day to appeal is 2026-12-09
PUBLISHED = date(2026, 12, 4)


@pytest.fixture
def month(tmp_path, monkeypatch):
    monkeypatch.setattr(cycle, "today", lambda: PUBLISHED)
    write_files(tmp_path, {"base.toml": BASE, "north/scorecard.toml": NORTH,
                           "south/scorecard.toml": SOUTH, **DATA})
    cfg = tmp_path / "north" / "scorecard.toml"
    r = CliRunner().invoke(cli, ["evaluate", "-c", str(cfg), "-p", "2026-10"])
    assert r.exit_code == 0, r.output
    rs = load_ruleset(cfg)
    return cfg, rs, Store(tmp_path / "north" / "scorecard.db"), Period.parse("2026-10")


def payroll(cfg, *args):
    return CliRunner().invoke(cli, ["payroll", "-c", str(cfg), "-p", "2026-10", *args])


def test_payroll_refused_until_closed_then_draft(month, tmp_path):
    cfg, rs, store, p = month
    r = payroll(cfg, "--format", "csv")
    assert r.exit_code == 2
    assert "payroll pays from a closed period only" in r.output and "--draft" in r.output
    out = tmp_path / "draft.csv"
    r = payroll(cfg, "--format", "csv", "--draft", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "DRAFT" in r.output
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["employee_id"] for r in rows] == ["E1", "E2", "E3", "E4", "E5"]
    assert {r["stamp"] for r in rows} == {"DRAFT"} and {r["state"] for r in rows} == {
        "evaluated"}
    assert {r["period"] for r in rows} == {"2026-10"} and {r["run_id"] for r in rows} == {"1"}
    assert [r["payout"] for r in rows] == ["920.00", "1800.00", "1660.00", "650.00", "760.00"]


def test_statement_and_payroll_through_the_cycle(month, tmp_path):
    cfg, rs, store, p = month
    pub = cycle.publish(store, rs, p, by="Li", on=PUBLISHED.isoformat())
    assert pub["deadline"] == "2026-12-09"
    out = tmp_path / "st"
    r = CliRunner().invoke(cli, ["statement", "E4", "-c", str(cfg), "-p", "2026-10", "-o",
                                 str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    page = (out / "E4-2026-10.html").read_text(encoding="utf-8")
    assert 'data-status="published" data-deadline="2026-12-09"' in page
    assert "Last day to appeal: <b>2026-12-09</b>" in page
    # a manager's adjustment: sat +5 for E4 -> 0 + 5 = 5 (within [0, 20]); total 65 + 5 = 70
    # -> grade C (>= 70); payout 1000 x 70.00 / 100 = 700.00
    cycle.adjust(store, rs, p, "E4", "sat", "survey of 2 Oct lost", "Wang", points="5")
    r = payroll(cfg, "--format", "csv")
    assert r.exit_code == 2  # published, not closed
    cycle.close(store, rs, p, by="Wang")
    xlsx = tmp_path / "payroll.xlsx"
    r = payroll(cfg, "-o", str(xlsx))
    assert r.exit_code == 0, r.output
    assert "DRAFT" not in r.output
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Payroll", "Provenance"]
    ws = wb["Payroll"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, row, strict=True)) for row in ws.iter_rows(min_row=2,
                                                                       values_only=True)]
    by = {r["员工编号 employee_id"]: r for r in rows}
    assert by["E4"]["绩效奖金 payout"] == 700 and by["E4"]["等级 grade"] == "C"
    assert by["E4"]["总分 score"] == 70 and by["E4"]["申诉/调整 decisions"] == 1
    assert [by[e]["绩效奖金 payout"] for e in ("E1", "E2", "E3", "E5")] == [920, 1800, 1660,
                                                                          760]
    assert {r["标记 stamp"] for r in rows} == {None} and {r["状态 state"] for r in rows} == {
        "closed"}
    payout_col = head.index("绩效奖金 payout") + 1
    assert ws.cell(row=2, column=payout_col).number_format == "#,##0.00"
    assert ws.cell(row=2, column=payout_col).data_type == "n"
    prov = dict(wb["Provenance"].iter_rows(values_only=True))
    # 920 + 1800 + 1660 + 700 + 760 = 5840.00
    assert prov["payout total"] == "5840.00 CNY" and prov["closed by"] == "Wang"
    assert prov["decisions applied"] == 1 and prov["appeal deadline"] == "2026-12-09"
    # the closed statement shows the final figures and the adjustment
    r = CliRunner().invoke(cli, ["statement", "E4", "-c", str(cfg), "-p", "2026-10", "-o",
                                 str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    page = (out / "E4-2026-10.html").read_text(encoding="utf-8")
    assert 'data-status="closed"' in page and "70.00" in page and "700.00 CNY" in page
    assert "survey of 2 Oct lost" in page
    # the store's final_results view: the closed publication's rows, with the decisions count
    import sqlite_utils

    db = sqlite_utils.Database(store.path)
    view = {r["employee_id"]: r for r in db.query("SELECT * FROM final_results")}
    assert sorted(view) == ["E1", "E2", "E3", "E4", "E5"]
    assert {(r["state"], r["appeal_deadline"], r["run_id"]) for r in view.values()} == {
        ("closed", "2026-12-09", 1)}
    assert view["E4"]["decisions"] == 1 and view["E1"]["decisions"] == 0
