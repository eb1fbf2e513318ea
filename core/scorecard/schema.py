"""Turn TOML tables into frozen attrs objects, checking every key and type.

An unknown key, a wrong type or a missing key raises :class:`SchemaError` with the key path
(``scorecards.agent.items[2].per``) and a "did you mean" where a known key is close.
"""

import difflib
import types
import typing
from datetime import date
from fractions import Fraction
from typing import Any, Literal

import attrs

from .numbers import MAX_DIGITS, NumberRangeError, to_fraction


class SchemaError(Exception):
    """A key of the rule set that is wrong: ``path`` is its key path; the loader adds the file
    and line (:class:`scorecard.errors.RuleSetError`)."""

    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


def _typename(t) -> str:
    origin = typing.get_origin(t)
    if t is Fraction:
        return "a number"
    if t is str:
        return "a string"
    if t is int:
        return "an integer"
    if t is bool:
        return "true or false"
    if t is date:
        return "a date (YYYY-MM-DD)"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(t))
    if origin in (list, tuple):
        return "a list"
    if origin is dict:
        return "a table"
    if attrs.has(t):
        return "a table"
    return getattr(t, "__name__", str(t))


def did_you_mean(name: str, known) -> str:
    """``; did you mean 'x'?`` for the closest of ``known`` to ``name``, or "" when none is
    close."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def convert(t, value, path: str):
    """Convert ``value`` (from tomllib) to type ``t`` or raise SchemaError at ``path``."""
    origin = typing.get_origin(t)
    args = typing.get_args(t)
    if t is Any:
        return value
    if t in (list, tuple):
        t, origin, args = list[Any], list, (Any,)
    if t is dict:
        t, origin, args = dict[str, Any], dict, (str, Any)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return convert(a, value, path)
            except SchemaError as e:
                errors.append(e)
        raise errors[0] if len(errors) == 1 else SchemaError(
            path, f"expected {' or '.join(_typename(a) for a in args if a is not type(None))}, "
            f"got {_short(value)}"
        )
    if origin is Literal:
        if value in args:
            return value
        hint = did_you_mean(str(value), [str(a) for a in args])
        raise SchemaError(path, f"expected {_typename(t)}, got {_short(value)}{hint}")
    if t is bool:
        if isinstance(value, bool):
            return value
        raise SchemaError(path, f"expected true or false, got {_short(value)}")
    if t is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise SchemaError(path, f"expected an integer, got {_short(value)}")
    if t is Fraction:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise SchemaError(path, f"expected a number, got {_short(value)}")
        try:
            number = to_fraction(value)
        except NumberRangeError as e:
            raise SchemaError(path, f"{e}; numbers in a rule set are bounded") from None
        except (ValueError, ZeroDivisionError):
            raise SchemaError(path, f"expected a number, got {_short(value)}") from None
        if abs(number) >= 10**MAX_DIGITS:
            raise SchemaError(path, f"{_short(value)} is too large: at most {MAX_DIGITS} digits "
                              f"before the decimal point")
        return number
    if t is str:
        if isinstance(value, str):
            return value
        raise SchemaError(path, f"expected a string, got {_short(value)}")
    if t is date:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise SchemaError(path, f"expected a date (YYYY-MM-DD), got {_short(value)}")
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise SchemaError(path, f"expected a list, got {_short(value)}")
        inner = args[0] if args else Any
        return tuple(convert(inner, v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise SchemaError(path, f"expected a table, got {_short(value)}")
        kt, vt = args or (str, Any)
        return {str(k): convert(vt, v, f"{path}.{k}") for k, v in value.items()}
    if attrs.has(t):
        if not isinstance(value, dict):
            raise SchemaError(path, f"expected a table, got {_short(value)}")
        return build(t, value, path)
    raise SchemaError(path, f"unsupported parameter type {t!r}")  # pragma: no cover


def _short(value) -> str:
    """``repr(value)``, cut short: a 5,000-digit number or a deeply nested list in a message
    would bury the key it is about."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # nested too deep / an int beyond str()'s digit limit
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text)} characters)"


def build(cls, data: dict, path: str = "", extra_known=()):
    """Build attrs ``cls`` from a TOML table, rejecting unknown keys and wrong types."""
    if not isinstance(data, dict):
        raise SchemaError(path or cls.__name__, f"expected a table, got {_short(data)}")
    attrs.resolve_types(cls)
    fields = {(f.alias or f.name): f for f in attrs.fields(cls)}
    prefix = f"{path}." if path else ""
    for key in data:
        if key not in fields:
            allowed = sorted(set(fields) | set(extra_known))
            raise SchemaError(
                f"{prefix}{key}",
                f"unknown key{did_you_mean(key, allowed)} (allowed here: {', '.join(allowed)})",
            )
    kwargs = {}
    for key, f in fields.items():
        if key in data:
            kwargs[f.name] = convert(f.type, data[key], f"{prefix}{key}")
        elif f.default is attrs.NOTHING:
            raise SchemaError(f"{prefix}{key}",
                              f"missing: this key is required ({_typename(f.type)})")
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as e:
        raise SchemaError(path or cls.__name__, str(e)) from None


def locate(text: str, key_path: str) -> int | None:
    """Best-effort line number of ``key_path``'s last key in TOML ``text`` (for error messages)."""
    parts = [p.split("[")[0] for p in key_path.split(".") if p]
    if not parts:
        return None
    last = parts[-1]
    lines = text.splitlines()
    candidates = [
        i + 1
        for i, line in enumerate(lines)
        if line.lstrip().startswith((f"{last} ", f"{last}=", f'"{last}"'))
        or f"[{'.'.join(parts)}]" in line
        or f"[[{'.'.join(parts)}]]" in line
        or f" {last} =" in line
        or f"{{{last} =" in line
    ]
    return candidates[0] if len(candidates) == 1 else None
