"""Dense designs: Toeplitz-correlated Gaussians, block-correlated genes, the seed example."""

from __future__ import annotations

import math

import numpy as np

from ._result import SyntheticDataset
from ._simulation import (
    check_count,
    check_real,
    intercept_for_balance,
    logistic_labels,
    noise_for_snr,
    numbered_names,
    scale_to_std,
    signed_effects,
)


def make_correlated_regression(
    n_samples=1000,
    n_features=5000,
    rho=0.6,
    n_informative=50,
    snr=3.0,
    random_state=0,
):
    """Simulate the standard lasso benchmark: Toeplitz-correlated Gaussian columns.

    Rows of ``X`` are independent ``N(0, Sigma)`` with ``Sigma[i, j] =
    rho ** |i - j|``. They are generated as a stationary AR(1) recursion along
    the columns, ``X[:, j] = rho * X[:, j - 1] + sqrt(1 - rho**2) * Z[:, j]``,
    which costs ``O(n_samples * n_features)`` instead of the Cholesky factor of
    a ``p x p`` matrix. The true coefficients are non-zero on ``n_informative``
    random columns, and Gaussian noise is scaled so that
    ``var(X @ coef) / noise_std**2 == snr`` (the design of Friedman, Hastie and
    Tibshirani's glmnet paper and of the celer and skglm benchmarks).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    n_features : int, default=5000
        Number of columns.
    rho : float, default=0.6
        Correlation of adjacent columns, in (-1, 1); columns ``k`` apart have
        correlation ``rho ** k``.
    n_informative : int, default=50
        Number of non-zero true coefficients (random signs, magnitudes in [1, 2]).
    snr : float, default=3.0
        Signal-to-noise ratio ``var(X @ coef) / noise_std**2``, with the
        empirical variance of the simulated signal. Must be positive.
    random_state : int, numpy.random.Generator or None, default=0
        Seed; equal seeds give identical data.

    Returns
    -------
    dataset : SyntheticDataset
        ``X`` is a Fortran-ordered float64 array; ``noise_std`` the noise level used.

    Examples
    --------
    >>> from sparsefit.datasets import make_correlated_regression
    >>> data = make_correlated_regression(n_samples=100, n_features=300, n_informative=5)
    >>> data.X.shape, data.support.size
    ((100, 300), 5)
    """
    n_samples = check_count(n_samples, "n_samples")
    n_features = check_count(n_features, "n_features")
    rho = check_real(rho, "rho", low=-1.0, high=1.0, low_open=True, high_open=True)
    n_informative = _check_informative(n_informative, n_features)
    snr = check_real(snr, "snr", low=0.0, low_open=True)
    # scipy.signal takes over half a second to import; only this generator needs it.
    from scipy.signal import lfilter

    rng = np.random.default_rng(random_state)

    innovations = rng.standard_normal((n_samples, n_features))
    innovation_scale = math.sqrt(1.0 - rho**2)
    # Dividing the first input by the innovation scale makes the filter start in
    # its stationary law, so column 0 has unit variance like all the others.
    innovations[:, 0] /= innovation_scale
    X = np.asfortranarray(lfilter([innovation_scale], [1.0, -rho], innovations, axis=1))

    coef = np.zeros(n_features)
    support = rng.choice(n_features, size=n_informative, replace=False)
    coef[support] = signed_effects(rng, n_informative)
    signal = X @ coef
    noise_std = noise_for_snr(signal, snr)
    y = signal + noise_std * rng.standard_normal(n_samples)
    return SyntheticDataset(
        X=X,
        y=y,
        coef=coef,
        feature_names=numbered_names("x", n_features),
        noise_std=noise_std,
        task="regression",
        description=f"Gaussian X with Toeplitz covariance rho={rho}, SNR {snr}",
    )


