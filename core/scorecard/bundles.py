"""Organisation bundles: a default rule set, sample data in the data contract's shape, and a
docs page, registered through the ``register_bundles`` hook."""

import shutil
import tomllib
from pathlib import Path

import attrs
import tomli_w

from .errors import RuleSetError, ScorecardError
from .registry import get_registry


@attrs.frozen
class Bundle:
    """An organisation's bundle, registered through ``register_bundles``."""

    #: the name used by ``scorecard init --org NAME``
    name: str
    #: directory holding ``scorecard.toml`` and ``data/*.csv``
    path: Path
    #: the period the sample data is for (``scorecard demo`` evaluates it)
    sample_period: str
    title: str = ""
    title_zh: str = ""
    #: the bundle's documentation page (a path or a URL)
    docs: str = ""
    #: more periods ``demo`` evaluates before the sample period (history for year-to-date rules)
    demo_periods: tuple[str, ...] = ()

    @property
    def ruleset_path(self) -> Path:
        return Path(self.path) / "scorecard.toml"

    @property
    def data_dir(self) -> Path:
        return Path(self.path) / "data"


def load_bundle(path) -> Bundle:
    """The :class:`Bundle` in directory ``path``, described by the ``[bundle]`` table of its
    ``scorecard.toml`` (name, sample period, titles, docs page, demo periods): a bundle package
    only registers ``load_bundle(Path(__file__).parent / "bundle")``. A missing or invalid table
    is a :class:`RuleSetError` naming the file, the key and the line."""
    from .ruleset import _bundle, read_toml
    from .schema import SchemaError, locate

    path = Path(path)
    ruleset = path / "scorecard.toml"
    text, data = read_toml(ruleset)
    try:
        if "bundle" not in data:
            raise SchemaError("bundle", "missing: a bundle's rule set describes the bundle in a "
                              "[bundle] table (name, sample_period, title, docs)")
        spec = _bundle(data["bundle"])
    except SchemaError as e:
        raise RuleSetError(ruleset, e.path, e.reason, locate(text, e.path)) from None
    return Bundle(name=spec.name, path=path, sample_period=spec.sample_period,
                  title=spec.title, title_zh=spec.title_zh, docs=spec.docs,
                  demo_periods=spec.demo_periods)


def get_bundle(name: str) -> Bundle:
    """The installed bundle called ``name`` (``--org``); an unknown name lists the known ones."""
    return get_registry().get("bundle", name, where="--org: ")


def bundles() -> list[Bundle]:
    """Every installed bundle, by name."""
    reg = get_registry()
    return [reg.by_kind["bundle"][n] for n in reg.names("bundle")]


HEADER = """\
# scorecard rule set for {name}, written by `scorecard init`.
# Every threshold of the organisation's rules is a parameter below; the bundle's documentation
# ({docs}) explains each one and the interpretations chosen.
# Check it with `scorecard evaluate --config THIS_FILE --period {period}`.

"""


def init_dir(bundle: Bundle, target: Path, site: str | None = None, force: bool = False):
    """Write ``target/scorecard.toml`` (tomli-w) and ``target/data/*.csv`` from the bundle."""
    target = Path(target)
    out = target / "scorecard.toml"
    if out.exists() and not force:
        raise ScorecardError(f"{out} exists; use --force to overwrite it")
    data = tomllib.loads(bundle.ruleset_path.read_text(encoding="utf-8"))
    data.pop("bundle", None)  # describes the bundle, not the organisation's copy of its rules
    if site:
        data.setdefault("ruleset", {})["site"] = site
    target.mkdir(parents=True, exist_ok=True)
    (target / "data").mkdir(exist_ok=True)
    text = HEADER.format(name=bundle.name, docs=bundle.docs or "the bundle's docs",
                         period=bundle.sample_period) + tomli_w.dumps(data, multiline_strings=True)
    out.write_text(text, encoding="utf-8")
    copied = []
    for f in sorted(bundle.data_dir.glob("*")):
        if f.is_file():
            shutil.copyfile(f, target / "data" / f.name)
            copied.append(f.name)
    golden = Path(bundle.path) / "golden"  # hand-computed cases: `scorecard test` runs them
    if golden.is_dir():
        (target / "golden").mkdir(exist_ok=True)
        for f in sorted(golden.glob("*.toml")):
            shutil.copyfile(f, target / "golden" / f.name)
    return out, copied
