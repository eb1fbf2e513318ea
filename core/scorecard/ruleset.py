"""Rule sets: one TOML file declaring the organisation, period kind, sources, scorecards (items,
penalties, grading, payout) and the rounding policy. Loaded with tomllib into frozen attrs
objects; every key is checked (see :mod:`scorecard.schema`)."""

import hashlib
import re
import tomllib
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import attrs

from .errors import RuleSetError, ScorecardError
from .numbers import MAX_DIGITS, ROUNDING_MODES
from .periods import PERIOD_KINDS, Period
from .registry import Registry, get_registry
from .schema import SchemaError, build, convert, did_you_mean, locate
from .sql import name_problem, table_problem
from .words import check_labels

COLUMN_TYPES = ("str", "int", "decimal", "bool", "timestamp", "date", "period", "enum")


@attrs.frozen
class ColumnSpec:
    """One declared column of a source: its type, whether a blank cell is allowed, a default, the
    enum choices, a range and the file's header when it differs."""

    type: Literal["str", "int", "decimal", "bool", "timestamp", "date", "period", "enum"] = "str"
    required: bool = True  # a blank cell is an error (unless there is a default)
    default: Any = None  # used for a blank cell
    choices: tuple[str, ...] = ()  # for enum
    min: Fraction | None = None
    max: Fraction | None = None
    header: str | None = None  # the file's header when it differs from the column name
    #: a date or timestamp column's own strptime format (e.g. "%d.%m.%Y %H:%M"), accepted
    #: besides the forms of the data contract
    format: str | None = None
    #: a timestamp column that only places a row in a period may hold a bare date (midnight)
    allow_date: bool = False
    optional: bool = False  # the column may be absent from the file: then every cell is blank
    # (its default), for data-contract additions a site's older exports do not have


def parse_column(value, path) -> ColumnSpec:
    """``"timestamp"``, ``"bool?"`` (blank allowed), ``"enum:phone|online|email"`` or a table."""
    if isinstance(value, dict):
        spec = build(ColumnSpec, value, path)
        if spec.type == "enum" and not spec.choices:
            raise SchemaError(path, "an enum column needs choices = [...]")
        return _check_column(spec, path)
    if not isinstance(value, str):
        raise SchemaError(path, f"expected a column type such as 'str' or a table, got {value!r}")
    text, required = value.strip(), True
    if text.endswith("?"):
        text, required = text[:-1], False
    choices = ()
    if text.startswith("enum:"):
        choices = tuple(c.strip() for c in text[5:].split("|") if c.strip())
        text = "enum"
    if text not in COLUMN_TYPES:
        raise SchemaError(
            path, f"unknown column type {text!r}{did_you_mean(text, COLUMN_TYPES)} "
            f"(one of {', '.join(COLUMN_TYPES)}; add ? for optional, enum:a|b for choices)"
        )
    if text == "enum" and not choices:
        raise SchemaError(path, "an enum column needs its choices, e.g. \"enum:phone|online\"")
    return ColumnSpec(type=text, required=required, choices=choices)


def _check_column(spec: ColumnSpec, path: str) -> ColumnSpec:
    """What can be known about a column's declaration without its data: a range that is not
    empty, a default its own column accepts, a format that parses what it writes. Checked here
    so a mistake is one error at its key, not one per data cell."""
    from .columns import make_converter

    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        raise SchemaError(f"{path}.min", f"min {spec.min} is above max {spec.max}; swap them")
    if (spec.min is not None or spec.max is not None) and spec.type not in ("int", "decimal"):
        key = "min" if spec.min is not None else "max"
        raise SchemaError(f"{path}.{key}", f"a range applies to int and decimal columns, not to "
                          f"a {spec.type} column")
    if spec.choices and spec.type != "enum":
        raise SchemaError(f"{path}.choices", "choices apply to an enum column (type = \"enum\")")
    if spec.allow_date and spec.type != "timestamp":
        raise SchemaError(f"{path}.allow_date", "applies to a timestamp column")
    if spec.format is not None:
        _check_format(spec, f"{path}.format")
    if spec.default is not None:
        d = spec.default
        if not isinstance(d, str | int | float | bool) or isinstance(d, float) and d != d:
            raise SchemaError(f"{path}.default", f"expected a plain value for a blank "
                              f"{spec.type} cell, got {_short(d)}")
        text = ("1" if d else "0") if isinstance(d, bool) else str(d)
        try:
            make_converter(spec)(text)
        except ValueError as e:
            raise SchemaError(f"{path}.default", f"the column does not accept its own default: "
                              f"{e}") from None
    return spec


