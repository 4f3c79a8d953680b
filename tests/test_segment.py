"""Tests of analysis.segment: articles → title/subtitle/heading/sentence units."""
from __future__ import annotations

import random
import re

import pandas as pd
import pytest

from analysis.segment import (
    HEADING_MAX_CHARS,
    KINDS,
    UNIT_COLUMNS,
    Unit,
    split_units,
    units_frame,
)

TITLE = "叫“阿刚”的那么多,怎么找出贩毒那个? 桐乡公安有朵“禁毒的云”,厉害了!"
BODY = (
    "桐乡,有世界互联网大会的永久举办地——乌镇,“智慧警务”也在这里实现了理念与目标的完美结合。\n"
    "“云打击”\n"
    "“大数据不仅是一种技术,同时也是一种工作思路,必须与实战紧密结合。”市公安局指挥中心有关负责人表示,"
    "网格化接处警是立体化社会治安防控体系建设的落地骨架。该项工作启动以来,成效明显!\n"
    "\n"
    "借力大数据 构建科技护城墙\n"
    "全市刑事案件同比下降17.37%,大数据建设应用迈向3.0版……打防管控工作已经实现新突破"
)


def _nows(s: str) -> str:
    return re.sub(r"\s", "", s)


def _sentences(text: str) -> list[str]:
    return [u.text for u in split_units("X", "", text) if u.kind == "sentence"]


# --------------------------------------------------------------------------
# the worked example


def test_worked_example():
    units = split_units("A03", TITLE, BODY, subtitle="温州公安“科技围城”创平安")
    assert [u.kind for u in units] == [
        "title", "subtitle", "sentence", "heading", "sentence", "sentence", "sentence",
        "heading", "sentence",
    ]
    assert [u.unit_id for u in units] == [f"A03-{n:03d}" for n in range(1, 10)]
    assert units[0] == Unit("A03-001", "A03", "title", -1, -1, TITLE)
    assert units[1].text == "温州公安“科技围城”创平安" and units[1].paragraph == -1
    assert units[3].text == "“云打击”"
    assert units[4].text == "“大数据不仅是一种技术,同时也是一种工作思路,必须与实战紧密结合。”"
    assert units[5].text.startswith("市公安局指挥中心") and units[5].text.endswith("落地骨架。")
    assert units[6].text == "该项工作启动以来,成效明显!"
    # blank line skipped: the heading after it is paragraph 3, not 4
    assert [u.paragraph for u in units] == [-1, -1, 0, 1, 2, 2, 2, 3, 4]
    assert units[8].text.endswith("已经实现新突破")  # tail without end mark kept
    for u in units:
        assert u.article_id == "A03"
        if u.kind in ("title", "subtitle"):
            assert u.position == -1
        else:
            assert BODY[u.position : u.position + len(u.text)] == u.text


def test_title_is_001_and_first():
    units = split_units("B7", "标题", "正文一句。正文二句。")
    assert units[0].unit_id == "B7-001" and units[0].kind == "title"
    assert [u.unit_id for u in units] == ["B7-001", "B7-002", "B7-003"]


@pytest.mark.parametrize("title,subtitle", [("", ""), ("  ", "\t"), (None, float("nan"))])
def test_empty_title_and_subtitle_give_no_unit(title, subtitle):
    units = split_units("C1", title, "一句话。", subtitle=subtitle)
    assert [(u.unit_id, u.kind) for u in units] == [("C1-001", "sentence")]


def test_title_and_subtitle_are_stripped():
    units = split_units("C2", "  标题 \n", "", subtitle=" 副标题 ")
    assert [(u.kind, u.text) for u in units] == [("title", "标题"), ("subtitle", "副标题")]


@pytest.mark.parametrize("bad", ["", "  ", None, 3])
def test_article_id_must_be_a_nonempty_string(bad):
    with pytest.raises(ValueError):
        split_units(bad, "标题", "正文。")


def test_text_must_be_text():
    with pytest.raises(TypeError):
        split_units("A1", "标题", ["正文。"])


# --------------------------------------------------------------------------
# sentence ends


