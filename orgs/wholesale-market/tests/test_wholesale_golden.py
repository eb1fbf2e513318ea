"""The wholesale bundle's golden cases (bundle/golden/*.toml): they pass and exercise every rule
of the default rule set, counted per scorecard (staff and floor supervisor share rule ids)."""

import shutil

from scorecard_wholesale import BUNDLE

from scorecard.golden import run_golden


def test_wholesale_ships_cases_that_exercise_every_rule():
    rep = run_golden(BUNDLE.ruleset_path)
    assert len(rep.cases) >= 6 and rep.ok, rep.text()
    assert rep.unexercised == []
    assert sum(c.checked for c in rep.cases) >= 100


def test_a_rule_is_exercised_per_scorecard_not_per_id(tmp_path):
    # Only the staff form (01) and the CS manager (04). Staff's mark, attendance, discipline and
    # reward are exercised by F1, but the floor supervisor's rules of the same ids are not; the
    # staff item plan_completion (9.605, not counted in the total) does not exercise the
    # call-centre manager's plan_completion.
    for name in ("01_staff_form.toml", "04_cs_manager.toml"):
        shutil.copy(BUNDLE.path / "golden" / name, tmp_path)
    rep = run_golden(BUNDLE.ruleset_path, tmp_path)
    assert rep.ok, rep.text()
    assert rep.unexercised == [
        "staff.service_quality", "centre_register", "staff.complaint_penalties",
        "staff.media_exposure",
        "floor_supervisor.mark", "floor_supervisor.service_quality", "floor_supervisor.attendance",
        "floor_supervisor.discipline", "floor_supervisor.reward",
        "floor_supervisor.complaint_penalties", "floor_supervisor.media_exposure",
        "call_centre_manager.plan_completion", "budget_control", "survey_completion",
        "call_centre_manager.process_improvement", "satisfaction_rate", "call_volume",
        "call_centre_manager.feedback_timeliness", "cross_department", "first_call_resolution",
        "call_centre_manager.staff_management",
        # the §15.3 department manager scale (its ids are shared with the call centre's)
        "cs_department_manager.plan_completion", "budget_saving",
        "cs_department_manager.feedback_timeliness", "information_timeliness",
        "cs_department_manager.process_improvement", "standard_execution",
        "satisfaction", "cross_department_satisfaction",
        "key_accounts_lost", "cs_department_manager.staff_management"]
    assert "rules no case exercises: staff.service_quality, " in rep.text()
