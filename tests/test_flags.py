"""Flags: a scorecard's named consequences (a condition on the total or an item → a flag with
English and Chinese labels). They change no number; they are shown in results, explain, JSON and
CSV, stored with the run and counted by report and sites."""

import json

import pytest
from click.testing import CliRunner

from scorecard.cli import cli
from scorecard.errors import RuleSetError
from scorecard.ruleset import load_ruleset
from scorecard.testing import write_files

RULESET = """
[ruleset]
org = "flags"
period = "month"

[sources.employees]
path = "employees.csv"
key = "employee_id"
columns = { employee_id = "str", name = "str", role = "str" }

[sources.marks]
path = "marks.csv"
period_by = "period"
columns = { employee_id = "str", period = "period", a = "decimal", b = "decimal?" }

[scorecards.s]
[[scorecards.s.items]]
id = "a"
type = "lookup"
source = "marks"
column = "a"

[[scorecards.s.items]]
id = "b"
type = "lookup"
in_total = false
source = "marks"
column = "b"

[[scorecards.s.flags]]
id = "low"
label = "serious handling"
label_zh = "严肃处理"
on = "total"
op = "<"
value = 60

[[scorecards.s.flags]]
id = "b_low"
label = "rework"
label_zh = "返修整改"
on = "b"
value = 60
"""
EMPLOYEES = "employee_id,name,role\nE1,Ann,x\nE2,Bo,x\nE3,Cy,x\n"
# E1: total 59.99 < 60 → low; b 60 is not < 60 → no b_low
# E2: total exactly 60 → no low; b 59.99 < 60 → b_low
# E3: total 90, no b (no value: nothing raised)
MARKS = "employee_id,period,a,b\nE1,2026-10,59.99,60\nE2,2026-10,60,59.99\nE3,2026-10,90,\n"


@pytest.fixture
def cfg(tmp_path):
    write_files(tmp_path, {"scorecard.toml": RULESET, "employees.csv": EMPLOYEES,
                           "marks.csv": MARKS})
    return str(tmp_path / "scorecard.toml")


def test_flags_in_json_csv_table_and_no_number_changes(cfg):
    run = CliRunner()
    r = run.invoke(cli, ["evaluate", "-c", cfg, "-p", "2026-10", "--format", "json"])
    assert r.exit_code == 0, r.output
    res = {x["employee_id"]: x for x in json.loads(r.stdout)["results"]}
    assert res["E1"]["flags"] == [{"id": "low", "label": "serious handling",
                                   "label_zh": "严肃处理", "reason": "score 59.99 < 60"}]
    assert [f["id"] for f in res["E2"]["flags"]] == ["b_low"]
    assert res["E3"]["flags"] == []
    assert (res["E1"]["score"], res["E2"]["score"]) == ("59.99", "60.00")  # unchanged
    assert any("flag low (serious handling / 严肃处理): score 59.99 < 60" in ln["text"]
               for ln in res["E1"]["explanation"])
    r = run.invoke(cli, ["evaluate", "-c", cfg, "-p", "2026-10", "--format", "csv"])
    header, *rows = r.stdout.splitlines()
    assert "flags" in header.split(",")
    # (every row starts with the period and the run: the second evaluation is run 2)
    e1 = next(x for x in rows if x.startswith("2026-10,2,E1,"))
    assert ",low," in e1
    r = run.invoke(cli, ["evaluate", "-c", cfg, "-p", "2026-10"])
    assert "flags: b_low 1 (返修整改), low 1 (严肃处理)" in r.stdout


def test_flags_are_stored_with_the_run_and_counted_by_report_and_explain(cfg):
    run = CliRunner()
    assert run.invoke(cli, ["evaluate", "-c", cfg, "-p", "2026-10"]).exit_code == 0
    r = run.invoke(cli, ["report", "-c", cfg, "-p", "2026-10", "--format", "json"])
    res = {x["employee_id"]: x for x in json.loads(r.stdout)["results"]}
    assert [f["id"] for f in res["E1"]["flags"]] == ["low"]
    assert json.loads(res["E1"]["data"]) == {"flags": [{
        "id": "low", "label": "serious handling", "label_zh": "严肃处理",
        "reason": "score 59.99 < 60"}]}
    r = run.invoke(cli, ["report", "-c", cfg, "-p", "2026-10"])
    assert "flags: b_low 1 (返修整改), low 1 (严肃处理)" in r.stdout
    r = run.invoke(cli, ["explain", "E2", "-c", cfg, "-p", "2026-10"])
    assert "flags: b_low (rework / 返修整改)" in r.stdout
    r = run.invoke(cli, ["explain", "E3", "-c", cfg, "-p", "2026-10"])
    assert "flags:" not in r.stdout


def test_sites_counts_flags(cfg):
    from scorecard.sites import render_text, sites_report

    rep = sites_report([cfg], "2026-10")
    assert rep.sites[0]["flags"] == {"low": 1, "b_low": 1}
    assert "flags raised (employees)" in render_text(rep)


@pytest.mark.parametrize("flag, key, why", [
    ('{ id = "x", on = "nope", value = 1 }', "flags[0].on", "an item id"),
    ('{ id = "x", op = "<<", value = 1 }', "flags[0].op", "one of"),
    ('{ id = "x", use = "max", on = "a", value = 1 }', "flags[0].use", "value, points"),
    ('{ id = "x" }', "flags[0]", "value"),
])
def test_bad_flag_is_a_rule_set_error(tmp_path, flag, key, why):

    text = RULESET.split("[[scorecards.s.flags]]")[0].replace(
        "[scorecards.s]\n", f"[scorecards.s]\nflags = [{flag}]\n")
    write_files(tmp_path, {"scorecard.toml": text})
    with pytest.raises(RuleSetError) as e:
        load_ruleset(tmp_path / "scorecard.toml")
    assert key in e.value.message and why in e.value.message


def test_statement_shows_the_stored_flags(cfg, tmp_path):
    run = CliRunner()
    assert run.invoke(cli, ["evaluate", "-c", cfg, "-p", "2026-10"]).exit_code == 0
    from scorecard.periods import Period
    from scorecard.statement import statement_html, statements
    from scorecard.store import Store

    rs = load_ruleset(cfg)
    store = Store(str(tmp_path / "scorecard.db"))
    sts = {st.employee_id: st for st in statements(store, rs, Period.parse("2026-10"))}
    assert [f["id"] for f in sts["E1"].flags] == ["low"]
    assert sts["E3"].flags == []
    page = statement_html(sts["E1"], "both")
    assert 'data-flag="low"' in page and "严肃处理" in page and "score 59.99 &lt; 60" in page
