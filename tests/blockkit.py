"""A minimal rule set around the building block under test (helpers for the tests in this
directory; not a test module)."""

from scorecard.testing import evaluate_files

HEAD = """
[ruleset]
org = "t"
period = "{period_kind}"

[calendar]
country = "CN"
{calendar}

[sources.employees]
path = "employees.csv"
key = "employee_id"

[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"
level = "str?"
"""

EMPLOYEES = """\
employee_id,name,role,level
E1,Ann,agent,junior
E2,Bo,agent,senior
"""


def ruleset_text(sources: str, card: str, calendar: str = "", period_kind: str = "month") -> str:
    """The rule set: employees, ``sources`` (TOML text), then ``[scorecards.s]`` + ``card``."""
    return (HEAD.format(calendar=calendar, period_kind=period_kind) + sources
            + "\n[scorecards.s]\n" + card)


def run(tmp_path, sources, card, files, period="2026-10", employees=EMPLOYEES, calendar="",
        period_kind="month", ledger=True):
    """Evaluate ``period`` with the given sources, scorecard body and data files."""
    text = ruleset_text(sources, card, calendar, period_kind)
    return evaluate_files(tmp_path, text, {"employees.csv": employees, **files}, period,
                          ledger=ledger)
