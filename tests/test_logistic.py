"""LogisticRegression: certificates, agreement with scikit-learn, labels, hard cases."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import sparsefit
from sparsefit._objective import Logistic
from sparsefit._optimality import certificate
from sparsefit._penalty import ElasticNetPenalty
from sparsefit.logistic import SeparableDataWarning
from reference import logistic_lbfgs
from strategies import classification_problems

L1_RATIO = {"l1": 1.0, "l2": 0.0, "elasticnet": 0.5}


def dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)


def sklearn_fit(X, y, penalty, C, sample_weight=None):
    """scikit-learn's saga (L1, EN) or lbfgs (L2) at a tight tolerance: the independent reference."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if penalty == "l2":
            model = SkLogisticRegression(C=C, tol=1e-12, max_iter=10_000)
        else:
            model = SkLogisticRegression(penalty="elasticnet", l1_ratio=L1_RATIO[penalty], C=C, solver="saga",
                                         tol=1e-12, max_iter=200_000)
        return model.fit(dense(X), y, sample_weight=sample_weight)


def objective(model_coef, model_intercept, X, y, alpha, l1_ratio, sw):
    pen = ElasticNetPenalty(alpha, l1_ratio)
    y_pm = np.where(y == 1, 1.0, -1.0)
    return certificate(dense(X), y_pm, model_coef, model_intercept, Logistic(), pen, sw)


def lbfgs_reference(X, y, alpha, l1_ratio, sw):
    return logistic_lbfgs(X, y, alpha, l1_ratio, sw)


@given(problem=classification_problems(), penalty=st.sampled_from(["l1", "l2", "elasticnet"]),
       C=st.sampled_from([0.05, 0.5, 5.0]))
def test_certified_and_matches_independent_solvers(problem, penalty, C):
    X, y, sw = problem
    ours = sparsefit.LogisticRegression(penalty=penalty, C=C, l1_ratio=0.5, tol=1e-10).fit(X, y, sample_weight=sw)
    weight_sum = len(y) if sw is None else sw.sum()
    alpha, l1_ratio = 1.0 / (C * weight_sum), L1_RATIO[penalty]
    assert ours.alpha_ == pytest.approx(alpha)
    cert = objective(ours.coef_[0], ours.intercept_[0], X, y, alpha, l1_ratio, sw)
    assert cert.gap <= 1e-10 * np.log(2.0) * 1.01 + 1e-14  # P(0) <= log 2 for any labels
    assert cert.kkt_violation <= 1e-5
    ref_coef, ref_intercept = lbfgs_reference(X, y, alpha, l1_ratio, sw)
    ref = objective(ref_coef, ref_intercept, X, y, alpha, l1_ratio, sw)
    assert cert.primal <= ref.primal + 1e-10 * np.log(2.0)  # within the certified tolerance
    assert ref.primal <= cert.primal + 1e-6 * cert.primal
    # probabilities: scikit-learn's where it certifies its own answer (lbfgs always does for L2;
    # saga sometimes stalls on tiny problems), else the L-BFGS-B reference
    theirs = sklearn_fit(X, y, penalty, C, sw)
    their_cert = objective(theirs.coef_[0], theirs.intercept_[0], X, y, alpha, l1_ratio, sw)
    if penalty == "l2" or their_cert.primal <= cert.primal + 1e-9:
        expected, other_primal = theirs.predict_proba(dense(X))[:, 1], their_cert.primal
    else:
        expected, other_primal = 1 / (1 + np.exp(-(dense(X) @ ref_coef + ref_intercept))), ref.primal
    ours_p = ours.predict_proba(X)[:, 1]
    # The optimal margins u = Xw + b are unique (the loss is strictly convex in u), but a point delta-suboptimal
    # may differ: with curvature c_i = p_i (1 - p_i) (smallest at an end of the segment) and normalized weights
    # s_i, sum_i s_i c_i du_i^2 <= 4 (delta_ours + delta_other), and dp <= du / 4. A reference only 1e-9 from
    # the optimum is thus allowed ~1e-4 in probability; two near-exact answers are held to 1e-5.
    s = np.ones(len(y)) / len(y) if sw is None else sw / sw.sum()
    curvature = np.minimum(ours_p * (1 - ours_p), expected * (1 - expected))
    delta = 2 * max(cert.gap, 0.0) + max(other_primal - cert.primal, 0.0)
    with np.errstate(divide="ignore"):
        bound = 0.25 * np.sqrt(4 * delta / (s * curvature))
    assert np.all(np.abs(ours_p - expected) <= np.maximum(1e-5, bound) + 1e-9)


@given(problem=classification_problems(), penalty=st.sampled_from(["l1", "elasticnet"]))
def test_dense_equals_sparse(problem, penalty):
    X, y, _ = problem
    a = sparsefit.LogisticRegression(penalty=penalty, C=0.3, l1_ratio=0.5, tol=1e-12).fit(dense(X), y)
    b = sparsefit.LogisticRegression(penalty=penalty, C=0.3, l1_ratio=0.5, tol=1e-12).fit(sp.csc_matrix(dense(X)), y)
    np.testing.assert_allclose(a.predict_proba(dense(X)), b.predict_proba(dense(X)), atol=1e-7)


def test_alpha_and_C_are_the_same_model():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 10))
    y = (X[:, 0] > 0).astype(int)
    by_c = sparsefit.LogisticRegression(penalty="l1", C=0.2, tol=1e-10).fit(X, y)
    by_alpha = sparsefit.LogisticRegression(penalty="l1", alpha=1 / (0.2 * 120), tol=1e-10).fit(X, y)
    np.testing.assert_allclose(by_c.coef_, by_alpha.coef_, atol=1e-9)


