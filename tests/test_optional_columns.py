"""Columns declared ``optional = true`` (DATA.md's optional additions): a file without the column
reads it as blank cells (its default); a file with it reads it; a row with more cells than its
header is still refused."""

import pytest

from scorecard.errors import DataError
from scorecard.testing import evaluate_files

RULESET = """
[ruleset]
org = "opt"

[sources.employees]
path = "employees.csv"
key = "employee_id"
columns = { employee_id = "str", name = "str", role = "str" }

[sources.rows]
path = "rows.csv"
period_by = "period"

[sources.rows.columns]
employee_id = "str"
period = "period"
a = "decimal"
extra = { type = "decimal", default = 5, optional = true }

[scorecards.s]
[[scorecards.s.items]]
id = "a"
type = "lookup"
source = "rows"
column = "a"

[[scorecards.s.items]]
id = "extra"
type = "lookup"
source = "rows"
column = "extra"
"""
EMPLOYEES = "employee_id,name,role\nE1,Ann,x\nE2,Bo,x\n"


def test_absent_optional_column_reads_as_its_default(tmp_path):
    rows = "employee_id,period,a\nE1,2026-10,10\nE2,2026-10,20\n"
    ev = evaluate_files(tmp_path, RULESET, {"employees.csv": EMPLOYEES, "rows.csv": rows},
                        "2026-10")
    # no extra column: default 5 for both; E1 10 + 5 = 15, E2 20 + 5 = 25
    assert ev.result("E1").score == 15 and ev.result("E2").score == 25


def test_present_optional_column_is_read(tmp_path):
    rows = "employee_id,period,a,extra\nE1,2026-10,10,1\nE2,2026-10,20,\n"
    ev = evaluate_files(tmp_path, RULESET, {"employees.csv": EMPLOYEES, "rows.csv": rows},
                        "2026-10")
    assert ev.result("E1").score == 11  # 10 + 1
    assert ev.result("E2").score == 25  # blank: the default 5


def test_a_row_longer_than_its_header_is_still_refused(tmp_path):
    # the stray third cell must not be read as the absent optional column
    rows = "employee_id,period,a\nE1,2026-10,10,7\n"
    with pytest.raises(DataError) as e:
        evaluate_files(tmp_path, RULESET, {"employees.csv": EMPLOYEES, "rows.csv": rows},
                       "2026-10")
    assert "rows.csv:2" in e.value.message and "header has" in e.value.message


def test_check_neither_requires_nor_calls_extra_an_optional_column(tmp_path):
    from scorecard.check import check_ruleset
    from scorecard.ruleset import load_ruleset
    from scorecard.testing import write_files

    for header in ("employee_id,period,a", "employee_id,period,a,extra"):
        write_files(tmp_path, {"scorecard.toml": RULESET, "employees.csv": EMPLOYEES,
                               "rows.csv": header + "\nE1,2026-10,10" + ",1" * (
                                   header.endswith("extra")) + "\n"})
        found = check_ruleset(load_ruleset(tmp_path / "scorecard.toml"))
        texts = [f.message for f in found if f.path.startswith("sources.rows")]
        assert not any("has no column" in t or "does not declare" in t for t in texts), texts
