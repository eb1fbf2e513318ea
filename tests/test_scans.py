"""Fused scans (scorecard.scans): rules reading the same source are answered by one query, with
the same results as each rule scanning for itself; an old-style metric type (compute runs its
own query) still works beside them; a broken declaration names its plugin."""

import shutil
from fractions import Fraction

import pytest
from blockkit import run

from scorecard import hookimpl
from scorecard.bundles import bundles
from scorecard.engine import evaluate, result_rows
from scorecard.errors import DataError, EvaluationError
from scorecard.periods import Period
from scorecard.ruleset import load_ruleset
from scorecard.store import Store
from scorecard.testing import registered
from scorecard.types import Aggregate, Measure, MetricType

# -- the same results, fused or not, on every bundle's sample data -----------------------------


def _bundle_cases():
    import fixture_bundle

    found = {fixture_bundle.NAME: fixture_bundle.BUNDLE}
    for b in bundles():
        found.setdefault(b.name, b)
    return sorted(found.items())


@pytest.mark.parametrize("name, bundle", _bundle_cases(), ids=[n for n, _ in _bundle_cases()])
@pytest.mark.parametrize("ledger", [True, False])
def test_fused_results_equal_unfused_ones_on_the_bundles_data(tmp_path, name, bundle, ledger,
                                                              contact_bundle):
    shutil.copytree(bundle.path, tmp_path / "b")
    rs = load_ruleset(tmp_path / "b" / "scorecard.toml")
    store = Store(tmp_path / "s.db")
    for key in (*bundle.demo_periods, bundle.sample_period):
        period = Period.parse(key)
        fused = evaluate(store, rs, period, ledger=ledger)
        alone = evaluate(store, rs, period, ledger=ledger, ingest_first=False, fuse=False)
        # results, items and every ledger line, in order, identical
        assert result_rows(None, fused, ledger) == result_rows(None, alone, ledger)
        assert fused.counters["hook_calls"] == alone.counters["hook_calls"]
        # one scan per period-bound source, however many rules read it
        assert fused.counters["scans"] <= alone.counters["scans"]


def test_one_scan_per_source_for_the_contact_centre(tmp_path, contact_bundle):
    shutil.copytree(contact_bundle.path, tmp_path / "b")
    rs = load_ruleset(tmp_path / "b" / "scorecard.toml")
    ev = evaluate(Store(tmp_path / "s.db"), rs, Period.parse(contact_bundle.sample_period))
    # contacts (3 rules + who was active), qa_findings (6 rules), supervisor_marks (activity):
    # 3 scans; the hook calls stay one per rule: 9 metrics + 9 scorers + 1 payout
    assert ev.counters["scans"] == 3
    assert ev.counters["hook_calls"] == 19


# -- an old-style metric type beside fused ones ------------------------------------------------

SRC = """
[sources.events]
path = "events.csv"
period_by = "at"
[sources.events.columns]
employee_id = "str"
at = "timestamp"
kind = "enum:a|b"
n = "int"
"""
# October: E1 has lines 2, 3 (kind a, n 3 and 4) and 6 (kind b, n 5); line 4 is November and
# line 5 September (outside); E2 has nothing in October
EVENTS = """\
employee_id,at,kind,n
E1,2026-10-01 00:00:00,a,3
E1,2026-10-31 23:59:59,a,4
E1,2026-11-01 00:00:00,a,100
E1,2026-09-30 23:59:59,a,100
E1,2026-10-15 12:00:00,b,5
"""


class OwnQuery(MetricType):
    """Version-1 style: compute() reads the store itself, declares nothing."""

    name = "test_own_query_max"

    def compute(self, ctx, item):
        where, params = ctx.where("events")
        got = dict(ctx.query(f"SELECT employee_id, MAX(n) FROM {ctx.table('events')} WHERE "
                             f"{where} GROUP BY employee_id", params))
        return {e: Measure(Fraction(got.get(e) or 0)) for e in ctx.employees}


