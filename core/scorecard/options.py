"""The options every ``scorecard`` command shares, for built-in and plugin commands alike.

A command takes the same option under the same name, with the same short flag, default and
help, wherever it appears (``tests/test_cli_convention.py`` walks every command's ``--help`` and
checks it). Plugin commands use these decorators instead of writing their own, the way
sqlite-utils' ``output_options`` and datasette's ``add_common_publish_arguments_and_options``
serve theirs::

    import click
    from scorecard import hookimpl
    from scorecard.options import (config_option, db_option, format_option, open_ruleset,
                                   open_store, output_option, period_option)
    from scorecard.render import Document, render

    @hookimpl
    def register_commands(cli):
        @cli.command()
        @config_option
        @db_option
        @period_option
        @format_option("table", "json", "csv")
        @output_option
        def busiest(config, db, period, fmt_, output):
            "The busiest employees of a period."
            rs, store = open_ruleset(config), open_store(config, db)
            ...
            render(Document(rows, ["employee_id", "contacts"]), fmt_, output)

The convention they implement (docs/cli.md):

- a command on ONE rule set takes ``-c/--config FILE`` (default ``./scorecard.toml`` when that
  file exists); commands on several rule sets take them as arguments;
- ``--db FILE``: the SQLite store, default ``scorecard.db`` beside the rule set;
- ``-p/--period``: ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``;
- ``--format`` chooses the output (``table`` by default; the choices a command supports among
  ``table json csv xlsx html``); there is no ``--json`` flag;
- ``-o/--output FILE`` writes the output to FILE (owner-only, whole or not at all) instead of
  stdout.

Each decorator works bare (``@period_option``) or called with its variant
(``@period_option(required=False)``, ``@config_option(required=False)``).
"""

import functools
from pathlib import Path

import click

#: the rule set a command uses when ``-c/--config`` is not given (and the file exists)
DEFAULT_CONFIG = "scorecard.toml"
#: the store's file name beside the rule set when ``--db`` is not given
DEFAULT_DB = "scorecard.db"
#: every output format a command may offer, in the order --help lists them
FORMATS = ("table", "json", "csv", "xlsx", "html")

CONFIG_HELP = "Rule set (TOML).  [default: ./scorecard.toml, when it exists]"
DB_HELP = "SQLite store (default: scorecard.db beside the rule set)."
PERIOD_HELP = "Period: YYYY-MM, YYYY-Qn or YYYY."
FORMAT_HELP = "Output format."
NO_BOM_HELP = ("CSV without the UTF-8 byte order mark (it is there for Excel; leave it out "
               "for pipes).")
OUTPUT_HELP = "Write to FILE (owner-only, replaced whole) instead of stdout."

__all__ = ["DEFAULT_CONFIG", "DEFAULT_DB", "FORMATS", "config_option", "db_option",
           "format_option", "open_ruleset", "open_store", "output_option", "period_option"]


def _bare_or_called(factory):
    """Let an option factory be used as ``@factory`` as well as ``@factory(...)``."""

    @functools.wraps(factory)
    def decorator(*args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]):
            return factory()(args[0])
        return factory(*args, **kwargs)

    return decorator


@_bare_or_called
def config_option(required: bool = True):
    """``-c/--config FILE``: the rule set, defaulting to ``./scorecard.toml`` when it exists.

    With ``required=True`` (the default) a missing rule set is a usage error (exit 2) saying
    where it was looked for; with ``required=False`` the value is ``None`` when neither
    ``--config`` nor ``./scorecard.toml`` is there (e.g. ``report``, which can work from
    ``--db`` alone)."""

    def resolve(ctx, param, value):
        if value is not None:
            return value
        if Path(DEFAULT_CONFIG).is_file():
            return DEFAULT_CONFIG
        if required and not ctx.resilient_parsing:
            raise click.MissingParameter(
                f"There is no ./{DEFAULT_CONFIG} in {Path.cwd()}: give the rule set with "
                f"-c FILE.", ctx=ctx, param=param)
        return None

    return click.option("-c", "--config", "config", type=click.Path(dir_okay=False),
                        metavar="FILE", callback=resolve, help=CONFIG_HELP)


@_bare_or_called
def db_option():
    """``--db FILE``: the SQLite store; default ``scorecard.db`` beside the rule set (see
    :func:`open_store`)."""
    return click.option("--db", "db", type=click.Path(dir_okay=False), metavar="FILE",
                        help=DB_HELP)


@_bare_or_called
def period_option(required: bool = True):
    """``-p/--period PERIOD`` (``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``); ``required=False`` for
    commands that fall back to the latest stored run."""
    return click.option("-p", "--period", "period", required=required, metavar="PERIOD",
                        help=PERIOD_HELP)


def format_option(*choices: str, default: str = "table"):
    """``--format`` with the formats this command supports (a subset of :data:`FORMATS`, in
    that order; all of ``table json csv`` when none are named). The value arrives as ``fmt_``
    (not ``format``, which would shadow the built-in)."""
    if len(choices) == 1 and callable(choices[0]):  # used bare: @format_option
        return format_option()(choices[0])
    choices = choices or ("table", "json", "csv")
    unknown = [c for c in choices if c not in FORMATS]
    if unknown:
        raise ValueError(f"unknown output format {unknown[0]!r}; one of {', '.join(FORMATS)}")
    if default not in choices:
        raise ValueError(f"default format {default!r} is not among {choices}")
    ordered = [f for f in FORMATS if f in choices]
    fmt = click.option("--format", "fmt_", type=click.Choice(ordered), default=default,
                       show_default=True, help=FORMAT_HELP)
    if "csv" not in ordered:
        return fmt

    def remember(ctx, param, value):
        # read by scorecard.render's CSV writer; not a parameter of every command function
        ctx.find_root().meta["scorecard.no_bom"] = value
        return value

    bom = click.option("--no-bom", is_flag=True, expose_value=False, callback=remember,
                       help=NO_BOM_HELP)
    return lambda f: fmt(bom(f))


@_bare_or_called
def output_option():
    """``-o/--output FILE``: write the command's output to FILE instead of stdout (through
    :func:`scorecard.render.write`: owner-only, written whole after everything was computed)."""
    return click.option("-o", "--output", "output", type=click.Path(dir_okay=False),
                        metavar="FILE", help=OUTPUT_HELP)


def open_ruleset(config):
    """The rule set named by ``--config`` (loaded and validated; errors name file and key)."""
    from .ruleset import load_ruleset

    return load_ruleset(Path(config))


def open_store(config, db, create: bool = True):
    """The store named by ``--db``, else ``scorecard.db`` beside the rule set ``config``.
    Read-only commands pass ``create=False``: a mistyped name is an error (exit 2), not a new
    empty store."""
    from .errors import ScorecardError
    from .store import Store

    if db:
        return Store(db, create=create)
    if config is None:
        raise ScorecardError(f"give -c/--config RULESET (its {DEFAULT_DB} is used) or --db FILE")
    return Store(Path(config).parent / DEFAULT_DB, create=create)
