"""Tests of analysis.claims: number normalisation, metric/direction/basis of figures, the typing of
safety-sense claims on small invented unit tables, and freshness of the committed tables.

Number forms are checked through :func:`analysis.coder.extract_numbers` (which this module uses
and does not change). Forms it gets wrong are marked ``xfail(strict=True)`` with the reason: they
are reported, not fixed here, and the test fails loudly once coder.py is fixed so the mark can go.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import paths
from analysis.claims import (
    CLAIM_COLUMNS,
    QUANTIFIED_COLUMNS,
    attribution_of,
    basis_of,
    direction_of,
    normalise_unit,
    quantified_claims,
    safety_claims,
)
from analysis.coder import extract_numbers

ARTICLES = pd.DataFrame([
    dict(article_id="T", city="某市", city_en="Moushi", province="浙江", published="2017", outlet=""),
    dict(article_id="U", city="东莞", city_en="Dongguan", province="广东", published="2020-01-16T09:08",
         outlet="法制日报"),
])


def figures(text: str, article_id: str = "T") -> pd.DataFrame:
    """The quantified claims of one invented sentence."""
    units = pd.DataFrame([dict(unit_id=f"{article_id}-001", article_id=article_id, text=text)])
    return quantified_claims(units, ARTICLES)


def figure(text: str, number: str) -> pd.Series:
    rows = figures(text)
    hits = rows[rows.number == number]
    assert len(hits) == 1, f"{number!r} in {text!r}: {rows[['number', 'kind', 'value']].to_dict('records')}"
    return hits.iloc[0]


# ====================================================================== number normalisation

xfail = pytest.mark.xfail


@pytest.mark.parametrize("text, number, value, unit", [
    ("全省已有3.37万余人次成功实现远程视频会见", "3.37万余人次", 33700, "人次"),
    ("汇聚了业务数据和社会数据共282亿条", "282亿条", 2.82e10, "条"),
    ("数据共282亿", "282亿", 2.82e10, ""),
    ("研判员很快就锁定两名犯罪嫌疑人", "两名", 2, "名"),
    ("抓获两人", "两人", 2, "人"),
    ("一度占到刑事案件的四分之一", "四分之一", 0.25, "分之"),
    ("全市刑事案件同比下降17.37%", "17.37%", 17.37, "%"),
    ("协助破获案件8100多起", "8100多起", 8100, "起"),
    ("平均每天产生2000万条信息数据", "2000万条", 2e7, "条"),
    ("到达现场平均用时仅5.9分钟", "5.9分钟", 5.9, "分钟"),
    ("一个月内成功打掉这个团伙", "一个月", 1, "月"),
    ("仅用10小时就破案", "10小时", 10, "小时"),
    ("仅仅用了10个小时就破案", "10个小时", 10, "小时"),
    ("经过1个多月的侦查，警方掌握了团伙的行踪", "1个多月", 1, "月"),
    ("半小时不到，嫌疑人就被锁定", "半小时", 0.5, "小时"),
    ("全市已建成门禁系统23,671套", "23,671套", 23671, "套"),
    ("覆盖流动人口超过140万人", "140万人", 1.4e6, "人"),
    ("破获三千五百起案件", "三千五百起", 3500, "起"),
    ("共破案一百零五起", "一百零五起", 105, "起"),
    ("抓获二十多人", "二十多人", 20, "人"),
    ("抓获１２人", "１２人", 12, "人"),
    ("同比下降百分之十二点五", "百分之十二点五", 12.5, "%"),
    ("发案率下降0.5%", "0.5%", 0.5, "%"),
    ("发案率下降3个百分点", "3个百分点", 3, "个百分点"),
    ("破案率提高三成。", "三成", 30, "%"),
    ("增长了3.7倍", "3.7倍", 3.7, "倍"),
    ("均列全省第三", "第三", 3, "第"),
    ("600多份提案，没有一份是针对治安问题的", "没有一份", 0, "份"),
    ("全市刑事案件连续7年两位数下降", "两位数", 2, "位数"),
    ("挽回损失一千二百万元", "一千二百万元", 1.2e7, "元"),
    ("挽回损失1.2亿元", "1.2亿元", 1.2e8, "元"),
    ("挽回损失3.5万余元", "3.5万余元", 35000, "元"),
    ("抓获一万余人", "一万余人", 10000, "人"),
    ("破获千余起案件", "千余起", 1000, "起"),
    ("抓获百余名嫌疑人", "百余名", 100, "名"),
    ("破获几十起案件", "几十起", 10, "起"),
    ("用时3秒钟就识别出嫌疑人", "3秒钟", 3, "秒"),
    ("抓获犯罪嫌疑人10余名", "10余名", 10, "名"),
    # forms extract_numbers gets wrong (reported; coder.py is not changed here)
    pytest.param("警方至少要花去几周时间", "几周", 0, "周", marks=xfail(
        strict=True, reason="extract_numbers: 几 + a time unit (几周, 几分钟) is not matched at all")),
    pytest.param("网格民警几分钟便赶到现场", "几分钟", 0, "分钟", marks=xfail(
        strict=True, reason="extract_numbers: 几分钟 is not matched (corpus unit 001-1-006)")),
    pytest.param("用了一个半月就破案", "一个半月", 1.5, "月", marks=xfail(
        strict=True, reason="extract_numbers: 一个半月 gives 1.0 (the 半 is read as part of the unit 个半月)")),
    pytest.param("破案率提高三成", "三成", 30, "%", marks=xfail(
        strict=True, reason="extract_numbers: 三成 at the very end of a text is missed "
                            "(its lookahead needs a following mark)")),
    pytest.param("刑事案件下降两成。", "两成", 20, "%", marks=xfail(
        strict=True, reason="extract_numbers: 两成 is not matched (the tenths pattern lacks 两)")),
    pytest.param("破获数十起案件", "数十起", 10, "起", marks=xfail(
        strict=True, reason="extract_numbers: 数十起 is matched as 十起 (数 dropped from the span)")),
    pytest.param("抓获上百名嫌疑人", "上百名", 100, "名", marks=xfail(
        strict=True, reason="extract_numbers: 上百名 is not matched")),
])
def test_number_forms_are_normalised(text, number, value, unit):
    found = [m for m in extract_numbers(text) if m.text == number]
    assert len(found) == 1, f"{number!r} not found in {extract_numbers(text)}"
    m = found[0]
    assert math.isclose(m.value, value, rel_tol=1e-9, abs_tol=1e-12)
    assert normalise_unit(m.unit) == unit


@pytest.mark.xfail(strict=True, reason="extract_numbers: a year in Chinese numerals (二〇一九年) gets value 9, "
                                       "not 2019 (the date's lead-number regex starts with a greedy \\D*)")
def test_chinese_numeral_year_value():
    (m,) = extract_numbers("二〇一九年破案")
    assert m.kind == "date" and m.value == 2019


def test_ten_something_is_its_lower_bound_and_marked():
    row = figure("今年以来抓获十几名嫌疑人", "十几名")
    assert row.value == 10 and "几" in row.qualifier


@pytest.mark.parametrize("raw, unit", [("个小时", "小时"), ("个多小时", "小时"), ("个月", "月"), ("个多月", "月"),
                                       ("个半月", "月"), ("个星期", "周"), ("秒钟", "秒"), ("起", "起"), ("%", "%")])
def test_normalise_unit(raw, unit):
    assert normalise_unit(raw) == unit


@pytest.mark.parametrize("text, number, qualifier", [
    ("破获案件8100多起", "8100多起", "多"),
    ("覆盖流动人口超过140万人", "140万人", "超过"),
    ("为全市近5000名失能老人发放芯片", "5000名", "近"),
    ("在线率保持在90%以上", "90%", "以上"),
    ("全市每天电动车被盗案不到10起", "10起", "不到"),
    ("抓获吸贩毒人员12人", "12人", ""),
])
def test_qualifier(text, number, qualifier):
    assert figure(text, number).qualifier == qualifier


# ====================================================================== metric, direction, basis


@pytest.mark.parametrize("text, number, metric, rule", [
    ("全市的违法犯罪警情、刑事案件立案数、治安案件受理数分别同比下降19.1%、9.1%和18.6%。", "9.1%",
     "刑事案件立案数", "M4"),
    ("全市的违法犯罪警情、刑事案件立案数、治安案件受理数分别同比下降19.1%、9.1%和18.6%。", "18.6%",
     "治安案件受理数", "M4"),
    ("2019年全年刑事警情同比下降17.37%。", "17.37%", "刑事警情", "M1"),
    ("去年以来，全市已建成门禁系统2000套。", "2000套", "门禁系统", "M1"),
    ("警方抓获吸贩毒人员12人。", "12人", "吸贩毒人员", "M1"),
    ("为全市近5000名失能老人免费发放定位芯片。", "5000名", "失能老人", "M2"),
    ("以前，某市每年有3万辆电动车被盗。", "3万辆", "电动车被盗", "M2"),
    ("公安分局仅用10小时就破案。", "10小时", "破案用时", "M3"),
    ("9小时后，警方查实嫌疑人住所。", "9小时", "查实用时", "M3"),
    ("接处警到达现场平均用时仅5.9分钟。", "5.9分钟", "接处警到达现场平均用时", "M1"),
    ("智能门禁系统的在线率、使用率和刷卡率均保持在90%以上。", "90%", "在线率、使用率和刷卡率", "M1"),
    ("全市的破案数、逮捕人数均列全省第三。", "第三", "破案数、逮捕人数", "M1"),
    ("12小时内破案的占33.34%。", "33.34%", "12小时内破案", "M1"),
    ("损失金额在100万元以上的案件同比减少63.6%。", "63.6%", "损失金额在100万元以上的案件", "M1"),
    ("600多份提案和建议，没有一份是针对治安问题的。", "没有一份", "提案和建议", "M5"),
    ("某市刑事案件连续7年两位数下降。", "两位数", "刑事案件", "M5"),
])
def test_metric(text, number, metric, rule):
    row = figure(text, number)
    assert (row.metric, row.metric_rule) == (metric, rule)


@pytest.mark.parametrize("text, number, direction, trend", [
    ("全市刑事警情同比下降41.53%", "41.53%", "下降", "down"),
    ("破案数和打击数同比分别上升520%和130%", "130%", "上升", "up"),
    ("同比减少用时9.2%", "9.2%", "减少", "down"),
    ("视频点数量增长了3.7倍", "3.7倍", "增长", "up"),
    ("全市刑事案件连续7年两位数下降", "两位数", "下降", "down"),
    ("其中入室盗窃大幅下降72%、“两抢”上升64%", "64%", "上升", "up"),
    ("其中入室盗窃大幅下降72%、“两抢”上升64%", "72%", "下降", "down"),
    ("命案数降至12起", "12起", "下降", "down"),
    ("警方抓获吸贩毒人员12人", "12人", "none", "none"),
])
def test_direction(text, number, direction, trend):
    row = figure(text, number)
    assert (row.direction, row.trend) == (direction, trend)


@pytest.mark.parametrize("text, number, basis", [
    ("全市刑事警情同比下降41.53%", "41.53%", "同比"),
    ("发案数环比下降5%", "5%", "环比"),
    ("刑事案件比2015年下降20%", "20%", "2015年"),
    ("刑事案件较去年同期下降8%", "8%", "去年同期"),
    ("以前，温州每年有3万辆电动车被盗", "3万辆", "以前"),
    ("G20峰会期间，全市刑事警情下降61%", "61%", "none"),
    ("以前所未有的力度推动，卡口数量增长了8.5倍", "8.5倍", "none"),
    ("降幅居全省第一", "第一", "none"),
])
def test_basis(text, number, basis):
    assert figure(text, number).basis == basis


def test_direction_and_basis_helpers():
    text = "全市刑事警情同比下降41.53%"
    assert direction_of(text, text.index("41"), len(text)) == "下降"
    assert basis_of("刑事案件与2016年相比下降", "") == "2016年"
    assert basis_of("抓获12人", "抓获12人。") == "none"


def test_only_evidence_numbers_are_figures():
    rows = figures("2019年7月26日16时，一名34岁的男子盗走价值6万余元的手机，民警抓获嫌疑人3名。")
    assert rows.number.tolist() == ["3名"]


def test_quantified_table_columns_order_and_gold():
    units = pd.DataFrame([
        dict(unit_id="U-002", article_id="U", text="破案5宗，抓获12人。"),
        dict(unit_id="U-001", article_id="U", text="全市刑事警情同比下降41.53%。"),
    ])
    gold = pd.DataFrame({"unit_id": ["U-001", "U-002"], "QUANTIFIED": [1, 0]})
    out = quantified_claims(units, ARTICLES, gold)
    assert out.unit_id.tolist() == ["U-001", "U-002", "U-002"]
    assert out.number.tolist() == ["41.53%", "5宗", "12人"]
    assert out.gold_QUANTIFIED.tolist() == [1, 0, 0]
    assert [c for c in out.columns if c != "gold_QUANTIFIED"] == QUANTIFIED_COLUMNS
    assert set(out.year) == {2020} and set(out.city_en) == {"Dongguan"}


# ====================================================================== safety claims on invented tables


def article(*paragraphs, title="", codes=None, article_id="T"):
    """Units of an invented article (a title, then paragraphs of sentences) and their gold codes.

    ``paragraphs`` are lists of sentences; ``codes`` maps a sentence (or the title) to a dict of
    gold codes (SAFETY_SENSE, QUANTIFIED, OUTCOME: 0/1; SPEAKER)."""
    codes = codes or {}
    rows, n = [], 0
    if title:
        n += 1
        rows.append(dict(unit_id=f"{article_id}-{n:03d}", article_id=article_id, kind="title", paragraph=-1,
                         position=-1, text=title))
    for p, sentences in enumerate(paragraphs):
        for s in sentences:
            n += 1
            rows.append(dict(unit_id=f"{article_id}-{n:03d}", article_id=article_id, kind="sentence", paragraph=p,
                             position=0, text=s))
    units = pd.DataFrame(rows)
    gold = pd.DataFrame([{"unit_id": r["unit_id"], "SAFETY_SENSE": 0, "QUANTIFIED": 0, "OUTCOME": 0,
                          "SPEAKER": "none", **codes.get(r["text"], {})} for r in rows])
    return units, gold


def claim(claims: pd.DataFrame, text: str) -> pd.Series:
    hits = claims[claims.text == text]
    assert len(hits) == 1, claims.text.tolist()
    return hits.iloc[0]


SS = {"SAFETY_SENSE": 1}


def test_statistic_in_the_unit_and_next_to_it():
    units, gold = article(
        ["有组数据特别能体现市民的安全感：全市刑事警情同比下降41.53%。"],
        ["群众反映治安明显好转。", "全市刑事案件同比下降9.1%。", "与此同时，全市开展了多次宣传。"],
        codes={"有组数据特别能体现市民的安全感：全市刑事警情同比下降41.53%。": {**SS, "QUANTIFIED": 1},
               "群众反映治安明显好转。": SS, "全市刑事案件同比下降9.1%。": {"QUANTIFIED": 1}})
    out = safety_claims(units, gold, ARTICLES)
    first = claim(out, "有组数据特别能体现市民的安全感：全市刑事警情同比下降41.53%。")
    assert (first.evidence_type, first.evidence_rule, first.evidence_units) == ("statistic", "S1", "T-001")
    second = claim(out, "群众反映治安明显好转。")
    assert (second.evidence_type, second.evidence_rule, second.evidence_units) == ("statistic", "S2", "T-003")
    assert second.attribution == "none stated"


def test_adjacent_means_same_paragraph_and_next_door():
    units, gold = article(
        ["全市刑事案件同比下降9.1%。"],
        ["群众反映治安明显好转。", "这是一句过渡。", "破案数上升20%。"],
        codes={"全市刑事案件同比下降9.1%。": {"QUANTIFIED": 1}, "群众反映治安明显好转。": SS,
               "破案数上升20%。": {"QUANTIFIED": 1}})
    row = safety_claims(units, gold, ARTICLES).iloc[0]
    assert (row.evidence_type, row.statistic) == ("bare assertion", False)


def test_resident_testimony_first_and_next_to_a_quote():
    units, gold = article(
        ["科技带来的好处，余某有着真切感受。", "“现在不怕的。”", "全市建成了6399台侦测基站。"],
        codes={"科技带来的好处，余某有着真切感受。": SS,
               "“现在不怕的。”": {**SS, "SPEAKER": "citizen"},
               "全市建成了6399台侦测基站。": {"QUANTIFIED": 1}})
    out = safety_claims(units, gold, ARTICLES)
    quote = claim(out, "“现在不怕的。”")
    assert (quote.evidence_type, quote.evidence_rule, quote.speaker) == ("resident testimony", "T1", "citizen")
    assert quote.statistic  # the figure next to it is kept as a flag, the resident's voice decides
    intro = claim(out, "科技带来的好处，余某有着真切感受。")
    assert (intro.evidence_type, intro.evidence_rule, intro.evidence_units) == ("resident testimony", "T2", "T-002")


def test_case_story_needs_an_outcome_and_a_dated_or_named_incident():
    case = ["前几天，刘先生的商铺里进贼了。", "民警很快抓获了小偷。", "市民有了实实在在的安全感。"]
    no_incident = ["民警很快抓获了小偷。", "这让市民有了安全感。"]
    units, gold = article(case, no_incident, codes={
        "民警很快抓获了小偷。": {"OUTCOME": 1}, "市民有了实实在在的安全感。": SS, "这让市民有了安全感。": SS})
    out = safety_claims(units, gold, ARTICLES)
    story = claim(out, "市民有了实实在在的安全感。")
    assert (story.evidence_type, story.evidence_rule) == ("case story", "C1")
    assert story.evidence_units == "T-001 T-002"
    assert claim(out, "这让市民有了安全感。").evidence_type == "bare assertion"


def test_case_story_of_a_named_person():
    units, gold = article(["通过视频得知孩子近况，胡某心里的大石头落了地。"],
                          codes={"通过视频得知孩子近况，胡某心里的大石头落了地。": SS})
    row = safety_claims(units, gold, ARTICLES).iloc[0]
    assert (row.evidence_type, row.evidence_rule, row.attribution) == ("case story", "C2", "technology")


def test_statistic_before_case_story_and_all_flags_kept():
    units, gold = article(["深夜发生一宗伤害案，警方仅用10小时就破案。", "一宗宗快速侦破的小案让市民有安全感。"], codes={
        "深夜发生一宗伤害案，警方仅用10小时就破案。": {"OUTCOME": 1, "QUANTIFIED": 1},
        "一宗宗快速侦破的小案让市民有安全感。": {**SS, "OUTCOME": 1}})
    row = safety_claims(units, gold, ARTICLES).iloc[0]
    assert (row.evidence_type, row.statistic, row.case_story, row.testimony) == ("statistic", True, True, False)


def test_titles_have_no_neighbours():
    units, gold = article(["全市刑事案件同比下降9.1%。"], title="民警个个成神探 百姓满满安全感",
                          codes={"民警个个成神探 百姓满满安全感": SS, "全市刑事案件同比下降9.1%。": {"QUANTIFIED": 1}})
    row = safety_claims(units, gold, ARTICLES).iloc[0]
    assert (row.kind, row.evidence_type, row.attribution) == ("title", "bare assertion", "police work")


def test_claims_table_columns_order_and_metadata():
    units, gold = article(["市民有安全感。"], ["百姓满意。"], codes={"市民有安全感。": SS, "百姓满意。": SS},
                          article_id="U")
    out = safety_claims(units.iloc[::-1], gold, ARTICLES)
    assert list(out.columns) == CLAIM_COLUMNS
    assert out.unit_id.tolist() == ["U-001", "U-002"]
    assert (out.year.tolist(), out.outlet.iloc[0], out.province.iloc[0]) == ([2020, 2020], "法制日报", "广东")


def test_codes_in_units_are_ignored_in_favour_of_gold():
    units, gold = article(["市民有安全感。"], codes={"市民有安全感。": SS})
    units["SAFETY_SENSE"] = 0
    assert len(safety_claims(units, gold, ARTICLES)) == 1


@pytest.mark.parametrize("text, attribution, rule", [
    ("“慧眼”与公安后台联网，有效提升群众的安全感。", "named system + police work", "A1 A3"),
    ("科技护城墙让群众更有安全感。", "named system", "A1"),
    ("大数据应用提升了群众安全感。", "technology", "A2"),
    ("有组数据特别能体现市民的安全感。", "none stated", "A0"),
    ("民警个个成神探 百姓满满安全感", "police work", "A3"),
    ("一宗宗快速侦破的小案让市民有安全感。", "police work", "A3"),
    ("安全曾是他最担心的问题。", "none stated", "A0"),
])
def test_attribution(text, attribution, rule):
    got = attribution_of(text)
    assert got[:2] == (attribution, rule)


# ====================================================================== freshness of data/


def test_committed_claims_tables_are_fresh():
    """data/safety_claims.csv and data/quantified_claims.csv equal what the functions give now."""
    units = pd.read_csv(paths.DATA / paths.UNITS_CSV)
    gold = pd.read_csv(paths.GOLD_CSV)
    articles = pd.read_csv(paths.DATA / paths.ARTICLES_CSV, keep_default_na=False)
    fresh = {
        paths.DATA / "safety_claims.csv": safety_claims(units, gold, articles),
        paths.DATA / "quantified_claims.csv": quantified_claims(units, articles, gold),
    }
    for path, table in fresh.items():
        assert path.read_text(encoding="utf-8") == table.to_csv(index=False, lineterminator="\n"), \
            f"{path.name} is stale: run notebook 04 (make study)"


def test_committed_claims_figures_are_fresh(tmp_path):
    """figures/04_*.png/.svg equal what the plotting functions draw now from the committed inputs."""
    from analysis.claims import plot_claims_by_evidence, plot_quantified_claims
    from analysis.plotting import save_figure, use_study_style

    use_study_style()
    units = pd.read_csv(paths.DATA / paths.UNITS_CSV)
    gold = pd.read_csv(paths.GOLD_CSV)
    articles = pd.read_csv(paths.DATA / paths.ARTICLES_CSV, keep_default_na=False)
    articles = articles[articles.relevant]
    written = list(save_figure(plot_claims_by_evidence(safety_claims(units, gold, articles), articles),
                               "04_claims_by_evidence_type", tmp_path))
    written += list(save_figure(plot_quantified_claims(quantified_claims(units, articles, gold), articles),
                                "04_quantified_claims_by_city", tmp_path))
    for new in written:
        assert new.read_bytes() == (paths.FIGURES / new.name).read_bytes(), \
            f"figures/{new.name} is stale: run make study"
