"""busy_mode (RULES.md §1 "Additions and corrections: busy periods"): the same month under the
three readings, computed by hand. Phone limit 20 s, busy-period wait limit 5 min.

    B1 busy phone, waited 4 min       B2 busy phone, waited exactly 5 min
    B3 busy phone, waited 5 min 1 s   B4 not busy phone, waited 21 s
    B5 busy phone, waited exactly 20 s
"""

import pytest
from scorecard_automotive import BUNDLE

from scorecard.errors import RuleSetError
from scorecard.testing import bundle_ruleset_text, evaluate_files

EMPLOYEES = "employee_id,name,site,role,level\nE1,Ann,main,agent,junior\n"
CONTACTS = """\
contact_id,employee_id,channel,received_at,first_response_at,closed_at,complexity,busy,satisfied
B1,E1,phone,2026-10-05 09:00:00,2026-10-05 09:04:00,2026-10-05 09:10:00,simple,1,1
B2,E1,phone,2026-10-05 10:00:00,2026-10-05 10:05:00,2026-10-05 10:10:00,simple,1,1
B3,E1,phone,2026-10-05 11:00:00,2026-10-05 11:05:01,2026-10-05 11:10:00,simple,1,1
B4,E1,phone,2026-10-05 12:00:00,2026-10-05 12:00:21,2026-10-05 12:10:00,simple,0,1
B5,E1,phone,2026-10-05 13:00:00,2026-10-05 13:00:20,2026-10-05 13:10:00,simple,1,1
"""


def run(tmp_path, mode):
    text = bundle_ruleset_text(BUNDLE)
    assert 'busy_mode = "replace"' in text  # the bundle's default
    text = text.replace('busy_mode = "replace"', f'busy_mode = "{mode}"')
    ev = evaluate_files(tmp_path, text, {
        "data/employees.csv": EMPLOYEES, "data/contacts.csv": CONTACTS,
        "data/qa_findings.csv": "employee_id,observed_at,item,count\n",
        "data/supervisor_marks.csv": "employee_id,period,item,mark\n"}, "2026-10")
    return ev.result("E1")


def test_replace_busy_limit_instead_of_the_channel_limit(tmp_path):
    e = run(tmp_path, "replace")
    # B1 4 min ≤ 5 min, B2 = 5 min, B5 20 s: met; B3 5 min 1 s: 1 breach; B4 21 s > 20 s: 1
    assert e.item("response_time").measure.value == 2
    assert e.points("response_time") == 8  # 10 − 2
    assert e.score == 98


def test_additional_busy_breach_costs_one_more_point(tmp_path):
    e = run(tmp_path, "additional")
    # channel limit 20 s for all: B1, B2, B3, B4 breach (4), B5 exactly 20 s met;
    # busy over 5 min: B3 only (B2 exactly 5 min is met) → +1 → 5 breaches: 10 − 5 = 5
    m = e.item("response_time").measure
    assert m.value == 5 and m.data["breaches"] == 4 and m.data["busy_over"] == 1
    assert m.data["busy_rows"] == 4  # B1, B2, B3, B5
    assert e.points("response_time") == 5
    assert e.score == 95  # 100 − 5
    assert "busy_mode additional: 4 breach(es) of the case limits + 1 busy row(s) over 5 min = 5" \
        in e.text()


def test_discretionary_lists_busy_waits_as_evidence_without_deduction(tmp_path):
    e = run(tmp_path, "discretionary")
    # channel limit for all: B1, B2, B3, B4 → 4 breaches: 10 − 4 = 6; B3 is over the busy limit
    # and is listed as evidence beside the supervisor's mark, costing nothing more
    assert e.item("response_time").measure.value == 4
    assert e.points("response_time") == 6
    text = e.text()
    assert "1 busy row(s) over 5 min listed as evidence for the supervisor's mark" in text
    ev_lines = [ln for ln in text.splitlines() if "evidence, not counted" in ln]
    assert len(ev_lines) == 1 and "B3 (busy-period wait)" in ev_lines[0]


def test_unknown_busy_mode_is_an_error_naming_the_key(tmp_path):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, "sometimes")
    assert "busy_mode" in e.value.message and "additional" in e.value.message
