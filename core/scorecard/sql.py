"""SQL names from rule sets: checked when the rule set loads, quoted wherever they reach SQL.

Source and column names become table and column names in the store, so they must be plain
names (letters, digits, underscore; not starting with a digit; up to 64 characters). Plugins
quote every name they put into SQL with :func:`quote` (``ctx.table(source)`` is already
quoted), never with ``[...]`` or an f-string alone.
"""

import re

#: a source or column name: a letter or underscore, then letters, digits or underscores
NAME = re.compile(r"[^\W\d]\w{0,63}")
#: names the store uses itself in every source table
RESERVED_COLUMNS = ("_line",)


def quote(identifier: str) -> str:
    """An SQL identifier quoted for SQLite (``"a""b"``): safe whatever the name holds."""
    if not isinstance(identifier, str) or "\x00" in identifier:
        raise ValueError(f"not an SQL name: {identifier!r}")
    return '"' + identifier.replace('"', '""') + '"'


def name_problem(name, what: str = "name") -> str | None:
    """Why ``name`` cannot be a source or column name (None when it can)."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return (f"{name!r} is not a valid {what}: use letters, digits and underscores, starting "
                f"with a letter or underscore (at most 64 characters); map an export's own "
                f"header with header = \"...\"")
    if name in RESERVED_COLUMNS:
        return f"{name!r} is reserved (the store's own column); choose another {what}"
    return None


def table_problem(name) -> str | None:
    """Why ``name`` cannot be a sqlite source's ``table`` (any text but control characters)."""
    if not isinstance(name, str) or not name.strip() or len(name) > 128 or any(
            ord(c) < 32 or ord(c) == 127 for c in name):
        return (f"{name!r} is not a table name: give the table's name as it is in the file "
                f"(no control characters, at most 128 characters)")
    return None
