"""Click-through-rate-like data: hashed categorical fields and their pairwise crosses."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._result import SyntheticDataset
from ._simulation import (
    check_count,
    check_real,
    intercept_for_balance,
    logistic_labels,
    scale_to_std,
)

# Field names of the Avazu click logs, for realistic-looking feature names.
_FIELD_NAMES = (
    "site_id", "site_domain", "site_category", "app_id", "app_domain",
    "app_category", "device_id", "device_model", "device_type", "device_conn_type",
    "banner_pos", "hour", "C14", "C17", "C19", "C20", "C21",
)
# Field cardinalities are log-uniform between these bounds: a few flags, many
# mid-sized categories, some identifiers with tens of thousands of values.
_CARDINALITY_RANGE = (2, 50000)
# Values of a field are Zipf distributed with this exponent, like site or app ids.
_VALUE_ZIPF_EXPONENT = 1.05
# Bits of a key that hold the value code; the bits above them hold the feature id.
_VALUE_BITS = 40


def make_ctr_like(
    n_samples=100000,
    n_fields=16,
    n_features=2**20,
    n_crosses=8,
    click_rate=0.04,
    logit_scale=1.0,
    random_state=0,
):
    """Simulate click logs: hashed one-hot categorical fields plus pairwise crosses.

    Every row has one value in each of ``n_fields`` categorical fields (Zipf
    distributed within a field, with log-uniform cardinalities from 2 to
    50,000) and in each of ``n_crosses`` crosses of two fields. Every
    ``(field, value)`` and ``(cross, value pair)`` feature is hashed to one of
    ``n_features`` columns with a fixed 64-bit mix (the hashing trick of
    scikit-learn's ``FeatureHasher`` and of Vowpal Wabbit), so ``X`` is a
    binary CSR matrix with at most ``n_fields + n_crosses`` ones per row.
    Half of the fields and half of the crosses (chosen at random) carry
    signal: the hash columns they reach get a Gaussian true coefficient.
    Clicks are drawn from ``sigmoid(X @ coef + intercept)`` with the intercept
    set for a mean click probability of ``click_rate``.

    Parameters
    ----------
    n_samples : int, default=100000
        Number of impressions (rows).
    n_fields : int, default=16
        Number of raw categorical fields.
    n_features : int, default=2**20
        Number of hash columns.
    n_crosses : int, default=8
        Number of distinct field pairs crossed, at most
        ``n_fields * (n_fields - 1) / 2``.
    click_rate : float, default=0.04
        Expected share of clicks (label 1), in (0, 1).
    logit_scale : float, default=1.0
        Standard deviation of ``X @ coef`` after rescaling the coefficients.
    random_state : int, numpy.random.Generator or None, default=0
        Seed of the simulated impressions and effects; the hash itself is fixed.

    Returns
    -------
    dataset : SyntheticDataset
        ``X`` a binary float64 CSR matrix, ``y`` int64 clicks, ``coef`` the
        true coefficients of the hash columns, ``feature_names`` an object
        array: ``"field=v<code>"`` for a column reached by exactly one raw
        feature and nothing else, ``"hash_<k>"`` for every other column.

    Examples
    --------
    >>> from sparsefit.datasets import make_ctr_like
    >>> data = make_ctr_like(n_samples=5000, n_features=2**16)
    >>> data.X.format, data.X.shape
    ('csr', (5000, 65536))
    """
    n_samples = check_count(n_samples, "n_samples")
    n_fields = check_count(n_fields, "n_fields", minimum=2)
    n_features = check_count(n_features, "n_features")
    n_crosses = check_count(n_crosses, "n_crosses", minimum=0)
    click_rate = check_real(
        click_rate, "click_rate", low=0.0, high=1.0, low_open=True, high_open=True
    )
    logit_scale = check_real(logit_scale, "logit_scale", low=0.0)
    n_pairs = n_fields * (n_fields - 1) // 2
    if n_crosses > n_pairs:
        raise ValueError(
            f"n_crosses={n_crosses} exceeds the {n_pairs} pairs of {n_fields} fields."
        )
    rng = np.random.default_rng(random_state)

    low, high = np.log(_CARDINALITY_RANGE)
    cardinality = np.round(np.exp(rng.uniform(low, high, n_fields))).astype(np.int64)
    values = np.column_stack(
        [_zipf_codes(rng, int(size), n_samples) for size in cardinality]
    )
    first, second = np.triu_indices(n_fields, k=1)
    chosen_pairs = rng.choice(n_pairs, size=n_crosses, replace=False)
    first, second = first[chosen_pairs], second[chosen_pairs]
    cross_values = values[:, first] * cardinality[second] + values[:, second]

    # Feature id f (raw fields 0..n_fields-1, crosses after them) in the high
    # bits, the value code in the low bits: one distinct integer per feature.
    feature_ids = np.arange(n_fields + n_crosses, dtype=np.int64)
    keys = (feature_ids << _VALUE_BITS) | np.hstack([values, cross_values])
    columns = (_mix64(keys) % np.uint64(n_features)).astype(np.int64)

    n_per_row = n_fields + n_crosses
    X = sp.csr_matrix(
        (np.ones(columns.size), columns.ravel(), np.arange(0, columns.size + 1, n_per_row)),
        shape=(n_samples, n_features),
    )
    # Two features of one row hashed to one column add up; the column stays binary.
    X.sum_duplicates()
    X.data[:] = 1.0

    carries_signal = np.zeros(n_fields + n_crosses, dtype=bool)
    carries_signal[rng.permutation(n_fields)[: max(1, n_fields // 2)]] = True
    carries_signal[n_fields + rng.permutation(n_crosses)[: n_crosses // 2]] = True
    coef = np.zeros(n_features)
    signal_columns = np.unique(columns[:, carries_signal])
    coef[signal_columns] = rng.standard_normal(signal_columns.size)
    linear_predictor, coef = scale_to_std(X @ coef, coef, logit_scale)
    intercept = intercept_for_balance(linear_predictor, click_rate)
    y = logistic_labels(rng, linear_predictor, intercept)

    field_names = np.array(
        [_FIELD_NAMES[k] if k < len(_FIELD_NAMES) else f"field{k}" for k in range(n_fields)],
        dtype=object,
    )
    return SyntheticDataset(
        X=X,
        y=y,
        coef=coef,
        feature_names=_hashed_feature_names(keys, columns, n_fields, n_features, field_names),
        intercept=intercept,
        task="classification",
        description=(
            f"CTR-like clicks: {n_fields} hashed fields, {n_crosses} crosses, "
            f"{n_features} hash columns, click rate {click_rate}"
        ),
    )


def _zipf_codes(rng, cardinality, size):
    """``size`` codes in ``[0, cardinality)`` with ``P(k)`` proportional to ``(k + 1) ** -s``."""
    weights = np.arange(1, cardinality + 1, dtype=np.float64) ** -_VALUE_ZIPF_EXPONENT
    cumulative = np.cumsum(weights)
    codes = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    return np.minimum(codes, cardinality - 1)


def _mix64(keys):
    """SplitMix64 finalizer: a fixed, well-mixed 64-bit hash of every key."""
    z = keys.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _hashed_feature_names(keys, columns, n_fields, n_features, field_names):
    """``field=v<code>`` for columns reached by one raw feature only, ``hash_<k>`` otherwise."""
    distinct_keys, first = np.unique(keys.ravel(), return_index=True)
    key_columns = columns.ravel()[first]
    features_per_column = np.bincount(key_columns, minlength=n_features)
    feature_id = distinct_keys >> _VALUE_BITS
    nameable = (feature_id < n_fields) & (features_per_column[key_columns] == 1)

    names = np.array([f"hash_{k}" for k in range(n_features)], dtype=object)
    value_code = distinct_keys[nameable] & ((1 << _VALUE_BITS) - 1)
    names[key_columns[nameable]] = (
        field_names[feature_id[nameable]] + "=v" + value_code.astype(str).astype(object)
    )
    return names
