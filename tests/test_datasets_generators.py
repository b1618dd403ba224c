"""Checks of the simulated data sets against the properties they promise."""

import numpy as np
import pytest
import scipy.sparse as sp

from sparsefit.datasets import (
    SyntheticDataset,
    make_correlated_regression,
    make_ctr_like,
    make_genomics_like,
    make_seed001_correlated,
    make_sparse_classification,
    make_sparse_regression,
)


def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def _mean_within_group_correlation(X, groups):
    correlations = []
    for group in np.unique(groups[groups >= 0]):
        block = np.corrcoef(_dense(X[:, np.flatnonzero(groups == group)]).T)
        correlations.append(block[np.triu_indices_from(block, k=1)])
    return float(np.mean(np.concatenate(correlations)))


# Small versions of every generator, so that the generic checks below stay fast.
SMALL_GENERATORS = {
    "sparse_regression": lambda seed: make_sparse_regression(
        n_samples=300, n_features=2000, n_informative=20, n_groups=4, random_state=seed
    ),
    "sparse_classification": lambda seed: make_sparse_classification(
        n_samples=300, n_features=2000, n_informative=20, random_state=seed
    ),
    "correlated_regression": lambda seed: make_correlated_regression(
        n_samples=100, n_features=400, n_informative=10, random_state=seed
    ),
    "genomics_like": lambda seed: make_genomics_like(
        n_samples=40, n_features=600, n_informative=10, random_state=seed
    ),
    "ctr_like": lambda seed: make_ctr_like(
        n_samples=2000, n_fields=6, n_features=2**14, n_crosses=3, random_state=seed
    ),
    "seed001": lambda seed: make_seed001_correlated(random_state=seed),
}


@pytest.mark.parametrize("name", sorted(SMALL_GENERATORS))
def test_result_is_consistent(name):
    data = SMALL_GENERATORS[name](0)
    assert isinstance(data, SyntheticDataset)
    n_samples, n_features = data.X.shape
    assert data.X.dtype == np.float64
    assert data.y.shape == (n_samples,)
    assert data.coef.shape == (n_features,)
    assert len(data.feature_names) == n_features
    assert np.all(np.isfinite(data.y))
    if data.task == "classification":
        assert data.y.dtype == np.int64
        assert set(np.unique(data.y)) == {0, 1}
        assert data.noise_std is None
    else:
        assert data.noise_std > 0
    if data.groups is not None:
        assert data.groups.shape == (n_features,)


@pytest.mark.parametrize("name", sorted(SMALL_GENERATORS))
def test_same_seed_same_data_other_seed_other_data(name):
    first, again, other = (SMALL_GENERATORS[name](seed) for seed in (0, 0, 1))
    assert (abs(first.X - again.X)).max() == 0
    np.testing.assert_array_equal(first.y, again.y)
    np.testing.assert_array_equal(first.coef, again.coef)
    np.testing.assert_array_equal(first.feature_names, again.feature_names)
    assert (abs(first.X - other.X)).max() > 0
    assert not np.array_equal(first.y, other.y)


def test_sparse_regression_design():
    data = make_sparse_regression(
        n_samples=2000, n_features=5000, n_informative=30, density=0.01, random_state=3
    )
    X = data.X
    assert sp.issparse(X) and X.format == "csc"
    assert X.has_sorted_indices
    assert abs(X.nnz / (2000 * 5000) - 0.01) < 0.001
    assert X.data.min() > 0
    assert np.count_nonzero(data.coef) == 30
    # Zipf frequencies: the most common column is far denser than the median one.
    column_counts = np.sort(X.getnnz(axis=0))[::-1]
    assert column_counts[0] > 20 * max(np.median(column_counts), 1)
    # The response is the linear model plus noise of the stated level.
    residual = data.y - X @ data.coef
    assert abs(residual.std() - data.noise_std) < 0.1


def test_sparse_regression_csr_and_density_at_scale():
    data = make_sparse_regression(
        n_samples=5000, n_features=20000, density=0.001, sparse_format="csr", random_state=0
    )
    assert data.X.format == "csr"
    assert abs(data.X.nnz / (5000 * 20000) - 0.001) < 0.0001


