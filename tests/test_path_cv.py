"""Regularization paths and cross-validation: certificates, agreement, the 1-SE rule."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LassoCV as SkLassoCV
from sklearn.linear_model import enet_path
from sklearn.model_selection import GroupKFold, KFold

import sparsefit
from reference import logistic_lbfgs
from sparsefit._objective import Logistic, Quadratic
from sparsefit._optimality import certificate
from sparsefit._penalty import ElasticNetPenalty


def sparse_signal(n=120, p=60, k=5, seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = np.zeros(p)
    coef[:k] = rng.choice([-1, 1], k) * rng.uniform(1.5, 3, k)
    return X, X @ coef + noise * rng.standard_normal(n), coef


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("sparse_input", [False, True])
def test_every_path_alpha_is_certified(l1_ratio, sparse_input):
    X, y, _ = sparse_signal()
    Xin = sp.csc_matrix(X) if sparse_input else X
    tol = 1e-8
    path = sparsefit.regularization_path(Xin, y, l1_ratio=l1_ratio, n_alphas=30, tol=tol, early_stop=False)
    assert path.n_alphas == 30 and np.all(np.diff(path.alphas) < 0)
    assert path.n_nonzero[0] == 0 and path.n_nonzero[-1] > 5
    p0 = 0.5 * np.var(y)
    for k, alpha in enumerate(path.alphas):
        cert = certificate(X, y, path.coefs[:, k].toarray().ravel(), path.intercepts[k], Quadratic(),
                           ElasticNetPenalty(alpha, l1_ratio))
        assert cert.gap <= tol * p0 * 1.01


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_objectives_match_scikit_learn_enet_path(l1_ratio):
    X, y, _ = sparse_signal(seed=1)
    path = sparsefit.regularization_path(X, y, l1_ratio=l1_ratio, n_alphas=25, tol=1e-10, early_stop=False)
    Xc, yc = X - X.mean(0), y - y.mean()  # enet_path fits no intercept: center as scikit-learn's LassoCV does
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, sk_coefs, _ = enet_path(Xc, yc, l1_ratio=l1_ratio, alphas=path.alphas, tol=1e-14, max_iter=100_000)
    for k, alpha in enumerate(path.alphas):
        pen = ElasticNetPenalty(alpha, l1_ratio)
        ours = certificate(X, y, path.coefs[:, k].toarray().ravel(), path.intercepts[k], Quadratic(), pen).primal
        sk_coef = sk_coefs[:, k]
        theirs = certificate(X, y, sk_coef, y.mean() - X.mean(0) @ sk_coef, Quadratic(), pen).primal
        assert abs(ours - theirs) <= 1e-6 * theirs


def test_logistic_path_matches_independent_fits():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((150, 30))
    y = (X[:, :4] @ np.array([2.0, -1.5, 1.0, 1.0]) + rng.logistic(size=150) > 0).astype(int)
    path = sparsefit.regularization_path(sp.csr_matrix(X), y, loss="logistic", n_alphas=20, tol=1e-10,
                                         early_stop=False)
    y_pm = np.where(y == 1, 1.0, -1.0)
    for k in (3, 10, 19):
        alpha = path.alphas[k]
        pen = ElasticNetPenalty(alpha, 1.0)
        ours = certificate(X, y_pm, path.coefs[:, k].toarray().ravel(), path.intercepts[k], Logistic(), pen)
        ref_coef, ref_b = logistic_lbfgs(X, y, alpha, 1.0)
        ref = certificate(X, y_pm, ref_coef, ref_b, Logistic(), pen)
        assert ours.gap <= 1e-10 * np.log(2)
        assert ours.primal <= ref.primal + 1e-10 and ref.primal <= ours.primal * (1 + 1e-6)


@pytest.mark.parametrize("unpenalized", [False, True])
def test_logistic_path_with_constant_columns_and_penalty_factors_is_optimal_at_every_alpha(unpenalized):
    # a path solve takes its per-feature flags (constant columns, unpenalized features) and penalty scales from
    # the path rather than recomputing them: every alpha's point must still satisfy its own optimality conditions
    rng = np.random.default_rng(12)
    X = sp.random(200, 40, density=0.2, format="csc", random_state=12).toarray()
    X[:, 5] = 1.0  # constant columns: never in the model
    X[:, 6] = 0.0
    y = (X[:, :4] @ np.array([3.0, -2.0, 2.0, 1.5]) + rng.logistic(size=200) * 0.5 > 0.3).astype(int)
    factor = rng.uniform(0.5, 2.0, 40)
    if unpenalized:
        factor[[0, 9]] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every alpha converges in the compiled path loop, no fallback
        path = sparsefit.regularization_path(sp.csc_matrix(X), y, loss="logistic", n_alphas=12, tol=1e-10,
                                             penalty_factor=factor, early_stop=False)
    y_pm = np.where(y == 1, 1.0, -1.0)
    for k in range(1, 12):
        coef = path.coefs[:, k].toarray().ravel()
        pen = ElasticNetPenalty(path.alphas[k], 1.0, factor)
        cert = certificate(X, y_pm, coef, path.intercepts[k], Logistic(), pen)
        assert coef[5] == 0.0 and coef[6] == 0.0
        if unpenalized:  # no gap (the unpenalized block): the KKT conditions, relative to alpha_max's scale
            assert cert.kkt_violation <= 1e-8 * path.alpha_max
            assert coef[0] != 0.0 and coef[9] != 0.0
        else:
            assert cert.gap <= 1e-10 * np.log(2)
    assert np.count_nonzero(path.coefs[:, -1].toarray()) > 4


def test_path_point_equals_a_cold_fit():
    X, y, _ = sparse_signal(seed=3)
    path = sparsefit.regularization_path(X, y, n_alphas=15, tol=1e-12, early_stop=False)
    k = 9
    cold = sparsefit.Lasso(alpha=path.alphas[k], tol=1e-12).fit(X, y)
    np.testing.assert_allclose(path.coefs[:, k].toarray().ravel(), cold.coef_, atol=1e-7)
    assert path.intercepts[k] == pytest.approx(cold.intercept_, abs=1e-7)


def test_strong_rule_violation_is_caught_by_the_kkt_check():
    # designs where the sequential strong rule discards a feature that is active: the first of a seeded family
    # that has one (about one in four does), so the test does not hang on one design staying such a case
    tol = 1e-8
    for seed in range(100):
        rng = np.random.default_rng(seed)
        n, p = 20, 100
        X = rng.standard_normal((n, p)) + rng.uniform(0, 2) * rng.standard_normal((n, 1))
        y = X[:, :10] @ rng.standard_normal(10) + 0.5 * rng.standard_normal(n)
        path = sparsefit.regularization_path(X, y, n_alphas=20, alpha_min_ratio=0.01, early_stop=False, tol=tol)
        if path.strong_rule_violations.sum() >= 1:
            break
    else:
        pytest.fail("no strong-rule violation in 100 designs")
    k = int(np.argmax(path.strong_rule_violations))
    cert = certificate(X, y, path.coefs[:, k].toarray().ravel(), path.intercepts[k], Quadratic(),
                       ElasticNetPenalty(path.alphas[k], 1.0))
    assert cert.gap <= tol * 0.5 * np.var(y) * 1.01


def test_a_wrong_initial_working_set_still_gives_the_optimum():
    from sparsefit.solvers import CoordinateDescent

    X, y, coef = sparse_signal(seed=4)
    alpha = 0.05
    wrong = np.arange(30, 60)  # excludes every truly active feature
    sol = CoordinateDescent(tol=1e-10).solve(np.asfortranarray(X), y, Quadratic(), ElasticNetPenalty(alpha, 1.0),
                                             ws_init=wrong)
    ref = sparsefit.Lasso(alpha=alpha, tol=1e-10).fit(X, y)
    assert sol.converged and set(np.flatnonzero(coef)) <= set(np.flatnonzero(sol.coef))
    np.testing.assert_allclose(sol.coef, ref.coef_, atol=1e-6)


def test_coef_at_interpolates_and_predict_uses_it():
    X, y, _ = sparse_signal(seed=5)
    path = sparsefit.regularization_path(X, y, n_alphas=10, early_stop=False)
    np.testing.assert_allclose(path.coef_at(path.alphas[4]), path.coefs[:, 4].toarray().ravel())
    mid = 0.5 * (path.alphas[4] + path.alphas[5])
    expected = 0.5 * (path.coefs[:, 4].toarray().ravel() + path.coefs[:, 5].toarray().ravel())
    np.testing.assert_allclose(path.coef_at(mid), expected)
    assert np.all(path.coef_at(path.alphas[0] * 10) == 0)
    np.testing.assert_allclose(path.predict(X, mid), X @ expected + path.intercept_at(mid))
    assert path.predict(X).shape == (X.shape[0], 10)


def test_default_grid_and_early_stop():
    X, y, _ = sparse_signal(n=50, p=200, seed=6, noise=0.01)
    full = sparsefit.regularization_path(X, y, n_alphas=100, early_stop=False)
    assert full.alphas[-1] == pytest.approx(full.alphas[0] * 1e-2)  # n < p: glmnet's 1e-2
    stopped = sparsefit.regularization_path(X, y, n_alphas=100)
    assert stopped.n_alphas < 100
    assert stopped.deviance_ratio[-1] >= 0.999 or abs(np.diff(stopped.deviance_ratio[-2:])[0]) < 1e-4
    X2, y2, _ = sparse_signal(n=300, p=20, seed=7)
    tall = sparsefit.regularization_path(X2, y2, n_alphas=10, early_stop=False)
    assert tall.alphas[-1] == pytest.approx(tall.alphas[0] * 1e-4)


def test_feature_names_and_unpenalized_features_on_the_path():
    pd = pytest.importorskip("pandas")
    X, y, _ = sparse_signal(seed=8)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    pf = np.ones(X.shape[1])
    pf[10] = 0.0
    path = sparsefit.regularization_path(frame, y, n_alphas=10, penalty_factor=pf, early_stop=False)
    assert path.feature_names[10] == "f10"
    assert path.coefs[10, 0] != 0  # unpenalized: in the model from alpha_max on
    assert path.n_nonzero[0] == 1


def test_one_se_rule_is_sparser_and_recovers_the_support():
    recovered = 0
    for seed in range(6):
        X, y, coef = sparse_signal(n=200, p=80, k=5, seed=100 + seed)
        model = sparsefit.LassoCV(n_alphas=40, cv=5, random_state=seed).fit(X, y)
        nnz = model.cv_.n_nonzero
        assert nnz[model.cv_.index_1se] <= nnz[model.cv_.index_min]
        assert model.alpha_1se_ >= model.alpha_min_
        support_1se = set(np.flatnonzero(model.path_.coef_at(model.alpha_1se_)))
        recovered += set(np.flatnonzero(coef)) <= support_1se
    assert recovered >= 5  # stated rate: the true support is inside the 1-SE model in at least 5 of 6 problems


def test_lasso_cv_agrees_with_scikit_learn_on_the_same_folds_and_grid():
    X, y, _ = sparse_signal(n=150, p=40, seed=9)
    folds = KFold(5)
    ours = sparsefit.LassoCV(n_alphas=30, cv=folds, tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = SkLassoCV(alphas=ours.cv_.alphas[0], cv=folds, tol=1e-12, max_iter=100_000).fit(X, y)
    assert ours.alpha_ == pytest.approx(theirs.alpha_)
    sk_mse = theirs.mse_path_.mean(axis=1)
    np.testing.assert_allclose(-ours.cv_.mean_score[0], sk_mse, rtol=1e-4)


def test_elastic_net_cv_searches_l1_ratio_and_threads_agree():
    X, y, _ = sparse_signal(n=120, p=50, seed=10)
    one = sparsefit.ElasticNetCV(l1_ratio=[0.2, 0.8, 1.0], n_alphas=20, cv=4, n_jobs=1).fit(X, y)
    two = sparsefit.ElasticNetCV(l1_ratio=[0.2, 0.8, 1.0], n_alphas=20, cv=4, n_jobs=2).fit(X, y)
    assert one.l1_ratio_ in (0.2, 0.8, 1.0)
    assert one.cv_.mean_score.shape[0] == 3 and 5 <= one.cv_.mean_score.shape[1] <= 20  # early stop may trim
    np.testing.assert_allclose(one.cv_.mean_score, two.cv_.mean_score)
    assert set(one.cv_results_) == {"l1_ratio", "alpha", "mean_score", "std_error", "n_nonzero"}
    assert one.score(X, y) > 0.8


def test_groups_and_scoring_are_passed_through():
    X, y, _ = sparse_signal(n=100, p=30, seed=11)
    groups = np.repeat(np.arange(10), 10)
    model = sparsefit.LassoCV(n_alphas=10, cv=GroupKFold(5), scoring="r2").fit(X, y, groups=groups)
    assert model.cv_.scoring == "r2" and np.nanmax(model.cv_.mean_score) <= 1.0


def test_logistic_regression_cv_binary_and_multiclass():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((240, 20))
    y = np.where(X[:, 0] + 0.5 * rng.standard_normal(240) > 0, "spam", "ham")
    model = sparsefit.LogisticRegressionCV(n_alphas=15, cv=3, selection="1se").fit(X, y)
    assert model.cv_.scoring == "roc_auc" and model.alpha_ == model.alpha_1se_
    assert model.score(X, y) > 0.8 and list(model.classes_) == ["ham", "spam"]
    y3 = np.array(["a", "b", "c"])[np.argmax(X[:, :3] + 0.3 * rng.standard_normal((240, 3)), axis=1)]
    multi = sparsefit.LogisticRegressionCV(n_alphas=10, cv=3).fit(sp.csr_matrix(X), y3)
    assert multi.coef_.shape == (3, 20) and multi.alpha_.shape == (3,)
    assert multi.score(X, y3) > 0.7


def test_bad_path_arguments():
    X, y, _ = sparse_signal(n=30, p=5)
    with pytest.raises(ValueError, match="loss must be"):
        sparsefit.regularization_path(X, y, loss="hinge")
    with pytest.raises(ValueError, match="alpha_min_ratio must be between 0 and 1"):
        sparsefit.regularization_path(X, y, alpha_min_ratio=2.0)
    with pytest.raises(ValueError, match="exactly two classes"):
        sparsefit.regularization_path(X, np.arange(30) % 3, loss="logistic")
    with pytest.raises(ValueError, match="selection must be"):
        sparsefit.LassoCV(selection="best").fit(X, y)


@pytest.mark.parametrize("labels", [
    [0, 1], [0.0, 1.0], [False, True], [-1, 1], [3.0, 7.0], [-0.0, 2.0], ["no", "yes"], [0, 255],
])
@pytest.mark.parametrize("dtype", [None, np.int8, np.uint8, np.float32])
def test_binary_labels_are_encoded_as_numpy_unique_orders_them(labels, dtype):
    """The path's label encoding (a shortcut for two numeric classes) gives what np.unique gives: the classes
    sorted, with their dtype, and +1 for the larger."""
    from sparsefit.path import encode_binary_labels

    labels = np.asarray(labels)
    if dtype is not None:
        if labels.dtype.kind not in "biuf" or np.any(labels.astype(dtype) != labels):
            pytest.skip("labels not representable in this dtype")
        labels = labels.astype(dtype)
    y = labels[np.random.default_rng(0).integers(0, 2, 40)]
    classes, encoded = encode_binary_labels(y, 40)
    expected_classes, inverse = np.unique(y, return_inverse=True)
    assert classes.dtype == expected_classes.dtype
    np.testing.assert_array_equal(classes, expected_classes)
    np.testing.assert_array_equal(encoded, np.where(inverse == 1, 1.0, -1.0))


@pytest.mark.parametrize("y, message", [
    (np.r_[0.5, 1.5, 0.5, 1.5], "continuous|Unknown label type"),
    (np.r_[0.0, 1.0, np.nan, 1.0], "NaN"),
    (np.r_[0.0, 1.0, np.inf, 1.0], "infinity"),
    (np.r_[0, 1, 2, 1], "exactly two classes"),
    (np.r_[1.0, 1.0, 1.0, 1.0], "exactly two classes"),
    (np.r_[True, True, True, True], "exactly two classes"),
])
def test_labels_that_are_not_two_classes_are_refused(y, message):
    from sparsefit.path import encode_binary_labels

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scikit-learn's own cast of inf
        with pytest.raises(ValueError, match=message):
            encode_binary_labels(y, 4)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_deviance_ratio_matches_the_coefficients(loss):
    """The path reports each alpha's deviance ratio from its solver's objective; recompute it from coefs."""
    rng = np.random.default_rng(3)
    X = sp.random(200, 120, density=0.08, format="csc", random_state=3)
    y = X @ rng.standard_normal(120) + 0.1 * rng.standard_normal(200)
    if loss == "logistic":
        y = (y > np.median(y)).astype(float)
    path = sparsefit.regularization_path(X, y, loss=loss, n_alphas=25, early_stop=False, tol=1e-8)
    target = np.where(y > 0, 1.0, -1.0) if loss == "logistic" else y
    datafit = Logistic() if loss == "logistic" else Quadratic()
    sw = np.full(200, 1 / 200)
    null = datafit.value(target, np.full(200, datafit.null_intercept(target, sw)), sw)
    for k in range(len(path.alphas)):
        predictor = X @ path.coefs[:, k].toarray().ravel() + path.intercepts[k]
        assert abs(path.deviance_ratio[k] - (1 - datafit.value(target, predictor, sw) / null)) < 1e-10


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("unpenalized", [False, True])
def test_null_point_certificate_matches_an_independent_one(loss, fit_intercept, unpenalized):
    """At alpha >= alpha_max the path reports the null model's certificate (reusing alpha_max's pass over X)."""
    rng = np.random.default_rng(7)
    X = sp.random(150, 60, density=0.1, format="csc", random_state=7)
    y = X @ rng.standard_normal(60) + 0.3 * rng.standard_normal(150) + 2.0
    if loss == "logistic":
        y = (y > np.median(y)).astype(float)
    weights = rng.uniform(0.5, 2.0, 150)
    factor = np.ones(60)
    if unpenalized:
        factor[:2] = 0.0
    path = sparsefit.regularization_path(X, y, loss=loss, n_alphas=3, fit_intercept=fit_intercept,
                                         sample_weight=weights, penalty_factor=factor, early_stop=False)
    target = np.where(y > 0, 1.0, -1.0) if loss == "logistic" else y
    datafit = Logistic() if loss == "logistic" else Quadratic()
    penalty = ElasticNetPenalty(path.alphas[0], 1.0, factor)
    coef = path.coefs[:, 0].toarray().ravel()
    cert = certificate(X, target, coef, path.intercepts[0], datafit, penalty, weights, fit_intercept)
    assert np.count_nonzero(coef[2:]) == 0
    assert abs(path.dual_gaps[0] - cert.gap) <= 1e-10 * max(1.0, abs(cert.primal))
    assert cert.gap <= 1e-9 * max(1.0, abs(cert.primal))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_path_starts_from_the_null_models_dual_state(fit_intercept):
    """The first alpha below alpha_max starts from the null model's dual point and exact correlations: the path
    saves the first check of every feature, and is certified all the same."""
    from sparsefit.path import _Problem
    from sparsefit.solvers._check import PenaltyArrays

    rng = np.random.default_rng(5)
    n, p = 400, 3000
    X = sp.random(n, p, density=0.01, format="csc", random_state=5)
    y = X @ (rng.standard_normal(p) * (rng.random(p) < 0.01)) + 0.1 * rng.standard_normal(n) + 1.0
    weights = rng.uniform(0.5, 2.0, n)
    problem = _Problem(X, y, "squared", 1.0, weights, fit_intercept, False, None)
    alpha_max = problem.alpha_max()
    state = problem.null_dual_state()
    sw = weights / weights.sum()
    b0 = np.dot(sw, y) if fit_intercept else 0.0
    np.testing.assert_allclose(state.theta, sw * (y - b0))
    np.testing.assert_allclose(state.corr_base, np.abs(X.T @ state.theta), atol=1e-12)
    assert state.corr_base.max() == pytest.approx(alpha_max)  # unit penalty factors, l1_ratio 1

    unit = PenaltyArrays.of(problem.penalty(1.0), p)
    alphas = alpha_max * np.array([0.9, 0.8])
    reads = {}
    for seeded in (False, True):
        solver = problem.solver(tol=1e-8)
        out = solver.solve_path(X, problem.y, problem.datafit, alphas, unit, prepared=problem.prepared,
                                null_value=problem.null_model()[1], fit_intercept=fit_intercept,
                                dual_state=problem.null_dual_state() if seeded else None)
        assert out.converged.all()
        for k, alpha in enumerate(alphas):
            coef = np.zeros(p)
            support = out.support_indices[out.support_ptr[k]:out.support_ptr[k + 1]]
            coef[support] = out.support_values[out.support_ptr[k]:out.support_ptr[k + 1]]
            cert = certificate(X, y, coef, out.intercepts[k], Quadratic(), ElasticNetPenalty(alpha, 1.0), weights,
                               fit_intercept)
            assert cert.gap <= 1e-7 * problem.null_model()[1]
        reads[seeded] = int(solver.work.sum())
    assert reads[False] >= X.nnz  # a first check of every feature
    # the null state's exact correlations stand in for the first check of every feature: the seeded path reads
    # one pass fewer (its watch list's first reference is the null point; the first move makes a new one)
    assert reads[True] <= reads[False] - 0.9 * X.nnz


@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
@pytest.mark.parametrize("case", ["sparse weighted", "dense standardized", "no intercept, factors", "early stop"])
def test_compiled_path_loop_runs_the_same_solves_as_one_call_per_alpha(l1_ratio, case):
    """Coordinate descent's compiled loop over the alphas must reproduce the per-alpha Python loop exactly."""
    from sparsefit.path import _Problem, default_alphas, run_path

    rng = np.random.default_rng(11)
    n, p = 150, 90
    X = sp.random(n, p, density=0.15, format="csc", random_state=11)
    y = X @ (rng.standard_normal(p) * (rng.random(p) < 0.2)) + 0.3 * rng.standard_normal(n)
    sample_weight, fit_intercept, standardize, factors, early_stop = None, True, False, None, False
    if case == "sparse weighted":
        sample_weight = rng.uniform(0.2, 3.0, n)
    elif case == "dense standardized":
        X, standardize = X.toarray(), True
    elif case == "no intercept, factors":
        fit_intercept, factors = False, rng.uniform(0.5, 2.0, p)
        factors[:3] = 0.0  # unpenalized
    else:
        early_stop = True
        y = X @ (rng.standard_normal(p) * (rng.random(p) < 0.1)) + 1e-3 * rng.standard_normal(n)
    results = []
    for compiled in (True, False):
        problem = _Problem(X, y, "squared", l1_ratio, sample_weight, fit_intercept, standardize, factors)
        grid = default_alphas(problem.alpha_max(), n, p, n_alphas=40, alpha_min_ratio=1e-3)
        results.append(run_path(problem, grid, tol=1e-7, early_stop=early_stop, compiled=compiled))
    _assert_same_path(results[0], results[1])
    coefs, converged = results[0][0], results[0][7]
    if case == "early stop":
        assert coefs.shape[1] < 40  # the rule fired, at the same alpha in both loops
    assert converged.all()


