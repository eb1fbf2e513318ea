"""``scorecard verify``: check every stored run against its seal (docs/reliability.md).

A run is sealed when it is recorded; ``verify`` recomputes each run's hashes from its rows and
explanation lines and its seal (which chains to the run before it), and checks that the
triggers that keep runs sealed are still in the database. Exit 1 when anything does not
match."""

import click

from scorecard import hookimpl
from scorecard.options import (
    config_option,
    db_option,
    format_option,
    open_ruleset,
    open_store,
    output_option,
)
from scorecard.render import Document, render


@hookimpl
def register_commands(cli):
    @cli.command()
    @config_option(required=False)
    @db_option
    @format_option("table", "json", "csv")
    @output_option
    def verify(config, db, fmt_, output):
        """Check every stored run against its seal; exit 1 when any run was tampered with.

        With a rule set, the runs of its organisation and site (and the store's own sealing
        triggers); with --db alone, every run in the store. The head seal printed at the end
        covers every run: write it down when a month is signed off.

        \b
        Example:
            scorecard verify --db ./acc/scorecard.db
        """
        store = open_store(config, db, create=False)
        rs = open_ruleset(config) if config else None
        store_problems, runs = store.verify()
        if rs is not None:
            mine = {r["id"] for r in store.runs(org=rs.meta.org, site=rs.meta.site)}
            runs = {k: v for k, v in runs.items() if k in mine}
        bad = {k: v for k, v in runs.items() if v}
        rows = [{"id": k, "status": "TAMPERED" if v else "sealed",
                 "problems": "; ".join(v) if v else "rows match"} for k, v in runs.items()]
        head = store.head_seal()
        footer = [f"store: {p}" for p in store_problems]
        footer.append(f"{len(runs)} run(s) checked, {len(bad)} tampered"
                      + (f"; head seal {head}" if head else ""))
        render(Document(rows, ["id", "status", "problems"], title=f"verify {store.path}",
                        meta={"store": str(store.path), "problems": store_problems,
                              "head_seal": head}, footer=footer), fmt_, output)
        if bad or store_problems:
            click.echo(f"error: {len(bad)} run(s) TAMPERED" + (
                f", {len(store_problems)} store problem(s): {'; '.join(store_problems)}"
                if store_problems else ""), err=True)
            raise click.exceptions.Exit(1)
