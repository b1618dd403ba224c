"""Sparse, text-like designs: Zipf column frequencies, tf-idf-like values, correlated groups."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ._result import SyntheticDataset
from ._simulation import (
    check_count,
    check_real,
    intercept_for_balance,
    logistic_labels,
    numbered_names,
    scale_to_std,
    signed_effects,
)

# A column may hold at most this share of the rows: beyond it the with-replacement
# draws used below would need ever more samples per distinct row.
_MAX_COLUMN_FILL = 0.9
# Informative and grouped columns are drawn among the columns expected to have at
# least this many non-zeros, so that the true signal is estimable at all.
_MIN_USEFUL_COUNT = 5.0
# P(term count == 1) of the geometric term counts, about what short documents show.
_TERM_COUNT_P = 0.6


def make_sparse_regression(
    n_samples=1000,
    n_features=10000,
    n_informative=50,
    density=0.01,
    zipf_exponent=1.1,
    noise=1.0,
    n_groups=0,
    group_size=5,
    group_correlation=0.9,
    sparse_format="csc",
    random_state=0,
):
    """Simulate a sparse, text-like regression problem with a known sparse truth.

    Columns play the role of vocabulary terms. Column ``j`` is non-zero in a
    share of the rows proportional to ``rank_j ** -zipf_exponent`` (a few very
    common columns, a long tail of rare ones), scaled so that the overall
    density is ``density``. Non-zeros are tf-idf-like positive values
    ``(1 + log tf) * idf_j`` with geometric term counts ``tf >= 1`` and the
    smoothed ``idf_j = log((1 + n) / (1 + df_j)) + 1`` of scikit-learn's
    ``TfidfTransformer``. The response is ``y = X @ coef + noise * e`` with
    standard normal ``e``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows (documents). At least 2.
    n_features : int, default=10000
        Number of columns (terms).
    n_informative : int, default=50
        Number of non-zero true coefficients. They are drawn among the columns
        expected to have at least 5 non-zeros (the most frequent columns when
        there are too few such columns), with random signs and magnitudes in
        [1, 2].
    density : float, default=0.01
        Target share of non-zero entries of ``X``, in (0, 0.5].
    zipf_exponent : float, default=1.1
        Exponent ``s`` of the column frequency law ``rank ** -s``; 0 gives
        columns of equal expected frequency, larger values a steeper head.
    noise : float, default=1.0
        Standard deviation of the Gaussian noise added to ``X @ coef``.
    n_groups : int, default=0
        Number of groups of correlated columns. The columns of a group share
        one latent set of rows and term counts: each column keeps every latent
        entry with probability ``sqrt(group_correlation)`` and moves it to a
        random row otherwise, so two columns of a group have correlation
        close to ``group_correlation``. The first ``ceil(n_groups / 2)`` groups
        (as many as ``n_informative`` allows) are informative as a whole, all
        their columns sharing one coefficient; the other groups are correlated
        noise.
    group_size : int, default=5
        Number of columns in each group, at least 2.
    group_correlation : float, default=0.9
        Target correlation between two columns of one group, in [0, 1].
    sparse_format : {"csc", "csr"}, default="csc"
        Storage of ``X``.
    random_state : int, numpy.random.Generator or None, default=0
        Seed; equal seeds give identical data.

    Returns
    -------
    dataset : SyntheticDataset
        ``X`` (float64, sparse), ``y``, ``coef``, ``feature_names`` (``word<rank>``,
        rank 0 the most frequent column), ``groups`` (group of every column,
        ``-1`` outside groups; ``None`` when ``n_groups == 0``) and
        ``noise_std``.

    See Also
    --------
    make_sparse_classification : The same design with binary labels.

    Examples
    --------
    >>> from sparsefit.datasets import make_sparse_regression
    >>> data = make_sparse_regression(n_samples=200, n_features=1000, n_informative=10)
    >>> data.X.shape, data.support.size
    ((200, 1000), 10)
    """
    noise = check_real(noise, "noise", low=0.0)
    rng = np.random.default_rng(random_state)
    design = _text_like_design(
        rng, n_samples, n_features, n_informative, density, zipf_exponent,
        n_groups, group_size, group_correlation, sparse_format,
    )
    signal = design["X"] @ design["coef"]
    y = signal + noise * rng.standard_normal(signal.shape[0])
    return SyntheticDataset(
        X=design["X"],
        y=y,
        coef=design["coef"],
        feature_names=design["feature_names"],
        groups=design["groups"],
        intercept=0.0,
        noise_std=noise,
        task="regression",
        description=(
            f"text-like sparse regression: Zipf(s={zipf_exponent}) column "
            f"frequencies, density {density}, {n_groups} correlated groups"
        ),
    )


def make_sparse_classification(
    n_samples=1000,
    n_features=10000,
    n_informative=50,
    density=0.01,
    zipf_exponent=1.1,
    class_balance=0.5,
    logit_scale=2.0,
    n_groups=0,
    group_size=5,
    group_correlation=0.9,
    sparse_format="csc",
    random_state=0,
):
    """Simulate a sparse, text-like binary classification problem with a known truth.

    ``X`` and the support of ``coef`` are built exactly as in
    :func:`make_sparse_regression`. Labels are drawn from the logistic model
    ``P(y = 1) = sigmoid(X @ coef + intercept)``.

    Parameters
    ----------
    n_samples, n_features, n_informative, density, zipf_exponent : see make_sparse_regression
        Design of ``X`` and of the true support.
    class_balance : float, default=0.5
        Expected share of positive labels, in (0, 1); the true ``intercept``
        is solved for so that the mean predicted probability equals it.
    logit_scale : float, default=2.0
        The true coefficients are rescaled so that ``X @ coef`` has this
        standard deviation: small values give nearly random labels, large
        values nearly separable classes.
    n_groups, group_size, group_correlation : see make_sparse_regression
        Correlated groups of columns.
    sparse_format : {"csc", "csr"}, default="csc"
        Storage of ``X``.
    random_state : int, numpy.random.Generator or None, default=0
        Seed; equal seeds give identical data.

    Returns
    -------
    dataset : SyntheticDataset
        ``y`` holds int64 labels 0 and 1; ``intercept`` is the true logit offset.

    Examples
    --------
    >>> from sparsefit.datasets import make_sparse_classification
    >>> data = make_sparse_classification(n_samples=500, n_features=2000, class_balance=0.2)
    >>> sorted(set(data.y.tolist()))
    [0, 1]
    """
    class_balance = check_real(
        class_balance, "class_balance", low=0.0, high=1.0, low_open=True, high_open=True
    )
    logit_scale = check_real(logit_scale, "logit_scale", low=0.0)
    rng = np.random.default_rng(random_state)
    design = _text_like_design(
        rng, n_samples, n_features, n_informative, density, zipf_exponent,
        n_groups, group_size, group_correlation, sparse_format,
    )
    linear_predictor, coef = scale_to_std(
        design["X"] @ design["coef"], design["coef"], logit_scale
    )
    intercept = intercept_for_balance(linear_predictor, class_balance)
    y = logistic_labels(rng, linear_predictor, intercept)
    return SyntheticDataset(
        X=design["X"],
        y=y,
        coef=coef,
        feature_names=design["feature_names"],
        groups=design["groups"],
        intercept=intercept,
        noise_std=None,
        task="classification",
        description=(
            f"text-like sparse classification: Zipf(s={zipf_exponent}) column "
            f"frequencies, density {density}, class balance {class_balance}"
        ),
    )


def _text_like_design(
    rng, n_samples, n_features, n_informative, density, zipf_exponent,
    n_groups, group_size, group_correlation, sparse_format,
):
    n_samples = check_count(n_samples, "n_samples", minimum=2)
    n_features = check_count(n_features, "n_features")
    n_informative = check_count(n_informative, "n_informative", minimum=0)
    density = check_real(density, "density", low=0.0, high=0.5, low_open=True)
    zipf_exponent = check_real(zipf_exponent, "zipf_exponent", low=0.0)
    n_groups = check_count(n_groups, "n_groups", minimum=0)
    group_size = check_count(group_size, "group_size", minimum=2)
    group_correlation = check_real(group_correlation, "group_correlation", low=0.0, high=1.0)
    if sparse_format not in ("csc", "csr"):
        raise ValueError(f"sparse_format must be 'csc' or 'csr', got {sparse_format!r}.")
    if n_informative > n_features:
        raise ValueError(
            f"n_informative={n_informative} exceeds n_features={n_features}."
        )
    if n_groups * group_size > n_features:
        raise ValueError(
            f"n_groups * group_size = {n_groups * group_size} columns exceed "
            f"n_features={n_features}."
        )

    # rank[j] is column j's place in the frequency order; shuffling the ranks
    # keeps column indices free of any frequency pattern.
    rank = rng.permutation(n_features)
    weight = (rank + 1.0) ** -zipf_exponent
    expected_count = _fill_counts(
        weight, density * n_samples * n_features, _MAX_COLUMN_FILL * n_samples
    )
    order_by_frequency = np.argsort(rank)
    useful = order_by_frequency[expected_count[order_by_frequency] >= _MIN_USEFUL_COUNT]

    group_columns = np.empty((n_groups, group_size), dtype=np.int64)
    if n_groups:
        needed = n_groups * group_size
        if useful.size < needed:
            raise ValueError(
                f"only {useful.size} columns are expected to have >= "
                f"{_MIN_USEFUL_COUNT:g} non-zeros, too few for {n_groups} groups of "
                f"{group_size}; raise density or n_samples, or lower zipf_exponent."
            )
        group_columns = rng.choice(useful, size=needed, replace=False).reshape(
            n_groups, group_size
        )

    in_group = np.zeros(n_features, dtype=bool)
    in_group[group_columns.ravel()] = True
    free_count = np.where(in_group, 0.0, expected_count)
    columns_free, rows_free = _draw_distinct_rows(rng, free_count, n_samples)
    columns_group, rows_group, counts_group = _draw_group_entries(
        rng, group_columns, expected_count, n_samples, group_correlation
    )
    columns = np.concatenate([columns_free, columns_group])
    rows = np.concatenate([rows_free, rows_group])
    term_counts = np.concatenate(
        [rng.geometric(_TERM_COUNT_P, size=columns_free.size), counts_group]
    )

    # Sorting by column then row gives CSC order; a group column may have moved
    # two entries onto one row, and the first of them is kept.
    keys, first = np.unique(columns * n_samples + rows, return_index=True)
    columns = keys // n_samples
    rows = (keys % n_samples).astype(np.int32)
    term_counts = term_counts[first]
    document_frequency = np.bincount(columns, minlength=n_features)
    idf = np.log((1.0 + n_samples) / (1.0 + document_frequency)) + 1.0
    values = (1.0 + np.log(term_counts)) * idf[columns]
    indptr = np.concatenate([[0], np.cumsum(document_frequency)]).astype(np.int64)
    X = sp.csc_matrix((values, rows, indptr), shape=(n_samples, n_features))
    if sparse_format == "csr":
        X = X.tocsr()

    coef = _true_coefficients(
        rng, n_features, n_informative, group_columns, useful, in_group, order_by_frequency
    )
    groups = None
    if n_groups:
        groups = np.full(n_features, -1, dtype=np.int64)
        groups[group_columns.ravel()] = np.repeat(np.arange(n_groups), group_size)
    feature_names = numbered_names("word", n_features)[rank]
    return {"X": X, "coef": coef, "groups": groups, "feature_names": feature_names}


def _fill_counts(weight, total, cap):
    """Expected non-zeros per column: ``scale * weight`` capped at ``cap``, summing to ``total``.

    Water-filling in closed form: with the ``k`` heaviest columns at the cap
    the rest share ``total - k * cap`` in proportion to their weights; the
    answer is the smallest ``k`` whose next column stays below the cap.
    """
    descending = np.sort(weight)[::-1]
    tail_sum = np.cumsum(descending[::-1])[::-1]
    n_capped = np.arange(descending.size)
    scale = (total - n_capped * cap) / tail_sum
    fits = scale * descending <= cap
    k = int(np.argmax(fits)) if fits.any() else descending.size - 1
    return np.minimum(scale[k] * weight, cap)


def _draws_for_distinct(expected_distinct, n_samples):
    """With-replacement row draws that hit ``expected_distinct`` distinct rows on average.

    ``k`` uniform draws out of ``n`` rows hit ``n * (1 - (1 - 1/n) ** k)``
    distinct rows in expectation; this inverts that formula and rounds
    stochastically later so that the mean is kept.
    """
    share = np.minimum(expected_distinct / n_samples, _MAX_COLUMN_FILL)
    return np.log1p(-share) / np.log1p(-1.0 / n_samples)


def _draw_distinct_rows(rng, expected_count, n_samples):
    """Rows of the non-zeros of every column, drawn for all columns at once."""
    draws = _draws_for_distinct(expected_count, n_samples)
    whole = np.floor(draws)
    draws = (whole + (rng.random(draws.size) < draws - whole)).astype(np.int64)
    columns = np.repeat(np.arange(expected_count.size, dtype=np.int64), draws)
    rows = rng.integers(0, n_samples, size=columns.size)
    return columns, rows


def _draw_group_entries(rng, group_columns, expected_count, n_samples, group_correlation):
    """Entries of the grouped columns: noisy copies of one latent column per group.

    Two columns that each keep a latent entry with probability ``q`` share
    ``q**2`` of their entries with equal values, and both their marginal
    density and value distribution match the latent column's, which makes
    their correlation ``q**2`` (up to the rare chance overlaps of moved
    entries); hence ``q = sqrt(group_correlation)``.
    """
    n_groups, group_size = group_columns.shape
    if n_groups == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    latent_count = expected_count[group_columns].mean(axis=1)
    latent_groups, latent_rows = _draw_distinct_rows(rng, latent_count, n_samples)
    latent_keys = np.unique(latent_groups * n_samples + latent_rows)
    latent_groups = latent_keys // n_samples
    latent_rows = latent_keys % n_samples
    latent_term_counts = rng.geometric(_TERM_COUNT_P, size=latent_keys.size)

    columns = group_columns[latent_groups].ravel()
    rows = np.repeat(latent_rows, group_size)
    term_counts = np.repeat(latent_term_counts, group_size)
    moved = rng.random(columns.size) >= math.sqrt(group_correlation)
    rows[moved] = rng.integers(0, n_samples, size=int(moved.sum()))
    term_counts[moved] = rng.geometric(_TERM_COUNT_P, size=int(moved.sum()))
    return columns, rows, term_counts


def _true_coefficients(
    rng, n_features, n_informative, group_columns, useful, in_group, order_by_frequency
):
    """Sparse true coefficients: whole informative groups first, then single columns."""
    coef = np.zeros(n_features)
    n_groups, group_size = group_columns.shape
    n_signal_groups = min(math.ceil(n_groups / 2), n_informative // group_size)
    for_groups = signed_effects(rng, n_signal_groups)
    # One shared effect per group: the case where an L1 penalty keeps one
    # column of the group and an Elastic Net keeps all of them.
    coef[group_columns[:n_signal_groups].ravel()] = np.repeat(for_groups, group_size)

    n_single = n_informative - n_signal_groups * group_size
    candidates = useful[~in_group[useful]]
    if candidates.size < n_single:
        frequent_first = order_by_frequency[~in_group[order_by_frequency]]
        candidates = frequent_first[:n_single]
    singles = rng.choice(candidates, size=n_single, replace=False)
    coef[singles] = signed_effects(rng, n_single)
    return coef
