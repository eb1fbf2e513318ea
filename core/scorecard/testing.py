"""Helpers for testing rule sets and plugins (used by scorecard's own tests and the bundles').

::

    from scorecard.testing import evaluate_files, registered

    ev = evaluate_files(tmp_path, RULESET_TOML, {"employees.csv": "...", ...}, "2026-10")
    er = ev.result("A001")
"""

import contextlib
import textwrap
from pathlib import Path

from .engine import evaluate, record
from .manager import load_plugins, pm, register_plugin
from .periods import Period
from .registry import reset
from .ruleset import load_ruleset
from .store import Store


def write_files(directory, files: dict):
    """Write ``{relative path: text}`` (dedented) under ``directory``."""
    directory = Path(directory)
    for name, text in files.items():
        p = directory / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def evaluate_files(directory, ruleset_text: str, files: dict, period: str, ledger=True,
                   store: Store | None = None, keep: bool = False):
    """Write a rule set and its data files, evaluate ``period`` and return the evaluation
    (with ``ev.result(employee_id)``); ``keep`` records it as a run."""
    directory = Path(directory)
    write_files(directory, {"scorecard.toml": ruleset_text, **files})
    rs = load_ruleset(directory / "scorecard.toml")
    store = store or Store(directory / "scorecard.db")
    ev = evaluate(store, rs, Period.parse(period), ledger=ledger)
    if keep:
        record(store, ev, ledger=ledger)
    ev.store = store
    return ev


def bundle_ruleset_text(bundle, **replace) -> str:
    """A bundle's default rule set text, with literal replacements ``old=new`` applied."""
    text = bundle.ruleset_path.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def registered(plugin, name="test-plugin"):
    """Register ``plugin`` for the duration of a ``with`` block, then unregister it. The plugin
    is checked as an installed one is (hook-spec version, hook names and signatures)."""
    load_plugins()
    register_plugin(plugin, name)
    reset()
    try:
        yield
    finally:
        pm.unregister(name=name)
        reset()
