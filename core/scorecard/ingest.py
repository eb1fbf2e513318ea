"""Load a rule set's sources into the store: map columns, coerce every cell, validate keys and
employee ids, and write all of it in one transaction, or nothing."""

import hashlib
import json
from pathlib import Path

from .columns import SQL_TYPES, make_converter
from .errors import DataError, ScorecardError
from .registry import get_registry
from .schema import did_you_mean
from .store import Store, now_text, source_table


def source_fingerprint(rs, name) -> str:
    """Content fingerprint of a source: its declaration plus the bytes of its input."""
    spec, cols = rs.sources[name], rs.columns[name]
    h = hashlib.sha256()
    h.update(repr((spec, sorted(cols.items()))).encode())
    path = input_path(rs, name)
    if path is not None:
        if not path.exists():
            raise ScorecardError(
                f"{rs.path}: sources.{name}.path: file {path} not found; put the export there "
                f"or change the path")
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def input_path(rs, name) -> Path | None:
    spec = rs.sources[name]
    if spec.path is None:
        return None
    p = Path(spec.path)
    return p if p.is_absolute() else rs.base_dir / p


def data_fingerprint(fingerprints: dict) -> str:
    return hashlib.sha256(json.dumps(fingerprints, sort_keys=True).encode()).hexdigest()


def _create_table(conn, table, cols, spec):
    conn.execute(f"DROP TABLE IF EXISTS [{table}]")
    defs = ["_line INTEGER NOT NULL"] + [f"[{c}] {SQL_TYPES[s.type]}" for c, s in cols.items()]
    if "employee_id" in cols and spec.period_by:
        # clustered by employee and time: per-employee GROUP BY over a period reads in order
        pk = f"PRIMARY KEY (employee_id, [{spec.period_by}], _line)"
        conn.execute(f"CREATE TABLE [{table}] ({', '.join(defs)}, {pk}) WITHOUT ROWID")
    else:
        conn.execute(f"CREATE TABLE [{table}] ({', '.join(defs)}, PRIMARY KEY (_line))")
    if spec.period_by:
        conn.execute(f"CREATE INDEX [{table}__period] ON [{table}] ([{spec.period_by}])")


