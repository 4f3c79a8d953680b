"""Build the rendered study: a static HTML site, offline, from the committed notebooks (``make site``).

:func:`stage` assembles a Sphinx source folder (default ``_build/site-src``): a copy of ``site/`` (the
configuration and the hand-written pages, which ``{include}`` the repository's Markdown files), copies of
those files, of ``notebooks/*.ipynb`` (shown with their committed outputs, never executed), of the figures and
of the data tables, and the pages generated here:

* ``codebook.md`` — :func:`analysis.codebook.codebook_markdown` of ``analysis/codebook.yaml``;
* ``gallery.md`` — every PNG in ``figures/`` with its caption from ``figures/README.md`` (:func:`gallery_markdown`);
* ``data.md`` — the CSV tables of ``data/`` and ``data/manual/`` to download, with size, rows and contents
  (:func:`data_markdown`);
* ``_generated/key_figures.md`` — the figures of :data:`KEY_FIGURES` for the first page.

:func:`build` runs Sphinx on the staged folder (``python -m sphinx``, warnings are errors) and returns the
path of ``index.html``. Command line: ``python -m analysis.site [--out DIR]`` (default ``_build/site``).
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from analysis.codebook import codebook_markdown
from analysis.notebooks import notebook_paths
from analysis.paths import DATA, MANUAL, ROOT

SITE = ROOT / "site"
BUILD = ROOT / "_build"
OUT = BUILD / "site"
CODEBOOK_V1 = MANUAL / "codebook_v1.md"

#: Repository Markdown files the hand-written pages include (copied into the staged source as they are).
INCLUDED_FILES = ("README.md", "TEACHING.md", "GLOSSARY.md", "DATA_STATEMENT.md")
#: The family name of the CJK web font in ``site/_static/study.css``.
FONT_FACE = "Study Noto Sans CJK SC"

#: Figures on the first page, one per research question (README): frames by city, safety claims, reliability.
KEY_FIGURES = ("03_frame_share_by_city", "04_claims_by_evidence_type", "02_reliability_by_frame")

#: What each data table holds, for the download page (``tests/test_site.py`` checks that every CSV has one).
TABLES = {
    "articles.csv": "One row per article found in the raw files: metadata (city, province, outlet, date and the "
                    "evidence for it), title, byline, captions, the clean text, and whether it is relevant.",
    "cleaning_log.csv": "The audit trail: one row per edit made by cleaning, with its raw position, stage, kind, "
                        "the text before and after, and the reason.",
    "files.csv": "One row per raw file: SHA-256, bytes, encoding, BOM, status, and the character balance of "
                 "cleaning.",
    "units.csv": "The 266 coding units (titles, subtitles, headings, sentences) with their stable IDs, position "
                 "and text, and the automatic coder's frames and SPEAKER.",
    "coding_explanations.csv": "For every code the automatic coder assigned or vetoed: the rule, the evidence "
                               "and its effect.",
    "split.csv": "Which units belong to the development half and which to the held-out test half.",
    "gold.csv": "The adjudicated manual codes (gold standard) of every unit: eight frames and SPEAKER.",
    "reliability.csv": "Krippendorff's α with bootstrap intervals per frame and comparison (coder A vs B, "
                       "automatic vs gold by split), with precision, recall and F1.",
    "coder_errors.csv": "Every unit where the automatic coder disagrees with the gold code, by split and frame.",
    "frames_by_city.csv": "Share of units carrying each frame, per city, with Wilson 95% intervals, rate per "
                          "1,000 characters and unit IDs.",
    "frames_by_article.csv": "The same shares per article.",
    "city_frame_residuals.csv": "City × frame table: observed and expected counts, Pearson and adjusted "
                                "residuals, p and Holm-adjusted p, unit IDs.",
    "frame_cooccurrence.csv": "How often two frames occur in the same unit, with unit IDs.",
    "keyness_by_city.csv": "Keyness of each token for each city against the rest (G², log ratio, p), with "
                           "unit IDs.",
    "technology_inventory.csv": "Mentions of technology families per city, the forms found, and unit IDs.",
    "confound_zhejiang2017_vs_2020.csv": "Frame shares for Zhejiang 2017 against the 2020 reports: the "
                                         "confound of city with year, province and outlet.",
    "safety_claims.csv": "Every unit claiming a sense of security (安全感), with its evidence type "
                         "(statistic, testimony, case story, bare assertion), the rule that decided it, and "
                         "attribution.",
    "quantified_claims.csv": "Every performance figure in the reports, normalised: metric, value, unit, "
                             "direction, trend and basis.",
    "manual/coder_a.csv": "Manual coding sheet of coder A: frames, SPEAKER and notes for every unit.",
    "manual/coder_b.csv": "Manual coding sheet of coder B.",
    "manual/adjudication.csv": "Every disagreement between the coders, with both codes and notes, the decision "
                               "and its reason.",
    "manual/sheet_empty.csv": "The empty coding sheet the coders received: unit IDs, kind and text, one empty "
                              "column per frame.",
}

_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_INLINE_MARKUP = re.compile(r"[*`]")
_FIGURE_ROW = re.compile(r"^\|\s*`([^`|]+)`\s*\|\s*([^|]*?)\s*\|(.*)\|\s*$")


# ---------------------------------------------------------------- small pure helpers


def human_size(n_bytes: int) -> str:
    """``812 B``, ``43.4 KB``, ``1.2 MB`` (powers of 1024, one decimal above bytes)."""
    if n_bytes < 1024:
        return f"{n_bytes} B"
    for unit in ("KB", "MB", "GB"):
        n_bytes /= 1024
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.1f} {unit}"
    raise AssertionError("unreachable")


def markdown_title(text: str) -> str:
    """The first level-1 heading of Markdown text, without inline markup (``*``, backticks)."""
    match = _HEADING.search(text)
    if match is None:
        raise ValueError("no level-1 heading ('# ...') in the text")
    return _INLINE_MARKUP.sub("", match[1]).strip()


def notebook_title(path: Path) -> str:
    """The first level-1 heading in the notebook's Markdown cells (the page title on the site)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            try:
                return markdown_title(cell.source)
            except ValueError:
                continue
    raise ValueError(f"{path}: no Markdown cell with a level-1 heading")


