"""Source readers: CSV (encoding detected), Excel .xlsx, a SQLite table or query, JSON lines.

Readers only yield text cells with line numbers; the core maps and coerces columns."""

import codecs
import csv
import json
from pathlib import Path

from scorecard import hookimpl
from scorecard.errors import DataError, ScorecardError
from scorecard.schema import SchemaError
from scorecard.sources import RawTable
from scorecard.types import SourceType

SAMPLE = 1 << 16


class _FileSource(SourceType):
    """A reader of one file named by the source's ``path``."""

    def validate(self, spec, path):
        if not spec.path:
            raise SchemaError(f"{path}.path", f"missing: a {self.name} source reads a file; give "
                                              f"path = \"data/FILE\" (relative to the rule set)")
        if len(spec.path) > MAX_PATH or "\x00" in spec.path:
            raise SchemaError(f"{path}.path", f"not a usable file name ({len(spec.path)} "
                              f"characters); give the export's path, relative to the rule set")


#: longer than any real export's path (Linux refuses names over 4,096 bytes anyway)
MAX_PATH = 1024


def _path(spec, base_dir, what) -> Path:
    if not spec.path:
        raise ScorecardError(f"a {what} source needs path = \"...\"")
    p = Path(spec.path)
    p = p if p.is_absolute() else Path(base_dir) / p
    try:
        if p.is_dir():
            raise ScorecardError(f"{p}: is a directory; the source's path names the export "
                                 f"file itself (e.g. data/{what}-export.{what})")
        if not p.exists():
            raise ScorecardError(f"{p}: file not found; put the export there or fix the source "
                                 f"path")
        if not p.is_file():  # a device or a pipe (/dev/zero) never ends
            raise ScorecardError(f"{p}: not a regular file; the source's path names the "
                                 f"export file itself")
    except OSError as e:  # a name too long for the file system, a loop of links ...
        raise ScorecardError(f"{spec.path[:80]}: not a usable path ({e.strerror or e}); fix "
                             f"the source path") from None
    return p


class _Mixed(Exception):
    """Detection found no one encoding: ``line`` is the first line that does not decode as the
    file's main encoding; ``reason`` says what was found."""

    def __init__(self, line, reason):
        self.line, self.reason = line, reason


def detect_encoding(path: Path) -> str:
    """UTF-8 with or without BOM, else GB18030 (a superset of GBK/GB2312, what Excel writes on a
    Chinese Windows), checked over the whole file: a file that is neither, or mixes the two
    (lines pasted from another export), raises :class:`_Mixed` naming the first line that does
    not decode; it is never guessed as some other code page."""
    with open(path, "rb") as f:
        bom = f.read(3) == codecs.BOM_UTF8
        f.seek(0)
        dec = codecs.getincrementaldecoder("utf-8-sig")()
        try:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                dec.decode(chunk)
            dec.decode(b"", final=True)
            return "utf-8-sig" if bom else "utf-8"
        except UnicodeDecodeError:
            pass
        # not UTF-8 throughout: look line by line (only lines with non-ASCII bytes matter)
        f.seek(0)
        utf8, other, gb_bad = [], [], None
        for n, raw in enumerate(f, start=1):
            if raw.isascii():
                continue
            try:
                raw.decode("utf-8-sig" if n == 1 else "utf-8")
                # a Chinese character is three bytes in UTF-8; two-byte sequences can as well
                # be a GBK pair, so they prove nothing
                if any(b >= 0xE0 for b in raw):
                    utf8.append(n)
            except UnicodeDecodeError:
                other.append(n)
            if gb_bad is None:
                try:
                    raw.decode("gb18030")
                except UnicodeDecodeError:
                    gb_bad = n
    if utf8 and other:
        if bom or len(utf8) >= len(other):
            raise _Mixed(other[0], f"mixes encodings: {len(utf8)} line(s) are UTF-8, but "
                                   f"{len(other)} (first this one) are not")
        raise _Mixed(utf8[0], f"mixes encodings: {len(other)} line(s) look like GB18030/GBK, "
                              f"but {len(utf8)} (first this one) are UTF-8")
    if gb_bad is None and not bom:
        return "gb18030"
    line = gb_bad if gb_bad is not None else other[0]
    raise _Mixed(line, f"is neither UTF-8 nor GB18030/GBK{_guess(path)}")


def _guess(path: Path) -> str:
    """A hint only: what charset-normalizer thinks the file is (never used to decode)."""
    from charset_normalizer import from_path

    best = from_path(path).best()
    return f" (it may be {best.encoding})" if best is not None else ""


_ENCODING_FIX = ("re-save the file as UTF-8, or set encoding = \"...\" on the source (e.g. "
                 "\"gb18030\") if every line is in that one encoding")


