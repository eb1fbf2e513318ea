"""The installed bundle end to end: init, a year of monthly runs, annual roll-up, star, history;
the sample data is what the seeded generator writes."""

import json

from click.testing import CliRunner
from scorecard_aftersales import BUNDLE
from scorecard_aftersales.generate import generate

from scorecard.bundles import bundles
from scorecard.cli import cli


def test_bundle_is_registered():
    assert "after-sales-csi" in [b.name for b in bundles()]
    assert BUNDLE.sample_period == "2026-12" and len(BUNDLE.demo_periods) == 11


def test_sample_data_is_the_generators_output(tmp_path):
    counts = generate(tmp_path)
    for name in counts:
        assert (tmp_path / name).read_bytes() == (BUNDLE.data_dir / name).read_bytes(), name


def test_a_year_end_to_end(tmp_path):
    run = CliRunner()
    d = tmp_path / "acs"
    assert run.invoke(cli, ["init", "--org", "after-sales-csi", str(d)]).exit_code == 0
    cfg = str(d / "scorecard.toml")
    for m in range(1, 13):
        r = run.invoke(cli, ["evaluate", "-c", cfg, "-p", f"2026-{m:02d}", "--no-ledger"])
        assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["annual", "-c", cfg, "--year", "2026", "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["missing_periods"] == []
    rows = {x["employee_id"]: x for x in out["results"]}
    # the generator gives T03 a bad May-July; S05 joins in April (no grade, months listed)
    assert rows["T03"]["grade"] == "fail"
    assert any("consecutive periods below 60 (2026-05, 2026-06, 2026-07)" in x
               for x in rows["T03"]["reasons"])
    assert rows["S05"]["grade"] is None
    assert set(rows["S05"]["missing"]) == {"2026-01", "2026-02", "2026-03"}
    graded = [x for x in out["results"] if x["grade"]]
    assert sum(x["grade"] == "excellent" for x in graded) <= 1  # floor(10 % × 13) = 1
    r = run.invoke(cli, ["history", "T03", "-c", cfg])
    assert r.exit_code == 0 and r.stdout.count("\n2026-") == 12
    r = run.invoke(cli, ["star", "-c", cfg, "-p", "2026-12"])
    assert r.exit_code == 0 and "★" in r.stdout
