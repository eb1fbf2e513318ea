"""The pay cycle (scorecard.cycle): publish, appeals within a working-day window, decisions
applied through the rules, adjustments, close, reopen; append-only, final result = published
run + decisions. Every number worked out by hand below.

The rule set: two items of 50 points, each −1 per lapse of its kind (clamped to 0..50), total
clamped to 0..100; grades A ≥ 90, B ≥ 80, C; bonus = base(level) × score / 100 (junior 1000,
senior 2000); activity = a row in contacts.csv; appeal 3 working days, answer 5.

August 2026 data:
- E1 (junior): contacts; 11 greeting lapses → polite 50 − 11 = 39, thanks 50 → 89 → B,
  1000 × 89 / 100 = 890.00, rank 2
- E2 (senior): contacts; 10 thanks lapses → polite 50, thanks 40 → 90 → A,
  2000 × 90 / 100 = 1800.00, rank 1
- E3 (junior): no contact in August → no activity: no score, no grade, no bonus
"""

import sqlite3
from datetime import date

import pytest

from scorecard import cycle
from scorecard.engine import record
from scorecard.errors import ScorecardError
from scorecard.ruleset import load_ruleset
from scorecard.store import Store
from scorecard.testing import evaluate_files

RULESET = """
[ruleset]
org = "t"
period = "month"

[calendar]
country = "CN"

[process]
appeal_days = 3
appeal_answer_days = 5

[sources.employees]
path = "employees.csv"
key = "employee_id"
[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"
level = "str"

[sources.contacts]
path = "contacts.csv"
period_by = "at"
[sources.contacts.columns]
employee_id = "str"
at = "timestamp"

[sources.lapses]
path = "lapses.csv"
period_by = "at"
[sources.lapses.columns]
employee_id = "str"
at = "timestamp"
kind = "enum:greeting|thanks"

[scorecards.s]
active_when = ["contacts"]
total = { min = 0, max = 100 }

[[scorecards.s.items]]
id = "polite"
type = "count"
max = 50
source = "lapses"
match = { kind = "greeting" }
score = { type = "deduct", per = 1 }

[[scorecards.s.items]]
id = "thanks"
type = "count"
max = 50
source = "lapses"
match = { kind = "thanks" }
score = { type = "deduct", per = 1 }

[scorecards.s.grading]
type = "bands"
bands = [{ grade = "A", min = 90 }, { grade = "B", min = 80 }, { grade = "C" }]

[scorecards.s.payout]
type = "level_base"
bases = { junior = 1000, senior = 2000 }
"""

EMPLOYEES = """\
employee_id,name,role,level
E1,Ann,agent,junior
E2,Bo,agent,senior
E3,Cy,agent,junior
"""
CONTACTS = """\
employee_id,at
E1,2026-08-03 09:00
E1,2026-08-31 17:00
E2,2026-08-03 10:00
E2,2026-08-31 16:00
E3,2026-09-01 09:00
"""
LAPSES = "employee_id,at,kind\n" + "".join(
    f"E1,2026-08-{d:02d} 09:00,greeting\n" for d in range(3, 14)) + "".join(
    f"E2,2026-08-{d:02d} 10:00,thanks\n" for d in range(3, 13))

FILES = {"employees.csv": EMPLOYEES, "contacts.csv": CONTACTS, "lapses.csv": LAPSES}


class Clock:
    """Stands the cycle on a given day (``cycle.today``) and stamps runs with it."""

    def __init__(self, monkeypatch):
        self.day = date(2026, 9, 24)
        monkeypatch.setattr(cycle, "today", lambda: self.day)
        monkeypatch.setattr("scorecard.engine.now_text", lambda: f"{self.day}T10:00:00+08:00")


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def month(tmp_path, clock):
    """August evaluated and stored on Thu 2026-09-24: (store, rule set, run id)."""
    ev = evaluate_files(tmp_path, RULESET, FILES, "2026-08")
    store = Store(tmp_path / "scorecard.db")
    rs = load_ruleset(tmp_path / "scorecard.toml")
    record(store, ev)
    return store, rs, ev.run_id


