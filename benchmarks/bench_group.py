"""Benchmark: a group of sites evaluated serially, by worker processes and on a local Dask
cluster (docs/scale.md, docs/performance.md).

Generates a seeded group (``groupgen.py``: N dealer sites × M staff, after-sales shape by
default), then runs ``scorecard.group.run_group`` on it

* serially, in this process (the baseline, measured in the same run);
* with ``--workers`` processes on this machine;
* on a ``distributed.LocalCluster`` of ``--workers`` worker processes (1 thread each) on
  127.0.0.1, started before the clock starts (an existing scheduler, as ``--scheduler`` uses);

``--rounds`` times each, interleaved, and reports the best time of each (the machine is shared:
the best round is the one least disturbed), the speed-up against serial, the per-site cost, that
every mode gave the same report, and the time projected for ``--project-sites`` sites on a
cluster of ``--project-cores`` worker cores from the per-site cost and the parallel efficiency
measured here. ``--db`` also stores every site's run (one store, one transaction) and reports
the caller's storing time. No number is asserted anywhere.

    python benchmarks/bench_group.py --sites 200 --staff 50 --workers 2 --rounds 3
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from groupgen import generate_group  # noqa: E402

from scorecard.group import run_group  # noqa: E402
from scorecard.sites import report_of  # noqa: E402


def _pressure() -> str:
    """Linux's CPU pressure (share of time some task waited for a CPU): the machine is shared."""
    try:
        with open("/proc/pressure/cpu") as f:
            return f.readline().split()[2].replace("avg60=", "") + " %"
    except (OSError, IndexError):
        return "unknown"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--staff", type=int, default=50)
    ap.add_argument("--shape", choices=("after-sales", "automotive"), default="after-sales")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-dask", action="store_true", help="Skip the Dask cluster.")
    ap.add_argument("--profile", action="store_true",
                    help="Leave the Dask workers' statistical profiler on (Dask's default).")
    ap.add_argument("--db", action="store_true", help="Store every site's run too.")
    ap.add_argument("--project-sites", type=int, default=2000)
    ap.add_argument("--project-cores", type=int, default=64, help="e.g. 8 machines × 8 cores")
    ap.add_argument("--out", help="Work directory (default: a temporary one, removed).")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args(argv)

    work = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="scorecard-group-bench-"))
    try:
        t = time.perf_counter()
        generate_group(work / "g", a.sites, a.staff, shape=a.shape)
        gen = time.perf_counter() - t
        pattern = str(work / "g" / "dealers" / "*" / "scorecard.toml")
        print(f"group: {a.sites} sites × {a.staff} staff ({a.shape}), generated in {gen:.1f} s")
        print(f"machine: {platform.python_implementation()} {platform.python_version()}, "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")

        modes = [("serial (this process)", {"workers": 1}),
                 (f"--workers {a.workers} (processes)", {"workers": a.workers})]
        if not a.no_dask:
            modes.append((f"Dask LocalCluster, {a.workers} workers", {"scheduler": None}))
        best: dict = {}
        cpu: dict = {}
        store: dict = {}
        reports: dict = {}
        for r in range(a.rounds):
            for name, kw in modes:
                cluster = None
                if "scheduler" in kw:
                    # started per round after the process-pool mode (whose workers are then
                    # forked from a process without the cluster's threads), before the clock
                    import dask
                    from distributed import LocalCluster

                    t = time.perf_counter()
                    # the workers' statistical profiler samples the running task's stack every
                    # 10 ms: measurable on CPU-bound Python tasks (docs/scale.md)
                    with dask.config.set({"distributed.worker.profile.enabled": a.profile}):
                        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1,
                                               processes=True, host="127.0.0.1",
                                               dashboard_address=":0",
                                               silence_logs=logging.ERROR)
                    print(f"Dask LocalCluster of {a.workers} workers started in "
                          f"{time.perf_counter() - t:.1f} s (not counted)")
                    kw = {"scheduler": cluster.scheduler_address}
                try:
                    db = work / f"{r}-{len(best)}.db" if a.db else None
                    t0 = time.perf_counter()
                    run = run_group([pattern], "2026-10", db=db, timeout=3600, **kw)
                    wall = time.perf_counter() - t0
                finally:
                    if cluster is not None:
                        cluster.close(timeout=30)
                if run.failed:
                    print(f"{name}: {len(run.failed)} site(s) failed: {run.failed[0]['error']}")
                    return 1
                if wall < best.get(name, float("inf")):
                    best[name], store[name] = wall, run.store_seconds
                    # CPU seconds of the tasks themselves (on whichever process ran them)
                    cpu[name] = sum(o["cpu"] for o in run.outcomes)
                reports[name] = report_of(run).as_dict()
                if db is not None:
                    db.unlink()
            print(f"round {r + 1}: " + ", ".join(f"{n.split(' ')[0]} {best[n]:.1f} s"
                                                 for n, _ in modes))

        base = best[modes[0][0]]
        print(f"\n{'mode':<36}{'best wall s':>12}{'speed-up':>10}{'per site ms':>13}"
              f"{'task CPU s':>12}{'storing s':>11}")
        for name, _ in modes:
            print(f"{name:<36}{best[name]:>12.2f}{base / best[name]:>10.2f}"
                  f"{1000 * best[name] / a.sites:>13.1f}{cpu[name]:>12.2f}{store[name]:>11.2f}")
        print(f"CPU pressure at the end (last minute): {_pressure()}, load average "
              f"{os.getloadavg()[0]:.1f}")
        same = all(rep == reports[modes[0][0]] for rep in reports.values())
        print(f"\nthe same report from every mode: {'yes' if same else 'NO'}")
        per_site = base / a.sites
        cpu_site = cpu[modes[0][0]] / a.sites
        print(f"per-site cost (serial, this machine): {1000 * per_site:.1f} ms wall, "
              f"{1000 * cpu_site:.1f} ms CPU")
        last = modes[-1][0]
        eff = base / best[last] / a.workers
        proj = a.project_sites * per_site / (a.project_cores * eff)
        print(f"parallel efficiency of {last}: {eff:.2f} "
              f"(speed-up {base / best[last]:.2f} on {a.workers} workers)")
        print(f"projected: {a.project_sites} sites on {a.project_cores} worker cores ≈ "
              f"{a.project_sites} × {1000 * per_site:.1f} ms / ({a.project_cores} × {eff:.2f}) "
              f"= {proj:.1f} s (serial: {a.project_sites * per_site:.0f} s)")
        print(f"projected from the CPU cost alone (an unshared machine, perfect spread): "
              f"{a.project_sites} × {1000 * cpu_site:.1f} ms / {a.project_cores} = "
              f"{a.project_sites * cpu_site / a.project_cores:.1f} s")
        return 0 if same else 1
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
