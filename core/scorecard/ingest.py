"""Load a rule set's sources into the store: map columns, coerce every cell, validate keys and
employee ids, and write all of it in one transaction, or nothing."""

import hashlib
import json
import operator
import sqlite3
from pathlib import Path

import attrs

from .columns import (
    BOOL_TEXTS,
    SQL_TYPES,
    WHITESPACE,
    column_converter,
    kept_choices,
    make_converter,
    sql_column,
    sql_literal,
)
from .errors import DataError, EvaluationError, Problems, ScorecardError
from .registry import get_registry
from .schema import did_you_mean
from .speed import gc_paused
from .sql import quote
from .store import Store, now_text, source_table


def source_fingerprint(rs, name) -> str:
    """Content fingerprint of a source: its declaration plus the bytes of its input."""
    spec, cols = rs.sources[name], rs.columns[name]
    h = hashlib.sha256()
    h.update(repr((spec, sorted(cols.items()))).encode())
    path = input_path(rs, name)
    if path is not None:
        try:
            is_dir = path.is_dir()
        except OSError as e:  # a name too long for the file system ...
            raise ScorecardError(f"{rs.path}: sources.{name}.path: not a usable path "
                                 f"({e.strerror or e}); give the export's file") from None
        if is_dir:
            raise ScorecardError(f"{rs.path}: sources.{name}.path: {path} is a directory; name "
                                 f"the export file itself") from None
        if path.exists() and not path.is_file():
            # a device or a pipe (/dev/zero) would be read, and hashed, forever
            raise ScorecardError(f"{rs.path}: sources.{name}.path: {path} is not a regular "
                                 f"file; name the export file itself") from None
        if not path.exists() and spec.optional:
            h.update(b"absent")  # an optional source without its file: an empty table
            return h.hexdigest()
        if not path.exists():
            raise ScorecardError(
                f"{rs.path}: sources.{name}.path: file {path} not found; put the export there "
                f"or change the path")
        try:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        except OSError as e:
            raise ScorecardError(f"{rs.path}: sources.{name}.path: cannot read {path}: "
                                 f"{e.strerror or e}") from None
    return h.hexdigest()


def input_path(rs, name) -> Path | None:
    """A source's file, relative paths taken from the rule set's directory; None without a
    path."""
    spec = rs.sources[name]
    if spec.path is None:
        return None
    p = Path(spec.path)
    return p if p.is_absolute() else rs.base_dir / p


def clean_header(names) -> list[str]:
    """A file's header as the declared columns are matched against it: None as "", surrounding
    spaces and a byte-order mark (Excel's UTF-8 CSV) removed."""
    return [(h or "").strip().lstrip("\ufeff") for h in names]


def column_position(header: list[str], lowered: dict, want: str) -> int | None:
    """Where column ``want`` is in ``header``: the exact name, else ignoring case (``lowered``:
    ``{name.lower(): position}``); None when it is not there."""
    if want in header:
        return header.index(want)
    return lowered.get(want.lower())


def data_fingerprint(fingerprints: dict) -> str:
    """One fingerprint for all the sources' fingerprints (``{source: fingerprint}``)."""
    return hashlib.sha256(json.dumps(fingerprints, sort_keys=True).encode()).hexdigest()


def _create_table(conn, table, cols, spec):
    conn.execute(f"DROP TABLE IF EXISTS {quote(table)}")
    defs = ["_line INTEGER NOT NULL"] + [f"{quote(c)} {SQL_TYPES[s.type]}" for c, s in cols.items()]
    if "employee_id" in cols and spec.period_by:
        # clustered by employee and time: per-employee GROUP BY over a period reads in order
        pk = f"PRIMARY KEY (employee_id, {quote(spec.period_by)}, _line)"
        conn.execute(f"CREATE TABLE {quote(table)} ({', '.join(defs)}, {pk}) WITHOUT ROWID")
    else:
        conn.execute(f"CREATE TABLE {quote(table)} ({', '.join(defs)}, PRIMARY KEY (_line))")


