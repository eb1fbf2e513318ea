"""Files that hold pay are created owner-only (0600): the store and every output we write.

Use these helpers for any file a command creates with results, statements or exports in it::

    from scorecard.private import open_private, private_output, write_private

    write_private(path, text)                 # whole text or bytes, atomically, 0600
    with open_private(path, "w") as f: ...    # a stream, 0600 (tightened if it existed)
    with private_output(path) as tmp:         # a library that saves by name (openpyxl)
        workbook.save(tmp)                    # tmp is 0600; renamed over path on success

``private_output`` and ``write_private`` write beside the target and rename, so a failure
leaves the old file (or none), never half a file.
"""

import contextlib
import os
import tempfile
from pathlib import Path

MODE = 0o600


def create_private(path) -> bool:
    """Create an empty file with mode 0600 unless it exists; True when it was created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def open_private(path, mode: str = "w", **kwargs):
    """``open(path, mode)`` for writing, the file created 0600 (an existing file is truncated
    and its mode tightened to 0600: it is about to hold pay)."""
    if not any(c in mode for c in "wa"):
        raise ValueError("open_private is for writing: mode 'w', 'wb', 'a' or 'ab'")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, MODE)
    try:
        os.fchmod(fd, MODE)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def private_output(path):
    """Yield a temporary 0600 path beside ``path``; renamed over ``path`` when the block ends
    without an error, removed otherwise."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)  # mkstemp creates it 0600
    try:
        yield Path(tmp)
        os.chmod(tmp, MODE)  # a library may have replaced the file with its own default mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_private(path, data, encoding: str = "utf-8"):
    """Write text or bytes to ``path`` atomically, mode 0600."""
    with private_output(path) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding=encoding)
