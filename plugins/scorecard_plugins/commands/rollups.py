"""Commands over stored runs: ``scorecard annual`` (year-end grade), ``scorecard star`` (the best
of a period) and ``scorecard history EMPLOYEE`` (growth record). The logic is in
:mod:`scorecard.annual`; these only parse options and print."""

import tomllib
from fractions import Fraction

import click

from scorecard import hookimpl
from scorecard.numbers import to_fraction
from scorecard.options import (
    config_option,
    db_option,
    format_option,
    open_ruleset,
    open_store,
    output_option,
    period_option,
)
from scorecard.render import Document, dec_text, format_number, render, style_of


def _common(f):
    """-c/--config, --db, --format and -o, as every command has them."""
    for option in (output_option, format_option("table", "json", "csv", "xlsx"), db_option,
                   config_option):
        f = option(f)
    return f


def _open(config, db):
    return open_ruleset(config), open_store(config, db, create=False)  # read-only commands


def _num(v):
    return None if v is None else dec_text(Fraction(v))


def _emit(fmt_, rows, cols, headers, payload, output, title=None, style=None, meta=None):
    # meta: the provenance sheet of --format xlsx (and period/run_id columns of a CSV)
    render(Document(rows, cols, headers=headers, title=title, payload=payload,
                    meta=meta or {}, **(style or {})), fmt_, output)


def item_bands_of(ruleset_text: str, scorecard: str) -> dict:
    """``{item_id: [Band]}`` for the items scored ``type = "item_band"`` (or its old name
    ``"band"``) in a stored run's rule set (the bands in force when that run was made, not
    today's)."""
    from ..grading.bands import Band  # here, not at import: `scorecard --help` skips it

    try:
        data = tomllib.loads(ruleset_text or "")
    except tomllib.TOMLDecodeError:
        return {}
    out = {}
    for it in data.get("scorecards", {}).get(scorecard, {}).get("items", []):
        score = it.get("score")
        if isinstance(score, dict) and score.get("type") in ("item_band", "band"):
            out[it["id"]] = [Band(grade=b["grade"], min=None if b.get("min") is None else
                                  to_fraction(b["min"]), label=b.get("label", ""),
                                  label_zh=b.get("label_zh", "")) for b in score["bands"]]
    return out