BATCH = 50_000  # rows converted and inserted at a time


def _blank(cells) -> bool:
    try:
        return not "".join(cells).strip()
    except TypeError:  # a reader gave None for a cell
        return not any((c or "").strip() for c in cells)


def _overflow(cells, width) -> bool:
    """Non-blank cells beyond the header (trailing empty cells are common and harmless)."""
    return len(cells) > width and any((c or "").strip() for c in cells[width:])


def _fast_batch(pending, width, positions, converters, bulk, required, defaults, key_pos,
                seen_keys):
    """Convert a batch column by column (see :func:`column_converter`);
    returns the rows, or None when any cell or key is not clean, and then the caller converts
    the batch row by row to report the problems exactly. Changes nothing (``seen_keys`` only on
    success)."""
    try:
        lines = [ln for ln, _ in pending]
        cells = [c for _, c in pending]
        if min(map(len, cells)) < width:
            cells = [c if len(c) >= width else list(c) + [""] * (width - len(c)) for c in cells]
        if max(map(len, cells)) > width and any(_overflow(c, width) for c in cells):
            return None
        columns = list(zip(*cells, strict=False))  # longer rows: extra cells unused
        out = [lines]
        for i, pos in enumerate(positions):
            texts = list(map(str.strip, columns[pos]))
            if "" in texts:
                if defaults[i] is not None:
                    fill = converters[i](str(defaults[i]))
                elif required[i]:
                    return None
                else:
                    fill = None
                done = iter(bulk[i]([t for t in texts if t]))
                vals = [next(done) if t else fill for t in texts]
            else:
                vals = bulk[i](texts)
            out.append(vals)
        if key_pos is not None:
            keys = out[key_pos + 1]
            distinct = set(keys)
            if len(distinct) != len(keys) or not seen_keys.keys().isdisjoint(distinct):
                return None
            seen_keys.update(zip(keys, lines, strict=True))
        return list(zip(*out, strict=True))
    except Exception:  # the row-by-row pass reports (or raises) it exactly
        return None


def _in_source(e: DataError, rs, where: str) -> DataError:
    """A reader's DataError with the rule-set source it read (so "set encoding" names the key:
    ``sources.NAME.encoding`` in which file)."""
    hint = f"The source is {where} in {rs.path}."
    return DataError(e.problems, hint=f"{e.hint}\n{hint}" if e.hint else hint)


def _guarded_read(registry, reader, spec, rs, name):
    """The reader's table, its rows read lazily; a reader that breaks (on open or on any row)
    is named with its plugin and source, a file the system cannot read is a user's error."""
    where = f"sources.{name}"

    def call(fn, *args):
        try:
            return registry.call("source", spec.type, "read", where, fn, *args)
        except OSError as e:
            raise ScorecardError(f"{rs.path}: {where}: cannot read {e.filename or spec.path}: "
                                 f"{e.strerror or e}") from None

    try:
        raw = call(reader.read, spec, rs.base_dir)
    except DataError as e:
        raise _in_source(e, rs, where) from None

    def guarded_rows():
        # one delegating generator, not a call per row: errors of the reader's own iterator
        # land here, the consumer's do not
        try:
            yield from raw.rows
        except DataError as e:
            raise _in_source(e, rs, where) from None
        except (ScorecardError, EvaluationError):
            raise
        except OSError as e:
            raise ScorecardError(f"{rs.path}: {where}: cannot read {e.filename or spec.path}: "
                                 f"{e.strerror or e}") from None
        except Exception as e:
            raise EvaluationError(
                f"plugin {registry.owner_of('source', spec.type)!r} failed: source type "
                f"{spec.type!r}, reading the rows of {where}: {type(e).__name__}: {e}") from e

    return attrs.evolve(raw, rows=guarded_rows())


