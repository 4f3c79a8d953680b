"""The study's one word tokenizer: jieba 0.42.1 plus a project dictionary.

Every word count, keyword-in-context table and dictionary-based frame
indicator goes through :func:`tokenize` (or :func:`token_spans`), so that the
whole study segments Chinese text in exactly one way.

Design decisions
----------------
* **A private tokenizer.** A ``jieba.Tokenizer()`` of our own (never jieba's
  global one, which other code may modify) is built lazily on first use, once
  per process, with jieba's default dictionary and the project dictionary
  ``analysis/resources/userdict.txt``. jieba's loading log is silenced while
  it is built.
* **HMM is OFF** (``HMM = False``). With the HMM on, jieba guesses new words
  from runs of characters that are not in any dictionary; the guess depends on
  the neighbouring characters, so the same name can come out as one token in
  one sentence and as two in another. With it off, segmentation is a pure
  dictionary lookup (a maximum-probability path over jieba's dictionary plus
  ours): an out-of-vocabulary name such as 余治成 comes out as single
  characters, but every term of analytic interest is in the dictionary and
  always comes out whole. Add a term to the dictionary rather than switching
  the HMM on.
* **Numbers stay whole.** jieba without the HMM splits ``17.37%`` into
  ``17 / . / 37 / %``; decimals and percentages (``3.0``, ``17.37%``,
  ``20%``) are protected before jieba sees the text.
* **Lossless underneath.** :func:`token_spans` returns every token with its
  character offsets and the tokens concatenate back to the input, whitespace
  included. :func:`tokenize` drops whitespace-only tokens, and on request
  punctuation and stop words.

The project dictionary
----------------------
``analysis/resources/userdict.txt`` is in jieba's user-dictionary format, one
term a line: ``word freq tag`` (it can be passed to ``jieba.load_userdict`` as
it is; blank lines and lines starting with ``#`` are skipped by this module's
reader). The terms are the study's domain vocabulary (smart-policing
technology, campaign slogans, crime categories, the "three senses"
安全感/获得感/幸福感 ...), collected from the brief and the seed articles.

Frequencies: ``max(jieba's own frequency for the word, 100)``. 100 is above
96% of jieba's 3- and 4-character words (and 79% of its 2-character words):
high enough that a term wins over splitting it into ordinary words, low
enough that it does not swallow characters of a more probable neighbour
(扩大数据共享 stays 扩大/数据共享, not 扩/大数据/共享).
``tests/test_tokenize.py`` checks that each term comes out as one token on its
own and in two sentence contexts; if a new term fails, raise its frequency in
the dictionary. Nested terms (三感 / 三感社区, 合成作战 / 合成作战室, 大数据 /
人像大数据) are deliberate: the longest dictionary term wins, so a token
search for 大数据 does not count 人像大数据 (use ``by="char"`` for that).

Stop words
----------
:func:`stopwords` is the Chinese (``zh``) list of *stopwords-iso*
(https://github.com/stopwords-iso/stopwords-iso, MIT licence), through the
PyPI package ``stopwordsiso`` 0.7.1 (MIT licence). It is used as published:
794 entries, mostly function words, but also 有, 到, 得, 很, 好, some
full-width punctuation (，。！) and full-width digits. No domain term is a stop
word (tested).
"""
from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .paths import RESOURCES

__all__ = [
    "HMM",
    "USERDICT",
    "domain_terms",
    "is_punct",
    "kwic",
    "stopwords",
    "token_spans",
    "tokenize",
]

#: jieba's hidden-Markov new-word guessing: off, see the module docstring.
HMM = False
#: The project's user dictionary (jieba format ``word freq tag``).
USERDICT: Path = RESOURCES / "userdict.txt"

# Decimals and percentages that jieba (without HMM) would cut at "." or "%".
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.])(?:\d+(?:\.\d+)+[%％‰]?|\d+[%％‰])"
)

_LOCK = threading.Lock()
_TOKENIZER = None  # the private jieba.Tokenizer, built by _tokenizer()


# --------------------------------------------------------------------------
# dictionary and tokenizer


