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
UNITS_CSV = "units.csv"
EXPLANATIONS_CSV = "coding_explanations.csv"
SPLIT_CSV = DATA / "split.csv"
MANUAL = DATA / "manual"
GOLD_CSV = DATA / "gold.csv"
RELIABILITY_CSV = DATA / "reliability.csv"


def figure_path(name: str, suffix: str = "png") -> Path:
    """Path of a figure in ``figures/``; ``name`` starts with its notebook number."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    return FIGURES / f"{name}.{suffix}"
