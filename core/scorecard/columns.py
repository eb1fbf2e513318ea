"""Coercion of text cells to the store's types, one compiled converter per column.

Store types: str/enum/period/date/decimal as TEXT (decimals as exact strings, never floats),
int and bool (0/1) as INTEGER, timestamps as INTEGER seconds since 1970-01-01 in the site's local
time (durations are then exact integer differences, computed in SQL)."""

import contextlib
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .numbers import to_fraction
from .periods import Period, epoch_seconds

TRUE = {"1", "true", "yes", "y", "t", "是", "真", "对"}
FALSE = {"0", "false", "no", "n", "f", "否", "假", "错"}

SQL_TYPES = {"str": "TEXT", "enum": "TEXT", "period": "TEXT", "date": "TEXT",
             "decimal": "TEXT", "int": "INTEGER", "bool": "INTEGER", "timestamp": "INTEGER"}

_day_cache: dict[str, int] = {}
_clock_cache: dict[str, int] = {}  # only valid " HH:MM[:SS]" / "THH:MM[:SS]" clocks
_BOOLS = {**{k: 1 for k in TRUE}, **{k: 0 for k in FALSE}}
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?%?")
_MIDNIGHT = (" 00:00:00", "T00:00:00", " 00:00", "T00:00")


def _learn_day(day: str) -> int:
    """Epoch seconds of ``YYYY-MM-DD`` (the fast form's date part), cached; ValueError if bad."""
    if len(day) != 10 or day[4] != "-" or day[7] != "-":
        raise ValueError
    base = epoch_seconds(date.fromisoformat(day))
    _day_cache[day] = base
    return base


def _learn_clock(clock: str) -> int:
    """Seconds of `` HH:MM[:SS]`` / ``THH:MM[:SS]`` (the fast form's time part, with its
    separator), cached; ValueError if bad."""
    n = len(clock)
    if n not in (6, 9) or clock[0] not in " T" or clock[3] != ":":
        raise ValueError
    h, m = int(clock[1:3]), int(clock[4:6])
    s = int(clock[7:9]) if n == 9 and clock[6] == ":" else 0
    if n == 9 and clock[6] != ":":
        raise ValueError
    if h > 23 or m > 59 or s > 59:
        raise ValueError
    seconds = h * 3600 + m * 60 + s
    _clock_cache[clock] = seconds
    return seconds


def parse_timestamp(text: str) -> int:
    """``YYYY-MM-DD HH:MM[:SS]`` (or with ``T``) to epoch seconds; fast path for the usual form."""
    if len(text) in (16, 19) and text[4] == "-" and text[7] == "-" and text[10] in " T" \
            and text[13] == ":":
        # days and times of day repeat across rows: each distinct one is parsed once (a cached
        # day and a cached clock make a valid text: see column_converter)
        day = text[:10]
        base = _day_cache.get(day)
        if base is None:
            base = _learn_day(day)
        clock = text[10:]
        seconds = _clock_cache.get(clock)
        if seconds is None:
            seconds = _learn_clock(clock)
        return base + seconds
    if len(text) == 10:
        raise ValueError("a date without a time")
    dt = datetime.fromisoformat(text)
    if dt.microsecond:
        raise ValueError("has fractions of a second; the store keeps whole seconds")
    if dt.tzinfo is not None:
        raise ValueError("has a time zone; use the site's local time without a zone")
    return epoch_seconds(dt)


def format_timestamp(seconds: int | None) -> str:
    """A stored timestamp (epoch seconds of naive local time) as ``YYYY-MM-DD HH:MM:SS``; ""
    for None."""
    if seconds is None:
        return ""
    days, rest = divmod(int(seconds), 86400)
    d = date.fromordinal(date(1970, 1, 1).toordinal() + days)
    return f"{d.isoformat()} {rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"