def _assert_same_path(result, expected):
    """Two run_path results: the same solutions bit for bit (the deviance ratio to rounding)."""
    (coefs, intercepts, gaps, dev, iters, _, violations, converged) = result[:8]
    assert coefs.shape == expected[0].shape
    np.testing.assert_array_equal(coefs.indptr, expected[0].indptr)
    np.testing.assert_array_equal(coefs.indices, expected[0].indices)
    np.testing.assert_array_equal(coefs.data, expected[0].data)
    np.testing.assert_array_equal(intercepts, expected[1])
    np.testing.assert_array_equal(gaps, expected[2])
    np.testing.assert_allclose(dev, expected[3], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(iters, expected[4])
    np.testing.assert_array_equal(violations, expected[6])
    np.testing.assert_array_equal(converged, expected[7])



@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("case", ["sparse", "dense weighted", "unpenalized", "early stop", "not converged"])
def test_compiled_logistic_path_loop_runs_the_same_solves_as_one_call_per_alpha(l1_ratio, case):
    """Proximal Newton's compiled loop must reproduce the per-alpha loop, including a hand-back after a solve
    that did not converge."""
    from sparsefit.path import _Problem, default_alphas, run_path

    rng = np.random.default_rng(12)
    n, p = 160, 80
    X = sp.random(n, p, density=0.15, format="csc", random_state=12)
    y = np.where(X @ (rng.standard_normal(p) * (rng.random(p) < 0.2)) + 0.3 * rng.standard_normal(n) > 0, 1.0, 0.0)
    sample_weight, factors, early_stop, max_iter = None, None, False, None
    if case == "dense weighted":
        X, sample_weight = X.toarray(), rng.uniform(0.2, 3.0, n)
    elif case == "unpenalized":
        factors = np.ones(p)
        factors[:2] = 0.0
    elif case == "early stop":
        # separable classes: the deviance ratio reaches glmnet's 0.999 before the end of the grid
        early_stop, y = True, np.where(X @ rng.standard_normal(p) > 0, 1.0, 0.0)
    elif case == "not converged":
        max_iter = 3  # Newton steps per solve: the later alphas stop short and warn
    results = []
    for compiled in (True, False):
        problem = _Problem(X, y, "logistic", l1_ratio, sample_weight, True, False, factors)
        grid = default_alphas(problem.alpha_max(), n, p, n_alphas=30, alpha_min_ratio=1e-6 if early_stop else 1e-2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results.append(run_path(problem, grid, tol=1e-7, early_stop=early_stop, max_iter=max_iter,
                                    compiled=compiled))
        results[-1] = results[-1] + (len([w for w in caught if "Proximal Newton stopped" in str(w.message)]),)
    _assert_same_path(results[0], results[1])
    coefs, gaps, converged, n_warned = results[0][0], results[0][2], results[0][7], results[0][8]
    assert n_warned == results[1][8] == np.count_nonzero(~converged)
    if case == "not converged":
        assert 0 < np.count_nonzero(~converged) and converged[1]  # some alphas stop short, not all
    else:
        assert converged.all()
    if case == "early stop":
        assert coefs.shape[1] < 30
    if case == "unpenalized":
        assert np.isnan(gaps[1:]).all()  # the KKT violation is the stopping rule


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_fit_seconds_share_the_measured_wall_time(loss):
    # the compiled loops count cycle-counter ticks per alpha; the caller turns them into seconds with the
    # loop's measured wall time, so each alpha's share is positive and together they fit in the call's time
    import time

    X, y, _ = sparse_signal()
    X = sp.csc_matrix(X)
    if loss == "logistic":
        y = y > np.median(y)
    start = time.perf_counter()
    path = sparsefit.regularization_path(X, y, loss=loss, n_alphas=20, early_stop=False)
    elapsed = time.perf_counter() - start
    assert path.fit_seconds.shape == path.alphas.shape
    assert np.all(np.isfinite(path.fit_seconds)) and np.all(path.fit_seconds[1:] > 0)
    assert path.fit_seconds.sum() <= elapsed


def test_ticks_to_seconds_is_proportional_with_an_equal_share_fallback():
    from sparsefit.solvers._path_kernels import ticks_to_seconds

    np.testing.assert_allclose(ticks_to_seconds(np.array([1.0, 3.0]), 2.0), [0.5, 1.5])
    np.testing.assert_allclose(ticks_to_seconds(np.zeros(4), 2.0), [0.5] * 4)  # a target without a counter
    assert ticks_to_seconds(np.zeros(0), 1.0).shape == (0,)


def test_predicted_step_extrapolates_the_support_along_log_alpha():
    """The compiled logistic path's first-step prediction: the line through the last two solutions in log(alpha),
    on the last support, no step where it would cross zero; and ``before`` moved on to the last solution."""
    from sparsefit.solvers._path_kernels import predict_step, support_of

    rng = np.random.default_rng(3)
    p = 30
    older = rng.standard_normal(p) * (rng.random(p) < 0.5)
    now = older + 0.3 * rng.standard_normal(p) * (rng.random(p) < 0.8)
    now[:3] = 0.0
    older_support, now_support = support_of(older), support_of(now)
    np.testing.assert_array_equal(now_support, np.flatnonzero(now))
    for grid in (np.array([1.0, 0.9, 0.81]), np.array([1.0, 0.9, 0.85]), np.array([1.0, 0.99, 0.5])):
        before, step = older.copy(), np.zeros(p)
        predict_step(grid, 2, True, now, now_support, before, older_support, step)
        gamma = min(np.log(grid[1] / grid[2]) / np.log(grid[0] / grid[1]), 2.0)
        ahead = now + gamma * (now - older)
        want = np.where(ahead * now > 0, ahead - now, 0.0)
        np.testing.assert_allclose(step, want, rtol=1e-14, atol=1e-15)
        assert np.count_nonzero(step) > p // 4  # not vacuous: most of the support moves
        np.testing.assert_array_equal(before, now)  # the next prediction's older point
    # no prediction: at the grid's first two alphas, when asked not to, or on a grid that does not decrease
    for k, predict, grid in ((1, True, np.array([1.0, 0.9, 0.81])), (2, False, np.array([1.0, 0.9, 0.81])),
                             (2, True, np.array([1.0, 0.9, 0.9]))):
        before, step = older.copy(), np.zeros(p)
        predict_step(grid, k, predict, now, now_support, before, older_support, step)
        assert not step.any()
        np.testing.assert_array_equal(before, now)
