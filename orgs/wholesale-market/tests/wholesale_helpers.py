"""Builders of small input files for the wholesale-market tests (the bundle's default rule set
needs every source file; a test writes only the rows it is about)."""

from scorecard_wholesale import BUNDLE

from scorecard.testing import bundle_ruleset_text, evaluate_files

HEADERS = {
    "employees": "employee_id,name,site,role,level",
    "assessments": "employee_id,period,rater,item,value",
    "attendance": "employee_id,period,late_early,absence_days,personal_leave_days,"
                  "sick_leave_days",
    "conduct_events": "employee_id,date,kind",
    "complaints": "complaint_id,employee_id,received_at,complexity,channel,settled_at,"
                  "pre_notified_hard",
    "penalties": "employee_id,date,kind,points,fine",
    "manager_kpis": "employee_id,period,revisit_rate,responded_within_2h,resolved_within_3wd,"
                    "resolution_rate,satisfaction,training_hours,process_completion,"
                    "record_error_rate,sales_above_last_year,customers_lost",
    "competencies": "employee_id,period,competency,level",
    "department_kpis": "employee_id,period,feedback_on_time,feedback_due,info_on_time,info_due,"
                       "revisits_done,revisits_planned,resolution_hours,complaints_resolved,"
                       "complaints_satisfied,complaints_total,key_accounts_lost,"
                       "key_account_revisits,satisfaction_score_sum,satisfaction_responses,"
                       "satisfied_customers,surveyed_customers,cross_dept_satisfaction,plan_done,"
                       "plan_target,cost_spent,cost_budget,surveys_done,surveys_planned,"
                       "improvements_done,improvements_planned,calls_offered,calls_answered,"
                       "calls_transferred,calls_abandoned,first_call_resolved,staff_mean_score",
}
KPIS = ("plan_completion", "satisfaction", "relationship", "visits", "collection")
RUBRICS = ("skill", "attitude", "coordination", "conduct")
RATERS = ("self", "superior", "panel")


def marks(eid, period, kpi=80, rubric=8, **per_item):
    """Assessment rows: every rater gives ``kpi`` to each KPI and ``rubric`` to each rubric item,
    except ``item=(self, superior, panel)`` given per item."""
    rows = []
    for item in KPIS + RUBRICS:
        default = kpi if item in KPIS else rubric
        vals = per_item.get(item, (default, default, default))
        for rater, v in zip(RATERS, vals, strict=True):
            rows.append(f"{eid},{period},{rater},{item},{v}")
    return "\n".join(rows) + "\n"


def files(employees, **rows):
    """``{"data/x.csv": text}`` for every source: the header plus the given rows of each."""
    out = {}
    for name, header in HEADERS.items():
        body = employees if name == "employees" else rows.get(name, "")
        out[f"data/{name}.csv"] = header + "\n" + body
    return out


def evaluate(tmp_path, employees, period="2026-10", ruleset=None, **rows):
    text = ruleset if ruleset is not None else bundle_ruleset_text(BUNDLE)
    return evaluate_files(tmp_path, text, files(employees, **rows), period)


def ruleset(**replace):
    return bundle_ruleset_text(BUNDLE, **replace)
