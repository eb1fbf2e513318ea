"""Formatting of results as a table, JSON or CSV (the same for every command)."""

import contextlib
import csv
import io
import json
import sys
import time


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


def table(rows: list[dict], columns: list[str], headers: list[str] | None = None) -> str:
    """A plain-text table of ``rows`` (dicts) with the given columns, aligned for terminals
    (CJK characters count two columns)."""
    headers = headers or columns
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max([_w(h)] + [_w(row[i]) for row in cells]) for i, h in enumerate(headers)]
    out = ["  ".join(_pad(h, widths[i]) for i, h in enumerate(headers)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join(_pad(v, widths[i]) for i, v in enumerate(row)).rstrip())
    return "\n".join(out)


def _w(text: str) -> int:
    # CJK characters take two columns in a terminal
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _w(text))


def to_csv(rows: list[dict], columns: list[str]) -> str:
    """CSV text with a header row; None is an empty cell."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buf.getvalue()


def to_json(obj) -> str:
    """Indented JSON, non-ASCII text kept as it is (Decimal and others as their str)."""
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
