"""The ``scorecard`` command line.

The convention every command follows (docs/cli.md): a command on one rule set takes
``-c/--config`` (default ``./scorecard.toml``), commands on several take them as arguments;
``--db``, ``-p/--period``, ``--format`` and ``-o/--output`` come from :mod:`scorecard.options`
and output goes through :mod:`scorecard.render`, for built-in and plugin commands alike.

This module is the only place where the library's errors (:mod:`scorecard.errors`) become
messages and exit codes (:class:`ExitCode`), and it loads plugins only when a command needs
them: ``scorecard --version`` and a built-in command's ``--help`` import no plugin.
"""

import enum
import json
import sys
import tempfile
import tomllib
from fractions import Fraction
from pathlib import Path

import click

from . import __version__
from .errors import Error, EvaluationError, ScorecardError
from .flags import count_flags, stored_flags
from .options import (
    config_option,
    db_option,
    format_option,
    open_ruleset,
    open_store,
    output_option,
    period_option,
)
from .output import progress
from .periods import Period
from .render import Document, dec_text, render, style_for, style_of, table_text, write

__all__ = ["ExitCode", "cli", "dec_text", "main"]


class ExitCode(enum.IntEnum):
    """What ``scorecard`` exits with."""

    #: the command did what was asked
    OK = 0
    #: the evaluation failed (a plugin broke), or a check/test/diff found what it looks for
    FAILED = 1
    #: bad usage, rule set or input data: the message names the file, the place and the fix
    USAGE_ERROR = 2


#: the library's error classes and their exit codes, most specific first
EXIT_CODES = ((ScorecardError, ExitCode.USAGE_ERROR), (EvaluationError, ExitCode.FAILED),
              (Error, ExitCode.FAILED))


def exit_code_for(error: Error) -> int:
    """The exit code of a library error (the one mapping from errors to exit codes)."""
    for cls, code in EXIT_CODES:
        if isinstance(error, cls):
            return int(code)
    return int(ExitCode.FAILED)  # pragma: no cover - every Error is in EXIT_CODES


class _Reported(click.ClickException):
    """A library error on its way out through click (prints ``Error: message``)."""

    def __init__(self, error: Error):
        super().__init__(error.message)
        self.exit_code = exit_code_for(error)


def _plugin_entry_points():
    from importlib.metadata import entry_points

    return entry_points(group="scorecard")


def _may_register_commands(ep) -> bool:
    """Whether an installed plugin may add commands, judged from its source text without
    importing it: only a module (or package) that mentions ``register_commands`` can. When the
    source cannot be found, assume it may."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(ep.module.split(".")[0])
    except (ImportError, ValueError):
        return True
    if spec is None:
        return True
    roots = list(spec.submodule_search_locations or [])
    files = [p for r in roots for p in Path(r).rglob("*.py")] if roots else (
        [Path(spec.origin)] if spec.origin and spec.origin.endswith(".py") else [])
    if not files:
        return True
    for f in files:
        try:
            if "register_commands" in f.read_text(encoding="utf-8", errors="replace"):
                return True
        except OSError:
            return True
    return False


class ScorecardGroup(click.Group):
    """The ``scorecard`` group: built-in commands are defined below; plugin commands (built-in
    plugins' and installed ones') are added the first time they are needed:

    - resolving a built-in command (``scorecard evaluate ...``, ``scorecard runs --help``) and
      ``--version`` load no plugin;
    - listing the commands (``scorecard --help``) adds the built-in command plugins' commands
      (:data:`scorecard.manager.COMMAND_PLUGINS`: not the building blocks, nor the store, which
      a command loads when it runs) and those of the installed plugins that can add commands
      (their source mentions ``register_commands``): a bundle that only registers types is
      not imported;
    - resolving any other name loads every plugin first.

    Library errors raised by a command become their exit code here (:func:`exit_code_for`).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._builtin: set[str] | None = None
        self._listed = False
        self._resolved = False

    def _freeze_builtins(self):
        if self._builtin is None:
            self._builtin = set(self.commands)

    def get_command(self, ctx, cmd_name):
        self._freeze_builtins()
        if cmd_name in self._builtin:
            return self.commands[cmd_name]
        if cmd_name not in self.commands:  # the built-in plugins' commands first, ...
            _add_plugin_commands(self, installed=lambda ep: False)
        if cmd_name not in self.commands:  # ... then every installed plugin's
            self.load_plugin_commands()
        return self.commands.get(cmd_name)

    def list_commands(self, ctx):
        self._freeze_builtins()
        if not self._listed and not self._resolved:
            self._listed = True
            _add_plugin_commands(self, installed=_may_register_commands)
        return sorted(self.commands)

    def load_plugin_commands(self):
        """Load every plugin and add every plugin command (idempotent)."""
        self._freeze_builtins()
        if not self._resolved:
            self._resolved = True
            _add_plugin_commands(self)
        return self.commands

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Error as e:
            raise _Reported(e) from e


