"""`scorecard check`: each finding with its severity, key path and sentence; `evaluate` refuses
a rule set with errors (the 2c revisit mismatch: a 10-point tier on a 5-point item)."""

import json

import pytest
from click.testing import CliRunner

from scorecard.bundles import get_bundle
from scorecard.check import check_ruleset
from scorecard.cli import cli
from scorecard.errors import RuleSetError
from scorecard.ruleset import load_ruleset
from scorecard.testing import evaluate_files, write_files

HEAD = """
[ruleset]
org = "t"

[sources.employees]
path = "employees.csv"
[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"
level = "enum:junior|senior"

[sources.visits]
path = "visits.csv"
period_by = "at"
[sources.visits.columns]
employee_id = "str"
at = "timestamp"
done = "bool"
"""

# the customer-service manager's revisits (RULES.md 2c): all done → full; ≥ 90 % → half;
# < 90 % → 0, with the original's 10 points against a 5 % weight
REVISITS = """
[[scorecards.m.items]]
id = "revisits"
type = "rate"
max = 5
source = "visits"
of = "done"
score = { type = "tiers", tiers = [
  { min = 100, points = 10 },
  { min = 90, points = 5 },
  { below = 90, points = 0 },
] }
"""

OTHER = """
[[scorecards.m.items]]
id = "rest"
type = "count"
max = 95
source = "visits"
score = { type = "deduct", per = 0 }
"""

FILES = {"employees.csv": "employee_id,name,role,level\nE1,Ann,manager,junior\n",
         "visits.csv": "employee_id,at,done\nE1,2026-10-02 10:00:00,1\n"}


def findings(tmp_path, text, files=FILES, data=True):
    write_files(tmp_path, {"scorecard.toml": HEAD + text, **files})
    return check_ruleset(load_ruleset(tmp_path / "scorecard.toml"), data=data)


def by_path(fs):
    return {f.path: (f.severity, f.message) for f in fs}


def test_revisit_points_against_weight(tmp_path):
    fs = by_path(findings(tmp_path, REVISITS + OTHER))
    sev, msg = fs["scorecards.m.items[0].score.tiers[0].points"]
    assert sev == "error"
    assert msg == ("revisits: the tier ≥ 100 gives 10 points against the item's max (weight) "
                   "of 5; make the points and the weight agree")


def test_check_command_and_evaluate_refuse_the_mismatch(tmp_path):
    write_files(tmp_path, {"scorecard.toml": HEAD + REVISITS + OTHER, **FILES})
    config = str(tmp_path / "scorecard.toml")
    r = CliRunner().invoke(cli, ["check", "-c", config])
    assert r.exit_code == 1
    assert ("error: scorecards.m.items[0].score.tiers[0].points: revisits: the tier ≥ 100 gives "
            "10 points") in r.output
    assert r.output.strip().endswith("1 error(s), 0 warning(s), 0 note(s)")
    r = CliRunner().invoke(cli, ["evaluate", "-c", config, "-p", "2026-10"])
    assert r.exit_code == 2
    assert f"{config}:" in r.output and "scorecards.m.items[0].score.tiers[0].points" in r.output
    assert not (tmp_path / "scorecard.db").exists() or "run 1" not in r.output
    with pytest.raises(RuleSetError):
        evaluate_files(tmp_path, HEAD + REVISITS + OTHER, FILES, "2026-10")
    # following the weight (full = 5, half = 2.5) it runs: 1/1 done = 100 % → 5
    fixed = REVISITS.replace("points = 10", "points = 5").replace(
        "min = 90, points = 5", "min = 90, points = 2.5")
    ev = evaluate_files(tmp_path, HEAD + fixed + OTHER, FILES, "2026-10")
    assert ev.result("E1").points("revisits") == 5


def test_gap_in_a_tier_table(tmp_path):
    # CRM build-out (2c): ≥ 90 → 20; ≥ 85 → 10; < 80 → 0 leaves 80–85 % open
    crm = REVISITS.replace("max = 5", "max = 20").replace(
        "{ min = 100, points = 10 }", "{ min = 90, points = 20 }").replace(
        "{ min = 90, points = 5 }", "{ min = 85, points = 10 }").replace(
        "{ below = 90, points = 0 }", "{ below = 80, points = 0 }")
    fs = by_path(findings(tmp_path, crm + OTHER.replace("95", "80")))
    assert fs["scorecards.m.items[0].score.tiers"] == (
        "warning", "revisits: gap in the tier table: 80 ≤ value < 85 matches no tier; they get "
                   "otherwise = 0")


def test_tier_that_never_applies(tmp_path):
    wrong = REVISITS.replace("{ min = 100, points = 10 }", "{ min = 90, points = 5 }", 1)
    wrong = wrong.replace("{ min = 90, points = 5 },\n  { below", "{ min = 100, points = 5 },\n"
                                                                   "  { below")
    fs = by_path(findings(tmp_path, wrong + OTHER))
    assert fs["scorecards.m.items[0].score.tiers[1]"] == (
        "warning", "revisits: the tier ≥ 100 never applies: the tiers before it take every "
                   "value it covers (wrong order?)")


