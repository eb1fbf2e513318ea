"""One test per hook spec (tests/test_docs.py requires a ``test_hook_<name>`` for each): a test
plugin implements the hook and the effect is checked end to end."""

from fractions import Fraction
from pathlib import Path

import attrs
import click
from click.testing import CliRunner

from scorecard import hookimpl
from scorecard.bundles import Bundle
from scorecard.cli import cli
from scorecard.manager import pm
from scorecard.sources import RawTable
from scorecard.testing import evaluate_files, registered, write_files
from scorecard.types import (
    Adjustment,
    AnnualType,
    Grade,
    GradingType,
    Line,
    Measure,
    MetricType,
    Payout,
    PayoutType,
    PenaltyType,
    Scored,
    Scorer,
)

HEAD = """
[ruleset]
org = "t"
period = "month"

[sources.employees]
type = "csv"
path = "data/employees.csv"

[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"

[sources.events]
type = "csv"
path = "data/events.csv"
period_by = "at"

[sources.events.columns]
employee_id = "str"
at = "timestamp"

[scorecards.agent]
roles = ["agent"]
"""
FILES = {
    "data/employees.csv": "employee_id,name,role\nE1,Ann,agent\nE2,Bo,agent\n",
    # E1: two events in October, one in November (out of the period); E2: one in October
    "data/events.csv": "employee_id,at\nE1,2026-10-01 08:00\nE1,2026-10-31 23:59\n"
                       "E1,2026-11-01 00:00\nE2,2026-10-15 12:00\n",
}
EVENTS_ITEM = """
[[scorecards.agent.items]]
id = "events"
type = "count"
max = 10
source = "events"
"""


def plugin(hook_name, *objects):
    """A plugin whose ``hook_name`` registers ``objects``."""

    def hook(register):
        for obj in objects:
            register(obj)

    hook.__name__ = hook_name
    return type("Plugin", (), {hook_name: staticmethod(hookimpl(hook))})()


def test_hook_register_source_types(tmp_path):
    class Spaces:
        """Whitespace-separated text files, header on the first line."""

        name = "spaces"

        def read(self, spec, base_dir):
            path = Path(base_dir) / spec.path
            lines = path.read_text(encoding="utf-8").splitlines()
            rows = ((n, line.split()) for n, line in enumerate(lines[1:], 2) if line.strip())
            return RawTable(file=path.name, header=lines[0].split(), rows=rows)

    ruleset = HEAD.replace('type = "csv"\npath = "data/employees.csv"',
                           'type = "spaces"\npath = "data/people.txt"') + EVENTS_ITEM
    files = {**FILES, "data/people.txt": "employee_id name role\nE1 Ann agent\n\nE2 Bo agent\n"}
    with registered(plugin("register_source_types", Spaces())):
        ev = evaluate_files(tmp_path, ruleset, files, "2026-10")
    # employees come from people.txt; events counted as before: E1 2, E2 1
    assert [er.employee_id for er in ev.results] == ["E1", "E2"]
    assert ev.result("E1").points("events") == 2
    assert ev.result("E2").employee["_line"] == 4  # the blank line 3 was skipped


def test_hook_register_metric_types(tmp_path):
    @attrs.frozen
    class WeightedParams:
        source: str
        per: Fraction = Fraction(1)

    class Weighted(MetricType):
        name = "weighted"
        Params = WeightedParams

        def compute(self, ctx, item):
            p = item.params
            where, params = ctx.where(p.source)
            counts = dict(ctx.query(f"SELECT employee_id, COUNT(*) FROM {ctx.table(p.source)} "
                                    f"WHERE {where} GROUP BY employee_id", params))
            return {e: Measure(counts.get(e, 0) * p.per, (Line(item.id, f"{counts.get(e, 0)}"),))
                    for e in ctx.employees}

    ruleset = HEAD + """
[[scorecards.agent.items]]
id = "w"
type = "weighted"
max = 10
source = "events"
per = "1.5"
"""
    with registered(plugin("register_metric_types", Weighted())):
        ev = evaluate_files(tmp_path, ruleset, FILES, "2026-10")
    assert ev.result("E1").points("w") == 3  # 2 events × 1.5
    assert ev.result("E2").points("w") == Fraction(3, 2)  # 1 × 1.5


def test_hook_register_scorers(tmp_path):
    @attrs.frozen
    class TimesParams:
        factor: Fraction

    class Times(Scorer):
        name = "times"
        Params = TimesParams

        def score(self, ctx, item, measures):
            f = item.score.params.factor
            return {e: Scored(min(m.value * f, item.max)) for e, m in measures.items()}

    ruleset = HEAD + EVENTS_ITEM + 'score = { type = "times", factor = 4 }\n'
    with registered(plugin("register_scorers", Times())):
        ev = evaluate_files(tmp_path, ruleset, FILES, "2026-10")
    assert ev.result("E1").points("events") == 8  # 2 × 4
    assert ev.result("E2").points("events") == 4  # 1 × 4


