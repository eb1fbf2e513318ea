"""``scorecard statement``: employees' statements of a period (docs/statements.md)."""

from pathlib import Path

import click

from scorecard import hookimpl
from scorecard.errors import ScorecardError
from scorecard.options import (
    config_option,
    db_option,
    format_option,
    open_ruleset,
    open_store,
    period_option,
)


@hookimpl
def register_commands(cli):
    @cli.command()
    @click.argument("employees", nargs=-1)
    @config_option
    @db_option
    @period_option
    @click.option("--output", "-o", "output",
                  help="Directory for the pages (default: ./statements-PERIOD); the file for "
                       "--format xlsx/json.")
    @click.option("--lang", default="both", show_default=True,
                  help="Language of the page's words and labels: en, the rule set's own "
                       "language (its [ruleset] locale, e.g. zh) or both.")
    @format_option("json", "xlsx", "html", default="html")
    @click.option("--pdf", is_flag=True, help="Also print each page to PDF (headless Chromium).")
    def statement(employees, config, db, period, output, lang, fmt_, pdf):
        """Write each employee's statement of a period: one printable (A4) HTML page per
        employee with every item, every deduction and its evidence, total, grade, payout, the
        run, its status (draft / published / closed) and the last day to appeal.

        \b
        Example:
            scorecard statement A001 A002 -c acc/scorecard.toml -p 2026-10 -o statements/
        """
        from scorecard.output import to_json
        from scorecard.periods import Period
        from scorecard.statement import (
            file_name,
            statement_html,
            statements,
            workbook,
            write_private,
        )

        rs = open_ruleset(config)
        p = Period.from_user(period, rs.meta.period)
        sts = statements(open_store(config, db), rs, p, employees or None)
        if fmt_ in ("xlsx", "json"):
            if pdf:
                raise ScorecardError("--pdf goes with --format html")
            if not output:
                raise ScorecardError(f"--format {fmt_} writes one file: give -o FILE")
            data = workbook(sts, rs) if fmt_ == "xlsx" else to_json(
                [s.as_dict() for s in sts]) + "\n"
            write_private(Path(output), data)
            click.echo(f"wrote {output} ({len(sts)} statement(s))", err=True)
            return
        out = Path(output or f"statements-{p.key}")
        if out.exists() and not out.is_dir():
            raise ScorecardError(f"-o {out}: is a file; statements are written into a directory")
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        browser = None
        if pdf:
            from scorecard.browser import find_browser

            browser = find_browser()
            if browser is None:
                click.echo("note: no headless Chromium found (apt-get install chromium, or set "
                           "SCORECARD_CHROMIUM): HTML pages only, no PDF", err=True)
        for st in sts:
            page = out / file_name(st, ".html")
            write_private(page, statement_html(st, lang))
            if browser:
                from scorecard.browser import print_pdf

                pdf_path = out / file_name(st, ".pdf")
                print_pdf(page, pdf_path)
                pdf_path.chmod(0o600)
        status = sts[0].status if sts else "draft"
        deadline = f", appeals until {sts[0].deadline}" if sts and sts[0].deadline else ""
        click.echo(f"wrote {len(sts)} statement(s) to {out} ({status}{deadline}"
                   f"{', with PDF' if browser else ''})", err=True)