def _add_plugin_commands(group=None, installed=None):
    """Call ``register_commands`` of the plugins not yet asked: every plugin, or (``installed``
    a predicate on entry points) the built-ins plus the installed plugins it accepts. A plugin
    that fails is reported and the others still add theirs."""
    from . import manager

    group = cli if group is None else group
    try:
        if installed is None:
            manager.load_plugins()
        else:
            manager.load_builtin_plugins(commands_only=True)
            manager.load_entrypoints(wanted=installed)
    except Error as e:  # a plugin refused: the built-in commands still work
        click.echo(f"warning: {e.message}", err=True)
        return
    # one implementation at a time (not pm.hook.register_commands) so a failure names its
    # plugin; reversed: pluggy's own call order, newest registered first
    # plugins whose register_commands already ran on this group: a command is added once
    added = group.__dict__.setdefault("_commands_added", set())
    for impl in reversed(manager.pm.hook.register_commands.get_hookimpls()):
        if impl.plugin_name in added:
            continue
        added.add(impl.plugin_name)
        try:
            impl.function(cli=group)
        except Exception as e:  # one plugin's broken command must not take the CLI down
            message = f"plugin {impl.plugin_name!r} failed in hook register_commands: " \
                      f"{type(e).__name__}: {e}"
            manager.load_errors[impl.plugin_name] = message
            click.echo(f"warning: {message}", err=True)


@click.group(cls=ScorecardGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scorecard")
def cli():
    """Evaluate staff performance from an organisation's rule set and data exports.

    \b
    Start with a bundle's sample:
        scorecard init --org automotive-contact-centre ./acc
        scorecard evaluate -c ./acc/scorecard.toml -p 2026-10
        scorecard explain A001 -c ./acc/scorecard.toml -p 2026-10

    \b
    Every command on one rule set takes -c/--config FILE (default: ./scorecard.toml);
    output is chosen with --format and written to -o FILE or stdout.
    Shell completion (bash): eval "$(_SCORECARD_COMPLETE=bash_source scorecard)"
    """


@cli.command()
@format_option("table", "json")
@output_option
@click.option("--types", is_flag=True, help="Also list every registered type by kind.")
def plugins(fmt_, output, types):
    """List installed plugins and the hooks they implement."""
    from .manager import plugin_rows
    from .registry import get_registry

    cli.load_plugin_commands()  # the plugins' commands hook runs, and reports its failures
    rows = plugin_rows()
    if types or fmt_ == "json":
        try:
            reg = get_registry()
        except Error as e:
            reg = None
            rows.append({"name": "(registry)", "hooks": [], "error": e.message})
        if reg is not None:
            owned: dict = {}
            for (kind, name), plugin in reg.owner.items():
                owned.setdefault(plugin, []).append(f"{kind}:{name}")
            for r in rows:
                r["types"] = sorted(owned.get(r["name"], []))
    if fmt_ == "json":
        write(json.dumps(rows, indent=2) + "\n", output)
        return
    lines = []
    for r in rows:
        ver = f" {r['version']}" if r.get("version") else ""
        lines.append(f"{r['name']}{ver}: {', '.join(r['hooks'])}")
        if r.get("error"):
            lines.append(f"    failed to load: {r['error']}")
        if types and r.get("types"):
            lines.append(f"    {', '.join(r['types'])}")
    write("\n".join(lines) + "\n", output)


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
    click.echo(f"next: scorecard evaluate -c {out} -p {bundle.sample_period}")


@cli.command()
@config_option
@db_option
@click.option("--quarantine", is_flag=True,
              help="Keep good rows; put bad ones, with reasons, in the _quarantine table.")
@click.option("--force", is_flag=True, help="Ingest even when nothing changed.")
def ingest(config, db, quarantine, force):
    """Load the rule set's sources into the store (all of them, or none on bad data)."""
    from .ingest import ingest as do_ingest

    rs = open_ruleset(config)
    store = open_store(config, db)
    with progress("ingesting", "rows") as update:
        report = do_ingest(store, rs, only_changed=not force, quarantine=quarantine,
                           progress=update)
    for name, (status, n) in report.items():
        click.echo(f"{name}: {status} ({n} rows)")


def _result_dict(er, ledger=True, sentences=False):
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
        "flags": list(er.flags),
        "items": [{"id": o.item.id, "label": o.item.label, "label_zh": o.item.label_zh,
                   "section": o.item.section, "value": dec_text(o.measure.value),
                   "points": dec_text(o.points), "max": dec_text(o.item.max)}
                  for o in er.items]
        + [{"id": p.id, "label": p.label, "label_zh": p.label_zh, "section": None,
            "value": None, "points": dec_text(a.points), "max": None,
            "fines": dec_text(a.fines) if a.fines else None} for p, a in er.adjustments],
    }
    if ledger:
        # docs/json.md: by default the explanation's sentences are the per-employee lines (item
        # totals, the arithmetic, flags) and the per-record evidence comes as data ("evidence");
        # ``sentences`` (--ledger) renders every record's line as `scorecard explain` does
        from .evidence import as_data
        from .types import Evidence

        lines = er.explained() if sentences else [ln for ln in er.lines
                                                  if type(ln) is not Evidence]
        d["explanation"] = [{"rule": ln.rule, "text": ln.text, "points": dec_text(ln.points),
                             "ref": ln.ref} for ln in lines]
        if not sentences:
            d["evidence"] = as_data(er)
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


