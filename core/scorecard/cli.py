"""The ``scorecard`` command line."""

import json
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import click

from . import __version__
from .errors import ScorecardError
from .flags import count_flags, flag_dict, stored_flags
from .manager import load_plugins, plugin_rows, pm
from .numbers import fmt, quantize
from .output import progress, table, to_csv, to_json
from .periods import Period


def dec_text(value) -> str | None:
    """Decimal text for output: exact when it terminates, else 4 places."""
    if value is None:
        return None
    if isinstance(value, str):
        if "/" not in value:
            return value
        value = Fraction(value)
    text = fmt(value)
    return str(quantize(value, "0.0001", "half_even")) if text.startswith("≈") else text


@click.group()
@click.version_option(__version__, prog_name="scorecard")
def cli():
    """Evaluate staff performance from an organisation's rule set and data exports.

    \b
    Start with a bundle's sample:
        scorecard init --org automotive-contact-centre ./acc
        scorecard evaluate --config ./acc/scorecard.toml --period 2026-10
        scorecard explain A001 --config ./acc/scorecard.toml --period 2026-10
    """


def _store(config: Path | None, db: str | None):
    from .store import Store

    if db:
        return Store(db)
    if config is None:
        raise ScorecardError("give --config RULESET (its scorecard.db is used) or --db FILE")
    return Store(Path(config).parent / "scorecard.db")


def _ruleset(config):
    from .ruleset import load_ruleset

    return load_ruleset(Path(config))


config_option = click.option("--config", "-c", "config", type=click.Path(dir_okay=False),
                             help="Rule set (TOML).")
db_option = click.option("--db", help="SQLite database (default: scorecard.db beside the rule "
                                      "set).")
format_option = click.option("--format", "fmt_", type=click.Choice(["table", "json", "csv"]),
                             default="table", show_default=True, help="Output format.")


@cli.command()
@click.option("json_", "--json", is_flag=True, help="Output as JSON.")
@click.option("--types", is_flag=True, help="Also list every registered type by kind.")
def plugins(json_, types):
    """List installed plugins and the hooks they implement."""
    from .registry import get_registry

    rows = plugin_rows()
    if types or json_:
        try:
            reg = get_registry()
        except click.ClickException as e:
            reg = None
            rows.append({"name": "(registry)", "hooks": [], "error": e.message})
        if reg is not None:
            owned: dict = {}
            for (kind, name), plugin in reg.owner.items():
                owned.setdefault(plugin, []).append(f"{kind}:{name}")
            for r in rows:
                r["types"] = sorted(owned.get(r["name"], []))
    if json_:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        ver = f" {r['version']}" if r.get("version") else ""
        click.echo(f"{r['name']}{ver}: {', '.join(r['hooks'])}")
        if r.get("error"):
            click.echo(f"    failed to load: {r['error']}")
        if types and r.get("types"):
            click.echo(f"    {', '.join(r['types'])}")


@cli.command()
@click.option("--org", required=True, help="Bundle name (see `scorecard plugins --types`).")
@click.option("--site", help="Site name written into the rule set.")
@click.option("--force", is_flag=True, help="Overwrite an existing scorecard.toml.")
@click.argument("directory", type=click.Path(file_okay=False))
def init(org, site, force, directory):
    """Write DIRECTORY/scorecard.toml and DIRECTORY/data/*.csv from a bundle."""
    from .bundles import get_bundle, init_dir

    bundle = get_bundle(org)
    out, copied = init_dir(bundle, Path(directory), site=site, force=force)
    click.echo(f"wrote {out} and {len(copied)} sample file(s) in {Path(directory) / 'data'}")
    click.echo(f"next: scorecard evaluate --config {out} --period {bundle.sample_period}")


@cli.command()
@config_option
@db_option
@click.option("--quarantine", is_flag=True,
              help="Keep good rows; put bad ones, with reasons, in the _quarantine table.")
@click.option("--force", is_flag=True, help="Ingest even when nothing changed.")
def ingest(config, db, quarantine, force):
    """Load the rule set's sources into the store (all of them, or none on bad data)."""
    from .ingest import ingest as do_ingest

    if not config:
        raise ScorecardError("--config is required")
    rs = _ruleset(config)
    store = _store(config, db)
    with progress("ingesting", "rows") as update:
        report = do_ingest(store, rs, only_changed=not force, quarantine=quarantine,
                           progress=update)
    for name, (status, n) in report.items():
        click.echo(f"{name}: {status} ({n} rows)")