def _check_format(spec: ColumnSpec, path: str):
    if spec.type not in ("date", "timestamp"):
        raise SchemaError(path, "a format applies to a date or timestamp column")
    f = spec.format
    if not f.isascii() or not any(d in f for d in ("%Y", "%y")) or "%d" not in f \
            or not any(d in f for d in ("%m", "%b", "%B")):
        raise SchemaError(path, f"{f!r} is not a date format with a year, month and day, "
                          f"e.g. \"%d.%m.%Y %H:%M\"")
    for bad in ("%z", "%Z", "%f", "%c", "%x", "%X"):
        if bad in f:
            raise SchemaError(path, f"{bad} is not allowed: times are the site's local time in "
                              f"whole seconds, written out field by field")
    sample = datetime(2026, 10, 31, 17, 45, 30)
    try:
        back = datetime.strptime(sample.strftime(f), f)
    except ValueError as e:
        raise SchemaError(path, f"{f!r} does not read back what it writes ({e})") from None
    if back.date() != sample.date():
        raise SchemaError(path, f"{f!r} does not read back the date it writes")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text)} characters)"


@attrs.frozen
class SourceSpec:
    """``[sources.NAME]``: how to read one input (reader type, path ...), the column deciding
    its rows' period, its unique key and its declared columns."""

    type: str = "csv"
    path: str | None = None
    encoding: str = "auto"
    delimiter: str = ","
    sheet: str | None = None
    table: str | None = None
    query: str | None = None
    period_by: str | None = None  # column deciding which period a row belongs to
    key: str | None = None  # column whose values must be unique
    history: bool = False  # metrics read rows outside the period (earlier/later periods)
    optional: bool = False  # a missing file is an empty source (for extensions of DATA.md)
    description: str = ""
    columns: dict[str, Any] = attrs.Factory(dict)


@attrs.frozen
class RuleSetMeta:
    """``[ruleset]``: organisation, bundle, site, period kind, locale, currency, titles,
    ``extends``."""

    org: str
    bundle: str | None = None
    site: str = "main"
    period: Literal["month", "quarter", "year"] = "month"
    #: language-REGION (BCP 47, e.g. "zh-CN", "en-GB"): gives the currency and the calendar's
    #: country when the rule set does not set them
    locale: str = "zh-CN"
    currency: str = ""  # ISO 4217; "" = the locale's region's currency
    title: str = ""
    title_zh: str = ""
    description: str = ""
    extends: str | None = None
    #: the share (0..1) of the period's working days the activity data must cover; below it
    #: evaluate stops (exit 2). None: a partial period is a warning only (docs/pay-cycle.md)
    require_coverage: Fraction | None = None


@attrs.frozen
class BundleSpec:
    """``[bundle]``, in a bundle's own rule set: what ``scorecard init``, ``demo`` and
    ``scorecard plugins`` say about the bundle, so the bundle's Python package only registers
    its directory (:func:`scorecard.bundles.load_bundle`)."""

    name: str
    sample_period: str  # the period the sample data is for (``demo`` evaluates it)
    title: str = ""
    title_zh: str = ""
    docs: str = ""  # the bundle's documentation page (a path or a URL)
    # periods ``demo`` evaluates before the sample period (history for year-to-date rules)
    demo_periods: tuple[str, ...] = ()


@attrs.frozen
class Rounding:
    """``[rounding]``: the steps final scores and money are rounded to, once, and the mode."""

    score: str = "0.01"
    money: str = "0.01"
    mode: Literal["half_up", "half_even", "half_down", "up", "down", "floor", "ceiling"] = (
        "half_up"
    )


@attrs.frozen
class CalendarSpec:
    """``[calendar]``: the country (and subdivision) for public holidays, plus the site's own
    extra holidays and working days."""

    country: str = ""  # ISO 3166; "" = the region of [ruleset] locale
    subdivision: str | None = None
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()


#: the [process] keys that open the appeal window after publication, one per organisation's
#: wording (automotive 申诉, wholesale 复核申请, after-sales 公示期); a rule set sets at most one
WINDOW_KEYS = ("appeal_days", "review_request_days", "publicity_days")


@attrs.frozen
class ProcessSpec:
    """``[process]``: the cycle after evaluation (:mod:`scorecard.cycle`). The appeal window is
    counted in working days on the site's calendar from the day a run is published; the answer
    deadline in working days from the day an appeal is lodged (a later decision is marked late).
    """

    appeal_days: int | None = None  # automotive: appeal within N working days of feedback
    appeal_answer_days: int | None = None  # automotive: answered within N working days
    review_request_days: int | None = None  # wholesale: ask the centre to review within N days
    publicity_days: int | None = None  # after-sales: results posted N working days
    self_assessment_due_day: int | None = None  # wholesale: self-assessment by day N

    @property
    def window_key(self) -> str | None:
        """The key that sets the appeal window, or None (appeals are then open until close)."""
        return next((k for k in WINDOW_KEYS if getattr(self, k) is not None), None)

    @property
    def window_days(self) -> int | None:
        key = self.window_key
        return None if key is None else getattr(self, key)


def _process(data) -> ProcessSpec:
    spec = build(ProcessSpec, data, "process")
    for key in (*WINDOW_KEYS, "appeal_answer_days"):
        value = getattr(spec, key)
        if value is not None and not 0 <= value <= 366:
            raise SchemaError(f"process.{key}", f"{value} working days: expected 0 to 366")
    keys = [k for k in WINDOW_KEYS if getattr(spec, k) is not None]
    if len(keys) > 1:
        raise SchemaError(f"process.{keys[1]}", f"the appeal window is already set by "
                          f"process.{keys[0]}: set one of {', '.join(WINDOW_KEYS)}")
    day = spec.self_assessment_due_day
    if day is not None and not 1 <= day <= 31:
        raise SchemaError("process.self_assessment_due_day", f"{day}: a day of the month, 1 to 31")
    return spec


