"""The benchmark runs end to end at a tiny size and prints its side-by-side table (no timing is
asserted: speed is measured by benchmarks/bench.py against baselines of the same run)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

# the benchmark measures the automotive bundle's rule set on data from its generator
pytest.importorskip("scorecard_automotive", reason="benchmarks/bench.py needs the "
                    "automotive-contact-centre bundle installed")

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"


def _bench(tmp_path, *args):
    run = subprocess.run([sys.executable, str(BENCH), "--rows", "2000", "--out",
                          str(tmp_path / "work"), *args], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def _hook_calls(out):
    return int(re.search(r"hook calls: (\d+) with ledger", out)[1])


def test_benchmark_prints_the_table(tmp_path):
    out = _bench(tmp_path)
    assert "2,000 contacts, 10 agents, 12 month(s) from 2026-01" in out
    for label in ("vs raw executemany of parsed rows", "vs csv.reader + executemany of the text",
                  "evaluate with ledger vs hand-written SQL",
                  "evaluate without ledger vs hand-written SQL", "record() the run, with ledger",
                  "peak RSS:"):
        assert label in out, label
    # the engine's per-agent numbers equal the hand-written query's, for every agent
    assert "results agree with the hand-written SQL: yes" in out
    assert "per rule, not per employee: yes" in out
    # the work directory is removed unless --keep
    assert not (tmp_path / "work").exists()


def test_hook_calls_do_not_grow_with_the_number_of_agents(tmp_path):
    few = _bench(tmp_path, "--agents", "10")
    many = _bench(tmp_path, "--agents", "50")
    assert "for 10 agents" in few and "for 50 agents" in many
    assert _hook_calls(few) == _hook_calls(many) > 0


def test_group_benchmark_runs_at_a_tiny_size(tmp_path):
    """benchmarks/bench_group.py: serial vs worker processes (Dask left out here: its cluster
    is tested in test_group.py), the same report from each, the projection printed."""
    run = subprocess.run([sys.executable, str(BENCH.parent / "bench_group.py"), "--sites", "3",
                          "--staff", "4", "--no-dask", "--db", "--out", str(tmp_path / "w")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "group: 3 sites × 4 staff (after-sales)" in out
    assert "the same report from every mode: yes" in out
    assert "projected: 2000 sites on 64 worker cores" in out
    assert not (tmp_path / "w").exists()
