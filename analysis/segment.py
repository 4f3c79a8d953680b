"""Articles → coding units (title, subtitle, headings, sentences).

The frame coding codes *units*: an article's title, its subtitle, each
heading and each sentence of its body. :func:`split_units` cuts one article,
:func:`units_frame` a whole table of them.

Rules (deterministic; nothing is guessed from context):

* **Order and IDs.** The title unit comes first, then the subtitle, then the
  body's units in text order. ``unit_id`` is ``<article_id>-<nnn>``, 1-based,
  three digits (``A03-001`` is the title). An empty title or subtitle gives no
  unit; the numbering then starts with the next unit.
* **Paragraphs.** The body ``text`` is split at ``"\\n"``; blank
  (whitespace-only) lines are skipped and do not count, so ``paragraph`` is the
  0-based index among the non-blank paragraphs. Title and subtitle units have
  ``paragraph == -1`` and ``position == -1``; every body unit has ``position``,
  its character offset in ``text``, so that
  ``text[position:position + len(unit.text)] == unit.text``.
* **Headings.** A paragraph of at most :data:`HEADING_MAX_CHARS` characters
  (after stripping) whose last character, closing quotes/brackets set aside,
  is not punctuation that ends or continues a sentence (``。！？!?…；;：:，,、``)
  is one ``heading`` unit: ``“云打击”``, ``借力大数据 构建科技护城墙``.
  Bylines and other short unpunctuated lines also satisfy this; removing them
  is the cleaning stage's job.
* **Sentences.** Every other paragraph is cut after each run of end marks
  ``。！？!?``, and any closing quotes/brackets ``”’」』）)】〕》〉`` right
  after the marks stay on that sentence: ``“大数据不仅是一种技术。”市公安局负
  责人表示，……。`` gives ``“大数据不仅是一种技术。”`` and
  ``市公安局负责人表示，……。``. Ellipses (``……``), semicolons and colons
  do not end a sentence; ``.`` never does (so decimals are safe); an ASCII
  ``?`` or ``!`` does not end a sentence inside a URL or when a letter, digit
  or one of ``=&%/#_.-`` follows it (``a?b=1``). Text after the last end mark
  is a sentence of its own.
* **Quotations are not tracked.** A quotation holding several sentences is
  cut like any other text: ``他说：“第一句。第二句。”`` gives ``他说：“第一句。``
  and ``第二句。”``. This keeps the rule simple and robust to unbalanced
  quotes in scraped text; the coder sees the neighbouring units anyway.
* **Nothing lost, nothing empty.** Each piece is stripped of surrounding
  whitespace and whitespace-only pieces are dropped, so a paragraph's units
  concatenate to the paragraph minus whitespace at the cuts.
"""
from __future__ import annotations

import math
import re
from typing import NamedTuple

import pandas as pd

__all__ = [
    "CLOSERS",
    "HEADING_MAX_CHARS",
    "KINDS",
    "SENTENCE_END",
    "UNIT_COLUMNS",
    "Unit",
    "split_units",
    "units_frame",
]

KINDS = ("title", "subtitle", "heading", "sentence")
#: Marks that end a sentence.
SENTENCE_END = "。！？!?"
#: Closing quotes and brackets kept on the sentence they follow.
CLOSERS = "”’」』）)】〕》〉"
#: Longest paragraph (in characters, stripped) that can be a heading.
HEADING_MAX_CHARS = 40
# A paragraph ending in one of these (closers set aside) is not a heading.
_NOT_HEADING_END = SENTENCE_END + "…；;：:，,、"
# After an ASCII ?/!, these characters mean "not a sentence end" (a?b=1, x!y).
_ASCII_CONTINUES = re.compile(r"[A-Za-z0-9=&%/#_.\-]")
_URL = re.compile(r"(?:https?://|www\.)[!-~]+", re.IGNORECASE)
# Trailing characters of a URL match that are taken as the sentence's punctuation.
_URL_TRAILING = "?!.,;:)]}'\""

UNIT_COLUMNS = ["unit_id", "article_id", "kind", "paragraph", "position", "text"]


class Unit(NamedTuple):
    """One coding unit of an article."""

    unit_id: str
    article_id: str
    kind: str
    paragraph: int
    position: int
    text: str


