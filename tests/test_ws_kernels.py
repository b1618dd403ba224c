"""The shared coordinate-descent subproblem solvers (:mod:`sparsefit.solvers._ws_kernels`)."""

import numpy as np
import pytest
import scipy.sparse as sp

from sparsefit.solvers._design import Design
from sparsefit.solvers._ws_kernels import (_across_margin, _dual_point, _epoch, plain_l1_on, solve_ws,
                                           solve_ws_active_first, top_scored, weight_summary)


def weighted_problem(sparse, seed=0, n=200, p=300):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.05, format="csc", random_state=seed)
    if not sparse:
        X = np.asfortranarray(X.toarray())
    v = rng.uniform(0.05, 0.25, n)  # Newton-like weights, not uniform
    z = np.asarray(X @ (rng.standard_normal(p) * (rng.random(p) < 0.05))).ravel() + 0.3 * rng.standard_normal(n)
    return X, v, z


def kkt_violation(X, v, z, w, b, l1):
    """Largest distance of -grad to the subdifferential of l1 |w|, for 1/2 sum v (z - X w - b)^2."""
    corr = np.asarray(X.T @ (v * (z - X @ w - b))).ravel()
    at_zero = np.maximum(np.abs(corr) - l1, 0.0)
    nonzero = np.abs(corr - l1 * np.sign(w))
    return float(np.max(np.where(w == 0.0, at_zero, nonzero)))


def weighted_stats(X, v, fit_intercept):
    """The design, dense X, sum(v) and the v-weighted column means and curvatures, by NumPy."""
    dense = X.toarray() if sp.issparse(X) else X
    v_sum = v.sum()
    xbar = (v @ dense) / v_sum if fit_intercept else np.zeros(X.shape[1])
    return Design(X), dense, v_sum, xbar, v @ (dense - xbar) ** 2


def run(kernel, X, v, z, l1_value, target, fit_intercept=True, fill_stats=False, trust_steps=False):
    design, dense, v_sum, xbar, lips = weighted_stats(X, v, fit_intercept)
    n, p = X.shape
    l1, l2 = np.full(p, l1_value), np.zeros(p)
    lower, upper = np.full(p, -np.inf), np.full(p, np.inf)
    w = np.zeros(p)
    r = z.copy()
    b = float(v @ r / v_sum) if fit_intercept else 0.0
    ws = np.arange(p, dtype=np.int64)
    if fill_stats:  # the kernel's first epoch must compute them: nothing it could read before
        xbar, lips = np.full(p, np.nan), np.full(p, np.nan)
    b, epochs, kkt = kernel(*design.storage, v, *weight_summary(v), z, r, b, w, ws, xbar, lips, l1, l2, lower, upper,
                            fit_intercept, target, np.int64(500), np.int64(4), np.int64(4), fill_stats, trust_steps)
    return w, b, epochs, kkt, r


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("fill_stats", [False, True])
def test_active_first_reaches_the_target_and_the_same_solution(sparse, fit_intercept, fill_stats):
    X, v, z = weighted_problem(sparse)
    dense = X.toarray() if sp.issparse(X) else X
    l1_max = np.max(np.abs(dense.T @ (v * (z - (v @ z / v.sum() if fit_intercept else 0.0)))))
    l1_value, target = l1_max / 8, 1e-7 * l1_max
    results = {}
    for kernel in (solve_ws, solve_ws_active_first):
        w, b, epochs, kkt, r = run(kernel, X, v, z, l1_value, target, fit_intercept, fill_stats)
        np.testing.assert_allclose(r, z - dense @ w, atol=1e-10)  # the residual it carries is the true one
        assert kkt <= target
        # checked independently; the intercept returned is optimal for w
        assert kkt_violation(dense, v, z, w, b, l1_value) <= target * (1 + 1e-6)
        if fit_intercept:
            assert abs(v @ (z - dense @ w - b)) <= 1e-10
        assert 0 < np.count_nonzero(w) < X.shape[1] / 4  # most of the working set stays at zero
        results[kernel.__name__] = w
    # the problem has a unique solution here (n < p, but the active columns are in general position)
    np.testing.assert_allclose(results["solve_ws_active_first"], results["solve_ws"], atol=1e-5)


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_trusting_the_steps_stops_no_later_near_the_target(sparse, fit_intercept):
    # trust_steps ends the solve after a pass whose largest step is within the target, without the working set's
    # own check: the caller's check decides. The point is then near the target (not within it for sure), its
    # residual exact, and no more epochs were run than the checked solve's
    X, v, z = weighted_problem(sparse, seed=4)
    dense = X.toarray() if sp.issparse(X) else X
    l1_max = np.max(np.abs(dense.T @ (v * (z - (v @ z / v.sum() if fit_intercept else 0.0)))))
    l1_value, target = l1_max / 8, 1e-7 * l1_max
    w_checked, _, epochs_checked, kkt, _ = run(solve_ws, X, v, z, l1_value, target, fit_intercept)
    assert kkt <= target
    w, b, epochs, kkt_trusted, r = run(solve_ws, X, v, z, l1_value, target, fit_intercept, trust_steps=True)
    assert kkt_trusted > target  # its last check of its own had not met the target: it ended on its steps
    np.testing.assert_allclose(r, z - dense @ w, atol=1e-10)
    assert 2 <= epochs <= epochs_checked
    b_opt = v @ r / v.sum() if fit_intercept else 0.0
    assert abs(b - b_opt) <= 1e-10 * max(1.0, abs(b_opt))
    assert kkt_violation(dense, v, z, w, b_opt, l1_value) <= 100 * target
    np.testing.assert_allclose(w, w_checked, atol=1e-4)


