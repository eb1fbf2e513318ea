"""The bundle as installed: registered, its sample data reproducible from the seeded generator,
and `scorecard init` + `evaluate` over the sample months showing the year-to-date rules."""

import json

from click.testing import CliRunner
from scorecard_wholesale import BUNDLE
from scorecard_wholesale.generate import generate

from scorecard.bundles import get_bundle
from scorecard.cli import cli
from scorecard.manager import load_plugins


def test_bundle_is_registered():
    load_plugins()
    b = get_bundle("wholesale-market")
    assert b.sample_period == "2026-10" and b.demo_periods == ("2026-08", "2026-09")


def test_sample_data_is_the_generators_output(tmp_path):
    written = generate(tmp_path)
    assert {p.name for p in written} == {p.name for p in BUNDLE.data_dir.glob("*.csv")}
    for p in written:
        assert p.read_bytes() == (BUNDLE.data_dir / p.name).read_bytes(), p.name


def test_init_and_evaluate_the_sample_months(tmp_path):
    run = CliRunner()
    target = tmp_path / "wm"
    r = run.invoke(cli, ["init", "--org", "wholesale-market", str(target)])
    assert r.exit_code == 0, r.output
    config = str(target / "scorecard.toml")
    results = {}
    for period in ("2026-08", "2026-09", "2026-10"):
        r = run.invoke(cli, ["evaluate", "-c", config, "-p", period, "--format", "json"])
        assert r.exit_code == 0, r.output
        results[period] = {x["employee_id"]: x for x in json.loads(r.stdout)["results"]}
    assert len(results["2026-10"]) == 18  # 12 floor managers, supervisor, 3 CS staff, 2 managers
    r = run.invoke(cli, ["explain", "F03", "-c", config, "-p", "2026-08"])
    assert "is occurrence 1 in 2026: −10" in r.output
    r = run.invoke(cli, ["explain", "F03", "-c", config, "-p", "2026-10"])
    assert "is occurrence 2 in 2026: −50" in r.output
    r = run.invoke(cli, ["explain", "F06", "-c", config, "-p", "2026-10"])
    assert "late_pre_notified: WM9001" in r.output and "service_quality: WM9002" in r.output
    r = run.invoke(cli, ["explain", "S01", "-c", config, "-p", "2026-10"])
    assert "harm to the market's reputation" in r.output and "−2 point(s) (range 1–3)" in r.output
    assert results["2026-10"]["F02"]["fines"] == "80.00"


def test_check_finds_nothing_wrong_in_the_shipped_rule_set(tmp_path):
    run = CliRunner()
    target = tmp_path / "wm"
    assert run.invoke(cli, ["init", "--org", "wholesale-market", str(target)]).exit_code == 0
    r = run.invoke(cli, ["check", "-c", str(target / "scorecard.toml"), "--format", "json"])
    assert r.exit_code == 0, r.output
    findings = json.loads(r.stdout)
    assert [f for f in findings if f["severity"] in ("error", "warning")] == []


def test_only_the_data_md_files_evaluate(tmp_path):
    # A site writes its own DATA.md exports into a fresh directory: department_kpis.csv (an
    # extension) is absent, which the optional source reads as empty; nothing else changes.
    run = CliRunner()
    target = tmp_path / "wm"
    assert run.invoke(cli, ["init", "--org", "wholesale-market", str(target)]).exit_code == 0
    (target / "data" / "department_kpis.csv").unlink()
    r = run.invoke(cli, ["ingest", "-c", str(target / "scorecard.toml")])
    assert r.exit_code == 0, r.output
    assert "department_kpis: ingested (0 rows)" in r.stdout
    r = run.invoke(cli, ["evaluate", "-c", str(target / "scorecard.toml"), "-p", "2026-10",
                         "--format", "json"])
    assert r.exit_code == 0, r.output
    got = {x["employee_id"]: x for x in json.loads(r.stdout)["results"]}
    assert got["K01"]["status"] == "no_activity"  # the call-centre manager has no figures
    assert got["F03"]["score"] is not None


def test_the_sample_extension_file_names_no_employee():
    # a site replacing the DATA.md files keeps this file: it must not name sample employees
    lines = (BUNDLE.data_dir / "department_kpis.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and lines[0].startswith("employee_id,period,")
