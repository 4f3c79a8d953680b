"""The frame codebook (``analysis/codebook.yaml``): load, validate, display, make coding sheets.

The codebook is the single source of the eight frame codes and the SPEAKER values. Human
coders read it as Markdown (:func:`codebook_markdown`) and fill a sheet made by
:func:`coding_sheet`; notebooks show it as a table (:func:`codebook_table`); the rule-based
coder reads the same definitions, include/exclude rules, anchors and near misses through
:func:`load_codebook`.

:func:`load_codebook` refuses a codebook that could mislead a coder, naming every problem in one
:class:`CodebookError`: the eight codes of :data:`FRAME_CODES` must each appear once and in that
order; every frame needs ``code``, ``label_zh``, ``label_en``, ``definition``, non-empty
``include`` and ``exclude`` lists, 2–4 ``anchors`` and 1–3 ``near_misses``; every example needs
Chinese ``text``, a ``gloss``, a ``why`` and a ``source``; the SPEAKER values must be exactly
:data:`SPEAKER_VALUES`; ``meta.version`` must be a string (``"1.0"``, quoted); unknown fields are
errors (they are usually typos, which would otherwise be silently ignored).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import yaml

from analysis.segment import KINDS, check_table

__all__ = [
    "ANCHORS_PER_FRAME",
    "CODEBOOK_YAML",
    "FRAME_CODES",
    "NEAR_MISSES_PER_FRAME",
    "SHEET_COLUMNS",
    "SPEAKER_VALUES",
    "Codebook",
    "CodebookError",
    "Example",
    "Frame",
    "SpeakerValue",
    "codebook_markdown",
    "codebook_table",
    "coding_sheet",
    "load_codebook",
    "parse_codebook",
]

#: The shipped codebook.
CODEBOOK_YAML = Path(__file__).resolve().parent / "codebook.yaml"

#: The eight frame codes, in codebook (and coding-sheet) order.
FRAME_CODES = (
    "TRANSFORMATION",
    "SAFETY_SENSE",
    "OUTCOME",
    "QUANTIFIED",
    "TECH_AGENCY",
    "CONTROL",
    "SERVICE",
    "PARTNERSHIP",
)
#: The values of the SPEAKER column.
SPEAKER_VALUES = ("official", "citizen", "none")
#: Columns of a manual coding sheet.
SHEET_COLUMNS = ("unit_id", "article_id", "kind", "text", *FRAME_CODES, "SPEAKER", "note")
#: Allowed number of anchors and of near misses per frame (inclusive).
ANCHORS_PER_FRAME = (2, 4)
NEAR_MISSES_PER_FRAME = (1, 3)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_FRAME_FIELDS = ("code", "label_zh", "label_en", "definition", "include", "exclude", "anchors", "near_misses")
_EXAMPLE_FIELDS = ("text", "gloss", "why", "source")
_EXAMPLE_OPTIONAL = ("kind",)
_TOP_FIELDS = ("meta", "frames", "speaker")
_META_FIELDS = ("version", "title", "sources", "units", "multi_label", "instructions")
_UNITS_FIELDS = ("kinds", "definition")
_SPEAKER_FIELDS = ("definition", "values")
_SPEAKER_VALUE_FIELDS = ("value", "definition", "rules", "examples")


class CodebookError(ValueError):
    """The codebook file is unreadable or does not follow the codebook's rules."""


@dataclass(frozen=True)
class Example:
    """A corpus unit quoted in the codebook: an anchor, a near miss or a SPEAKER example."""

    text: str
    gloss: str
    why: str
    source: str  # article id of the pipeline, e.g. "003-1"
    kind: str = "sentence"  # unit kind of analysis.segment


@dataclass(frozen=True)
class Frame:
    """One frame: 1/0 per unit."""

    code: str
    label_zh: str
    label_en: str
    definition: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    anchors: tuple[Example, ...]
    near_misses: tuple[Example, ...]


