"""The SQLite store: ingested source tables, and sealed evaluation runs with their results,
item points and explanation lines.

What it promises (docs/reliability.md says how each promise is tested):

- crash: an ingest or a run is one transaction; a killed process leaves the store as it was;
- concurrency: one writer at a time (``BEGIN IMMEDIATE``), the others wait up to
  ``SCORECARD_BUSY_TIMEOUT`` seconds (saying so on stderr) and then stop with
  :class:`StoreBusyError`, keeping nothing; an evaluation reads one snapshot (:meth:`snapshot`);
- tamper evidence: a run is sealed when it is recorded (``run_seals``); triggers refuse any
  change to a sealed run, and every read checks the run's rows against its seal
  (:meth:`Store.check_run`, :class:`TamperedRunError`);
- permissions: the database (and its -wal/-shm, which SQLite creates with the database's mode)
  is created 0600.
"""

import contextlib
import hashlib
import json
import operator
import os
import sqlite3
import sys
import time
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import sqlite_utils

from .errors import Error, ScorecardError, StoreBusyError
from .private import create_private
from .sql import quote

#: ``PRAGMA application_id`` of a scorecard store ("SCRD"): tells it from other SQLite files
APPLICATION_ID = 0x53435244
#: ``PRAGMA user_version``: 1 = sealed runs (run_seals and the insert triggers); 2 = the
#: ledger's evidence rows (evidence, evidence_groups)
SCHEMA_VERSION = 2
#: seconds a writer waits for another process's write to finish before giving up
DEFAULT_BUSY_TIMEOUT = 600.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS _ingests (
    dataset TEXT, source TEXT, fingerprint TEXT, file TEXT, rows INTEGER, ingested_at TEXT,
    PRIMARY KEY (dataset, source));
CREATE TABLE IF NOT EXISTS _quarantine (
    dataset TEXT, source TEXT, file TEXT, line INTEGER, reason TEXT, row TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, created_at TEXT, org TEXT, site TEXT, bundle TEXT, dataset TEXT,
    period TEXT, ruleset_path TEXT, ruleset_text TEXT, ruleset_hash TEXT, data_fingerprint TEXT,
    plugins TEXT, scorecard_version TEXT, ledger INTEGER, result_hash TEXT, same_as INTEGER,
    employees INTEGER, label TEXT);
