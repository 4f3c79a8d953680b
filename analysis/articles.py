"""Layout stage: split a cleaned file into articles and move titles, bylines and captions to metadata.

The rules read the line structure only (no string of any one file):

* A **headline-like line** is short (``layout.short_line`` characters), has no 。 inside and
  does not end with closing punctuation other than ！？.
* A **byline** is a line made only of reporter roles and names (本报记者 张三 通讯员 李四,
  ■张三 李四, 《某某报》张三); a credit such as （记者 张三 李四） closing the last
  paragraph is one too.
* An **article starts** at the top of the file, at a block of headline-like lines followed
  directly by a byline, or at a block of two or more headline-like lines after a gap of two or
  more blank lines once the current article has had a closing byline (one not directly under
  its title).
* The article's first block gives the **kicker** (a first line of at most ``kicker_max``
  characters), the **title** and the **subtitle**; further lines stay in the text as headings.
* A **photo caption** is a headline-like line after a gap of two or more blank lines (where an
  image stood) that is followed by another gap, by the end of the article, or by a single
  heading line and then prose; lines matching ``caption_patterns`` are captions too.
* A prose paragraph that ends without closing punctuation was **cut by the layout** and is
  re-joined with the next paragraph.
* An article is **relevant** when it names the police and technology often enough
  (``relevance`` in ``cleaning.yaml``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from analysis.clean import rules
from analysis.trail import Edit, Trail


@dataclass
class Line:
    start: int
    end: int
    text: str
    gap_before: int  # blank lines before this line
    gap_after: int = 0
    role: str = "body"  # body, heading, title, subtitle, kicker, byline, caption


@dataclass
class Article:
    lines: list[Line]
    kicker: str = ""
    title: str = ""
    subtitle: str = ""
    bylines: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    text: str = ""
    relevant: bool = True
    police_hits: int = 0
    tech_hits: int = 0


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    cfg = rules()
    by = cfg["byline"]
    role, name, marker = by["roles"], by["name"], by["markers"]
    credit = rf"(?:{role}[\s:：]*)?{name}"
    byline_line = rf"^(?:{marker}\s*|{role}[\s:：]*)(?:{name})(?:[\s、,，]+{credit})*$"
    return {
        "byline": re.compile(byline_line),
        "trailing": re.compile(by["trailing"]),
        "captions": re.compile("|".join(f"(?:{p})" for p in cfg["caption_patterns"])),
        "terminal": re.compile("[" + re.escape(cfg["layout"]["terminal"]) + "]$"),
    }


def is_byline(line: str) -> bool:
    """A line made only of reporter roles and names."""
    return bool(_patterns()["byline"].match(line.strip()))


_CLOSERS = "”’」』）)》\"'"
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|《[^》]*》")


def is_headline_like(line: str) -> bool:
    """Short, no 。 inside, no closing punctuation at the end except ！？, and no unquoted comma.

    Closing quotes at the end are looked through (标题“清单” is a title; 。” ends prose).
    A short line with a comma outside quotes that ends on a character is prose cut by the
    layout, not a heading.
    """
    line = line.strip()
    cfg = rules()["layout"]
    if not line or len(line) > cfg["short_line"] or "。" in line or is_byline(line):
        return False
    core = line.rstrip(_CLOSERS) or line
    if core[-1] in "！？!?":
        return True
    if _patterns()["terminal"].search(core):
        return False
    return not re.search("[，,；;]", _QUOTED.sub("", line))


def ends_cut(line: str) -> bool:
    """A prose paragraph that ends without closing punctuation (the layout cut it)."""
    return not is_headline_like(line) and not _patterns()["terminal"].search(line)


def split_lines(text: str) -> list[Line]:
    """Non-empty lines with the number of blank lines around them."""
    lines: list[Line] = []
    previous_end = 0
    for m in re.finditer(r"[^\n]+", text):
        if not m.group().strip():
            continue
        gap = max(0, text.count("\n", previous_end, m.start()) - 1) if lines else text.count("\n", 0, m.start())
        lines.append(Line(m.start(), m.end(), m.group(), gap))
        previous_end = m.end()
    for a, b in zip(lines, lines[1:]):
        a.gap_after = b.gap_before
    if lines:
        lines[-1].gap_after = 99
    return lines


def _block_end(lines: list[Line], i: int) -> int:
    """Index after the run of headline-like lines starting at ``i``."""
    j = i
    while j < len(lines) and is_headline_like(lines[j].text):
        j += 1
    return j


def segment(lines: list[Line]) -> list[list[Line]]:
    """Group lines into articles (see the module docstring for the rule)."""
    if not lines:
        return []
    starts = [0]
    closed = False  # the current article has had a closing byline
    opening_byline_at = _opening_byline_index(lines, 0)
    i = 1
    while i < len(lines):
        line = lines[i]
        if is_byline(line.text):
            if i != opening_byline_at:
                closed = True
            i += 1
            continue
        if is_headline_like(line.text) and not is_headline_like(lines[i - 1].text):
            end = _block_end(lines, i)
            followed_by_byline = end < len(lines) and is_byline(lines[end].text)
            after_gap = line.gap_before >= 2
            if followed_by_byline or (closed and after_gap and end - i >= 2):
                starts.append(i)
                closed = False
                opening_byline_at = end if followed_by_byline else -1
                i = end
                continue
        i += 1
    bounds = starts + [len(lines)]
    return [lines[a:b] for a, b in zip(bounds, bounds[1:])]


def _opening_byline_index(lines: list[Line], start: int) -> int:
    end = _block_end(lines, start)
    return end if end < len(lines) and is_byline(lines[end].text) else -1


def describe(lines: list[Line]) -> Article:
    """Assign roles to an article's lines: kicker, title, subtitle, bylines, captions, headings."""
    article = Article(lines)
    cfg = rules()["layout"]
    block = lines[: _block_end(lines, 0)]
    if len(block) >= 2 and len(block[0].text) <= cfg["kicker_max"]:
        block[0].role = "kicker"
        article.kicker = block[0].text
        block = block[1:]
    if block:
        block[0].role = "title"
        article.title = block[0].text
    if len(block) >= 2:
        block[1].role = "subtitle"
        article.subtitle = block[1].text
    first_body = next((k for k, ln in enumerate(lines) if ln.role == "body"), len(lines))
    pats = _patterns()
    for k in range(first_body, len(lines)):
        line = lines[k]
        if is_byline(line.text):
            line.role = "byline"
            article.bylines.append(line.text)
        elif pats["captions"].search(line.text) and len(line.text) <= cfg["short_line"]:
            line.role = "caption"
        elif is_headline_like(line.text):
            line.role = "caption" if _looks_like_caption(lines, k) else "heading"
        if line.role == "caption":
            article.captions.append(line.text)
    return article


