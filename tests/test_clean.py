"""Text-level cleaning steps on small snippets, most of them not from the seeds."""
import pytest

from analysis import clean
from analysis.trail import Trail


def apply(step, text):
    trail = Trail("snippet", text)
    trail.apply("test", step(text))
    return trail.text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("智慧警務(wù)護(hù)航", "智慧警務護航"),
        ("大數(shù)據(jù)平台", "大數據平台"),
        ("民警(mín jǐng)巡逻", "民警巡逻"),
        ("警察（jǐng chá）到了", "警察到了"),
        ("绿色(lv4)出行", "绿色出行"),  # numbered tones
        ("(记者 胡新桥)", "(记者 胡新桥)"),  # a real parenthesis stays
        ("周华(化名)说", "周华(化名)说"),
        ("安装DNA(DNA)设备", "安装DNA(DNA)设备"),
        ("开发了一款(app)软件", "开发了一款(app)软件"),  # not pinyin
        ("他说(a)选项", "他说(a)选项"),  # untoned single syllable: too ambiguous
        ("価格(price)", "価格(price)"),
        ("〓fù)責", "〓責"),  # ruby whose bracket was lost to mojibake
    ],
)
def test_pinyin_ruby(raw, expected):
    assert apply(clean.pinyin_edits, raw) == expected


@pytest.mark.parametrize("chunk, ok", [("wù", True), ("zhǔn", True), ("jǐng chá", True), ("lv4", True),
                                       ("app", False), ("wu", False), ("DNA", False), ("xyzà", False)])
def test_is_pinyin(chunk, ok):
    assert clean.is_pinyin(chunk) is ok


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("效率。”</span>", "效率。”"),
        ("<p>民警</p>到达", "民警到达"),
        ('<a href="x">天网</a>', "天网"),
        ("<!-- ad -->新闻", "新闻"),
        ("A&amp;B&nbsp;C", "A&B C"),
        ("3 < 5 且 5 > 3", "3 < 5 且 5 > 3"),  # comparison signs are not tags
    ],
)
def test_markup(raw, expected):
    assert apply(clean.markup_edits, raw) == expected


@pytest.mark.parametrize(
    "raw, expected, script",
    [
        ("隨著貴陽公安現代化步伐不斷加快", "随着贵阳公安现代化步伐不断加快", "Traditional"),
        ("網格警到得快、控得住", "网格警到得快、控得住", "Traditional"),
        ("温州警方推广出租房管理模式", "温州警方推广出租房管理模式", "Simplified"),
    ],
)
def test_traditional_to_simplified(raw, expected, script):
    assert clean.detect_script(raw) == script
    assert apply(clean.script_edits, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("下降,2019年", "下降，2019年"),
        ("怎么办?如果", "怎么办？如果"),
        ("“亮红灯”,湖北", "“亮红灯”，湖北"),
        ("通过App,群众", "通过App，群众"),
        ("1,000元", "1,000元"),  # digit grouping stays
        ("09:08", "09:08"),
        ("G20, G7", "G20, G7"),
    ],
)
def test_punctuation(raw, expected):
    assert apply(clean.punctuation_edits, raw) == expected


@pytest.mark.parametrize(
    "line, kind, field",
    [
        ("人民网", "furniture", None),
        ("小字号", "furniture", None),
        ("原标题:数据赋能筑牢防线", "metadata", "original_title"),
        ("(责编:张扬、孝金波)", "metadata", "editor"),
        ("责任编辑：王五", "metadata", "editor"),
        ("2021年03月02日10:15 | 来源：新华社", "metadata", "dateline"),
        ("分享让更多人看到", "furniture", None),
        ("返回顶部", "furniture", None),
        ("分享到：微信 微博", "furniture", None),
    ],
)
def test_furniture_lines(line, kind, field):
    rule, values = clean.match_furniture(line)
    assert rule["kind"] == kind
    assert rule.get("field") == field


@pytest.mark.parametrize("line", ["人民网记者了解到，全省已建成平台。", "返回顶部的按钮被点击了三次。", "小字号"[:2]])
def test_furniture_leaves_prose(line):
    assert clean.match_furniture(line) is None


def test_spaces_and_trim():
    text = "（记者\u00a0 胡新桥\u3000刘志月）  \n  民警"
    trail = Trail("snippet", text)
    trail.apply("spaces", clean.space_edits(trail.text))
    trail.apply("trim", clean.trim_edits(trail.text))
    assert trail.text == "（记者 胡新桥 刘志月）\n民警"
    assert trail.balance() == len(trail.text)


@pytest.mark.parametrize(
    "clean_text",
    [
        "民警个个成神探，百姓满满安全感。",
        "“大数据不仅是一种技术。”市公安局负责人表示。",
        "2019年全年立刑事案件同比下降17.37%，“两抢”案件大幅下降。",
        "周华（化名）说，怎么找出贩毒那个？",
    ],
)
def test_clean_string_is_idempotent_on_clean_text(clean_text):
    assert clean.clean_string(clean_text) == clean_text


def test_full_text_stage_on_a_messy_snippet():
    messy = "人民网\n智慧警務(wù)護(hù)航,隨著大數(shù)據(jù)發展。”</span>\n返回顶部"
    assert clean.clean_string(messy) == "\n智慧警务护航，随着大数据发展。”\n"
