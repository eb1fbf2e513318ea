"""Coercion of text cells to the store's types, one compiled converter per column.

Store types: str/enum/period/date/decimal as TEXT (decimals as exact strings, never floats),
int and bool (0/1) as INTEGER, timestamps as INTEGER seconds since 1970-01-01 in the site's local
time (durations are then exact integer differences, computed in SQL)."""

import contextlib
import math
import re
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from .numbers import MAX_DIGITS, NumberRangeError, parse_decimal, to_fraction, to_text
from .periods import Period, epoch_seconds

TRUE = {"1", "true", "yes", "y", "t", "是", "真", "对"}
FALSE = {"0", "false", "no", "n", "f", "否", "假", "错"}

SQL_TYPES = {"str": "TEXT", "enum": "TEXT", "period": "TEXT", "date": "TEXT",
             "decimal": "TEXT", "int": "INTEGER", "bool": "INTEGER", "timestamp": "INTEGER"}

_day_cache: dict[str, int] = {}
_clock_cache: dict[str, int] = {}  # only valid " HH:MM[:SS]" / "THH:MM[:SS]" clocks
_BOOLS = {**{k: 1 for k in TRUE}, **{k: 0 for k in FALSE}}
BOOL_TEXTS = frozenset(_BOOLS)  # the spellings taken as they are (others are folded first)
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?%?", re.ASCII)
_INT = re.compile(r"[+-]?\d+", re.ASCII)
INT_LIMIT = 2**63  # SQLite INTEGER is a signed 64-bit number


class CellError(ValueError):
    """A cell that does not convert: the message quotes the cell, ``cause`` is the same reason
    without the cell's text, so a file full of one mistake is reported as one group."""

    def __init__(self, text: str, cause: str, quote: bool = True):
        super().__init__(f"{_quote(text) if quote else text} {cause}")
        self.cause = cause


def _quote(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:40] + "…")


_ASCII_DIGITS = frozenset("0123456789")


def _digits(s: str) -> bool:
    """Only ASCII digits: str.isdigit() and int() also take "١٠" and full-width "１０"."""
    return bool(s) and _ASCII_DIGITS.issuperset(s)


def _learn_day(day: str) -> int:
    """Epoch seconds of ``YYYY-MM-DD`` (the fast form's date part), cached; ValueError if bad."""
    if len(day) != 10 or day[4] != "-" or day[7] != "-" or not _digits(day[:4] + day[5:7]
                                                                       + day[8:]):
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
    if n == 9 and clock[6] != ":":
        raise ValueError
    if not _digits(clock[1:3] + clock[4:6] + clock[7:9]):
        raise ValueError
    h, m = int(clock[1:3]), int(clock[4:6])
    s = int(clock[7:9]) if n == 9 else 0
    if h > 23 or m > 59 or s > 59:
        raise ValueError
    seconds = h * 3600 + m * 60 + s
    _clock_cache[clock] = seconds
    return seconds


# the forms DATA.md names, nothing else: ISO with a space or T, and what Excel writes on a
# Chinese Windows (2026/10/1 9:05, 2026/10/01 09:05:00, 2026/10/1); ASCII digits only
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
                  r"(Z|[+-]\d{2}:?\d{2})?)?", re.ASCII)
_EXCEL = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?", re.ASCII)
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?", re.ASCII)
_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 = 1900-01-01 (after Excel's 1900-02-29)
TIMESTAMP_FORMS = "YYYY-MM-DD HH:MM[:SS] (or T for the space, or 2026/10/1 9:05 as Excel writes it)"
DATE_FORMS = "YYYY-MM-DD (or 2026/10/1 as Excel writes it)"


def _split(text: str, fmt: str | None = None, serials: bool = False):
    """``(datetime, has_time)`` of a date or timestamp cell in one of the accepted forms;
    ValueError with the reason otherwise."""
    if fmt is not None:
        if text.isascii():
            with contextlib.suppress(ValueError):
                dt = datetime.strptime(text, fmt)
                return dt, dt.time() != time() or "%H" in fmt or "%I" in fmt
    if serials and _SERIAL.fullmatch(text):
        days = Fraction(text)
        if not 61 <= days < 2958466:
            raise ValueError("an Excel date number out of range (61 is 1900-03-01, 2958465 "
                             "is 9999-12-31)")
        seconds = round(days * 86400)
        return _EXCEL_EPOCH + timedelta(seconds=seconds), days.denominator != 1
    m = _ISO.fullmatch(text) or _EXCEL.fullmatch(text)
    if m is None:
        raise ValueError("")
    y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups()[:6])
    if m.re is _ISO:
        if m[8]:
            raise ValueError("has a time zone; use the site's local time without a zone")
        if m[7] and int(m[7][1:]):
            raise ValueError("has fractions of a second; the store keeps whole seconds")
    try:
        return datetime(y, mo, d, h, mi, sec), m[4] is not None
    except ValueError:
        raise ValueError("") from None


