"""Synthetic sample data for the wholesale-market bundle (stdlib only, deterministic).

One floor of a market over three months (2026-08 .. 2026-10): twelve floor managers, their floor
supervisor, three customer-service staff, the customer-service manager and the call-centre
manager. Written in the shapes of DATA.md (plus the documented ``department_kpis.csv``
extension). A few cases are placed on purpose so the rules show: a media exposure in August and
a second one in October (−10 then −50), late complaints with and without the "hard" flag, a
reputation case fining a floor manager and costing the supervisor points, raters who disagree.
The same seed always gives byte-identical files.

    python -m scorecard_wholesale.generate [DIR] [--seed N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

MONTHS = ("2026-08", "2026-09", "2026-10")
KPI_ITEMS = ("plan_completion", "satisfaction", "relationship", "visits", "collection")
RUBRIC_ITEMS = ("skill", "attitude", "coordination", "conduct")
RUBRIC_MARKS = (1, 2, 4, 5, 6, 7, 8, 9, 10)  # the five-level rubric has no 3
NAMES = ("王芳", "李伟", "张娜", "刘敏", "陈静", "杨丽", "黄强", "赵磊", "吴洋", "周艳", "徐勇",
         "孙军", "马杰", "朱娟", "胡涛", "郭明", "何超", "高霞")


def employees() -> list[dict]:
    rows = []
    names = iter(NAMES)
    for i in range(1, 13):
        rows.append({"employee_id": f"F{i:02d}", "name": next(names), "site": "floor-3",
                     "role": "floor_manager", "level": ""})
    rows.append({"employee_id": "S01", "name": next(names), "site": "floor-3",
                 "role": "floor_supervisor", "level": ""})
    for i in range(1, 4):
        rows.append({"employee_id": f"C{i:02d}", "name": next(names), "site": "cs-centre",
                     "role": "cs_staff", "level": ""})
    rows.append({"employee_id": "M01", "name": next(names), "site": "cs-centre",
                 "role": "cs_manager", "level": ""})
    rows.append({"employee_id": "K01", "name": next(names), "site": "call-centre",
                 "role": "call_centre_manager", "level": ""})
    return rows


def _staff(emps):
    return [e["employee_id"] for e in emps if e["role"] in ("floor_manager", "floor_supervisor",
                                                            "cs_staff")]


def _near_rubric(rng, centre):
    allowed = [m for m in RUBRIC_MARKS if abs(m - centre) <= 2]
    return rng.choice(allowed)


def _snap(mark):
    """The nearest mark the rubric allows (3 is not on it: it snaps down to 2)."""
    mark = min(10, max(1, mark))
    return mark if mark in RUBRIC_MARKS else mark - 1


def assessments(rng, emps):
    rows = []
    for month in MONTHS:
        for eid in _staff(emps):
            kpi_centre = rng.randint(66, 97)
            rubric_centre = rng.choice((6, 7, 8, 8, 9))
            for item in KPI_ITEMS:
                base = min(100, max(0, kpi_centre + rng.randint(-8, 8)))
                for rater in ("self", "superior", "panel"):
                    shift = {"self": rng.randint(0, 6), "superior": rng.randint(-4, 3),
                             "panel": 0}[rater]
                    rows.append([eid, month, rater, item, min(100, max(0, base + shift))])
            for item in RUBRIC_ITEMS:
                mark = _near_rubric(rng, rubric_centre)
                for rater in ("self", "superior", "panel"):
                    # most raters agree within a point; now and then one is two or more off
                    off = rng.choice((0, 0, 0, 1, 1, -1)) if rater == "self" else \
                        rng.choice((0, 0, 0, -1, 1)) if rater == "superior" else 0
                    if rng.random() < 0.05:
                        off = rng.choice((-3, 3))
                    rows.append([eid, month, rater, item, _snap(mark + off)])
    # raters who clearly disagree, for the calibration report: F04's skill in October
    placed = {("F04", "2026-10", "superior", "skill"): 4, ("F04", "2026-10", "self", "skill"): 10}
    for r in rows:
        r[4] = placed.get(tuple(r[:4]), r[4])
    return [["employee_id", "period", "rater", "item", "value"], *rows]


def attendance(rng, emps):
    rows = [["employee_id", "period", "late_early", "absence_days", "personal_leave_days",
             "sick_leave_days"]]
    for month in MONTHS:
        for e in emps:
            late = rng.choice((0, 0, 0, 1, 2))
            absence = 1 if rng.random() < 0.04 else 0
            personal = rng.choice((0, 0, 0, 0.5, 1))
            sick = rng.choice((0, 0, 0, 0, 1, 2))
            rows.append([e["employee_id"], month, late, absence, personal, sick])
    return rows


def conduct_events(rng, emps):
    rows = [["employee_id", "date", "kind"]]
    kinds = ("verbal_warning", "written_warning", "decision", "commendation")
    weights = (4, 2, 1, 5)
    for month in MONTHS:
        y, m = map(int, month.split("-"))
        for eid in _staff(emps):
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
                day = dt.date(y, m, rng.randint(1, 28))
                rows.append([eid, day.isoformat(), rng.choices(kinds, weights)[0]])
    return rows


def complaints(rng, emps):
    rows = [["complaint_id", "employee_id", "received_at", "complexity", "channel", "settled_at",
             "pre_notified_hard"]]
    n = 0
    floor = [e["employee_id"] for e in emps if e["role"] == "floor_manager"]
    for month in MONTHS:
        y, m = map(int, month.split("-"))
        for eid in floor:
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                n += 1
                received = dt.datetime(y, m, rng.randint(1, 27), rng.randint(9, 17),
                                       rng.choice((0, 15, 30, 45)))
                complexity = rng.choices(("simple", "complex"), (3, 1))[0]
                channel = rng.choices(("in_person", "phone", "letter"), (6, 3, 1))[0]
                late = rng.random() < 0.15
                if complexity == "simple":
                    settled = (received + dt.timedelta(days=1, hours=1) if late else
                               received + dt.timedelta(minutes=rng.randint(10, 120)))
                    if not late and settled.date() != received.date():
                        settled = received.replace(hour=23, minute=50)
                else:
                    limit = 72 if channel in ("phone", "letter") else 48
                    settled = received + dt.timedelta(
                        hours=limit + rng.randint(2, 20) if late else rng.randint(4, limit))
                hard = "1" if late and rng.random() < 0.4 else "0"
                rows.append([f"WM{n:04d}", eid, received.strftime("%Y-%m-%d %H:%M"), complexity,
                             channel, settled.strftime("%Y-%m-%d %H:%M"), hard])
    # placed cases (October): F06 late complex phone complaint flagged hard in advance, F06 late
    # simple complaint not flagged, F08 complex in-person complaint exactly at 48 h (met)
    rows += [
        ["WM9001", "F06", "2026-10-09 10:00", "complex", "phone", "2026-10-13 09:00", "1"],
        ["WM9002", "F06", "2026-10-14 16:00", "simple", "in_person", "2026-10-15 09:30", "0"],
        ["WM9003", "F08", "2026-10-20 11:00", "complex", "in_person", "2026-10-22 11:00", "0"],
    ]
    return rows


def penalties():
    return [
        ["employee_id", "date", "kind", "points", "fine"],
        ["F03", "2026-08-15", "media_exposure", "10", ""],
        ["F05", "2026-09-03", "refused_ruling", "2", ""],
        ["F02", "2026-10-08", "reputation_harm", "", "80"],
        ["S01", "2026-10-08", "reputation_harm", "2", ""],
        ["F03", "2026-10-12", "media_exposure", "", ""],
        ["F05", "2026-10-17", "refused_ruling", "3", ""],
        ["F07", "2026-10-21", "no_follow_up", "2", ""],
    ]


def manager_kpis():
    return [
        ["employee_id", "period", "revisit_rate", "responded_within_2h", "resolved_within_3wd",
         "resolution_rate", "satisfaction", "training_hours", "process_completion",
         "record_error_rate", "sales_above_last_year", "customers_lost"],
        ["M01", "2026-08", "100", "1", "1", "100", "91", "10", "92", "0", "1", "0"],
        ["M01", "2026-09", "95", "1", "0", "98", "86", "6", "88", "2.5", "1", "1"],
        ["M01", "2026-10", "92.5", "1", "1", "97", "88", "8", "90", "0", "0", "0"],
    ]


def competencies():
    levels = {"2026-08": (4, 4, 3, 4), "2026-09": (3, 4, 3, 3), "2026-10": (4, 3, 3, 5)}
    rows = [["employee_id", "period", "competency", "level"]]
    for month in MONTHS:
        for comp, lv in zip(("customer_focus", "initiative", "service_care", "ownership"),
                            levels[month], strict=True):
            rows.append(["M01", month, comp, lv])
    return rows


DEPT_COLUMNS = (
    "employee_id", "period", "feedback_on_time", "feedback_due", "info_on_time", "info_due",
    "revisits_done", "revisits_planned", "resolution_hours", "complaints_resolved",
    "complaints_satisfied", "complaints_total", "key_accounts_lost", "key_account_revisits",
    "satisfaction_score_sum", "satisfaction_responses", "satisfied_customers",
    "surveyed_customers", "cross_dept_satisfaction", "plan_done", "plan_target", "cost_spent",
    "cost_budget", "surveys_done", "surveys_planned", "improvements_done",
    "improvements_planned", "calls_offered", "calls_answered", "calls_transferred",
    "calls_abandoned", "first_call_resolved", "staff_mean_score", "calls_made")

#: DATA.md's optional department_manager_kpis.csv (the §15.3 scale), header only like the above
DEPT_MANAGER_COLUMNS = (
    "employee_id", "period", "plan_completion", "budget_saving", "feedback_timeliness",
    "information_timeliness", "process_improvement", "standard_execution", "satisfaction",
    "cross_department_satisfaction", "key_accounts_lost")


def department_kpis():
    """Header only: the file extends DATA.md, and sample rows naming the sample's employees would
    stay behind when a site replaces the DATA.md files with its own exports (and then name
    employees its employees.csv does not have). The golden case 05 and the tests carry figures."""
    return [list(DEPT_COLUMNS)]


def generate(directory, seed: int = 5) -> list[Path]:
    """Write every sample file into ``directory``; returns the paths written."""
    rng = random.Random(seed)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    emps = employees()
    files = {
        "employees.csv": [list(emps[0]), *([e[k] for k in emps[0]] for e in emps)],
        "assessments.csv": assessments(rng, emps),
        "attendance.csv": attendance(rng, emps),
        "conduct_events.csv": conduct_events(rng, emps),
        "complaints.csv": complaints(rng, emps),
        "penalties.csv": penalties(),
        "manager_kpis.csv": manager_kpis(),
        "competencies.csv": competencies(),
        "department_kpis.csv": department_kpis(),
        "department_manager_kpis.csv": [list(DEPT_MANAGER_COLUMNS)],
        # DATA.md's optional centre register: header only (the golden case 08 carries rows)
        "centre_complaints.csv": [["complaint_id", "employee_id", "received_at",
                                   "acknowledged_at", "department_answered_at", "fixed_at",
                                   "followed_up_at", "reopened"]],
    }
    written = []
    for name, rows in files.items():
        path = directory / name
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
        written.append(path)
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", nargs="?", default=str(Path(__file__).parent / "bundle" / "data"))
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args(argv)
    for p in generate(args.directory, args.seed):
        print(p)


if __name__ == "__main__":  # pragma: no cover
    main()