def _result_dict(er, ledger=True):
    emp = er.employee
    d = {
        "employee_id": er.employee_id, "name": emp.get("name"), "site": emp.get("site"),
        "role": emp.get("role"), "level": emp.get("level"), "scorecard": er.scorecard.id,
        "status": er.status, "notes": er.notes,
        "score": None if er.score is None else str(er.score),
        "grade": er.grade.grade if er.grade else None,
        "grade_label": er.grade.label if er.grade else None,
        "grade_label_zh": er.grade.label_zh if er.grade else None,
        "rank": er.grade.rank if er.grade else None,
        "eligible": er.grade.eligible if er.grade else None,
        "payout": None if er.payout is None else str(er.payout),
        "fines": str(er.fines) if er.fines else None,
        "focus": er.focus,
        "flags": [flag_dict(f) for f in er.flags],
        "items": [{"id": o.item.id, "label": o.item.label, "label_zh": o.item.label_zh,
                   "section": o.item.section, "value": dec_text(o.measure.value),
                   "points": dec_text(o.points), "max": dec_text(o.item.max)}
                  for o in er.items]
        + [{"id": p.id, "label": p.label, "label_zh": p.label_zh, "section": None,
            "value": None, "points": dec_text(a.points), "max": None,
            "fines": dec_text(a.fines) if a.fines else None} for p, a in er.adjustments],
    }
    if ledger:
        d["explanation"] = [{"rule": ln.rule, "text": ln.text, "points": dec_text(ln.points),
                             "ref": ln.ref} for ln in er.lines]
    return d


RESULT_COLUMNS = ["rank_", "employee_id", "name", "role", "level", "score", "grade", "payout",
                  "fines", "focus", "note"]
RESULT_HEADERS = ["#", "employee", "name", "role", "level", "score", "grade", "payout", "fines",
                  "training focus", "note"]
NOTES = {"ok": "", "no_score": "no data: no score", "no_activity": "no activity: not scored"}


def _with_flags(rows, cols, headers=None):
    """Columns with a ``flags`` column (the raised flags' ids) when any row has a flag."""
    if not any(r.get("flags") for r in rows):
        return cols, headers
    for r in rows:  # rows are copies: the list becomes its ids for a table cell
        r["flags"] = ", ".join(f["id"] for f in r.get("flags") or [])
    return cols + ["flags"], (headers + ["flags"]) if headers else None


def _flag_counts(rows) -> str:
    """``flags: accountability 1 (追究责任), serious_handling 2 (严肃处理)``, or ""."""
    zh = {f["id"]: f.get("label_zh") or "" for r in rows for f in r.get("flags") or []}
    counts = count_flags(rows)
    return ("flags: " + ", ".join(f"{k} {counts[k]}" + (f" ({zh[k]})" if zh[k] else "")
                                  for k in sorted(counts))) if counts else ""


def _ranked(rows):
    def key(r):
        s = r.get("score")
        return (s is None, -Fraction(s) if s is not None else 0, r["employee_id"])

    out = sorted(rows, key=key)
    for i, r in enumerate(out, 1):
        r["rank_"] = i if r.get("score") is not None else ""
        r["note"] = NOTES.get(r.get("status"), r.get("status")) or "; ".join(r.get("notes") or [])
        if isinstance(r.get("focus"), list):
            r["focus"] = ", ".join(r["focus"])
    return out


@cli.command()
@config_option
@click.option("--period", "-p", required=True, help="YYYY-MM, YYYY-Qn or YYYY.")
@db_option
@format_option
@click.option("--no-ledger", is_flag=True, help="Skip per-record explanation lines (faster).")
@click.option("--label", help="A note stored with the run.")
@click.option("--allow-empty", is_flag=True,
              help="Evaluate even when no row of the data falls in the period.")
@click.option("--quarantine", is_flag=True,
              help="Ingest the good rows and set bad ones aside (the run is then incomplete).")
@click.option("--accept-incomplete", metavar="REASON",
              help="Allow publishing this run although rows were set aside; the reason is "
                   "stored.")
