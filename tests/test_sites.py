"""Site rule sets: two sites from one base, one threshold changed; diff, compare (deltas for named
employees, grade migration, cost), show with provenance, and extends' error handling.

The base: items `lapses` (count, max 80, −5 each) and `sat` (satisfied rate, max 20, shortfall
target 90, −4 per started 5 points below); bands A ≥ 90, B ≥ 80, C ≥ 70, D below; bonus = base
(junior 1000, senior 2000) × score / 100. North keeps the base; south sets the target to 80.
"""

import json
import textwrap

import pytest
from click.testing import CliRunner

from scorecard.cli import cli
from scorecard.compare import compare
from scorecard.diff import diff_rulesets
from scorecard.errors import RuleSetError
from scorecard.ruleset import load_ruleset
from scorecard.testing import write_files

BASE = """
[ruleset]
org = "acme"
site = "base"

[sources.employees]
path = "data/employees.csv"
key = "employee_id"
[sources.employees.columns]
employee_id = "str"
name = "str"
site = "str"
role = "str"
level = "enum:junior|senior"

[sources.lapses]
path = "data/lapses.csv"
period_by = "at"
[sources.lapses.columns]
employee_id = "str"
at = "timestamp"

[sources.contacts]
path = "data/contacts.csv"
period_by = "at"
[sources.contacts.columns]
employee_id = "str"
at = "timestamp"
satisfied = "bool?"

[[scorecards.agent.items]]
id = "lapses"
type = "count"
max = 80
source = "lapses"
score = { type = "deduct", per = 5 }

[[scorecards.agent.items]]
id = "sat"
type = "rate"
max = 20
source = "contacts"
of = "satisfied"
score = { type = "shortfall", target = 90, step = 5, per_step = 4 }

[scorecards.agent.grading]
type = "bands"
bands = [
  { grade = "A", min = 90 },
  { grade = "B", min = 80 },
  { grade = "C", min = 70 },
  { grade = "D" },
]

[scorecards.agent.payout]
type = "level_base"
bases = { junior = 1000, senior = 2000 }
"""

NORTH = """
[ruleset]
extends = "../base.toml"
site = "north"
"""

SOUTH = """
[ruleset]
extends = "../base.toml"
site = "south"

[[scorecards.agent.items]]
id = "sat"
score = { target = 80 }
"""


def _contacts(eid, n, satisfied):
    return "".join(f"{eid},2026-10-{d + 1:02d} 09:00:00,{1 if d < satisfied else 0}\n"
                   for d in range(n))


DATA = {
    "data/employees.csv": """
        employee_id,name,site,role,level
        E1,Ann,north,agent,junior
        E2,Bo,north,agent,senior
        E3,Cai,north,agent,senior
        E4,Du,north,agent,junior
        E5,Eve,north,agent,junior
    """,
    # E2 2 lapses, E3 1, E4 3, E5 4; one E1 row in September does not count
    "data/lapses.csv": "employee_id,at\nE2,2026-10-02 10:00:00\nE2,2026-10-03 10:00:00\n"
                       "E3,2026-10-02 10:00:00\nE4,2026-10-02 10:00:00\nE4,2026-10-03 10:00:00\n"
                       "E4,2026-10-04 10:00:00\nE5,2026-10-02 10:00:00\nE5,2026-10-03 10:00:00\n"
                       "E5,2026-10-04 10:00:00\nE5,2026-10-05 10:00:00\n"
                       "E1,2026-09-30 10:00:00\n",
    # E1 8/10 = 80 %, E2 10/10, E3 3/4 = 75 %, E4 1/2 = 50 %, E5 6/7 = 85.71 %
    "data/contacts.csv": "employee_id,at,satisfied\n" + _contacts("E1", 10, 8)
    + _contacts("E2", 10, 10) + _contacts("E3", 4, 3) + _contacts("E4", 2, 1)
    + _contacts("E5", 7, 6),
}


@pytest.fixture
def sites(tmp_path):
    write_files(tmp_path, {"base.toml": BASE, "north/scorecard.toml": NORTH,
                           "south/scorecard.toml": SOUTH, **DATA})
    return tmp_path / "north" / "scorecard.toml", tmp_path / "south" / "scorecard.toml"