@attrs.frozen
class SectionSpec:
    """``[scorecards.X.sections.NAME]``: a section's labels."""

    label: str = ""
    label_zh: str = ""
    #: every language's label by language code ("en" = label, "zh" = label_zh, "ja" ...)
    labels: dict[str, str] = attrs.Factory(dict)


@attrs.frozen
class TotalSpec:
    """``total = { min, max }``: bounds the total is clamped to."""

    min: Fraction | None = None  # clamp the total (None: not clamped)
    max: Fraction | None = None


ITEM_KEYS = ("id", "type", "label", "label_zh", "labels", "section", "max", "in_total", "score",
             "description")
PENALTY_KEYS = ("id", "type", "label", "label_zh", "labels", "description")


def _labels(data, path) -> dict:
    """``label``, ``label_zh`` and ``labels`` (``labels.<lang>``, the general form: ``label`` is
    ``labels.en`` and ``label_zh`` is ``labels.zh``, both still accepted) of a table, as
    ``{"label": ..., "label_zh": ..., "labels": {lang: text}}``."""
    labels = convert(dict[str, str], data.get("labels", {}), f"{path}.labels")
    for lang in labels:
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Z][A-Za-z]{1,3})?", lang):
            raise SchemaError(f"{path}.labels.{lang}", "expected a language code such as en, zh, "
                              "ja or zh-Hant")
    out = {}
    for key, lang in (("label", "en"), ("label_zh", "zh")):
        own = convert(str, data.get(key, ""), f"{path}.{key}")
        if own and labels.get(lang, own) != own:
            raise SchemaError(f"{path}.labels.{lang}", f"differs from {key} ({own!r}): give the "
                              f"label once")
        out[key] = own or labels.get(lang, "")
    out["labels"] = {**labels, **{lang: out[key] for key, lang in (("label", "en"),
                                                                    ("label_zh", "zh"))
                                  if out[key]}}
    return out


@attrs.frozen
class ScoreSpec:
    """An item's ``score = { type = ... }``: the scorer and its parameters."""

    type: str
    params: Any


@attrs.frozen
class ItemSpec:
    """One ``[[scorecards.X.items]]``: the metric type and its parameters, the common keys and
    the optional scorer."""

    id: str
    type: str
    params: Any
    label: str = ""
    label_zh: str = ""
    #: every language's label by language code ("en" = label, "zh" = label_zh, "ja" ...)
    labels: dict[str, str] = attrs.Factory(dict)
    section: str | None = None
    max: Fraction | None = None
    in_total: bool = True
    score: ScoreSpec | None = None
    description: str = ""
    path: str = ""  # key path in the rule set, for messages


@attrs.frozen
class PenaltySpec:
    """One ``[[scorecards.X.penalties]]``: the penalty type and its parameters."""

    id: str
    type: str
    params: Any
    label: str = ""
    label_zh: str = ""
    #: every language's label by language code ("en" = label, "zh" = label_zh, "ja" ...)
    labels: dict[str, str] = attrs.Factory(dict)
    description: str = ""
    path: str = ""


@attrs.frozen
class TypedSpec:
    """A scorecard's ``grading`` or ``payout`` table: the type and its parameters."""

    type: str
    params: Any
    path: str = ""


#: the year-end scheme of a ``[scorecards.X.annual]`` table that names no ``type``
DEFAULT_ANNUAL_TYPE = "ranked_year"
#: the keys of ``[scorecards.X.annual]`` the core reads; the others belong to the annual type
ANNUAL_KEYS = ("type", "star_tiebreak")


@attrs.frozen
class AnnualSpec:
    """``[scorecards.X.annual]``: the year-end scheme, a registered annual type (see
    :mod:`scorecard.annual` and ``scorecard annual``) with its own parameters, and the items
    breaking ties for the star of the period."""

    type: str
    params: Any
    star_tiebreak: tuple[str, ...] = ()  # item ids breaking ties for the star of the period
    path: str = ""


#: how a flag's condition compares (exact numbers)
FLAG_OPS = ("<", "<=", ">", ">=", "=", "!=")


@attrs.frozen
class FlagSpec:
    """``[[scorecards.ID.flags]]``: a named consequence raised when a condition on the total or
    on an item holds (RULES.md §3 "serious handling" when the month is below 60 ...). Flags change
    no number; they are shown with the result, stored with the run and counted in reports."""

    id: str
    value: Fraction  # the threshold the condition compares with
    label: str = ""
    label_zh: str = ""
    on: str = "total"  # "total" (the rounded score) or an item id
    use: str = "value"  # an item's measured "value" or its "points"
    op: str = "<"
    description: str = ""
    path: str = ""


