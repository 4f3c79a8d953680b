"""GBK byte-shift mojibake: find it, realign the bytes, and keep what a character model believes.

**How the damage happens.** In GBK a Chinese character (and fullwidth punctuation such as ``。”！``)
takes two bytes, a *lead* byte (0x81–0xFE) and a *trail* byte (0x40–0xFE); ASCII takes one byte
(0x00–0x7F). If one byte of a GBK stream is lost, the decoder builds every following character
from the trail byte of one original character and the lead byte of the next::

    original   。    ”    市    公    安    局    指    揮    中   心
    GBK        A1A3 A1B1 CAD0 B9AB B0B2 BED6 D6B8 935D D6D0 D0C4
    one lost   ?  A3A1 B1CA D0B9 ABB0 B2BE D6D6 B893 5D   D6D0 D0C4
    decoded    ?   ！   笔   泄   --   簿   种   笓   ]    中   心

The decoder stays out of step until a byte below 0x80 falls in a lead position: it is shown as
ASCII (``]`` is really 5D, the trail byte of 揮) and the decoder is back in step. On the way, a
pair that is no GBK character is dropped or shown as ``?`` (``AB B0``: the second half of 公 and the
first half of 安 are gone for good); a pair whose second byte is ASCII below 0x40 (``(``, ``<``, a
digit) is invalid too, and the decoder may swallow that ASCII character with it.

**The repair.** A span is looked for only around a visible trace: a ``?`` or U+FFFD next to wide
characters, or a lone ASCII character glued after a wide character (a resynchronising byte), and
only where the characters next to it read as improbable text (text without a trace costs nothing). Its
characters are encoded back to GBK (ASCII ``! ? , : ;`` as their fullwidth GBK forms, because the
scraper made them ASCII; a ``?`` may also be a lost byte, an invalid pair, or a real ``？``), the
lost lead byte is put in front, and the bytes are decoded again two by two (punctuation comes
back in its fullwidth GBK form). Every character that lost a byte becomes the placeholder ``〓``
(the model's guess goes to the ``detail`` only); only the prepended lead byte is filled in, and
only when the model's choice is clear-cut. An ASCII byte swallowed by the last pair is restored only
when its partner follows (``<`` before ``/span>``, ``(`` before ``fù)``).

**The judge.** A character model built once from jieba's bundled dictionary (word frequencies →
character unigram, bigram and within-word trigram counts; word boundaries; add-k smoothing)
scores the text in Simplified script (OpenCC ``t2s``). Lost characters are summed over every
character their surviving byte allows. A repair is kept only if it is far more probable than the
text as it stands, after paying a prior cost for the byte-shift event itself.
"""
from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import NamedTuple

PLACEHOLDER = "〓"
LOST_MARKS = "?\ufffd"
_FULLWIDTH = {"!": "！", "?": "？", ",": "，", ":": "：", ";": "；"}
_TRIGGER = re.compile(
    r"[?\ufffd]"  # a lost byte or an invalid pair, as the decoder showed it
    r"|(?<=[^\x00-\x7f])[\x40-\x7e](?![0-9A-Za-z])"  # a lone ASCII character glued after a wide one
)
_TONED = "a-zü\u00e0-\u00fc\u0101-\u01dc"
_PINYIN_REMNANT = re.compile(rf"\(?[{_TONED}]{{1,7}}[1-5]?\)")  # ruby glued after the lost character
_TAG_REST = re.compile(r"/?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]{0,80})?>")
_RUBY_REST = re.compile(rf"[{_TONED}]{{1,7}}[1-5]?\)")

MAX_FORWARD = 60  # shifted characters after a '?' that marks the lost byte
MAX_BACK = 40  # shifted characters before a resynchronising byte
PLAUSIBLE_RUN = -7.0  # nats per character: a run likelier than this is not shifted text
# Costs and thresholds are log-odds in nats.
SHIFT_COST = 6.0  # prior cost of a byte-shift event whose lost byte is marked by '?'
SILENT_START_COST = 4.0  # extra cost when the lost byte left no mark and the start is guessed
SILENT_DROP_COST = 2.0  # extra cost of an invalid pair that vanished without a trace
MIN_LOG_ODDS = 6.0  # log P(repaired) - log P(as is) - costs must reach this
MIN_GAIN_PER_CHAR = 1.0  # ... and this much per character of the span
CLEAR_GUESS = 2.0  # the lead byte is filled in only if its best choice beats the next by this much
BEAM = 16  # states kept when summing over lost characters
MAX_SILENT = 12  # vanished pairs looked for in one span
MAX_READS = 40  # full readings tried while looking for them
MAX_PAIR_OPTIONS = 200  # character pairs considered for one invalid pair (the likeliest out of context)


@dataclass(frozen=True)
class Repair:
    """``text[start:end]`` (``before``) is GBK mojibake; ``after`` is the realigned text."""

    start: int
    end: int
    before: str
    after: str
    detail: str


# ---------------------------------------------------------------- GBK tables


@dataclass(frozen=True)
class _Gbk:
    code: dict  # (lead, trail) -> character
    by_trail: dict  # trail -> [(lead, character)]
    by_lead: dict  # lead -> [(trail >= 0x81, character)]
    invalid: list  # (t, l), both >= 0x81, not a GBK character: shown as '?' or dropped
    vanishing: list  # the subset a GBK→Unicode decoder maps to the private use area (then lost)


@lru_cache(maxsize=1)
def _gbk() -> _Gbk:
    code: dict[tuple[int, int], str] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                ch = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and ch != PLACEHOLDER:  # GBK's own 〓 (A1FE) would pass for a lost character
                code[(lead, trail)] = ch
    by_trail: dict[int, list[tuple[int, str]]] = {}
    by_lead: dict[int, list[tuple[int, str]]] = {}
    for (lead, trail), ch in code.items():
        by_trail.setdefault(trail, []).append((lead, ch))
        if trail >= 0x81:
            by_lead.setdefault(lead, []).append((trail, ch))
    invalid = [(t, l) for t in range(0x81, 0xFF) for l in range(0x81, 0xFF) if (t, l) not in code]
    vanishing = [(t, l) for t, l in invalid if "\ue000" <= bytes((t, l)).decode("gb18030", "replace") <= "\uf8ff"]
    return _Gbk(code, by_trail, by_lead, invalid, vanishing)


