"""Cell coercion: timestamps, dates, booleans (是/否), decimals (%, thousands separators),
ints, enums and periods; every bad cell raises ValueError with the reason."""

from datetime import datetime

import pytest

from scorecard.columns import format_timestamp, make_converter, parse_timestamp, python_value
from scorecard.periods import epoch_seconds
from scorecard.ruleset import ColumnSpec, parse_column


def conv(spec, text):
    return make_converter(parse_column(spec, "x") if isinstance(spec, str) else spec)(text)


T0 = epoch_seconds(datetime(2026, 10, 1, 8, 5))


@pytest.mark.parametrize("text, seconds", [
    ("2026-10-01 08:05:00", T0),
    ("2026-10-01T08:05:00", T0),  # ISO 'T'
    ("2026-10-01 08:05", T0),  # without seconds
    ("2026-10-01T08:05", T0),
    ("2026-10-01 08:05:59", T0 + 59),
    ("2026-10-01 08:05:00.000", T0),  # zero fraction of a second is fine
])
def test_timestamps(text, seconds):
    assert conv("timestamp", text) == seconds


def test_timestamp_round_trip():
    assert format_timestamp(parse_timestamp("2026-12-31 23:59:59")) == "2026-12-31 23:59:59"
    assert format_timestamp(None) == ""


@pytest.mark.parametrize("text, why", [
    ("2026-10-01", "a date without a time"),
    ("2026-10-01 24:00", "not a timestamp"),
    ("2026-10-01 08:60", "not a timestamp"),
    ("2026-02-30 08:00", "not a timestamp"),
    ("01/10/2026 08:00", "not a timestamp"),
    ("2026-10-01 08:00:00+08:00", "has a time zone"),
    ("2026-10-01 08:00:00.5", "fractions of a second"),
])
def test_bad_timestamps(text, why):
    with pytest.raises(ValueError) as e:
        conv("timestamp", text)
    assert why in str(e.value) and repr(text) in str(e.value)


@pytest.mark.parametrize("text, stored", [
    ("2026-10-01", "2026-10-01"),
    ("2026-10-01 00:00:00", "2026-10-01"),  # an Excel date cell
    ("2026-10-01T00:00", "2026-10-01"),
])
def test_dates(text, stored):
    assert conv("date", text) == stored


@pytest.mark.parametrize("text", ["2026-10-01 08:00:00", "2026/13/01", "20261001",
                                  "2026-W40-1", "2026-13-01", "01/10/2026", "2026/10/1 9:05"])
def test_bad_dates(text):
    with pytest.raises(ValueError, match="is not a date YYYY-MM-DD"):
        conv("date", text)


@pytest.mark.parametrize("text, value", [
    ("是", 1), ("否", 0), ("true", 1), ("FALSE", 0), ("Yes", 1), ("n", 0), ("1", 1), ("0", 0),
])
def test_booleans(text, value):
    assert conv("bool", text) == value


def test_bad_boolean():
    with pytest.raises(ValueError, match="'maybe' is not a boolean .*是/否"):
        conv("bool", "maybe")


@pytest.mark.parametrize("text, stored", [
    ("85", "85"), ("85.50", "85.50"), ("-3.5", "-3.5"), ("85%", "85"), ("85.5 %", "85.5"),
    ("1,000", "1000"), ("1,234,567.89", "1234567.89"), ("12,345%", "12345"),
])
def test_decimals(text, stored):
    assert conv("decimal", text) == stored


@pytest.mark.parametrize("text", ["1,5", "1,00", "12,3456", ",100", "abc", "NaN", "Infinity",
                                  "1.2.3"])
def test_bad_decimals(text):
    with pytest.raises(ValueError, match="is not a decimal number"):
        conv("decimal", text)


def test_decimal_range_and_exact_value():
    spec = ColumnSpec(type="decimal", min=0, max=100)
    assert make_converter(spec)("100") == "100"
    with pytest.raises(ValueError, match=r"100.01 is out of range \[0, 100\]"):
        make_converter(spec)("100.01")
    assert python_value(spec, "0.1") * 3 == python_value(spec, "0.3")  # exact, no float


def test_ints_enums_periods():
    assert conv("int", "12") == 12
    with pytest.raises(ValueError, match="'1.5' is not a whole number"):
        conv("int", "1.5")
    assert conv("enum:phone|online", "online") == "online"
    with pytest.raises(ValueError, match="'mail' is not one of: phone, online"):
        conv("enum:phone|online", "mail")
    assert conv("period", "2026-10") == "2026-10"
    assert conv("period", "2026-Q4") == "2026-Q4"
    with pytest.raises(ValueError, match="is not a period"):
        conv("period", "2026-13")


def test_column_shorthands():
    assert parse_column("bool?", "x") == ColumnSpec(type="bool", required=False)
    assert parse_column("enum:a|b", "x").choices == ("a", "b")
    spec = parse_column({"type": "decimal", "header": "得分", "default": 0}, "x")
    assert spec.header == "得分" and spec.default == 0
