"""Stability selection and correlated groups: known answers on generated data, bounds, equivalences."""

import numpy as np
import pytest
import scipy.sparse as sp

from sparsefit import ElasticNet, Lasso, Ridge
from sparsefit.datasets import make_seed001_correlated, make_sparse_classification
from sparsefit.path import regularization_path
from sparsefit.selection import (
    _complementary_halves,
    correlated_groups,
    mean_pairwise_jaccard,
    stability_selection,
)


def grouped_regression(n=200, p=200, n_groups=6, n_signal_groups=3, rho=0.9, noise=3.0, random_state=0):
    """Groups of 5 equicorrelated Gaussian columns (rho); the first groups share one coefficient each."""
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n, p))
    labels = np.full(p, -1)
    coef = np.zeros(p)
    for g in range(n_groups):
        cols = np.arange(5 * g, 5 * g + 5)
        X[:, cols] = np.sqrt(rho) * rng.standard_normal((n, 1)) + np.sqrt(1 - rho) * X[:, cols]
        labels[cols] = g
        if g < n_signal_groups:
            coef[cols] = 1.0 if g % 2 == 0 else -1.0
    return X, X @ coef + noise * rng.standard_normal(n), coef, labels


# ----------------------------------------------------------------------------- helpers

def test_mean_pairwise_jaccard_known_values():
    assert mean_pairwise_jaccard([[0, 1], [0, 1], [0, 1]], 5) == 1.0
    # pairs: {0,1}-{1,2}: 1/3, {0,1}-{}: 0, {1,2}-{}: 0
    assert mean_pairwise_jaccard([[0, 1], [1, 2], []], 5) == pytest.approx(1 / 9)
    assert mean_pairwise_jaccard([[], []], 5) == 1.0


def test_complementary_halves_are_disjoint_and_split_each_class():
    rng = np.random.default_rng(0)
    labels = np.r_[np.ones(30), -np.ones(71)]
    a, b = _complementary_halves(rng, 101, 50, labels)
    assert a.size == b.size == 50 and np.intersect1d(a, b).size == 0
    assert abs((labels[a] > 0).sum() - (labels[b] > 0).sum()) <= 1


# ----------------------------------------------------------------------------- stability selection

def test_stability_dense_and_csc_inputs_agree():
    X, y, coef, _ = grouped_regression(n=120, p=60, n_groups=2, n_signal_groups=1, noise=1.0)
    kwargs = dict(n_resamples=6, alpha=0.3, n_alphas=8)
    dense = stability_selection(X, y, **kwargs)
    sparse = stability_selection(sp.csc_matrix(X), y, **kwargs)
    np.testing.assert_allclose(dense.frequency, sparse.frequency)
    np.testing.assert_allclose(dense.alphas, sparse.alphas)
    assert dense.jaccard == pytest.approx(sparse.jaccard)
    assert dense.frequency[coef != 0].min() == 1.0  # not a test passing on all zeros


def test_stability_logistic_sparse_input_finds_the_signal():
    data = make_sparse_classification(n_samples=400, n_features=300, n_informative=5, density=0.05, random_state=1)
    result = stability_selection(data.X, data.y, n_resamples=11, random_state=0)
    assert result.loss == "logistic" and result.n_resamples == 12  # rounded up to pairs
    assert result.frequency_path.shape == (300, result.alphas.size)
    assert np.all((result.frequency >= 0) & (result.frequency <= 1))
    assert np.all(np.diff(result.alphas) < 0) and result.alpha == result.alphas[-1]
    strong = data.support[np.argsort(-np.abs(data.coef[data.support]))[:2]]
    assert np.isin(strong, result.stable_set).any()
    assert result.stable_set.size <= 20
    assert "Stability selection" in result.to_text()


def test_null_data_false_selections_stay_under_the_bound():
    """No feature is relevant: every stable feature is a false selection; their mean stays under the bound."""
    n, p = 100, 200
    selected, bounds, q = [], [], []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, p))
        y = rng.standard_normal(n)
        path = regularization_path(X, y, n_alphas=40, standardize=True)
        alpha = path.alphas[np.argmax(path.n_nonzero >= 8)]  # a range where ~8 features get selected
        result = stability_selection(X, y, n_resamples=20, alpha=alpha, n_alphas=10, threshold=0.6,
                                     random_state=seed)
        selected.append(result.stable_set.size)
        bounds.append(result.false_selection_bound)
        q.append(result.average_selected)
    assert np.mean(q) >= 3  # the resamples did select features, so the check is not vacuous
    assert np.mean(selected) <= np.mean(bounds)


def test_l1_frequencies_split_inside_groups_while_elastic_net_keeps_them():
    X, y, coef, labels = grouped_regression(noise=5.0)
    l1 = stability_selection(X, y, penalty="l1", n_resamples=20, selection="min", random_state=0)
    en = stability_selection(X, y, penalty="elasticnet", l1_ratio=0.5, n_resamples=20, selection="min",
                             random_state=0)
    for g in range(3):
        members = labels == g
        assert en.frequency[members].min() >= 0.9          # EN: the whole group, in (nearly) every resample
        assert l1.frequency[members].mean() <= 0.85        # L1: members come and go between resamples ...
        assert np.ptp(l1.frequency[members]) >= 0.25       # ... unevenly: the frequencies split
    signal = coef != 0
    assert l1.frequency[signal].mean() < en.frequency[signal].mean() - 0.2
    assert (en.frequency[labels >= 3] < 0.6).all()         # the correlated noise groups stay out


