"""The study pipeline as functions: a folder of ``.txt`` files in, tables out.

``python -m analysis run --corpus DIR --out OUT`` calls :func:`run`; the notebooks call
the same functions. Output tables (UTF-8 CSV, ``\\n`` line ends, stable row order):

* ``articles.csv`` — one row per detected article with metadata and clean text;
* ``cleaning_log.csv`` — one row per change, with the raw position, stage, kind and reason;
* ``files.csv`` — one row per input file: checksum, encoding, status and the character balance;
* ``units.csv`` — one row per coding unit of the relevant articles (title, subtitle, headings,
  sentences) with the automatic coder's 0/1 per frame, SPEAKER and the unit's ``tokens``;
* ``coding_explanations.csv`` — for every code assigned (or vetoed), the rule and the evidence.

How it runs: :func:`plan` makes one :class:`FileTask` per file (one per block of a file over
:data:`LARGE_FILE_BYTES`); :func:`analyse_batch` does every per-file stage for a batch of tasks, in this
process, in a process pool (``jobs``) or on Dask (``engine="dask"``); :class:`Assembler` joins the blocks
of a large file; :class:`TableWriter` streams the rows to disk in file order, so the tables are the same
whatever the engine and number of jobs.
"""
from __future__ import annotations

import csv
import hashlib
import logging
import multiprocessing
import os
import re
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.articles import Article, layout
from analysis.clean import clean_text
from analysis.encoding import BOM_LENGTHS, Decoded, NotTextError, decode_bytes, normalise_newlines
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
_log_fields = attrgetter(*LOG_COLUMNS)  # a LogRow as a tuple in column order
METADATA_FIELDS = ["city", "city_en", "province", "place_level", "outlet", "published", "published_evidence"]