def test_sparse_groups_reach_target_correlation():
    data = make_sparse_regression(
        n_samples=2000,
        n_features=2000,
        n_informative=10,
        density=0.02,
        n_groups=20,
        group_size=4,
        group_correlation=0.8,
        random_state=1,
    )
    assert np.bincount(data.groups[data.groups >= 0]).tolist() == [4] * 20
    assert abs(_mean_within_group_correlation(data.X, data.groups) - 0.8) < 0.06
    # Informative groups come whole, with one shared coefficient.
    for group in range(20):
        group_coef = data.coef[data.groups == group]
        assert np.all(group_coef == group_coef[0])
    assert np.count_nonzero(data.coef) == 10


def test_sparse_classification_balance_and_support():
    data = make_sparse_classification(
        n_samples=4000, n_features=3000, n_informative=15, class_balance=0.2, random_state=2
    )
    assert np.count_nonzero(data.coef) == 15
    assert abs(data.y.mean() - 0.2) < 0.03
    assert np.std(data.X @ data.coef) == pytest.approx(2.0)


def test_correlated_regression_toeplitz_and_snr():
    data = make_correlated_regression(
        n_samples=3000, n_features=300, rho=0.6, n_informative=20, snr=3.0, random_state=0
    )
    X = data.X
    assert X.flags.f_contiguous
    assert np.count_nonzero(data.coef) == 20
    correlation = np.corrcoef(X.T)
    assert abs(np.mean(np.diag(correlation, k=1)) - 0.6) < 0.02
    assert abs(np.mean(np.diag(correlation, k=2)) - 0.36) < 0.02
    assert abs(np.mean(X.var(axis=0)) - 1.0) < 0.02
    signal = X @ data.coef
    assert np.var(signal) / data.noise_std**2 == pytest.approx(3.0)
    realized_snr = np.var(signal) / np.var(data.y - signal)
    assert 2.6 < realized_snr < 3.4


def test_genomics_like_blocks_and_tasks():
    data = make_genomics_like(
        n_samples=2000, n_features=230, block_size=50, block_correlation=0.7,
        n_informative=12, random_state=0,
    )
    assert data.X.shape == (2000, 230)
    assert np.bincount(data.groups).tolist() == [50, 50, 50, 50, 30]
    assert abs(_mean_within_group_correlation(data.X, data.groups) - 0.7) < 0.03
    between = np.corrcoef(data.X[:, 0], data.X[:, 60])[0, 1]
    assert abs(between) < 0.1
    assert np.count_nonzero(data.coef) == 12
    assert data.task == "classification" and abs(data.y.mean() - 0.5) < 0.05

    regression = make_genomics_like(
        n_samples=50, n_features=500, task="regression", random_state=0
    )
    assert regression.task == "regression" and regression.y.dtype == np.float64
    with pytest.raises(ValueError, match="task"):
        make_genomics_like(task="survival")


def test_ctr_like_hashing_and_base_rate():
    data = make_ctr_like(n_samples=20000, n_fields=8, n_features=2**16, n_crosses=4)
    X = data.X
    assert X.format == "csr"
    assert set(np.unique(X.data)) == {1.0}
    assert X.getnnz(axis=1).max() <= 12
    assert 0.03 <= data.y.mean() <= 0.05
    named = [name for name in data.feature_names if not name.startswith("hash_")]
    assert named and all("=" in name for name in named)
    assert np.count_nonzero(data.coef) > 0


def test_seed001_matches_article():
    data = make_seed001_correlated()
    assert data.X.shape == (300, 3)
    assert data.feature_names.tolist() == ["med_count", "polypharm", "age"]
    np.testing.assert_array_equal(data.coef, [0.5, 0.5, 0.3])
    assert np.corrcoef(data.X[:, 0], data.X[:, 1])[0, 1] > 0.85


@pytest.mark.parametrize(
    "make, arguments",
    [
        (make_sparse_regression, {"density": 0.0}),
        (make_sparse_regression, {"n_informative": 20000}),
        (make_sparse_regression, {"sparse_format": "coo"}),
        (make_sparse_classification, {"class_balance": 1.0}),
        (make_correlated_regression, {"rho": 1.0}),
        (make_correlated_regression, {"snr": 0.0}),
        (make_ctr_like, {"n_fields": 3, "n_crosses": 4}),
        (make_genomics_like, {"n_features": 100, "block_size": 50, "n_informative": 11}),
    ],
)
def test_invalid_arguments_are_refused(make, arguments):
    with pytest.raises(ValueError):
        make(**arguments)