@attrs.frozen
class Scorecard:
    """``[scorecards.ID]``: the roles it scores, its items, penalties, total bounds, grading,
    payout and the other per-scorecard settings."""

    id: str
    label: str = ""
    label_zh: str = ""
    #: every language's label by language code ("en" = label, "zh" = label_zh, "ja" ...)
    labels: dict[str, str] = attrs.Factory(dict)
    roles: tuple[str, ...] = ()  # empty: every role
    sections: dict[str, SectionSpec] = attrs.Factory(dict)
    items: tuple[ItemSpec, ...] = ()
    penalties: tuple[PenaltySpec, ...] = ()
    total: TotalSpec = TotalSpec()
    grading: TypedSpec | None = None
    payout: TypedSpec | None = None
    focus_sections: int = 2  # how many most-lost sections to name per employee
    annual: AnnualSpec | None = None  # year-end roll-up parameters (optional)
    # sources in which an employee needs at least one row in the period to be scored at all
    # (an agent with no contact in a month would otherwise read as perfect)
    active_when: tuple[str, ...] = ()
    flags: tuple[FlagSpec, ...] = ()  # named consequences of a condition (no number changes)
    #: an employee with no row in the activity sources (active_when, else every period-bound
    #: source): "unscored" = status no_activity, no score, no payout, for a person to decide;
    #: "base" = scored at the items' bases; "error" = the evaluation stops
    on_no_activity: Literal["unscored", "base", "error"] = "unscored"

    def item(self, item_id):
        return next((i for i in self.items if i.id == item_id), None)

    def typed_specs(self):
        """``(kind, type name, spec, key path)`` of every rule naming a registered type, in
        evaluation order: each item's metric and scorer, the penalties, grading, payout, and the
        year-end scheme."""
        for it in self.items:
            yield "metric", it.type, it, it.path
            if it.score is not None:
                yield "scorer", it.score.type, it, f"{it.path}.score"
        for p in self.penalties:
            yield "penalty", p.type, p, p.path
        for spec, kind in ((self.grading, "grading"), (self.payout, "payout"),
                           (self.annual, "annual")):
            if spec is not None:
                yield kind, spec.type, spec, spec.path


@attrs.frozen
class RuleSet:
    """A loaded and checked rule set (:func:`load_ruleset`); ``text`` and ``data`` are the
    merged rule set when it extends others."""

    path: Path
    text: str
    data: dict
    meta: RuleSetMeta
    rounding: Rounding
    calendar: CalendarSpec
    sources: dict[str, SourceSpec]
    columns: dict[str, dict[str, ColumnSpec]]
    scorecards: dict[str, Scorecard]
    process: ProcessSpec
    #: the chain of files and which one set each key (:mod:`scorecard.inherit`)
    merged: Any = None
    #: ``[bundle]``: set in a bundle's own rule set only
    bundle: BundleSpec | None = None

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def merged_data(self) -> dict:
        """The TOML data with the ``extends`` chain merged (a rule set evolved to read other
        files keeps its original chain in ``merged``, and so this data)."""
        return self.merged.data if self.merged is not None else self.data

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def dataset(self) -> str:
        """Namespace of this rule set's source tables in the store: organisation and site, as
        a readable slug and a hash of the exact names (``automotive-contact-centre`` and
        ``automotive contact centre`` have the same slug but not the same dataset)."""
        slug = re.sub(r"[^0-9A-Za-z]+", "_", f"{self.meta.org}__{self.meta.site}").strip("_")
        exact = hashlib.sha256(f"{self.meta.org}\x00{self.meta.site}".encode()).hexdigest()
        return f"{slug[:40]}_{exact[:10]}"

    def file_name(self, source: str) -> str:
        """The name of a source's input file, as messages and ledger references show it
        (``contacts.csv``); the source's own name when it has no path."""
        spec = self.sources[source]
        return Path(spec.path).name if spec.path else source

    def scorecard_for_role(self, role: str) -> Scorecard | None:
        for sc in self.scorecards.values():
            if not sc.roles or role in sc.roles:
                return sc
        return None


TOP_KEYS = ("ruleset", "rounding", "calendar", "sources", "scorecards", "process", "bundle",
            "labels")


def _registered(registry, kind, type_name, path):
    """The registered type, or a SchemaError at ``path.type`` (so the message gets file:line)."""
    try:
        return registry.get(kind, type_name)
    except ScorecardError as e:
        raise SchemaError(f"{path}.type", e.message) from None


def _typed_params(registry, kind, type_name, data, path, common):
    plugin = _registered(registry, kind, type_name, path)
    params = {k: v for k, v in data.items() if k not in common}
    return build(plugin.Params, params, path, extra_known=common)


def _type_name(data, path):
    """A rule's ``type`` is the name of a registered type: a string."""
    if not isinstance(data["type"], str):
        raise SchemaError(f"{path}.type", f"expected a type name (a string), got "
                          f"{type(data['type']).__name__} {data['type']!r:.40}")


