"""``scorecard diff A B``: what differs between two rule sets, by meaning rather than by line.

Both rule sets are compared after their ``extends`` chains are merged. Tables are compared key
by key; arrays of tables with an ``id`` (items, penalties) by id, so moving an item is not a
change; band tables by grade; other arrays (tiers, cases) element by element. Each change has a
kind: ``parameter`` (a value changed: old → new), ``rule`` (an item or penalty added or removed),
``band`` (grading), ``payout`` (payout table) or ``source`` (data declarations).
"""

import copy
from pathlib import Path

import attrs

from .numbers import fmt, to_fraction

IGNORED = {("ruleset", "extends")}


@attrs.frozen
class Change:
    """One semantic difference between rule sets A and B."""

    op: str  # "changed", "added", "removed"
    path: str
    old: object = None
    new: object = None
    kind: str = "parameter"

    def text(self) -> str:
        if self.op == "changed":
            return f"~ {self.path}: {show(self.old)} → {show(self.new)}"
        if self.op == "added":
            return f"+ {self.path}: {show(self.new)}"
        return f"- {self.path}: {show(self.old)}"

    def as_dict(self) -> dict:
        return {"op": self.op, "path": self.path, "kind": self.kind,
                "old": _jsonable(self.old), "new": _jsonable(self.new)}


def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, int | float | str | bool) or v is None:
        return v
    return str(v)


def show(v) -> str:
    """A value as one short line of TOML-like text."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return fmt(to_fraction(v))
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, dict):
        if set(v) >= {"id", "type"}:  # an item or penalty: its identity is enough
            extra = f", max {show(v['max'])}" if "max" in v else ""
            return f"{v['id']} ({v['type']}{extra})"
        return "{ " + ", ".join(f"{k} = {show(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(show(x) for x in v) + "]"
    return str(v)


def _kind(path: str, whole_rule=False) -> str:
    if path.startswith("sources"):
        return "source"
    if ".grading" in path:
        return "band"
    if ".payout" in path:
        return "payout"
    if whole_rule:
        return "rule"
    return "parameter"


def _key_of(elements):
    """How to pair the elements of two arrays of tables."""
    if not isinstance(elements, list):
        return None
    for key in ("id", "grade"):
        if elements and all(isinstance(e, dict) and key in e for e in elements):
            return key
    return None


def _same(a, b) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return to_fraction(a) == to_fraction(b)  # 90 and 90.0 are the same threshold
    return a == b


def _walk(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            p = f"{path}.{k}" if path else k
            if tuple(p.split(".")) in IGNORED:
                continue
            if k not in b and _key_of(a[k]) == "id":  # every item of a list: one change each
                _walk(a[k], [], p, out)
            elif k not in a and _key_of(b[k]) == "id":
                _walk([], b[k], p, out)
            elif k not in b:
                out.append(Change("removed", p, old=a[k], kind=_kind(p, _is_rule(a[k]))))
            elif k not in a:
                out.append(Change("added", p, new=b[k], kind=_kind(p, _is_rule(b[k]))))
            else:
                _walk(a[k], b[k], p, out)
        return
    if isinstance(a, list) and isinstance(b, list):
        key = _key_of(a + b)
        if key is not None and (a or b):
            ia, ib = {e[key]: e for e in a}, {e[key]: e for e in b}
            for k in list(ia) + [k for k in ib if k not in ia]:
                p = f"{path}[{k}]"
                if k not in ib:
                    out.append(Change("removed", p, old=ia[k], kind=_kind(p, key == "id")))
                elif k not in ia:
                    out.append(Change("added", p, new=ib[k], kind=_kind(p, key == "id")))
                else:
                    _walk(ia[k], ib[k], p, out)
            return
        if len(a) == len(b) and all(isinstance(x, dict) for x in a + b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                _walk(x, y, f"{path}[{i}]", out)
            return
    if not _same(a, b):
        out.append(Change("changed", path, old=a, new=b, kind=_kind(path)))


def _is_rule(v) -> bool:
    return isinstance(v, dict) and {"id", "type"} <= set(v)


def diff_data(a: dict, b: dict) -> list[Change]:
    out: list[Change] = []
    _walk(a, b, "", out)
    return out


def _resolved(rs) -> dict:
    """The merged data with source paths made absolute: two sites reading one file do not
    differ because their rule sets sit in different folders."""
    data = copy.deepcopy(rs.merged_data)
    for spec in (data.get("sources") or {}).values():
        if isinstance(spec, dict) and isinstance(spec.get("path"), str):
            spec["path"] = Path(rs.base_dir, spec["path"]).resolve().as_posix()
    return data


def diff_rulesets(rs_a, rs_b) -> list[Change]:
    """The changes from rule set A to rule set B (both merged)."""
    return diff_data(_resolved(rs_a), _resolved(rs_b))


def render_text(changes, name_a="A", name_b="B") -> str:
    if not changes:
        return f"no differences between {name_a} and {name_b}"
    lines = [f"--- {name_a}", f"+++ {name_b}"]
    titles = {"parameter": "parameters", "rule": "rules", "band": "grading bands",
              "payout": "payout tables", "source": "sources"}
    for kind, title in titles.items():
        group = [c for c in changes if c.kind == kind]
        if group:
            lines.append(f"{title} ({len(group)}):")
            lines += [f"  {c.text()}" for c in group]
    return "\n".join(lines)
