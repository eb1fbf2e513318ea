"""Fuzz (issue 14): a few hundred mutated rule sets and CSV files, from the automotive bundle's
own rule set and a slice of its sample data. Every outcome must be a result or a clean error --
ScorecardError (exit 2: names the file and the line or key) or EvaluationError (exit 1) -- never
another exception. Mutations come from a seeded generator, so a failure reproduces; the case
number and the mutation are in the assertion message."""

import random
import signal
import tomllib
from pathlib import Path

import click
import pytest
import tomli_w

from scorecard.engine import evaluate
from scorecard.errors import EvaluationError, ScorecardError
from scorecard.periods import Period
from scorecard.registry import reset
from scorecard.ruleset import load_ruleset
from scorecard.store import Store

RULESET_CASES = 200
CSV_CASES = 150
# values a careless export, an odd site or a hostile user puts where something else belongs
HOSTILE = [
    0, -1, -20, 1, 1.5, 1e308, -1e308, 1e-300, 2**63, 10**40, "", " ", "x", "1e999999999",
    "1E-999999999", "9" * 5000, "enum:", "%z", "../../", "/dev/zero", ".", "utf-16", "rot13",
    True, False, [], [[[[]]]], {}, {"a": 1}, [1, "a"], "NaN", "inf", "١٠", "x]; DROP TABLE runs;--",
    "2026/10/1", "2026-13-45", "\u202e", "名字",
]
CELLS = [
    "", " ", "1e999999999", "1E-999999999", "1e9999999", "9223372036854775808", "-0", "1_0",
    "١٠", "１０", "2026/10/1 9:05", "2026/10/1", "2026-10-01x10:00", "2026-10-01 25:00",
    "２０２６-10-01 10:00", "2026-10-01T10:00+08:00", "46296", "NaN", "inf", "是", "否", "maybe",
    "=1+2", '"', "a,b", "x" * 300, "\t", "1,5", "1,000", "85%", "A999", "phone", "complex",
    "2026-10", "2026-Q5", "-5", "0", "10.5", "1e3",
]


def _bundle_files():
    # the tests' copy of the contact-centre bundle (tests/fixtures), so the core's fuzz test
    # runs without the organisation bundles installed
    import fixture_bundle

    b = fixture_bundle.BUNDLE
    data = {}
    for p in sorted(b.data_dir.glob("*.csv")):
        lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
        # a slice of the activity files runs fast; every employee stays (rows name them)
        data[f"data/{p.name}"] = "".join(lines if p.name == "employees.csv" else lines[:60])
    return b.ruleset_path.read_text(encoding="utf-8"), data