def _as_text(value) -> str:
    """A str as it is; None, NaN or pd.NA as ""; anything else is an error."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    raise TypeError(f"expected a str, got {type(value).__name__}")


def _is_heading(para: str) -> bool:
    """``para`` is stripped and non-empty."""
    if len(para) > HEADING_MAX_CHARS:
        return False
    core = para.rstrip(CLOSERS).rstrip()
    return bool(core) and core[-1] not in _NOT_HEADING_END


def _is_end(para: str, i: int, urls: list[tuple[int, int]]) -> bool:
    ch = para[i]
    if ch not in SENTENCE_END:
        return False
    if ch in "?!":
        if any(start <= i < end for start, end in urls):
            return False
        if i + 1 < len(para) and _ASCII_CONTINUES.match(para, i + 1):
            return False
    return True


def _sentence_spans(para: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``para``, whitespace trimmed, none empty."""
    urls = [(m.start(), m.start() + len(m.group().rstrip(_URL_TRAILING))) for m in _URL.finditer(para)]
    raw: list[tuple[int, int]] = []
    n = len(para)
    start = i = 0
    while i < n:
        if _is_end(para, i, urls):
            j = i + 1
            while j < n and para[j] in SENTENCE_END:
                j += 1
            while j < n and para[j] in CLOSERS:
                j += 1
            raw.append((start, j))
            start = i = j
        else:
            i += 1
    if start < n:
        raw.append((start, n))
    spans = []
    for s, e in raw:
        while s < e and para[s].isspace():
            s += 1
        while e > s and para[e - 1].isspace():
            e -= 1
        if s >= e:
            continue
        if spans and not any(ch.isalnum() for ch in para[s:e]):
            spans[-1] = (spans[-1][0], e)  # residue without words (e.g. a 〓 placeholder) stays with its sentence
        else:
            spans.append((s, e))
    return spans


def split_units(article_id: str, title: str, text: str, subtitle: str = "") -> list[Unit]:
    """Cut one article into coding units (see the module docstring for the rules)."""
    if not isinstance(article_id, str) or not article_id.strip():
        raise ValueError(f"article_id must be a non-empty string, not {article_id!r}")
    article_id = article_id.strip()
    title, text, subtitle = _as_text(title), _as_text(text), _as_text(subtitle)

    pieces: list[tuple[str, int, int, str]] = []  # kind, paragraph, position, text
    for kind, value in (("title", title), ("subtitle", subtitle)):
        if value.strip():
            pieces.append((kind, -1, -1, value.strip()))

    paragraph = 0
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        if _is_heading(stripped):
            pieces.append(("heading", paragraph, line_start + lead, stripped))
        else:
            for s, e in _sentence_spans(line):
                pieces.append(("sentence", paragraph, line_start + s, line[s:e]))
        paragraph += 1

    return [
        Unit(f"{article_id}-{n:03d}", article_id, kind, para, pos, piece)
        for n, (kind, para, pos, piece) in enumerate(pieces, 1)
    ]


def check_table(table: pd.DataFrame, columns, key: str, name: str) -> pd.Series:
    """Raise KeyError for missing ``columns`` and ValueError for duplicate ``key`` values; return the keys."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(f"{name} lacks column(s): {', '.join(missing)}")
    ids = table[key].astype(str).str.strip()
    dupes = sorted(set(ids[ids.duplicated()]))
    if dupes:
        raise ValueError(f"duplicate {key}(s): {', '.join(dupes[:10])}")
    return ids


def units_frame(articles: pd.DataFrame) -> pd.DataFrame:
    """Units of every article in ``articles``, in row order.

    ``articles`` needs columns ``article_id``, ``title`` and ``text``;
    ``subtitle`` is optional (missing or NaN means none) and ``city``, if
    present, is copied onto each unit. Columns of the result: ``unit_id``,
    ``article_id``, (``city``,) ``kind``, ``paragraph``, ``position``,
    ``text``. Duplicate article ids are an error.
    """
    ids = check_table(articles, ("article_id", "title", "text"), "article_id", "articles")
    has_sub = "subtitle" in articles.columns
    has_city = "city" in articles.columns

    needed = ["title", "text"] + (["subtitle"] if has_sub else []) + (["city"] if has_city else [])
    records = articles[needed].to_dict("records")
    rows = []
    for article_id, rec in zip(ids, records):
        units = split_units(article_id, rec["title"], rec["text"], rec.get("subtitle", ""))
        for unit in units:
            d = unit._asdict()
            if has_city:
                d["city"] = rec["city"]
            rows.append(d)

    columns = list(UNIT_COLUMNS)
    if has_city:
        columns.insert(2, "city")
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"paragraph": "int64", "position": "int64"})
