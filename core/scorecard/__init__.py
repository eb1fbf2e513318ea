"""scorecard: a rules-engine plugin framework that evaluates staff performance.

Plugin authors import :data:`hookimpl` from here::

    from scorecard import hookimpl

    @hookimpl
    def register_metric_types(register):
        register(MyMetric())

See ``docs/writing-plugins.md`` for the tutorial and ``docs/hooks.md`` for every hook.
"""

from importlib.metadata import PackageNotFoundError, version

from .hookspecs import HOOKSPEC_VERSION, hookimpl

try:
    __version__ = version("scorecard")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["hookimpl", "HOOKSPEC_VERSION", "__version__"]
