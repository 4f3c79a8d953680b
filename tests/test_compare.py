"""analysis.compare against hand computations, textbook values and scipy/statsmodels."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association, expected_freq
from statsmodels.stats.multitest import multipletests

from analysis.codebook import FRAME_CODES
from analysis.compare import (
    adjusted_residuals,
    cooccurrence,
    correspondence_analysis,
    frame_shares,
    frame_table,
    frame_table_ids,
    independence_test,
    keyness,
    log_likelihood_g2,
    log_ratio,
    wilson_interval,
)
from analysis.tokenize import tokenize

Z = stats.norm.ppf(0.975)

# Agresti's party identification by gender (rows Female, Male; columns Democrat, Independent,
# Republican). 1991 GSS, in Agresti, Categorical Data Analysis, 2nd ed. (2002): X² = 7.01,
# adjusted residuals 2.29, 0.46, −2.62 for females. 2000 GSS, in Agresti, An Introduction to
# Categorical Data Analysis, 2nd ed. (2007): X² = 30.1, adjusted residuals 4.50, 0.70, −5.32.
PARTY_1991 = pd.DataFrame([[279, 73, 225], [165, 47, 191]], index=["female", "male"],
                          columns=["democrat", "independent", "republican"])
PARTY_2000 = pd.DataFrame([[762, 327, 468], [484, 239, 477]], index=["female", "male"],
                          columns=["democrat", "independent", "republican"])
# Greenacre's smoking data (staff group × smoking), the standard CA example: total inertia 0.0852,
# principal inertias 0.0748 (87.8 %) and 0.0100 (11.8 %).
SMOKING = pd.DataFrame([[4, 2, 3, 2], [4, 3, 7, 4], [25, 10, 12, 4], [18, 24, 33, 13], [10, 6, 7, 2]],
                       index=["SM", "JM", "SE", "JE", "SC"], columns=["none", "light", "medium", "heavy"])
SMOKING_ROWS = {"SM": (0.066, 0.194), "JM": (0.259, 0.243), "SE": (0.381, 0.011), "JE": (0.233, 0.058),
                "SC": (0.201, 0.079)}  # |principal coordinates|; signs are arbitrary


def units_from_table(table: pd.DataFrame, by: str = "city") -> pd.DataFrame:
    """One unit per observation of a group × frame table, each unit carrying exactly one frame.

    The table's columns become the first codebook frames (TRANSFORMATION, SAFETY_SENSE, ...).
    """
    table = table.set_axis(list(FRAME_CODES[: table.shape[1]]), axis=1)
    rows = []
    for group in table.index:
        for frame in table.columns:
            for _ in range(int(table.loc[group, frame])):
                rows.append({by: group, **{f: int(f == frame) for f in table.columns}})
    units = pd.DataFrame(rows)
    units.insert(0, "unit_id", [f"u{i:04d}" for i in range(len(units))])
    units["text"] = "文本"
    return units


@pytest.fixture
def toy_units() -> pd.DataFrame:
    """Six units in two cities, several frames per unit, texts of known length."""
    return pd.DataFrame({
        "unit_id": ["a1", "a2", "a3", "b1", "b2", "b3"],
        "city": ["A", "A", "A", "B", "B", "B"],
        "text": ["一二三四五", "一二三", "一二", "一二三四", "一", "一二三四五六"],
        "OUTCOME": [1, 0, 1, 1, 0, 0],
        "CONTROL": [1, 1, 0, 1, 0, 1],
        "SERVICE": [0, 0, 0, 1, 0, 0],
    })


# --------------------------------------------------------------------------
# Wilson


def wilson_by_hand(x, n, z=Z):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("x, n, low, high", [
    # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (score interval)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_published(x, n, low, high):
    got = wilson_interval(x, n)
    assert got == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize("x, n", [(8, 20), (3, 7), (50, 50), (1, 266)])
def test_wilson_hand_formula(x, n):
    assert wilson_interval(x, n) == pytest.approx(wilson_by_hand(x, n), rel=1e-10)


@pytest.mark.parametrize("n", [10, 20])
def test_wilson_zero_successes_closed_form(n):
    # with x = 0 the upper limit is z² / (n + z²): 3.8415 / 13.8415 = 0.2775 for n = 10
    assert wilson_interval(0, n)[1] == pytest.approx(Z * Z / (n + Z * Z), rel=1e-10)
    if n == 10:
        assert wilson_interval(0, n)[1] == pytest.approx(0.2775, abs=1e-4)


def test_wilson_vector_and_empty():
    low, high = wilson_interval([0, 8], [0, 20])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert (low[1], high[1]) == pytest.approx(wilson_by_hand(8, 20))


# --------------------------------------------------------------------------
# frame shares and unit IDs


def test_frame_shares_toy(toy_units):
    out = frame_shares(toy_units)
    assert list(out.columns) == ["group", "frame", "n_units", "n_with_frame", "share", "ci_low",
                                 "ci_high", "chars", "per_1000_chars", "unit_ids"]
    assert list(out["group"]) == ["A"] * 3 + ["B"] * 3
    assert list(out["frame"]) == ["OUTCOME", "CONTROL", "SERVICE"] * 2
    row = out.set_index(["group", "frame"]).loc[("A", "OUTCOME")]
    assert row["n_units"] == 3 and row["n_with_frame"] == 2
    assert row["share"] == pytest.approx(2 / 3)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson_by_hand(2, 3))
    assert row["chars"] == 5 + 3 + 2
    assert row["per_1000_chars"] == pytest.approx(1000 * 2 / 10)
    assert row["unit_ids"] == "a1;a3"
    ids = out.set_index(["group", "frame"])["unit_ids"]
    assert ids[("B", "CONTROL")] == "b1;b3"
    assert ids[("A", "SERVICE")] == ""
    assert ids[("B", "SERVICE")] == "b1"


def test_frame_shares_by_none_is_one_group(toy_units):
    out = frame_shares(toy_units, by=None)
    assert set(out["group"]) == {"all"}
    assert out.set_index("frame").loc["CONTROL", "unit_ids"] == "a1;a2;b1;b3"
    assert out["chars"].iloc[0] == sum(len(t) for t in toy_units["text"])


def test_frame_table_and_ids_agree(toy_units):
    counts = frame_table(toy_units)
    ids = frame_table_ids(toy_units)
    assert counts.loc["A"].tolist() == [2, 2, 0]
    assert counts.loc["B"].tolist() == [1, 2, 1]
    for g in counts.index:
        for f in counts.columns:
            listed = [i for i in ids.loc[g, f].split(";") if i]
            assert len(listed) == counts.loc[g, f]
            assert all(toy_units.set_index("unit_id").loc[i, f] == 1 for i in listed)


def test_cooccurrence_toy(toy_units):
    matrix, pairs = cooccurrence(toy_units)
    assert matrix.loc["OUTCOME", "CONTROL"] == 2  # a1, b1
    assert matrix.loc["CONTROL", "SERVICE"] == 1  # b1
    assert matrix.loc["OUTCOME", "OUTCOME"] == 3
    assert (matrix.to_numpy() == matrix.to_numpy().T).all()
    p = pairs.set_index(["frame_a", "frame_b"])
    assert list(p.index) == [("OUTCOME", "CONTROL"), ("OUTCOME", "SERVICE"), ("CONTROL", "SERVICE")]
    assert p.loc[("OUTCOME", "CONTROL"), "unit_ids"] == "a1;b1"
    assert p.loc[("OUTCOME", "SERVICE"), "n_units"] == 1
    assert p.loc[("OUTCOME", "SERVICE"), "unit_ids"] == "b1"


def test_adjusted_residuals_carry_ids(toy_units):
    out = adjusted_residuals(frame_table(toy_units), frame_table_ids(toy_units))
    cell = out.set_index(["row", "column"]).loc[("B", "CONTROL")]
    assert cell["observed"] == 2 and cell["unit_ids"] == "b1;b3"


# --------------------------------------------------------------------------
# independence test


@pytest.mark.parametrize("table, published_chi2", [(PARTY_1991, 7.01), (PARTY_2000, 30.07), (SMOKING, None)])
def test_chi2_and_cramers_v_match_scipy(table, published_chi2):
    units = units_from_table(table)
    out = independence_test(units, n_perm=0).iloc[0]
    ref = stats.chi2_contingency(table.to_numpy(), correction=False)
    assert out["chi2"] == pytest.approx(ref.statistic, rel=1e-12)
    assert out["p_asymptotic"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert out["dof"] == ref.dof
    assert out["min_expected"] == pytest.approx(ref.expected_freq.min())
    assert out["n_expected_below_5"] == (ref.expected_freq < 5).sum()
    n = table.to_numpy().sum()
    v = math.sqrt(ref.statistic / (n * (min(table.shape) - 1)))
    assert out["cramers_v"] == pytest.approx(v, rel=1e-12)
    assert out["cramers_v"] == pytest.approx(association(table.to_numpy(), method="cramer"), rel=1e-12)
    if published_chi2 is not None:
        assert out["chi2"] == pytest.approx(published_chi2, abs=0.005)
    assert np.isnan(out["p_permutation"])


def test_chi2_on_frame_mentions(toy_units):
    """With several frames per unit the test runs on the table of frame mentions."""
    out = independence_test(toy_units, n_perm=50).iloc[0]
    ref = stats.chi2_contingency(frame_table(toy_units).to_numpy(), correction=False)
    assert out["chi2"] == pytest.approx(ref.statistic)
    assert out["n_mentions"] == 3 + 4 + 1 and out["n_units"] == 6


@pytest.mark.parametrize("seed", [1, 20240517])
def test_permutation_p_reproducible(seed):
    units = units_from_table(PARTY_1991.iloc[:, :2] // 10)
    a = independence_test(units, n_perm=500, seed=seed).iloc[0]
    b = independence_test(units, n_perm=500, seed=seed).iloc[0]
    assert a["p_permutation"] == b["p_permutation"]
    assert 1 / 501 <= a["p_permutation"] <= 1
    assert a["seed"] == seed


def test_permutation_p_depends_on_seed_only_through_noise():
    units = units_from_table(pd.DataFrame([[12, 8, 10], [8, 12, 10]]).rename(index={0: "x", 1: "y"}))
    ps = {independence_test(units, n_perm=300, seed=s).iloc[0]["p_permutation"] for s in range(4)}
    assert len(ps) > 1  # different seeds draw different permutations


@pytest.mark.parametrize("table", [
    pd.DataFrame([[120, 95, 85], [95, 120, 85]], index=["x", "y"], columns=["F1", "F2", "F3"]),
    pd.DataFrame([[60, 50, 40], [50, 60, 40], [45, 55, 50]], index=["x", "y", "z"], columns=["F1", "F2", "F3"]),
])
def test_permutation_p_close_to_asymptotic_on_large_counts(table):
    units = units_from_table(table)
    out = independence_test(units, n_perm=4000, seed=7).iloc[0]
    se = math.sqrt(out["p_asymptotic"] * (1 - out["p_asymptotic"]) / 4000)
    assert 0.005 < out["p_asymptotic"] < 0.5  # a p-value in the interesting range
    assert out["p_permutation"] == pytest.approx(out["p_asymptotic"], abs=4 * se + 0.005)


def test_permutation_counts_units_without_frames():
    """Units with no frame still take places in their group when labels are shuffled."""
    units = units_from_table(pd.DataFrame([[30, 10], [10, 30]], index=["x", "y"], columns=["F1", "F2"]))
    empty = pd.DataFrame({"unit_id": ["e1", "e2"], "city": ["z", "z"], "TRANSFORMATION": [0, 0],
                          "SAFETY_SENSE": [0, 0], "text": ""})
    out = independence_test(pd.concat([units, empty], ignore_index=True), n_perm=200, seed=3).iloc[0]
    assert out["n_groups"] == 2 and out["n_units"] == 82


# --------------------------------------------------------------------------
# adjusted residuals


@pytest.mark.parametrize("table, female", [
    (PARTY_1991, [2.29, 0.46, -2.62]),
    (PARTY_2000, [4.50, 0.70, -5.32]),
])
def test_adjusted_residuals_agresti(table, female):
    out = adjusted_residuals(table).set_index(["row", "column"])["adjusted_residual"]
    got = [out[("female", c)] for c in table.columns]
    assert got == pytest.approx(female, abs=0.005)
    assert [out[("male", c)] for c in table.columns] == pytest.approx([-x for x in female], abs=0.005)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adjusted_residuals_formula_and_holm(seed):
    rng = np.random.default_rng(seed)
    obs = rng.integers(3, 40, size=(4, 5))
    out = adjusted_residuals(obs)
    n = obs.sum()
    e = expected_freq(obs)
    row = obs.sum(axis=1, keepdims=True) / n
    col = obs.sum(axis=0, keepdims=True) / n
    r = (obs - e) / np.sqrt(e * (1 - row) * (1 - col))
    assert out["expected"].to_numpy() == pytest.approx(e.ravel())
    assert out["adjusted_residual"].to_numpy() == pytest.approx(r.ravel())
    assert out["pearson_residual"].to_numpy() == pytest.approx(((obs - e) / np.sqrt(e)).ravel())
    p = 2 * stats.norm.sf(np.abs(r.ravel()))
    assert out["p"].to_numpy() == pytest.approx(p)
    assert out["p_holm"].to_numpy() == pytest.approx(multipletests(p, method="holm")[1])
    # Holm by hand: sorted p_(k) · (m − k + 1), running maximum, capped at 1
    order = np.argsort(p)
    m = len(p)
    by_hand = np.minimum(1, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    assert out["p_holm"].to_numpy()[order] == pytest.approx(by_hand)


def test_adjusted_residuals_zero_row_gives_nan():
    out = adjusted_residuals(pd.DataFrame([[5, 7], [0, 0], [6, 2]]))
    assert out.loc[out["row"] == 1, "adjusted_residual"].isna().all()
    assert out.loc[out["row"] != 1, "p_holm"].notna().all()


# --------------------------------------------------------------------------
# G² and log ratio


@pytest.mark.parametrize("a, b, c, d", [
    (20, 10, 1000, 1000),
    (15, 3, 2500, 9000),
    (0, 12, 800, 1200),
    (7, 0, 500, 5000),
    (100, 100, 10000, 20000),
])
def test_g2_matches_scipy_power_divergence(a, b, c, d):
    g2 = log_likelihood_g2(a, b, c, d)
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    # Rayson & Garside: the word's row of the table, observed against expected
    ref = stats.power_divergence([a, b], f_exp=[e1, e2], lambda_="log-likelihood").statistic
    assert g2 == pytest.approx(ref, rel=1e-10)
    # the full 2 × 2 table (word / other words × corpus): Dunning's G², close to Rayson's
    table = np.array([[a, b], [c - a, d - b]])
    full = stats.power_divergence(table.ravel(), f_exp=expected_freq(table).ravel(),
                                  lambda_="log-likelihood").statistic
    assert full == pytest.approx(stats.chi2_contingency(table, correction=False,
                                                        lambda_="log-likelihood").statistic)
    assert g2 == pytest.approx(full, rel=0.05)


def test_g2_hand_value():
    # a = 20, b = 10 in two corpora of 1000: E = 15, 15; G² = 2 (20 ln(20/15) + 10 ln(10/15))
    assert log_likelihood_g2(20, 10, 1000, 1000) == pytest.approx(
        2 * (20 * math.log(20 / 15) + 10 * math.log(10 / 15)))
    assert log_likelihood_g2(20, 10, 1000, 1000) == pytest.approx(3.3979, abs=1e-4)


@pytest.mark.parametrize("a, b, c, d, expected", [
    (20, 10, 1000, 1000, 1.0),      # twice as frequent
    (10, 10, 1000, 2000, 1.0),      # same count, half the corpus
    (5, 20, 1000, 1000, -2.0),      # a quarter as frequent
    (10, 10, 1000, 1000, 0.0),
    (0, 4, 1000, 1000, -3.0),       # zero → 0.5: log2(0.5 / 4)
    (8, 0, 1000, 1000, 4.0),        # log2(8 / 0.5)
])
def test_log_ratio(a, b, c, d, expected):
    assert log_ratio(a, b, c, d) == pytest.approx(expected)


# --------------------------------------------------------------------------
# keyness


@pytest.fixture
def keyness_units() -> pd.DataFrame:
    return pd.DataFrame({
        "unit_id": ["x1", "x2", "y1", "y2", "y3"],
        "city": ["X", "X", "Y", "Y", "Y"],
        "text": [
            "智慧警务提升安全感，智慧警务建设。",
            "大数据支撑智慧警务。",
            "网格化管理提升满意度。",
            "大数据平台和网格化管理。",
            "网格化服务提升安全感。",
        ],
    })


def test_keyness_counts_and_stats(keyness_units):
    out = keyness(keyness_units, min_count=2)
    toks = {u: tokenize(t, drop_stopwords=True, drop_punct=True)
            for u, t in zip(keyness_units["unit_id"], keyness_units["text"])}
    cx = Counter(t for u in ("x1", "x2") for t in toks[u])
    cy = Counter(t for u in ("y1", "y2", "y3") for t in toks[u])
    c, d = sum(cx.values()), sum(cy.values())
    total = cx + cy
    assert set(out["group"]) == {"X", "Y"}
    assert set(out["token"]) == {t for t, n in total.items() if n >= 2}
    for _, row in out.iterrows():
        mine, rest = (cx, cy) if row["group"] == "X" else (cy, cx)
        assert row["count_group"] == mine[row["token"]]
        assert row["count_rest"] == rest[row["token"]]
        assert row["tokens_group"] + row["tokens_rest"] == c + d
        a, b = row["count_group"], row["count_rest"]
        assert row["G2"] == pytest.approx(log_likelihood_g2(a, b, row["tokens_group"], row["tokens_rest"]))
        assert row["p"] == pytest.approx(stats.chi2.sf(row["G2"], 1))
        assert row["log_ratio"] == pytest.approx(log_ratio(a, b, row["tokens_group"], row["tokens_rest"]))
    x = out[(out["group"] == "X") & (out["token"] == "智慧警务")].iloc[0]
    assert x["count_group"] == 3 and x["count_rest"] == 0 and x["direction"] == "over"
    assert x["unit_ids"] == "x1;x2"
    y = out[(out["group"] == "Y") & (out["token"] == "智慧警务")].iloc[0]
    assert y["direction"] == "under" and y["unit_ids"] == ""
    grid = out[(out["group"] == "Y") & (out["token"] == "网格化")].iloc[0]
    assert grid["unit_ids"] == "y1;y2;y3"


def test_keyness_order_is_deterministic(keyness_units):
    a = keyness(keyness_units, min_count=1)
    b = keyness(keyness_units.iloc[::-1].reset_index(drop=True), min_count=1)
    key = ["group", "token", "count_group", "count_rest", "G2"]
    pd.testing.assert_frame_equal(a[key], b[key])
    for _, part in a.groupby("group"):
        g2 = part["G2"].to_numpy()
        assert (np.diff(g2) <= 1e-12).all()
        for _, tie in part.groupby("G2"):
            assert list(tie["token"]) == sorted(tie["token"])


def test_keyness_min_count(keyness_units):
    high = keyness(keyness_units, min_count=3)
    assert ((high["count_group"] + high["count_rest"]) >= 3).all()
    assert len(high) < len(keyness(keyness_units, min_count=1))


# --------------------------------------------------------------------------
# correspondence analysis


@pytest.mark.parametrize("table", [PARTY_1991, PARTY_2000, SMOKING,
                                   pd.DataFrame(np.random.default_rng(5).integers(1, 30, (6, 8)))])
def test_ca_inertia_is_chi2_over_n(table):
    ca = correspondence_analysis(table)
    chi2 = stats.chi2_contingency(table.to_numpy(), correction=False).statistic
    n = table.to_numpy().sum()
    assert ca.total_inertia == pytest.approx(chi2 / n)
    assert ca.inertia["principal_inertia"].sum() == pytest.approx(chi2 / n)
    assert ca.inertia["share"].sum() == pytest.approx(1.0)
    assert len(ca.inertia) == min(table.shape) - 1
    # principal inertia of a dimension = mass-weighted sum of squared principal coordinates
    for dim in ("dim1", "dim2"):
        if dim in ca.rows and ca.rows[dim].notna().all():
            k = int(dim[-1]) - 1
            lam = ca.inertia["principal_inertia"].iloc[k]
            assert (ca.rows["mass"] * ca.rows[dim] ** 2).sum() == pytest.approx(lam)
            assert (ca.columns["mass"] * ca.columns[dim] ** 2).sum() == pytest.approx(lam)


def test_ca_two_rows_have_one_dimension():
    ca = correspondence_analysis(PARTY_1991)
    assert ca.rows["dim2"].isna().all() and ca.inertia["share"].iloc[0] == pytest.approx(1.0)


def test_ca_greenacre_smoking():
    ca = correspondence_analysis(SMOKING)
    assert ca.total_inertia == pytest.approx(0.0852, abs=5e-5)
    assert ca.inertia["principal_inertia"].iloc[:2].to_numpy() == pytest.approx([0.0748, 0.0100], abs=5e-5)
    assert ca.inertia["share"].iloc[:2].to_numpy() == pytest.approx([0.878, 0.118], abs=5e-4)
    rows = ca.rows.set_index("label")
    for label, (d1, d2) in SMOKING_ROWS.items():
        assert abs(rows.loc[label, "dim1"]) == pytest.approx(d1, abs=5e-4)
        assert abs(rows.loc[label, "dim2"]) == pytest.approx(d2, abs=5e-4)


def test_ca_distances_are_chi_square_distances():
    """In a 3 × 3 table two dimensions are all there is: row-point distances = χ² distances."""
    table = np.array([[20, 5, 10], [6, 18, 9], [12, 9, 25]])
    ca = correspondence_analysis(table)
    c = table.sum(axis=0) / table.sum()
    prof = table / table.sum(axis=1, keepdims=True)
    xy = ca.rows[["dim1", "dim2"]].to_numpy()
    for i in range(3):
        for j in range(3):
            chi_d = np.sqrt((((prof[i] - prof[j]) ** 2) / c).sum())
            assert np.linalg.norm(xy[i] - xy[j]) == pytest.approx(chi_d)


def test_ca_sign_convention_is_stable():
    a = correspondence_analysis(SMOKING)
    b = correspondence_analysis(SMOKING.copy())
    pd.testing.assert_frame_equal(a.rows, b.rows)
    for dim in ("dim1", "dim2"):
        col = a.columns[dim].to_numpy()
        assert col[np.argmax(np.abs(col))] > 0


def test_technology_inventory_counts_longest_forms_with_unit_ids():
    from analysis.compare import technology_inventory

    units = pd.DataFrame({"unit_id": ["A-1", "A-2", "B-1"], "city": ["甲", "甲", "乙"],
                          "text": ["警方借助大数据和人脸识别锁定嫌疑人。", "视频监控覆盖全城。", "无技术的一句话。"]})
    families = {"big data": ["大数据"], "faces": ["人脸识别", "人脸"], "video": ["视频监控", "监控"]}
    inv = technology_inventory(units, families=families).set_index(["group", "technology"])
    assert inv.at[("甲", "faces"), "mentions"] == 1  # 人脸识别 once, not also 人脸
    assert inv.at[("甲", "video"), "mentions"] == 1  # 视频监控 once, not also 监控
    assert inv.at[("甲", "big data"), "unit_ids"] == "A-1"
    assert inv.at[("乙", "big data"), "mentions"] == 0


def test_committed_comparison_tables_are_fresh():
    """data/frames_by_city.csv, city_frame_residuals.csv, technology_inventory.csv match the code (notebook 03)."""
    from analysis import paths
    from analysis.codebook import FRAME_CODES
    from analysis.compare import adjusted_residuals, frame_shares, frame_table, frame_table_ids, technology_inventory

    frames = list(FRAME_CODES)
    articles = pd.read_csv(paths.DATA / "articles.csv", keep_default_na=False)
    articles = articles[articles.relevant]
    articles["place"] = articles.city_en + " " + articles.city
    units = pd.read_csv(paths.DATA / "units.csv", keep_default_na=False)[["unit_id", "article_id", "text"]]
    gold = units.merge(articles[["article_id", "place"]], on="article_id").merge(
        pd.read_csv(paths.GOLD_CSV).drop(columns="split"), on="unit_id")
    fresh = {
        "frames_by_city.csv": frame_shares(gold, by="place", frames=frames).to_csv(
            index=False, lineterminator="\n", float_format="%.4f"),
        "city_frame_residuals.csv": adjusted_residuals(
            frame_table(gold, by="place", frames=frames),
            unit_ids=frame_table_ids(gold, by="place", frames=frames)).to_csv(
            index=False, lineterminator="\n", float_format="%.4f"),
        "technology_inventory.csv": technology_inventory(gold, by="place").to_csv(index=False, lineterminator="\n"),
    }
    for name, text in fresh.items():
        assert (paths.DATA / name).read_text(encoding="utf-8") == text, f"data/{name} is stale: run make study"


def test_keyness_uses_the_pipelines_tokens_column_with_the_same_result(keyness_units):
    from analysis.tokenize import tokenize

    with_tokens = keyness_units.assign(tokens=[" ".join(tokenize(t)) for t in keyness_units["text"]])
    pd.testing.assert_frame_equal(keyness(with_tokens, min_count=1), keyness(keyness_units, min_count=1))
    assert set(keyness(keyness_units.assign(tokens="甲 ， 乙 甲"), min_count=1)["token"]) == {"甲", "乙"}
