"""Every ```toml and ```python block in docs/ works (conventions in docs/index.md, "About the
examples"):

- a ```python block runs; the blocks of one page run in order in one namespace;
- a ```toml block parses; a complete rule set (with [ruleset] and [scorecards]) also loads and
  validates, with the page's own hook implementations (if its Python defines any) registered;
- a block after ``<!-- fragment -->`` is part of something larger: Python is only compiled,
  TOML not checked;
- a block with ``title="path"`` is a file of a project (the tutorial's): Python is compiled and
  TOML parsed here, and tests/test_plugin_packaging.py writes and runs them for real.
"""

import re
import tomllib
import types
from pathlib import Path

import pytest

from scorecard.manager import pm
from scorecard.registry import reset
from scorecard.ruleset import load_ruleset

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"(<!-- fragment -->\s*\n)?^```(toml|python)([^\n]*)\n(.*?)^```", re.S | re.M)


def blocks(page: Path):
    text = page.read_text(encoding="utf-8")
    for m in BLOCK.finditer(text):
        line = text.count("\n", 0, m.start(2)) + 1
        yield {"lang": m.group(2), "fragment": bool(m.group(1)),
               "title": "title=" in m.group(3), "code": m.group(4), "line": line}


PAGES = sorted(p for p in DOCS.rglob("*.md") if any(blocks(p)))


def test_docs_have_examples():
    names = {p.name for p in PAGES}
    assert {"writing-plugins.md", "hooks.md", "concepts.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_examples(page, tmp_path, monkeypatch):
    from scorecard.bundles import bundles

    needed = set(re.findall(r'"--org", "([\w-]+)"', page.read_text(encoding="utf-8")))
    missing = sorted(needed - {b.name for b in bundles()})
    if missing:
        pytest.skip(f"the page's examples use the bundle(s) {', '.join(missing)}, not installed")
    monkeypatch.chdir(DOCS.parent)  # examples may read files of the repository
    module = types.ModuleType(f"docs_example_{page.stem.replace('-', '_')}")
    rulesets = []
    for b in blocks(page):
        where = f"{page.relative_to(DOCS.parent)}:{b['line']}"
        if b["lang"] == "python":
            code = compile(b["code"], where, "exec")
            if not (b["fragment"] or b["title"]):
                exec(code, module.__dict__)
        elif not b["fragment"]:
            try:
                data = tomllib.loads(b["code"])
            except tomllib.TOMLDecodeError as e:
                pytest.fail(f"{where}: invalid TOML: {e}")
            if not b["title"] and "ruleset" in data and "scorecards" in data:
                rulesets.append((where, b["code"]))
    hookimpls = [v for v in vars(module).values() if hasattr(v, "scorecard_impl")]
    if hookimpls:
        pm.register(module, name=module.__name__)
        reset()
    try:
        for n, (where, text) in enumerate(rulesets):
            path = tmp_path / f"ruleset{n}.toml"
            path.write_text(text, encoding="utf-8")
            try:
                load_ruleset(path)
            except Exception as e:
                pytest.fail(f"{where}: the rule set does not load: {e}")
    finally:
        if hookimpls:
            pm.unregister(name=module.__name__)
            reset()