class CSVSource(_FileSource):
    name = "csv"
    description = "CSV file with a header row; UTF-8 (BOM or not) or GB18030/GBK, detected."

    def validate(self, spec, path):
        super().validate(spec, path)
        d = spec.delimiter
        if len(d) != 1 or d in "\r\n\"" or d.isalnum():
            raise SchemaError(f"{path}.delimiter", f"expected one character that separates the "
                              f"cells (\",\", \";\", \"\\t\" ...), got {d!r}")
        if spec.encoding != "auto":
            _check_encoding(spec.encoding, f"{path}.encoding")

    def read(self, spec, base_dir):
        path = _path(spec, base_dir, "csv")
        if spec.encoding == "auto":
            try:
                enc = detect_encoding(path)
            except _Mixed as m:
                raise DataError([(f"{path.name}:{m.line}", f"the file {m.reason}; cannot tell "
                                  f"its encoding")], hint=f"Fix: {_ENCODING_FIX}.") from None
        else:
            enc = spec.encoding
            try:
                _check_encoding(enc, "encoding")
            except SchemaError as e:
                raise ScorecardError(f"{path}: {e.reason}") from None
        f = open(path, encoding=enc, newline="")
        reader = csv.reader(f, delimiter=spec.delimiter)
        try:
            header = next(reader)
        except StopIteration:
            f.close()
            raise DataError([(f"{path.name}:1", "empty file: expected a header row")]) from None
        except UnicodeError as e:
            f.close()
            raise DataError([(f"{path.name}:{_bad_line(path, enc)}",
                              f"cannot be read as {enc} ({getattr(e, 'reason', e)}); set "
                              f"encoding = \"...\" on the source (e.g. \"gb18030\"), or "
                              f"\"auto\"")]) from None
        except csv.Error as e:  # a header cell over the field limit, a stray quote ...
            f.close()
            raise DataError([(f"{path.name}:{reader.line_num or 1}", f"bad CSV header: {e}")]) \
                from None

        def rows():
            try:
                with f:
                    start = reader.line_num + 1
                    for cells in reader:
                        yield start, cells
                        start = reader.line_num + 1
            except UnicodeError as e:
                raise DataError([(f"{path.name}:{_bad_line(path, enc)}",
                                  f"cannot be read as {enc} ({getattr(e, 'reason', e)}); set "
                                  f"encoding = \"...\" on the source, or \"auto\"")]) from None
            except csv.Error as e:
                raise DataError([(f"{path.name}:{reader.line_num}", f"bad CSV: {e}")]) from None

        return RawTable(file=path.name, header=header, rows=rows())


def _check_encoding(enc, key):
    """A text codec Python knows (rot13 and base64 are codecs too, but not of text)."""
    try:
        info = codecs.lookup(enc)
    except LookupError:
        raise SchemaError(key, f"unknown encoding {enc!r}; use \"auto\" (UTF-8 or GB18030, "
                          f"detected) or a codec such as \"utf-8\", \"gb18030\"") from None
    if not getattr(info, "_is_text_encoding", True):
        raise SchemaError(key, f"{enc!r} is not a text encoding; use \"auto\", \"utf-8\" or "
                          f"\"gb18030\"")


def _bad_line(path: Path, enc: str) -> int:
    """The line of the first byte that does not decode (text files decode in blocks, so the
    reader's own line count is not where the bad byte is)."""
    dec = codecs.getincrementaldecoder(enc)()
    with open(path, "rb") as f:
        for n, raw in enumerate(f, start=1):
            try:
                dec.decode(raw)
            except UnicodeError:
                return n
    return 1


class XLSXSource(_FileSource):
    name = "xlsx"
    description = "Excel .xlsx workbook: one sheet (sheet = \"name\", default the first)."

    def read(self, spec, base_dir):
        import openpyxl

        path = _path(spec, base_dir, "xlsx")
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:
            # what a broken or mislabelled file raises varies (BadZipFile, KeyError, XML
            # errors); to the user it is one thing: this is not a workbook we can read
            raise ScorecardError(f"{path}: not an .xlsx workbook that can be read "
                                 f"({type(e).__name__}: {str(e)[:120]}); save it from Excel as "
                                 f".xlsx, or use type = \"csv\" for a CSV file") from None
        if spec.sheet is not None and spec.sheet not in wb.sheetnames:
            raise ScorecardError(f"{path}: no sheet {spec.sheet!r} (sheets: "
                                 f"{', '.join(wb.sheetnames)})")
        ws = wb[spec.sheet] if spec.sheet else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [_cell(c) for c in next(it, ())]
        where = f"{path.name}[{ws.title}]"

        def rows():
            for n, row in enumerate(it, start=2):
                yield n, [_cell(c) for c in row]
            wb.close()

        # a date in a sheet may be a plain number (Excel's serial day) when its cell has no
        # date format
        return RawTable(file=where, header=header, rows=rows(), excel_serials=True)