def make_converter(spec):
    """Return ``convert(text) -> stored value``; raises ValueError with a reason for bad text.
    Blank cells are handled by the caller (required / default)."""
    t = spec.type
    low = to_fraction(spec.min) if spec.min is not None else None
    high = to_fraction(spec.max) if spec.max is not None else None

    def check_range(v, shown):
        if low is not None and v < low or high is not None and v > high:
            lo = "" if low is None else f"{Decimal(low.numerator) / low.denominator:f}"
            hi = "" if high is None else f"{Decimal(high.numerator) / high.denominator:f}"
            raise ValueError(f"{shown} is out of range [{lo}, {hi}]")

    if t == "str":
        return lambda s: s
    if t == "enum":
        choices = set(spec.choices)
        listed = ", ".join(spec.choices)

        def conv_enum(s):
            if s in choices:
                return s
            raise ValueError(f"{s!r} is not one of: {listed}")

        return conv_enum
    if t == "int":

        def conv_int(s):
            try:
                v = int(s)
            except ValueError:
                raise ValueError(f"{s!r} is not a whole number") from None
            check_range(v, s)
            return v

        return conv_int
    if t == "decimal":

        def conv_dec(s):
            text = s
            if "," in text:
                # thousands separators only in their proper places ("1,000.5"); "1,5" (a
                # decimal comma) would otherwise silently become 15
                if not _GROUPED.fullmatch(text.strip()):
                    raise ValueError(f"{s!r} is not a decimal number (a comma is accepted only "
                                     f"as a thousands separator, e.g. 1,000.50)")
                text = text.replace(",", "")
            percent = text.endswith("%")
            if percent:
                text = text[:-1]
            try:
                d = Decimal(text.strip())
                if not d.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                raise ValueError(f"{s!r} is not a decimal number") from None
            check_range(Fraction(d), s)
            return format(d, "f")

        return conv_dec
    if t == "bool":

        def conv_bool(s):
            k = s.strip().lower()
            if k in TRUE:
                return 1
            if k in FALSE:
                return 0
            raise ValueError(f"{s!r} is not a boolean (1/0, true/false, yes/no, 是/否)")

        return conv_bool
    if t == "timestamp":

        def conv_ts(s):
            try:
                return parse_timestamp(s.strip())
            except ValueError as e:
                why = f" ({e})" if str(e) and "invalid" not in str(e) else ""
                raise ValueError(f"{s!r} is not a timestamp YYYY-MM-DD HH:MM[:SS]{why}") from None

        return conv_ts
    if t == "date":

        def conv_date(s):
            text = s.strip()
            if len(text) > 10 and text[10:] in _MIDNIGHT:
                text = text[:10]  # a date cell of Excel arrives as midnight of that date
            # only YYYY-MM-DD: fromisoformat alone would also take 20261001 and 2026-W40-4
            if len(text) == 10 and text[4] == text[7] == "-":
                with contextlib.suppress(ValueError):
                    return date.fromisoformat(text).isoformat()
            raise ValueError(f"{s!r} is not a date YYYY-MM-DD")

        return conv_date
    if t == "period":

        def conv_period(s):
            try:
                return Period.parse(s).key
            except ValueError:
                raise ValueError(f"{s!r} is not a period (YYYY-MM, YYYY-Qn or YYYY)") from None

        return conv_period
    raise ValueError(f"unknown column type {t!r}")  # pragma: no cover


def column_converter(spec, convert):
    """``convert`` for a whole list of stripped, non-blank texts at once (the bulk ingest path):
    the same values, faster; raises (any exception) where ``convert`` would fail on some cell,
    and the caller then converts cell by cell to report it."""
    t = spec.type
    if t == "str":
        return list
    if t == "enum":
        choices = frozenset(spec.choices)

        def enum_column(texts):
            if choices.issuperset(texts):
                return list(texts)
            return list(map(convert, texts))

        return enum_column
    if t == "bool":

        def bool_column(texts):
            try:
                return [_BOOLS[s] for s in texts]
            except KeyError:  # "True", "YES": the converter folds case
                return list(map(convert, texts))

        return bool_column
    if t == "timestamp":
        days, clocks = _day_cache, _clock_cache

        def ts_column(texts):
            # a day and a clock both seen valid by parse_timestamp make a valid text: its fast
            # path caches only days "YYYY-MM-DD" and clocks " HH:MM[:SS]" that parsed
            try:
                return [days[s[:10]] + clocks[s[10:]] for s in texts]
            except KeyError:
                pass
            # learn the distinct days and clocks not seen yet (bad ones stay out of the caches)
            for part, learn in (({s[:10] for s in texts}.difference(days), _learn_day),
                                ({s[10:] for s in texts}.difference(clocks), _learn_clock)):
                for x in part:
                    try:
                        learn(x)
                    except ValueError:
                        pass
            try:
                return [days[s[:10]] + clocks[s[10:]] for s in texts]
            except KeyError:  # another form ("2026-10-01 08:00:00.5", bad text): one by one
                return [days[s[:10]] + clocks[s[10:]] if s[:10] in days and s[10:] in clocks
                        else convert(s) for s in texts]

        return ts_column
    return lambda texts: list(map(convert, texts))


def python_value(spec, stored):
    """Stored value back to Python: Fraction for decimals, bool, str."""
    if stored is None:
        return None
    if spec.type == "decimal":
        return Fraction(stored)
    if spec.type == "bool":
        return bool(stored)
    return stored
