"""Commands for sites and their rule sets (docs/sites.md): ``show``, ``check`` and ``test`` (on
one rule set: ``-c/--config``), ``diff``, ``compare`` and ``sites`` (on several: arguments)."""

from pathlib import Path

import click

from scorecard import hookimpl
from scorecard.errors import ScorecardError
from scorecard.options import (
    config_option,
    format_option,
    open_ruleset,
    output_option,
    period_option,
)
from scorecard.output import to_json
from scorecard.render import write


def group_options(f):
    """How a group's tasks run (docs/scale.md): ``--workers``, ``--scheduler``, ``--ship-data``,
    ``--timeout``, ``--progress``; shared by ``sites`` and ``compare``."""
    for option in reversed([
        click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
                     help="Worker processes on this machine, one site per task [default: the "
                          "number of cores]."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="Run the sites on an existing Dask distributed scheduler "
                          "(tcp://host:8786); needs `pip install 'scorecard[dask]'`."),
        click.option("--ship-data", is_flag=True,
                     help="Send each site's rule set and input files to the workers as bytes "
                          "(workers without the same files on shared storage)."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
                     help="With --scheduler: sites not finished SECONDS after the start fail."),
        click.option("--progress/--no-progress", default=None,
                     help="A line per finished site on stderr [default: when stderr is a "
                          "terminal]."),
    ]):
        f = option(f)
    return f


def _group_run(configs, period, workers, scheduler, ship_data, timeout, progress, **kw):
    """scorecard.group.run_group with the command line's choices; progress lines on stderr."""
    import os
    import sys

    from scorecard.group import progress_line, run_group

    if scheduler and workers:
        raise ScorecardError("give --workers or --scheduler, not both (the scheduler's "
                             "workers run the sites)")
    show = sys.stderr.isatty() if progress is None else progress

    def report(o, done, total):
        if show:
            click.echo(progress_line(o, done, total), err=True)

    run = run_group(configs, period, workers=workers or os.cpu_count() or 1, scheduler=scheduler,
                    ship_data=ship_data, timeout=timeout, progress=report, **kw)
    return run, show


def _finish(run, show, what="site(s) evaluated"):
    """Timings on stderr (never in the output: it is the same whatever ran it); each failed
    site's error again on stderr; exit non-zero when one failed."""
    if show:
        click.echo(f"{len(run.succeeded)} {what}, {len(run.failed)} failed, in "
                   f"{run.seconds:.2f} s ({run.executor})", err=True)
    if run.failed:
        from scorecard.group import failure_text

        for f in run.failed:
            click.echo(f"error: {failure_text(f['config'], f['error'])}", err=True)
        raise SystemExit(run.exit_code)


class _Deprecated(click.Argument):
    """The rule set as a positional argument (before the -c/--config convention): still read,
    with a note, but no longer shown in the usage line."""

    def get_usage_pieces(self, ctx):
        return []


def legacy_config(f):
    return click.argument("legacy_config", cls=_Deprecated, required=False,
                          type=click.Path(dir_okay=False))(f)


def _config(config, legacy, command):
    if legacy:
        click.echo(f"note: `scorecard {command} RULESET` is deprecated: use `scorecard "
                   f"{command} -c RULESET`", err=True)
        return legacy
    if config is None:
        raise click.MissingParameter(
            "There is no ./scorecard.toml in the current directory: give the rule set with "
            "-c FILE.", param_type="option", param_hint="'-c' / '--config'")
    return config


