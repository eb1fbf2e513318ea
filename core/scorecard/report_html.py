"""Standalone HTML reports for managers, with inline SVG charts: no script, no stylesheet or
font from the network, so the file opens anywhere (and tests can parse every chart as XML).

Each chart is an ``<svg class="chart" data-chart="NAME">`` with a ``<title>``; every bar is a
``<rect class="bar">`` carrying ``data-series``, ``data-category`` and ``data-value``, and its
own ``<title>`` tooltip, so a chart can be checked by reading it. Every chart has a legend
(``<g class="legend">``), bars carry their value as a label, count axes have whole-number
ticks and money axes round ones (:func:`nice_ticks`).

Tables have human headers (:data:`HEADERS`), numbers by one rule (the rule set's score places,
no "≈"), and sit in a box that scrolls sideways when they are wider than the page, so no column
is hidden. The page's ``lang`` follows the rule set (``zh-CN`` when it has Chinese titles or
labels), its font stack names CJK fonts first, and its footer says which font to install when
Chinese shows as boxes.
"""

import math
from decimal import Decimal
from fractions import Fraction
from html import escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
UP, DOWN = "#2ca02c", "#d62728"

FONTS = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
         '"Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif')

CSS = f"""
* {{ box-sizing: border-box; }}
body {{ font-family: {FONTS}; margin: 0 auto; padding: 1.5em 2em; color: #222;
       max-width: 1100px; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.2em; margin-top: 2em; }}
.scroll {{ max-width: 100%; overflow-x: auto; margin: 0.5em 0; border: 1px solid #eee; }}
table {{ border-collapse: collapse; font-size: 0.85em; min-width: 100%; }}
th, td {{ border: 1px solid #ccc; padding: 3px 7px; text-align: right; vertical-align: top; }}
th {{ background: #f3f3f3; text-align: center; }}
td.t, th.t {{ text-align: left; }}
td.n {{ white-space: nowrap; font-variant-numeric: tabular-nums; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }}
svg.chart {{ background: #fafafa; border: 1px solid #ddd; max-width: 100%; height: auto; }}
svg.chart text {{ font-size: 11px; fill: #333; font-family: {FONTS}; }}
svg.chart text.value {{ font-size: 10px; fill: #111; }}
svg.chart text.axis-title {{ font-size: 11px; fill: #555; }}
.note {{ color: #666; font-size: 0.9em; }}
footer {{ margin-top: 2em; border-top: 1px solid #ddd; padding-top: 0.5em; color: #777;
          font-size: 0.8em; }}
"""

FONT_NOTE = ("Chinese text needs a CJK font: Noto Sans CJK SC (Debian/Ubuntu: apt-get install "
             "fonts-noto-cjk), PingFang SC (macOS) or Microsoft YaHei (Windows).")

#: column key -> the header a manager reads
HEADERS = {
    "employee_id": "Employee", "name": "Name", "site": "Site", "org": "Organisation",
    "role": "Role", "level": "Level", "score": "Score", "grade": "Grade",
    "grade_label": "Grade label", "rank": "Rank", "payout": "Payout", "fines": "Fines",
    "status": "Status", "focus": "Training focus", "note": "Note", "rank_": "#",
    "headcount": "Headcount", "scored": "Scored", "mean_score": "Mean score",
    "median_score": "Median score", "min_score": "Lowest score", "max_score": "Highest score",
    "payout_total": "Payout total", "payout_per_head": "Payout per head",
    "config": "Rule set file", "item": "Item", "label": "Label", "lost_total": "Points lost",
    "lost_per_head": "Points lost per head", "employees_losing": "Employees losing points",
    "rule": "Rule", "net": "Net points", "gross": "Points moved", "employees": "Employees",
}


def _a(v) -> str:
    return escape(str(v), quote=True)


def _num(v) -> float:
    try:
        return float(Fraction(str(v).lstrip("≈")))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0.0


def _short(text, limit_px) -> str:
    """Text cut to about ``limit_px`` pixels of chart text (:func:`_text_width`) with an
    ellipsis, for chart labels (the full text is in the label's tooltip)."""
    text = str(text)
    if _text_width(text) <= limit_px:
        return text
    out = ""
    for ch in text:
        if _text_width(out + ch) + 7 > limit_px:
            break
        out += ch
    return out + "…"