CREATE TABLE IF NOT EXISTS results (
    run_id INTEGER REFERENCES runs(id), employee_id TEXT, name TEXT, site TEXT, role TEXT,
    level TEXT, scorecard TEXT, status TEXT, score TEXT, score_exact TEXT, grade TEXT,
    grade_label TEXT, grade_label_zh TEXT, coefficient TEXT, eligible INTEGER, rank INTEGER,
    payout TEXT, fines TEXT, focus TEXT, data TEXT,
    score_num REAL, payout_num REAL, fines_num REAL, coefficient_num REAL,
    PRIMARY KEY (run_id, employee_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS items (
    run_id INTEGER REFERENCES runs(id), employee_id TEXT, item_id TEXT, ord INTEGER,
    kind TEXT, label TEXT, label_zh TEXT, section TEXT, value TEXT, points TEXT, max TEXT,
    lost TEXT,
    value_num REAL, points_num REAL, max_num REAL, lost_num REAL,
    PRIMARY KEY (run_id, employee_id, item_id),
    FOREIGN KEY (run_id, employee_id) REFERENCES results(run_id, employee_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS explanations (
    run_id INTEGER REFERENCES runs(id), employee_id TEXT, seq INTEGER, rule TEXT, text TEXT,
    points TEXT, ref TEXT, points_num REAL,
    PRIMARY KEY (run_id, employee_id, seq),
    FOREIGN KEY (run_id, employee_id) REFERENCES results(run_id, employee_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS evidence_groups (
    run_id INTEGER REFERENCES runs(id), grp INTEGER, rule TEXT, renderer TEXT, version INTEGER,
    source TEXT, args TEXT,
    PRIMARY KEY (run_id, grp)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS evidence (
    run_id INTEGER, employee_id TEXT, grp INTEGER, n INTEGER, line INTEGER, ref TEXT, at,
    value, lim, kind INTEGER, points TEXT, note TEXT,
    PRIMARY KEY (run_id, employee_id, grp, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_seals (
    run_id INTEGER PRIMARY KEY, seal TEXT NOT NULL, rows_hash TEXT NOT NULL,
    ledger_hash TEXT NOT NULL, columns TEXT NOT NULL, sealed_at TEXT);
"""

#: the tables of a run's rows: sealed with the run (no insert once sealed, no update, no delete)
RUN_ROWS = ("results", "items", "explanations", "evidence_groups", "evidence")
IMMUTABLE = ("runs", *RUN_ROWS, "run_seals")
LEDGER_COLUMNS = ("employee_id", "seq", "rule", "text", "points", "ref")

#: Numeric companions of the exact decimal text columns, for sorting and charts in a browser
#: (as TEXT, 750.00 sorts above 4000.00). The text stays the exact value of record: the result
#: hash is computed over the text columns only (see :data:`COMPANIONS` in result_hash).
NUMERIC = {
    "results": {"score_num": "score", "payout_num": "payout", "fines_num": "fines",
                "coefficient_num": "coefficient"},
    "items": {"value_num": "value", "points_num": "points", "max_num": "max",
              "lost_num": "lost"},
    "explanations": {"points_num": "points"},
}
COMPANIONS = frozenset(c for cols in NUMERIC.values() for c in cols)

#: Views for browsing (``datasette scorecard.db``): the newest run's results of each rule set
#: (org, site, dataset) and period, with the run's org/site/period beside each row.
VIEWS = {
    "latest_results": """
CREATE VIEW latest_results AS
SELECT runs.org, runs.site AS ruleset_site, runs.period, runs.created_at AS run_created_at,
       results.*
FROM results JOIN runs ON runs.id = results.run_id
WHERE runs.id = (SELECT max(r2.id) FROM runs r2 WHERE r2.org = runs.org
                 AND r2.site = runs.site AND r2.dataset IS runs.dataset
                 AND r2.period = runs.period)""",
    # the current publication of each rule set's period (scorecard.cycle): its run's rows, its
    # state and appeal deadline, and how many upheld appeals and adjustments touch each
    # employee. SQL cannot run the rules: where decisions > 0 the figures here are the
    # published ones, and `scorecard report`, `payroll` and `statement` show them recomputed.
    "final_results": """
CREATE VIEW final_results AS
SELECT runs.org, runs.site AS ruleset_site, pub.period,
       CASE WHEN EXISTS (SELECT 1 FROM cycle_events c WHERE c.kind = 'closed'
                         AND c.publication = pub.id) THEN 'closed' ELSE 'published' END
         AS state,
       pub.deadline AS appeal_deadline,
       (SELECT count(*) FROM cycle_events d WHERE d.publication = pub.id
          AND d.kind IN ('decision', 'adjustment') AND d.mode IS NOT NULL
          AND d.employee_id = results.employee_id) AS decisions,
       results.*
FROM cycle_events pub
JOIN runs ON runs.id = pub.run_id
JOIN results ON results.run_id = pub.run_id
WHERE pub.kind = 'published'
  AND NOT EXISTS (SELECT 1 FROM cycle_events later WHERE later.dataset = pub.dataset
                  AND later.period = pub.period AND later.kind IN ('published', 'reopened')
                  AND later.id > pub.id)""",
}


def numeric(text):
    """The float of an exact decimal or fraction text (``"85.13"``, ``"289/3"``), or None."""
    if text is None or text == "":
        return None
    got = _NUMERIC.get(text)
    if got is not None:
        return got
    if len(_NUMERIC) > 100_000:
        _NUMERIC.clear()
    got = _NUMERIC[text] = _numeric(text)
    return got


#: a run's numbers repeat (points, maxima, scores): each text converted once
_NUMERIC: dict = {}


def _numeric(text):
    if text.__class__ is str and "/" not in text and text[-1:].isdigit():
        # a decimal text: float() rounds it correctly, as float(Fraction(text)) does, without
        # building the Fraction (one per stored number: most of record()'s time otherwise)
        try:
            return float(text)
        except ValueError:
            pass
    try:
        return float(Fraction(str(text)))
    except (ValueError, ZeroDivisionError):
        return None


def source_table(dataset: str, source: str) -> str:
    """The store's table of one source of one dataset (see ``RuleSet.dataset``)."""
    return f"src__{dataset}__{source}"


class TamperedRunError(Error):
    """A stored run whose rows no longer match its seal (exit 1): it is never shown as normal."""

    exit_code = 1

    def __init__(self, run_id, problems, path=None, message=None):
        self.run_id, self.problems = run_id, problems
        super().__init__(message or
            f"run {run_id} is TAMPERED: {'; '.join(problems)}. Its results are not shown; "
            f"`scorecard verify{f' --db {path}' if path else ''}` checks every run, and "
            f"evaluating the period again stores a new run.")

    @classmethod
    def listed(cls, run_ids):
        """For a listing that marked the runs: one error naming them all."""
        return cls(run_ids, [], message=f"{len(run_ids)} run(s) TAMPERED: "
                   f"{', '.join(map(str, run_ids))} (their rows no longer match their seals); "
                   f"`scorecard verify` says what changed")


# -- append-only tables ------------------------------------------------------------------------
def _unique_keys(conn, table) -> list[tuple[str, ...]]:
    info = conn.execute(f"PRAGMA table_info({quote(table)})").fetchall()
    pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
    keys = [pk] if pk else []
    for _, name, unique, *_ in conn.execute(f"PRAGMA index_list({quote(table)})").fetchall():
        if unique:
            cols = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({quote(name)})"))
            if cols and None not in cols and cols not in keys:
                keys.append(cols)
    return keys


def make_append_only(conn, table: str, what: str | None = None):
    """Make ``table`` append-only with triggers: UPDATE and DELETE are refused, and so is an
    INSERT whose primary key (or any unique key) is already there.

    The last one matters: ``INSERT OR REPLACE`` / ``REPLACE INTO`` delete the old row without
    firing DELETE triggers (unless the connection set ``recursive_triggers``, which a user's
    ``sqlite3`` shell does not), so only a BEFORE INSERT trigger can refuse them. The triggers
    live in the database file and hold for every connection. Idempotent; call it after the
    ``CREATE TABLE``, inside the same write transaction. ``what`` names the rows in messages.
    """
    what = (what or table).replace("'", "''")
    qt = quote(table)
    for op in ("UPDATE", "DELETE"):
        conn.execute(
            f"CREATE TRIGGER IF NOT EXISTS {quote(f'{table}_no_{op.lower()}')} BEFORE {op} ON "
            f"{qt} BEGIN SELECT RAISE(ABORT, '{what} are immutable: {table} rows cannot be "
            f"changed or removed'); END")
    for n, key in enumerate(_unique_keys(conn, table)):
        match = " AND ".join(f"{quote(c)} = NEW.{quote(c)}" for c in key)
        conn.execute(
            f"CREATE TRIGGER IF NOT EXISTS {quote(f'{table}_no_replace_{n}')} BEFORE INSERT ON "
            f"{qt} WHEN EXISTS (SELECT 1 FROM {qt} WHERE {match}) BEGIN SELECT RAISE(ABORT, "
            f"'{what} are immutable: a row with this {', '.join(key)} exists in {table} and "
            f"cannot be replaced'); END")


def seal_with_run(conn, table: str, column: str = "run_id"):
    """Refuse rows of ``table`` for a run that is sealed or does not exist (with
    :func:`make_append_only` for the rest): a run's rows can only be written while the run is
    being recorded, inside the transaction that seals it."""
    qt, qc = quote(table), quote(column)
    conn.execute(
        f"CREATE TRIGGER IF NOT EXISTS {quote(f'{table}_sealed_run')} BEFORE INSERT ON {qt} "
        f"WHEN EXISTS (SELECT 1 FROM run_seals WHERE run_id = NEW.{qc}) OR NOT EXISTS "
        f"(SELECT 1 FROM runs WHERE id = NEW.{qc}) BEGIN SELECT RAISE(ABORT, 'run is sealed: "
        f"rows cannot be added to a recorded run (or to a run that does not exist)'); END")


def expected_triggers() -> set[str]:
    """The names of the triggers that seal runs (``scorecard verify`` reports missing ones)."""
    names = set()
    for t in IMMUTABLE:
        names |= {f"{t}_no_update", f"{t}_no_delete", f"{t}_no_replace_0"}
    names |= {f"{t}_sealed_run" for t in RUN_ROWS}
    return names


# -- hashes -------------------------------------------------------------------------------------
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # = json.dumps(...)


def result_hash(results, items) -> str:
    """SHA-256 of the results and item rows without their run id, in (employee, item order)
    order: equal for equal outcomes (the ledger is not part of it)."""
    # the exact text columns only: the store's numeric companions (score_num ...) are derived
    # from them, so rows read back from the store hash as they did when they were written
    skip = COMPANIONS | {"run_id"}
    h = hashlib.sha256()
    # one encoder for all rows: json.dumps with options builds a new one per call
    for r in sorted(results, key=lambda r: str(r["employee_id"])):
        h.update(_HASH_JSON({k: v for k, v in r.items() if k not in skip}).encode())
    for i in sorted(items, key=lambda i: (str(i["employee_id"]), i["ord"])):
        h.update(_HASH_JSON({k: v for k, v in i.items() if k not in skip}).encode())
    return h.hexdigest()


def _hash_rows(h, cursor):
    """Feed a query's rows to ``h``: each row's repr (str, int, None: unambiguous) on a line;
    done in C, a few hundred thousand rows a second."""
    while chunk := cursor.fetchmany(20_000):
        h.update("\n".join(map(repr, chunk)).encode())
        h.update(b"\n")


def _seal(run_row: dict, rows: str, ledger: str, columns: str, prev: str) -> str:
    """A run's seal: its runs row, the hashes of its rows and of its ledger as stored, the
    columns they cover and the seal of the run before it (a chain: a removed run breaks the
    next one's seal). NULL columns are left out, so a column added to ``runs`` later keeps old
    seals valid."""
    body = {"run": {k: v for k, v in run_row.items() if v is not None}, "rows": rows,
            "ledger": ledger, "columns": columns, "prev": prev}
    return hashlib.sha256(_HASH_JSON(body).encode()).hexdigest()


class Store:
    """Open (creating if needed, unless ``create`` is false) a scorecard database.

    ``on_wait`` is told (one line of text) when a write has to wait for another process;
    the default writes it to stderr."""

    def __init__(self, path, create: bool = True, on_wait=None, busy_timeout=None):
        memory = str(path) == ":memory:"
        self.path = None if memory else Path(path)
        if not memory:
            _check_path(self.path, create)
        self.busy_timeout = float(busy_timeout if busy_timeout is not None else
                                  _env_timeout())
        self.on_wait = on_wait or _tell_stderr
        self._writing = False
        self._verified: set[int] = set()
        conn = sqlite3.connect(":memory:" if memory else str(self.path), isolation_level=None,
                               timeout=min(self.busy_timeout, 5.0), check_same_thread=False)
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        try:
            self._open(memory)
        except sqlite3.DatabaseError as e:
            conn.close()
            if isinstance(e, sqlite3.OperationalError) and _busy(e):
                raise StoreBusyError(self._busy_text()) from None
            raise ScorecardError(f"{self.path}: not a usable SQLite database ({e}); give --db "
                                 f"a scorecard database file") from None

    def _open(self, memory):
        conn = self.conn
        if not memory:
            (app_id,) = conn.execute("PRAGMA application_id").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                                 "'table'")}
            if app_id != APPLICATION_ID and tables and not {"runs", "_ingests"} & tables:
                raise ScorecardError(
                    f"{self.path}: a SQLite database, but not a scorecard store (it has "
                    f"{', '.join(sorted(tables)[:5])}...); give --db a scorecard database (or a "
                    f"new file name)")
            (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
            if mode != "wal":
                # WAL: readers see one snapshot and never block the writer, nor it them
                conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # the declared keys (results → runs, items and explanations → results) are enforced
        conn.execute("PRAGMA foreign_keys = ON")
        # Every rule reads the period's rows again: with SQLite's default 2 MB page cache each
        # pass re-reads them from the file (~2x slower); up to 256 MB, allocated only as used.
        conn.execute("PRAGMA cache_size = -262144")
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version < SCHEMA_VERSION:
            with self.transaction():
                (version,) = conn.execute("PRAGMA user_version").fetchone()
                if version < SCHEMA_VERSION:  # another process may have done it meanwhile
                    self._migrate()
        if self._upgrade(dry=True):
            with self.transaction():
                self._upgrade()

    def _upgrade(self, dry=False) -> bool:
        """Bring a store made by an earlier version up to this schema: add the numeric
        companion columns (older rows keep NULL there: runs are immutable) and (re)create the
        browsing views. Foreign keys cannot be added to an existing SQLite table; a store
        created by this version has them. ``dry``: only say whether anything is to do (a
        read, so opening an up-to-date store never waits for the write lock)."""
        todo = False
        for table, cols in NUMERIC.items():
            have = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            for col in cols:
                if col not in have:
                    todo = True
                    if not dry:
                        self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {col} REAL")
        # final_results reads the pay cycle's events: made on the first open after that table
        # exists (scorecard.cycle creates it on its first step)
        cycle = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'cycle_events'").fetchone()
        for name, sql in VIEWS.items():
            if name == "final_results" and cycle is None:
                continue
            row = self.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND "
                                    "name = ?", (name,)).fetchone()
            if row is None or row[0] != sql.strip():
                todo = True
                if not dry:
                    if row is not None:
                        self.conn.execute(f"DROP VIEW {name}")
                    self.conn.execute(sql.strip())
        return todo

    def _migrate(self):
        conn = self.conn
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                conn.execute(stmt)
        unsealed = [r[0] for r in conn.execute(
            "SELECT id FROM runs WHERE id NOT IN (SELECT run_id FROM run_seals) ORDER BY id")]
        for table in IMMUTABLE:
            make_append_only(conn, table, "runs" if table == "runs" else f"a run's {table}")
        for table in RUN_ROWS:
            seal_with_run(conn, table)
        # runs stored before sealing existed: sealed now when their rows match their result
        # hash (the rows are what they were); a mismatching one stays unsealed: TAMPERED
        for run_id in unsealed:
            run = self._run_row(run_id)
            cols = self._columns()
            results, items = self._hashed_rows(run_id, cols)
            if result_hash(results, items) == run["result_hash"]:
                self._write_seal(run_id, cols)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- transactions ------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self):
        """A write transaction, all or nothing (``BEGIN IMMEDIATE``: the write lock is taken
        first, so a write never fails half-way for a lock); waits for another writer (see
        ``busy_timeout``). Nested calls join the outer transaction (a group run stores every
        site's run, each through ``save_run``, in one outer transaction)."""
        if self._writing:
            yield self.conn
            return
        if self.conn.in_transaction:
            raise RuntimeError("a write inside a read snapshot: end the snapshot first")
        self._begin_immediate()
        self._writing = True
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._writing = False

    @contextlib.contextmanager
    def snapshot(self):
        """A read transaction: every query inside sees the store as it was at the first one
        (WAL keeps that snapshot while other processes write). Nested calls, and calls inside
        a write transaction, join the outer one."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN")
        try:
            # the snapshot starts at the first read, so read now
            self.conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            yield self.conn
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    def _begin_immediate(self):
        deadline = time.monotonic() + self.busy_timeout
        told = False
        while True:
            left = deadline - time.monotonic()
            # SQLite's busy handler waits (and retries) up to this long per attempt; between
            # attempts we can say that we are waiting, and give up at the deadline
            self.conn.execute(f"PRAGMA busy_timeout = {int(max(0.0, min(left, 1.0)) * 1000)}")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as e:
                if not _busy(e):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusyError(self._busy_text()) from None
                if not told:
                    told = True
                    self.on_wait(f"waiting: another process is writing to {self._name()} "
                                 f"(up to {self.busy_timeout:g} s; SCORECARD_BUSY_TIMEOUT "
                                 f"sets it)...")

    def _name(self) -> str:
        return str(self.path) if self.path else ":memory:"

    def _busy_text(self) -> str:
        return (f"{self._name()} is busy: another process kept it locked for more than "
                f"{self.busy_timeout:g} s; nothing of this command was stored. Run it again when "
                f"the other process has finished (SCORECARD_BUSY_TIMEOUT=SECONDS waits longer).")

    # -- ingests -------------------------------------------------------------------------
    def ingest_record(self, dataset, source):
        row = self.conn.execute(
            "SELECT fingerprint, file, rows, ingested_at FROM _ingests "
            "WHERE dataset = ? AND source = ?", (dataset, source)).fetchone()
        return None if row is None else dict(zip(("fingerprint", "file", "rows", "ingested_at"),
                                                 row, strict=True))

    def has_table(self, name) -> bool:
        return self.db[name].exists()

    # -- runs ----------------------------------------------------------------------------
    def find_same_run(self, ruleset_hash, data_fingerprint, period):
        """``(id, result_hash)`` of the latest run of the same rule set, data and period, or
        None; the caller compares the result hashes (same results, or a nondeterministic
        plugin)."""
        return self.conn.execute(
            "SELECT id, result_hash FROM runs WHERE ruleset_hash = ? AND data_fingerprint = ? "
            "AND period = ? ORDER BY id DESC LIMIT 1",
            (ruleset_hash, data_fingerprint, period)).fetchone()

    def _run_row(self, run_id):
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        return rows[0] if rows else None

    def run(self, run_id, verify: bool = True):
        """The runs row of ``run_id`` (None when there is none), checked against its seal:
        a tampered run raises :class:`TamperedRunError`."""
        row = self._run_row(run_id)
        if row is not None and verify:
            self.verify_run(row)
        return row

    def latest_run(self, org=None, period=None, site=None, dataset=None, verify: bool = True):
        """The newest run matching the filters (checked like :meth:`run`), or None."""
        where, params = [], []
        for col, val in (("org", org), ("period", period), ("site", site),
                         ("dataset", dataset)):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(val)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        rows = list(self.db.query(sql + " ORDER BY id DESC LIMIT 1", params))
        if rows and verify:
            self.verify_run(rows[0])
        return rows[0] if rows else None

    def runs(self, org=None, site=None):
        """The runs (all, or one organisation's / site's), each with ``status``: "sealed" or
        "TAMPERED" (see :meth:`check_run`)."""
        where, params = [], []
        for col, val in (("org", org), ("site", site)):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(val)
        rows = list(self.db.query(
            "SELECT id, created_at, org, site, bundle, period, ruleset_hash, data_fingerprint, "
            "employees, same_as, label FROM runs" + (" WHERE " + " AND ".join(where)
                                                     if where else "") + " ORDER BY id",
            params))
        for r in rows:
            if r["id"] in self._verified or not self.check_run(r["id"]):
                self._verified.add(r["id"])
                r["status"] = "sealed"
            else:
                r["status"] = "TAMPERED"
        return rows

    def results(self, run_id):
        return list(self.db.query("SELECT * FROM results WHERE run_id = ? ORDER BY employee_id",
                                  [run_id]))

    def result(self, run_id, employee_id):
        """One employee's row of a run's results (a primary-key lookup), or None."""
        rows = list(self.db.query("SELECT * FROM results WHERE run_id = ? AND employee_id = ?",
                                  [run_id, employee_id]))
        return rows[0] if rows else None

    def items(self, run_id, employee_id=None):
        sql = "SELECT * FROM items WHERE run_id = ?"
        params = [run_id]
        if employee_id is not None:
            sql += " AND employee_id = ?"
            params.append(employee_id)
        return list(self.db.query(sql + " ORDER BY employee_id, ord", params))

    def explanations(self, run_id, employee_id):
        """One employee's ledger lines of a run, in order, numbered 1.. (``seq``), with the
        evidence placeholders rendered into their per-record lines (scorecard.evidence)."""
        from .evidence import stored_lines

        lines = list(self.db.query(
            "SELECT seq, rule, text, points, ref FROM explanations WHERE run_id = ? AND "
            "employee_id = ? ORDER BY seq", [run_id, employee_id]))
        return stored_lines(self.conn, run_id, employee_id, lines)

    def save_run(self, run: dict, results, items, explanations, extra=None,
                 evidence=None) -> int:
        """Write a run and everything it produced in one write transaction and seal it; the run
        id comes from the insert (``run`` has no ``id``; the rows' ``run_id`` is set here).
        ``extra``: more ``{table: rows}`` of the run (e.g. its completeness), written in the
        same transaction, before the seal. ``evidence``: the rows behind the explanations'
        placeholders (:meth:`scorecard.evidence.Book.copy_sql` from this connection, or plain
        ``{"groups", "rows"}``), sealed with the ledger. Returns the id."""
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO runs (" + ", ".join(map(quote, run)) + ") VALUES ("
                + ", ".join("?" for _ in run) + ")", list(run.values()))
            run_id = cur.lastrowid
            self._insert_many("results", results, run_id)
            self._insert_many("items", items, run_id)
            self._insert_many("explanations", explanations, run_id)
            if evidence is not None:
                self._insert_evidence(run_id, evidence, explanations)
            for table, rows in (extra or {}).items():
                self._insert_many(table, rows, run_id)
            self._write_seal(run_id, self._columns(sorted(t for t, r in (extra or {}).items()
                                                          if r)))
        self._verified.add(run_id)
        return run_id

    def _insert_evidence(self, run_id, evidence, explanations):
        from .evidence import EVIDENCE_COLUMNS, Book, placeholder_uses

        uses = placeholder_uses(explanations)
        if not uses:
            return
        groups = evidence.group_rows() if isinstance(evidence, Book) else evidence["groups"]
        kept = {g for g, _ in uses}
        self._insert_many("evidence_groups", [g for g in groups if g["grp"] in kept], run_id)
        if isinstance(evidence, Book):
            evidence.mark_used(uses)
            self.conn.execute(*evidence.copy_sql(run_id))
            return
        cols = ("employee_id", "grp", "n", *EVIDENCE_COLUMNS)
        self.conn.executemany(
            f"INSERT INTO evidence (run_id, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})",
            ((run_id, *r) for r in evidence["rows"]))

    def _insert_many(self, table, rows, run_id):
        it = iter(rows)
        first = next(it, None)
        if first is None:
            return
        pairs = [(num, text) for num, text in NUMERIC.get(table, {}).items() if text in first]
        cols = [c for c in first if c not in COMPANIONS and c != "run_id"]
        # the row's values by one C call (itemgetter), its numeric companions after them
        get = operator.itemgetter(*cols) if len(cols) > 1 else (lambda r: (r[cols[0]],))
        at = [cols.index(text) for _, text in pairs]
        cols += [num for num, _ in pairs]
        if len(at) == 1:
            (i,) = at

            def values(r):
                v = get(r)
                return (run_id, *v, numeric(v[i]))
        else:
            def values(r):
                v = get(r)
                return (run_id, *v, *[numeric(v[i]) for i in at])

        sql = (f"INSERT INTO {quote(table)} (run_id, {', '.join(map(quote, cols))}) VALUES "
               f"(?, {', '.join('?' for _ in cols)})")
        self.conn.execute(sql, values(first))
        self.conn.executemany(sql, (values(r) for r in it))

    # -- seals -----------------------------------------------------------------------------
    def _columns(self, extra=()) -> str:
        """The columns the rows hash covers, per table (all but run_id and the numeric
        companions): results, items and the run's ``extra`` tables (e.g. its completeness),
        kept in the seal: a column added to a table later does not change old runs' hashes."""
        out = {}
        for table in ("results", "items", *extra):
            info = self.conn.execute(f"PRAGMA table_info({quote(table)})").fetchall()
            out[table] = [r[1] for r in info if r[1] != "run_id" and r[1] not in COMPANIONS]
        return json.dumps(out)

    def _hashed_rows(self, run_id, columns: str):
        """The run's results and items as dicts of ``columns`` (for :func:`result_hash`)."""
        cols = json.loads(columns)
        out = []
        for table in ("results", "items"):
            names = cols[table]
            cur = self.conn.execute(f"SELECT {', '.join(map(quote, names))} FROM "
                                    f"{quote(table)} WHERE run_id = ?", [run_id])
            out.append([dict(zip(names, row, strict=True)) for row in cur])
        return out

    def _rows_hash(self, run_id, columns: str) -> str:
        """SHA-256 of the run's results, items and extra tables' rows as stored (in key order;
        an extra table's rows ordered by all their columns)."""
        cols = json.loads(columns)
        h = hashlib.sha256()
        for table, names in cols.items():
            order = {"results": "employee_id", "items": "employee_id, item_id"}.get(
                table, ", ".join(map(quote, names)))
            if table not in ("results", "items"):
                h.update(f"\x1d{table}\n".encode())  # an extra table's rows, marked as such
            _hash_rows(h, self.conn.execute(
                f"SELECT {', '.join(map(quote, names))} FROM {quote(table)} WHERE "
                f"run_id = ? ORDER BY {order}", [run_id]))
        return h.hexdigest()

    def _ledger_hash(self, run_id) -> str:
        """SHA-256 of the run's explanation lines as stored (in key order), then of its evidence
        groups and rows when it has any (a run without evidence hashes as it always did)."""
        from .evidence import EVIDENCE_COLUMNS

        h = hashlib.sha256()
        _hash_rows(h, self.conn.execute(
            f"SELECT {', '.join(LEDGER_COLUMNS)} FROM explanations WHERE run_id = ? "
            f"ORDER BY employee_id, seq", [run_id]))
        groups = self.conn.execute(
            "SELECT grp, rule, renderer, version, source, args FROM evidence_groups WHERE "
            "run_id = ? ORDER BY grp", [run_id]).fetchall()
        has_rows = self.conn.execute("SELECT 1 FROM evidence WHERE run_id = ? LIMIT 1",
                                     [run_id]).fetchone()
        if groups or has_rows:
            h.update(b"\x1devidence\n")
            h.update("\n".join(map(repr, groups)).encode())
            h.update(b"\n")
            _hash_rows(h, self.conn.execute(
                f"SELECT employee_id, grp, n, {', '.join(EVIDENCE_COLUMNS)} FROM evidence "
                f"WHERE run_id = ? ORDER BY employee_id, grp, n", [run_id]))
        return h.hexdigest()

    def _prev_seal(self, run_id) -> str:
        row = self.conn.execute("SELECT seal FROM run_seals WHERE run_id < ? ORDER BY run_id "
                                "DESC LIMIT 1", [run_id]).fetchone()
        return row[0] if row else ""

    def _write_seal(self, run_id, columns):
        # hashed from the rows as the store returns them (read back inside the transaction
        # that wrote them), so a read later compares like with like whatever the types were
        rows, ledger = self._rows_hash(run_id, columns), self._ledger_hash(run_id)
        seal = _seal(self._run_row(run_id), rows, ledger, columns, self._prev_seal(run_id))
        self.conn.execute("INSERT INTO run_seals (run_id, seal, rows_hash, ledger_hash, "
                          "columns, sealed_at) VALUES (?, ?, ?, ?, ?, ?)",
                          [run_id, seal, rows, ledger, columns, now_text()])

    def check_run(self, run_id) -> list[str]:
        """What is wrong with a stored run ([] when its rows, ledger and runs row still match
        its seal). Reads all of the run's rows."""
        with self.snapshot():
            run = self._run_row(run_id)
            if run is None:
                return [f"no run {run_id}"]
            sealed = self.conn.execute("SELECT seal, rows_hash, ledger_hash, columns FROM "
                                       "run_seals WHERE run_id = ?", [run_id]).fetchone()
            if sealed is None:
                return ["it has no seal (it was not recorded by scorecard, or its seal was "
                        "removed)"]
            seal, rows, ledger, columns = sealed
            problems = []
            if self._rows_hash(run_id, columns) != rows:
                problems.append("its results or item rows were changed, added or removed "
                                "(they no longer match the result hash it was sealed with)")
            if self._ledger_hash(run_id) != ledger:
                ev = self.conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM evidence WHERE run_id = ?) OR EXISTS (SELECT 1 "
                    "FROM evidence_groups WHERE run_id = ?)", [run_id, run_id]).fetchone()[0]
                problems.append("its explanation lines were changed, added or removed"
                                + (" (or the evidence rows behind them)" if ev else ""))
            if _seal(run, rows, ledger, columns, self._prev_seal(run_id)) != seal:
                problems.append("its runs row (or the seal chain before it) was changed")
            return problems

    def verify_run(self, run: dict):
        """Raise :class:`TamperedRunError` unless the run matches its seal (checked once per
        Store)."""
        if run["id"] in self._verified:
            return
        problems = self.check_run(run["id"])
        if problems:
            raise TamperedRunError(run["id"], problems, self.path)
        self._verified.add(run["id"])

    def verify(self):
        """``(problems_of_the_store, {run_id: problems})`` for every run; the store's problems
        are missing sealing triggers and rows of runs that do not exist."""
        store_problems = []
        have = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                                "'trigger'")}
        missing = sorted(expected_triggers() - have)
        if missing:
            store_problems.append(f"sealing trigger(s) removed: {', '.join(missing)}")
        for table in RUN_ROWS:
            (n,) = self.conn.execute(f"SELECT count(*) FROM {table} WHERE run_id NOT IN "
                                     f"(SELECT id FROM runs)").fetchone()
            if n:
                store_problems.append(f"{n} row(s) of {table} belong to no run")
        runs = {}
        for (run_id,) in self.conn.execute("SELECT id FROM runs ORDER BY id").fetchall():
            runs[run_id] = self.check_run(run_id)
        return store_problems, runs

    def head_seal(self) -> str | None:
        """The newest run's seal: it covers every run before it (write it down with a month's
        sign-off to detect even a consistent rewrite of the store later)."""
        row = self.conn.execute("SELECT seal FROM run_seals ORDER BY run_id DESC LIMIT 1")\
            .fetchone()
        return row[0] if row else None


def check_scope(run: dict, rs):
    """Refuse (exit 2) a run of another organisation or site than the rule set's: one
    organisation never sees another's runs through its rule set."""
    if rs is None:
        return
    if run["org"] != rs.meta.org:
        raise ScorecardError(f"run {run['id']} belongs to another organisation, not to "
                             f"{rs.meta.org!r} of {rs.path}; `scorecard runs -c {rs.path}` lists "
                             f"this rule set's runs")
    if run["site"] != rs.meta.site:
        raise ScorecardError(f"run {run['id']} belongs to another site ({run['site']!r}), not to "
                             f"{rs.meta.site!r} of {rs.path}; `scorecard runs -c {rs.path}` lists "
                             f"this rule set's runs")


def _busy(e: sqlite3.OperationalError) -> bool:
    text = str(e)
    return "locked" in text or "busy" in text


def _env_timeout() -> float:
    raw = os.environ.get("SCORECARD_BUSY_TIMEOUT")
    if not raw:
        return DEFAULT_BUSY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ScorecardError(f"SCORECARD_BUSY_TIMEOUT={raw!r}: expected seconds, e.g. 600") \
            from None
    if not 0 <= value <= 86400:
        raise ScorecardError(f"SCORECARD_BUSY_TIMEOUT={raw!r}: expected 0 to 86400 seconds")
    return value


def _tell_stderr(text: str):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


SQLITE_HEADER = b"SQLite format 3\x00"


def _check_path(path: Path, create: bool):
    """A --db that cannot be a store is the user's mistake (exit 2), not a traceback; read-only
    commands (``create=False``) do not create an empty store from a mistyped name."""
    if str(path) == "":
        raise ScorecardError("--db: empty file name")
    if path.is_dir():
        raise ScorecardError(f"{path}: is a directory; --db names the database file, e.g. "
                             f"{path / 'scorecard.db'}")
    if not path.exists():
        parent = path.parent
        if not parent.is_dir():
            raise ScorecardError(f"{path}: the directory {parent} does not exist; create it or "
                                 f"fix --db")
        if not create:
            raise ScorecardError(f"{path}: no such store; check --db (or --config): only "
                                 f"`scorecard ingest`/`evaluate` create one")
        try:
            create_private(path)  # 0600 before SQLite opens it: -wal/-shm take its mode
        except OSError as e:
            raise ScorecardError(f"{path}: cannot create the store: {e.strerror}") from None
        return
    if not path.is_file():
        raise ScorecardError(f"{path}: not a regular file; --db names a SQLite database file")
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as e:
        raise ScorecardError(f"{path}: cannot read the store: {e.strerror}") from None
    if head and head != SQLITE_HEADER:
        raise ScorecardError(f"{path}: not a SQLite database (is --db pointing at the wrong "
                             f"file?); give a scorecard database, or a new file name to create "
                             f"one")


def now_text() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
