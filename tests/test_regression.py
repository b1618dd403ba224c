"""Lasso, Ridge and ElasticNet: optimality certificates, agreement with scikit-learn, equivalences."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso as SkLasso
from sklearn.linear_model import Ridge as SkRidge

import sparsefit
from sparsefit._objective import Quadratic
from sparsefit._optimality import certificate
from sparsefit._penalty import ElasticNetPenalty
from strategies import regression_problems


def as_float64(X):
    return X.astype(np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64)


def alpha_max_of(X, y, sw=None, l1_ratio=1.0):
    """Independent alpha_max: max_j |X_j.T sw (y - ybar)| / l1_ratio, with weights normalized."""
    n = X.shape[0]
    sw = np.ones(n) / n if sw is None else sw / sw.sum()
    Xd = X.toarray() if sp.issparse(X) else np.asarray(X, float)
    return np.max(np.abs(Xd.T @ (sw * (y - np.dot(sw, y))))) / l1_ratio


def null_objective(y, sw):
    sw = np.ones_like(y) / y.size if sw is None else sw / sw.sum()
    return 0.5 * np.dot(sw, (y - np.dot(sw, y)) ** 2)


def certify(model, X, y, sw, l1_ratio, alpha, **penalty_kwargs):
    pen = ElasticNetPenalty(alpha, l1_ratio, **penalty_kwargs)
    return certificate(as_float64(X), y, model.coef_, model.intercept_, Quadratic(), pen, sw, model.fit_intercept)


@given(problem=regression_problems(), alpha_frac=st.sampled_from([0.5, 0.1, 0.02]),
       l1_ratio=st.sampled_from([1.0, 0.7, 0.3]), fit_intercept=st.booleans())
def test_duality_gap_and_kkt_certified_from_coef(problem, alpha_frac, l1_ratio, fit_intercept):
    X, y, sw = problem
    amax = alpha_max_of(X, y, sw, l1_ratio) if fit_intercept else None
    if amax is None:
        Xd = as_float64(X)
        s = np.ones(len(y)) / len(y) if sw is None else sw / sw.sum()
        amax = np.max(np.abs(Xd.T @ (s * y))) / l1_ratio
    alpha = max(amax * alpha_frac, 1e-6)
    # a relative gap of tol bounds the KKT residual only by ~sqrt(2 L tol P(0)) (L the largest eigenvalue of
    # X.T S X): at 1e-8 that is ~1e-4 * scale, the KKT check's own tolerance, and a certified solution could
    # fail it; at 1e-11 the certificate implies the check with a 30x margin
    tol = 1e-11
    model = sparsefit.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=tol).fit(
        X, y, sample_weight=sw)
    cert = certify(model, X, y, sw, l1_ratio, alpha)
    s = np.ones(len(y)) / len(y) if sw is None else sw / sw.sum()
    p0 = null_objective(y, sw) if fit_intercept else 0.5 * np.dot(s, y * y)
    assert cert.gap <= tol * p0 * 1.01 + 1e-14
    assert model.dual_gap_ <= tol * p0 + 1e-14
    # KKT from the residual, written out: zeros inside the band, equality with sign on non-zeros
    Xd = as_float64(X)
    Xd = Xd.toarray() if sp.issparse(Xd) else Xd
    r = y - Xd @ model.coef_ - model.intercept_
    corr = Xd.T @ (s * r) - alpha * (1 - l1_ratio) * model.coef_
    band = alpha * l1_ratio
    scale = max(1.0, np.abs(Xd.T @ (s * y)).max())
    eps = 1e-4 * scale
    zero = model.coef_ == 0
    assert np.all(np.abs(corr[zero]) <= band + eps)
    assert np.allclose(corr[~zero], band * np.sign(model.coef_[~zero]), atol=eps)


@given(problem=regression_problems(), alpha_frac=st.sampled_from([0.3, 0.05]),
       l1_ratio=st.sampled_from([1.0, 0.5, 0.1]), fit_intercept=st.booleans())
def test_objective_matches_scikit_learn(problem, alpha_frac, l1_ratio, fit_intercept):
    X, y, sw = problem
    alpha = max(alpha_max_of(X, y, sw, l1_ratio) * alpha_frac, 1e-4)
    ours = sparsefit.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-10).fit(
        X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-14,
                              max_iter=200_000).fit(as_float64(X), y, sample_weight=sw)
    p_ours = certify(ours, X, y, sw, l1_ratio, alpha).primal
    p_theirs = certify(theirs, X, y, sw, l1_ratio, alpha).primal
    assert p_ours <= p_theirs + 1e-6 * abs(p_theirs) + 1e-12
    assert p_theirs <= p_ours + 1e-6 * abs(p_ours) + 1e-12


@given(problem=regression_problems(allow_weights=False), l1_ratio=st.sampled_from([1.0, 0.5]))
def test_dense_and_sparse_give_the_same_model(problem, l1_ratio):
    X, y, _ = problem
    Xd = as_float64(X)
    Xd = Xd.toarray() if sp.issparse(Xd) else Xd
    alpha = max(alpha_max_of(Xd, y, None, l1_ratio) / 10, 1e-4)
    dense = sparsefit.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12).fit(Xd, y)
    sparse = sparsefit.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12).fit(sp.csc_matrix(Xd), y)
    p_dense = certify(dense, Xd, y, None, l1_ratio, alpha).primal
    p_sparse = certify(sparse, Xd, y, None, l1_ratio, alpha).primal
    assert p_sparse == pytest.approx(p_dense, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(dense.predict(Xd), sparse.predict(Xd), rtol=1e-4, atol=1e-4)


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 12))
    y = X[:, 0] - 2 * X[:, 3] + 0.3 * rng.standard_normal(30)
    counts = rng.integers(0, 4, 30)
    counts[0] = 1
    weighted = sparsefit.ElasticNet(alpha=0.05, l1_ratio=0.8, tol=1e-12).fit(X, y, sample_weight=counts)
    repeated = sparsefit.ElasticNet(alpha=0.05, l1_ratio=0.8, tol=1e-12).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-7)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, abs=1e-7)


@pytest.mark.parametrize("sparse_input", [False, True])
def test_alpha_max_gives_zeros_and_a_tenth_of_it_does_not(sparse_input):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 40))
    y = X[:, :5] @ np.array([3.0, -2, 1.5, 1, -1]) + rng.standard_normal(80)
    Xin = sp.csc_matrix(X) if sparse_input else X
    amax = alpha_max_of(X, y)
    at_max = sparsefit.Lasso(alpha=amax * 1.0000001).fit(Xin, y)
    assert np.all(at_max.coef_ == 0)
    assert at_max.intercept_ == pytest.approx(y.mean())
    below = sparsefit.Lasso(alpha=amax / 10).fit(Xin, y)
    assert 1 <= np.count_nonzero(below.coef_) < 40


@pytest.mark.parametrize("shape", [(60, 20), (20, 60)])
@pytest.mark.parametrize("sparse_input", [False, True])
def test_ridge_matches_closed_form_and_scikit_learn(shape, sparse_input):
    rng = np.random.default_rng(1)
    n, p = shape
    X = rng.standard_normal((n, p))
    X[rng.random((n, p)) < 0.5] = 0.0
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    alpha = 0.3
    model = sparsefit.Ridge(alpha=alpha, tol=1e-12).fit(sp.csr_matrix(X) if sparse_input else X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    closed = np.linalg.solve(Xc.T @ Xc / n + alpha * np.eye(p), Xc.T @ yc / n)
    np.testing.assert_allclose(model.coef_, closed, rtol=1e-6, atol=1e-8)
    sk = SkRidge(alpha=alpha * n, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(model.coef_, sk.coef_, rtol=1e-5, atol=1e-7)
    assert model.intercept_ == pytest.approx(sk.intercept_, abs=1e-6)


def test_ridge_coordinate_descent_agrees_with_direct_solver():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((50, 30))
    y = rng.standard_normal(50)
    direct = sparsefit.Ridge(alpha=0.2, tol=1e-12).fit(X, y)
    cd = sparsefit.Ridge(alpha=0.2, tol=1e-12, solver="cd").fit(X, y)
    np.testing.assert_allclose(direct.coef_, cd.coef_, atol=1e-6)


def test_positive_matches_scikit_learn():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((70, 25))
    y = X @ rng.standard_normal(25) + rng.standard_normal(70)
    ours = sparsefit.Lasso(alpha=0.05, positive=True, tol=1e-12).fit(X, y)
    theirs = SkLasso(alpha=0.05, positive=True, tol=1e-14, max_iter=100_000).fit(X, y)
    assert np.all(ours.coef_ >= 0)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)


def test_box_constraints_are_certified():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 15))
    y = X @ np.linspace(-3, 3, 15) + 0.1 * rng.standard_normal(60)
    lower, upper = -0.5, 1.0
    model = sparsefit.ElasticNet(alpha=0.01, l1_ratio=0.5, lower_bounds=lower, upper_bounds=upper,
                                 tol=1e-10).fit(X, y)
    assert model.coef_.min() >= lower and model.coef_.max() <= upper
    assert np.any(model.coef_ == lower) and np.any(model.coef_ == upper)
    cert = certify(model, X, y, None, 0.5, 0.01, lower_bounds=np.full(15, lower), upper_bounds=np.full(15, upper))
    assert cert.gap <= 1e-10 * null_objective(y, None) * 1.01
    assert cert.kkt_violation <= 1e-5


def test_penalty_factor_zero_leaves_a_feature_unpenalized():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((100, 10))
    y = 0.05 * X[:, 7] + X[:, 0] + 0.1 * rng.standard_normal(100)
    pf = np.ones(10)
    pf[7] = 0.0
    alpha = 0.2
    model = sparsefit.Lasso(alpha=alpha, penalty_factor=pf, tol=1e-10).fit(X, y)
    plain = sparsefit.Lasso(alpha=alpha, tol=1e-10).fit(X, y)
    assert plain.coef_[7] == 0 and model.coef_[7] != 0
    cert = certify(model, X, y, None, 1.0, alpha, weights=pf)
    assert cert.gap <= 1e-10 * null_objective(y, None) * 1.01
    # the unpenalized coefficient has a zero gradient
    r = y - X @ model.coef_ - model.intercept_
    assert abs(X[:, 7] @ r / 100) <= 1e-6


@pytest.mark.parametrize("estimator", [sparsefit.Lasso, sparsefit.ElasticNet, sparsefit.LogisticRegression])
def test_default_penalty_equals_its_explicit_vectors(estimator):
    """Left at their defaults, the penalty factors and bounds are not built as vectors: the fit is the one that
    all-ones factors and infinite bounds give, to the bit; alpha = 0 on too many features is still refused."""
    rng = np.random.default_rng(11)
    X = sp.random(60, 40, density=0.3, format="csc", random_state=11)
    y = X @ rng.standard_normal(40) + 0.1 * rng.standard_normal(60)
    if estimator is sparsefit.LogisticRegression:
        y = (y > np.median(y)).astype(float)
    params = {"alpha": 0.01, "tol": 1e-9}
    default = estimator(**params).fit(X, y)
    vectors = {"penalty_factor": np.ones(40)}
    if estimator is not sparsefit.LogisticRegression:  # (which has no bounds)
        vectors.update(lower_bounds=np.full(40, -np.inf), upper_bounds=np.inf)
    explicit = estimator(**params, **vectors).fit(X, y)
    np.testing.assert_array_equal(default.coef_, explicit.coef_)
    np.testing.assert_array_equal(default.intercept_, explicit.intercept_)
    wide = sp.random(5, 5001, density=0.01, format="csc", random_state=1)
    with pytest.raises(ValueError, match="5001 features are unpenalized"):
        sparsefit.Lasso(alpha=0.0).fit(wide, np.arange(5.0))


def test_standardize_equals_fitting_on_scaled_columns():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((80, 12)) * rng.uniform(0.1, 20, 12) + 5
    y = X[:, 0] * 0.2 + X[:, 5] * 0.01 + rng.standard_normal(80)
    std = X.std(axis=0)
    scaled = sparsefit.Lasso(alpha=0.05, tol=1e-12).fit(X / std, y)
    model = sparsefit.Lasso(alpha=0.05, standardize=True, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(model.coef_, scaled.coef_ / std, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(model.predict(X), scaled.predict(X / std), atol=1e-8)
    sparse_model = sparsefit.Lasso(alpha=0.05, standardize=True, tol=1e-12).fit(sp.csc_matrix(X), y)
    np.testing.assert_allclose(sparse_model.coef_, model.coef_, rtol=1e-6, atol=1e-10)


def test_warm_start_reuses_previous_solution():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((100, 200))
    y = X[:, :10] @ rng.standard_normal(10) + rng.standard_normal(100)
    model = sparsefit.Lasso(alpha=0.05, warm_start=True, tol=1e-8).fit(X, y)
    first_iter = model.n_iter_
    model.set_params(alpha=0.049).fit(X, y)
    cold = sparsefit.Lasso(alpha=0.049, tol=1e-8).fit(X, y)
    assert model.n_iter_ <= first_iter
    np.testing.assert_allclose(model.coef_, cold.coef_, atol=1e-4)


def test_constant_and_duplicate_columns_fit_cleanly():
    rng = np.random.default_rng(9)
    base = rng.standard_normal((50, 3))
    X = np.column_stack([base, base[:, 0], np.full(50, 4.0)])  # duplicate of column 0, then a constant
    y = 2 * base[:, 0] + base[:, 1] + 0.1 * rng.standard_normal(50)
    model = sparsefit.Lasso(alpha=0.01, tol=1e-10).fit(X, y)
    assert model.coef_[4] == 0.0  # a constant column explains nothing once the intercept is fit
    # the duplicate pair shares the weight in some way; their sum is what the data determine
    ref = sparsefit.Lasso(alpha=0.01, tol=1e-10).fit(base, y)
    assert model.coef_[0] + model.coef_[3] == pytest.approx(ref.coef_[0], abs=1e-5)


def test_dataframes_give_feature_names():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(10)
    data = {"age": rng.standard_normal(30), "income": rng.standard_normal(30), "flag": rng.random(30) > 0.5}
    y = data["age"] * 2 + 1
    for frame in (pd.DataFrame(data), pl.DataFrame(data)):
        model = sparsefit.Lasso(alpha=0.01).fit(frame, y)
        assert list(model.feature_names_in_) == ["age", "income", "flag"]
        assert np.allclose(model.predict(frame), model.predict(np.column_stack(list(data.values())).astype(float)))


def test_float32_input_is_computed_in_float64():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((40, 8)).astype(np.float32)
    y = (X[:, 0] * 3).astype(np.float32)
    m32 = sparsefit.Lasso(alpha=0.01, tol=1e-10).fit(X, y)
    m64 = sparsefit.Lasso(alpha=0.01, tol=1e-10).fit(X.astype(np.float64), y.astype(np.float64))
    assert m32.coef_.dtype == np.float64
    np.testing.assert_allclose(m32.coef_, m64.coef_)


def test_sparse_coef_and_pipeline_and_grid_search():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(12)
    X = rng.standard_normal((60, 20))
    y = X[:, 2] * 3 + rng.standard_normal(60)
    model = sparsefit.Lasso(alpha=0.2).fit(X, y)
    assert sp.issparse(model.sparse_coef_) and model.sparse_coef_.nnz == np.count_nonzero(model.coef_)
    search = GridSearchCV(make_pipeline(StandardScaler(), sparsefit.Lasso()), {"lasso__alpha": [0.01, 0.1, 1.0]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["lasso__alpha"] in (0.01, 0.1, 1.0)


def test_sparse_input_is_never_densified(monkeypatch):
    rng = np.random.default_rng(13)
    X = sp.random(200, 1000, density=0.01, format="csr", random_state=13)
    y = np.asarray(X[:, :5].sum(axis=1)).ravel() + 0.01 * rng.standard_normal(200)

    def refuse(*args, **kwargs):
        raise AssertionError("sparse input was densified")

    monkeypatch.setattr(sp.csc_matrix, "toarray", refuse)
    monkeypatch.setattr(sp.csc_matrix, "todense", refuse)
    model = sparsefit.ElasticNet(alpha=0.001, l1_ratio=0.9, standardize=True).fit(X, y)
    assert np.count_nonzero(model.coef_) > 0


@pytest.mark.parametrize("a", [0.0, 0.3, 1.0])
def test_seed_forms_map_to_alpha_and_l1_ratio(a):
    """The documented mapping: the seeds' (1/n) sum r^2 + lam[(1-a) sum b^2 + a sum|b|] is twice our objective."""
    rng = np.random.default_rng(14)
    X = rng.standard_normal((40, 6))
    y = rng.standard_normal(40)
    lam = 0.37
    alpha, l1_ratio = lam * (2 - a) / 2, a / (2 - a)
    model = sparsefit.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=False, tol=1e-12).fit(X, y)

    def seed_objective(b):
        return np.mean((y - X @ b) ** 2) + lam * ((1 - a) * np.sum(b**2) + a * np.sum(np.abs(b)))

    best = seed_objective(model.coef_)
    for _ in range(200):  # no nearby point does better on the seeds' objective
        assert seed_objective(model.coef_ + 1e-3 * rng.standard_normal(6)) >= best - 1e-12
