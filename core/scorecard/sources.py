"""What a source reader hands to the core: text rows with their line numbers."""

from collections.abc import Iterable

import attrs


@attrs.frozen
class RawTable:
    """``file`` names the input for messages (``contacts.csv``); ``header`` is the list of column
    names as found; ``rows`` yields ``(line_number, [cell, ...])`` with cells as text (None or ""
    for blank). ``fingerprint`` is not used by the core, which fingerprints the source's file
    itself (:func:`scorecard.ingest.source_fingerprint`). ``excel_serials``: date and timestamp
    cells may be Excel's serial day numbers (46296 = 2026-10-01), as in an .xlsx sheet."""

    file: str
    header: list[str]
    rows: Iterable
    fingerprint: str = ""
    excel_serials: bool = False
