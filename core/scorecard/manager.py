"""The plugin manager: built-in plugins first, then installed ones from the ``scorecard``
entry-point group (loaded lazily, on first use, so tests can keep them out)."""

import importlib
import os

import pluggy

from . import hookspecs
from .errors import ScorecardError
from .schema import did_you_mean

DEFAULT_PLUGINS = (
    "scorecard_plugins.sources.readers",
    "scorecard_plugins.metrics.measures",
    "scorecard_plugins.metrics.breaches",
    "scorecard_plugins.metrics.surveys",
    "scorecard_plugins.metrics.marks",
    "scorecard_plugins.scorers.points",
    "scorecard_plugins.metrics.composite",
    "scorecard_plugins.penalties.adjustments",
    "scorecard_plugins.grading.bands",
    "scorecard_plugins.grading.year_end",
    "scorecard_plugins.payouts.schemes",
    "scorecard_plugins.commands.sites",
    "scorecard_plugins.commands.dev",
    "scorecard_plugins.metrics.repeats",
    "scorecard_plugins.metrics.timeliness",
    "scorecard_plugins.metrics.team",
    "scorecard_plugins.metrics.fallback",
    "scorecard_plugins.scorers.item_band",
    "scorecard_plugins.commands.rollups",
    "scorecard_plugins.commands.calibration",
    "scorecard_plugins.commands.statement",
    "scorecard_plugins.commands.cycle",
    "scorecard_plugins.commands.verify",
    "scorecard_plugins.commands.payroll",
)

pm = pluggy.PluginManager("scorecard")
pm.add_hookspecs(hookspecs)

_loaded = False
#: plugins that failed to load: {name: message}; `scorecard plugins` still lists the others
load_errors: dict[str, str] = {}
#: entry-point name -> the distribution that installed it (for versions in `scorecard plugins`)
distributions: dict = {}


def _check_version(plugin, name):
    wanted = getattr(plugin, "SCORECARD_HOOKSPEC", None)
    if wanted is None:
        return
    if not (hookspecs.OLDEST_SUPPORTED_HOOKSPEC <= int(wanted) <= hookspecs.HOOKSPEC_VERSION):
        raise ScorecardError(
            f"plugin {name!r} targets hook-spec version {wanted}, but this scorecard supports "
            f"{hookspecs.OLDEST_SUPPORTED_HOOKSPEC}..{hookspecs.HOOKSPEC_VERSION}: upgrade "
            f"scorecard or install a matching version of the plugin"
        )


def register_plugin(plugin, name):
    """Register one plugin after checking it: its hook-spec version, the signatures of its hook
    implementations (pluggy), that none is a wrapper and that every ``@hookimpl`` names a real
    hook. Raises
    :class:`ScorecardError` naming the plugin; nothing is left registered on failure."""
    _check_version(plugin, name)
    try:
        pm.register(plugin, name)
    except pluggy.PluginValidationError as e:
        # pluggy < 1.7 leaves a plugin that failed validation registered
        if pm.is_registered(plugin):
            pm.unregister(plugin)
        raise ScorecardError(f"plugin {name!r} has an invalid hook implementation: {e}") from None
    callers = pm.get_hookcallers(plugin) or []
    wrappers = [impl.function.__name__ for h in callers for impl in h.get_hookimpls()
                if impl.plugin is plugin and (impl.wrapper or impl.hookwrapper)]
    if wrappers:
        # scorecard calls each implementation itself (to blame the plugin that fails), never
        # through pm.hook, so a wrapper would be called as a plain function and do nothing
        pm.unregister(name=name)
        raise ScorecardError(
            f"plugin {name!r} marks {wrappers[0]!r} as a hook wrapper (wrapper=True or "
            f"hookwrapper=True), which scorecard does not support: drop the option and "
            f"implement the hook as a plain @hookimpl function")
    unknown = [h.name for h in callers if h.spec is None]
    if unknown:
        pm.unregister(name=name)
        known = [n for n in dir(hookspecs) if n.startswith("register_")]
        raise ScorecardError(
            f"plugin {name!r} implements {unknown[0]!r}, which is not a scorecard hook"
            + (did_you_mean(unknown[0], known) or f" (hooks: {', '.join(known)})"))


