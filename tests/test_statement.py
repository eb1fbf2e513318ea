"""Employee statements: the page an employee reads (items, deductions with evidence, total,
grade, payout, run, status) and the same figures as a workbook.

The rule set is tests/test_sites.py's north site: lapses (max 80, −5 per lapse) and sat
(satisfied rate, max 20, −4 per started 5 points below 90); bands A ≥ 90, B ≥ 80, C ≥ 70, D;
payout = base (junior 1000, senior 2000) × score / 100.
"""

import re
import stat
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from test_sites import BASE, DATA, NORTH, SOUTH

from scorecard.cli import cli
from scorecard.testing import write_files


@pytest.fixture
def north(tmp_path):
    write_files(tmp_path, {"base.toml": BASE, "north/scorecard.toml": NORTH,
                           "south/scorecard.toml": SOUTH, **DATA})
    cfg = tmp_path / "north" / "scorecard.toml"
    r = CliRunner().invoke(cli, ["evaluate", "-c", str(cfg), "-p", "2026-10"])
    assert r.exit_code == 0, r.output
    return cfg


class Text(HTMLParser):
    """The visible text of a page, and every element's attributes."""

    def __init__(self):
        super().__init__()
        self.parts, self.attrs, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.attrs.append((tag, dict(attrs)))
        self._skip += tag in ("style", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "title")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self):
        return re.sub(r"\s+", " ", " ".join(self.parts))


def read(path):
    p = Text()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def statement(cfg, tmp_path, *args):
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["statement", *args, "-c", str(cfg), "-p", "2026-10", "-o",
                                 str(out)])
    assert r.exit_code == 0, r.output
    return out, r


def test_statement_of_a_draft_month(north, tmp_path):
    out, r = statement(north, tmp_path, "E4", "--lang", "en")
    page = out / "E4-2026-10.html"
    assert sorted(p.name for p in out.iterdir()) == ["E4-2026-10.html"]
    assert stat.S_IMODE(page.stat().st_mode) == 0o600  # pay data: owner only
    p = read(page)
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "http" not in html.replace(
        'name="viewport"', "")  # self-contained
    # E4 (Du, junior): 3 lapses -> 80 - 5 x 3 = 65; sat 1/2 = 50 %, 90 - 50 = 40 -> 8 started
    # steps of 5 -> 20 - 8 x 4 = -12, clamped to 0; total 65 + 0 = 65.00, grade D (< 70);
    # payout 1000 x 65.00 / 100 = 650.00
    figures = {a["data-figure"]: None for t, a in p.attrs if "data-figure" in a}
    assert set(figures) == {"score", "grade", "rank", "payout"}
    assert "Total score 65.00" in p.text and "Grade D" in p.text
    assert "Payout 650.00 CNY" in p.text
    # the items table: points, max, lost
    assert re.search(r"lapses 3 65\.00 80\.00 15\.00", p.text)
    assert re.search(r"sat 50 0\.00 20\.00 20\.00", p.text)
    # every deduction with its evidence: E4's three lapses are lines 5-7 of lapses.csv
    # (header line 1, E2 on 2-3, E3 on 4)
    for line in (5, 6, 7):
        assert f"Record counted [Evidence: lapses.csv, line {line}]" in p.text
    assert "base 80 (item max) − 5 × 3 = 65 → 65" in p.text
    assert "⌈(90 − 50) / 5⌉ = 8 step(s)" in p.text
    deductions = [a["data-deduction"] for t, a in p.attrs if "data-deduction" in a]
    assert deductions == ["lapses", "sat"]
    # no pay cycle step yet: a draft, no appeal deadline
    status = next(a for t, a in p.attrs if "data-status" in a)
    assert status["data-status"] == "draft" and status["data-deadline"] == ""
    assert "DRAFT — not yet published" in p.text
    assert "wrote 1 statement(s)" in r.output
    assert '<html lang="en">' in html


def test_statement_without_deductions_and_in_chinese(north, tmp_path):
    out, _ = statement(north, tmp_path, "--lang", "zh")
    # every employee of the run, one page each
    assert sorted(p.name for p in out.iterdir()) == [f"E{i}-2026-10.html" for i in range(1, 6)]
    p = read(out / "E2-2026-10.html")
    # E2 (Bo, senior): 2 lapses -> 70; 10/10 satisfied -> 20; 90.00, A; 2000 x 0.9 = 1800.00
    assert "总分 90.00" in p.text and "绩效奖金 1800.00 CNY" in p.text
    assert "草稿" in p.text and "Performance statement" not in p.text
    assert '<html lang="zh-CN">' in (out / "E2-2026-10.html").read_text(encoding="utf-8")
    p1 = read(out / "E1-2026-10.html")
    # E1: no lapse in October (the September one is out of the period); 8/10 = 80 % -> 10
    # below 90 -> 2 steps -> 20 - 8 = 12; 80 + 12 = 92
    assert "总分 92.00" in p1.text and "lapses.csv" not in p1.text


def test_unknown_employee_and_missing_run(north, tmp_path):
    r = CliRunner().invoke(cli, ["statement", "E44", "-c", str(north), "-p", "2026-10",
                                 "-o", str(tmp_path / "x")])
    assert r.exit_code == 2 and "no employee 'E44'" in r.output and "E4" in r.output
    assert not (tmp_path / "x").exists()  # nothing written
    r = CliRunner().invoke(cli, ["statement", "-c", str(north), "-p", "2026-09"])
    assert r.exit_code == 2 and "no run of acme / north for 2026-09" in r.output


def test_statement_workbook(north, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "st.xlsx"
    r = CliRunner().invoke(cli, ["statement", "-c", str(north), "-p", "2026-10", "--format",
                                 "xlsx", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    wb = load_workbook(out)
    assert wb.sheetnames == ["Statements", "Items", "Deductions", "Provenance"]
    ws = wb["Statements"]
    assert ws.freeze_panes == "A2"
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    # E4: 65.00 and 650.00 as numbers, not text
    assert rows["E4"][4] == 65 and isinstance(rows["E4"][4], int | float)
    assert rows["E4"][8] == 650
    assert ws.cell(row=2, column=5).number_format == "0.00"
    assert ws.cell(row=2, column=9).number_format == "#,##0.00"
    ded = [r for r in wb["Deductions"].iter_rows(min_row=2, values_only=True) if r[0] == "E4"]
    assert [(r[1], r[5], r[6]) for r in ded if r[5]] == [
        ("lapses", "lapses.csv", 5), ("lapses", "lapses.csv", 6), ("lapses", "lapses.csv", 7)]
    prov = dict(wb["Provenance"].iter_rows(values_only=True))
    assert prov["period"] == "2026-10" and prov["status"] == "draft" and prov["run"] == 1
