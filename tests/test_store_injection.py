"""Injection (issue 14): names from a rule set are checked when it loads and quoted in SQL;
a sqlite source is read read-only, through an authorizer that lets its query only read."""

import sqlite3

import pytest
from click.testing import CliRunner
from test_store_tamper import EMPLOYEES, make_ruleset

from scorecard.cli import cli
from scorecard.errors import RuleSetError
from scorecard.ruleset import load_ruleset
from scorecard.sql import quote


def cli_run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_quote_escapes_the_quote_character():
    assert quote('a"b') == '"a""b"'
    assert quote("x]; DROP TABLE runs;--") == '"x]; DROP TABLE runs;--"'
    with pytest.raises(ValueError):
        quote("a\x00b")


@pytest.mark.parametrize("old, new, key", [
    ('[sources.events]', '[sources."x]; DROP TABLE runs;--"]',
     'sources.x]; DROP TABLE runs;--'),
    ('n = "int"', '"n]; DROP TABLE runs;--" = "int"', 'sources.events.columns.n]; DROP TABLE'),
    ('n = "int"', '"n\\"x" = "int"', 'sources.events.columns.n"x'),
    ('n = "int"', '"two words" = "int"', 'sources.events.columns.two words'),
    ('n = "int"', '"1st" = "int"', 'sources.events.columns.1st'),
    ('n = "int"', '_line = "int"', 'sources.events.columns._line'),
])
def test_bad_names_are_refused_at_load_naming_the_key(tmp_path, old, new, key):
    cfg = make_ruleset(tmp_path / "t")
    text = cfg.read_text().replace(old, new, 1)
    cfg.write_text(text)
    with pytest.raises(RuleSetError) as e:
        load_ruleset(cfg)
    assert key in e.value.message
    r = cli_run("evaluate", "-c", cfg, "-p", "2026-10")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert not (tmp_path / "t" / "scorecard.db").exists()


SQLITE_RULESET = """
[ruleset]
org = "inj"

[sources.employees]
path = "employees.csv"
key = "employee_id"
[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"

[sources.events]
type = "sqlite"
path = "src.db"
{select}
[sources.events.columns]
employee_id = "str"
n = "int"

[scorecards.s]
[[scorecards.s.items]]
id = "sum_n"
type = "count"
source = "events"
sum_column = "n"
"""


def sqlite_source(tmp_path, select):
    d = tmp_path / "s"
    d.mkdir()
    (d / "employees.csv").write_text(EMPLOYEES, encoding="utf-8")
    conn = sqlite3.connect(d / "src.db")
    conn.execute('CREATE TABLE "my ""marks""" (employee_id TEXT, n INTEGER)')
    conn.execute("INSERT INTO \"my \"\"marks\"\"\" VALUES ('E1', 2), ('E2', 3)")
    conn.execute("CREATE TABLE victim (employee_id TEXT, n INTEGER)")
    conn.execute("INSERT INTO victim VALUES ('E1', 987123)")  # a number no temp path holds
    conn.commit()
    conn.close()
    (d / "scorecard.toml").write_text(SQLITE_RULESET.format(select=select), encoding="utf-8")
    return d


def test_a_table_name_is_quoted_not_pasted(tmp_path):
    d = sqlite_source(tmp_path, "table = 'my \"marks\"'")
    r = cli_run("evaluate", "-c", d / "scorecard.toml", "-p", "2026-10", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert "E1,Ann,agent,,2.00" in r.output  # the table with quotes in its name: E1 has 2


def test_a_table_name_cannot_read_another_table(tmp_path):
    d = sqlite_source(tmp_path, "table = 'marks] UNION SELECT employee_id, n FROM [victim'")
    r = cli_run("evaluate", "-c", d / "scorecard.toml", "-p", "2026-10")
    assert r.exit_code == 2
    assert "no such table: marks] UNION SELECT employee_id, n FROM [victim" in r.output
    assert "987123" not in r.output


@pytest.mark.parametrize("query, made", [
    ("ATTACH DATABASE 'copy.db' AS c", "copy.db"),
    ("VACUUM INTO 'copy.db'", "copy.db"),
    ("PRAGMA journal_mode = delete", None),
    ("INSERT INTO victim VALUES ('E2', 5) RETURNING employee_id, n", None),
    ("DELETE FROM victim RETURNING employee_id, n", None),
    ("SELECT employee_id, n FROM victim; DROP TABLE victim", None),
    ("SELECT load_extension('x') AS employee_id, 1 AS n", None),
])
def test_a_query_may_only_read(tmp_path, query, made):
    d = sqlite_source(tmp_path, f'query = "{query}"')
    r = cli_run("evaluate", "-c", d / "scorecard.toml", "-p", "2026-10")
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert "query" in r.output or "one statement" in r.output
    if made:
        assert not (d / made).exists()
    conn = sqlite3.connect(d / "src.db")
    assert conn.execute("SELECT * FROM victim").fetchall() == [("E1", 987123)]
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_a_reading_query_works(tmp_path):
    d = sqlite_source(tmp_path, "query = \"WITH t AS (SELECT * FROM victim) SELECT employee_id, "
                                "n * 2 AS n FROM t\"")
    r = cli_run("evaluate", "-c", d / "scorecard.toml", "-p", "2026-10", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert "E1,Ann,agent,,1974246.00" in r.output  # 987123 × 2


def test_csv_output_neutralises_formulas(tmp_path):
    """A name such as =HYPERLINK(...) reaches Excel as text, in every command writing CSV."""
    from test_store_tamper import EVENTS

    d = tmp_path / "t"
    make_ruleset(d)
    (d / "employees.csv").write_text(
        'employee_id,name,role\nE1,"=HYPERLINK(""http://x"",""y"")",agent\nE2,@SUM(A1),agent\n',
        encoding="utf-8")
    (d / "events.csv").write_text(EVENTS, encoding="utf-8")
    cfg = d / "scorecard.toml"
    ev = cli_run("evaluate", "-c", cfg, "-p", "2026-10", "--format", "csv")
    rep = cli_run("report", "-c", cfg, "--format", "csv")
    for r in (ev, rep):
        assert r.exit_code == 0, r.output
        assert "'=HYPERLINK(" in r.output and "'@SUM(A1)" in r.output
        assert ",=HYPERLINK" not in r.output and ",@SUM" not in r.output
    from scorecard.output import to_csv

    assert to_csv([{"a": "+cmd|' /C calc'!A0", "b": "-5.00", "c": "\tx", "d": -2}],
                  ["a", "b", "c", "d"]) == "a,b,c,d\n'+cmd|' /C calc'!A0,-5.00,'\tx,-2\n"


def test_a_source_path_that_is_a_device_is_refused_not_read_forever(tmp_path):
    """The fuzz test's /dev/zero as a source path: hashing it never ended."""
    cfg = make_ruleset(tmp_path / "t")
    cfg.write_text(cfg.read_text().replace('path = "events.csv"', 'path = "/dev/zero"'))
    r = cli_run("evaluate", "-c", cfg, "-p", "2026-10")
    assert r.exit_code == 2
    assert "sources.events.path: /dev/zero is not a regular file" in r.output