def _load_source(conn, rs, name, quarantine, problems, quarantined, progress=None):
    spec, cols = rs.sources[name], rs.columns[name]
    registry = get_registry()
    reader = registry.get("source", spec.type, where=f"sources.{name}.type: ")
    path = input_path(rs, name)
    if spec.optional and path is not None and not path.exists():
        # declared optional (an extension of the data contract): no file, no rows
        _create_table(conn, source_table(rs.dataset, name), cols, spec)
        return f"{path.name} (absent, optional)", 0
    raw = _guarded_read(registry, reader, spec, rs, name)
    file = raw.file
    header = clean_header(raw.header)
    index = {}
    lowered = {h.lower(): i for i, h in enumerate(header)}
    missing, absent = [], []
    for c, cs in cols.items():
        want = cs.header or c
        same = [h for h in header if h.lower() == want.lower()]
        if len(same) > 1:
            # "Name" beside "NAME": matching ignores case, so either could be meant
            shown = ", ".join(map(repr, same)) if len(set(same)) > 1 else repr(want)
            raise DataError([(f"{file}:1", f"column {want!r} appears {len(same)} times in the "
                                           f"header ({shown}); which one is meant is unclear")],
                            hint="Rename or remove the extra column in the export.")
        pos = column_position(header, lowered, want)
        if pos is None and cs.optional:
            absent.append(c)
        elif pos is None:
            missing.append(want)
        else:
            index[c] = pos
    if absent and not missing:
        # an optional column the export lacks reads as blank cells, inserted after the file's
        # own columns so that a row with more cells than its header is still refused
        orig = len(header)
        header = header + absent
        index.update({c: orig + i for i, c in enumerate(absent)})
        raw = attrs.evolve(raw, rows=_with_blank_columns(raw.rows, orig, len(absent)))
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
    serials = getattr(raw, "excel_serials", False)
    converters = [make_converter(cols[c], serials) for c in names]
    bulk = [column_converter(cols[c], conv) for c, conv in zip(names, converters, strict=True)]
    required = [cols[c].required for c in names]
    defaults = [cols[c].default for c in names]
    default_texts = [None if d is None else ("1" if d else "0") if isinstance(d, bool) else str(d)
                     for d in defaults]
    key_pos = names.index(spec.key) if spec.key else None
    seen_keys = {}
    width = len(header)
    sql = (f"INSERT INTO {quote(table)} (_line, {', '.join(map(quote, names))}) "
           f"VALUES ({', '.join('?' * (len(names) + 1))})")
    count = 0

    def convert_row(line, cells):
        """``(row, problems)`` of one row: the stored values (``[line, value, ...]``) and
        every bad cell of it as ``(place, reason, cause)``, in column order."""
        bad = []
        out = [line]
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        elif _overflow(cells, width):
            # an unquoted delimiter inside a value ("1,000") shifts every later cell
            why = "cells but the header has fewer columns; quote values that contain the " \
                  "delimiter"
            bad.append((f"{file}:{line}", f"{len(cells)} cells but the header has {width} "
                                          f"columns; quote values that contain the "
                                          f"delimiter", why))
        for i, pos in enumerate(positions if not bad else ()):
            text = cells[pos]
            if text is None or (text := text.strip()) == "":
                if defaults[i] is not None:
                    text = default_texts[i]
                elif required[i]:
                    why = "blank, but this column is required"
                    bad.append((f"{file}:{line}:{names[i]}", why, why))
                    continue
                else:
                    out.append(None)
                    continue
            try:
                out.append(converters[i](text))
            except ValueError as e:
                bad.append((f"{file}:{line}:{names[i]}", str(e),
                            getattr(e, "cause", None) or str(e)))
        return out, bad

    plan = None if quarantine else _sql_plan(cols, names, converters, default_texts, required)
    if plan is not None:
        count = _load_staged(conn, raw.rows, table, names, positions, width, plan, convert_row,
                             file, key_pos, problems, progress, sql,
                             key_pos is not None and cols[spec.key].type == "str")
        _index_period(conn, table, spec)
        return file, count

    def slow(pending):
        """Row by row, exactly as problems are reported: every bad cell of a row, in line
        order (the fast path below falls back to this for any batch that is not clean); a
        quarantined row is set aside with its first problem."""
        out_rows = []
        for line, cells in pending:
            if len(cells) < width:  # a quarantined row is kept as padded
                cells = list(cells) + [""] * (width - len(cells))
            out, bad = convert_row(line, cells)
            if not bad and key_pos is not None:
                k = out[key_pos + 1]
                if k in seen_keys:
                    bad.append((f"{file}:{line}:{spec.key}",
                                f"duplicate {spec.key} {k!r} (first on line {seen_keys[k]})",
                                f"duplicate {spec.key}"))
                else:
                    seen_keys[k] = line
            if bad:
                if quarantine:
                    quarantined.append((rs.dataset, name, file, line, bad[0][1],
                                        json.dumps(list(cells), ensure_ascii=False)))
                else:
                    problems.extend(bad)
                continue
            if not problems:
                out_rows.append(out)
        return out_rows

    def flush(pending):
        nonlocal count
        if not pending:
            return
        rows = None if problems else _fast_batch(pending, width, positions, converters,
                                                 bulk, required, defaults, key_pos,
                                                 seen_keys)
        if rows is None:
            rows = slow(pending)
        if rows and not problems:
            conn.executemany(sql, rows)
            count += len(rows)
            if progress:
                progress(len(rows))

    rows_iter = iter(raw.rows)
    while True:
        pending = []
        try:
            for line, cells in rows_iter:
                if cells is None or _blank(cells):
                    continue  # blank line
                pending.append((line, cells))
                if len(pending) >= BATCH:
                    break
        except BaseException:
            # the rows read so far are checked first, as they were before the reader failed
            flush(pending)
            raise
        flush(pending)
        if len(pending) < BATCH:
            break
    _index_period(conn, table, spec)
    return file, count