def evaluate(config, period, db, fmt_, no_ledger, label, allow_empty, quarantine,
             accept_incomplete):
    """Evaluate the rule set for a period and store the run.

    Sources are (re-)ingested first when their content changed since the last ingest. The
    rule set is checked first (errors stop it, warnings are printed once); a closed period is
    refused; what the run stands on (rows, quarantined rows, coverage, no activity) is stored
    with it.
    """
    from .check import check_ruleset, refuse_errors
    from .cycle import ensure_open
    from .engine import evaluate as run_eval
    from .engine import record
    from .ingest import ingest as do_ingest

    if not config:
        raise ScorecardError("--config is required")
    rs = _ruleset(config)
    p = Period.from_user(period, rs.meta.period)
    store = _store(config, db)
    # before a long ingest: a rule set with check errors does not run; warnings said once
    findings = check_ruleset(rs, data=False)
    refuse_errors(rs, findings)
    for f in findings:
        if f.severity == "warning":
            click.echo(f.text(), err=True)
    ensure_open(store, rs, p)
    with progress("ingesting", "rows") as update:
        do_ingest(store, rs, progress=update, quarantine=quarantine)
    with progress("evaluating", "employees") as update:
        ev = run_eval(store, rs, p, ledger=not no_ledger, allow_empty=allow_empty,
                      progress=update, ingest_first=False, checked=True)
        record(store, ev, ledger=not no_ledger, label=label,
               accept_incomplete=accept_incomplete)
    _print_evaluation(ev, fmt_, ledger=not no_ledger)
    for text in ev.completeness.warnings():
        click.echo(text, err=True)
    unscored = [er for er in ev.results if er.score is None]
    if unscored:
        click.echo(f"note: {len(unscored)} of {len(ev.results)} employee(s) not scored for "
                   f"{p.key} ({', '.join(sorted({NOTES[er.status] for er in unscored}))}); "
                   f"`scorecard explain EMPLOYEE` says why", err=True)
    if ev.same_as:
        click.echo(f"run {ev.run_id}: identical to run {ev.same_as} (same rule set, same data, "
                   f"same results)", err=True)
    elif ev.differs_from:
        click.echo(f"run {ev.run_id}: WARNING: differs from run {ev.differs_from} although rule "
                   f"set and data are the same (a plugin is not deterministic)", err=True)
    else:
        click.echo(f"run {ev.run_id} stored in {store.path or ':memory:'}", err=True)


def _print_evaluation(ev, fmt_, ledger=True):
    results = [_result_dict(er, ledger) for er in ev.results]
    if fmt_ == "json":
        click.echo(to_json({"run_id": ev.run_id, "period": ev.period.key,
                            "org": ev.ruleset.meta.org, "site": ev.ruleset.meta.site,
                            "completeness": ev.completeness.as_dict()
                            if ev.completeness is not None else None,
                            "results": results}))
        return
    rows = _ranked([dict(r) for r in results])
    if fmt_ == "csv":
        item_ids = []
        for r in results:
            for it in r["items"]:
                if it["id"] not in item_ids:
                    item_ids.append(it["id"])
        for r in rows:
            for it in r["items"]:
                r[f"item:{it['id']}"] = it["points"]
        cols, _ = _with_flags(rows, RESULT_COLUMNS[1:] + ["status"])
        cols += [f"item:{i}" for i in item_ids]
        click.echo(to_csv(rows, cols), nl=False)
        return
    click.echo(f"{ev.ruleset.meta.org} / {ev.ruleset.meta.site} — {ev.period.key} — "
               f"run {ev.run_id}")
    counts = _flag_counts(rows)
    cols, heads = _with_flags(rows, RESULT_COLUMNS, RESULT_HEADERS)
    click.echo(table(rows, cols, heads))
    if counts:
        click.echo(counts)


def _pick_run(store, config, run, period):
    if run is not None:
        r = store.run(run)
        if r is None:
            raise ScorecardError(f"no run {run} in {store.path or ':memory:'}; `scorecard runs` "
                                 f"lists the stored runs")
        return r
    org = site = None
    if config:
        rs = _ruleset(config)
        org, site = rs.meta.org, rs.meta.site
    r = store.latest_run(org=org, site=site, period=period)
    if r is None:
        raise ScorecardError("no run found: evaluate first" + (f" (period {period})" if period
                                                               else ""))
    return r


