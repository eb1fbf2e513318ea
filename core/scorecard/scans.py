"""Fused scans: the per-employee aggregates the rules declare, answered by one query per source.

Metric types may declare the aggregates they need (:meth:`scorecard.types.MetricType.aggregates`,
hook-spec version 3). Before any rule runs, the engine collects every declaration of the
evaluation and reads each source ONCE for the period: ``SELECT employee_id, <aggregate>, ...
FROM <source> WHERE <period> GROUP BY employee_id``, each rule's aggregate a column. The same
scan answers "who has a row in the period" (the keys of its groups), which the no-activity rule
and the empty-period check need. Without fusion a scorecard of nine items over two sources reads
the contacts table four times (three rules and the activity check) and the QA findings seven.
"""

import sqlite3

import attrs

from .errors import EvaluationError
from .sql import quote

#: at most this many aggregate columns in one SELECT (SQLite's default limit is 2,000 result
#: columns); a source with more declarations is read in several scans
MAX_COLUMNS = 500


@attrs.define
class Plan:
    """What the fused scans of one evaluation found."""

    #: period-bound source -> the employee ids with a row of it in the period
    active: dict
    #: scorecard id -> item id -> ``{name: {employee_id: value}}``
    aggregates: dict
    #: period-bound source -> its rows in the period (the completeness report needs them)
    rows: dict = attrs.Factory(dict)
    #: the queries run
    scans: int = 0


@attrs.define(eq=False)  # hashed by identity: one per declaration
class _Wanted:
    scorecard: str
    item: object
    name: str
    agg: object  # scorecard.types.Aggregate


def declared(registry, ctx, item) -> dict:
    """The item's metric type's ``{name: Aggregate}`` (``{}`` for a type that declares none),
    checked: a malformed declaration is the plugin's bug and names it."""
    from .types import Aggregate

    mt = registry.get("metric", item.type)
    fn = getattr(mt, "aggregates", None)
    if fn is None:  # a duck-typed metric type without the MetricType base class
        return {}
    got = registry.call("metric", item.type, "aggregates", item.path, fn, ctx, item)
    where = (f"plugin {registry.owner_of('metric', item.type)!r}, metric type {item.type!r}, "
             f"aggregates() for rule {item.path}")
    if not isinstance(got, dict):
        raise EvaluationError(f"{where} returned {type(got).__name__}, expected a dict of "
                              f"name -> scorecard.types.Aggregate")
    for name, agg in got.items():
        if not isinstance(name, str) or not isinstance(agg, Aggregate):
            raise EvaluationError(f"{where} returned {name!r}: {agg!r}; expected a str name and "
                                  f"a scorecard.types.Aggregate")
        if agg.source not in ctx.ruleset.sources:
            raise EvaluationError(f"{where}: aggregate {name!r} reads source {agg.source!r}, "
                                  f"which the rule set does not declare")
        if agg.sql.count("?") != len(agg.params):
            # a miscount would shift every later aggregate's parameters in the fused query
            raise EvaluationError(f"{where}: aggregate {name!r} has {agg.sql.count('?')} '?' "
                                  f"and {len(agg.params)} parameter(s)")
    return got


def period_sources(rs) -> list:
    """The sources whose rows belong to a period and to an employee (the activity sources)."""
    return [n for n, spec in rs.sources.items()
            if spec.period_by and "employee_id" in rs.columns[n] and n != "employees"]


def plan(registry, base, contexts) -> Plan:
    """Run the fused scans of an evaluation: ``base`` is a :class:`Context` of the period,
    ``contexts`` one per scorecard to plan (their employees do not matter: declarations are per
    rule). Every period-bound source is read once, with the aggregates its rules declared, and so
    is any other source a rule declared aggregates of."""
    wanted: dict[str, list] = {}
    for ctx in contexts:
        for item in ctx.scorecard.items:
            for name, agg in declared(registry, ctx, item).items():
                wanted.setdefault(agg.source, []).append(_Wanted(ctx.scorecard.id, item, name,
                                                                 agg))
    bound = period_sources(base.ruleset)
    out = Plan(active={}, aggregates={ctx.scorecard.id: {} for ctx in contexts})
    for src in [*bound, *(s for s in wanted if s not in bound)]:
        eids, values, rows = _scan(registry, base, src, wanted.get(src, []), out,
                                   count=src in bound)
        if src in bound:
            out.active[src] = set(eids)
            out.rows[src] = rows
        for w in wanted.get(src, []):
            out.aggregates[w.scorecard].setdefault(w.item.id, {})[w.name] = values[w]
    return out


