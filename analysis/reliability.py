"""Agreement statistics: Krippendorff's α with a bootstrap interval, and precision / recall / F1.

α comes from the maintained ``krippendorff`` package. For two coders, nominal data and no
missing values α is a simple function of Scott's π, which statsmodels computes as Fleiss' κ
for two raters; :func:`alpha_via_statsmodels` uses that identity as an independent check.
"""
from __future__ import annotations

from dataclasses import dataclass

import krippendorff
import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

#: α at or above this is reliable (Krippendorff 2004, §11.4); from TENTATIVE up it is tentative.
RELIABLE = 0.800
TENTATIVE = 0.667


def _as_codes(values) -> np.ndarray:
    """Category labels → integer codes (NaN stays missing), so any hashable labels work."""
    series = pd.Series(list(values), dtype="object")
    missing = series.isna()
    categories = sorted(series[~missing].astype(str).unique())
    lookup = {c: i for i, c in enumerate(categories)}
    return np.array([np.nan if m else lookup[str(v)] for v, m in zip(series, missing)], dtype=float)


def alpha(*coders, level: str = "nominal") -> float:
    """Krippendorff's α for two or more coders' values on the same units (NaN = missing)."""
    if level == "nominal":
        labels = _as_codes(np.concatenate([np.asarray(c, dtype=object) for c in coders]))
        data = labels.reshape(len(coders), -1)
    else:
        data = np.array([np.asarray(c, dtype=float) for c in coders])
    if np.unique(data[~np.isnan(data)]).size < 2:
        return float("nan")  # one category only: α is undefined
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def alpha_via_statsmodels(coder_a, coder_b) -> float:
    """α for two coders (nominal, no missing values) from statsmodels' Fleiss κ (= Scott's π).

    α = 1 − (2n − 1)/(2n) · (1 − π) for n units (Krippendorff 2011, eq. for two observers).
    """
    codes = _as_codes(np.concatenate([np.asarray(coder_a, dtype=object), np.asarray(coder_b, dtype=object)]))
    table, _ = aggregate_raters(codes.reshape(2, -1).T.astype(int))
    pi = fleiss_kappa(table, method="fleiss")
    n = len(coder_a)
    return float(1 - (2 * n - 1) / (2 * n) * (1 - pi))


@dataclass(frozen=True)
class AlphaResult:
    alpha: float
    low: float
    high: float
    n_units: int
    verdict: str


def verdict(value: float) -> str:
    """'reliable' (α ≥ .800), 'tentative' (.667 ≤ α < .800), 'unreliable', or 'undefined'."""
    if np.isnan(value):
        return "undefined"
    return "reliable" if value >= RELIABLE else "tentative" if value >= TENTATIVE else "unreliable"


def bootstrap_alpha(coder_a, coder_b, n_boot: int = 2000, seed: int = 20261123, level: str = "nominal") -> AlphaResult:
    """α with a percentile 95% interval from resampling units with replacement (fixed seed)."""
    a = np.asarray(list(coder_a), dtype=object)
    b = np.asarray(list(coder_b), dtype=object)
    point = alpha(a, b, level=level)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(a), len(a))
        value = alpha(a[idx], b[idx], level=level)
        if not np.isnan(value):
            draws.append(value)
    low, high = (np.percentile(draws, [2.5, 97.5]) if draws else (np.nan, np.nan))
    return AlphaResult(point, float(low), float(high), len(a), verdict(point))


def precision_recall_f1(gold, predicted) -> dict[str, float]:
    """Precision, recall and F1 of 0/1 predictions against 0/1 gold, with the counts."""
    gold = np.asarray(gold, dtype=int)
    predicted = np.asarray(predicted, dtype=int)
    tp = int(((gold == 1) & (predicted == 1)).sum())
    fp = int(((gold == 0) & (predicted == 1)).sum())
    fn = int(((gold == 1) & (predicted == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if tp else (0.0 if fp + fn else float("nan"))
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}