def load_plugins():
    """Register the built-ins and the installed plugins once.

    ``SCORECARD_LOAD_PLUGINS`` (comma-separated distribution/entry-point names, may be empty)
    limits which installed plugins load; built-ins always load.
    """
    global _loaded
    if _loaded:
        return pm
    _loaded = True
    load_builtin_plugins()
    _load_entrypoints()
    pm.check_pending()
    return pm


#: the built-in plugins that add commands (and only commands): ``scorecard --help`` imports
#: these, not the building blocks, which a command loads when it needs them (get_registry)
COMMAND_PLUGINS = tuple(n for n in DEFAULT_PLUGINS if n.startswith("scorecard_plugins.commands."))


def load_builtin_plugins(commands_only: bool = False):
    """Register the built-in plugins (:data:`DEFAULT_PLUGINS`) once, without the installed ones;
    with ``commands_only`` just :data:`COMMAND_PLUGINS` (the CLI lists and finds the built-in
    commands with these alone)."""
    for name in COMMAND_PLUGINS if commands_only else DEFAULT_PLUGINS:
        if pm.get_plugin(name) is None:
            register_plugin(importlib.import_module(name), name)
    return pm


def load_entrypoints(wanted=None):
    """Register the installed plugins not registered yet; ``wanted(entry_point)`` (optional)
    picks which ones. The CLI uses it to import, for ``scorecard --help``, only the plugins that
    can add commands."""
    _load_entrypoints(wanted=wanted)
    return pm


def _load_entrypoints(entry_points=None, wanted=None):
    if entry_points is None:
        from importlib.metadata import entry_points

    allow = os.environ.get("SCORECARD_LOAD_PLUGINS")
    allowed = None if allow is None else {a.strip() for a in allow.split(",") if a.strip()}
    for ep in entry_points(group="scorecard"):
        dist = getattr(ep.dist, "name", None)
        if allowed is not None and ep.name not in allowed and dist not in allowed:
            continue
        if pm.get_plugin(ep.name) is not None or ep.name in load_errors:
            continue
        if wanted is not None and not wanted(ep):
            continue
        if ep.dist is not None:
            distributions[ep.name] = ep.dist
        try:
            plugin = ep.load()
        except ImportError as e:
            load_errors[ep.name] = (
                f"cannot import {ep.value!r}: {type(e).__name__}: {e}. Install the missing "
                f"dependency, or reinstall the plugin: scorecard install --force-reinstall "
                f"{dist or ep.name}")
            continue
        except Exception as e:  # a broken plugin must not take the others down
            load_errors[ep.name] = f"importing {ep.value!r} raised {type(e).__name__}: {e}"
            continue
        try:
            register_plugin(plugin, ep.name)
        except ScorecardError as e:
            load_errors[ep.name] = e.message


def plugin_rows():
    """One row per registered plugin: name, hooks it implements, version of its distribution."""
    load_plugins()
    dists = {}
    for plugin, dist in pm.list_plugin_distinfo():
        dists[id(plugin)] = dist
    rows = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin)
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        dist = dists.get(id(plugin)) or distributions.get(name)
        row = {"name": name, "hooks": hooks}
        if dist is not None:
            row["version"] = dist.version
            row["distribution"] = dist.metadata["Name"]
        rows.append(row)
    rows.sort(key=lambda r: (r["name"] not in DEFAULT_PLUGINS, r["name"]))
    by_name = {r["name"]: r for r in rows}
    for name, message in sorted(load_errors.items()):
        if name in by_name:  # registered, but one of its hooks failed
            by_name[name]["error"] = message
        else:
            row = {"name": name, "hooks": [], "error": message}
            if name in distributions:
                row["distribution"] = distributions[name].metadata["Name"]
            rows.append(row)
    return rows
