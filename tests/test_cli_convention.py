"""One CLI convention (docs/cli.md): every command's shared options are the same; -h; exit codes
from one place; plugins loaded only when a command needs them."""

import json
import subprocess
import sys
import textwrap

import click
import pytest
from click.testing import CliRunner

from scorecard.cli import ExitCode, cli, exit_code_for
from scorecard.errors import DataError, EvaluationError, RuleSetError, ScorecardError
from scorecard.options import (
    FORMATS,
    config_option,
    db_option,
    format_option,
    output_option,
    period_option,
)


def _reference():
    @click.command()
    @config_option
    @db_option
    @period_option
    @format_option(*FORMATS)
    @output_option
    def ref(config, db, period, fmt_, output):
        pass

    return {p.name: p for p in ref.params}


REFERENCE = _reference()
SHARED = {"--config": "config", "--db": "db", "--period": "period", "--format": "fmt_",
          "--output": "output"}
#: commands allowed to differ, and why
EXEMPT = {("demo", "db"): "demo's store is a temporary one unless --db names one to keep",
          ("statement", "output"): "-o is the directory of the pages (a file for xlsx/json)",
          ("sites", "db"): "several rule sets: the group's store only when --db names one"}


def all_commands():
    """Every command, sub-commands of groups too (``appeal add``), by its full name."""
    out = {}

    def walk(prefix, commands):
        for name, command in commands.items():
            out[f"{prefix}{name}"] = command
            if isinstance(command, click.Group):
                walk(f"{prefix}{name} ", command.commands)

    walk("", cli.load_plugin_commands())
    return dict(sorted(out.items()))


@pytest.mark.parametrize("name", list(all_commands()))
def test_shared_options_are_the_same_everywhere(name):
    command = all_commands()[name]
    help_text = CliRunner().invoke(cli, [*name.split(), "--help"]).output
    assert help_text.startswith("Usage: "), help_text
    names = {p.name for p in command.params}
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        assert "--json" not in param.opts, f"{name}: use --format json, not --json"
        long = [o for o in param.opts if o.startswith("--")]
        shared = [SHARED[o] for o in long if o in SHARED]
        short = [o for o in param.opts if not o.startswith("--")]
        # -c, -p and -o mean the shared options and nothing else
        for flag, what in (("-c", "config"), ("-p", "period"), ("-o", "output")):
            if flag in short:
                assert param.name == what, f"{name}: {flag} must be --{what}"
        if not shared:
            continue
        assert param.name == shared[0], f"{name}: {long[0]} must arrive as {shared[0]}"
        if (name, param.name) in EXEMPT:
            continue
        ref = REFERENCE[param.name]
        assert sorted(param.opts) == sorted(ref.opts), f"{name}: {param.opts}"
        assert param.help == ref.help, f"{name} {long[0]}: help differs"
        assert param.metavar == ref.metavar, f"{name} {long[0]}: metavar differs"
        if param.name == "fmt_":
            choices = list(param.type.choices)
            # table when the command has a table; else its one natural format
            assert param.default == "table" or "table" not in choices, f"{name}: default"
            assert choices == [f for f in FORMATS if f in choices], f"{name}: order"
        else:
            assert param.default == ref.default, f"{name} {long[0]}: default differs"
    if "fmt_" in names:  # a command that formats its output can also write it to a file
        assert "output" in names, f"{name}: --format without -o/--output"


def test_the_walk_can_fail():
    @click.command()
    @click.option("--config", help="Rule set.")
    def bad(config):
        pass

    ref = REFERENCE["config"]
    assert sorted(bad.params[0].opts) != sorted(ref.opts) and bad.params[0].help != ref.help


def test_h_is_help():
    r = CliRunner().invoke(cli, ["-h"])
    assert r.exit_code == 0 and r.output.startswith("Usage: ")
    r = CliRunner().invoke(cli, ["evaluate", "-h"])
    assert r.exit_code == 0 and "-c, --config FILE" in r.output
    r = CliRunner().invoke(cli, ["annual", "-h"])  # a plugin command inherits it
    assert r.exit_code == 0 and "--year" in r.output


def test_config_defaults_to_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["ingest"])
    assert r.exit_code == 2
    assert "Missing option '-c' / '--config'" in r.output
    assert "There is no ./scorecard.toml" in r.output
    (tmp_path / "scorecard.toml").write_text("[ruleset]\n")
    r = CliRunner().invoke(cli, ["check"])
    # the file in the directory was read (and is an incomplete rule set: exit 2 naming it)
    assert r.exit_code == 2 and "scorecard.toml" in r.output


