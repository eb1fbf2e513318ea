"""The cross-site report and the compare report as standalone HTML: every chart is inline SVG,
parsed here, with the bars holding the numbers computed by hand; nothing is fetched from a
network."""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from test_sites import BASE, DATA, NORTH, SOUTH

from scorecard.cli import cli
from scorecard.testing import write_files

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def sites(tmp_path):
    write_files(tmp_path, {"base.toml": BASE, "north/scorecard.toml": NORTH,
                           "south/scorecard.toml": SOUTH, **DATA})
    return tmp_path / "north" / "scorecard.toml", tmp_path / "south" / "scorecard.toml"


def charts(html: str) -> dict:
    """{data-chart: [(series, category, value), ...]} from every inline SVG."""
    out = {}
    for block in re.findall(r"<svg .*?</svg>", html, re.S):
        svg = ET.fromstring(block)  # well-formed XML, or this raises
        assert svg.find(f"{SVG}title").text
        bars = [(r.get("data-series"), r.get("data-category"), r.get("data-value"))
                for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]
        out[svg.get("data-chart")] = bars
    return out


def standalone(html: str):
    assert "<script" not in html and "<link" not in html and " src=" not in html
    assert not re.search(r"(href|src|url)\s*[=(]\s*[\"']?https?:", html)
    # the only URL is the SVG namespace name, which is never fetched
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}


def test_sites_html_has_the_charts(sites, tmp_path):
    out = tmp_path / "sites.html"
    r = CliRunner().invoke(cli, ["sites", *map(str, sites), "-p", "2026-10", "--format", "html",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    standalone(html)
    c = charts(html)
    assert set(c) >= {"score-distribution", "grade-mix", "payout-per-head", "mean-score",
                      "most-lost-north", "most-lost-south"}
    # scores (see test_sites): north 92, 90, 83, 65, 76; south 100, 90, 91, 65, 80
    dist = {(s, cat): v for s, cat, v in c["score-distribution"]}
    assert [dist[("north", b)] for b in ("< 60", "60–70", "70–80", "80–90", "≥ 90")] == \
        ["0", "1", "1", "1", "2"]
    assert [dist[("south", b)] for b in ("< 60", "60–70", "70–80", "80–90", "≥ 90")] == \
        ["0", "1", "0", "1", "3"]
    # grades: north A 2 (E1, E2), B 1, C 1, D 1; south A 3, B 1, D 1
    mix = {(s, g): v for s, g, v in c["grade-mix"]}
    assert [mix[("north", g)] for g in "ABCD"] == ["2", "1", "1", "1"]
    assert [mix[("south", g)] for g in "ABCD"] == ["3", "1", "0", "1"]
    # payout per head: 5790 / 5 = 1158.00 and 6070 / 5 = 1214.00
    assert [(cat, v) for _, cat, v in c["payout-per-head"]] == [("north", "1158.00"),
                                                                ("south", "1214.00")]
    # most lost at north: lapses 0 + 10 + 5 + 15 + 20 = 50 over 5 heads = 10.00;
    #   sat 8 + 0 + 12 + 20 + 4 = 44 → 8.80
    assert [(cat, v) for _, cat, v in c["most-lost-north"]] == [("lapses", "10.00"),
                                                                ("sat", "8.80")]
    # south: sat 0 + 0 + 4 + 20 + 0 = 24 → 4.80
    assert ("sat", "4.80") in [(cat, v) for _, cat, v in c["most-lost-south"]]


def test_sites_text_and_json(sites):
    r = CliRunner().invoke(cli, ["sites", *map(str, sites), "-p", "2026-10"])
    assert r.exit_code == 0, r.output
    north = next(ln.split() for ln in r.output.splitlines() if ln.startswith("north "))
    # mean (92 + 90 + 83 + 65 + 76) / 5 = 81.20, median 83, min 65, max 92
    assert north == ["north", "5", "5", "81.20", "83.00", "65.00", "92.00", "5790.00", "1158.00"]
    r = CliRunner().invoke(cli, ["sites", *map(str, sites), "-p", "2026-10", "--format", "json"])
    data = json.loads(r.output)
    assert [s["payout_total"] for s in data["sites"]] == ["5790.00", "6070.00"]
    assert data["sites"][1]["median_score"] == "90.00"


def test_sites_html_needs_an_output_file_and_distinct_sites(sites):
    r = CliRunner().invoke(cli, ["sites", str(sites[0]), "-p", "2026-10", "--format", "html"])
    assert r.exit_code == 2 and "--format html needs --output FILE" in r.output
    r = CliRunner().invoke(cli, ["sites", str(sites[0]), str(sites[0]), "-p", "2026-10"])
    assert r.exit_code == 2 and "both site 'north' of acme" in r.output


def test_compare_html_has_the_charts(sites, tmp_path):
    out = tmp_path / "compare.html"
    r = CliRunner().invoke(cli, ["compare", *map(str, sites), "-p", "2026-10", "--format", "html",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    standalone(html)
    c = charts(html)
    migration = {(a, b): v for a, b, v in c["grade-migration"]}
    assert (migration[("A", "A")], migration[("B", "A")], migration[("C", "B")],
            migration[("D", "D")], migration[("C", "C")]) == ("2", "1", "1", "1", "0")
    # the rule sets are named by their sites, never "A"/"B" (which read like grades)
    assert [(s, v) for s, _, v in c["payout-per-head"]] == [("north", "1158.00"),
                                                            ("south", "1214.00")]
    assert "grade under north" in html and "grade under south" in html
    assert c["drivers"] == [("sat", "sat", "20")]
    assert sorted(v for _, _, v in c["score-deltas"]) == ["4.00", "8.00", "8.00"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless chromium installed")
def test_sites_html_in_a_headless_browser(sites, tmp_path):
    """The browser's own DOM holds the charts (network off: nothing to fetch)."""
    out = tmp_path / "sites.html"
    r = CliRunner().invoke(cli, ["sites", *map(str, sites), "-p", "2026-10", "--format", "html",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    proc = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                           "--proxy-server=127.0.0.1:9", "--dump-dom", out.as_uri()],
                          capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert dom.count('class="chart"') == 6
    assert 'data-chart="payout-per-head"' in dom and 'data-value="1214.00"' in dom