def _item(registry, data, path, defaults=None) -> ItemSpec:
    if not isinstance(data, dict):
        raise SchemaError(path, "expected a table")
    for key in ("id", "type"):
        if key not in data:
            raise SchemaError(f"{path}.{key}", "missing: every item needs an id and a type")
    _type_name(data, path)
    if defaults and data["type"] in defaults:  # the item's own keys win
        data = {**defaults[data["type"]], **data}
    common = {k: v for k, v in data.items() if k in ITEM_KEYS}
    params = _typed_params(registry, "metric", data["type"], data, path, ITEM_KEYS)
    score = None
    if "score" in common:
        sdata = common["score"]
        if isinstance(sdata, str):
            sdata = {"type": sdata}
        if not isinstance(sdata, dict) or "type" not in sdata:
            raise SchemaError(f"{path}.score", "expected a table with a type, e.g. "
                              "score = { type = \"deduct\", per = 1 }")
        _type_name(sdata, f"{path}.score")
        sp = _typed_params(registry, "scorer", sdata["type"], sdata, f"{path}.score", ("type",))
        score = ScoreSpec(type=sdata["type"], params=sp)
    return ItemSpec(
        id=convert(str, common["id"], f"{path}.id"),
        type=data["type"],
        params=params,
        **_labels(common, path),
        section=convert(str | None, common.get("section"), f"{path}.section"),
        max=convert(Fraction | None, common.get("max"), f"{path}.max"),
        in_total=convert(bool, common.get("in_total", True), f"{path}.in_total"),
        score=score,
        description=convert(str, common.get("description", ""), f"{path}.description"),
        path=path,
    )


def _penalty(registry, data, path) -> PenaltySpec:
    if not isinstance(data, dict):
        raise SchemaError(path, "expected a table")
    for key in ("id", "type"):
        if key not in data:
            raise SchemaError(f"{path}.{key}", "missing: every penalty needs an id and a type")
    _type_name(data, path)
    params = _typed_params(registry, "penalty", data["type"], data, path, PENALTY_KEYS)
    return PenaltySpec(
        id=convert(str, data["id"], f"{path}.id"), type=data["type"], params=params,
        **_labels(data, path),
        description=convert(str, data.get("description", ""), f"{path}.description"),
        path=path,
    )


def _typed(registry, kind, data, path) -> TypedSpec:
    if not isinstance(data, dict) or "type" not in data:
        raise SchemaError(f"{path}.type", f"missing: the {kind} table needs a type")
    _type_name(data, path)
    params = _typed_params(registry, kind, data["type"], data, path, ("type",))
    return TypedSpec(type=data["type"], params=params, path=path)


SCORECARD_KEYS = ("label", "label_zh", "labels", "roles", "sections", "items", "penalties", "total",
                  "grading", "payout", "focus_sections", "annual", "active_when", "flags",
                  "on_no_activity", "item_defaults")


def _item_defaults(registry, data, path) -> dict:
    """``[scorecards.X.item_defaults.TYPE]``: keys every item of metric type TYPE gets unless
    it sets them itself (``raters`` once, not on every rater_mean item)."""
    data = convert(dict[str, dict[str, Any]], data, path)
    for type_name, keys in data.items():
        plugin = _registered(registry, "metric", type_name, f"{path}.{type_name}")
        known = [*attrs.fields_dict(plugin.Params), *ITEM_KEYS]
        for key in keys:
            if key in ("id", "type"):
                raise SchemaError(f"{path}.{type_name}.{key}", "an item's own id and type "
                                  "cannot have a default")
            if key not in known:
                raise SchemaError(f"{path}.{type_name}.{key}", f"not a key of {type_name!r} "
                                  f"items{did_you_mean(key, known)}")
    return data


def _flags(data, path, items) -> tuple:
    out, seen = [], set()
    ids = [it.id for it in items]
    for i, d in enumerate(convert(list, data, path)):
        at = f"{path}[{i}]"
        if not isinstance(d, dict):
            raise SchemaError(at, "expected a table { id, on, op, value, label, label_zh }")
        f = convert(FlagSpec, {**d, "path": at}, at)
        if f.id in seen:
            raise SchemaError(f"{at}.id", f"duplicate flag id {f.id!r}")
        seen.add(f.id)
        if f.op not in FLAG_OPS:
            raise SchemaError(f"{at}.op", f"one of {', '.join(FLAG_OPS)}")
        if f.on != "total" and f.on not in ids:
            raise SchemaError(f"{at}.on", f"\"total\" or an item id{did_you_mean(f.on, ids)} "
                                          f"(items: {', '.join(ids)})")
        if f.use not in ("value", "points"):
            raise SchemaError(f"{at}.use", "one of value, points")
        out.append(f)
    return tuple(out)