@dataclass(frozen=True)
class Caption:
    name: str  # file stem, e.g. "03_ca_biplot"
    notebook: str  # "03"
    text: str


def figure_captions(readme: str) -> dict[str, Caption]:
    """The captions table of ``figures/README.md``: rows ``| `name` | NN | caption |``, in order."""
    captions: dict[str, Caption] = {}
    for line in readme.splitlines():
        match = _FIGURE_ROW.match(line)
        if match is None:
            continue
        name, notebook, text = match[1].strip(), match[2].strip(), match[3].strip()
        if name in captions:
            raise ValueError(f"figures/README.md: figure {name!r} is listed twice")
        captions[name] = Caption(name, notebook, text)
    if not captions:
        raise ValueError("figures/README.md has no caption rows (| `name` | NN | caption |)")
    return captions


def _gallery_entries(pngs: list[str], captions: dict[str, Caption]) -> list[Caption]:
    """One entry per PNG: README order first, then uncaptioned files by name. Captions without a PNG are errors."""
    missing = [name for name in captions if name not in pngs]
    if missing:
        raise ValueError(f"figures/README.md describes figures that are not in figures/: {', '.join(missing)}")
    entries = [captions[name] for name in captions]
    entries += [Caption(name, name[:2], "(No caption in `figures/README.md` yet.)")
                for name in sorted(pngs) if name not in captions]
    return entries


def _figure_md(entry: Caption, folder: str, svg: bool, label: str = "") -> list[str]:
    lines = [f"```{{figure}} {folder}/{entry.name}.png", f":alt: {entry.name}"]
    if label:
        lines.append(f":name: {label}")
    lines += ["", entry.text, ""]
    downloads = [f"{{download}}`PNG <{folder}/{entry.name}.png>`"]
    if svg:
        downloads.append(f"{{download}}`SVG <{folder}/{entry.name}.svg>`")
    lines += [f"`{entry.name}` · notebook {entry.notebook} · " + " · ".join(downloads), "```", ""]
    return lines


