"""Group runs: every site of a group evaluated as one task (ingest + evaluate into the site's own
temporary store), in this process, in worker processes on this machine (``--workers N``) or on
a Dask distributed cluster (``--scheduler ADDRESS``); the outcomes come back to the caller, which
puts them in the order the sites were given and, with ``--db``, stores every site's run and the
group's summary in one transaction (docs/scale.md).

A task ships paths (the workers see the same files) or, with ``ship_data``, the bytes of the
site's merged rule set and of its input files. Whatever executes the tasks and whatever order
they finish in, the caller stores the same runs a serial run stores: same ids, results, hashes
and ledger.
"""

from __future__ import annotations

import glob
import json
import multiprocessing
import os
import tempfile
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as futures_completed
from pathlib import Path

import attrs

from .errors import Error, ScorecardError

DASK_HINT = "pip install 'scorecard[dask]' (Dask distributed) on this machine and on the workers"


# -- which sites -------------------------------------------------------------------------------
def expand_sites(args) -> list[str]:
    """Rule-set paths from the command line: a file as given, a glob pattern
    (``groups/dealers/*/scorecard.toml``, quoted so the shell leaves it alone) in sorted order,
    or a folder meaning ``FOLDER/*/scorecard.toml``. A pattern or folder without a match is an
    error: a group with a site silently missing would pay the others as if it were complete."""
    out: list[str] = []
    for arg in args:
        arg = str(arg)
        if Path(arg).is_dir():
            pattern = os.path.join(arg, "*", "scorecard.toml")
        elif glob.has_magic(arg):
            pattern = arg
        else:
            out.append(arg)
            continue
        found = sorted(glob.glob(pattern))
        if not found:
            raise ScorecardError(f"no rule set matches {pattern!r}: give the sites' "
                                 f"scorecard.toml files, a pattern or a folder of site folders")
        out.extend(found)
    if not out:
        raise ScorecardError("give at least one rule set")
    return out


# -- the installed plugins must be the same everywhere ------------------------------------------
def environment() -> dict:
    """What decides how a rule set evaluates besides the rule set and the data: the scorecard
    version, the hook-spec version and every plugin's name and version."""
    from . import __version__
    from .hookspecs import HOOKSPEC_VERSION
    from .manager import plugin_rows

    plugins = {}
    for r in plugin_rows():
        plugins[r["name"]] = ("broken: " + r["error"]) if "error" in r else \
            r.get("version", "built-in")
    return {"scorecard": __version__, "hookspec": HOOKSPEC_VERSION, "plugins": plugins}


def differences(here: dict, there: dict) -> list[str]:
    """How ``there`` (a worker's :func:`environment`) differs from ``here`` (the caller's)."""
    out = []
    for key in ("scorecard", "hookspec"):
        if here.get(key) != there.get(key):
            out.append(f"{key} {here.get(key)} here, {there.get(key)} there")
    mine, theirs = here.get("plugins", {}), there.get("plugins", {})
    for name in sorted(set(mine) | set(theirs)):
        if name not in theirs:
            out.append(f"plugin {name!r} ({mine[name]}) is not installed there")
        elif name not in mine:
            out.append(f"plugin {name!r} ({theirs[name]}) is installed there, not here")
        elif mine[name] != theirs[name]:
            out.append(f"plugin {name!r} is {mine[name]} here, {theirs[name]} there")
    return out


def mismatch_error(where: str, diffs: list[str]) -> ScorecardError:
    return ScorecardError(
        f"the plugins on {where} do not match this machine's: {'; '.join(diffs)}. Install the "
        f"same scorecard, bundles and plugins (same versions) everywhere, or the sites would "
        f"be evaluated by different rules")


_checked: dict = {}  # per worker process: the expected environments already found equal


def _check_environment(expected: dict):
    key = json.dumps(expected, sort_keys=True)
    if key in _checked:
        return
    diffs = differences(expected, environment())
    if diffs:
        raise mismatch_error(f"worker {_worker_name()}", diffs)
    _checked[key] = True


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"process {os.getpid()}"