def _text_width(text, px=6.6) -> float:
    """Rough width of chart text in pixels (11 px font; CJK characters are square)."""
    return sum(11.0 if ord(ch) > 0x2E80 else px for ch in str(text))


def nice_ticks(peak, integer=False, count=5) -> list:
    """Axis ticks from 0 to at least ``peak``: steps of 1, 2 or 5 × 10ⁿ (whole numbers when
    ``integer``: headcounts have no quarter people), e.g. peak 594.7 → 0, 100, …, 600."""
    peak = float(peak)
    if peak <= 0:
        return [0, 1]
    raw = peak / max(count - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1, round(step))
    top = math.ceil(peak / step - 1e-9) * step
    n = int(round(top / step))
    ticks = [step * k for k in range(n + 1)]
    return [int(t) if integer or float(t).is_integer() else round(t, 10) for t in ticks]


def _tick_text(v) -> str:
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.10g}"


def grouped_bars(name, title, categories, series: dict, unit="", integer=False, width=500,
                 height=280, x_title="", y_title=""):
    """Vertical bars: one group per category, one bar per series (site), each bar labelled
    with its value; a legend of the series; ``integer`` for counts."""
    left, bottom, top = 54, 62, 30
    plot_w, plot_h = width - left - 12, height - bottom - top
    values = [_num(v) for vals in series.values() for v in vals]
    ticks = nice_ticks(max(values + [0]), integer=integer)
    peak = ticks[-1] or 1
    n_cat, n_ser = max(len(categories), 1), max(len(series), 1)
    group_w = plot_w / n_cat
    bar_w = max(group_w * 0.8 / n_ser, 2)
    out = [_open(name, title, width, height)]
    out.append(_axis(left, top, plot_w, plot_h, ticks, y_title))
    for ci, cat in enumerate(categories):
        x0 = left + ci * group_w + group_w * 0.1
        out.append(f'<text x="{left + ci * group_w + group_w / 2:.1f}" y="{top + plot_h + 14}"'
                   f' text-anchor="middle">{_a(_short(cat, group_w))}</text>')
        for si, (sname, vals) in enumerate(series.items()):
            v = _num(vals[ci])
            h = plot_h * v / peak
            x, y = x0 + si * bar_w, top + plot_h - h
            out.append(_rect(x, y, bar_w - 1, h, PALETTE[si % len(PALETTE)], sname, cat,
                             vals[ci], unit))
            if bar_w >= 12:
                out.append(f'<text class="value" x="{x + (bar_w - 1) / 2:.1f}" y="{y - 3:.1f}" '
                           f'text-anchor="middle">{_a(_value_text(vals[ci], integer))}</text>')
    if x_title:
        out.append(f'<text class="axis-title" x="{left + plot_w / 2:.1f}" '
                   f'y="{top + plot_h + 30}" text-anchor="middle">{_a(x_title)}</text>')
    legend, rows = _legend([(s, PALETTE[i % len(PALETTE)]) for i, s in enumerate(series)], left,
                           height - 10, width - left - 8)
    out.append(legend)
    out[0] = _open(name, title, width, height + 16 * (rows - 1))
    out.append("</svg>")
    return "\n".join(out)


def _value_text(v, integer=False) -> str:
    if v is None:
        return "—"
    return str(v) if not integer else str(int(_num(v)))


