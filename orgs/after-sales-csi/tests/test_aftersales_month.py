"""After-sales CSI bundle, one month (and one quarter) computed by hand from RULES.md §3.

The data: advisor A1 has every component; technician T1 has no survey (CSI left out, weights
rescaled); parts P1 has nothing (no activity); parts P2 has only an invalid complaint (no activity).
"""

from fractions import Fraction

import pytest
from click.testing import CliRunner
from scorecard_aftersales import BUNDLE

from scorecard.cli import cli
from scorecard.errors import DataError
from scorecard.testing import bundle_ruleset_text, evaluate_files

EMPLOYEES = """\
employee_id,name,site,role,level
A1,甲,main,advisor,
T1,乙,main,technician,senior
P1,丙,main,parts,
P2,丁,main,parts,
"""

SURVEYS = """\
survey_id,employee_id,answered_at,attitude,response,repair_quality,parts,cost
Q0,A1,2026-04-10 10:00,5,5,5,5,5
Q1,A1,2026-06-03 10:00,5,4,5,4,3
Q2,A1,2026-06-20 15:30,4,,4,5,4
Q3,A1,2026-07-01 00:00,1,1,1,1,1
"""

# W1 comes back as W5 exactly 30 days after its closing date, in July (a repeat inside the window
# that falls in the next month); W2 comes back as W6 31 days after closing (outside); W3 comes
# back as W7 inside the window but is flagged first_time_fix = 1 (the flag wins); W4 has no repeat
# but is flagged 0; W8 has W1's VIN with another fault (not a repeat); W9 comes back as W10 the
# next day.
ORDERS = """\
order_id,employee_id,vin,fault_code,opened_at,closed_at,first_time_fix
W1,A1,V1,F1,2026-06-02 09:00,2026-06-02 17:00,
W2,A1,V2,F2,2026-06-03 09:00,2026-06-04 12:00,
W3,A1,V3,F3,2026-06-10 09:00,2026-06-10 12:00,1
W4,A1,V4,F4,2026-06-12 09:00,2026-06-12 12:00,0
W7,T1,V3,F3,2026-06-20 09:00,2026-06-20 12:00,
W8,T1,V1,F9,2026-06-05 09:00,2026-06-05 12:00,
W9,T1,V5,F5,2026-06-08 09:00,2026-06-08 12:00,
W10,T1,V5,F5,2026-06-09 09:00,2026-06-09 12:00,
W5,T1,V1,F1,2026-07-02 23:59,2026-07-03 10:00,
W6,T1,V2,F2,2026-07-05 00:00,2026-07-05 10:00,
"""

# 2026-06-15 is a Monday; Friday 2026-06-19 is the Dragon Boat Festival. Working days after the
# 15th: Tue 16 (1), Wed 17 (2), Thu 18 (3), [Fri 19 holiday, Sat 20, Sun 21], Mon 22 (4),
# Tue 23 (5), Wed 24 (6), Thu 25 (7): "within 7 working days" = by the end of Thu 2026-06-25.
COMPLAINTS = """\
complaint_id,employee_id,received_at,contacted_at,proposal_at,resolved_at,valid
C1,A1,2026-06-15 10:00,2026-06-16 10:00,2026-06-17 10:00,2026-06-25 17:00,1
C2,A1,2026-06-15 11:00,2026-06-15 12:00,2026-06-16 09:00,2026-06-26 09:00,
C3,A1,2026-06-16 09:00,2026-06-17 09:01,2026-06-17 10:00,2026-06-18 10:00,1
C4,A1,2026-06-20 09:00,,,,0
C5,P2,2026-06-22 09:00,2026-06-22 10:00,,,0
"""


def files(**over):
    base = {"data/employees.csv": EMPLOYEES, "data/surveys.csv": SURVEYS,
            "data/work_orders.csv": ORDERS, "data/complaints.csv": COMPLAINTS}
    base.update({f"data/{k}.csv": v for k, v in over.items()})
    return base