@pytest.mark.parametrize("sparse", [True, False])
def test_plain_l1_epoch_takes_the_general_proximal_step(sparse):
    # _epoch's soft-threshold for plain L1 must give the iterates the general step gives (l2 = 0, no bounds),
    # down to the last bit, and the general step must still apply once a feature has a bound
    X, v, z = weighted_problem(sparse, seed=3)
    design = Design(X)
    n, p = X.shape
    dense = X.toarray() if sp.issparse(X) else X
    xbar = (v @ dense) / v.sum()
    lips = v @ (dense - xbar) ** 2
    l1_value = np.max(np.abs(dense.T @ (v * (z - v @ z / v.sum())))) / 10
    l1, l2 = np.full(p, l1_value), np.zeros(p)
    lower, upper = np.full(p, -np.inf), np.full(p, np.inf)
    ws = np.arange(p, dtype=np.int64)
    assert plain_l1_on(ws, l2, lower, upper)
    iterates = []
    for plain in (True, False):
        w, r, b = np.zeros(p), z.copy(), float(v @ z / v.sum())
        for _ in range(5):
            b, _ = _epoch(*design.storage, v, v.sum(), 0.0, r, b, w, ws, xbar, lips, l1, l2, lower, upper, True, plain,
                          False)
        iterates.append((w.copy(), r.copy(), b))
    assert np.count_nonzero(iterates[0][0]) > 0
    np.testing.assert_array_equal(iterates[0][0], iterates[1][0])
    np.testing.assert_array_equal(iterates[0][1], iterates[1][1])
    assert iterates[0][2] == iterates[1][2]
    upper[ws[-1]] = 0.0
    assert not plain_l1_on(ws, l2, lower, upper)
    assert plain_l1_on(ws[:-1], l2, lower, upper)


