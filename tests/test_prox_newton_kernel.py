"""The compiled proximal Newton solve (:mod:`sparsefit.solvers._pn_kernels`): certificates and equivalences."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numba import njit

from sparsefit._objective import Logistic
from sparsefit._optimality import certificate
from sparsefit._penalty import ElasticNetPenalty
from sparsefit.solvers import ProxNewton
from sparsefit.solvers import _pn_kernels
from sparsefit.solvers._kernels import exp_neg, log1p_unit
from sparsefit.solvers._design import Design
from sparsefit.solvers._prepared import prepare


def problem(n=120, p=40, seed=0, density=0.3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * (rng.random((n, p)) < density)
    w = np.zeros(p)
    w[:5] = rng.standard_normal(5) * 2
    y = np.where(X @ w + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return np.asfortranarray(X), y


def alpha_max(X, y, sw, fit_intercept=True):
    return ElasticNetPenalty(1.0).alpha_max(
        X.T @ Logistic().raw_grad(y, np.full(len(y), Logistic().null_intercept(y, sw) if fit_intercept else 0.0), sw))


def test_evaluate_matches_the_datafit_without_overflow():
    rng = np.random.default_rng(1)
    y = np.where(rng.random(9) > 0.5, 1.0, -1.0)
    sw = rng.uniform(0.5, 2.0, 9)
    sw /= sw.sum()
    u = np.array([-800.0, -40.0, -1.0, -1e-9, 0.0, 1e-9, 2.0, 40.0, 800.0])
    out_u, theta, h = np.empty(9), np.empty(9), np.empty(9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, h_sum, theta_sum, hess = _pn_kernels._evaluate(y, sw, u, 0.0, out_u, theta, h)
    datafit = Logistic()
    assert loss == pytest.approx(datafit.value(y, u, sw), rel=1e-14)
    np.testing.assert_allclose(theta, -datafit.raw_grad(y, u, sw), rtol=1e-14, atol=0)
    raw_h = datafit.raw_hessian(y, u, sw)
    np.testing.assert_allclose(h, np.maximum(raw_h, 1e-12 * sw), rtol=1e-12, atol=1e-300)
    assert hess == pytest.approx(raw_h.sum(), rel=1e-12)
    assert theta_sum == pytest.approx(theta.sum(), rel=1e-14)
    assert h_sum == pytest.approx(h.sum(), rel=1e-14)


def test_evaluate_loss_is_accurate_on_well_fit_samples():
    # log(1 + e) as 2 atanh(e / (2 + e)): no rounding of 1 + e first, so even a loss of ~1e-9 (every sample well
    # fit) keeps its relative accuracy
    rng = np.random.default_rng(4)
    y = np.where(rng.random(1000) > 0.5, 1.0, -1.0)
    sw = np.full(1000, 1e-3)
    u = y * rng.uniform(15.0, 25.0, 1000)
    loss = _pn_kernels._evaluate(y, sw, u, 0.0, np.empty(1000), np.empty(1000), np.empty(1000))[0]
    exact = float(np.sum(sw * np.log1p(np.exp(-np.abs(u)))))
    assert 0.0 < exact < 1e-6
    assert loss == pytest.approx(exact, rel=1e-14)


@njit
def _map_exp_neg(a, out):
    for i in range(a.shape[0]):
        out[i] = exp_neg(a[i])


@njit
def _map_log1p_unit(e, out):
    for i in range(e.shape[0]):
        out[i] = log1p_unit(e[i])


def test_vectorizable_exp_and_log1p_match_libm():
    """The loss's exp(-a) and log(1 + e) to a few ulp, through the subnormal range to zero."""
    rng = np.random.default_rng(5)
    a = np.concatenate([rng.uniform(0.0, 40.0, 20_000), rng.uniform(0.0, 760.0, 20_000),
                        np.geomspace(1e-300, 1e-3, 500),
                        [0.0, 5e-324, 0.5 * np.log(2.0), 708.0, 708.4, 709.8, 744.4, 745.1, 745.2, 746.0, 1399.0,
                         1400.0, 1e6, np.inf]])
    got = np.empty_like(a)
    _map_exp_neg(a, got)
    want = np.exp(-a)
    normal = want >= np.finfo(float).tiny
    np.testing.assert_allclose(got[normal], want[normal], rtol=2 * np.finfo(float).eps, atol=0)
    # subnormal results within one subnormal unit, and zero where exp underflows to zero
    np.testing.assert_allclose(got[~normal], want[~normal], rtol=0, atol=5e-324)
    assert np.all(got[a >= 746.0] == 0.0)
    e = np.concatenate([rng.random(20_000), np.geomspace(1e-300, 1.0, 2_000), [0.0, 1.0]])
    got = np.empty_like(e)
    _map_log1p_unit(e, got)
    np.testing.assert_allclose(got, np.log1p(e), rtol=4 * np.finfo(float).eps, atol=0)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_certified_dense_equals_csc(fit_intercept, l1_ratio):
    X, y = problem()
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    sw /= sw.sum()
    alpha = alpha_max(X, y, sw, fit_intercept) / 20
    pen = ElasticNetPenalty(alpha, l1_ratio)
    sols = [ProxNewton(tol=1e-10).solve(data, y, Logistic(), pen, sample_weight=sw, fit_intercept=fit_intercept)
            for data in (X, sp.csc_matrix(X))]
    for sol in sols:
        assert sol.converged
        cert = certificate(X, y, sol.coef, sol.intercept, Logistic(), pen, sw, fit_intercept)
        assert cert.gap <= 1e-10 * np.log(2.0) * 1.01 + 1e-14
        assert cert.kkt_violation <= 1e-5
        assert np.count_nonzero(sol.coef) >= 2
        # the Xt_theta the path's strong rule uses is X.T (-grad F) at the returned point, but (CSC, a check
        # after the first) where the check's bounds vouched for a feature at zero
        theta = -Logistic().raw_grad(y, X @ sol.coef + sol.intercept, sw)
        assert_exact_or_vouched_for(sol, X.T @ theta, pen.l1_vector(X.shape[1]))
    np.testing.assert_allclose(sols[0].coef, sols[1].coef, atol=1e-7)
    assert sols[0].intercept == pytest.approx(sols[1].intercept, abs=1e-7)