def hbars(name, title, labels, values, unit="", series="", width=500, colors=None,
          legend=None, tips=None, signed=None):
    """Horizontal bars, one per label, the value written after each bar. ``legend`` is a list
    of (name, colour); by default the series name, or increase/decrease for signed values."""
    row_h, top = 22, 30
    label_w = min(max([_text_width(x) for x in labels] + [40]) + 10, 240)
    left = label_w
    height = top + row_h * max(len(labels), 1) + 30
    plot_w = width - left - 90  # room for the value written after the bar
    peak = max([abs(_num(v)) for v in values] + [0]) or 1
    if signed is None:  # colour by sign when some values are negative
        signed = any(_num(v) < 0 for v in values)
    out = [_open(name, title, width, height)]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row_h
        w = plot_w * abs(_num(v)) / peak
        color = (colors or {}).get(lab) or (PALETTE[0] if not signed else
                                            (UP if _num(v) >= 0 else DOWN))
        out.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">'
                   f'{_a(_short(lab, label_w - 10))}'
                   f'<title>{_a((tips or {}).get(lab, lab))}</title></text>')
        out.append(_rect(left, y + 3, w, row_h - 6, color, series or lab, lab, v, unit))
        out.append(f'<text class="value" x="{left + w + 4:.1f}" y="{y + 14}">{_a(v)}{_a(unit)}'
                   f"</text>")
    if legend is None:
        legend = ([("increase", UP), ("decrease", DOWN)] if signed
                  else [(series or title, (colors or {}).get(labels[0]) if colors and labels
                         else PALETTE[0])])
    svg, rows = _legend(legend, 8, height - 10, width - 16)
    out.append(svg)
    out[0] = _open(name, title, width, height + 16 * (rows - 1))
    out.append("</svg>")
    return "\n".join(out)


def stacked_shares(name, title, rows: dict, keys: list, width=500, key_title="grade"):
    """One 100 % bar per row (site), split by key (grade); the legend names the keys."""
    row_h, top = 26, 30
    left = min(max([_text_width(r) for r in rows] + [40]) + 10, 240)
    height = top + row_h * max(len(rows), 1) + 34
    plot_w = width - left - 14
    out = [_open(name, title, width, height)]
    for i, (rname, counts) in enumerate(rows.items()):
        y = top + i * row_h
        total = sum(counts.get(k, 0) for k in keys) or 1
        x = left
        out.append(f'<text x="{left - 6}" y="{y + 16}" text-anchor="end">'
                   f'{_a(_short(rname, left - 10))}</text>')
        for ki, k in enumerate(keys):
            c = counts.get(k, 0)
            w = plot_w * c / total
            out.append(_rect(x, y + 3, w, row_h - 6, PALETTE[ki % len(PALETTE)], rname, k, c,
                             f" ({100 * c / total:.0f} %)"))
            if c and w > 18 + 7 * len(str(c)):
                out.append(f'<text class="value" x="{x + w / 2:.1f}" y="{y + 17}" '
                           f'text-anchor="middle" fill="#fff">{_a(k)} {c}</text>')
            elif c and w > 12:
                out.append(f'<text class="value" x="{x + w / 2:.1f}" y="{y + 17}" '
                           f'text-anchor="middle" fill="#fff">{c}</text>')
            x += w
    svg, n = _legend([(f"{key_title}:", None)] + [(k, PALETTE[i % len(PALETTE)])
                                                 for i, k in enumerate(keys)],
                     8, height - 10, width - 16)
    out.append(svg)
    out[0] = _open(name, title, width, height + 16 * (n - 1))
    out.append("</svg>")
    return "\n".join(out)


