"""Validation design: the development/test split of the coded units.

The split is fixed before any automatic coding rule is written: rules are tuned on the
development half only and the test half is scored once. Within each article the units are
ordered by a keyed hash of their ID (seeded, so reproducible and independent of the text),
and the first half (rounded up) is development: a stratified random half.
"""
from __future__ import annotations

import hashlib

import pandas as pd

SPLIT_SEED = 20261123


def _key(unit_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{unit_id}".encode("utf-8")).hexdigest()


def assign_split(units: pd.DataFrame, seed: int = SPLIT_SEED) -> pd.DataFrame:
    """``unit_id, article_id, split`` with split ∈ {dev, test}, stratified by article."""
    rows = []
    for article_id, group in units.groupby("article_id", sort=True):
        ordered = sorted(group["unit_id"], key=lambda uid: _key(uid, seed))
        n_dev = (len(ordered) + 1) // 2
        dev = set(ordered[:n_dev])
        rows += [(uid, article_id, "dev" if uid in dev else "test") for uid in group["unit_id"]]
    return pd.DataFrame(rows, columns=["unit_id", "article_id", "split"])
