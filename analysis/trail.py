"""An audit trail of text edits that can map any position back to the raw file.

Every cleaning step proposes :class:`Edit` s on the current text. :class:`Trail`
applies them, records one log row per edit (with the position in the *raw*
decoded text), and keeps the character accounting exact::

    len(raw) - sum(len(before)) + sum(len(after)) == len(current text)
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` by ``after``; ``kind`` and ``reason`` go to the log."""

    start: int
    end: int
    after: str
    kind: str
    reason: str


@dataclass(frozen=True)
class LogRow:
    source_file: str
    position: int  # offset in the raw decoded text
    stage: str
    kind: str
    before: str
    after: str
    reason: str


class _OffsetMap:
    """Maps offsets of a step's output back to offsets of its input."""

    def __init__(self, edits: list[Edit]):
        self.new_starts: list[int] = []
        self.records: list[tuple[int, int, int]] = []  # (old_start, old_len, new_len)
        shift = 0
        for e in edits:
            self.new_starts.append(e.start + shift)
            self.records.append((e.start, e.end - e.start, len(e.after)))
            shift += len(e.after) - (e.end - e.start)

    def back(self, pos: int) -> int:
        i = bisect_right(self.new_starts, pos) - 1
        if i < 0:
            return pos
        new_start = self.new_starts[i]
        old_start, old_len, new_len = self.records[i]
        if pos < new_start + new_len:
            return old_start
        return old_start + old_len + (pos - new_start - new_len)


class Trail:
    """The text of one file as it moves through the cleaning stages."""

    def __init__(self, source_file: str, raw_text: str):
        self.source_file = source_file
        self.raw_length = len(raw_text)
        self.text = raw_text
        self.rows: list[LogRow] = []
        self._maps: list[_OffsetMap] = []

    def to_raw(self, pos: int) -> int:
        """Offset in the raw text of offset ``pos`` in the current text."""
        for offset_map in reversed(self._maps):
            pos = offset_map.back(pos)
        return pos

    def log_only(self, pos: int, stage: str, kind: str, before: str, reason: str) -> None:
        """Record an event at ``pos`` of the current text without changing it (e.g. a warning)."""
        self.rows.append(LogRow(self.source_file, self.to_raw(pos), stage, kind, before, before, reason))

    def apply(self, stage: str, edits: list[Edit]) -> str:
        """Apply non-overlapping edits to the current text, logging each one."""
        edits = sorted((e for e in edits if self.text[e.start:e.end] != e.after), key=lambda e: e.start)
        if not edits:
            return self.text
        pieces, cursor = [], 0
        for e in edits:
            if e.start < cursor or e.end < e.start or e.end > len(self.text):
                raise ValueError(f"{self.source_file}: overlapping or invalid edit at {e.start} in stage {stage}")
            before = self.text[e.start:e.end]
            self.rows.append(
                LogRow(self.source_file, self.to_raw(e.start), stage, e.kind, before, e.after, e.reason)
            )
            pieces.append(self.text[cursor:e.start])
            pieces.append(e.after)
            cursor = e.end
        pieces.append(self.text[cursor:])
        self._maps.append(_OffsetMap(edits))
        self.text = "".join(pieces)
        return self.text

    def balance(self) -> int:
        """Characters in the current text according to the log (must equal ``len(self.text)``)."""
        return self.raw_length + sum(len(r.after) - len(r.before) for r in self.rows)