def test_stability_rejects_bad_input():
    X, y, _, _ = grouped_regression(n=40, p=10, n_groups=1, n_signal_groups=1)
    with pytest.raises(ValueError, match="L2 keeps every feature"):
        stability_selection(X, y, penalty="l2")
    with pytest.raises(ValueError, match="sample_fraction"):
        stability_selection(X, y, sample_fraction=0.7)
    with pytest.raises(ValueError, match="threshold"):
        stability_selection(X, y, threshold=0.0)
    with pytest.raises(ValueError, match="l1_ratio"):
        stability_selection(X, y, penalty="l1", l1_ratio=0.5)


# ----------------------------------------------------------------------------- correlated groups

def _brute_force_groups(X, threshold):
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(np.corrcoef(X, rowvar=False))  # constant columns: NaN -> 0
    np.fill_diagonal(corr, 0)
    from scipy.sparse.csgraph import connected_components

    _, comp = connected_components(sp.csr_matrix(np.abs(corr) > threshold), directed=False)
    sizes = np.bincount(comp)
    return sorted(tuple(np.flatnonzero(comp == c)) for c in np.flatnonzero(sizes >= 2))


@pytest.mark.parametrize("threshold", [0.5, 0.8])
def test_sparse_groups_match_a_dense_brute_force(threshold):
    """Planted pairs of every kind: sparse copies, dense-ish copies, and a complementary 0/1 pair (r = -1)."""
    rng = np.random.default_rng(0)
    n = 300
    X = sp.random(n, 400, density=0.03, random_state=1, format="csc").toarray()
    X[:, 1] = X[:, 0] * 2 + (rng.random(n) < 0.01) * 0.1          # sparse near-copy
    X[:, 10] = rng.random(n) < 0.5                                  # heavy 0/1 column ...
    X[:, 11] = 1.0 - X[:, 10]                                       # ... and its complement: no common row
    X[:, 20] = rng.standard_normal(n)                               # dense column
    X[:, 21] = X[:, 20] + 0.3 * rng.standard_normal(n)              # correlated dense copy
    X[:, 22] = X[:, 21] + 0.3 * rng.standard_normal(n)              # chained: 20-21-22 one component
    X[:, 30] = 0.0                                                  # constant column: never grouped
    found = correlated_groups(sp.csc_matrix(X), threshold)
    assert sorted(tuple(g) for g in found.groups) == _brute_force_groups(X, threshold)
    assert found.labels[10] == found.labels[11] >= 0 and found.labels[30] == -1
    dense = correlated_groups(X, threshold)
    assert sorted(tuple(g) for g in dense.groups) == sorted(tuple(g) for g in found.groups)
    np.testing.assert_allclose(np.sort(dense.mean_abs_correlation), np.sort(found.mean_abs_correlation))


def test_correlated_groups_on_generated_groups():
    X, _, _, labels = grouped_regression(n=300, p=100)
    found = correlated_groups(X, 0.8)
    assert found.n_groups == 6 and (found.sizes == 5).all()
    for members in found.groups:
        assert np.unique(labels[members]).size == 1 and labels[members[0]] >= 0
    assert (found.mean_abs_correlation > 0.85).all()


def test_seed001_example_l1_drops_one_of_the_pair_ridge_and_en_keep_both():
    """Seed 001: med_count and polypharm (r ~ 0.92), age independent; the seed's alphas."""
    data = make_seed001_correlated()
    X, y = data.X, data.y
    n = X.shape[0]
    lasso = Lasso(alpha=0.5).fit(X, y)
    ridge = Ridge(alpha=5.0 / n).fit(X, y)      # scikit-learn's Ridge(alpha=5) in sparsefit's mean-loss form
    enet = ElasticNet(alpha=0.5, l1_ratio=0.5).fit(X, y)
    from sklearn.linear_model import Lasso as SkLasso

    np.testing.assert_allclose(lasso.coef_, SkLasso(alpha=0.5, tol=1e-10).fit(X, y).coef_, atol=1e-4)
    found = correlated_groups(X, 0.8, feature_names=data.feature_names,
                              coefs={"l1": lasso.coef_, "elasticnet": enet.coef_, "l2": ridge.coef_})
    assert found.n_groups == 1 and found.names(found.groups[0]) == ["med_count", "polypharm"]
    assert found.mean_abs_correlation[0] > 0.9
    table = {row["feature"]: row for row in found.weight_table(0)}

    def minor_over_major(method):
        a, b = abs(table["med_count"][method]), abs(table["polypharm"][method])
        return min(a, b) / max(a, b)

    # at the seed's alpha L1 nearly zeroes one of the pair; ridge and elastic net keep both with real weight
    assert minor_over_major("l1") < 0.3
    assert minor_over_major("l2") > 0.4 and minor_over_major("elasticnet") > 0.4
    summary = found.group_summary()[0]
    assert summary["l1"]["top_share"] > summary["l2"]["top_share"]
    # a little more penalty and L1 zeroes polypharm exactly, while the elastic net at the same alpha keeps both
    strong = Lasso(alpha=1.5).fit(X, y).coef_
    assert strong[1] == 0.0 and strong[0] > 0.5
    assert np.all(ElasticNet(alpha=1.5, l1_ratio=0.5).fit(X, y).coef_[:2] > 0.2)
    text = found.to_text()
    assert "med_count" in text and "elasticnet" in text


def test_correlated_groups_with_y_cross_validates_three_penalties():
    data = make_seed001_correlated()
    found = correlated_groups(data.X, 0.8, y=data.y, feature_names=data.feature_names, cv=3)
    assert set(found.weights) == {"l1", "elasticnet", "l2"}
    assert found.fit_info["source"] == "cross-validation"
    assert all(np.count_nonzero(w[:2]) == 2 for w in found.weights.values())
