"""The installed automotive bundle: its rule set is clean under ``scorecard check`` and its
golden cases exercise every rule (moved here from the core tests, which use a frozen copy in
tests/fixtures so they run without any bundle installed)."""

from scorecard.bundles import get_bundle
from scorecard.check import check_ruleset
from scorecard.golden import run_golden
from scorecard.ruleset import load_ruleset


def test_automotive_bundle_is_clean():
    rs = load_ruleset(get_bundle("automotive-contact-centre").ruleset_path)
    assert [f.text() for f in check_ruleset(rs) if f.severity != "info"] == []


def test_automotive_ships_cases_that_exercise_every_rule():
    b = get_bundle("automotive-contact-centre")
    rep = run_golden(b.ruleset_path)
    assert len(rep.cases) >= 4 and rep.ok
    assert rep.unexercised == []
    assert sum(c.checked for c in rep.cases) >= 30