BANDS = """
[scorecards.m.grading]
type = "bands"
bands = [
  { grade = "A", min = 90, coefficient = 1.2 },
  { grade = "B", min = 80, coefficient = 1.0 },
  { grade = "C", min = 60, coefficient = 0.8 },
]
"""


def test_seeded_gap_in_a_band_table(tmp_path):
    fixed = REVISITS.replace("points = 10", "points = 5")
    fs = by_path(findings(tmp_path, fixed + OTHER + BANDS))
    assert fs["scorecards.m.grading.bands[2].min"] == (
        "warning", "gap: scores below 60 fall in no band and get no grade (add a last band "
                   "without min)")


@pytest.mark.parametrize("old, new, path, message", [
    ('"B", min = 80', '"B", min = 90', "bands[1].min",
     "bands A and B overlap (both from 90): B can never be reached"),
    ('"B", min = 80', '"B", min = 95', "bands[1].min",
     "thresholds in the wrong order: band B (≥ 95) comes after A (≥ 90); list bands from the "
     "highest lower bound down"),
    ('"A", min = 90', '"A", min = 105', "bands[0].min",
     "band A starts at 105, above the highest possible score 100: unreachable"),
    ('coefficient = 1.0', 'coefficient = 1.5', "bands",
     "pay coefficient of B (1.5) is above that of the higher band A (1.2)"),
])
def test_band_table_findings(tmp_path, old, new, path, message):
    fixed = REVISITS.replace("points = 10", "points = 5")
    fs = by_path(findings(tmp_path, fixed + OTHER + BANDS.replace(old, new)))
    assert fs[f"scorecards.m.grading.{path}"][1] == message


def test_maxima_that_do_not_add_up(tmp_path):
    fixed = REVISITS.replace("points = 10", "points = 5")
    fs = by_path(findings(tmp_path, fixed + OTHER.replace("95", "90")))
    assert fs["scorecards.m.items"] == (
        "warning", "the counted items' max points add up to 95 (5 + 90), not 100; declare "
                   "total = { max = 95 } if that is intended")
    fs = by_path(findings(tmp_path, fixed + OTHER.replace("95", "90")
                          + "[scorecards.m.total]\nmax = 100\n"))
    assert fs["scorecards.m.total.max"] == (
        "error", "the counted items' max points add up to 95 (5 + 90), not the declared total "
                 "max 100")


def test_payout_table_missing_a_level(tmp_path):
    fixed = REVISITS.replace("points = 10", "points = 5")
    pay = '[scorecards.m.payout]\ntype = "level_base"\nbases = { junior = 1000, expert = 3 }\n'
    got = [f for f in findings(tmp_path, fixed + OTHER + pay)
           if f.path == "scorecards.m.payout.bases"]
    assert [(f.severity, f.message) for f in got] == [
        ("error", "no entry for level senior (an employee with it would stop the evaluation)"),
        ("warning", "entries for expert, which is not a level the employees file allows")]


def test_weights_and_penalty_ranges(tmp_path):
    fixed = REVISITS.replace("points = 10", "points = 5")
    extra = """
[[scorecards.m.items]]
id = "mix"
type = "composite"
in_total = false
components = { revisits = 0.85, rest = 0.1 }

[[scorecards.m.penalties]]
id = "discipline"
type = "ranged_per_event"
source = "cases"
kinds = { late = { points = [1, 120] }, rude = { points = [1, 96] } }

[sources.cases]
path = "cases.csv"
period_by = "at"
[sources.cases.columns]
employee_id = "str"
at = "timestamp"
kind = "str"
points = "decimal?"
fine = "decimal?"
"""
    files = dict(FILES, **{"cases.csv": "employee_id,at,kind,points,fine\n"})
    fs = by_path(findings(tmp_path, fixed + OTHER + extra, files))
    assert fs["scorecards.m.items[2].components"] == (
        "warning", "weights add up to 0.95 (0.85 + 0.1), not 1")
    assert fs["scorecards.m.penalties[0].kinds.late.points"] == (
        "error", "one case can cost 120 points, more than the whole scorecard's 100")
    assert fs["scorecards.m.penalties[0].kinds.rude.points"] == (
        "warning", "one case can cost 96 points, more than any item is worth (largest item max "
                   "95)")


def test_data_headers_against_declared_columns(tmp_path):
    fixed = REVISITS.replace("points = 10", "points = 5")
    files = dict(FILES, **{"visits.csv": "employee_id,at,completed,extra\n"})
    fs = [(f.severity, f.message) for f in findings(tmp_path, fixed + OTHER, files)
          if f.path == "sources.visits.columns"]
    assert fs == [("error", "visits.csv has no column(s) done (its header: employee_id, at, "
                            "completed, extra)"),
                  ("info", "visits.csv has column(s) the rule set does not declare (ignored): "
                           "completed, extra")]
    fs = by_path(findings(tmp_path, fixed + OTHER, dict(FILES, **{
        "visits.csv": "employee_id,at,done,extra\n"})))
    assert fs["sources.visits.columns"] == (
        "info", "visits.csv has column(s) the rule set does not declare (ignored): extra")
    fs = by_path(findings(tmp_path / "new", fixed + OTHER,
                          {"employees.csv": FILES["employees.csv"]}))
    assert fs["sources.visits.path"][0] == "warning"



