"""Everything the plugins registered, by kind and name, with the plugin that registered it."""

import attrs

from .errors import EvaluationError, ScorecardError
from .manager import load_plugins
from .schema import did_you_mean

#: registration hook -> the kind of thing it registers (as the rule set calls it)
KINDS = {
    "register_source_types": "source",
    "register_metric_types": "metric",
    "register_scorers": "scorer",
    "register_penalty_types": "penalty",
    "register_grading_types": "grading",
    "register_payout_types": "payout",
    "register_annual_types": "annual",
    "register_bundles": "bundle",
}

#: the method each kind of registered object must have (the engine calls it)
METHODS = {"source": "read", "metric": "compute", "scorer": "score", "penalty": "apply",
           "grading": "grade", "payout": "pay", "annual": "grade_year"}


@attrs.define
class Registry:
    """The registered objects by kind (``metric``, ``scorer`` ...) and name, and the plugin that
    registered each; build it with :func:`get_registry`."""

    by_kind: dict = attrs.Factory(lambda: {k: {} for k in KINDS.values()})
    owner: dict = attrs.Factory(dict)  # (kind, name) -> plugin name
    renamed: dict = attrs.Factory(dict)  # (kind, old name) -> current name (``old_names``)

    def get(self, kind: str, name: str, where: str = ""):
        table = self.by_kind[kind]
        if name in table:
            return table[name]
        if (kind, name) in self.renamed:
            return table[self.renamed[(kind, name)]]
        hint = did_you_mean(name, table)
        known = ", ".join(sorted(table)) or "none installed"
        from . import manager

        # the type may belong to an installed plugin that failed to load: say which and why
        broken = "".join(f"\nNote: plugin {p!r} failed to load: {m}"
                         for p, m in sorted(manager.load_errors.items()))
        raise ScorecardError(
            f"{where}unknown {kind} type {name!r}{hint} (known: {known}). "
            f"Install the plugin that provides it, or fix the name.{broken}"
        )

    def names(self, kind: str) -> list[str]:
        return sorted(self.by_kind[kind])

    def owner_of(self, kind: str, name: str) -> str:
        return self.owner.get((kind, self.current_name(kind, name)), "?")

    def current_name(self, kind: str, name: str) -> str:
        """The name a type is registered under now (``name`` unless it is an old name)."""
        if name in self.by_kind[kind]:
            return name
        return self.renamed.get((kind, name), name)

    def deprecated(self, kind: str, name: str) -> str | None:
        """The current name when ``name`` is a deprecated old name of a type, else None."""
        current = self.current_name(kind, name)
        return current if current != name else None

    def call(self, kind, type_name, method, rule_path, fn, *args, passthrough=()):
        """``fn(*args)``, a registered type's ``method``. Anything it raises other than a
        :class:`ScorecardError`, :class:`EvaluationError` or one of ``passthrough`` is a plugin
        bug, not a user's mistake: it becomes an :class:`EvaluationError` naming the plugin, the
        type, the method and the rule."""
        try:
            return fn(*args)
        except (ScorecardError, EvaluationError, *passthrough):
            raise
        except Exception as e:
            raise EvaluationError(
                f"plugin {self.owner_of(kind, type_name)!r} failed: {kind} type {type_name!r}, "
                f"{method}() for rule {rule_path}: {type(e).__name__}: {e}") from e


_registry: Registry | None = None


def get_registry(refresh: bool = False) -> Registry:
    """Build (once) the registry by calling every plugin's ``register_*`` implementation, one
    plugin at a time, so each registered object is attributed to its plugin."""
    global _registry
    if _registry is not None and not refresh:
        return _registry
    pm = load_plugins()
    reg = Registry()
    for hook_name, kind in KINDS.items():
        caller = getattr(pm.hook, hook_name)
        # get_hookimpls() lists the oldest registration first; reversed, this is the order
        # pluggy calls hooks in (newest plugin first: installed plugins before built-ins)
        for impl in reversed(caller.get_hookimpls()):
            plugin_name = impl.plugin_name

            def register(obj, _kind=kind, _plugin=plugin_name):
                name = getattr(obj, "name", None)
                if not isinstance(name, str) or not name:
                    raise EvaluationError(
                        f"plugin {_plugin!r} registered a {_kind} without a string 'name': {obj!r}"
                    )
                method = METHODS.get(_kind)
                if method and not callable(getattr(obj, method, None)):
                    raise EvaluationError(
                        f"plugin {_plugin!r} registered the {_kind} type {name!r} without a "
                        f"{method}() method: register an instance of the matching base class "
                        f"from scorecard.types")
                params = getattr(obj, "Params", None)
                if method and method != "read" and not attrs.has(params):
                    raise EvaluationError(
                        f"plugin {_plugin!r} registered the {_kind} type {name!r} whose Params "
                        f"is not an attrs class: {params!r}")
                if name in reg.by_kind[_kind]:
                    other = reg.owner[(_kind, name)]
                    raise ScorecardError(
                        f"two plugins register the {_kind} type {name!r}: {other!r} and "
                        f"{_plugin!r}. Uninstall one of them, or rename the type in one."
                    )
                reg.by_kind[_kind][name] = obj
                reg.owner[(_kind, name)] = _plugin
                for old in getattr(obj, "old_names", ()) or ():
                    # a type registered under that name itself wins (get() looks there first)
                    reg.renamed.setdefault((_kind, old), name)

            try:
                impl.function(*[{"register": register}[a] for a in impl.argnames])
            except (ScorecardError, EvaluationError):
                raise
            except Exception as e:
                raise EvaluationError(
                    f"plugin {plugin_name!r} failed in hook {hook_name}: {type(e).__name__}: {e}"
                ) from e
    _registry = reg
    return reg


def reset():
    """Forget the built registry (tests that register a plugin call this)."""
    global _registry
    _registry = None