@cli.command()
@config_option
@db_option
@click.option("--run", type=int, help="Run id (default: the latest of the rule set's org/site).")
@click.option("--period", "-p", help="Latest run for this period.")
@click.option("--all-orgs", is_flag=True, help="List runs of every organisation in the store.")
@format_option
def report(config, db, run, period, all_orgs, fmt_):
    """Show a stored run's ranked results (or, with --all-orgs, every run)."""
    store = _store(config, db)
    if all_orgs:
        rows = store.runs()
        if fmt_ == "json":
            click.echo(to_json(rows))
        else:
            cols = ["id", "created_at", "org", "site", "period", "employees", "same_as"]
            click.echo(table(rows, cols) if fmt_ == "table" else to_csv(rows, cols), nl=False)
            if fmt_ == "table":
                click.echo()
        return
    r = _pick_run(store, config, run, period)
    final, r = _final(store, r, run)
    results = final.results if final else store.results(r["id"])
    for x in results:
        x["focus"] = json.loads(x["focus"] or "[]")
        x["flags"] = stored_flags(x)
    if fmt_ == "json":
        click.echo(to_json({"run": {k: v for k, v in r.items() if k != "ruleset_text"},
                            "result": _final_meta(final), "results": results}))
        return
    rows = _ranked([dict(x) for x in results])
    if fmt_ == "csv":
        cols, _ = _with_flags(rows, RESULT_COLUMNS[1:] + ["status"])
        if final:  # which result this is: the published run + decisions, and its state
            for x in rows:
                x["result"] = f"final ({final.state})"
            cols.append("result")
        click.echo(to_csv(rows, cols), nl=False)
        return
    click.echo(f"{r['org']} / {r['site']} — {r['period']} — run {r['id']} ({r['created_at']})")
    if final:
        click.echo(final.label)
    counts = _flag_counts(rows)
    cols, heads = _with_flags(rows, RESULT_COLUMNS, RESULT_HEADERS)
    click.echo(table(rows, cols, heads))
    if counts:
        click.echo(counts)


def _final(store, r, run):
    """``(final result, its run)`` of ``r``'s period when it is published or closed and no
    ``--run`` was asked for (scorecard.cycle); else ``(None, r)``."""
    if run is not None:
        return None, r
    from .cycle import final_of_run

    final = final_of_run(store, r)
    if final is None:
        return None, r
    return final, store.run(final.run_id)


def _final_meta(final):
    if final is None:
        return {"kind": "run"}
    return {"kind": "final", "state": final.state, "published_run": final.run_id,
            "label": final.label,
            "decisions": [{k: d[k] for k in ("id", "kind", "appeal_id", "employee_id",
                                             "item_id", "mode", "value", "reason", "actor",
                                             "on_date", "late")}
                          for d in final.status.decisions]}


@cli.command()
@click.argument("employee")
@config_option
@db_option
@click.option("--period", "-p", help="Period (default: the latest run).")
@click.option("--run", type=int, help="Run id.")
@format_option
def explain(employee, config, db, period, run, fmt_):
    """Why EMPLOYEE got their score: every item, every deduction and its evidence."""
    store = _store(config, db)
    r = _pick_run(store, config, run, period)
    final, r = _final(store, r, run)
    res = final.result(employee) if final else store.result(r["id"], employee)
    if res is None:
        from .schema import did_you_mean

        ids = [x["employee_id"] for x in store.results(r["id"])]
        raise ScorecardError(f"no employee {employee!r} in run {r['id']}"
                             f"{did_you_mean(employee, ids)}")
    items = final.items_of(employee) if final else store.items(r["id"], employee)
    lines = store.explanations(r["id"], employee)
    res["flags"] = stored_flags(res)
    if final:  # the decisions' ledger lines follow the published run's
        lines += [{"seq": n, **ln} for n, ln in enumerate(final.lines.get(employee, []),
                                                           len(lines) + 1)]
    if fmt_ == "json":
        click.echo(to_json({"run_id": r["id"], "period": r["period"],
                            "kind": _final_meta(final), "result": res, "items": items,
                            "explanation": lines}))
        return
    if fmt_ == "csv":
        click.echo(to_csv(lines, ["seq", "rule", "text", "points", "ref"]), nl=False)
        return
    click.echo(f"{res['name']} ({employee}, {res['role']}, {res['level'] or '—'}) — {r['org']} / "
               f"{r['site']} — {r['period']} — run {r['id']}")
    if final:
        click.echo(final.label)
    from .completeness import for_run, summary

    comp = for_run(store, r["id"])
    if comp is not None and comp["status"] != "complete":
        click.echo(f"data: {summary(comp)}")
    click.echo(f"score {res['score']}  grade {res['grade'] or '—'}"
               + (f" {res['grade_label']}" if res['grade_label'] else "")
               + (f"  rank {res['rank']}" if res['rank'] else "")
               + (f"  payout {res['payout']}" if res['payout'] else "")
               + (f"  fines {res['fines']}" if res['fines'] else ""))
    focus = json.loads(res["focus"] or "[]")
    if focus:
        click.echo(f"training focus: {', '.join(focus)}")
    if res["flags"]:
        click.echo("flags: " + ", ".join(
            f"{f['id']} ({' / '.join(n for n in (f['label'], f['label_zh']) if n)})"
            for f in res["flags"]))
    for it in items:
        it["points"] = dec_text(it["points"])
        it["lost"] = dec_text(it["lost"])
        it["value"] = dec_text(it["value"])
    click.echo()
    click.echo(table(items, ["item_id", "label", "section", "value", "points", "max", "lost"],
                     ["item", "label", "section", "value", "points", "max", "lost"]))
    click.echo()
    if not lines:
        click.echo("(this run was stored without its ledger: evaluate without --no-ledger)")
    for ln in lines:
        pts = f"  [{dec_text(ln['points'])}]" if ln["points"] is not None else ""
        click.echo(f"{ln['seq']:>4}  {ln['text']}{pts}")


