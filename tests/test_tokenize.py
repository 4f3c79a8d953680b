"""Tests of analysis.tokenize: the project's one jieba wrapper."""
from __future__ import annotations

import logging
import re

import pandas as pd
import pytest

from analysis.codebook import load_codebook

from analysis import tokenize as tkmod
from analysis.tokenize import (
    HMM,
    USERDICT,
    domain_terms,
    is_punct,
    kwic,
    stopwords,
    token_spans,
    tokenize,
)

# Terms the brief requires in the dictionary.
REQUIRED_TERMS = """
智慧警务 汗水警务 大数据 云计算 人脸识别 物联网 科技护城墙 慧眼 天网 雪亮工程 三感 三感社区
安全感 获得感 幸福感 满意度 一标三实 二标四实 四标四实 网格警 网格化 合成作战 合成作战室
信息化实战中心 情报魔方 警企合作 视频监控 智能门禁 电子警察 警务云 视频云 平安城市 最强大脑
串并案 两抢一盗 易制毒化学品 伪基站 禁毒 云管控 云打击 云宣传 情报信息 打防管控 立体化
移动警务 人像大数据 万物互联 同比下降 同比上升 刑事案件 命案积案
""".split()

# Two sentence frames; each term sits between Chinese characters on both sides.
CONTEXTS = [
    "当地警方全面推进{}工作，取得明显成效。",
    "记者了解到以{}为代表的新举措已经落地。",
]

TERMS = domain_terms()
MULTI_CHAR_TERMS = [t for t in TERMS if len(t) > 1]


# --------------------------------------------------------------------------
# the dictionary


def test_required_terms_are_in_the_dictionary():
    missing = [t for t in REQUIRED_TERMS if t not in TERMS]
    assert not missing


def test_dictionary_file_is_plain_jieba_format():
    """One ``word freq tag`` a line: loadable by jieba.load_userdict as it is."""
    lines = USERDICT.read_text(encoding="utf-8").splitlines()
    assert lines, "empty user dictionary"
    for line in lines:
        assert re.fullmatch(r"\S+ [1-9][0-9]* [a-z]+", line), line
    assert len(TERMS) == len(set(TERMS)) == len(lines)
    assert TERMS == [line.split()[0] for line in lines]  # file order


def test_domain_terms_returns_a_fresh_list():
    terms = domain_terms()
    terms.append("不是词")
    assert "不是词" not in domain_terms()


@pytest.mark.parametrize("term", MULTI_CHAR_TERMS)
def test_term_alone_is_one_token(term):
    assert tokenize(term) == [term]


@pytest.mark.parametrize("context", CONTEXTS, ids=["context1", "context2"])
@pytest.mark.parametrize("term", MULTI_CHAR_TERMS)
def test_term_in_sentence_is_one_token(term, context):
    sentence = context.format(term)
    tokens = tokenize(sentence)
    assert term in tokens, "/".join(tokens)
    assert "".join(tokens) == re.sub(r"\s", "", sentence)


@pytest.mark.parametrize(
    "sentence,expected",
    [
        # nested terms: the longer one wins
        ("贵阳推进三感社区建设", ["贵阳", "推进", "三感社区", "建设"]),
        ("提升群众三感", ["提升", "群众", "三感"]),
        ("组建合成作战室开展合成作战", ["组建", "合成作战室", "开展", "合成作战"]),
        ("人像大数据和大数据", ["人像大数据", "和", "大数据"]),
        # the dictionary does not swallow characters of a likelier neighbour
        ("扩大数据共享范围", ["扩大", "数据共享", "范围"]),
        ("最大数据量", ["最大", "数据量"]),
    ],
)
def test_segmentation_golden(sentence, expected):
    assert tokenize(sentence) == expected


# --------------------------------------------------------------------------
# HMM off, determinism, private tokenizer


def test_hmm_is_off():
    assert HMM is False
    # out-of-vocabulary names are not guessed as words: single characters
    assert tokenize("余治成说") == ["余", "治", "成", "说"]


STABILITY_SNIPPETS = [
    "桐乡,有世界互联网大会的永久举办地——乌镇,“智慧警务”也在这里实现了理念与目标的完美结合。",
    "2019年全年立刑事案件同比下降17.37%,“两抢”、盗窃案件以及“八类案件”同比大幅下降。",
    "房客们都管34岁的余治成叫老余,因为他在温州做二房东已经有10多年。",
    "绍兴公安信息化实战警务打造“最强大脑”,民警个个成神探,百姓满满安全感。",
    "借力“慧眼”小视频 10小时破故意伤害案",
]