@pytest.mark.parametrize("error, code", [
    (ScorecardError("x"), 2), (DataError([("f.csv:2", "bad")]), 2),
    (RuleSetError("r.toml", "a.b", "bad"), 2), (EvaluationError("x"), 1)])
def test_exit_codes_come_from_one_mapping(error, code):
    assert exit_code_for(error) == code
    assert ExitCode.USAGE_ERROR == 2 and ExitCode.FAILED == 1


def test_library_errors_do_not_depend_on_click():
    from pathlib import Path

    import scorecard

    assert not issubclass(ScorecardError, click.ClickException)
    assert not issubclass(EvaluationError, click.ClickException)
    # only the command-line modules speak click (sqlite-utils imports it for its own CLI)
    cli_side = {"cli.py", "options.py", "render.py"}
    speaking = sorted(p.name for p in Path(scorecard.__file__).parent.glob("*.py")
                      if p.name not in cli_side and "import click" in p.read_text("utf-8"))
    assert speaking == []


def test_an_error_raised_in_a_plugin_command_gets_its_exit_code():
    from scorecard import hookimpl
    from scorecard.testing import registered

    class Plugin:
        @hookimpl
        def register_commands(self, cli):
            @cli.command("boom-usage")
            def boom_usage():
                """Fail as a user's mistake."""
                raise ScorecardError("bad input: fix it")

            @cli.command("boom-eval")
            def boom_eval():
                """Fail as an evaluation."""
                raise EvaluationError("plugin x broke")

    group = type(cli)(name="scorecard", commands={})
    group._builtin = set()
    with registered(Plugin(), name="boom"):
        Plugin().register_commands(group)
        r = CliRunner().invoke(group, ["boom-usage"])
        assert (r.exit_code, r.output) == (2, "Error: bad input: fix it\n")
        r = CliRunner().invoke(group, ["boom-eval"])
        assert (r.exit_code, r.output) == (1, "Error: plugin x broke\n")


