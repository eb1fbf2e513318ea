"""The pay cycle's commands (docs/pay-cycle.md): ``status``, ``publish``, ``appeal add/list/
decide``, ``adjust``, ``close`` and ``reopen``. The logic is :mod:`scorecard.cycle`; these only
parse, call it and say what happened."""

import click

from scorecard import hookimpl
from scorecard.options import (
    config_option,
    db_option,
    format_option,
    open_ruleset,
    open_store,
    output_option,
    period_option,
)
from scorecard.periods import Period
from scorecard.render import Document, render, write

BY_HELP = "Who takes this step (recorded)."
ON_HELP = "The day it happened, YYYY-MM-DD (default: today; never in the future)."


def _open(config, db, period):
    rs = open_ruleset(config)
    return rs, open_store(config, db), Period.from_user(period, rs.meta.period)


def by_option(f):
    return click.option("--by", "by", required=True, metavar="NAME", help=BY_HELP)(f)


def on_option(f):
    return click.option("--on", "on", metavar="DATE", help=ON_HELP)(f)


def change_options(f):
    f = click.option("--set", "set_", metavar="N", help="The item's new points.")(f)
    return click.option("--points", metavar="N",
                        help="Points added to the item (negative to take away).")(f)


def _appeal_rows(st):
    rows = []
    for a in st.appeals:
        d = a.decision
        rows.append({
            "id": a.id, "employee_id": a.employee_id, "item_id": a.item_id,
            "lodged_on": a.lodged_on.isoformat(), "by": a.by, "reason": a.reason,
            "answer_by": a.answer_by.isoformat() if a.answer_by else None, "status": a.status,
            "decision": None if d is None else (
                f"{_cycle().change_text(d) if d['mode'] else 'rejected'} by {d['actor']} on "
                f"{d['on_date']}" + (" (late)" if d["late"] else "") + f": {d['reason']}")})
    return rows


APPEAL_COLUMNS = ["id", "employee_id", "item_id", "lodged_on", "by", "answer_by", "status",
                  "reason", "decision"]


def _cycle():
    """:mod:`scorecard.cycle`, imported when a command runs (it brings in the store and
    sqlite-utils): ``scorecard --help`` lists these commands without it."""
    from scorecard import cycle

    return cycle


