"""The ledger's evidence rows: per-record explanation lines (a breach, a lapse, a survey answer)
kept as data and rendered into sentences only when someone reads them.

A metric that explains many records does not format one :class:`~scorecard.types.Line` per
record. It puts one :class:`~scorecard.types.Evidence` in its measures' lines instead: the SQL
``SELECT`` of the evidence (one row per record, every employee at once), the name of a
registered *renderer* and the renderer's small arguments (case labels, limit texts, the file
name). The engine runs the ``SELECT`` once per rule with ``INSERT … SELECT`` into a temporary
table of the store's connection, inside the evaluation's snapshot (so the evidence is the data
the counts were made from), and :func:`~scorecard.engine.record` copies it with one more
``INSERT … SELECT`` into the ``evidence`` table of the run, sealed with it. A reader
(``scorecard explain``, statements, ``--format json --ledger``, ``EmployeeResult.explained()``)
expands each placeholder, in its place, into the lines its renderer makes: the same sentences,
in the same order, with the same refs as lines made one by one.

The contract (version :data:`EVIDENCE_VERSION`; docs/plugins.md "Evidence rows"):

- the ``SELECT`` returns ``employee_id`` and any of :data:`EVIDENCE_COLUMNS`, by name (aliases),
  one row per record, ordered as the lines are to read within an employee (``ORDER BY
  employee_id, ...``); rows of employees outside the evaluation are ignored;
- a renderer is ``render(row, args) -> Line`` (``row``: an :class:`EvidenceRow`, ``args``: the
  Evidence's ``args``, JSON-able), registered with :func:`renderer` under a name and a version;
  a stored run names the renderer and version it was recorded with. Keep a renderer's output
  stable for a given version: stored runs are rendered by it later;
- plain ``Line`` objects keep working everywhere: a plugin that returns them is unchanged.
"""

import itertools
import json
from collections import namedtuple

from .errors import EvaluationError

#: version of this contract (the columns and the renderer signature)
EVIDENCE_VERSION = 1
#: the data columns of an evidence row, besides run, employee, group and order: the source
#: ``line`` (``_line``), a ``ref`` (the record's id, e.g. a contact id), the record's time
#: ``at`` (stored timestamp), the measured ``value``, the ``lim`` it was held to, the case
#: ``kind`` (an index into the renderer's arguments), ``points`` moved, and a free ``note``
EVIDENCE_COLUMNS = ("line", "ref", "at", "value", "lim", "kind", "points", "note")
EvidenceRow = namedtuple("EvidenceRow", ("employee_id", *EVIDENCE_COLUMNS))
#: the prefix of a placeholder's ``ref`` in the explanations table: ``evidence:<group>``
PLACEHOLDER = "evidence:"
TEMP = "scorecard_evidence"

_RENDERERS: dict[str, tuple[int, object]] = {}


def renderer(name: str, version: int = 1):
    """Register ``render(row, args) -> Line`` under ``name`` (a decorator)."""
    def deco(fn):
        _RENDERERS[name] = (version, fn)
        return fn
    return deco


def get_renderer(name: str):
    """``(version, render)`` of a registered renderer; plugins register theirs when they are
    imported, so an unknown name loads the installed plugins once more before giving up."""
    if name not in _RENDERERS:
        from .registry import get_registry

        get_registry()
    return _RENDERERS.get(name)


def _missing_line(rule, name, n):
    from .types import Line

    return Line(rule, f"{rule}: {n} evidence row(s) kept; their renderer {name!r} is not "
                      f"installed (install the plugin that made this run to read them)")


def render_rows(rule, name, args, rows) -> list:
    """The lines of one placeholder's evidence rows."""
    found = get_renderer(name)
    if found is None:
        return [_missing_line(rule, name, len(rows))] if rows else []
    render = found[1]
    return [render(r, args) for r in rows]


_tokens = itertools.count(1)


