"""The SQLite store: ingested source tables, and immutable evaluation runs with their results,
item points and explanation lines."""

import contextlib
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import sqlite_utils

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
"""

IMMUTABLE = ("runs", "results", "items", "explanations")

#: Numeric companions of the exact decimal text columns, for sorting and charts in a browser
#: (as TEXT, 750.00 sorts above 4000.00). The text stays the exact value of record: the result
#: hash is computed over the text columns only (see :data:`COMPANIONS` in engine.result_hash).
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
}


def numeric(text):
    """The float of an exact decimal or fraction text (``"85.13"``, ``"289/3"``), or None."""
    if text is None or text == "":
        return None
    try:
        return float(Fraction(str(text)))
    except (ValueError, ZeroDivisionError):
        return None


def source_table(dataset: str, source: str) -> str:
    """The store's table of one source of one dataset (see ``RuleSet.dataset``)."""
    return f"src__{dataset}__{source}"


class Store:
    """Open (creating if needed) a scorecard database."""

    def __init__(self, path):
        self.path = Path(path) if str(path) != ":memory:" else None
        self.db = sqlite_utils.Database(path if self.path is None else str(self.path))
        self.conn = self.db.conn
        # explicit transactions only (see transaction()): a run or an ingest lands whole or not
        self.conn.isolation_level = None
        self.conn.execute("PRAGMA journal_mode=WAL") if self.path else None
        self.conn.execute("PRAGMA synchronous=NORMAL")
        # the declared keys (results → runs, items and explanations → results) are enforced
        self.conn.execute("PRAGMA foreign_keys = ON")
        # Every rule reads the period's rows again: with SQLite's default 2 MB page cache each
        # pass re-reads them from the file (~2x slower); up to 256 MB, allocated only as used.
        self.conn.execute("PRAGMA cache_size = -262144")
        self.conn.executescript(SCHEMA)
        self._upgrade()
        for table in IMMUTABLE:
            for op in ("UPDATE", "DELETE"):
                self.conn.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'runs are immutable: {table} cannot be changed'); "
                    f"END"
                )

    def _upgrade(self):
        """Bring a store made by an earlier version up to this schema: add the numeric
        companion columns (older rows keep NULL there: runs are immutable) and (re)create the
        browsing views. Foreign keys cannot be added to an existing SQLite table; a store
        created by this version has them."""
        for table, cols in NUMERIC.items():
            have = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            for col in cols:
                if col not in have:
                    self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {col} REAL")
        for name, sql in VIEWS.items():
            row = self.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND "
                                    "name = ?", (name,)).fetchone()
            if row is None or row[0] != sql.strip():
                if row is not None:
                    self.conn.execute(f"DROP VIEW {name}")
                self.conn.execute(sql.strip())

    @contextlib.contextmanager
    def transaction(self):
        """All or nothing. Nested inside an open transaction it joins that one (a group run
        stores every site's run, each through ``save_run``, in one outer transaction)."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

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
    def next_run_id(self) -> int:
        (n,) = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM runs").fetchone()
        return n

    def find_same_run(self, ruleset_hash, data_fingerprint, period):
        """``(id, result_hash)`` of the latest run of the same rule set, data and period, or
        None; the caller compares the result hashes (same results, or a nondeterministic
        plugin)."""
        return self.conn.execute(
            "SELECT id, result_hash FROM runs WHERE ruleset_hash = ? AND data_fingerprint = ? "
            "AND period = ? ORDER BY id DESC LIMIT 1",
            (ruleset_hash, data_fingerprint, period)).fetchone()

    def run(self, run_id):
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        return rows[0] if rows else None

    def latest_run(self, org=None, period=None, site=None, dataset=None):
        where, params = [], []
        for col, val in (("org", org), ("period", period), ("site", site),
                         ("dataset", dataset)):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(val)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        rows = list(self.db.query(sql + " ORDER BY id DESC LIMIT 1", params))
        return rows[0] if rows else None

    def runs(self):
        return list(self.db.query("SELECT id, created_at, org, site, bundle, period, "
                                  "ruleset_hash, data_fingerprint, employees, same_as, label "
                                  "FROM runs ORDER BY id"))

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
        return list(self.db.query(
            "SELECT seq, rule, text, points, ref FROM explanations WHERE run_id = ? AND "
            "employee_id = ? ORDER BY seq", [run_id, employee_id]))

    def save_run(self, run: dict, results, items, explanations, extra=None) -> int:
        """Write a run and everything it produced in one transaction (``extra``: more
        ``{table: rows}`` of the run, e.g. its completeness, written in the same one)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO runs (" + ", ".join(run) + ") VALUES ("
                + ", ".join("?" for _ in run) + ")", list(run.values()))
            self._insert_many("results", results)
            self._insert_many("items", items)
            self._insert_many("explanations", explanations)
            for table, rows in (extra or {}).items():
                self._insert_many(table, rows)
        return run["id"]

    def _insert_many(self, table, rows):
        it = iter(rows)
        first = next(it, None)
        if first is None:
            return
        pairs = [(num, text) for num, text in NUMERIC.get(table, {}).items() if text in first]
        cols = [c for c in first if c not in COMPANIONS] + [num for num, _ in pairs]
        n_text = len(cols) - len(pairs)

        def values(r):
            v = [r[c] for c in cols[:n_text]]
            return v + [numeric(r[text]) for _, text in pairs]

        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        self.conn.execute(sql, values(first))
        self.conn.executemany(sql, (values(r) for r in it))


def now_text() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