# -- one site: one task ----------------------------------------------------------------------
@attrs.frozen
class SiteTask:
    """Everything a worker needs for one site (picklable, small unless data is shipped)."""

    index: int
    config: str  # the rule set's path as the caller named it
    period: str
    rows: bool  # send the run's rows back (the caller stores them: --db)
    expected: dict  # the caller's environment()
    shipped: dict | None = None  # see pack()
    #: "sites": evaluate the site; "compare": compare rule set ``reference`` (A) with the
    #: site's (B) on the data of ``data`` ("a" or "b"), nothing stored
    kind: str = "sites"
    reference: str | None = None
    data: str = "a"
    shipped_reference: dict | None = None


@attrs.frozen
class Named:
    """Stands in for a rule set where a comparison sent back to the caller only needs its path
    (the caller's name for it, not the worker's) and its rounding (how its numbers are shown)."""

    path: Path
    rounding: object = None


def pack(config: str) -> dict:
    """The bytes a worker without the caller's files needs: the merged rule set (text and data)
    and each source's input file, with the fingerprints the caller computes from its own files
    (so the stored run is the one a run from the files stores)."""
    from .ingest import input_path, source_fingerprint
    from .ruleset import load_ruleset

    rs = load_ruleset(Path(config))
    files = {}
    for name in rs.sources:
        path = input_path(rs, name)
        if path is not None and path.exists():
            files[name] = (path.name, str(path), path.read_bytes())
    return {"text": rs.text, "data": rs.data, "files": files,
            "fingerprints": {n: source_fingerprint(rs, n) for n in rs.sources}}


def _unpack(shipped: dict, tmp: Path, config: str):
    """The shipped rule set, loaded with its sources pointed at the shipped files (same base
    names, so ledger references and messages name the same files); the caller's paths for the
    temporary ones, to put back into error messages."""
    import copy

    from .ruleset import load_ruleset

    data = copy.deepcopy(shipped["data"])
    names = {}
    for n, (name, original, content) in shipped["files"].items():
        d = tmp / "files" / str(len(names))
        d.mkdir(parents=True)
        (d / name).write_bytes(content)
        os.chmod(d / name, 0o600)  # pay data: owner-only, also on a worker
        data["sources"][n]["path"] = str(d / name)
        names[str(d / name)] = original
    for n, spec in data.get("sources", {}).items():
        if n not in shipped["files"] and isinstance(spec.get("path"), str):
            # an optional source without its file: absent here too
            spec["path"] = str(tmp / "absent" / Path(spec["path"]).name)
    path = tmp / "site" / Path(config).name
    path.parent.mkdir(parents=True, exist_ok=True)
    names[str(path)] = config
    return load_ruleset(path, data=data, text=shipped["text"]), names


def run_site(task: SiteTask) -> dict:
    """Ingest and evaluate one site into a temporary store of its own; the outcome as plain
    data. Never raises: a site's failure is its outcome (the other sites go on)."""
    from .compare import declared_grades
    from .engine import evaluate, evidence_rows, result_rows, run_header
    from .periods import Period
    from .ruleset import load_ruleset
    from .sites import site_summary
    from .store import Store

    t0, c0 = time.perf_counter(), time.thread_time()
    out = {"index": task.index, "config": task.config, "ok": False}
    names: dict = {}
    try:
        _check_environment(task.expected)
        with tempfile.TemporaryDirectory(prefix="scorecard-site-") as tmp:
            if task.shipped is not None:
                rs, names = _unpack(task.shipped, Path(tmp) / "b", task.config)
            else:
                rs = load_ruleset(Path(task.config))
            if task.kind == "compare":
                out.update(_compare(task, rs, Path(tmp), names))
                return out
            p = Period.from_user(task.period, rs.meta.period)
            store = Store(":memory:")
            try:
                ev = evaluate(store, rs, p, ledger=task.rows)
                if task.rows:
                    out["rows"] = result_rows(None, ev, ledger=True)
                    # the ledger's evidence rows travel with the run (read before the
                    # in-memory store is closed)
                    out["evidence"] = evidence_rows(ev, out["rows"][2])
            finally:
                store.conn.close()
            summary = site_summary(rs, ev)
            summary["config"] = task.config
            out.update(
                ok=True, org=rs.meta.org, site=rs.meta.site, currency=rs.meta.currency,
                rounding=[rs.rounding.score, rs.rounding.money, rs.rounding.mode],
                grades=declared_grades(rs), summary=summary, period=p.key,
                header=run_header(rs, task.config),
                fingerprints=(task.shipped["fingerprints"] if task.shipped is not None
                              else ev.fingerprints))
    except Error as e:  # the library's errors carry their exit code
        out.update(error=_restore(e.format_message(), names), exit_code=e.exit_code)
    except Exception as e:  # a broken plugin: this site fails, the others go on
        out.update(error=_restore(f"{type(e).__name__}: {e}", names), exit_code=1,
                   traceback=_restore(traceback.format_exc(), names))
    finally:
        out["seconds"] = time.perf_counter() - t0  # timings: stderr and benchmarks only
        out["cpu"] = time.thread_time() - c0
    return out


