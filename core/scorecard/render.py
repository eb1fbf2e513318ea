"""One renderer for every command's output: a :class:`Document` (rows, columns, headers, a title
and metadata) written as ``table``, ``json``, ``csv`` (or any registered format) to stdout or
to the ``-o`` file.

Writers are registered by format name (:func:`register_writer`); a writer turns a Document into
``str`` (text formats) or ``bytes`` (binary ones such as xlsx, which refuse a terminal and need
``-o FILE``)::

    from scorecard.render import Document, render

    doc = Document(rows, ["employee_id", "name", "score"], headers=["employee", "name", "score"],
                   title="acme / north — 2026-10", places=2)
    render(doc, fmt_, output)   # fmt_ and output from scorecard.options

**Numbers in tables, one rule.** A table shows a column's numbers with the rule set's score
places (``[rounding] score = "0.01"`` → 2 places, rounded with its ``mode``; :func:`style_of`
reads both) as soon as one of them is not a whole number, with trailing zeros so the column
lines up: ``93.61``, ``88.50``, ``100.00``. A column of whole numbers (counts, ranks) stays
whole. No ``≈``: the figure shown is the rounded figure. JSON and CSV are not rounded by the
renderer: they carry the values as the command gives them (:func:`dec_text`: exact decimal
text when it terminates, else 4 places; stored results keep ``n/d``).
"""

import json
import os
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import click

from .errors import ScorecardError
from .numbers import fmt, quantize
from .output import format_number, table, to_csv, to_json
from .xlsx import neutralise

__all__ = ["Document", "Writer", "WRITERS", "dec_text", "format_number", "neutralise",
           "register_writer", "render", "style_for", "style_of", "table_text", "write"]


@attrs.define
class Document:
    """What a command prints, independent of the format.

    ``rows`` are dicts; ``columns`` the keys shown (in order) and ``headers`` their labels in a
    table (default: the keys). ``title`` is printed above a table; ``meta`` is merged into the
    JSON document (``{**meta, "rows": rows}``; plain ``rows`` when there is no meta) unless
    ``payload`` gives the JSON document whole. ``csv_columns`` overrides the CSV's columns (the
    header row is always the keys: machine-readable). ``footer`` lines follow a table.
    ``places``/``mode`` are the number rule of tables (module docstring). ``sheets`` are
    further tables, ``(name, Document)``, for the formats that hold several (xlsx: a sheet
    each; html: a section each). The CSV carries ``period`` and ``run_id`` columns from
    ``meta`` when it has them (a CSV file must say which month and run it holds)."""

    rows: list = attrs.field(converter=list)
    columns: list = attrs.field(converter=list)
    headers: list | None = None
    title: str | None = None
    meta: dict = attrs.Factory(dict)
    payload: Any = None
    csv_columns: list | None = None
    footer: list = attrs.Factory(list)
    places: int = 2
    mode: str = "half_up"
    sheets: list = attrs.Factory(list)
    #: JSON on one line, without indentation: for documents a program reads (``evaluate``'s
    #: results can be tens of MB, and indenting them costs more than encoding them)
    compact: bool = False

    def json_document(self):
        if self.payload is not None:
            return self.payload
        return {**self.meta, "rows": self.rows} if self.meta else self.rows


@attrs.frozen
class Writer:
    """A registered output format: ``function(document) -> str | bytes``."""

    name: str
    function: Callable[[Document], str | bytes]
    binary: bool = False
    encoding: str = "utf-8"


#: format name -> Writer; ``--format`` choices come from scorecard.options.FORMATS
WRITERS: dict[str, Writer] = {}


def register_writer(name: str, function, *, binary: bool = False, encoding: str = "utf-8",
                    replace: bool = False) -> Writer:
    """Add an output format. ``binary`` writers return bytes and need ``-o FILE`` unless stdout
    is redirected; ``encoding`` applies to text writers' files (e.g. ``utf-8-sig`` for a CSV
    that Excel opens). A second writer for a name is an error unless ``replace=True``."""
    if name in WRITERS and not replace:
        raise ValueError(f"an output writer for {name!r} is already registered")
    WRITERS[name] = w = Writer(name, function, binary=binary, encoding=encoding)
    return w


def style_of(ruleset) -> dict:
    """``{"places": n, "mode": m}`` of a rule set's score rounding, for :class:`Document`."""
    return style_for(ruleset.rounding.score, ruleset.rounding.mode)