def test_tokenize_is_deterministic_and_order_independent():
    first = [tokenize(s) for s in STABILITY_SNIPPETS]
    again = [tokenize(s) for s in reversed(STABILITY_SNIPPETS)][::-1]
    assert first == again
    assert [tokenize(s) for s in STABILITY_SNIPPETS] == first


def test_fresh_tokenizer_gives_the_same_tokens():
    fresh = tkmod._build_tokenizer()
    assert fresh is not tkmod._tokenizer()
    for s in STABILITY_SNIPPETS:
        assert fresh.lcut(s, HMM=False) == tkmod._tokenizer().lcut(s, HMM=False)


def test_tokenizer_is_private_and_built_once():
    import jieba

    tk = tkmod._tokenizer()
    assert tk is tkmod._tokenizer()
    assert tk is not jieba.dt
    assert "智慧警务" not in jieba.dt.FREQ  # the global tokenizer is left alone
    assert "智慧警务" in tk.FREQ


def test_building_the_tokenizer_is_silent(caplog):
    caplog.set_level(logging.DEBUG, logger="jieba")
    tkmod._build_tokenizer()
    assert [r for r in caplog.records if r.name.startswith("jieba")] == []
    assert logging.getLogger("jieba").level == logging.DEBUG  # restored afterwards


# --------------------------------------------------------------------------
# token spans, whitespace, numbers, punctuation


@pytest.mark.parametrize("text", STABILITY_SNIPPETS + [" 前后 有\t空白\n换行  ", "", "。！？……", "a b 3.0 x"])
def test_token_spans_are_lossless(text):
    spans = token_spans(text)
    assert "".join(t for t, _, _ in spans) == text
    assert all(text[s:e] == t and t for t, s, e in spans)
    assert [s for _, s, _ in spans] == sorted(s for _, s, _ in spans)


def test_whitespace_is_never_a_token():
    assert tokenize(" 智慧警务 \n\t 大数据\u3000") == ["智慧警务", "大数据"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("同比下降17.37%", ["同比下降", "17.37%"]),
        ("迈向3.0版", ["迈向", "3.0", "版"]),
        ("下降20%", ["下降", "20%"]),
        ("2019年", ["2019", "年"]),
        ("G20峰会", ["G20", "峰会"]),
    ],
)
def test_numbers_stay_whole(text, expected):
    assert tokenize(text) == expected


def test_punctuation_kept_by_default_and_dropped_on_request():
    text = "“智慧警务”,让群众更有安全感！(记者 张三)……17.37%+"
    assert tokenize(text) == [
        "“", "智慧警务", "”", ",", "让", "群众", "更", "有", "安全感", "！",
        "(", "记者", "张", "三", ")", "…", "…", "17.37%", "+",
    ]
    assert tokenize(text, drop_punct=True) == [
        "智慧警务", "让", "群众", "更", "有", "安全感", "记者", "张", "三", "17.37%",
    ]


@pytest.mark.parametrize("token,expected", [
    ("。", True), ("“", True), ("……", True), ("%", True), ("+", True), ("￥", True), (" ", True),
    ("17.37%", False), ("警务", False), ("G20", False), ("", False),
])
def test_is_punct(token, expected):
    assert is_punct(token) is expected


# --------------------------------------------------------------------------
# stop words


def test_stopwords_source():
    sw = stopwords()
    assert isinstance(sw, frozenset)
    assert len(sw) > 700  # stopwords-iso zh has 794 entries
    assert {"的", "了", "我们", "因为", "通过"} <= sw
    assert all(w and w == w.strip() for w in sw)


def test_no_domain_term_is_a_stopword():
    assert set(TERMS) & stopwords() == set()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("我们的禁毒宣传多是通过电视报纸进行", ["禁毒", "宣传", "电视", "报纸", "进行"]),
        # the list is used as published: it also holds 到, 得, 有, 很, 好 and ，。！
        ("因为网格警到得快，所以群众有安全感。", ["网格警", "快", "群众", "安全感"]),
    ],
)
def test_stopwords_removed_when_asked(text, expected):
    kept = tokenize(text)
    assert any(t in stopwords() for t in kept)
    dropped = tokenize(text, drop_stopwords=True)
    assert dropped == expected
    assert not any(t in stopwords() for t in dropped)
    assert dropped == [t for t in kept if t not in stopwords()]


