"""Excel workbooks (openpyxl): one sheet per table, real numbers with number formats, a frozen
and bold header row, fitted column widths, and a provenance sheet saying where the figures come
from (run, rule set, data fingerprint, when written).

Exact values arrive as decimal text (``"1960.00"``) or fractions (``"289/3"``); a decimal text
goes into the cell as :class:`decimal.Decimal` (Excel stores a double, but the digits written
are the exact text's), a fraction that does not terminate as its nearest float, shown by the
column's number format. Text cells are neutralised against formula injection
(:func:`neutralise`).
"""

import io
import re
from decimal import Decimal
from fractions import Fraction

import attrs

from .words import words_for, words_of_text

_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
_FRACTION = re.compile(r"[+-]?\d+/\d+")

#: first characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text):
    """Text that a spreadsheet will not run as a formula: a cell beginning with = + - @ TAB
    or CR gets a leading apostrophe (OWASP's advice); numbers such as ``-5`` stay numbers."""
    if isinstance(text, str) and text.startswith(_FORMULA_START) \
            and not _DECIMAL.fullmatch(text) and not _FRACTION.fullmatch(text):
        return "'" + text
    return text

#: Excel's limit on a sheet name, and the characters it refuses in one
_SHEET_MAX = 31
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: a column is never fitted wider than this many characters (long ledger sentences wrap)
MAX_WIDTH = 80


@attrs.define
class Table:
    """One sheet: ``rows`` (dicts) shown in ``columns`` order under ``headers``.

    ``formats`` maps a column to an Excel number format (``"0.00"``, ``"#,##0.00"``, ``"0"``);
    a numeric column without one gets ``"0"`` when every value is whole, else ``default``."""

    name: str
    rows: list = attrs.field(converter=list)
    columns: list = attrs.field(converter=list)
    headers: list | None = None
    formats: dict = attrs.Factory(dict)
    default: str = "0.00"
    wrap: tuple = ()
    header: bool = True


def number_format(step, thousands: bool = False) -> str:
    """The Excel number format of a rounding step: ``"0.01"`` → ``"0.00"``, ``"1"`` → ``"0"``
    (``#,##0.00`` with ``thousands``)."""
    places = max(0, -Decimal(str(step)).as_tuple().exponent)
    whole = "#,##0" if thousands else "0"
    return whole + ("." + "0" * places if places else "")