def style_for(score_step="0.01", mode: str = "half_up") -> dict:
    """``{"places": n, "mode": m}`` for a score rounding step such as ``"0.01"`` (2 places)."""
    step = Decimal(str(score_step))
    return {"places": max(0, -step.as_tuple().exponent), "mode": mode}


def dec_text(value) -> str | None:
    """A value's decimal text for JSON and CSV output: exact when it terminates, else rounded
    half-even to 4 places (``None`` stays ``None``; ``n/d`` text is read as a fraction)."""
    if value is None:
        return None
    if isinstance(value, str):
        if "/" not in value:
            return value
        value = Fraction(value)
    text = fmt(value)
    return str(quantize(value, "0.0001", "half_even")) if text.startswith("≈") else text


def table_text(doc: Document) -> str:
    """The ``table`` format: title, aligned columns (numbers by the one rule), footer."""
    parts = [doc.title] if doc.title else []
    parts.append(table(doc.rows, doc.columns, doc.headers, doc.places, doc.mode))
    parts.extend(doc.footer)
    return "\n".join(parts) + "\n"


#: the CSV writers' byte order mark: Excel on a Chinese Windows reads a CSV without it as
#: GB18030 and garbles UTF-8 names; ``--no-bom`` leaves it out for pipes and other programs
BOM = "\ufeff"


def no_bom() -> bool:
    """True when the running command was given ``--no-bom`` (see options.format_option)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().meta.get("scorecard.no_bom"))


def csv_text(rows, columns, meta=None, bom=None) -> str:
    """Excel-safe CSV: a BOM (unless ``--no-bom``), ``period`` and ``run_id`` columns first
    when ``meta`` has them and the rows do not, and every text cell neutralised against
    formula injection (:func:`neutralise`)."""
    meta = meta or {}
    extra = [k for k in ("period", "run_id") if meta.get(k) is not None and k not in columns]
    cols = extra + list(columns)
    out = [{**{k: meta[k] for k in extra},
            **{c: (v if (v := r.get(c)) is None or not isinstance(v, str) else neutralise(v))
               for c in columns}} for r in rows]
    text = to_csv(out, [neutralise(c) for c in cols])
    return (BOM if (bom if bom is not None else not no_bom()) else "") + text


def _csv_text(doc: Document) -> str:
    return csv_text(doc.rows, doc.csv_columns or doc.columns, doc.meta)


def _xlsx_bytes(doc: Document) -> bytes:
    from .xlsx import document_workbook

    return document_workbook(doc)


def _html_text(doc: Document) -> str:
    from .report_html import document_html

    return document_html(doc)


def _json_text(doc: Document) -> str:
    if doc.compact:
        return json.dumps(doc.json_document(), ensure_ascii=False, separators=(",", ":"),
                          default=str) + "\n"
    return to_json(doc.json_document()) + "\n"


register_writer("table", table_text)
register_writer("json", _json_text)
register_writer("csv", _csv_text)
register_writer("xlsx", _xlsx_bytes, binary=True)
register_writer("html", _html_text)


def render(doc: Document, fmt: str = "table", output=None) -> None:
    """Write ``doc`` in format ``fmt`` to ``output`` (a path) or stdout."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ScorecardError(f"--format {fmt}: this installation has no writer for it "
                             f"(available: {', '.join(WRITERS)})")
    if writer.binary and not output and sys.stdout.isatty():
        raise ScorecardError(f"--format {fmt} writes a binary file: give -o FILE")
    write(writer.function(doc), output, encoding=writer.encoding)


def write(data: str | bytes, output=None, *, encoding: str = "utf-8") -> None:
    """Write a command's finished output to stdout, or to the file ``output``.

    A file is created owner-only (0600: outputs hold pay data) under a temporary name in the
    same directory and renamed over ``output`` only when complete, so a failure never leaves
    half a file; ``wrote FILE`` goes to stderr."""
    if not output:
        if isinstance(data, bytes):
            stream = click.get_binary_stream("stdout")
            stream.write(data)
            stream.flush()
        else:
            click.echo(data, nl=not data.endswith("\n"))
        return
    path = Path(output)
    parent = path.parent
    if not parent.is_dir():
        raise ScorecardError(f"-o {output}: directory {parent} does not exist")
    if path.is_dir():
        raise ScorecardError(f"-o {output}: is a directory; give a file name")
    blob = data if isinstance(data, bytes) else data.encode(encoding)
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    click.echo(f"wrote {output}", err=True)