class Book:
    """The evidence of one evaluation, in a temporary table of the store's connection: each
    :class:`~scorecard.types.Evidence` of the ledger is one group, selected once."""

    def __init__(self, conn):
        self.conn = conn
        self.token = next(_tokens)
        self.groups: dict[int, object] = {}  # id(Evidence) -> group number
        self.evidence: list = []  # Evidence, by group number - 1
        self._rows = None  # {(group, employee_id): [EvidenceRow]} once read
        self._filled = None  # {(group, employee_id)} with at least one row, once read
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {TEMP} (id INTEGER PRIMARY KEY, "
                     f"book INTEGER, grp INTEGER, employee_id TEXT, "
                     f"{', '.join(EVIDENCE_COLUMNS)})")

    def add(self, ev) -> int:
        """Select ``ev``'s rows into the book (once per Evidence object); its group number."""
        grp = self.groups.get(id(ev))
        if grp is not None:
            return grp
        grp = len(self.evidence) + 1
        cur = self.conn.execute(f"SELECT * FROM ({ev.select}) LIMIT 0", tuple(ev.params))
        cols = [d[0] for d in cur.description]
        bad = [c for c in cols if c not in EVIDENCE_COLUMNS and c != "employee_id"]
        if "employee_id" not in cols or bad:
            raise EvaluationError(
                f"evidence of rule {ev.rule!r} (renderer {ev.renderer!r}): its SELECT returns "
                f"{', '.join(cols)}; it must return employee_id and only columns named "
                f"{', '.join(EVIDENCE_COLUMNS)} (docs/plugins.md, evidence rows)")
        names = ", ".join(cols)
        self.conn.execute(f"INSERT INTO temp.{TEMP} (book, grp, {names}) SELECT ?, ?, {names} "
                          f"FROM ({ev.select})", (self.token, grp, *ev.params))
        self.groups[id(ev)] = grp
        self.evidence.append(ev)
        self._rows = self._filled = None
        return grp

    def filled(self, grp, employee_id) -> bool:
        """Whether the group has rows for the employee (a placeholder without any is not
        stored: it would render nothing)."""
        if self._filled is None:
            self._filled = set(self.conn.execute(
                f"SELECT DISTINCT grp, employee_id FROM temp.{TEMP} WHERE book = ?",
                (self.token,)))
        return (grp, employee_id) in self._filled

    def rows(self, grp, employee_id) -> list:
        if self._rows is None:
            out: dict = {}
            for g, *row in self.conn.execute(
                    f"SELECT grp, employee_id, {', '.join(EVIDENCE_COLUMNS)} FROM temp.{TEMP} "
                    f"WHERE book = ? ORDER BY id", (self.token,)):
                out.setdefault((g, row[0]), []).append(EvidenceRow(*row))
            self._rows = out
        return self._rows.get((grp, employee_id), [])

    def expand(self, employee_id, lines) -> list:
        """``lines`` with each Evidence replaced by the lines it renders for the employee."""
        from .types import Evidence

        out = []
        for ln in lines:
            if isinstance(ln, Evidence):
                out += render_rows(ln.rule, ln.renderer, ln.args,
                                   self.rows(self.add(ln), employee_id))
            else:
                out.append(ln)
        return out

    def group_rows(self) -> list[dict]:
        """The ``evidence_groups`` rows of the book (without the run id)."""
        out = []
        for grp, ev in enumerate(self.evidence, 1):
            found = get_renderer(ev.renderer)
            out.append({"grp": grp, "rule": ev.rule, "renderer": ev.renderer,
                        "version": found[0] if found else None, "source": ev.source,
                        "args": json.dumps(ev.args, ensure_ascii=False, sort_keys=True)})
        return out

    def shipped(self, uses) -> dict:
        """The book's groups and rows as plain data, for a run stored by another process (a
        group run's worker): ``uses`` is ``{(group, employee_id)}`` of the placeholders kept."""
        self.mark_used(uses)
        rows = self.conn.execute(f"SELECT {self._kept()}", (self.token,)).fetchall()
        return {"groups": self.group_rows(), "rows": rows}

    def copy_sql(self, run_id):
        """``(sql, params)`` copying the kept rows (see :meth:`mark_used`) into ``evidence``."""
        return (f"INSERT INTO evidence (run_id, employee_id, grp, n, "
                f"{', '.join(EVIDENCE_COLUMNS)}) SELECT ?, {self._kept()}", (run_id, self.token))

    def _kept(self) -> str:
        """``employee_id, grp, n, <columns> FROM ...`` of the rows of the placeholders kept (see
        :meth:`mark_used`), in stored order; its one parameter is the book's token."""
        tcols = ", ".join(f"t.{c}" for c in EVIDENCE_COLUMNS)
        return (f"t.employee_id, t.grp, t.id, {tcols} FROM temp.{TEMP} t JOIN "
                f"temp.{TEMP}_use u ON u.book = t.book AND u.grp = t.grp AND "
                f"u.employee_id = t.employee_id WHERE t.book = ? "
                f"ORDER BY t.employee_id, t.grp, t.id")

    def mark_used(self, uses):
        """Note which ``(group, employee_id)`` placeholders the run keeps."""
        self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {TEMP}_use (book INTEGER, "
                          f"grp INTEGER, employee_id TEXT, PRIMARY KEY (book, grp, employee_id))")
        self.conn.execute(f"DELETE FROM temp.{TEMP}_use WHERE book = ?", (self.token,))
        self.conn.executemany(f"INSERT OR IGNORE INTO temp.{TEMP}_use VALUES (?, ?, ?)",
                              [(self.token, g, e) for g, e in uses])

    def drop(self):
        """Free the temporary rows (the evaluation is no longer needed)."""
        try:
            self.conn.execute(f"DELETE FROM temp.{TEMP} WHERE book = ?", (self.token,))
        except Exception:  # noqa: BLE001 - a closed connection has nothing to free
            pass


