"""Payouts: bonus = base(level) × score / 100, and position pay Q(role) × band coefficient, with
floors and caps; fines are reported beside the payout and netted only when the rule set says."""

from fractions import Fraction

import attrs

from scorecard import hookimpl
from scorecard.errors import ScorecardError
from scorecard.numbers import fmt
from scorecard.schema import SchemaError
from scorecard.types import Line, Payout, PayoutType


@attrs.frozen
class LevelBaseParams:
    bases: dict[str, Fraction]  # level -> bonus base
    key: str = "level"  # employee column the base is chosen by
    divisor: Fraction = Fraction(100)
    floor: Fraction | None = Fraction(0)
    cap: Fraction | None = None
    net_fines: bool = False


@attrs.frozen
class PositionParams:
    q: dict[str, Fraction]  # role (or level) -> position performance pay Q
    key: str = "role"
    floor: Fraction | None = Fraction(0)
    cap: Fraction | None = None
    net_fines: bool = False


def _employee_key(ctx, er, key, table, path):
    value = er.employee.get(key)
    if value not in table:
        # the employees source's own file name: a site may export it as staff.csv
        raise ScorecardError(
            f"{ctx.ref('employees', er.employee.get('_line'))}: {key} {value!r} of "
            f"{er.employee_id} has no entry in {path} (known: {', '.join(table)}); fix the "
            f"employee's {key} or add it to the rule set")
    return value, table[value]


def _finish(amount, p, er, currency, parts):
    """Floor, cap and fines applied to ``amount``; ``parts`` (None when the ledger is not kept)
    are the ledger's words so far, each step adds its own."""
    if p.floor is not None and amount < p.floor:
        amount = p.floor
        if parts is not None:
            parts.append(f"raised to the floor {fmt(p.floor)}")
    if p.cap is not None and amount > p.cap:
        amount = p.cap
        if parts is not None:
            parts.append(f"capped at {fmt(p.cap)}")
    fines = er.fines or 0
    if fines and p.net_fines:
        amount -= Fraction(fines)
    if parts is None:
        return Payout(amount)
    if fines:
        parts.append(f"fines {fines} {currency} netted" if p.net_fines else
                     f"fines {fines} {currency} reported beside, not netted")
    return Payout(amount, (Line("payout", "payout: " + "; ".join(parts), amount),))


def _check_table(rs, spec, name):
    """Every value the employees' key column can take has an entry; floors below caps."""
    p, out = spec.params, []
    col = rs.columns.get("employees", {}).get(p.key)
    table = getattr(p, name)
    if col is None:
        out.append(("error", f"{spec.path}.key", f"employees has no column {p.key!r}"))
    elif col.type == "enum":
        missing = [c for c in col.choices if c not in table]
        if missing:
            out.append(("error", f"{spec.path}.{name}", f"no entry for {p.key} "
                        f"{', '.join(missing)} (an employee with it would stop the evaluation)"))
        unknown = [k for k in table if k not in col.choices]
        if unknown:
            out.append(("warning", f"{spec.path}.{name}", f"entries for {', '.join(unknown)}, "
                        f"which is not a {p.key} the employees file allows"))
    if p.floor is not None and p.cap is not None and p.floor > p.cap:
        out.append(("error", f"{spec.path}.floor", f"floor {fmt(p.floor)} is above the cap "
                    f"{fmt(p.cap)}"))
    return out


class LevelBase(PayoutType):
    name = "level_base"
    Params = LevelBaseParams
    description = "bonus = base(level) × score / 100 (floors, caps; fines beside)."

    def validate(self, rs, sc, spec):
        if spec.params.divisor <= 0:
            raise SchemaError(f"{spec.path}.divisor", "must be above 0")

    def check(self, rs, sc, spec):
        return _check_table(rs, spec, "bases")

    def pay(self, ctx, spec, results):
        p = spec.params
        cur = ctx.ruleset.meta.currency
        out = {}
        # the payout depends only on (key value, score, fines): many employees share one, and
        # a Payout is immutable, so each is worked out once
        shared: dict[tuple, Payout] = {}
        for eid, er in results.items():
            if er.score is None:
                out[eid] = Payout(None, (Line("payout", "payout: no score, no payout"),))
                continue
            key = (er.employee.get(p.key), er.score, er.fines)
            got = shared.get(key)
            if got is None:
                level, base = _employee_key(ctx, er, p.key, p.bases, f"{spec.path}.bases")
                amount = base * Fraction(er.score) / p.divisor
                parts = [f"base {fmt(base)} ({p.key} {level}) × {er.score} / "
                         f"{fmt(p.divisor)} = {fmt(amount)} {cur}"] if ctx.ledger else None
                got = shared[key] = _finish(amount, p, er, cur, parts)
            out[eid] = got
        return out


class PositionCoefficient(PayoutType):
    name = "position_coefficient"
    Params = PositionParams
    description = "pay = Q(position) × the grade's coefficient (floors, caps; fines beside)."

    def check(self, rs, sc, spec):
        out = _check_table(rs, spec, "q")
        if sc.grading is None:
            out.append(("error", spec.path, "pays by the grade's coefficient, but the scorecard "
                        "has no grading"))
        return out

    def pay(self, ctx, spec, results):
        p = spec.params
        cur = ctx.ruleset.meta.currency
        out = {}
        for eid, er in results.items():
            coef = er.grade.coefficient if er.grade is not None else None
            if er.score is None or coef is None:
                out[eid] = Payout(None, (Line("payout", "payout: no grade coefficient, no "
                                                        "payout"),))
                continue
            key, q = _employee_key(ctx, er, p.key, p.q, f"{spec.path}.q")
            amount = q * coef
            parts = [f"Q {fmt(q)} ({p.key} {key}) × coefficient {fmt(coef)} (grade "
                     f"{er.grade.grade}) = {fmt(amount)} {cur}"] if ctx.ledger else None
            out[eid] = _finish(amount, p, er, cur, parts)
        return out


@hookimpl
def register_payout_types(register):
    register(LevelBase())
    register(PositionCoefficient())