@lru_cache(maxsize=65536)
def _encode(ch: str) -> bytes | None:
    """The two GBK bytes a shifted decoder read as ``ch`` (ASCII ``!?,:;`` as fullwidth), else ``None``."""
    try:
        raw = _FULLWIDTH.get(ch, ch).encode("gbk")
    except UnicodeEncodeError:
        return None
    return raw if len(raw) == 2 else None


# ---------------------------------------------------------------- character model

_PUNCT_P = {  # rough share of each mark among the characters of Chinese news text
    "，": 0.055, "。": 0.03, "、": 0.012, "“": 0.008, "”": 0.008, "：": 0.004, "；": 0.0015,
    "？": 0.001, "！": 0.0008, "（": 0.0015, "）": 0.0015, "《": 0.001, "》": 0.001, "…": 0.0005,
    "—": 0.0005, "·": 0.0003, "‘": 0.0003, "’": 0.0003, "％": 0.0002, "%": 0.0005,
}
_OPEN, _CLOSE, _STOP = "“‘（《", "”’）》", "。！？…，、：；"
_PUNCT_PAIRS = {a + b for a in _STOP for b in _CLOSE} | {a + b for a in _CLOSE for b in _STOP + _OPEN}
_PUNCT_PAIRS |= {a + b for a in "：，。、；" for b in _OPEN} | {"……", "——"}
_HAN_SHARE = 0.85  # share of Han characters in running text
_RARE = math.log(1e-6)  # any other symbol (box drawing, kana, Greek, ...)
_VARIANT = math.log(0.02)  # a non-standard Traditional variant, e.g. 埰 (t2s: 采)


def _kind(ch: str) -> str:
    if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
        return "han"
    if ch in _PUNCT_P or ch in _FULLWIDTH:
        return "punct"
    if ch.isascii():
        if ch.isalpha():
            return "latin"
        if ch.isdigit():
            return "digit"
        if ch.isspace():
            return "space"
    return "other"


