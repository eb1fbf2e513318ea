"""Commands for sites and their rule sets (docs/sites.md): ``show``, ``check``, ``diff``,
``compare``, ``test`` and ``sites`` (the cross-site report)."""

import json
from pathlib import Path

import click

from scorecard import hookimpl
from scorecard.errors import ScorecardError
from scorecard.output import to_json

FORMATS = click.Choice(["table", "json", "csv", "html"])


def _write(text, output):
    """To ``output`` (written whole, only after everything was computed) or stdout."""
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


def _rel(path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@hookimpl
def register_commands(cli):
    @cli.command()
    @click.argument("config", type=click.Path(dir_okay=False))
    @click.option("--toml", "as_toml", is_flag=True, help="Print the merged rule set as TOML.")
    @click.option("json_", "--json", is_flag=True, help="Output as JSON.")
    def show(config, as_toml, json_):
        """Print the rule set that runs (its extends chain merged) and where each value came
        from.

        \b
        Example:
            scorecard show sites/north/scorecard.toml
        """
        from scorecard.diff import show as show_value
        from scorecard.inherit import provenance_rows
        from scorecard.ruleset import load_ruleset

        rs = load_ruleset(Path(config))
        if as_toml:
            click.echo(rs.merged.text, nl=False)
            return
        rows = provenance_rows(rs.merged)
        if json_:
            click.echo(to_json({"files": [str(f) for f in rs.merged.files], "hash": rs.hash,
                                "values": [{**r, "file": str(r["file"]),
                                            **({"was_file": str(r["was_file"])}
                                               if r.get("was_file") else {})} for r in rows]}))
            return
        click.echo(f"# {rs.meta.org} / {rs.meta.site}: merged from "
                   + " ← ".join(_rel(f) for f in rs.merged.files))
        click.echo(f"# sha256 {rs.hash}")
        width = max((len(r["key"]) for r in rows), default=0)
        for r in rows:
            note = f"# {_rel(r['file'])}"
            if "was" in r:
                note += f" (was {show_value(r['was'])}"
                note += f" in {_rel(r['was_file'])})" if r.get("was_file") else ")"
            click.echo(f"{r['key']:<{width}} = {show_value(r['value'])}  {note}")

    @cli.command()
    @click.argument("config", type=click.Path(dir_okay=False))
    @click.option("json_", "--json", is_flag=True, help="Output as JSON.")
    @click.option("--no-data", is_flag=True, help="Do not read the data files' headers.")
    @click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
    def check(config, json_, no_data, strict):
        """Lint a rule set: maxima that do not add up, tiers worth more than their item, gaps,
        overlaps and wrong order in band and tier tables, payout tables missing a level,
        sources whose columns do not match. Exit code 1 when there are errors."""
        from scorecard.check import check_ruleset
        from scorecard.ruleset import load_ruleset

        rs = load_ruleset(Path(config))
        findings = check_ruleset(rs, data=not no_data)
        if json_:
            click.echo(to_json([f.as_dict() for f in findings]))
        else:
            for f in findings:
                click.echo(f.text())
            counts = {s: sum(1 for f in findings if f.severity == s)
                      for s in ("error", "warning", "info")}
            click.echo(f"{config}: {counts['error']} error(s), {counts['warning']} warning(s), "
                       f"{counts['info']} note(s)")
        bad = {"error", "warning"} if strict else {"error"}
        if any(f.severity in bad for f in findings):
            raise SystemExit(1)

    @cli.command()
    @click.argument("a", type=click.Path(dir_okay=False))
    @click.argument("b", type=click.Path(dir_okay=False))
    @click.option("json_", "--json", is_flag=True, help="Output as JSON.")
    def diff(a, b, json_):
        """What differs between rule sets A and B, by meaning: parameters (old → new), rules
        added or removed, bands and payout tables changed."""
        from scorecard.diff import diff_rulesets, render_text
        from scorecard.ruleset import load_ruleset

        changes = diff_rulesets(load_ruleset(Path(a)), load_ruleset(Path(b)))
        if json_:
            click.echo(to_json({"a": a, "b": b, "changes": [c.as_dict() for c in changes]}))
        else:
            click.echo(render_text(changes, a, b))

    @cli.command()
    @click.argument("a", type=click.Path(dir_okay=False))
    @click.argument("b", type=click.Path(dir_okay=False))
    @click.option("--period", "-p", required=True, help="YYYY-MM, YYYY-Qn or YYYY.")
    @click.option("--data", type=click.Choice(["a", "b"]), default="a", show_default=True,
                  help="Whose data files both rule sets read.")
    @click.option("--format", "fmt_", type=FORMATS, default="table", show_default=True)
    @click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to a file.")
    @click.option("--all", "all_rows", is_flag=True, help="Table: list unchanged employees too.")
    def compare(a, b, period, data, fmt_, output, all_rows):
        """Run rule sets A and B on the same data: per-employee score, grade and payout deltas,
        the grade migration matrix, payout cost per site and per head, and the rules that drove
        the change."""
        from scorecard import compare as cmp
        from scorecard.report_html import compare_html

        c = cmp.compare(a, b, period, data=data)
        if fmt_ == "json":
            text = to_json(c.as_dict())
        elif fmt_ == "csv":
            text = cmp.render_csv(c)
        elif fmt_ == "html":
            text = compare_html(c)
        else:
            text = cmp.render_text(c, only_changed=not all_rows)
        _write(text, output)

    @cli.command("test")
    @click.argument("config", type=click.Path(dir_okay=False))
    @click.option("--golden", type=click.Path(file_okay=False),
                  help="Directory of cases (default: golden/ beside the rule set and beside "
                       "each file it extends).")
    @click.option("json_", "--json", is_flag=True, help="Output as JSON.")
    def test_cmd(config, golden, json_):
        """Run the golden cases kept beside a rule set; exit code 1 when one fails. Lists the
        rules no case exercises."""
        from scorecard.golden import run_golden

        rep = run_golden(config, golden)
        click.echo(json.dumps(rep.as_dict(), indent=2, ensure_ascii=False) if json_
                   else rep.text())
        if not rep.ok:
            raise SystemExit(1)

    @cli.command()
    @click.argument("configs", nargs=-1, required=True)
    @click.option("--period", "-p", required=True, help="YYYY-MM, YYYY-Qn or YYYY.")
    @click.option("--format", "fmt_", type=click.Choice(["table", "json", "html"]),
                  default="table", show_default=True)
    @click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to a file.")
    @click.option("--db", type=click.Path(dir_okay=False),
                  help="Store every site's run and the group's summary in this file, in one "
                       "transaction (without it nothing is stored).")
    @click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
                  help="Worker processes on this machine, one site per task [default: the "
                       "number of cores].")
    @click.option("--scheduler", metavar="ADDRESS",
                  help="Run the sites on an existing Dask distributed scheduler "
                       "(tcp://host:8786); needs `pip install 'scorecard[dask]'`.")
    @click.option("--ship-data", is_flag=True,
                  help="Send each site's rule set and input files to the workers as bytes "
                       "(workers without the same files on shared storage).")
    @click.option("--progress/--no-progress", default=None,
                  help="A line per finished site on stderr [default: when stderr is a "
                       "terminal].")
    @click.option("--label", help="A note stored with every run (with --db).")
    def sites(configs, period, fmt_, output, db, workers, scheduler, ship_data, progress,
              label):
        """Several sites' rule sets, each on its own data, side by side: score distribution,
        grade mix, payout per head, most-lost items (HTML: with charts, no network needed).

        CONFIGS are rule-set files, quoted patterns (`'groups/dealers/*/scorecard.toml'`) or
        folders (each sub-folder's scorecard.toml). Each site is one task, run in parallel
        (--workers, --scheduler); a site that fails is reported with its error, the others
        still finish, and the exit code is non-zero.

        \b
        Example:
            scorecard sites north/scorecard.toml south/scorecard.toml -p 2026-10 \\
                --format html -o sites.html
            scorecard sites 'groups/dealers/*/scorecard.toml' -p 2026-10 --db group.db
        """
        import os
        import sys

        from scorecard.group import progress_line
        from scorecard.report_html import sites_html
        from scorecard.sites import render_text, sites_report

        if fmt_ == "html" and not output:
            raise ScorecardError("--format html needs --output FILE")
        if scheduler and workers:
            raise ScorecardError("give --workers or --scheduler, not both (the scheduler's "
                                 "workers run the sites)")
        show = sys.stderr.isatty() if progress is None else progress

        def report(o, done, total):
            if show:
                click.echo(progress_line(o, done, total), err=True)

        rep = sites_report(configs, period, db=db, workers=workers or os.cpu_count() or 1,
                           scheduler=scheduler, ship_data=ship_data, progress=report,
                           label=label)
        text = (to_json(rep.as_dict()) if fmt_ == "json" else sites_html(rep) if fmt_ == "html"
                else render_text(rep))
        _write(text, output)
        run = rep.run
        if show:  # timings: never in the output itself (the same whatever ran it)
            click.echo(f"{len(run.succeeded)} site(s) evaluated, {len(run.failed)} failed, in "
                       f"{run.seconds:.2f} s ({run.executor})", err=True)
        if run.failed:
            for f in run.failed:
                click.echo(f"error: {f['config']}: {f['error']}", err=True)
            raise SystemExit(run.exit_code)