def parse_timestamp(text: str, fmt: str | None = None, serials: bool = False,
                    allow_date: bool = False) -> int:
    """A timestamp cell to epoch seconds: ``YYYY-MM-DD HH:MM[:SS]`` (or with ``T``; a fast path
    for this usual form), Excel's ``2026/10/1 9:05``, ``format`` when the column declares one,
    an Excel serial number from an .xlsx file (``serials``), a bare date (midnight) only when
    ``allow_date`` (the column only places a row in a period)."""
    if fmt is None and len(text) in (16, 19) and text[4] == "-" and text[7] == "-" \
            and text[10] in " T" and text[13] == ":":
        # days and times of day repeat across rows: each distinct one is parsed once (a cached
        # day and a cached clock make a valid text: see column_converter)
        day = text[:10]
        base = _day_cache.get(day)
        clock = text[10:]
        seconds = _clock_cache.get(clock)
        with contextlib.suppress(ValueError):
            if base is None:
                base = _learn_day(day)
            if seconds is None:
                seconds = _learn_clock(clock)
            return base + seconds
    dt, has_time = _split(text, fmt, serials)
    if not has_time and not allow_date:
        raise ValueError("a date without a time; give the time too, or declare the column "
                         "with allow_date = true if it only places a row in a period")
    return epoch_seconds(dt)


def parse_date(text: str, fmt: str | None = None, serials: bool = False) -> str:
    """A date cell as ``YYYY-MM-DD``: ISO, Excel's ``2026/10/1``, either at midnight (a date
    cell of Excel arrives as midnight of that date), ``format``, an Excel serial (``serials``)."""
    dt, _ = _split(text, fmt, serials)
    if dt.time() != time():
        raise ValueError("has a time of day; a date column takes a date")
    return dt.date().isoformat()


def format_timestamp(seconds: int | None) -> str:
    """A stored timestamp (epoch seconds of naive local time) as ``YYYY-MM-DD HH:MM:SS``; ""
    for None."""
    if seconds is None:
        return ""
    days, rest = divmod(int(seconds), 86400)
    d = date.fromordinal(date(1970, 1, 1).toordinal() + days)
    return f"{d.isoformat()} {rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"