def _index_period(conn, table, spec):
    if spec.period_by:
        # built after the load: one sort instead of an index update per row
        conn.execute(f"CREATE INDEX {quote(table + '__period')} ON {quote(table)} "
                     f"({quote(spec.period_by)})")


# -- staged ingest: text into a staging table, converted and checked in SQL ---------------------
WS = {"ws": WHITESPACE}
STAGE, FLAGGED, BAD = "temp._scorecard_stage", "temp._scorecard_flagged", "temp._scorecard_bad"


#: column types whose check is cheaper in Python, a whole column at a time (one set inclusion,
#: one strip of every cell, in C), than in SQL (a comparison per cell in the VDBE: measured
#: 4 µs a row for the contacts' two str, two enum and two bool columns, against 0.3 µs here)
PYTHON_CHECKED = {"str", "enum", "bool"}


def _sql_plan(cols, names, converters, default_texts, required):
    """``(epochs, values, ok, checks)`` of the staged conversion: per declared column the SQL
    of its stored value over ``s{i}`` (the cell as read) and ``u{i}`` (``unixepoch(s{i})``
    when ``epochs[i]``); the SQL of "every SQL-checked cell of the row is one SQL converts
    exactly as Python would"; and ``checks``, the columns checked in Python before staging as
    ``(i, allowed, blank_ok)`` (``allowed``: the accepted cells, or None for text that
    stripping leaves as it is). None when some column has no SQL form (then the source is
    loaded row by row)."""
    epochs, values, oks, checks = [], [], [], []
    for i, c in enumerate(names):
        spec = cols[c]
        form = sql_column(spec)
        if form is None:
            return None
        f, epoch, blank_is_null = form
        s, u = f"s{i}", f"u{i}"
        value, ok = f(s, u)
        epochs.append(epoch)
        blank = None  # a blank cell is Python's to report
        if default_texts[i] is not None:
            try:  # a blank cell reads as the default, converted as a cell would be
                blank = sql_literal(converters[i](default_texts[i]))
            except ValueError:
                pass
        elif not required[i]:
            blank = "NULL"
        if spec.type in PYTHON_CHECKED:
            allowed = None
            if spec.type == "enum":
                allowed = set(kept_choices(spec))
            elif spec.type == "bool":
                allowed = set(BOOL_TEXTS)
            if allowed is not None and blank is not None:
                allowed.add("")
            checks.append((i, allowed, blank is not None))
            ok = None
        if blank is None:
            values.append(value)
            if ok is not None:
                oks.append(f"{s} <> '' AND {ok}")
            continue
        values.append(value if blank == "NULL" and blank_is_null
                      else f"CASE {s} WHEN '' THEN {blank} ELSE {value} END")
        if ok is not None:
            oks.append(f"({s} = '' OR {ok})")
    # in a WHERE clause AND and OR stop at the first operand that decides (in a value they
    # do not): the row's test is used as a condition only
    return epochs, values, f"({' AND '.join(oks) or '1'})", checks