@pytest.mark.parametrize(
    "text,expected",
    [
        # the brief's example: split after 。” and keep the quote on the sentence
        ("“大数据不仅是一种技术。”市公安局负责人表示,网格化是骨架。",
         ["“大数据不仅是一种技术。”", "市公安局负责人表示,网格化是骨架。"]),
        ("警方破案了!市民很满意?是的。", ["警方破案了!", "市民很满意?", "是的。"]),
        ("警方破案了！市民很满意？是的。", ["警方破案了！", "市民很满意？", "是的。"]),
        ("真的吗?!当然。", ["真的吗?!", "当然。"]),
        ("太好了！！！下一句。", ["太好了！！！", "下一句。"]),
        # every kind of closer is attached
        ("他说‘好。’然后走了。", ["他说‘好。’", "然后走了。"]),
        ("「可以。」『行！』（完。）(对?)末尾", ["「可以。」", "『行！』", "（完。）", "(对?)", "末尾"]),
        ("他说：“是吗？””另一句。", ["他说：“是吗？””", "另一句。"]),
        # not sentence ends: ellipsis, semicolons, colons, commas, ASCII full stop
        ("视频筛查锁定路线……实地排查掌握情况;继续侦查；然后:收网。",
         ["视频筛查锁定路线……实地排查掌握情况;继续侦查；然后:收网。"]),
        ("同比下降17.37%,迈向3.0版。第二句。", ["同比下降17.37%,迈向3.0版。", "第二句。"]),
        # ASCII ? and ! inside URLs and identifiers
        ("访问https://gaj.example.cn/query?id=3&x=1查询。第二句。",
         ["访问https://gaj.example.cn/query?id=3&x=1查询。", "第二句。"]),
        ("见www.example.com/a?b=1!好。", ["见www.example.com/a?b=1!", "好。"]),
        ("型号A?B9与3?4不拆。", ["型号A?B9与3?4不拆。"]),
        # the quotation rule is simple and documented: quotes are not tracked
        ("他说：“第一句。第二句。”记者问。", ["他说：“第一句。", "第二句。”", "记者问。"]),
        # text after the last end mark is a sentence of its own
        ("前一句。没有句号的尾巴", ["前一句。", "没有句号的尾巴"]),
    ],
    ids=[
        "brief-example", "ascii-marks", "fullwidth-marks", "mark-run-ascii", "mark-run-fullwidth",
        "single-quote", "all-closers", "double-closer", "not-ends", "decimals", "url-query",
        "url-then-bang", "identifiers", "quote-not-tracked", "tail",
    ],
)
def test_sentence_splitting(text, expected):
    # make the paragraph too long to be a heading
    pad = "这是一段足够长的开头文字，用来保证整个段落不会被当成小标题处理，而是被切成一个个句子。"
    assert len(pad) > HEADING_MAX_CHARS
    assert _sentences(pad + text) == [pad] + expected


def test_whitespace_pieces_are_dropped_and_units_stripped():
    text = "  第一句话很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。   。 \u3000第二句。  "
    units = split_units("W1", "", text)
    assert [u.text for u in units] == [
        "第一句话很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。   。",  # stray 。 stays with its sentence
        "第二句。",
    ]
    for u in units:
        assert u.text == u.text.strip() and u.text
        assert text[u.position : u.position + len(u.text)] == u.text


# --------------------------------------------------------------------------
# headings


@pytest.mark.parametrize(
    "para,is_heading",
    [
        ("“云打击”", True),
        ("借力大数据 构建科技护城墙", True),
        ("“全省唯一”的奥秘", True),
        ("二房东的亲身体验", True),
        ("依托“智慧新警务” 实现“打一个、破一串”的目标", True),
        ("凌晨,湖北宜昌。", False),
        ("“咱们这里的警察,了不起!”", False),
        ("真的吗？", False),
        ("视频筛查锁定犯罪嫌疑人来去路线,实地排查掌握销赃情况……", False),
        ("记者了解到：", False),
        ("一是开展信息采集；", False),
        ("警务、", False),
        ("字" * HEADING_MAX_CHARS, True),
        ("字" * (HEADING_MAX_CHARS + 1), False),
        ("  " + "字" * HEADING_MAX_CHARS + "  ", True),  # length counted stripped
    ],
)
def test_heading_detection(para, is_heading):
    units = split_units("H1", "", para)
    if is_heading:
        assert [(u.kind, u.text) for u in units] == [("heading", para.strip())]
    else:
        assert {u.kind for u in units} == {"sentence"}


# --------------------------------------------------------------------------
# invariants: nothing lost, nothing empty, stable ids, positions


SNIPPETS = [
    BODY,
    "凌晨,湖北宜昌。\n一烟酒店内香烟、现金被盗,价值6万余元。\n视频筛查锁定犯罪嫌疑人来去路线,实地排查掌握销赃情况……\n9小时后,警方查实嫌疑人销赃地点及住所,追回部分赃物。",
    "\n\n  \n“分工协作、信息共享,是快速侦破此案的关键。”宜昌市公安局特警支队勤务二大队民警徐洪博说。\n\n强打击\n",
    "“‘云上禁毒’不仅加强了对禁毒情报数据的智能研判。”桐乡禁毒大队郭大队长说。\r\n“云管控”\r\n",
    "",
    "   \n \t\n",
]


def _random_text(rng: random.Random) -> str:
    alphabet = list("警务数据安全感云智慧网格") + list("。！？!?") + list("”’」』）)“‘（(") + [
        " ", "\u3000", "\n", "\n", "……", ".", ",", "，", ";", "：", "3", "a", "=",
        "http://a.cn/x?y=1", "www.b.org",
    ]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 160)))


RANDOM_TEXTS = [_random_text(random.Random(seed)) for seed in range(200)]


