"""What a run stands on, and the gates before a result is payable.

For every period-bound source: the rows in the period, the rows ``ingest --quarantine`` set
aside that may belong to it (with their reasons), the first and last timestamp in the period;
the employees with no activity; and the **coverage**: the share of the period's working days
(site calendar) between the first and the last day the activity data covers. A run over a
period with quarantined rows is ``incomplete`` (it can be inspected, not published without a
stated reason); a run whose data covers only part of the period is ``partial`` (one warning;
``[ruleset] require_coverage`` makes it an error). Stored with the run, in the same transaction,
in the append-only table ``run_completeness``.
"""

import json
from datetime import date, timedelta
from fractions import Fraction

import attrs

from .columns import format_timestamp, make_converter
from .errors import ScorecardError
from .numbers import fmt, to_text
from .scans import period_sources
from .sql import quote
from .store import source_table
from .workdays import WorkCalendar

SCHEMA = """
CREATE TABLE IF NOT EXISTS run_completeness (
    run_id INTEGER PRIMARY KEY, status TEXT NOT NULL, coverage TEXT, accepted TEXT,
    data TEXT NOT NULL);
"""
TABLE = "run_completeness"


def ensure_schema(store):
    """Create the table (append-only, as the runs) if it is missing. Statement by statement:
    ``executescript`` would commit an open transaction (a group stores its runs in one)."""
    if store.has_table(TABLE):
        return
    from .store import make_append_only, seal_with_run

    # under the store's write lock (joined when a group's transaction is open)
    with store.transaction():
        store.conn.execute(SCHEMA)
        for op in ("UPDATE", "DELETE"):
            store.conn.execute(
                f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_{op.lower()} BEFORE {op} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, 'runs are immutable: {TABLE} cannot be changed'); "
                f"END")
        # no REPLACE over a row either, and no row for a sealed run (docs/reliability.md)
        make_append_only(store.conn, TABLE, "runs")
        seal_with_run(store.conn, TABLE)


@attrs.define
class SourceFacts:
    """One period-bound source in the period: rows, quarantined rows, first and last time."""

    source: str
    file: str
    rows: int
    first: str | None  # YYYY-MM-DD[ HH:MM:SS] of the earliest row in the period
    last: str | None
    quarantined: int = 0
    reasons: list = attrs.Factory(list)  # "file:line: reason", the first few
    activity: bool = False  # decides who has activity (scorecards' active_when)

    def as_dict(self) -> dict:
        return attrs.asdict(self)


@attrs.define
class Completeness:
    """What a run of ``period`` stands on (see the module docstring)."""

    period: str
    sources: list  # SourceFacts
    no_activity: dict  # scorecard id -> [employee ids]
    coverage: Fraction | None = None  # None: no timestamp/date activity source
    covered: tuple | None = None  # (first day, last day) of the activity data in the period
    working_days: int = 0
    covered_days: int = 0
    accepted: str | None = None  # --accept-incomplete's reason

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.sources)

    @property
    def partial(self) -> bool:
        return self.coverage is not None and self.coverage < 1

    @property
    def status(self) -> str:
        """``incomplete`` (quarantined rows), ``partial`` (coverage below 1) or ``complete``."""
        if self.quarantined:
            return "incomplete"
        return "partial" if self.partial else "complete"

    def coverage_text(self) -> str:
        if self.coverage is None:
            return "coverage not measured (no dated activity source)"
        if self.covered is None:
            return f"no activity data in {self.period} (0 of {self.working_days} working days)"
        lo, hi = self.covered
        return (f"the data covers {lo} .. {hi}: {self.covered_days} of {self.working_days} "
                f"working days of {self.period} ({_pct(self.coverage)})")

    def warnings(self) -> list[str]:
        """The lines ``evaluate`` prints on stderr (each once)."""
        out = []
        if self.partial:
            out.append(f"warning: partial data: {self.coverage_text()}; the run is marked "
                       f"partial")
        if self.quarantined:
            srcs = ", ".join(f"{s.source} {s.quarantined}" for s in self.sources
                             if s.quarantined)
            first = next(s.reasons[0] for s in self.sources if s.reasons)
            out.append(f"warning: {self.quarantined} row(s) set aside by --quarantine may belong "
                       f"to {self.period} ({srcs}; e.g. {first}); the run is marked incomplete "
                       f"and cannot be published without --accept-incomplete \"REASON\"")
        idle = sorted(e for ids in self.no_activity.values() for e in ids)
        if idle:
            shown = ", ".join(idle[:10]) + (f" and {len(idle) - 10} more" if len(idle) > 10
                                             else "")
            out.append(f"note: {len(idle)} employee(s) with no activity in {self.period}: "
                       f"{shown}")
        return out

    def as_dict(self) -> dict:
        return {"period": self.period, "status": self.status,
                "coverage": None if self.coverage is None else to_text(self.coverage),
                "covered": None if self.covered is None else [d.isoformat()
                                                             for d in self.covered],
                "working_days": self.working_days, "covered_days": self.covered_days,
                "quarantined": self.quarantined, "accepted": self.accepted,
                "no_activity": self.no_activity,
                "sources": [s.as_dict() for s in self.sources]}