@cli.command()
@click.option("--db", help="Database to keep (default: a temporary one).")
@click.option("--top", default=10, show_default=True, help="Rows shown per bundle.")
def demo(db, top):
    """Evaluate every installed bundle on its sample data and print ranked results."""
    from .bundles import bundles, init_dir
    from .engine import evaluate as run_eval
    from .engine import record
    from .ruleset import load_ruleset
    from .store import Store

    found = bundles()
    if not found:
        raise ScorecardError("no bundle is installed: pip install ./orgs/automotive-contact-centre")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(db or Path(tmp) / "demo.db")
        for b in found:
            d = Path(tmp) / b.name
            init_dir(b, d)
            rs = load_ruleset(d / "scorecard.toml")
            for per in (*b.demo_periods, b.sample_period):
                ev = run_eval(store, rs, Period.parse(per))
                record(store, ev)
            rows = _ranked([_result_dict(er, ledger=False) for er in ev.results])
            click.echo(f"\n== {b.name}: {b.title} — {b.sample_period} — {len(rows)} employees "
                       f"(run {ev.run_id}) ==")
            click.echo(table(rows[:top], RESULT_COLUMNS,
                             RESULT_HEADERS))
            if len(rows) > top:
                click.echo(f"... {len(rows) - top} more")
        click.echo(f"\n{len(found)} bundle(s) evaluated into {db or 'a temporary database'}")


@cli.command()
@config_option
@db_option
def runs(config, db):
    """List the runs in the store."""
    from .completeness import for_run, summary

    store = _store(config, db)
    rows = store.runs()
    for r in rows:  # what each run stands on (complete / partial / incomplete ...)
        c = for_run(store, r["id"])
        r["data"] = summary(c) if c is not None else ""
    click.echo(table(rows, ["id", "created_at", "org", "site", "period", "employees", "same_as",
                            "label", "data"]))


def _add_plugin_commands():
    try:
        load_plugins()
    except click.ClickException as e:  # a plugin refused: the built-in commands still work
        click.echo(f"warning: {e.message}", err=True)
        return
    from . import manager

    # one implementation at a time (not pm.hook.register_commands) so a failure names its
    # plugin; reversed: pluggy's own call order, newest registered first
    for impl in reversed(pm.hook.register_commands.get_hookimpls()):
        try:
            impl.function(cli=cli)
        except Exception as e:  # one plugin's broken command must not take the CLI down
            message = f"plugin {impl.plugin_name!r} failed in hook register_commands: " \
                      f"{type(e).__name__}: {e}"
            manager.load_errors[impl.plugin_name] = message
            click.echo(f"warning: {message}", err=True)


_add_plugin_commands()


def main():  # pragma: no cover
    cli(prog_name="scorecard")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