def _compare(task, rs_b, tmp: Path, names: dict) -> dict:
    from .compare import compare_rulesets
    from .ruleset import load_ruleset

    if task.shipped_reference is not None:
        rs_a, more = _unpack(task.shipped_reference, tmp / "a", task.reference)
        names.update(more)
    else:
        rs_a = load_ruleset(Path(task.reference))
    c = compare_rulesets(rs_a, rs_b, task.period, data=task.data)
    light = attrs.evolve(c, rs_a=Named(Path(task.reference), rs_a.rounding),
                         rs_b=Named(Path(task.config), rs_b.rounding), evaluations=())
    return {"ok": True, "org": rs_b.meta.org, "site": rs_b.meta.site, "comparison": light}


def _restore(text: str, names: dict) -> str:
    for tmp, original in names.items():
        text = text.replace(tmp, original)
    return text


def _failed(index, config, error, exit_code) -> dict:
    return {"index": index, "config": config, "ok": False, "error": error,
            "exit_code": exit_code, "seconds": 0.0}


# -- executing the tasks ----------------------------------------------------------------------
def _serial(tasks):
    for t in tasks:
        yield run_site(t)


def _mp_context():
    """fork where it is safe: fast, the plugins are loaded already. Not in a process with other
    threads (a lock another thread holds stays held in the child): a fork server then, which
    imports scorecard once and forks each pool's workers from that clean process."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["scorecard.group", "scorecard.engine"])
        return ctx
    return multiprocessing.get_context("spawn")


def _processes(tasks, workers):
    with ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context()) as pool:
        futures = {pool.submit(run_site, t): t for t in tasks}
        for f in futures_completed(futures):
            t = futures[f]
            try:
                yield f.result()
            except Exception as e:  # the worker process died (killed, out of memory)
                yield _failed(t.index, t.config, f"worker process failed: {type(e).__name__}: "
                                                 f"{e}", 1)


def connect(scheduler, expected: dict | None = None, timeout: float = 30):
    """A Dask ``Client`` of the scheduler at ``scheduler`` whose workers all have this
    machine's plugins (``expected``, default :func:`environment`; refused otherwise, naming
    the worker and the plugins)."""
    try:
        from distributed import Client
    except ImportError:
        raise ScorecardError(f"--scheduler needs Dask distributed, which is not installed: "
                             f"{DASK_HINT}") from None
    try:
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise ScorecardError(f"cannot reach the Dask scheduler at {scheduler}: {e}; start one "
                             f"(`dask scheduler`) or check the address") from None
    try:
        check_workers(client, expected)
    except BaseException:
        client.close()
        raise
    return client


def _worker_environment() -> dict:
    return environment()  # looked up on the worker (a module function ships by reference)


def check_workers(client, expected: dict | None = None):
    """Refuse workers whose scorecard, hook specs or plugins differ from this machine's."""
    expected = expected or environment()
    try:
        seen = client.run(_worker_environment)
    except Exception as e:  # e.g. scorecard itself not importable on a worker
        raise ScorecardError(f"the Dask workers cannot load scorecard ({type(e).__name__}: "
                             f"{e}): {DASK_HINT}") from None
    if not seen:
        raise ScorecardError("the Dask scheduler has no workers: start some "
                             "(`dask worker ADDRESS`)")
    for worker, env in sorted(seen.items()):
        diffs = differences(expected, env)
        if diffs:
            raise mismatch_error(f"Dask worker {worker}", diffs)