def _check_invariants(article_id: str, text: str) -> None:
    units = split_units(article_id, "题", text, subtitle="副题")
    assert units[:2] == [
        Unit(f"{article_id}-001", article_id, "title", -1, -1, "题"),
        Unit(f"{article_id}-002", article_id, "subtitle", -1, -1, "副题"),
    ]
    assert [u.unit_id for u in units] == [f"{article_id}-{n:03d}" for n in range(1, len(units) + 1)]
    paragraphs = [p for p in text.split("\n") if p.strip()]
    body = units[2:]
    for u in body:
        assert u.kind in KINDS[2:]
        assert u.text and u.text == u.text.strip()
        assert text[u.position : u.position + len(u.text)] == u.text
    assert [u.position for u in body] == sorted(u.position for u in body)
    for i, para in enumerate(paragraphs):
        mine = [u for u in body if u.paragraph == i]
        assert mine, f"paragraph {i} produced no unit"
        assert _nows("".join(u.text for u in mine)) == _nows(para)
        if any(u.kind == "heading" for u in mine):
            assert len(mine) == 1
    assert {u.paragraph for u in body} <= set(range(len(paragraphs)))
    assert split_units(article_id, "题", text, subtitle="副题") == units  # deterministic


@pytest.mark.parametrize("text", SNIPPETS)
def test_invariants_on_snippets(text):
    _check_invariants("S01", text)


@pytest.mark.parametrize("seed", range(len(RANDOM_TEXTS)))
def test_invariants_on_random_texts(seed):
    _check_invariants(f"R{seed}", RANDOM_TEXTS[seed])


def test_paragraph_index_skips_blank_lines():
    text = "\n第一段。\n\n   \n第二段第一句。第二句。\n"
    units = split_units("P1", "", text)
    assert [(u.paragraph, u.position, u.text) for u in units] == [
        (0, 1, "第一段。"),
        (1, 11, "第二段第一句。"),
        (1, 18, "第二句。"),
    ]


# --------------------------------------------------------------------------
# units_frame


def _articles(**extra) -> pd.DataFrame:
    data = {
        "article_id": ["A01", "A02"],
        "title": ["智慧警务护航“三感社区”建设", "数据赋能筑牢公共安全防线"],
        "subtitle": ["", "信息化助力湖北政法机关履行“保一方平安”主责"],
        "text": ["近年来,贵阳公安深入推进大数据建设。\n打造立体化治安防控骨架", "凌晨,湖北宜昌。"],
    }
    data.update(extra)
    return pd.DataFrame(data)


def test_units_frame_columns_and_rows():
    df = units_frame(_articles())
    assert list(df.columns) == UNIT_COLUMNS
    assert df["unit_id"].tolist() == ["A01-001", "A01-002", "A01-003", "A02-001", "A02-002", "A02-003"]
    assert df["kind"].tolist() == ["title", "sentence", "heading", "title", "subtitle", "sentence"]
    assert df["paragraph"].dtype == "int64" and df["position"].dtype == "int64"
    assert df["unit_id"].is_unique
    expected = split_units("A02", "数据赋能筑牢公共安全防线", "凌晨,湖北宜昌。",
                           subtitle="信息化助力湖北政法机关履行“保一方平安”主责")
    assert [tuple(r) for r in df[df.article_id == "A02"][UNIT_COLUMNS].itertuples(index=False)] == [
        tuple(u) for u in expected
    ]


def test_units_frame_passes_city_through():
    df = units_frame(_articles(city=["贵阳", "宜昌"]))
    assert list(df.columns) == ["unit_id", "article_id", "city", "kind", "paragraph", "position", "text"]
    assert df.groupby("article_id")["city"].unique().map(list).to_dict() == {"A01": ["贵阳"], "A02": ["宜昌"]}


def test_units_frame_without_subtitle_column_and_with_missing_values():
    arts = _articles().drop(columns="subtitle")
    assert "subtitle" not in units_frame(arts)["kind"].tolist()
    arts = _articles()
    arts.loc[1, "subtitle"] = None
    arts["subtitle"] = arts["subtitle"].astype("string")  # pd.NA
    assert units_frame(arts)["kind"].tolist().count("subtitle") == 0


def test_units_frame_empty_and_errors():
    empty = units_frame(_articles().iloc[0:0])
    assert empty.empty and list(empty.columns) == UNIT_COLUMNS
    with pytest.raises(ValueError, match="duplicate"):
        units_frame(_articles(article_id=["A01", "A01"]))
    with pytest.raises(KeyError):
        units_frame(_articles().drop(columns="text"))


def test_units_frame_is_deterministic():
    pd.testing.assert_frame_equal(units_frame(_articles()), units_frame(_articles()))


def test_residue_without_words_stays_with_its_sentence():
    units = split_units("A01", "", "民警提高了办案的质量和效率。〓")
    assert [u.text for u in units] == ["民警提高了办案的质量和效率。〓"]