@dataclass
class FileResult:
    """Everything one input file contributes to the output tables."""

    file_row: dict
    articles: list[dict] = field(default_factory=list)
    log_rows: list[LogRow] = field(default_factory=list)
    units: pd.DataFrame | None = None
    explanations: pd.DataFrame | None = None
    messages: list[str] = field(default_factory=list)
    metadata_matched: set[int] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)
    """Seconds spent per stage of :data:`STAGES` (for the benchmark; never written to a table)."""
    block: int = 0
    """For a large file cut into blocks: this block's number (1, 2, …); 0 for a whole file."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def article_prefixes(names: list[str]) -> dict[str, str]:
    """Short, stable article-id prefixes: the part of a file stem before ``_`` if unique, else the stem."""
    stems = {name: Path(name).stem for name in names}
    short = {name: re.split(r"[_\s]", stem)[0] or stem for name, stem in stems.items()}
    if len(set(short.values())) == len(short):
        return short
    return {name: re.sub(r"\s+", "-", stem) for name, stem in stems.items()}


def _file_row(name: str, raw: bytes) -> dict:
    return {"source_file": name, "sha256": sha256(raw), "bytes": len(raw), "encoding": "", "bom": False,
            "status": "ok", "message": "", "raw_chars": 0, "n_articles": 0, "chars_in_articles": 0,
            "chars_removed": 0, "chars_added": 0, "balanced": True}


def process_file(name: str, raw: bytes, prefix: str) -> FileResult:
    """Decode, clean and segment one file. Expected problems become a status, never an exception."""
    row = _file_row(name, raw)
    try:
        decoded = decode_bytes(raw)
    except NotTextError as err:
        row.update(status="skipped", message=f"{name}: not a text file ({err})")
        return FileResult(row)
    if not decoded.text.strip():
        row.update(encoding=decoded.encoding, bom=decoded.bom, raw_chars=len(decoded.text), status="skipped",
                   message=f"{name}: empty file" if not decoded.text else f"{name}: only whitespace")
        return FileResult(row)
    return process_text(name, decoded, problem_positions(raw, decoded), prefix, row)


def problem_positions(raw: bytes, decoded: Decoded) -> list[int]:
    """Character offset in ``decoded.text`` of each undecodable byte run (one pass over the bytes)."""
    positions, chars, done = [], 0, BOM_LENGTHS.get(decoded.encoding, 0) if decoded.bom else 0
    for problem in decoded.problems:
        chars += len(raw[done:problem.offset].decode(decoded.encoding, errors="replace"))
        positions.append(min(chars, len(decoded.text)))
        chars += len(problem.raw)  # each bad byte became one U+FFFD
        done = problem.offset + len(problem.raw)
    return positions


def process_text(name: str, decoded: Decoded, positions: list[int], prefix: str, row: dict) -> FileResult:
    """Clean and segment decoded text (a whole file or a block of one); ``positions`` locate ``decoded.problems``."""
    row.update(encoding=decoded.encoding, bom=decoded.bom, raw_chars=len(decoded.text))
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
    for position, problem in zip(positions, decoded.problems):
        trail.log_only(position, "decode", "undecodable", "\ufffd" * len(problem.raw),
                       f"byte offset {problem.offset}: {problem.message}; kept as U+FFFD")
    if decoded.problems:
        row.update(status="warning", message=f"{name}: {len(decoded.problems)} undecodable byte run(s), "
                                             f"first at byte offset {decoded.problems[0].offset}")
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


def metadata_by_file(metadata: pd.DataFrame) -> dict[str, dict[int, dict]]:
    """Metadata rows grouped as ``{file: {article number: row}}`` (a blank article number means 1)."""
    grouped: dict[str, dict[int, dict]] = {}
    for row in metadata.to_dict("records"):
        number = int(row.get("article") or 1)
        grouped.setdefault(row["file"], {})[number] = row
    return grouped


def apply_metadata(articles: list[dict], curated: dict[int, dict] | None) -> tuple[set[int], list[str]]:
    """Fill one file's article rows from its curated rows; a dateline in the text wins for ``published``.

    ``curated`` is None when the corpus has no metadata at all. Returns the article numbers that
    found a row, and a message for each article without one.
    """
    matched, messages = set(), []
    for art in articles:
        row = (curated or {}).get(int(art["article_no"]))
        if row is None:
            if curated is not None:
                messages.append(f"{art['source_file']}: article {art['article_no']} has no metadata row")
            continue
        matched.add(int(art["article_no"]))
        dated = bool(art["published"])  # the text's own dateline is exact
        for column in METADATA_FIELDS:
            value = row.get(column, "")
            if value and not (dated and column in ("published", "published_evidence")):
                art[column] = value
    return matched, messages


# ---------------------------------------------------------------- one file, every stage

STAGES = ("decode+clean", "units", "tokenize", "code")
"""The per-file stages whose seconds :class:`FileResult` records (for ``python -m analysis bench``)."""


@dataclass(frozen=True)
class FileTask:
    """What a worker needs to process one file (or one block of a large file)."""

    path: str
    name: str
    prefix: str
    metadata: dict[int, dict] | None = None
    """This file's metadata rows by article number; None when the corpus has no metadata."""
    code: bool = True
    block: int = 0
    """0 for a whole file; k for the k-th block of a large file (``path`` then holds its text in UTF-8)."""
    char_offset: int = 0
    encoding: str = ""
    bom: bool = False
    problems: tuple = ()
    """Undecodable byte runs inside the block, as (character offset in the block, DecodeProblem)."""