def cell_value(value):
    """What a cell holds: numbers as numbers (decimal text as Decimal, ``n/d`` as float, ints
    as int), booleans as they are, anything else as neutralised text."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    text = str(value)
    if _DECIMAL.fullmatch(text):
        return int(text) if "." not in text else Decimal(text)
    if _FRACTION.fullmatch(text):
        f = Fraction(text)
        return f.numerator if f.denominator == 1 else float(f)
    return neutralise(text)


def _width(text: str) -> int:
    # CJK characters are about two Latin characters wide in Excel's default font
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def sheet_title(name: str, taken: set) -> str:
    """A valid, unique sheet name: Excel refuses ``[]:*?/\\`` and more than 31 characters."""
    base = _SHEET_BAD.sub("_", name)[:_SHEET_MAX] or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: _SHEET_MAX - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def workbook_bytes(tables, provenance=None) -> bytes:
    """The ``.xlsx`` file of ``tables`` (:class:`Table`), then a ``Provenance`` sheet of
    ``provenance`` (``{label: value}`` or ``[(label, value)]``) when given."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    taken: set = set()
    bold = Font(bold=True)
    sheets = list(tables)
    if provenance is not None:
        items = provenance.items() if isinstance(provenance, dict) else provenance
        sheets.append(Table("Provenance", [{"k": k, "v": v} for k, v in items], ["k", "v"],
                            ["", ""], formats={"v": "General"}, header=False))
    for t in sheets:
        ws = wb.create_sheet(sheet_title(t.name, taken))
        headers = t.headers or t.columns
        if t.header:
            ws.append([neutralise(str(h)) for h in headers])
            for cell in ws[1]:
                cell.font = bold
        first = 2 if t.header else 1  # the sheet row of the first data row
        values = [[cell_value(r.get(c)) for c in t.columns] for r in t.rows]
        for row in values:
            ws.append(row)
        for j, col in enumerate(t.columns):
            letter = get_column_letter(j + 1)
            nums = [row[j] for row in values if isinstance(row[j], int | float | Decimal)
                    and not isinstance(row[j], bool)]
            fmt = t.formats.get(col)
            if fmt is None and nums:
                whole = all(isinstance(v, int) or (isinstance(v, Decimal) and v == v.to_integral()
                                                   and "." not in str(v)) for v in nums)
                fmt = "0" if whole else t.default
            if fmt:
                for i in range(len(values)):
                    if isinstance(values[i][j], int | float | Decimal):
                        ws.cell(row=i + first, column=j + 1).number_format = fmt
            width = max([_width(str(headers[j]))]
                        + [_width(_shown(v, fmt)) for v in (row[j] for row in values)])
            ws.column_dimensions[letter].width = min(width + 2, MAX_WIDTH)
            if col in t.wrap:
                for i in range(len(values)):
                    ws.cell(row=i + first, column=j + 1).alignment = Alignment(wrap_text=True,
                                                                           vertical="top")
        if t.header:
            ws.freeze_panes = "A2"
            if values:
                ws.auto_filter.ref = ws.dimensions
        else:
            for cell in ws["A"]:
                cell.font = bold
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _shown(value, fmt) -> str:
    """Roughly how wide a value shows in its format (for fitting the column)."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and fmt and "0" in fmt:
        places = len(fmt.split(".")[1]) if "." in fmt else 0
        text = f"{float(value):,.{places}f}" if "," in fmt else f"{float(value):.{places}f}"
        return text
    return str(value)


def document_workbook(doc) -> bytes:
    """A :class:`scorecard.render.Document` as a workbook: its table, then one sheet per entry
    of ``doc.sheets``, then the provenance (the document's title and scalar ``meta``)."""
    default = "0." + "0" * doc.places if doc.places else "0"

    def table(name, d):
        return Table(name, d.rows, d.columns, d.headers, default=default)

    tables = [table(doc.meta.get("sheet") or "Results", doc)]
    tables += [table(name, d) for name, d in doc.sheets]
    prov = [("title", doc.title)] if doc.title else []
    prov += [(k, v) for k, v in doc.meta.items()
             if k != "sheet" and (v is None or isinstance(v, str | int | float | Decimal))]
    return workbook_bytes(tables, prov or None)


def run_workbook(run, results, items, note=None) -> bytes:
    """One stored run as a workbook: the ranked results (Chinese labels where the rule set has
    them), every employee's item points (one column per item, headed by its label), and the
    provenance of the run."""
    from .report_html import run_style

    style = run_style(run)
    score_fmt = number_format(style["score_step"])
    money_fmt = number_format(style["money_step"], thousands=True)
    rows = sorted((dict(r) for r in results),
                  key=lambda r: (r["score"] is None, -Fraction(r["score"] or 0),
                                 r["employee_id"]))
    for i, r in enumerate(rows, 1):
        r["rank_"] = i if r["score"] is not None else None
        r["grade_label"] = r.get("grade_label_zh") or r.get("grade_label")
        r["period"], r["run_id"] = run["period"], run["id"]
    cols = ["rank_", "employee_id", "name", "site", "role", "level", "score", "grade",
            "grade_label", "payout", "fines", "status", "period", "run_id"]
    h = words_of_text(run.get("ruleset_text") or "").header
    heads = [h("rank", "#"), h("employee_id"), h("name"), h("site", "site"), h("role"),
             h("level"), h("score"), h("grade", "grade"), h("grade_label"),
             h("payout", f"payout ({style['currency']})"),
             h("fines", f"fines ({style['currency']})"), h("status", "status"),
             h("period", "period"), h("run", "run")]
    order, label = [], {}
    for it in items:
        if it["item_id"] not in label:
            order.append(it["item_id"])
            names = [x for x in (it.get("label_zh"), it.get("label")) if x]
            label[it["item_id"]] = " ".join(names) if names else it["item_id"]
    wide: dict = {}
    for it in items:
        wide.setdefault(it["employee_id"], {"employee_id": it["employee_id"]})[
            it["item_id"]] = it["points"]
    name_of = {r["employee_id"]: r["name"] for r in rows}
    item_rows = [{**wide.get(r["employee_id"], {"employee_id": r["employee_id"]}),
                  "name": name_of[r["employee_id"]]} for r in rows]
    tables = [
        Table("Results", rows, cols, heads, formats={"score": score_fmt, "payout": money_fmt,
                                                     "fines": money_fmt, "rank_": "0",
                                                     "run_id": "0"}),
        Table("Items", item_rows, ["employee_id", "name", *order],
              [h("employee_id"), h("name"), *(label[i] for i in order)],
              formats={i: score_fmt for i in order}),
    ]
    prov = [("organisation", run["org"]), ("site", run["site"]), ("period", run["period"]),
            ("run", run["id"]), ("run created", run["created_at"]),
            ("result", note or "the run as evaluated"), ("title", style["title"]),
            ("rule set", run["ruleset_path"]), ("rule set sha256", run["ruleset_hash"]),
            ("data fingerprint", run["data_fingerprint"]),
            ("result hash", run["result_hash"]),
            ("scorecard version", run["scorecard_version"])]
    return workbook_bytes(tables, prov)


def compare_workbook(c) -> bytes:
    """``compare`` as a workbook: employees, payout cost, the rules that drove the change, the
    grade migration matrix (grade under A down, under B across), and the provenance."""
    from .compare import ROW_COLUMNS
    from .report_html import ruleset_names

    a, b = ruleset_names(c.rs_a, c.rs_b)
    cur = c.rs_a.meta.currency
    score_fmt = number_format(c.rs_a.rounding.score)
    money_fmt = number_format(c.rs_a.rounding.money, thousands=True)
    money = {k: money_fmt for k in ("payout_a", "payout_b", "payout_delta", "per_head_a",
                                    "per_head_b", "per_head_delta", "payout")}
    scores = {k: score_fmt for k in ("score_a", "score_b", "score_delta")}
    matrix = [{"grade": g, **{f"to:{h}": c.matrix[g][h] for h in c.grades}} for g in c.grades]
    tables = [
        Table("Employees", c.rows, ROW_COLUMNS,
              ["employee", "name", "site", "level", f"score {a}", f"score {b}", "Δ score",
               f"grade {a}", f"grade {b}", f"payout {a} ({cur})", f"payout {b} ({cur})",
               f"Δ payout ({cur})", "rules that changed"], formats={**money, **scores}),
        Table("Payout cost", [*c.sites, c.total],
              ["site", "headcount", "payout_a", "payout_b", "payout_delta", "per_head_a",
               "per_head_b", "per_head_delta"],
              ["site", "headcount", f"payout {a}", f"payout {b}", "Δ payout",
               f"per head {a}", f"per head {b}", "Δ per head"], formats=money),
        Table("Drivers", c.drivers, ["rule", "net", "gross", "employees", "payout"],
              ["rule", "net points", "points moved", "employees",
               f"Δ payout of those employees ({cur})"], formats={"payout": money_fmt}),
        Table("Grade migration", matrix, ["grade", *(f"to:{h}" for h in c.grades)],
              [f"grade under {a} ↓ / under {b} →", *c.grades]),
    ]
    prov = [("period", c.period.key), ("rule set A", f"{a}: {c.rs_a.path}"),
            ("rule set A sha256", c.rs_a.hash), ("rule set B", f"{b}: {c.rs_b.path}"),
            ("rule set B sha256", c.rs_b.hash), ("employees", len(c.rows)),
            ("data", "the same data for both (not stored)")]
    return workbook_bytes(tables, prov)


def sites_workbook(rep) -> bytes:
    """``sites`` as a workbook: one row per site (organisation and site), the score
    distribution, the grade mix, the flags, the most-lost items, failed sites, provenance."""
    sites = rep.sites
    # the items' Chinese labels (label_zh) are headed in Chinese when a site works in Chinese
    words = words_for(rep.lang)
    cols = ["org", "site", "config", "headcount", "scored", "mean_score", "median_score",
            "min_score", "max_score", "payout_total", "payout_per_head"]
    heads = ["organisation", "site", "rule set", "headcount", "scored", "mean score",
             "median score", "lowest score", "highest score", f"payout total ({rep.currency})",
             f"payout per head ({rep.currency})"]
    # the sites' declared rounding (the finest of them), not a fixed two places
    score_fmt = number_format(Decimal(1).scaleb(-rep.score_places))
    money_fmt = number_format(Decimal(1).scaleb(-rep.money_places), thousands=True)
    tables = [
        Table("Sites", sites, cols, heads,
              formats={"payout_total": money_fmt, "payout_per_head": money_fmt},
              default=score_fmt),
        Table("Score distribution",
              [{"org": s["org"], "site": s["site"], **s["distribution"]} for s in sites],
              ["org", "site", *rep.bins], ["organisation", "site", *rep.bins]),
        Table("Grade mix",
              [{"org": s["org"], "site": s["site"],
                **{f"g:{g}": s["grades"].get(g, 0) for g in rep.grade_keys}} for s in sites],
              ["org", "site", *(f"g:{g}" for g in rep.grade_keys)],
              ["organisation", "site", *(f"grade {g}" for g in rep.grade_keys)]),
        Table("Most-lost items",
              [{"org": s["org"], "site": s["site"], **x} for s in sites for x in s["most_lost"]],
              ["org", "site", "item", "label", "label_zh", "lost_total", "lost_per_head",
               "employees_losing"],
              ["organisation", "site", "item", "label", words.local_only("label", "label_zh"),
               "points lost",
               "points lost per head", "employees losing points"], default=score_fmt),
    ]
    flag_ids = sorted({f for s in sites for f in s.get("flags") or {}})
    if flag_ids:
        tables.append(Table("Flags", [{"org": s["org"], "site": s["site"],
                                       **{f: s["flags"].get(f, 0) for f in flag_ids}}
                                      for s in sites], ["org", "site", *flag_ids]))
    if rep.failed:
        tables.append(Table("Failed sites", rep.failed, ["config", "error"],
                            ["rule set", "error"], wrap=("error",)))
    prov = [("period", rep.period), ("sites", len(sites)), ("failed", len(rep.failed)),
            ("currency", rep.currency)]
    return workbook_bytes(tables, prov)
