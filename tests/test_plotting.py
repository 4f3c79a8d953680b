"""Shared figure style: Chinese glyphs render, files are reproducible, glossary labels."""
from __future__ import annotations

import re
import struct
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from analysis import plotting  # noqa: E402
from analysis.glossary import load_glossary  # noqa: E402
from analysis.plotting import FONT_FAMILY, gloss, save_figure, use_study_style  # noqa: E402

GLYPH_MISSING = re.compile(r"Glyph \d+ .*missing from font")


@pytest.fixture
def study_style():
    """Apply the study style, restoring matplotlib's global state afterwards."""
    with mpl.rc_context():
        use_study_style()
        yield
    plt.close("all")


def chinese_figure():
    """A figure with Chinese in title, axis labels, tick labels and legend."""
    fig, ax = plt.subplots()
    years = [2016, 2017, 2018]
    ax.plot(years, [3, -1, 4], label=gloss("安全感"))
    ax.plot(years, [1, 2, -2], label=gloss("获得感"))
    ax.set_title(gloss("智慧警务"))
    ax.set_xlabel("年份 (year)")
    ax.set_ylabel("报道数 (articles)")
    ax.set_xticks(years, labels=["二〇一六年", "二〇一七年", "二〇一八年"])
    ax.legend(title="三感")
    return fig


def glyph_warnings(fig, tmp_path: Path) -> list[str]:
    """Draw and save ``fig``; return every "Glyph … missing" warning raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
        save_figure(fig, "glyphs", directory=tmp_path)
    return [str(w.message) for w in caught if GLYPH_MISSING.search(str(w.message))]


@pytest.mark.parametrize(
    ("family", "expect_missing"),
    [(None, False), ("DejaVu Sans", True)],  # DejaVu Sans: negative control, no CJK glyphs
    ids=["study-font", "control-dejavu"],
)
def test_chinese_glyphs_render(study_style, tmp_path, family, expect_missing):
    rc = {} if family is None else {"font.family": [family]}
    with mpl.rc_context(rc):
        missing = glyph_warnings(chinese_figure(), tmp_path)
    if expect_missing:
        assert missing, "control font drew Chinese without warnings: the check is blind"
    else:
        assert missing == []


def test_font_comes_from_mplfonts_by_path(study_style):
    path = plotting.font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf"
    assert path.parent.name == "fonts" and path.parent.parent.name == "mplfonts"
    found = font_manager.findfont(
        font_manager.FontProperties(family=FONT_FAMILY), fallback_to_default=False
    )
    assert Path(found) == path
    assert mpl.rcParams["font.family"][0] == FONT_FAMILY


def test_missing_font_fails_clearly(monkeypatch):
    monkeypatch.setattr(plotting, "FONT_FILE", "NoSuchFont.otf")
    with pytest.raises(RuntimeError, match="NoSuchFont.otf not found in mplfonts/fonts/"):
        plotting.font_path()


def test_style_is_idempotent_and_colourblind_safe(study_style):
    registered = len(font_manager.fontManager.ttflist)
    before = dict(mpl.rcParams)
    use_study_style()
    assert len(font_manager.fontManager.ttflist) == registered
    assert dict(mpl.rcParams) == before
    assert mpl.rcParams["axes.unicode_minus"] is False
    cycle = [to_hex(c) for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle == sns.color_palette("colorblind").as_hex()


def png_chunk_types(data: bytes) -> list[bytes]:
    types, i = [], 8
    while i < len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        types.append(data[i + 4 : i + 8])
        i += 12 + length
    return types


def test_save_figure_is_byte_identical(study_style, tmp_path):
    first = save_figure(chinese_figure(), "fig", directory=tmp_path / "a")
    second = save_figure(chinese_figure(), "fig", directory=tmp_path / "b")
    assert [p.name for p in first] == ["fig.png", "fig.svg"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    # saving the same figure again over the old files changes nothing either
    fig = chinese_figure()
    again = [p.read_bytes() for p in save_figure(fig, "fig", directory=tmp_path / "a")]
    assert again == [p.read_bytes() for p in first]

    png, svg = (p.read_bytes() for p in first)
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(png_chunk_types(png))
    assert b"<dc:date>" not in svg and b"Matplotlib" not in svg


def test_save_figure_default_location(study_style, monkeypatch, tmp_path):
    monkeypatch.setattr("analysis.paths.FIGURES", tmp_path / "figures")
    png, svg = save_figure(chinese_figure(), "99_test")
    assert (png, svg) == (tmp_path / "figures" / "99_test.png", tmp_path / "figures" / "99_test.svg")
    assert png.is_file() and svg.is_file()


def test_gloss_known_and_unknown_terms():
    assert gloss("安全感") == "安全感 (sense of security)"
    assert gloss("智慧警务") == "智慧警务 (smart policing)"
    assert gloss("不在词表里") == "不在词表里"
    assert gloss("") == ""


REQUIRED_TERMS = """智慧警务 汗水警务 安全感 获得感 幸福感 三感 三感社区 大数据 云计算 物联网 人脸识别
科技护城墙 慧眼 天网 雪亮工程 一标三实 二标四实 网格警 网格化 合成作战 平安城市 信息化实战
打防管控 禁毒 两抢一盗 八类案件 串并案 警企合作 便民服务 民警 公安 派出所 易制毒化学品 积案
命案 群防群治 刑事案件 立案 同比""".split()

TONE_MARKED = re.compile("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")


def test_glossary_table():
    table = load_glossary()
    assert list(table.columns) == ["term", "pinyin", "english", "note"]
    assert len(table) >= 40
    assert table["term"].is_unique
    assert set(REQUIRED_TERMS) <= set(table["term"])
    assert (table["english"].str.strip() != "").all()
    for pinyin in table["pinyin"]:
        assert re.fullmatch(r"[A-Za-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü' ]+", pinyin), pinyin
        assert TONE_MARKED.search(pinyin), pinyin
    # english goes inside gloss()'s parentheses
    assert not table["english"].str.contains(r"[()]").any()
    copy = load_glossary()
    copy.loc[0, "english"] = "changed"  # callers get a copy, not the cached table
    assert load_glossary().equals(table)


def test_committed_figures_are_fresh(tmp_path):
    """figures/ equals what the plotting code draws now from the committed tables."""
    import pandas as pd

    from analysis import paths
    from analysis.plotting import file_labels, plot_cleaning_changes, plot_reliability, save_figure, use_study_style

    use_study_style()
    log = pd.read_csv(paths.DATA / "cleaning_log.csv", dtype=str, keep_default_na=False)
    arts = pd.read_csv(paths.DATA / "articles.csv", dtype=str, keep_default_na=False)
    fig = plot_cleaning_changes(log, file_labels(arts))
    written = list(save_figure(fig, "01_cleaning_changes_by_kind", tmp_path))
    fig = plot_reliability(pd.read_csv(paths.RELIABILITY_CSV))
    written += list(save_figure(fig, "02_reliability_by_frame", tmp_path))
    for new in written:
        assert new.read_bytes() == (paths.FIGURES / new.name).read_bytes(), f"figures/{new.name} is stale: run make study"
