"""docs/pay-cycle.md is true: every `$ scorecard ...` block runs, in order, in one directory,
on the day its `<!-- today: DATE -->` comment names, and prints what the page shows (`...`
stands for lines left out; the matcher is test_sites_docs's)."""

import re
import shlex
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_sites_docs import matches

from scorecard import cycle
from scorecard.cli import cli

PAGE = Path(__file__).resolve().parents[1] / "docs" / "pay-cycle.md"
TEXT = PAGE.read_text(encoding="utf-8")
STEP = re.compile(r"<!-- today: (\d{4}-\d{2}-\d{2}) -->|^```text\n\$ (scorecard [^\n]+)\n(.*?)^```",
                  re.S | re.M)


def test_page_walks_every_command_of_the_cycle():
    commands = [m[2].split()[1:3] for m in STEP.finditer(TEXT) if m[2]]
    names = {c[0] if c[0] != "appeal" else " ".join(c) for c in commands}
    assert {"evaluate", "status", "publish", "appeal add", "appeal decide", "appeal list",
            "adjust", "report", "explain", "close", "reopen"} <= names


def test_every_command_prints_what_the_page_says(tmp_path, monkeypatch):
    # the page walks a month of the automotive bundle (scorecard init --org ...)
    pytest.importorskip("scorecard_automotive", reason="docs/pay-cycle.md runs the automotive "
                        "bundle: pip install -e ./orgs/automotive-contact-centre")
    monkeypatch.chdir(tmp_path)
    failures = []
    for m in STEP.finditer(TEXT):
        if m[1]:
            day = date.fromisoformat(m[1])
            monkeypatch.setattr(cycle, "today", lambda day=day: day)
            monkeypatch.setattr("scorecard.engine.now_text",
                                lambda day=day: f"{day}T09:30:00+08:00")
            monkeypatch.setattr(cycle, "now_text", lambda day=day: f"{day}T16:00:00+08:00")
            continue
        command, expected = m[2], m[3]
        r = CliRunner().invoke(cli, shlex.split(command)[1:])
        assert r.exception is None or isinstance(r.exception, SystemExit), \
            f"$ {command}\n{r.output}"
        assert r.exit_code == (2 if "Error:" in expected else 0), f"$ {command}\n{r.output}"
        if not matches(expected, r.output):
            failures.append(f"$ {command}\n--- page:\n{expected}--- printed:\n{r.output}")
    assert not failures, "\n\n".join(failures)
