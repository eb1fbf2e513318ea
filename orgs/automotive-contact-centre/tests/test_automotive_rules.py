"""Hand-computed cases for the automotive contact centre (RULES.md §1, DATA.md), evaluated with
the bundle's default rule set, unchanged unless a test says so.

Defaults: phone 20 s, online 1 min, e-mail 24 h, busy wait 5 min; simple 15 min, complex 24 h;
satisfaction target 90 %, step 1 pp; bonus base junior 1000, intermediate 1500, senior 2000.
"""

from decimal import Decimal

import pytest
from click.testing import CliRunner
from scorecard_automotive import BUNDLE

from scorecard.cli import cli
from scorecard.errors import DataError, RuleSetError, ScorecardError
from scorecard.testing import bundle_ruleset_text, evaluate_files

EMPLOYEES = """\
employee_id,name,site,role,level
A1,王芳,main,agent,junior
A2,李强,main,agent,intermediate
A3,张伟,main,agent,senior
A4,刘洋,main,agent,junior
"""

HEADER = ("contact_id,employee_id,channel,received_at,first_response_at,closed_at,complexity,"
          "busy,satisfied\n")

# A1's month. Response limits are met at exactly the limit (≤):
#   C01 phone 20 s (met)          C02 phone 21 s (breach)
#   C03 online 60 s (met)         C04 online 61 s (breach)
#   C05 e-mail 24 h (met)         C06 e-mail 24 h 1 s (breach)
#   C07 busy phone, waited 5 min: busy limit applies instead of 20 s (met)
#   C08 busy phone, waited 5 min 1 s (breach; one breach only, not also the phone one)
# → 4 response breaches: 10 − 4 = 6.
# Handling (closed − first response): C01 simple 15 min (met), C02 simple 15 min 1 s (breach),
#   C03 complex 24 h (met), C04 complex 24 h 1 s (breach) → 2 breaches: 10 − 2 = 8.
# Satisfaction: 8 surveyed (C01..C08), 7 satisfied = 87.5 % < 90: ⌈(90 − 87.5)/1⌉ = 3 steps
#   (a started step counts) → 15 − 3 = 12.
# Out of period: C09 received 2026-09-30 23:59:59 and C10 received 2026-11-01 00:00:00 are
#   breaches in every way and must be ignored. C11 received 2026-10-31 23:59:59 is in the month
#   and within its limits.
CONTACTS = HEADER + """\
C01,A1,phone,2026-10-05 09:00:00,2026-10-05 09:00:20,2026-10-05 09:15:20,simple,0,1
C02,A1,phone,2026-10-05 10:00:00,2026-10-05 10:00:21,2026-10-05 10:15:22,simple,0,1
C03,A1,online,2026-10-06 09:00:00,2026-10-06 09:01:00,2026-10-07 09:01:00,complex,0,1
C04,A1,online,2026-10-06 10:00:00,2026-10-06 10:01:01,2026-10-07 10:01:02,complex,0,1
C05,A1,email,2026-10-07 09:00:00,2026-10-08 09:00:00,2026-10-08 09:05:00,simple,0,1
C06,A1,email,2026-10-07 09:00:00,2026-10-08 09:00:01,2026-10-08 09:05:00,simple,0,1
C07,A1,phone,2026-10-08 09:00:00,2026-10-08 09:05:00,2026-10-08 09:10:00,simple,1,1
C08,A1,phone,2026-10-08 09:00:00,2026-10-08 09:05:01,2026-10-08 09:10:00,simple,1,0
C09,A1,phone,2026-09-30 23:59:59,2026-10-01 00:10:00,2026-10-01 09:00:00,simple,0,0
C10,A1,phone,2026-11-01 00:00:00,2026-11-01 00:10:00,2026-11-01 09:00:00,simple,0,0
C11,A1,online,2026-10-31 23:59:59,2026-11-01 00:00:30,2026-11-01 00:05:00,simple,0,
C20,A2,phone,2026-10-10 09:00:00,2026-10-10 09:00:10,2026-10-10 09:05:00,simple,0,
C30,A3,email,2026-10-12 09:00:00,2026-10-12 10:00:00,2026-10-12 10:10:00,simple,0,
"""

