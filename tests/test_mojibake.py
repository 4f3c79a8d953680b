"""GBK byte-shift mojibake: round trips on sentences of our own, the real seed file, and no false alarms."""
import time

import pytest

from analysis import mojibake
from analysis.mojibake import PLACEHOLDER, Repair, find_repairs, repair, shifted_decode
from analysis.paths import SEEDS

HALF = str.maketrans("，？！：；", ",?!:;")  # what the scraper did to fullwidth punctuation


def corrupt(marked: str) -> tuple[str, str]:
    """``marked`` has a '|' where one GBK byte is lost; returns (original, damaged) as the scraper left them."""
    at = marked.index("|")
    original = marked.replace("|", "")
    raw = original[at:].encode("gbk")
    damaged = original[:at] + "?" + shifted_decode(raw[1:])  # the lost byte shows as '?'
    return original.translate(HALF), damaged.translate(HALF)


ROUND_TRIPS = [
    # Traditional: the many GBK codes with a trail byte below 0x80 put the decoder back in step soon
    ("民警告訴記者|。”該系統已經上線", "民警告訴記者。”該系統已經上線"),
    ("大數據平台|讓辦案更快。", "大數據平台讓辦案更快。"),
    ("張警官說|。”隨後，他們趕到現場。", "張警官說。”隨後，他們趕到現場。"),
    ("市公安局|發佈通報稱，嫌疑人已被抓獲。", "市公安局發佈通報稱，嫌疑人已被抓獲。"),
    # a pair that vanished (95 FE | C0 5E): 會 and 繼 each lost a byte
    ("這名負責人說|：“我們會繼續努力。”", "這名負責人說：“我們〓〓續努力。”"),
    # pinyin ruby: the invalid pair (93 28) swallowed the '(' that the ruby still shows
    ("記者了解到|。”該負(fù)責(zé)人表示", "記者了解到。”該〓(fù)責(zé)人表示"),
    ("民警表示|。”(wù)", "民警表示。〓(wù)"),
    # Simplified: the shift runs on until an ASCII byte
    ("办案民警说|。”APP", "办案民警说。”APP"),
    ("记者了解到|。”市公安局推出了APP", "记者了解到。”市〓〓局推出了APP"),
    ("派出所民警表示|。”</p>", "派出所民警表示。〓</p>"),
]


@pytest.mark.parametrize("marked, expected", ROUND_TRIPS)
def test_round_trip(marked, expected):
    original, damaged = corrupt(marked)
    assert damaged != original
    fixed, repairs = repair(damaged)
    fixed = fixed.translate(HALF)  # realigned bytes decode to fullwidth marks; compare as the scraper wrote
    assert fixed == expected.translate(HALF)
    # every character is either the original one or a visible placeholder for a lost one
    assert len(fixed) == len(original)
    assert all(a == b or a == PLACEHOLDER for a, b in zip(fixed, original))
    assert len(repairs) == 1 and repairs[0].detail.startswith("GBK byte shift +1")


def test_corruption_helper_reproduces_the_seed_span():
    _, damaged = corrupt("結合|。”市公安局指揮中心")
    assert damaged == "結合?!笔泄簿种笓]中心"  # exactly as in seeds/001


def test_python_decoder_variant_without_mark():
    """Python's own decoder skips one byte of an invalid pair and is back in step: no leading '?'."""
    original = "。”市公安局指揮中心"
    damaged = original.encode("gbk")[1:].decode("gbk", errors="replace").replace("\ufffd", "?")
    assert damaged == "！笔泄?安局指揮中心"
    text = "有关负责人表示：“大数据必须与实战紧密结合" + damaged + "有关负责人表示"
    fixed, repairs = repair(text)
    assert "紧密结合。”市〓安局指揮中心有关" in fixed
    assert [r.before for r in repairs] == ["！笔泄?"]


def test_unrecoverable_bytes_become_placeholders():
    fixed, repairs = repair("必須與實戰緊密結合?!笔泄簿种笓]中心")
    assert fixed == "必須與實戰緊密結合。”市〓〓局指揮中心"
    assert "2 lost chars" in repairs[0].detail and "公安" in repairs[0].detail  # the guess is only reported


