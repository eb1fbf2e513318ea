"""The payroll export: one row per employee with the final payout of a closed period (the
published run with every upheld appeal and adjustment applied, :func:`scorecard.cycle.
final_results`), as the one sheet payroll pays from.

A period that is not closed is refused (exit 2) unless a draft is asked for: then every row is
stamped DRAFT, and so is the sheet's name and its provenance, so a draft can be checked by
payroll but not mistaken for the figures to pay.
"""

import attrs

from .errors import ScorecardError

COLUMNS = ["period", "run_id", "state", "employee_id", "name", "site", "role", "level",
           "scorecard", "score", "grade", "payout", "fines", "currency", "result_status",
           "decisions", "stamp"]
#: the word (scorecard.words) heading each column in the rule set's language
WORD_OF = {"period": "period", "run_id": "run", "state": "status", "employee_id": "employee_id",
           "name": "name", "site": "site", "role": "role", "level": "level",
           "scorecard": "scorecard", "score": "score", "grade": "grade", "payout": "payout",
           "fines": "fines", "currency": "currency", "result_status": "result_status",
           "decisions": "appeals_adjustments", "stamp": "stamp"}


def headers(rs) -> list[str]:
    """The sheet's headers: each column's name, after its word in the rule set's language
    (``考核期 period``); the bare column names for a rule set in English."""
    from .words import words_of

    w = words_of(rs)
    return [w.header(WORD_OF[c], c) for c in COLUMNS]


@attrs.define
class Payroll:
    """The rows to pay from and where they come from (``provenance``)."""

    rows: list
    provenance: list
    draft: bool
    state: str


def payroll(store, rs, period, draft: bool = False) -> Payroll:
    """The payroll of ``period`` for rule set ``rs``. Refused unless the period is closed, or
    ``draft`` (every row stamped DRAFT)."""
    from . import cycle

    st = cycle.period_status(store, rs, period)
    who = f"{rs.meta.org} / {rs.meta.site} {period.key}"
    if st.state != "closed" and not draft:
        raise ScorecardError(
            f"{who} is {st.describe()}: payroll pays from a closed period only. Sign it off "
            f"first (scorecard close -c {rs.path} -p {period.key} --by NAME), or export a draft "
            f"to check with --draft (every row is stamped DRAFT)")
    final = cycle.final_results(store, rs, period)
    if final is not None:
        run = store.run(final.run_id)
        results = final.results
        changed = final.changed
        decided: dict = {}
        for d in final.status.decisions:
            if d.get("mode") is not None:
                decided[d["employee_id"]] = decided.get(d["employee_id"], 0) + 1
    else:
        run = store.latest_run(org=rs.meta.org, site=rs.meta.site, period=period.key,
                               dataset=rs.dataset)
        if run is None:
            raise ScorecardError(f"no run of {who}: scorecard evaluate -c {rs.path} -p "
                                 f"{period.key}")
        results, changed, decided = store.results(run["id"]), set(), {}
    stamp = "DRAFT" if st.state != "closed" else ""
    rows = []
    for r in sorted(results, key=lambda r: r["employee_id"]):
        n = decided.get(r["employee_id"], 0)
        rows.append({
            "period": period.key, "run_id": run["id"], "state": st.state,
            "employee_id": r["employee_id"], "name": r["name"], "site": r["site"],
            "role": r["role"], "level": r["level"], "scorecard": r["scorecard"],
            "score": r["score"], "grade": r["grade"], "payout": r["payout"],
            "fines": r["fines"], "currency": rs.meta.currency, "result_status": r["status"],
            "decisions": n if n or r["employee_id"] in changed else 0, "stamp": stamp})
    from fractions import Fraction

    total = sum((Fraction(r["payout"]) for r in rows if r["payout"]), Fraction(0))
    from .numbers import quantize

    prov = [("organisation", rs.meta.org), ("site", rs.meta.site), ("period", period.key),
            ("state", st.describe()), ("published run", run["id"]),
            ("run created", run["created_at"]),
            ("closed by", st.closed["actor"] if st.closed else None),
            ("closed at", st.closed["at"] if st.closed else None),
            ("appeal deadline", st.deadline.isoformat() if st.deadline else None),
            ("decisions applied", len([d for d in st.decisions if d.get("mode") is not None])),
            ("employees", len(rows)),
            ("payout total", f"{quantize(total, rs.rounding.money, rs.rounding.mode)} "
                             f"{rs.meta.currency}"),
            ("rule set", str(rs.path)), ("rule set sha256", rs.hash)]
    if stamp:
        prov.insert(0, ("DRAFT", "not closed: not for payment"))
    return Payroll(rows=rows, provenance=prov, draft=bool(stamp), state=st.state)


def payroll_xlsx(p: Payroll, rs) -> bytes:
    from .xlsx import Table, number_format, workbook_bytes

    money = number_format(rs.rounding.money, thousands=True)
    sheet = Table("DRAFT payroll" if p.draft else "Payroll", p.rows, COLUMNS, headers(rs),
                  formats={"score": number_format(rs.rounding.score), "payout": money,
                           "fines": money, "run_id": "0", "decisions": "0"})
    return workbook_bytes([sheet], p.provenance)


def payroll_csv(p: Payroll, bom: bool = True) -> str:
    import csv
    import io

    from .xlsx import neutralise

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in p.rows:
        w.writerow(["" if r[c] is None else neutralise(str(r[c])) for c in COLUMNS])
    return ("\ufeff" if bom else "") + buf.getvalue()