# A2: polite-language lapses 3 + 2 = 5 from the supervisor's discretionary base 8 → 3;
#     a patience finding on 2026-11-01 is out of the period (ignored).
# A3: 20 product-knowledge lapses: 15 − 20 = −5, clamped to 0; a row with a blank count
#     counts 1 (DATA.md: count default 1) on aftersales_knowledge → 10 − 1 = 9.
QA = """\
employee_id,observed_at,item,count
A2,2026-10-03 10:00:00,polite_language,3
A2,2026-10-20 16:30,polite_language,2
A2,2026-11-01 08:00:00,patience,1
A3,2026-10-04T11:00:00,product_knowledge,20
A3,2026-10-09 11:00:00,aftersales_knowledge,
"""

# A2 and A3 have one contact each, within its limits and not surveyed; A4 has none.
# A2 has no surveyed contact: resolution keeps its base, here the supervisor's mark 12.
# A3's listening base is a discretionary 9.5 (no lapses) → 9.5.
MARKS = """\
employee_id,period,item,mark
A2,2026-10,polite_language,8
A2,2026-10,resolution,12
A3,2026-10,listening,9.5
A3,2026-09,listening,2
"""


def files(**over):
    f = {"data/employees.csv": EMPLOYEES, "data/contacts.csv": CONTACTS,
         "data/qa_findings.csv": QA, "data/supervisor_marks.csv": MARKS}
    f.update({f"data/{k}.csv": v for k, v in over.items()})
    return f


@pytest.fixture
def ev(tmp_path):
    return evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(), "2026-10")


def test_limits_met_exactly_and_busy_period_limit(ev):
    a1 = ev.result("A1")
    assert a1.item("response_time").measure.value == 4
    assert a1.points("response_time") == 6
    assert a1.item("handling_time").measure.value == 2
    assert a1.points("handling_time") == 8
    text = a1.text()
    # every breach is listed with its contact id; met-at-the-limit contacts are not
    for cid in ("C02", "C04", "C06", "C08"):
        assert f"response_time: {cid} " in text
    for cid in ("C01", "C03", "C05", "C07"):
        assert f"response_time: {cid} " not in text
    assert "C08 (busy-period wait)" in text


def test_rows_outside_the_period_are_ignored(ev):
    text = ev.result("A1").text()
    assert "C09" not in text and "C10" not in text
    # C01..C08 and C11 are the month's 9 contacts
    assert ev.result("A1").item("response_time").measure.data["rows"] == 9
    assert ev.result("A2").points("patience") == 10  # the November finding does not count


def test_started_satisfaction_step(ev):
    a1 = ev.result("A1")
    assert a1.item("resolution").measure.value == Decimal("87.5")
    assert a1.points("resolution") == 12
    assert "⌈(90 − 87.5) / 1⌉ = 3 step(s)" in a1.text()


def test_discretionary_base_and_no_survey_month(ev):
    a2 = ev.result("A2")
    assert a2.points("polite_language") == 3  # 8 − 5
    assert a2.points("resolution") == 12  # no survey data: keeps the supervisor's base
    assert "no survey data" in a2.text()
    assert ev.result("A3").points("listening") == Decimal("9.5")  # the September mark is ignored


def test_clamping_at_zero_and_default_count(ev):
    a3 = ev.result("A3")
    assert a3.points("product_knowledge") == 0
    assert "clamped to [0, 15]" in a3.text()
    assert a3.points("aftersales_knowledge") == 9
    # lost 15 + 1 in knowledge, 0.5 in attitude; the two largest losses are named
    assert a3.focus == ["knowledge", "attitude"]


def test_totals_and_bonus_per_level(ev):
    # A1: 10+10+10+15+10+10 + 12 + 6 + 8 = 91 → junior 1000 × 91 / 100 = 910.00
    # A2: 3+10+10+15+10+10 + 12 + 10 + 10 = 90 → intermediate 1500 × 90 / 100 = 1350.00
    # A3: 10+9.5+10+0+9+10 + 15 + 10 + 10 = 83.5 → senior 2000 × 83.5 / 100 = 1670.00
    # A4: no contact in October: no activity, no score, no bonus (on_no_activity = "unscored")
    expect = {"A1": ("91.00", "910.00"), "A2": ("90.00", "1350.00"),
              "A3": ("83.50", "1670.00"), "A4": ("None", "None")}
    got = {e: (str(ev.result(e).score), str(ev.result(e).payout)) for e in expect}
    assert got == expect
    assert "base 2000 (level senior) × 83.50 / 100 = 1670" in ev.result("A3").text()