def test_unpenalized_features_and_bounds_use_the_kkt_rule():
    X, y = problem(seed=3)
    p = X.shape[1]
    sw = np.full(len(y), 1.0 / len(y))
    factor = np.ones(p)
    factor[[0, 7]] = 0.0
    lower = np.full(p, -np.inf)
    lower[10:] = 0.0
    alpha = alpha_max(X, y, sw) / 10
    pen = ElasticNetPenalty(alpha, 1.0, factor, lower, np.full(p, np.inf))
    for data in (X, sp.csc_matrix(X)):
        sol = ProxNewton(tol=1e-9).solve(data, y, Logistic(), pen)
        assert sol.converged and np.isnan(sol.dual_gap)
        assert sol.coef[0] != 0.0 and sol.coef[7] != 0.0
        assert (sol.coef[10:] >= 0.0).all()
        cert = certificate(X, y, sol.coef, sol.intercept, Logistic(), pen)
        assert cert.kkt_violation <= 1e-7


def test_warm_start_with_a_first_working_set_matches_a_cold_solve():
    X, y = problem(n=200, p=60, seed=4)
    X = sp.csc_matrix(X)
    sw = np.full(len(y), 1.0 / len(y))
    a_max = alpha_max(X, y, sw)
    prev = ProxNewton(tol=1e-10).solve(X, y, Logistic(), ElasticNetPenalty(a_max / 5))
    alpha = a_max / 6
    strong = np.flatnonzero(np.abs(prev.Xt_theta) >= 2 * alpha - a_max / 5)
    warm = ProxNewton(tol=1e-10).solve(X, y, Logistic(), ElasticNetPenalty(alpha), init=prev.coef,
                                       init_intercept=prev.intercept, ws_init=strong)
    cold = ProxNewton(tol=1e-10).solve(X, y, Logistic(), ElasticNetPenalty(alpha))
    assert warm.converged and cold.converged
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    np.testing.assert_allclose(warm.coef, cold.coef, atol=1e-6)