class Declared(MetricType):
    """Version-3 style: declares the sum of n over kind b rows, reads it in compute()."""

    name = "test_declared_sum_b"

    def aggregates(self, ctx, item):
        return {"sum_b": Aggregate("events", "SUM(CASE WHEN kind = ? THEN n END)", ("b",))}

    def compute(self, ctx, item):
        sums = ctx.aggregated(item)["sum_b"]
        return {e: Measure(Fraction(sums.get(e) or 0)) for e in ctx.employees}


class Broken(MetricType):
    name = "test_broken_sql"

    def aggregates(self, ctx, item):
        return {"x": Aggregate("events", "SUM(no_such_column)")}

    def compute(self, ctx, item):  # pragma: no cover - the scan fails first
        return {}


class NotAnAggregate(MetricType):
    name = "test_not_an_aggregate"

    def aggregates(self, ctx, item):
        return {"x": "SUM(n)"}

    def compute(self, ctx, item):  # pragma: no cover - refused first
        return {}


class Plugin:
    SCORECARD_HOOKSPEC = 3

    @hookimpl
    def register_metric_types(self, register):
        for cls in (OwnQuery, Declared, Broken, NotAnAggregate):
            register(cls())


CARD = """
[[scorecards.s.items]]
id = "n_a"
type = "count"
source = "events"
match = { kind = "a" }

[[scorecards.s.items]]
id = "most"
type = "test_own_query_max"

[[scorecards.s.items]]
id = "sum_b"
type = "test_declared_sum_b"
"""


@pytest.mark.parametrize("fuse", [True, False])
def test_old_style_and_declared_metric_types_side_by_side(tmp_path, fuse):
    with registered(Plugin(), name="scan-test"):
        ev = run(tmp_path, SRC, CARD, {"events.csv": EVENTS})
        if not fuse:
            rs = load_ruleset(tmp_path / "scorecard.toml")
            ev = evaluate(ev.store, rs, Period.parse("2026-10"), ingest_first=False, fuse=False)
    e1, e2 = ev.result("E1"), ev.result("E2")
    assert e1.item("n_a").measure.value == 2  # lines 2 and 3
    assert e1.item("most").measure.value == 5  # max(3, 4, 5) in October
    assert e1.item("sum_b").measure.value == 5  # line 6 only
    # E2 has no row in October: absent from the scan, so 0 by each type's own rule
    assert [e2.item(i).measure.value for i in ("n_a", "most", "sum_b")] == [0, 0, 0]
    # fused: one scan of events answers n_a, sum_b and who was active; unfused: the activity
    # scan, then n_a's and sum_b's own. The old-style type's query is its own business.
    assert ev.counters["scans"] == (1 if fuse else 3)
    assert ev.counters["hook_calls"] == 3


def test_a_compute_called_outside_an_evaluation_scans_for_itself(tmp_path):
    with registered(Plugin(), name="scan-test"):
        ev = run(tmp_path, SRC, CARD, {"events.csv": EVENTS})
        rs = load_ruleset(tmp_path / "scorecard.toml")
        from scorecard.context import Context
        from scorecard.registry import get_registry

        ctx = Context(store=ev.store, ruleset=rs, scorecard=rs.scorecards["s"],
                      period=Period.parse("2026-10"), employees={"E1": {}, "E2": {}},
                      calendar=None)
        item = rs.scorecards["s"].items[2]
        got = get_registry().get("metric", item.type).compute(ctx, item)
    assert {e: m.value for e, m in got.items()} == {"E1": 5, "E2": 0}


def test_a_failing_aggregate_names_its_plugin_and_rule(tmp_path):
    card = CARD + '\n[[scorecards.s.items]]\nid = "bad"\ntype = "test_broken_sql"\n'
    with registered(Plugin(), name="scan-test"), pytest.raises(EvaluationError) as e:
        run(tmp_path, SRC, card, {"events.csv": EVENTS})
    msg = str(e.value)
    assert "plugin 'scan-test' failed: metric type 'test_broken_sql', aggregates() for rule " \
           "scorecards.s.items[3]" in msg
    assert "no_such_column" in msg


