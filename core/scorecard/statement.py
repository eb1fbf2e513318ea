"""Employee statements: one self-contained, printable (A4) HTML page per employee and period.

What an employee needs to read their month and decide whether to appeal: organisation, site,
period; every item with its points and maximum; every deduction with its evidence (the record,
its date, the file and line it came from) in plain words; the total, grade and payout; which run
it comes from and where the period stands in the pay cycle (draft, published, closed) with the
last day to appeal.

The figures come from the store: the final result of a published or closed period (the
published run with upheld appeals and adjustments applied, :mod:`scorecard.cycle`), else the
latest run of the rule set for the period, shown as a draft.
"""

import json
import re
from datetime import date
from decimal import Decimal
from fractions import Fraction
from html import escape

import attrs

from .errors import ScorecardError
from .numbers import quantize
from .words import EN, Words, words_of

#: --lang: English, the rule set's own language (its words, scorecard.words), or both
LANGS = ("en", "both")


def word(key: str, lang: str, words: Words | None = None) -> str:
    """A word of the page: in English, in the rule set's language, or both ("考核期 Period")."""
    words = words or Words()
    return words.both(key) if lang == "both" else words.word(key, lang)


@attrs.define
class Line:
    """A ledger line in plain words: ``text`` without the rule id, ``evidence`` (file, line)."""

    text: str
    points: str | None = None
    file: str | None = None
    line: int | None = None


@attrs.define
class Item:
    id: str
    kind: str  # "item" or "penalty"
    label: str
    label_zh: str | None
    section: str | None
    value: str | None
    points: str | None
    max: str | None
    lost: str | None
    lines: list = attrs.Factory(list)

    @property
    def deducted(self) -> bool:
        return self.lost is not None and Fraction(self.lost) > 0


@attrs.define
class Statement:
    """One employee's statement: everything the page shows, as data (``as_dict`` for JSON)."""

    org: str
    site: str
    title: str
    title_zh: str
    period: str
    currency: str
    run_id: int
    run_created_at: str
    status: str  # draft | published | closed
    deadline: date | None
    employee_id: str
    name: str | None
    role: str | None
    level: str | None
    score: str | None
    grade: str | None
    grade_label: str | None
    grade_label_zh: str | None
    rank: int | None
    payout: str | None
    fines: str | None
    result_status: str
    focus: list
    items: list  # Item
    summary: list  # Line: total, grade and payout lines
    decisions: list  # Line: appeals/adjustments applied (final result)
    appeals: list  # dicts: this employee's appeals of the current publication
    #: consequence flags (e.g. "written warning", "no bonus this quarter") for rule sets that
    #: declare them: a list of {"id", "label", "label_zh", "reason"}; read from the result's
    #: ``data`` (key "flags") so the flags' producer and this page stay apart
    flags: list = attrs.Factory(list)
    score_step: str = "0.01"
    money_step: str = "0.01"
    mode: str = "half_up"
    #: the rule set's words (its locale's language, [labels.<lang>]): how the page is worded
    words: Words = attrs.Factory(Words)
    locale: str = "en"

    def as_dict(self) -> dict:
        d = attrs.asdict(self, filter=lambda a, _v: a.name not in ("words", "locale"))
        d["deadline"] = self.deadline.isoformat() if self.deadline else None
        return d

    def score_text(self, value) -> str:
        return number_text(value, self.score_step, self.mode)

    def money_text(self, value) -> str:
        return number_text(value, self.money_step, self.mode)


def number_text(value, step, mode) -> str:
    """One rule for every figure on a statement: the rule set's step and rounding mode, no
    "≈" (the figure shown is the rounded figure); whole numbers stay whole."""
    if value is None or value == "":
        return "—"
    v = Fraction(str(value).lstrip("≈"))
    if v.denominator == 1 and Decimal(str(step)) >= 1:
        return str(v.numerator)
    return format(quantize(v, step, mode), "f")


_REF = re.compile(r"^(?P<file>.+?):(?P<line>\d+)$")


def plain_line(rule: str, text: str, points, ref) -> Line:
    """A ledger line for a person: the ``rule: `` prefix dropped (the item's heading says it),
    the evidence reference split into file and line."""
    if text.startswith(f"{rule}: "):
        text = text[len(rule) + 2:]
    file = line = None
    if ref and ref.startswith("cycle:"):  # a pay-cycle event, not a data file's line
        return Line(text=f"{text} (pay-cycle event {ref[6:]})", points=points)
    if ref:
        m = _REF.match(ref)
        if m:
            file, line = m["file"], int(m["line"])
        else:
            file = ref
    return Line(text=text, points=points, file=file, line=line)