def _rel(path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@hookimpl
def register_commands(cli):
    @cli.command()
    @config_option(required=False)
    @legacy_config
    @click.option("--toml", "as_toml", is_flag=True, help="Print the merged rule set as TOML.")
    @format_option("table", "json")
    @output_option
    def show(config, legacy_config, as_toml, fmt_, output):
        """Print the rule set that runs (its extends chain merged) and where each value came
        from.

        \b
        Example:
            scorecard show -c sites/north/scorecard.toml
        """
        from scorecard.diff import show as show_value
        from scorecard.inherit import provenance_rows

        config = _config(config, legacy_config, "show")
        rs = open_ruleset(config)
        if as_toml:
            write(rs.merged.text, output)
            return
        rows = provenance_rows(rs.merged)
        if fmt_ == "json":
            write(to_json({"files": [str(f) for f in rs.merged.files], "hash": rs.hash,
                           "values": [{**r, "file": str(r["file"]),
                                       **({"was_file": str(r["was_file"])}
                                          if r.get("was_file") else {})} for r in rows]}) + "\n",
                  output)
            return
        lines = [f"# {rs.meta.org} / {rs.meta.site}: merged from "
                 + " ← ".join(_rel(f) for f in rs.merged.files), f"# sha256 {rs.hash}"]
        width = max((len(r["key"]) for r in rows), default=0)
        for r in rows:
            note = f"# {_rel(r['file'])}"
            if "was" in r:
                note += f" (was {show_value(r['was'])}"
                note += f" in {_rel(r['was_file'])})" if r.get("was_file") else ")"
            lines.append(f"{r['key']:<{width}} = {show_value(r['value'])}  {note}")
        write("\n".join(lines) + "\n", output)

    @cli.command()
    @config_option(required=False)
    @legacy_config
    @format_option("table", "json")
    @output_option
    @click.option("--no-data", is_flag=True, help="Do not read the data files' headers.")
    @click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
    def check(config, legacy_config, fmt_, output, no_data, strict):
        """Lint a rule set: maxima that do not add up, tiers worth more than their item, gaps,
        overlaps and wrong order in band and tier tables, payout tables missing a level,
        sources whose columns do not match. Exit code 1 when there are errors."""
        from scorecard.check import check_ruleset

        config = _config(config, legacy_config, "check")
        rs = open_ruleset(config)
        findings = check_ruleset(rs, data=not no_data)
        if fmt_ == "json":
            write(to_json([f.as_dict() for f in findings]) + "\n", output)
        else:
            counts = {s: sum(1 for f in findings if f.severity == s)
                      for s in ("error", "warning", "info")}
            write("".join(f"{f.text()}\n" for f in findings)
                  + f"{config}: {counts['error']} error(s), {counts['warning']} warning(s), "
                    f"{counts['info']} note(s)\n", output)
        bad = {"error", "warning"} if strict else {"error"}
        if any(f.severity in bad for f in findings):
            raise SystemExit(1)

    @cli.command()
    @click.argument("a", type=click.Path(dir_okay=False))
    @click.argument("b", type=click.Path(dir_okay=False))
    @format_option("table", "json")
    @output_option
    @click.option("--exit-code", is_flag=True,
                  help="Exit 1 when the rule sets differ, 0 when they do not (as git diff).")
    def diff(a, b, fmt_, output, exit_code):
        """What differs between rule sets A and B, by meaning: parameters (old → new), rules
        added or removed, bands and payout tables changed."""
        from scorecard.diff import diff_rulesets, render_text

        changes = diff_rulesets(open_ruleset(a), open_ruleset(b))
        if fmt_ == "json":
            text = to_json({"a": a, "b": b, "changes": [c.as_dict() for c in changes]}) + "\n"
        else:
            text = render_text(changes, a, b)
        write(text, output)
        if exit_code and changes:
            raise SystemExit(1)

    @cli.command()
    @click.argument("a", type=click.Path(dir_okay=False))
    @click.argument("b", nargs=-1, required=True)
    @period_option
    @click.option("--data", type=click.Choice(["a", "b"]), default="a", show_default=True,
                  help="Whose data files both rule sets read.")
    @format_option("table", "json", "csv", "xlsx", "html")
    @output_option
    @click.option("--all", "all_rows", is_flag=True, help="Table: list unchanged employees too.")
    @group_options
    def compare(a, b, period, data, fmt_, output, all_rows, workers, scheduler, ship_data,
                timeout, progress):
        """Run rule sets A and B on the same data: per-employee score, grade and payout deltas,
        the grade migration matrix, payout cost per site and per head, and the rules that drove
        the change.

        Several B (files, quoted patterns or folders, as for `sites`): A is compared with each,
        each pair one task (--workers, --scheduler; docs/scale.md), with a summary row per pair.
        """
        from scorecard import compare as cmp
        from scorecard.group import expand_sites
        from scorecard.report_html import compare_html

        bs = expand_sites(b)
        if len(bs) == 1 and not scheduler and not ship_data:
            c = cmp.compare(a, bs[0], period, data=data)
            if fmt_ == "json":
                text = to_json(c.as_dict())
            elif fmt_ == "csv":
                text = cmp.render_csv(c)
            elif fmt_ == "html":
                text = compare_html(c)
            elif fmt_ == "xlsx":
                from scorecard.xlsx import compare_workbook

                if not output:
                    raise ScorecardError("--format xlsx writes a workbook: give -o FILE")
                text = compare_workbook(c)
            else:
                text = cmp.render_text(c, only_changed=not all_rows)
            write(text, output)
            return
        run, show = _group_run(bs, period, workers, scheduler, ship_data, timeout, progress,
                               compare_with=a, data=data)
        if fmt_ == "json":
            text = to_json(cmp.many_as_dict(a, period, run))
        elif fmt_ == "csv":
            text = cmp.render_many_csv(run)
        elif fmt_ == "html":
            text = cmp.render_many_html(a, run, data)
        elif fmt_ == "xlsx":
            raise ScorecardError("--format xlsx compares two rule sets; with several B use "
                                 "json, csv or html")
        else:
            text = cmp.render_many_text(a, run, only_changed=not all_rows)
        write(text, output)
        _finish(run, show, "comparison(s)")

    @cli.command("test")
    @config_option(required=False)
    @legacy_config
    @click.option("--golden", type=click.Path(file_okay=False),
                  help="Directory of cases (default: golden/ beside the rule set and beside "
                       "each file it extends).")
    @format_option("table", "json")
    @output_option
    def test_cmd(config, legacy_config, golden, fmt_, output):
        """Run the golden cases kept beside a rule set; exit code 1 when one fails. Lists the
        rules no case exercises."""
        from scorecard.golden import run_golden

        config = _config(config, legacy_config, "test")
        rep = run_golden(config, golden)
        write(to_json(rep.as_dict()) + "\n" if fmt_ == "json" else rep.text(), output)
        if not rep.ok:
            raise SystemExit(1)

    @cli.command()
    @click.argument("configs", nargs=-1, required=True)
    @period_option
    @format_option("table", "json", "xlsx", "html")
    @output_option
    @click.option("--db", type=click.Path(dir_okay=False), metavar="FILE",
                  help="Store every site's run and the group's summary in this file, in one "
                       "transaction (without it nothing is stored).")
    @group_options
    @click.option("--label", help="A note stored with every run (with --db).")
    def sites(configs, period, fmt_, output, db, workers, scheduler, ship_data, timeout,
              progress, label):
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
        from scorecard.report_html import sites_html
        from scorecard.sites import render_text, report_of

        if fmt_ in ("html", "xlsx") and not output:
            raise ScorecardError(f"--format {fmt_} needs --output FILE")
        run, show = _group_run(configs, period, workers, scheduler, ship_data, timeout, progress,
                               db=db, label=label)
        rep = report_of(run)
        if fmt_ == "xlsx":
            from scorecard.xlsx import sites_workbook

            text = sites_workbook(rep)
        else:
            text = (to_json(rep.as_dict()) if fmt_ == "json" else sites_html(rep)
                    if fmt_ == "html" else render_text(rep))
        write(text, output)
        _finish(run, show)