def heatmap(name, title, row_keys, col_keys, cells: dict, row_title, col_title, width=None):
    """A count matrix (grade migration): rows are the grade under one rule set, columns under
    the other; darker means more people, green the diagonal (same grade). The axes are named
    ("grade under north/scorecard.toml") and a legend explains the shading."""
    cell, left, top = 44, 96, 70
    width = width or max(left + cell * len(col_keys) + 24,
                         int(_text_width(col_title)) + left + 10, 300)
    height = top + cell * len(row_keys) + 56
    peak = max([cells[r][c] for r in row_keys for c in col_keys] + [0]) or 1
    out = [_open(name, title, width, height)]
    out.append(f'<text class="axis-title" x="{left}" y="{top - 26}">{_a(col_title)} →</text>')
    mid = top + cell * len(row_keys) / 2
    out.append(f'<text class="axis-title" x="14" y="{mid:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {mid:.0f})">{_a(row_title)} →</text>')
    for j, c in enumerate(col_keys):
        out.append(f'<text x="{left + j * cell + cell / 2}" y="{top - 6}" '
                   f'text-anchor="middle">{_a(c)}</text>')
    for i, r in enumerate(row_keys):
        out.append(f'<text x="{left - 8}" y="{top + i * cell + cell / 2 + 4}" '
                   f'text-anchor="end">{_a(r)}</text>')
        for j, c in enumerate(col_keys):
            n = cells[r][c]
            shade = 0.08 + 0.85 * n / peak if n else 0.0
            color = UP if i == j else PALETTE[0]
            out.append(f'<rect class="bar" x="{left + j * cell}" y="{top + i * cell}" '
                       f'width="{cell - 2}" height="{cell - 2}" fill="{color}" '
                       f'fill-opacity="{shade:.2f}" stroke="#ccc" data-series="{_a(r)}" '
                       f'data-category="{_a(c)}" data-value="{n}"><title>{_a(row_title)} '
                       f'{_a(r)}, {_a(col_title)} {_a(c)}: {n} employee(s)</title></rect>')
            out.append(f'<text class="value" x="{left + j * cell + cell / 2 - 1}" '
                       f'y="{top + i * cell + cell / 2 + 4}" text-anchor="middle">{n}</text>')
    svg, n = _legend([("same grade", UP), ("grade changed", PALETTE[0]),
                      ("darker: more employees", None)], 8, height - 12, width - 16)
    out.append(svg)
    out[0] = _open(name, title, width, height + 16 * (n - 1))
    out.append("</svg>")
    return "\n".join(out)


def _open(name, title, width, height):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{_a(name)}" '
            f'width="{width}" height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" '
            f'role="img"><title>{_a(title)}</title>'
            f'<text x="8" y="17" font-weight="bold">{_a(title)}</text>')


def _axis(left, top, plot_w, plot_h, ticks, y_title=""):
    out = [f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
           f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
           f'stroke="#999"/>']
    peak = ticks[-1] or 1
    for v in ticks:
        y = top + plot_h - plot_h * v / peak
        out.append(f'<line x1="{left - 3}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                   f'stroke="#e4e4e4"/>')
        out.append(f'<text class="tick" x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">'
                   f"{_tick_text(v)}</text>")
    if y_title:
        mid = top + plot_h / 2
        out.append(f'<text class="axis-title" x="12" y="{mid:.0f}" text-anchor="middle" '
                   f'transform="rotate(-90 12 {mid:.0f})">{_a(y_title)}</text>')
    return "\n".join(out)


def _rect(x, y, w, h, color, series, category, value, unit):
    return (f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
            f'height="{max(h, 0):.1f}" fill="{color}" data-series="{_a(series)}" '
            f'data-category="{_a(category)}" data-value="{_a(value)}"><title>{_a(series)} '
            f'{_a(category)}: {_a(value)}{_a(unit)}</title></rect>')


def _legend(entries, x, y, width):
    """A legend: a coloured square and a name per entry, wrapping onto more rows within
    ``width``; returns ``(svg, rows)`` so the chart can grow to hold it."""
    out, cx, row = ['<g class="legend">'], x, 0
    for name, color in entries:
        label = _short(name, width - 20)
        w = (14 if color is not None else 0) + _text_width(label) + 12
        if cx > x and cx + w > x + width:
            cx, row = x, row + 1
        ly = y + 16 * row
        if color is not None:
            out.append(f'<rect x="{cx:.1f}" y="{ly - 9}" width="10" height="10" '
                       f'fill="{color}"/>')
            cx += 14
        out.append(f'<text x="{cx:.1f}" y="{ly}">{_a(label)}<title>{_a(name)}</title></text>')
        cx += _text_width(label) + 12
    out.append("</g>")
    return "\n".join(out), row + 1


def cell_text(value, places=None, mode="half_up") -> str:
    """A table cell: numbers by the one rule (``places`` decimals, no "≈"), the rest as is."""
    from .render import format_number

    if value is None:
        return ""
    if places is not None and not isinstance(value, bool):
        try:
            return format_number(value, places, mode)
        except ValueError:
            pass
    return str(value)


def _numeric_columns(rows, columns):
    """Columns whose non-empty cells are all numbers, and those of them holding a fraction."""
    from .render import format_number

    numeric, fractional = set(), set()
    for c in columns:
        vals = [r.get(c) for r in rows if r.get(c) not in (None, "")]
        if not vals or any(isinstance(v, bool) for v in vals):
            continue
        try:
            [format_number(v, 0) for v in vals]
        except ValueError:
            continue
        numeric.add(c)
        if any(Fraction(str(v).lstrip("≈+")).denominator != 1 for v in vals):
            fractional.add(c)
    return numeric, fractional


def html_table(rows, columns, headers=None, places=2, mode="half_up",
               column_places=None) -> str:
    """A table in a box that scrolls sideways when too wide; human headers; numbers aligned
    right with ``places`` decimals (``column_places``: a column's own) in any column holding a
    non-whole number."""
    headers = headers or [HEADERS.get(c, c.replace("_", " ")) for c in columns]
    cp = column_places or {}
    numeric, fractional = _numeric_columns(rows, columns)
    head = "".join(f'<th class="{"n" if c in numeric else "t"}">{_a(h)}</th>'
                   for c, h in zip(columns, headers, strict=True))
    body = "\n".join(
        "<tr>" + "".join(
            f'<td class="{"n" if c in numeric else "t"}">'
            f"{_a(cell_text(r.get(c), cp.get(c, places) if c in fractional else None, mode))}"
            "</td>"
            for c in columns) + "</tr>" for r in rows)
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>\n{body}\n'
            f"</tbody></table></div>")


