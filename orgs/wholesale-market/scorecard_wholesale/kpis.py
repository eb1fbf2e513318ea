"""The market's KPI catalogue (seed 001 §15.1 customer-service department, §15.2 call centre) as
one ready metric type, ``wholesale_kpi``: an item names a KPI and the source holding its raw
counts, and gets the catalogue's formula, unit and Chinese name.

Every KPI is computed from period totals (Σ numerator / Σ denominator over the period's rows), so
a quarter or a year is the ratio of the summed counts, never a mean of monthly ratios.
"""

from fractions import Fraction
from typing import Any

import attrs

from scorecard.numbers import fmt, to_fraction
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError, did_you_mean
from scorecard.types import Line, Measure, MetricType


@attrs.frozen
class Kpi:
    """One catalogue entry: ``ratio`` = Σ numerator / Σ denominator × scale; ``total`` = Σ
    numerator; ``mean`` = mean of the numerator column over the rows that report it."""

    kind: str
    numerator: str
    denominator: str | None
    scale: Fraction
    unit: str
    label: str
    label_zh: str
    definition: str
    plus: tuple[str, ...] = ()  # columns added to the numerator (call volume: offered + made)

    @property
    def columns(self) -> tuple[str, ...]:
        """The source columns the KPI reads (a row counts only when it reports all of them)."""
        if self.denominator is None:
            return (self.numerator, *self.plus)
        return (self.numerator, self.denominator, *self.plus)


def _ratio(num, den, unit, label, zh, definition, scale=100):
    return Kpi("ratio", num, den, Fraction(scale), unit, label, zh, definition)


CATALOGUE: dict[str, Kpi] = {
    # §15.1 customer-service department
    "feedback_timeliness": _ratio(
        "feedback_on_time", "feedback_due", "%", "Customer feedback timeliness",
        "客户意见反馈及时率", "feedback given within the standard time / feedback due × 100 %"),
    "information_timeliness": _ratio(
        "info_on_time", "info_due", "%", "Service information passed on in time",
        "客户服务信息传递及时率",
        "information passed on within the standard time / information to pass on × 100 %"),
    "revisit_rate": _ratio(
        "revisits_done", "revisits_planned", "%", "Customer revisit rate", "客户回访率",
        "customers actually revisited / revisits planned × 100 %"),
    "complaint_resolution_speed": _ratio(
        "resolution_hours", "complaints_resolved", "h per complaint",
        "Complaint resolution speed", "客户投诉解决速度",
        "total resolution time of the period's complaints / complaints resolved", scale=1),
    "complaint_resolution_satisfaction": _ratio(
        "complaints_satisfied", "complaints_total", "%", "Complaint resolution satisfaction",
        "客户投诉解决满意率", "complaints whose resolution satisfied the customer / all "
        "complaints × 100 %"),
    "key_account_churn": Kpi("total", "key_accounts_lost", None, Fraction(1), "accounts",
                             "Key accounts lost", "大客户流失数",
                             "key accounts lost in the period"),
    "key_account_revisits": Kpi("total", "key_account_revisits", None, Fraction(1), "visits",
                                "Key-account revisits", "大客户回访次数",
                                "revisits of key accounts in the period"),
    "customer_satisfaction": _ratio(
        "satisfaction_score_sum", "satisfaction_responses", "points",
        "Customer satisfaction (mean score)", "客户满意度",
        "arithmetic mean of the surveyed customers' satisfaction scores", scale=1),
    "cross_department_satisfaction": Kpi(
        "mean", "cross_dept_satisfaction", None, Fraction(1), "points",
        "Cross-department satisfaction", "部门协作满意度",
        "score of the departments' satisfaction forms (部门满意度评分表)"),
    # §15.2 call centre
    "plan_completion": _ratio(
        "plan_done", "plan_target", "%", "Business plan completion", "呼叫中心业务计划完成率",
        "business plan actually done / planned × 100 %"),
    "budget_control": _ratio(
        "cost_spent", "cost_budget", "%", "Service cost budget control", "服务费用预算控制率",
        "service cost spent / service cost budget × 100 % (lower is better)"),
    "survey_completion": _ratio(
        "surveys_done", "surveys_planned", "%", "Customer survey plan completion",
        "客户调研计划完成率", "surveys done / surveys planned × 100 %"),
    "process_improvement": _ratio(
        "improvements_done", "improvements_planned", "%", "Process improvement completion",
        "呼叫中心服务流程改进目标完成率", "improvement targets met / planned × 100 %"),
    "satisfaction_rate": _ratio(
        "satisfied_customers", "surveyed_customers", "%", "Customer satisfaction rate",
        "客户满意率", "satisfied surveyed customers / surveyed customers × 100 %"),
    "transfer_rate": _ratio(
        "calls_transferred", "calls_answered", "%", "Transfer rate", "转接率",
        "transferred calls / all answered calls × 100 %"),
    "call_volume": Kpi("total", "calls_offered", None, Fraction(1), "calls", "Call volume",
                       "呼叫数", "incoming and outgoing calls (打入/打出): every call offered "
                       "to the centre, including blocked, abandoned and answered ones, plus "
                       "the calls made", plus=("calls_made",)),
    "abandonment_rate": _ratio(
        "calls_abandoned", "calls_answered", "%", "Abandonment rate", "呼叫放弃率",
        "abandoned calls / ANSWERED calls × 100 % — as the original defines it (the usual "
        "industry definition divides by calls offered; this one can exceed 100 %)"),
    "first_call_resolution": _ratio(
        "first_call_resolved", "calls_answered", "%", "First-call resolution rate",
        "一次性解决问题的呼叫率",
        "answered calls resolved without a call back either way / answered calls × 100 %"),
    "staff_management": Kpi("mean", "staff_mean_score", None, Fraction(1), "points",
                            "Staff management (mean staff score)", "员工管理",
                            "mean performance score of the department's staff"),
}


