"""α against Krippendorff's published examples and statsmodels; P/R/F1 on small cases."""
import math

import numpy as np
import pytest

from analysis.reliability import (alpha, alpha_via_statsmodels, bootstrap_alpha, precision_recall_f1,
                                  verdict)

nan = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers, 12 units,
# missing values. Published: nominal .743, ordinal .815, interval .849.
PUBLISHED = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]
# Section A of the same paper: two observers, binary data, α = .095.
BINARY_A = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
BINARY_B = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]


@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_reproduces_krippendorffs_published_example(level, published):
    assert alpha(*PUBLISHED, level=level) == pytest.approx(published, abs=5e-4)


def test_binary_two_observer_example():
    assert alpha(BINARY_A, BINARY_B) == pytest.approx(0.095, abs=5e-4)


@pytest.mark.parametrize(
    "a, b",
    [
        (BINARY_A, BINARY_B),
        ([1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0], [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0]),
        (["none", "official", "citizen", "none", "official"], ["none", "official", "none", "none", "citizen"]),
    ],
)
def test_alpha_agrees_with_statsmodels(a, b):
    assert alpha(a, b) == pytest.approx(alpha_via_statsmodels(a, b), abs=1e-9)


def test_labels_can_be_strings():
    assert alpha(["x", "y", "x", "y"], ["x", "y", "x", "y"]) == pytest.approx(1.0)


def test_single_category_is_undefined():
    assert math.isnan(alpha([0, 0, 0], [0, 0, 0]))
    assert verdict(float("nan")) == "undefined"


def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 120)
    b = np.where(rng.random(120) < 0.85, a, 1 - a)
    first = bootstrap_alpha(a, b, n_boot=300)
    again = bootstrap_alpha(a, b, n_boot=300)
    assert first == again
    assert first.low <= first.alpha <= first.high
    assert first.n_units == 120


@pytest.mark.parametrize("value, word", [(0.85, "reliable"), (0.7, "tentative"), (0.5, "unreliable")])
def test_verdict(value, word):
    assert verdict(value) == word


def test_precision_recall_f1():
    result = precision_recall_f1([1, 1, 0, 0, 1], [1, 0, 1, 0, 1])
    assert (result["tp"], result["fp"], result["fn"]) == (2, 1, 1)
    assert result["precision"] == pytest.approx(2 / 3)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 / 3)