def _result_document(rows, title, payload, csv_extra, style, meta=None,
                     compact=False) -> Document:
    """The ranked results as every command shows them: a flags column (and their counts below
    the table) when a flag was raised."""
    counts = _flag_counts(rows)
    cols, heads = _with_flags(rows, RESULT_COLUMNS, RESULT_HEADERS)
    csv_cols = RESULT_COLUMNS[1:] + ["status"] + (["flags"] if "flags" in cols else []) \
        + csv_extra
    return Document(rows, cols, headers=heads, title=title, payload=payload,
                    csv_columns=csv_cols, footer=[counts] if counts else [], meta=meta or {},
                    compact=compact, **style)


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


def _style_of_text(ruleset_text) -> dict:
    """The number style (:func:`scorecard.render.style_of`) of a stored run's rule set."""
    try:
        rounding = tomllib.loads(ruleset_text or "").get("rounding", {})
        return style_for(rounding.get("score", "0.01"), rounding.get("mode", "half_up"))
    except Exception:  # a stored text we cannot read: the default rule
        return {}


@cli.command()
@config_option
@period_option
@db_option
@format_option("table", "json", "csv")
@output_option
@click.option("--no-ledger", is_flag=True, help="Skip per-record explanation lines (faster).")
@click.option("--ledger", "sentences", is_flag=True,
              help="With --format json: every per-record explanation line as a sentence "
                   "(default: the records as data under \"evidence\"; docs/json.md).")
@click.option("--label", help="A note stored with the run.")
@click.option("--allow-empty", is_flag=True,
              help="Evaluate even when no row of the data falls in the period.")
@click.option("--quarantine", is_flag=True,
              help="Ingest the good rows and set bad ones aside (the run is then incomplete).")
@click.option("--accept-incomplete", metavar="REASON",
              help="Allow publishing this run although rows were set aside; the reason is "
                   "stored.")
def evaluate(config, period, db, fmt_, output, no_ledger, sentences, label, allow_empty,
             quarantine, accept_incomplete):
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

    if no_ledger and sentences:
        raise click.UsageError("--ledger and --no-ledger contradict each other; give one")
    rs = open_ruleset(config)
    p = Period.from_user(period, rs.meta.period)
    store = open_store(config, db)
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
    _print_evaluation(ev, fmt_, output, ledger=not no_ledger, sentences=sentences)
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


