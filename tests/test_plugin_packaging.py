"""Plugins and bundles as a user makes them: the tutorial followed literally, and the
`new-plugin` / `new-bundle` scaffolds, each installed into a fresh virtual environment where its
own tests run and `scorecard plugins` lists it. Also `scorecard install` / `uninstall`.

The fresh environment gets this repository installed (editable) from the machine's pip
configuration; building it takes seconds with a warm cache.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scorecard.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def run(cmd, cwd, env, check=True):
    proc = subprocess.run(cmd, cwd=cwd, env=env, shell=isinstance(cmd, str), text=True,
                          capture_output=True, timeout=300)
    out = proc.stdout + proc.stderr
    if check and proc.returncode:
        raise AssertionError(f"{cmd} exited {proc.returncode} in {cwd}:\n{out}")
    return out


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh virtual environment with scorecard installed; returns the env for commands."""
    where = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{where / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(where)
    env.pop("SCORECARD_LOAD_PLUGINS", None)
    run(["pip", "install", "-q", "-e", str(ROOT)], ROOT, env)
    return env


def installed_plugins(env, cwd):
    rows = json.loads(run("scorecard plugins --format json", cwd, env))
    return {row["name"]: row for row in rows}


# -- the tutorial ------------------------------------------------------------------------------
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)


def tutorial_steps(text):
    """The tutorial's blocks in order: ("file", path, text) for blocks with title="path",
    ("command", line, shown output lines) for each `$ ` line of a console block."""
    steps = []
    for m in FENCE.finditer(text):
        lang, info, body = m.group(1), m.group(2), m.group(3)
        title = re.search(r'title="([^"]+)"', info)
        if title:
            steps.append(("file", title.group(1), body))
        elif lang == "console":
            for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
                command, *shown = chunk.rstrip("\n").split("\n")
                steps.append(("command", command, shown))
    return steps


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


def test_tutorial_followed_literally(venv, tmp_path):
    steps = tutorial_steps((DOCS / "writing-plugins.md").read_text(encoding="utf-8"))
    assert [s[1] for s in steps if s[0] == "command"][:2] == ["mkdir scorecard-aht",
                                                               "cd scorecard-aht"]
    cwd = tmp_path
    for kind, what, body in steps:
        if kind == "file":
            path = cwd / what
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        elif what.startswith("cd "):
            cwd = cwd / what[3:].strip()
        else:
            out = run(what, cwd, venv)
            for line in body:  # every shown output line appears (… stands for anything)
                if line.strip() and line.strip() != "…":
                    assert squash(line) in squash(out), f"{what}: {line!r} not in:\n{out}"
    assert installed_plugins(venv, cwd)["aht"]["hooks"] == ["register_metric_types"]


# -- scaffolds ---------------------------------------------------------------------------------
def test_new_plugin_scaffold_installs_and_passes_its_tests(venv, tmp_path):
    run(["scorecard", "new-plugin", "late-arrivals", str(tmp_path)], tmp_path, venv)
    project = tmp_path / "scorecard-late-arrivals"
    assert (project / "scorecard_late_arrivals" / "__init__.py").exists()
    run(["scorecard", "install", "-e", f"{project}[test]"], tmp_path, venv)
    assert "2 passed" in run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                             project, venv)
    plugins = installed_plugins(venv, tmp_path)
    assert plugins["late-arrivals"]["hooks"] == ["register_metric_types"]
    assert plugins["late-arrivals"]["distribution"] == "scorecard-late-arrivals"
    assert plugins["late-arrivals"]["version"] == "0.1.0"
    assert "metric:late_arrivals" in plugins["late-arrivals"]["types"]
    # its example rule set runs from the command line: E1 10 − 2 × 2 late = 6, E2 10
    out = run(["scorecard", "evaluate", "-c", "example/scorecard.toml", "-p", "2026-10",
               "--format", "json"], project, venv)
    scores = {r["employee_id"]: r["score"] for r in json.loads(out[:out.rindex("}") + 1])
              ["results"]}
    assert scores == {"E1": "6.00", "E2": "10.00"}
    run(["scorecard", "uninstall", "-y", "scorecard-late-arrivals"], tmp_path, venv)
    assert "late-arrivals" not in installed_plugins(venv, tmp_path)


