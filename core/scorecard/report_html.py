"""Standalone HTML reports with inline SVG charts: no script, no stylesheet or font from the
network, so the file opens anywhere (and tests can parse every chart as XML).

Each chart is an ``<svg class="chart" data-chart="NAME">`` with a ``<title>``; every bar is a
``<rect class="bar">`` carrying ``data-series``, ``data-category`` and ``data-value``, and its
own ``<title>`` tooltip, so a chart can be checked by reading it.
"""

from html import escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")

CSS = """
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; margin: 2em; color: #222; max-width: 1100px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; display: block;
        overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
svg.chart { background: #fafafa; border: 1px solid #ddd; }
svg.chart text { font-size: 11px; fill: #333; }
.note { color: #666; font-size: 0.9em; }
"""


def _a(v) -> str:
    return escape(str(v), quote=True)


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def grouped_bars(name, title, categories, series: dict, unit="", width=520, height=260):
    """Vertical bars: one group per category, one bar per series (site)."""
    left, bottom, top = 44, 40, 28
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max([_num(v) for vals in series.values() for v in vals] + [0]) or 1
    n_cat, n_ser = max(len(categories), 1), max(len(series), 1)
    group_w = plot_w / n_cat
    bar_w = max(group_w * 0.8 / n_ser, 2)
    out = [_open(name, title, width, height)]
    out.append(_axis(left, top, plot_w, plot_h, peak, unit))
    for ci, cat in enumerate(categories):
        x0 = left + ci * group_w + group_w * 0.1
        out.append(f'<text x="{left + ci * group_w + group_w / 2:.1f}" y="{height - bottom + 14}"'
                   f' text-anchor="middle">{_a(cat)}</text>')
        for si, (sname, vals) in enumerate(series.items()):
            v = _num(vals[ci])
            h = plot_h * v / peak
            x, y = x0 + si * bar_w, top + plot_h - h
            out.append(_rect(x, y, bar_w - 1, h, PALETTE[si % len(PALETTE)], sname, cat,
                             vals[ci], unit))
    out.append(_legend(list(series), left, height - 12))
    out.append("</svg>")
    return "\n".join(out)


