"""docs/sites.md is true: its site files are written as shown, and every `$ scorecard ...` block
is run and must print what the page says (`...` stands for lines left out)."""

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from scorecard.bundles import bundles, get_bundle, init_dir
from scorecard.cli import cli

PAGE = Path(__file__).resolve().parents[1] / "docs" / "sites.md"
TEXT = PAGE.read_text(encoding="utf-8")
FILES = dict(re.findall(r'^```toml title="([^"]+)"\n(.*?)^```', TEXT, re.S | re.M))
COMMANDS = re.findall(r"^```text\n\$ (scorecard [^\n]+)\n(.*?)^```", TEXT, re.S | re.M)


def matches(expected: str, actual: str) -> bool:
    """Every chunk between `...` lines appears in ``actual``, in order."""
    chunks = [c.strip("\n") for c in re.split(r"^\.\.\.$", expected, flags=re.M)]
    pos = 0
    for c in chunks:
        if not c:
            continue
        at = actual.find(c, pos)
        if at < 0:
            return False
        pos = at + len(c)
    return True


@pytest.fixture
def group(tmp_path, monkeypatch):
    if "automotive-contact-centre" not in {b.name for b in bundles()}:
        pytest.skip("docs/sites.md walks through the automotive-contact-centre bundle, which is "
                    "not installed here")
    init_dir(get_bundle("automotive-contact-centre"), tmp_path / "group")
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_page_has_the_examples():
    assert {"north/scorecard.toml", "south/scorecard.toml"} <= set(FILES)
    assert [c.split()[1] for c, _ in COMMANDS] == ["show", "check", "diff", "test"]


@pytest.mark.parametrize("command, expected", COMMANDS, ids=[c for c, _ in COMMANDS])
def test_command_output(group, command, expected):
    r = CliRunner().invoke(cli, shlex.split(command)[1:])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    assert matches(expected, r.output), f"$ {command}\n{r.output}"


def test_matcher_can_fail():
    assert matches("a\n...\nc", "a\nb\nc")
    assert not matches("c\n...\na", "a\nb\nc")
    assert not matches("a\nc", "a\nb\nc")