def _scorecard(registry, sc_id, data, path) -> Scorecard:
    if not isinstance(data, dict):
        raise SchemaError(path, "expected a table")
    for key in data:
        if key not in SCORECARD_KEYS:
            raise SchemaError(f"{path}.{key}", f"unknown key{did_you_mean(key, SCORECARD_KEYS)} "
                              f"(allowed here: {', '.join(SCORECARD_KEYS)})")
    defaults = _item_defaults(registry, data.get("item_defaults", {}), f"{path}.item_defaults")
    items = tuple(_item(registry, d, f"{path}.items[{i}]", defaults)
                  for i, d in enumerate(convert(list, data.get("items", []), f"{path}.items")))
    seen = {}
    for it in items:
        if it.id in seen:
            raise SchemaError(f"{it.path}.id", f"duplicate item id {it.id!r} (also {seen[it.id]})")
        seen[it.id] = it.path
    penalties = tuple(
        _penalty(registry, d, f"{path}.penalties[{i}]")
        for i, d in enumerate(convert(list, data.get("penalties", []), f"{path}.penalties"))
    )
    for p in penalties:
        if p.id in seen:
            raise SchemaError(f"{p.path}.id", f"duplicate id {p.id!r} (also {seen[p.id]})")
        seen[p.id] = p.path
    sections = {}
    for name, s in convert(dict[str, Any], data.get("sections", {}), f"{path}.sections").items():
        build(SectionSpec, s, f"{path}.sections.{name}")  # unknown keys and types
        sections[name] = SectionSpec(**_labels(s, f"{path}.sections.{name}"))
    for it in items:
        if it.section is not None and sections and it.section not in sections:
            raise SchemaError(f"{it.path}.section", f"unknown section {it.section!r}"
                              f"{did_you_mean(it.section, sections)} (declared: "
                              f"{', '.join(sections)})")
    return Scorecard(
        id=sc_id,
        **_labels(data, path),
        roles=convert(tuple[str, ...], data.get("roles", []), f"{path}.roles"),
        sections=sections,
        items=items,
        penalties=penalties,
        total=convert(TotalSpec, data.get("total", {}), f"{path}.total"),
        grading=_typed(registry, "grading", data["grading"], f"{path}.grading")
        if "grading" in data else None,
        payout=_typed(registry, "payout", data["payout"], f"{path}.payout")
        if "payout" in data else None,
        focus_sections=_at_least(0, convert(int, data.get("focus_sections", 2),
                                             f"{path}.focus_sections"), f"{path}.focus_sections"),
        annual=_annual(registry, data["annual"], f"{path}.annual", items)
        if "annual" in data else None,
        active_when=convert(tuple[str, ...], data.get("active_when", []), f"{path}.active_when"),
        flags=_flags(data.get("flags", []), f"{path}.flags", items),
        on_no_activity=convert(Literal["unscored", "base", "error"],
                               data.get("on_no_activity", "unscored"), f"{path}.on_no_activity"),
    )


def _at_least(low, value, path):
    if value < low:
        raise SchemaError(path, f"{low} or more, got {value}")
    return value


def _annual(registry, data, path, items) -> AnnualSpec:
    if not isinstance(data, dict):
        raise SchemaError(path, "expected a table")
    data = {"type": DEFAULT_ANNUAL_TYPE, **data}  # tables written before annual types
    _type_name(data, path)
    params = _typed_params(registry, "annual", data["type"], data, path, ANNUAL_KEYS)
    star = convert(tuple[str, ...], data.get("star_tiebreak", []), f"{path}.star_tiebreak")
    ids = [it.id for it in items]
    for i, t in enumerate(star):
        if t not in ids:
            raise SchemaError(f"{path}.star_tiebreak[{i}]", f"unknown item {t!r}"
                              f"{did_you_mean(t, ids)} (items: {', '.join(ids)})")
    return AnnualSpec(type=data["type"], params=params, star_tiebreak=star, path=path)


def _bundle(data) -> BundleSpec:
    spec = build(BundleSpec, data, "bundle")
    for i, key in enumerate((spec.sample_period, *spec.demo_periods)):
        path = "bundle.sample_period" if i == 0 else f"bundle.demo_periods[{i - 1}]"
        try:
            Period.parse(key)
        except ValueError as e:
            raise SchemaError(path, str(e)) from None
    return spec


#: a rule set is a page or two of TOML; a larger file is not one (and /dev/zero never ends)
MAX_RULESET_BYTES = 4 << 20
#: tables and arrays nest a few levels in a rule set; far deeper nesting is not a rule set and
#: would exhaust Python's recursion on the way through
MAX_NESTING = 32


