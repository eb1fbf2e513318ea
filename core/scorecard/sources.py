"""What a source reader hands to the core: text rows with their line numbers."""

from collections.abc import Iterable

import attrs


@attrs.frozen
class RawTable:
    """``file`` names the input for messages (``contacts.csv``); ``header`` is the list of column
    names as found; ``rows`` yields ``(line_number, [cell, ...])`` with cells as text (None or ""
    for blank). ``fingerprint`` is not used by the core, which fingerprints the source's file
    itself (:func:`scorecard.ingest.source_fingerprint`)."""

    file: str
    header: list[str]
    rows: Iterable
    fingerprint: str = ""
