"""What a plugin sees while it computes one rule: the store, the period, the employees in scope
and helpers to query a whole period of a source at once."""

import attrs

from .columns import format_timestamp, parse_timestamp
from .errors import ScorecardError
from .numbers import to_fraction
from .periods import Period
from .schema import did_you_mean
from .sql import quote
from .store import Store, source_table
from .workdays import WorkCalendar

#: the operators ``match = { column = { op = ..., value = ... } }`` accepts
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


@attrs.define
class Context:
    """Handed to every metric, scorer, penalty, grading and payout call: the store, the rule set,
    the scorecard and period being evaluated, the employees in scope, the working-day calendar,
    the earlier items' ``outcomes`` and SQL helpers for the period's rows."""

    store: Store
    ruleset: object
    scorecard: object
    period: Period
    employees: dict  # employee_id -> {"employee_id", "name", "site", "role", "level", ...}
    calendar: WorkCalendar
    ledger: bool = True
    outcomes: dict = attrs.Factory(dict)  # item id -> {employee_id: ItemOutcome}, earlier items
    counters: dict = attrs.Factory(dict)
    active: dict = attrs.Factory(dict)  # source -> employee ids with a row in the period
    # scorecard id -> {employee_id: EmployeeResult} of the scorecards this evaluation has already
    # finished for every employee (team roll-ups read their staff's results from here)
    evaluated: dict = attrs.Factory(dict)
    # item id -> {name: {employee_id: value}}: the aggregates the items' metric types declared,
    # answered by the engine's fused scans (read them with aggregated())
    aggregates: dict = attrs.Factory(dict)
    _files: dict = attrs.field(factory=dict, init=False, repr=False)

    # -- sources -------------------------------------------------------------------------
    def table(self, source: str) -> str:
        """The quoted SQL name of a source's table in the store."""
        if source not in self.ruleset.sources:
            raise ScorecardError(
                f"{self.ruleset.path}: unknown source {source!r}"
                f"{did_you_mean(source, self.ruleset.sources)} (declared: "
                f"{', '.join(self.ruleset.sources)}); fix the rule's source or declare "
                f"[sources.{source}]")
        return quote(source_table(self.ruleset.dataset, source))

    def file(self, source: str) -> str:
        """The name of the source's input file (the source's name when it has no path)."""
        # asked once per evidence line: remembered per context
        got = self._files.get(source)
        if got is None:
            got = self._files[source] = self.ruleset.file_name(source)
        return got

    def ref(self, source: str, line) -> str:
        """``contacts.csv:123``: where an employee can find the evidence."""
        return f"{self.file(source)}:{line}"

    def period_where(self, source: str, period: Period | None = None, prefix: str = ""):
        """SQL condition and parameters selecting the rows of ``source`` in the period (rows are
        in a period by their ``period_by`` column: a timestamp, a date or a period key)."""
        period = period or self.period
        spec = self.ruleset.sources[source]
        col = spec.period_by
        if col is None:
            return "1", []
        kind = self.ruleset.columns[source][col].type
        c = f"{prefix}{quote(col)}"
        if kind == "timestamp":
            return f"{c} >= ? AND {c} < ?", [period.start_ts, period.end_ts]
        if kind == "date":
            return f"{c} >= ? AND {c} < ?", [period.start.isoformat(), period.end.isoformat()]
        keys = period.keys_within()
        return f"{c} IN ({', '.join('?' * len(keys))})", keys

    def query(self, sql: str, params=()):
        """Rows (tuples) of a SQL query against the store."""
        return self.store.conn.execute(sql, list(params)).fetchall()

    def aggregated(self, item) -> dict:
        """``{name: {employee_id: value}}``: the aggregates ``item``'s metric type declared
        (:meth:`scorecard.types.MetricType.aggregates`), from the evaluation's fused scans. An
        employee without a row of the source in the period is absent. Read-only: rules
        declaring the same aggregate share one dict. Outside a planned evaluation (a direct
        ``compute`` call) the item's own scan runs here, once."""
        got = self.aggregates.get(item.id)
        if got is None:
            from .scans import scan_item

            got = self.aggregates[item.id] = scan_item(self, item)
        return got

    def in_scope(self, employee_id) -> bool:
        return employee_id in self.employees

    def timestamp(self, seconds) -> str:
        """A stored timestamp as ``YYYY-MM-DD HH:MM:SS`` text for ledger lines."""
        return format_timestamp(seconds)

    def count(self, name: str, n: int = 1):
        """Add ``n`` to the evaluation's counter ``name`` (e.g. ``hook_calls``)."""
        self.counters[name] = self.counters.get(name, 0) + n

    def match_where(self, source: str, match: dict | None, prefix: str = ""):
        """SQL condition for ``match = { column = value | [values] | { op = ">=", value = n } }``
        (booleans compare as 1/0; ``{ null = true }`` selects blank cells)."""
        return match_where(self.ruleset, source, match, prefix)

    def where(self, source: str, match: dict | None = None, prefix: str = ""):
        """Period condition and match condition together."""
        ps, pp = self.period_where(source, prefix=prefix)
        ms, mp = self.match_where(source, match, prefix=prefix)
        return f"({ps}) AND ({ms})", pp + mp


def match_where(rs, source: str, match: dict | None, prefix: str = ""):
    """:meth:`Context.match_where` for a rule set without an evaluation (ingest's range
    checks)."""
    if not match:
        return "1", []
    parts, params = [], []
    types = rs.columns.get(source, {})
    for col, want in match.items():
        c = f"{prefix}{quote(col)}"
        kind = types[col].type if col in types else None
        if kind == "decimal":
            # decimals are stored as exact text: compared as text, "10" < "3"
            c = f"CAST({c} AS REAL)"
        value = _converter(kind)
        if isinstance(want, dict):
            if "null" in want:
                parts.append(f"{c} IS {'' if want['null'] else 'NOT '}NULL")
                continue
            op = want.get("op", "=")
            if op not in COMPARISONS:
                raise ScorecardError(f"match.{col}.op: {op!r} is not a comparison (use one "
                                     f"of {', '.join(COMPARISONS)})")
            parts.append(f"{c} {op} ?")
            params.append(value(want.get("value")))
        elif isinstance(want, list | tuple):
            parts.append(f"{c} IN ({', '.join('?' * len(want))})")
            params.extend(value(w) for w in want)
        else:
            parts.append(f"{c} = ?")
            params.append(value(want))
    return " AND ".join(parts), params


def _sql_value(v):
    if isinstance(v, bool):
        return int(v)
    return v


def _converter(kind):
    """A match value in the column's stored form: decimals as numbers (compared with the
    column's CAST), timestamps written as text as epoch seconds."""
    if kind == "decimal":
        def decimal_value(v):
            return v if v is None or isinstance(v, bool) else float(to_fraction(v))
        return decimal_value
    if kind == "timestamp":
        def timestamp_value(v):
            return parse_timestamp(v) if isinstance(v, str) else _sql_value(v)
        return timestamp_value
    return _sql_value