def make_genomics_like(
    n_samples=100,
    n_features=5000,
    block_size=50,
    block_correlation=0.7,
    n_informative=20,
    task="classification",
    class_balance=0.5,
    logit_scale=2.0,
    snr=3.0,
    random_state=0,
):
    """Simulate gene-expression-like data: ``p >> n``, genes correlated in blocks.

    Genes (columns) come in consecutive blocks of ``block_size``, like
    co-regulated pathways: within a block every pair of genes has correlation
    ``block_correlation`` (one shared Gaussian factor per block plus
    independent noise), genes of different blocks are independent. The
    informative genes are clustered, up to 5 per block, in randomly chosen
    blocks, so a few pathways carry the whole signal.

    Parameters
    ----------
    n_samples : int, default=100
        Number of rows (patients, tissue samples).
    n_features : int, default=5000
        Number of genes. The last block is shorter when ``block_size`` does not
        divide it.
    block_size : int, default=50
        Number of genes per block.
    block_correlation : float, default=0.7
        Correlation of two genes of one block, in [0, 1).
    n_informative : int, default=20
        Number of genes with a non-zero true coefficient (random signs,
        magnitudes in [1, 2]); at most 5 per block.
    task : {"classification", "regression"}, default="classification"
        Binary labels from a logistic model, or a continuous response with
        Gaussian noise.
    class_balance : float, default=0.5
        Expected share of positive labels (classification only).
    logit_scale : float, default=2.0
        Standard deviation of ``X @ coef`` after rescaling the coefficients
        (classification only).
    snr : float, default=3.0
        ``var(X @ coef) / noise_std**2`` (regression only).
    random_state : int, numpy.random.Generator or None, default=0
        Seed; equal seeds give identical data.

    Returns
    -------
    dataset : SyntheticDataset
        Fortran-ordered float64 ``X``, ``groups`` holding the block of every
        gene, names ``gene0000 ...``.

    Examples
    --------
    >>> from sparsefit.datasets import make_genomics_like
    >>> data = make_genomics_like(n_samples=40, n_features=1000, n_informative=10)
    >>> data.X.shape, int(data.groups.max()) + 1
    ((40, 1000), 20)
    """
    n_samples = check_count(n_samples, "n_samples")
    n_features = check_count(n_features, "n_features")
    block_size = check_count(block_size, "block_size")
    block_correlation = check_real(
        block_correlation, "block_correlation", low=0.0, high=1.0, high_open=True
    )
    n_informative = _check_informative(n_informative, n_features)
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    rng = np.random.default_rng(random_state)

    block_of_gene = np.arange(n_features) // block_size
    n_blocks = int(block_of_gene[-1]) + 1
    capacity = int(np.minimum(np.bincount(block_of_gene), 5).sum())
    if n_informative > capacity:
        raise ValueError(
            f"n_informative={n_informative} exceeds the {capacity} informative genes "
            f"that {n_blocks} blocks hold at up to 5 per block; lower n_informative "
            f"or add blocks."
        )
    block_factors = rng.standard_normal((n_samples, n_blocks))
    X = math.sqrt(block_correlation) * block_factors[:, block_of_gene]
    X += math.sqrt(1.0 - block_correlation) * rng.standard_normal((n_samples, n_features))
    X = np.asfortranarray(X)

    coef = np.zeros(n_features)
    coef[_clustered_support(rng, block_of_gene, n_informative)] = signed_effects(
        rng, n_informative
    )
    signal = X @ coef
    common = {
        "X": X,
        "feature_names": numbered_names("gene", n_features),
        "groups": block_of_gene,
        "task": task,
    }
    if task == "regression":
        snr = check_real(snr, "snr", low=0.0, low_open=True)
        noise_std = noise_for_snr(signal, snr)
        y = signal + noise_std * rng.standard_normal(n_samples)
        return SyntheticDataset(
            y=y, coef=coef, noise_std=noise_std,
            description=f"block-correlated genes (r={block_correlation}), SNR {snr}",
            **common,
        )
    class_balance = check_real(
        class_balance, "class_balance", low=0.0, high=1.0, low_open=True, high_open=True
    )
    logit_scale = check_real(logit_scale, "logit_scale", low=0.0)
    signal, coef = scale_to_std(signal, coef, logit_scale)
    intercept = intercept_for_balance(signal, class_balance)
    y = logistic_labels(rng, signal, intercept)
    return SyntheticDataset(
        y=y, coef=coef, intercept=intercept,
        description=(
            f"block-correlated genes (r={block_correlation}), logistic labels, "
            f"class balance {class_balance}"
        ),
        **common,
    )


def make_seed001_correlated(n_samples=300, random_state=42):
    """Simulate the seed article's example of two strongly correlated predictors.

    ``med_count ~ N(8, 3)``, ``polypharm = 0.8 * med_count + N(0, 1)``,
    ``age ~ N(60, 12)`` and ``y = 0.5 * med_count + 0.5 * polypharm +
    0.3 * age + N(0, 2)`` (normal laws written with their standard
    deviation). ``med_count`` and ``polypharm`` have correlation about 0.92:
    a lasso tends to keep one of them, a ridge or an elastic net both.

    Parameters
    ----------
    n_samples : int, default=300
        Number of rows.
    random_state : int, numpy.random.Generator or None, default=42
        Seed; equal seeds give identical data.

    Returns
    -------
    dataset : SyntheticDataset
        Fortran-ordered ``X`` of shape ``(n_samples, 3)`` with columns
        ``["med_count", "polypharm", "age"]``, ``coef = [0.5, 0.5, 0.3]``,
        ``noise_std = 2.0``.

    Examples
    --------
    >>> from sparsefit.datasets import make_seed001_correlated
    >>> make_seed001_correlated().feature_names.tolist()
    ['med_count', 'polypharm', 'age']
    """
    n_samples = check_count(n_samples, "n_samples")
    rng = np.random.default_rng(random_state)
    med_count = rng.normal(8.0, 3.0, n_samples)
    polypharm = 0.8 * med_count + rng.normal(0.0, 1.0, n_samples)
    age = rng.normal(60.0, 12.0, n_samples)
    coef = np.array([0.5, 0.5, 0.3])
    X = np.asfortranarray(np.column_stack([med_count, polypharm, age]))
    noise_std = 2.0
    y = X @ coef + rng.normal(0.0, noise_std, n_samples)
    return SyntheticDataset(
        X=X,
        y=y,
        coef=coef,
        feature_names=np.array(["med_count", "polypharm", "age"]),
        noise_std=noise_std,
        task="regression",
        description="seed article example: med_count and polypharm correlated",
    )


def _check_informative(n_informative, n_features):
    n_informative = check_count(n_informative, "n_informative", minimum=0)
    if n_informative > n_features:
        raise ValueError(f"n_informative={n_informative} exceeds n_features={n_features}.")
    return n_informative


def _clustered_support(rng, block_of_gene, n_informative):
    """Up to 5 informative genes in each of randomly chosen blocks."""
    block_sizes = np.bincount(block_of_gene)
    per_block = np.minimum(block_sizes, 5)
    block_order = rng.permutation(block_sizes.size)
    # Fill blocks in random order until n_informative genes are placed.
    capacity = per_block[block_order]
    placed_before = np.concatenate([[0], np.cumsum(capacity)[:-1]])
    taken = np.minimum(capacity, np.maximum(n_informative - placed_before, 0))
    block_starts = np.concatenate([[0], np.cumsum(block_sizes)[:-1]])
    chosen = [
        block_starts[block] + rng.choice(block_sizes[block], size=count, replace=False)
        for block, count in zip(block_order[taken > 0], taken[taken > 0])
    ]
    return np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
