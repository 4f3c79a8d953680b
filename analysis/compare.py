"""Comparing frames and words across groups of coding units (cities, kinds, speakers ...).

Every function takes the units table (one row per coding unit, as in ``data/units.csv``:
``unit_id``, a grouping column such as ``city``, ``text`` and the eight 0/1 frame columns) or a
contingency table derived from it, and returns pandas DataFrames. Wherever a cell counts units,
the table also carries the ``unit_id`` values behind it, ``;``-joined in the order of the units
table, so that every number can be traced back to the text it summarises.

The statistics are delegated to scipy and statsmodels wherever they exist there:

=============================  ===============================================================
Wilson interval                ``statsmodels.stats.proportion.proportion_confint("wilson")``
χ² test of independence        ``scipy.stats.chi2_contingency`` (no continuity correction)
Cramér's V                     ``scipy.stats.contingency.association(method="cramer")``
adjusted residuals             ``statsmodels.stats.contingency_tables.Table.standardized_resids``
Holm adjustment                ``statsmodels.stats.multitest.multipletests(method="holm")``
G² p-values                    ``scipy.stats.chi2.sf`` with 1 degree of freedom
=============================  ===============================================================

What is computed here by hand (and tested against the libraries or textbook values): the
Monte-Carlo permutation p-value, the Rayson & Garside G² and Hardie's Log Ratio for keyness, and
correspondence analysis (a few lines of numpy SVD).

Units carry several frames at once. In the group × frame table a unit with two frames counts
twice ("frame mentions"), so the cells are not independent observations and the asymptotic χ²
p-value is only a guide; :func:`independence_test` therefore also gives a permutation p-value
that shuffles whole units (with all their frames) between groups, which is valid whatever the
dependence between frames within a unit.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from .codebook import FRAME_CODES
from .tokenize import is_punct, stopwords, tokenize

__all__ = [
    "DEFAULT_SEED",
    "CAResult",
    "wilson_interval",
    "frame_table",
    "frame_table_ids",
    "frame_shares",
    "independence_test",
    "adjusted_residuals",
    "cooccurrence",
    "log_likelihood_g2",
    "log_ratio",
    "keyness",
    "correspondence_analysis",
]

#: Seed of the permutation test unless the caller gives one (fixed, so reruns agree).
DEFAULT_SEED = 20240517
#: The label of the single group when ``by=None``.
ALL = "all"
_ID_SEP = ";"
_BATCH = 2000  # permutations drawn per batch (bounds memory; part of the seeded procedure)


# --------------------------------------------------------------------------
# helpers


def _frames(units: pd.DataFrame, frames=None) -> list[str]:
    """The frame columns to use: ``frames`` as given, else the codebook's eight that ``units`` has."""
    if frames is None:
        frames = [f for f in FRAME_CODES if f in units.columns]
    frames = list(frames)
    missing = [f for f in frames if f not in units.columns]
    if missing:
        raise KeyError(f"frame columns not in the units table: {missing}")
    if not frames:
        raise ValueError("no frame columns to analyse")
    return frames


def _groups(units: pd.DataFrame, by: str | None) -> pd.Series:
    """The group label of every unit (``"all"`` for every unit when ``by`` is None)."""
    if by is None:
        return pd.Series(ALL, index=units.index, name="group")
    if units[by].isna().any():
        raise ValueError(f"column {by!r} has missing values; fill or drop them first")
    return units[by].rename("group")


