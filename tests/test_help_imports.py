"""``scorecard --help`` is cheap: it imports the built-in command plugins, not the building
blocks (metrics, scorers, ...) nor the store, the pay cycle or sqlite-utils, which a command
loads when it runs. Checked by what a fresh interpreter has imported (no timing here; the
numbers are in the commit that made it so)."""

import json
import subprocess
import sys
import textwrap

HEAVY = ("scorecard.store", "scorecard.cycle", "scorecard.ruleset", "scorecard.engine",
         "sqlite_utils", "holidays", "openpyxl")


def _after(code_body: str) -> dict:
    code = textwrap.dedent("""
        import json, sys
        from scorecard.cli import cli
        def run(args):
            try:
                cli(args, prog_name="scorecard")
            except SystemExit:
                pass
    """) + textwrap.dedent(code_body) + textwrap.dedent("""
        print(json.dumps({"plugins": sorted(m for m in sys.modules
                                            if m.startswith("scorecard_plugins.")),
                          "heavy": sorted(m for m in HEAVY if m in sys.modules), **extra}))
    """)
    out = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\nextra = {{}}\n" + code],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_help_imports_the_command_plugins_only():
    from scorecard.manager import COMMAND_PLUGINS, DEFAULT_PLUGINS

    got = _after('run(["--help"])\n')
    modules = {m for m in got["plugins"] if m != "scorecard_plugins.commands"}
    assert modules == set(COMMAND_PLUGINS)  # every built-in command plugin, nothing else
    assert set(DEFAULT_PLUGINS) - set(COMMAND_PLUGINS)  # there are building blocks left out
    assert got["heavy"] == []


def test_after_help_every_plugin_and_type_is_there():
    # the same process lists the commands, then evaluates: the registry has every built-in
    got = _after("""
        import io, contextlib
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            run(["--help"])
        from scorecard.manager import DEFAULT_PLUGINS, pm
        from scorecard.registry import get_registry
        reg = get_registry()
        extra = {"listed": buf.getvalue(),
                 "missing": [n for n in DEFAULT_PLUGINS if pm.get_plugin(n) is None],
                 "types": sorted(reg.names("metric"))}
    """)
    assert got["missing"] == []
    assert {"count", "rate", "mean", "limit_breaches"} <= set(got["types"])
    listed = got["listed"]
    for command in ("annual", "sites", "compare", "statement", "payroll", "publish", "verify",
                    "new-plugin", "calibration", "evaluate"):
        assert f"\n  {command} " in listed, command


def test_a_plugin_command_still_runs_its_own_help():
    got = _after('run(["status", "--help"])\n')
    assert "scorecard_plugins.commands.cycle" in got["plugins"]
    assert "scorecard.cycle" not in got["heavy"]  # only when the command runs