def row(final, eid):
    r = final.result(eid)
    return r["status"], r["score"], r["grade"], r["rank"], r["payout"]


def test_published_run_without_decisions_is_the_final_result(month):
    store, rs, run_id = month
    assert cycle.period_status(store, rs, "2026-08").state == "evaluated"
    assert cycle.final_results(store, rs, "2026-08") is None  # not published yet
    cycle.publish(store, rs, "2026-08", by="Li")
    final = cycle.final_results(store, rs, "2026-08")
    assert final.state == "published" and final.run_id == run_id
    assert row(final, "E1") == ("ok", "89.00", "B", 2, "890.00")
    assert row(final, "E2") == ("ok", "90.00", "A", 1, "1800.00")
    assert row(final, "E3") == ("no_activity", None, None, None, None)
    assert final.results == store.results(run_id)


def test_window_counts_working_days_across_a_holiday_and_a_weekend(month, clock):
    store, rs, _ = month
    # published Thu 09-24; Fri 09-25 is the Mid-Autumn Festival, 09-26/27 the weekend: the 3
    # working days are Mon 09-28, Tue 09-29, Wed 09-30 (3 calendar days would end on 09-27)
    pub = cycle.publish(store, rs, "2026-08", by="Li")
    assert pub["deadline"] == "2026-09-30"
    assert cycle.appeal_deadline(rs, date(2026, 9, 24)) == date(2026, 9, 30)
    # lodged on the last day: accepted; answer by 5 working days later: Thu 10-08, Fri 10-09,
    # Sat 10-10 (a make-up working day), Mon 10-12, Tue 10-13 (10-01..10-07 National Day)
    clock.day = date(2026, 10, 20)
    a = cycle.add_appeal(store, rs, "2026-08", "E1", "polite", "two lapses were the customer's",
                         by="Ann", on="2026-09-30")
    assert (a["on_date"], a["answer_deadline"]) == ("2026-09-30", "2026-10-13")
    # the next working day after Wed 09-30 is Thu 10-08 (National Day 10-01..10-07 between):
    # one working day late, refused
    with pytest.raises(ScorecardError) as e:
        cycle.add_appeal(store, rs, "2026-08", "E2", "thanks", "late", by="Bo", on="2026-10-08")
    assert e.value.exit_code == 2
    assert "appeal lodged on 2026-10-08 is too late: the window for 2026-08 closed on " \
           "2026-09-30 (3 working days after publication on 2026-09-24, process.appeal_days); " \
           "2026-10-08 is 1 working day(s) after it" in e.value.message
    assert [x.id for x in cycle.period_status(store, rs, "2026-08").appeals] == [a["id"]]


def test_upheld_appeal_recomputes_total_grade_rank_and_payout(month, clock):
    store, rs, run_id = month
    published = store.results(run_id)
    cycle.publish(store, rs, "2026-08", by="Li")
    a = cycle.add_appeal(store, rs, "2026-08", "E1", "polite", "two of the lapses were "
                         "the customer's hang-ups", by="Ann")
    d = cycle.decide(store, rs, "2026-08", a["id"], uphold=True, points=2,
                     reason="recordings checked", by="Wang")
    assert d["late"] == 0
    final = cycle.final_results(store, rs, "2026-08")
    # E1: polite 39 + 2 = 41; total 41 + 50 = 91 → A; 1000 × 91 / 100 = 910.00; now first
    assert row(final, "E1") == ("ok", "91.00", "A", 1, "910.00")
    assert [i["points"] for i in final.items_of("E1")] == ["41", "50"]
    # E2 keeps 90, A, 1800.00 but is now second
    assert row(final, "E2") == ("ok", "90.00", "A", 2, "1800.00")
    assert final.changed == {"E1", "E2"}
    text = "\n".join(ln["text"] for ln in final.lines["E1"])
    assert f"appeal {a['id']} upheld by Wang on 2026-09-24: recordings checked: polite 39 → 41 " \
           f"(+2)" in text
    assert "total after decisions = polite 41 + thanks 50 = 91; score 91.00" in text
    assert "base 1000 (level junior) × 91.00 / 100 = 910" in text
    assert final.label == f"final result (published): published run {run_id} + 1 decision(s)"
    # the published run itself is unchanged; the final rows have the stored rows' shape
    assert store.results(run_id) == published
    assert final.result("E1").keys() == published[0].keys()
    assert final.result("E1")["score_num"] == 91.0


