"""Correlation bounds and sequential screening of the coordinate-descent kernel.

The bounds (``DualState.corr_bound``) must never be below the exact
``|X_j.T theta|``, whatever the path did; and a solve that screened features
from the previous alpha's dual state must still be certified on the full
problem, recomputed from the coefficients alone.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsefit._objective import Quadratic
from sparsefit._optimality import certificate
from sparsefit._penalty import ElasticNetPenalty
from sparsefit.solvers import CoordinateDescent
from sparsefit.solvers._prepared import prepare
from strategies import regression_problems


def _exact_correlations(X, theta, sw, fit_intercept):
    Xd = X.toarray() if sp.issparse(X) else np.asarray(X)
    if fit_intercept:
        Xd = Xd - sw @ Xd  # the bounds are about centered columns (theta sums to zero)
    return np.abs(Xd.T @ theta)


def _alpha_max(X, y, sw, fit_intercept, l1_ratio):
    Xd = X.toarray() if sp.issparse(X) else np.asarray(X)
    r = y - np.dot(sw, y) if fit_intercept else y
    return max(np.max(np.abs(Xd.T @ (sw * r)), initial=0.0) / l1_ratio, 1e-12)


def _run_path(X, y, sw_raw, fit_intercept, l1_ratio, fractions, tol=1e-7):
    """Solve down a grid the way regularization_path does; yield each alpha's solution."""
    n = X.shape[0]
    sw = np.ones(n) / n if sw_raw is None else sw_raw / sw_raw.sum()
    Xc = sp.csc_matrix(X) if sp.issparse(X) else np.asfortranarray(X, dtype=np.float64)
    prep = prepare(Xc, sw_raw, fit_intercept)
    amax = _alpha_max(Xc, y, sw, fit_intercept, l1_ratio)
    alphas = amax * np.asarray(fractions)
    solver = CoordinateDescent(tol=tol)
    w, state = None, None
    for k, alpha in enumerate(alphas):
        extra = {}
        if state is not None:
            extra = {"dual_state": state, "strong_factor": max(2.0 - alphas[k - 1] / alpha, 0.0)}
        penalty = ElasticNetPenalty(alpha, l1_ratio)
        sol = solver.solve(Xc, y, Quadratic(), penalty, sample_weight=sw_raw, fit_intercept=fit_intercept, init=w,
                           prepared=prep, **extra)
        yield Xc, sw, alpha, penalty, sol
        w, state = sol.coef, sol.dual_state


@settings(max_examples=40)
@given(problem=regression_problems(), l1_ratio=st.sampled_from([1.0, 0.6]), fit_intercept=st.booleans(),
       sparse=st.booleans())
def test_bounds_dominate_exact_correlations_along_a_path(problem, l1_ratio, fit_intercept, sparse):
    X, y, sw_raw = problem
    X = sp.csc_matrix(X) if sparse else (X.toarray() if sp.issparse(X) else X)
    fractions = [1.0, 0.8, 0.5, 0.3, 0.2, 0.1, 0.05]
    for Xc, sw, alpha, penalty, sol in _run_path(X, y, sw_raw, fit_intercept, l1_ratio, fractions):
        state = sol.dual_state
        if state is None:
            # nothing to fit (P(0) == 0, e.g. one sample with weight): the solver returns before any check
            assert not np.any(sol.coef)
            continue
        exact = _exact_correlations(Xc, state.theta, sw, fit_intercept)
        scale = max(1.0, float(np.max(exact, initial=0.0)))
        assert np.all(state.corr_bound >= exact - 1e-10 * scale), (alpha, state.corr_bound - exact)


@settings(max_examples=40)
@given(problem=regression_problems(), l1_ratio=st.sampled_from([1.0, 0.5]), fit_intercept=st.booleans(),
       sparse=st.booleans())
def test_sequentially_screened_solutions_are_certified_on_the_full_problem(problem, l1_ratio, fit_intercept,
                                                                         sparse):
    X, y, sw_raw = problem
    X = sp.csc_matrix(X) if sparse else (X.toarray() if sp.issparse(X) else X)
    tol = 1e-7
    for Xc, sw, alpha, penalty, sol in _run_path(X, y, sw_raw, fit_intercept, l1_ratio, np.geomspace(1, 0.02, 8),
                                                 tol=tol):
        cert = certificate(Xc, y, sol.coef, sol.intercept, Quadratic(), penalty, sw_raw, fit_intercept)
        b0 = np.dot(sw, y) if fit_intercept else 0.0
        p0 = 0.5 * np.dot(sw, (y - b0) ** 2)
        assert cert.gap <= tol * p0 * 1.01 + 1e-13, (alpha, cert.gap, tol * p0)


