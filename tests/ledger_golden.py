"""The whole ledger of the test bundle's sample month, as text (a helper, not a test module):
``tests/fixtures/ledger/*.txt`` were written by this module from the code BEFORE the ledger
became evidence rows (``python tests/ledger_golden.py``), and test_ledger_evidence.py checks that
the ledger still reads exactly so, in memory and as stored, line by line."""

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "contact_centre"
EXPECTED = HERE / "fixtures" / "ledger"
MODES = ("replace", "additional", "discretionary")
#: rows added to the sample so that open ends ("still open at the period's end") are covered:
#: X1 never answered, X2 answered but never closed, X3 a busy phone call answered after 6 min
EXTRA_CONTACTS = (
    "X0000001,A001,phone,2026-10-20 09:00:00,,,simple,0,\n"
    "X0000002,A002,email,2026-10-21 10:00:00,2026-10-21 10:30:00,,complex,0,\n"
    "X0000003,A003,phone,2026-10-22 11:00:00,2026-10-22 11:06:00,2026-10-22 11:20:00,simple,1,\n"
)


def ledger_text(directory: Path, mode: str) -> str:
    """Every employee's ledger lines, in memory and as stored, for one busy_mode."""
    from scorecard.engine import evaluate, record
    from scorecard.periods import Period
    from scorecard.ruleset import load_ruleset
    from scorecard.store import Store

    directory = Path(directory)
    shutil.copytree(FIXTURE / "data", directory / "data")
    with open(directory / "data" / "contacts.csv", "a", encoding="utf-8") as f:
        f.write(EXTRA_CONTACTS)
    text = (FIXTURE / "scorecard.toml").read_text(encoding="utf-8")
    assert 'busy_mode = "replace"' in text
    (directory / "scorecard.toml").write_text(
        text.replace('busy_mode = "replace"', f'busy_mode = "{mode}"'), encoding="utf-8")
    rs = load_ruleset(directory / "scorecard.toml")
    store = Store(directory / "scorecard.db")
    ev = evaluate(store, rs, Period.parse("2026-10"))
    out = []
    for er in ev.results:
        for ln in er.explained():
            out.append(f"mem\t{er.employee_id}\t{ln.rule}\t{ln.points}\t{ln.ref}\t{ln.text}")
    record(store, ev)
    for er in ev.results:
        for ln in store.explanations(ev.run_id, er.employee_id):
            out.append(f"run\t{er.employee_id}\t{ln['seq']}\t{ln['rule']}\t{ln['points']}\t"
                       f"{ln['ref']}\t{ln['text']}")
    store.conn.close()
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - writes the expected files
    import tempfile

    sys.path.insert(0, str(HERE))
    import fixture_bundle

    from scorecard.testing import registered

    EXPECTED.mkdir(exist_ok=True)
    with registered(fixture_bundle, name=fixture_bundle.NAME):
        for m in MODES:
            with tempfile.TemporaryDirectory() as d:
                (EXPECTED / f"contact_centre_{m}.txt").write_text(ledger_text(Path(d), m),
                                                                   encoding="utf-8")
