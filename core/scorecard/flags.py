"""Flags: named consequences raised by a scorecard's ``flags`` conditions (RULES.md §3: "serious
handling" below 60, "rework" when first-time fix is below 60 %, ...). A flag changes no number;
it is stored with the result (the results row's ``data`` JSON), shown by ``evaluate``,
``explain`` and ``report`` and counted by ``report`` and ``sites``."""

import json


def flag_dict(f, reason: str = "") -> dict:
    """A raised flag as stored and shown: its id, its English and Chinese labels and why
    (``score 59.53 < 60``)."""
    return {"id": f.id, "label": f.label or f.id, "label_zh": f.label_zh, "reason": reason}


def stored_flags(result_row) -> list:
    """The flags of a stored results row (its ``data`` JSON), ``[]`` when none."""
    data = result_row.get("data")
    if not data:
        return []
    return json.loads(data).get("flags", [])


def count_flags(rows) -> dict:
    """``{flag id: number of rows raising it}`` over result dicts with a ``flags`` list."""
    counts: dict = {}
    for r in rows:
        for f in r.get("flags") or []:
            counts[f["id"]] = counts.get(f["id"], 0) + 1
    return counts
