"""An explainable rule-based frame coder, written from the codebook (``analysis/codebook.yaml``).

:func:`code_units` takes the unit table of :func:`analysis.segment.units_frame` (``unit_id``,
``article_id``, ``kind``, ``paragraph``, ``position``, ``text``; rows in article order) and adds one
0/1 column per frame of :data:`~analysis.codebook.FRAME_CODES` and ``SPEAKER``
(``official``/``citizen``/``none``). :func:`explain_units` gives, in long format, the rule and the
matched span behind every 1 and every non-``none`` SPEAKER (``effect == "assign"``), and the
exclusions that vetoed a match or explain a 0 (``effect == "veto"``). :func:`code_and_explain`
gives both from one pass.

The rules are data: ``analysis/resources/coder_rules.yaml`` holds the term classes and patterns,
each rule citing the codebook include/exclude item it implements; this module only interprets
them. How a frame is decided:

* **Pattern frames** (all but QUANTIFIED). Every ``assign`` pattern is matched against the unit;
  ``veto`` rules then blank spans before matching (``mask``: 以前所未有, 安全感 in a crime-category
  name), cancel a match whose clause holds a veto word (``clause``: 将, 启动…), cancel a match
  governed by a modal word earlier in its sentence segment (``segment``: 可以/能/将/如果 … 抓获),
  or cancel the frame for the unit (``unit``: criminals changing methods without the police
  adapting). ``zero`` vetoes cancel nothing; they name the exclusion that explains a 0. A frame
  is 1 when at least one match survives.
* **Context** (TRANSFORMATION). A clause-initial 之前/以前 in one sentence and a 现在/如今 opening
  the next sentence of the same paragraph make both sentences halves of a before/after pair.
* **QUANTIFIED** comes from :func:`extract_numbers`: every number is normalised and given a
  ``kind``; the unit is 1 when one of them is of an evidence kind (a change, a rate, a count
  offered as a result, time to solve …), not a date, age, price, address, name or an incidental
  count (一名可疑男子).
* **SPEAKER** follows attributions: ``X说/表示/介绍/告诉记者/称/心想``; a quotation takes the speaker
  of the attribution that follows (or precedes) it in the paragraph; an official's reported
  speech continues into the next sentence that says 我市/同时…; 据介绍 and police data are
  official; a resident's report to the police is citizen; titles and headings are none. The
  speaker's class comes from a title or role (大队长, 负责人 → official; 房东, 先生, 心理咨询师 →
  citizen), from the roles next to a bare name elsewhere in the article (罗妮娜 →
  心理咨询师罗妮娜), or from the previous speaker for 该/他.

Everything is deterministic; patterns are compiled once per rules file. For speed, a pattern is
not searched in a unit that lacks every one of some set of strings the pattern needs (its words,
read from the pattern itself: see ``_Screen``); such a search could not match, so this changes no
result.
"""
from __future__ import annotations

import re
import re._constants as _sre  # the parse tree of a pattern (Python 3.11+), read by _required
import re._parser as _sre_parse
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from itertools import chain, product
from operator import add, or_
from pathlib import Path
from typing import Any, Iterable, NamedTuple

import pandas as pd
import yaml

from analysis.codebook import FRAME_CODES, SPEAKER_VALUES
from analysis.paths import RESOURCES
from analysis.segment import check_table

__all__ = [
    "EXPLAIN_COLUMNS",
    "NUMBER_KINDS",
    "RULES_YAML",
    "CoderRules",
    "NumberMention",
    "RulesError",
    "code_and_explain",
    "code_units",
    "evidence_kinds",
    "explain_units",
    "extract_numbers",
    "load_rules",
    "parse_rules",
    "rules_table",
]

#: Every ``kind`` that :func:`extract_numbers` gives (which of them count is set by the rules).
NUMBER_KINDS = ("change", "percent", "fraction", "multiple", "magnitude", "count", "duration", "rank", "money",
                "date", "age", "price", "address", "version", "name", "ordinal", "incidental", "period", "bare")
#: The shipped rules.
RULES_YAML = RESOURCES / "coder_rules.yaml"
#: Columns of :func:`explain_units`.
EXPLAIN_COLUMNS = ["unit_id", "code", "rule", "evidence", "effect", "note"]
_REQUIRED = ("unit_id", "article_id", "kind", "text")
_SCOPES = ("mask", "clause", "segment", "unit", "zero")
_MASK_CHAR = "\u25a1"  # □: blanks a masked span without changing offsets
_CLAUSE_BOUNDARY = "，。；！？：,;!?\n"
_SEGMENT_BOUNDARY = "。；！？：;!?\n"
_REF = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


class RulesError(ValueError):
    """The rules file is unreadable or malformed."""


# ====================================================================== screening
# A unit is short and most rules cannot match it: a rule whose words are absent is skipped
# without running its regular expression. _required reads a pattern's parse tree and lists strings
# that a text must contain for the pattern to match in it; a text that lacks all strings of one
# list cannot match, so skipping the search gives the same result as running it.

_DIGIT = re.compile(r"\d")
_DIGIT_TOKEN = "<\\d>"  # "the text has a \d character"; longer than any gram, so never a gram itself
_MAX_CLASS = 128  # character classes larger than this give no clause
_MAX_CLAUSES = 4  # clauses kept for an alternation


