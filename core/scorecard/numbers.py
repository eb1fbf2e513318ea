"""Exact numbers. Calculations run on :class:`fractions.Fraction`, so a mean of three marks or a
rate of 17/19 carries no representation error into a threshold comparison; values leave the engine
as :class:`decimal.Decimal`, rounded once, by the rule set's declared policy, in :func:`quantize`.
"""

import re
from decimal import Decimal, localcontext
from fractions import Fraction

ROUNDING_MODES = ("half_up", "half_even", "half_down", "up", "down", "floor", "ceiling")

Number = Fraction

#: the most digits a number from a rule set or a data file may have before, and after, the
#: decimal point. Scores, marks, rates and money need far fewer; the bound keeps a cell such as
#: ``1e999999999`` (whose exact value has a billion digits) from hanging the run.
MAX_DIGITS = 40

# what a person or a spreadsheet writes: ASCII digits only (int() and Decimal() would also take
# "1_0" and Arabic-Indic or full-width digits), an optional exponent, or the store's "n/d"
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_RATIO_TEXT = re.compile(r"[+-]?\d+/\d+", re.ASCII)


class NumberRangeError(ValueError):
    """A number beyond :data:`MAX_DIGITS` digits before or after the decimal point."""


def check_digits(d: Decimal, shown=None) -> Decimal:
    """``d`` when it is finite and within :data:`MAX_DIGITS` digits before and after the point;
    else ValueError (NumberRangeError for a size) whose text says which bound."""
    if not d.is_finite():
        raise ValueError(f"{shown or d} is not a finite number")
    exponent = d.as_tuple().exponent
    if d.adjusted() >= MAX_DIGITS:
        raise NumberRangeError(f"{_short(shown or d)} is too large: at most {MAX_DIGITS} digits "
                               f"before the decimal point")
    if exponent < -MAX_DIGITS:
        raise NumberRangeError(f"{_short(shown or d)} has more than {MAX_DIGITS} places after "
                               f"the decimal point")
    return d


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"


def parse_decimal(text: str) -> Decimal:
    """A decimal number written in ASCII (``-1.5``, ``2e3``), bounded by :data:`MAX_DIGITS`;
    ValueError otherwise."""
    t = text.strip()
    if len(t) > 4 * MAX_DIGITS or not _DECIMAL_TEXT.fullmatch(t):
        if len(t) > 4 * MAX_DIGITS and _DECIMAL_TEXT.fullmatch(t):
            raise NumberRangeError(f"{_short(t)} has too many digits (at most {MAX_DIGITS} "
                                   f"before and after the decimal point)")
        raise ValueError(f"{_short(text)!r} is not a number")
    return check_digits(Decimal(t), t)


