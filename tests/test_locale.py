"""[ruleset] locale gives the currency and the calendar's country a rule set leaves out, and
labels.<lang> is the general form of label (en) and label_zh (zh), which keep working."""

import pytest

from scorecard.errors import RuleSetError
from scorecard.ruleset import load_ruleset
from scorecard.testing import write_files

HEAD = """
[ruleset]
org = "t"
{ruleset}

{calendar}

[sources.employees]
path = "employees.csv"
[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"

[sources.kpi]
path = "kpi.csv"
period_by = "period"
[sources.kpi.columns]
employee_id = "str"
period = "period"
v = "decimal"

[scorecards.s]
{card}

[scorecards.s.sections.manner]
{section}

[[scorecards.s.items]]
id = "x"
type = "lookup"
source = "kpi"
column = "v"
section = "manner"
{item}
"""


def load(tmp_path, ruleset="", calendar="", card="", section="", item=""):
    text = HEAD.format(ruleset=ruleset, calendar=calendar, card=card, section=section, item=item)
    write_files(tmp_path, {"scorecard.toml": text})
    return load_ruleset(tmp_path / "scorecard.toml")


@pytest.mark.parametrize("keys, currency, country", [
    ("", "CNY", "CN"),  # the default locale, zh-CN: what every rule set had before
    ('locale = "en-GB"', "GBP", "GB"),
    ('locale = "en-GB"\ncurrency = "EUR"', "EUR", "GB"),  # a key set in the rule set wins
])
def test_locale_defaults(tmp_path, keys, currency, country):
    rs = load(tmp_path, ruleset=keys)
    assert (rs.meta.currency, rs.calendar.country) == (currency, country)


def test_calendar_country_set_in_the_rule_set_wins(tmp_path):
    rs = load(tmp_path, ruleset='locale = "en-US"', calendar='[calendar]\ncountry = "CN"')
    assert (rs.meta.currency, rs.calendar.country) == ("USD", "CN")


@pytest.mark.parametrize("keys, where", [
    ('locale = "english"', "ruleset.locale"),
    ('locale = "fr"', "ruleset.currency: missing"),  # no region: no currency to default to
    ('locale = "fr"\ncurrency = "EUR"', "calendar.country: missing"),
    ('locale = "en-ZZ"', "ruleset.currency: missing"),
])
def test_locale_without_what_it_must_give(tmp_path, keys, where):
    with pytest.raises(RuleSetError) as e:
        load(tmp_path, ruleset=keys)
    assert where in e.value.message


def test_labels_by_language_and_the_old_keys(tmp_path):
    rs = load(tmp_path, card='labels = { en = "Agent", zh = "客服" }',
              section='label_zh = "态度"\nlabels = { ja = "態度" }',
              item='label = "Politeness"\nlabels = { zh = "礼貌", ja = "丁寧" }')
    sc = rs.scorecards["s"]
    assert (sc.label, sc.label_zh) == ("Agent", "客服")
    assert sc.sections["manner"].label_zh == "态度"
    assert sc.sections["manner"].labels == {"ja": "態度", "zh": "态度"}
    it = sc.item("x")
    assert (it.label, it.label_zh) == ("Politeness", "礼貌")
    assert it.labels == {"en": "Politeness", "zh": "礼貌", "ja": "丁寧"}


@pytest.mark.parametrize("item, where", [
    ('label_zh = "礼貌"\nlabels = { zh = "客气" }', "scorecards.s.items[0].labels.zh: differs"),
    ('labels = { chinese = "礼貌" }', "scorecards.s.items[0].labels.chinese"),
])
def test_bad_labels_are_located(tmp_path, item, where):
    with pytest.raises(RuleSetError) as e:
        load(tmp_path, item=item)
    assert where in e.value.message