@dataclass(frozen=True)
class SpeakerValue:
    """One value of the SPEAKER column."""

    value: str
    definition: str
    rules: tuple[str, ...]
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class Codebook:
    """The whole codebook. ``frames`` follow :data:`FRAME_CODES`; ``speaker_values`` maps each
    of :data:`SPEAKER_VALUES` (in that order) to its :class:`SpeakerValue`."""

    version: str
    frames: tuple[Frame, ...]
    speaker_values: Mapping[str, SpeakerValue]
    instructions: tuple[str, ...]
    title: str = ""
    sources: tuple[str, ...] = ()
    unit_kinds: tuple[str, ...] = KINDS
    unit_definition: str = ""
    multi_label: str = ""
    speaker_definition: str = ""
    terms: tuple[str, ...] = ()  # domain terms the codebook names (each must be one token)
    path: Path | None = field(default=None, compare=False)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.frames)

    def frame(self, code: str) -> Frame:
        """The frame with this code (KeyError naming the valid codes otherwise)."""
        for f in self.frames:
            if f.code == code:
                return f
        raise KeyError(f"no frame {code!r}; codes are {', '.join(self.codes)}")


# ---------------------------------------------------------------- validation


class _Problems(list):
    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}" if where else message)


def _check_fields(obj: Mapping, where: str, required: tuple[str, ...], optional: tuple[str, ...],
                  problems: _Problems) -> None:
    unknown = [k for k in obj if k not in required + optional]
    if unknown:
        problems.add(where, f"unknown field(s) {', '.join(map(repr, unknown))} "
                            f"(allowed: {', '.join(required + optional)})")
    missing = [k for k in required if k not in obj]
    if missing:
        problems.add(where, f"missing field(s) {', '.join(map(repr, missing))}")


def _text(obj: Mapping, key: str, where: str, problems: _Problems) -> str:
    value = obj.get(key)
    if key not in obj:
        return ""  # reported by _check_fields
    if not isinstance(value, str) or not value.strip():
        problems.add(where, f"{key!r} must be a non-empty string, got {value!r}")
        return ""
    return value.strip()


def _text_list(obj: Mapping, key: str, where: str, problems: _Problems) -> tuple[str, ...]:
    if key not in obj:
        return ()
    value = obj.get(key)
    if not isinstance(value, list) or not value:
        problems.add(where, f"{key!r} must be a non-empty list of strings, got {value!r}")
        return ()
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            problems.add(where, f"{key}[{i}] must be a non-empty string, got {item!r}")
        else:
            out.append(item.strip())
    return tuple(out)