def _python_checks(batch, checks) -> set:
    """The rows of ``batch`` (lists of cells) some Python-checked column does not take as it
    is: a cell stripping would change, a blank where a value is required, a value not among
    the enum's or the booleans' usual spellings (Python then converts or reports them)."""
    bad = set()
    for i, allowed, blank_ok in checks:
        col = list(map(operator.itemgetter(i), batch))
        if allowed is None:
            try:
                if list(map(str.strip, col)) == col and (blank_ok or "" not in col):
                    continue
            except TypeError:  # a reader gave None for a cell
                pass
            bad.update(j for j, v in enumerate(col)
                       if type(v) is not str or v != v.strip() or not (v or blank_ok))
        elif not allowed.issuperset(col):
            bad.update(j for j, v in enumerate(col) if v not in allowed)
    return bad


def _load_staged(conn, rows, table, names, positions, width, plan, convert_row, file, key_pos,
                 problems, progress, insert, text_key):
    """Load one source through a staging table: the rows' text goes in as it is (BATCH rows at
    a time, so memory does not grow with the file), the text, enum and boolean columns checked
    by Python a whole column at a time on the way, then one INSERT ... SELECT converts and
    checks the other cells in SQL into the typed table; only the rows not taken (another
    spelling Python accepts, or a problem) are converted in Python, by the same code and with
    the same messages as row by row. Duplicate keys are found in SQL after the load. Every
    problem goes to ``problems`` in line order, as the row-by-row path reports them; the rows
    are written anyway (the caller's transaction is rolled back when there are problems).
    ``key_pos``: the key's place in ``names`` (None without a key), ``text_key``: the key is
    stored as read (a str column); ``insert``: the typed table's INSERT of
    ``[line, value, ...]``. Returns the number of rows stored."""
    epochs, values, ok, checks = plan
    n = len(names)
    whole = positions == list(range(width))  # every cell is a declared column, in order
    cells_sql = ", ".join(f"s{i}" for i in range(n))
    conn.execute(f"DROP TABLE IF EXISTS {STAGE}")
    conn.execute(f"DROP TABLE IF EXISTS {FLAGGED}")
    conn.execute(f"CREATE TABLE {STAGE} ({cells_sql}, _line)")
    # rows SQL did not take, and rows with more cells than the header (_raw: the reader's
    # cells as JSON), converted by Python after the load, in line order
    conn.execute(f"CREATE TABLE {FLAGGED} ({cells_sql}, _line, _raw)")
    stage_sql = f"INSERT INTO {STAGE} VALUES ({', '.join('?' * (n + 1))})"
    # each timestamp's number computed once per row: a subquery with LIMIT under an outer
    # WHERE is not flattened into it but run as a co-routine
    epoch_sql = "".join(f", unixepoch(s{i}) AS u{i}" for i in range(n) if epochs[i])
    staged = f"(SELECT _line, {cells_sql}{epoch_sql} FROM {STAGE} LIMIT -1)"
    cols_sql = ", ".join(map(quote, names))
    convert_sql = (f"INSERT INTO {quote(table)} (_line, {cols_sql}) SELECT _line, "
                   f"{', '.join(values)} FROM {staged} WHERE {ok}")
    flag_sql = (f"INSERT INTO {FLAGGED} SELECT {cells_sql}, _line, NULL FROM {staged} "
                f"WHERE {ok} IS NOT 1")  # false or NULL
    odd = []
    count = 0
    # Keys that rise from row to row (exports are usually in key order) cannot repeat: then the
    # duplicate check after the load is not needed. Text keys only (they are stored as read).
    rising = text_key
    last_key = None

    def still_rising(batch):
        nonlocal last_key
        keys = list(map(operator.itemgetter(key_pos), batch))
        if not keys:
            return True
        if (last_key is not None and not keys[0] > last_key) or keys != sorted(keys) \
                or len(set(keys)) != len(keys):
            return False
        last_key = keys[-1]
        return True

    def flush(batch):
        nonlocal count, rising
        if not batch and not odd:
            return
        if batch and checks:
            bad = _python_checks(batch, checks)
            if bad:  # straight to Python's turn, with the cells as read
                conn.executemany(f"INSERT INTO {FLAGGED} VALUES ({', '.join('?' * (n + 2))})",
                                 [[*batch[j], None] for j in sorted(bad)])
                batch = [r for j, r in enumerate(batch) if j not in bad]
        if batch and rising:
            rising = still_rising(batch)
        if batch:
            conn.executemany(stage_sql, batch)
            done = conn.execute(convert_sql, WS).rowcount
            if done < len(batch):
                conn.execute(flag_sql, WS)
            conn.execute(f"DELETE FROM {STAGE}")
            count += done
            if progress and done:
                progress(done)
        if odd:
            conn.executemany(f"INSERT INTO {FLAGGED} (_line, _raw) VALUES (?, ?)", odd)
            odd.clear()

    pick = None if whole else operator.itemgetter(*positions)
    try:
        it = iter(rows)
        while True:
            batch = []
            for line, cells in it:
                if cells is None:
                    continue
                if type(cells) is not list:
                    cells = list(cells)
                if len(cells) != width:
                    if _blank(cells):
                        continue
                    if _overflow(cells, width):  # Python names the problem
                        odd.append((line, json.dumps(cells, ensure_ascii=False)))
                        continue
                    # a short row reads as blank cells, trailing blank cells are nothing
                    cells = cells[:width] + [""] * (width - len(cells))
                first = cells[0] if cells else None
                if not first or first.isspace():  # only then can the row be blank
                    if _blank(cells):
                        continue
                if whole:
                    cells.append(line)
                    batch.append(cells)
                else:
                    picked = pick(cells)
                    batch.append([*picked, line] if n > 1 else [picked, line])
                if len(batch) >= BATCH:
                    break
            flush(batch)
            if len(batch) < BATCH:
                break
        fixed = _convert_flagged(conn, insert, positions, width, whole, convert_row, progress)
        count += fixed
        if key_pos is not None and not (rising and fixed == 0):
            _find_duplicates(conn, table, names[key_pos], file)
        _report_bad(conn, problems)
    finally:
        for t in (STAGE, FLAGGED, BAD):
            conn.execute(f"DROP TABLE IF EXISTS {t}")
    return count


