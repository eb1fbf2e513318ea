"""Golden cases: every installed bundle's hand-computed cases pass against its rule set; a site
that edits a threshold sees which agreed outcomes changed; unexercised rules are named."""

import shutil

import pytest
from click.testing import CliRunner

from scorecard.bundles import bundles, get_bundle
from scorecard.cli import cli
from scorecard.errors import RuleSetError
from scorecard.golden import case_files, run_golden
from scorecard.ruleset import load_ruleset
from scorecard.testing import write_files


def _with_cases():
    return [b.name for b in bundles() if (b.path / "golden").is_dir()]


@pytest.mark.parametrize("name", _with_cases())
def test_bundle_golden_cases_pass(name):
    b = get_bundle(name)
    r = CliRunner().invoke(cli, ["test", "-c", str(b.ruleset_path)])
    assert r.exit_code == 0, r.output
    assert " 0 failed" in r.output


def test_cases_that_exercise_every_rule(contact_bundle):
    b = get_bundle(contact_bundle.name)
    rep = run_golden(b.ruleset_path)
    assert len(rep.cases) >= 4 and rep.ok
    assert rep.unexercised == []
    assert sum(c.checked for c in rep.cases) >= 30


@pytest.fixture
def site(tmp_path, contact_bundle):
    """A site extending the contact-centre rule set (the test bundle's) with the satisfaction
    target at 85."""
    b = get_bundle(contact_bundle.name)
    shutil.copytree(b.path, tmp_path / "group")
    write_files(tmp_path, {"site/scorecard.toml": """
        [ruleset]
        extends = "../group/scorecard.toml"
        site = "east"

        [[scorecards.agent.items]]
        id = "resolution"
        score = { target = 85 }
    """})
    return tmp_path / "site" / "scorecard.toml"


def test_site_threshold_change_shows_which_outcomes_changed(site):
    # the site inherits the group's cases (golden/ beside the file it extends)
    assert [f.name for f in case_files(load_ruleset(site))][:2] == ["01_clean_month.toml",
                                                                   "02_lapses_and_breaches.toml"]
    r = CliRunner().invoke(cli, ["test", "-c", str(site)])
    assert r.exit_code == 1
    # case 03, E2: 8/9 = 88.89 % was ⌈(90 − 88.89) / 1⌉ = 2 steps → 13; now ≥ 85 → 15, so the
    # score is 100 and the bonus 1000 × 100 / 100 = 1000. E1 (90 %) and case 02 (66.67 %,
    # clamped at 0 either way) are unchanged.
    assert "FAIL 03_supervisor_base_and_target.toml" in r.output
    assert "E2 score: expected 98.00, got 100.00" in r.output
    assert "E2 payout: expected 980.00, got 1000.00" in r.output
    assert "E2 resolution: expected 13, got 15" in r.output
    assert "E1 " not in r.output
    assert "ok   02_lapses_and_breaches.toml" in r.output
    assert "4 passed, 1 failed" in r.output  # 05_busy_periods.toml holds too


def test_unexercised_rules_are_named(site, tmp_path):
    only = tmp_path / "only"
    only.mkdir()
    shutil.copy(site.parent.parent / "group/golden/01_clean_month.toml", only)
    rep = run_golden(site, only)
    assert rep.ok
    # the clean month gives every item its max: no rule is seen taking points away
    assert rep.unexercised == ["polite_language", "listening", "patience", "product_knowledge",
                               "aftersales_knowledge", "problem_identification", "resolution",
                               "response_time", "handling_time"]
    assert "rules no case exercises: polite_language, listening" in rep.text()


def test_bad_case_file_names_file_and_key(site, tmp_path):
    cases = tmp_path / "bad"
    write_files(cases, {"x.toml": """
        [case]
        period = "2026-10"
        [files]
        contact = "contact_id\\n"
        [expect.E1]
        score = "1"
    """})
    with pytest.raises(RuleSetError) as e:
        run_golden(site, cases)
    assert str(cases / "x.toml") in e.value.message
    assert "files.contact: the rule set has no source 'contact'; did you mean 'contacts'?" in \
        e.value.message
    write_files(cases, {"x.toml": '[case]\nperiod = "2026-10"\n[expect.E1]\nscroe = "1"\n'})
    with pytest.raises(RuleSetError) as e:
        run_golden(site, cases)
    assert "expect.E1.scroe: unknown key; did you mean 'score'?" in e.value.message


def test_a_case_file_that_is_not_toml_or_not_utf8_names_file_and_line(site, tmp_path):
    cases = tmp_path / "broken"
    write_files(cases, {"x.toml": '[case]\nperiod = "2026-10"\n[expect.E1\n'})
    with pytest.raises(RuleSetError) as e:
        run_golden(site, cases)
    assert f"{cases / 'x.toml'}:3: invalid TOML" in e.value.message  # the unclosed [expect.E1
    write_files(cases, {"x.toml": '[case]\nperiod = "2026-10"\n# \u4e2d\n'.encode("gbk")})
    with pytest.raises(RuleSetError) as e:
        run_golden(site, cases)
    assert f"{cases / 'x.toml'}: not UTF-8" in e.value.message

def test_missing_employee_and_no_cases(site, tmp_path):
    cases = tmp_path / "c"
    write_files(cases, {"x.toml": '[case]\nperiod = "2026-10"\n[files]\nemployees = """\n'
                                  'employee_id,name,site,role,level\nE1,A,x,agent,junior\n"""\n'
                                  '[expect.E9]\nscore = "100.00"\n'})
    rep = run_golden(site, cases)
    assert not rep.ok
    assert rep.cases[0].failures == ["E9: not in the results (employees: E1)"]
    r = CliRunner().invoke(cli, ["test", "-c", str(site), "--golden", str(tmp_path / "none")])
    assert r.exit_code == 2 and "no golden cases in" in r.output


def test_init_copies_the_cases(tmp_path, contact_bundle):
    r = CliRunner().invoke(cli, ["init", "--org", contact_bundle.name, str(tmp_path / "x")])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "x/golden").glob("*.toml"))[:4] == [
        "01_clean_month.toml", "02_lapses_and_breaches.toml",
        "03_supervisor_base_and_target.toml", "04_knowledge_clamped.toml"]
    r = CliRunner().invoke(cli, ["test", "-c", str(tmp_path / "x/scorecard.toml")])
    assert r.exit_code == 0 and "0 failed" in r.output