def test_a_declaration_that_is_not_an_aggregate_is_refused(tmp_path):
    card = CARD + '\n[[scorecards.s.items]]\nid = "bad"\ntype = "test_not_an_aggregate"\n'
    with registered(Plugin(), name="scan-test"), pytest.raises(EvaluationError) as e:
        run(tmp_path, SRC, card, {"events.csv": EVENTS})
    assert "plugin 'scan-test', metric type 'test_not_an_aggregate', aggregates() for rule " \
           "scorecards.s.items[3] returned 'x': 'SUM(n)'; expected a str name and a " \
           "scorecard.types.Aggregate" in str(e.value)


# -- limit_breaches in the fused scan: the checks and the packed per-case counts ---------------

LIMIT_SRC = """
[sources.cases]
path = "cases.csv"
period_by = "received"
[sources.cases.columns]
case_id = "str"
employee_id = "str"
channel = "enum:phone|online|email"
received = "timestamp"
closed = "timestamp?"
"""
LIMIT_CARD = """
[[scorecards.s.items]]
id = "late"
type = "limit_breaches"
source = "cases"
start = "received"
end = "closed"
ref_column = "case_id"
cases = [
  { when = { channel = "phone" }, limit = "20 s", label = "phone" },
  { when = { channel = "online" }, limit = "1 min", label = "online" },
  { when = { channel = "email" }, limit = "24 h", label = "email" },
]
"""
# E1: c1 20 s (met: at the limit), c2 21 s (breach), c3 1 min (met), c4 e-mail 25 h (breach);
# E2: c5 phone 5 s (met)
LIMIT_ROWS = """\
case_id,employee_id,channel,received,closed
c1,E1,phone,2026-10-01 08:00:00,2026-10-01 08:00:20
c2,E1,phone,2026-10-01 09:00:00,2026-10-01 09:00:21
c3,E1,online,2026-10-02 10:00:00,2026-10-02 10:01:00
c4,E1,email,2026-10-03 10:00:00,2026-10-04 11:00:00
c5,E2,phone,2026-10-05 10:00:00,2026-10-05 10:00:05
"""


@pytest.mark.parametrize("ledger", [True, False])
def test_a_row_ending_before_it_starts_is_named_by_the_fused_count(tmp_path, ledger):
    # line 7: closed one minute before received (the flag rides on the fused count)
    rows = LIMIT_ROWS + "c6,E2,online,2026-10-06 10:00:00,2026-10-06 09:59:00\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, LIMIT_SRC, LIMIT_CARD, {"cases.csv": rows}, ledger=ledger)
    assert "cases.csv:7:closed: closed is before received; correct one" in e.value.message


def test_packed_case_counts_equal_the_counting_query(tmp_path, monkeypatch):
    ev = run(tmp_path, LIMIT_SRC, LIMIT_CARD, {"cases.csv": LIMIT_ROWS})
    e1 = ev.result("E1").item("late").measure
    # 2 breaches in 4 rows: phone 1/2 (c2), online 0/1, e-mail 1/1 (c4)
    assert e1.value == 2 and e1.data == {"rows": 4, "breaches": 2}
    assert e1.lines[0].text == ("late: 2 breach(es) in 4 row(s) — phone: 1/2 over 20 s; "
                                "online: 0/1 over 1 min; email: 1/1 over 24 h")
    packed = result_rows(None, ev, True)
    # one bit a field: E1's 4 rows do not fit, so the per-case counts (and the check for rows
    # ending before they start) come from queries of their own; the ledger reads the same
    from scorecard_plugins.metrics import breaches

    monkeypatch.setattr(breaches, "_case_bits", lambda ctx, p, cases: 1)
    rs = load_ruleset(tmp_path / "scorecard.toml")
    again = evaluate(ev.store, rs, Period.parse("2026-10"), ingest_first=False)
    assert result_rows(None, again, True) == packed