def _convert_flagged(conn, insert, positions, width, whole, convert_row, progress):
    """Python's turn: the rows SQL did not take, in line order, converted (stored) or reported
    (into the problems table) exactly as row by row."""
    conn.execute(f"DROP TABLE IF EXISTS {BAD}")
    conn.execute(f"CREATE TABLE {BAD} (line, place, reason, cause)")
    good, bad, count = [], [], 0
    for *cells, line, raw in conn.execute(f"SELECT * FROM {FLAGGED} ORDER BY _line"):
        if raw is not None:
            cells = json.loads(raw)
        elif not whole:  # only the declared cells were staged: put them where they were
            picked, cells = cells, [""] * width
            for pos, text in zip(positions, picked, strict=True):
                cells[pos] = text
        out, problems = convert_row(line, cells)
        if problems:
            bad.extend((line, *p) for p in problems)
        else:
            good.append(out)
        if len(good) + len(bad) >= BATCH:
            count += _flush_flagged(conn, insert, good, bad, progress)
    return count + _flush_flagged(conn, insert, good, bad, progress)


def _flush_flagged(conn, insert, good, bad, progress):
    n = len(good)
    if good:
        conn.executemany(insert, good)
        if progress:
            progress(n)
    if bad:
        conn.executemany(f"INSERT INTO {BAD} VALUES (?, ?, ?, ?)", bad)
    good.clear()
    bad.clear()
    return n