def _indicators(units: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """The 0/1 frame columns as integers (anything other than 0/1 is an error)."""
    m = units[frames].astype(int)
    if not m.isin([0, 1]).all().all():
        raise ValueError("frame columns must hold 0/1 only")
    return m


def _join(ids) -> str:
    return _ID_SEP.join(str(i) for i in ids)


def _as_table(table) -> pd.DataFrame:
    """A contingency table as a DataFrame (arrays get 0..n-1 labels)."""
    if isinstance(table, pd.DataFrame):
        return table
    arr = np.asarray(table)
    if arr.ndim != 2:
        raise ValueError("a contingency table must be two-dimensional")
    return pd.DataFrame(arr)


# --------------------------------------------------------------------------
# 1. Wilson interval


def wilson_interval(successes, n, alpha: float = 0.05):
    """Wilson score interval for a binomial proportion, ``(low, high)``.

    Delegates to ``statsmodels.stats.proportion.proportion_confint(method="wilson")``; scalars in
    give floats out, arrays give arrays. Where ``n == 0`` the interval is ``(nan, nan)``.
    """
    successes_arr = np.asarray(successes, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    empty = n_arr == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = proportion_confint(successes_arr, np.where(empty, 1, n_arr), alpha=alpha, method="wilson")
    low = np.where(empty, np.nan, low)
    high = np.where(empty, np.nan, high)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


# --------------------------------------------------------------------------
# group × frame tables


def frame_table(units: pd.DataFrame, by: str | None = "city", frames=None) -> pd.DataFrame:
    """Group × frame table: the number of units of each group that carry each frame.

    Rows are the groups (sorted), columns the frames (codebook order). A unit with several frames
    counts once in each of their columns, so the grand total is the number of frame mentions.
    """
    frames = _frames(units, frames)
    m = _indicators(units, frames)
    table = m.groupby(_groups(units, by), sort=True).sum()
    table.index.name = by or "group"
    table.columns.name = "frame"
    return table


def frame_table_ids(units: pd.DataFrame, by: str | None = "city", frames=None) -> pd.DataFrame:
    """Same shape as :func:`frame_table`; each cell holds the ``;``-joined IDs of its units."""
    frames = _frames(units, frames)
    m = _indicators(units, frames)
    groups = _groups(units, by)
    out = {}
    for frame in frames:
        carrying = units.loc[m[frame] == 1, "unit_id"]
        out[frame] = carrying.groupby(groups[m[frame] == 1]).agg(_join)
    labels = sorted(groups.unique())
    table = pd.DataFrame(out, index=pd.Index(labels, name=by or "group"), columns=frames).fillna("")
    table.columns.name = "frame"
    return table


# --------------------------------------------------------------------------
# 2. frame shares


def frame_shares(units: pd.DataFrame, by: str | None = "city", frames=None, alpha: float = 0.05) -> pd.DataFrame:
    """Share of units carrying each frame, per group, with Wilson intervals and a text-length rate.

    Long table, one row per group × frame (groups sorted, frames in codebook order):

    ``group``, ``frame``; ``n_units`` (units in the group), ``n_with_frame``, ``share`` =
    n_with_frame / n_units, ``ci_low``/``ci_high`` (Wilson, level 1 − alpha); ``chars`` (sum of
    the lengths of the group's unit texts, in characters), ``per_1000_chars`` = 1000 ·
    n_with_frame / chars; ``unit_ids`` (``;``-joined IDs of the units with the frame). ``by=None``
    treats all units as one group ``"all"``.
    """
    frames = _frames(units, frames)
    m = _indicators(units, frames)
    groups = _groups(units, by)
    lengths = units["text"].fillna("").astype(str).str.len()
    rows = []
    for group, idx in groups.groupby(groups, sort=True).groups.items():
        n_units = len(idx)
        chars = int(lengths.loc[idx].sum())
        for frame in frames:
            has = m.loc[idx, frame] == 1
            k = int(has.sum())
            low, high = wilson_interval(k, n_units, alpha=alpha)
            rows.append({
                "group": group,
                "frame": frame,
                "n_units": n_units,
                "n_with_frame": k,
                "share": k / n_units,
                "ci_low": low,
                "ci_high": high,
                "chars": chars,
                "per_1000_chars": 1000 * k / chars if chars else np.nan,
                "unit_ids": _join(units.loc[has[has].index, "unit_id"]),
            })
    return pd.DataFrame(rows, columns=["group", "frame", "n_units", "n_with_frame", "share", "ci_low",
                                       "ci_high", "chars", "per_1000_chars", "unit_ids"])


# --------------------------------------------------------------------------
# 3. test of independence


def _chi2_batch(tables: np.ndarray) -> np.ndarray:
    """Pearson χ² of each table in a (batch, rows, cols) stack; cells with zero expected count add 0."""
    n = tables.sum(axis=(1, 2), keepdims=True)
    expected = tables.sum(axis=2, keepdims=True) * tables.sum(axis=1, keepdims=True) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        contrib = np.where(expected > 0, (tables - expected) ** 2 / expected, 0.0)
    return contrib.sum(axis=(1, 2))


def independence_test(units: pd.DataFrame, by: str = "city", frames=None, n_perm: int = 10000,
                      seed: int | None = DEFAULT_SEED) -> pd.DataFrame:
    """χ² test of independence of group and frame on the group × frame table of frame mentions.

    The table is :func:`frame_table` (units × frames counted as frame mentions), minus any group
    or frame with no mentions at all. Returns a one-row DataFrame:

    * ``chi2``, ``dof``, ``p_asymptotic``: Pearson χ² from ``scipy.stats.chi2_contingency``
      without continuity correction, (r − 1)(c − 1) degrees of freedom;
    * ``p_permutation``: Monte-Carlo permutation p-value. The group labels are shuffled over the
      units (each unit keeps all its frames; units without a frame are shuffled too, since they
      take up places in the groups), the table rebuilt and χ² recomputed, ``n_perm`` times with
      ``numpy.random.default_rng(seed)``; p = (1 + #{χ²_perm ≥ χ²_obs}) / (1 + n_perm)
      (Phipson & Smyth 2010, never 0). This conditions on group sizes in units and on each unit's
      frame bundle, so it does not assume that frame mentions are independent. ``n_perm=0``
      skips it (NaN);
    * ``cramers_v``: ``scipy.stats.contingency.association(method="cramer")`` =
      √(χ² / (N · (min(r, c) − 1))), N = frame mentions;
    * ``min_expected`` and ``n_expected_below_5``: the smallest expected count and how many
      cells fall below 5 (the usual caution for the asymptotic p);
    * ``n_units``, ``n_mentions``, ``n_groups``, ``n_frames``, ``n_perm``, ``seed``, ``method``.
    """
    frames = _frames(units, frames)
    m = _indicators(units, frames)
    table = frame_table(units, by=by, frames=frames)
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise ValueError("need at least two groups and two frames with frame mentions")
    observed = table.to_numpy(dtype=np.int64)
    res = stats.chi2_contingency(observed, correction=False)
    kept = list(table.columns)

    p_perm = np.nan
    if n_perm and n_perm > 0:
        labels = list(table.index)
        groups = _groups(units, by)
        # groups dropped for lack of mentions keep their own code: their units still take places
        all_labels = labels + sorted(set(groups.unique()) - set(labels))
        codes = groups.map({g: i for i, g in enumerate(all_labels)}).to_numpy()
        mat = m[kept].to_numpy(dtype=float)
        stat_obs = _chi2_batch(observed[None].astype(float))[0]
        if not np.isclose(stat_obs, res.statistic, rtol=1e-9):  # pragma: no cover - a bug guard
            raise AssertionError("permutation χ² disagrees with scipy's")
        rng = np.random.default_rng(seed)
        hits = 0
        done = 0
        while done < n_perm:
            size = min(_BATCH, n_perm - done)
            perms = rng.permuted(np.tile(codes, (size, 1)), axis=1)
            tables = np.stack([(perms == g).astype(float) @ mat for g in range(len(all_labels))], axis=1)
            stat = _chi2_batch(tables)
            hits += int(np.sum(stat >= stat_obs * (1 - 1e-12)))
            done += size
        p_perm = (hits + 1) / (n_perm + 1)

    return pd.DataFrame([{
        "chi2": float(res.statistic),
        "dof": int(res.dof),
        "p_asymptotic": float(res.pvalue),
        "p_permutation": p_perm,
        "cramers_v": float(association(observed, method="cramer", correction=False)),
        "min_expected": float(res.expected_freq.min()),
        "n_expected_below_5": int((res.expected_freq < 5).sum()),
        "n_units": int(len(units)),
        "n_mentions": int(observed.sum()),
        "n_groups": int(observed.shape[0]),
        "n_frames": int(observed.shape[1]),
        "n_perm": int(n_perm or 0),
        "seed": seed,
        "method": ("Pearson chi-square (no continuity correction); Monte-Carlo permutation of group "
                   "labels over units, p = (1 + #{perm >= obs}) / (1 + n_perm)"),
    }])


# --------------------------------------------------------------------------
# 4. adjusted residuals


def adjusted_residuals(table, unit_ids: pd.DataFrame | None = None) -> pd.DataFrame:
    """Adjusted standardized residuals (Haberman 1973) of a contingency table, long format.

    For cell (i, j) with observed n_ij, expected μ_ij = n_i+ n_+j / n, row and column proportions
    p_i+ and p_+j::

        r_ij = (n_ij − μ_ij) / √(μ_ij (1 − p_i+) (1 − p_+j))

    (``statsmodels`` ``Table(shift_zeros=False).standardized_resids``), approximately N(0, 1)
    under independence. Columns: ``row``, ``column``, ``observed``, ``expected``,
    ``pearson_residual`` ((n − μ)/√μ), ``adjusted_residual``, ``p`` (two-sided normal),
    ``p_holm`` (Holm over all cells with a finite p, ``multipletests(method="holm")``), and
    ``unit_ids`` when a same-shaped table of IDs (e.g. :func:`frame_table_ids`) is given.
    Rows run over the table row by row. Cells in an all-zero row or column get NaN.
    """
    df = _as_table(table)
    obs = df.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = Table(obs, shift_zeros=False)
        expected = np.asarray(t.fittedvalues, dtype=float)
        pearson = np.asarray(t.resid_pearson, dtype=float)
        adjusted = np.asarray(t.standardized_resids, dtype=float)
    p = 2 * stats.norm.sf(np.abs(adjusted))
    p_holm = np.full_like(p, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        p_holm[finite] = multipletests(p[finite], method="holm")[1]
    rows, cols = np.meshgrid(np.arange(obs.shape[0]), np.arange(obs.shape[1]), indexing="ij")
    out = pd.DataFrame({
        "row": df.index.to_numpy()[rows.ravel()],
        "column": df.columns.to_numpy()[cols.ravel()],
        "observed": obs.ravel(),
        "expected": expected.ravel(),
        "pearson_residual": pearson.ravel(),
        "adjusted_residual": adjusted.ravel(),
        "p": p.ravel(),
        "p_holm": p_holm.ravel(),
    })
    if unit_ids is not None:
        ids = unit_ids.reindex(index=df.index, columns=df.columns)
        out["unit_ids"] = ids.to_numpy().ravel()
    return out


# --------------------------------------------------------------------------
# 5. co-occurrence


def cooccurrence(units: pd.DataFrame, frames=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which frames occur together in the same unit.

    Returns ``(matrix, pairs)``: ``matrix`` is frame × frame, cell (a, b) the number of units
    carrying both a and b (the diagonal: units carrying a); ``pairs`` is long, one row per
    unordered pair a ≠ b in codebook order, with ``frame_a``, ``frame_b``, ``n_units`` and
    ``unit_ids``.
    """
    frames = _frames(units, frames)
    m = _indicators(units, frames)
    arr = m.to_numpy()
    matrix = pd.DataFrame(arr.T @ arr, index=pd.Index(frames, name="frame_a"),
                          columns=pd.Index(frames, name="frame_b"))
    rows = []
    for i, a in enumerate(frames):
        for b in frames[i + 1:]:
            both = (m[a] == 1) & (m[b] == 1)
            rows.append({"frame_a": a, "frame_b": b, "n_units": int(both.sum()),
                         "unit_ids": _join(units.loc[both, "unit_id"])})
    pairs = pd.DataFrame(rows, columns=["frame_a", "frame_b", "n_units", "unit_ids"])
    return matrix, pairs


# --------------------------------------------------------------------------
# 6. keyness


def log_likelihood_g2(a, b, c, d):
    """Log-likelihood G² of Rayson & Garside (2000), as in the UCREL log-likelihood calculator.

    ``a``, ``b``: the word's frequency in corpus 1 and 2; ``c``, ``d``: the corpora's sizes in
    tokens. E1 = c (a + b) / (c + d), E2 = d (a + b) / (c + d) and
    G² = 2 (a ln(a/E1) + b ln(b/E2)), with 0 ln 0 = 0. This is the two-term version (the word's
    row of the 2 × 2 word/other-words × corpus table only); it equals
    ``scipy.stats.power_divergence([a, b], [E1, E2], lambda_="log-likelihood")``. Vectorised.
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(a > 0, a * np.log(a / e1), 0.0)
        t2 = np.where(b > 0, b * np.log(b / e2), 0.0)
    return 2 * (t1 + t2)


def log_ratio(a, b, c, d, zero: float = 0.5):
    """Hardie's (2014) Log Ratio: log₂ of the ratio of relative frequencies, (a/c) / (b/d).

    A zero frequency is replaced by ``zero`` (0.5) so that the ratio stays finite; other
    frequencies are used as they are. +1 means twice as frequent (per token) in corpus 1, −1 half
    as frequent. Vectorised.
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    a = np.where(a == 0, zero, a)
    b = np.where(b == 0, zero, b)
    return np.log2((a / c) / (b / d))


def _g2_2x2(a, b, c, d):
    """Dunning's full 2 × 2 G² (word / other words × corpus 1 / corpus 2)."""
    obs = np.stack([a, b, c - a, d - b], axis=-1).astype(float)
    n = c + d
    rows = np.stack([a + b, a + b, n - a - b, n - a - b], axis=-1)
    cols = np.stack([c, d, c, d], axis=-1)
    exp = rows * cols / n[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(obs > 0, obs * np.log(obs / exp), 0.0)
    return 2 * terms.sum(axis=-1)


def _content_tokens(units: pd.DataFrame) -> list[list[str]]:
    """Each unit's tokens without stop words and punctuation (from the ``tokens`` column if present)."""
    if "tokens" not in units.columns:
        return [tokenize(t, drop_stopwords=True, drop_punct=True) for t in units["text"]]
    stop = stopwords()
    return [[t for t in str(joined).split(" ") if t and not is_punct(t) and t not in stop] for joined in units["tokens"]]


def keyness(units: pd.DataFrame, by: str = "city", min_count: int = 3) -> pd.DataFrame:
    """Keywords of each group against the rest of the units.

    Texts are segmented with ``analysis.tokenize.tokenize(text, drop_stopwords=True,
    drop_punct=True)``; when ``units`` has the pipeline's ``tokens`` column (space-separated
    tokens of ``tokenize(text)``) those are used instead of tokenizing again. For every group g and every token whose total frequency (g + rest) is at
    least ``min_count``: ``count_group`` = a, ``count_rest`` = b, ``tokens_group`` = c,
    ``tokens_rest`` = d (corpus sizes after dropping stop words and punctuation);
    ``G2`` = :func:`log_likelihood_g2` (Rayson & Garside), ``p`` = χ²₁ upper tail of G2;
    ``G2_2x2`` = the full 2 × 2 likelihood-ratio statistic (Dunning 1993), for reference;
    ``log_ratio`` = :func:`log_ratio` (Hardie, zero → 0.5); ``direction`` ``"over"`` when the
    token is relatively more frequent in g than in the rest, else ``"under"``; ``unit_ids``: the
    units of g whose text contains the token. Sorted by group, then G2 descending, then token —
    the same input always gives the same order. Tokens absent from g are kept (negative
    keywords). No multiple-comparison correction is applied.
    """
    groups = _groups(units, by)
    tokens = _content_tokens(units)
    ids = units["unit_id"].to_numpy()
    g_arr = groups.to_numpy()
    total: dict[str, int] = {}
    per_group: dict[object, dict[str, int]] = {}
    where: dict[object, dict[str, list]] = {}
    for uid, g, toks in zip(ids, g_arr, tokens):
        counts = per_group.setdefault(g, {})
        seen = where.setdefault(g, {})
        for tok in toks:
            total[tok] = total.get(tok, 0) + 1
            counts[tok] = counts.get(tok, 0) + 1
        for tok in dict.fromkeys(toks):
            seen.setdefault(tok, []).append(uid)
    vocab = sorted(t for t, n in total.items() if n >= min_count)
    n_total = sum(total.values())
    columns = ["group", "token", "count_group", "count_rest", "tokens_group", "tokens_rest", "G2",
               "p", "G2_2x2", "log_ratio", "direction", "unit_ids"]
    frames = []
    for g in sorted(per_group):
        counts = per_group[g]
        c = sum(counts.values())
        d = n_total - c
        a = np.array([counts.get(t, 0) for t in vocab], dtype=float)
        b = np.array([total[t] for t in vocab], dtype=float) - a
        if d == 0 or c == 0:
            continue  # only one group with tokens: nothing to compare with
        g2 = log_likelihood_g2(a, b, c, d)
        frames.append(pd.DataFrame({
            "group": g,
            "token": vocab,
            "count_group": a.astype(int),
            "count_rest": b.astype(int),
            "tokens_group": c,
            "tokens_rest": d,
            "G2": g2,
            "p": stats.chi2.sf(g2, df=1),
            "G2_2x2": _g2_2x2(a, b, np.full_like(a, c), np.full_like(a, d)),
            "log_ratio": log_ratio(a, b, c, d),
            "direction": np.where(a / c > b / d, "over", "under"),
            "unit_ids": [_join(where[g].get(t, [])) for t in vocab],
        }))
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["group", "G2", "token"], ascending=[True, False, True], kind="mergesort")
    return out.reset_index(drop=True)[columns]


# --------------------------------------------------------------------------
# 7. correspondence analysis


class CAResult(NamedTuple):
    """Correspondence analysis: row and column principal coordinates and the inertia by dimension."""

    rows: pd.DataFrame
    columns: pd.DataFrame
    inertia: pd.DataFrame
    total_inertia: float


def correspondence_analysis(table, n_dims: int = 2) -> CAResult:
    """Simple correspondence analysis of a contingency table (Greenacre 2017, ch. 4 and appendix A).

    With N the table, n its total, P = N / n, row masses r = P 1, column masses c = Pᵀ 1,
    D_r = diag(r), D_c = diag(c):

    * standardized residuals S = D_r^(−1/2) (P − r cᵀ) D_c^(−1/2), i.e.
      s_ij = (p_ij − r_i c_j) / √(r_i c_j) = Pearson residual / √n;
    * SVD S = U Σ Vᵀ (``numpy.linalg.svd``); principal inertias λ_k = σ_k²; the total inertia
      Σ λ_k = Σ s_ij² = χ² / n; only min(I, J) − 1 dimensions are non-trivial;
    * row principal coordinates F = D_r^(−1/2) U Σ, column principal coordinates
      G = D_c^(−1/2) V Σ.

    Singular vectors are defined up to sign; each dimension is oriented so that the column point
    with the largest absolute coordinate is positive. All-zero rows and columns are dropped.

    Returns :class:`CAResult`: ``rows`` and ``columns`` (``label``, ``mass``, ``dim1`` …
    ``dim{n_dims}``; NaN for dimensions beyond the non-trivial ones), ``inertia`` (one row per
    non-trivial dimension: ``dim``, ``singular_value``, ``principal_inertia``, ``share``,
    ``cumulative_share``) and ``total_inertia``.
    """
    df = _as_table(table)
    df = df.loc[df.sum(axis=1) > 0, df.sum(axis=0) > 0]
    counts = df.to_numpy(dtype=float)
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        raise ValueError("correspondence analysis needs at least two non-empty rows and columns")
    p = counts / counts.sum()
    r = p.sum(axis=1)
    c = p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    k = min(counts.shape) - 1
    u, sigma, v = u[:, :k], sigma[:k], vt[:k].T
    rows_pc = (u / np.sqrt(r)[:, None]) * sigma
    cols_pc = (v / np.sqrt(c)[:, None]) * sigma
    for j in range(k):
        if cols_pc[np.argmax(np.abs(cols_pc[:, j])), j] < 0:
            rows_pc[:, j] *= -1
            cols_pc[:, j] *= -1
    total = float((s ** 2).sum())
    lam = sigma ** 2

    def coords(labels, mass, pc):
        out = pd.DataFrame({"label": list(labels), "mass": mass})
        for j in range(n_dims):
            out[f"dim{j + 1}"] = pc[:, j] if j < k else np.nan
        return out

    inertia = pd.DataFrame({
        "dim": np.arange(1, k + 1),
        "singular_value": sigma,
        "principal_inertia": lam,
        "share": lam / total if total > 0 else np.nan,
        "cumulative_share": np.cumsum(lam) / total if total > 0 else np.nan,
    })
    return CAResult(coords(df.index, r, rows_pc), coords(df.columns, c, cols_pc), inertia, total)


# ---------------------------------------------------------------- technology inventory


def technology_families(path=None) -> dict[str, list[str]]:
    """Technology families and their surface forms from ``analysis/resources/technology.yaml``."""
    import yaml

    from analysis.paths import RESOURCES

    with open(path or RESOURCES / "technology.yaml", encoding="utf-8") as fh:
        return {str(k): [str(t) for t in v] for k, v in yaml.safe_load(fh)["families"].items()}


def technology_inventory(units: pd.DataFrame, by: str = "city", families: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Mentions of each technology family per group (longest form first, non-overlapping), with unit IDs."""
    import re

    families = technology_families() if families is None else families
    forms = sorted({(form, fam) for fam, fs in families.items() for form in fs}, key=lambda x: (-len(x[0]), x[0]))
    family_of = dict(forms)
    pattern = re.compile("|".join(re.escape(f) for f, _ in forms))
    rows = []
    for _, unit in units.iterrows():
        for m in pattern.finditer(str(unit["text"])):
            rows.append((unit[by], family_of[m.group()], m.group(), unit["unit_id"]))
    hits = pd.DataFrame(rows, columns=["group", "technology", "form", "unit_id"])
    groups = list(dict.fromkeys(units[by]))
    out = []
    for group in groups:
        for family in families:
            sel = hits[(hits.group == group) & (hits.technology == family)]
            out.append({"group": group, "technology": family, "mentions": len(sel),
                        "forms": ";".join(sorted(set(sel.form))), "unit_ids": ";".join(dict.fromkeys(sel.unit_id))})
    return pd.DataFrame(out)