def _attempt(directory: Path, rs_text: str, files: dict, what: str):
    """Load, ingest and evaluate; returns the outcome's kind. Anything but a result or one of
    our errors fails the test with the mutation that caused it."""
    reset()
    for name, content in {"scorecard.toml": rs_text, **files}.items():
        p = directory / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    # a case that hangs (a source path of /dev/zero was read forever) fails with its mutation
    # instead of hanging the suite
    old_handler = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(CASE_SECONDS)
    try:
        rs = load_ruleset(directory / "scorecard.toml")
        store = Store(":memory:")
        evaluate(store, rs, Period.parse("2026-10"), ledger=False, allow_empty=True)
    except _Hung:
        pytest.fail(f"{what}: still running after {CASE_SECONDS} s")
    except ScorecardError as e:
        assert e.exit_code == 2 and e.message.strip(), what
        return "exit 2"
    except EvaluationError as e:
        assert e.message.strip(), what
        return "exit 1"
    except click.ClickException as e:  # pragma: no cover - a message, but not ours
        pytest.fail(f"{what}: {type(e).__name__}: {e.message}")
    except Exception as e:
        pytest.fail(f"{what}: traceback {type(e).__name__}: {e}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old_handler)
    return "ok"


CASE_SECONDS = 30


class _Hung(BaseException):
    """Raised by the alarm; a BaseException so no ``except Exception`` in the code swallows
    it."""


def _hung(signum, frame):
    raise _Hung()


# -- rule sets ----------------------------------------------------------------------------------
def _paths(value, path=()):
    """Every (key path, value) of a TOML tree, tables and arrays included."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _set(tree, path, value):
    node = tree
    for k in path[:-1]:
        node = node[k]
    if value is _DELETE:
        if isinstance(node, dict):
            del node[path[-1]]
        else:
            node.pop(path[-1])
    else:
        node[path[-1]] = value


_DELETE = object()


def _mutate_ruleset(rnd: random.Random, text: str) -> tuple[str, str]:
    """One mutation of the rule set: a value replaced, a key removed or added (on the TOML
    tree), or the text itself cut or spliced."""
    choice = rnd.random()
    if choice < 0.15:
        cut = rnd.randrange(len(text))
        if rnd.random() < 0.5:
            return text[:cut], f"text cut at {cut}"
        junk = rnd.choice(["[", "]]", "=", '"', "\n[ruleset]\n", "\x00", "{", "ruleset = 5\n"])
        return text[:cut] + junk + text[cut:], f"{junk!r} inserted at {cut}"
    data = tomllib.loads(text)
    paths = [p for p, _ in _paths(data) if p]
    changes = []
    for _ in range(rnd.choice([1, 1, 1, 2, 3])):
        path = rnd.choice(paths)
        r = rnd.random()
        try:
            if r < 0.2:
                _set(data, path, _DELETE)
                changes.append(f"{path} removed")
            elif r < 0.3 and isinstance(_get(data, path), dict):
                key = rnd.choice(["extra", "max", "type", "id", "source", "format", "min"])
                _get(data, path)[key] = rnd.choice(HOSTILE)
                changes.append(f"{path}.{key} added")
            else:
                value = rnd.choice(HOSTILE)
                _set(data, path, value)
                changes.append(f"{path} = {value!r:.40}")
        except (KeyError, IndexError, TypeError):
            continue  # the path went away with an earlier change
        paths = [p for p, _ in _paths(data) if p]
    try:
        return tomli_w.dumps(data), "; ".join(changes)
    except (TypeError, ValueError):  # e.g. a mixed array tomli-w cannot write
        return text, "unchanged"


def _get(tree, path):
    for k in path:
        tree = tree[k]
    return tree


def test_the_unmutated_slice_evaluates(tmp_path):
    base, files = _bundle_files()
    assert _attempt(tmp_path, base, files, "unmutated") == "ok"


def test_mutated_rule_sets_never_give_a_traceback(tmp_path):
    base, files = _bundle_files()
    rnd = random.Random(14)
    outcomes = {}
    for case in range(RULESET_CASES):
        text, what = _mutate_ruleset(rnd, base)
        kind = _attempt(tmp_path / f"r{case}", text, files, f"rule set case {case}: {what}")
        outcomes[kind] = outcomes.get(kind, 0) + 1
    # the mutations exercise both sides: some rule sets still evaluate, many are refused
    assert outcomes.get("exit 2", 0) > RULESET_CASES // 4, outcomes
    assert outcomes.get("ok", 0) > 0, outcomes


# -- CSV files ----------------------------------------------------------------------------------
def _mutate_csv(rnd: random.Random, files: dict) -> tuple[dict, str]:
    name = rnd.choice(sorted(files))
    lines = files[name].splitlines(keepends=True)
    r = rnd.random()
    out = dict(files)
    if r < 0.55:  # a cell
        n = rnd.randrange(1, len(lines)) if len(lines) > 1 else 0
        cells = lines[n].rstrip("\n").split(",")
        i = rnd.randrange(len(cells))
        cells[i] = rnd.choice(CELLS)
        lines[n] = ",".join(cells) + "\n"
        out[name] = "".join(lines)
        return out, f"{name}:{n + 1} cell {i} = {cells[i]!r:.30}"
    if r < 0.7:  # the header
        cells = lines[0].rstrip("\n").split(",")
        op = rnd.choice(["drop", "dup", "case", "blank"])
        i = rnd.randrange(len(cells))
        if op == "drop":
            cells.pop(i)
        elif op == "dup":
            cells.append(cells[i])
        elif op == "case":
            cells.append(cells[i].upper())
        else:
            cells[i] = ""
        lines[0] = ",".join(cells) + "\n"
        out[name] = "".join(lines)
        return out, f"{name} header {op} {i}"
    if r < 0.85:  # bytes: another encoding, a broken byte, a BOM, NUL
        raw = files[name].encode("utf-8")
        at = rnd.randrange(len(raw))
        junk = rnd.choice([b"\xff", b"\xc3", "名字".encode("gbk"), b"\xef\xbb\xbf", b"\x00",
                           b"\r", b"\n\n\n"])
        out[name] = raw[:at] + junk + raw[at:]
        return out, f"{name} bytes {junk!r} at {at}"
    # rows: a line duplicated, removed, truncated, or the file emptied
    op = rnd.choice(["dup", "drop", "cut", "empty", "header only"])
    n = rnd.randrange(len(lines))
    if op == "dup":
        lines.insert(n, lines[n])
    elif op == "drop":
        lines.pop(n)
    elif op == "cut":
        lines[n] = lines[n][: rnd.randrange(len(lines[n]) + 1)]
    elif op == "empty":
        lines = []
    else:
        lines = lines[:1]
    out[name] = "".join(lines)
    return out, f"{name} {op} line {n + 1}"


def test_mutated_csv_files_never_give_a_traceback(tmp_path):
    base, files = _bundle_files()
    rnd = random.Random(1414)
    outcomes = {}
    for case in range(CSV_CASES):
        mutated, what = _mutate_csv(rnd, files)
        kind = _attempt(tmp_path / f"c{case}", base, mutated, f"CSV case {case}: {what}")
        outcomes[kind] = outcomes.get(kind, 0) + 1
    assert outcomes.get("exit 2", 0) > CSV_CASES // 4, outcomes
    assert outcomes.get("ok", 0) > 0, outcomes