def _examples(obj: Mapping, key: str, where: str, problems: _Problems,
              bounds: tuple[int, int] | None = None) -> tuple[Example, ...]:
    if key not in obj:
        return ()
    value = obj.get(key)
    if not isinstance(value, list) or not value:
        problems.add(where, f"{key!r} must be a non-empty list of examples, got {value!r}")
        return ()
    if bounds and not bounds[0] <= len(value) <= bounds[1]:
        problems.add(where, f"{key!r} must have {bounds[0]} to {bounds[1]} entries, has {len(value)}")
    out = []
    for i, item in enumerate(value):
        here = f"{where}, {key}[{i}]"
        if not isinstance(item, dict):
            problems.add(here, f"must be a mapping with {', '.join(_EXAMPLE_FIELDS)}, got {item!r}")
            continue
        _check_fields(item, here, _EXAMPLE_FIELDS, _EXAMPLE_OPTIONAL, problems)
        text, gloss, why, source = (_text(item, k, here, problems) for k in _EXAMPLE_FIELDS)
        if text and not _HAN.search(text):
            problems.add(here, f"'text' must be Chinese (a corpus unit), got {text!r}")
        kind = item.get("kind", "sentence")
        if kind not in KINDS:
            problems.add(here, f"'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
        out.append(Example(text, gloss, why, source, kind if kind in KINDS else "sentence"))
    return tuple(out)


def _mapping(obj: Any, where: str, problems: _Problems) -> Mapping:
    if isinstance(obj, dict):
        return obj
    problems.add(where, f"must be a mapping, got {type(obj).__name__}")
    return {}


def _frames(raw: Any, problems: _Problems) -> tuple[Frame, ...]:
    if not isinstance(raw, list) or not raw:
        problems.add("frames", "must be a non-empty list of frames")
        return ()
    frames: list[Frame] = []
    seen: list[str] = []
    for i, item in enumerate(raw):
        code = item.get("code") if isinstance(item, dict) else None
        where = f"frame {code}" if isinstance(code, str) and code else f"frames[{i}]"
        if not isinstance(item, dict):
            problems.add(where, f"must be a mapping, got {type(item).__name__}")
            continue
        _check_fields(item, where, _FRAME_FIELDS, (), problems)
        code = _text(item, "code", where, problems)
        if code:
            seen.append(code)
        frames.append(Frame(
            code=code,
            label_zh=_text(item, "label_zh", where, problems),
            label_en=_text(item, "label_en", where, problems),
            definition=_text(item, "definition", where, problems),
            include=_text_list(item, "include", where, problems),
            exclude=_text_list(item, "exclude", where, problems),
            anchors=_examples(item, "anchors", where, problems, ANCHORS_PER_FRAME),
            near_misses=_examples(item, "near_misses", where, problems, NEAR_MISSES_PER_FRAME),
        ))
    duplicates = sorted({c for c in seen if seen.count(c) > 1}, key=seen.index)
    unknown = [c for c in dict.fromkeys(seen) if c not in FRAME_CODES]
    missing = [c for c in FRAME_CODES if c not in seen]
    if duplicates:
        problems.add("frames", f"duplicate frame code(s): {', '.join(duplicates)}")
    if unknown:
        problems.add("frames", f"unknown frame code(s): {', '.join(unknown)} (codes are {', '.join(FRAME_CODES)})")
    if missing:
        problems.add("frames", f"missing frame code(s): {', '.join(missing)}")
    if not (duplicates or unknown or missing) and tuple(seen) != FRAME_CODES:
        problems.add("frames", f"frames must be in the order {', '.join(FRAME_CODES)}; found {', '.join(seen)}")
    for frame in frames:
        if frame.code and frame.label_zh and not _HAN.search(frame.label_zh):
            problems.add(f"frame {frame.code}", f"'label_zh' must be Chinese, got {frame.label_zh!r}")
    return tuple(frames)


def _speaker(raw: Any, problems: _Problems) -> tuple[str, dict[str, SpeakerValue]]:
    raw = _mapping(raw, "speaker", problems)
    if not raw:
        return "", {}
    _check_fields(raw, "speaker", _SPEAKER_FIELDS, (), problems)
    definition = _text(raw, "definition", "speaker", problems)
    values = raw.get("values")
    if not isinstance(values, list) or not values:
        if "values" in raw:
            problems.add("speaker", f"'values' must be a non-empty list, got {values!r}")
        return definition, {}
    parsed: dict[str, SpeakerValue] = {}
    names: list[Any] = []
    for i, item in enumerate(values):
        if not isinstance(item, dict):
            problems.add(f"speaker.values[{i}]", f"must be a mapping, got {type(item).__name__}")
            continue
        name = item.get("value")
        names.append(name)
        where = f"speaker value {name!r}" if isinstance(name, str) else f"speaker.values[{i}]"
        _check_fields(item, where, _SPEAKER_VALUE_FIELDS, (), problems)
        parsed[str(name)] = SpeakerValue(
            value=str(name),
            definition=_text(item, "definition", where, problems),
            rules=_text_list(item, "rules", where, problems),
            examples=_examples(item, "examples", where, problems),
        )
    if tuple(names) != SPEAKER_VALUES:
        unknown = [repr(n) for n in names if n not in SPEAKER_VALUES]
        missing = [v for v in SPEAKER_VALUES if v not in names]
        duplicated = sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})
        details = []
        if unknown:
            details.append(f"unknown: {', '.join(unknown)}")
        if missing:
            details.append(f"missing: {', '.join(missing)}")
        if duplicated:
            details.append(f"duplicated: {', '.join(duplicated)}")
        if not details:
            details.append(f"found them in the order {', '.join(map(str, names))}")
        problems.add("speaker", f"speaker values must be exactly {', '.join(SPEAKER_VALUES)} in this order; "
                                + "; ".join(details))
        return definition, {}
    return definition, parsed


