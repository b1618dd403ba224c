"""Bad input gets a clear error naming the problem."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import sparsefit

rng = np.random.default_rng(0)
X_OK = rng.standard_normal((20, 4))
Y_OK = rng.standard_normal(20)


@pytest.mark.parametrize("estimator", [sparsefit.Lasso(0.1), sparsefit.Ridge(0.1), sparsefit.ElasticNet(0.1)])
@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.where(np.eye(20, 4) == 1, np.nan, X_OK), Y_OK, r"X contains 4 NaN value"),
        (np.where(np.eye(20, 4) == 1, np.inf, X_OK), Y_OK, r"X contains 4 infinite value"),
        (sp.csr_matrix(np.where(np.eye(20, 4) == 1, np.nan, X_OK)), Y_OK, r"X contains 4 NaN"),
        (X_OK, np.where(np.arange(20) == 3, np.nan, Y_OK), r"y contains 1 NaN"),
        (X_OK, np.where(np.arange(20) == 3, -np.inf, Y_OK), r"y contains 1 infinite"),
        (X_OK, Y_OK[:15], r"X has 20 rows but y has 15 values"),
        (np.empty((0, 4)), np.empty(0), r"0 sample\(s\).*at least one row"),
        (np.empty((20, 0)), Y_OK, r"0 feature\(s\).*at least one column"),
        (X_OK + 1j, Y_OK, r"Complex data not supported"),
        (X_OK.reshape(20, 2, 2), Y_OK, r"must be 2-D.*3 dimensions"),
        (X_OK[:, 0], Y_OK, r"Expected a 2-D X.*Reshape"),
        (X_OK, np.column_stack([Y_OK, Y_OK]), r"y must be 1-D"),
        (np.array([["a", "b"]] * 20, dtype=object), Y_OK, r"not a number"),
    ],
)
def test_bad_arrays_raise_clear_errors(estimator, X, y, message):
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)


def test_finite_check_is_exact_where_its_fast_path_is_not():
    # the fast path (a finite dot product of the values with themselves) must neither miss a NaN or an inf, nor
    # reject finite values whose squares overflow; and it must not warn about that overflow
    from sparsefit._validation import _all_finite, validate_X

    # (the fast path is taken from 50,000 values on: below, the exact test is cheaper)
    big = np.tile(Y_OK, 3000)
    huge = np.where(np.arange(big.size) == 3, 1e200, big)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _all_finite(huge) and _all_finite(huge[:20])
        validate_X(np.column_stack([huge, np.tile(X_OK, (3000, 1))]))
    for bad in (np.nan, np.inf, -np.inf):
        for values in (np.where(np.arange(big.size) == 7, bad, huge),
                       np.asfortranarray(np.where(np.eye(big.size, 4) == 1, bad, np.tile(X_OK, (3000, 1)))),
                       np.where(np.eye(big.size, 8) == 1, bad, 1.0)[:, ::2],
                       np.where(np.arange(20) == 7, bad, huge[:20])):
            assert not _all_finite(values)


def test_non_numeric_dataframe_column_is_named():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    data = {"age": [1.0, 2.0, 3.0], "city": ["a", "b", "c"]}
    for frame in (pd.DataFrame(data), pl.DataFrame(data)):
        with pytest.raises(ValueError, match=r"column 'city' has type .* not numeric"):
            sparsefit.Lasso().fit(frame, [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "weights, message",
    [
        (-np.ones(20), r"20 negative value\(s\)"),
        (np.zeros(20), r"zero for every sample"),
        (np.ones(19), r"sample_weight has 19 values but X has 20 rows"),
        (np.where(np.arange(20) == 0, np.nan, 1.0), r"sample_weight contains 1 NaN"),
    ],
)
def test_bad_sample_weights(weights, message):
    with pytest.raises(ValueError, match=message):
        sparsefit.Lasso(0.1).fit(X_OK, Y_OK, sample_weight=weights)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"alpha": -1.0}, r"alpha must be a finite number >= 0"),
        ({"alpha": np.nan}, r"alpha must be a finite number >= 0"),
        ({"l1_ratio": 1.5}, r"l1_ratio must be between 0 and 1"),
        ({"tol": 0}, r"tol must be a positive number"),
        ({"penalty_factor": [1, 2]}, r"penalty_factor must have one value per feature \(4\)"),
        ({"penalty_factor": [1, -1, 1, 1]}, r"penalty_factor must be finite and >= 0"),
        ({"lower_bounds": 1.0}, r"lower_bounds must be <= 0"),
        ({"upper_bounds": [1, 1, -1, 1]}, r"upper_bounds must be >= 0 for every feature; feature 2"),
    ],
)
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        sparsefit.ElasticNet(**{"alpha": 0.1, **params}).fit(X_OK, Y_OK)


def test_predict_checks_feature_count():
    model = sparsefit.Lasso(0.1).fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match=r"X has 3 features, but Lasso is expecting 4 features"):
        model.predict(X_OK[:, :3])


def test_unfitted_model_says_so():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted yet"):
        sparsefit.Lasso().predict(X_OK)


def test_constant_target_gives_zero_coefficients():
    model = sparsefit.Lasso(0.1).fit(X_OK, np.full(20, 3.0))
    assert np.all(model.coef_ == 0) and model.intercept_ == 3.0 and model.converged_


def test_duplicate_and_unsorted_sparse_entries_are_summed_and_refits_agree():
    """A CSC matrix with duplicate (i, j) entries and unsorted indices means their sums; fitting it twice (the
    second time scipy knows the validated copy's layout) gives the model of the summed dense matrix."""
    rng = np.random.default_rng(0)
    dense = rng.standard_normal((40, 6)) * (rng.random((40, 6)) < 0.5)
    y = dense @ rng.standard_normal(6) + 0.1 * rng.standard_normal(40)
    rows, cols = np.nonzero(dense)
    values = dense[rows, cols]
    # split every entry into two duplicates, shuffled within each column
    order = rng.permutation(2 * len(values))
    coo = sp.coo_matrix((np.concatenate([0.25 * values, 0.75 * values])[order],
                         (np.concatenate([rows, rows])[order], np.concatenate([cols, cols])[order])), shape=dense.shape)
    # CSC arrays built directly, so scipy keeps the duplicates and the shuffled order within columns
    by_col = np.argsort(coo.col, kind="stable")
    messy = sp.csc_matrix((coo.data[by_col], coo.row[by_col], np.searchsorted(coo.col[by_col], np.arange(7))),
                          shape=dense.shape)
    assert not messy.has_canonical_format
    from sparsefit._validation import validate_X

    validated, _ = validate_X(messy)
    assert validated.nnz == len(values)  # duplicates summed
    for j in range(6):
        assert np.all(np.diff(validated.indices[validated.indptr[j]:validated.indptr[j + 1]]) > 0)  # sorted
    np.testing.assert_allclose(validated.toarray(), dense)
    reference = sparsefit.Lasso(alpha=0.01, tol=1e-10).fit(dense, y)
    for _ in range(2):
        model = sparsefit.Lasso(alpha=0.01, tol=1e-10).fit(messy, y)
        np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-8)
        np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-8)


