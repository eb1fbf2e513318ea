"""The core's promises, end to end through the CLI (issue: core)."""

import json
import sqlite3

import attrs
from click.testing import CliRunner

from scorecard import hookimpl
from scorecard.cli import cli
from scorecard.testing import registered
from scorecard.types import Line, Measure, MetricType


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_plugins_json_lists_every_hook_with_its_plugin(contact_bundle):
    result = run("plugins", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    by_name = {r["name"]: r for r in rows}
    assert by_name["scorecard_plugins.metrics.measures"]["hooks"] == ["register_metric_types"]
    assert by_name["scorecard_plugins.sources.readers"]["hooks"] == ["register_source_types"]
    assert "metric:limit_breaches" in by_name["scorecard_plugins.metrics.breaches"]["types"]
    # a bundle (here the test bundle) is listed with the plugin that registers it
    assert "bundle:test-contact-centre" in by_name["test-contact-centre"]["types"]
    hooks = {h for r in rows for h in r["hooks"]}
    assert {"register_source_types", "register_metric_types", "register_scorers",
            "register_penalty_types", "register_grading_types", "register_payout_types",
            "register_bundles"} <= hooks


def test_init_then_evaluate_twice_gives_identical_runs(tmp_path, contact_bundle):
    d = tmp_path / "acc"
    assert run("init", "--org", contact_bundle.name, d).exit_code == 0
    assert (d / "scorecard.toml").exists()
    assert sorted(p.name for p in (d / "data").iterdir()) == [
        "contacts.csv", "employees.csv", "qa_findings.csv", "supervisor_marks.csv"]
    first = run("evaluate", "--config", d / "scorecard.toml", "--period", "2026-10",
                "--format", "json")
    assert first.exit_code == 0, first.output
    second = run("evaluate", "--config", d / "scorecard.toml", "--period", "2026-10",
                 "--format", "json")
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert (a["run_id"], b["run_id"]) == (1, 2)
    assert a["results"] == b["results"]
    assert "identical to run 1" in second.stderr
    with sqlite3.connect(d / "scorecard.db") as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (2,)
        same = conn.execute("SELECT same_as FROM runs WHERE id = 2").fetchone()
    assert same == (1,)
    # the JSON contract: decimals as strings, items with id/label/points/max, explanation
    r = a["results"][0]
    assert set(r) >= {"employee_id", "name", "site", "role", "score", "grade", "payout",
                      "items", "explanation"}
    assert isinstance(r["score"], str) and isinstance(r["payout"], str)
    assert set(r["items"][0]) >= {"id", "label", "points", "max"}


def test_runs_are_immutable(tmp_path, contact_bundle):
    d = tmp_path / "acc"
    run("init", "--org", contact_bundle.name, d)
    run("evaluate", "--config", d / "scorecard.toml", "--period", "2026-10")
    with sqlite3.connect(d / "scorecard.db") as conn:
        for sql in ("UPDATE results SET score = '100'", "DELETE FROM explanations",
                    "UPDATE runs SET period = 'x'"):
            try:
                conn.execute(sql)
            except sqlite3.IntegrityError as e:
                assert "immutable" in str(e)
            else:  # pragma: no cover
                raise AssertionError(f"{sql} was allowed")


def test_misspelt_key_fails_with_exit_2_and_names_the_key(tmp_path, contact_bundle):
    d = tmp_path / "acc"
    run("init", "--org", contact_bundle.name, d)
    cfg = d / "scorecard.toml"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace("sum_column =", "sum_colum =", 1), encoding="utf-8")
    result = run("evaluate", "--config", cfg, "--period", "2026-10")
    assert result.exit_code == 2
    assert "scorecards.agent.items[0].sum_colum" in result.output
    assert "did you mean 'sum_column'?" in result.output
    assert str(cfg) in result.output
    assert not (d / "scorecard.db").exists() or _runs(d) == 0


def _runs(d):
    with sqlite3.connect(d / "scorecard.db") as conn:
        return conn.execute("SELECT count(*) FROM runs").fetchone()[0]