def make_converter(spec, serials: bool = False):
    """Return ``convert(text) -> stored value``; raises :class:`CellError` (a ValueError) with a
    reason for bad text. Blank cells are handled by the caller (required / default).
    ``serials``: the cells come from an .xlsx sheet, where a date may be Excel's day number."""
    t = spec.type
    low = to_fraction(spec.min) if spec.min is not None else None
    high = to_fraction(spec.max) if spec.max is not None else None
    fmt = getattr(spec, "format", None)
    allow_date = getattr(spec, "allow_date", False)

    def check_range(v, shown):
        if low is not None and v < low or high is not None and v > high:
            lo = "" if low is None else to_text(low)
            hi = "" if high is None else to_text(high)
            raise CellError(shown, f"is out of range [{lo}, {hi}]", quote=False)

    if t == "str":
        return lambda s: s
    if t == "enum":
        choices = set(spec.choices)
        listed = ", ".join(spec.choices)

        def conv_enum(s):
            if s in choices:
                return s
            raise CellError(s, f"is not one of: {listed}")

        return conv_enum
    if t == "int":

        def conv_int(s):
            text = s.strip()
            if not _INT.fullmatch(text):
                raise CellError(s, "is not a whole number")
            if len(text) > 20 or not -INT_LIMIT <= (v := int(text)) < INT_LIMIT:
                raise CellError(s, "is too large for a whole-number column (at most "
                                   "9223372036854775807)")
            check_range(v, s)
            return v

        return conv_int
    if t == "decimal":

        def conv_dec(s):
            text = s.strip()
            if "," in text:
                # thousands separators only in their proper places ("1,000.5"); "1,5" (a
                # decimal comma) would otherwise silently become 15
                if not _GROUPED.fullmatch(text):
                    raise CellError(s, "is not a decimal number (a comma is accepted only as a "
                                       "thousands separator, e.g. 1,000.50)")
                text = text.replace(",", "")
            if text.endswith("%"):
                text = text[:-1]
            try:
                d = parse_decimal(text)
            except NumberRangeError:
                raise CellError(s, f"is not a decimal number within {MAX_DIGITS} digits before "
                                   f"and after the decimal point") from None
            except ValueError:
                raise CellError(s, "is not a decimal number") from None
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
            raise CellError(s, "is not a boolean (1/0, true/false, yes/no, 是/否)")

        return conv_bool
    if t == "timestamp":
        forms = f"in the declared format {fmt!r}" if fmt else TIMESTAMP_FORMS

        def conv_ts(s):
            try:
                return parse_timestamp(s.strip(), fmt, serials, allow_date)
            except ValueError as e:
                why = f" ({e})" if str(e) else ""
                raise CellError(s, f"is not a timestamp {forms}{why}") from None

        return conv_ts
    if t == "date":
        forms = f"in the declared format {fmt!r}" if fmt else DATE_FORMS

        def conv_date(s):
            try:
                return parse_date(s.strip(), fmt, serials)
            except ValueError as e:
                why = f" ({e})" if str(e) else ""
                raise CellError(s, f"is not a date {forms}{why}") from None

        return conv_date
    if t == "period":

        def conv_period(s):
            try:
                if not s.isascii():
                    raise ValueError
                return Period.parse(s).key
            except ValueError:
                raise CellError(s, "is not a period (YYYY-MM, YYYY-Qn or YYYY)") from None

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
    if t == "timestamp" and getattr(spec, "format", None) is None:
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


# -- the staged ingest's SQL side ---------------------------------------------------------------
#: what Python's str.strip() removes (every character str.isspace() accepts): SQLite's trim()
#: with these strips a cell exactly as the row-by-row converters do
WHITESPACE = "".join(ch for ch in map(chr, range(0x110000)) if ch.isspace())

_YEAR_1 = -62135596800  # 0001-01-01 00:00:00: SQLite takes year 0, Python does not

# a decimal SQL takes as it is (the stored text is the cell itself: format(Decimal(t), "f") of a
# canonical decimal gives it back); at most 15 significant digits, so that comparing it with a
# bound of at most 15 digits as a double is exact (DBL_DIG): anything else goes to Python
_SQL_DECIMAL_CHARS = 16


def kept_choices(spec) -> list:
    """The enum's choices a cell is taken as it is for: a choice with surrounding spaces is
    never a stripped cell (Python's to refuse), an empty one never a value."""
    return [c for c in spec.choices if c and c == c.strip()]


