"""Docs cannot drift: the hook and CLI references are generated with cog and checked here, every
hook has a documented heading and a ``test_hook_<name>`` test, every command has help text."""

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scorecard import hookspecs
from scorecard.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
         if hasattr(fn, "scorecard_spec")]


def test_every_hook_is_found():
    assert "register_metric_types" in HOOKS and len(HOOKS) >= 8


@pytest.mark.parametrize("page", ["hooks.md", "cli.md"])
def test_generated_reference_is_up_to_date(page):
    proc = subprocess.run([sys.executable, "-m", "cogapp", "--check", str(DOCS / page)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, (
        f"docs/{page} is out of date: run `cog -r docs/{page}` and commit it\n"
        f"{proc.stdout}{proc.stderr}")


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_heading(hook):
    headings = re.findall(r"^### (\w+)$", (DOCS / "hooks.md").read_text(encoding="utf-8"), re.M)
    assert hook in headings


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    assert re.search(rf"^def test_hook_{hook}\(", tests, re.M), f"write test_hook_{hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring_with_params_and_version(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook))
    params = inspect.signature(getattr(hookspecs, hook)).parameters
    for name in params:
        assert f":param {name}:" in doc
    assert ".. versionadded::" in doc


@pytest.mark.parametrize("name", sorted(cli.load_plugin_commands()))
def test_every_command_has_help(name):
    command = cli.commands[name]
    assert (command.help or "").strip(), f"scorecard {name} has no help text (docstring)"
    module = getattr(command.callback, "__module__", "") or ""
    if module.startswith(("scorecard.", "scorecard_plugins.")):
        assert f"\n### scorecard {name}\n" in (DOCS / "cli.md").read_text(encoding="utf-8")


def contract_sections():
    """(rule set path or None for the common section, [(file, period column, columns)])."""
    text = (DOCS / "data-contract.md").read_text(encoding="utf-8")
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        rows = re.findall(r"^\| `([\w.]+\.csv)` \| (`\w+`|—) \| (.+) \|$", section, re.M)
        if not rows:
            continue
        m = re.search(r"^Rule set: `([^`]+)`", section, re.M)
        yield (m[1] if m else None), [
            (f, None if p == "—" else p.strip("`"), re.findall(r"`(\w+)`", cols))
            for f, p, cols in rows]


def bundle_rulesets():
    return sorted(ROOT.glob("orgs/*/scorecard_*/bundle/scorecard.toml"))


@pytest.mark.parametrize("ruleset,files", list(contract_sections()),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_data_contract_matches_the_bundles_source_declarations(ruleset, files):
    import tomllib

    targets = bundle_rulesets() if ruleset is None else [ROOT / ruleset]
    assert targets and all(t.exists() for t in targets), ruleset
    for target in targets:
        sources = tomllib.loads(target.read_text(encoding="utf-8"))["sources"]
        by_file = {Path(s.get("path", "")).name: s for s in sources.values()}
        for file, period_by, columns in files:
            where = f"{target.relative_to(ROOT)}: {file}"
            assert file in by_file, f"{where} is not a source of the rule set"
            spec = by_file[file]
            assert spec.get("period_by") == period_by, f"{where}: period column"
            missing = [c for c in columns if c not in spec["columns"]]
            assert not missing, f"{where}: columns {missing} are not declared"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
#: broken links reported to the page's owner, left out until fixed: (page, target)
KNOWN_BROKEN = {
    # the heading is `[sources.NAME]`, whose anchor is #sourcesname
    ("building-blocks.md", "rule-sets.md#sources"),
}


@pytest.mark.parametrize("page", sorted(DOCS.rglob("*.md")), ids=lambda p: p.name)
def test_relative_links_resolve(page):
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or (page.name, target) in KNOWN_BROKEN:
            continue  # http(s), mailto
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)
