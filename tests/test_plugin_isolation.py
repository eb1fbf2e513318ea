"""A broken plugin produces an error naming the plugin, the hook or method and the rule — never a
bare traceback — and does not stop `scorecard plugins` from listing the others."""

import json
from fractions import Fraction
from importlib.metadata import EntryPoint

import pytest
from click.testing import CliRunner

from scorecard import hookimpl, manager
from scorecard.cli import cli
from scorecard.errors import EvaluationError, ScorecardError
from scorecard.hookspecs import HOOKSPEC_VERSION
from scorecard.registry import get_registry
from scorecard.testing import evaluate_files, registered, write_files
from scorecard.types import Measure, MetricType

RULESET = """
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

[scorecards.agent]
roles = ["agent"]

[[scorecards.agent.items]]
id = "odd"
type = "odd_metric"
max = 10
"""
FILES = {"data/employees.csv": "employee_id,name,role\nE1,Ann,agent\nE2,Bo,agent\n"}


def metric_plugin(compute, name="odd_metric"):
    """A plugin registering one metric type whose compute() is ``compute``."""

    class Odd(MetricType):
        pass

    Odd.name = name
    Odd.compute = lambda self, ctx, item: compute(ctx)

    class Plugin:
        @hookimpl
        def register_metric_types(self, register):
            register(Odd())

    return Plugin()


def run_cli(tmp_path, *args):
    write_files(tmp_path, {"scorecard.toml": RULESET, **FILES})
    result = CliRunner().invoke(cli, ["evaluate", "-c", str(tmp_path / "scorecard.toml"),
                                      "-p", "2026-10", *args])
    # a ClickException, not a crash: the runner records SystemExit with the exit code
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_metric_that_raises_names_plugin_type_method_and_rule(tmp_path):
    def compute(ctx):
        return 1 / 0

    with registered(metric_plugin(compute), name="broken-metrics"):
        result = run_cli(tmp_path)
    assert result.exit_code == 1
    assert ("plugin 'broken-metrics' failed: metric type 'odd_metric', compute() for rule "
            "scorecards.agent.items[0]: ZeroDivisionError: division by zero") in result.output


def test_check_that_raises_names_plugin_type_and_rule(tmp_path):
    # evaluate runs the rule-set check first: a plugin's broken check() is named like the rest
    class Plugin:
        @hookimpl
        def register_metric_types(self, register):
            class Checked(MetricType):
                name = "odd_metric"

                def check(self, rs, sc, item):
                    return [("x", rs.sources["no_such_source"])]  # a plugin bug: KeyError

            register(Checked())

    with registered(Plugin(), name="checker"):
        result = run_cli(tmp_path)
    assert result.exit_code == 1
    assert ("plugin 'checker' failed: metric type 'odd_metric', check() for rule "
            "scorecards.agent.items[0]: KeyError: 'no_such_source'") in result.output

def test_validate_that_raises_names_plugin_type_and_rule(tmp_path):
    class Plugin:
        @hookimpl
        def register_metric_types(self, register):
            class Checked(MetricType):
                name = "odd_metric"

                def validate(self, rs, sc, item):
                    return rs.sources["no_such_source"]  # a plugin bug: KeyError

            register(Checked())

    with registered(Plugin(), name="checker"):
        result = run_cli(tmp_path)
    assert result.exit_code == 1
    assert ("plugin 'checker' failed: metric type 'odd_metric', validate() for rule "
            "scorecards.agent.items[0]: KeyError: 'no_such_source'") in result.output


def test_metric_that_needs_a_missing_module_at_run_time(tmp_path):
    def compute(ctx):
        import scorecard_no_such_dependency  # noqa: F401

    with registered(metric_plugin(compute), name="lazy-import"):
        with pytest.raises(EvaluationError) as e:
            evaluate_files(tmp_path, RULESET, FILES, "2026-10")
    assert ("plugin 'lazy-import' failed: metric type 'odd_metric', compute() for rule "
            "scorecards.agent.items[0]: ModuleNotFoundError: No module named "
            "'scorecard_no_such_dependency'") in e.value.message


def test_metric_returning_a_non_dict(tmp_path):
    with registered(metric_plugin(lambda ctx: [Measure(Fraction(1))]), name="listy"):
        with pytest.raises(EvaluationError) as e:
            evaluate_files(tmp_path, RULESET, FILES, "2026-10")
    assert e.value.message == (
        "plugin 'listy', metric type 'odd_metric', compute() for rule scorecards.agent.items[0] "
        "returned list, expected a dict of employee_id -> Measure")


def test_metric_leaving_out_an_employee(tmp_path):
    with registered(metric_plugin(lambda ctx: {"E1": Measure(Fraction(1))}), name="forgetful"):
        with pytest.raises(EvaluationError) as e:
            evaluate_files(tmp_path, RULESET, FILES, "2026-10")
    assert e.value.message.endswith("returned no Measure for 1 employee(s), e.g. 'E2'")
    assert "plugin 'forgetful'" in e.value.message