def _cycle():
    try:
        from . import cycle
    except ImportError:  # the pay cycle is optional for statements: drafts only
        return None
    return cycle


def statements(store, rs, period, employees=None) -> list[Statement]:
    """The statements of ``employees`` (all when None) for rule set ``rs`` and ``period`` (a
    :class:`~scorecard.periods.Period`), from ``store``."""
    key = period.key
    cycle = _cycle()
    status, deadline, final, appeals = "draft", None, None, []
    if cycle is not None:
        final = cycle.final_results(store, rs, period)
    if final is not None:
        run = store.run(final.run_id)
        results, items = final.results, final.items
        extra = final.lines
        status = final.state
        deadline = final.status.deadline
        appeals = [a.as_dict() for a in final.status.appeals]
    else:
        run = store.latest_run(org=rs.meta.org, site=rs.meta.site, period=key,
                               dataset=rs.dataset)
        if run is None:
            raise ScorecardError(f"no run of {rs.meta.org} / {rs.meta.site} for {key} in "
                                 f"{store.path or ':memory:'}: scorecard evaluate -c {rs.path} "
                                 f"-p {key}")
        results, items, extra = store.results(run["id"]), store.items(run["id"]), {}
    by_id = {r["employee_id"]: r for r in results}
    wanted = list(employees) if employees else sorted(by_id)
    unknown = [e for e in wanted if e not in by_id]
    if unknown:
        from .schema import did_you_mean

        raise ScorecardError(f"no employee {unknown[0]!r} in run {run['id']} ({key})"
                             f"{did_you_mean(unknown[0], list(by_id))}")
    items_of: dict = {}
    for it in items:
        items_of.setdefault(it["employee_id"], []).append(it)
    out = []
    for eid in wanted:
        res = by_id[eid]
        lines = store.explanations(run["id"], eid)
        out.append(_statement(rs, run, res, items_of.get(eid, []), lines, extra.get(eid, []),
                              status, deadline, [a for a in appeals if a["employee_id"] == eid]))
    return out


def _statement(rs, run, res, items, lines, extra, status, deadline, appeals) -> Statement:
    its = []
    by_rule: dict = {}
    for it in sorted(items, key=lambda i: i["ord"]):
        item = Item(id=it["item_id"], kind=it["kind"], label=it["label"] or it["item_id"],
                    label_zh=it["label_zh"], section=it["section"], value=it["value"],
                    points=it["points"], max=it["max"], lost=it["lost"])
        its.append(item)
        by_rule[item.id] = item
    summary = []
    for ln in lines:
        pl = plain_line(ln["rule"], ln["text"], ln["points"], ln["ref"])
        target = by_rule.get(ln["rule"])
        (target.lines if target is not None else summary).append(pl)
    data = json.loads(res.get("data") or "null") or {}
    flags = data.get("flags", []) if isinstance(data, dict) else []
    return Statement(
        org=run["org"], site=run["site"], title=rs.meta.title, title_zh=rs.meta.title_zh,
        period=run["period"], currency=rs.meta.currency, run_id=run["id"],
        run_created_at=run["created_at"], status=status, deadline=deadline,
        employee_id=res["employee_id"], name=res["name"], role=res["role"], level=res["level"],
        score=res["score"], grade=res["grade"], grade_label=res["grade_label"],
        grade_label_zh=res["grade_label_zh"], rank=res["rank"], payout=res["payout"],
        fines=res["fines"], result_status=res["status"],
        focus=json.loads(res["focus"] or "[]"), items=its, summary=summary,
        decisions=[plain_line(d["rule"], d["text"], d["points"], d["ref"]) for d in extra],
        appeals=appeals, flags=flags, score_step=rs.rounding.score,
        money_step=rs.rounding.money, mode=rs.rounding.mode, words=words_of(rs),
        locale=rs.meta.locale)