def _jieba_dict() -> Path:
    """jieba's bundled dictionary (found without importing jieba, which is slow and noisy)."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ImportError("jieba is needed for its dictionary (jieba/dict.txt)")
    return Path(spec.origin).resolve().parent / "dict.txt"


class _CharInfo(NamedTuple):
    """A character as :class:`CharModel` sees it."""

    simp: str  # in Simplified script (OpenCC t2s), as it is scored
    kind: str  # of simp (see _kind)
    own_kind: str  # of the character itself
    variant: float  # log-penalty of a non-standard Traditional variant, else 0
    p1: float | None  # P(simp) if the dictionary has it
    mu_p1: float | None  # mu2 · p1
    start: float  # P_start(simp): it starts a word
    first: float  # log P(simp) after a non-Han character: log(0.8 · start), or of an unknown character
    counts: tuple[float, float] | None  # as a context: n_end(simp), n(simp) + mu2, if the dictionary has it


class CharModel:
    """Character model from jieba's word list: P(c | a, b) with word boundaries and add-k smoothing.

    A word of frequency f adds f to each of its characters (unigram), to each adjacent pair
    (bigram) and triple (trigram). Where a word ends, the next character starts a new word, so
    P(c | b) = (n(bc) + n_end(b)·P_start(c) + μ·P(c)) / (n(b) + μ); the trigram is built the same
    way on top of the bigram. Punctuation, Latin letters and digits get fixed class rates.
    """

    def __init__(self, path: Path | None = None, k: float = 0.5, mu2: float = 50.0, mu3: float = 5.0):
        uni: dict[str, float] = {}
        start: dict[str, float] = {}
        bi: dict[str, float] = {}
        tri: dict[str, float] = {}
        with open(path or _jieba_dict(), encoding="utf-8") as fh:
            for line in fh:
                word, _, rest = line.partition(" ")
                if not word or not all("\u3400" <= c <= "\u9fff" for c in word):
                    continue
                freq = float(rest.split(" ", 1)[0])
                for c in word:
                    uni[c] = uni.get(c, 0.0) + freq
                start[word[0]] = start.get(word[0], 0.0) + freq
                for i in range(len(word) - 1):
                    pair = word[i:i + 2]
                    bi[pair] = bi.get(pair, 0.0) + freq
                    if i + 2 < len(word):
                        triple = word[i:i + 3]
                        tri[triple] = tri.get(triple, 0.0) + freq
        vocab = 21000  # about the number of Han characters in GBK
        total, words = sum(uni.values()), sum(start.values())
        self._uni = uni
        self._p1 = {c: (n + k) / (total + k * vocab) for c, n in uni.items()}
        self._p1_unk = k / (total + k * vocab)
        self._start = {c: (n + k) / (words + k * vocab) for c, n in start.items()}
        self._start_unk = k / (words + k * vocab)
        self._bi, self._tri = bi, tri
        self._bi_end = dict(uni)  # occurrences of b not followed by a character of the same word
        for pair, n in bi.items():
            self._bi_end[pair[0]] -= n
        self._tri_end = dict(bi)  # occurrences of ab not followed by a character of the same word
        for triple, n in tri.items():
            self._tri_end[triple[:2]] -= n
        self.mu2, self.mu3 = mu2, mu3
        self._t2s = None
        self._standard: set[str] | None = None
        self._simp: dict[str, str] = {}
        self._info: dict[str, _CharInfo] = {}
        self._memo: dict[tuple, dict[str, float]] = {}  # context (a, b) -> {c: log P(c | a, b)}; see _row
        self._memo_size = 0

    def simplified(self, ch: str) -> str:
        """``ch`` in Simplified script (OpenCC ``t2s``), cached."""
        s = self._simp.get(ch)
        if s is None:
            if self._t2s is None:
                import opencc

                self._t2s = opencc.OpenCC("t2s")
            s = self._t2s.convert(ch)
            s = self._simp[ch] = s if len(s) == 1 else ch
        return s

    def is_variant(self, ch: str) -> bool:
        """True for a Traditional character that no standard table (s2t, s2tw, s2hk) writes: 埰 for 采."""
        if self._standard is None:
            import opencc

            hanzi = [bytes((a, b)).decode("gbk") for a in range(0xB0, 0xF8) for b in range(0xA1, 0xFF)
                     if (a, b) in _gbk().code]
            joined = "\n".join(hanzi)
            self._standard = set(hanzi)
            for config in ("s2t", "s2tw", "s2hk"):
                self._standard.update(opencc.OpenCC(config).convert(joined).split("\n"))
        return ch not in self._standard and self.simplified(ch) != ch

    def _char(self, ch: str) -> _CharInfo:
        """What the model needs to know about ``ch``, cached."""
        info = self._info.get(ch)
        if info is None:
            kind = _kind(ch)
            simp = self.simplified(ch)  # scored in Simplified script
            p1 = self._p1.get(simp)
            start = self._start.get(simp, self._start_unk)
            uni = self._uni.get(simp)
            info = self._info[ch] = _CharInfo(
                simp, _kind(simp), kind, _VARIANT if kind == "han" and self.is_variant(ch) else 0.0,
                p1, None if p1 is None else self.mu2 * p1, start,
                math.log(0.8 * start if p1 is not None else self._p1_unk),
                None if uni is None else (self._bi_end[simp], uni + self.mu2),
            )
        return info

    def logp(self, a: str | None, b: str | None, c: str) -> float:
        """log P(c | a, b) in running text; ``None`` stands for a line break or the text's edge."""
        row = self._memo.get((a, b))
        if row is None:
            if c == PLACEHOLDER:  # a character lost entirely: any character, probability 1 in sum
                return 0.0
            row = self._row(a, b)
        lp = row.get(c)
        if lp is None:
            lp = row[c] = self._logps(a, b, (c,))[0]
            self._memo_size += 1
        return lp

    def logps(self, a: str | None, b: str | None, cs: list[str]) -> list[float]:
        """``[self.logp(a, b, c) for c in cs]``."""
        row = self._memo.get((a, b))
        if row is None:
            if all(c == PLACEHOLDER for c in cs):  # characters lost entirely: probability 1 in sum
                return [0.0] * len(cs)
            row = self._row(a, b)
            if not row:  # a new context
                out = self._logps(a, b, cs)
                row.update(zip(cs, out))
                self._memo_size += len(row)
                return out
        out = list(map(row.get, cs))
        if None in out:
            missing = [c for c, lp in zip(cs, out) if lp is None]
            found = dict(zip(missing, self._logps(a, b, missing)))
            row.update(found)
            self._memo_size += len(found)
            out = [found[c] if lp is None else lp for c, lp in zip(cs, out)]
        return out

    def scores(self, texts: list[str], a: str | None = None, b: str | None = None,
               plan: tuple | None = None) -> list[float]:
        """``[self.score(t, a, b) for t in texts]``, a position at a time when they have one length.

        ``plan`` (from :meth:`plan`) saves redoing, context after context, what does not depend on it.
        """
        plan = plan or self.plan(texts)
        if plan is None:
            return [self.score(t, a, b) for t in texts]
        firsts, seconds, inner = plan
        totals = self.logps(a, b, firsts)  # = 0.0 + log P(t0 | a b)
        if seconds:  # + log P(t1 | b t0), grouped by t0
            lps = [0.0] * len(totals)
            for x, where, ys in seconds:
                if len(ys) == 1:
                    lps[where[0]] = self.logp(b, x, ys[0])
                else:
                    for i, lp in zip(where, self.logps(b, x, ys)):
                        lps[i] = lp
            totals = [s + lp for s, lp in zip(totals, lps)]
        for lps in inner:  # + log P(tk | tk-2 tk-1), k = 2, 3, ...
            totals = [s + lp for s, lp in zip(totals, lps)]
        return totals

    def plan(self, texts: list[str]) -> tuple | None:
        """For :meth:`scores`: the first characters; the second ones grouped by the first; the rest scored.
        ``None`` unless the texts have one length and no line break."""
        if not texts or "\n" in "".join(texts) or len({len(t) for t in texts}) > 1:
            return None
        seconds: dict[str, tuple[list[int], list[str]]] = {}
        if len(texts[0]) > 1:
            for i, t in enumerate(texts):
                where, ys = seconds.setdefault(t[0], ([], []))
                where.append(i)
                ys.append(t[1])
        inner = [[self.logp(t[k - 2], t[k - 1], t[k]) for t in texts] for k in range(2, len(texts[0]))]
        return [t[0] for t in texts], [(x, where, ys) for x, (where, ys) in seconds.items()], inner

    def _row(self, a: str | None, b: str | None) -> dict[str, float]:
        """The memo's row for the context a b, shared with every context the model cannot tell from it
        (see :meth:`_context`). The memo is emptied when it holds a million values."""
        if self._memo_size >= 1_000_000:
            self._memo.clear()
            self._memo_size = 0
        context = self._context(a, b)
        row = self._memo.get(context)
        if row is None:
            row = self._memo[context] = {}
        self._memo[(a, b)] = row
        self._memo_size += 1
        return row

    def _context(self, a: str | None, b: str | None) -> tuple[str | None, str | None]:
        """The part of the context a b that the model looks at: ``a`` only before a Han ``b`` when the
        dictionary has the pair ab (for the trigram), and nothing after a lost character."""
        if b is None or b == PLACEHOLDER:
            return None, None
        b_info = self._info.get(b) or self._char(b)
        if a is None or a == PLACEHOLDER or b_info.kind != "han":
            return None, b
        a_info = self._info.get(a) or self._char(a)
        if a_info.own_kind != "han" or not self._bi.get(a_info.simp + b_info.simp, 0.0):
            return None, b
        return a, b

    def _logps(self, a: str | None, b: str | None, cs) -> list[float]:
        """:meth:`logps` without the memo: the work shared by the characters after one context is done once."""
        a, b = self._context(a, b)
        info = self._info
        b_info = None if b is None else info[b]
        b_kind = None if b_info is None else b_info.kind
        if b_kind == "han":  # the Han bigram b c, and the trigram a b c where the dictionary has the pair ab
            b_simp, counts = b_info.simp, b_info.counts
            ab = None if a is None else info[a].simp + b_simp
            if ab is not None:
                ab_end, ab_norm = self._tri_end[ab], self._bi[ab] + self.mu3  # n_end(ab), n(ab) + mu3
        bi, tri, log = self._bi.get, self._tri.get, math.log
        out = []
        for c in cs:
            if c == PLACEHOLDER:  # a character lost entirely: any character, probability 1 in sum
                out.append(0.0)
                continue
            c_simp, kind, _, variant, p1, mu_p1, start, first, _ = info.get(c) or self._char(c)
            if kind == "han" and b_kind != "han":
                lp = first
            elif kind == "han":
                if p1 is None:  # c is not in the dictionary
                    p = self._p1_unk
                elif counts is None:  # b is not
                    p = start
                else:  # within a word, n(bc), or across a word boundary, n_end(b)·P_start(c); towards P(c)
                    p = (bi(b_simp + c_simp, 0.0) + counts[0] * start + mu_p1) / counts[1]
                if ab is not None:  # within the word, n(abc), or across a boundary; towards the bigram
                    p = (tri(ab + c_simp, 0.0) + ab_end * start + self.mu3 * p) / ab_norm
                lp = log(_HAN_SHARE * p)
            elif kind == "punct":
                c = _FULLWIDTH.get(c_simp, c_simp)
                lp = log(_PUNCT_P[c])
                if b_kind == "punct":
                    lp += log(3.0 if _FULLWIDTH.get(b, b) + c in _PUNCT_PAIRS else 0.05)
            elif kind in ("latin", "digit"):
                lp = log(0.5 if b_kind == kind else 0.004) - log(26 if kind == "latin" else 10)
            elif kind == "space":
                lp = log(0.005)
            else:
                lp = _RARE
            out.append(lp + variant)
        return out

    def score(self, text: str, a: str | None = None, b: str | None = None) -> float:
        """Sum of log-probabilities of the characters of ``text`` after the context ``a b``."""
        memo = self._memo
        total = 0.0
        for c in text:
            if c == "\n":
                a = b = None
                continue
            row = memo.get((a, b))
            lp = None if row is None else row.get(c)
            total += self.logp(a, b, c) if lp is None else lp
            a, b = b, c
        return total