def _read_userdict(path: Path = USERDICT) -> list[tuple[str, int, str | None]]:
    """Parse a jieba user dictionary into ``(word, freq, tag)`` triples."""
    entries: list[tuple[str, int, str | None]] = []
    seen: set[str] = set()
    for lineno, raw in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) not in (2, 3):
            raise ValueError(f"{path}:{lineno}: expected 'word freq [tag]', got {raw!r}")
        word, freq_s = parts[0], parts[1]
        tag = parts[2] if len(parts) == 3 else None
        if not freq_s.isdigit() or int(freq_s) <= 0:
            raise ValueError(f"{path}:{lineno}: frequency must be a positive integer: {raw!r}")
        if word in seen:
            raise ValueError(f"{path}:{lineno}: duplicate term {word!r}")
        seen.add(word)
        entries.append((word, int(freq_s), tag))
    return entries


@contextmanager
def _quiet_jieba():
    """Silence jieba's logger (its 'Building prefix dict ...' chatter) for a while."""
    logger = logging.getLogger("jieba")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(old)


def _build_tokenizer(userdict: Path = USERDICT):
    """A fresh jieba tokenizer with the default and the project dictionary."""
    # jieba 0.42.1's sources have invalid escape sequences: compiling them (a
    # fresh install has no .pyc) warns. jieba also sets its logger to DEBUG on
    # import, so import it first and quieten it afterwards.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=SyntaxWarning)
        import jieba

    with _quiet_jieba():
        tk = jieba.Tokenizer()
        tk.initialize()
        for word, freq, tag in _read_userdict(userdict):
            tk.add_word(word, freq, tag)
    return tk


def _tokenizer():
    """The module's tokenizer, built on first use and then reused."""
    global _TOKENIZER
    if _TOKENIZER is None:
        with _LOCK:
            if _TOKENIZER is None:
                _TOKENIZER = _build_tokenizer()
    return _TOKENIZER


def jieba_tokenizer():
    """The configured jieba tokenizer (default + project dictionary) that :func:`tokenize` uses; call it
    as ``jieba_tokenizer().lcut(text, HMM=False)``."""
    return _tokenizer()


@lru_cache(maxsize=1)
def _domain_terms() -> tuple[str, ...]:
    return tuple(word for word, _, _ in _read_userdict(USERDICT))


