"""The hook specifications: every way a plugin can extend scorecard.

Each ``register_*`` hook receives a ``register`` callable; call it once per thing you provide.
Registered objects are looked up by their ``name`` from the rule set's ``type = "..."`` keys, and
two plugins registering the same name is an error that names both.

The hooks are called once per process: ``register_commands`` when the CLI first needs plugin
commands (listing them in ``--help``, or running one that is not built in), the others
when the registry is first needed (:func:`scorecard.registry.get_registry`), newest plugin
first. The registered objects' methods are then called once per rule per evaluation: never once
per record.
"""

from pluggy import HookimplMarker, HookspecMarker

#: Version of this hook-spec module. A plugin may declare ``SCORECARD_HOOKSPEC = N`` (module or
#: object attribute); the core refuses a plugin whose N is newer than this, or older than
#: :data:`OLDEST_SUPPORTED_HOOKSPEC`.
HOOKSPEC_VERSION = 3  # 2: register_annual_types; 3: metric types may declare aggregates
OLDEST_SUPPORTED_HOOKSPEC = 1

hookspec = HookspecMarker("scorecard")
hookimpl = HookimplMarker("scorecard")


@hookspec
def register_source_types(register):
    """Register data-source readers.

    :param register: call ``register(source_type)`` with an object that has ``name`` (the rule
        set's ``[sources.X] type``) and ``read(spec, base_dir)`` returning a
        :class:`scorecard.sources.RawTable` (file name, header, rows of text cells with their
        line numbers). Type coercion, column mapping and validation are done by the core from the
        rule set's column declarations, so a reader only yields text. An optional
        ``validate(spec, path)`` raises :class:`scorecard.schema.SchemaError` when the rule set
        loads, e.g. for a missing ``path``.

    .. versionadded:: 0.1
    """


@hookspec
def register_metric_types(register):
    """Register metric calculators (measures).

    A metric type may declare the per-employee aggregates it reads (hook-spec version 3 added
    this): ``aggregates(ctx, item)`` returning ``{name: scorecard.types.Aggregate(source, sql,
    params)}``, each an SQL aggregate over the period's rows of the source that carries its own
    row filter, e.g. ``SUM(CASE WHEN [item] = ? THEN [count] END)``. The engine answers every
    declaration on the same source with ONE ``GROUP BY employee_id`` scan before the first
    ``compute``, which then reads ``ctx.aggregated(item)`` (``{name: {employee_id: value}}``).
    A type without ``aggregates`` queries the store in ``compute``, as before version 3.

    :param register: call ``register(metric_type)`` with a :class:`scorecard.types.MetricType`:
        ``name``, a ``Params`` attrs class for its rule-set keys, and
        ``compute(ctx, item)`` returning ``{employee_id: Measure}`` for every employee in
        ``ctx.employees``. ``compute`` is called once per item per evaluation and should read the
        whole period at once through ``ctx`` (SQL against the store), or read the aggregates
        its ``aggregates(ctx, item)`` declared.

    .. versionadded:: 0.1
    """


@hookspec
def register_scorers(register):
    """Register scorers: rules that turn an item's measured value into points (deduction from a
    base, tier tables, shortfall steps, scaling ...).

    :param register: call ``register(scorer)`` with a :class:`scorecard.types.Scorer`: ``name``,
        ``Params`` and ``score(ctx, item, measures)`` returning ``{employee_id: Scored}``.

    .. versionadded:: 0.1
    """


@hookspec
def register_penalty_types(register):
    """Register penalty and adjustment rules (points added or deducted after the items, money
    fines reported beside the score).

    :param register: call ``register(penalty_type)`` with a
        :class:`scorecard.types.PenaltyType`: ``name``, ``Params`` and
        ``apply(ctx, penalty)`` returning ``{employee_id: Adjustment}``.

    .. versionadded:: 0.1
    """


@hookspec
def register_grading_types(register):
    """Register grading schemes (bands with labels and pay coefficients, eligibility, ranking).

    :param register: call ``register(grading_type)`` with a
        :class:`scorecard.types.GradingType`: ``name``, ``Params`` and
        ``grade(ctx, spec, scores)`` returning ``{employee_id: Grade}``.

    .. versionadded:: 0.1
    """


@hookspec
def register_payout_types(register):
    """Register payout schemes (bonus from a base, position pay × coefficient, floors, caps).

    :param register: call ``register(payout_type)`` with a
        :class:`scorecard.types.PayoutType`: ``name``, ``Params`` and
        ``pay(ctx, spec, results)`` returning ``{employee_id: Payout}``.

    .. versionadded:: 0.1
    """


@hookspec
def register_annual_types(register):
    """Register year-end schemes: how a year's stored period scores become an annual grade
    (``[scorecards.X.annual] type = "..."``; ``scorecard annual`` runs it).

    :param register: call ``register(annual_type)`` with a
        :class:`scorecard.types.AnnualType`: ``name``, ``Params`` (the scheme's own keys of the
        ``[scorecards.X.annual]`` table, with their defaults) and
        ``grade_year(spec, periods, rows)`` returning the rows graded
        (:class:`scorecard.annual.AnnualRow` with ``total``, ranks, ``grade`` and ``reasons``).
        The core finds the year's runs and each employee's period scores; the scheme only
        grades them.

    .. versionadded:: 0.2
    """


@hookspec
def register_bundles(register):
    """Register an organisation bundle: its default rule set, sample data and docs.

    :param register: call ``register(bundle)`` with a :class:`scorecard.bundles.Bundle` naming
        the directory holding ``scorecard.toml`` and ``data/*.csv``, the sample period and the
        docs page. ``scorecard init --org NAME`` and ``scorecard demo`` use it.

    .. versionadded:: 0.1
    """


@hookspec
def register_commands(cli):
    """Add commands to the ``scorecard`` click group.

    Use the shared options of :mod:`scorecard.options` (``-c/--config``, ``--db``,
    ``-p/--period``, ``--format``, ``-o/--output``) and print through :mod:`scorecard.render`,
    so that a plugin command follows the same convention as the built-in ones (docs/cli.md).
    Called lazily: ``scorecard --version`` and the built-in commands do not import plugins, and
    ``scorecard --help`` imports only the installed plugins whose source mentions
    ``register_commands``.

    :param cli: the :class:`click.Group`; decorate functions with ``@cli.command()``.

    .. versionadded:: 0.1
    """