def has_chinese(*texts) -> bool:
    return any(ord(ch) > 0x2E80 for t in texts if t for ch in str(t))


def lang_of(*rulesets) -> str:
    """``zh-CN`` when a rule set has Chinese titles or labels (the organisation works in
    Chinese), else ``en``."""
    for rs in rulesets:
        if rs is None:
            continue
        if rs.meta.title_zh or any(it.label_zh for sc in rs.scorecards.values()
                                   for it in sc.items):
            return "zh-CN"
    return "en"


def page(title, body_parts, lang="en", note_fonts=True) -> str:
    body = "\n".join(body_parts)
    footer = f"<footer>{_a(FONT_NOTE)}</footer>" if note_fonts else ""
    return (f'<!DOCTYPE html>\n<html lang="{_a(lang)}"><head><meta charset="utf-8"/>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"/>'
            f"<title>{_a(title)}</title><style>{CSS}</style></head>\n<body>\n<h1>{_a(title)}"
            f"</h1>\n{body}\n{footer}\n</body></html>\n")


def ruleset_names(rs_a, rs_b) -> tuple[str, str]:
    """How a page names two rule sets: their sites, or their files when the sites are the
    same (never "A" and "B", which read like grades)."""
    if rs_a.meta.site != rs_b.meta.site:
        a, b = rs_a.meta.site, rs_b.meta.site
        if rs_a.meta.org != rs_b.meta.org:
            a, b = f"{rs_a.meta.org} / {a}", f"{rs_b.meta.org} / {b}"
        return a, b
    from pathlib import Path

    pa, pb = Path(rs_a.path), Path(rs_b.path)
    # the shortest tails of the two paths that differ
    for n in range(1, max(len(pa.parts), len(pb.parts)) + 1):
        a, b = "/".join(pa.parts[-n:]), "/".join(pb.parts[-n:])
        if a != b:
            return a, b
    return str(pa), str(pb) + " (2)"


# -- the compare report ---------------------------------------------------------------------


