"""``active_when``: an employee without a row in any of the named sources this period is not
scored. Period-bound sources count only the period's rows; a source without ``period_by`` counts
every row."""

from decimal import Decimal

import pytest
from blockkit import run

SOURCES = """
[sources.events]
path = "events.csv"
period_by = "at"
[sources.events.columns]
employee_id = "str"
at = "timestamp"

[sources.roster]
path = "roster.csv"
[sources.roster.columns]
employee_id = "str"
"""
# E1: a row on the last second of October (in); E2: only the first second of November (out)
EVENTS = """\
employee_id,at
E1,2026-10-31 23:59:59
E2,2026-11-01 00:00:00
"""
ROSTER = """\
employee_id
E2
"""
CARD = """
active_when = {active_when}
[[scorecards.s.items]]
id = "n"
type = "count"
source = "events"
max = 100
"""


def _run(tmp_path, active_when):
    return run(tmp_path, SOURCES, CARD.format(active_when=active_when),
               {"events.csv": EVENTS, "roster.csv": ROSTER})


@pytest.mark.parametrize(("active_when", "scored", "unscored", "why"), [
    # E2's only event is in November: inactive in October
    ('["events"]', "E1", "E2", "events"),
    # roster has no period_by: every row counts, and only E2 is on it
    ('["roster"]', "E2", "E1", "roster"),
])
def test_one_source(tmp_path, active_when, scored, unscored, why):
    ev = _run(tmp_path, active_when)
    assert ev.result(scored).status == "ok"
    out = ev.result(unscored)
    assert out.status == "no_activity" and out.score is None
    assert f"no row in {why} for 2026-10: no activity, not scored and not paid " \
           f"(scorecards.s.on_no_activity = \"unscored\")" in out.text()


def test_a_row_in_any_source_is_enough(tmp_path):
    ev = _run(tmp_path, '["events", "roster"]')
    # E1 by its October event, E2 by the roster: both scored; count n = 1 and 0 events
    assert [ev.result(e).status for e in ("E1", "E2")] == ["ok", "ok"]
    assert ev.result("E1").points("n") == 1 and ev.result("E2").points("n") == 0


def test_an_unscored_employee_still_has_their_fines(tmp_path):
    sources = SOURCES + """
[sources.cases]
path = "cases.csv"
period_by = "day"
[sources.cases.columns]
employee_id = "str"
day = "date"
kind = "enum:harm"
points = "decimal?"
fine = "decimal?"
"""
    card = CARD.format(active_when='["roster"]') + """
[[scorecards.s.penalties]]
id = "handling"
type = "ranged_per_event"
source = "cases"
[scorecards.s.penalties.kinds]
harm = { points = [1, 3], fine = [50, 100] }
"""
    cases = "employee_id,day,kind,points,fine\nE1,2026-10-02,harm,,60.5\n"
    ev = run(tmp_path, sources, card, {"events.csv": EVENTS, "roster.csv": ROSTER,
                                       "cases.csv": cases})
    e1, e2 = ev.result("E1"), ev.result("E2")
    # E1 is not on the roster: no score, but the 60.5 fine is reported, rounded to 0.01
    assert e1.status == "no_activity" and e1.score is None
    assert e1.fines == Decimal("60.50")
    assert e2.status == "ok" and e2.fines == 0 and e2.score == Decimal("0.00")  # n = 0 events