@pytest.fixture
def june(tmp_path):
    return evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(), "2026-06")


def value(er, item):
    return er.item(item).measure.value


def test_csi_dimension_means_weights_and_blank_answers(june):
    a1 = june.result("A1")
    # June only (Q0 is April, Q3 is July): attitude (5+4)/2 = 4.5, response 4/1 (Q2 blank) = 4,
    # repair (5+4)/2 = 4.5, parts (4+5)/2 = 4.5, cost (3+4)/2 = 3.5
    # CSI = 0.2×4.5×20 + 0.15×4×20 + 0.25×4.5×20 + 0.15×4.5×20 + 0.25×3.5×20
    #     = 18 + 12 + 22.5 + 13.5 + 17.5 = 83.5  -> band good (80 ≤ 83.5 < 90)
    assert value(a1, "csi") == Fraction("83.5")
    assert "csi: band good (较高): 83.5 ≥ 80" in a1.text()


def test_first_time_fix_repeats_window_and_flags(june):
    a1, t1 = june.result("A1"), june.result("T1")
    # A1: W1 repeat W5 opened 2026-07-02 = closing date 06-02 + 30 days (inside, next month): not
    # fixed; W2 repeat W6 on 07-05 = 06-04 + 31 days (outside): fixed; W3 flagged 1 although W7
    # came back: fixed; W4 flagged 0: not fixed -> 2/4 × 100 = 50 -> band poor
    assert value(a1, "ftfr") == 50
    text = a1.text()
    assert "W1 (VIN V1, fault F1) came back as W5 opened 2026-07-02" in text
    assert "ftfr: W2 " not in text and "ftfr: W1 " in text  # W2's come-back is too late
    assert "W3 flagged first_time_fix = 1 (overrides the derivation: came back as W7" in text
    assert "W4 flagged first_time_fix = 0 (overrides the derivation: no repeat found)" in text
    assert "ftfr: band poor" in text
    # T1: W7 fixed, W8 (other fault on V1) fixed, W9 came back as W10 next day, W10 fixed;
    # W5 and W6 are July orders: not counted in June -> 3/4 × 100 = 75 -> band fair
    assert value(t1, "ftfr") == 75
    assert "W9 (VIN V5, fault F5) came back as W10" in t1.text()


def test_complaint_timeliness_limits_working_days_and_invalid(june):
    a1 = june.result("A1")
    # C1: contact exactly 24 h, proposal exactly 48 h, resolved on the 7th working day (Thu 25th,
    # across the weekend and the Dragon Boat holiday): timely.
    # C2: resolved Fri 26th, one day after the deadline: not timely.
    # C3: contact after 24 h 1 min: not timely.  C4 invalid: ignored.
    # -> 1/3 × 100 = 100/3 -> band <70%
    assert value(a1, "timeliness") == Fraction(100, 3)
    text = a1.text()
    assert "C2 received 2026-06-15 11:00: not timely (resolution at 2026-06-26 09:00" in text
    assert "due by the end of 2026-06-25 (7 wd)" in text
    assert "C3 received 2026-06-16 09:00: not timely (contact at 2026-06-17 09:01, took 24 h " \
           "1 min, limit 24 h)" in text
    assert "C4 marked invalid: ignored" in text
    assert "timeliness: C1 " not in text and "timeliness: C2 " in text  # C1 is timely
    assert "timeliness: timely 1/3 × 100" in text and "(1 invalid ignored)" in text


def test_month_score_weights(june):
    a1 = june.result("A1")
    # 0.7 × 83.5 + 0.2 × 50 + 0.1 × 100/3 = 58.45 + 10 + 3.333… = 71.78333… -> 71.78 (half up)
    assert a1.total == Fraction("58.45") + 10 + Fraction(10, 3)
    assert str(a1.score) == "71.78"
    assert a1.grade.grade == "fair"


