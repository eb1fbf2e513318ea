"""The words of the built-in outputs, by language: column headers of the payroll sheet, the
workbooks and the annual roll-up, and the words of the employee's statement page.

English is the fallback and is written beside each use. Every other language's words come from
the rule set: ``[labels.<lang>]`` (e.g. ``[labels.zh] payout = "奖金"``) on top of the defaults
below for the language of ``[ruleset] locale`` (``zh`` for the default ``zh-CN``). This module is
the one place in the code holding words of a language other than English; a rule set in a
language without defaults here gets English headers unless it declares its words.

A header in a language other than English reads "word English" (``考核期 period``), so a sheet
stays readable to both the staff and the tools keyed on the English column names.
"""

import re

import attrs

from .schema import SchemaError, did_you_mean

#: key -> English (the statement page's words; a column header's English is its column name)
EN = {
    # the statement page
    "statement": "Performance statement",
    "employee": "Employee",
    "organisation": "Organisation",
    "site": "Site",
    "period": "Period",
    "role_level": "Role / level",
    "status": "Status",
    "run": "Run",
    "item": "Item",
    "section": "Section",
    "value": "Measured",
    "points": "Points",
    "max": "Max",
    "lost": "Lost",
    "total": "Total score",
    "grade": "Grade",
    "rank": "Rank",
    "payout": "Payout",
    "fines": "Fines",
    "deductions": "Deductions and their evidence",
    "no_deductions": "No points were deducted.",
    "evidence": "Evidence",
    "counted": "Record counted",
    "how": "How the total is made",
    "how_published": "As published, before the appeals and adjustments above",
    "flags": "Consequences",
    "decisions": "Appeals and adjustments",
    "appeal": "Appeals",
    "deadline": "Last day to appeal",
    "draft": "DRAFT — not yet published; the appeal window opens when it is published",
    "published": "Published",
    "closed": "Closed (signed off); no more appeals",
    "not_scored": "Not scored",
    "penalty": "Penalty",
    "file_line": "{file}, line {line}",
    "focus": "Training focus",
    "footer": "Produced by scorecard from run {run}; every figure can be reproduced from the "
              "store.",
    # column headers only
    "employee_id": "employee",
    "name": "name",
    "role": "role",
    "level": "level",
    "scorecard": "scorecard",
    "score": "score",
    "bonus": "payout",
    "currency": "currency",
    "result_status": "result_status",
    "appeals_adjustments": "decisions",
    "stamp": "stamp",
    "grade_label": "grade label",
    "appeal_deadline": "appeal deadline",
    "item_id": "item",
    "item_label": "label",
    "measured": "measured",
    "points_short": "points",
    "file": "file",
    "line": "line",
    "label": "label",
}

#: the defaults of a language, used when ``[ruleset] locale`` is in that language (a rule set's
#: ``[labels.<lang>]`` adds to and overrides them)
DEFAULTS: dict[str, dict[str, str]] = {
    "zh": {
        "statement": "绩效考核结果单",
        "employee": "员工",
        "organisation": "单位",
        "site": "站点",
        "period": "考核期",
        "role_level": "岗位 / 级别",
        "status": "状态",
        "run": "计算批次",
        "item": "考核项目",
        "section": "类别",
        "value": "实际值",
        "points": "得分",
        "max": "满分",
        "lost": "扣分",
        "total": "总分",
        "grade": "等级",
        "rank": "排名",
        "payout": "绩效奖金",
        "fines": "罚款",
        "deductions": "扣分明细及依据",
        "no_deductions": "本期无扣分。",
        "evidence": "依据",
        "counted": "计入记录",
        "how": "总分计算",
        "how_published": "公示时的计算（申诉与调整之前）",
        "flags": "处理结果",
        "decisions": "申诉与调整",
        "appeal": "申诉",
        "deadline": "申诉截止日期",
        "draft": "草稿——尚未公示；公示后开始申诉期",
        "published": "已公示",
        "closed": "已确认（签字）；不再受理申诉",
        "not_scored": "未评分",
        "penalty": "处罚",
        "file_line": "{file} 第 {line} 行",
        "focus": "培训重点",
        "footer": "由 scorecard 根据第 {run} 次计算生成；所有数字均可由数据库复现。",
        "employee_id": "员工编号",
        "name": "姓名",
        "role": "岗位",
        "level": "级别",
        "scorecard": "考核表",
        "score": "总分",
        "bonus": "奖金",
        "currency": "币种",
        "result_status": "结果",
        "appeals_adjustments": "申诉/调整",
        "stamp": "标记",
        "grade_label": "等级说明",
        "appeal_deadline": "申诉截止",
        "item_id": "项目",
        "item_label": "项目名称",
        "measured": "实际值",
        "points_short": "分",
        "file": "文件",
        "line": "行",
        "label": "名称",
    },
}