def gallery_markdown(pngs: list[str], captions: dict[str, Caption], notebook_titles: dict[str, tuple[str, str]],
                     svgs: frozenset[str] = frozenset(), folder: str = "figures") -> str:
    """The figures gallery page: every PNG (file stems ``pngs``) with its caption, grouped by notebook.

    ``notebook_titles`` maps a notebook number ("03") to (document path without suffix, title); ``svgs`` are
    the stems that also have an SVG file (offered for download).
    """
    entries = _gallery_entries(pngs, captions)
    out = [
        "# Figures",
        "",
        f"All {len(entries)} figures of the study, as written by the notebooks into `figures/` (PNG shown; every "
        "file can be downloaded). Captions come from `figures/README.md`.",
        "",
    ]
    for number in sorted({e.notebook for e in entries}):
        doc, title = notebook_titles.get(number, ("", f"Notebook {number}"))
        out += [f"## {title}", ""]
        if doc:
            out += [f"Made in [notebook {number}]({doc}.ipynb).", ""]
        for entry in (e for e in entries if e.notebook == number):
            out += _figure_md(entry, folder, entry.name in svgs, label=f"fig-{entry.name}")
    return "\n".join(out).rstrip() + "\n"


def key_figures_markdown(names: tuple[str, ...], captions: dict[str, Caption], folder: str = "figures") -> str:
    """Figure directives for the first page, with the captions of ``figures/README.md``."""
    unknown = [n for n in names if n not in captions]
    if unknown:
        raise ValueError(f"key figures without a caption in figures/README.md: {', '.join(unknown)}")
    out: list[str] = []
    for name in names:
        entry = captions[name]
        out += [f"```{{figure}} {folder}/{name}.png", f":alt: {name}", "", entry.text, "",
                f"`{name}` · notebook {entry.notebook}", "```", ""]
    return "\n".join(out).rstrip() + "\n"


@dataclass(frozen=True)
class Table:
    path: str  # relative to data/, e.g. "gold.csv" or "manual/coder_a.csv"
    bytes: int
    rows: int
    columns: tuple[str, ...]
    description: str