def _print_evaluation(ev, fmt_, output, ledger=True, sentences=False):
    results = [_result_dict(er, ledger, sentences) for er in ev.results]
    rows = _ranked([dict(r) for r in results])
    item_ids = []
    for r in results:
        for it in r["items"]:
            if it["id"] not in item_ids:
                item_ids.append(it["id"])
    if fmt_ == "csv":
        for r in rows:
            for it in r["items"]:
                r[f"item:{it['id']}"] = it["points"]
    render(_result_document(
        rows, f"{ev.ruleset.meta.org} / {ev.ruleset.meta.site} — {ev.period.key} — run "
              f"{ev.run_id}",
        {"run_id": ev.run_id, "period": ev.period.key, "org": ev.ruleset.meta.org,
         "site": ev.ruleset.meta.site,
         "completeness": ev.completeness.as_dict() if ev.completeness is not None else None,
         "results": results},
        [f"item:{i}" for i in item_ids], style_of(ev.ruleset),
        {"period": ev.period.key, "run_id": ev.run_id}, compact=True), fmt_, output)


def _pick_run(store, config, run, period):
    """The run to show (checked against its seal), scoped to the rule set's organisation and
    site when there is a rule set."""
    from .store import check_scope

    rs = open_ruleset(config) if config else None
    if run is not None:
        r = store.run(run, verify=False)
        if r is None:
            raise ScorecardError(f"no run {run} in {store.path or ':memory:'}; `scorecard runs` "
                                 f"lists the stored runs")
        check_scope(r, rs)  # another organisation's run: exit 2, not shown
        store.verify_run(r)  # a tampered run: exit 1, not shown
        return r
    org = site = None
    if rs is not None:
        org, site = rs.meta.org, rs.meta.site
    r = store.latest_run(org=org, site=site, period=period)
    if r is None:
        raise ScorecardError("no run found: evaluate first" + (f" (period {period})" if period
                                                               else ""))
    return r


RUN_COLUMNS = ["id", "created_at", "org", "site", "period", "employees", "same_as"]


@cli.command()
@config_option(required=False)
@db_option
@click.option("--run", type=int, help="Run id (default: the latest of the rule set's org/site).")
@period_option(required=False)
@click.option("--all-orgs", is_flag=True, help="List runs of every organisation in the store.")
@format_option("table", "json", "csv", "xlsx", "html")
@output_option
def report(config, db, run, period, all_orgs, fmt_, output):
    """Show a stored run's ranked results (or, with --all-orgs, every run)."""
    store = open_store(config, db, create=False)
    if all_orgs:
        rows = store.runs()
        render(Document(rows, [*RUN_COLUMNS, "status"]), fmt_, output)
        _fail_if_tampered(rows)
        return
    r = _pick_run(store, config, run, period)
    final, r = _final(store, r, run)
    results = final.results if final else store.results(r["id"])
    for x in results:
        x["focus"] = json.loads(x["focus"] or "[]")
        x["flags"] = stored_flags(x)
    rows = _ranked([dict(x) for x in results])
    title = f"{r['org']} / {r['site']} — {r['period']} — run {r['id']} ({r['created_at']})"
    extra = []
    if final:  # which result this is: the published run + decisions, and its state
        title += "\n" + final.label
        for x in rows:
            x["result"] = f"final ({final.state})"
        extra = ["result"]
    if fmt_ in ("html", "xlsx"):  # a manager's page or workbook of the run (scorecard.xlsx)
        from .report_html import report_html
        from .xlsx import run_workbook

        if fmt_ == "xlsx" and not output and sys.stdout.isatty():
            raise ScorecardError("--format xlsx writes a binary file: give -o FILE")
        items = final.items if final else store.items(r["id"])
        note = final.label if final else None
        write((report_html if fmt_ == "html" else run_workbook)(r, results, items, note),
              output)
        return
    render(_result_document(
        rows, title,
        {"run": {k: v for k, v in r.items() if k != "ruleset_text"},
         "result": _final_meta(final), "results": results},
        extra, _style_of_text(r.get("ruleset_text")),
        {"period": r["period"], "run_id": r["id"]}), fmt_, output)


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


def _why_no_score(res) -> str:
    """Why a stored result has no score, from its status (never ``score None``)."""
    status = res.get("status")
    if status in NOTES and NOTES[status]:
        return NOTES[status]
    return f"not scored (status {status})" if status else "not scored"