@pytest.mark.parametrize("weights", ["uniform", "varied", "some zero"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_dual_point_and_its_steps_match_numpy(weights, fit_intercept):
    """The dual point, the gap's sums and the step in both norms the correlation bounds grow by."""
    rng = np.random.default_rng(5)
    n = 257  # not a multiple of a vector width
    raw = {"uniform": np.ones(n), "varied": rng.uniform(0.2, 3.0, n),
           "some zero": np.where(rng.random(n) < 0.3, 0.0, 1.0)}[weights]
    v = raw / raw.sum()
    uniform = weights == "uniform"
    y = rng.standard_normal(n)
    r = y - rng.standard_normal(n) * 0.3
    theta_old = rng.standard_normal(n) * v
    theta = theta_old.copy()
    step = np.empty(n)
    # the offset from a reference point along a unit direction (in the dual's metric, sum u^2 / v = 1)
    ref = rng.standard_normal(n) * v
    u = rng.standard_normal(n) * v
    u[v == 0] = 0.0
    u /= np.sqrt(np.sum(u[v > 0] ** 2 / v[v > 0]))
    ref_n = np.vstack([ref, u])
    b, loss, dual_lin, dual_quad, dist, dist_max, t, e = _dual_point(v, 1.0, 1.0 / v[0] if uniform else 0.0, r, 0.0,
                                                                     y, fit_intercept, True, theta, step, ref_n, True)
    b_expected = float(v @ r) if fit_intercept else 0.0
    expected = v * (r - b_expected)
    positive = v > 0
    np.testing.assert_allclose(theta, expected, rtol=1e-12, atol=1e-15)
    assert abs(b - b_expected) <= 1e-12
    np.testing.assert_allclose(loss, v @ (r - b_expected) ** 2, rtol=1e-12)
    np.testing.assert_allclose(dual_lin, expected @ y, rtol=1e-12)
    np.testing.assert_allclose(dual_quad, np.sum(expected[positive] ** 2 / v[positive]), rtol=1e-12)
    moved = expected - theta_old
    np.testing.assert_allclose(dist, np.sqrt(np.sum(moved[positive] ** 2 / v[positive])), rtol=1e-12)
    # the largest move (a sample without weight has theta 0 and does not count)
    np.testing.assert_allclose(dist_max, np.max(np.abs(moved[positive])), rtol=1e-12)
    offset = np.where(positive, expected - ref, 0.0)
    t_expected = np.sum(offset[positive] * u[positive] / v[positive])
    across = offset - t_expected * u
    np.testing.assert_allclose(t, t_expected, rtol=1e-10)
    e_expected = np.sqrt(np.sum(across[positive] ** 2 / v[positive]))
    # never below the exact distance across (a bound), at most the rounding margin above it
    margin = 2 * _across_margin(n) * np.sum(offset[positive] ** 2 / v[positive])
    assert e_expected * (1 - 1e-12) <= e <= np.sqrt(e_expected ** 2 + margin)
    # without the reference: the same point, no offset
    theta_again = theta_old.copy()
    *same, t0, e0 = _dual_point(v, 1.0, 1.0 / v[0] if uniform else 0.0, r, 0.0, y, fit_intercept, True, theta_again,
                                step, ref_n, False)
    np.testing.assert_array_equal(theta_again, theta)
    assert (t0, e0) == (0.0, 0.0)


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_epoch_fills_the_weighted_column_statistics_it_uses(sparse, fit_intercept):
    """With fill_stats an epoch computes xbar and lips from v in its own column loops (a proximal Newton step's
    Hessian weights): the values NumPy gives, and the iterate an epoch with them given takes."""
    X, v, z = weighted_problem(sparse, seed=5)
    design, dense, v_sum, xbar, lips = weighted_stats(X, v, fit_intercept)
    p = X.shape[1]
    l1 = np.full(p, np.max(np.abs(dense.T @ (v * (z - v @ z / v_sum)))) / 10)
    l2, lower, upper = np.zeros(p), np.full(p, -np.inf), np.full(p, np.inf)
    ws = np.arange(0, p, 2, dtype=np.int64)
    iterates = []
    for fill in (False, True):
        w, r = np.zeros(p), z.copy()
        b = float(v @ r / v_sum) if fit_intercept else 0.0
        xbar_in, lips_in = (np.full(p, np.nan), np.full(p, np.nan)) if fill else (xbar.copy(), lips.copy())
        b, _ = _epoch(*design.storage, v, v_sum, 0.0, r, b, w, ws, xbar_in, lips_in, l1, l2, lower, upper,
                      fit_intercept, True, fill)
        if fill:
            np.testing.assert_allclose(xbar_in[ws], xbar[ws], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(lips_in[ws], lips[ws], rtol=1e-10, atol=1e-15)
            assert np.isnan(xbar_in[1::2]).all()  # features outside ws untouched
        iterates.append((w, b))
    assert np.count_nonzero(iterates[0][0]) > 0
    np.testing.assert_allclose(iterates[1][0], iterates[0][0], rtol=1e-9, atol=1e-12)
    assert iterates[1][1] == pytest.approx(iterates[0][1], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_working_set_is_the_set_a_stable_sort_keeps(seed):
    """The selection by partition keeps what sorting the scores (stable: ties in the candidates' order) keeps,
    returned increasing: the support and unpenalized features (score inf) first, then the largest KKT
    distances."""
    rng = np.random.default_rng(seed)
    n_candidates = int(rng.integers(1, 400))
    candidates = np.sort(rng.choice(n_candidates + 50, size=n_candidates, replace=False)).astype(np.int64)
    # few distinct values, so ties straddle the cut
    score = np.where(rng.random(n_candidates) < 0.1, np.inf, (rng.integers(0, 6, n_candidates) + 1) * 0.25)
    for ws_size in {1, 2, n_candidates // 2 + 1, max(n_candidates - 1, 1), n_candidates, n_candidates + 3}:
        expected = np.sort(candidates[np.argsort(-score, kind="mergesort")[:ws_size]])
        np.testing.assert_array_equal(top_scored(candidates, score, ws_size), expected)
