"""Glossary of the corpus's policing and political terms (``resources/glossary.csv``).

Used to label figures bilingually, e.g. ``gloss("安全感")`` → ``"安全感 (sense of security)"``.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from analysis.paths import RESOURCES

GLOSSARY_CSV = RESOURCES / "glossary.csv"
COLUMNS = ["term", "pinyin", "english", "note"]


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    frame = pd.read_csv(GLOSSARY_CSV, dtype=str, keep_default_na=False, encoding="utf-8")
    if list(frame.columns) != COLUMNS:
        raise ValueError(f"{GLOSSARY_CSV} must have columns {COLUMNS}, got {list(frame.columns)}")
    if frame["term"].duplicated().any():
        dups = sorted(frame.loc[frame["term"].duplicated(), "term"])
        raise ValueError(f"duplicate terms in {GLOSSARY_CSV}: {dups}")
    return frame


def load_glossary() -> pd.DataFrame:
    """The glossary as a DataFrame with columns term, pinyin, english, note (a copy)."""
    return _read().copy()


@lru_cache(maxsize=1)
def _english() -> dict[str, str]:
    frame = _read()
    return dict(zip(frame["term"], frame["english"]))


def gloss(term: str) -> str:
    """``"term (english)"`` for a glossary term; unknown terms come back unchanged."""
    english = _english().get(term)
    return f"{term} ({english})" if english else term