@cli.command()
@click.argument("employee")
@config_option(required=False)
@db_option
@period_option(required=False)
@click.option("--run", type=int, help="Run id (default: the latest run).")
@format_option("table", "json", "csv")
@output_option
def explain(employee, config, db, period, run, fmt_, output):
    """Why EMPLOYEE got their score: every item, every deduction and its evidence."""
    store = open_store(config, db, create=False)
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
    if fmt_ != "table":
        render(Document(lines, ["seq", "rule", "text", "points", "ref"],
                        payload={"run_id": r["id"], "period": r["period"],
                                 "kind": _final_meta(final), "result": res, "items": items,
                                 "explanation": lines}), fmt_, output)
        return
    from .completeness import for_run, summary

    score = res["score"] if res["score"] is not None else f"— ({_why_no_score(res)})"
    head = [f"{res['name']} ({employee}, {res['role']}, {res['level'] or '—'}) — {r['org']} / "
            f"{r['site']} — {r['period']} — run {r['id']}"]
    if final:
        head.append(final.label)
    comp = for_run(store, r["id"])
    if comp is not None and comp["status"] != "complete":
        head.append(f"data: {summary(comp)}")
    head += [f"score {score}  grade {res['grade'] or '—'}"
            + (f" {res['grade_label']}" if res['grade_label'] else "")
            + (f"  rank {res['rank']}" if res['rank'] else "")
            + (f"  payout {res['payout']}" if res['payout'] else "")
            + (f"  fines {res['fines']}" if res['fines'] else "")]
    focus = json.loads(res["focus"] or "[]")
    if focus:
        head.append(f"training focus: {', '.join(focus)}")
    if res["flags"]:
        head.append("flags: " + ", ".join(
            f"{f['id']} ({' / '.join(n for n in (f['label'], f['label_zh']) if n)})"
            for f in res["flags"]))
    head.append("")
    for it in items:
        it["points"] = dec_text(it["points"])
        it["lost"] = dec_text(it["lost"])
        it["value"] = dec_text(it["value"])
    foot = [""]
    if not lines:
        foot.append("(this run was stored without its ledger: evaluate without --no-ledger)")
    for ln in lines:
        pts = f"  [{dec_text(ln['points'])}]" if ln["points"] is not None else ""
        foot.append(f"{ln['seq']:>4}  {ln['text']}{pts}")
    render(Document(items, ["item_id", "label", "section", "value", "points", "max", "lost"],
                    headers=["item", "label", "section", "value", "points", "max", "lost"],
                    title="\n".join(head), footer=foot,
                    **_style_of_text(r.get("ruleset_text"))), fmt_, output)


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
            click.echo(table_text(Document(rows[:top], RESULT_COLUMNS, headers=RESULT_HEADERS,
                                           **style_of(rs))), nl=False)
            if len(rows) > top:
                click.echo(f"... {len(rows) - top} more")
        click.echo(f"\n{len(found)} bundle(s) evaluated into {db or 'a temporary database'}")


@cli.command()
@config_option(required=False)
@db_option
@format_option("table", "json", "csv")
@output_option
def runs(config, db, fmt_, output):
    """List the runs in the store (with a rule set, its organisation and site only), each with
    what it stands on and its seal status (a TAMPERED run: exit 1)."""
    from .completeness import for_run, summary

    store = open_store(config, db, create=False)
    rs = open_ruleset(config) if config else None
    rows = store.runs(org=rs.meta.org, site=rs.meta.site) if rs else store.runs()
    for r in rows:  # what each run stands on (complete / partial / incomplete ...)
        c = for_run(store, r["id"])
        r["data"] = summary(c) if c is not None else ""
    render(Document(rows, [*RUN_COLUMNS, "label", "data", "status"]), fmt_, output)
    _fail_if_tampered(rows)


def _fail_if_tampered(rows):
    bad = [r["id"] for r in rows if r.get("status") == "TAMPERED"]
    if bad:
        from .store import TamperedRunError

        raise TamperedRunError.listed(bad)


cli._builtin = set(cli.commands)  # the commands above: resolving them loads no plugin


def main():  # pragma: no cover
    cli(prog_name="scorecard")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