@pytest.mark.parametrize("bad, message", [(np.nan, r"X contains 1 NaN"), (np.inf, r"X contains 1 infinite"),
                                          (-np.inf, r"X contains 1 infinite")])
@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_path_finds_non_finite_values_from_its_column_statistics(bad, message, sparse, standardize, loss):
    # unstandardized, the path's NaN/inf test comes from prepare's sums: a bad value must be found wherever it is,
    # also in a row whose weight is zero (0 * inf and 0 * NaN are NaN in the weighted sums)
    Xd = X_OK.copy()
    Xd[5, 2] = bad
    X = sp.csc_matrix(Xd) if sparse else Xd
    y = Y_OK if loss == "squared" else (Y_OK > 0).astype(int)
    weights = np.where(np.arange(20) == 5, 0.0, 1.0)
    for sample_weight in (None, weights):
        with pytest.raises(ValueError, match=message):
            sparsefit.regularization_path(X, y, loss=loss, n_alphas=3, sample_weight=sample_weight,
                                          standardize=standardize)


@pytest.mark.parametrize("bad, message", [(np.nan, r"X contains 1 NaN"), (np.inf, r"X contains 1 infinite"),
                                          (-np.inf, r"X contains 1 infinite")])
@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("make", [
    lambda s: sparsefit.Lasso(0.1, standardize=s), lambda s: sparsefit.ElasticNet(0.1, standardize=s),
    lambda s: sparsefit.Ridge(0.1, standardize=s), lambda s: sparsefit.LogisticRegression(standardize=s),
], ids=["lasso", "enet", "ridge", "logistic"])
def test_estimators_find_non_finite_values_from_the_column_statistics(bad, message, sparse, standardize, make):
    # unstandardized, an estimator's NaN/inf test comes from the solver's column statistics (checked_design):
    # a bad value must be found wherever it is, also in a row of weight zero, with a clear message and no warning
    Xd = X_OK.copy()
    Xd[5, 2] = bad
    X = sp.csc_matrix(Xd) if sparse else Xd
    estimator = make(standardize)
    y = (Y_OK > 0).astype(int) if isinstance(estimator, sparsefit.LogisticRegression) else Y_OK
    weights = np.where(np.arange(20) == 5, 0.0, 1.0)
    for sample_weight in (None, weights):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match=message):
                estimator.fit(X, y, sample_weight=sample_weight)


