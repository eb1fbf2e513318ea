"""CSI dimensions measured from operations (RULES.md §3 "dimensions from operations", seed 002
§6.1): response speed = timely-response rate of the work orders (first contact within the
response limit, 24 h by default, met at exactly the limit; 100 % → 100, −1 per started
percentage point below); repair quality = no repeat fault within one month (as first-time fix),
100 or 0 per order, averaged. Default: every dimension from the survey. By hand, June 2026."""

from fractions import Fraction

import pytest
from scorecard_aftersales import BUNDLE

from scorecard.errors import RuleSetError
from scorecard.testing import bundle_ruleset_text, evaluate_files

EMPLOYEES = "employee_id,name,site,role,level\nA1,Ann,main,advisor,\nA2,Abe,main,advisor,\n"
SURVEYS = """\
survey_id,employee_id,answered_at,attitude,response,repair_quality,parts,cost
S1,A1,2026-06-05 10:00,5,5,5,5,5
"""
# W1 contact after exactly 24 h: met; W2 after 24 h 1 min: late; W3 after 1 h: met; W4 and W5
# have no reported_at (not in the response rate). W5 is W2's vehicle and fault back 10 days
# later: W2 is not fixed. A2: W6 contacted after 1 h, fixed.
ORDERS = """\
order_id,employee_id,vin,fault_code,opened_at,closed_at,first_time_fix,reported_at,first_contact_at
W1,A1,V1,F1,2026-06-02 09:00,2026-06-02 12:00,,2026-06-01 09:00,2026-06-02 09:00
W2,A1,V2,F2,2026-06-04 09:00,2026-06-04 12:00,,2026-06-03 09:00,2026-06-04 09:01
W3,A1,V3,F3,2026-06-05 11:00,2026-06-05 12:00,,2026-06-05 09:00,2026-06-05 10:00
W4,A1,V4,F4,2026-06-06 09:00,2026-06-06 12:00,,,
W5,A1,V2,F2,2026-06-14 09:00,2026-06-14 12:00,,,
W6,A2,V6,F6,2026-06-02 09:00,2026-06-02 12:00,,2026-06-02 08:00,2026-06-02 09:00
"""
FILES = {"data/employees.csv": EMPLOYEES, "data/surveys.csv": SURVEYS,
         "data/work_orders.csv": ORDERS,
         "data/complaints.csv": "complaint_id,employee_id,received_at,contacted_at,proposal_at,"
                                "resolved_at,valid\n"}
DEFAULT = 'dimension_from = { response = "survey", repair_quality = "survey" }'


def run(tmp_path, response="survey", repair="survey"):
    text = bundle_ruleset_text(BUNDLE)
    assert DEFAULT in text
    text = text.replace(DEFAULT, f'dimension_from = {{ response = "{response}", '
                                 f'repair_quality = "{repair}" }}')
    return evaluate_files(tmp_path, text, FILES, "2026-06")


def test_operations_items_by_hand(tmp_path):
    a1 = run(tmp_path).result("A1")
    # response: 2 of 3 reported orders contacted within 24 h = 66.67 %: 100 − ⌈33.33⌉ = 66
    assert a1.item("response_ops").measure.value == Fraction(200, 3)
    assert a1.points("response_ops") == 66
    # repair: W2 repeated within the month: 4 of 5 orders = 80
    assert a1.points("repair_ops") == 80


def test_survey_by_default(tmp_path):
    a1 = run(tmp_path).result("A1")
    # CSI all 5s = 100; month = 0.7 × 100 + 0.2 × 80 + 0.1 × 100 (no complaint) = 96.00
    assert a1.item("csi").measure.value == 100
    assert str(a1.score) == "96.00"


def test_both_dimensions_from_operations(tmp_path):
    ev = run(tmp_path, "operations", "operations")
    a1 = ev.result("A1")
    # CSI = 0.2 × 100 + 0.15 × 66 + 0.25 × 80 + 0.15 × 100 + 0.25 × 100
    #     = 20 + 9.9 + 20 + 15 + 25 = 89.9
    assert a1.item("csi").measure.value == Fraction("89.9")
    # month = 0.7 × 89.9 + 0.2 × 80 + 0.1 × 100 = 62.93 + 16 + 10 = 88.93
    assert str(a1.score) == "88.93"
    assert "response: from operations (response_ops) = 66" in a1.text()
    # A2 has no survey: the two operations dimensions alone, rescaled: (0.15 × 100 + 0.25 ×
    # 100) / 0.4 = 100
    assert ev.result("A2").item("csi").measure.value == 100


def test_one_dimension_from_operations(tmp_path):
    a1 = run(tmp_path, "operations", "survey").result("A1")
    # 0.2 × 100 + 0.15 × 66 + 0.25 × 100 + 0.15 × 100 + 0.25 × 100 = 94.9
    assert a1.item("csi").measure.value == Fraction("94.9")


def test_bad_dimension_source_names_the_key(tmp_path):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, "ops", "survey")
    assert "dimension_from.response" in e.value.message and "operations" in e.value.message
