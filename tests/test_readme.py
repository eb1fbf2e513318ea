"""The README's two fresh-machine commands stay true: CI runs the test one verbatim, and the demo
one's `scorecard` part works."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scorecard.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def _commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = text.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return [m.strip() for m in re.findall(r"^    (python3 .+)$", setup, flags=re.M)]


def test_readme_has_exactly_two_setup_commands():
    demo, tests = _commands()
    assert "requirements.txt" in demo and "scorecard demo" in demo
    assert "requirements-test.txt" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    _, tests = _commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_requirements_install_every_bundle_in_the_repository():
    req = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    for bundle in sorted((ROOT / "orgs").iterdir()):
        if (bundle / "pyproject.toml").exists():
            assert f"-e ./orgs/{bundle.name}" in req, bundle.name


def test_the_demo_command_runs(tmp_path):
    from scorecard.bundles import bundles

    wanted = ("automotive-contact-centre", "wholesale-market", "after-sales-csi")
    missing = sorted(set(wanted) - {b.name for b in bundles()})
    if missing:
        pytest.skip(f"the README's demo evaluates the bundles its set-up command installs; not "
                    f"installed here: {', '.join(missing)}")
    demo, _ = _commands()
    args = demo.split("&&", 1)[1].split()[1:]  # after "scorecard"
    args = [str(tmp_path / a) if a.endswith(".db") else a for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    for bundle in wanted:
        assert f"== {bundle}" in result.stdout
    assert (tmp_path / "demo.db").exists()
