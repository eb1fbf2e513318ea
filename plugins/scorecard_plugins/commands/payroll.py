"""``scorecard payroll``: the one sheet payroll pays from (docs/payroll.md)."""

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


@hookimpl
def register_commands(cli):
    @cli.command()
    @config_option
    @db_option
    @period_option
    @format_option("csv", "xlsx", default="xlsx")
    @output_option
    @click.option("--draft", is_flag=True,
                  help="Export a period that is not closed, every row stamped DRAFT.")
    def payroll(config, db, period, fmt_, output, draft):
        """Export the final payout of every employee for a closed period: the published run
        with upheld appeals and adjustments applied, one row per employee. Refused (exit 2)
        unless the period is closed, or with --draft, which stamps every row DRAFT.

        \b
        Example:
            scorecard payroll -c acc/scorecard.toml -p 2026-10 -o payroll-2026-10.xlsx
        """
        from scorecard.errors import ScorecardError
        from scorecard.payroll import payroll as build
        from scorecard.payroll import payroll_csv, payroll_xlsx
        from scorecard.periods import Period
        from scorecard.render import no_bom, write

        rs = open_ruleset(config)
        p = Period.from_user(period, rs.meta.period)
        if fmt_ == "xlsx" and not output:
            raise ScorecardError("--format xlsx writes a workbook: give -o FILE")
        pay = build(open_store(config, db), rs, p, draft=draft)
        data = payroll_xlsx(pay, rs) if fmt_ == "xlsx" else payroll_csv(pay, bom=not no_bom())
        write(data, output)
        if pay.draft:
            click.echo(f"DRAFT: {p.key} is {pay.state}, not closed; every row is stamped DRAFT "
                       f"(not for payment)", err=True)
