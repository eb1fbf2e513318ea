"""An appeal in the after-sales bundle goes through the rules: the first-time-fix component
changes, the weighted month score (a derived composite item) is recomputed from it, then the
band, the bonus and the consequence flags. Data: test_aftersales_month's June."""

from datetime import date

from scorecard_aftersales import BUNDLE
from test_aftersales_month import files

from scorecard import cycle
from scorecard.engine import record
from scorecard.flags import stored_flags
from scorecard.ruleset import load_ruleset
from scorecard.store import Store
from scorecard.testing import bundle_ruleset_text, evaluate_files


def test_upheld_ftfr_appeal_recomputes_month_band_bonus_and_flags(tmp_path, monkeypatch):
    monkeypatch.setattr(cycle, "today", lambda: date(2026, 7, 6))
    monkeypatch.setattr("scorecard.engine.now_text", lambda: "2026-07-06T09:00:00+08:00")
    ev = evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), files(), "2026-06")
    store = Store(tmp_path / "scorecard.db")
    record(store, ev)
    rs = load_ruleset(tmp_path / "scorecard.toml")
    published = store.result(ev.run_id, "A1")
    # A1 as evaluated: 0.7 × 83.5 + 0.2 × 50 + 0.1 × 100/3 = 71.78 → fair, 1500 × 0.8 = 1200.00;
    # flags: first-time fix 50 < 60 → rework, timeliness 33.3 < 70 → accountability
    assert (published["score"], published["grade"], published["payout"]) == \
        ("71.78", "fair", "1200.00")
    assert [f["id"] for f in stored_flags(published)] == ["rework", "accountability"]
    pub = cycle.publish(store, rs, "2026-06", by="Li")
    assert pub["deadline"] == "2026-07-09"  # publicity_days 3: Tue 07-07, Wed 07-08, Thu 07-09
    a = cycle.add_appeal(store, rs, "2026-06", "A1", "ftfr", "W1 and W4 were other faults",
                         by="A1")
    cycle.decide(store, rs, "2026-06", a["id"], uphold=True, set_=100,
                 reason="job cards checked: no repeat", by="Wang")
    final = cycle.final_results(store, rs, "2026-06")
    r = final.result("A1")
    # 0.7 × 83.5 + 0.2 × 100 + 0.1 × 100/3 = 58.45 + 20 + 3.333… = 81.78333… → 81.78 → good,
    # 1500 × 1.0 = 1500.00; no rework flag any more (100 ≥ 60), accountability stays
    assert (r["score"], r["grade"], r["payout"]) == ("81.78", "good", "1500.00")
    assert [f["id"] for f in stored_flags(r)] == ["accountability"]
    items = {i["item_id"]: i for i in final.items_of("A1")}
    assert (items["ftfr"]["value"], items["ftfr"]["points"]) == ("100", "100")
    # 58.45 + 20 + 10/3 = 1169/20 + 400/20 + 10/3 = 4707/60 + 200/60 = 4907/60, exact
    assert items["month"]["points"] == "4907/60"
    text = "\n".join(ln["text"] for ln in final.lines["A1"])
    assert "month: recomputed from the changed items: ≈71.7833 → ≈81.7833" in text
    # T1 keeps its result; the published run is unchanged
    assert final.result("T1")["score"] == store.result(ev.run_id, "T1")["score"] == "83.33"
    assert store.result(ev.run_id, "A1") == published
    # the roll-ups read the final result: history and the star of the month show 81.78
    from scorecard.annual import history, stars
    from scorecard.periods import Period

    june = [h for h in history(store, rs, "A1") if h["period"] == "2026-06"]
    assert (june[0]["score"], june[0]["grade"], june[0]["run_id"]) == ("81.78", "good", ev.run_id)
    _, rows = stars(store, rs, Period.parse("2026-06"))
    got = {r["employee_id"]: (r["score"], r["star"]) for r in rows}
    # T1 83.33 stays the star; A1 is second with its final 81.78
    assert got == {"T1": ("83.33", True), "A1": ("81.78", False)}