def test_item_change_is_clamped_to_the_item_range(month):
    store, rs, _ = month
    cycle.publish(store, rs, "2026-08", by="Li")
    # E2 thanks 40 + 15 = 55 → clamped to 50; total 50 + 50 = 100 → A; 2000 × 100 / 100
    cycle.adjust(store, rs, "2026-08", "E2", "thanks", points=15, reason="QA error", by="Wang")
    # E1 polite set to −5 → clamped to 0; total 0 + 50 = 50 → C; 1000 × 50 / 100 = 500.00
    cycle.adjust(store, rs, "2026-08", "E1", "polite", set_=-5, reason="test", by="Wang")
    final = cycle.final_results(store, rs, "2026-08")
    assert row(final, "E2") == ("ok", "100.00", "A", 1, "2000.00")
    assert row(final, "E1") == ("ok", "50.00", "C", 2, "500.00")
    text = "\n".join(ln["text"] for ln in final.lines["E2"])
    assert "thanks 40 → 50 (+15), 55 clamped to [0, 50]" in text


def test_no_activity_employee_scored_by_an_adjustment(month):
    store, rs, _ = month
    cycle.publish(store, rs, "2026-08", by="Li")
    # E3 had no contact: the manager sets the total to 80 → B, 1000 × 80 / 100 = 800.00;
    # ranks over the scored: E2 90 (1), E1 89 (2), E3 80 (3)
    cycle.adjust(store, rs, "2026-08", "E3", "total", set_=80, reason="worked 2 weeks, "
                 "supervisor's assessment", by="Wang")
    final = cycle.final_results(store, rs, "2026-08")
    assert row(final, "E3") == ("ok", "80.00", "B", 3, "800.00")
    assert row(final, "E2") == ("ok", "90.00", "A", 1, "1800.00")
    text = "\n".join(ln["text"] for ln in final.lines["E3"])
    assert "was no activity: scored by the decision(s) below" in text


def test_rejected_appeal_changes_nothing_and_late_decision_is_marked(month, clock):
    store, rs, run_id = month
    cycle.publish(store, rs, "2026-08", by="Li")
    clock.day = date(2026, 9, 28)
    a = cycle.add_appeal(store, rs, "2026-08", "E2", "thanks", "disagree", by="Bo")
    # answer by 5 working days after Mon 09-28: 09-29, 09-30, (National Day) 10-08, 10-09 and
    # Sat 10-10, a make-up working day → 10-10; decided on 10-14: late
    clock.day = date(2026, 10, 14)
    assert [x.status for x in cycle.period_status(store, rs, "2026-08").appeals] == \
        ["open, answer overdue"]
    d = cycle.decide(store, rs, "2026-08", a["id"], uphold=False, reason="lapses confirmed",
                     by="Wang")
    assert (d["late"], d["answer_deadline"]) == (1, "2026-10-10")
    st = cycle.period_status(store, rs, "2026-08")
    assert [x.status for x in st.appeals] == ["rejected"]
    assert cycle.final_results(store, rs, "2026-08").results == store.results(run_id)
    with pytest.raises(ScorecardError, match="already decided by Wang on 2026-10-14"):
        cycle.decide(store, rs, "2026-08", a["id"], uphold=False, reason="x", by="Wang")