def test_no_surveys_rescales_the_other_weights(june):
    t1 = june.result("T1")
    # no CSI: (0.2 × 75 + 0.1 × 100) / 0.3 = 25 / 0.3 = 83.333… -> 83.33, band good;
    # no complaint: timeliness 100 by rule
    assert value(t1, "csi") is None
    assert value(t1, "timeliness") == 100
    assert str(t1.score) == "83.33"
    assert t1.grade.grade == "good"
    assert "csi left out, weights rescaled" in t1.text()


def test_no_component_at_all_no_score_said_so(june):
    # no survey answer and no work order: no activity (active_when = surveys, work_orders), no
    # score and no bonus; P2's invalid complaint alone gives only timeliness 100 by rule
    for eid in ("P1", "P2"):
        er = june.result(eid)
        assert er.status == "no_activity" and er.score is None and er.grade.grade is None
        assert "no row in surveys or work_orders for 2026-06: no activity, not scored" in \
            er.text()
    assert "C5 marked invalid: ignored" in june.result("P2").text()


def test_quarter_with_the_same_data(tmp_path):
    text = bundle_ruleset_text(BUNDLE, **{'period = "month"': 'period = "quarter"'})
    ev = evaluate_files(tmp_path, text, files(), "2026-Q2")
    a1 = ev.result("A1")
    # Q2 adds April's Q0 (all 5s); July's Q3 stays out. Means: attitude 14/3, response 9/2,
    # repair 14/3, parts 14/3, cost 12/3 = 4
    # CSI = 20 × (0.6 × 14/3 + 0.15 × 4.5 + 0.25 × 4) = 20 × (2.8 + 0.675 + 1) = 89.5
    assert value(a1, "csi") == Fraction("89.5")
    # same orders (W5, W6 are July, still read as repeats) and complaints as June
    assert value(a1, "ftfr") == 50
    # 0.7 × 89.5 + 0.2 × 50 + 0.1 × 100/3 = 62.65 + 10 + 3.333… = 75.98333… -> 75.98
    assert str(a1.score) == "75.98"
    assert str(ev.result("T1").score) == "83.33"


def test_repeat_window_is_a_parameter(tmp_path):
    text = bundle_ruleset_text(BUNDLE, **{"repeat_window_days = 30": "repeat_window_days = 31"})
    ev = evaluate_files(tmp_path, text, files(), "2026-06")
    # a 31-day window catches W6 (31 days after W2's closing date) too: A1 1/4 -> 25
    assert value(ev.result("A1"), "ftfr") == 25


def test_history_required_for_repeats(tmp_path):
    text = bundle_ruleset_text(BUNDLE, **{"history = true": "history = false"})
    with pytest.raises(Exception) as e:
        evaluate_files(tmp_path, text, files(), "2026-06")
    assert "sources.work_orders.history" in str(e.value.message)


def test_rating_outside_the_scale_names_file_and_line(tmp_path):
    bad = SURVEYS.replace("Q2,A1,2026-06-20 15:30,4,", "Q2,A1,2026-06-20 15:30,6,")
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(surveys=bad), "2026-06")
    assert "surveys.csv:4" in e.value.message and "attitude" in e.value.message


def test_contact_before_receipt_is_an_error(tmp_path):
    bad = COMPLAINTS.replace("2026-06-16 09:00,2026-06-17 09:01",
                             "2026-06-16 09:00,2026-06-15 09:01")
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(complaints=bad), "2026-06")
    assert "complaints.csv:4:contacted_at" in e.value.message


def test_cli_exit_2_on_bad_data_and_nothing_stored(tmp_path):
    from scorecard.testing import write_files

    bad = ORDERS.replace("W4,A1,V4,F4,2026-06-12 09:00", "W4,A1,V4,F4,2026-13-12 09:00")
    write_files(tmp_path, {"scorecard.toml": bundle_ruleset_text(BUNDLE),
                           **files(work_orders=bad)})
    r = CliRunner().invoke(cli, ["evaluate", "-c", str(tmp_path / "scorecard.toml"),
                                 "-p", "2026-06"])
    assert r.exit_code == 2, r.output
    assert "work_orders.csv:5" in r.output
    r = CliRunner().invoke(cli, ["runs", "-c", str(tmp_path / "scorecard.toml")])
    assert "after-sales-csi" not in r.output


