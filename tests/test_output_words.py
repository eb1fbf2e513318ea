"""The words of the outputs (payroll, workbooks, statements, the annual header) come from the
rule set: its locale's language (defaults for zh in scorecard.words) and [labels.<lang>];
English alone otherwise. The rule set is tests/test_sites.py's north site."""

import io

import openpyxl
import pytest
from click.testing import CliRunner
from test_sites import BASE, DATA, SOUTH

from scorecard.cli import cli
from scorecard.errors import RuleSetError
from scorecard.payroll import COLUMNS
from scorecard.ruleset import load_ruleset
from scorecard.testing import write_files
from scorecard.words import words_for


def _site(tmp_path, ruleset_keys="", tables=""):
    north = f'[ruleset]\nextends = "../base.toml"\nsite = "north"\n{ruleset_keys}\n{tables}'
    write_files(tmp_path, {"base.toml": BASE, "north/scorecard.toml": north,
                           "south/scorecard.toml": SOUTH, **DATA})
    cfg = tmp_path / "north" / "scorecard.toml"
    r = CliRunner().invoke(cli, ["evaluate", "-c", str(cfg), "-p", "2026-10"])
    assert r.exit_code == 0, r.output
    return cfg


def _sheet(cfg, tmp_path, *command):
    out = tmp_path / "out.xlsx"
    r = CliRunner().invoke(cli, [*command, "-c", str(cfg), "-p", "2026-10", "--format", "xlsx",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    return {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets}


def _page(cfg, tmp_path, *args):
    out = tmp_path / "pages"
    r = CliRunner().invoke(cli, ["statement", "E4", "-c", str(cfg), "-p", "2026-10", "-o",
                                 str(out), *args])
    return r, (out / "E4-2026-10.html").read_text(encoding="utf-8") if r.exit_code == 0 else ""


def test_default_locale_zh_cn_keeps_the_chinese_and_english_headers(tmp_path):
    cfg = _site(tmp_path)
    heads = _sheet(cfg, tmp_path, "payroll", "--draft")["DRAFT payroll"]
    assert heads[:4] == ["考核期 period", "计算批次 run_id", "状态 state", "员工编号 employee_id"]
    assert heads[-2:] == ["申诉/调整 decisions", "标记 stamp"]
    report = _sheet(cfg, tmp_path, "report")["Results"]
    assert report[:2] == ["排名 #", "员工编号 employee"] and "绩效奖金 payout (CNY)" in report
    r, page = _page(cfg, tmp_path)
    assert r.exit_code == 0 and "员工 Employee" in page and 'lang="zh-CN"' in page


def test_an_english_rule_set_gets_english_headers_and_pages(tmp_path):
    cfg = _site(tmp_path, 'locale = "en-GB"')
    assert _sheet(cfg, tmp_path, "payroll", "--draft")["DRAFT payroll"] == COLUMNS
    report = _sheet(cfg, tmp_path, "report")
    assert report["Results"][:3] == ["#", "employee", "name"]
    assert "payout (GBP)" in report["Results"]  # the locale's currency
    assert report["Items"][:2] == ["employee", "name"]
    st = _sheet(cfg, tmp_path, "statement")
    assert st["Statements"][:2] == ["employee", "name"] and "payout (GBP)" in st["Statements"]
    assert st["Deductions"] == ["employee", "item", "label", "evidence", "points", "file",
                                "line"]
    r, page = _page(cfg, tmp_path)  # --lang both: English alone, there is no second language
    assert r.exit_code == 0 and "Employee" in page and "员工" not in page
    assert 'lang="en"' in page
    r, _ = _page(cfg, tmp_path, "--lang", "zh")
    assert r.exit_code == 2 and "the rule set's language is 'en'" in r.output


def test_labels_of_the_rule_set_override_the_defaults(tmp_path):
    cfg = _site(tmp_path, tables='[labels.zh]\npayout = "奖金"\nemployee_id = "工号"\n')
    heads = _sheet(cfg, tmp_path, "payroll", "--draft")["DRAFT payroll"]
    assert "奖金 payout" in heads and "工号 employee_id" in heads and "考核期 period" in heads
    r, page = _page(cfg, tmp_path, "--lang", "zh")
    assert r.exit_code == 0 and "奖金" in page and "绩效奖金" not in page


def test_a_language_without_defaults_uses_its_labels_and_english(tmp_path):
    cfg = _site(tmp_path, 'locale = "ja-JP"', '[labels.ja]\nperiod = "評価期間"\n')
    heads = _sheet(cfg, tmp_path, "payroll", "--draft")["DRAFT payroll"]
    # the one word the rule set gives, every other header in English
    assert heads[:3] == ["評価期間 period", "run_id", "state"]
    r, page = _page(cfg, tmp_path, "--lang", "ja")
    assert r.exit_code == 0 and "評価期間" in page and 'lang="ja-JP"' in page


@pytest.mark.parametrize("tables, where, reason", [
    ('[labels.zh]\npayuot = "奖金"', "labels.zh.payuot", "did you mean 'payout'"),
    ('[labels.en]\npayout = "Bonus"', "labels.en", "English is built in"),
    ('[labels.chinese]\npayout = "奖金"', "labels.chinese", "a language code"),
    ('[labels.zh]\nfile_line = "{file}"', "labels.zh.file_line", "placeholders"),
    ('[labels.zh]\npayout = ""', "labels.zh.payout", "non-empty"),
])
def test_bad_labels_are_located(tmp_path, tables, where, reason):
    write_files(tmp_path, {"base.toml": BASE + "\n" + tables + "\n"})
    with pytest.raises(RuleSetError) as e:
        load_ruleset(tmp_path / "base.toml")
    assert where in e.value.message and reason in e.value.message


def test_a_column_of_chinese_labels_is_headed_by_the_local_word_or_its_name():
    # the annual roll-up's grade_zh column, the sites workbook's label_zh column
    assert words_for("zh-CN").local_only("grade", "grade_zh") == "等级"
    assert words_for("en-GB").local_only("grade", "grade_zh") == "grade_zh"
    assert words_for("zh-TW", {"zh": {"grade": "等第"}}).local_only("grade", "x") == "等第"
