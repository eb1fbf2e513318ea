"""Site rule sets: ``[ruleset] extends = "../base.toml"`` and the merge that makes one rule set
out of a chain of files, remembering which file set each value.

Merge rules (docs/sites.md):

- tables merge key by key, recursively; a scalar or a plain array in the extending file replaces
  the inherited one (tier and band lists are replaced whole: a site restates its table);
- arrays of tables whose every element has an ``id`` (``[[scorecards.X.items]]``,
  ``[[scorecards.X.penalties]]``) merge by ``id``: an element with a known id merges into the
  inherited element in place, a new id is appended, and ``{ id = "x", remove = true }`` drops it;
- a source's ``path`` and a nested ``extends`` are relative to the file that declares them; the
  merged rule set holds source paths relative to the extending (top) file;
- a cycle of ``extends`` is an error naming the files.

The merged rule set is written back as TOML (tomli-w): its text and hash cover the merged result,
so a stored run reproduces without the files it was built from.
"""

import os
from pathlib import Path

import attrs
import tomli_w

from .errors import RuleSetError
from .schema import locate

HEADER = "# merged rule set: {chain}\n"


@attrs.frozen
class Merged:
    """A rule set merged from a chain of files (top file first in ``files``)."""

    data: dict
    text: str
    files: tuple  # Path, the extending file first, the root base last
    texts: dict  # Path -> its own text (for line numbers in errors)
    origin: dict  # key path ("scorecards.a.items[2].max") -> Path of the file that set it
    tree: dict = attrs.Factory(dict)  # the same as a tree shaped like ``data``
    #: "scorecards.a.items[resolution].score.target" -> (inherited value, its file): what a
    #: later file replaced (or "(removed)" for an item dropped with remove = true)
    overrides: dict = attrs.Factory(dict)

    def file_of(self, key_path: str) -> Path:
        """The file that set ``key_path`` (or the nearest enclosing key), else the top file."""
        path = key_path
        while path:
            if path in self.origin:
                return self.origin[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.files[0]

    def error(self, key_path: str, reason: str) -> RuleSetError:
        f = self.file_of(key_path)
        return RuleSetError(f, key_path, reason, locate(self.texts.get(f, ""), key_path))


def _is_id_array(v) -> bool:
    # ids are strings; an id of another type ({a = 1}) makes a plain array, replaced whole, and
    # the loader then reports the id at its key
    return isinstance(v, list) and bool(v) and all(
        isinstance(e, dict) and isinstance(e.get("id"), str) for e in v)


def _tag(value, file):
    """A tree of the same shape as ``value`` whose leaves are ``file``."""
    if isinstance(value, dict):
        return {k: _tag(v, file) for k, v in value.items()}
    if _is_id_array(value):
        return [_tag(e, file) for e in value]
    return file


def _merge(base, borigin, over, oorigin, file, where, ov):
    """Merge table ``over`` (from ``file``) onto ``base``; returns (data, origin)."""
    out, origin = dict(base), dict(borigin)
    for key, value in over.items():
        path = f"{where}.{key}" if where else key
        old = base.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            out[key], origin[key] = _merge(old, borigin.get(key, {}), value,
                                           oorigin.get(key, {}), file, path, ov)
        elif isinstance(value, list) and _is_id_array(value) and _is_id_array(old):
            out[key], origin[key] = _merge_by_id(old, borigin.get(key, []), value, file, path,
                                                 ov)
        elif isinstance(value, list) and _is_id_array(value) and any(
                e.get("remove") is True for e in value):
            bad = next(e for e in value if e.get("remove") is True)
            raise RuleSetError(file, f"{path}", f"remove = true for id {bad['id']!r}, but no "
                               f"inherited {key} to remove it from")
        else:
            if key in base and base[key] != value:
                ov[path] = (base[key], borigin.get(key))
            out[key], origin[key] = value, oorigin.get(key, file)
    return out, origin


def _merge_by_id(base, borigin, over, file, path, ov):
    out = list(base)
    origin = list(borigin) if len(borigin) == len(base) else [_tag(e, file) for e in base]
    index = {e["id"]: i for i, e in enumerate(out)}
    removed = set()
    for e in over:
        eid = e["id"]
        if e.get("remove") is True:
            if eid not in index or eid in removed:
                raise RuleSetError(file, f"{path}", f"remove = true for id {eid!r}, which is not "
                                   f"inherited (inherited: {', '.join(index)})")
            extra = sorted(k for k in e if k not in ("id", "remove"))
            if extra:
                raise RuleSetError(file, f"{path}", f"id {eid!r} has remove = true and other "
                                   f"keys ({', '.join(extra)}); give one or the other")
            removed.add(eid)
            ov[f"{path}[{eid}]"] = ("(removed)", file)
            continue
        if "remove" in e:
            raise RuleSetError(file, f"{path}", f"id {eid!r}: remove must be true (or left out)")
        if eid in index:
            i = index[eid]
            first = origin[i].get("id") if isinstance(origin[i], dict) else None
            out[i], origin[i] = _merge(out[i], origin[i], e, _tag(e, file), file,
                                       f"{path}[{eid}]", ov)
            if first is not None:  # the id names the element: it stays with the declaring file
                origin[i]["id"] = first
        else:
            index[eid] = len(out)
            out.append(e)
            origin.append(_tag(e, file))
    keep = [i for i, e in enumerate(out) if e["id"] not in removed]
    return [out[i] for i in keep], [origin[i] for i in keep]


def _rebase_paths(data, src_dir: Path, top_dir: Path):
    """Source paths in ``data`` (from a file in ``src_dir``) made relative to ``top_dir``."""
    for spec in (data.get("sources") or {}).values():
        if isinstance(spec, dict) and isinstance(spec.get("path"), str):
            p = Path(spec["path"])
            if not p.is_absolute():
                full = os.path.normpath(src_dir / p)
                try:
                    spec["path"] = Path(os.path.relpath(full, top_dir)).as_posix()
                except ValueError:  # another drive (Windows)
                    spec["path"] = Path(full).as_posix()


def _flatten(origin, prefix, out):
    if isinstance(origin, dict):
        for k, v in origin.items():
            _flatten(v, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(origin, list):
        for i, v in enumerate(origin):
            _flatten(v, f"{prefix}[{i}]", out)
    else:
        out[prefix] = origin


def has_extends(data) -> bool:
    """Whether the rule set's ``[ruleset]`` names a rule set it extends."""
    rs = data.get("ruleset")
    return isinstance(rs, dict) and "extends" in rs


def resolve(path, text=None, data=None) -> Merged:
    """Follow ``extends`` from ``path`` to its root and merge the chain."""
    from .ruleset import read_toml

    path = Path(path)
    chain, texts, datas = [], {}, {}
    current, ctext, cdata = path, text, data
    while True:
        key = current.resolve()
        if key in chain:
            names = " → ".join(str(p) for p in [*chain, key])
            raise RuleSetError(current, "ruleset.extends", f"extends cycle: {names}")
        if cdata is None:
            ctext, cdata = read_toml(current)
        chain.append(key)
        texts[current] = ctext
        datas[current] = cdata
        meta = cdata.get("ruleset") if isinstance(cdata.get("ruleset"), dict) else {}
        parent = meta.get("extends")
        if parent is None:
            break
        if not isinstance(parent, str) or not parent.strip():
            raise RuleSetError(current, "ruleset.extends", f"expected a path to the rule set "
                               f"this one extends, got {parent!r}",
                               locate(ctext, "ruleset.extends"))
        nxt = Path(os.path.normpath(current.parent / parent))
        if not nxt.exists():
            raise RuleSetError(current, "ruleset.extends", f"{parent!r} not found (looked for "
                               f"{nxt}); the path is relative to this file",
                               locate(ctext, "ruleset.extends"))
        current, ctext, cdata = nxt, None, None
    files = list(datas)  # top first
    top_dir = path.parent
    merged, origin, ov = {}, {}, {}
    for f in reversed(files):
        d = _copy(datas[f])
        d.get("ruleset", {}).pop("extends", None)
        _rebase_paths(d, f.parent, top_dir)
        merged, origin = _merge(merged, origin, d, _tag(d, f), f, "", ov)
    flat: dict = {}
    _flatten(origin, "", flat)
    chain_text = " ← ".join(_rel(f, top_dir) for f in files)
    merged_text = HEADER.format(chain=chain_text) + tomli_w.dumps(merged, multiline_strings=True)
    return Merged(data=merged, text=merged_text, files=tuple(files), texts=texts, origin=flat,
                  tree=origin, overrides=ov)


def _rel(f: Path, top_dir: Path) -> str:
    try:
        return Path(os.path.relpath(f, top_dir)).as_posix()
    except ValueError:
        return str(f)


def _copy(v):
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


def single(path, text, data) -> Merged:
    """A rule set without ``extends``, in the same shape (every key from its one file)."""
    path = Path(path)
    tree = _tag(data, path)
    flat: dict = {}
    _flatten(tree, "", flat)
    return Merged(data=data, text=text, files=(path,), texts={path: text}, origin=flat,
                  tree=tree)


def provenance_rows(merged: Merged) -> list[dict]:
    """One row per value of the merged rule set: key (items by id), value, the file that set
    it, and what it replaced (``scorecard show``)."""
    rows: list[dict] = []

    def walk(value, origin, path):
        if isinstance(value, dict) and isinstance(origin, dict):
            for k, v in value.items():
                walk(v, origin.get(k, merged.files[0]), f"{path}.{k}" if path else k)
        elif _is_id_array(value) and isinstance(origin, list) and len(origin) == len(value):
            for e, o in zip(value, origin, strict=True):
                walk(e, o, f"{path}[{e['id']}]")
        else:
            row = {"key": path, "value": value, "file": origin if isinstance(origin, Path)
                   else merged.files[0]}
            if path in merged.overrides:
                old, ofile = merged.overrides[path]
                row["was"], row["was_file"] = old, ofile if isinstance(ofile, Path) else None
            rows.append(row)

    walk(merged.data, merged.tree, "")
    for path, (old, file) in merged.overrides.items():
        if old == "(removed)":
            rows.append({"key": path, "value": "(removed)", "file": file})
    return rows