LARGE_FILE_BYTES = 4 * 1024 * 1024
"""Files larger than this are cut into blocks of about :data:`BLOCK_CHARS` characters (see :func:`block_bounds`)."""
BLOCK_CHARS = 500_000
_PARAGRAPH_BREAK = re.compile(r"(?:\r\n|\r|\n)[ \t\u3000]*(?:\r\n|\r|\n)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def block_bounds(text: str, size: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of blocks of at most ``size`` (default :data:`BLOCK_CHARS`) characters, each cut after
    the last paragraph break (blank line) in its second half, else after the last line break, else at ``size``."""
    size = size or BLOCK_CHARS
    bounds, start = [], 0
    while len(text) - start > size:
        cut = None
        for pattern in (_PARAGRAPH_BREAK, _LINE_BREAK):
            for match in pattern.finditer(text, start + size // 2, start + size):
                cut = match.end()
            if cut is not None:
                break
        cut = cut or start + size
        if text[cut - 1] == "\r" and text[cut:cut + 1] == "\n":  # the search stopped inside a CRLF pair
            cut += 1
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds


def block_tasks(path: Path, prefix: str, code: bool, folder: Path, tag: int) -> tuple[list[FileTask], dict] | None:
    """Cut a large file into block files in ``folder``; None if it is not text (its task reports that)."""
    raw = path.read_bytes()
    try:
        decoded = decode_bytes(raw)
    except NotTextError:
        return None
    positions = problem_positions(raw, decoded)
    tasks = []
    for k, (start, end) in enumerate(block_bounds(decoded.text), start=1):
        block_path = folder / f"{tag:06d}-{k:05d}.txt"
        block_path.write_text(decoded.text[start:end], encoding="utf-8", newline="")
        problems = tuple((pos - start, problem) for pos, problem in zip(positions, decoded.problems) if start <= pos < end)
        tasks.append(FileTask(str(block_path), path.name, prefix, None, code, k, start, decoded.encoding,
                              decoded.bom, problems))
    facts = {"sha256": sha256(raw), "bytes": len(raw), "blocks": len(tasks), "problems": decoded.problems}
    return tasks, facts


def analyse_file(task: FileTask) -> FileResult:
    """Every per-file stage: read, decode, clean, segment, metadata, units, tokens, codes."""
    return analyse_batch([task])[0]


def analyse_batch(tasks: list[FileTask]) -> list[FileResult]:
    """:func:`analyse_file` for several files at once: each is cleaned on its own, then the units of all
    their relevant articles are cut, tokenized and coded together (coding works article by article, so
    the results are the same; one table for many small files saves most of pandas' per-call cost)."""
    done = []
    for task in tasks:
        clock = time.perf_counter()
        result = _analyse_block(task) if task.block else _analyse_whole_file(task)
        result.seconds["decode+clean"] = time.perf_counter() - clock
        done.append(result)
    coded = [r for r, task in zip(done, tasks) if task.code and r.articles]
    if coded:
        _code_results(coded)
    return done


def _code_results(done: list[FileResult]) -> None:
    """Units, tokens and codes of the relevant articles of ``done`` (article ids unique across them: two
    blocks of one file never share a batch), handed back to each result."""
    from analysis.coder import code_and_explain
    from analysis.segment import units_frame
    from analysis.tokenize import tokenize

    clock = time.perf_counter()
    rows = [a for r in done for a in r.articles if a["relevant"]]
    units = units_frame(pd.DataFrame(rows, columns=ARTICLE_COLUMNS))
    now = time.perf_counter()
    seconds = {"units": now - clock}
    tokens = [" ".join(tokenize(text)) for text in units["text"]]
    seconds["tokenize"], clock = time.perf_counter() - now, time.perf_counter()
    units, explanations = code_and_explain(units)
    units["tokens"] = tokens
    seconds["code"] = time.perf_counter() - clock
    owner_of_article = {a["article_id"]: k for k, r in enumerate(done) for a in r.articles}
    owner = units["article_id"].map(owner_of_article)
    explained_owner = explanations["unit_id"].map(dict(zip(units["unit_id"], owner)))
    for k, result in enumerate(done):
        result.units = units[owner == k].reset_index(drop=True)
        result.explanations = explanations[explained_owner == k].reset_index(drop=True)
    for stage, value in seconds.items():  # the batch's time, shared out by characters
        total = sum(r.file_row["raw_chars"] for r in done) or 1
        for result in done:
            result.seconds[stage] = value * result.file_row["raw_chars"] / total


def _analyse_block(task: FileTask) -> FileResult:
    with open(task.path, encoding="utf-8", newline="") as handle:  # newline="": CRs stay as they were
        text = handle.read()
    decoded = Decoded(text, task.encoding, task.bom, [problem for _, problem in task.problems])
    result = process_text(task.name, decoded, [pos for pos, _ in task.problems], task.prefix, _file_row(task.name, b""))
    result.block = task.block
    result.log_rows = [replace(row, position=row.position + task.char_offset) for row in result.log_rows]
    if task.block > 1:
        result.log_rows.insert(0, LogRow(task.name, task.char_offset, "decode", "block", "", "",
                                         f"large file: block {task.block} starts here, cut at a paragraph break"))
    return result


def _analyse_whole_file(task: FileTask) -> FileResult:
    try:
        raw = Path(task.path).read_bytes()
    except OSError as err:
        row = _file_row(task.name, b"")
        row.update(sha256="", status="skipped", message=f"{task.name}: cannot be read ({err.strerror or err})")
        return FileResult(row)
    result = process_file(task.name, raw, task.prefix)
    result.metadata_matched, messages = apply_metadata(result.articles, task.metadata)
    result.messages.extend(messages)
    return result


def warm_up() -> None:
    """Load the models every worker needs (character model, jieba, coder rules) once per process."""
    from analysis.coder import load_rules
    from analysis.mojibake import model
    from analysis.tokenize import tokenize

    model()
    tokenize("智慧警务")
    load_rules()


# ---------------------------------------------------------------- engines

ENGINES = ("local", "dask")


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


BATCH_BYTES = 256 * 1024
"""Small files are handed to a worker in batches of about this many bytes (see :func:`analyse_batch`)."""
BATCH_FILES = 64


def batches(tasks: list[FileTask]) -> list[list[FileTask]]:
    """Consecutive tasks grouped up to :data:`BATCH_BYTES`; two blocks of one file never share a batch
    (their temporary article ids would clash)."""
    out: list[list[FileTask]] = []
    size = 0
    for task in tasks:
        weight = _task_bytes(task)
        if (not out or size + weight > BATCH_BYTES or len(out[-1]) >= BATCH_FILES
                or (task.block and out[-1][-1].name == task.name)):
            out.append([])
            size = 0
        out[-1].append(task)
        size += weight
    return out


def _task_bytes(task: FileTask) -> int:
    try:
        return os.path.getsize(task.path)
    except OSError:
        return 0


def _local_results(tasks: list[FileTask], jobs: int) -> Iterator[FileResult]:
    """Results in task order: in this process for one job, else from a pool of ``jobs`` processes."""
    groups = batches(tasks)
    if jobs <= 1 or len(groups) <= 1:
        for group in groups:
            yield from analyse_batch(group)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if context.get_start_method() == "fork":
        warm_up()  # the workers inherit the loaded models
    with context.Pool(jobs, initializer=None if context.get_start_method() == "fork" else warm_up) as pool:
        # at most a few batches per worker in flight: results never pile up while the tables are written
        pending: deque = deque()
        todo = iter(groups)
        for group in islice(todo, 4 * jobs):
            pending.append(pool.apply_async(analyse_batch, (group,)))
        while pending:
            done = pending.popleft().get()
            for group in islice(todo, 1):
                pending.append(pool.apply_async(analyse_batch, (group,)))
            yield from done


def _dask_results(tasks: list[FileTask], jobs: int, scheduler: str | None) -> Iterator[FileResult]:
    """Results in task order from a Dask cluster: ``scheduler`` (an address) or a local cluster of ``jobs`` workers.

    The same :func:`analyse_file` runs on each file (a ``dask.bag`` over the tasks); partitions are
    gathered one at a time, in order, so the client holds one partition's results at once.
    Workers read the files by path: on a multi-machine cluster the corpus, and ``$TMPDIR`` (where the
    blocks of large files are written), must be on a shared file system.
    """
    try:
        import dask.bag as db
        from dask.distributed import Client, LocalCluster
    except ImportError as err:
        raise EngineUnavailable("the dask engine needs the optional dependencies: "
                                "pip install -r requirements-dask.txt (or pip install '.[dask]')") from err
    if not tasks:
        return
    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        client.run(warm_up)
        groups = batches(tasks)
        per_partition = max(1, min(16, len(groups) // (max(jobs, 1) * 4)))
        bag = db.from_sequence(groups, partition_size=per_partition).map(analyse_batch)
        futures = client.compute(bag.to_delayed())
        for future in futures:
            for done in future.result():
                yield from done
            future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class EngineUnavailable(RuntimeError):
    """The requested engine's optional dependencies are not installed."""


# ---------------------------------------------------------------- tables

@dataclass
class RunResult:
    """What a run produced. ``files`` and ``messages`` are kept in memory; the larger tables are
    read back from ``out`` on first use (a run streams them to disk file by file)."""

    files: pd.DataFrame
    messages: list[str]
    out: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            if self.out is None:
                raise KeyError(f"{name} was not produced by this run")
            self.tables[name] = read_table(Path(self.out) / name)
        return self.tables[name]

    @property
    def articles(self) -> pd.DataFrame:
        return self.table(paths.ARTICLES_CSV)

    @property
    def cleaning_log(self) -> pd.DataFrame:
        return self.table(paths.CLEANING_LOG_CSV)

    @property
    def units(self) -> pd.DataFrame:
        return self.table(paths.UNITS_CSV)

    @property
    def explanations(self) -> pd.DataFrame:
        return self.table(paths.EXPLANATIONS_CSV)

    @property
    def skipped(self) -> int:
        return int((self.files["status"] == "skipped").sum()) if not self.files.empty else 0


def read_table(path: Path) -> pd.DataFrame:
    """A table written by the pipeline, read back as written (empty fields stay empty strings)."""
    return pd.read_csv(path, dtype={"source_file": str, "article_id": str, "unit_id": str}, keep_default_na=False)


def unit_columns() -> list[str]:
    from analysis.codebook import FRAME_CODES
    from analysis.segment import UNIT_COLUMNS

    columns = list(UNIT_COLUMNS)
    columns.insert(2, "city")
    return columns + list(FRAME_CODES) + ["SPEAKER", "tokens"]


def _table_specs(code: bool) -> list[tuple[str, list[str]]]:
    from analysis.coder import EXPLAIN_COLUMNS

    specs = [(paths.ARTICLES_CSV, ARTICLE_COLUMNS), (paths.CLEANING_LOG_CSV, LOG_COLUMNS), (paths.FILES_CSV, FILE_COLUMNS)]
    if code:
        specs += [(paths.UNITS_CSV, unit_columns()), (paths.EXPLANATIONS_CSV, EXPLAIN_COLUMNS)]
    return specs


class TableWriter:
    """Streams the tables to ``out`` in file order (UTF-8, LF, fixed column and row order), holding at
    most about :attr:`FLUSH_ROWS` rows, or the rows of :attr:`FLUSH_FILES` files, per table before
    writing them (an article row holds a whole article)."""

    FLUSH_ROWS = 20_000
    FLUSH_FILES = 64

    def __init__(self, out: Path, code: bool = True):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.columns = dict(_table_specs(code))
        self.pending: dict[str, list[pd.DataFrame]] = {name: [] for name in self.columns}
        self.handles = {}
        for name, columns in self.columns.items():
            handle = open(self.out / name, "w", encoding="utf-8", newline="")
            self.handles[name] = handle
            self._write(name, pd.DataFrame(columns=columns), header=True)

    def _write(self, name: str, frame: pd.DataFrame, header: bool = False) -> None:
        # every text field of the log quoted: a log row may hold a bare CR, which minimal quoting leaves unquoted
        quoting = csv.QUOTE_NONNUMERIC if name == paths.CLEANING_LOG_CSV else csv.QUOTE_MINIMAL
        frame.to_csv(self.handles[name], index=False, header=header, lineterminator="\n", quoting=quoting)

    def add(self, result: FileResult) -> None:
        chunks = {
            paths.ARTICLES_CSV: pd.DataFrame(result.articles, columns=ARTICLE_COLUMNS),
            paths.CLEANING_LOG_CSV: pd.DataFrame(list(map(_log_fields, result.log_rows)), columns=LOG_COLUMNS),
            paths.FILES_CSV: pd.DataFrame([result.file_row] if result.file_row else [], columns=FILE_COLUMNS),
            paths.UNITS_CSV: result.units,
            paths.EXPLANATIONS_CSV: result.explanations,
        }
        for name, frame in chunks.items():
            if name in self.handles and frame is not None and len(frame):
                self.pending[name].append(frame[self.columns[name]])
                pending = self.pending[name]
                if len(pending) >= self.FLUSH_FILES or sum(map(len, pending)) >= self.FLUSH_ROWS:
                    self._flush(name)

    def _flush(self, name: str) -> None:
        if self.pending[name]:
            self._write(name, pd.concat(self.pending[name], ignore_index=True))
            self.pending[name] = []

    def close(self) -> None:
        for name, handle in self.handles.items():
            self._flush(name)
            handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_tables(result: RunResult, out: Path) -> list[Path]:
    """Write the in-memory tables of ``result`` (e.g. from :func:`clean_corpus`) the way a run does."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, columns in _table_specs(code=paths.UNITS_CSV in result.tables):
        frame = result.files if name == paths.FILES_CSV else result.tables[name]
        quoting = csv.QUOTE_NONNUMERIC if name == paths.CLEANING_LOG_CSV else csv.QUOTE_MINIMAL
        frame[columns].to_csv(out / name, index=False, encoding="utf-8", lineterminator="\n", quoting=quoting)
        written.append(out / name)
    return written


# ---------------------------------------------------------------- corpus

def corpus_files(corpus: Path) -> tuple[list[Path], list[str]]:
    """The ``.txt`` files of a corpus folder (sorted) and messages for files that are ignored."""
    files, ignored = [], []
    for path in sorted(Path(corpus).iterdir(), key=lambda p: p.name):
        if path.is_file() and path.suffix.lower() == ".txt":
            files.append(path)
        elif path.is_file() and path.name != "manifest.csv":
            ignored.append(f"{path.name}: ignored (not a .txt file)")
    return files, ignored


@dataclass
class Plan:
    """The tasks of a run, messages about ignored files, the metadata by file, and large files' facts."""

    tasks: list[FileTask]
    messages: list[str]
    curated: dict[str, dict[int, dict]]
    large: dict[str, dict]


def plan(corpus: Path, metadata: Path | None = None, code: bool = True, blocks: Path | None = None) -> Plan:
    """One task per ``.txt`` file of ``corpus`` (one per block for a file over :data:`LARGE_FILE_BYTES`,
    whose blocks are written to the folder ``blocks``)."""
    corpus = Path(corpus)
    if metadata is None and (corpus / "manifest.csv").exists():
        metadata = corpus / "manifest.csv"
    files, messages = corpus_files(corpus)
    prefixes = article_prefixes([p.name for p in files])
    curated = metadata_by_file(read_metadata(metadata))
    tasks, large = [], {}
    for tag, path in enumerate(files):
        rows = curated.get(path.name, {}) if curated else None
        cut = block_tasks(path, prefixes[path.name], code, blocks, tag) if (
            blocks is not None and path.stat().st_size > LARGE_FILE_BYTES) else None
        if cut is None:
            tasks.append(FileTask(str(path), path.name, prefixes[path.name], rows, code))
        else:
            tasks += cut[0]
            large[path.name] = {**cut[1], "metadata": rows, "prefix": prefixes[path.name]}
    return Plan(tasks, messages, curated, large)


class Assembler:
    """Joins the blocks of a large file back into one file: article numbers continue across blocks,
    metadata is applied by the final numbers, and the file gets one row in ``files.csv``."""

    SUMMED = ("raw_chars", "n_articles", "chars_in_articles", "chars_removed", "chars_added")

    def __init__(self, large: dict[str, dict]):
        self.large = large
        self.articles_so_far = 0
        self.row: dict | None = None
        self.matched: set[int] = set()

    def take(self, result: FileResult) -> FileResult:
        """``result`` ready to write; its ``file_row`` is None until the file's last block has come."""
        if not result.block:
            return result
        facts = self.large[result.file_row["source_file"]]
        if result.block == 1:
            self.articles_so_far, self.matched = 0, set()
            self.row = {**result.file_row, **{k: 0 for k in self.SUMMED}, "sha256": facts["sha256"],
                        "bytes": facts["bytes"], "balanced": True, "status": "ok", "message": ""}
        self._renumber(result, facts)
        for key in self.SUMMED:
            self.row[key] += result.file_row[key]
        self.row["balanced"] = self.row["balanced"] and result.file_row["balanced"]
        result.file_row = None
        if result.block == facts["blocks"]:
            result.file_row = self._final_row(facts)
            result.metadata_matched = self.matched
        return result

    def _renumber(self, result: FileResult, facts: dict) -> None:
        prefix, ids = facts["prefix"], {}
        for art in result.articles:
            art["article_no"] += self.articles_so_far
            old, art["article_id"] = art["article_id"], f"{prefix}-{art['article_no']}"
            ids[old] = art["article_id"]
        self.articles_so_far += len(result.articles)
        matched, messages = apply_metadata(result.articles, facts["metadata"])
        self.matched |= matched
        result.messages.extend(messages)
        if result.units is None or not len(result.units):
            return
        units = result.units
        new_uid = {uid: ids[art] + uid[len(art):] for uid, art in zip(units["unit_id"], units["article_id"])}
        units["unit_id"] = units["unit_id"].map(new_uid)
        units["article_id"] = units["article_id"].map(ids)
        units["city"] = units["article_id"].map({a["article_id"]: a["city"] for a in result.articles})
        result.explanations["unit_id"] = result.explanations["unit_id"].map(new_uid)

    def _final_row(self, facts: dict) -> dict:
        row, name = self.row, self.row["source_file"]
        problems = facts["problems"]
        notes = [f"{name}: {facts['bytes'] / 2**20:.0f} MB, cleaned in {facts['blocks']} blocks cut at paragraph "
                 f"breaks (an article that crosses a cut is split in two; the cuts are in the cleaning log)"]
        if problems:
            row["status"] = "warning"
            notes.append(f"{len(problems)} undecodable byte run(s), first at byte offset {problems[0].offset}")
        row["message"] = "; ".join(notes)
        return row


def _unmatched_metadata(curated: dict, matched: dict[str, set[int]]) -> list[str]:
    return [f"metadata row for {name} article {number} matches no article in the corpus"
            for name in sorted(curated) for number in sorted(curated[name]) if number not in matched.get(name, set())]


def results(tasks: list[FileTask], jobs: int | None = None, engine: str = "local",
            scheduler: str | None = None) -> Iterator[FileResult]:
    """:func:`analyse_file` over ``tasks`` with the chosen engine; results come in task order."""
    jobs = jobs or default_jobs()
    if engine == "local":
        return _local_results(tasks, jobs)
    if engine == "dask":
        return _dask_results(tasks, jobs, scheduler)
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def _assembled(corpus: Path, metadata: Path | None, code: bool, jobs: int | None, engine: str,
               scheduler: str | None, collect: Callable[[FileResult], None]) -> tuple[list[dict], list[str]]:
    """Run every task, pass each assembled result to ``collect`` in order; return file rows and messages."""
    file_rows, messages, matched = [], [], {}
    with tempfile.TemporaryDirectory(prefix="analysis-blocks-") as blocks:  # under $TMPDIR
        work = plan(corpus, metadata, code, Path(blocks))
        assembler = Assembler(work.large)
        for result in results(work.tasks, jobs, engine, scheduler):
            result = assembler.take(result)
            collect(result)
            messages += result.messages
            if result.file_row is not None:
                file_rows.append(result.file_row)
                messages += [result.file_row["message"]] if result.file_row["message"] else []
                matched[result.file_row["source_file"]] = result.metadata_matched
    return file_rows, work.messages + messages + _unmatched_metadata(work.curated, matched)


def run(corpus: Path, out: Path, metadata: Path | None = None, jobs: int | None = 1,
        engine: str = "local", scheduler: str | None = None) -> RunResult:
    """Every stage, from a corpus folder to the tables in ``out``, streaming file by file.

    ``jobs``: worker processes; None for every core (the command line's default); 1 (the default
    here, e.g. inside a notebook's kernel) works in this process.

    Memory holds one file's (or one block's) results at a time per worker, whatever the corpus
    size; the tables are byte-identical for every ``jobs`` and ``engine``.
    """
    seconds = dict.fromkeys(STAGES, 0.0)
    with TableWriter(out) as writer:
        def collect(result: FileResult) -> None:
            writer.add(result)
            for stage, value in result.seconds.items():
                seconds[stage] += value

        file_rows, messages = _assembled(corpus, metadata, True, jobs, engine, scheduler, collect)
    return RunResult(pd.DataFrame(file_rows, columns=FILE_COLUMNS), messages, Path(out), seconds)


def clean_corpus(corpus: Path, metadata: Path | None = None) -> RunResult:
    """The cleaning stages only, in memory and in this process (for tests and small corpora)."""
    return _in_memory(corpus, metadata, code=False)


def code_corpus(corpus: Path, metadata: Path | None = None) -> RunResult:
    """Every stage in memory, in this process (no files written)."""
    return _in_memory(corpus, metadata, code=True)


def _in_memory(corpus: Path, metadata: Path | None, code: bool) -> RunResult:
    done: list[FileResult] = []
    file_rows, messages = _assembled(corpus, metadata, code, 1, "local", None, done.append)
    tables = {
        paths.ARTICLES_CSV: pd.DataFrame([a for r in done for a in r.articles], columns=ARTICLE_COLUMNS),
        paths.CLEANING_LOG_CSV: pd.DataFrame([_log_fields(row) for r in done for row in r.log_rows], columns=LOG_COLUMNS),
    }
    if code:
        from analysis.coder import EXPLAIN_COLUMNS

        units = [r.units for r in done if r.units is not None and len(r.units)]
        explanations = [r.explanations for r in done if r.explanations is not None and len(r.explanations)]
        tables[paths.UNITS_CSV] = pd.concat(units, ignore_index=True) if units else pd.DataFrame(columns=unit_columns())
        tables[paths.EXPLANATIONS_CSV] = (pd.concat(explanations, ignore_index=True) if explanations
                                          else pd.DataFrame(columns=EXPLAIN_COLUMNS))
    return RunResult(pd.DataFrame(file_rows, columns=FILE_COLUMNS), messages, tables=tables)