_MODEL: CharModel | None = None


def model() -> CharModel:
    """The shared character model, built from jieba's dictionary on first use (a few seconds), with the
    OpenCC and GBK tables it needs loaded too, so that the first text does not pay for them."""
    global _MODEL
    if _MODEL is None:
        _MODEL = CharModel()
        _MODEL.is_variant(PLACEHOLDER)  # OpenCC: t2s, and the standard Traditional forms
        _gbk()
    return _MODEL


def text_score(text: str) -> float:
    """Mean log-probability per character of ``text`` (higher = more plausible Chinese)."""
    n = sum(1 for c in text if c != "\n")
    return model().score(text) / n if n else 0.0


# ---------------------------------------------------------------- realigned byte streams

# An item of a realigned stream is a byte (int) or one of these unknowns:
_LEAD = "lead"  # the lost first byte, >= 0x81
_END = "end"  # hidden in a final '?': the last character's trail byte, >= 0x81
_SHOWN = "shown"  # an invalid pair (t, l) shown as '?': t ends a character, l starts the next
_SILENT = "silent"  # an invalid pair that vanished


@dataclass
class _Piece:
    """One character of the realigned text: one option if known, all possible ones if a byte is lost."""

    options: list[tuple[str, str]]  # (characters, the lost bytes they imply)
    kind: str  # "known", "lead", "end", "shown", "silent"
    at: int  # index of its first item in the stream
    items: tuple = ()  # the stream items it was read from (they alone decide its options)


def _align(stream: list) -> list[_Piece] | None:
    """Decode a realigned stream two bytes at a time; ``None`` if a known pair is not GBK."""
    return _align_or_fail(stream)[0]


def _align_or_fail(stream: list) -> tuple[list[_Piece] | None, int | None]:
    """Like :func:`_align`; on failure also where a vanished pair would mend a pair that is not GBK."""
    gbk = _gbk()
    pieces: list[_Piece] = []
    i = 0
    while i < len(stream):
        b = stream[i]
        nxt = stream[i + 1] if i + 1 < len(stream) else None
        if b == _LEAD and nxt == _SILENT:  # the lost byte and the next pair: a character lost entirely
            after = stream[i + 2] if i + 2 < len(stream) else None
            if not isinstance(after, int):
                return None, None
            pieces.append(_Piece(_lost_lead_options(after), "silent", i))
            i += 3
        elif b == _LEAD and (nxt == _END or nxt is None):  # a character whose both bytes are lost
            pieces.append(_Piece([(PLACEHOLDER, "?? ??")], "end", i))
            i += 2
        elif b == _LEAD:
            if not isinstance(nxt, int):
                return None, None
            pieces.append(_Piece(_lead_options(nxt), "lead", i))
            i += 2
        elif not isinstance(b, int):
            return None, None
        elif b < 0x80:
            pieces.append(_Piece([(chr(b), "")], "known", i))
            i += 1
        elif isinstance(nxt, int):
            ch = gbk.code.get((b, nxt))
            if ch is None:
                return None, i + 1
            pieces.append(_Piece([(ch, "")], "known", i))
            i += 2
        elif nxt == _END or nxt is None:
            pieces.append(_Piece(_end_options(b), "end", i))
            i += 2
        elif nxt == _SILENT and i + 2 < len(stream) and stream[i + 2] == _SILENT:  # two pairs in a row
            after = stream[i + 3] if i + 3 < len(stream) else None
            if not isinstance(after, int):
                return None, None
            pieces.append(_Piece(_double_options(b, after), "silent", i))
            i += 4
        else:  # _SHOWN or _SILENT
            after = stream[i + 2] if i + 2 < len(stream) else None
            if not isinstance(after, int):
                return None, None
            opts = _pair_options(b, after, nxt == _SILENT)
            pieces.append(_Piece(opts, nxt, i))
            i += 3
        if not pieces[-1].options:
            return None, None
        pieces[-1].items = tuple(stream[pieces[-1].at:i])
    return pieces, None


@lru_cache(maxsize=256)
def _lead_options(trail: int) -> list[tuple[str, str]]:
    """Characters whose trail byte is ``trail`` (the lead byte was lost)."""
    return [(ch, f"{lead:02X}") for lead, ch in _gbk().by_trail.get(trail, [])]


@lru_cache(maxsize=256)
def _end_options(lead: int) -> list[tuple[str, str]]:
    """Characters whose lead byte is ``lead`` (the trail byte is hidden in a final '?')."""
    return [(ch, f"{t:02X}") for t, ch in _gbk().by_lead.get(lead, [])]


@lru_cache(maxsize=256)
def _lost_lead_options(after: int) -> list[tuple[str, str]]:
    """〓 Y: the lost byte, a vanished pair whose second byte starts Y, and Y's trail byte ``after``."""
    seconds = {l for _, l in _gbk().vanishing}
    return [(PLACEHOLDER + ch, f"?? {l:02X}") for l, ch in _gbk().by_trail.get(after, []) if l in seconds]


@lru_cache(maxsize=2)
def _invalid_by_first(silent: bool) -> list[tuple[int, tuple[int, ...]]]:
    """The invalid pairs (t, l) (only those that vanish if ``silent``) as (t, all its l)."""
    out: dict[int, list[int]] = {}
    for t, l in _gbk().vanishing if silent else _gbk().invalid:
        out.setdefault(t, []).append(l)
    return [(t, tuple(ls)) for t, ls in out.items()]