def test_estimators_accept_finite_values_whose_squares_overflow():
    # the statistics' sums overflow to inf here: the exact test must then clear X, not reject it
    Xd = X_OK.copy()
    Xd[3, 1] = 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (such a column makes the solver's own arithmetic overflow: not the point)
        model = sparsefit.Lasso(0.1, fit_intercept=False, max_iter=50).fit(Xd, Y_OK)
    assert model.coef_.shape == (4,)


def test_path_accepts_finite_values_whose_squares_overflow():
    # the statistics' sums overflow to inf here: the exact test must then clear X, not reject it
    Xd = X_OK.copy()
    Xd[3, 1] = 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (such a column makes the solver's own arithmetic overflow: not the point)
        path = sparsefit.regularization_path(Xd, Y_OK, n_alphas=3, fit_intercept=False, early_stop=False)
    assert path.coefs.shape == (4, 3)


@pytest.mark.parametrize("bad, message", [((np.nan,), r"y contains 1 NaN"), ((np.inf,), r"y contains 1 infinite"),
                                          ((np.inf, -np.inf), r"y contains 2 infinite")])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_path_finds_non_finite_targets_from_their_weighted_mean(bad, message, fit_intercept):
    # with an intercept, the path's NaN/inf test of y is its weighted mean's: a bad value must be found also in a
    # row whose weight is zero (0 * inf and 0 * NaN are NaN), and before any arithmetic on it warns
    y = Y_OK.copy()
    y[5:5 + len(bad)] = bad
    weights = np.where((np.arange(20) >= 5) & (np.arange(20) < 5 + len(bad)), 0.0, 1.0)
    for sample_weight in (None, weights):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            with pytest.raises(ValueError, match=message):
                sparsefit.regularization_path(X_OK, y, n_alphas=3, sample_weight=sample_weight,
                                              fit_intercept=fit_intercept)


def test_path_accepts_finite_targets_whose_mean_overflows():
    # the weighted mean overflows to inf: the exact test must then clear y, not reject it
    y = Y_OK.copy()
    y[:2] = 1e308
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the fit's own arithmetic overflows on such a target: not the point)
        path = sparsefit.regularization_path(X_OK, y, n_alphas=3, early_stop=False)
    assert path.coefs.shape == (4, 3)
