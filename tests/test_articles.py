"""Layout rules on small synthetic pages (none of them taken from the seeds)."""
import pytest

from analysis.articles import is_byline, is_headline_like, layout
from analysis.clean import clean_text
from analysis.trail import Trail

PARA = "近年来，某市公安局依托大数据平台和视频监控系统，推进智慧警务建设，破案效率明显提升，群众安全感不断增强。"


def run(text):
    trail = Trail("page.txt", text)
    clean_text(trail)
    articles = layout(trail)
    assert trail.balance() == len(trail.text) == sum(len(a.text) for a in articles)
    return articles


@pytest.mark.parametrize(
    "line, ok",
    [
        ("本报记者 张三 通讯员 李四", True),
        ("记者 王小明", True),
        ("■张三 李四", True),
        ("《人民公安报》赵五 钱六", True),
        ("记者了解到，全市已建成平台。", False),
        ("本报记者在现场看到", False),
    ],
)
def test_byline(line, ok):
    assert is_byline(line) is ok


@pytest.mark.parametrize(
    "line, ok",
    [
        ("智慧警务护航平安城市", True),
        ("200多只羊死亡换来问责“清单”", True),  # a closing quote ends a title
        ("怎么找出贩毒那个？ 科技有力量！", True),
        ("民警赶到现场。", False),
        ("“现在不怕了。”", False),
        ("案发后，受害人跟一名男子发生争执后，被该", False),  # prose cut by the layout
        ("东莞构建智慧新警务 “让东莞更平安，让群众更满意”", True),  # comma inside quotes
    ],
)
def test_headline_like(line, ok):
    assert is_headline_like(line) is ok


def test_two_articles_with_opening_bylines_and_a_cut_paragraph():
    page = (
        "科技让警务更聪明\n\n本报记者 张三\n\n" + PARA + "\n\n" + PARA[:30] + "\n\n" + PARA[30:] + "\n\n"
        "果园丰收节开幕\n\n通讯员 李四\n\n今年的苹果大丰收，果农们喜笑颜开。\n"
    )
    first, second = run(page)
    assert first.title == "科技让警务更聪明" and first.bylines == ["本报记者 张三"]
    assert first.text == PARA + "\n" + PARA  # the cut paragraph is re-joined
    assert second.title == "果园丰收节开幕" and second.text == "今年的苹果大丰收，果农们喜笑颜开。"
    assert first.relevant and not second.relevant


def test_closing_byline_then_new_title_block_after_a_gap():
    page = (
        "大数据织密防控网\n\n某市公安探索新模式\n\n" + PARA + "\n\n本报记者 张三\n\n" + PARA + "\n\n\n\n"
        "天网护平安 群众齐点赞\n\n视频监控守护街巷\n\n" + PARA + "\n"
    )
    first, second = run(page)
    assert (first.title, first.subtitle) == ("大数据织密防控网", "某市公安探索新模式")
    assert first.text == PARA + "\n" + PARA  # the paragraph after the byline stays with its article
    assert (second.title, second.subtitle) == ("天网护平安 群众齐点赞", "视频监控守护街巷")


def test_mid_article_byline_and_single_heading_do_not_split():
    page = "智慧警务新观察\n\n" + PARA + "\n\n■张三\n\n一、数据赋能\n\n" + PARA + "\n"
    (article,) = run(page)
    assert article.text == PARA + "\n一、数据赋能\n" + PARA


def test_captions_after_image_gaps_and_kicker():
    page = (
        "特别报道\n\n科技强警见成效\n\n" + PARA + "\n\n\n\n民警查看监控画面\n\n\n\n" + PARA + "\n\n\n\n"
        "缴获的赃物\n\n打击更精准\n\n" + PARA + "\n\n\n\n值班民警研判警情\n"
    )
    (article,) = run(page)
    assert article.kicker == "特别报道" and article.title == "科技强警见成效"
    assert article.captions == ["民警查看监控画面", "缴获的赃物", "值班民警研判警情"]
    assert article.text == PARA + "\n" + PARA + "\n打击更精准\n" + PARA


def test_trailing_credit_and_furniture():
    page = "人民网\n小字号\n数据护航平安\n\n2021年05月06日08:00 | 来源：某某日报\n\n" + PARA + "（记者 张三 李四）\n\n（责编：王五）\n\n返回顶部"
    (article,) = run(page)
    assert article.title == "数据护航平安"
    assert article.bylines == ["（记者 张三 李四）"]
    assert article.text == PARA
