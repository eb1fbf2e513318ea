"""Formatting of results as a table, JSON or CSV (the same for every command; commands go
through :mod:`scorecard.render`)."""

import contextlib
import csv
import io
import json
import re
import sys
import time
from decimal import Decimal
from fractions import Fraction


@contextlib.contextmanager
def progress(label: str, unit: str, total: int | None = None):
    """Yield a callback ``update(n)`` that shows progress on a terminal, or ``None`` when
    stderr is not a terminal (piped output stays quiet)."""
    if not sys.stderr.isatty():
        yield None
        return
    state = {"n": 0, "shown": 0.0}

    def show(final=False):
        of = f" of {total:,}" if total else ""
        sys.stderr.write(f"\r{label}: {state['n']:,}{of} {unit}" + ("\n" if final else ""))
        sys.stderr.flush()

    def update(n):
        state["n"] += n
        now = time.monotonic()
        if now - state["shown"] > 0.2:
            state["shown"] = now
            show()

    try:
        yield update
    finally:
        if state["n"]:
            show(final=True)


def table(rows: list[dict], columns: list[str], headers: list[str] | None = None,
          places: int = 2, mode: str = "half_up", column_places: dict | None = None) -> str:
    """A plain-text table of ``rows`` (dicts) with the given columns, aligned for terminals
    (CJK characters count two columns).

    Numbers follow one rule in every table: a column holding a number that is not whole shows
    all its numbers with ``places`` decimals (the rule set's score places; rounded with
    ``mode``, no ``≈``), so ``93.6092``, ``88.495`` and ``≈96.3333`` become ``93.61``,
    ``88.50`` and ``96.33`` side by side; a column of whole numbers stays as it is.
    ``column_places`` gives some columns their own places (money beside scores)."""
    headers = headers or columns
    rows = _numbers_by_column(rows, columns, places, mode, column_places)
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max([_w(h)] + [_w(row[i]) for row in cells]) for i, h in enumerate(headers)]
    out = ["  ".join(_pad(h, widths[i]) for i, h in enumerate(headers)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join(_pad(v, widths[i]) for i, v in enumerate(row)).rstrip())
    return "\n".join(out)


_NUMBER = re.compile(r"≈?([+-]?)(\d+(?:\.\d+)?|\d+/\d+)")


def as_number(value):
    """``(sign_text, Fraction)`` when a table cell holds a number, else None. Strings count
    when they are decimal text or ``n/d`` (how stored results hold exact values), with an
    optional sign or ``≈``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Fraction | Decimal):
        return ("", Fraction(value))
    if isinstance(value, float):
        return ("", Fraction(repr(value)))
    if isinstance(value, str):
        m = _NUMBER.fullmatch(value.strip())
        if m:
            v = Fraction(m.group(2))
            return (m.group(1), -v if m.group(1) == "-" else v)
    return None


def places_of(step) -> int:
    """The decimal places of a rounding step: ``"0.01"`` → 2, ``"0.1"`` → 1, ``"1"`` → 0."""
    return max(0, -Decimal(str(step)).as_tuple().exponent)


def format_number(value, places: int = 2, mode: str = "half_up") -> str:
    """A number as a table shows it: ``places`` decimals, rounded with ``mode``, no ``≈``."""
    from .numbers import quantize

    parsed = as_number(value)
    if parsed is None:
        raise ValueError(f"not a number: {value!r}")
    sign, v = parsed
    step = Decimal(1).scaleb(-places) if places else Decimal(1)
    text = format(quantize(v, step, mode), "f")
    return "+" + text if sign == "+" else text


def _numbers_by_column(rows, columns, places, mode, column_places=None):
    out = [dict(r) for r in rows]
    for col in columns:
        parsed = [as_number(r.get(col)) for r in out]
        if not any(p is not None and p[1].denominator != 1 for p in parsed):
            continue  # whole numbers (or no numbers) stay as they are
        n = (column_places or {}).get(col, places)
        for r, p in zip(out, parsed, strict=True):
            if p is not None:
                r[col] = format_number(r[col], n, mode)
    return out


def _w(text: str) -> int:
    # CJK characters take two columns in a terminal
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _w(text))


def to_csv(rows: list[dict], columns: list[str]) -> str:
    """CSV text with a header row; None is an empty cell. Text a spreadsheet would run as a
    formula (``=1+2``, ``@SUM(...)``, ``+cmd|...``) gets a leading apostrophe (OWASP's rule,
    as in xlsx); numbers such as ``-5.00`` stay numbers."""
    from .xlsx import neutralise

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([neutralise(c) for c in columns])
    for r in rows:
        w.writerow(["" if (v := r.get(c)) is None else neutralise(v) for c in columns])
    return buf.getvalue()


def to_json(obj) -> str:
    """Indented JSON, non-ASCII text kept as it is (Decimal and others as their str)."""
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