@lru_cache(maxsize=1024)
def _seconds(ls: tuple[int, ...], after: int) -> tuple[list[int], list[str]]:
    """The lead bytes among ``ls`` that make a character with the trail byte ``after``, and those characters."""
    code = _gbk().code
    found = [l for l in ls if (l, after) in code]
    return found, [code[(l, after)] for l in found]


@lru_cache(maxsize=8192)
def _pair_options(before: int, after: int, silent: bool) -> list[tuple[str, str]]:
    """Characters X Y with X = (before, t), Y = (l, after) and (t, l) an invalid pair, likeliest first."""
    code = _gbk().code
    m = model()
    rows = []  # (X, t, the Ys, their ls, m.score(X + Y) for each Y)
    for t, seconds in _invalid_by_first(silent):
        x = code.get((before, t))
        if x is not None:
            ls, ys = _seconds(seconds, after)
            ux = m.logp(None, None, x)  # m.score(x + y) = log P(x) + log P(y | x)
            rows.append((x, t, ys, ls, [ux + uy for uy in m.logps(None, x, ys)]))
    floor = _floor([s for *_, scores in rows for s in scores], MAX_PAIR_OPTIONS)
    out = [(s, x + y, t, l) for x, t, ys, ls, scores in rows for s, y, l in zip(scores, ys, ls) if s >= floor]
    out.sort(reverse=True)  # X Y tells the pairs apart
    return [(xy, f"{t:02X} {l:02X}") for _, xy, t, l in out[:MAX_PAIR_OPTIONS]]


@lru_cache(maxsize=8192)
def _double_options(before: int, after: int) -> list[tuple[str, str]]:
    """X 〓 Y for two vanished pairs in a row: the middle character lost both its bytes."""
    gbk = _gbk()
    m = model()
    firsts = {t for t, _ in gbk.vanishing}
    seconds = {l for _, l in gbk.vanishing}
    xs = [(m.score(gbk.code[(before, t)]), gbk.code[(before, t)], t) for t in firsts if (before, t) in gbk.code]
    ys = [(m.score(gbk.code[(l, after)]), gbk.code[(l, after)], l) for l in seconds if (l, after) in gbk.code]
    xs, ys = sorted(xs, reverse=True)[:20], sorted(ys, reverse=True)[:40]
    floor = _floor([sx + sy for sx, _, _ in xs for sy, _, _ in ys], MAX_PAIR_OPTIONS)
    out = [(sx + sy, x + PLACEHOLDER + y, t, l) for sx, x, t in xs for sy, y, l in ys if sx + sy >= floor]
    out.sort(reverse=True)  # X 〓 Y tells them apart
    return [(txt, f"{t:02X} ?? {l:02X}") for _, txt, t, l in out[:MAX_PAIR_OPTIONS]]


def _floor(scores: list[float], n: int) -> float:
    """The n-th highest score (-inf if fewer): only options scoring at least this can be among the n best."""
    return sorted(scores, reverse=True)[n - 1] if len(scores) >= n else -math.inf


def _context(left: str) -> tuple[str | None, str | None]:
    return (left[-2] if len(left) > 1 else None), (left[-1] if left else None)


class _Prefixes:
    """Beam states after each prefix of a realigned stream, shared by the readings of one trigger.

    The states after a piece depend only on the context and the stream items read so far, so
    readings that share a prefix (a ``'?'`` read two ways, a vanished pair inserted late, a
    longer run) compute it once. Prefixes are numbered in a trie: ``(parent, items) -> id``.
    """

    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}
        self.states: dict[int, dict] = {}


def _forward(pieces: list[_Piece], left: str, right: str,
             prefixes: _Prefixes | None = None) -> tuple[float, list[int]]:
    """Log-probability of the pieces between fixed context, summed over lost characters, and the best path."""
    m = model()
    ctx = _context(left)
    # state: last two characters -> (log-sum over paths, best log-prob, best path as (j, parent) links)
    states: dict = {ctx: (0.0, 0.0, None)}
    prefixes = prefixes or _Prefixes()
    node = prefixes.ids.setdefault((None, ctx), len(prefixes.ids))
    for piece in pieces:
        node = prefixes.ids.setdefault((node, piece.items), len(prefixes.ids))
        cached = prefixes.states.get(node)
        if cached is None:
            cached = prefixes.states[node] = _step(m, states, [txt for txt, _ in piece.options])
        states = cached
    sums, best = [], None
    for (a, b), (ls, bs, path) in states.items():
        tail = m.score(right, a, b)
        sums.append(ls + tail)
        if best is None or bs + tail > best[0]:
            best = (bs + tail, path)
    steps, link = [], best[1]
    while link is not None:
        steps.append(link[0])
        link = link[1]
    return _logsumexp(sums), steps[::-1]


def _step(m: CharModel, states: dict, texts: list[str]) -> dict:
    """The beam after one more piece whose options are ``texts``.

    Every state is extended by every option; extensions ending in the same two characters merge
    (log-sum of their probabilities, the best one kept), folded in the order state by state, option
    by option; the BEAM likeliest are kept, earlier first among equals. Options of one length are
    scored a position at a time, and as the extensions that merge are known in advance (key (b, c)
    for single characters, else the option's last two characters) they are folded without a
    dictionary lookup per extension (the same sums in the same order).
    """
    keys, sums, bests, links = [], [], [], []
    lengths = {len(t) for t in texts}
    single = lengths == {1}
    if "\n" in "".join(texts) or len(lengths) > 1 or single and len(set(texts)) < len(texts):
        new: dict = {}  # the general case (no piece has such options)
        for (a, b), (ls, bs, path) in states.items():
            for j, txt in enumerate(texts):
                step = m.score(txt, a, b)
                key = (txt[-2], txt[-1]) if len(txt) > 1 else (b, txt)
                total, mine = ls + step, bs + step
                old = new.get(key)
                if old is None:
                    new[key] = (total, mine, (j, path))
                else:
                    top = max(old[0], total)
                    both = top + math.log(math.exp(old[0] - top) + math.exp(total - top))
                    new[key] = (both, old[1], old[2]) if old[1] >= mine else (both, mine, (j, path))
        for key, (total, mine, link) in new.items():
            keys.append(key)
            sums.append(total)
            bests.append(mine)
            links.append(link)
    elif single:  # key (b, c): the states with the same last character b merge
        groups: dict = {}
        for (a, b), (ls, bs, path) in states.items():
            groups.setdefault(b, []).append((ls, bs, path, m.logps(a, b, texts)))
        for b, members in groups.items():
            keys += [(b, c) for c in texts]
            _fold(members, sums, bests, links)
    else:  # key: the option's last two characters, whatever the state
        plan = m.plan(texts)
        members = [(ls, bs, path, m.scores(texts, a, b, plan)) for (a, b), (ls, bs, path) in states.items()]
        by_key: dict = {}
        for j, txt in enumerate(texts):
            by_key.setdefault((txt[-2], txt[-1]), []).append(j)
        if len(by_key) == len(texts):
            keys += by_key
            _fold(members, sums, bests, links)
        else:  # options that share their ending (X 〓 Y): fold them state by state, option by option
            for key, js in by_key.items():
                keys.append(key)
                _fold_key(members, js, sums, bests, links)
    order = range(len(sums))  # either way = sorted(order, key=sums.__getitem__, reverse=True)[:BEAM]
    kept = heapq.nlargest(BEAM, order, key=sums.__getitem__) if len(sums) > 256 else \
        sorted(order, key=sums.__getitem__, reverse=True)[:BEAM]
    return {keys[i]: (sums[i], bests[i], links[i]) for i in kept}


