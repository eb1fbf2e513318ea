"""Organisation bundles: a default rule set, sample data in the data contract's shape, and a
docs page, registered through the ``register_bundles`` hook."""

import shutil
import tomllib
from pathlib import Path

import attrs
import tomli_w

from .errors import ScorecardError
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
