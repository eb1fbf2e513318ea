"""compare and sites show numbers by each rule set's declared rounding ([rounding] score and
money), not a fixed two places; a delta of "0.0" is no change. Data: tests/test_sites.py's
DATA (lapses E1 0, E2 2, E3 1, E4 3, E5 4; satisfied E1 80 %, E2 100 %, E3 75 %, E4 50 %,
E5 85.71 %)."""

import re

from click.testing import CliRunner
from test_sites import BASE, DATA

from scorecard.cli import cli
from scorecard.testing import write_files


def _ruleset(site, per, score="0.1", money="1"):
    text = BASE.replace('site = "base"', f'site = "{site}"')
    text = text.replace("score = { type = \"deduct\", per = 5 }",
                        f"score = {{ type = \"deduct\", per = {per} }}")
    return text.replace("[sources.employees]",
                        f'[rounding]\nscore = "{score}"\nmoney = "{money}"\n\n'
                        "[sources.employees]", 1)


def _setup(tmp_path, score="0.1", money="1"):
    files = {}
    for d, site, per in (("a", "north", "2.35"), ("b", "south", "2.5")):
        files[f"{d}/scorecard.toml"] = _ruleset(site, per, score, money)
        files.update({f"{d}/{k}": v for k, v in DATA.items()})
    write_files(tmp_path, files)
    return str(tmp_path / "a" / "scorecard.toml"), str(tmp_path / "b" / "scorecard.toml")


def _run(*args):
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def _row(text, eid):
    return next(line.split() for line in text.splitlines() if line.startswith(eid + " "))


# Hand-computed (sat: 80 % → 12, 100 % → 20, 75 % → 8, 50 % → 0, 85.71 % → 16 points):
#   A (−2.35 a lapse): E1 80 + 12 = 92; E2 80 − 4.7 + 20 = 95.3; E3 80 − 2.35 + 8 = 85.65;
#     E4 80 − 7.05 + 0 = 72.95; E5 80 − 9.4 + 16 = 86.6 → by 0.1 half-up: 92.0, 95.3, 85.7,
#     73.0, 86.6; pay base × score / 100 by 1: E1 1000 × 0.92 = 920, E2 2000 × 0.953 = 1906,
#     E3 2000 × 0.857 = 1714, E4 1000 × 0.73 = 730, E5 1000 × 0.866 = 866
#   B (−2.5 a lapse): 92.0, 95.0, 85.5, 72.5, 86.0; pay 920, 1900, 1710, 725, 860


def test_compare_shows_the_declared_places(tmp_path):
    a, b = _setup(tmp_path)
    text = _run("compare", a, b, "-p", "2026-10")
    # E1 is unchanged (Δ 0.0, Δ payout 0): not listed without --all
    assert "employees whose result changed: 4" in text
    assert not any(line.startswith("E1 ") for line in text.splitlines())
    # employee, name, site, level, score A, score B, Δ score, grade A, grade B, payout A, B, Δ
    assert _row(text, "E2")[1:] == ["Bo", "north", "senior", "95.3", "95.0", "-0.3", "A", "A",
                                    "1906", "1900", "-6", "lapses", "-0.3"]
    assert _row(text, "E4")[4:7] == ["73.0", "72.5", "-0.5"]
    # payout cost, all 5: A 920 + 1906 + 1714 + 730 + 866 = 6136, per head 1227.2 → 1227;
    # B 6115, per head 1223; Δ −21, per head −4.2 → −4
    total = next(line.split() for line in text.splitlines() if line.startswith("(all)"))
    assert total[1:] == ["5", "6136", "6115", "-21", "1227", "1223", "-4"]
    # --all lists E1 with its one-place scores
    assert _row(_run("compare", a, b, "-p", "2026-10", "--all"), "E1")[4:7] == [
        "92.0", "92.0", "0.0"]


def test_compare_html_cells_follow_the_rule_sets(tmp_path):
    a, b = _setup(tmp_path)
    out = tmp_path / "c.html"
    _run("compare", a, b, "-p", "2026-10", "--format", "html", "-o", str(out))
    cells = re.findall(r'<td class="n">([^<]*)</td>', out.read_text(encoding="utf-8"))
    assert "95.3" in cells and "85.7" in cells and "1906" in cells
    assert not any(re.fullmatch(r"-?\d+\.\d\d", c) for c in cells), "two places shown"


def test_score_step_1_shows_whole_scores(tmp_path):
    # A by 1: 92, 95 (95.3), 86 (85.65 half-up), 73 (72.95), 87 (86.6); B: 92, 95, 86 (85.5),
    # 73 (72.5), 86
    a, b = _setup(tmp_path, score="1", money="0.01")
    text = _run("compare", a, b, "-p", "2026-10", "--all")
    assert _row(text, "E5")[4:7] == ["87", "86", "-1"]
    # payout by 0.01: E5 1000 × 87 / 100 = 870.00 under A, 860.00 under B
    assert _row(text, "E5")[9:12] == ["870.00", "860.00", "-10.00"]
    # the page: scores whole, money by its own step (not by the score's)
    out = tmp_path / "c.html"
    _run("compare", a, b, "-p", "2026-10", "--format", "html", "-o", str(out))
    cells = re.findall(r'<td class="n">([^<]*)</td>', out.read_text(encoding="utf-8"))
    assert "87" in cells and "870.00" in cells and "870" not in cells


def test_sites_show_the_declared_places(tmp_path):
    a, b = _setup(tmp_path)
    text = _run("sites", a, b, "-p", "2026-10")
    # north mean (92.0 + 95.3 + 85.7 + 73.0 + 86.6) / 5 = 432.6 / 5 = 86.52 → 86.5; median
    # 86.6; min 73.0; max 95.3; payout 6136, per head 1227.2 → 1227
    north = next(line.split() for line in text.splitlines() if line.startswith("north "))
    assert north[1:] == ["5", "5", "86.5", "86.6", "73.0", "95.3", "6136", "1227"]
    # south (92.0 + 95.0 + 85.5 + 72.5 + 86.0) / 5 = 431 / 5 = 86.2; median 86.0
    south = next(line.split() for line in text.splitlines() if line.startswith("south "))
    assert south[3:7] == ["86.2", "86.0", "72.5", "95.0"]
    out = tmp_path / "s.html"
    _run("sites", a, b, "-p", "2026-10", "--format", "html", "-o", str(out))
    cells = re.findall(r'<td class="n">([^<]*)</td>', out.read_text(encoding="utf-8"))
    assert "86.5" in cells and "86.52" not in cells and "86.50" not in cells