def _load_source(conn, rs, name, quarantine, problems, quarantined, progress=None):
    spec, cols = rs.sources[name], rs.columns[name]
    reader = get_registry().get("source", spec.type, where=f"sources.{name}.type: ")
    raw = reader.read(spec, rs.base_dir)
    file = raw.file
    header = [(h or "").strip().lstrip("\ufeff") for h in raw.header]
    index = {}
    lowered = {h.lower(): i for i, h in enumerate(header)}
    missing = []
    for c, cs in cols.items():
        want = cs.header or c
        if header.count(want) > 1:
            raise DataError([(f"{file}:1", f"column {want!r} appears {header.count(want)} times "
                                           f"in the header; which one is meant is unclear")],
                            hint="Rename or remove the extra column in the export.")
        if want in header:
            index[c] = header.index(want)
        elif want.lower() in lowered:
            index[c] = lowered[want.lower()]
        else:
            missing.append(want)
    if missing:
        hints = "; ".join(f"{m!r}{did_you_mean(m, header)}" for m in missing)
        raise DataError(
            [(f"{file}:1", f"missing column(s) {hints}; the header has: {', '.join(header)}")],
            hint=f"Fix the export's header, or map a column with "
                 f"[sources.{name}.columns] NAME = {{ type = ..., header = \"...\" }}.")
    table = source_table(rs.dataset, name)
    _create_table(conn, table, cols, spec)
    names = list(cols)
    positions = [index[c] for c in names]
    converters = [make_converter(cols[c]) for c in names]
    required = [cols[c].required for c in names]
    defaults = [cols[c].default for c in names]
    key_pos = names.index(spec.key) if spec.key else None
    seen_keys = {}
    width = len(header)
    sql = (f"INSERT INTO [{table}] (_line, {', '.join(f'[{c}]' for c in names)}) "
           f"VALUES ({', '.join('?' * (len(names) + 1))})")
    batch, count = [], 0
    for line, cells in raw.rows:
        if cells is None or not any((c or "").strip() for c in cells):
            continue  # blank line
        bad = None
        out = [line]
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        for i, pos in enumerate(positions):
            text = cells[pos]
            if text is None or (text := text.strip()) == "":
                if defaults[i] is not None:
                    text = str(defaults[i])
                elif required[i]:
                    bad = (f"{file}:{line}:{names[i]}", "blank, but this column is required")
                    break
                else:
                    out.append(None)
                    continue
            try:
                out.append(converters[i](text))
            except ValueError as e:
                bad = (f"{file}:{line}:{names[i]}", str(e))
                break
        if bad is None and key_pos is not None:
            k = out[key_pos + 1]
            if k in seen_keys:
                bad = (f"{file}:{line}:{spec.key}",
                       f"duplicate {spec.key} {k!r} (first on line {seen_keys[k]})")
            else:
                seen_keys[k] = line
        if bad is not None:
            if quarantine:
                quarantined.append((rs.dataset, name, file, line, bad[1],
                                    json.dumps(list(cells), ensure_ascii=False)))
            else:
                problems.append(bad)
                if len(problems) > 200:
                    raise DataError(problems)
            continue
        if not problems:
            batch.append(out)
            if len(batch) >= 50_000:
                conn.executemany(sql, batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
    if batch and not problems:
        conn.executemany(sql, batch)
        count += len(batch)
        if progress:
            progress(len(batch))
    return file, count


def _check_employees(conn, rs, names, quarantine, problems, quarantined):
    emp = source_table(rs.dataset, "employees")
    for name in names:
        if name == "employees" or "employee_id" not in rs.columns[name]:
            continue
        table = source_table(rs.dataset, name)
        rows = conn.execute(
            f"SELECT _line, employee_id FROM [{table}] WHERE employee_id NOT IN "
            f"(SELECT employee_id FROM [{emp}]) ORDER BY _line").fetchall()
        file = Path(rs.sources[name].path or name).name
        for line, eid in rows:
            reason = f"employee_id {eid!r} is not in employees.csv"
            if quarantine:
                quarantined.append((rs.dataset, name, file, line, reason, json.dumps([eid])))
            else:
                problems.append((f"{file}:{line}:employee_id", reason))
        if quarantine and rows:
            conn.execute(f"DELETE FROM [{table}] WHERE employee_id NOT IN "
                         f"(SELECT employee_id FROM [{emp}])")


def ingest(store: Store, rs, only_changed=True, quarantine=False, progress=None) -> dict:
    """Ingest the rule set's sources. Returns ``{source: (status, rows)}`` with status
    ``"ingested"`` or ``"unchanged"``. Raises :class:`DataError` with every problem found (and
    writes nothing) unless ``quarantine`` is set."""
    fingerprints = {n: source_fingerprint(rs, n) for n in rs.sources}
    todo = []
    report = {}
    for name, fp in fingerprints.items():
        rec = store.ingest_record(rs.dataset, name)
        if (only_changed and rec and rec["fingerprint"] == fp
                and store.has_table(source_table(rs.dataset, name))):
            report[name] = ("unchanged", rec["rows"])
        else:
            todo.append(name)
    if not todo:
        return report
    conn = store.conn
    problems, quarantined = [], []
    with store.transaction():
        if "employees" in todo:
            # employees first: other sources are checked against it
            todo.remove("employees")
            todo.insert(0, "employees")
        counts = {}
        for name in todo:
            counts[name] = _load_source(conn, rs, name, quarantine, problems, quarantined,
                                        progress)
        check = list(rs.sources) if "employees" in todo else todo
        if not problems:
            _check_employees(conn, rs, check, quarantine, problems, quarantined)
        if problems:
            raise DataError(problems, hint="Fix the rows above (or run with --quarantine to keep "
                                           "the good rows and set the bad ones aside).")
        marks = ",".join("?" * len(todo))
        conn.execute(f"DELETE FROM _quarantine WHERE dataset = ? AND source IN ({marks})",
                     [rs.dataset, *todo])
        if quarantined:
            conn.executemany("INSERT INTO _quarantine VALUES (?, ?, ?, ?, ?, ?)", quarantined)
        for name in todo:
            file, n = counts[name]
            if quarantine:
                n = conn.execute(
                    f"SELECT count(*) FROM [{source_table(rs.dataset, name)}]").fetchone()[0]
            conn.execute("INSERT OR REPLACE INTO _ingests VALUES (?, ?, ?, ?, ?, ?)",
                         (rs.dataset, name, fingerprints[name], file, n, now_text()))
            report[name] = ("ingested", n)
    if quarantined:
        report["_quarantined"] = ("quarantined", len(quarantined))
    return report