def _fold_key(members: list, js: list[int], sums: list, bests: list, links: list) -> None:
    """Merge options ``js`` (one key) of every member state, state by state, option by option; append."""
    acc = None
    for ls, bs, path, steps in members:
        for j in js:
            total, mine = ls + steps[j], bs + steps[j]
            if acc is None:
                acc, best, link = total, mine, (j, path)
                continue
            # top + log(exp(acc - top) + exp(total - top)) with top = max(acc, total); exp(0.0) is exactly 1.0
            if total > acc:
                acc = total + math.log(math.exp(acc - total) + 1.0)
            else:
                acc = acc + math.log(1.0 + math.exp(total - acc))
            if not best >= mine:
                best, link = mine, (j, path)
    sums.append(acc)
    bests.append(best)
    links.append(link)


def _fold(members: list, sums: list, bests: list, links: list) -> None:
    """Option by option, merge the member states' extensions in order (log-sum, best kept); append them."""
    log, exp = math.log, math.exp
    ls, bs, path, steps = members[0]
    acc = [ls + step for step in steps]
    best = [bs + step for step in steps]
    link = [(j, path) for j in range(len(steps))]
    for ls, bs, path, steps in members[1:]:
        for j, step in enumerate(steps):
            total, old = ls + step, acc[j]
            # top + log(exp(old - top) + exp(total - top)) with top = max(old, total); exp(0.0) is exactly 1.0
            acc[j] = total + log(exp(old - total) + 1.0) if total > old else old + log(1.0 + exp(total - old))
            mine = bs + step
            if not best[j] >= mine:
                best[j], link[j] = mine, (j, path)
    sums += acc
    bests += best
    links += link


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


# ---------------------------------------------------------------- hypotheses


@dataclass
class _Hypothesis:
    start: int
    end: int
    gain: float
    cand: tuple  # as from _candidates
    reading: _Reading
    vanished: int  # invalid pairs that vanished


@dataclass
class _Reading:
    stream: list
    pieces: list[_Piece]
    path: list[int]
    gain: float
    left: str
    right: str


def _read(stream, left, right, baseline, prefixes: _Prefixes) -> _Reading | None:
    pieces = _align(stream)
    if pieces is None:
        return None
    total, path = _forward(pieces, left, right, prefixes)
    return _Reading(stream, pieces, path, total - baseline, left, right)


def _streams(run: str, ending: str):
    """Realigned streams for ``run``: each interior '?' read as a fullwidth ？ or as an invalid pair."""
    qpos = [i for i, c in enumerate(run) if c in LOST_MARKS]
    if len(qpos) > 3:
        return
    for choice in product(*[("？", _SHOWN) if run[i] == "?" else (_SHOWN,) for i in qpos]):
        chosen = dict(zip(qpos, choice))
        stream: list = [_LEAD]
        for i, c in enumerate(run):
            c = chosen.get(i, c)
            if c == _SHOWN:
                stream.append(_SHOWN)
                continue
            raw = _encode(c)
            if raw is None:
                break
            stream.extend(raw)
        else:
            if ending == "?":
                stream.append(_END)
            elif ending:
                stream.append(ord(ending))
            yield stream


def _silent_drops(reading: _Reading, left: str, right: str, baseline: float,
                  prefixes: _Prefixes) -> tuple[_Reading, int]:
    """Add invalid pairs that vanished, one at a time, where the model prefers two characters to the one read."""
    added, reads = 0, 0
    tried: set[tuple[int, int]] = set()
    improved = True
    while improved and added < MAX_SILENT and reads < MAX_READS:
        improved = False
        sites = sorted((c for c in _drop_sites(reading) if c[1:] not in tried), reverse=True)
        for _, cut, n_pairs in sites:
            tried.add((cut, n_pairs))
            trials = []
            for n in (n_pairs, 3 - n_pairs):  # the other count too: one pair or two in a row
                stream = reading.stream[:cut] + [_SILENT] * n + reading.stream[cut:]
                trial = _read(stream, left, right, baseline + SILENT_DROP_COST * (added + n), prefixes)
                reads += 1
                if trial is not None and trial.gain > reading.gain:
                    trials.append((trial.gain, n, trial))
            if trials:
                _, n, reading = max(trials, key=lambda x: x[0])
                added += n
                tried = {(t + n if t > cut else t, k) for t, k in tried}
                improved = True
                break
            if reads >= MAX_READS:
                break
    return reading, added


@lru_cache(maxsize=65536)
def _site_gains(before: int, after: int, a, b, z: str, n1, n2) -> tuple[tuple[int, float], ...]:
    """Local log-probability gain of reading ``z`` = (before, after) as one or two vanished pairs instead."""
    m = model()
    here = m.logp(a, b, z) + (m.logp(b, z, n1) if n1 else 0.0) + (m.logp(z, n1, n2) if n2 else 0.0)
    out = []
    for n_pairs, options in ((1, _pair_options(before, after, True)), (2, _double_options(before, after))):
        alts = []
        for xy, _ in options[:60]:
            x, y = xy[0], xy[-1]
            v = m.logp(a, b, x) + m.logp(b, x, y if n_pairs == 1 else PLACEHOLDER)
            v += m.logp(x, PLACEHOLDER, y) if n_pairs == 2 else 0.0
            if n1:
                v += m.logp(xy[-2], y, n1) + (m.logp(y, n1, n2) if n2 else 0.0)
            alts.append(v)
        if alts:
            out.append((n_pairs, _logsumexp(alts) - here - SILENT_DROP_COST * (n_pairs - 1)))
    return tuple(out)