# -- the page ---------------------------------------------------------------------------------
CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
html { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC",
       "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif; color: #1a1a1a; }
body { margin: 0 auto; padding: 16px; max-width: 186mm; font-size: 10.5pt; line-height: 1.35; }
h1 { font-size: 16pt; margin: 0 0 2px; } h2 { font-size: 12pt; margin: 16px 0 6px; }
.sub { color: #555; margin: 0 0 10px; }
.status { border: 2px solid #888; padding: 6px 10px; margin: 8px 0 12px; border-radius: 4px; }
.status.draft { border-color: #c77700; background: #fff6e5; }
.status.published { border-color: #1f6fb4; background: #eef5fc; }
.status.closed { border-color: #2c7a2c; background: #eef8ee; }
.status b { font-size: 11.5pt; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 4px 0; }
th, td { border: 1px solid #bbb; padding: 3px 6px; vertical-align: top;
         overflow-wrap: anywhere; word-break: break-word; }
th { background: #f0f0f0; text-align: left; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr;
           gap: 2px 12px; margin: 0; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.totals { display: flex; gap: 10px; margin: 10px 0; }
.totals > div { flex: 1; border: 1px solid #bbb; border-radius: 4px; padding: 6px 8px; }
.totals .k { color: #555; font-size: 9pt; } .totals .v { font-size: 15pt; font-weight: 600; }
.item { break-inside: avoid; margin: 8px 0; }
.item h3 { font-size: 10.5pt; margin: 6px 0 2px; }
ol.ev { margin: 2px 0 4px 0; padding-left: 22px; }
ol.ev li { margin: 1px 0; overflow-wrap: anywhere; }
.ref { color: #555; white-space: nowrap; }
.pts { font-weight: 600; white-space: nowrap; }
.muted { color: #666; }
footer { margin-top: 16px; color: #666; font-size: 8.5pt; border-top: 1px solid #ccc;
         padding-top: 4px; }
@media print { body { padding: 0; max-width: none; } }
"""


def _e(v) -> str:
    return escape("" if v is None else str(v), quote=True)


def _label(en, zh, lang) -> str:
    if lang == "en" or not zh:
        return _e(en)
    if lang != "both":
        return _e(zh)
    return f'{_e(zh)} <span class="muted">{_e(en)}</span>'


def statement_html(st: Statement, lang: str = "both") -> str:
    """The statement as one self-contained HTML page (no script, no external resource), in
    English (``en``), the rule set's language (e.g. ``zh``) or both (the default; English
    alone for a rule set in English or in a language without words)."""
    own = st.words.lang
    if lang not in (*LANGS, own):
        raise ScorecardError(f"--lang {lang}: one of {', '.join(dict.fromkeys((*LANGS, own)))}"
                             f" (the rule set's language is {own!r}: [ruleset] locale)")
    if own == "en":
        lang = "en"

    def w(key):
        return word(key, lang, st.words)

    title = _label(st.title or w("statement"), st.title_zh, lang)
    head = (f"{w('statement')} — {st.name or st.employee_id} ({st.employee_id}) — {st.period}")
    parts = [f"<h1>{title}</h1>",
             f'<p class="sub">{_e(w("statement"))} · {_e(st.org)} · {_e(st.site)} · '
             f"{_e(st.period)}</p>"]
    if st.status == "draft":
        status = f"<b>{_e(w('draft'))}</b>"
    else:
        status = f"<b>{_e(w(st.status))}</b>"
        if st.status == "published":
            status += (f" — {_e(w('deadline'))}: <b>{_e(st.deadline.isoformat())}</b>"
                       if st.deadline else "")
    parts.append(f'<div class="status {_e(st.status)}" data-status="{_e(st.status)}" '
                 f'data-deadline="{_e(st.deadline.isoformat() if st.deadline else "")}">'
                 f"{status}</div>")
    role = " / ".join(x for x in (st.role, st.level) if x) or "—"
    parts.append(
        '<dl class="facts">'
        f"<dt>{_e(w('employee'))}</dt><dd>{_e(st.name)} ({_e(st.employee_id)})</dd>"
        f"<dt>{_e(w('role_level'))}</dt><dd>{_e(role)}</dd>"
        f"<dt>{_e(w('organisation'))}</dt><dd>{_e(st.org)}</dd>"
        f"<dt>{_e(w('site'))}</dt><dd>{_e(st.site)}</dd>"
        f"<dt>{_e(w('period'))}</dt><dd>{_e(st.period)}</dd>"
        f"<dt>{_e(w('run'))}</dt><dd>{_e(st.run_id)} ({_e(st.run_created_at)})</dd>"
        "</dl>")
    grade = st.grade or "—"
    if st.grade_label or st.grade_label_zh:
        grade += " " + (st.grade_label or st.grade_label_zh if lang == "en" else
                        " ".join(x for x in (st.grade_label_zh, st.grade_label) if x)
                        if lang == "both" else st.grade_label_zh or st.grade_label)
    boxes = [("total", st.score_text(st.score) if st.score is not None else w("not_scored"),
              "score"),
             ("grade", grade, "grade"),
             ("payout", (f"{st.money_text(st.payout)} {st.currency}" if st.payout is not None
                         else "—"), "payout")]
    if st.rank:
        boxes.insert(2, ("rank", str(st.rank), "rank"))
    if st.fines:
        boxes.append(("fines", f"{st.money_text(st.fines)} {st.currency}", "fines"))
    parts.append('<div class="totals">' + "".join(
        f'<div data-figure="{k2}"><div class="k">{_e(w(k))}</div><div class="v">{_e(v)}</div>'
        f"</div>" for k, v, k2 in boxes) + "</div>")
    # the items, one row each
    rows = []
    for it in st.items:
        label = _label(it.label, it.label_zh, lang)
        if it.kind == "penalty":
            label = f"{_e(w('penalty'))}: {label}"
        rows.append(f'<tr data-item="{_e(it.id)}"><td>{label}</td>'
                    f'<td class="n">{_e(_value(it.value))}</td>'
                    f'<td class="n">{_e(st.score_text(it.points))}</td>'
                    f'<td class="n">{_e(st.score_text(it.max) if it.max else "—")}</td>'
                    f'<td class="n">{_e(st.score_text(it.lost) if it.deducted else "—")}</td></tr>')
    parts.append('<table class="items"><colgroup><col style="width:48%"/><col style="width:14%"/>'
                 '<col style="width:13%"/><col style="width:12%"/><col style="width:13%"/>'
                 f'</colgroup><thead><tr><th>{_e(w("item"))}</th>'
                 f'<th class="n">{_e(w("value"))}</th><th class="n">{_e(w("points"))}</th>'
                 f'<th class="n">{_e(w("max"))}</th><th class="n">{_e(w("lost"))}</th></tr>'
                 f"</thead><tbody>{''.join(rows)}</tbody></table>")
    # the deductions with their evidence
    parts.append(f"<h2>{_e(w('deductions'))}</h2>")
    lost = [it for it in st.items if it.deducted]
    if not lost:
        parts.append(f"<p>{_e(w('no_deductions'))}</p>")
    for it in lost:
        parts.append(f'<div class="item" data-deduction="{_e(it.id)}"><h3>'
                     f"{_label(it.label, it.label_zh, lang)} — "
                     f'<span class="pts">−{_e(st.score_text(it.lost))}</span></h3>'
                     f'<ol class="ev">{"".join(_line_html(ln, st, lang) for ln in it.lines)}'
                     "</ol></div>")
    if st.flags:
        parts.append(f"<h2>{_e(w('flags'))}</h2><ul class='flags'>" + "".join(
            f"<li data-flag=\"{_e(f.get('id'))}\">"
            f"{_label(f.get('label') or f.get('id'), f.get('label_zh'), lang)}"
            + (f" — {_e(f['reason'])}" if f.get("reason") else "") + "</li>"
            for f in st.flags) + "</ul>")
    if st.decisions or st.appeals:
        parts.append(f"<h2>{_e(w('decisions'))}</h2><ol class='ev'>"
                     + "".join(f"<li>{_e(_appeal_text(a))}</li>" for a in st.appeals)
                     + "".join(_line_html(ln, st, lang) for ln in st.decisions) + "</ol>")
    if st.summary:
        how = w("how_published") if st.decisions else w("how")
        parts.append(f"<h2>{_e(how)}</h2><ol class='ev'>"
                     + "".join(_line_html(ln, st, lang) for ln in st.summary) + "</ol>")
    if st.focus:
        parts.append(f"<p><b>{_e(w('focus'))}:</b> {_e(', '.join(st.focus))}</p>")
    parts.append(f"<footer>{_e(w('footer').format(run=st.run_id))}</footer>")
    html_lang = "en" if lang == "en" else st.locale
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8"/>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"/>'
            f"<title>{_e(head)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def _value(v) -> str:
    if v is None:
        return "—"
    f = Fraction(v)
    return str(f.numerator) if f.denominator == 1 else format(quantize(f, "0.01"), "f")


def _line_html(ln: Line, st: Statement, lang) -> str:
    if ln.file and ln.text == (f"{ln.file}:{ln.line}" if ln.line else ln.file):
        # a counted record whose ledger line is only its reference
        ln = Line(text=word("counted", lang, st.words), points=ln.points, file=ln.file,
                  line=ln.line)
    ref = ""
    if ln.file:
        where = (st.words.word("file_line", lang) if lang != "both" else EN["file_line"]).format(
            file=ln.file, line=ln.line) if ln.line else ln.file
        ref = f' <span class="ref">[{_e(word("evidence", lang, st.words))}: {_e(where)}]</span>'
    return f"<li>{_e(ln.text)}{ref}</li>"


def _appeal_text(a: dict) -> str:
    d = a.get("decision")
    text = f"appeal {a['id']} on {a['item_id']} lodged {a['lodged_on']} by {a['by']}: " \
           f"{a['reason']} — {a['status']}"
    if d:
        text += f" ({d.get('reason')}, {d.get('actor')}, {d.get('on_date')})"
    return text


# -- files ------------------------------------------------------------------------------------
def write_private(path, data) -> None:
    """Write ``data`` owner-only (0600), whole or not at all (scorecard.private when present)."""
    try:
        from .private import write_private as _wp
    except ImportError:  # before the store's helper: the same, here
        import os
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return
    _wp(path, data)


_UNSAFE = re.compile(r"[^\w.-]+")


def file_name(st: Statement, suffix: str) -> str:
    """``EMPLOYEE-PERIOD.suffix``, the id made safe for a file name."""
    return f"{_UNSAFE.sub('_', st.employee_id).strip('.') or 'employee'}-{st.period}{suffix}"


def workbook(sts, rs) -> bytes:
    """The statements as one workbook: a summary sheet (one row per employee), the items, the
    deductions with their evidence, and the provenance."""
    from .xlsx import Table, number_format, workbook_bytes

    score_fmt = number_format(rs.rounding.score)
    money_fmt = number_format(rs.rounding.money, thousands=True)
    summary = [{"employee_id": s.employee_id, "name": s.name, "role": s.role, "level": s.level,
                "score": s.score, "grade": s.grade, "grade_label": s.grade_label_zh
                or s.grade_label, "rank": s.rank, "payout": s.payout, "fines": s.fines,
                "status": s.status, "deadline": s.deadline.isoformat() if s.deadline else None}
               for s in sts]
    items = [{"employee_id": s.employee_id, "item": it.id, "label": it.label_zh or it.label,
              "label_en": it.label, "value": it.value, "points": it.points, "max": it.max,
              "lost": it.lost} for s in sts for it in s.items]
    ded = [{"employee_id": s.employee_id, "item": it.id, "label": it.label_zh or it.label,
            "text": ln.text, "points": ln.points, "file": ln.file, "line": ln.line}
           for s in sts for it in s.items if it.deducted for ln in it.lines]
    first = sts[0]
    words = words_of(rs)
    h = words.header
    tables = [
        Table("Statements", summary, list(summary[0]) if summary else [],
              [h("employee_id"), h("name"), h("role"), h("level"), h("score"),
               h("grade", "grade"), h("grade_label"), h("rank", "rank"),
               h("bonus", f"payout ({first.currency})"), h("fines", f"fines ({first.currency})"),
               h("status", "status"), h("appeal_deadline")],
              formats={"score": score_fmt, "payout": money_fmt, "fines": money_fmt,
                       "rank": "0"}),
        Table("Items", items, ["employee_id", "item", "label", "label_en", "value", "points",
                               "max", "lost"],
              [h("employee_id"), h("item_id"), words.local_only("item_label", "label"),
               "label" if words.local else "label_en", h("measured"),
               h("points", "points"), h("max", "max"), h("lost", "lost")],
              formats={"points": score_fmt, "max": score_fmt, "lost": score_fmt}),
        Table("Deductions", ded, ["employee_id", "item", "label", "text", "points", "file",
                                  "line"],
              [h("employee_id"), h("item_id"), h("item_label"), h("evidence", "evidence"),
               h("points_short"), h("file"), h("line")], formats={"points": score_fmt,
                                                                 "line": "0"},
              wrap=("text",)),
    ]
    return workbook_bytes(tables, provenance(first, rs))


def provenance(st: Statement, rs) -> list:
    return [("organisation", st.org), ("site", st.site), ("period", st.period),
            ("run", st.run_id), ("run created", st.run_created_at), ("status", st.status),
            ("appeal deadline", st.deadline.isoformat() if st.deadline else None),
            ("rule set", str(rs.path)), ("rule set sha256", rs.hash),
            ("title", rs.meta.title_zh or rs.meta.title),
            ("rounding", f"score {rs.rounding.score}, money {rs.rounding.money}, "
                         f"{rs.rounding.mode}")]