def _pct(f: Fraction) -> str:
    return f"{fmt(round(f * 100, 1))} %"


def activity_sources(rs, sc) -> list[str]:
    """The sources whose rows show activity for scorecard ``sc``: its ``active_when``, else
    every period-bound source with an employee_id."""
    return list(sc.active_when) or period_sources(rs)


def assess(store, rs, period, results=(), rows=None) -> Completeness:
    """The completeness of ``period``'s data in ``store`` for rule set ``rs``; ``results``
    (EmployeeResult) give the employees with no activity; ``rows``: ``{source: rows in the
    period}`` when the evaluation's scans have counted them already."""
    activity = set()
    for sc in rs.scorecards.values():
        activity |= set(activity_sources(rs, sc))
    facts = [_source_facts(store, rs, period, src, src in activity, (rows or {}).get(src))
             for src in period_sources(rs)]
    idle: dict[str, list] = {}
    for er in results:
        if er.status == "no_activity" or "no activity" in " ".join(er.notes):
            idle.setdefault(er.scorecard.id, []).append(er.employee_id)
    comp = Completeness(period=period.key, sources=facts, no_activity=idle)
    _coverage(rs, period, comp, activity)
    return comp


def _source_facts(store, rs, period, src, activity, rows=None) -> SourceFacts:
    spec = rs.sources[src]
    col = spec.period_by
    kind = rs.columns[src][col].type
    table, c = quote(source_table(rs.dataset, src)), quote(col)
    if kind == "timestamp":
        where, params = f"{c} >= ? AND {c} < ?", [period.start_ts, period.end_ts]
    elif kind == "date":
        where, params = f"{c} >= ? AND {c} < ?", [period.start.isoformat(),
                                                  period.end.isoformat()]
    else:
        keys = period.keys_within()
        where, params = f"{c} IN ({', '.join('?' * len(keys))})", keys
    if rows is None:
        n, lo, hi = store.conn.execute(f"SELECT count(*), min({c}), max({c}) FROM {table} "
                                       f"WHERE {where}", params).fetchone()
    else:
        # counted by the evaluation's scan; the first and last through the period index, a
        # look-up each instead of a pass over the period's rows
        n = rows
        lo, hi = store.conn.execute(f"SELECT (SELECT min({c}) FROM {table} WHERE {where}), "
                                    f"(SELECT max({c}) FROM {table} WHERE {where})",
                                    params + params).fetchone()
    if kind == "timestamp" and lo is not None:
        lo, hi = format_timestamp(lo), format_timestamp(hi)
    facts = SourceFacts(source=src, file=rs.file_name(src), rows=n, first=lo, last=hi,
                        activity=activity)
    rows = store.conn.execute(
        "SELECT file, line, reason, row FROM _quarantine WHERE dataset = ? AND source = ? "
        "ORDER BY line", (rs.dataset, src)).fetchall()
    for file, line, reason, row in rows:
        if _may_belong(rs, src, row, period):
            facts.quarantined += 1
            if len(facts.reasons) < 5:
                facts.reasons.append(f"{file}:{line}: {reason}")
    return facts


