"""The cycle's commands on test_pay_cycle's month (numbers worked out there): what a person
sees, JSON/CSV, and the errors (exit 2) of bad ids and options."""

import json

from click.testing import CliRunner
from test_pay_cycle import clock, month  # noqa: F401 - fixtures: August evaluated, run 1

from scorecard.cli import cli


def invoke(tmp_path, *args):
    return CliRunner().invoke(cli, [*map(str, args), "-c", str(tmp_path / "scorecard.toml"),
                                    "-p", "2026-08"])


def test_status_json_and_appeal_list_csv(month, tmp_path):  # noqa: F811
    r = invoke(tmp_path, "publish", "--by", "Li")
    assert r.exit_code == 0, r.output
    assert "appeals until 2026-09-30 (3 working days, process.appeal_days)" in r.output
    r = invoke(tmp_path, "appeal", "add", "E1", "--item", "polite", "--reason", "x", "--by",
               "Ann")
    assert r.exit_code == 0 and "to be answered by 2026-10-09" in r.output
    r = invoke(tmp_path, "status", "--format", "json")
    st = json.loads(r.output)
    assert (st["state"], st["run_id"], st["appeal_deadline"]) == ("published", 1, "2026-09-30")
    assert [(a["employee_id"], a["status"]) for a in st["appeals"]] == [("E1", "open")]
    assert st["completeness"]["status"] == "complete"
    r = invoke(tmp_path, "appeal", "list", "--format", "csv", "--no-bom")
    assert r.output.splitlines()[0] == \
        "id,employee_id,item_id,lodged_on,by,answer_by,status,reason,decision"
    assert ",E1,polite,2026-09-24,Ann,2026-10-09,open,x," in r.output


def test_errors_exit_2_with_did_you_mean(month, tmp_path):  # noqa: F811
    invoke(tmp_path, "publish", "--by", "Li")
    r = invoke(tmp_path, "appeal", "add", "E11", "--item", "polite", "--reason", "x", "--by",
               "A")
    assert r.exit_code == 2 and "no employee 'E11' in the published run 1; did you mean" in \
        r.output
    r = invoke(tmp_path, "adjust", "E1", "--item", "thank", "--points", "1", "--reason", "x",
               "--by", "W")
    assert r.exit_code == 2 and "did you mean 'thanks'" in r.output
    r = invoke(tmp_path, "appeal", "decide", "3", "--reason", "x", "--by", "W")
    assert r.exit_code == 2 and "give --uphold (with --points N or --set N) or --reject" in \
        r.output
    r = invoke(tmp_path, "appeal", "decide", "3", "--reject", "--reason", "x", "--by", "W")
    assert r.exit_code == 2 and "no appeal 3 for t / main 2026-08" in r.output
    r = invoke(tmp_path, "adjust", "E1", "--item", "polite", "--points", "two", "--reason",
               "x", "--by", "W")
    assert r.exit_code == 2 and "'two' is not a number" in r.output
    r = invoke(tmp_path, "publish", "--by", "Li", "--run", "9")
    assert r.exit_code == 2 and "already published run 1" in r.output


def test_negative_points_and_the_final_report(month, tmp_path):  # noqa: F811
    invoke(tmp_path, "publish", "--by", "Li")
    # E2 thanks 40 − 5 = 35: total 85 → B, 2000 × 85 / 100 = 1700.00; E1 89 is now first
    r = invoke(tmp_path, "adjust", "E2", "--item", "thanks", "--points", "-5", "--reason",
               "missed a QA finding", "--by", "Wang")
    assert r.exit_code == 0, r.output
    assert "E2: published score 90.00, grade A, rank 1, payout 1800.00" in r.output
    assert "E2: final     score 85.00, grade B, rank 2, payout 1700.00" in r.output
    r = invoke(tmp_path, "report", "--format", "json")
    doc = json.loads(r.output)
    assert doc["result"]["kind"] == "final" and doc["result"]["state"] == "published"
    got = {x["employee_id"]: (x["score"], x["grade"], x["rank"]) for x in doc["results"]}
    assert got == {"E1": ("89.00", "B", 1), "E2": ("85.00", "B", 2), "E3": (None, None, None)}
    # --run shows the stored run as it was
    r = CliRunner().invoke(cli, ["report", "--run", "1", "--db", str(tmp_path / "scorecard.db"),
                                 "--format", "json"])
    doc = json.loads(r.output)
    assert doc["result"]["kind"] == "run"
    assert {x["employee_id"]: x["score"] for x in doc["results"]}["E2"] == "90.00"


def test_status_names_runs_evaluated_after_publication(month, tmp_path):  # noqa: F811
    invoke(tmp_path, "publish", "--by", "Li")
    r = CliRunner().invoke(cli, ["evaluate", "-c", str(tmp_path / "scorecard.toml"), "-p",
                                 "2026-08"])
    assert r.exit_code == 0, r.output  # published, not closed: a new run may be inspected
    r = invoke(tmp_path, "status")
    assert "run(s) 2 evaluated after publication: not payable; the published run stays run 1" \
        in r.output
    r = invoke(tmp_path, "report", "--format", "csv")
    assert "final (published)" in r.output  # the report stays on the published run
