"""The one place that knows where the study's files live."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MANIFEST = SEEDS / "manifest.csv"
DATA = ROOT / "data"
FIGURES = ROOT / "figures"
NOTEBOOKS = ROOT / "notebooks"
RESOURCES = Path(__file__).resolve().parent / "resources"

ARTICLES_CSV = "articles.csv"
CLEANING_LOG_CSV = "cleaning_log.csv"
FILES_CSV = "files.csv"


def figure_path(name: str, suffix: str = "png") -> Path:
    """Path of a figure in ``figures/``; ``name`` starts with its notebook number."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    return FIGURES / f"{name}.{suffix}"
