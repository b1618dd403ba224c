"""Hypothesis strategies: small regression problems, dense or sparse, with awkward columns."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st


@st.composite
def regression_problems(draw, max_samples=40, max_features=30, allow_weights=True):
    """Draw ``(X, y, sample_weight)``: dense or CSC, float32 or float64, zero and duplicate columns.

    The target has a sparse linear signal plus noise, so that small alphas give
    non-trivial supports.
    """
    n = draw(st.integers(3, max_samples))
    p = draw(st.integers(1, max_features))
    seed = draw(st.integers(0, 2**31 - 1))
    density = draw(st.sampled_from([1.0, 0.5, 0.1]))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if density < 1.0:
        X[rng.random((n, p)) > density] = 0.0
    if p >= 3 and draw(st.booleans()):
        X[:, 0] = 0.0  # an all-zero column
    if p >= 3 and draw(st.booleans()):
        X[:, 1] = X[:, 2]  # a duplicate column
    if p >= 4 and draw(st.booleans()):
        X[:, 3] = 2.5  # a constant column
    coef = np.where(rng.random(p) < 0.3, rng.standard_normal(p) * 2, 0.0)
    y = X @ coef + 0.5 * rng.standard_normal(n) + draw(st.sampled_from([0.0, 3.0]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    X = X.astype(dtype)
    if draw(st.booleans()):
        X = sp.csc_matrix(X) if draw(st.booleans()) else sp.csr_matrix(X)
    weights = None
    if allow_weights and draw(st.booleans()):
        weights = rng.uniform(0.1, 3.0, n)
        weights[rng.random(n) < 0.1] = 0.0
        if weights.sum() == 0:
            weights[0] = 1.0
    return X, y, weights


@st.composite
def classification_problems(draw, max_samples=60, max_features=15):
    """Draw ``(X, y01, sample_weight)`` with both classes present; dense or sparse, with awkward columns."""
    n = draw(st.integers(8, max_samples))
    p = draw(st.integers(1, max_features))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if draw(st.booleans()):
        X[rng.random((n, p)) > 0.4] = 0.0
    if p >= 3 and draw(st.booleans()):
        X[:, 1] = X[:, 2]
    coef = rng.standard_normal(p) * draw(st.sampled_from([0.5, 2.0]))
    logits = X @ coef + draw(st.sampled_from([0.0, 1.0]))
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logits))).astype(int)
    y[0], y[1] = 0, 1  # both classes present
    if draw(st.booleans()):
        X = sp.csr_matrix(X)
    weights = rng.uniform(0.2, 2.0, n) if draw(st.booleans()) else None
    return X, y, weights
