"""Managers' pages and employees' statements as a person sees them: rendered in headless
Chromium, screenshotted (not blank), measured by the browser (no text overflows its box; wide
tables scroll inside theirs), and read as SVG (legends, whole-number count axes, round money
ticks, value labels, named grade axes, sites keyed by organisation and site)."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from pagecheck import BROWSER, NO_BROWSER, looked_at, overflows
from test_sites import BASE, DATA, NORTH, SOUTH

from scorecard.cli import cli
from scorecard.report_html import nice_ticks
from scorecard.testing import write_files

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[1]

#: a second organisation whose site is also called "north"
OTHER = """
[ruleset]
extends = "../base.toml"
org = "globex"
site = "north"
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    d = tmp_path_factory.mktemp("pages")
    write_files(d, {"base.toml": BASE, "north/scorecard.toml": NORTH,
                    "south/scorecard.toml": SOUTH, "globex/scorecard.toml": OTHER, **DATA})
    north, south, other = (str(d / x / "scorecard.toml") for x in ("north", "south", "globex"))
    run = CliRunner().invoke
    out = {}
    for name, args in {
        "compare": ["compare", north, south, "-p", "2026-10", "--format", "html", "-o"],
        "sites": ["sites", north, south, other, "-p", "2026-10", "--format", "html", "-o"],
    }.items():
        out[name] = d / f"{name}.html"
        r = run(cli, [*args, str(out[name])])
        assert r.exit_code == 0, r.output
    r = run(cli, ["evaluate", "-c", north, "-p", "2026-10"])
    assert r.exit_code == 0, r.output
    r = run(cli, ["statement", "E4", "-c", north, "-p", "2026-10", "-o", str(d / "st")])
    assert r.exit_code == 0, r.output
    out["statement"] = d / "st" / "E4-2026-10.html"
    out["report"] = d / "report.html"
    r = run(cli, ["report", "-c", north, "-p", "2026-10", "--format", "html", "-o",
                  str(out["report"])])
    assert r.exit_code == 0, r.output
    return out


def svgs(html: str) -> dict:
    return {ET.fromstring(b).get("data-chart"): ET.fromstring(b)
            for b in re.findall(r"<svg .*?</svg>", html, re.S)}


def test_nice_ticks():
    # headcounts: whole numbers only (no 5.75 or 17.25 people)
    assert nice_ticks(5.75, integer=True) == [0, 2, 4, 6]  # 5.75 / 4 = 1.44 -> step 2
    assert nice_ticks(17, integer=True) == [0, 5, 10, 15, 20]  # 17 / 4 = 4.25 -> step 5
    assert nice_ticks(3, integer=True) == [0, 1, 2, 3]  # 0.75 -> 1, never below 1
    # money: round steps (not 297.4, 594.7)
    assert nice_ticks(594.7) == [0, 200, 400, 600]  # 148.7 -> 200
    assert nice_ticks(1214) == [0, 500, 1000, 1500]  # 303.5 -> 500
    assert nice_ticks(0) == [0, 1]


def test_every_chart_has_a_legend_and_labelled_bars(pages):
    for name in ("compare", "sites", "report"):
        html = pages[name].read_text(encoding="utf-8")
        for chart, svg in svgs(html).items():
            assert svg.find(f"{SVG}g[@class='legend']") is not None, (name, chart)
        dist = svgs(html).get("score-distribution")
        if dist is not None:
            ticks = [t.text for t in dist.iter(f"{SVG}text") if t.get("class") == "tick"]
            values = [t.text for t in dist.iter(f"{SVG}text") if t.get("class") == "value"]
            bars = [r for r in dist.iter(f"{SVG}rect") if r.get("class") == "bar"]
            if name == "sites":
                # 3 sites x 5 bands; the highest count is south's 3 at >= 90 (100, 90, 91; see
                # test_sites_report) -> 3 / 4 = 0.75 -> step 1: ticks 0, 1, 2, 3
                assert ticks == ["0", "1", "2", "3"]
                assert len(values) == len(bars) == 15
            else:
                # north alone: 65 | 76 | 83 | 92, 90 -> one per band but >= 90 with 2:
                # 2 / 4 = 0.5 -> step 1: ticks 0, 1, 2 (no half people)
                assert ticks == ["0", "1", "2"]
                assert values == ["0", "1", "1", "1", "2"]


def test_compare_names_the_rule_sets_and_the_grade_axis(pages):
    html = pages["compare"].read_text(encoding="utf-8")
    migration = svgs(html)["grade-migration"]
    titles = [t.text for t in migration.iter(f"{SVG}text") if t.get("class") == "axis-title"]
    assert titles == ["grade under south →", "grade under north →"]
    pay = svgs(html)["payout-per-head"]
    ticks = [t.text for t in pay.iter(f"{SVG}text") if t.get("class") == "tick"]
    # payout per head 1158.00 and 1214.00 -> 1214 / 4 = 303.5 -> step 500
    assert ticks == ["0", "500", "1,000", "1,500"]
    assert '<html lang="en">' in html  # no Chinese title or label in these rule sets
    assert "<th class=\"t\">Employee</th>" in html and "employee_id" not in html.split(
        "<h2>Employees</h2>")[1]  # human headers


def test_sites_of_two_organisations_are_not_merged(pages):
    html = pages["sites"].read_text(encoding="utf-8")
    pay = svgs(html)["payout-per-head"]
    cats = [r.get("data-category") for r in pay.iter(f"{SVG}rect") if r.get("class") == "bar"]
    # acme's north and globex's north: two bars, named by organisation and site
    assert cats == ["acme / north", "acme / south", "globex / north"]
    table = html.split("<h2>Sites</h2>")[1].split("<h2>")[0]
    assert table.count("<tr>") == 1 + 3  # header + three sites
    assert table.count('<td class="t">globex</td>') == 1


def test_ci_installs_the_browser_before_the_tests():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    install = next(i for i, ln in enumerate(ci) if "apt-get install" in ln)
    tests = next(i for i, ln in enumerate(ci) if ln.startswith("python3 -m pip install -r "
                                                                "requirements-test.txt"))
    assert install < tests
    packages = " ".join(ci[install:install + 2])
    assert "chromium" in packages and "fonts-noto-cjk" in packages


@pytest.mark.skipif(BROWSER is None, reason=NO_BROWSER)
@pytest.mark.parametrize("name,width", [("sites", 1100), ("compare", 800),
                                        ("report", 1100), ("statement", 794)])
def test_page_in_headless_chromium(pages, name, width, tmp_path):
    page = pages[name]
    seen = looked_at(page, tmp_path / f"{name}.png", width, 1000)
    # a blank or failed render is one colour; these pages have text, tables and charts
    assert seen["colours"] > 20 and seen["inked"] > 0.03, seen
    m = overflows(page, width)
    assert m["bad"] == [], m["bad"]
    assert m["width"] <= width  # nothing pushes the page sideways; wide tables scroll
    if name != "statement":
        assert m["charts"] >= 3