def test_separated_classes_stay_finite():
    # large margins: exp(-y u) overflows without the logaddexp form
    X, y = problem(n=80, p=10, seed=5)
    X = X * 50.0
    sol = ProxNewton(tol=1e-8).solve(X, y, Logistic(), ElasticNetPenalty(1e-4))
    assert np.isfinite(sol.coef).all() and np.isfinite(sol.objective)
    cert = certificate(X, y, sol.coef, sol.intercept, Logistic(), ElasticNetPenalty(1e-4))
    assert np.isfinite(cert.gap)


@pytest.mark.parametrize("intercept", [-800.0, -40.0, -1.3, 0.0, 0.7, 40.0, 800.0])
def test_intercept_only_model_equals_the_datafit_at_a_constant_predictor(intercept):
    """The datafits' closed form of the intercept-only model (the path's null model) against their own value
    and gradient at a constant predictor, zero-weight rows included, without overflow."""
    from sparsefit._objective import Quadratic

    rng = np.random.default_rng(5)
    n = 31
    sw = rng.uniform(0.5, 2.0, n)
    sw[[3, 17]] = 0.0
    sw /= sw.sum()
    for datafit, y in ((Logistic(), np.where(rng.random(n) > 0.3, 1.0, -1.0)), (Quadratic(), rng.normal(size=n))):
        predictor = np.full(n, intercept)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value, theta = datafit.intercept_only(y, sw, intercept)
        assert value == pytest.approx(datafit.value(y, predictor, sw), rel=1e-14, abs=1e-300)
        np.testing.assert_allclose(theta, -datafit.raw_grad(y, predictor, sw), rtol=1e-15, atol=0)
        assert np.all(theta[[3, 17]] == 0.0)


def test_each_kernel_has_at_most_two_signatures():
    X, y = problem(seed=6)
    for data in (X, sp.csc_matrix(X)):
        for fit_intercept in (True, False):
            ProxNewton(tol=1e-6).solve(data, y, Logistic(), ElasticNetPenalty(0.01), fit_intercept=fit_intercept)
    for name, kernel in vars(_pn_kernels).items():
        if hasattr(kernel, "signatures") and not name.startswith("__"):
            assert len(kernel.signatures) <= 2, (name, kernel.signatures)