def _looks_like_caption(lines: list[Line], k: int) -> bool:
    line = lines[k]
    if line.gap_before < 2:
        return False
    if k == len(lines) - 1 or line.gap_after >= 2:
        return True
    nxt = lines[k + 1]
    after = lines[k + 2] if k + 2 < len(lines) else None
    return is_headline_like(nxt.text) and after is not None and not is_headline_like(after.text)


def count_terms(text: str, terms: list[str]) -> int:
    """Occurrences of any of ``terms`` (longest first, non-overlapping)."""
    pattern = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return len(re.findall(pattern, text))


def judge_relevance(article: Article) -> None:
    """Set ``relevant`` by the stated criterion: enough police terms and technology terms."""
    cfg = rules()["relevance"]
    text = article.title + "\n" + article.subtitle + "\n" + article.text
    article.police_hits = count_terms(text, cfg["police_terms"])
    article.tech_hits = count_terms(text, cfg["tech_terms"])
    article.relevant = article.police_hits >= cfg["min_police"] and article.tech_hits >= cfg["min_tech"]


_MOVED = {
    "kicker": ("moved_to_metadata", "kicker line (→ articles.kicker)"),
    "title": ("moved_to_metadata", "title line (→ articles.title)"),
    "subtitle": ("moved_to_metadata", "subtitle line (→ articles.subtitle)"),
    "byline": ("moved_to_metadata", "byline (→ articles.byline)"),
    "caption": ("moved_to_metadata", "photo caption, not article prose (→ articles.captions)"),
}


def layout(trail: Trail) -> list[Article]:
    """Segment the trail's text into articles, logging every character that leaves the prose."""
    text = trail.text
    lines = split_lines(text)
    articles = [describe(group) for group in segment(lines)]
    edits: list[Edit] = []
    trailing = _patterns()["trailing"]
    kept: list[tuple[Article, Line, str]] = []  # (article, line, kept text of the line)
    for article in articles:
        for line in article.lines:
            if line.role in _MOVED:
                kind, reason = _MOVED[line.role]
                edits.append(Edit(line.start, line.end, "", kind, reason))
                continue
            m = trailing.search(line.text)
            if m and line is _last_body_line(article):
                article.bylines.append(m.group().strip())
                edits.append(Edit(line.start + m.start(), line.end, "", "moved_to_metadata", "byline credit closing the text (→ articles.byline)"))
                kept.append((article, line, line.text[: m.start()]))
            else:
                kept.append((article, line, line.text))
    # the gaps between lines: one newline between paragraphs, none inside a re-joined paragraph
    all_lines = [ln for a in articles for ln in a.lines]
    kept_ids = {id(ln): (a, t) for a, ln, t in kept}
    pieces: dict[int, list[str]] = {id(a): [] for a in articles}
    previous: tuple[Article, Line, str] | None = None
    cursor = 0
    for line in all_lines:
        gap_start, gap_end = cursor, line.start
        current = kept_ids.get(id(line))
        if current is None:
            if gap_end > gap_start:
                edits.append(Edit(gap_start, gap_end, "", "layout", "blank lines around a moved line"))
            cursor = line.end
            continue
        article, line_text = current
        if previous is not None and previous[0] is article:
            joined = previous[1].role == "body" and ends_cut(previous[2]) and not is_headline_like(line_text)
            sep = "" if joined else "\n"
            reason = "paragraph cut by the layout re-joined" if joined else "blank lines between paragraphs"
            edits.append(Edit(gap_start, gap_end, sep, "join" if joined else "layout", reason))
            pieces[id(article)].append(sep + line_text)
        else:
            if gap_end > gap_start:
                edits.append(Edit(gap_start, gap_end, "", "layout", "newlines before an article's first paragraph"))
            pieces[id(article)].append(line_text)
        previous = (article, line, line_text)
        cursor = line.end
    if cursor < len(text):
        edits.append(Edit(cursor, len(text), "", "layout", "newlines at the end of the file"))
    trail.apply("layout", edits)
    for article in articles:
        article.text = "".join(pieces[id(article)])
        judge_relevance(article)
    if trail.text != "".join(a.text for a in articles):
        raise AssertionError(f"{trail.source_file}: layout accounting does not match the article texts")
    return articles


def _last_body_line(article: Article) -> Line | None:
    body = [ln for ln in article.lines if ln.role not in _MOVED]
    return body[-1] if body else None