def test_metric_returning_the_wrong_class(tmp_path):
    with registered(metric_plugin(lambda ctx: {e: 3 for e in ctx.employees}), name="bare"):
        with pytest.raises(EvaluationError) as e:
            evaluate_files(tmp_path, RULESET, FILES, "2026-10")
    assert e.value.message.endswith("returned int for 'E1', expected Measure")


@pytest.mark.parametrize("value", [0.5, "1/2"])
def test_measure_with_an_inexact_value_is_an_error(tmp_path, value):
    # a float would silently make the score inexact (0.1 + 0.2 != 0.3): refuse it
    with registered(metric_plugin(lambda ctx: {e: Measure(value) for e in ctx.employees}),
                    name="floaty"):
        with pytest.raises(EvaluationError) as e:
            evaluate_files(tmp_path, RULESET, FILES, "2026-10")
    assert (f"plugin 'floaty', metric type 'odd_metric', compute() for rule "
            f"scorecards.agent.items[0] returned Measure.value = {value!r} "
            f"({type(value).__name__}) for 'E1': numbers must be exact, use fractions.Fraction"
            ) in e.value.message


def test_measure_with_int_or_fraction_is_fine(tmp_path):
    values = {"E1": 3, "E2": Fraction(7, 2)}
    with registered(metric_plugin(lambda ctx: {e: Measure(values[e]) for e in ctx.employees})):
        ev = evaluate_files(tmp_path, RULESET, FILES, "2026-10")
    # no scorer: the value is the points (within [0, max = 10])
    assert ev.result("E1").points("odd") == 3
    assert ev.result("E2").points("odd") == Fraction(7, 2)


class RaisesAtRegistration:
    @hookimpl
    def register_metric_types(self, register):
        raise RuntimeError("config file missing")


def test_registration_hook_that_raises():
    with registered(RaisesAtRegistration(), name="fragile"):
        with pytest.raises(EvaluationError) as e:
            get_registry()
    assert e.value.message == ("plugin 'fragile' failed in hook register_metric_types: "
                               "RuntimeError: config file missing")