def test_site_merges_its_base(sites):
    north, south = sites
    rs = load_ruleset(south)
    sat = rs.scorecards["agent"].item("sat")
    assert sat.score.params.target == 80  # from south
    assert sat.score.params.step == 5 and sat.score.params.per_step == 4  # kept from the base
    assert sat.max == 20 and sat.score.type == "shortfall"
    assert [i.id for i in rs.scorecards["agent"].items] == ["lapses", "sat"]
    assert rs.meta.site == "south" and rs.meta.org == "acme"
    # the base's source paths are relative to the base, rewritten relative to the site
    assert rs.sources["lapses"].path == "../data/lapses.csv"
    # the merged text is what is hashed: it holds the site's threshold, not `extends`
    assert "target = 80" in rs.text and "extends" not in rs.text.split("\n", 1)[1]
    assert load_ruleset(north).hash != rs.hash


def test_hash_follows_the_base(sites):
    north, _ = sites
    before = load_ruleset(north).hash
    base = north.parent.parent / "base.toml"
    base.write_text(base.read_text().replace("per = 5", "per = 6"))
    assert load_ruleset(north).hash != before


def test_diff_two_sites(sites):
    north, south = sites
    changes = diff_rulesets(load_ruleset(north), load_ruleset(south))
    assert [c.text() for c in changes] == [
        '~ ruleset.site: "north" → "south"',
        "~ scorecards.agent.items[sat].score.target: 90 → 80",
    ]
    r = CliRunner().invoke(cli, ["diff", str(north), str(south), "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)["changes"]
    assert data[1] == {"op": "changed", "path": "scorecards.agent.items[sat].score.target",
                       "kind": "parameter", "old": 90, "new": 80}


def test_compare_two_sites_by_hand(sites):
    north, south = sites
    c = compare(north, south, "2026-10")
    # E1 junior: 0 lapses → 80; 8/10 = 80 %.
    #   north: ⌈(90 − 80) / 5⌉ = 2 steps → 20 − 8 = 12 → 92 (A); bonus 1000 × 92 / 100 = 920
    #   south: 80 ≥ 80 → 20 → 100 (A); bonus 1000
    e1 = c.row("E1")
    assert (e1["score_a"], e1["score_b"], e1["score_delta"]) == ("92.00", "100.00", "8.00")
    assert (e1["grade_a"], e1["grade_b"]) == ("A", "A")
    assert (e1["payout_a"], e1["payout_b"], e1["payout_delta"]) == ("920.00", "1000.00", "80.00")
    # E2 senior: 2 lapses → 70; 10/10 → 20 at both: 90 (A), 2000 × 90 / 100 = 1800, no change
    e2 = c.row("E2")
    assert (e2["score_a"], e2["score_b"], e2["payout_delta"]) == ("90.00", "90.00", "0.00")
    # E3 senior: 1 lapse → 75; 3/4 = 75 %.
    #   north: ⌈15 / 5⌉ = 3 steps → 20 − 12 = 8 → 83 (B); 2000 × 83 / 100 = 1660
    #   south: ⌈5 / 5⌉ = 1 step → 16 → 91 (A); 1820
    e3 = c.row("E3")
    assert (e3["score_a"], e3["score_b"], e3["grade_a"], e3["grade_b"]) == \
        ("83.00", "91.00", "B", "A")
    assert (e3["payout_a"], e3["payout_b"], e3["payout_delta"]) == ("1660.00", "1820.00",
                                                                  "160.00")
    # E4 junior: 3 lapses → 65; 1/2 = 50 %: north 8 steps → 20 − 32 clamps to 0, south 6 steps
    #   → 20 − 24 clamps to 0: 65 (D) at both, 650
    e4 = c.row("E4")
    assert (e4["score_a"], e4["score_b"], e4["grade_a"], e4["payout_a"]) == \
        ("65.00", "65.00", "D", "650.00")
    # E5 junior: 4 lapses → 60; 6/7 = 85.71 %: north ⌈4.29 / 5⌉ = 1 step → 16 → 76 (C), 760;
    #   south ≥ 80 → 20 → 80, exactly B's lower bound (inclusive) → B, 800
    e5 = c.row("E5")
    assert (e5["score_a"], e5["score_b"], e5["grade_a"], e5["grade_b"]) == \
        ("76.00", "80.00", "C", "B")
    assert e5["payout_delta"] == "40.00"
    # migration: A→A E1, E2; B→A E3; C→B E5; D→D E4
    assert c.grades == ["A", "B", "C", "D", "—"]
    assert c.matrix["A"] == {"A": 2, "B": 0, "C": 0, "D": 0, "—": 0}
    assert c.matrix["B"] == {"A": 1, "B": 0, "C": 0, "D": 0, "—": 0}
    assert c.matrix["C"] == {"A": 0, "B": 1, "C": 0, "D": 0, "—": 0}
    assert c.matrix["D"] == {"A": 0, "B": 0, "C": 0, "D": 1, "—": 0}
    # cost: north 920 + 1800 + 1660 + 650 + 760 = 5790; south 1000 + 1800 + 1820 + 650 + 800
    #   = 6070; Δ 280; per head 5790 / 5 = 1158, 6070 / 5 = 1214, Δ 56
    t = c.total
    assert (t["payout_a"], t["payout_b"], t["payout_delta"]) == ("5790.00", "6070.00", "280.00")
    assert (t["per_head_a"], t["per_head_b"], t["per_head_delta"]) == ("1158.00", "1214.00",
                                                                       "56.00")
    assert t["headcount"] == 5 and t["changed"] == 3
    assert [s["site"] for s in c.sites] == ["north"]
    # the rule that drove it: sat, +8 (E1) +8 (E3) +4 (E5) = +20 over 3 employees
    #   and the bonus of those three: 80 + 160 + 40 = 280
    assert c.drivers == [{"rule": "sat", "net": "20", "gross": "20", "employees": 3,
                          "payout": "280.00"}]


def test_compare_formats(sites):
    north, south = sites
    run = CliRunner().invoke
    r = run(cli, ["compare", str(north), str(south), "-p", "2026-10"])
    assert r.exit_code == 0, r.output
    assert "E3        Cai   north  senior  83.00    91.00    8.00     B        A" in r.output
    assert "(all)  5      5790.00  6070.00  280.00" in r.output
    r = run(cli, ["compare", str(north), str(south), "-p", "2026-10", "--format", "csv"])
    lines = r.output.splitlines()
    assert lines[0].startswith("employee_id,name,site,level,score_a,score_b,score_delta")
    assert "E5,Eve,north,junior,76.00,80.00,4.00,C,B,760.00,800.00,40.00,sat +4" in lines
    r = run(cli, ["compare", str(north), str(south), "-p", "2026-10", "--format", "json"])
    data = json.loads(r.output)
    assert data["migration"]["B"]["A"] == 1 and data["total"]["payout_delta"] == "280.00"


def test_compare_on_the_other_sites_data(sites, tmp_path):
    north, south = sites
    # south reads its own employees file, where E1 is senior: with --data b both rule sets
    # read it, so E1's bonus is 2000 × 92 / 100 = 1840 (north) and 2000 (south)
    write_files(tmp_path, {"south/data/employees.csv": DATA["data/employees.csv"].replace(
        "E1,Ann,north,agent,junior", "E1,Ann,south,agent,senior")})
    south.write_text(SOUTH + '\n[sources.employees]\npath = "data/employees.csv"\n')
    c = compare(north, south, "2026-10", data="b")
    assert (c.row("E1")["payout_a"], c.row("E1")["payout_b"]) == ("1840.00", "2000.00")
    assert [s["site"] for s in c.sites] == ["north", "south"]


def test_show_names_where_each_value_came_from(sites):
    _, south = sites
    r = CliRunner().invoke(cli, ["show", "-c", str(south)])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    target = next(ln for ln in lines if ln.startswith("scorecards.agent.items[sat].score.target"))
    assert target.split("=", 1)[1].split("#")[0].strip() == "80"
    assert "south/scorecard.toml (was 90 in " in target and target.endswith("base.toml)")
    step = next(ln for ln in lines if ln.startswith("scorecards.agent.items[sat].score.step "))
    assert step.rstrip().endswith("base.toml")
    r = CliRunner().invoke(cli, ["show", "-c", str(south), "--toml"])
    assert "target = 80" in r.output and r.output.startswith("# merged rule set:")


def test_remove_an_inherited_item_and_add_one(sites):
    _, south = sites
    south.write_text(SOUTH + textwrap.dedent("""
        [[scorecards.agent.items]]
        id = "lapses"
        remove = true

        [[scorecards.agent.items]]
        id = "late"
        type = "count"
        max = 80
        source = "lapses"
        score = { type = "deduct", per = 10 }
    """))
    rs = load_ruleset(south)
    assert [i.id for i in rs.scorecards["agent"].items] == ["sat", "late"]
    changes = [c.text() for c in diff_rulesets(load_ruleset(sites[0]), rs)]
    assert "- scorecards.agent.items[lapses]: lapses (count, max 80)" in changes
    assert "+ scorecards.agent.items[late]: late (count, max 80)" in changes


def test_remove_an_unknown_item_is_an_error(sites):
    _, south = sites
    south.write_text(SOUTH + '\n[[scorecards.agent.items]]\nid = "lapse"\nremove = true\n')
    with pytest.raises(RuleSetError) as e:
        load_ruleset(south)
    assert str(south) in e.value.message
    assert "'lapse', which is not inherited (inherited: lapses, sat)" in e.value.message


def test_error_names_the_site_file_and_key(sites):
    _, south = sites
    south.write_text(SOUTH.replace("target = 80", 'target = "eighty"'))
    with pytest.raises(RuleSetError) as e:
        load_ruleset(south)
    assert e.value.file == south
    assert e.value.key == "scorecards.agent.items[1].score.target"
    assert "expected a number" in e.value.message


def test_error_in_the_base_names_the_base(sites):
    north, _ = sites
    base = north.parent.parent / "base.toml"
    base.write_text(base.read_text().replace("per = 5", "per = \"five\""))
    with pytest.raises(RuleSetError) as e:
        load_ruleset(north)
    assert e.value.file.name == "base.toml" and e.value.key.endswith("score.per")
    lines = base.read_text().splitlines()
    assert lines[e.value.line - 1] == 'score = { type = "deduct", per = "five" }'


def test_extends_cycle_and_missing_file(tmp_path):
    write_files(tmp_path, {"a.toml": '[ruleset]\nextends = "b.toml"\n',
                           "b.toml": '[ruleset]\nextends = "a.toml"\n'})
    with pytest.raises(RuleSetError) as e:
        load_ruleset(tmp_path / "a.toml")
    assert "extends cycle" in e.value.message and "a.toml" in e.value.message
    write_files(tmp_path, {"c.toml": '[ruleset]\nextends = "nope.toml"\n'})
    with pytest.raises(RuleSetError) as e:
        load_ruleset(tmp_path / "c.toml")
    assert "ruleset.extends: 'nope.toml' not found" in e.value.message


def test_nested_extends_resolve_relative_to_each_file(sites, tmp_path):
    # group/base.toml ← regions/east.toml ← sites/x/scorecard.toml; data beside group/
    write_files(tmp_path, {
        "regions/east.toml": '[ruleset]\nextends = "../base.toml"\nsite = "east"\n'
                             "[scorecards.agent.payout.bases]\nsenior = 2500\n",
        "sites/x/scorecard.toml": '[ruleset]\nextends = "../../regions/east.toml"\nsite = "x"\n',
    })
    rs = load_ruleset(tmp_path / "sites/x/scorecard.toml")
    assert rs.sources["contacts"].path == "../../data/contacts.csv"
    assert rs.scorecards["agent"].payout.params.bases == {"junior": 1000, "senior": 2500}
    assert [f.name for f in rs.merged.files] == ["scorecard.toml", "east.toml", "base.toml"]
    r = CliRunner().invoke(cli, ["evaluate", "-c", str(tmp_path / "sites/x/scorecard.toml"),
                                 "-p", "2026-10", "--format", "csv"])
    assert r.exit_code == 0, r.output
    # E3 senior, 83 under the base's rules: 2500 × 83 / 100 = 2075
    # (each CSV row starts with the period and the run)
    assert any(ln.startswith("2026-10,1,E3,Cai,agent,senior,83.00,B,2075.00") for ln in
               r.output.splitlines())


def test_diff_bands_and_payout_tables(sites):
    north, south = sites
    south.write_text(SOUTH + textwrap.dedent("""
        [scorecards.agent.grading]
        bands = [
          { grade = "A", min = 90 },
          { grade = "B", min = 85 },
          { grade = "C", min = 70 },
          { grade = "D" },
        ]

        [scorecards.agent.payout.bases]
        junior = 1100

        [[scorecards.agent.penalties]]
        id = "late"
        type = "ranged_per_event"
        source = "lapses"
        kinds = { late = { points = [1, 3] } }

        [sources.lapses.columns]
        kind = "str?"
        points = "decimal?"
        fine = "decimal?"
    """))
    changes = diff_rulesets(load_ruleset(north), load_ruleset(south))
    by_kind = {}
    for c in changes:
        by_kind.setdefault(c.kind, []).append(c.text())
    assert by_kind["band"] == ["~ scorecards.agent.grading.bands[B].min: 80 → 85"]
    assert by_kind["payout"] == ["~ scorecards.agent.payout.bases.junior: 1000 → 1100"]
    assert by_kind["rule"] == ["+ scorecards.agent.penalties[late]: late (ranged_per_event)"]
    assert by_kind["source"] == ['+ sources.lapses.columns.kind: "str?"',
                                 '+ sources.lapses.columns.points: "decimal?"',
                                 '+ sources.lapses.columns.fine: "decimal?"']
    r = CliRunner().invoke(cli, ["diff", str(north), str(south)])
    assert "grading bands (1):\n  ~ scorecards.agent.grading.bands[B].min: 80 → 85" in r.output
    # the same rule set against itself: nothing
    r = CliRunner().invoke(cli, ["diff", str(north), str(north)])
    assert r.output.strip() == f"no differences between {north} and {north}"


def test_compare_names_band_and_payout_table_changes(sites):
    north, south = sites
    # south: same points, B from 85 (E3's 83 and E5's 76 stay; north's B at 83 becomes C),
    #   and juniors' base 1100
    south.write_text('[ruleset]\nextends = "../base.toml"\nsite = "south"\n'
                     '[scorecards.agent.grading]\nbands = [{ grade = "A", min = 90 }, '
                     '{ grade = "B", min = 85 }, { grade = "C", min = 70 }, { grade = "D" }]\n'
                     '[scorecards.agent.payout.bases]\njunior = 1100\n')
    c = compare(north, south, "2026-10")
    # E3 senior 83: B → C, bonus unchanged (2000 × 83 / 100)
    assert (c.row("E3")["grade_b"], c.row("E3")["changed_rules"]) == ("C", "(grading bands)")
    # juniors E1 92, E4 65, E5 76: Δ = (1100 − 1000) × score / 100 = +92, +65, +76 (Σ 233)
    assert [c.row(e)["payout_delta"] for e in ("E1", "E4", "E5")] == ["92.00", "65.00", "76.00"]
    assert c.row("E1")["changed_rules"] == "(payout table)"
    assert c.drivers == [
        {"rule": "(payout table)", "net": "0", "gross": "0", "employees": 3, "payout": "233.00"},
        {"rule": "(grading bands)", "net": "0", "gross": "0", "employees": 1, "payout": "0.00"}]


def test_compare_refuses_rule_sets_that_cannot_share_data(sites, tmp_path):
    north, south = sites
    south.write_text(SOUTH + '\n[sources.extra]\npath = "x.csv"\n[sources.extra.columns]\n'
                             'employee_id = "str"\n')
    r = CliRunner().invoke(cli, ["compare", str(north), str(south), "-p", "2026-10"])
    assert r.exit_code == 2
    assert f"{south}: source 'extra' has no counterpart in {north}" in r.output
    south.write_text('[ruleset]\nextends = "../base.toml"\nsite = "south"\nperiod = "quarter"\n')
    r = CliRunner().invoke(cli, ["compare", str(north), str(south), "-p", "2026-10"])
    assert r.exit_code == 2 and "is monthly but" in r.output and "is quarterly" in r.output
