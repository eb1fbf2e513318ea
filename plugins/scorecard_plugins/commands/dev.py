"""Commands for plugin and bundle authors: ``new-plugin`` and ``new-bundle`` scaffolds, and
``install`` / ``uninstall`` into the environment ``scorecard`` runs in (as ``llm install`` does).

The scaffolds are rendered from ``scorecard/templates/{plugin,bundle}``: every ``*.tmpl`` file is
a :class:`string.Template`; ``__module__`` in a path becomes the Python package name.
"""

import re
import string
from pathlib import Path

import click

from scorecard import hookimpl
from scorecard.errors import ScorecardError
from scorecard.hookspecs import HOOKSPEC_VERSION

NAME_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def names_for(name: str) -> dict:
    """The names a scaffold uses: ``handling-time`` -> distribution ``scorecard-handling-time``,
    package ``scorecard_handling_time``, type ``handling_time``, class ``HandlingTime``."""
    if not NAME_RE.fullmatch(name):
        raise ScorecardError(f"NAME {name!r}: use lower-case letters, digits and single hyphens, "
                             f"starting with a letter (e.g. handling-time)")
    short = name.removeprefix("scorecard-") or name
    return {
        "name": short,
        "dist": f"scorecard-{short}",
        "module": "scorecard_" + short.replace("-", "_"),
        "type_name": short.replace("-", "_"),
        "class_name": "".join(p.capitalize() for p in short.split("-")),
        "hookspec": str(HOOKSPEC_VERSION),
    }


def render(kind: str, name: str, directory) -> Path:
    """Write the ``kind`` ("plugin" or "bundle") scaffold for ``name`` into
    ``directory/scorecard-NAME`` and return that path. Refuses to overwrite anything."""
    from importlib.resources import files

    values = names_for(name)
    target = Path(directory) / values["dist"]
    if target.exists():
        raise ScorecardError(f"{target} exists: choose another NAME or DIR")
    root = files("scorecard") / "templates" / kind
    todo = []

    def walk(node, rel):
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, (*rel, child.name))
            elif child.name.endswith(".tmpl"):
                todo.append(((*rel, child.name.removesuffix(".tmpl")), child.read_text("utf-8")))

    walk(root, ())
    for rel, text in todo:
        out = target.joinpath(*(part.replace("__module__", values["module"]) for part in rel))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(string.Template(text).substitute(values), encoding="utf-8")
    return target


def pip(*args) -> int:
    """Run pip of the interpreter ``scorecard`` runs in; returns its exit code."""
    import subprocess  # here, not at the top: every `scorecard` start imports this module
    import sys

    return subprocess.run([sys.executable, "-m", "pip", *args]).returncode


@hookimpl
def register_commands(cli):
    @cli.command(name="new-plugin")
    @click.argument("name")
    @click.argument("directory", default=".", type=click.Path(file_okay=False))
    def new_plugin(name, directory):
        """Create an installable plugin package providing one metric type.

        Writes DIRECTORY/scorecard-NAME with a pyproject (entry point in the "scorecard"
        group), a hook implementation, an example rule set with data, and a passing test.

        \b
            scorecard new-plugin handling-time
            cd scorecard-handling-time && scorecard install -e '.[test]' && python -m pytest
        """
        target = render("plugin", name, directory)
        click.echo(f"wrote {target}")
        # '[test]': the scaffold's tests need pytest, which a fresh environment lacks
        click.echo(f"next: cd {target} && scorecard install -e '.[test]' && python -m pytest")

    @cli.command(name="new-bundle")
    @click.argument("name")
    @click.argument("directory", default=".", type=click.Path(file_okay=False))
    def new_bundle(name, directory):
        """Create an installable organisation bundle: a rule set, sample data and a test.

        Writes DIRECTORY/scorecard-NAME; after installing it, `scorecard init --org NAME`
        copies its rule set and data.

        \b
            scorecard new-bundle acme-retail
            scorecard install -e scorecard-acme-retail
            scorecard init --org acme-retail ./try
        """
        target = render("bundle", name, directory)
        click.echo(f"wrote {target}")
        click.echo(f"next: scorecard install -e {target} && scorecard init --org "
                   f"{names_for(name)['name']} ./try")

    @cli.command()
    @click.argument("packages", nargs=-1)
    @click.option("-U", "--upgrade", is_flag=True, help="Upgrade packages to latest version.")
    @click.option("-e", "--editable", help="Install a project from a local path in editable "
                  "mode.")
    @click.option("--force-reinstall", is_flag=True, help="Reinstall even if up to date.")
    @click.option("--no-cache-dir", is_flag=True, help="Disable pip's cache.")
    def install(packages, upgrade, editable, force_reinstall, no_cache_dir):
        """Install plugins or bundles (PyPI names or local paths) into the environment
        scorecard runs in.

        \b
            scorecard install scorecard-acme-retail
            scorecard install ./orgs/automotive-contact-centre
            scorecard install -e ./scorecard-handling-time
        """
        if not packages and not editable:
            raise click.UsageError("give a package name, a path, or -e PATH")
        args = ["install"]
        if upgrade:
            args.append("--upgrade")
        if force_reinstall:
            args.append("--force-reinstall")
        if no_cache_dir:
            args.append("--no-cache-dir")
        if editable:
            args += ["--editable", editable]
        code = pip(*args, *packages)
        if code:
            raise ScorecardError(f"pip install failed (exit code {code}); see its output above")

    @cli.command()
    @click.argument("packages", nargs=-1, required=True)
    @click.option("-y", "--yes", is_flag=True, help="Don't ask for confirmation.")
    def uninstall(packages, yes):
        """Uninstall plugins or bundles (distribution names, as `scorecard plugins` shows them)
        from the environment scorecard runs in."""
        code = pip("uninstall", *packages, *(["-y"] if yes else []))
        if code:
            raise ScorecardError(f"pip uninstall failed (exit code {code}); see its output above")
