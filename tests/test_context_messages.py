"""Messages for mistakes met while a rule runs or a run is looked up: each names the key or
file and says what to do."""

import pytest
from blockkit import run
from click.testing import CliRunner

from scorecard.cli import cli
from scorecard.errors import ScorecardError

EVENTS_SRC = """
[sources.events]
path = "events.csv"
period_by = "at"
[sources.events.columns]
employee_id = "str"
at = "timestamp"
kind = "str"
"""
EVENTS = "employee_id,at,kind\nE1,2026-10-01 08:00,a\n"


def test_a_match_operator_that_is_not_a_comparison_lists_the_ones_that_are(tmp_path):
    card = """
[[scorecards.s.items]]
id = "n"
type = "count"
source = "events"
match = { kind = { op = "~", value = "a" } }
"""
    with pytest.raises(ScorecardError) as e:
        run(tmp_path, EVENTS_SRC, card, {"events.csv": EVENTS})
    assert "match.kind.op: '~' is not a comparison (use one of =, !=, <, <=, >, >=)" in \
        e.value.message


def test_an_unknown_source_in_a_rule_names_the_declared_ones(tmp_path):
    card = """
[[scorecards.s.items]]
id = "n"
type = "count"
source = "events"
"""
    ev = run(tmp_path, EVENTS_SRC, card, {"events.csv": EVENTS})
    from scorecard.context import Context

    ctx = Context(store=None, ruleset=ev.ruleset, scorecard=None, period=ev.period,
                  employees={}, calendar=None)
    with pytest.raises(ScorecardError) as e:
        ctx.table("event")
    assert "unknown source 'event'; did you mean 'events'? (declared: employees, events)" in \
        e.value.message


def test_explain_a_run_that_is_not_stored(tmp_path):
    from scorecard.store import Store

    db = tmp_path / "x.db"
    Store(db).conn.close()  # an empty store (a missing one is refused: test_store_open)
    r = CliRunner().invoke(cli, ["explain", "E1", "--db", str(db), "--run", "7"])
    assert r.exit_code == 2
    assert f"no run 7 in {db}; `scorecard runs` lists the stored runs" in r.output


def _staff_csv_ruleset(card):
    from blockkit import ruleset_text

    text = ruleset_text(EVENTS_SRC, card)
    assert 'path = "employees.csv"' in text
    return text.replace('path = "employees.csv"', 'path = "staff.csv"')


COUNT_CARD = """
roles = ["agent"]
[[scorecards.s.items]]
id = "n"
type = "count"
source = "events"
"""


def test_messages_about_employees_name_the_employees_file_the_rule_set_declares(tmp_path):
    from scorecard.errors import DataError
    from scorecard.testing import evaluate_files

    staff = "employee_id,name,role,level\nE1,Ann,agent,\nE2,Bo,agent,\n"
    events = EVENTS + "X9,2026-10-02 08:00,a\n"
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path / "a", _staff_csv_ruleset(COUNT_CARD),
                       {"staff.csv": staff, "events.csv": events}, "2026-10")
    assert "events.csv:3:employee_id: employee_id 'X9' is not in staff.csv" in e.value.message
    # line 3 of staff.csv: Bo's role has no scorecard
    with pytest.raises(ScorecardError) as e:
        evaluate_files(tmp_path / "b", _staff_csv_ruleset(COUNT_CARD),
                       {"staff.csv": staff.replace("Bo,agent", "Bo,cook"),
                        "events.csv": EVENTS}, "2026-10")
    assert "staff.csv:3: role 'cook' of E2 has no scorecard (roles with one: agent)" in \
        e.value.message