@pytest.mark.parametrize(
    "clean",
    [
        "身份找到现实中的毒贩?如果使用传统手段来确认",
        "怎么找出贩毒那个? 桐乡公安有朵“禁毒之花”",
        "他真的会来吗?我不知道。",
        "這是真的嗎?他問。",
        "全省唯一”的奥秘在哪儿?信息化实战警务!“我们建立了",
        "真的吗?!",
        "市民可通过APP报警,也可以做B超检查。",
        "智慧警務(wù)護(hù)航“三感社區(qū)”建設(shè)",
        "周华(化名)说:“A股和3G都不是问题。”",
        "已经修复的文本〓(fù)責",
        "",
    ],
)
def test_clean_text_is_untouched(clean):
    assert find_repairs(clean) == []
    assert repair(clean) == (clean, [])


@pytest.mark.parametrize("marked, _", ROUND_TRIPS)
def test_idempotent(marked, _):
    once, _repairs = repair(corrupt(marked)[1])
    twice, more = repair(once)
    assert twice == once and more == []


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed001():
    text = _seed("001")
    return text, find_repairs(text)


def test_offsets_match_the_input(seed001):
    text, repairs = seed001
    assert repairs == sorted(repairs, key=lambda r: r.start)
    for r, nxt in zip(repairs, repairs[1:]):
        assert r.end <= nxt.start
    for r in repairs:
        assert isinstance(r, Repair) and text[r.start:r.end] == r.before and r.before != r.after
    rebuilt, last = [], 0
    for r in repairs:
        rebuilt += [text[last:r.start], r.after]
        last = r.end
    assert "".join(rebuilt) + text[last:] == repair(text)[0]


def test_seed_001_spans_are_repaired(seed001):
    text, repairs = seed001
    assert len(repairs) >= 6
    fixed = repair(text)[0]
    for damaged in ["?!笔泄簿种笓]", "?!痹撠?", "??梢哉f", "?!?/span>", "?!辟F", "?yàn)榫W"]:
        assert damaged in text and damaged not in fixed
    for plausible in ["。”市〓〓局指揮中心", "。”該〓(fù)責(zé)人表示", "。可以說,", "。〓</span>", "。”貴陽市", "因為網(wǎng)"]:
        assert plausible in fixed
    for r in repairs:  # each repair reads better than what it replaced
        assert mojibake.text_score(r.after.replace(PLACEHOLDER, "")) > mojibake.text_score(r.before)
    assert repair(fixed) == (fixed, [])


@pytest.mark.parametrize("prefix", ["000", "002", "003", "004"])
def test_no_false_positives_on_other_seeds(prefix):
    assert find_repairs(_seed(prefix)) == []


def test_text_without_traces_costs_nothing():
    text = "民警通过大数据平台锁定嫌疑人，随后将其抓获。" * 5000  # 110,000 characters, no '?'
    start = time.perf_counter()
    assert find_repairs(text) == []
    assert time.perf_counter() - start < 0.2


def test_text_score_prefers_chinese_to_mojibake():
    assert mojibake.text_score("市公安局指挥中心有关负责人表示") > mojibake.text_score("笔泄簿种笓]中心")


def test_batch_scoring_agrees_with_one_at_a_time():
    """The model's batch paths (logps, scores) give exactly the values of logp and score, memo or not."""
    m = mojibake.model()
    text = _seed("001").replace("\n", "")[:600]
    cs = sorted(set(text)) + [PLACEHOLDER, "?", ",", "a", "1", " "]
    contexts = [(None, None), (None, PLACEHOLDER), (PLACEHOLDER, text[0])]
    contexts += [(text[i], text[i + 1]) for i in range(0, 200, 7)]
    texts = {k: [text[i:i + k] for i in range(0, 300, 3)] for k in (1, 2, 3)}
    texts[3] += [c + PLACEHOLDER + d for c, d in zip(text[:40], text[40:80])]
    for a, b in contexts:
        m._memo.clear()
        batch = m.logps(a, b, cs)
        batch_scores = {k: m.scores(ts, a, b) for k, ts in texts.items()}
        m._memo.clear()
        assert batch == [m.logp(a, b, c) for c in cs]
        m._memo.clear()
        assert batch_scores == {k: [m.score(t, a, b) for t in ts] for k, ts in texts.items()}


def test_one_long_line_is_read_once(monkeypatch):
    """Finding the line of each trigger must not rescan a long line (quadratic in its length)."""
    calls = []
    line = mojibake._line
    monkeypatch.setattr(mojibake, "_line", lambda text, pos: calls.append(pos) or line(text, pos))
    text = "他真的会来吗?我不知道。" * 2000 + "\n" + "這是真的嗎?他問。" * 10
    assert find_repairs(text) == []
    assert len(calls) == 2