def _drop_sites(reading: _Reading) -> list[tuple[float, int, int]]:
    """(local gain, stream position, pairs) where vanished pairs would make the text likelier."""
    pieces, path, s = reading.pieces, reading.path, reading.stream
    left, right = reading.left, reading.right
    chars = [p.options[j][0] for p, j in zip(pieces, path)]
    flat = list(left) + [c for txt in chars for c in txt] + list(right)
    offsets, pos = [], len(left)
    for txt in chars:
        offsets.append(pos)
        pos += len(txt)
    sites = []
    if s[0] == _LEAD and isinstance(s[1], int):  # right after the lost byte: always worth a look
        sites.append((SILENT_DROP_COST, 1, 1))
    for k in range(1, len(pieces)):
        p = pieces[k]
        if p.kind != "known" or len(chars[k]) != 1 or p.at < 2 or p.at + 1 >= len(s):
            continue
        if not all(isinstance(x, int) for x in s[p.at - 1:p.at + 2]) or s[p.at + 1] < 0x40:
            continue
        i = offsets[k]
        a, b = (flat[i - 2] if i >= 2 else None), (flat[i - 1] if i >= 1 else None)
        n1 = flat[i + 1] if i + 1 < len(flat) else None
        n2 = flat[i + 2] if i + 2 < len(flat) else None
        for n_pairs, gain in _site_gains(s[p.at], s[p.at + 1], a, b, chars[k], n1, n2):
            if gain > SILENT_DROP_COST:
                sites.append((gain, p.at + 1, n_pairs))
    return sites


def _evaluate(text: str, cand: tuple, line: tuple[int, int], refine: bool,
              prefixes: _Prefixes) -> tuple[_Hypothesis | None, float]:
    """Best reading of one candidate span; returns the hypothesis (if it passes) and its gain."""
    start, end, marker, run, ending = cand
    left = text[max(line[0], start - 3):start]
    right = text[end:min(line[1], end + 3)]
    a, b = _context(left)
    baseline = model().score(text[start:end] + right, a, b)
    baseline += SHIFT_COST + (0.0 if marker else SILENT_START_COST)
    best, silent = None, 0
    for stream in _streams(run, ending):
        mended = 0
        pieces, fail = _align_or_fail(stream)
        while pieces is None and fail is not None and mended < 2:  # a pair that vanished left a non-GBK pair
            stream = stream[:fail] + [_SILENT] + stream[fail:]
            mended += 1
            pieces, fail = _align_or_fail(stream)
        reading = _read(stream, left, right, baseline + SILENT_DROP_COST * mended, prefixes) if pieces else None
        if reading is not None and (best is None or reading.gain > best.gain):
            best, silent = reading, mended
    if best is None:
        return None, -math.inf
    if refine:
        best, more = _silent_drops(best, left, right, baseline + SILENT_DROP_COST * silent, prefixes)
        silent += more
    if best.gain < MIN_LOG_ODDS or best.gain < MIN_GAIN_PER_CHAR * (end - start):
        return None, best.gain
    return _Hypothesis(start, end, best.gain, cand, best, silent), best.gain


def _describe(text: str, h: _Hypothesis) -> tuple[str, str]:
    """The realigned text of a hypothesis and how it came about (only for those that are kept)."""
    start, end, marker, run, ending = h.cand
    best = h.reading
    after, notes = _render(best.pieces, best.path, best.left, best.right, h.vanished)
    if ending == "?":
        after += _eaten_ascii(text, end)
        notes.append("final '?' was an undecodable pair" + (f" that swallowed {after[-1]!r}" if after[-1] in "<(" else ""))
    elif ending:
        notes.append(f"back in step at {ending!r}")
    skipped = text[start + 1:end - len(run) - (1 if ending else 0)] if marker else ""
    if skipped:
        notes.insert(1, f"pinyin {skipped!r} glued to the lost character dropped")
    detail = f"GBK byte shift +1: re-encoded {_count(len(run), 'char')}, " + ", ".join(notes)
    detail += f"; log-odds {best.gain:.0f}"
    return after, detail


def _render(pieces: list[_Piece], path: list[int], left: str, right: str, vanished: int) -> tuple[str, list[str]]:
    """Known characters as they are, the lead byte's character if clear-cut, 〓 for each lost character."""
    m = model()
    out, notes, guesses = [], [], []
    for k, (piece, j) in enumerate(zip(pieces, path)):
        txt, stood = piece.options[j]
        if piece.kind == "known":
            out.append(txt)
            continue
        if piece.kind == "lead":
            a, b = _context(left)
            after = "".join(p.options[i][0] for p, i in zip(pieces[k + 1:k + 3], path[k + 1:k + 3]))
            after = (after + right)[:2]
            scores = sorted(m.scores([t + after for t, _ in piece.options], a, b), reverse=True)
            clear = len(scores) == 1 or scores[0] - scores[1] >= CLEAR_GUESS
            notes.append(f"prepended lead byte {stood}" if clear else "lead byte unclear")
            if clear:
                out.append(txt)
                continue
        out.append(PLACEHOLDER * len(txt))
        guesses.append(txt)
        if piece.kind == "shown":
            notes.append(f"'?' was the invalid pair {stood}")
    if not notes or not notes[0].startswith(("prepended", "lead")):
        notes.insert(0, "lead byte lost")
    if vanished:
        notes.append(f"{_count(vanished, 'invalid pair')} had vanished")
    lost = sum(len(g) for g in guesses)
    if lost:
        guess = "".join(guesses)
        notes.append(f"{_count(lost, 'lost char')} → {PLACEHOLDER * lost} (model's guess {guess})")
    return "".join(out), notes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _eaten_ascii(text: str, end: int) -> str:
    """The ASCII byte a final invalid pair swallowed, when its partner follows; else nothing."""
    if _TAG_REST.match(text, end):
        return "<"
    if _RUBY_REST.match(text, end):
        return "("
    return ""


# ---------------------------------------------------------------- candidate spans


def _wide(ch: str) -> bool:
    return ch not in LOST_MARKS and _encode(ch) is not None