def test_registration_failure_does_not_hide_the_other_plugins():
    with registered(RaisesAtRegistration(), name="fragile"):
        result = CliRunner().invoke(cli, ["plugins", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    names = [r["name"] for r in rows]
    assert "scorecard_plugins.metrics.measures" in names and "fragile" in names
    errors = [r["error"] for r in rows if r.get("error")]
    assert errors == ["plugin 'fragile' failed in hook register_metric_types: "
                      "RuntimeError: config file missing"]


def test_registered_object_without_its_method():
    class NotAMetric:
        name = "half_done"

    class Plugin:
        @hookimpl
        def register_metric_types(self, register):
            register(NotAMetric())

    with registered(Plugin(), name="half"):
        with pytest.raises(EvaluationError) as e:
            get_registry()
    assert e.value.message.startswith("plugin 'half' registered the metric type 'half_done' "
                                      "without a compute() method")


def test_registered_object_with_non_attrs_params():
    class Metric(MetricType):
        name = "dict_params"
        Params = dict

    class Plugin:
        @hookimpl
        def register_metric_types(self, register):
            register(Metric())

    with registered(Plugin(), name="dicty"):
        with pytest.raises(EvaluationError) as e:
            get_registry()
    assert "plugin 'dicty' registered the metric type 'dict_params' whose Params is not an " \
           "attrs class" in e.value.message


def test_two_plugins_claiming_one_metric_type_name_both_named():
    with registered(metric_plugin(lambda ctx: {}, name="count"), name="my-counter"):
        with pytest.raises(ScorecardError) as e:
            get_registry()
    message = e.value.message
    assert message.startswith("two plugins register the metric type 'count': ")
    assert "'scorecard_plugins.metrics.measures'" in message and "'my-counter'" in message
    assert message.endswith(". Uninstall one of them, or rename the type in one.")


def test_misspelt_hook_is_refused_with_a_suggestion():
    class Plugin:
        @hookimpl
        def register_metric_type(self, register):  # missing the final "s"
            pass

    with pytest.raises(ScorecardError) as e:
        with registered(Plugin(), name="typo"):
            pass
    assert e.value.message == ("plugin 'typo' implements 'register_metric_type', which is not "
                               "a scorecard hook; did you mean 'register_metric_types'?")
    assert manager.pm.get_plugin("typo") is None


def test_hook_with_a_wrong_argument_is_refused():
    class Plugin:
        @hookimpl
        def register_metric_types(self, register, registry):
            pass

    with pytest.raises(ScorecardError) as e:
        with registered(Plugin(), name="extra-arg"):
            pass
    assert e.value.message.startswith("plugin 'extra-arg' has an invalid hook implementation")
    assert "registry" in e.value.message
    # pluggy < 1.7 keeps a plugin that failed validation registered; it must not leak into
    # later runs (or into the plugin check of a group's worker processes)
    assert manager.pm.get_plugin("extra-arg") is None


@pytest.mark.parametrize("option", ["wrapper", "hookwrapper"])
def test_hook_wrappers_are_refused(option):
    # the registry calls each implementation itself, so a wrapper would silently register
    # nothing: a wrapper around the built-ins' metric types must be an error, not a no-op
    class Plugin:
        @hookimpl(**{option: True})
        def register_metric_types(self, register):
            yield

    with pytest.raises(ScorecardError) as e:
        with registered(Plugin(), name="wrapping"):
            pass
    assert e.value.message == (
        "plugin 'wrapping' marks 'register_metric_types' as a hook wrapper (wrapper=True or "
        "hookwrapper=True), which scorecard does not support: drop the option and implement "
        "the hook as a plain @hookimpl function")
    assert manager.pm.get_plugin("wrapping") is None
    assert "count" in get_registry(refresh=True).names("metric")  # the built-ins still work


@pytest.mark.parametrize("wanted", [HOOKSPEC_VERSION + 1, 0])
def test_incompatible_hookspec_version(wanted):
    class Plugin:
        SCORECARD_HOOKSPEC = wanted

    with pytest.raises(ScorecardError) as e:
        with registered(Plugin(), name="future"):
            pass
    assert e.value.message == (
        f"plugin 'future' targets hook-spec version {wanted}, but this scorecard supports "
        f"1..{HOOKSPEC_VERSION}: upgrade scorecard or install a matching version of the plugin")


def test_current_hookspec_version_is_accepted():
    class Plugin:
        SCORECARD_HOOKSPEC = HOOKSPEC_VERSION

    with registered(Plugin(), name="current"):
        assert manager.pm.get_plugin("current") is not None


# -- installed plugins (entry points) ----------------------------------------------------------
@pytest.fixture
def entry_points(tmp_path, monkeypatch):
    """Load fake entry points (modules written to tmp_path) as installed plugins would be."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(manager, "load_errors", {})
    manager.load_plugins()
    loaded = []

    def load(modules: dict):
        eps = []
        for name, source in modules.items():
            module = name.replace("-", "_")
            (tmp_path / f"{module}.py").write_text(source)
            eps.append(EntryPoint(name=name, value=module, group="scorecard"))
        manager._load_entrypoints(lambda group: eps)
        loaded.extend(modules)
        return manager.load_errors

    yield load
    for name in loaded:
        if manager.pm.get_plugin(name) is not None:
            manager.pm.unregister(name=name)


GOOD = """
from scorecard import hookimpl

@hookimpl
def register_commands(cli):
    pass
"""


def test_installed_plugin_missing_a_dependency(entry_points):
    errors = entry_points({"needs-dep": "import scorecard_not_installed_dep\n", "fine": GOOD})
    assert errors == {"needs-dep": (
        "cannot import 'needs_dep': ModuleNotFoundError: No module named "
        "'scorecard_not_installed_dep'. Install the missing dependency, or reinstall the "
        "plugin: scorecard install --force-reinstall needs-dep")}
    # the broken one is listed with its error, the good one still loaded
    result = CliRunner().invoke(cli, ["plugins", "--format", "json"])
    rows = {r["name"]: r for r in json.loads(result.output)}
    assert rows["fine"]["hooks"] == ["register_commands"]
    assert rows["needs-dep"]["error"].startswith("cannot import 'needs_dep'")
    assert "scorecard_plugins.metrics.measures" in rows


def test_installed_plugin_raising_at_import(entry_points):
    errors = entry_points({"boom": "raise ValueError('no licence key')\n"})
    assert errors == {"boom": "importing 'boom' raised ValueError: no licence key"}


def test_installed_plugin_with_a_misspelt_hook_is_listed_not_fatal(entry_points):
    source = GOOD.replace("register_commands", "register_comands")
    errors = entry_points({"typo-plugin": source})
    assert errors == {"typo-plugin": "plugin 'typo-plugin' implements 'register_comands', which "
                                     "is not a scorecard hook; did you mean 'register_commands'?"}
    manager.pm.check_pending()  # nothing unknown is left registered
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0
    assert "typo-plugin: \n    failed to load: plugin 'typo-plugin' implements" in result.output


def test_installed_plugin_for_a_newer_hookspec(entry_points):
    errors = entry_points({"newer": f"SCORECARD_HOOKSPEC = {HOOKSPEC_VERSION + 1}\n"})
    assert errors["newer"].startswith(f"plugin 'newer' targets hook-spec version "
                                      f"{HOOKSPEC_VERSION + 1}")


def test_register_commands_that_raises_leaves_the_cli_working(monkeypatch, capsys):
    from scorecard import cli as cli_module

    class Plugin:
        @hookimpl
        def register_commands(self, cli):
            raise RuntimeError("bad decorator")

    monkeypatch.setattr(manager, "load_errors", {})
    with registered(Plugin(), name="bad-commands"):
        cli_module._add_plugin_commands()
        message = ("plugin 'bad-commands' failed in hook register_commands: RuntimeError: "
                   "bad decorator")
        assert f"warning: {message}" in capsys.readouterr().err
        result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0
    assert f"bad-commands: register_commands\n    failed to load: {message}" in result.output
    assert "new-plugin" in cli.commands  # the other plugins' commands are still there


def test_scorer_and_penalty_with_inexact_numbers_are_errors(tmp_path):
    from scorecard.types import Adjustment, PenaltyType, Scored, Scorer

    class Halves(Scorer):
        name = "halves"

        def score(self, ctx, item, measures):
            return {e: Scored(0.5) for e in measures}

    class Fine(PenaltyType):
        name = "float_fine"

        def apply(self, ctx, penalty):
            return {e: Adjustment(fines=12.3) for e in ctx.employees}

    class Plugin:
        @hookimpl
        def register_scorers(self, register):
            register(Halves())

        @hookimpl
        def register_penalty_types(self, register):
            register(Fine())

    ruleset = RULESET.replace('type = "odd_metric"', 'type = "count"\nsource = "employees"')
    with registered(Plugin(), name="inexact"):
        with pytest.raises(EvaluationError) as e:
            evaluate_files(tmp_path, ruleset + 'score = { type = "halves" }\n', FILES, "2026-10")
        assert ("plugin 'inexact', scorer type 'halves', score() for rule "
                "scorecards.agent.items[0] returned Scored.points = 0.5 (float) for 'E1'"
                ) in e.value.message
        penalty = '\n[[scorecards.agent.penalties]]\nid = "fine"\ntype = "float_fine"\n'
        with pytest.raises(EvaluationError) as e:
            evaluate_files(tmp_path, ruleset + penalty, FILES, "2026-10")
        assert ("plugin 'inexact', penalty type 'float_fine', apply() for rule "
                "scorecards.agent.penalties[0] returned Adjustment.fines = 12.3 (float) for 'E1'"
                ) in e.value.message


def test_rule_using_a_type_of_a_plugin_that_failed_to_load(entry_points, tmp_path):
    entry_points({"odd-metrics": "import scorecard_not_installed_dep\n"})
    with pytest.raises(ScorecardError) as e:
        evaluate_files(tmp_path, RULESET, FILES, "2026-10")
    message = e.value.message
    # the rule (file and key path), the type, and the plugin that should have provided it
    assert "scorecard.toml: scorecards.agent.items[0].type: unknown metric type " \
           "'odd_metric'" in message
    assert message.endswith(
        "\nNote: plugin 'odd-metrics' failed to load: cannot import 'odd_metrics': "
        "ModuleNotFoundError: No module named 'scorecard_not_installed_dep'. Install the missing "
        "dependency, or reinstall the plugin: scorecard install --force-reinstall odd-metrics")


class _BrokenReader:
    """A source reader that breaks on open (``when = "open"``) or on its second row."""

    name = "broken_csv"
    description = "test"

    def __init__(self, when):
        self.when = when

    def read(self, spec, base_dir):
        from scorecard.sources import RawTable

        if self.when == "open":
            raise KeyError("sheet")

        def rows():
            yield 2, ["E1", "甲", "x"]
            raise ValueError("bad block")

        return RawTable(file="x.csv", header=["employee_id", "name", "role"], rows=rows())


@pytest.mark.parametrize("when, what", [
    ("open", "read() for rule sources.employees: KeyError: 'sheet'"),
    ("rows", "reading the rows of sources.employees: ValueError: bad block"),
])
def test_a_source_reader_that_breaks_is_named_with_its_plugin(tmp_path, when, what):
    class Plugin:
        @hookimpl
        def register_source_types(self, register):
            register(_BrokenReader(when))

    toml = """
[ruleset]
org = "t"
[sources.employees]
type = "broken_csv"
path = "e.csv"
columns = { employee_id = "str", name = "str", role = "str" }
[scorecards.s]
"""
    with registered(Plugin(), name="broken-reader"):
        with pytest.raises(EvaluationError) as e:
            evaluate_files(tmp_path, toml, {"e.csv": "x\n"}, "2026-10")
    assert "plugin 'broken-reader' failed: source type 'broken_csv'" in e.value.message
    assert what in e.value.message
