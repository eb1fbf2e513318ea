"""The public pieces every command is built from: scorecard.options and scorecard.render."""

import json
import os
import stat
from decimal import Decimal
from fractions import Fraction

import click
import pytest
from click.testing import CliRunner

from scorecard.errors import ScorecardError
from scorecard.options import (
    config_option,
    db_option,
    format_option,
    open_store,
    output_option,
    period_option,
)
from scorecard.render import Document, format_number, render, style_for, style_of, write


@click.command()
@config_option
@db_option
@period_option(required=False)
@format_option("table", "json", "csv")
@output_option
def probe(config, db, period, fmt_, output):
    click.echo(json.dumps({"config": config, "db": db, "period": period, "fmt": fmt_,
                           "output": output}))


@click.command()
@config_option(required=False)
def optional(config):
    click.echo(repr(config))


def invoke(cmd, args, cwd):
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cmd, args)
    finally:
        os.chdir(old)


def test_config_defaults_to_scorecard_toml_in_the_current_directory(tmp_path):
    (tmp_path / "scorecard.toml").write_text("")
    r = invoke(probe, [], tmp_path)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"config": "scorecard.toml", "db": None, "period": None,
                                    "fmt": "table", "output": None}


def test_missing_config_is_a_usage_error_saying_where_it_looked(tmp_path):
    r = invoke(probe, [], tmp_path)
    assert r.exit_code == 2
    assert "Missing option '-c' / '--config'" in r.output
    assert f"There is no ./scorecard.toml in {tmp_path}" in r.output


def test_optional_config_is_none_without_the_file(tmp_path):
    assert invoke(optional, [], tmp_path).output == "None\n"
    (tmp_path / "scorecard.toml").write_text("")
    assert invoke(optional, [], tmp_path).output == "'scorecard.toml'\n"
    assert invoke(optional, ["-c", "x.toml"], tmp_path).output == "'x.toml'\n"


def test_short_flags_and_help(tmp_path):
    r = invoke(probe, ["-c", "a.toml", "-p", "2026-10", "--format", "csv", "-o", "out.csv"],
               tmp_path)
    assert json.loads(r.output) == {"config": "a.toml", "db": None, "period": "2026-10",
                                    "fmt": "csv", "output": "out.csv"}
    text = invoke(probe, ["--help"], tmp_path).output
    assert "-c, --config FILE" in text and "[default: ./scorecard.toml, when" in text
    assert "--format [table|json|csv]" in text and "[default: table]" in text
    assert invoke(probe, ["--format", "xlsx"], tmp_path).exit_code == 2


def test_format_option_keeps_the_canonical_order_and_refuses_unknown_formats():
    @click.command()
    @format_option("html", "table")
    def c(fmt_):
        pass

    assert list(c.params[0].type.choices) == ["table", "html"]
    with pytest.raises(ValueError, match="unknown output format 'pdf'"):
        format_option("table", "pdf")


def test_open_store_needs_config_or_db(tmp_path):
    with pytest.raises(ScorecardError, match="--db FILE"):
        open_store(None, None)
    assert open_store(tmp_path / "r.toml", None).path == tmp_path / "scorecard.db"


@pytest.mark.parametrize("value,places,expected", [
    (Fraction(2809, 30), 2, "93.63"),       # 93.6333… → 93.63
    ("88.495", 2, "88.50"),                  # half_up at the third place
    ("79.03", 2, "79.03"),
    ("≈96.3333", 2, "96.33"),                # no ≈ in a final figure
    ("289/3", 1, "96.3"),                    # stored n/d: 96.333… → 96.3
    (Decimal("2.5"), 0, "3"),                # half_up to a whole
    ("+2.5", 2, "+2.50"),                    # a change keeps its sign
    ("-0.125", 2, "-0.13"),                  # half_up away from zero
])
def test_format_number(value, places, expected):
    assert format_number(value, places, "half_up") == expected


def test_half_even_mode():
    assert format_number("88.485", 2, "half_even") == "88.48"  # 8 is even: stays


def test_table_one_rule_per_column(capsys):
    rows = [{"id": "A001", "n": 3, "score": "93.6092"}, {"id": "A002", "n": 10, "score": "100"},
            {"id": "A003", "n": 1, "score": None}]
    render(Document(rows, ["id", "n", "score"], headers=["employee", "n", "score"],
                    title="acme — 2026-10", footer=["note: one"]), "table")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "acme — 2026-10"
    assert out[1].split() == ["employee", "n", "score"]
    # counts stay whole; the score column has a fraction, so every score gets two places
    assert out[3].split() == ["A001", "3", "93.61"]
    assert out[4].split() == ["A002", "10", "100.00"]
    assert out[5].split() == ["A003", "1"]
    assert out[6] == "note: one"


def test_json_and_csv_carry_exact_values(capsys):
    rows = [{"id": "A001", "score": "289/3", "extra": 1}]
    render(Document(rows, ["id", "score"], meta={"period": "2026-10"}), "json")
    assert json.loads(capsys.readouterr().out) == {"period": "2026-10", "rows": rows}
    render(Document(rows, ["id", "score"], payload={"x": 1}), "json")
    assert json.loads(capsys.readouterr().out) == {"x": 1}
    # CSV starts with the UTF-8 byte order mark (Excel-safe; --no-bom leaves it out)
    render(Document(rows, ["id", "score"]), "csv")
    assert capsys.readouterr().out == "\ufeffid,score\nA001,289/3\n"
    render(Document(rows, ["id"], csv_columns=["id", "extra"]), "csv")
    assert capsys.readouterr().out == "\ufeffid,extra\nA001,1\n"


def test_write_to_a_file_is_owner_only_and_whole(tmp_path, capsys):
    out = tmp_path / "r.csv"
    out.write_text("old")
    os.chmod(out, 0o644)
    render(Document([{"a": 1}], ["a"]), "csv", out)
    assert out.read_text(encoding="utf-8-sig") == "a\n1\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert capsys.readouterr().err == f"wrote {out}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]  # no temporary left behind
    with pytest.raises(ScorecardError, match="does not exist"):
        write("x", tmp_path / "missing" / "r.csv")


def test_unknown_format_is_an_error():
    with pytest.raises(ScorecardError, match="no writer"):
        render(Document([], ["a"]), "pdf")


def test_style_of_a_ruleset():
    class R:
        class rounding:  # noqa: N801 - stands in for the attrs class
            score, mode = "0.1", "half_even"

    assert style_of(R) == {"places": 1, "mode": "half_even"}
    assert style_for("1") == {"places": 0, "mode": "half_up"}  # whole points: no decimals
