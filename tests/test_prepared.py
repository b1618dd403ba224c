"""The alpha-independent column statistics every solver starts from (:func:`sparsefit.solvers._prepared.prepare`)."""

import numpy as np
import pytest
import scipy.sparse as sp

from sparsefit.solvers._prepared import prepare


@pytest.mark.parametrize("weights", ["uniform", "varied", "some zero"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("storage", ["dense", "csc"])
def test_column_means_and_spreads_match_numpy(weights, fit_intercept, storage):
    rng = np.random.default_rng(3)
    n, p = 70, 30
    Xd = rng.standard_normal((n, p)) * (rng.random((n, p)) < 0.3) * rng.uniform(0.1, 50.0, p)
    Xd[:, 4] = 2.5  # constant: no spread, kept at zero by the solvers
    sample_weight = {"uniform": None, "varied": rng.uniform(0.2, 3.0, n),
                     "some zero": np.where(rng.random(n) < 0.2, 0.0, 1.0)}[weights]
    X = np.asfortranarray(Xd) if storage == "dense" else sp.csc_matrix(Xd)
    prep = prepare(X, sample_weight, fit_intercept)
    sw = np.full(n, 1.0 / n) if sample_weight is None else sample_weight / sample_weight.sum()
    mean = sw @ Xd
    centered = Xd - mean if fit_intercept else Xd
    np.testing.assert_allclose(prep.sw, sw, rtol=1e-15)
    np.testing.assert_allclose(prep.xbar, mean if fit_intercept else 0.0, rtol=1e-12, atol=1e-14)
    spread = sw @ centered**2
    if fit_intercept:
        spread[4] = 0.0  # exactly: a constant column is not left with a rounding-sized spread
    np.testing.assert_allclose(prep.lips, spread, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(prep.sqrt_lips, np.sqrt(spread), rtol=1e-10, atol=1e-7)
    np.testing.assert_array_equal(np.flatnonzero(prep.constant), [4] if fit_intercept else [])
    # the Hoelder bounds' slopes: absolute sums over the samples that carry weight, 0 for a constant column
    col_l1 = (sw > 0) @ np.abs(Xd)
    if fit_intercept:
        col_l1[4] = 0.0
    np.testing.assert_allclose(prep.col_l1, col_l1, rtol=1e-12)


@pytest.mark.parametrize("weights", ["uniform", "some zero"])
@pytest.mark.parametrize("storage", ["dense", "csc"])
def test_correlations_from_the_statistics_pass_match_numpy(weights, storage):
    rng = np.random.default_rng(5)
    n, p = 60, 25
    Xd = rng.standard_normal((n, p)) * (rng.random((n, p)) < 0.4)
    Xd[:, 7] = -1.5  # constant: its correlation is reported as 0
    sample_weight = None if weights == "uniform" else np.where(rng.random(n) < 0.2, 0.0, 1.0)
    X = np.asfortranarray(Xd) if storage == "dense" else sp.csc_matrix(Xd)
    u = rng.standard_normal(n)
    prep = prepare(X, sample_weight, True, correlate=u)
    expected = Xd.T @ u
    expected[7] = 0.0
    np.testing.assert_allclose(prep.correlations, expected, rtol=1e-12, atol=1e-12)
    assert prep.finite
    assert prepare(X, sample_weight, True).correlations is None
    Xd[3, 2] = np.nan
    assert not prepare(sp.csc_matrix(Xd) if storage == "csc" else np.asfortranarray(Xd), sample_weight, True).finite
