"""Decoding raw bytes: BOMs, GB18030/GBK, Big5, UTF-16, bad bytes, binary files."""
import codecs

import pytest

from analysis.encoding import NotTextError, decode_bytes, normalise_newlines

SENTENCE = "桐乡公安借助大数据，打掉了一个贩毒团伙，缴获毒品三公斤。民警表示，智慧警务让群众更有安全感。"
TRADITIONAL = "貴陽公安深入推進大數據建設，網格警到得快、控得住，群眾安全感明顯提升。"


@pytest.mark.parametrize(
    "raw, encoding, bom",
    [
        (SENTENCE.encode("utf-8"), "utf-8", False),
        (codecs.BOM_UTF8 + SENTENCE.encode("utf-8"), "utf-8", True),
        (SENTENCE.encode("gbk"), "gb18030", False),
        (SENTENCE.encode("gb18030"), "gb18030", False),
        (codecs.BOM_UTF16_LE + SENTENCE.encode("utf-16-le"), "utf-16-le", True),
        (codecs.BOM_UTF16_BE + SENTENCE.encode("utf-16-be"), "utf-16-be", True),
    ],
)
def test_decodes_simplified(raw, encoding, bom):
    decoded = decode_bytes(raw)
    assert decoded.text == SENTENCE
    assert decoded.encoding == encoding
    assert decoded.bom is bom
    assert decoded.problems == []


def test_decodes_big5_traditional():
    decoded = decode_bytes(TRADITIONAL.encode("big5"))
    assert decoded.encoding == "big5"
    assert decoded.text == TRADITIONAL


def test_bad_bytes_in_the_middle_are_reported_with_offset():
    good = SENTENCE.encode("utf-8")
    raw = good[:30] + b"\xff\xfe\xfd" + good[30:]
    decoded = decode_bytes(raw)
    assert decoded.encoding == "utf-8"
    assert [p.offset for p in decoded.problems] == [30]
    assert decoded.text.count("\ufffd") == 3
    assert decoded.text.replace("\ufffd", "") == SENTENCE


@pytest.mark.parametrize("raw, kind", [(b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG"), (b"\x00\x01\x02" * 50, "NUL")])
def test_binary_is_refused(raw, kind):
    with pytest.raises(NotTextError, match=kind):
        decode_bytes(raw)


def test_empty():
    assert decode_bytes(b"").text == ""


@pytest.mark.parametrize("raw, expected, count", [("a\r\nb\r\n", "a\nb\n", 2), ("a\rb", "a\nb", 1), ("a\nb", "a\nb", 0)])
def test_newlines(raw, expected, count):
    assert normalise_newlines(raw) == (expected, count)