def test_screening_skips_most_of_the_checks_on_a_sparse_path():
    """On a text-like problem the checks read far less than one full pass per alpha (the point of the bounds)."""
    rng = np.random.default_rng(0)
    n, p = 400, 3000
    frequencies = np.minimum(0.5, 3.0 / np.arange(1, p + 1) ** 0.8)
    X = sp.csc_matrix((rng.random((n, p)) < frequencies) * rng.uniform(0.5, 1.5, (n, p)))
    w_true = np.zeros(p)
    w_true[rng.choice(200, 20, replace=False)] = rng.standard_normal(20)
    y = X @ w_true + 0.1 * rng.standard_normal(n)
    solver = CoordinateDescent(tol=1e-6)
    prep = prepare(X, None, True)
    amax = _alpha_max(X, y, np.ones(n) / n, True, 1.0)
    alphas = amax * np.geomspace(1, 0.05, 30)[1:]
    w, state = None, None
    for k, alpha in enumerate(alphas):
        extra = {} if state is None else {"dual_state": state, "strong_factor": max(2 - alphas[k - 1] / alpha, 0)}
        sol = solver.solve(X, y, Quadratic(), ElasticNetPenalty(alpha), init=w, prepared=prep, **extra)
        assert sol.converged
        w, state = sol.coef, sol.dual_state
    assert np.count_nonzero(w) >= 10
    passes = solver.work[0] / X.nnz
    assert passes < 0.5 * len(alphas), passes


@settings(max_examples=60)
@given(problem=regression_problems(), l1_ratio=st.sampled_from([1.0, 0.5]), fit_intercept=st.booleans(),
       sparse=st.booleans(), structure=st.sampled_from(["plain", "positive", "unpenalized"]),
       fraction=st.sampled_from([1.5, 0.5, 0.05]))
def test_a_cold_solve_from_the_targets_correlations_is_certified(problem, l1_ratio, fit_intercept, sparse,
                                                                 structure, fraction):
    """A cold solve whose first check takes ``X.T (sw y)`` from the column statistics' pass (instead of reading
    X) certifies its tolerance on the full problem and finds what a solve that reads X finds, also above
    alpha_max (where the first check is the last), with bounds and with an unpenalized feature."""
    X, y, sw_raw = problem
    X = sp.csc_matrix(X, dtype=np.float64) if sparse else np.asfortranarray(
        X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    n, p = X.shape
    sw = np.ones(n) / n if sw_raw is None else sw_raw / sw_raw.sum()
    alpha = max(_alpha_max(X, y, sw, fit_intercept, l1_ratio), 1e-3) * fraction
    options = {}
    if structure == "positive":
        options = {"lower_bounds": np.zeros(p)}
    elif structure == "unpenalized":
        options = {"weights": np.r_[0.0, np.ones(p - 1)]}
    penalty = ElasticNetPenalty(alpha, l1_ratio, **options)
    tol = 1e-7
    prep = prepare(X, sw_raw, fit_intercept, correlate=sw * y)
    solutions = []
    for given_corr in (None, prep.correlations):
        kept = None if given_corr is None else given_corr.copy()
        sol = CoordinateDescent(tol=tol).solve(X, y, Quadratic(), penalty, sample_weight=sw_raw,
                                               fit_intercept=fit_intercept, prepared=prep,
                                               target_correlations=given_corr)
        if given_corr is not None:
            np.testing.assert_array_equal(given_corr, kept)  # the caller's array is not written
        cert = certificate(X, y, sol.coef, sol.intercept, Quadratic(), penalty, sw_raw, fit_intercept)
        b0 = np.dot(sw, y) if fit_intercept else 0.0
        p0 = 0.5 * np.dot(sw, (y - b0) ** 2)
        assert cert.gap <= tol * p0 * 1.01 + 1e-13, (cert.gap, tol * p0)
        solutions.append(sol)
    reads, given_reads = solutions
    assert abs(reads.objective - given_reads.objective) <= 2 * tol * max(p0, 1e-300) + 1e-13


def test_a_cold_solve_from_the_targets_correlations_skips_one_pass():
    """The first check of a cold solve reads no column when the target's correlations are given: one full pass
    over X fewer, the same solution; a warm start, or a vector of the wrong shape, is not taken for them."""
    rng = np.random.default_rng(3)
    n, p = 300, 2000
    X = sp.random(n, p, density=0.02, format="csc", random_state=3)
    y = X @ np.where(rng.random(p) < 0.01, 3.0, 0.0) + 0.1 * rng.standard_normal(n) + 2.0
    prep = prepare(X, None, True, correlate=y / n)
    penalty = ElasticNetPenalty(0.1 * _alpha_max(X, y, np.ones(n) / n, True, 1.0))
    plain, given_corr = CoordinateDescent(tol=1e-8), CoordinateDescent(tol=1e-8)
    a = plain.solve(X, y, Quadratic(), penalty, prepared=prep)
    b = given_corr.solve(X, y, Quadratic(), penalty, prepared=prep, target_correlations=prep.correlations)
    assert a.converged and b.converged
    assert plain.work[0] - given_corr.work[0] == X.nnz
    np.testing.assert_allclose(b.coef, a.coef, rtol=1e-6, atol=1e-9)
    warm = CoordinateDescent(tol=1e-8)
    warm.solve(X, y, Quadratic(), penalty, prepared=prep, init=0.5 * a.coef, target_correlations=prep.correlations)
    reference = CoordinateDescent(tol=1e-8)
    reference.solve(X, y, Quadratic(), penalty, prepared=prep, init=0.5 * a.coef)
    assert warm.work[0] == reference.work[0]
    with pytest.raises(ValueError, match="target_correlations"):
        plain.solve(X, y, Quadratic(), penalty, prepared=prep, target_correlations=np.zeros(p - 1))