# Wed 2025-12-31; Thu 1 and Fri 2 January 2026 are New Year holidays, Sat 3 is a weekend day and
# Sun 4 January is a make-up working day (调休). Working days after the 31st: Sun 4 (1), Mon 5
# (2), Tue 6 (3), Wed 7 (4), Thu 8 (5), Fri 9 (6), Mon 12 (7). Counting weekends only would have
# said Fri 9 January.
NEW_YEAR = """\
complaint_id,employee_id,received_at,contacted_at,proposal_at,resolved_at,valid
N1,A1,2025-12-31 16:00,2025-12-31 17:00,2026-01-01 10:00,2026-01-12 18:00,1
N2,A1,2025-12-31 16:30,2025-12-31 17:00,2026-01-01 10:00,2026-01-13 08:00,1
"""


def test_seven_working_days_over_new_year_with_a_make_up_day(tmp_path):
    ev = evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(complaints=NEW_YEAR),
                        "2025-12")
    a1 = ev.result("A1")
    # N1 resolved on the 7th working day (Mon 12 Jan): timely; N2 on Tue 13 Jan: late -> 1/2
    assert value(a1, "timeliness") == 50
    assert "N2 received 2025-12-31 16:30: not timely (resolution at 2026-01-13 08:00, due by " \
           "the end of 2026-01-12 (7 wd))" in a1.text()


def test_open_end_pending_leaves_out_complaints_not_yet_due(tmp_path):
    # P3's resolution is blank. Received Tue 2026-06-30: 7 working days end Thu 9 July, after
    # June's end -> pending, left out; C1-C3 as in June give 1/3.
    extra = COMPLAINTS + "P3,A1,2026-06-30 09:00,2026-06-30 10:00,2026-07-01 09:00,,1\n"
    text = bundle_ruleset_text(BUNDLE, **{'open_end = "late"': 'open_end = "pending"'})
    ev = evaluate_files(tmp_path, text, files(complaints=extra), "2026-06")
    a1 = ev.result("A1")
    assert value(a1, "timeliness") == Fraction(100, 3)
    assert "P3 still open, deadline after the period's end: left out (resolution not yet " \
           "done, due by the end of 2026-07-09 (7 wd))" in a1.text()
    # with the default (late) the same blank makes it a late complaint: 1/4 -> 25
    ev = evaluate_files(tmp_path / "late", bundle_ruleset_text(BUNDLE),
                        files(complaints=extra), "2026-06")
    assert value(ev.result("A1"), "timeliness") == 25


@pytest.mark.parametrize("old,new,key", [
    ('limit = "7 wd"', 'limit = "7 wds"', "scorecards.csi.items[4].steps[2].limit"),
    ('open_end = "late"', 'open_end = "later"', "scorecards.csi.items[0].open_end"),
    ('repeat_window_days = 30', 'repeat_window_days = -1',
     "scorecards.csi.items[1].repeat_window_days"),
    ('{ grade = "fair", min = 70, label_zh = "一般" },\n    { grade = "low", min = 60',
     '{ grade = "fair", min = 70, label_zh = "一般" },\n    { grade = "low", min = 75',
     "scorecards.csi.items[2].score.bands[3].min"),
    ("score_from_defaults = false", "score_from_default = false",
     "scorecards.csi.items[5].score_from_default"),
])
def test_rule_set_mistakes_name_the_key(tmp_path, old, new, key):
    from scorecard.errors import RuleSetError

    text = bundle_ruleset_text(BUNDLE)
    assert old in text
    with pytest.raises(RuleSetError) as e:
        evaluate_files(tmp_path, text.replace(old, new, 1), files(), "2026-06")
    assert key in e.value.message