def test_close_refused_with_an_open_appeal_then_locked_then_reopened(month, tmp_path):
    store, rs, run_id = month
    cycle.publish(store, rs, "2026-08", by="Li")
    a = cycle.add_appeal(store, rs, "2026-08", "E1", "polite", "disagree", by="Ann")
    with pytest.raises(ScorecardError) as e:
        cycle.close(store, rs, "2026-08", by="Zhao")
    assert e.value.exit_code == 2
    assert f"1 appeal(s) of 2026-08 are still open: appeal {a['id']}: E1 polite (lodged " \
           f"2026-09-24, answer by 2026-10-09)" in e.value.message
    cycle.decide(store, rs, "2026-08", a["id"], uphold=False, reason="confirmed", by="Wang")
    cycle.close(store, rs, "2026-08", by="Zhao")
    st = cycle.period_status(store, rs, "2026-08")
    assert st.state == "closed" and st.describe().startswith("closed by Zhao at 2026-")
    with pytest.raises(ScorecardError) as e:
        cycle.ensure_open(store, rs, "2026-08")
    assert "2026-08 was closed by Zhao at" in e.value.message and "reopen" in e.value.message
    for step in (lambda: cycle.add_appeal(store, rs, "2026-08", "E1", "polite", "x", by="A"),
                 lambda: cycle.adjust(store, rs, "2026-08", "E1", "polite", points=1,
                                      reason="x", by="W")):
        with pytest.raises(ScorecardError, match="was closed by Zhao"):
            step()
    cycle.reopen(store, rs, "2026-08", reason="E1's contacts were missing", by="Zhao")
    cycle.ensure_open(store, rs, "2026-08")  # no longer locked
    st = cycle.period_status(store, rs, "2026-08")
    assert (st.state, st.publication) == ("evaluated", None)
    assert [e["kind"] for e in st.events] == ["published", "appeal", "decision", "closed",
                                              "reopened"]


def test_guard_rails_did_you_mean_and_dates(month, clock):
    store, rs, run_id = month
    with pytest.raises(ScorecardError, match="needs a published run"):
        cycle.add_appeal(store, rs, "2026-08", "E1", "polite", "x", by="Ann")
    with pytest.raises(ScorecardError, match="before run 1 was evaluated"):
        cycle.publish(store, rs, "2026-08", by="Li", on="2026-09-23")
    with pytest.raises(ScorecardError, match="in the future"):
        cycle.publish(store, rs, "2026-08", by="Li", on="2026-09-25")
    with pytest.raises(ScorecardError, match="run 7 is not a run of t / main for 2026-08"):
        cycle.publish(store, rs, "2026-08", by="Li", run=7)
    cycle.publish(store, rs, "2026-08", by="Li")
    with pytest.raises(ScorecardError, match="already published run"):
        cycle.publish(store, rs, "2026-08", by="Li")
    with pytest.raises(ScorecardError, match="no employee 'E9' in the published run 1"):
        cycle.add_appeal(store, rs, "2026-08", "E9", "polite", "x", by="Ann")
    with pytest.raises(ScorecardError, match="no item 'polit' for E1 .*did you mean 'polite'"):
        cycle.add_appeal(store, rs, "2026-08", "E1", "polit", "x", by="Ann")
    with pytest.raises(ScorecardError, match="no appeal 12 .*appeals: none"):
        cycle.decide(store, rs, "2026-08", 12, uphold=False, reason="x", by="W")
    with pytest.raises(ScorecardError, match="exactly one of --points N"):
        cycle.adjust(store, rs, "2026-08", "E1", "polite", reason="x", by="W")
    with pytest.raises(ScorecardError, match="--by NAME is required"):
        cycle.adjust(store, rs, "2026-08", "E1", "polite", points=1, reason="x", by=" ")
    with pytest.raises(ScorecardError, match="in the future"):
        cycle.add_appeal(store, rs, "2026-08", "E1", "polite", "x", by="Ann", on="2026-09-25")
    with pytest.raises(ScorecardError, match="before run 1 was published"):
        cycle.add_appeal(store, rs, "2026-08", "E1", "polite", "x", by="Ann", on="2026-09-20")