def parse_codebook(data: Any, source: str = "<codebook>") -> Codebook:
    """Validate parsed YAML (a dict) and build a :class:`Codebook`; see the module docstring."""
    problems = _Problems()
    data = _mapping(data, "top level", problems)
    if data:
        _check_fields(data, "top level", _TOP_FIELDS, (), problems)

    meta = _mapping(data["meta"], "meta", problems) if "meta" in data else {}
    if meta:
        _check_fields(meta, "meta", _META_FIELDS, ("terms",), problems)
    version = ""
    raw_version = meta.get("version")
    if "version" in meta and not (isinstance(raw_version, str) and raw_version.strip()):
        problems.add("meta", f"'version' must be a quoted string such as \"1.0\", got {raw_version!r}")
    else:
        version = _text(meta, "version", "meta", problems)
    title = _text(meta, "title", "meta", problems)
    sources = _text_list(meta, "sources", "meta", problems)
    multi_label = _text(meta, "multi_label", "meta", problems)
    instructions = _text_list(meta, "instructions", "meta", problems)
    terms = _text_list(meta, "terms", "meta", problems) if "terms" in meta else ()

    units = _mapping(meta["units"], "meta.units", problems) if "units" in meta else {}
    if units:
        _check_fields(units, "meta.units", _UNITS_FIELDS, (), problems)
    kinds = _text_list(units, "kinds", "meta.units", problems)
    bad_kinds = [k for k in kinds if k not in KINDS]
    if bad_kinds:
        problems.add("meta.units", f"unknown unit kind(s) {', '.join(bad_kinds)} (kinds are {', '.join(KINDS)})")
    unit_definition = _text(units, "definition", "meta.units", problems)

    frames = _frames(data.get("frames"), problems) if "frames" in data else ()
    if "speaker" in data:
        speaker_definition, speaker_values = _speaker(data["speaker"], problems)
    else:
        speaker_definition, speaker_values = "", {}

    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise CodebookError(f"{source}: invalid codebook ({len(problems)} problem(s)):\n{listing}")
    return Codebook(
        version=version,
        frames=frames,
        speaker_values=speaker_values,
        instructions=instructions,
        title=title,
        sources=sources,
        unit_kinds=kinds,
        unit_definition=unit_definition,
        multi_label=multi_label,
        speaker_definition=speaker_definition,
        terms=tuple(terms),
    )


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate the codebook YAML (default: the shipped ``analysis/codebook.yaml``).

    Raises :class:`CodebookError` naming the file and every problem found (bad YAML, missing,
    duplicate or unknown codes, empty fields, bad SPEAKER values, ...); FileNotFoundError if
    the file does not exist.
    """
    path = Path(path) if path is not None else CODEBOOK_YAML
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise CodebookError(f"{path}: not valid YAML: {err}") from err
    return dataclasses.replace(parse_codebook(data, source=str(path)), path=path)


# ---------------------------------------------------------------- display and sheets


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"• {item}" for item in items)


def codebook_table(codebook: Codebook | None = None) -> pd.DataFrame:
    """One row per frame, for a notebook: code, 中文, English, definition, include, exclude, anchor.

    ``include`` and ``exclude`` are the rules as bullet lines; ``anchor`` is the first anchor
    with its gloss in brackets.
    """
    codebook = codebook or load_codebook()
    rows = [
        {
            "code": f.code,
            "中文": f.label_zh,
            "English": f.label_en,
            "definition": f.definition,
            "include": _bullets(f.include),
            "exclude": _bullets(f.exclude),
            "anchor": f"{f.anchors[0].text} ({f.anchors[0].gloss})",
        }
        for f in codebook.frames
    ]
    return pd.DataFrame(rows, columns=["code", "中文", "English", "definition", "include", "exclude", "anchor"])


def coding_sheet(units: pd.DataFrame) -> pd.DataFrame:
    """An empty manual coding sheet for ``units`` (the table of :func:`analysis.segment.units_frame`).

    Columns :data:`SHEET_COLUMNS`: ``unit_id``, ``article_id``, ``kind``, ``text`` copied in row
    order, then one column per frame code (nullable integers, all missing: the coder enters 1 or
    0), ``SPEAKER`` and ``note`` (strings, all missing). Missing values are written as empty
    cells by ``to_csv``. Other columns of ``units`` are dropped; duplicate unit ids are an error.
    """
    needed = list(SHEET_COLUMNS[:4])
    check_table(units, needed, "unit_id", "units")
    sheet = units[needed].reset_index(drop=True).copy()
    n = len(sheet)
    for code in FRAME_CODES:
        sheet[code] = pd.array([pd.NA] * n, dtype="Int8")
    sheet["SPEAKER"] = pd.array([pd.NA] * n, dtype="string")
    sheet["note"] = pd.array([pd.NA] * n, dtype="string")
    return sheet[list(SHEET_COLUMNS)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _example_md(example: Example, label: str) -> list[str]:
    return [
        f"> {example.text}",
        ">",
        f"> *{example.gloss}*",
        "",
        f"**{label}** {example.why} (article `{example.source}`, {example.kind})",
        "",
    ]


def codebook_markdown(codebook: Codebook | None = None) -> str:
    """The whole codebook as Markdown: instructions, an overview table, each frame with its
    rules, anchors and near misses, and the SPEAKER values with examples."""
    cb = codebook or load_codebook()
    out: list[str] = [f"# {cb.title or 'Frame codebook'}", "", f"Version {cb.version}.", ""]
    out += ["## How to code", ""]
    if cb.unit_definition:
        out += [f"**Unit.** {cb.unit_definition} Kinds: {', '.join(cb.unit_kinds)}.", ""]
    if cb.multi_label:
        out += [f"**Several frames or none.** {cb.multi_label}", ""]
    out += [f"{i}. {step}" for i, step in enumerate(cb.instructions, 1)] + [""]
    if cb.sources:
        out += ["**Sources.**", ""] + [f"- {s}" for s in cb.sources] + [""]

    out += ["## Frames at a glance", "", "| code | 中文 | English | definition |", "|---|---|---|---|"]
    out += [f"| `{f.code}` | {_cell(f.label_zh)} | {_cell(f.label_en)} | {_cell(f.definition)} |" for f in cb.frames]
    out += [""]

    for f in cb.frames:
        out += [f"## {f.code} · {f.label_zh} · {f.label_en}", "", f.definition, ""]
        out += ["**Code 1 when**", ""] + [f"- {r}" for r in f.include] + [""]
        out += ["**Code 0 when**", ""] + [f"- {r}" for r in f.exclude] + [""]
        out += ["### Anchors (coded 1)", ""]
        for ex in f.anchors:
            out += _example_md(ex, "Why 1:")
        out += ["### Near misses (coded 0)", ""]
        for ex in f.near_misses:
            out += _example_md(ex, "Why 0:")

    out += ["## SPEAKER", ""]
    if cb.speaker_definition:
        out += [cb.speaker_definition, ""]
    for value in cb.speaker_values.values():
        out += [f"### `{value.value}`", "", value.definition, ""]
        out += [f"- {r}" for r in value.rules] + [""]
        for ex in value.examples:
            out += _example_md(ex, "Why:")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # python -m analysis.codebook > codebook.md
    print(codebook_markdown(), end="")


def frame_labels(codebook: Codebook | None = None) -> dict[str, str]:
    """``{"TRANSFORMATION": "TRANSFORMATION 转型叙事", …, "SPEAKER": "SPEAKER 说话人"}`` for tables and figures."""
    codebook = load_codebook() if codebook is None else codebook
    labels = {f.code: f"{f.code} {f.label_zh}" for f in codebook.frames}
    labels["SPEAKER"] = "SPEAKER 说话人"
    return labels