def test_wrong_period_kind_is_a_usage_error(tmp_path, contact_bundle):
    d = tmp_path / "acc"
    run("init", "--org", contact_bundle.name, d)
    result = run("evaluate", "--config", d / "scorecard.toml", "--period", "2026-Q4")
    assert result.exit_code == 2
    assert "evaluates by month" in result.output


@attrs.frozen
class ConstParams:
    value: int = 7


class ConstMetric(MetricType):
    name = "test_const"
    Params = ConstParams

    def compute(self, ctx, item):
        ConstPlugin.calls += 1
        return {e: Measure(item.params.value * 1, (Line(item.id, "constant"),))
                for e in ctx.employees}


class ConstPlugin:
    calls = 0

    @hookimpl
    def register_metric_types(self, register):
        register(ConstMetric())


def _const_ruleset(tmp_path, extra=""):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "employees.csv").write_text(
        "employee_id,name,site,role,level\nE1,甲,main,x,l\nE2,乙,main,x,l\n", encoding="utf-8")
    cfg = tmp_path / "scorecard.toml"
    cfg.write_text(f"""
[ruleset]
org = "test"
[sources.employees]
path = "data/employees.csv"
columns = {{ employee_id = "str", name = "str", site = "str", role = "str", level = "str" }}
[scorecards.all]
[[scorecards.all.items]]
id = "c"
type = "test_const"
max = 10
{extra}
""", encoding="utf-8")
    return cfg


def test_a_plugin_registered_in_a_test_is_called_once_per_rule(tmp_path):
    cfg = _const_ruleset(tmp_path, "value = 7")
    ConstPlugin.calls = 0
    with registered(ConstPlugin(), "const-plugin"):
        result = run("evaluate", "--config", cfg, "--period", "2026-10", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["score"] for r in data["results"]] == ["7.00", "7.00"]
    assert ConstPlugin.calls == 1  # one call for the rule, not one per employee
    # and once unregistered the type is unknown again: exit 2 naming it
    again = run("evaluate", "--config", cfg, "--period", "2026-10")
    assert again.exit_code == 2
    assert "unknown metric type 'test_const'" in again.output


class BrokenMetric(ConstMetric):
    name = "test_const"

    def compute(self, ctx, item):
        raise ZeroDivisionError("boom")


class BrokenPlugin:
    @hookimpl
    def register_metric_types(self, register):
        register(BrokenMetric())


def test_a_failing_plugin_is_exit_1_naming_plugin_and_rule(tmp_path):
    cfg = _const_ruleset(tmp_path)
    with registered(BrokenPlugin(), "broken-plugin"):
        result = run("evaluate", "--config", cfg, "--period", "2026-10")
    assert result.exit_code == 1
    assert "plugin 'broken-plugin' failed" in result.output
    assert "scorecards.all.items[0]" in result.output
    assert "ZeroDivisionError: boom" in result.output


def test_explain_and_report(tmp_path, contact_bundle):
    d = tmp_path / "acc"
    run("init", "--org", contact_bundle.name, d)
    run("evaluate", "--config", d / "scorecard.toml", "--period", "2026-10")
    rep = run("report", "--config", d / "scorecard.toml", "--format", "csv")
    assert rep.exit_code == 0
    lines = rep.stdout.splitlines()
    # Excel-safe: a BOM, and the period and run the file holds on every row
    assert lines[0].startswith("\ufeffperiod,run_id,employee_id,name,role,level,score,grade,"
                               "payout")
    assert lines[1].startswith("2026-10,1,")
    assert len(lines) == 61  # header + 60 agents
    ex = run("explain", "A002", "--config", d / "scorecard.toml", "--period", "2026-10")
    assert ex.exit_code == 0
    assert "response_time" in ex.stdout and "total =" in ex.stdout
    bad = run("explain", "A0002", "--config", d / "scorecard.toml")
    assert bad.exit_code == 2 and "did you mean" in bad.output


def test_demo_prints_ranked_results(contact_bundle):
    result = run("demo", "--top", "3")
    assert result.exit_code == 0, result.output
    assert "== test-contact-centre" in result.stdout
    assert "bundle(s) evaluated" in result.stdout