def _dask(tasks, scheduler, expected, timeout):
    client = connect(scheduler, expected)  # first: it says how to install Dask when missing
    from distributed import as_completed
    from distributed.client import TimeoutError as DaskTimeout

    try:
        futures = {client.submit(run_site, t, pure=False, key=f"scorecard-site-{t.index}-"
                                 f"{os.getpid()}-{time.monotonic_ns()}"): t for t in tasks}
        done = set()
        try:
            for f in as_completed(futures, loop=client.loop, timeout=timeout):
                done.add(f)
                t = futures[f]
                try:
                    yield f.result()
                except Exception as e:  # e.g. KilledWorker: the task's workers kept dying
                    yield _failed(t.index, t.config,
                                  f"Dask task failed: {type(e).__name__}: {e}", 1)
        except DaskTimeout:
            for f, t in futures.items():
                if f not in done:
                    f.cancel()
                    yield _failed(t.index, t.config, f"not finished within {timeout} s "
                                                     f"(--timeout)", 1)
    finally:
        client.close()


# -- the group run ---------------------------------------------------------------------------
@attrs.define
class GroupRun:
    """The outcome of every site, in the order the sites were given."""

    period: str
    outcomes: list
    seconds: float
    executor: str
    group_id: int | None = None
    run_ids: dict = attrs.Factory(dict)  # index -> run id (with a store)
    store_seconds: float = 0.0  # of ``seconds``: the caller storing the runs (with a store)

    @property
    def succeeded(self) -> list:
        return [o for o in self.outcomes if o["ok"]]

    @property
    def failed(self) -> list:
        return [o for o in self.outcomes if not o["ok"]]

    @property
    def exit_code(self) -> int:
        """0, 2 when every failure is the sites' input (rule set, data), else 1."""
        codes = {o["exit_code"] for o in self.failed}
        return 0 if not codes else 2 if codes == {2} else 1


def run_group(configs, period: str, *, workers: int = 1, scheduler=None, ship_data=False,
              db=None, label=None, progress=None, timeout=None, compare_with=None,
              data: str = "a") -> GroupRun:
    """Evaluate every site in ``configs`` (paths, patterns or folders: :func:`expand_sites`) for
    ``period``; ``progress(outcome, done, total)`` is called as each site finishes; on a Dask
    cluster, sites not finished within ``timeout`` seconds of the start fail.

    ``compare_with``: instead of evaluating each site, compare that rule set (A) with each
    site's (B) on the data of ``data`` (``scorecard compare A B...``); nothing is stored."""
    configs = expand_sites(configs)
    if compare_with is not None and db is not None:
        raise ScorecardError("compare stores nothing: leave out --db")
    t0 = time.perf_counter()
    expected = environment()
    outcomes: dict = {}
    tasks = []
    shipped_ref = pack(str(compare_with)) if ship_data and compare_with is not None else None
    for i, config in enumerate(configs):
        shipped = None
        if ship_data:
            try:
                shipped = pack(config)
            except Error as e:  # the library's errors carry their exit code
                outcomes[i] = _failed(i, config, e.format_message(), e.exit_code)
                continue
        tasks.append(SiteTask(i, config, period, db is not None, expected, shipped,
                              kind="sites" if compare_with is None else "compare",
                              reference=None if compare_with is None else str(compare_with),
                              data=data, shipped_reference=shipped_ref))
    if scheduler is not None:
        executor = f"dask scheduler {scheduler}"
        results = _dask(tasks, scheduler, expected, timeout)
    elif workers > 1 and len(tasks) > 1:
        n = min(workers, len(tasks))
        executor, results = f"{n} worker processes", _processes(tasks, n)
    else:
        executor, results = "this process", _serial(tasks)
    for o in outcomes.values():
        if progress:
            progress(o, len(outcomes), len(configs))
    for o in results:
        outcomes[o["index"]] = o
        if progress:
            progress(o, len(outcomes), len(configs))
    ordered = [outcomes[i] for i in range(len(configs))]
    _refuse_duplicates(ordered)
    run = GroupRun(period, ordered, 0.0, executor)
    if db is not None:
        t1 = time.perf_counter()
        store_group(db, run, label=label)
        run.store_seconds = time.perf_counter() - t1
    run.seconds = time.perf_counter() - t0
    return run