def compare_html(c) -> str:
    from .compare import ROW_COLUMNS, column_places, nonzero

    name_a, name_b = ruleset_names(c.rs_a, c.rs_b)
    cols = column_places(c)
    places, mode = cols["score_delta"], c.rs_a.rounding.mode
    cur = c.rs_a.meta.currency
    parts = [f'<p class="note">Rule set <b>{_a(name_a)}</b> ({_a(c.rs_a.path)}) and rule set '
             f'<b>{_a(name_b)}</b> ({_a(c.rs_b.path)}); period {_a(c.period.key)}; both on the '
             f"same data ({len(c.rows)} employees).</p>"]
    charts = [heatmap("grade-migration", f"Grade migration: {name_a} → {name_b}", c.grades,
                      c.grades, c.matrix, f"grade under {name_a}", f"grade under {name_b}")]
    sites = [*c.sites, c.total] if len(c.sites) > 1 else [c.total]
    paid = any(_num(s[k]) for s in sites for k in ("per_head_a", "per_head_b"))
    if paid:
        charts.append(grouped_bars(
            "payout-per-head", f"Payout per head ({cur})", [s["site"] for s in sites],
            {name_a: [s["per_head_a"] for s in sites], name_b: [s["per_head_b"] for s in sites]},
            f" {cur}", y_title=cur))
    top = [d for d in c.drivers if d["gross"] != "0"][:10]
    if top:
        charts.append(hbars("drivers", "Rules that drove the change (net points, all employees)",
                            [d["rule"] for d in top], [d["net"] for d in top], " pts",
                            signed=True, legend=[(f"points gained under {name_b}", UP),
                                                 (f"points lost under {name_b}", DOWN)]))
    deltas = [r for r in c.rows if nonzero(r["score_delta"])]
    if deltas:
        deltas = sorted(deltas, key=lambda r: -abs(_num(r["score_delta"])))[:20]
        charts.append(hbars("score-deltas", f"Largest score changes ({name_b} − {name_a})",
                            [f"{r['employee_id']} {r['name'] or ''}".strip() for r in deltas],
                            [cell_text(r["score_delta"], places, mode) for r in deltas],
                            " pts", signed=True, legend=[(f"higher under {name_b}", UP),
                                            (f"lower under {name_b}", DOWN)]))
    parts.append('<div class="charts">' + "\n".join(charts) + "</div>")
    if not paid:
        parts.append(f'<p class="note">No payout under either rule set for {_a(c.period.key)}:'
                     f" no payout chart.</p>")
    parts.append(f"<h2>Payout cost ({_a(cur)})</h2>")
    parts.append(html_table([*c.sites, c.total], ["site", "headcount", "payout_a", "payout_b",
                                                  "payout_delta", "per_head_a", "per_head_b",
                                                  "per_head_delta"],
                            ["Site", "Headcount", f"Payout {name_a}", f"Payout {name_b}",
                             "Δ payout", f"Per head {name_a}", f"Per head {name_b}",
                             "Δ per head"], places, mode, cols))
    parts.append("<h2>Rules that drove the change</h2>")
    if not c.drivers:
        parts.append('<p class="note">None: every rule gives every employee the same points.</p>')
    parts.append(html_table(c.drivers, ["rule", "net", "gross", "employees", "payout"],
                            ["Rule", "Net points", "Points moved", "Employees",
                             f"Δ payout of those employees ({cur})"], places, mode, cols))
    parts.append("<h2>Employees</h2>")
    parts.append(html_table(c.rows, ROW_COLUMNS,
                            ["Employee", "Name", "Site", "Level", f"Score {name_a}",
                             f"Score {name_b}", "Δ score", f"Grade {name_a}", f"Grade {name_b}",
                             f"Payout {name_a}", f"Payout {name_b}", "Δ payout",
                             "Rules that changed"], places, mode, cols))
    return page(f"Rule sets compared: {name_a} and {name_b} — {c.period.key}", parts,
                lang=lang_of(c.rs_a, c.rs_b))


# -- the cross-site report ------------------------------------------------------------------