@attrs.frozen
class KpiParams:
    source: str
    kpi: str
    match: dict[str, Any] = attrs.Factory(dict)
    when_empty: Fraction | None = None  # value when the denominator is 0 / nothing reported


class WholesaleKpi(MetricType):
    """A KPI of the market's catalogue, computed from a source's raw counts."""

    name = "wholesale_kpi"
    Params = KpiParams
    description = "The wholesale market's KPI catalogue (§15.1–15.2): feedback timeliness, "\
                  "revisit rate, transfer and abandonment rates, first-call resolution ..."

    def validate(self, rs, sc, item):
        p = item.params
        if p.kpi not in CATALOGUE:
            raise SchemaError(f"{item.path}.kpi", f"unknown KPI {p.kpi!r}"
                              f"{did_you_mean(p.kpi, CATALOGUE)} (catalogue: "
                              f"{', '.join(CATALOGUE)})")
        k = CATALOGUE[p.kpi]
        require_source(rs, p.source, f"{item.path}.source", ["employee_id", *k.columns, *p.match])

    def sources(self, item):
        return {item.params.source: set(CATALOGUE[item.params.kpi].columns)}

    def compute(self, ctx, item):
        p = item.params
        k = CATALOGUE[p.kpi]
        where, params = ctx.where(p.source, p.match)
        # a row counts only when it reports every column the KPI needs (blank = not reported)
        present = " AND ".join(f"[{c}] IS NOT NULL" for c in k.columns)
        # per employee: Σ numerator, Σ denominator (or the row count when there is none), refs
        sums: dict[str, list] = {}
        for eid, line, *vals in ctx.query(
                f"SELECT employee_id, _line, {', '.join(f'[{c}]' for c in k.columns)} FROM "
                f"{ctx.table(p.source)} WHERE {where} AND {present} ORDER BY _line", params):
            if eid not in ctx.employees:
                continue
            a = sums.setdefault(eid, [Fraction(0), Fraction(0), []])
            a[0] += to_fraction(vals[0])
            a[1] += to_fraction(vals[1]) if k.denominator else 1
            for v in vals[len(vals) - len(k.plus):] if k.plus else ():
                a[0] += to_fraction(v)
            a[2].append(ctx.ref(p.source, line))
        out = {}
        head = f"{item.id}: {k.label_zh} = {k.definition}"
        for eid in ctx.employees:
            if eid not in sums or (k.kind == "ratio" and sums[eid][1] == 0):
                v = p.when_empty
                why = "nothing reported" if eid not in sums else f"{k.denominator} is 0"
                out[eid] = Measure(v, (Line(item.id, head), Line(item.id, (
                    f"{item.id}: {why}: no data" if v is None else
                    f"{item.id}: {why}: {fmt(v)} by rule"))))
                continue
            num, den, refs = sums[eid]
            if k.kind == "ratio":
                v = num / den * k.scale
                calc = f"{fmt(num)} / {fmt(den)}" + ("" if k.scale == 1 else
                                                     f" × {fmt(k.scale)}")
            elif k.kind == "total":
                v = num
                calc = "Σ " + " + Σ ".join((k.numerator, *k.plus))
            else:
                v = num / den
                calc = f"{fmt(num)} / {fmt(den)} row(s)"
            out[eid] = Measure(v, (Line(item.id, head), Line(
                item.id, f"{item.id}: {calc} = {fmt(v)} {k.unit} ({', '.join(refs[:3])})",
                ref=refs[0])), {"kpi": p.kpi})
        return out