def _may_belong(rs, src, row_json, period) -> bool:
    """Whether a quarantined row may be in ``period``: a row whose period cell cannot be read
    counts (it might be); a row dated in another period does not."""
    spec = rs.sources[src]
    colspec = rs.columns[src][spec.period_by]
    try:
        row = json.loads(row_json)
    except (TypeError, ValueError):
        return True
    if isinstance(row, dict):  # a stored row (e.g. an unknown employee): its period column
        cells = [row.get(spec.period_by)]
    else:  # the file's cells: any cell that reads as the period column's type
        cells = row
    convert = make_converter(attrs.evolve(colspec, required=False, default=None, min=None,
                                          max=None))
    seen = False
    for cell in cells:
        if cell is None or str(cell).strip() == "":
            continue
        try:
            v = cell if isinstance(cell, int) and colspec.type == "timestamp" else \
                convert(str(cell).strip())
        except (ValueError, TypeError):
            continue
        seen = True
        if _in_period(colspec.type, v, period):
            return True
    return not seen


def _in_period(kind, v, period) -> bool:
    if kind == "timestamp":
        return period.start_ts <= v < period.end_ts
    if kind == "date":
        d = v if isinstance(v, date) else date.fromisoformat(str(v))
        return period.start <= d < period.end
    return v in period.keys_within()


def _coverage(rs, period, comp, activity):
    dated = [s for s in comp.sources if s.activity and
             rs.columns[s.source][rs.sources[s.source].period_by].type in ("timestamp", "date")]
    if not dated:
        return
    cal = WorkCalendar.from_spec(rs.calendar)
    days = [period.start + timedelta(days=i) for i in range((period.end - period.start).days)]
    working = [d for d in days if cal.is_working_day(d)] or days
    comp.working_days = len(working)
    firsts = [date.fromisoformat(s.first[:10]) for s in dated if s.first]
    lasts = [date.fromisoformat(s.last[:10]) for s in dated if s.last]
    if not firsts:
        comp.coverage = Fraction(0)
        return
    lo, hi = min(firsts), max(lasts)
    comp.covered = (lo, hi)
    comp.covered_days = sum(1 for d in working if lo <= d <= hi)
    comp.coverage = Fraction(comp.covered_days, comp.working_days)


def gate(rs, comp: Completeness):
    """Refuse (exit 2) a run whose coverage is below ``[ruleset] require_coverage``."""
    need = rs.meta.require_coverage
    if need is None or comp.coverage is None or comp.coverage >= need:
        return
    raise ScorecardError(
        f"{rs.path}: ruleset.require_coverage = {fmt(need)}: {comp.coverage_text()}, below "
        f"{_pct(need)}; nothing was stored. Check the exports for the whole period (or lower "
        f"require_coverage)")


def row(run_id, comp: Completeness) -> dict:
    """The ``run_completeness`` row of a run."""
    return {"run_id": run_id, "status": comp.status,
            "coverage": None if comp.coverage is None else to_text(comp.coverage),
            "accepted": comp.accepted, "data": json.dumps(comp.as_dict(), ensure_ascii=False)}


def for_run(store, run_id) -> dict | None:
    """The stored completeness of a run (``data`` decoded), or None for a run stored without
    one (before this was recorded)."""
    if not store.has_table(TABLE):
        return None
    got = store.conn.execute(f"SELECT status, coverage, accepted, data FROM {TABLE} WHERE "
                             f"run_id = ?", (run_id,)).fetchone()
    if got is None:
        return None
    status, coverage, accepted, data = got
    return {"status": status, "coverage": coverage, "accepted": accepted, **json.loads(data),
            "run_id": run_id}


def publish_problem(store, run_id) -> str | None:
    """Why a run may not be published without a stated reason: "incomplete (N rows ...)", or
    None (complete, partial, or accepted when it was evaluated)."""
    c = for_run(store, run_id)
    if c is None or c["status"] != "incomplete" or c.get("accepted"):
        return None
    return (f"incomplete: {c['quarantined']} row(s) set aside by --quarantine may belong to "
            f"{c['period']}")


def summary(c: dict | None) -> str:
    """One line for ``runs``/``report``/``explain``: status, coverage, quarantined rows."""
    if c is None:
        return "completeness not recorded"
    parts = [c["status"]]
    if c.get("covered"):
        lo, hi = c["covered"]
        parts.append(f"data {lo} .. {hi} ({c['covered_days']}/{c['working_days']} working days)")
    if c.get("quarantined"):
        parts.append(f"{c['quarantined']} row(s) quarantined")
    idle = sum(len(v) for v in c.get("no_activity", {}).values())
    if idle:
        parts.append(f"{idle} with no activity")
    if c.get("accepted"):
        parts.append(f"accepted: {c['accepted']}")
    return "; ".join(parts)