def test_the_cycle_table_is_append_only(month):
    store, rs, _ = month
    cycle.publish(store, rs, "2026-08", by="Li")
    for sql in ("UPDATE cycle_events SET actor = 'X'", "DELETE FROM cycle_events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.conn.execute(sql)


def test_a_failed_step_leaves_the_last_completed_one(month, monkeypatch):
    store, rs, _ = month
    cycle.publish(store, rs, "2026-08", by="Li")
    a = cycle.add_appeal(store, rs, "2026-08", "E1", "polite", "x", by="Ann")

    def crash(conn, **row):
        conn.execute("INSERT INTO cycle_events (dataset, period, kind, actor, at) VALUES "
                     "('t__main', '2026-08', 'decision', 'half', 'now')")
        raise KeyboardInterrupt  # killed between the two writes of a step

    monkeypatch.setattr(cycle, "_insert", crash)
    with pytest.raises(KeyboardInterrupt):
        cycle.decide(store, rs, "2026-08", a["id"], uphold=True, points=1, reason="x", by="W")
    monkeypatch.undo()
    st = cycle.period_status(store, rs, "2026-08")
    assert [e["kind"] for e in st.events] == ["published", "appeal"]
    assert st.open_appeals[0].id == a["id"]


def test_process_schema(tmp_path):
    from scorecard.errors import RuleSetError

    for bad, msg in (("appel_days = 3", "did you mean 'appeal_days'"),
                     ("appeal_days = 3\npublicity_days = 3",
                      "already set by process.appeal_days"),
                     ("appeal_days = -1", "expected 0 to 366"),
                     ('appeal_days = "3"', "expected an integer")):
        (tmp_path / "r.toml").write_text(RULESET.replace(
            "appeal_days = 3\nappeal_answer_days = 5", bad), encoding="utf-8")
        with pytest.raises(RuleSetError, match=msg):
            load_ruleset(tmp_path / "r.toml")
    (tmp_path / "r.toml").write_text(RULESET.replace("appeal_days = 3\n", ""), encoding="utf-8")
    rs = load_ruleset(tmp_path / "r.toml")
    assert (rs.process.window_key, cycle.appeal_deadline(rs, date(2026, 9, 24))) == (None, None)


def test_annual_roll_up_reads_the_final_result_of_a_published_month(month, tmp_path):
    from scorecard.annual import annual

    text = RULESET + "\n[scorecards.s.annual]\nmissing = \"evaluated_only\"\n"
    (tmp_path / "scorecard.toml").write_text(text, encoding="utf-8")
    store, _, run_id = month
    rs = load_ruleset(tmp_path / "scorecard.toml")
    assert annual(store, rs, 2026).row("E1").scores == {"2026-08": 89}  # the run, not published
    cycle.publish(store, rs, "2026-08", by="Li")
    cycle.adjust(store, rs, "2026-08", "E1", "polite", points=2, reason="QA error", by="Wang")
    # published + the adjustment: 39 + 2 = 41, total 91
    report = annual(store, rs, 2026)
    assert report.row("E1").scores == {"2026-08": 91}
    assert report.runs["2026-08"] == run_id


def test_no_run_is_stored_for_a_closed_period_whatever_stores_it(month, tmp_path):
    store, rs, _ = month
    cycle.publish(store, rs, "2026-08", by="Li")
    cycle.close(store, rs, "2026-08", by="Zhao")
    ev = evaluate_files(tmp_path, RULESET, FILES, "2026-08")
    with pytest.raises(ScorecardError, match="t / main 2026-08 was closed by Zhao"):
        record(store, ev)  # the library path under evaluate and group runs
    assert [r["id"] for r in store.runs()] == [1]