def read_toml(path: Path) -> tuple[str, dict]:
    """A TOML file's text and data; a missing, unreadable, oversized, non-UTF-8 or invalid file
    is a RuleSetError naming the file (and the line, for invalid TOML)."""
    path = Path(path)
    try:
        if path.is_dir():
            raise RuleSetError(path, "", "is a directory, not a rule set file; name the .toml "
                               "file (e.g. scorecard.toml)")
        with open(path, "rb") as f:
            raw = f.read(MAX_RULESET_BYTES + 1)
    except FileNotFoundError:
        raise RuleSetError(path, "", "file not found; create one with `scorecard init`") from None
    except OSError as e:
        raise RuleSetError(path, "", f"cannot read it: {e.strerror or e}") from None
    if len(raw) > MAX_RULESET_BYTES:
        raise RuleSetError(path, "", f"larger than {MAX_RULESET_BYTES >> 20} MB: not a rule set "
                           f"(name the .toml file)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RuleSetError(path, "", f"not UTF-8 ({e.reason}); save the rule set as UTF-8") \
            from None
    if "\x00" in text:
        raise RuleSetError(path, "", "holds NUL bytes: not a TOML text file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise RuleSetError(path, "", f"invalid TOML: {e}", int(m[1]) if m else None) from None
    except RecursionError:
        raise RuleSetError(path, "", f"tables or arrays nested too deep (more than "
                           f"{MAX_NESTING} levels)") from None
    except ValueError as e:  # an integer beyond Python's 4,300-digit conversion limit
        long = re.search(rf"\d{{{MAX_DIGITS + 1},}}", text)
        line = text.count("\n", 0, long.start()) + 1 if long else None
        raise RuleSetError(path, "", f"a number with more than {MAX_DIGITS} digits (numbers in a "
                           f"rule set have at most {MAX_DIGITS} before the decimal point) ({e})",
                           line) from None
    bad = _unusable(data)
    if bad is not None:
        raise RuleSetError(path, bad[0], bad[1], locate(text, bad[0]))
    return text, data


def _unusable(data) -> tuple[str, str] | None:
    """``(key path, reason)`` of the first value no rule can use -- nested deeper than
    MAX_NESTING, an integer beyond 64 bits (SQLite's, where match values go) -- else None.
    Iterative: a recursive walk is what breaks on such input."""
    stack = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_NESTING:
            return path, f"nested more than {MAX_NESTING} levels deep; a rule set needs a few"
        if type(value) is int and not -(2**63) <= value < 2**63:
            return path, (f"{str(value)[:20]}… is too large for an integer (at most "
                          f"9223372036854775807)")
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1)
                         for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
    return None


def load_ruleset(path, registry: Registry | None = None, data: dict | None = None,
                 text: str | None = None) -> RuleSet:
    """Load and validate a rule set file. Errors name the file, the key path and the line."""
    from . import inherit

    path = Path(path)
    merged = None
    if data is None:
        text, data = read_toml(path)
        if inherit.has_extends(data):  # a site rule set: merge the chain (docs/sites.md)
            merged = inherit.resolve(path, text, data)
            text, data = merged.text, merged.data
    registry = registry or get_registry()
    try:
        rs = _load(path, text, data, registry)
    except SchemaError as e:
        if merged is not None:
            raise merged.error(e.path, e.reason) from None
        raise RuleSetError(path, e.path, e.reason, locate(text or "", e.path)) from None
    if merged is None:
        merged = inherit.single(path, text or "", data)
    return attrs.evolve(rs, merged=merged)


#: the currency of a locale's region, for rule sets that do not name theirs (a region not listed
#: here needs [ruleset] currency)
REGION_CURRENCY = {"CN": "CNY", "HK": "HKD", "MO": "MOP", "TW": "TWD", "SG": "SGD", "MY": "MYR",
                   "JP": "JPY", "KR": "KRW", "IN": "INR", "US": "USD", "CA": "CAD", "GB": "GBP",
                   "AU": "AUD", "NZ": "NZD", "CH": "CHF", "SE": "SEK", "NO": "NOK", "DK": "DKK",
                   "PL": "PLN", "CZ": "CZK", "DE": "EUR", "FR": "EUR", "IT": "EUR", "ES": "EUR",
                   "NL": "EUR", "BE": "EUR", "AT": "EUR", "IE": "EUR", "PT": "EUR", "FI": "EUR"}


def _localised(meta: RuleSetMeta, calendar: CalendarSpec):
    """The currency and the calendar's country from ``[ruleset] locale`` where the rule set
    leaves them out (the defaults are a rule-set key, not built-in assumptions)."""
    m = re.fullmatch(r"([a-z]{2,3})(?:-([A-Z]{2}))?", meta.locale)
    if m is None:
        raise SchemaError("ruleset.locale", f"{meta.locale!r}: expected language-REGION, e.g. "
                          f"\"zh-CN\" or \"en-GB\"")
    region = m[2]
    if not meta.currency:
        if region not in REGION_CURRENCY:
            raise SchemaError("ruleset.currency", f"missing: the locale {meta.locale!r} gives no "
                              f"currency; set currency = \"...\" (ISO 4217, e.g. \"EUR\")")
        meta = attrs.evolve(meta, currency=REGION_CURRENCY[region])
    if not calendar.country:
        if region is None:
            raise SchemaError("calendar.country", f"missing: the locale {meta.locale!r} names "
                              f"no region; set [calendar] country (ISO 3166, e.g. \"CN\")")
        calendar = attrs.evolve(calendar, country=region)
    return meta, calendar


def _load(path, text, data, registry) -> RuleSet:
    for key in data:
        if key not in TOP_KEYS:
            raise SchemaError(key, f"unknown section{did_you_mean(key, TOP_KEYS)} "
                              f"(allowed: {', '.join(TOP_KEYS)})")
    if "ruleset" not in data:
        raise SchemaError("ruleset", "missing: add a [ruleset] table with org = \"...\"")
    meta = build(RuleSetMeta, data["ruleset"], "ruleset")
    if meta.require_coverage is not None and not 0 <= meta.require_coverage <= 1:
        raise SchemaError("ruleset.require_coverage", f"{meta.require_coverage}: a share of the "
                          f"period's working days from 0 to 1 (e.g. 0.9)")
    if meta.period not in PERIOD_KINDS:  # pragma: no cover - Literal guards it
        raise SchemaError("ruleset.period", "unknown period kind")
    rounding = build(Rounding, data.get("rounding", {}), "rounding")
    for key in ("score", "money"):
        value = getattr(rounding, key)
        if not re.fullmatch(r"(1|0\.0*1)", value):
            raise SchemaError(f"rounding.{key}", f"expected a step such as \"0.01\" or \"1\", got "
                              f"{value!r}")
    assert rounding.mode in ROUNDING_MODES
    calendar = build(CalendarSpec, data.get("calendar", {}), "calendar")
    meta, calendar = _localised(meta, calendar)
    check_labels(data.get("labels", {}))  # the outputs' words (scorecard.words)
    sources, columns = {}, {}
    raw_sources = data.get("sources", {})
    if not isinstance(raw_sources, dict):
        raise SchemaError("sources", "expected a table of sources")
    for name, sdata in raw_sources.items():
        spath = f"sources.{name}"
        # names become SQL names in the store: plain names only (scorecard.sql)
        if (problem := name_problem(name, "source name")) is not None:
            raise SchemaError(spath, problem)
        spec = build(SourceSpec, sdata, spath)
        for c in spec.columns:
            if (problem := name_problem(c, "column name")) is not None:
                raise SchemaError(f"{spath}.columns.{c}", problem)
        if spec.table is not None and (problem := table_problem(spec.table)) is not None:
            raise SchemaError(f"{spath}.table", problem)
        reader = _registered(registry, "source", spec.type, spath)
        validate = getattr(reader, "validate", None)
        if validate is not None:  # e.g. a file-based reader needs a path (checked at load)
            registry.call("source", spec.type, "validate", spath, validate, spec, spath,
                          passthrough=(SchemaError,))
        cols = {c: parse_column(v, f"{spath}.columns.{c}") for c, v in spec.columns.items()}
        if not cols:
            raise SchemaError(f"{spath}.columns", "declare the columns this source must have")
        for ref in (spec.period_by, spec.key):
            if ref is not None and ref not in cols:
                raise SchemaError(spath, f"{ref!r} is not one of its columns "
                                  f"{did_you_mean(ref, cols)}")
        if spec.period_by and cols[spec.period_by].type not in ("timestamp", "date", "period"):
            raise SchemaError(f"{spath}.period_by", "must name a timestamp, date or period column")
        sources[name] = spec
        columns[name] = cols
    if "employees" not in sources:
        raise SchemaError("sources.employees", "missing: every rule set needs an employees source "
                          "(employee_id, name, site, role, level)")
    for needed in ("employee_id", "name", "role"):
        if needed not in columns["employees"]:
            raise SchemaError(f"sources.employees.columns.{needed}", "missing: required column")
    raw_cards = data.get("scorecards", {})
    if not isinstance(raw_cards, dict) or not raw_cards:
        raise SchemaError("scorecards", "missing: declare at least one [scorecards.NAME]")
    scorecards = {k: _scorecard(registry, k, v, f"scorecards.{k}") for k, v in raw_cards.items()}
    process = _process(data.get("process", {}))
    bundle = _bundle(data["bundle"]) if "bundle" in data else None
    rs = RuleSet(path=path, text=text or "", data=data, meta=meta, rounding=rounding,
                 calendar=calendar, sources=sources, columns=columns, scorecards=scorecards,
                 process=process, bundle=bundle)
    _check_references(rs, registry)
    return rs


def _check_references(rs: RuleSet, registry: Registry):
    """Types may validate their params against the rule set (sources exist, columns exist)."""

    for sc in rs.scorecards.values():
        for i, src in enumerate(sc.active_when):
            require_source(rs, src, f"scorecards.{sc.id}.active_when[{i}]", ["employee_id"])
        for kind, type_name, spec, path in sc.typed_specs():
            fn = getattr(registry.get(kind, type_name), "validate", None)
            if fn:
                # a SchemaError is the rule set's mistake: load_ruleset gives it file and line
                registry.call(kind, type_name, "validate", path, fn, rs, sc, spec,
                              passthrough=(SchemaError,))


def require_source(rs: RuleSet, name: str, path: str, columns=()):
    """For plugins' ``validate``: the source exists and has these columns."""
    if name not in rs.sources:
        raise SchemaError(path, f"unknown source {name!r}{did_you_mean(name, rs.sources)} "
                          f"(declared: {', '.join(rs.sources)})")
    cols = rs.columns[name]
    for c in columns:
        if c is not None and c not in cols:
            raise SchemaError(path, f"source {name!r} has no column {c!r}{did_you_mean(c, cols)}")