@pytest.mark.parametrize("carry_state", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_loose_path_steps_are_certified_independently(l1_ratio, carry_state):
    # the first working set stops at a first-order gap estimate and the check skips the intercept solve:
    # every alpha must still meet gap <= tol * P(0) when the gap is recomputed from scratch
    X, y = problem(n=300, p=200, seed=7, density=0.05)
    X = sp.csc_matrix(X)
    n = len(y)
    sw = np.full(n, 1.0 / n)
    datafit = Logistic()
    b0 = datafit.null_intercept(y, sw)
    p0 = datafit.value(y, np.full(n, b0), sw)
    a_max = alpha_max(X, y, sw) / l1_ratio
    tol = 1e-4
    solver = ProxNewton(tol=tol)
    w, b, prev_alpha, Xt_theta, state, w_prev = None, None, None, None, None, None
    carried = 0
    for alpha in np.geomspace(a_max, a_max / 100, 30)[1:]:
        penalty = ElasticNetPenalty(alpha, l1_ratio=l1_ratio)
        strong = None
        if Xt_theta is not None:
            strong = np.flatnonzero(np.abs(Xt_theta) >= (2 * alpha - prev_alpha) * l1_ratio)
        factor = None
        if state is not None:
            carried += state.describes(w, b)
            # the kernel's own strong set, from the correlations the state carries, must equal the one above
            factor, strong = max(2.0 - prev_alpha / alpha, 0.0), None
            expected_ws = set(np.flatnonzero(np.abs(state.correlations) >= factor * alpha * l1_ratio))
        # as a path does: the previous solution is overwritten and its per-sample arrays are reused
        sol = solver.solve(X, y, datafit, penalty, init=w, init_intercept=b, ws_init=strong,
                           overwrite_init=carry_state, predictor_state=state, strong_factor=factor)
        assert sol.converged
        np.testing.assert_array_equal(sol.support, np.flatnonzero(sol.coef))
        if factor is not None:
            assert sol.first_ws_misses == len(set(sol.support) - expected_ws - set(np.flatnonzero(w_prev)))
        cert = certificate(X, y, sol.coef, sol.intercept, datafit, penalty)
        assert cert.gap <= tol * p0 * (1 + 1e-9), (alpha, cert.gap, tol * p0)
        w, b, prev_alpha, Xt_theta = sol.coef, sol.intercept, alpha, sol.Xt_theta
        w_prev = w.copy()
        state = sol.predictor_state if carry_state else None
    assert carried == (28 if carry_state else 0)


def test_a_predictor_state_of_another_point_is_not_used():
    X, y = problem(n=200, p=60, seed=8, density=0.2)
    sw = np.full(len(y), 1.0 / len(y))
    penalty = ElasticNetPenalty(alpha_max(X, y, sw) / 10)
    first = ProxNewton(tol=1e-8).solve(X, y, Logistic(), penalty)
    stale = first.predictor_state
    assert stale.describes(first.coef, first.intercept)
    # the state describes first's point; a warm start elsewhere must rebuild X w, the predictor and the weights
    init = first.coef * 0.5
    stale.theta[:] = 1e3  # poison: a solve that trusted the state would certify from these
    sol = ProxNewton(tol=1e-8).solve(X, y, Logistic(), penalty, init=init, init_intercept=first.intercept,
                                     predictor_state=stale)
    cert = certificate(X, y, sol.coef, sol.intercept, Logistic(), penalty)
    p0 = Logistic().value(y, np.full(len(y), Logistic().null_intercept(y, sw)), sw)
    assert sol.converged and cert.gap <= 1e-8 * p0 * (1 + 1e-9)
    assert sol.predictor_state is stale and stale.describes(sol.coef, sol.intercept)


def labels_and_weights(rng, n, negative_rate, n_unweighted):
    """Labels in {-1, +1} and normalized sample weights, the first ``n_unweighted`` of them zero."""
    y = np.where(rng.random(n) > negative_rate, 1.0, -1.0)
    sw = rng.uniform(0.2, 2.0, n)
    sw[:n_unweighted] = 0.0
    return y, sw / sw.sum()


def gradient_and_weights(y, sw, u):
    """``theta = -grad F(u)`` and the Newton weights, from the kernel's own evaluation."""
    out_u, theta, h = np.empty(len(y)), np.empty(len(y)), np.empty(len(y))
    _pn_kernels._evaluate(y, sw, u, 0.0, out_u, theta, h)
    return theta, h


@pytest.mark.parametrize("seed", range(6))
def test_conjugate_excess_bounds_the_exact_gap_term_from_above(seed):
    # F(u) + F*(-theta') at the dual point theta' = kappa (theta - shift sw), computed from the logs directly
    rng = np.random.default_rng(seed)
    n = 400
    y, sw = labels_and_weights(rng, n, 0.4, 3)
    u = rng.standard_normal(n) * [0.5, 3.0, 12.0, 40.0][seed % 4]
    theta, h = gradient_and_weights(y, sw, u)
    datafit = Logistic()
    for kappa, shift in [(1.0, 0.0), (0.999, 0.0), (1.0, 1e-7), (0.97, -3e-5), (0.5, 1e-3)]:
        dual = kappa * (theta - shift * sw)
        exact = datafit.value(y, u, sw) + datafit.conjugate(y, dual, sw)
        bound = _pn_kernels._conjugate_excess(y, sw, u, theta, h, kappa, shift)
        if not np.isfinite(exact):
            assert bound == np.inf
            continue
        assert bound >= exact - 1e-15, (kappa, shift, bound, exact)
        # tight: the quadratic term is within a factor 4 of the second-order term of the exact value
        assert bound - exact <= 1e-14 + 4 * abs(exact - (-theta @ u)), (kappa, shift, bound, exact)


@pytest.mark.parametrize("seed", range(4))
def test_shift_test_agrees_with_the_conjugates_domain(seed):
    # the check refits the intercept when the projection theta - shift sw leaves the conjugate's domain: the
    # branch-free test must say so exactly when Logistic.conjugate is infinite
    rng = np.random.default_rng(seed)
    n = 300
    y, sw = labels_and_weights(rng, n, 0.5, 2)
    u = y * rng.uniform(0.0, [2.0, 15.0, 30.0, 45.0][seed], n)  # well-fit samples: t_i = sigmoid(-|u_i|) -> 0
    theta, _ = gradient_and_weights(y, sw, u)
    t_min = np.min(y[sw > 0] * theta[sw > 0] / sw[sw > 0])
    datafit = Logistic()
    answers = set()
    for shift in [0.0, 0.5 * t_min, 2.0 * t_min + 1e-11, -0.5 * t_min, -2.0 * t_min - 1e-11, 0.3, -0.3]:
        leaves = _pn_kernels._shift_leaves_domain(y, sw, theta, shift)
        assert leaves == (not np.isfinite(datafit.conjugate(y, theta - shift * sw, sw))), shift
        answers.add(leaves)
    assert answers == {True, False}


@pytest.mark.parametrize("seed", range(3))
def test_every_check_of_a_near_separable_cold_fit_has_a_finite_gap(seed):
    # p >> n: the first Newton steps fit many samples with large margins (t_i ~ 0), where projecting theta onto
    # sum(theta) = 0 by a uniform shift leaves the dual domain; the check refits the intercept instead, so a
    # solve stopped after any number of Newton steps reports a finite gap, which bounds its suboptimality
    rng = np.random.default_rng(seed)
    n, p = 200, 2000
    X = sp.random(n, p, density=0.05, format="csc", random_state=seed)
    y = np.where(X @ rng.standard_normal(p) > 0, 1.0, -1.0)
    sw = np.full(n, 1.0 / n)
    pen = ElasticNetPenalty(alpha_max(X.toarray(), y, sw) / 100)
    best = ProxNewton(tol=1e-13).solve(X, y, Logistic(), pen).objective
    for max_iter in range(1, 8):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # stopped short on purpose
            sol = ProxNewton(tol=1e-10, max_iter=max_iter).solve(X, y, Logistic(), pen)
        assert np.isfinite(sol.dual_gap), max_iter
        primal = certificate(X, y, sol.coef, sol.intercept, Logistic(), pen).primal
        assert primal == pytest.approx(sol.objective, rel=1e-12)
        assert 0.0 <= primal - best <= sol.dual_gap * (1 + 1e-9) + 1e-15, max_iter


def assert_exact_or_vouched_for(sol, exact_corr, l1):
    """The solution's correlations are exact where its state marks them so; the others (where the check's bounds
    vouched for a feature) belong to features at zero whose correlation is within their l1."""
    marked = sol.predictor_state.exact
    np.testing.assert_allclose(sol.Xt_theta[marked], exact_corr[marked], rtol=1e-7, atol=1e-9)
    assert np.all(sol.coef[~marked] == 0.0)
    assert np.all(np.abs(exact_corr[~marked]) <= l1[~marked] * (1 + 1e-8))


def without_bounds(p):
    """_check_pass's correlation-bound arguments, switched off (every feature computed)."""
    return np.zeros(p), np.zeros(p), np.empty(p), np.empty(p), 0.0, 0.0, False, np.empty(p, dtype=bool)


@pytest.mark.parametrize("sparse", [True, False])
def test_check_pass_plain_l1_branch_equals_the_general_one(sparse):
    # the check's plain-L1 shortcut must return what the general per-feature code returns, bit for bit
    rng = np.random.default_rng(5)
    n, p = 80, 300
    X = sp.random(n, p, density=0.1, format="csc", random_state=5)
    design = Design(X if sparse else np.asfortranarray(X.toarray()))
    theta = rng.standard_normal(n) * 0.05
    corr = np.asarray(X.T @ theta).ravel()
    w = np.where(rng.random(p) < 0.1, rng.standard_normal(p), 0.0)
    screened = (rng.random(p) < 0.2) & (w == 0.0)
    l1 = np.abs(corr) * rng.uniform(0.5, 1.5, p) + 1e-3  # about half the features violate
    l2, lower, upper = np.zeros(p), np.full(p, -np.inf), np.full(p, np.inf)
    xbar = np.asarray(X.mean(axis=0)).ravel()
    results = []
    for plain in (True, False):
        Xt_theta = np.empty(p) if sparse else corr.copy()
        dist = np.empty(p)
        kkt, pen, kappa = _pn_kernels._check_pass(*design.storage[:3], sparse, theta, w, screened, l1, l2, lower,
                                                  upper, xbar, 0.01, Xt_theta, dist, plain, np.empty(0, dtype=bool),
                                                  *without_bounds(p))
        results.append((kkt, pen, kappa, Xt_theta, dist))
    (kkt, pen, kappa, Xt_theta, dist), general = results
    assert (kkt, pen, kappa) == general[:3]
    np.testing.assert_array_equal(dist, general[4])
    np.testing.assert_array_equal(Xt_theta, general[3])
    assert 0.0 < kappa < 1.0 and kkt > 0.0 and np.all(dist[screened] == 0.0)


def test_check_pass_reads_the_known_correlations_of_a_working_set():
    """A path solve's check takes its working set's correlations from its last KKT test: the features marked
    known are read from Xt_theta, the others computed, and the result is the full pass's when they agree."""
    rng = np.random.default_rng(8)
    n, p = 80, 300
    X = sp.random(n, p, density=0.1, format="csc", random_state=8)
    theta = rng.standard_normal(n) * 0.05
    corr = np.asarray(X.T @ theta).ravel()
    w = np.where(rng.random(p) < 0.1, rng.standard_normal(p), 0.0)
    l1 = np.abs(corr) * rng.uniform(0.5, 1.5, p) + 1e-3
    l2, lower, upper = np.zeros(p), np.full(p, -np.inf), np.full(p, np.inf)
    xbar = np.asarray(X.mean(axis=0)).ravel()
    screened = np.zeros(p, dtype=bool)
    known = (w != 0.0) | (rng.random(p) < 0.2)

    def check(Xt_theta, mask):
        dist = np.empty(p)
        out = _pn_kernels._check_pass(X.data, X.indices, X.indptr, True, theta, w, screened, l1, l2, lower, upper,
                                      xbar, 0.01, Xt_theta, dist, True, mask, *without_bounds(p))
        return out, Xt_theta, dist

    full, full_corr, full_dist = check(np.empty(p), np.empty(0, dtype=bool))
    np.testing.assert_allclose(full_corr, corr, rtol=1e-12, atol=1e-15)
    prefilled = np.where(known, full_corr, np.nan)  # the others must be computed, not read
    reused, reused_corr, reused_dist = check(prefilled, known)
    assert reused == full
    np.testing.assert_array_equal(reused_corr, full_corr)
    np.testing.assert_array_equal(reused_dist, full_dist)
    # and a known value is what the pass uses: a feature's stated correlation far past its l1 is its violation
    j = np.flatnonzero(known & (w == 0.0))[0]
    stated = np.where(known, full_corr, np.nan)
    stated[j] = 10.0 * l1[j]
    _, _, dist = check(stated, known)
    assert dist[j] == pytest.approx(9.0 * l1[j])


def test_feature_summary_flags_and_alpha_scaling():
    # a path computes the summary once from the unit penalties and scales it: that must equal the summary of
    # the scaled penalties at every alpha > 0 (pn_solve takes one or the other)
    rng = np.random.default_rng(6)
    p = 50
    lips = rng.uniform(0.1, 1.0, p)
    lips[[3, 7]] = 0.0  # constant columns
    unit_l1 = rng.uniform(0.5, 2.0, p)
    unit_l1[[7, 10, 11]] = 0.0  # 10, 11 unpenalized; 7 constant as well
    unit_l2 = np.zeros(p)
    lower, upper = np.full(p, -np.inf), np.full(p, np.inf)
    flags = np.empty(p, dtype=bool), np.empty(p, dtype=bool)
    unit = _pn_kernels.feature_summary(lips, unit_l1, unit_l2, lower, upper, *flags)
    np.testing.assert_array_equal(flags[0], lips <= 0)
    np.testing.assert_array_equal(np.flatnonzero(flags[1]), [10, 11])
    assert unit[0] == 2 and unit[4] == 1.0
    assert unit[1] == unit_l1.max() and unit[3] == unit_l1[(unit_l1 > 0) & (lips > 0)].min()
    for alpha in (1e-3, 0.37, 5.0):
        scaled_flags = np.empty(p, dtype=bool), np.empty(p, dtype=bool)
        scaled = _pn_kernels.feature_summary(lips, alpha * unit_l1, alpha * unit_l2, lower, upper, *scaled_flags)
        np.testing.assert_array_equal(scaled_flags[0], flags[0])
        np.testing.assert_array_equal(scaled_flags[1], flags[1])
        np.testing.assert_array_equal(scaled[[0, 4]], unit[[0, 4]])
        np.testing.assert_array_equal(scaled[1:4], alpha * unit[1:4])
    upper[5] = 1.0  # one bound: no longer plain L1
    assert _pn_kernels.feature_summary(lips, unit_l1, unit_l2, lower, upper, *flags)[4] == 0.0


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("structure", ["plain", "elastic-net", "unpenalized", "positive"])
@pytest.mark.parametrize("fraction", [1.5, 0.3, 0.02])
def test_a_cold_solve_from_the_labels_correlations_is_certified(sparse, fit_intercept, structure, fraction):
    """A cold solve whose first check takes ``X.T (sw y)`` from the column statistics' pass certifies its
    tolerance on the full problem and finds what a solve that reads X finds (also above alpha_max, where the
    first check is the last; with weights, without an intercept, with an unpenalized feature and bounds)."""
    X, y = problem(n=150, p=50, seed=9)
    data = sp.csc_matrix(X) if sparse else X
    raw = np.random.default_rng(3).uniform(0.2, 3.0, len(y))
    sw = raw / raw.sum()
    p = X.shape[1]
    alpha = alpha_max(X, y, sw, fit_intercept) * fraction
    options = {"elastic-net": {"l1_ratio": 0.5}, "unpenalized": {"weights": np.r_[0.0, np.ones(p - 1)]},
               "positive": {"lower_bounds": np.zeros(p)}}.get(structure, {})
    pen = ElasticNetPenalty(alpha, **options)
    prep = prepare(data, raw, fit_intercept, correlate=sw * y)
    tol = 1e-9
    given = prep.correlations.copy()
    solutions = [ProxNewton(tol=tol).solve(data, y, Logistic(), pen, sample_weight=raw, fit_intercept=fit_intercept,
                                           prepared=prep, target_correlations=corr)
                 for corr in (None, prep.correlations)]
    np.testing.assert_array_equal(prep.correlations, given)  # the caller's array is not written
    for sol in solutions:
        assert sol.converged
        cert = certificate(X, y, sol.coef, sol.intercept, Logistic(), pen, sw, fit_intercept)
        if structure == "unpenalized":
            assert cert.kkt_violation <= 1e-6
        else:
            assert cert.gap <= tol * np.log(2.0) * 1.01 + 1e-14
        # X.T theta at the last check (above alpha_max: the first, from the given correlations)
        theta = -Logistic().raw_grad(y, X @ sol.coef + sol.intercept, sw)
        assert_exact_or_vouched_for(sol, X.T @ theta, pen.l1_vector(p))
    assert solutions[1].objective == pytest.approx(solutions[0].objective, rel=1e-7, abs=1e-12)


def test_a_cold_solve_takes_the_given_correlations_without_reading_x():
    """What "instead of a pass over X" means: the first check trusts the given correlations. Zeros claim that
    the null model is optimal below alpha_max, and the solve stops there; a warm start ignores them."""
    X, y = problem(n=150, p=50, seed=9)
    data = sp.csc_matrix(X)
    pen = ElasticNetPenalty(alpha_max(X, y, np.full(len(y), 1 / len(y))) / 10)
    honest = ProxNewton(tol=1e-9).solve(data, y, Logistic(), pen)
    trusted = ProxNewton(tol=1e-9).solve(data, y, Logistic(), pen, target_correlations=np.zeros(X.shape[1]))
    assert np.count_nonzero(honest.coef) > 0 and not np.any(trusted.coef)
    warm = ProxNewton(tol=1e-9).solve(data, y, Logistic(), pen, init=honest.coef, init_intercept=honest.intercept,
                                      target_correlations=np.zeros(X.shape[1]))
    np.testing.assert_allclose(warm.coef, honest.coef, atol=1e-6)
    with pytest.raises(ValueError, match="target_correlations"):
        ProxNewton().solve(data, y, Logistic(), pen, target_correlations=np.zeros(3))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("structure", ["plain", "elastic-net", "unpenalized", "positive"])
def test_carried_correlation_bounds_dominate_the_exact_correlations(seed, fit_intercept, weighted, structure):
    """Along a path of solves that hand on their state, the checks' bounds on every feature's projected
    correlation hold at the last check's dual point (they are what lets a check skip a column), the entries
    they vouched for belong to features whose KKT condition holds, and every solve certifies its tolerance."""
    rng = np.random.default_rng(seed)
    n, p = 160, 400
    X = sp.random(n, p, density=0.03, format="csc", random_state=seed)
    heavy = sp.diags((rng.random(p) < 0.05).astype(float))  # a few dense columns, as frequent words are
    X = sp.csc_matrix(X + sp.random(n, p, density=0.3, format="csc", random_state=seed + 50) @ heavy)
    y = np.where(X @ np.where(rng.random(p) < 0.05, 3.0, 0.0) + 0.3 * rng.standard_normal(n) > 0.1, 1.0, -1.0)
    raw = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    raw[rng.random(n) < 0.05] = 0.0 if weighted else 1.0
    sw = raw / raw.sum()
    prep = prepare(X, raw, fit_intercept)
    a_max = alpha_max(X.toarray(), y, sw, fit_intercept)
    tol = 1e-7
    datafit = Logistic()
    b0 = datafit.null_intercept(y, sw) if fit_intercept else 0.0
    p0 = datafit.value(y, np.full(n, b0), sw)
    solver = ProxNewton(tol=tol)
    options = {"elastic-net": {"l1_ratio": 0.5}, "unpenalized": {"weights": np.r_[0.0, np.ones(p - 1)]},
               "positive": {"lower_bounds": np.zeros(p)}}.get(structure, {})
    w, b, state, prev_alpha, skipped = None, None, None, None, 0
    for alpha in a_max * np.geomspace(1, 0.01, 25)[1:]:
        factor = None if state is None else max(2.0 - prev_alpha / alpha, 0.0)
        penalty = ElasticNetPenalty(alpha, **options)
        sol = solver.solve(X, y, datafit, penalty, sample_weight=raw, fit_intercept=fit_intercept, init=w,
                           init_intercept=b, prepared=prep, predictor_state=state, strong_factor=factor)
        assert sol.converged
        cert = certificate(X, y, sol.coef, sol.intercept, datafit, penalty, sw, fit_intercept)
        if structure == "unpenalized":  # (the KKT rule, relative to its value at zero)
            assert cert.kkt_violation <= 1e-5 * a_max
        else:
            assert cert.gap <= tol * p0 * (1 + 1e-9) + 1e-14
        state = sol.predictor_state
        # the last check's projected dual point and its exact correlations
        theta = state.theta_ref
        exact_corr = np.abs(X.T @ theta)
        valid, drift, drift_max = state.bound_scalars
        assert valid == 1.0
        bound = np.minimum(state.corr_base + prep.sqrt_lips * drift, state.corr_base_max + prep.col_l1 * drift_max)
        assert np.all(bound >= exact_corr - 1e-12 * max(1.0, exact_corr.max()))
        if fit_intercept:
            assert abs(theta.sum()) <= 1e-12
        unprojected = X.T @ (-datafit.raw_grad(y, X @ sol.coef + sol.intercept, sw))
        marked = state.exact
        skipped += np.count_nonzero(~marked)
        np.testing.assert_allclose(sol.Xt_theta[marked], unprojected[marked], rtol=1e-7, atol=1e-10)
        l1 = penalty.l1_vector(p)
        assert np.all(sol.coef[~marked] == 0.0) and np.all(np.abs(unprojected[~marked]) <= l1[~marked] * (1 + 1e-8))
        w, b, prev_alpha = sol.coef, sol.intercept, alpha
    assert skipped > 0  # the bounds did vouch for features (else this test tests nothing)
