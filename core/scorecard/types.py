"""What plugins implement and what they return. Plugin authors subclass these bases.

All numbers are exact :class:`fractions.Fraction` (see :mod:`scorecard.numbers`); money and final
scores are rounded by the engine, once, by the rule set's declared policy.
"""

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import attrs


@attrs.frozen
class NoParams:
    """Parameters of a type that takes none."""


@attrs.frozen
class Line:
    """One explanation line of the ledger: which rule, what happened, and the points it moved.

    ``ref`` points at the evidence (a contact id, ``file:line``), so an employee can check it.
    """

    rule: str
    text: str
    points: Fraction | None = None
    ref: str | None = None


@attrs.frozen(eq=False)
class Evidence:
    """A placeholder in a ledger for many per-record lines (one per breach, lapse, answer ...),
    kept as evidence rows and rendered into :class:`Line` objects only when someone reads them
    (:mod:`scorecard.evidence`, docs/plugins.md "Evidence rows").

    ``select`` is one SQL ``SELECT`` over the source for every employee at once, returning
    ``employee_id`` and columns named as in :data:`scorecard.evidence.EVIDENCE_COLUMNS`, ordered
    ``employee_id, ...`` as the lines are to read; ``renderer`` names a renderer registered with
    :func:`scorecard.evidence.renderer`, which gets each row and ``args`` (small and JSON-able:
    labels, limit texts, the file name). Give the SAME object in every employee's lines of a
    rule: it is selected once."""

    rule: str
    renderer: str
    select: str
    params: tuple = ()
    args: dict = attrs.Factory(dict)
    source: str | None = None  # the source the rows come from (stored with the run)

    #: a placeholder moves no points itself (its rows may say what each record moved)
    points = None
    ref = None
    text = None


@attrs.frozen
class Measure:
    """An item's measured value for one employee. ``value`` is None when there was no data
    (a rate with no denominator, a mean of nothing): scorers and composites decide what that
    means, and must say so in a line."""

    value: Fraction | None
    lines: tuple[Line, ...] = ()
    data: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Scored:
    """An item's points for one employee. ``points`` is None when the item is left out (no data,
    and the rule says to leave it out)."""

    points: Fraction | None
    lines: tuple[Line, ...] = ()


@attrs.frozen
class Adjustment:
    """A penalty or reward for one employee: ``points`` added to the total (negative for a
    deduction) and money ``fines`` reported beside the score."""

    points: Fraction = Fraction(0)
    fines: Fraction = Fraction(0)
    lines: tuple[Line, ...] = ()


@attrs.frozen
class Grade:
    """One employee's grade: band, labels, the pay ``coefficient`` a payout may use, whether
    they take part in the ranking (``eligible``) and their ``rank``."""

    grade: str | None
    label: str = ""
    label_zh: str = ""
    coefficient: Fraction | None = None
    eligible: bool = True  # takes part in the ranking
    rank: int | None = None
    lines: tuple[Line, ...] = ()


@attrs.frozen
class Payout:
    """One employee's payout; ``amount`` is None when there is none (the engine rounds it by the
    rule set's money step)."""

    amount: Fraction | None
    lines: tuple[Line, ...] = ()


@attrs.frozen
class ValueRange:
    """Values of a source that a rule refuses in any period (a supervisor's mark above the
    item's max, a rubric mark outside 1..10): a type's ``data_ranges`` declares them so that
    ingest refuses such a file before it commits, instead of storing it and failing later at
    evaluation. ``match`` selects the rows as an item's ``match`` does; ``check(value)`` gets
    each non-blank value as a Fraction and returns None, or the reason it is refused (the same
    words the evaluation would use)."""

    source: str
    column: str
    check: Callable[[Fraction], str | None]
    match: dict = attrs.Factory(dict)