def sites_html(report) -> str:
    from .sites import site_places

    sites = report.sites
    names = [s["name"] for s in sites]
    colors = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}  # a site keeps its colour
    parts = [f'<p class="note">Period {_a(report.period)}; each site evaluated with its own rule '
             f"set on its own data.</p>"]
    bins = report.bins
    cur = report.currency
    per_head = [s["payout_per_head"] or 0 for s in sites]
    charts = [
        grouped_bars("score-distribution", "Score distribution (employees per score band)",
                     bins, {s["name"]: [s["distribution"][b] for b in bins] for s in sites},
                     integer=True, x_title="score", y_title="employees"),
        stacked_shares("grade-mix", "Grade mix (employees per grade)",
                       {s["name"]: s["grades"] for s in sites}, report.grade_keys),
        hbars("payout-per-head", f"Payout per head ({cur})", names, per_head, f" {cur}",
              colors=colors, legend=[(n, colors[n]) for n in names]),
        hbars("mean-score", "Mean score", names, [s["mean_score"] or 0 for s in sites],
              colors=colors, legend=[(n, colors[n]) for n in names]),
    ]
    for s in sites:
        lost = s["most_lost"]
        if lost:
            charts.append(hbars(f"most-lost-{s['name']}", f"{s['name']}: points lost per head, "
                                f"by item", [x["item"] for x in lost],
                                [x["lost_per_head"] for x in lost], " pts", series=s["name"],
                                colors={x["item"]: colors[s["name"]] for x in lost},
                                legend=[(f"{s['name']}: points lost per head",
                                         colors[s["name"]])],
                                tips={x["item"]: f"{x['item']}: {x['label'] or ''}"
                                      for x in lost}))
    parts.append('<div class="charts">' + "\n".join(charts) + "</div>")
    parts.append("<h2>Sites</h2>")
    places, mode, cols = site_places(report)
    parts.append(html_table(sites, ["org", "site", "config", "headcount", "scored",
                                    "mean_score", "median_score", "min_score", "max_score",
                                    "payout_total", "payout_per_head"], None, places, mode,
                            cols))
    flag_ids = sorted({f for s in sites for f in s.get("flags") or {}})
    if flag_ids:
        parts.append("<h2>Consequence flags raised (employees)</h2>")
        parts.append(html_table([{"name": s["name"], **{f: s["flags"].get(f, 0)
                                                        for f in flag_ids}} for s in sites],
                                ["name", *flag_ids], ["Site", *flag_ids]))
    parts.append("<h2>Most-lost items</h2>")
    rows = [{"org": s["org"], "site": s["site"], **x} for s in sites for x in s["most_lost"]]
    parts.append(html_table(rows, ["org", "site", "item", "label", "lost_total",
                                   "lost_per_head", "employees_losing"], None, places, mode))
    if report.failed:
        parts.append(f'<h2 class="failed">Failed sites ({len(report.failed)}), not in the '
                     f"charts and tables above</h2>")
        parts.append(html_table(report.failed, ["config", "error"], ["Rule set", "Error"]))
    return page(f"Sites side by side — {report.period}", parts,
                lang=getattr(report, "lang", "en"))


# -- one run's results (report --format html) ---------------------------------------------------


def run_style(run) -> dict:
    """How a stored run's figures are shown, from the rule set text stored with it: score
    places and rounding mode, currency, and the page's language."""
    import tomllib

    try:
        data = tomllib.loads(run.get("ruleset_text") or "")
    except tomllib.TOMLDecodeError:
        data = {}
    rounding, meta = data.get("rounding", {}), data.get("ruleset", {})
    step = Decimal(str(rounding.get("score", "0.01")))
    chinese = bool(meta.get("title_zh")) or any(
        it.get("label_zh") for sc in data.get("scorecards", {}).values()
        if isinstance(sc, dict) for it in sc.get("items", []) if isinstance(it, dict))
    return {"places": max(0, -step.as_tuple().exponent),
            "mode": rounding.get("mode", "half_up"), "currency": _currency(meta),
            "money_step": rounding.get("money", "0.01"), "score_step": str(step),
            "lang": "zh-CN" if chinese else "en", "title": meta.get("title_zh")
            or meta.get("title") or ""}


def _currency(meta: dict) -> str:
    """The stored rule set's currency: its own, else its locale's region's (as at load)."""
    import attrs

    from .ruleset import REGION_CURRENCY, RuleSetMeta

    locale = str(meta.get("locale") or attrs.fields(RuleSetMeta).locale.default)
    return str(meta.get("currency") or REGION_CURRENCY.get(locale.partition("-")[2], ""))