def to_fraction(value) -> Fraction:
    """Convert an int, str, Decimal, Fraction or (TOML) float to an exact Fraction.

    Floats go through their shortest repr, so the TOML literal ``0.12`` becomes exactly 3/25.
    Text, floats and Decimals are bounded by :data:`MAX_DIGITS` (ValueError beyond).
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(check_digits(value))
    if isinstance(value, float):
        return Fraction(check_digits(Decimal(repr(value)), value))
    if isinstance(value, str):
        t = value.strip()
        if len(t) <= 8 * MAX_DIGITS and _RATIO_TEXT.fullmatch(t):
            return Fraction(t)  # the store's form of a non-terminating value
        return Fraction(parse_decimal(t))
    raise TypeError(f"not a number: {value!r}")


def _round_to_int(q: Fraction, mode: str) -> int:
    sign = -1 if q < 0 else 1
    a = abs(q)
    whole, rem = divmod(a.numerator, a.denominator)
    twice = 2 * rem
    d = a.denominator
    if rem == 0:
        n = whole
    elif mode == "half_up":
        n = whole + (1 if twice >= d else 0)
    elif mode == "half_down":
        n = whole + (1 if twice > d else 0)
    elif mode == "half_even":
        n = whole + (1 if twice > d or (twice == d and whole % 2 == 1) else 0)
    elif mode == "up":
        n = whole + 1
    elif mode == "down":
        n = whole
    elif mode == "floor":
        n = whole if sign > 0 else whole + 1
    elif mode == "ceiling":
        n = whole + 1 if sign > 0 else whole
    else:
        raise ValueError(f"unknown rounding mode {mode!r}; one of {', '.join(ROUNDING_MODES)}")
    return sign * n


def quantize(value, step="0.01", mode: str = "half_up") -> Decimal:
    """Round ``value`` exactly to a multiple of ``step`` (e.g. "0.01") with ``mode``.

    >>> quantize(Fraction(85125, 1000))
    Decimal('85.13')
    """
    step_d = Decimal(str(step))
    if type(value) is int or type(value) is Fraction and value.denominator == 1:
        # a whole number needs no rounding, only the step's places
        n = value if type(value) is int else value.numerator
        with _exact(n, step_d):
            return Decimal(n).quantize(step_d) if step_d < 1 else Decimal(n)
    q = to_fraction(value) / Fraction(step_d)
    n = _round_to_int(q, mode)
    exponent = step_d.as_tuple().exponent
    with _exact(n, step_d):
        result = Decimal(n) * step_d
        return result.quantize(Decimal(1).scaleb(exponent)) if step_d < 1 else result


def _exact(n: int, step: Decimal):
    """A decimal context wide enough that ``n × step`` and its quantize are exact (the default
    context keeps 28 digits and would round a longer result, or refuse to quantize it)."""
    digits = n.bit_length() * 302 // 1000 + len(step.as_tuple().digits) - step.as_tuple().exponent
    return localcontext(prec=max(28, digits + 4))


def lean(value):
    """A whole Fraction as an int, anything else unchanged.

    Hot loops use it: int arithmetic is exact and many times faster than Fraction's, and int
    mixed with Fraction stays exact. Never divide two leaned values with ``/`` (int / int is a
    float): divide Fractions."""
    if type(value) is Fraction and value.denominator == 1:
        return value.numerator
    return value


def ceil_div(a: Fraction, b: Fraction) -> int:
    """⌈a / b⌉ for exact numbers: a started step counts as a whole one."""
    q = Fraction(a) / Fraction(b)
    return -((-q.numerator) // q.denominator)


def clamp(value: Fraction, low=None, high=None) -> Fraction:
    """``value`` within [low, high] (either bound may be None); a bound is returned as a
    Fraction."""
    if low is not None and value < low:
        return Fraction(low)
    if high is not None and value > high:
        return Fraction(high)
    return value


def fmt(value, places: int = 4) -> str:
    """Human text for a number in a ledger line: exact when it terminates, else ``≈`` rounded."""
    if value is None:
        return "—"
    if type(value) is int:
        return str(value)
    if type(value) is Fraction:
        if value.denominator == 1:
            return str(value.numerator)
        # the ledger formats the same few rates and limits again and again: remembered
        got = _FMT.get((value, places))
        if got is None:
            if len(_FMT) >= 65536:
                _FMT.clear()
            got = _FMT[(value, places)] = _fmt(value, places)
        return got
    return _fmt(value, places)


#: (Fraction, places) -> fmt's text
_FMT: dict = {}


def _fmt(value, places: int) -> str:
    v = to_fraction(value)
    if v.denominator == 1:
        return str(v.numerator)
    d = v.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:
        return _terminating(v)
    return "≈" + format(quantize(v, Decimal(1).scaleb(-places), "half_even"), "f")


def _terminating(v: Fraction) -> str:
    """Exact decimal text of a Fraction whose denominator has no prime factors but 2 and 5:
    scaled to a power of ten by integers, never through a (28-digit) Decimal division."""
    d, twos, fives = v.denominator, 0, 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    places = max(twos, fives)
    scaled = abs(v.numerator) * 10**places // v.denominator
    digits = str(scaled).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".") if places else digits
    return f"-{text}" if v < 0 else text


def to_text(value) -> str | None:
    """Store form of an exact number: a terminating decimal string, or 'n/d' when it does not
    terminate (never a float)."""
    if value is None:
        return None
    v = to_fraction(value)
    text = fmt(v)
    if text.startswith("≈"):
        return f"{v.numerator}/{v.denominator}"
    return text