@pytest.mark.parametrize("labels", [np.array(["ham", "spam"]), np.array([False, True]), np.array([-3, 7])])
def test_binary_labels_of_any_type(labels):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((80, 5))
    y = labels[(X[:, 0] + 0.3 * rng.standard_normal(80) > 0).astype(int)]
    model = sparsefit.LogisticRegression(C=1.0).fit(X, y)
    assert list(model.classes_) == sorted(labels.tolist())
    assert set(model.predict(X)) <= set(labels.tolist())
    assert model.coef_.shape == (1, 5) and model.intercept_.shape == (1,)
    assert model.score(X, y) > 0.8


def test_multiclass_is_one_vs_rest():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((150, 6))
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3] + 0.3 * rng.standard_normal((150, 3)), axis=1)]
    model = sparsefit.LogisticRegression(penalty="l1", C=0.5, tol=1e-10).fit(X, y)
    assert model.coef_.shape == (3, 6)
    for k, label in enumerate(model.classes_):
        binary = sparsefit.LogisticRegression(penalty="l1", C=0.5, tol=1e-10).fit(X, (y == label).astype(int))
        np.testing.assert_allclose(model.coef_[k], binary.coef_[0], atol=1e-8)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.score(X, y) > 0.8


def test_separable_without_penalty_warns_and_with_penalty_is_finite():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 3))
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(SeparableDataWarning, match="perfectly separable"):
        sparsefit.LogisticRegression(penalty=None).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = sparsefit.LogisticRegression(penalty="l2", C=1.0, tol=1e-10).fit(X, y)
    assert model.converged_ and np.all(np.isfinite(model.coef_)) and np.abs(model.coef_).max() < 50


def test_unpenalized_matches_scikit_learn_on_overlapping_classes():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 4))
    y = (X @ np.array([1.0, -0.5, 0.2, 0.0]) + rng.logistic(size=300) > 0).astype(int)
    ours = sparsefit.LogisticRegression(penalty=None, tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = SkLogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)


def test_single_class_is_an_error():
    X = np.random.default_rng(5).standard_normal((10, 2))
    with pytest.raises(ValueError, match=r"only one class \('yes'\)"):
        sparsefit.LogisticRegression().fit(X, ["yes"] * 10)


def test_extreme_C():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((100, 8))
    y = (X[:, 0] + rng.standard_normal(100) > 0).astype(int)
    tiny = sparsefit.LogisticRegression(penalty="l1", C=1e-8).fit(X, y)
    assert np.all(tiny.coef_ == 0)
    assert tiny.predict_proba(X)[:, 1] == pytest.approx(np.full(100, y.mean()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        huge = sparsefit.LogisticRegression(penalty="l1", C=1e8).fit(X, y)
    assert huge.converged_ or np.all(np.isfinite(huge.coef_))


def test_imbalanced_classes_and_class_weight():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((1000, 10))
    y = (X[:, 0] + rng.standard_normal(1000) > 3.3).astype(int)  # ~1% positives
    assert 0 < y.sum() < 30
    model = sparsefit.LogisticRegression(penalty="l1", C=1.0, tol=1e-10).fit(X, y)
    cert = objective(model.coef_[0], model.intercept_[0], X, y, model.alpha_, 1.0, None)
    assert cert.gap <= 1e-10 * np.log(2) * 1.01
    balanced = sparsefit.LogisticRegression(C=1.0, class_weight="balanced", tol=1e-10).fit(X, y)
    weights = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    by_weight = sparsefit.LogisticRegression(C=1.0, tol=1e-10).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(balanced.coef_, by_weight.coef_, atol=1e-8)


def test_duplicate_columns_and_large_margins_are_stable():
    rng = np.random.default_rng(8)
    base = rng.standard_normal((200, 3)) * 50  # margins in the hundreds: exp would overflow naively
    X = np.column_stack([base, base[:, 0]])
    y = (base[:, 0] + 20 * rng.standard_normal(200) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = sparsefit.LogisticRegression(penalty="l1", C=1.0, tol=1e-8).fit(X, y)
        proba = model.predict_proba(X * 100)
    assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))


def test_alpha_max_gives_zero_coefficients():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((150, 20))
    y = (X[:, 3] + rng.standard_normal(150) > 0).astype(int)
    rate = y.mean()
    theta0 = (y - rate) / len(y)  # -gradient at the intercept-only model
    alpha_max = np.abs(X.T @ theta0).max()
    at_max = sparsefit.LogisticRegression(penalty="l1", alpha=alpha_max * 1.000001).fit(X, y)
    assert np.all(at_max.coef_ == 0)
    below = sparsefit.LogisticRegression(penalty="l1", alpha=alpha_max / 10).fit(X, y)
    assert np.count_nonzero(below.coef_) >= 1


def test_bad_parameters():
    X = np.random.default_rng(10).standard_normal((10, 2))
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match="needs l1_ratio"):
        sparsefit.LogisticRegression(penalty="elasticnet").fit(X, y)
    with pytest.raises(ValueError, match="penalty must be"):
        sparsefit.LogisticRegression(penalty="l3").fit(X, y)
    with pytest.raises(ValueError, match="C must be a finite number > 0"):
        sparsefit.LogisticRegression(C=0).fit(X, y)
    with pytest.raises(ValueError, match="continuous|Unknown label type"):
        sparsefit.LogisticRegression().fit(X, np.linspace(0, 1, 10))
