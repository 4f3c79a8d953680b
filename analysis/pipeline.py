"""The study pipeline as functions: a folder of ``.txt`` files in, tables out.

``python -m analysis run --corpus DIR --out OUT`` calls :func:`run`; the notebooks call
the same functions. Output tables (UTF-8 CSV, ``\\n`` line ends, stable row order):

* ``articles.csv`` — one row per detected article with metadata and clean text;
* ``cleaning_log.csv`` — one row per change, with the raw position, stage, kind and reason;
* ``files.csv`` — one row per input file: checksum, encoding, status and the character balance;
* ``units.csv`` — one row per coding unit of the relevant articles (title, subtitle, headings,
  sentences) with the automatic coder's 0/1 per frame and SPEAKER;
* ``coding_explanations.csv`` — for every code assigned (or vetoed), the rule and the evidence.
"""
from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.articles import Article, layout
from analysis.clean import clean_text
from analysis.encoding import NotTextError, decode_bytes, normalise_newlines
from analysis.trail import LogRow, Trail

log = logging.getLogger("analysis")

ARTICLE_COLUMNS = [
    "article_id", "source_file", "article_no", "city", "city_en", "province", "place_level", "outlet", "published",
    "published_evidence", "title", "subtitle", "kicker", "byline", "captions", "original_title", "editor",
    "script", "n_chars", "relevant", "police_hits", "tech_hits", "text",
]
LOG_COLUMNS = ["source_file", "position", "stage", "kind", "before", "after", "reason"]
FILE_COLUMNS = [
    "source_file", "sha256", "bytes", "encoding", "bom", "status", "message", "raw_chars",
    "n_articles", "chars_in_articles", "chars_removed", "chars_added", "balanced",
]
METADATA_FIELDS = ["city", "city_en", "province", "place_level", "outlet", "published", "published_evidence"]


@dataclass
class FileResult:
    """Everything one input file contributes to the output tables."""

    file_row: dict
    articles: list[dict] = field(default_factory=list)
    log_rows: list[LogRow] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def article_prefixes(names: list[str]) -> dict[str, str]:
    """Short, stable article-id prefixes: the part of a file stem before ``_`` if unique, else the stem."""
    stems = {name: Path(name).stem for name in names}
    short = {name: re.split(r"[_\s]", stem)[0] or stem for name, stem in stems.items()}
    if len(set(short.values())) == len(short):
        return short
    return {name: re.sub(r"\s+", "-", stem) for name, stem in stems.items()}


def process_file(name: str, raw: bytes, prefix: str) -> FileResult:
    """Decode, clean and segment one file. Expected problems become a status, never an exception."""
    row = {"source_file": name, "sha256": sha256(raw), "bytes": len(raw), "encoding": "", "bom": False,
           "status": "ok", "message": "", "raw_chars": 0, "n_articles": 0, "chars_in_articles": 0,
           "chars_removed": 0, "chars_added": 0, "balanced": True}
    try:
        decoded = decode_bytes(raw)
    except NotTextError as err:
        row.update(status="skipped", message=f"{name}: not a text file ({err})")
        return FileResult(row)
    row.update(encoding=decoded.encoding, bom=decoded.bom, raw_chars=len(decoded.text))
    if not decoded.text.strip():
        row.update(status="skipped", message=f"{name}: empty file" if not decoded.text else f"{name}: only whitespace")
        return FileResult(row)
    text, n_cr = normalise_newlines(decoded.text)
    trail = Trail(name, text)
    trail.raw_length = len(decoded.text)
    if n_cr:
        removed = decoded.text.count("\r\n")
        if removed:
            trail.rows.append(LogRow(name, text.find("\n"), "decode", "newline", "\r" * removed, "",
                                     f"{removed} CRLF line ends normalised to LF"))
        lone = n_cr - removed
        if lone:
            trail.rows.append(LogRow(name, 0, "decode", "newline", "\r" * lone, "\n" * lone,
                                     f"{lone} lone CR line ends normalised to LF"))
    for problem in decoded.problems:
        trail.log_only(_char_offset(decoded.text, raw, problem.offset, decoded.encoding), "decode", "undecodable",
                       "\ufffd" * len(problem.raw), f"byte offset {problem.offset}: {problem.message}; kept as U+FFFD")
    if decoded.problems:
        row.update(status="warning", message=f"{name}: {len(decoded.problems)} undecodable byte run(s), first at byte offset {decoded.problems[0].offset}")
    script, page_metadata = clean_text(trail)
    articles = layout(trail)
    result = FileResult(row, log_rows=trail.rows)
    for number, article in enumerate(articles, start=1):
        result.articles.append(_article_row(name, prefix, number, article, script, page_metadata if number == 1 else []))
    removed = sum(len(r.before) for r in trail.rows)
    added = sum(len(r.after) for r in trail.rows)
    in_articles = sum(len(a.text) for a in articles)
    row.update(n_articles=len(articles), chars_in_articles=in_articles, chars_removed=removed,
               chars_added=added, balanced=row["raw_chars"] - removed + added == in_articles)
    return result


def _char_offset(text: str, raw: bytes, byte_offset: int, encoding: str) -> int:
    """Approximate character offset of a byte offset (exact for single-error files)."""
    prefix = raw[:byte_offset].decode(encoding, errors="replace") if byte_offset else ""
    return min(len(prefix), len(text))