def _required(pattern: re.Pattern) -> list[frozenset[str]]:
    """Clauses of ``pattern``: a text it matches in contains at least one string of every clause.

    Strings are single characters, character pairs (from runs of literal characters) and
    :data:`_DIGIT_TOKEN`. What a match consumes counts, and what a positive lookaround must see;
    negative lookarounds, anchors, optional parts, case-insensitive parts and large or negated
    classes give no clause. An empty list means "no condition" (also when the pattern cannot be
    analysed)."""
    if pattern.flags & re.IGNORECASE:
        return []
    try:
        return _clauses(_sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - an unreadable tree only costs speed
        return []


def _clauses(items) -> list[frozenset[str]]:
    """Clauses of a sequence of parse items: all clauses of its items, and the pairs of each
    run of literal characters (the text contains the run itself)."""
    out: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        text = "".join(run)
        run.clear()
        if len(text) == 1:
            out.append(frozenset(text))
        out.extend(frozenset([text[k:k + 2]]) for k in range(len(text) - 1))

    for op, av in items:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is _sre.SUBPATTERN:  # a group; (?i:...) gives nothing
            out += [] if av[1] & _sre.SRE_FLAG_IGNORECASE else _clauses(av[3])
        elif op is _sre.ATOMIC_GROUP:
            out += _clauses(av)
        elif op is _sre.ASSERT:  # (?=...) and (?<=...): what they see is in the text too
            out += _clauses(av[1])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            out += _clauses(av[2]) if av[0] >= 1 else []
        elif op is _sre.BRANCH:
            out += _either([_clauses(branch) for branch in av[1]])
        elif op is _sre.IN:
            chars: set[str] = set()
            for kind, value in av:
                if kind is _sre.LITERAL:
                    chars.add(chr(value))
                elif kind is _sre.RANGE and value[1] - value[0] < _MAX_CLASS:
                    chars.update(map(chr, range(value[0], value[1] + 1)))
                elif kind is _sre.CATEGORY and value is _sre.CATEGORY_DIGIT:
                    chars.add(_DIGIT_TOKEN)
                else:  # NEGATE, other categories, large ranges
                    break
            else:
                if len(chars) <= _MAX_CLASS:
                    out.append(frozenset(chars))
        # anything else (negative lookarounds, anchors, ., \w, backreferences ...) gives no clause
    flush()
    return out


def _either(branches: list[list[frozenset[str]]]) -> list[frozenset[str]]:
    """Clauses of an alternation whose branches have the clauses ``branches``.

    (A1 and A2) or (B1 and B2) holds only if (A1 or B1), (A1 or B2), (A2 or B1) and (A2 or B2)
    all do; of these unions only the :data:`_MAX_CLAUSES` most selective are kept (fewer clauses
    are a weaker condition, never a wrong one)."""
    combos = [frozenset()]
    for clauses in branches:
        if not clauses:  # a branch without a condition: none for the alternation
            return []
        unions = {c | d for c in combos for d in clauses}
        combos = sorted(unions, key=_selectivity)[:_MAX_CLAUSES] if len(unions) > _MAX_CLAUSES else list(unions)
    return combos


def _selectivity(clause: frozenset[str]) -> tuple[int, int, list[str]]:
    """Sort key: fewer single characters (or digits), then fewer strings; the sorted strings break ties."""
    return sum(len(g) != 2 for g in clause), len(clause), sorted(clause)


class _Screen:
    """Which of a fixed set of patterns could match a given text.

    Every clause of :func:`_required` is one bit. ``sat(text)`` has the bits of the clauses that
    ``text`` satisfies, ``need(pattern)`` those of ``pattern``'s clauses; ``may(pattern, sat)`` is
    False only when the pattern cannot match anywhere in the text (nor in any stretch of it), so
    the search can be skipped. ``translated`` patterns are searched in ``text.translate(table)``
    but screened with the ``sat`` of ``text`` itself (their clauses take every original of a
    translated character)."""

    def __init__(self, patterns: Iterable[re.Pattern], translated: Iterable[re.Pattern] = (),
                 table: dict[int, int] | None = None):
        self.patterns, self.translated, self.table = list(patterns), list(translated), table or {}
        originals: dict[str, set[str]] = {}
        for src, dst in self.table.items():
            originals.setdefault(chr(dst), {chr(dst)}).add(chr(src))
        bits: dict[frozenset[str], int] = {}
        self._need: dict[tuple[str, int], int] = {}  # by (source, flags): the same for equal patterns
        for p, clauses in [(p, _required(p)) for p in self.patterns] + \
                [(p, [_untranslated(c, originals) for c in _required(p)]) for p in self.translated]:
            need = 0
            for clause in clauses:
                need |= bits.setdefault(clause, 1 << len(bits))
            self._need[p.pattern, p.flags] = need  # translated clauses are wider: they hold for both uses
        self._gram_bits: dict[str, int] = {}
        for clause, bit in bits.items():
            for gram in clause:
                self._gram_bits[gram] = self._gram_bits.get(gram, 0) | bit
        self._grams = frozenset(self._gram_bits)
        self._digit_bits = self._gram_bits.get(_DIGIT_TOKEN, 0)

    def sat(self, text: str) -> int:
        present = self._grams.intersection(chain(text, map(add, text, text[1:])))
        sat = reduce(or_, map(self._gram_bits.__getitem__, present), 0)
        if self._digit_bits and _DIGIT.search(text):
            sat |= self._digit_bits
        return sat

    def need(self, pattern: re.Pattern) -> int:
        return self._need.get((pattern.pattern, pattern.flags), 0)

    def may(self, pattern: re.Pattern, sat: int) -> bool:
        need = self._need.get((pattern.pattern, pattern.flags), 0)
        return (need & sat) == need


def _untranslated(clause: frozenset[str], originals: dict[str, set[str]]) -> frozenset[str]:
    """The strings of the original text that can become a string of ``clause`` once translated."""
    out: set[str] = set()
    for gram in clause:
        if gram == _DIGIT_TOKEN:  # the fullwidth digits translated away are \d themselves
            out.add(gram)
        else:
            out.update(map("".join, product(*(originals.get(ch, {ch}) for ch in gram))))
    return frozenset(out)


# ====================================================================== loading the rules


@dataclass(frozen=True)
class _Assign:
    name: str
    code: str
    cite: str
    regex: re.Pattern
    requires: re.Pattern | None
    kinds: tuple[str, ...] | None


@dataclass(frozen=True)
class _Veto:
    name: str
    code: str
    cite: str
    scope: str
    regex: re.Pattern
    unless: re.Pattern | None
    speaker_not: tuple[str, ...]


@dataclass(frozen=True)
class _Context:
    name: str
    code: str
    cite: str
    this: re.Pattern
    other: re.Pattern
    neighbour: str


@dataclass(frozen=True)
class _Numbers:
    cite: str
    evidence_kinds: tuple[str, ...]
    kind_cites: dict[str, str]
    general: re.Pattern
    unit_kind: dict[str, str]
    idioms: re.Pattern | None
    short_quote_max: int
    count_verbs: re.Pattern
    count_nouns: re.Pattern
    small_count_window: int
    anaphora: re.Pattern
    time_prefix: re.Pattern
    time_result: re.Pattern
    time_result_window: int
    trend_words: re.Pattern
    change_words: re.Pattern
    change_window: int
    money_price_cues: re.Pattern
    money_evidence_cues: re.Pattern
    rank_cues: re.Pattern
    emergency_numbers: frozenset[str]


@dataclass(frozen=True)
class _Speaker:
    cite: str
    roles: re.Pattern  # official and citizen roles, longest first
    role_class: dict[str, str]
    company_markers: re.Pattern
    reporter: re.Pattern
    attribution: re.Pattern
    thought: re.Pattern
    not_speech_before: re.Pattern
    adverbial: re.Pattern
    anaphora: re.Pattern
    according_to: re.Pattern
    police_data: re.Pattern
    police_words: re.Pattern
    document_demand: re.Pattern
    citizen_report: re.Pattern
    continuation: re.Pattern
    person: re.Pattern


@dataclass(frozen=True)
class CoderRules:
    """The compiled rules of one rules file (see :func:`load_rules`)."""

    version: str
    assign: dict[str, tuple[_Assign, ...]]
    veto: dict[str, tuple[_Veto, ...]]
    context: dict[str, tuple[_Context, ...]]
    global_vetoes: tuple[_Veto, ...]
    numbers: _Numbers
    speaker: _Speaker
    path: Path | None = None
    # derived from the above: the screen of every pattern, and (rule or pattern, its screen need)
    # of the assign rules of each frame, of all frame rules, and of the patterns that find numbers
    screen: _Screen = field(init=False, repr=False, compare=False)
    assign_needs: dict[str, tuple[tuple[_Assign, int], ...]] = field(init=False, repr=False, compare=False)
    rule_needs: tuple[tuple[_Assign | _Veto, int], ...] = field(init=False, repr=False, compare=False)
    number_needs: tuple[tuple[re.Pattern, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        parts = [*self.global_vetoes, self.speaker]
        for code in FRAME_CODES:
            parts += [*self.assign[code], *self.veto[code], *self.context[code]]
        plain = [v for part in parts for v in vars(part).values() if isinstance(v, re.Pattern)]
        numbers = [v for v in vars(self.numbers).values() if isinstance(v, re.Pattern)]
        screen = _Screen(plain, numbers + list(_NUMBER_PATTERNS), _FULLWIDTH)
        finders = (self.numbers.idioms, self.numbers.general, *_NUMBER_PATTERNS)
        object.__setattr__(self, "screen", screen)
        object.__setattr__(self, "assign_needs", {code: tuple((a, screen.need(a.regex)) for a in rules)
                                                  for code, rules in self.assign.items()})
        object.__setattr__(self, "rule_needs", tuple((rule, screen.need(rule.regex)) for code in FRAME_CODES
                                                     for rule in (*self.assign[code], *self.veto[code])))
        object.__setattr__(self, "number_needs", tuple((p, screen.need(p)) for p in finders if p is not None))


def _expander(defs: dict[str, str]):
    cache: dict[str, str] = {}

    def expand(pattern: str, stack: tuple[str, ...] = ()) -> str:
        def repl(m: re.Match) -> str:
            name = m.group(1)
            if name not in defs:
                raise RulesError(f"unknown reference {{{name}}} in pattern {pattern!r}")
            if name in stack:
                raise RulesError(f"circular reference {' -> '.join(stack + (name,))}")
            if name not in cache:
                cache[name] = expand(defs[name], stack + (name,))
            return cache[name]

        return _REF.sub(repl, pattern)

    return expand


def _alternation(entries: Iterable[Any]) -> str:
    items = [str(e) for e in entries if str(e)]
    items = sorted(dict.fromkeys(items), key=len, reverse=True)
    return "(?:" + "|".join(items) + ")"


def _compile(pattern: str, where: str, expand) -> re.Pattern:
    if not isinstance(pattern, str) or not pattern:
        raise RulesError(f"{where}: pattern must be a non-empty string, got {pattern!r}")
    try:
        return re.compile(expand(pattern))
    except re.error as err:
        raise RulesError(f"{where}: bad regular expression: {err}") from err


def _need(obj: dict, key: str, where: str):
    if key not in obj:
        raise RulesError(f"{where}: missing {key!r}")
    return obj[key]


def _parse_veto(raw: dict, code: str, where: str, expand) -> _Veto:
    name = _need(raw, "name", where)
    where = f"{where} {name}"
    scope = raw.get("scope", "mask")
    if scope not in _SCOPES:
        raise RulesError(f"{where}: scope must be one of {', '.join(_SCOPES)}, got {scope!r}")
    speaker_not = tuple(raw.get("speaker_not") or ())
    bad = [s for s in speaker_not if s not in SPEAKER_VALUES]
    if bad:
        raise RulesError(f"{where}: unknown speaker value(s) {bad}")
    return _Veto(
        name=name, code=code, cite=str(_need(raw, "cite", where)), scope=scope,
        regex=_compile(_need(raw, "pattern", where), where, expand),
        unless=_compile(raw["unless"], where, expand) if raw.get("unless") else None,
        speaker_not=speaker_not,
    )


def _parse_numbers(raw: dict, expand) -> _Numbers:
    where = "numbers"
    units = _need(raw, "units", where)
    unit_kind: dict[str, str] = {}
    for kind, terms in units.items():
        for term in terms:
            unit_kind[str(term)] = kind
    unit_alt = _alternation(unit_kind)
    general = re.compile(
        r"(?:(?P<ar>(?<![\d.A-Za-z])\d+(?:,\d{3})*(?:\.\d+)?)(?P<mult>[十百千万亿]{0,2})"
        r"|(?P<cn>(?<![零〇一二两三四五六七八九十百千万亿几第统唯同单])"
        r"(?:[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*几?|几[十百千万]+|[百千万](?=元|人|余|多)|半)))"
        rf"\s?(?P<ap1>多|余|来|数)?(?P<unit>{unit_alt})(?P<ap2>多|余)?"
    )
    idioms = raw.get("idioms") or []

    def rx(key: str) -> re.Pattern:
        return _compile(str(_need(raw, key, where)), f"{where}.{key}", expand)

    bad = [k for k in _need(raw, "evidence_kinds", where) if k not in NUMBER_KINDS]
    if bad:
        raise RulesError(f"{where}.evidence_kinds: unknown kind(s) {bad} (kinds are {', '.join(NUMBER_KINDS)})")
    return _Numbers(
        cite=str(raw.get("cite", "")),
        evidence_kinds=tuple(_need(raw, "evidence_kinds", where)),
        kind_cites={str(k): str(v) for k, v in (raw.get("kind_cites") or {}).items()},
        general=general,
        unit_kind=unit_kind,
        idioms=re.compile(_alternation(map(re.escape, idioms))) if idioms else None,
        short_quote_max=int(raw.get("short_quote_max", 15)),
        count_verbs=rx("count_verbs"),
        count_nouns=rx("count_nouns"),
        small_count_window=int(raw.get("small_count_window", 6)),
        anaphora=rx("anaphora"),
        time_prefix=rx("time_prefix"),
        time_result=rx("time_result"),
        time_result_window=int(raw.get("time_result_window", 30)),
        trend_words=rx("trend_words"),
        change_words=rx("change_words"),
        change_window=int(raw.get("change_window", 10)),
        money_price_cues=rx("money_price_cues"),
        money_evidence_cues=rx("money_evidence_cues"),
        rank_cues=rx("rank_cues"),
        emergency_numbers=frozenset(str(n) for n in raw.get("emergency_numbers", ())),
    )


def _parse_speaker(raw: dict, expand) -> _Speaker:
    where = "speaker"
    official = [str(r) for r in _need(raw, "official_roles", where)]
    citizen = [str(r) for r in _need(raw, "citizen_roles", where)]
    role_class = {r: "official" for r in official}
    role_class.update({r: "citizen" for r in citizen})

    def rx(key: str) -> re.Pattern:
        return _compile(str(_need(raw, key, where)), f"{where}.{key}", expand)

    who = r"(?P<who>[^，。！？；：“”‘’\s]{0,40}?)"
    start = r"(?:^|(?<=[，。！？；：”’\s]))"
    attribution = re.compile(
        start + who + "(?P<verb>" + expand(str(_need(raw, "speech_verbs", where))) + r")(?=[，,：:。！？!?“]|$)"
    )
    thought = re.compile(start + who + "(?P<verb>" + expand(str(_need(raw, "thought_verbs", where))) + ")")
    return _Speaker(
        cite=str(raw.get("cite", "")),
        roles=re.compile(_alternation(map(re.escape, role_class))),
        role_class=role_class,
        company_markers=re.compile(_alternation(map(re.escape, _need(raw, "company_markers", where)))),
        reporter=rx("reporter"),
        attribution=attribution,
        thought=thought,
        not_speech_before=rx("not_speech_before"),
        adverbial=rx("adverbial"),
        anaphora=rx("anaphora"),
        according_to=rx("according_to"),
        police_data=rx("police_data"),
        police_words=rx("police_words"),
        document_demand=rx("document_demand"),
        citizen_report=rx("citizen_report"),
        continuation=rx("continuation"),
        person=rx("person"),
    )


def parse_rules(data: Any, path: Path | None = None) -> CoderRules:
    """Compile parsed rules YAML (see ``coder_rules.yaml`` for the format)."""
    if not isinstance(data, dict):
        raise RulesError("the rules file must be a mapping")
    macros = {str(k): str(v) for k, v in (data.get("macros") or {}).items()}
    classes = data.get("classes") or {}
    defs = dict(macros)
    for name, entries in classes.items():
        if not isinstance(entries, list) or not entries:
            raise RulesError(f"class {name}: must be a non-empty list")
        defs[str(name)] = _alternation(entries)
    overlap = set(macros) & set(classes)
    if overlap:
        raise RulesError(f"names defined both as macro and class: {sorted(overlap)}")
    expand = _expander(defs)

    frames = _need(data, "frames", "top level")
    unknown = [c for c in frames if c not in FRAME_CODES]
    if unknown:
        raise RulesError(f"unknown frame code(s) {unknown}")
    assign: dict[str, tuple[_Assign, ...]] = {}
    veto: dict[str, tuple[_Veto, ...]] = {}
    context: dict[str, tuple[_Context, ...]] = {}
    seen: set[str] = set()
    for code in FRAME_CODES:
        spec = frames.get(code) or {}
        rows = []
        for raw in spec.get("assign") or []:
            name = _need(raw, "name", f"frame {code} assign")
            where = f"frame {code} rule {name}"
            rows.append(_Assign(
                name=name, code=code, cite=str(_need(raw, "cite", where)),
                regex=_compile(_need(raw, "pattern", where), where, expand),
                requires=_compile(raw["requires"], where, expand) if raw.get("requires") else None,
                kinds=tuple(raw["kinds"]) if raw.get("kinds") else None,
            ))
        assign[code] = tuple(rows)
        veto[code] = tuple(_parse_veto(raw, code, f"frame {code} veto", expand) for raw in spec.get("veto") or [])
        ctx = []
        for raw in spec.get("context") or []:
            name = _need(raw, "name", f"frame {code} context")
            where = f"frame {code} context {name}"
            neighbour = _need(raw, "neighbour", where)
            if neighbour not in ("next", "previous"):
                raise RulesError(f"{where}: neighbour must be 'next' or 'previous'")
            ctx.append(_Context(
                name=name, code=code, cite=str(_need(raw, "cite", where)),
                this=_compile(_need(raw, "this", where), where, expand),
                other=_compile(_need(raw, "other", where), where, expand),
                neighbour=neighbour,
            ))
        context[code] = tuple(ctx)
        for rule in (*assign[code], *veto[code], *context[code]):
            if rule.name in seen:
                raise RulesError(f"duplicate rule name {rule.name!r}")
            seen.add(rule.name)
    global_vetoes = tuple(_parse_veto(raw, "*", "global_vetoes", expand) for raw in data.get("global_vetoes") or [])
    return CoderRules(
        version=str(data.get("version", "")),
        assign=assign, veto=veto, context=context, global_vetoes=global_vetoes,
        numbers=_parse_numbers(_need(data, "numbers", "top level"), expand),
        speaker=_parse_speaker(_need(data, "speaker", "top level"), expand),
        path=path,
    )


@lru_cache(maxsize=8)
def _load(path: str) -> CoderRules:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise RulesError(f"{p}: not valid YAML: {err}") from err
    return parse_rules(data, path=p)


_DEFAULT_RULES = str(RULES_YAML)


def load_rules(path: str | Path | None = None) -> CoderRules:
    """The compiled rules of ``path`` (default :data:`RULES_YAML`), compiled once per file."""
    return _load(str(Path(path)) if path is not None else _DEFAULT_RULES)


def _rules(rules: CoderRules | str | Path | None) -> CoderRules:
    return rules if isinstance(rules, CoderRules) else load_rules(rules)


def rules_table(rules: CoderRules | str | Path | None = None) -> pd.DataFrame:
    """The rule inventory: one row per rule with code, rule, type (assign/veto/context), scope, cite."""
    r = _rules(rules)
    rows = []
    for code in FRAME_CODES:
        rows += [(code, a.name, "assign", "", a.cite) for a in r.assign[code]]
        rows += [(code, c.name, "context", c.neighbour, c.cite) for c in r.context[code]]
        rows += [(code, v.name, "veto", v.scope, v.cite) for v in r.veto[code]]
    for kind in NUMBER_KINDS:
        evidence = kind in r.numbers.evidence_kinds
        rows.append(("QUANTIFIED", f"Q_{kind}" if evidence else f"Q_veto_{kind}", "assign" if evidence else "veto",
                     "numbers", r.numbers.kind_cites.get(kind, r.numbers.cite)))
    rows += [("*", v.name, "veto", v.scope, v.cite) for v in r.global_vetoes]
    rows += [("SPEAKER", name, "assign", "", r.speaker.cite) for name in _SPEAKER_RULES]
    return pd.DataFrame(rows, columns=["code", "rule", "type", "scope", "cite"])


# ====================================================================== numbers


class NumberMention(NamedTuple):
    """A number in a text: the matched ``text`` (number, approximation marks and unit), its
    normalised ``value`` (3.37万 → 33700, 两 → 2, 四分之一 → 0.25, 17.37% → 17.37), the ``unit``
    (起, 人, %, 万元, 小时, 年 …; ``""`` when none), its ``kind`` and its character span."""

    text: str
    value: float
    unit: str
    kind: str
    start: int
    end: int


_FULLWIDTH = str.maketrans("０１２３４５６７８９％．，", "0123456789%.,")
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_MULT = {"十": 10, "百": 100, "千": 1000, "万": 1e4, "亿": 1e8}

_AR = r"(?<![\d.A-Za-z])\d+(?:,\d{3})*(?:\.\d+)?"
_Y = r"(?:\d{4}|[〇零一二三四五六七八九]{4})年(?:年底|年初|年末|年中|上半年|下半年|全年|底|初|末)?"
_M = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月份?"
_D = r"(?:3[01]|[12]\d|0?[1-9]|[一二]?十[一二三四五六七八九]?|三十一?|[一二三四五六七八九])[日号](?!内|以内|之内)"
_T = r"(?:凌晨|上午|下午|晚上|中午|傍晚|早上|当晚|深夜)?(?:2[0-4]|[01]?\d)(?:时|点)(?:[0-5]?\d分)?许?"
_DATE = re.compile(
    rf"(?<![\d.]){_Y}(?:{_M}(?:{_D})?)?(?:{_T})?"
    rf"|(?<![\d.]){_M}(?:{_D})?(?:{_T})?"
    r"|(?<![\d.])(?:3[01]|[12]\d|0?[1-9])日(?!内|以内|之内)"
    rf"|(?<![\d.])(?:凌晨|上午|下午|晚上|中午|傍晚|早上|当晚|深夜)?(?:2[0-4]|[01]?\d)时(?:[0-5]?\d分)?许?"
)
_PERCENT = re.compile(rf"(?P<n>{_AR})\s?(?P<u>%|‰|个百分点)")
_PERCENT_CN = re.compile(r"百分之(?P<n>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百点]+)")
_TENTHS = re.compile(r"(?<![统唯同完形达促构变合组生])(?P<n>[一二三四五六七八九])成(?=以上|左右|多|的|，|。|、)")
_FRACTION = re.compile(r"(?P<d>\d+|[一二两三四五六七八九十百千]+)分之(?P<n>\d+|[一二两三四五六七八九十]+)")
_MAGNITUDE = re.compile(r"(?P<n>[两二三四五六七八九])位数")
_ORDINAL = re.compile(r"第(?P<n>\d+|[一二三四五六七八九十百]+)")
_ZERO = re.compile(r"(?:没有|并无|无)一(?P<u>份|个|起|宗|例|件|名|人|条)|零(?P<u2>发案|事故|伤亡|投诉|死亡)")
_VERSION = re.compile(r"[vV]?\d+(?:\.\d+)+(?=版)版本?|(?<![A-Za-z])[vV]\d+(?:\.\d+)*")
_PHASE = re.compile(r"(?P<n>\d+|[一二三四五六七八九十]+)期(?![间待望盼货])")
_PLUS = re.compile(r"[0-9A-Za-z一二三四五六七八九十]+(?:\s*\+\s*[0-9A-Za-z一二三四五六七八九十]+)+")
_LATIN = re.compile(r"(?<![\dA-Za-z])(?:[A-Za-z]+\d+[A-Za-z\d]*|\d+[A-Za-z]+[A-Za-z\d]*)")
_MAGNIFIED = re.compile(rf"(?P<n>{_AR})(?P<mult>[万亿]+)")
_BARE = re.compile(_AR)
_QUOTE = re.compile(r"“[^“”]*”|‘[^‘’]*’|「[^「」]*」")
_NUMBER_PATTERNS = (_DATE, _PERCENT, _PERCENT_CN, _TENTHS, _FRACTION, _MAGNITUDE, _ORDINAL, _ZERO, _VERSION, _PHASE,
                    _PLUS, _LATIN, _MAGNIFIED, _BARE, _QUOTE)


def _cn_value(s: str) -> float:
    """Chinese numeral → number: 两 2, 十二 12, 三千五百 3500, 十几 10, 二〇一九 2019, 半 0.5."""
    if s == "半":
        return 0.5
    if s and all(ch in _CN_DIGIT for ch in s):
        if len(s) == 1:
            return float(_CN_DIGIT[s])
        if len(s) >= 3 or any(ch in "零〇" for ch in s):
            return float("".join(str(_CN_DIGIT[ch]) for ch in s))
        return float(_CN_DIGIT[s[0]])  # 三四 (three or four): the lower bound
    total = section = number = 0.0
    for ch in s:
        if ch in _CN_DIGIT:
            number = _CN_DIGIT[ch]
        elif ch == "几":
            number = 0
        elif ch in _CN_SMALL:
            section += (number or 1) * _CN_SMALL[ch]
            number = 0
        elif ch == "万":
            chunk = section + number
            total += (chunk or 1) * 1e4
            section = number = 0
        elif ch == "亿":
            total = (total + section + number or 1) * 1e8
            section = number = 0
    return float(total + section + number)


def _decimal_cn(s: str) -> float:
    if "点" in s:
        whole, _, frac = s.partition("点")
        digits = "".join(str(_CN_DIGIT.get(ch, "")) for ch in frac)
        return _cn_value(whole or "零") + (float("0." + digits) if digits else 0.0)
    return _cn_value(s)


def _number(s: str) -> float:
    s = s.replace(",", "")
    return float(s) if re.fullmatch(r"\d+(?:\.\d+)?", s) else _decimal_cn(s)


def clause_bounds(t: str, s: int, e: int, boundary: str) -> tuple[int, int]:
    """Start and end of the stretch of ``t`` around ``t[s:e]`` that contains no character of ``boundary``."""
    a = s
    while a > 0 and t[a - 1] not in boundary:
        a -= 1
    b = e
    while b < len(t) and t[b] not in boundary:
        b += 1
    return a, b


def _classify_count(t: str, s: int, e: int, value: float, cfg: _Numbers) -> str:
    cs, ce = clause_bounds(t, s, e, _CLAUSE_BOUNDARY)
    if value == 1:
        return "incidental"
    if cfg.anaphora.search(t[max(cs, s - 2):s]):
        return "incidental"
    if value <= 2:
        return "count" if cfg.count_verbs.search(t[max(cs, s - cfg.small_count_window):s]) else "incidental"
    clause = t[cs:ce]
    return "count" if cfg.count_verbs.search(clause) or cfg.count_nouns.search(clause) else "incidental"


def _classify_duration(t: str, s: int, e: int, cfg: _Numbers) -> str:
    if cfg.time_prefix.search(t[max(0, s - 6):s]):
        return "duration"
    _, se = clause_bounds(t, e, e, "。！？!?；\n")
    if cfg.time_result.search(t, e, min(se, e + cfg.time_result_window)):
        return "duration"
    if "连续" in t[max(0, s - 3):s] and cfg.trend_words.search(t, e, min(len(t), e + 10)):
        return "duration"
    return "period"


def _classify_change(t: str, s: int, cfg: _Numbers, otherwise: str) -> str:
    cs, _ = clause_bounds(t, s, s, _CLAUSE_BOUNDARY)
    return "change" if cfg.change_words.search(t[max(cs, s - cfg.change_window):s]) else otherwise


def extract_numbers(text: str, rules: CoderRules | str | Path | None = None) -> list[NumberMention]:
    """Every number in ``text``, normalised and classified, in text order.

    Forms: Arabic (``8100``, ``23,671``, ``5.9``), with 万/亿 (``3.37万`` → 33700, ``282亿`` →
    2.82e10), Chinese numerals with a measure word (``两名`` → 2, ``三千五百人``, ``十几年`` → 10,
    ``半小时`` → 0.5), percentages (``17.37%``, ``百分之三十``, ``三成`` → 30 with unit ``%``),
    fractions (``四分之一`` → 0.25), ``两位数`` (2, unit 位数), multiples (``3.7倍``), ordinals
    (``第三``), zero counts (``没有一份`` → 0) and dates (``2020年4月14日23时07分``).

    ``kind`` says what the number is. Evidence of performance or capacity (QUANTIFIED 1; the
    list is ``numbers.evidence_kinds`` of the rules): ``change`` (a percentage or multiple of
    change: 同比下降17.37%), ``percent`` (a rate or share: 占33.34%), ``fraction``,
    ``multiple``, ``magnitude`` (两位数), ``count`` (a count offered as a result or scale:
    抓获12人, 门禁系统23671套, 没有一份), ``duration`` (time to solve or respond: 仅用10小时就破案),
    ``rank`` (列全省第三), ``money`` (挽回损失100万元). Not evidence: ``date``, ``age``,
    ``price`` (value of goods: 价值6万余元), ``address``, ``version`` (3.0版), ``name`` (G20,
    1+N, 内部110, numbers inside a short quotation such as “1分钟、3分钟、5分钟”), ``ordinal``
    (第一时间, 二期), ``incidental`` (一名可疑男子, 两名戴帽子的男子, 所有的信息只有2条), ``period``
    (an incidental duration: 做二房东已经有10多年), ``bare`` (a number without a unit).
    """
    if not isinstance(text, str) or not text:
        return []
    return _numbers(text, _rules(rules))


def _numbers(text: str, rules: CoderRules, sat: int | None = None) -> list[NumberMention]:
    """:func:`extract_numbers` of a non-empty ``text`` (``sat``: its :meth:`_Screen.sat`, if known)."""
    cfg = rules.numbers
    live = {id(p) for p in _possible(rules.number_needs, rules.screen.sat(text) if sat is None else sat)}
    if not live:  # no number pattern can match
        return []
    t = text.translate(_FULLWIDTH)
    taken = bytearray(len(t))
    found: list[NumberMention] = []

    def scan(pattern: re.Pattern) -> Iterable[re.Match]:
        return pattern.finditer(t) if id(pattern) in live else ()

    def free(s: int, e: int) -> bool:
        return not any(taken[s:e])

    def add(s: int, e: int, value: float, unit: str, kind: str) -> None:
        taken[s:e] = b"\x01" * (e - s)
        found.append(NumberMention(text[s:e], float(value), unit, kind, s, e))

    if cfg.idioms is not None:
        for m in scan(cfg.idioms):
            taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())

    for m in scan(_DATE):
        if m.group() and free(*m.span()):
            lead = re.match(r"\D*(\d+|[〇零一二三四五六七八九十]+)(年|月|日|号|时|点)", m.group())
            value = _number(lead.group(1)) if lead else float("nan")
            add(m.start(), m.end(), value, lead.group(2) if lead else "", "date")
    for m in scan(_PERCENT):
        if free(*m.span()):
            add(m.start(), m.end(), _number(m.group("n")), m.group("u"), _classify_change(t, m.start(), cfg, "percent"))
    for m in scan(_PERCENT_CN):
        if free(*m.span()):
            add(m.start(), m.end(), _number(m.group("n")), "%", _classify_change(t, m.start(), cfg, "percent"))
    for m in scan(_TENTHS):
        if free(*m.span()):
            add(m.start(), m.end(), _CN_DIGIT[m.group("n")] * 10.0, "%", _classify_change(t, m.start(), cfg, "percent"))
    for m in scan(_FRACTION):
        if free(*m.span()) and _number(m.group("d")):  # "零分之一" is no fraction
            add(m.start(), m.end(), _number(m.group("n")) / _number(m.group("d")), "分之", "fraction")
    for m in scan(_MAGNITUDE):
        if free(*m.span()):
            add(m.start(), m.end(), _number(m.group("n")), "位数", "magnitude")
    for m in scan(_ORDINAL):
        if free(*m.span()):
            rank = cfg.rank_cues.search(t[max(0, m.start() - 6):m.start()]) and not t.startswith("时间", m.end())
            add(m.start(), m.end(), _number(m.group("n")), "第", "rank" if rank else "ordinal")
    for m in scan(_ZERO):
        if free(*m.span()):
            add(m.start(), m.end(), 0.0, m.group("u") or m.group("u2"), "count")
    for m in scan(_VERSION):
        if free(*m.span()):
            add(m.start(), m.end(), _number(re.search(r"\d+(?:\.\d+)?", m.group()).group()), "版", "version")
    for m in scan(_PHASE):
        if free(*m.span()):
            add(m.start(), m.end(), _number(m.group("n")), "期", "ordinal")
    for m in scan(_PLUS):
        if re.search(r"[\d一二三四五六七八九十]", m.group()) and free(*m.span()):
            add(m.start(), m.end(), float("nan"), "", "name")
    for m in scan(_LATIN):
        if free(*m.span()):
            add(m.start(), m.end(), _number(re.search(r"\d+", m.group()).group()), "", "name")
    for m in scan(cfg.general):
        s, e = m.span()
        if not free(s, e):
            continue
        unit = m.group("unit")
        ukind = cfg.unit_kind.get(unit, "count")
        if m.group("ar") is not None:
            value = _number(m.group("ar"))
            for ch in m.group("mult") or "":
                value *= _MULT[ch]
        else:
            value = _cn_value(m.group("cn"))
        if ukind == "count":
            if unit == "类" and m.group("cn") is not None:
                kind = "name"  # 八类案件, 二类视频: a category, not a count
            else:
                kind = _classify_count(t, s, e, value, cfg)
        elif ukind == "duration":
            kind = _classify_duration(t, s, e, cfg)
        elif ukind == "multiple":
            kind = _classify_change(t, s, cfg, "multiple")
        elif ukind == "money":
            cs, ce = clause_bounds(t, s, e, _CLAUSE_BOUNDARY)
            clause = t[cs:ce]
            kind = ("price" if cfg.money_price_cues.search(clause)
                    else "money" if cfg.money_evidence_cues.search(clause) else "price")
        else:
            kind = ukind  # age, address
        add(s, e, value, unit, kind)
    for m in scan(_MAGNIFIED):  # 3.37万, 282亿 without a measure word
        if free(*m.span()):
            value = _number(m.group("n"))
            for ch in m.group("mult"):
                value *= _MULT[ch]
            add(m.start(), m.end(), value, "", _classify_count(t, m.start(), m.end(), value, cfg))
    for m in scan(_BARE):
        if free(*m.span()):
            digits = m.group().replace(",", "")
            add(m.start(), m.end(), _number(digits), "", "name" if digits in cfg.emergency_numbers else "bare")

    if not found:
        return []
    found.sort(key=lambda x: x.start)
    # a short quotation is a name or slogan: “3+1”, “1分钟、3分钟、5分钟”, “一张图”
    quotes = [q.span() for q in scan(_QUOTE) if q.end() - q.start() - 2 <= cfg.short_quote_max]
    out: list[NumberMention] = []
    for x in found:
        if x.kind != "date" and any(a < x.start and x.end < b for a, b in quotes):
            x = x._replace(kind="name")
        # a list after a change keeps the change: 分别下降19.1%、9.1%和18.6%
        if x.kind in ("percent", "multiple") and out and out[-1].kind == "change" \
                and re.fullmatch(r"\s*[、和及与]?\s*", t[out[-1].end:x.start]):
            x = x._replace(kind="change")
        out.append(x)
    return out


def evidence_kinds(rules: CoderRules | str | Path | None = None) -> tuple[str, ...]:
    """The kinds of :class:`NumberMention` that make a unit QUANTIFIED."""
    return _rules(rules).numbers.evidence_kinds


# ====================================================================== SPEAKER

_SPEAKER_RULES = (
    "SP_reported_speech",
    "SP_quote_attributed_after",
    "SP_quote_attributed_before",
    "SP_quote_continued",
    "SP_quote_unattributed",
    "SP_citizen_report",
    "SP_according_to",
    "SP_police_data",
    "SP_document_demand",
    "SP_continuation",
)


@dataclass(frozen=True)
class _Attribution:
    who: str
    start: int
    end: int
    evidence: str


@dataclass(frozen=True)
class _Decision:
    value: str
    rule: str = ""
    evidence: str = ""
    note: str = ""


_NONE = _Decision("none")


def _quote_depth(text: str, end: int) -> int:
    return text.count("“", 0, end) - text.count("”", 0, end)


def _quote_delta(text: str) -> int:
    return text.count("“") - text.count("”")


def _starts_quote(text: str) -> bool:
    """The unit is a quotation: it opens with “ and the quotation runs to its end (or on into the
    next sentence). “禁毒的云”又发挥了关键作用。 only opens with a quoted name."""
    s = text.lstrip()
    if not s.startswith(("“", "「")):
        return False
    depth = 0
    for k, ch in enumerate(s):
        if ch in "“「":
            depth += 1
        elif ch in "”」":
            depth -= 1
            if depth == 0:
                return not re.search(r"[0-9A-Za-z\u4e00-\u9fff]", s[k + 1:])
    return True


def _find_attribution(text: str, sp: _Speaker, screen: _Screen, sat: int) -> _Attribution | None:
    candidates = []
    for regex in (sp.attribution, sp.thought):
        if not screen.may(regex, sat):
            continue
        for m in regex.finditer(text):
            if _quote_depth(text, m.start()) > 0:
                continue
            who = m.group("who")
            if sp.not_speech_before.search(who):
                continue
            core = sp.adverbial.sub("", who)
            if not core and regex is sp.thought:
                # 刘先生有些丧气，心想…: the thinker is in the clause before
                a, _ = clause_bounds(text, max(m.start() - 1, 0), max(m.start() - 1, 0), "，。！？；：")
                core = text[a:max(m.start() - 1, 0)]
            if not core or sp.reporter.search(core):
                continue
            candidates.append((m.start(), _Attribution(core, m.start(), m.end(), text[m.start():m.end()])))
            break
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


class _ArticleContext:
    def __init__(self, texts: list[str], sp: _Speaker):
        self.text = "\n".join(texts)
        self.sp = sp
        self.previous: _Decision | None = None

    def role_near_name(self, name: str) -> tuple[str, str] | None:
        best: tuple[int, str] | None = None
        for m in re.finditer(re.escape(name), self.text):
            a, b = clause_bounds(self.text, m.start(), m.end(), "。！？\n")
            lo, hi = max(a, m.start() - 15), min(b, m.end() + 20)
            for r in self.sp.roles.finditer(self.text, lo, hi):
                if m.start() <= r.start() < m.end():
                    continue
                dist = m.start() - r.end() if r.end() <= m.start() else r.start() - m.end()
                if best is None or dist < best[0]:
                    best = (dist, r.group())
        return (self.sp.role_class[best[1]], best[1]) if best else None

    def classify(self, who: str) -> tuple[str, str] | None:
        """(value, reason) for the speaker named ``who``; None when no speaker can be told."""
        sp = self.sp
        roles = list(sp.roles.finditer(who))
        if roles:
            role = roles[-1].group()
            value = sp.role_class[role]
            if role in ("负责人", "主任", "工作人员", "员工", "经理") and sp.company_markers.search(who):
                return "citizen", f"{role} of a company"
            return value, f"role {role}"
        if sp.anaphora.search(who) and self.previous is not None:
            return self.previous.value, "refers back to the previous speaker"
        name = re.sub(r"[（(].*?[)）]", "", who)
        if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
            near = self.role_near_name(name)
            if near:
                return near[0], f"{name} is {near[1]} in the article"
            return "citizen", f"{name}: a name without an official title (default citizen)"
        return None


def _article_speakers(kinds: list[str], paragraphs: list[int], texts: list[str], sp: _Speaker,
                      furniture: list[bool], screen: _Screen, sats: list[int]) -> list[_Decision]:
    n = len(texts)
    ctx = _ArticleContext(texts, sp)
    attrs = [_find_attribution(t, sp, screen, sat) if k == "sentence" else None
             for k, t, sat in zip(kinds, texts, sats)]

    def search(pattern: re.Pattern, i: int) -> re.Match | None:
        return pattern.search(texts[i]) if screen.may(pattern, sats[i]) else None
    out: list[_Decision] = [_NONE] * n

    def same_par(i: int, j: int) -> bool:
        return 0 <= j < n and kinds[j] == "sentence" and paragraphs[j] == paragraphs[i] and paragraphs[i] >= 0

    # quotation blocks: a unit opening with “ and the units up to the closing ” in the paragraph
    block_end: dict[int, int] = {}
    i = 0
    while i < n:
        if kinds[i] == "sentence" and _starts_quote(texts[i]):
            j, depth = i, _quote_delta(texts[i])
            while depth > 0 and same_par(i, j + 1):
                j += 1
                depth += _quote_delta(texts[j])
            block_end[i] = j
            i = j + 1
        else:
            i += 1

    def attributed(d: tuple[str, str] | None, rule: str, a: _Attribution, where: str = "") -> _Decision:
        value, reason = d
        return _Decision(value, rule, a.evidence, f"{value}: {reason}{where}")

    i = 0
    while i < n:
        if kinds[i] != "sentence" or furniture[i]:
            i += 1
            continue
        text = texts[i]
        if i in block_end:
            e = block_end[i]
            decision = _NONE
            nxt = attrs[e + 1] if same_par(i, e + 1) else None
            prev = attrs[i - 1] if same_par(i, i - 1) else None
            if nxt is not None and nxt.start == 0 and (d := ctx.classify(nxt.who)):
                decision = attributed(d, "SP_quote_attributed_after", nxt, " (attribution in the next sentence)")
            elif prev is not None and re.search(r"[：:]“?\s*$", texts[i - 1]) and (d := ctx.classify(prev.who)):
                decision = attributed(d, "SP_quote_attributed_before", prev, " (attribution in the previous sentence)")
            else:
                others = [j for j in range(e + 1, n) if same_par(i, j)]
                others += [j for j in range(i - 1, -1, -1) if same_par(i, j)]
                for j in others:
                    m = search(sp.person, j)
                    if m:
                        roles = list(sp.roles.finditer(m.group()))
                        value = sp.role_class[roles[-1].group()] if roles else "citizen"
                        decision = _Decision(
                            value, "SP_quote_unattributed", m.group(),
                            f"{value}: unattributed quotation; {m.group()} is the person of the paragraph")
                        break
            for j in range(i, e + 1):
                out[j] = decision
            if decision.value != "none":
                ctx.previous = decision
            i = e + 1
            continue
        if (m := search(sp.citizen_report, i)):
            out[i] = _Decision("citizen", "SP_citizen_report", m.group(), "citizen: a resident's report to the police")
        elif attrs[i] is not None and (d := ctx.classify(attrs[i].who)):
            out[i] = attributed(d, "SP_reported_speech", attrs[i])
            ctx.previous = out[i]
            # 该负责人说：“…  with the quotation running on into the next sentences
            if _quote_delta(text[attrs[i].end:]) > 0:
                depth, j = _quote_delta(text[attrs[i].end:]), i
                while depth > 0 and same_par(i, j + 1):
                    j += 1
                    depth += _quote_delta(texts[j])
                    out[j] = _Decision(out[i].value, "SP_quote_continued", attrs[i].evidence,
                                       f"{out[i].value}: the quotation opened after {attrs[i].evidence} continues")
                i = j + 1
                continue
        elif (m := search(sp.according_to, i)):
            out[i] = _Decision("official", "SP_according_to", m.group().lstrip("，。“"),
                               "official: 据介绍 (settled rule)")
        elif (m := search(sp.police_data, i)) and sp.police_words.search(m.group()):
            out[i] = _Decision("official", "SP_police_data", m.group().lstrip("，。“"),
                               "official: figures whose named source is the police (settled rule)")
        elif (m := search(sp.document_demand, i)):
            out[i] = _Decision("official", "SP_document_demand", m.group(),
                               "official: what a Party or state document requires")
        elif same_par(i, i - 1) and out[i - 1].value == "official" \
                and out[i - 1].rule in ("SP_reported_speech", "SP_continuation") \
                and not _starts_quote(text) and (m := search(sp.continuation, i)):
            out[i] = _Decision(
                "official", "SP_continuation", m.group(),
                f"official: continues the reported speech of the previous sentence ({out[i - 1].evidence})")
        i += 1
    return out


# ====================================================================== frames


def _spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _possible(rules: tuple[tuple[Any, int], ...], sat: int) -> list:
    """The rules of ``rules`` ((rule, screen need of its pattern)) that may match a text of screen ``sat``."""
    return [r for r, need in rules if (need & sat) == need]


def _assign_matches(rules: Iterable[_Assign], text: str, raw_text: str, kind: str, screen: _Screen,
                    raw_sat: int) -> list[tuple[_Assign, int, int]]:
    """Non-empty matches of ``rules`` in ``text``; ``requires`` is looked for in ``raw_text``
    (whose :meth:`_Screen.sat` is ``raw_sat``)."""
    out = []
    for r in rules:
        if r.kinds and kind not in r.kinds:
            continue
        if r.requires is not None and not (screen.may(r.requires, raw_sat) and r.requires.search(raw_text)):
            continue
        for m in r.regex.finditer(text):
            if m.end() > m.start():
                out.append((r, m.start(), m.end()))
    return out


def _veto_active(v: _Veto, text: str, speaker: str, screen: _Screen, sat: int) -> bool:
    if v.speaker_not and speaker in v.speaker_not:
        return False
    return not (v.unless is not None and screen.may(v.unless, sat) and v.unless.search(text))


class _Rows(list):
    """Explanation rows in order of addition, without duplicates."""

    def __init__(self):
        super().__init__()
        self._seen: set[tuple] = set()

    def add(self, unit_id: str, code: str, rule: str, evidence: str, effect: str, note: str = "") -> None:
        row = (unit_id, code, rule, evidence, effect, note)
        if row not in self._seen:
            self._seen.add(row)
            self.append(row)


def _frame(code: str, unit_id: str, text: str, kind: str, speaker: str, rules: CoderRules,
           context_hits: list[tuple[_Context, str, str]], furniture: _Veto | None, rows: _Rows,
           sat: int, assigns: list[_Assign], vetoes: list[_Veto]) -> int:
    """The 0/1 of pattern frame ``code`` for one unit; adds its explanations.

    ``sat`` is the unit's :meth:`_Screen.sat`; ``assigns`` and ``vetoes`` are the frame's rules
    whose pattern may occur in the unit (the others change nothing)."""
    screen = rules.screen
    raw = _assign_matches(assigns, text, text, kind, screen, sat)
    if furniture is not None:
        if raw or context_hits:
            rows.add(unit_id, code, furniture.name, text[:20], "veto", "page furniture: every frame 0")
        return 0
    active = [v for v in vetoes if _veto_active(v, text, speaker, screen, sat)]
    masks = [(v, m.start(), m.end()) for v in active if v.scope == "mask"
             for m in v.regex.finditer(text) if m.end() > m.start()]
    hits = raw
    if masks:
        chars = list(text)
        for _, s, e in masks:
            chars[s:e] = _MASK_CHAR * (e - s)
        masked = "".join(chars)
        candidates = _possible(rules.assign_needs[code], screen.sat(masked))
        hits = _assign_matches(candidates, masked, text, kind, screen, sat)
    logged_masks = set()
    for v, s, e in masks:
        for r, a, b in raw:
            if _spans_overlap((s, e), (a, b)):
                rows.add(unit_id, code, v.name, text[s:e], "veto", f"blocks {r.name}: {text[a:b]}")
                logged_masks.add((v.name, s, e))

    unit_veto = None
    if hits or context_hits:
        unit_veto = next(((v, m) for v in active if v.scope == "unit" and (m := v.regex.search(text))), None)
    survivors = []
    for r, a, b in hits:
        if unit_veto is not None:
            v, m = unit_veto
            rows.add(unit_id, code, v.name, m.group() or text[:20], "veto", f"cancels {r.name}: {text[a:b]}")
            continue
        cancelled = False
        clause = segment = None
        for v in active:
            if v.scope == "clause":
                clause = clause or clause_bounds(text, a, b, _CLAUSE_BOUNDARY)
                lo, hi = clause
            elif v.scope == "segment":
                segment = segment or (clause_bounds(text, a, b, _SEGMENT_BOUNDARY)[0], b)
                lo, hi = segment
            else:
                continue
            m = v.regex.search(text, lo, hi)
            if m:
                rows.add(unit_id, code, v.name, m.group(), "veto", f"cancels {r.name}: {text[a:b]}")
                cancelled = True
                break
        if not cancelled:
            survivors.append((r, a, b))
    for ctx_rule, evidence, note in context_hits:
        if unit_veto is not None:
            v, m = unit_veto
            rows.add(unit_id, code, v.name, m.group() or text[:20], "veto", f"cancels {ctx_rule.name}: {evidence}")
        else:
            survivors.append((ctx_rule, evidence, note))
    value = int(bool(survivors))
    for item in survivors:
        if isinstance(item[0], _Context):
            rows.add(unit_id, code, item[0].name, item[1], "assign", item[2])
        else:
            r, a, b = item
            rows.add(unit_id, code, r.name, text[a:b], "assign")
    if not value:
        for v, s, e in masks:
            if (v.name, s, e) not in logged_masks:
                rows.add(unit_id, code, v.name, text[s:e], "veto", "exclusion applies")
        for v in active:
            if v.scope == "zero" and (m := v.regex.search(text)) and m.group():
                rows.add(unit_id, code, v.name, m.group(), "veto", "explains the 0")
    return value


def _quantified(unit_id: str, text: str, rules: CoderRules, furniture: _Veto | None, rows: _Rows, sat: int) -> int:
    mentions = _numbers(text, rules, sat) if text else []
    evidence = set(rules.numbers.evidence_kinds)
    if furniture is not None:
        if any(m.kind in evidence for m in mentions):
            rows.add(unit_id, "QUANTIFIED", furniture.name, text[:20], "veto", "page furniture: every frame 0")
        return 0
    value = 0
    for m in mentions:
        note = f"value={m.value:g}" + (f" unit={m.unit}" if m.unit else "")
        if m.kind in evidence:
            value = 1
            rows.add(unit_id, "QUANTIFIED", f"Q_{m.kind}", m.text, "assign", note)
        else:
            rows.add(unit_id, "QUANTIFIED", f"Q_veto_{m.kind}", m.text, "veto", note)
    return value


def _context_hits(rules: CoderRules, code: str, kinds: list[str], paragraphs: list[int], texts: list[str],
                  unit_ids: list[str], sats: list[int]) -> list[list[tuple[_Context, str, str]]]:
    screen = rules.screen
    n = len(texts)
    hits: list[list[tuple[_Context, str, str]]] = [[] for _ in range(n)]
    for rule in rules.context[code]:
        step = 1 if rule.neighbour == "next" else -1
        for i in range(n):
            j = i + step
            if kinds[i] != "sentence" or not 0 <= j < n or kinds[j] != "sentence" \
                    or paragraphs[j] != paragraphs[i] or paragraphs[i] < 0:
                continue
            m = rule.this.search(texts[i]) if screen.may(rule.this, sats[i]) else None
            o = rule.other.search(texts[j]) if m and screen.may(rule.other, sats[j]) else None
            if m and o:
                hits[i].append((rule, m.group().lstrip("，：“"),
                                f"pairs with {rule.neighbour} sentence {unit_ids[j]}: {o.group().lstrip('，：“')}"))
    return hits


def _analyse(units: pd.DataFrame, rules: CoderRules | str | Path | None) -> tuple[pd.DataFrame, list[tuple]]:
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a pandas DataFrame, not {type(units).__name__}")
    ids = check_table(units, _REQUIRED, "unit_id", "units")
    r = _rules(rules)
    screen = r.screen
    n = len(units)
    texts_all = [t if isinstance(t, str) else "" for t in units["text"].tolist()]
    kinds_all = [str(k) for k in units["kind"].tolist()]
    if "paragraph" in units.columns:
        pars_all = [int(p) if pd.notna(p) else -1 for p in units["paragraph"].tolist()]
    else:
        pars_all = [-1] * n
    articles = units["article_id"].astype(str).tolist()
    uids_all = ids.tolist()
    sats = [screen.sat(t) for t in texts_all]

    furniture_all: list[_Veto | None] = [
        next((v for v in r.global_vetoes if screen.may(v.regex, sat) and v.regex.search(t)), None)
        for t, sat in zip(texts_all, sats)]

    order: dict[str, list[int]] = {}
    for i, a in enumerate(articles):
        order.setdefault(a, []).append(i)

    speakers: list[_Decision] = [_NONE] * n
    context: dict[str, list[list]] = {code: [[] for _ in range(n)] for code in FRAME_CODES}
    for idx in order.values():
        kinds = [kinds_all[i] for i in idx]
        pars = [pars_all[i] for i in idx]
        texts = [texts_all[i] for i in idx]
        uids = [uids_all[i] for i in idx]
        article_sats = [sats[i] for i in idx]
        decisions = _article_speakers(kinds, pars, texts, r.speaker, [furniture_all[i] is not None for i in idx],
                                      screen, article_sats)
        for i, d in zip(idx, decisions):
            speakers[i] = d
        for code in FRAME_CODES:
            if r.context[code]:
                for i, h in zip(idx, _context_hits(r, code, kinds, pars, texts, uids, article_sats)):
                    context[code][i] = h

    values = {code: [0] * n for code in FRAME_CODES}
    rows = _Rows()
    for i in range(n):
        uid, text, kind, furniture, sat = uids_all[i], texts_all[i], kinds_all[i], furniture_all[i], sats[i]
        speaker = speakers[i].value
        # the rules and vetoes of each frame whose pattern may occur in the unit; without any
        # (and without a before/after pair) the frame is 0 with nothing to explain
        live: dict[str, tuple[list[_Assign], list[_Veto]]] = {}
        for rule in _possible(r.rule_needs, sat):
            live.setdefault(rule.code, ([], []))[isinstance(rule, _Veto)].append(rule)
        for code in FRAME_CODES:
            if code == "QUANTIFIED":
                values[code][i] = _quantified(uid, text, r, furniture, rows, sat)
            elif code in live or context[code][i]:
                assigns, vetoes = live.get(code, ([], []))
                values[code][i] = _frame(code, uid, text, kind, speaker, r, context[code][i], furniture, rows, sat,
                                         assigns, vetoes)
        if speaker != "none":
            d = speakers[i]
            rows.add(uid, "SPEAKER", d.rule, d.evidence, "assign", d.note)
    coded = units.copy()
    for code in FRAME_CODES:
        coded[code] = pd.array(values[code], dtype="int64")
    coded["SPEAKER"] = [d.value for d in speakers]
    return coded, list(rows)


def code_and_explain(units: pd.DataFrame, rules: CoderRules | str | Path | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`code_units` and :func:`explain_units` of ``units`` from one pass over the units."""
    coded, rows = _analyse(units, rules)
    return coded, pd.DataFrame(rows, columns=EXPLAIN_COLUMNS)


def code_units(units: pd.DataFrame, rules: CoderRules | str | Path | None = None) -> pd.DataFrame:
    """Code every unit: ``units`` plus one 0/1 ``int64`` column per frame of
    :data:`~analysis.codebook.FRAME_CODES` (in that order) and ``SPEAKER``.

    ``units`` needs ``unit_id``, ``article_id``, ``kind`` and ``text``, and should have
    ``paragraph`` (without it no sentence is paired with its neighbour); rows must be in article
    order. The input is not modified; its index and other columns are kept. To get the
    explanations too, use :func:`code_and_explain` (one pass instead of two).
    """
    return code_and_explain(units, rules)[0]


def explain_units(units: pd.DataFrame, rules: CoderRules | str | Path | None = None) -> pd.DataFrame:
    """Why each code was given: one row per rule that fired, columns :data:`EXPLAIN_COLUMNS`.

    ``effect == "assign"`` rows name the rule and the matched span (``evidence``) behind every 1
    and every SPEAKER other than none (``note`` gives the value and reason, or the neighbouring
    sentence of a before/after pair). ``effect == "veto"`` rows name an exclusion: the span that
    vetoed a match (``note``: which rule and span it blocked or cancelled), a number that does not
    count for QUANTIFIED (``Q_veto_date`` …), or an exclusion that explains a 0. Rows follow the
    units' order, then frame order, then SPEAKER.
    """
    return code_and_explain(units, rules)[1]


def explanation_kwic(explanations: pd.DataFrame, units: pd.DataFrame, width: int = 12) -> pd.DataFrame:
    """Keyword-in-context lines for the coder's decisions: the evidence with ``width`` characters either side."""
    texts = units.set_index("unit_id")["text"]
    rows = []
    for _, e in explanations.iterrows():
        text = texts.get(e["unit_id"], "")
        evidence = str(e["evidence"])
        at = text.find(evidence) if evidence else -1
        left = text[max(0, at - width):at] if at >= 0 else ""
        right = text[at + len(evidence):at + len(evidence) + width] if at >= 0 else ""
        rows.append({"code": e["code"], "unit_id": e["unit_id"], "rule": e["rule"], "effect": e["effect"],
                     "left": left, "evidence": evidence, "right": right})
    return pd.DataFrame(rows, columns=["code", "unit_id", "rule", "effect", "left", "evidence", "right"])