def _find_duplicates(conn, table, key, file):
    """Rows whose key an earlier stored row has, as row by row reports them ("first on line
    N"; a blank key is a key too). A unique index tells whether there is any (built by one
    sort, then dropped: cheaper than a GROUP BY, and no key is held in Python); the lines are
    looked up only when there is one."""
    k, t = quote(key), quote(table)
    index = quote(f"{table}__unique_key")
    try:
        conn.execute(f"CREATE UNIQUE INDEX {index} ON {t} ({k})")
    except sqlite3.IntegrityError:
        pass
    else:
        # NULLs do not clash in a unique index; row by row two blank keys are duplicates
        (blanks,) = conn.execute(f"SELECT count(*) FROM {t} WHERE {k} IS NULL").fetchone()
        conn.execute(f"DROP INDEX {index}")
        if blanks < 2:
            return
    rows = conn.execute(
        f"SELECT _line, {k}, first FROM (SELECT _line, {k}, min(_line) OVER w AS first, "
        f"count(*) OVER w AS n FROM {t} WINDOW w AS (PARTITION BY {k})) "
        f"WHERE n > 1 AND _line > first ORDER BY _line")
    conn.executemany(f"INSERT INTO {BAD} VALUES (?, ?, ?, ?)",
                     ((line, f"{file}:{line}:{key}",
                       f"duplicate {key} {value!r} (first on line {first})",
                       f"duplicate {key}") for line, value, first in rows))


def _report_bad(conn, problems):
    for place, reason, cause in conn.execute(
            f"SELECT place, reason, cause FROM {BAD} ORDER BY line, rowid"):
        problems.append((place, reason, cause))


def _with_blank_columns(rows, at: int, n: int):
    """``rows`` with ``n`` blank cells inserted at position ``at`` (a short row padded first)."""
    pad = [""] * n
    for line, cells in rows:
        if cells is None:
            yield line, cells
            continue
        cells = list(cells)
        if len(cells) < at:
            cells += [""] * (at - len(cells))
        yield line, cells[:at] + pad + cells[at:]


def _check_employees(conn, rs, names, quarantine, problems, quarantined):
    emp = source_table(rs.dataset, "employees")
    for name in names:
        if name == "employees" or "employee_id" not in rs.columns[name]:
            continue
        table = source_table(rs.dataset, name)
        cols = list(rs.columns[name])
        rows = conn.execute(
            f"SELECT _line, {', '.join(map(quote, cols))} FROM {quote(table)} WHERE "
            f"employee_id NOT IN (SELECT employee_id FROM {quote(emp)}) ORDER BY _line").fetchall()
        file = rs.file_name(name)
        for line, *values in rows:
            rec = dict(zip(cols, values, strict=True))
            eid = rec["employee_id"]
            reason = f"employee_id {eid!r} is not in {rs.file_name('employees')}"
            if quarantine:
                # the whole stored row: its period column tells which period it would be in
                quarantined.append((rs.dataset, name, file, line, reason,
                                    json.dumps(rec, ensure_ascii=False, default=str)))
            else:
                problems.append((f"{file}:{line}:employee_id", reason))
        if quarantine and rows:
            conn.execute(f"DELETE FROM {quote(table)} WHERE employee_id NOT IN "
                         f"(SELECT employee_id FROM {quote(emp)})")