class _Typed:
    #: the name used in the rule set's ``type = "..."``
    name: str = ""
    #: names the type had before (rule sets in the wild still use them): still accepted, and
    #: ``scorecard check`` warns that they are deprecated
    old_names: tuple[str, ...] = ()
    #: attrs class holding the type's own rule-set keys (validated by the loader)
    Params: type = NoParams
    #: one sentence for ``scorecard plugins`` and the docs
    description: str = ""
    #: optional ``check(rs, scorecard, spec)`` for ``scorecard check``: returns
    #: :class:`scorecard.check.Finding` objects or ``(path, message)`` /
    #: ``(severity, path, message)`` tuples
    check = None
    #: optional ``data_ranges(rs, scorecard, spec)``: :class:`ValueRange` objects, checked by
    #: ingest on every row of the scorecard's employees before anything is committed
    data_ranges = None


class SourceType(_Typed):
    """Reads raw text rows. See :mod:`scorecard.sources`."""

    def read(self, spec, base_dir):  # pragma: no cover - interface
        raise NotImplementedError


@attrs.frozen
class Aggregate:
    """One per-employee aggregate a metric type declares (hook-spec version 3): an SQL aggregate
    expression over the rows of ``source`` in the evaluated period, e.g.
    ``SUM(CASE WHEN [item] = ? THEN [count] END)`` with ``params = ("patience",)``.

    The engine answers every aggregate declared on the same source in ONE query, ``SELECT
    employee_id, <aggregate>, <aggregate>, ... FROM <source> WHERE <period> GROUP BY
    employee_id``, so an aggregate must carry its own row filter (a ``CASE WHEN <match> THEN
    ... END`` inside it, never a ``WHERE``). ``params`` fill the expression's ``?`` in order."""

    source: str
    sql: str
    params: tuple = ()


class MetricType(_Typed):
    """Measures one item for every employee in scope, over the whole period at once."""

    #: True when the value comes only from earlier items' outcomes (``ctx.outcomes``), never
    #: from the sources: a decision changing an earlier item then recomputes this item
    #: (:mod:`scorecard.cycle`)
    derived: bool = False

    def compute(self, ctx, item) -> dict:  # pragma: no cover - interface
        raise NotImplementedError

    def aggregates(self, ctx, item) -> dict:
        """Optional (hook-spec version 3): ``{name: Aggregate}``, the per-employee aggregates
        ``compute`` needs from the period's rows. The engine fuses the aggregates of every rule
        reading the same source into one scan, before any ``compute`` runs; ``compute`` then
        reads them with ``ctx.aggregated(item)`` (``{name: {employee_id: value}}``; an employee
        without a row in the period is absent, an aggregate over no matching row is whatever SQL
        gives, usually None). The default, ``{}``, declares nothing: ``compute`` queries the
        store itself, as before version 3."""
        return {}

    def sources(self, item) -> dict[str, set[str]]:
        """The sources and columns this item reads (for ``scorecard check``)."""
        return {}


class Scorer(_Typed):
    """Turns measures into points for one item, for every employee at once."""

    #: True when the points are the measured value itself (e.g. a band named beside it): a
    #: decision changing the points then changes the value too (:mod:`scorecard.cycle`)
    keeps_value: bool = False

    def score(self, ctx, item, measures: dict) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


class PenaltyType(_Typed):
    """Adds or deducts points (and reports fines) after the items, for every employee at
    once."""

    def apply(self, ctx, penalty) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


class GradingType(_Typed):
    """Turns the rounded scores into grades (bands, eligibility, ranks)."""

    def grade(self, ctx, spec, scores: dict) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


class AnnualType(_Typed):
    """Grades the year from each employee's stored period scores (``[scorecards.X.annual]``),
    for all the employees of one scorecard at once."""

    def grade_year(self, spec, periods, rows) -> list:  # pragma: no cover - interface
        raise NotImplementedError


class PayoutType(_Typed):
    """Turns the graded results into payouts."""

    def pay(self, ctx, spec, results: dict) -> dict:  # pragma: no cover - interface
        raise NotImplementedError