def domain_terms() -> list[str]:
    """The terms of the project dictionary, in file order."""
    return list(_domain_terms())


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Chinese stop words of stopwords-iso (package ``stopwordsiso``, MIT)."""
    try:
        import stopwordsiso
    except ImportError as exc:  # pragma: no cover - a broken environment
        raise ImportError(
            "analysis.tokenize.stopwords() needs the 'stopwordsiso' package "
            "(pip install stopwordsiso==0.7.1)"
        ) from exc
    return frozenset(w.strip() for w in stopwordsiso.stopwords("zh") if w.strip())


# --------------------------------------------------------------------------
# tokenizing


def _is_missing(text) -> bool:
    return text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text))


def _check_text(text) -> str:
    if _is_missing(text):
        return ""
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    return text


def is_punct(token: str) -> bool:
    """True for a non-empty token made only of punctuation, symbols and spaces."""
    return bool(token) and all(
        ch.isspace() or unicodedata.category(ch)[0] in "PSZ" for ch in token
    )


def _jieba_spans(text: str, offset: int, out: list[tuple[str, int, int]]) -> None:
    if text:
        for word, start, end in _tokenizer().tokenize(text, HMM=HMM):
            out.append((word, start + offset, end + offset))


def _words(text: str) -> list[str]:
    """The tokens of :func:`token_spans` without their offsets (jieba's plain ``cut``: faster)."""
    cut = _tokenizer().lcut
    words: list[str] = []
    pos = 0
    for m in _NUMBER.finditer(text):
        if m.start() > pos:
            words += cut(text[pos : m.start()], HMM=HMM)
        words.append(m.group())
        pos = m.end()
    if pos < len(text):
        words += cut(text[pos:], HMM=HMM)
    return words


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """All tokens of ``text`` as ``(token, start, end)`` character offsets.

    Lossless: whitespace and punctuation are tokens too, and
    ``"".join(t for t, _, _ in token_spans(s)) == s``.
    """
    text = _check_text(text)
    out: list[tuple[str, int, int]] = []
    pos = 0
    for m in _NUMBER.finditer(text):
        _jieba_spans(text[pos : m.start()], pos, out)
        out.append((m.group(), m.start(), m.end()))
        pos = m.end()
    _jieba_spans(text[pos:], pos, out)
    return out


def tokenize(text: str, drop_stopwords: bool = False, drop_punct: bool = False) -> list[str]:
    """Segment Chinese ``text`` into words.

    Whitespace-only tokens are always dropped. ``drop_punct`` drops tokens
    made only of punctuation or symbols (``。``, ``“``, ``%``, ``+``);
    ``drop_stopwords`` drops the tokens in :func:`stopwords` (that list also
    holds some full-width punctuation, so it removes ``，`` and ``。`` too).
    ``None`` or NaN gives ``[]``.
    """
    stop = stopwords() if drop_stopwords else frozenset()
    tokens = []
    for token in _words(_check_text(text)):
        if token.isspace():
            continue
        if drop_punct and is_punct(token):
            continue
        if token in stop:
            continue
        tokens.append(token)
    return tokens


# --------------------------------------------------------------------------
# keyword in context

KWIC_COLUMNS = ["id", "left", "keyword", "right"]


def _iter_texts(texts) -> Iterable[tuple[object, object]]:
    if isinstance(texts, (str, bytes)):
        raise TypeError("kwic() takes a collection of texts, not a single string")
    if isinstance(texts, pd.DataFrame):
        raise TypeError("kwic() takes a Series of texts (e.g. df.set_index('unit_id')['text'])")
    if isinstance(texts, (pd.Series, Mapping)):
        return texts.items()
    return enumerate(texts)


def _token_matches(text: str, pattern: list[str]) -> Iterable[tuple[int, int]]:
    spans = [s for s in token_spans(text) if not s[0].isspace()]
    n = len(pattern)
    i = 0
    while i + n <= len(spans):
        if all(spans[i + k][0] == pattern[k] for k in range(n)):
            yield spans[i][1], spans[i + n - 1][2]
            i += n
        else:
            i += 1


def kwic(texts, term: str, width: int = 15, by: str = "token") -> pd.DataFrame:
    """Keyword-in-context table of ``term`` in ``texts``.

    ``texts`` is a pandas Series indexed by unit id, a mapping id → text, or
    any other iterable of texts (ids are then 0, 1, ...). Returns one row per
    match, in input order, with columns ``id``, ``left`` (up to ``width``
    characters before the match), ``keyword`` (the matched text) and
    ``right`` (up to ``width`` characters after it).

    ``by="token"`` (default) matches whole tokens of :func:`token_spans`:
    安全 does not match inside 安全感. A term that is several tokens
    (``"智慧警务 建设"`` or 公安工作 → 公安/工作) matches that token sequence,
    whitespace ignored. ``by="char"`` matches the plain substring anywhere
    (non-overlapping). Missing texts (None/NaN) are skipped.
    """
    if by not in ("token", "char"):
        raise ValueError(f"by must be 'token' or 'char', not {by!r}")
    if not isinstance(term, str) or not term.strip():
        raise ValueError("term must be a non-empty string")
    if not isinstance(width, int) or width < 0:
        raise ValueError("width must be a non-negative integer")
    if by == "token":
        pattern = [t for t, _, _ in token_spans(term) if not t.isspace()]
    else:
        needle = re.compile(re.escape(term))
    rows = []
    for id_, text in _iter_texts(texts):
        if _is_missing(text):
            continue
        text = _check_text(text)
        if by == "token":
            matches = _token_matches(text, pattern)
        else:
            matches = (m.span() for m in needle.finditer(text))
        for start, end in matches:
            rows.append(
                {
                    "id": id_,
                    "left": text[max(0, start - width) : start],
                    "keyword": text[start:end],
                    "right": text[end : end + width],
                }
            )
    return pd.DataFrame(rows, columns=KWIC_COLUMNS)