def test_both_filters_together():
    text = "我们推进“智慧警务”，效果明显！"
    assert tokenize(text, drop_stopwords=True) == ["推进", "“", "智慧警务", "”", "效果", "明显"]
    assert tokenize(text, drop_stopwords=True, drop_punct=True) == ["推进", "智慧警务", "效果", "明显"]


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_missing_text_gives_no_tokens(missing):
    assert tokenize(missing) == []


def test_non_text_is_an_error():
    with pytest.raises(TypeError):
        tokenize(42)


# --------------------------------------------------------------------------
# keyword in context

UNITS = pd.Series(
    {
        "A01-002": "提升群众安全感，保障安全。",
        "A01-003": "安全第一",
        "A02-004": "人像大数据和大数据都很重要，大数据！",
        "A02-005": None,
    }
)


def test_kwic_by_token_does_not_match_inside_longer_words():
    df = kwic(UNITS, "安全", width=4)
    assert list(df.columns) == ["id", "left", "keyword", "right"]
    assert df.to_dict("records") == [
        {"id": "A01-002", "left": "感，保障", "keyword": "安全", "right": "。"},
        {"id": "A01-003", "left": "", "keyword": "安全", "right": "第一"},
    ]


def test_kwic_by_char_matches_substrings():
    df = kwic(UNITS, "安全", width=4, by="char")
    assert df[["id", "left", "right"]].values.tolist() == [
        ["A01-002", "提升群众", "感，保障"],
        ["A01-002", "感，保障", "。"],
        ["A01-003", "", "第一"],
    ]


def test_kwic_contexts_and_ids():
    df = kwic(UNITS, "大数据", width=3)
    assert df.values.tolist() == [
        ["A02-004", "数据和", "大数据", "都很重"],
        ["A02-004", "重要，", "大数据", "！"],
    ]
    df_char = kwic(UNITS, "大数据", width=3, by="char")
    assert df_char["left"].tolist() == ["人像", "数据和", "重要，"]


def test_kwic_default_width_is_15():
    text = "一二三四五六七八九十一二三四五六七八九十智慧警务一二三四五六七八九十一二三四五六七八九十"
    row = kwic({"x": text}, "智慧警务").iloc[0]
    assert (len(row["left"]), len(row["right"])) == (15, 15)
    assert row["left"] == text[5:20] and row["right"] == text[24:39]


def test_kwic_accepts_mappings_and_lists():
    assert kwic({"u1": "推进智慧警务"}, "智慧警务")["id"].tolist() == ["u1"]
    assert kwic(["无关", "推进智慧警务"], "智慧警务")["id"].tolist() == [1]


def test_kwic_multi_token_term():
    texts = {"u1": "加强公安工作，公安 工作和公安局工作"}
    df = kwic(texts, "公安工作", width=2)
    assert df["keyword"].tolist() == ["公安工作", "公安 工作"]


def test_kwic_no_match_and_zero_width():
    empty = kwic(UNITS, "伪基站")
    assert empty.empty and list(empty.columns) == ["id", "left", "keyword", "right"]
    df = kwic(UNITS, "安全", width=0)
    assert set(df["left"]) == set(df["right"]) == {""}


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"term": "安全", "by": "word"}, ValueError),
        ({"term": ""}, ValueError),
        ({"term": "  "}, ValueError),
        ({"term": "安全", "width": -1}, ValueError),
    ],
)
def test_kwic_argument_errors(kwargs, error):
    with pytest.raises(error):
        kwic(UNITS, **kwargs)


def test_kwic_rejects_a_single_string():
    with pytest.raises(TypeError):
        kwic("安全第一", "安全")


def test_kwic_is_deterministic():
    pd.testing.assert_frame_equal(kwic(UNITS, "大数据"), kwic(UNITS, "大数据"))


@pytest.mark.parametrize("term", load_codebook().terms)
@pytest.mark.parametrize("frame", ["据介绍，{}工作取得进展。", "记者了解到{}。"])
def test_every_term_the_codebook_names_is_one_token(term, frame):
    assert term in tokenize(frame.format(term))


@pytest.mark.parametrize("text", ["增长17.37%，破案3起", "智慧警务 新观察\n\n“雪亮工程”", "2019年 ABC-12 天网", "", "   "])
def test_tokenize_gives_the_tokens_of_token_spans(text):
    assert tokenize(text) == [t for t, _, _ in token_spans(text) if not t.isspace()]