def _check_ranges(conn, rs, loaded, quarantine, problems, quarantined):
    """The values the rules will refuse in any period (declared by their types'
    ``data_ranges``: a mark above the item's max ...), checked on the rows of each scorecard's
    own employees before the ingest commits: a file holding one is not stored at all."""
    from .context import match_where
    from .numbers import to_fraction

    registry = get_registry()
    emp = source_table(rs.dataset, "employees")
    role = "role" in rs.columns["employees"]
    roles = dict(conn.execute(f"SELECT employee_id, {'role' if role else 'NULL'} "
                              f"FROM {quote(emp)}"))
    for sc in rs.scorecards.values():
        members = {e for e, r in roles.items() if rs.scorecard_for_role(r or "") is sc}
        for kind, type_name, spec, path in sc.typed_specs():
            fn = getattr(registry.get(kind, type_name), "data_ranges", None)
            if fn is None:
                continue
            ranges = registry.call(kind, type_name, "data_ranges", path, fn, rs, sc, spec) or ()
            for r in ranges:
                if r.source not in loaded or "employee_id" not in rs.columns.get(r.source, {}):
                    continue
                table = source_table(rs.dataset, r.source)
                where, params = match_where(rs, r.source, r.match)
                file = rs.file_name(r.source)
                bad_lines = []
                for line, eid, value in conn.execute(
                        f"SELECT _line, employee_id, {quote(r.column)} FROM {quote(table)} "
                        f"WHERE {where} ORDER BY _line", params):
                    if value is None or eid not in members:
                        continue
                    reason = r.check(to_fraction(value))
                    if reason is None:
                        continue
                    if quarantine:
                        quarantined.append((rs.dataset, r.source, file, line, reason,
                                            json.dumps([eid, str(value)])))
                        bad_lines.append(line)
                    else:
                        problems.append((f"{file}:{line}:{r.column}", reason))
                if bad_lines:
                    conn.executemany(f"DELETE FROM {quote(table)} WHERE _line = ?",
                                     [(n,) for n in bad_lines])


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
    problems, quarantined = Problems(), []
    # Rows arrive in file (time) order but the table is clustered by employee: every employee's
    # range grows at its own page. SQLite's default 2 MB page cache evicts and re-reads those
    # pages; 256 MB (allocated only as used) keeps them for ~20k employees during the load.
    (cache_size,) = conn.execute("PRAGMA cache_size").fetchone()
    conn.execute("PRAGMA cache_size = -262144")
    (analysis_limit,) = conn.execute("PRAGMA analysis_limit").fetchone()
    conn.execute("PRAGMA analysis_limit = 1000")
    try:
        # millions of new row tuples would trigger the cyclic collector over and over
        with gc_paused():
            return _ingest(store, rs, conn, todo, fingerprints, report, quarantine, problems,
                           quarantined, progress)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache_size)}")
        conn.execute(f"PRAGMA analysis_limit = {int(analysis_limit)}")


def _ingest(store, rs, conn, todo, fingerprints, report, quarantine, problems, quarantined,
            progress):
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
        if not problems:
            _check_ranges(conn, rs, set(todo), quarantine, problems, quarantined)
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
                    f"SELECT count(*) FROM {quote(source_table(rs.dataset, name))}").fetchone()[0]
            conn.execute("INSERT OR REPLACE INTO _ingests VALUES (?, ?, ?, ?, ?, ?)",
                         (rs.dataset, name, fingerprints[name], file, n, now_text()))
            report[name] = ("ingested", n)
            # Statistics (sampled: analysis_limit) let SQLite answer "this period, per employee"
            # by skipping through the (employee, time) clustered key instead of looking up every
            # row found by the period index: several times faster per rule.
            conn.execute(f"ANALYZE {quote(source_table(rs.dataset, name))}")
    if quarantined:
        report["_quarantined"] = ("quarantined", len(quarantined))
    return report
