"""Text-level cleaning steps. Each step looks at a text and proposes :class:`~analysis.trail.Edit` s.

The steps are independent, general and idempotent; :func:`clean_text` runs them in
order on a :class:`~analysis.trail.Trail` so that every change lands in the log.
Layout steps (titles, bylines, captions, cut paragraphs, article boundaries) live in
:mod:`analysis.articles` because they need the line structure of the whole file.
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import yaml

from analysis import mojibake
from analysis.paths import RESOURCES
from analysis.trail import Edit, Trail

# ---------------------------------------------------------------- configuration


@lru_cache(maxsize=1)
def rules() -> dict:
    """The cleaning rules from ``analysis/resources/cleaning.yaml``."""
    with open(RESOURCES / "cleaning.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

# ---------------------------------------------------------------- markup

_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]{0,300})?/?>", re.S)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")


def markup_edits(text: str) -> list[Edit]:
    """HTML tags and comments are removed; character entities are decoded."""
    edits = [Edit(m.start(), m.end(), "", "markup", "HTML tag remnant") for m in _TAG.finditer(text)]
    taken = [(e.start, e.end) for e in edits]
    for m in _ENTITY.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        decoded = html.unescape(m.group())
        if decoded != m.group():
            decoded = decoded.replace("\u00a0", " ")
            edits.append(Edit(m.start(), m.end(), decoded, "markup", f"HTML entity {m.group()}"))
    return edits


# ---------------------------------------------------------------- mojibake


def mojibake_edits(text: str) -> list[Edit]:
    """GBK byte-shift mojibake realigned (see :mod:`analysis.mojibake`)."""
    return [Edit(r.start, r.end, r.after, "mojibake", r.detail) for r in mojibake.find_repairs(text)]


# ---------------------------------------------------------------- pinyin ruby

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_INITIALS = "b p m f d t n l g k h j q x zh ch sh r z c s y w".split()
_FINALS = (
    "a o e ai ei ao ou an en ang eng ong er i ia ie iao iu ian in iang ing iong u ua uo uai ui uan un "
    "uang ueng v ve van vn ue uan un n ng m"
).split()


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Toneless pinyin syllables (ü written v), generated from initials and finals."""
    syllables = set(_FINALS)
    for ini in _INITIALS:
        for fin in _FINALS:
            syllables.add(ini + fin)
    return frozenset(syllables)


def _toneless(syllable: str) -> str:
    base = unicodedata.normalize("NFD", syllable)
    base = "".join(c for c in base if not unicodedata.combining(c))
    return base.replace("ü", "v").replace("u:", "v").lower()


def is_pinyin(chunk: str) -> bool:
    """True if ``chunk`` is one or more lowercase pinyin syllables (tone marks or digits allowed)."""
    words = chunk.strip().split()
    if not words or chunk != chunk.lower():
        return False
    toned = any(c in _TONED for c in chunk)
    for word in words:
        word = word.rstrip("12345")
        if not word or not re.fullmatch(f"[a-z{_TONED}]+", word):
            return False
        if not _segment_pinyin(_toneless(word)):
            return False
    # untoned single syllables such as (a) are too ambiguous to strip
    return toned or any(ch.isdigit() for ch in chunk)


def _segment_pinyin(word: str) -> bool:
    syllables = pinyin_syllables()
    ok = [True] + [False] * len(word)
    for i in range(1, len(word) + 1):
        ok[i] = any(ok[j] and word[j:i] in syllables for j in range(max(0, i - 6), i))
    return ok[-1]


_RUBY = re.compile(rf"(?<=[{HAN}〓])[(（]([^()（）\n]{{1,40}})[)）]")
_RUBY_REMNANT = re.compile(rf"(?<=〓)([a-z{_TONED}]{{1,7}})[)）]")


def pinyin_edits(text: str) -> list[Edit]:
    """Pinyin ruby glued after a character, e.g. 警務(wù) → 警務; real parentheses stay."""
    edits = [
        Edit(m.start(), m.end(), "", "pinyin", f"pinyin ruby ({m.group(1)}) after a character")
        for m in _RUBY.finditer(text)
        if is_pinyin(m.group(1))
    ]
    edits += [
        Edit(m.start(), m.end(), "", "pinyin", "pinyin ruby whose opening bracket was lost to mojibake")
        for m in _RUBY_REMNANT.finditer(text)
        if is_pinyin(m.group(1))
    ]
    return edits


# ---------------------------------------------------------------- script


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("tw2s")  # t2s plus Taiwan variants, e.g. 隨著 → 随着 (t2s leaves 随著)


def to_simplified(text: str) -> str:
    """OpenCC Traditional → Simplified (``tw2s``: character and phrase tables, Taiwan variants)."""
    return _t2s().convert(text)


def detect_script(text: str) -> str:
    """"Traditional" if at least 3% of Han characters change under t2s, else "Simplified"."""
    han = re.findall(f"[{HAN}]", text)
    if not han:
        return "none"
    converted = to_simplified("".join(han))
    changed = sum(a != b for a, b in zip(han, converted))
    return "Traditional" if changed >= max(1, 0.03 * len(han)) else "Simplified"