def count_rows(path: Path) -> tuple[tuple[str, ...], int]:
    """The header and the number of data records of a UTF-8 CSV file (quoted line breaks allowed)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        return header, sum(1 for _ in reader)


def data_tables(data_dir: Path = DATA, descriptions: dict[str, str] = TABLES) -> list[Table]:
    """The CSV files of ``data/`` and ``data/manual/`` with size, rows, columns and :data:`TABLES` text."""
    paths = sorted(data_dir.glob("*.csv")) + sorted((data_dir / "manual").glob("*.csv"))
    tables = []
    for path in paths:
        rel = path.relative_to(data_dir).as_posix()
        header, rows = count_rows(path)
        tables.append(Table(rel, path.stat().st_size, rows, header, descriptions.get(rel, "")))
    return tables


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def data_markdown(tables: list[Table], folder: str = "data") -> str:
    """The download page: a table row per CSV file (link, size, rows, what it holds), then the columns of each."""
    out = [
        "# Data tables",
        "",
        "The tables in `data/` are written by the pipeline and the notebooks and committed with them; a test proves "
        "they equal what the code produces now. The files in `data/manual/` are the manual coding. All are UTF-8 "
        "CSV with a header row; unit IDs (`<article_id>-<nnn>`) link every number to the text in `units.csv`. "
        "Read the [data statement](data-statement.md) before reusing the texts.",
        "",
    ]
    for title, tables_here in (("Generated tables (`data/`)", [t for t in tables if "/" not in t.path]),
                               ("Manual coding (`data/manual/`)", [t for t in tables if "/" in t.path])):
        if not tables_here:
            continue
        out += [f"## {title}", "", "| file | size | rows | what it holds |", "|---|--:|--:|---|"]
        for t in tables_here:
            link = f"{{download}}`{t.path} <{folder}/{t.path}>`"
            size = human_size(t.bytes).replace(" ", "\u00a0")  # no line break inside "43.4 KB"
            out.append(f"| {link} | {size} | {t.rows:,} | {_cell(t.description)} |")
        out += ["", "**Columns.**", ""]
        out += [f"- `{t.path}`: " + ", ".join(f"`{c}`" for c in t.columns) for t in tables_here]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def codebook_page(codebook_v1: Path = CODEBOOK_V1) -> str:
    """The codebook page: :func:`codebook_markdown` with a note on its source under the title."""
    text = codebook_markdown()
    same = codebook_v1.is_file() and codebook_v1.read_text(encoding="utf-8") == text
    note = ("*Rendered when the site was built from `analysis/codebook.yaml`, the codebook the automatic coder "
            "reads. " + ("It is identical to `data/manual/codebook_v1.md`, the text the manual coders used.*"
                         if same else
                         "It differs from `data/manual/codebook_v1.md`, the text the manual coders used: see the "
                         "repository for that version.*"))
    title, _, rest = text.partition("\n")
    return f"{title}\n\n{note}\n{rest}"


# ---------------------------------------------------------------- staging and building


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def stage(dest: Path, root: Path = ROOT) -> Path:
    """Assemble the Sphinx source folder ``dest`` (emptied first); see the module docstring."""
    site, figures, data, notebooks = root / "site", root / "figures", root / "data", root / "notebooks"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(site, dest, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in INCLUDED_FILES:
        _copy(root / name, dest / name)
    nb_titles = {}
    for path in notebook_paths(notebooks):
        _copy(path, dest / "notebooks" / path.name)
        nb_titles[path.name[:2]] = (f"notebooks/{path.stem}", notebook_title(path))
    for path in sorted(figures.glob("*.png")) + sorted(figures.glob("*.svg")):
        _copy(path, dest / "figures" / path.name)
    for path in sorted(data.glob("*.csv")) + sorted((data / "manual").glob("*.csv")):
        _copy(path, dest / "data" / path.relative_to(data))

    captions = figure_captions((figures / "README.md").read_text(encoding="utf-8"))
    pngs = [p.stem for p in sorted(figures.glob("*.png"))]
    svgs = frozenset(p.stem for p in figures.glob("*.svg"))
    _write(dest / "gallery.md", gallery_markdown(pngs, captions, nb_titles, svgs))
    _write(dest / "_generated" / "key_figures.md", key_figures_markdown(KEY_FIGURES, captions))
    _write(dest / "data.md", data_markdown(data_tables(data)))
    _write(dest / "codebook.md", codebook_page(data / "manual" / CODEBOOK_V1.name))
    return dest


def build(out: Path = OUT, work: Path | None = None, root: Path = ROOT, quiet: bool = True) -> Path:
    """Stage the sources into ``work`` (default: ``<out>-src``), build the HTML into ``out`` (emptied first).

    Warnings are errors (``-W --keep-going``): a missing figure, a bad include or a broken reference fails the
    build. Returns the path of ``index.html``.
    """
    out = Path(out).resolve()
    work = Path(work).resolve() if work is not None else out.with_name(out.name + "-src")
    stage(work, root)
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-E", "-n",
           "-d", str(work / ".doctrees"), str(work), str(out)]
    if quiet:
        cmd.insert(3, "-q")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(cmd, cwd=root, env=env, capture_output=quiet, text=True)
    if result.returncode != 0:
        detail = (result.stdout or "") + (result.stderr or "") if quiet else ""
        raise RuntimeError(f"sphinx-build failed (exit {result.returncode}):\n{detail}")
    index = out / "index.html"
    if not index.is_file():
        raise RuntimeError(f"sphinx-build did not write {index}")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.site", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: _build/site)")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    index = build(args.out, quiet=not args.verbose)
    print(f"built in {time.perf_counter() - start:.0f} s; open {index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