def test_hook_register_penalty_types(tmp_path):
    @attrs.frozen
    class NamedParams:
        points: Fraction
        who: list[str]

    class Named(PenaltyType):
        name = "named"
        Params = NamedParams

        def apply(self, ctx, penalty):
            p = penalty.params
            return {e: Adjustment(points=-p.points if e in p.who else Fraction(0))
                    for e in ctx.employees}

    ruleset = HEAD + EVENTS_ITEM + """
[[scorecards.agent.penalties]]
id = "late_report"
type = "named"
points = 1.5
who = ["E2"]
"""
    with registered(plugin("register_penalty_types", Named())):
        ev = evaluate_files(tmp_path, ruleset, FILES, "2026-10")
    assert ev.result("E1").total == 2  # 2 events, no penalty
    assert ev.result("E2").total == Fraction(-1, 2)  # 1 event − 1.5
    assert "late_report 1.5" in ev.result("E2").text()


def test_hook_register_grading_types(tmp_path):
    @attrs.frozen
    class PassFailParams:
        pass_at: Fraction

    class PassFail(GradingType):
        name = "pass_fail"
        Params = PassFailParams

        def grade(self, ctx, spec, scores):
            return {e: Grade("pass" if s >= spec.params.pass_at else "fail")
                    for e, s in scores.items()}

    ruleset = HEAD + EVENTS_ITEM + '[scorecards.agent.grading]\ntype = "pass_fail"\npass_at = 2\n'
    with registered(plugin("register_grading_types", PassFail())):
        ev = evaluate_files(tmp_path, ruleset, FILES, "2026-10")
    assert ev.result("E1").grade.grade == "pass"  # 2 ≥ 2: the boundary passes
    assert ev.result("E2").grade.grade == "fail"  # 1 < 2


def test_hook_register_annual_types(tmp_path):
    # a year-end scheme of a fourth organisation: the best period score decides, "A" from `at`
    import attrs as attrs_

    from scorecard.annual import annual
    from scorecard.ruleset import load_ruleset
    from scorecard.store import Store

    @attrs.frozen
    class BestMonthParams:
        at: Fraction

    class BestMonth(AnnualType):
        name = "best_month"
        Params = BestMonthParams

        def grade_year(self, spec, periods, rows):
            out = []
            for r in rows:
                best = max(r.scores.values())
                out.append(attrs_.evolve(r, total=best, grade="A" if best >= spec.params.at
                                         else "B", reasons=(f"best period {best}",)))
            return out

    ruleset = HEAD + EVENTS_ITEM + '[scorecards.agent.annual]\ntype = "best_month"\nat = 2\n'
    with registered(plugin("register_annual_types", BestMonth())):
        write_files(tmp_path, {"scorecard.toml": ruleset, **FILES})
        rs = load_ruleset(tmp_path / "scorecard.toml")
        store = Store(tmp_path / "scorecard.db")
        for month in ("2026-10", "2026-11"):
            ev = evaluate_files(tmp_path, ruleset, FILES, month, store=store, keep=True)
            assert ev.run_id is not None
        rep = annual(store, rs, 2026)
    # E1: 2 events in October, 1 in November: best 2 ≥ 2 -> "A"; E2: best 1 < 2 -> "B"
    assert (rep.row("E1").total, rep.row("E1").grade) == (2, "A")
    assert (rep.row("E2").total, rep.row("E2").grade) == (1, "B")


def test_hook_register_payout_types(tmp_path):
    @attrs.frozen
    class PerPointParams:
        per_point: Fraction

    class PerPoint(PayoutType):
        name = "per_point"
        Params = PerPointParams

        def pay(self, ctx, spec, results):
            return {e: Payout(Fraction(er.score) * spec.params.per_point)
                    for e, er in results.items()}

    ruleset = HEAD + EVENTS_ITEM + '[scorecards.agent.payout]\ntype = "per_point"\n' \
                                   'per_point = "33.333"\n'
    with registered(plugin("register_payout_types", PerPoint())):
        ev = evaluate_files(tmp_path, ruleset, FILES, "2026-10")
    assert str(ev.result("E1").payout) == "66.67"  # 2 × 33.333 = 66.666, rounded half-up
    assert str(ev.result("E2").payout) == "33.33"


def test_hook_register_bundles(tmp_path):
    write_files(tmp_path / "b", {"scorecard.toml": HEAD + EVENTS_ITEM, **FILES})
    bundle = Bundle(name="test-org", path=tmp_path / "b", sample_period="2026-10")
    with registered(plugin("register_bundles", bundle)):
        result = CliRunner().invoke(cli, ["init", "--org", "test-org", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "2 sample file(s)" in result.output
    assert (tmp_path / "out" / "data" / "events.csv").read_text() == FILES["data/events.csv"]


def test_hook_register_commands():
    class Plugin:
        @hookimpl
        def register_commands(self, cli):
            @cli.command()
            def hello():
                """Say hello."""
                click.echo("hello from a plugin")

    group = click.Group("scorecard")
    with registered(Plugin(), name="hello-plugin"):
        pm.hook.register_commands(cli=group)
    assert CliRunner().invoke(group, ["hello"]).output == "hello from a plugin\n"
    # the built-in commands plugin is registered the same way on the real CLI
    assert {"new-plugin", "new-bundle", "install", "uninstall"} <= set(cli.load_plugin_commands())
