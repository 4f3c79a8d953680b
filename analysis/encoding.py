"""Bytes → text: detect the encoding of a raw news file and decode it without losing a byte.

Order of evidence: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; otherwise
strict UTF-8 wins if it decodes; otherwise the candidates GB18030 (a superset of
GBK/GB2312), Big5 (cp950) and BOM-less UTF-16 are decoded and the one with the
fewest undecodable bytes and the most plausible Chinese is kept. Undecodable bytes
become U+FFFD and are reported with their offset. Binary files are refused.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field

REPLACEMENT = "\ufffd"
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
BOM_LENGTHS = {encoding: len(bom) for bom, encoding in _BOMS}
"""Bytes of the byte-order mark in front of a file that :func:`decode_bytes` found one in, by encoding."""
_BINARY_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"%PDF": "PDF document",
    b"PK\x03\x04": "ZIP archive (or docx/xlsx)",
    b"\x1f\x8b": "gzip archive",
    b"\x7fELF": "executable",
}


class NotTextError(ValueError):
    """The file is not a text file (binary signature or NUL bytes)."""


@dataclass(frozen=True)
class DecodeProblem:
    offset: int  # byte offset in the file
    raw: bytes
    message: str


@dataclass
class Decoded:
    text: str
    encoding: str
    bom: bool = False
    problems: list[DecodeProblem] = field(default_factory=list)


_pending: list[tuple[int, bytes]] = []


def _record_and_replace(err: UnicodeDecodeError) -> tuple[str, int]:
    _pending.append((err.start, err.object[err.start:err.end]))
    return REPLACEMENT * (err.end - err.start), err.end


codecs.register_error("analysis-report", _record_and_replace)


def _decode_reporting(raw: bytes, encoding: str) -> tuple[str, list[DecodeProblem]]:
    """Decode, turning each undecodable byte run into U+FFFD and a :class:`DecodeProblem`."""
    _pending.clear()
    text = raw.decode(encoding, errors="analysis-report")
    runs: list[tuple[int, bytes]] = []
    for offset, bad in _pending:  # adjacent bad bytes form one run
        if runs and runs[-1][0] + len(runs[-1][1]) == offset:
            runs[-1] = (runs[-1][0], runs[-1][1] + bad)
        else:
            runs.append((offset, bad))
    _pending.clear()
    return text, [DecodeProblem(offset, bad, f"undecodable as {encoding}: {bad.hex(' ')}") for offset, bad in runs]


def _plausibility(text: str) -> float:
    """Mean character log-probability under the Chinese character model (higher = more plausible)."""
    if not text:
        return 0.0
    from analysis.mojibake import text_score  # lazy: builds a character model once

    return text_score(text)


def sniff_binary(raw: bytes) -> str | None:
    """Name the kind of binary file, or ``None`` if it may be text."""
    for signature, kind in _BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            return kind
    head = raw[:4096]
    if b"\x00" in head and not _looks_utf16(head):
        return "binary data (NUL bytes)"
    return None


def _looks_utf16(head: bytes) -> bool:
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    half = max(1, len(head) // 2)
    return max(even_nuls, odd_nuls) > 0.3 * half and min(even_nuls, odd_nuls) < 0.05 * half


def decode_bytes(raw: bytes) -> Decoded:
    """Decode a raw file; raises :class:`NotTextError` for binary input."""
    if not raw:
        return Decoded("", "empty")
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            text, problems = _decode_reporting(raw[len(bom):], encoding)
            shifted = [DecodeProblem(p.offset + len(bom), p.raw, p.message) for p in problems]
            return Decoded(text, encoding, True, shifted)
    kind = sniff_binary(raw)
    if kind:
        raise NotTextError(kind)
    try:
        return Decoded(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    utf8_text, utf8_problems = _decode_reporting(raw, "utf-8")
    # A few bad bytes in otherwise valid UTF-8 is damaged UTF-8; GBK or Big5 read as UTF-8
    # fails on nearly every Chinese character instead.
    if sum(len(p.raw) for p in utf8_problems) <= max(4, 0.01 * len(raw)):
        return Decoded(utf8_text, "utf-8", False, utf8_problems)
    candidates = ["gb18030", "big5"] + (["utf-16-le", "utf-16-be"] if _looks_utf16(raw[:4096]) else [])
    best: tuple[float, str, str, list[DecodeProblem]] | None = None
    for encoding in candidates:
        text, problems = _decode_reporting(raw, encoding)
        bad_bytes = sum(len(p.raw) for p in problems)
        score = _plausibility(text) - 20.0 * bad_bytes / max(1, len(raw))
        if best is None or score > best[0]:
            best = (score, encoding, text, problems)
    assert best is not None
    return Decoded(best[2], best[1], False, best[3])


def normalise_newlines(text: str) -> tuple[str, int]:
    """CRLF and lone CR → LF; returns the text and the number of CR characters removed or replaced."""
    count = text.count("\r")
    if not count:
        return text, 0
    return text.replace("\r\n", "\n").replace("\r", "\n"), count
