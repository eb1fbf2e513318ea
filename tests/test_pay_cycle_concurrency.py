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


CRASH = """
import os, sys
from scorecard import cycle
from scorecard.ruleset import load_ruleset
from scorecard.store import Store

db, cfg, appeal_id = sys.argv[1:4]
store, rs = Store(db), load_ruleset(cfg)
write = cycle._insert


def crash(conn, **row):
    write(conn, **row)  # the decision's row is written inside the open transaction ...
    os._exit(9)  # ... and the process dies before COMMIT (power cut, kill -9)


cycle._insert = crash
cycle.decide(store, rs, "2026-08", int(appeal_id), uphold=True, points=2, reason="x", by="W",
             on="2026-09-28")
"""


def test_a_process_killed_inside_a_step_leaves_the_last_completed_one(month, tmp_path):  # noqa: F811
    store, rs, _ = month
    cycle.publish(store, rs, "2026-08", by="Li")
    a = cycle.add_appeal(store, rs, "2026-08", "E1", "polite", "x", by="Ann")
    db, cfg = str(tmp_path / "scorecard.db"), str(tmp_path / "scorecard.toml")
    p = subprocess.run([sys.executable, "-c", CRASH, db, cfg, str(a["id"])], timeout=120,
                       capture_output=True, text=True)
    assert p.returncode == 9, p.stderr
    assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    st = cycle.period_status(store, rs, "2026-08")
    assert [e["kind"] for e in st.events] == ["published", "appeal"]  # no half decision
    assert st.open_appeals[0].id == a["id"]
    # and the step can be taken again
    cycle.decide(store, rs, "2026-08", a["id"], uphold=False, reason="confirmed", by="W")
    assert cycle.period_status(store, rs, "2026-08").appeals[0].status == "rejected"