def _modules_after(args):
    """The scorecard plugin modules imported by ``scorecard ARGS`` in a fresh interpreter."""
    code = textwrap.dedent(f"""
        import json, sys
        from importlib.metadata import entry_points
        from scorecard.cli import cli
        try:
            cli({args!r}, prog_name="scorecard")
        except SystemExit:
            pass
        eps = [ep.module for ep in entry_points(group="scorecard")]
        print(json.dumps({{"entry_points": eps, "imported": sorted(
            m for m in sys.modules if m.split(".")[0] in set(eps) | {{"scorecard_plugins"}})}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_version_imports_no_plugin():
    got = _modules_after(["--version"])
    if not got["entry_points"]:
        pytest.skip("no plugin is installed through an entry point (the bundles, installed by "
                    "the README's test command): nothing to not import")
    assert got["imported"] == []


def test_a_builtin_command_help_imports_no_plugin():
    assert _modules_after(["evaluate", "--help"])["imported"] == []


def test_help_lists_plugin_commands_without_importing_type_only_bundles():
    got = _modules_after(["--help"])
    imported = set(got["imported"])
    # the installed bundles register types, not commands: not imported for --help
    assert not imported & set(got["entry_points"])
    # the built-in command plugins are (their commands are listed) ...
    assert "scorecard_plugins.commands.rollups" in imported
    r = CliRunner().invoke(cli, ["--help"])
    assert "  annual " in r.output and "  check " in r.output


def test_a_plugin_command_loads_the_installed_plugins():
    got = _modules_after(["check", "--help"])
    assert "scorecard_plugins.commands.sites" in got["imported"]


def test_explain_says_why_there_is_no_score(tmp_path):
    import attrs

    from scorecard import hookimpl
    from scorecard.testing import registered
    from scorecard.types import Line, Measure, MetricType

    @attrs.frozen
    class NoParams:
        pass

    class OnlyE1(MetricType):
        name = "test_only_e1"
        Params = NoParams

        def compute(self, ctx, item):
            # E2 has no data for the item: a value of None
            return {e: Measure(5 if e == "E1" else None, (Line(item.id, "x"),))
                    for e in ctx.employees}

    class Plugin:
        @hookimpl
        def register_metric_types(self, register):
            register(OnlyE1())

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "employees.csv").write_text(
        "employee_id,name,site,role,level\nE1,甲,main,x,l\nE2,乙,main,x,l\n", encoding="utf-8")
    cfg = tmp_path / "scorecard.toml"
    cfg.write_text("""
[ruleset]
org = "test"
[sources.employees]
path = "data/employees.csv"
columns = { employee_id = "str", name = "str", site = "str", role = "str", level = "str" }
[scorecards.all]
[[scorecards.all.items]]
id = "c"
type = "test_only_e1"
max = 10
""", encoding="utf-8")
    with registered(Plugin(), "only-e1"):
        r = CliRunner().invoke(cli, ["evaluate", "-c", str(cfg), "-p", "2026-10"])
        assert r.exit_code == 0, r.output
        ex = CliRunner().invoke(cli, ["explain", "E2", "-c", str(cfg)])
    assert ex.exit_code == 0, ex.output
    score_line = next(ln for ln in ex.stdout.splitlines() if ln.startswith("score"))
    assert score_line.startswith("score — (no data: no score)  grade —")
    assert "None" not in ex.stdout


def test_diff_exit_code(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    base = ('[ruleset]\norg = "o"\nsite = "{}"\n[scorecards.s]\n[[scorecards.s.items]]\n'
            'id = "i"\ntype = "count"\nsource = "employees"\nmax = 10\n'
            '[sources.employees]\npath = "e.csv"\n'
            'columns = {{ employee_id = "str", name = "str", site = "str", role = "str", '
            'level = "str" }}\n')
    a.write_text(base.format("north"))
    b.write_text(base.format("north"))
    (tmp_path / "e.csv").write_text("employee_id,name,site,role,level\n")
    same = CliRunner().invoke(cli, ["diff", str(a), str(b), "--exit-code"])
    assert same.exit_code == 0, same.output
    b.write_text(base.format("south"))
    differs = CliRunner().invoke(cli, ["diff", str(a), str(b), "--exit-code"])
    assert differs.exit_code == 1 and '"north" → "south"' in differs.output
    # without --exit-code a difference is not a failure
    assert CliRunner().invoke(cli, ["diff", str(a), str(b)]).exit_code == 0


def test_new_plugin_next_step_installs_the_test_dependencies(tmp_path):
    r = CliRunner().invoke(cli, ["new-plugin", "handling-time", str(tmp_path)])
    assert r.exit_code == 0, r.output
    target = tmp_path / "scorecard-handling-time"
    assert r.output.splitlines()[-1] == (f"next: cd {target} && scorecard install -e '.[test]' "
                                         f"&& python -m pytest")


def test_which_installed_plugins_help_imports(tmp_path, monkeypatch):
    from importlib.metadata import EntryPoint

    from scorecard.cli import _may_register_commands

    (tmp_path / "types_only_plugin.py").write_text("def register_metric_types(register): ...\n")
    pkg = tmp_path / "commands_plugin"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .sub.cmds import *  # noqa\n")
    (pkg / "sub" / "cmds.py").write_text("def register_commands(cli): ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def ep(module):
        return EntryPoint(name=module, value=module, group="scorecard")

    assert _may_register_commands(ep("types_only_plugin")) is False
    assert _may_register_commands(ep("commands_plugin")) is True  # found in a sub-module
    assert _may_register_commands(ep("not_installed_anywhere")) is True  # unknown: import it
    import sys

    assert "types_only_plugin" not in sys.modules and "commands_plugin" not in sys.modules


def test_the_rule_set_as_an_argument_still_works_with_a_note(tmp_path):
    cfg = tmp_path / "r.toml"
    cfg.write_text('[ruleset]\norg = "o"\n[scorecards.s]\n[[scorecards.s.items]]\nid = "i"\n'
                   'type = "count"\nsource = "employees"\nmax = 10\n[sources.employees]\n'
                   'path = "e.csv"\ncolumns = { employee_id = "str", name = "str", '
                   'site = "str", role = "str", level = "str" }\n')
    (tmp_path / "e.csv").write_text("employee_id,name,site,role,level\n")
    old = CliRunner().invoke(cli, ["show", str(cfg), "--format", "json"])
    new = CliRunner().invoke(cli, ["show", "-c", str(cfg), "--format", "json"])
    assert old.exit_code == new.exit_code == 0, old.output
    assert old.stdout == new.stdout
    assert "`scorecard show RULESET` is deprecated: use `scorecard show -c RULESET`" in old.stderr
    assert "deprecated" not in new.stderr