def test_check_finds_a_column_where_ingest_does(tmp_path):
    # a byte-order mark and another case: ingest loads this header, so check must not call the
    # column missing
    fixed = REVISITS.replace("points = 10", "points = 5")
    files = dict(FILES, **{"visits.csv": "\ufeffEmployee_ID,AT,Done\nE1,2026-10-01 08:00,1\n"})
    fs = [f for f in findings(tmp_path, fixed + OTHER, files) if f.path.startswith("sources.")]
    assert [f for f in fs if f.severity == "error"] == []
    ev = evaluate_files(tmp_path, HEAD + fixed + OTHER, files, "2026-10")
    assert ev.result("E1").item("revisits").measure.value == 100  # 1 of 1 done

def test_check_json_and_site_file(tmp_path):
    write_files(tmp_path, {"base.toml": HEAD + REVISITS.replace("points = 10", "points = 5")
                           + OTHER, **FILES,
                           "site/scorecard.toml": '[ruleset]\nextends = "../base.toml"\n'
                           '[[scorecards.m.items]]\nid = "revisits"\nmax = 4\n'
                           '[[scorecards.m.items]]\nid = "rest"\nmax = 96\n'})
    r = CliRunner().invoke(cli, ["check", "-c", str(tmp_path / "site/scorecard.toml"),
                                 "--format", "json"])
    assert r.exit_code == 1
    errors = [f for f in json.loads(r.output) if f["severity"] == "error"]
    # the tiers' points (5 and 5) come from the base, the max that makes them wrong (4) from
    # the site: the findings are on the tiers' keys, which base.toml set
    assert [f["path"] for f in errors] == ["scorecards.m.items[0].score.tiers[0].points",
                                           "scorecards.m.items[0].score.tiers[1].points"]
    assert all(f["file"].endswith("base.toml") for f in errors)
    assert "the tier ≥ 100 gives 5 points against the item's max (weight) of 4" in \
        errors[0]["message"]


def test_contact_centre_ruleset_is_clean(contact_bundle):
    rs = load_ruleset(get_bundle(contact_bundle.name).ruleset_path)
    assert [f.text() for f in check_ruleset(rs) if f.severity != "info"] == []


def test_weighted_sum_of_points_against_its_max(tmp_path):
    # 2c's ability = Σ item points (max 100); the original's 10-point revisits make it 105
    items = REVISITS.replace("points = 10", "points = 10").replace("max = 5", "max = 10") + \
        OTHER + """
[[scorecards.m.items]]
id = "ability"
type = "composite"
in_total = false
max = 100
use = "points"
components = { revisits = 1, rest = 1 }
"""
    fs = by_path(findings(tmp_path, items))
    assert fs["scorecards.m.items[2].components"] == (
        "warning", "ability: its components can give 105 points (10 + 95), but its max is 100: "
                   "weights and points disagree")
    fs = by_path(findings(tmp_path, items.replace("max = 10\n", "max = 5\n").replace(
        "points = 10", "points = 5")))
    assert "scorecards.m.items[2].components" not in fs


def test_revisit_mismatch_in_a_wholesale_site(tmp_path):
    """The same finding on a site of the 2c bundle (when it is installed): the site copies the
    original form's 10-point revisits over the bundle's 5-point weight."""
    from scorecard.bundles import bundles, init_dir

    found = {b.name: b for b in bundles()}
    if "wholesale-market" not in found:
        pytest.skip("the wholesale-market bundle is not installed")
    init_dir(found["wholesale-market"], tmp_path / "group")
    rs = load_ruleset(tmp_path / "group/scorecard.toml")
    card = rs.scorecards.get("cs_manager")
    if card is None or card.item("revisits") is None or card.item("revisits").max != 5:
        pytest.skip("the bundle has no 5-point cs_manager revisits item")
    write_files(tmp_path, {"site/scorecard.toml": """
        [ruleset]
        extends = "../group/scorecard.toml"
        site = "west"

        [[scorecards.cs_manager.items]]
        id = "revisits"
        score = { type = "tiers", tiers = [{ min = 100, points = 10 }, { min = 90, points = 5 }] }
    """})
    site = tmp_path / "site/scorecard.toml"
    errors = [f for f in check_ruleset(load_ruleset(site), data=False) if f.severity == "error"]
    assert [(f.file, f.message) for f in errors] == [
        (str(site), "revisits: the tier ≥ 100 gives 10 points against the item's max (weight) "
                    "of 5; make the points and the weight agree")]
    r = CliRunner().invoke(cli, ["evaluate", "-c", str(site), "-p", "2026-10"])
    assert r.exit_code == 2 and f"{site}:7: scorecards.cs_manager.items[" in r.output