def _cell(value) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        us = value.microsecond
        if us and (us <= 1000 or us >= 999000):
            # Excel keeps a time as a binary fraction of a day: 09:05 may read back as
            # 09:04:59.999999; within a millisecond of a whole second is that second
            value = value.replace(microsecond=0) + dt.timedelta(seconds=us >= 999000)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # Excel keeps binary floats and shows 15 significant digits: 0.1 + 0.2 is "0.3" there
        return format(value, ".15g")
    return str(value)


class SQLiteSource(_FileSource):
    name = "sqlite"
    description = "A table (table = \"...\") or query (query = \"SELECT ...\") in a SQLite file."

    def validate(self, spec, path):
        super().validate(spec, path)
        if bool(spec.table) == bool(spec.query):
            raise SchemaError(path, "give exactly one of table = \"...\" or query = \"...\"")

    def read(self, spec, base_dir):
        import sqlite3  # here, not at the top: `scorecard --help` imports every built-in plugin

        path = _path(spec, base_dir, "sqlite")
        if bool(spec.table) == bool(spec.query):
            raise ScorecardError(f"{path}: give exactly one of table = \"...\" or query = \"...\"")
        from scorecard.sql import quote

        # read-only twice over: the file opened mode=ro, and an authorizer that lets a query
        # only read (no ATTACH, VACUUM INTO, PRAGMA or writes: a rule set cannot copy or change
        # a database through its query)
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.set_authorizer(_only_reads)
        sql = spec.query or f"SELECT * FROM {quote(spec.table)}"
        try:
            cur = conn.execute(sql)
        except sqlite3.DatabaseError as e:
            conn.close()
            if "not authorized" in str(e) or "authorization denied" in str(e):
                raise ScorecardError(
                    f"{path}: query refused ({e}): a sqlite source may only read: one SELECT, "
                    f"without ATTACH, VACUUM, PRAGMA or writes; fix the source's query") \
                    from None
            raise ScorecardError(f"{path}: {e}") from None
        except sqlite3.Warning as e:  # several statements in one query
            conn.close()
            raise ScorecardError(f"{path}: {e}; give one SELECT as the source's query") from None
        header = [d[0] for d in cur.description]

        def rows():
            with conn:
                for n, row in enumerate(cur, start=1):
                    yield n, ["" if v is None else str(v) for v in row]
            conn.close()

        return RawTable(file=f"{path.name}:{spec.table or 'query'}", header=header, rows=rows())


#: functions a source query may not call (they reach outside the database)
_DENIED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}


def _only_reads(action, arg1, arg2, db_name, trigger):
    """SQLite authorizer for source queries: reading tables, functions and recursive CTEs."""
    import sqlite3

    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() not in _DENIED_FUNCTIONS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


class JSONLinesSource(_FileSource):
    name = "jsonl"
    description = "JSON lines: one object per line; keys are the columns."

    def read(self, spec, base_dir):
        path = _path(spec, base_dir, "jsonl")
        # objects need not all carry every key: the header is what the rule set declares
        header = [c.get("header", n) if isinstance(c, dict) else n
                  for n, c in spec.columns.items()]

        def rows():
            seen, last = set(), 0
            with open(path, "rb") as f:
                for n, raw in enumerate(f, start=1):
                    try:
                        line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
                    except UnicodeDecodeError as e:
                        raise DataError([(f"{path.name}:{n}", f"not UTF-8 ({e.reason}); JSON "
                                          f"lines are UTF-8: re-save the file as UTF-8")]) \
                            from None
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                        if not isinstance(obj, dict):
                            raise ValueError("not an object")
                    except ValueError as e:
                        raise DataError([(f"{path.name}:{n}", f"not a JSON object: {e}")]) \
                            from None
                    seen.update(obj)
                    last = n
                    nested = [h for h in header if isinstance(obj.get(h), dict | list)]
                    if nested:
                        raise DataError([(f"{path.name}:{n}:{nested[0]}", "a nested JSON value; "
                                          "give a plain string, number or boolean")])
                    yield n, ["" if obj.get(h) is None else _json_cell(obj.get(h))
                              for h in header]
            # a key no object carries is a mis-mapped column, not a column of blanks
            never = [h for h in header if h not in seen]
            if last and never:
                raise DataError([(f"{path.name}:1", f"key(s) {', '.join(map(repr, never))} "
                                  f"appear in no object (keys seen: {', '.join(sorted(seen))})")],
                                hint="Fix the key in the export, or map the column with "
                                     "header = \"...\" in the source's columns.")

        return RawTable(file=path.name, header=header, rows=rows())


def _json_cell(v) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


@hookimpl
def register_source_types(register):
    register(CSVSource())
    register(XLSXSource())
    register(SQLiteSource())
    register(JSONLinesSource())