def test_training_focus_names_the_sections_that_lost_most(ev):
    # A1 lost 4+2 = 6 in efficiency and 3 in problem solving
    assert ev.result("A1").focus == ["efficiency", "problem_solving"]
    assert ev.result("A3").focus == ["knowledge", "attitude"]


def test_an_agent_without_contacts_is_not_scored_nor_paid(ev):
    # RULES.md "Additions and corrections": no activity → status no_activity, no score, no pay
    a4 = ev.result("A4")
    assert (a4.status, a4.score, a4.payout, a4.grade and a4.grade.rank) == \
        ("no_activity", None, None, None)
    assert "no row in contacts for 2026-10: no activity, not scored and not paid " \
           "(scorecards.agent.on_no_activity = \"unscored\")" in a4.text()
    assert ev.completeness.no_activity == {"agent": ["A4"]}


def test_no_activity_scored_at_the_bases(tmp_path):
    text = bundle_ruleset_text(BUNDLE, **{'on_no_activity = "unscored"':
                                          'on_no_activity = "base"'})
    ev = evaluate_files(tmp_path, text, files(), "2026-10")
    a4 = ev.result("A4")
    # no deduction and no supervisor mark: every item at its max, 10+10+10+15+10+10+15+10+10 =
    # 100 → junior 1000 × 100 / 100 = 1000.00
    assert (a4.status, str(a4.score), str(a4.payout)) == ("ok", "100.00", "1000.00")
    assert a4.notes == ["no activity: scored at the bases"]
    assert "no row in contacts for 2026-10: no activity; every item is at its base" in a4.text()
    assert str(ev.result("A1").score) == "91.00"


def test_no_activity_as_an_error(tmp_path):
    text = bundle_ruleset_text(BUNDLE, **{'on_no_activity = "unscored"':
                                          'on_no_activity = "error"'})
    with pytest.raises(ScorecardError) as e:
        evaluate_files(tmp_path, text, files(), "2026-10")
    assert e.value.exit_code == 2
    assert 'scorecards.agent.on_no_activity = "error": 1 employee(s) have no row in contacts ' \
           'for 2026-10: A4' in e.value.message


def test_on_no_activity_typo_is_a_rule_set_error(tmp_path):
    text = bundle_ruleset_text(BUNDLE, **{'on_no_activity = "unscored"':
                                          'on_no_activity = "unscore"'})
    with pytest.raises(ScorecardError) as e:
        evaluate_files(tmp_path, text, files(), "2026-10")
    assert "scorecards.agent.on_no_activity" in e.value.message


def test_empty_month_is_an_error_unless_allowed(tmp_path):
    # nobody has a row in December: a wrong period or export, not a month of perfect agents
    with pytest.raises(ScorecardError) as e:
        evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(), "2026-12")
    assert "no row of contacts, qa_findings, supervisor_marks falls in 2026-12" in e.value.message
    assert "contacts: 2026-09-30 .. 2026-11-01" in e.value.message
    r = CliRunner().invoke(cli, ["evaluate", "-c", str(tmp_path / "scorecard.toml"), "-p",
                                 "2026-12", "--allow-empty", "--format", "csv"])
    assert r.exit_code == 0, r.output
    # allowed: nobody has a contact, so all four have no activity: no score, no bonus
    assert r.stdout.count(",no_activity") == 4 and ",100.00," not in r.stdout


def test_changed_thresholds_are_parameters(tmp_path):
    # a site with a 30 s phone limit and a 2-point satisfaction step:
    text = bundle_ruleset_text(BUNDLE, **{
        'limit = "20 s"': 'limit = "30 s"',
        "target = 90, step = 1,": "target = 90, step = 2,"})
    ev = evaluate_files(tmp_path, text, files(), "2026-10")
    a1 = ev.result("A1")
    assert a1.points("response_time") == 7  # C02 (21 s) is now within 30 s
    assert a1.points("resolution") == 13  # ⌈2.5 / 2⌉ = 2 steps → 15 − 2


def test_supervisor_mark_above_the_item_max_is_rejected(tmp_path):
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(
            supervisor_marks="employee_id,period,item,mark\nA1,2026-10,polite_language,11\n"),
            "2026-10")
    assert "supervisor_marks.csv:2" in e.value.message
    assert "outside 0..10" in e.value.message