def scan_item(ctx, item) -> dict:
    """``{name: {employee_id: value}}`` of one item's declarations, read by a scan of its own
    (a ``compute`` called outside a planned evaluation, or with fusion off)."""
    from .registry import get_registry

    registry = get_registry()
    by_src: dict[str, list] = {}
    for name, agg in declared(registry, ctx, item).items():
        by_src.setdefault(agg.source, []).append(_Wanted(ctx.scorecard.id, item, name, agg))
    got = {}
    for src, ws in by_src.items():
        _, values, _ = _scan(registry, ctx, src, ws, None)
        for w in ws:
            got[w.name] = values[w]
    return got


def _scan(registry, ctx, src, wanted, plan_, count=False):
    """``(employee ids with a row in the period, {wanted: {employee_id: value}}, rows)``: the
    period's rows of ``src`` grouped by employee, each distinct aggregate one column; ``rows``
    (with ``count``) the number of rows in the period."""
    # (sql, params) -> column: rules declaring the same aggregate share it (params by repr: a
    # malformed rule set may hand over unhashable values, which SQLite then refuses)
    exprs: dict[tuple, tuple] = {}
    for w in wanted:
        exprs.setdefault(_key(w), (w.agg.sql, tuple(w.agg.params)))
    if count:  # shared with a rule counting every row, as most counting rules do
        exprs.setdefault(_ROWS, _ROWS_SQL)
    where, wparams = ctx.period_where(src)
    keys = list(exprs)
    chunks = [keys[i:i + MAX_COLUMNS] for i in range(0, len(keys), MAX_COLUMNS)] or [[]]
    columns: dict[tuple, dict] = {}
    eids: tuple = ()
    for chunk in chunks:
        sel = "".join(f", {exprs[k][0]}" for k in chunk)
        params = [p for k in chunk for p in exprs[k][1]] + list(wparams)
        sql = (f"SELECT employee_id{sel} FROM {quote(_table(ctx, src))} WHERE {where} "
               f"GROUP BY employee_id")
        try:
            rows = ctx.store.conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            _blame(registry, ctx, src, wanted, e)
            raise
        if plan_ is not None:
            plan_.scans += 1
        else:
            ctx.count("scans")
        cols = list(zip(*rows, strict=True)) if rows else [()] * (len(chunk) + 1)
        eids = cols[0]
        for j, key in enumerate(chunk, 1):
            columns[key] = dict(zip(eids, cols[j], strict=True))
    rows = sum(columns[_ROWS].values()) if count else None
    return eids, {w: columns[_key(w)] for w in wanted}, rows


#: the SQL and parameters of the row count every activity scan carries, and its key (as _key)
_ROWS_SQL = ("COUNT(*)", ())
_ROWS = (_ROWS_SQL[0], repr(_ROWS_SQL[1]))


def _key(w):
    return w.agg.sql, repr(w.agg.params)


def _table(ctx, src):
    from .store import source_table

    return source_table(ctx.ruleset.dataset, src)


def _blame(registry, ctx, src, wanted, error):
    """The fused query failed: find the declaration that fails alone and name its plugin."""
    where, wparams = ctx.period_where(src)
    table = quote(_table(ctx, src))
    for w in wanted:
        try:
            ctx.store.conn.execute(f"SELECT employee_id, {w.agg.sql} FROM {table} WHERE {where} "
                                   f"GROUP BY employee_id LIMIT 1",
                                   [*w.agg.params, *wparams]).fetchall()
        except sqlite3.Error as e:
            raise EvaluationError(
                f"plugin {registry.owner_of('metric', w.item.type)!r} failed: metric type "
                f"{w.item.type!r}, aggregates() for rule {w.item.path}: aggregate {w.name!r} "
                f"({w.agg.sql}) fails in SQL: {e}") from error