@hookimpl
def register_commands(cli):
    @cli.command()
    @config_option
    @db_option
    @period_option
    @format_option("table", "json")
    @output_option
    def status(config, db, period, fmt_, output):
        """Where a period stands: evaluated, published (appeals open until DATE) or closed;
        the current run, the appeals and their deadlines, the decisions."""
        rs, store, p = _open(config, db, period)
        st = _cycle().period_status(store, rs, p)
        from scorecard import completeness

        comp = completeness.for_run(store, st.run_id) if st.run_id else None
        title = [f"{rs.meta.org} / {rs.meta.site} — {p.key}: {st.describe()}"]
        if st.run_id:
            title.append(f"run {st.run_id}: {completeness.summary(comp)}")
        later = [r for r in st.runs if st.publication and r > st.publication["run_id"]]
        if later:
            title.append(f"run(s) {', '.join(map(str, later))} evaluated after publication: "
                         f"not payable; the published run stays run {st.run_id}")
        if st.state == "published" and rs.process.appeal_answer_days is not None:
            title.append(f"appeals are answered within {rs.process.appeal_answer_days} working "
                         f"day(s) (process.appeal_answer_days)")
        decided = [e for e in st.decisions if e["kind"] == "adjustment"]
        change_text = _cycle().change_text
        footer = [f"adjustment {e['id']}: {e['employee_id']} {e['item_id']} {change_text(e)} "
                  f"by {e['actor']} on {e['on_date']}: {e['reason']}" for e in decided]
        if not st.appeals:
            footer.insert(0, "no appeals")
        payload = {"org": rs.meta.org, "site": rs.meta.site, "period": p.key,
                   "state": st.state, "summary": st.describe(), "run_id": st.run_id,
                   "runs": st.runs,
                   "published": _event(st.publication), "closed": _event(st.closed),
                   "appeal_deadline": st.deadline.isoformat() if st.deadline else None,
                   "completeness": comp, "appeals": [a.as_dict() for a in st.appeals],
                   "adjustments": [_event(e) for e in decided]}
        _render_appeals(st, "\n".join(title), footer, payload, fmt_, output)

    @cli.command()
    @config_option
    @db_option
    @period_option
    @click.option("--run", type=int, help="The run to publish (default: the period's latest).")
    @by_option
    @on_option
    @click.option("--accept-incomplete", metavar="REASON",
                  help="Publish a run with quarantined rows; the reason is stored.")
    def publish(config, db, period, run, by, on, accept_incomplete):
        """Publish a run of the period: its results become the ones appealed against, and
        the appeal window opens (the rule set's [process] working days, on the site's
        calendar)."""
        rs, store, p = _open(config, db, period)
        ev = _cycle().publish(store, rs, p, by=by, run=run, on=on,
                           accept_incomplete=accept_incomplete)
        from scorecard import completeness

        click.echo(f"published run {ev['run_id']} of {rs.meta.org} / {rs.meta.site} {p.key} on "
                   f"{ev['on_date']} by {ev['actor']}")
        comp = completeness.for_run(store, ev["run_id"])
        if comp is not None and comp["status"] != "complete":
            click.echo(f"note: run {ev['run_id']} is {completeness.summary(comp)}", err=True)
        if ev["deadline"]:
            click.echo(f"appeals until {ev['deadline']} ({rs.process.window_days} working days, "
                       f"process.{rs.process.window_key})")
        else:
            click.echo("appeals open until the period is closed (no appeal window in "
                       "[process])")

    @cli.group()
    def appeal():
        """Appeals against a published period: add, list, decide."""

    @appeal.command("add")
    @click.argument("employee")
    @config_option
    @db_option
    @period_option
    @click.option("--item", required=True, help="The item appealed against, or 'total'.")
    @click.option("--reason", required=True, help="Why the employee appeals.")
    @on_option
    @by_option
    def appeal_add(employee, config, db, period, item, reason, on, by):
        """Lodge EMPLOYEE's appeal against one item (or the total) of the published run;
        refused after the appeal window."""
        rs, store, p = _open(config, db, period)
        ev = _cycle().add_appeal(store, rs, p, employee, item, reason, by=by, on=on)
        click.echo(f"appeal {ev['id']}: {employee} {item}, lodged on {ev['on_date']} by "
                   f"{ev['actor']}" + (f"; to be answered by {ev['answer_deadline']}"
                                       if ev["answer_deadline"] else ""))

    @appeal.command("list")
    @config_option
    @db_option
    @period_option
    @format_option("table", "json", "csv")
    @output_option
    def appeal_list(config, db, period, fmt_, output):
        """The appeals of the published period, open and decided."""
        rs, store, p = _open(config, db, period)
        st = _cycle().period_status(store, rs, p)
        _render_appeals(st, f"{rs.meta.org} / {rs.meta.site} — {p.key}: {st.describe()}",
                        [] if st.appeals else ["no appeals"], None, fmt_, output)

    @appeal.command("decide")
    @click.argument("appeal_id", type=int)
    @config_option
    @db_option
    @period_option
    @click.option("--uphold", "outcome", flag_value="uphold", help="Uphold (with --points or "
                                                                    "--set).")
    @click.option("--reject", "outcome", flag_value="reject", help="Reject.")
    @change_options
    @click.option("--reason", required=True, help="Why.")
    @on_option
    @by_option
    def appeal_decide(appeal_id, config, db, period, outcome, points, set_, reason, on, by):
        """Decide appeal APPEAL_ID: --uphold with --points N or --set N (applied through the
        rules), or --reject. A decision after the answer deadline is recorded as late."""
        from scorecard.errors import ScorecardError

        if outcome is None:
            raise ScorecardError("give --uphold (with --points N or --set N) or --reject")
        rs, store, p = _open(config, db, period)
        ev = _cycle().decide(store, rs, p, appeal_id, uphold=outcome == "uphold", reason=reason,
                          by=by, points=points, set_=set_, on=on)
        what = "rejected" if ev["mode"] is None else "upheld"
        click.echo(f"appeal {appeal_id} {what} by {ev['actor']} on {ev['on_date']} "
                   f"(decision {ev['id']})" + (
                       f"; LATE: the answer was due by {ev['answer_deadline']}" if ev["late"]
                       else ""))
        if ev["mode"] is not None:
            _show_effect(store, rs, p, ev["employee_id"])

    @cli.command()
    @click.argument("employee")
    @config_option
    @db_option
    @period_option
    @click.option("--item", required=True, help="The item to change, or 'total'.")
    @change_options
    @click.option("--reason", required=True, help="Why.")
    @on_option
    @by_option
    def adjust(employee, config, db, period, item, points, set_, reason, on, by):
        """A manager's adjustment of EMPLOYEE's item (or total) outside an appeal (to score an
        employee with no activity, say); applied through the rules like an upheld appeal."""
        rs, store, p = _open(config, db, period)
        ev = _cycle().adjust(store, rs, p, employee, item, reason, by=by, points=points,
                          set_=set_, on=on)
        click.echo(f"adjustment {ev['id']}: {employee} {item} {_cycle().change_text(ev)} by "
                   f"{ev['actor']} on {ev['on_date']}")
        _show_effect(store, rs, p, employee)

    @cli.command()
    @config_option
    @db_option
    @period_option
    @by_option
    def close(config, db, period, by):
        """Sign the period off (refused while an appeal is open). The period is then locked:
        evaluate refuses it until it is reopened."""
        rs, store, p = _open(config, db, period)
        ev = _cycle().close(store, rs, p, by=by)
        final = _cycle().final_results(store, rs, p)
        click.echo(f"closed {rs.meta.org} / {rs.meta.site} {p.key} by {ev['actor']} at "
                   f"{ev['at']}: {final.label}")
        deadline = final.status.deadline
        if deadline is not None and _cycle().today() <= deadline:
            click.echo(f"note: closed before the appeal window ended ({deadline}); appeals "
                       f"are refused from now on unless the period is reopened", err=True)

    @cli.command()
    @config_option
    @db_option
    @period_option
    @click.option("--reason", required=True, help="Why the period is reopened.")
    @by_option
    def reopen(config, db, period, reason, by):
        """Reopen a published or closed period (recorded): it can be evaluated and published
        again; the earlier publication and its decisions stay on record."""
        rs, store, p = _open(config, db, period)
        ev = _cycle().reopen(store, rs, p, reason, by=by)
        click.echo(f"reopened {rs.meta.org} / {rs.meta.site} {p.key} by {ev['actor']} at "
                   f"{ev['at']} (run {ev['run_id']} was published): {reason}")


def _render_appeals(st, title, footer, payload, fmt_, output):
    rows = _appeal_rows(st)
    if not rows and fmt_ == "table":  # no empty table: the title and "no appeals"
        write("\n".join([title, *footer]) + "\n", output)
        return
    render(Document(rows, APPEAL_COLUMNS, title=title, footer=footer, payload=payload), fmt_,
           output)


def _event(ev):
    if ev is None:
        return None
    return {k: ev[k] for k in ("id", "kind", "run_id", "actor", "on_date", "at", "deadline",
                               "reason") if k in ev}


def _show_effect(store, rs, period, employee):
    """The employee's final result after a decision: before → after, and the ledger lines."""
    final = _cycle().final_results(store, rs, period)
    before = store.result(final.run_id, employee)
    after = final.result(employee)

    def line(r):
        return (f"score {r['score'] or '—'}, grade {r['grade'] or '—'}, rank {r['rank'] or '—'}"
                f", payout {r['payout'] or '—'}")

    click.echo(f"{employee}: published {line(before)}")
    click.echo(f"{employee}: final     {line(after)}")
    for ln in final.lines.get(employee, []):
        click.echo(f"  {ln['text']}")