def test_bad_input_names_file_line_and_column(tmp_path):
    bad = CONTACTS.replace("2026-10-06 09:00:00,2026-10-06 09:01:00",
                           "2026-10-32 09:00:00,2026-10-06 09:01:00")
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(contacts=bad), "2026-10")
    assert "contacts.csv:4:received_at: '2026-10-32 09:00:00' is not a timestamp" in \
        e.value.message
    assert "nothing was stored" in e.value.message


def test_unknown_employee_is_rejected(tmp_path):
    bad = CONTACTS + "C99,A9,phone,2026-10-10 09:00:00,2026-10-10 09:00:10,,simple,0,\n"
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(contacts=bad), "2026-10")
    assert "contacts.csv:15:employee_id: employee_id 'A9' is not in employees.csv" in \
        e.value.message


def test_unknown_channel_and_missing_column(tmp_path):
    bad = CONTACTS.replace("C20,A2,phone", "C20,A2,fax")
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(contacts=bad), "2026-10")
    assert "contacts.csv:13:channel: 'fax' is not one of: phone, online, email" in e.value.message
    no_busy = CONTACTS.replace(",busy,", ",rush,")
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path / "2", bundle_ruleset_text(BUNDLE), files(contacts=no_busy),
                       "2026-10")
    assert "missing column(s) 'busy'" in e.value.message


def test_typo_in_rule_set_names_key_and_line(tmp_path):
    text = bundle_ruleset_text(BUNDLE, **{"per = 1, base_source": "pr = 1, base_source"})
    with pytest.raises(RuleSetError) as e:
        evaluate_files(tmp_path, text, files(), "2026-10")
    assert "scorecards.agent.items[0].score.pr" in e.value.message
    assert "did you mean 'per'?" in e.value.message


def test_exports_in_the_data_contract_shape_evaluate_unchanged(tmp_path):
    # GB18030 (Excel on a Chinese Windows), columns in another order, an extra column,
    # booleans as 是/否 and timestamps with 'T': the same results as the UTF-8 files.
    rows = [line.split(",") for line in CONTACTS.splitlines()]
    order = [8, 7, 6, 5, 4, 3, 2, 1, 0]
    yes_no = {"1": "是", "0": "否", "": ""}
    out = []
    for i, r in enumerate(rows):
        r = [r[j] for j in order] + (["remark"] if i == 0 else ["备注"])
        if i:
            r[0], r[1] = yes_no[r[0]], yes_no[r[1]]
            r[5] = r[5].replace(" ", "T")
        out.append(",".join(r))
    gb = ("\r\n".join(out) + "\r\n").encode("gb18030")
    emp = EMPLOYEES.encode("gb18030")
    ev = evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE),
                        {**files(), "data/contacts.csv": gb, "data/employees.csv": emp},
                        "2026-10")
    assert [str(ev.result(e).score) for e in ("A1", "A2", "A3", "A4")] == \
        ["91.00", "90.00", "83.50", "None"]  # A4: no contact, no activity
    assert ev.result("A1").employee["name"] == "王芳"


def test_init_then_evaluate_sample_month_via_cli(tmp_path):
    r = CliRunner().invoke(cli, ["init", "--org", "automotive-contact-centre",
                                 str(tmp_path / "x")])
    assert r.exit_code == 0
    r = CliRunner().invoke(cli, ["evaluate", "-c", str(tmp_path / "x" / "scorecard.toml"),
                                 "-p", BUNDLE.sample_period, "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) == 61


def test_blank_site_and_role_are_the_rule_sets(tmp_path):
    emp = EMPLOYEES.replace("A1,王芳,main,agent,junior", "A1,王芳,,,junior")
    ev = evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(employees=emp), "2026-10")
    a1 = ev.result("A1")
    assert a1.employee["site"] == "main" and a1.employee["role"] is None
    assert str(a1.score) == "91.00"  # the same scorecard and result as with role "agent"


def test_blank_level_cannot_be_paid(tmp_path):
    emp = EMPLOYEES.replace("A1,王芳,main,agent,junior", "A1,王芳,main,agent,")
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(employees=emp), "2026-10")
    assert "employees.csv:2:level: blank, but this column is required" in e.value.message