def script_edits(text: str) -> list[Edit]:
    """Traditional text converted to Simplified, one log row per run of changed characters."""
    if detect_script(text) != "Traditional":
        return []
    edits: list[Edit] = []
    for line_match in re.finditer(r"[^\n]+", text):
        line = line_match.group()
        converted = to_simplified(line)
        if converted == line:
            continue
        if len(converted) != len(line):  # a phrase changed length: log the whole line
            edits.append(Edit(line_match.start(), line_match.end(), converted, "script", "OpenCC t2s (phrase)"))
            continue
        run_start = None
        for i, (a, b) in enumerate(zip(line + "\0", converted + "\0")):
            if a != b and run_start is None:
                run_start = i
            elif a == b and run_start is not None:
                s = line_match.start()
                edits.append(Edit(s + run_start, s + i, converted[run_start:i], "script", "OpenCC t2s"))
                run_start = None
    return edits


# ---------------------------------------------------------------- punctuation and spaces

_HALF_TO_FULL = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}
_CJK_LEFT = rf"[{HAN}”’」』）》…—〓]"
_PUNCT = re.compile(rf"(?<={_CJK_LEFT})([,?!:;])|(?<=[0-9A-Za-z%])([,?!;])(?=[{HAN}“‘「『（《])")
_ODD_SPACE = re.compile(r"[\u00a0\u2002-\u200b\u3000\ufeff\t]+")
_EDGE_SPACE = re.compile(r"^[ ]+|[ ]+$", re.M)
_MULTI_SPACE = re.compile(r" {2,}")


def punctuation_edits(text: str) -> list[Edit]:
    """ASCII , ? ! : ; written after Chinese become their fullwidth forms."""
    edits = []
    for m in _PUNCT.finditer(text):
        mark = m.group(1) or m.group(2)
        edits.append(Edit(m.start(), m.end(), _HALF_TO_FULL[mark], "punctuation", "halfwidth punctuation in Chinese text"))
    return edits


def space_edits(text: str) -> list[Edit]:
    """Odd spaces (NBSP, ideographic, zero-width, tabs) → one ordinary space (see :func:`trim_edits`)."""
    edits = [Edit(m.start(), m.end(), " ", "whitespace", "non-standard space") for m in _ODD_SPACE.finditer(text)]
    return edits


def trim_edits(text: str) -> list[Edit]:
    """Spaces at line edges removed and runs of spaces collapsed."""
    edits = [Edit(m.start(), m.end(), "", "whitespace", "space at a line edge") for m in _EDGE_SPACE.finditer(text)]
    taken = {e.start for e in edits}
    edits += [
        Edit(m.start(), m.end(), " ", "whitespace", "repeated spaces")
        for m in _MULTI_SPACE.finditer(text)
        if m.start() not in taken and not any(e.start <= m.start() < e.end for e in edits)
    ]
    return edits


# ---------------------------------------------------------------- furniture


@lru_cache(maxsize=1)
def _furniture_rules() -> list[tuple[re.Pattern, dict]]:
    return [(re.compile(rule["pattern"]), rule) for rule in rules()["furniture"]]


def match_furniture(line: str) -> tuple[dict, dict[str, str]] | None:
    """The furniture rule a whole line matches and the metadata it carries."""
    stripped = line.strip()
    for pattern, rule in _furniture_rules():
        m = pattern.match(stripped)
        if m:
            values = {k: v for k, v in m.groupdict().items() if v}
            return rule, values
    return None


def furniture_edits(text: str) -> tuple[list[Edit], list[tuple[str, dict[str, str]]]]:
    """Whole lines of page furniture removed; metadata lines return their values."""
    edits, metadata = [], []
    for m in re.finditer(r"[^\n]+", text):
        found = match_furniture(m.group())
        if found is None:
            continue
        rule, values = found
        edits.append(Edit(m.start(), m.end(), "", rule["kind"], rule["reason"]))
        if rule.get("field"):
            metadata.append((rule["field"], values))
    return edits, metadata


# ---------------------------------------------------------------- the text stage

TEXT_STEPS = (
    ("mojibake", mojibake_edits),  # first: realigning bytes may restore markup such as </span>
    ("markup", markup_edits),
    ("pinyin", pinyin_edits),
    ("script", script_edits),
    ("spaces", space_edits),
    ("punctuation", punctuation_edits),
    ("trim", trim_edits),
)


def clean_text(trail: Trail) -> tuple[str, list[tuple[str, dict[str, str]]]]:
    """Run the text steps and furniture removal on a trail; returns the script and page metadata."""
    script = detect_script(trail.text)
    for stage, step in TEXT_STEPS:
        trail.apply(stage, step(trail.text))
    edits, metadata = furniture_edits(trail.text)
    trail.apply("furniture", edits)
    return script, metadata


def clean_string(text: str) -> str:
    """Clean one string with the text steps (no layout, no log): handy for snippets and tests."""
    trail = Trail("<string>", text)
    clean_text(trail)
    return trail.text