_LANG = re.compile(r"[a-z]{2,3}")


@attrs.frozen
class Words:
    """The words of one rule set's outputs: ``lang`` (its locale's language) and ``local``,
    that language's words (empty for English)."""

    lang: str = "en"
    local: dict = attrs.Factory(dict)

    def word(self, key: str, lang: str | None = None) -> str:
        """The word in ``lang`` (the rule set's language by default; "en" for English)."""
        if (lang or self.lang) != "en" and key in self.local:
            return self.local[key]
        return EN[key]

    def both(self, key: str) -> str:
        """The local word followed by the English one (``考核期 Period``), or the English."""
        return self.header(key)

    def header(self, key: str, english: str | None = None) -> str:
        """A column header: the local word and the English header (``english``, by default
        the key's English), e.g. ``员工编号 employee_id``; English alone without a local word."""
        en = EN[key] if english is None else english
        return f"{self.local[key]} {en}" if key in self.local else en

    def local_only(self, key: str, fallback: str) -> str:
        """The local word alone (a column holding the local-language labels), or ``fallback``."""
        return self.local.get(key, fallback)


def language(locale: str) -> str:
    """The language of a locale: ``zh`` for ``zh-CN``."""
    return (locale or "en").split("-")[0]


def check_labels(data, path: str = "labels") -> dict:
    """``[labels.<lang>]`` of a rule set: a table of languages, each a table of known words."""
    if not isinstance(data, dict):
        raise SchemaError(path, "expected tables [labels.<lang>], e.g. [labels.zh]")
    out = {}
    for lang, words in data.items():
        if lang == "en":
            raise SchemaError(f"{path}.en", "English is built in: name the rule set's own "
                              "language, e.g. [labels.zh] (the locale says which one is used)")
        if not _LANG.fullmatch(lang):
            raise SchemaError(f"{path}.{lang}", "expected a language code such as en, zh, ja")
        if not isinstance(words, dict):
            raise SchemaError(f"{path}.{lang}", 'expected a table of words, e.g. payout = "..."')
        for key, text in words.items():
            if key not in EN:
                raise SchemaError(f"{path}.{lang}.{key}", f"unknown word{did_you_mean(key, EN)} "
                                  f"(known: {', '.join(EN)})")
            if not isinstance(text, str) or not text.strip():
                raise SchemaError(f"{path}.{lang}.{key}", "expected the word as a non-empty string")
            if "{" in EN[key] and set(re.findall(r"\{\w+\}", text)) != set(
                    re.findall(r"\{\w+\}", EN[key])):
                raise SchemaError(f"{path}.{lang}.{key}", f"must keep the placeholders of "
                                  f"{EN[key]!r}")
        out[lang] = dict(words)
    return out


def words_for(locale: str, labels: dict | None = None) -> Words:
    """The words of a rule set with ``locale`` and ``[labels]`` tables ``labels``."""
    lang = language(locale)
    if lang == "en":
        return Words("en", {})
    return Words(lang, {**DEFAULTS.get(lang, {}), **(labels or {}).get(lang, {})})


def words_of(rs) -> Words:
    """The words of a loaded rule set."""
    return words_for(rs.meta.locale, rs.data.get("labels"))


def words_of_text(text: str) -> Words:
    """The words of a stored run, from the rule set text stored with it (a run of a rule set
    that no longer loads still shows its headers)."""
    import tomllib

    try:
        data = tomllib.loads(text or "")
    except tomllib.TOMLDecodeError:
        data = {}
    meta = data.get("ruleset") if isinstance(data.get("ruleset"), dict) else {}
    labels = data.get("labels") if isinstance(data.get("labels"), dict) else {}
    from .ruleset import RuleSetMeta

    return words_for(str(meta.get("locale") or attrs.fields(RuleSetMeta).locale.default), labels)