@hookimpl
def register_commands(cli):
    @cli.command()
    @_common
    @click.option("--year", required=True, type=int, help="Calendar year, e.g. 2026.")
    def annual(config, db, fmt_, output, year):
        """Year-end grade of every employee from the year's stored period runs.

        Uses the latest run of each month (or quarter) of YEAR for the rule set's organisation
        and site, and the thresholds in [scorecards.X.annual]. Periods without a run are listed
        on stderr; an employee missing a period gets no grade unless annual.missing =
        "evaluated_only".

        \b
            scorecard annual --config acs/scorecard.toml --year 2026
        """
        from scorecard.annual import annual as roll
        from scorecard.words import words_of

        rs, store = _open(config, db)
        rep = roll(store, rs, year)
        rows = []
        for r in rep.rows:
            d = {"employee_id": r.employee_id, "name": r.name, "role": r.role,
                 "scorecard": r.scorecard, "grade": r.grade, "grade_zh": r.grade_zh,
                 "total": _num(r.total), "rank": r.rank_top, "rank_from_bottom": r.rank_bottom,
                 "periods": len(r.scores), "missing": ", ".join(r.missing),
                 "reason": r.reasons[-1] if r.reasons else ""}
            if fmt_ == "json":
                d["scores"] = {p: _num(v) for p, v in r.scores.items()}
                d["missing"] = r.missing
                d["reasons"] = list(r.reasons)
            rows.append(d)
        rows.sort(key=lambda d: (d["rank"] is None, d["rank"] or 0, d["employee_id"]))
        cols = ["employee_id", "name", "role", "total", "rank", "grade", "grade_zh", "periods",
                "missing", "reason"]
        # grade_zh holds the annual scheme's labels_zh: headed by the rule set's word for grade
        _emit(fmt_, rows, cols, ["employee", "name", "role", "total", "rank", "grade",
                                 words_of(rs).local_only("grade", "grade_zh"), "periods",
                                 "missing", "reason"],
              {"year": year, "org": rs.meta.org, "site": rs.meta.site, "runs": rep.runs,
               "ruleset_hashes": rep.hashes,
               "missing_periods": rep.missing_periods, "results": rows}, output,
              title=f"{rs.meta.org} / {rs.meta.site} — year {year} — runs "
                    + ", ".join(f"{p}:{r}" for p, r in rep.runs.items() if r),
              style=style_of(rs),
              meta={"sheet": "Annual", "year": year, "organisation": rs.meta.org,
                    "site": rs.meta.site, "rule set": str(rs.path),
                    "runs": ", ".join(f"{p}: run {r}" for p, r in rep.runs.items() if r),
                    "missing periods": ", ".join(rep.missing_periods) or None})
        if rep.mixed_rulesets:
            groups: dict = {}
            for per, h in rep.hashes.items():
                groups.setdefault(h[:12], []).append(per)
            click.echo("note: the year's runs used different rule sets: " + "; ".join(
                f"{h} for {', '.join(ps)}" for h, ps in groups.items()), err=True)
        if rep.missing_periods:
            click.echo(f"warning: no stored run for {', '.join(rep.missing_periods)}: those "
                       f"periods are reported missing, not guessed; evaluate them first "
                       f"(scorecard evaluate -c {config} -p "
                       f"{rep.missing_periods[0]})", err=True)

    @cli.command()
    @_common
    @period_option
    @click.option("--run", type=int, help="Run id (default: the period's latest run).")
    @click.option("--top", default=5, show_default=True, help="Rows shown per scorecard.")
    def star(config, db, fmt_, output, period, run, top):
        """The service star of a period: the best score, ties broken by the items in
        annual.star_tiebreak (e.g. CSI, then first-time-fix rate); still tied: shared."""
        from scorecard.annual import stars
        from scorecard.periods import Period

        rs, store = _open(config, db)
        p = Period.from_user(period, rs.meta.period)
        r, rows = stars(store, rs, p, run)
        shown, per = [], {}
        for x in rows:
            per[x["scorecard"]] = per.get(x["scorecard"], 0) + 1
            if per[x["scorecard"]] <= top or x["star"]:
                shown.append(x)
        ties = sorted({t for x in rows for t in x["tiebreak"]})
        for x in shown:
            x["star_"] = "★" if x["star"] else ""
            for t in ties:
                x[t] = _num(x.get(t))
        cols = ["star_", "employee_id", "name", "role", "score", *ties]
        _emit(fmt_, shown, cols, ["star", "employee", "name", "role", "score", *ties],
              {"run_id": r["id"], "period": p.key,
               "stars": [x for x in rows if x["star"]], "ranking": shown}, output,
              title=f"{rs.meta.org} / {rs.meta.site} — {p.key} — run {r['id']}",
              style=style_of(rs))

    @cli.command()
    @click.argument("employee")
    @_common
    def history(employee, config, db, fmt_, output):
        """EMPLOYEE's growth record: score, band and each graded item's value and band in the
        latest stored run of every period, with the change from the previous period."""
        from scorecard.annual import history as hist
        from scorecard.errors import ScorecardError

        from ..scorers.item_band import band_text, item_band

        rs, store = _open(config, db)
        style = style_of(rs)
        got = hist(store, rs, employee)
        if not got:
            raise ScorecardError(f"no stored run of {rs.meta.org}/{rs.meta.site} has employee "
                                 f"{employee!r}")
        rows, item_ids = [], []
        texts = {}
        for h in got:
            run = store.run(h["run_id"])
            bands = texts.setdefault((h["run_id"], h["scorecard"]),
                                     item_bands_of(run["ruleset_text"], h["scorecard"]))
            others = [r for r in h["runs_for_period"] if r != h["run_id"]]
            d = {"period": h["period"], "run": h["run_id"], "score": h["score"],
                 "earlier_runs": " ".join(map(str, others)) or None,
                 "grade": " ".join(x for x in (h["grade"], h["grade_label_zh"]) if x) or None,
                 "change": None if h["change"] is None else
                 ("+" if h["change"] > 0 else "") + _num(h["change"]),
                 "status": h["status"]}
            for it in h["items"]:
                if it["item_id"] not in bands:
                    continue
                if it["item_id"] not in item_ids:
                    item_ids.append(it["item_id"])
                v = None if it["value"] is None else Fraction(it["value"])
                b = item_band(bands[it["item_id"]], v)
                d[it["item_id"]] = _num(v)
                d[f"{it['item_id']}_band"] = b.grade if b else None
                # the table's text cell: the number by the tables' one rule, then its band
                shown = None if v is None else format_number(v, **style)
                d[f"{it['item_id']}_text"] = (f"{shown} {band_text(b)}" if b else
                                              (shown if v is not None else "—"))
            rows.append(d)
        if fmt_ == "table":
            for d in rows:
                if d["earlier_runs"]:  # a result changed on appeal is a later run
                    d["run"] = f"{d['run']} (earlier: {d['earlier_runs']})"
            _emit(fmt_, rows, ["period", "run", "score", "grade", "change",
                               *(f"{i}_text" for i in item_ids)],
                  ["period", "run", "score", "grade", "change", *item_ids], None, output,
                  title=f"{employee} — {rs.meta.org} / {rs.meta.site} — growth record",
                  style=style_of(rs))
            return
        cols = ["period", "run", "earlier_runs", "score", "grade", "change", "status",
                *(c for i in item_ids for c in (i, f"{i}_band"))]
        _emit(fmt_, rows, cols, cols, {"employee_id": employee, "history": rows}, output)