def report_html(run, results, items, note=None) -> str:
    """One stored run for a manager: score distribution, grade mix, payout by grade, points
    lost per item, and the ranked results table (``note``: which result this is, e.g. the
    final result of a closed period)."""
    from .compare import NONE
    from .sites import BINS, _bin

    style = run_style(run)
    places, mode, cur = style["places"], style["mode"], style["currency"]
    labels = {}
    for it in items:
        labels.setdefault(it["item_id"], it["label_zh"] or it["label"] or it["item_id"])
    scored = [r for r in results if r["score"] is not None]
    dist = {b: 0 for b, _ in BINS}
    for r in scored:
        dist[_bin(Fraction(r["score"]))] += 1
    grades: dict = {}
    pay_by_grade: dict = {}
    for r in results:
        g = r["grade"] or NONE
        grades[g] = grades.get(g, 0) + 1
        pay_by_grade[g] = pay_by_grade.get(g, Fraction(0)) + Fraction(r["payout"] or 0)
    order = sorted(grades, key=lambda g: (g == NONE, g))
    lost: dict = {}
    for it in items:
        if it["lost"] is not None and it["kind"] == "item":
            lost[it["item_id"]] = lost.get(it["item_id"], Fraction(0)) + Fraction(it["lost"])
    top = sorted((k for k in lost if lost[k] > 0), key=lambda k: -lost[k])[:10]
    who = f"{run['org']} / {run['site']}"
    title = f"{who} — {run['period']} — run {run['id']}"
    total_pay = sum((Fraction(r["payout"]) for r in results if r["payout"]), Fraction(0))
    parts = [f'<p class="note">{_a(style["title"])} — {len(results)} employees, '
             f"{len(scored)} scored; payout total {_a(cell_text(str(total_pay), 2))} {_a(cur)};"
             f" run {run['id']} of {_a(run['created_at'])}, rule set "
             f"{_a(run['ruleset_path'])}.</p>"]
    if note:
        parts.append(f'<p class="note"><b>{_a(note)}</b></p>')
    charts = [
        grouped_bars("score-distribution", "Score distribution (employees per score band)",
                     [b for b, _ in BINS], {"employees": [dist[b] for b, _ in BINS]},
                     integer=True, x_title="score", y_title="employees"),
        stacked_shares("grade-mix", "Grade mix (employees per grade)",
                       {run["site"]: grades}, order),
    ]
    if total_pay:
        charts.append(grouped_bars(
            "payout-by-grade", f"Payout by grade ({cur})", order,
            {"payout": [cell_text(str(pay_by_grade[g]), 2) for g in order]}, f" {cur}",
            x_title="grade", y_title=cur))
    if top:
        n = len(scored) or 1
        charts.append(hbars("most-lost", "Points lost per head, by item",
                            [labels[k] for k in top],
                            [cell_text(str(lost[k] / n), places, mode) for k in top], " pts",
                            legend=[("points lost per head", PALETTE[0])]))
    parts.append('<div class="charts">' + "\n".join(charts) + "</div>")
    parts.append("<h2>Results</h2>")
    rows = sorted(results, key=lambda r: (r["score"] is None,
                                          -Fraction(r["score"] or 0), r["employee_id"]))
    for i, r in enumerate(rows, 1):
        r = dict(r)
        rows[i - 1] = r
        r["rank_"] = i if r["score"] is not None else ""
        r["grade_label"] = r.get("grade_label_zh") or r.get("grade_label")
    cols = ["rank_", "employee_id", "name", "site", "role", "level", "score", "grade",
            "grade_label", "payout", "fines", "status"]
    parts.append(html_table(rows, cols, places=places, mode=mode))
    return page(title, parts, lang=style["lang"])


# -- any command's table (the html writer of scorecard.render) ----------------------------------


def document_html(doc) -> str:
    """A :class:`scorecard.render.Document` as a page: its table and its further tables
    (``doc.sheets``), human headers, numbers by the document's rule."""
    parts = [html_table(doc.rows, doc.columns, doc.headers, doc.places, doc.mode)]
    for name, d in doc.sheets:
        parts.append(f"<h2>{_a(name)}</h2>")
        parts.append(html_table(d.rows, d.columns, d.headers, d.places, d.mode))
    parts += [f'<p class="note">{_a(line)}</p>' for line in doc.footer]
    cells = [v for r in doc.rows for v in r.values() if isinstance(v, str)]
    return page(doc.title or "scorecard", parts,
                lang="zh-CN" if has_chinese(doc.title, *cells) else "en")
