"""What a source reader hands to the core: text rows with their line numbers."""

from collections.abc import Iterable

import attrs


@attrs.frozen
class RawTable:
    """``file`` names the input for messages (``contacts.csv``); ``header`` is the list of column
    names as found; ``rows`` yields ``(line_number, [cell, ...])`` with cells as text (None or ""
    for blank). ``fingerprint_bytes`` lets the core fingerprint the input without reading twice."""

    file: str
    header: list[str]
    rows: Iterable
    fingerprint: str = ""