def _sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_literal(value) -> str:
    """A stored value (None, int, str) as an SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return _sql_text(value)


def _double_exact(f: Fraction) -> bool:
    """A bound SQL may compare as a double: at most 15 significant digits, no exponent form."""
    text = to_text(f)
    digits = text.lstrip("-").replace(".", "").lstrip("0")
    return "/" not in text and "e" not in text.lower() and len(digits) <= 15


def sql_column(spec):
    """The SQL form of :func:`make_converter` for the usual spellings of a cell, or None when
    the column has none (a declared ``format``, a range bound SQL cannot compare exactly).

    Returns ``(f, needs_epoch, blank_is_null)``; ``f(s, u) -> (value, ok)`` gives two SQL
    expressions over the column ``s`` holding the cell as read (not stripped, not blank: the
    caller handles blanks) and, when ``needs_epoch``, ``u`` holding ``unixepoch(s)``. Where
    ``ok`` is true, ``value`` is exactly what the converter returns for the cell; where it is
    false or NULL, Python decides (another spelling it accepts, e.g. ``2026/10/1 9:05``,
    `` TRUE``, or the problem it reports). Every ``ok`` compares the whole cell with a spelling
    that has no surrounding white space, so a cell Python would strip is always Python's.
    ``blank_is_null``: ``value`` is NULL for an empty cell already. An Excel day number never
    looks like an ISO timestamp, so it is always left to Python (``serials``)."""
    t = spec.type
    if getattr(spec, "format", None) is not None:
        return None  # the declared format comes first and may read "2026-01-02" otherwise
    low = to_fraction(spec.min) if spec.min is not None else None
    high = to_fraction(spec.max) if spec.max is not None else None
    if t == "str":
        # kept as it is when stripping changes nothing: it starts and ends with a visible
        # ASCII character (the caller rules out a NUL, which would hide the rest from GLOB),
        # else with no character Python strips
        def text(s, u):
            return s, (f"({s} GLOB '[!-~]*[!-~]' OR {s} GLOB '[!-~]' OR trim({s}, :ws) = {s})")

        return text, False, False
    if t == "enum":
        kept = kept_choices(spec)
        return (lambda s, u: (s, "(" + (" OR ".join(f"{s} = {_sql_text(c)}" for c in kept)
                                        or "0") + ")")), False, False
    if t == "bool":
        trues = ", ".join(_sql_text(k) for k, v in _BOOLS.items() if v)
        listed = ", ".join(map(_sql_text, _BOOLS))
        return (lambda s, u: (f"({s} IN ({trues}))", f"{s} IN ({listed})")), False, False
    if t == "int":
        bounds = ""
        if low is not None:  # whole numbers: v >= 1.5 is v >= 2
            bounds += f" AND CAST({{s}} AS INTEGER) >= {math.ceil(low)}"
        if high is not None:
            bounds += f" AND CAST({{s}} AS INTEGER) <= {math.floor(high)}"
        # the canonical spelling only ("+5", "007" go to Python); a number beyond 64 bits
        # (CAST saturates) does not spell itself back
        return (lambda s, u: (f"CAST({s} AS INTEGER)",
                              f"CAST(CAST({s} AS INTEGER) AS TEXT) = {s}"
                              + bounds.replace("{s}", s))), False, False
    if t == "decimal":
        if any(b is not None and not _double_exact(b) for b in (low, high)):
            return None
        bounds = ("" if low is None else f" AND CAST({{s}} AS REAL) >= {to_text(low)}") + \
                 ("" if high is None else f" AND CAST({{s}} AS REAL) <= {to_text(high)}")

        def dec(s, u):
            # digits, at most one point inside, an optional leading minus, no leading zero
            # (format(Decimal("007"), "f") is "7"), no exponent, comma or percent sign; no NUL
            # (GLOB stops reading at one)
            ok = (f"length(CAST({s} AS BLOB)) <= {_SQL_DECIMAL_CHARS} AND instr({s}, char(0)) = 0"
                  f" AND {s} NOT GLOB '*[^0-9.-]*' AND ({s} GLOB '[0-9]*' OR {s} GLOB '-[0-9]*')"
                  f" AND instr(substr({s}, 2), '-') = 0"
                  f" AND instr(substr({s}, instr({s}, '.') + 1), '.') = 0"
                  f" AND {s} NOT GLOB '*.' AND {s} NOT GLOB '0[0-9]*' AND {s} NOT GLOB '-0[0-9]*'")
            return s, ok + bounds.replace("{s}", s)

        return dec, False, False
    if t == "timestamp":
        def ts(s, u):
            # YYYY-MM-DD HH:MM:SS (or HH:MM, or with T), as parse_timestamp's fast path takes
            # it: SQLite spelling the number back proves every field valid (month 13, 24:00,
            # 31 April do not spell back); year 0 Python refuses
            back = f"datetime({u}, 'unixepoch')"
            ok = (f"({back} = {s} OR {back} = substr({s}, 1, 10) || ' ' || substr({s}, 12) || "
                  f"CASE length(CAST({s} AS BLOB)) WHEN 16 THEN ':00' WHEN 19 THEN '' END) "
                  f"AND {u} >= {_YEAR_1}")
            return u, ok

        return ts, True, True
    if t == "date":
        # spelled back from the day number: date() alone keeps "2026-02-30" as it is
        return (lambda s, u: (s, f"date({u}, 'unixepoch') = {s} AND {u} >= {_YEAR_1}")), True, \
            False
    if t == "period":
        return (lambda s, u: (s, f"length(CAST({s} AS BLOB)) = 7 AND {s} GLOB "
                                 f"'[0-9][0-9][0-9][0-9]-[0-9][0-9]' AND substr({s}, 6, 2) "
                                 f"BETWEEN '01' AND '12' AND {s} >= '0001'")), False, False
    return None