def _candidates(text: str, pos: int, line: tuple[int, int]) -> list[tuple]:
    """Spans around the trigger at ``pos`` as (start, end, lost byte marked?, shifted run, ending)."""
    lo, hi = line
    if text[pos] not in LOST_MARKS:  # a resynchronising ASCII byte: the run precedes it
        return _backward(text, pos, lo, text[pos])
    if not any(_wide(c) for c in text[max(lo, pos - 2):pos] + text[pos + 1:min(hi, pos + 3)]):
        return []
    out = []
    # the mark is the lost lead byte and the run follows it (maybe after a pinyin ruby of the lost character)
    firsts = [pos + 1]
    ruby = _PINYIN_REMNANT.match(text, pos + 1)
    if ruby:
        firsts.append(ruby.end())
    for q in firsts:
        found = []
        i = q
        while i < hi and i - q < MAX_FORWARD:
            c = text[i]
            if c in LOST_MARKS:
                if i > q or _eaten_ascii(text, i + 1):  # '??(' : a character lost entirely
                    found.append((pos, i + 1, True, text[q:i], "?"))
                if c == "\ufffd" or _eaten_ascii(text, i + 1):  # '?fù)': the pair swallowed a '('
                    break
                i += 1
                continue
            raw = _encode(c)
            if raw is None:
                if "\x40" <= c <= "\x7e":
                    found.append((pos, i + 1, True, text[q:i], c))
                break
            i += 1
            if raw[1] < 0x80:  # its second byte was ASCII: the decoder was back in step after it
                found.append((pos, i, True, text[q:i], ""))
                break
        # shifted text is improbable text: a plausible run is left alone (and costs nothing more)
        found = [f for f in found if not f[3] or _improbable(f[3][:4], -9.0 if q > pos + 1 else PLAUSIBLE_RUN)]
        out += found
    # the mark is the invalid pair that ended the shift; the run precedes it
    out.extend(_backward(text, pos, lo, "?"))
    return out


def _improbable(run: str, limit: float) -> bool:
    """True if ``run`` reads like garbage: under ``limit`` nats per character on average, out of context."""
    return model().score(run) / len(run) < limit


def _backward(text: str, pos: int, lo: int, ending: str) -> list[tuple]:
    out = []
    tail = "".join(c for c in text[max(lo, pos - 4):pos] if _wide(c))
    if not tail or not _improbable(tail, PLAUSIBLE_RUN):
        return out
    s = pos
    while s > lo and pos - s < MAX_BACK:
        c = text[s - 1]
        if c in LOST_MARKS:  # the lost lead byte, shown: the run starts right after it
            if s < pos:
                out.append((s - 1, pos + 1, True, text[s:pos], ending))
            break
        raw = _encode(c)
        if raw is None or raw[1] < 0x80:
            break
        s -= 1
        if pos - s >= 2 and not (s > lo and text[s - 1] in LOST_MARKS):
            out.append((s, pos + 1, False, text[s:pos], ending))
    return out


def _line(text: str, pos: int) -> tuple[int, int]:
    lo = text.rfind("\n", 0, pos) + 1
    hi = text.find("\n", pos)
    return lo, len(text) if hi < 0 else hi


def find_repairs(text: str) -> list[Repair]:
    """The GBK byte-shift mojibake spans of ``text`` and their realigned text (sorted, non-overlapping)."""
    triggers = [m.start() for m in _TRIGGER.finditer(text)]
    if not triggers:
        return []
    hyps: list[_Hypothesis] = []
    seen: set[tuple] = set()
    line = (-1, -1)
    for pos in triggers:
        if pos >= line[1]:  # a new line (triggers are sorted, and none is a line break)
            line = _line(text, pos)
        cands = [c for c in _candidates(text, pos, line) if c not in seen]
        seen.update(cands)
        prefixes = _Prefixes()  # readings of the same trigger share their beginnings
        scored = sorted(((_evaluate(text, c, line, False, prefixes)[1], c) for c in cands), reverse=True)
        best = None
        for gain, cand in scored[:3]:  # the most promising readings are refined (vanished pairs)
            if gain < -4 * MIN_LOG_ODDS:
                break
            h = _evaluate(text, cand, line, True, prefixes)[0]
            if h is not None and (best is None or h.gain > best.gain):
                best = h
        if best is not None:
            hyps.append(best)
    return [Repair(h.start, h.end, text[h.start:h.end], *_describe(text, h)) for h in _select(hyps)]


def _select(hyps: list[_Hypothesis]) -> list[_Hypothesis]:
    """Non-overlapping hypotheses with the largest total gain (weighted interval scheduling)."""
    hyps = sorted({(h.start, h.end): h for h in hyps}.values(), key=lambda h: h.end)
    ends = [h.end for h in hyps]
    best: list[tuple[float, tuple | None]] = [(0.0, None)]  # (total gain, chosen as (last, rest) links)
    for k, h in enumerate(hyps):
        j = bisect_right(ends, h.start, 0, k)
        take = (best[j][0] + h.gain, (h, best[j][1]))
        best.append(max(best[-1], take, key=lambda x: x[0]))
    chosen, link = [], best[-1][1]
    while link is not None:
        chosen.append(link[0])
        link = link[1]
    return sorted(chosen[::-1], key=lambda h: h.start)


def repair(text: str) -> tuple[str, list[Repair]]:
    """``text`` with every repair applied, and the repairs (their offsets refer to the input)."""
    repairs = find_repairs(text)
    out, last = [], 0
    for r in repairs:
        out += [text[last:r.start], r.after]
        last = r.end
    out.append(text[last:])
    return "".join(out), repairs


def shifted_decode(raw: bytes) -> str:
    """Decode GBK two bytes at a time, as the scraper's decoder did once it was out of step.

    An undecodable pair is consumed whole: it vanishes if GB18030 maps it to the private use
    area (GBK's user-defined rows, e.g. AB B0), otherwise it shows as '?' (e.g. 93 28, which
    swallows the '(').
    """
    out, i = [], 0
    while i < len(raw):
        if raw[i] < 0x80:
            out.append(chr(raw[i]))
            i += 1
            continue
        pair = raw[i:i + 2]
        try:
            out.append(pair.decode("gbk"))
        except UnicodeDecodeError:
            private = len(pair) == 2 and "\ue000" <= pair.decode("gb18030", "replace") <= "\uf8ff"
            out.append("" if private else "?")
        i += 2
    return "".join(out)