def test_new_bundle_scaffold_installs_and_passes_its_tests(venv, tmp_path):
    run(["scorecard", "new-bundle", "acme-retail", str(tmp_path)], tmp_path, venv)
    project = tmp_path / "scorecard-acme-retail"
    run(["scorecard", "install", "-e", f"{project}[test]"], tmp_path, venv)
    assert "2 passed" in run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                             project, venv)
    plugins = installed_plugins(venv, tmp_path)
    assert plugins["acme-retail"]["types"] == ["bundle:acme-retail"]
    # the installed bundle is usable by `scorecard init` (sample data copied with the rule set)
    out = run(["scorecard", "init", "--org", "acme-retail", "try"], tmp_path, venv)
    assert "2 sample file(s)" in out
    assert (tmp_path / "try" / "data" / "contacts.csv").exists()


# -- scaffold command errors and install arguments (no venv needed) ---------------------------
@pytest.mark.parametrize("name", ["Bad_Name", "1st", "two--hyphens", "x-"])
def test_new_plugin_refuses_a_bad_name(tmp_path, name):
    result = CliRunner().invoke(cli, ["new-plugin", name, str(tmp_path)])
    assert result.exit_code == 2
    assert f"NAME {name!r}: use lower-case letters, digits and single hyphens" in result.output
    assert list(tmp_path.iterdir()) == []


def test_new_plugin_does_not_overwrite(tmp_path):
    (tmp_path / "scorecard-x").mkdir()
    result = CliRunner().invoke(cli, ["new-bundle", "x", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'scorecard-x'} exists: choose another NAME or DIR" in result.output


def test_scaffold_names(tmp_path):
    result = CliRunner().invoke(cli, ["new-plugin", "scorecard-first-contact", str(tmp_path)])
    assert result.exit_code == 0, result.output
    init = (tmp_path / "scorecard-first-contact" / "scorecard_first_contact" / "__init__.py")
    text = init.read_text()
    assert 'name = "first_contact"' in text and "class FirstContact(MetricType)" in text
    pyproject = (tmp_path / "scorecard-first-contact" / "pyproject.toml").read_text()
    assert 'first-contact = "scorecard_first_contact"' in pyproject


@pytest.fixture
def pip_calls(monkeypatch):
    import subprocess as sp

    calls = []

    class Done:
        returncode = 0

    def fake_run(args, **kw):
        calls.append(args)
        return Done()

    monkeypatch.setattr(sp, "run", fake_run)
    return calls


def test_install_runs_pip_of_this_interpreter(pip_calls):
    result = CliRunner().invoke(cli, ["install", "-U", "scorecard-aht", "./orgs/x"])
    assert result.exit_code == 0, result.output
    assert pip_calls == [[sys.executable, "-m", "pip", "install", "--upgrade", "scorecard-aht",
                          "./orgs/x"]]


def test_install_editable_and_uninstall(pip_calls):
    runner = CliRunner()
    assert runner.invoke(cli, ["install", "-e", "./scorecard-aht"]).exit_code == 0
    assert runner.invoke(cli, ["uninstall", "scorecard-aht", "-y"]).exit_code == 0
    assert pip_calls == [[sys.executable, "-m", "pip", "install", "--editable", "./scorecard-aht"],
                         [sys.executable, "-m", "pip", "uninstall", "scorecard-aht", "-y"]]


def test_install_needs_a_package():
    result = CliRunner().invoke(cli, ["install"])
    assert result.exit_code == 2
    assert "give a package name, a path, or -e PATH" in result.output


def test_failed_pip_is_an_error(monkeypatch):
    import subprocess as sp

    class Failed:
        returncode = 1

    monkeypatch.setattr(sp, "run", lambda args, **kw: Failed())
    result = CliRunner().invoke(cli, ["install", "scorecard-nope"])
    assert result.exit_code == 2
    assert "pip install failed (exit code 1)" in result.output