def placeholder_ref(grp: int) -> str:
    return f"{PLACEHOLDER}{grp}"


def stored_lines(conn, run_id, employee_id, lines: list[dict]) -> list[dict]:
    """A stored run's explanation rows of one employee with each placeholder (``text`` NULL,
    ``ref`` ``evidence:<group>``) replaced by its rendered lines, numbered 1.. again."""
    if not any(_placeholder_group(ln) is not None for ln in lines):
        return lines
    from .numbers import to_text

    groups = {g: (rule, name, json.loads(args)) for g, rule, name, args in conn.execute(
        "SELECT grp, rule, renderer, args FROM evidence_groups WHERE run_id = ?", (run_id,))}
    by_grp: dict = {}
    for g, *row in conn.execute(
            f"SELECT grp, employee_id, {', '.join(EVIDENCE_COLUMNS)} FROM evidence WHERE "
            f"run_id = ? AND employee_id = ? ORDER BY grp, n", (run_id, employee_id)):
        by_grp.setdefault(g, []).append(EvidenceRow(*row))
    out = []
    for ln in lines:
        g = _placeholder_group(ln)
        if g is not None:
            rule, name, args = groups.get(g, (ln["rule"], "?", {}))
            for x in render_rows(rule, name, args, by_grp.get(g, [])):
                out.append({"seq": None, "rule": x.rule, "text": x.text,
                            "points": to_text(x.points), "ref": x.ref})
        else:
            out.append(dict(ln))
    for n, ln in enumerate(out, 1):
        ln["seq"] = n
    return out


def _placeholder_group(ln) -> int | None:
    """The group of an explanation row that is a placeholder (``text`` NULL, ``ref``
    ``evidence:<group>``), else None."""
    ref = ln["ref"]
    if ln["text"] is None and ref and ref.startswith(PLACEHOLDER):
        return int(ref[len(PLACEHOLDER):])
    return None


def placeholder_uses(lines) -> set:
    """``{(group, employee_id)}`` of the placeholder rows among explanation rows."""
    return {(g, ln["employee_id"]) for ln in lines  # (text first: most rows have one)
            if ln["text"] is None and (g := _placeholder_group(ln)) is not None}


def as_data(er) -> list[dict]:
    """One employee's evidence as data (``evaluate --format json``; docs/json.md): one entry per
    rule with rows, in ledger order: ``{"rule", "source", "verdict", "columns", "rows"}``, each
    row a list of the values of ``columns``: ``line`` (of the source file), ``ref`` (the
    record's id), ``at`` (its time, as text), ``value`` (measured), ``limit``, ``case`` (the label
    of the rule's case; ``kind``, its index, when the rule has no labels), ``points``, ``note``;
    a column no row has is left out."""
    from .columns import format_timestamp
    from .types import Evidence

    book = er.book
    if book is None:
        return []
    out = []
    for ln in er.lines:
        if type(ln) is not Evidence:
            continue
        rows = book.rows(book.add(ln), er.employee_id)
        if not rows:
            continue
        labels = ln.args.get("labels")
        full = [(r.line, r.ref, None if r.at is None else format_timestamp(r.at), r.value,
                 r.lim, labels[r.kind] if labels and r.kind is not None else r.kind,
                 r.points, r.note) for r in rows]
        names = ("line", "ref", "at", "value", "limit", "case" if labels else "kind", "points",
                 "note")
        keep = [i for i in range(len(names)) if any(x[i] is not None for x in full)]
        entry = {"rule": ln.rule, "source": ln.source, "verdict": ln.args.get("verdict"),
                 "columns": [names[i] for i in keep],
                 "rows": [[x[i] for i in keep] for x in full]}
        out.append({k: v for k, v in entry.items() if v is not None})
    return out