def _article_row(name: str, prefix: str, number: int, article: Article, script: str,
                 page_metadata: list[tuple[str, dict[str, str]]]) -> dict:
    row = {column: "" for column in ARTICLE_COLUMNS}
    row.update(
        article_id=f"{prefix}-{number}", source_file=name, article_no=number, title=article.title,
        subtitle=article.subtitle, kicker=article.kicker, byline="；".join(article.bylines),
        captions="；".join(article.captions), script=script, n_chars=len(article.text),
        relevant=article.relevant, police_hits=article.police_hits, tech_hits=article.tech_hits,
        text=article.text,
    )
    for field_name, values in page_metadata:
        if field_name == "dateline":
            row["published"] = _iso_datetime(values.get("value", ""))
            row["published_evidence"] = f"dateline: {values.get('value', '')}"
            if values.get("value2"):
                row["outlet"] = values["value2"]
        else:
            row[field_name] = values.get("value") or values.get("value2", "")
    outlet = re.search(r"《([^》]+)》", row["byline"])
    if outlet and not row["outlet"]:
        row["outlet"] = outlet.group(1)
    return row


def _iso_datetime(dateline: str) -> str:
    m = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(\d{1,2})[:：](\d{2})", dateline)
    if not m:
        return ""
    y, mo, d, h, mi = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}"


def read_metadata(path: Path | None) -> pd.DataFrame:
    """Curated metadata (e.g. ``seeds/manifest.csv``): one row per article, keyed by file and article."""
    if path is None or not Path(path).exists():
        return pd.DataFrame(columns=["file", "article"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def apply_metadata(articles: pd.DataFrame, metadata: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Fill article metadata from curated rows; text evidence (a dateline) wins for ``published``."""
    messages: list[str] = []
    if metadata.empty or articles.empty:
        return articles, messages
    meta = metadata.copy()
    meta["article"] = meta.get("article", "1").replace("", "1") if "article" in meta else "1"
    keyed = {(r["file"], int(r["article"])): r for _, r in meta.iterrows()}
    seen = set()
    for i, art in articles.iterrows():
        key = (art["source_file"], int(art["article_no"]))
        curated = keyed.get(key)
        if curated is None:
            messages.append(f"{art['source_file']}: article {key[1]} has no metadata row")
            continue
        seen.add(key)
        for column in METADATA_FIELDS:
            value = curated.get(column, "")
            if not value:
                continue
            if column in ("published", "published_evidence") and art["published"]:
                continue  # the text's own dateline is exact
            articles.at[i, column] = value
    for key in sorted(set(keyed) - seen):
        messages.append(f"metadata row for {key[0]} article {key[1]} matches no article in the corpus")
    return articles, messages


@dataclass
class RunResult:
    articles: pd.DataFrame
    cleaning_log: pd.DataFrame
    files: pd.DataFrame
    messages: list[str]
    units: pd.DataFrame | None = None
    explanations: pd.DataFrame | None = None

    @property
    def skipped(self) -> int:
        return int((self.files["status"] == "skipped").sum()) if not self.files.empty else 0


def corpus_files(corpus: Path) -> tuple[list[Path], list[str]]:
    """The ``.txt`` files of a corpus folder (sorted) and messages for files that are ignored."""
    files, ignored = [], []
    for path in sorted(Path(corpus).iterdir(), key=lambda p: p.name):
        if path.is_file() and path.suffix.lower() == ".txt":
            files.append(path)
        elif path.is_file() and path.name != "manifest.csv":
            ignored.append(f"{path.name}: ignored (not a .txt file)")
    return files, ignored


def clean_corpus(corpus: Path, metadata: Path | None = None) -> RunResult:
    """Run the cleaning stage on every ``.txt`` file of ``corpus``."""
    corpus = Path(corpus)
    if metadata is None and (corpus / "manifest.csv").exists():
        metadata = corpus / "manifest.csv"
    files, messages = corpus_files(corpus)
    prefixes = article_prefixes([p.name for p in files])
    results = [process_file(p.name, p.read_bytes(), prefixes[p.name]) for p in files]
    articles = pd.DataFrame([a for r in results for a in r.articles], columns=ARTICLE_COLUMNS)
    articles, meta_messages = apply_metadata(articles, read_metadata(metadata))
    log_frame = pd.DataFrame([asdict(row) for r in results for row in r.log_rows], columns=LOG_COLUMNS)
    files_frame = pd.DataFrame([r.file_row for r in results], columns=FILE_COLUMNS)
    messages += [r.file_row["message"] for r in results if r.file_row["message"]] + meta_messages
    return RunResult(articles, log_frame, files_frame, messages)


def write_tables(result: RunResult, out: Path) -> list[Path]:
    """Write the tables deterministically (UTF-8, LF, fixed column and row order)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tables = [(result.articles, paths.ARTICLES_CSV), (result.cleaning_log, paths.CLEANING_LOG_CSV),
              (result.files, paths.FILES_CSV), (result.units, paths.UNITS_CSV),
              (result.explanations, paths.EXPLANATIONS_CSV)]
    for frame, name in tables:
        if frame is None:
            continue
        target = out / name
        # every text field quoted: a log row may hold a bare CR, which minimal quoting leaves unquoted
        quoting = csv.QUOTE_NONNUMERIC if name == paths.CLEANING_LOG_CSV else csv.QUOTE_MINIMAL
        frame.to_csv(target, index=False, encoding="utf-8", lineterminator="\n", quoting=quoting)
        written.append(target)
    return written


def code_corpus(result: RunResult) -> RunResult:
    """Cut the relevant articles into units and code them automatically (frames and SPEAKER)."""
    from analysis.coder import code_units, explain_units
    from analysis.segment import units_frame

    relevant = result.articles[result.articles["relevant"].astype(bool)]
    units = units_frame(relevant)
    result.units = code_units(units)
    result.explanations = explain_units(units)
    return result


def run(corpus: Path, out: Path, metadata: Path | None = None) -> RunResult:
    """Every stage the project has, from a corpus folder to the tables in ``out``."""
    result = code_corpus(clean_corpus(corpus, metadata))
    write_tables(result, out)
    return result
