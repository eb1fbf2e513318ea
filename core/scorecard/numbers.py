"""Exact numbers. Calculations run on :class:`fractions.Fraction`, so a mean of three marks or a
rate of 17/19 carries no representation error into a threshold comparison; values leave the engine
as :class:`decimal.Decimal`, rounded once, by the rule set's declared policy, in :func:`quantize`.
"""

from decimal import Decimal
from fractions import Fraction

ROUNDING_MODES = ("half_up", "half_even", "half_down", "up", "down", "floor", "ceiling")

Number = Fraction


def to_fraction(value) -> Fraction:
    """Convert an int, str, Decimal, Fraction or (TOML) float to an exact Fraction.

    Floats go through their shortest repr, so the TOML literal ``0.12`` becomes exactly 3/25.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int | Decimal):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, str):
        return Fraction(value.strip())
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
        return Decimal(n).quantize(step_d) if step_d < 1 else Decimal(n)
    q = to_fraction(value) / Fraction(step_d)
    n = _round_to_int(q, mode)
    exponent = step_d.as_tuple().exponent
    result = Decimal(n) * step_d
    return result.quantize(Decimal(1).scaleb(exponent)) if step_d < 1 else result


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
    v = to_fraction(value)
    if v.denominator == 1:
        return str(v.numerator)
    d = v.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:
        text = format(Decimal(v.numerator) / Decimal(v.denominator), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return "≈" + format(quantize(v, Decimal(1).scaleb(-places), "half_even"), "f")


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