def _refuse_duplicates(outcomes):
    """Two rule sets of the same organisation and site: the later one fails (both would store
    into the same dataset, and a report would show the site twice)."""
    seen: dict = {}
    for o in outcomes:
        if not o["ok"]:
            continue
        key = (o["org"], o["site"])
        if key in seen:
            o.update(ok=False, exit_code=2, rows=None,
                     error=f"{o['config']} and {seen[key]} are both site {o['site']!r} of "
                           f"{o['org']}: give each site its own [ruleset] site")
        else:
            seen[key] = o["config"]


# -- storing ---------------------------------------------------------------------------------
GROUP_SCHEMA = """
CREATE TABLE IF NOT EXISTS group_runs (
    id INTEGER PRIMARY KEY, created_at TEXT, period TEXT, sites INTEGER, failed INTEGER,
    label TEXT);
CREATE TABLE IF NOT EXISTS group_sites (
    group_id INTEGER, ord INTEGER, config TEXT, org TEXT, site TEXT, status TEXT,
    run_id INTEGER, error TEXT, summary TEXT,
    PRIMARY KEY (group_id, ord)) WITHOUT ROWID;
"""


def _group_schema(store):
    from .store import make_append_only

    # under the write lock; append-only also against REPLACE (docs/reliability.md)
    with store.transaction() as conn:
        for stmt in GROUP_SCHEMA.split(";"):
            if stmt.strip():
                conn.execute(stmt)
        for table in ("group_runs", "group_sites"):
            make_append_only(conn, table, "group runs")


def store_group(db, run: GroupRun, label=None):
    """Every successful site's run (in the order the sites were given) and the group's summary
    (one row per site, failed ones with their error) in one transaction: all or nothing."""
    from .engine import record_rows
    from .store import Store, now_text

    store = Store(db)
    _group_schema(store)
    created = now_text()
    with store.transaction() as conn:
        for o in run.outcomes:
            if o["ok"]:
                run.run_ids[o["index"]] = record_rows(
                    store, o["header"], o["period"], o["fingerprints"], o["rows"], ledger=True,
                    label=label, created_at=created, evidence=o.get("evidence"))[0]
        cur = conn.execute("INSERT INTO group_runs (created_at, period, sites, failed, label) "
                           "VALUES (?, ?, ?, ?, ?)",
                           (created, run.period, len(run.outcomes), len(run.failed), label))
        run.group_id = cur.lastrowid
        conn.executemany(
            "INSERT INTO group_sites (group_id, ord, config, org, site, status, run_id, error, "
            "summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run.group_id, o["index"], o["config"], o.get("org"), o.get("site"),
              "ok" if o["ok"] else "failed", run.run_ids.get(o["index"]), o.get("error"),
              json.dumps(o["summary"], ensure_ascii=False, sort_keys=True) if o["ok"] else None)
             for o in run.outcomes])
    store.conn.close()


def failure_text(config: str, error: str) -> str:
    """``config: error``, without saying the file twice when the error starts with it."""
    return error if error.startswith(config) else f"{config}: {error}"


def progress_line(o: dict, done: int, total: int) -> str:
    """One line per finished site (a terminal's stderr)."""
    what = f"{o.get('site') or ''} ok" if o["ok"] else \
        f"FAILED: {o['error'].splitlines()[0] if o.get('error') else ''}"
    return f"[{done}/{total}] {o['config']}: {what} ({o['seconds']:.2f} s)"