def hbars(name, title, labels, values, unit="", series="", width=520, colors=None):
    """Horizontal bars, one per label."""
    row_h, left, top = 22, 170, 28
    height = top + row_h * max(len(labels), 1) + 20
    plot_w = width - left - 110  # room for the value written after the bar
    peak = max([abs(_num(v)) for v in values] + [0]) or 1
    out = [_open(name, title, width, height)]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row_h
        w = plot_w * abs(_num(v)) / peak
        color = (colors or {}).get(lab, PALETTE[0] if _num(v) >= 0 else PALETTE[3])
        out.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{_a(lab)}</text>')
        out.append(_rect(left, y + 3, w, row_h - 6, color, series or lab, lab, v, unit))
        out.append(f'<text x="{left + w + 4:.1f}" y="{y + 14}">{_a(v)}{_a(unit)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def stacked_shares(name, title, rows: dict, keys: list, width=520):
    """One 100 % bar per row (site), split by key (grade)."""
    row_h, left, top = 26, 120, 28
    height = top + row_h * max(len(rows), 1) + 34
    plot_w = width - left - 14
    out = [_open(name, title, width, height)]
    for i, (rname, counts) in enumerate(rows.items()):
        y = top + i * row_h
        total = sum(counts.get(k, 0) for k in keys) or 1
        x = left
        out.append(f'<text x="{left - 6}" y="{y + 16}" text-anchor="end">{_a(rname)}</text>')
        for ki, k in enumerate(keys):
            c = counts.get(k, 0)
            w = plot_w * c / total
            out.append(_rect(x, y + 3, w, row_h - 6, PALETTE[ki % len(PALETTE)], rname, k, c,
                             f" ({100 * c / total:.0f} %)"))
            if w > 18:
                out.append(f'<text x="{x + w / 2:.1f}" y="{y + 17}" text-anchor="middle" '
                           f'fill="#fff">{_a(k)}</text>')
            x += w
    out.append(_legend(keys, left, height - 10))
    out.append("</svg>")
    return "\n".join(out)


def heatmap(name, title, row_keys, col_keys, cells: dict, width=None):
    """A count matrix (grade migration): rows A, columns B; darker means more people."""
    cell, left, top = 44, 70, 62
    width = width or max(left + cell * len(col_keys) + 20, 280)
    height = top + cell * len(row_keys) + 20
    peak = max([cells[r][c] for r in row_keys for c in col_keys] + [0]) or 1
    out = [_open(name, title, width, height)]
    out.append(f'<text x="{left}" y="{top - 24}">B →</text><text x="6" y="{top + 14}">A ↓</text>')
    for j, c in enumerate(col_keys):
        out.append(f'<text x="{left + j * cell + cell / 2}" y="{top - 6}" '
                   f'text-anchor="middle">{_a(c)}</text>')
    for i, r in enumerate(row_keys):
        out.append(f'<text x="{left - 8}" y="{top + i * cell + cell / 2 + 4}" '
                   f'text-anchor="end">{_a(r)}</text>')
        for j, c in enumerate(col_keys):
            n = cells[r][c]
            shade = 0.08 + 0.85 * n / peak if n else 0.0
            color = "#2ca02c" if i == j else "#1f77b4"
            out.append(f'<rect class="bar" x="{left + j * cell}" y="{top + i * cell}" '
                       f'width="{cell - 2}" height="{cell - 2}" fill="{color}" '
                       f'fill-opacity="{shade:.2f}" stroke="#ccc" data-series="{_a(r)}" '
                       f'data-category="{_a(c)}" data-value="{n}"><title>A {_a(r)} → B '
                       f'{_a(c)}: {n}</title></rect>')
            out.append(f'<text x="{left + j * cell + cell / 2 - 1}" '
                       f'y="{top + i * cell + cell / 2 + 4}" text-anchor="middle">{n}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _open(name, title, width, height):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{_a(name)}" '
            f'width="{width}" height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" '
            f'role="img"><title>{_a(title)}</title>'
            f'<text x="8" y="16" font-weight="bold">{_a(title)}</text>')


def _axis(left, top, plot_w, plot_h, peak, unit):
    out = [f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
           f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
           f'stroke="#999"/>']
    for k in range(5):
        v = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{v:.4g}</text>')
    return "\n".join(out)


def _rect(x, y, w, h, color, series, category, value, unit):
    return (f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
            f'height="{max(h, 0):.1f}" fill="{color}" data-series="{_a(series)}" '
            f'data-category="{_a(category)}" data-value="{_a(value)}"><title>{_a(series)} '
            f'{_a(category)}: {_a(value)}{_a(unit)}</title></rect>')


def _legend(names, x, y):
    out, cx = [], x
    for i, n in enumerate(names):
        out.append(f'<rect x="{cx}" y="{y - 9}" width="10" height="10" '
                   f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{cx + 14}" y="{y}">{_a(n)}'
                   f'</text>')
        cx += 24 + 7 * len(str(n))
    return "\n".join(out)


def html_table(rows, columns, headers=None) -> str:
    headers = headers or columns
    head = "".join(f"<th>{_a(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{_a('' if r.get(c) is None else r.get(c))}</td>"
                                      for c in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def page(title, body_parts) -> str:
    body = "\n".join(body_parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
            f"<title>{_a(title)}</title><style>{CSS}</style></head>\n<body>\n<h1>{_a(title)}"
            f"</h1>\n{body}\n</body></html>\n")


# -- the compare report ---------------------------------------------------------------------


def compare_html(c) -> str:
    from .compare import ROW_COLUMNS

    parts = [f'<p class="note">A = {_a(c.rs_a.path)}, B = {_a(c.rs_b.path)}; period '
             f'{_a(c.period.key)}; both on the same data ({len(c.rows)} employees).</p>']
    charts = [heatmap("grade-migration", "Grade migration (A → B)", c.grades, c.grades,
                      c.matrix)]
    sites = [*c.sites, c.total] if len(c.sites) > 1 else [c.total]
    charts.append(grouped_bars("payout-per-head", "Payout per head", [s["site"] for s in sites],
                               {"A": [s["per_head_a"] for s in sites],
                                "B": [s["per_head_b"] for s in sites]}))
    top = [d for d in c.drivers if d["gross"] != "0"][:10]
    if top:
        charts.append(hbars("drivers", "Rules that drove the change (net points, all employees)",
                            [d["rule"] for d in top], [d["net"] for d in top], " pts"))
    deltas = [r for r in c.rows if r["score_delta"] not in (None, "0", "0.00")]
    if deltas:
        deltas = sorted(deltas, key=lambda r: -abs(_num(r["score_delta"])))[:20]
        charts.append(hbars("score-deltas", "Largest score changes (B − A)",
                            [f"{r['employee_id']} {r['name'] or ''}" for r in deltas],
                            [r["score_delta"] for r in deltas], " pts"))
    parts.append('<div class="charts">' + "\n".join(charts) + "</div>")
    parts.append("<h2>Payout cost</h2>")
    parts.append(html_table([*c.sites, c.total], ["site", "headcount", "payout_a", "payout_b",
                                                  "payout_delta", "per_head_a", "per_head_b",
                                                  "per_head_delta"]))
    parts.append("<h2>Rules that drove the change</h2>")
    parts.append(html_table(c.drivers, ["rule", "net", "gross", "employees", "payout"],
                            ["rule", "net points", "points moved", "employees",
                             "Δ payout of those employees"]))
    parts.append("<h2>Employees</h2>")
    parts.append(html_table(c.rows, ROW_COLUMNS))
    return page(f"Rule sets compared — {c.period.key}", parts)


# -- the cross-site report ------------------------------------------------------------------


def sites_html(report) -> str:
    sites = report.sites
    names = [s["site"] for s in sites]
    colors = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}  # a site keeps its colour
    parts = [f'<p class="note">Period {_a(report.period)}; each site evaluated with its own rule '
             f"set on its own data.</p>"]
    bins = report.bins
    charts = [
        grouped_bars("score-distribution", "Score distribution (employees per band)", bins,
                     {s["site"]: [s["distribution"][b] for b in bins] for s in sites}),
        stacked_shares("grade-mix", "Grade mix", {s["site"]: s["grades"] for s in sites},
                       report.grade_keys),
        hbars("payout-per-head", "Payout per head", names,
              [s["payout_per_head"] or 0 for s in sites], f" {report.currency}", colors=colors),
        hbars("mean-score", "Mean score", names, [s["mean_score"] or 0 for s in sites],
              colors=colors),
    ]
    for s in sites:
        lost = s["most_lost"]
        if lost:
            charts.append(hbars(f"most-lost-{s['site']}", f"{s['site']}: points lost per head, "
                                f"by item", [x["item"] for x in lost],
                                [x["lost_per_head"] for x in lost], " pts", series=s["site"],
                                colors={x["item"]: colors[s["site"]] for x in lost}))
    parts.append('<div class="charts">' + "\n".join(charts) + "</div>")
    parts.append("<h2>Sites</h2>")
    parts.append(html_table(sites, ["site", "config", "headcount", "scored", "mean_score",
                                    "median_score", "min_score", "max_score", "payout_total",
                                    "payout_per_head"]))
    parts.append("<h2>Most-lost items</h2>")
    rows = [{"site": s["site"], **x} for s in sites for x in s["most_lost"]]
    parts.append(html_table(rows, ["site", "item", "label", "lost_total", "lost_per_head",
                                   "employees_losing"]))
    if report.failed:
        parts.append(f'<h2 class="failed">Failed sites ({len(report.failed)}), not in the '
                     f"charts and tables above</h2>")
        parts.append(html_table(report.failed, ["config", "error"]))
    return page(f"Sites side by side — {report.period}", parts)
