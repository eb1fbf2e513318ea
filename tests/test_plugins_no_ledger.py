"""Without the ledger (``evaluate --no-ledger``) the built-in plugins skip building explanation
text; every number must still be the one the ledgered evaluation gives. Checked on every
installed bundle's sample data, which uses nearly every built-in type."""

import pytest

from scorecard.bundles import bundles, init_dir
from scorecard.engine import evaluate
from scorecard.manager import load_plugins
from scorecard.periods import Period
from scorecard.ruleset import load_ruleset
from scorecard.store import Store

load_plugins()


def _numbers(er):
    g = er.grade
    return {
        "status": er.status, "total": er.total, "score": er.score, "payout": er.payout,
        "fines": er.fines, "focus": er.focus,
        "grade": None if g is None else (g.grade, g.coefficient, g.eligible, g.rank),
        "items": [(o.item.id, o.measure.value, o.measure.data, o.points) for o in er.items],
        "adjustments": [(p.id, a.points, a.fines) for p, a in er.adjustments],
    }


@pytest.mark.parametrize("bundle", bundles(), ids=lambda b: b.name)
def test_no_ledger_gives_the_same_numbers(tmp_path, bundle):
    init_dir(bundle, tmp_path)
    rs = load_ruleset(tmp_path / "scorecard.toml")
    store = Store(tmp_path / "scorecard.db")
    period = Period.parse(bundle.sample_period)
    full = evaluate(store, rs, period, ledger=True)
    lean = evaluate(store, rs, period, ledger=False)
    assert [er.employee_id for er in lean.results] == [er.employee_id for er in full.results]
    assert any(er.score is not None for er in full.results)
    for a, b in zip(full.results, lean.results, strict=True):
        assert _numbers(b) == _numbers(a), a.employee_id
        # only the total's line is kept without the ledger
        assert {ln.rule for ln in b.lines} <= {"total"}
