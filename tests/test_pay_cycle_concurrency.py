"""Two analysts lodging appeals at the same time from two processes: nothing is lost, every
appeal gets its own id (each step is one BEGIN IMMEDIATE transaction that re-reads the state).
Real processes, bounded in time."""

import subprocess
import sys

from test_pay_cycle import clock, month  # noqa: F401 - fixtures: August evaluated, run 1

from scorecard import cycle

N = 15  # appeals per process

SCRIPT = """
import sys
from scorecard import cycle
from scorecard.ruleset import load_ruleset
from scorecard.store import Store

db, cfg, who, n = sys.argv[1:5]
store, rs = Store(db), load_ruleset(cfg)
for i in range(int(n)):
    cycle.add_appeal(store, rs, "2026-08", "E1", "polite", f"{who} {i}", by=who,
                     on="2026-09-28")
"""


def test_concurrent_appeals_from_two_processes_lose_nothing(month, tmp_path):  # noqa: F811
    store, rs, _ = month
    cycle.publish(store, rs, "2026-08", by="Li")  # on 2026-09-24: appeals until 09-30
    db, cfg = str(tmp_path / "scorecard.db"), str(tmp_path / "scorecard.toml")
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, db, cfg, who, str(N)],
                              stderr=subprocess.PIPE, text=True) for who in ("Ann", "Bo")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    st = cycle.period_status(store, rs, "2026-08")
    reasons = sorted(a.reason for a in st.appeals)
    assert reasons == sorted([f"Ann {i}" for i in range(N)] + [f"Bo {i}" for i in range(N)])
    assert len({a.id for a in st.appeals}) == 2 * N
