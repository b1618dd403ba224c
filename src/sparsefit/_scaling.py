"""Column scaling for ``standardize=True``, shared by the estimators, the path and cross-validation.

Kept apart from the estimators so that the functional API (``regularization_path``)
does not import scikit-learn.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["column_scale"]


def column_scale(X, sw, fit_intercept):
    """Weighted standard deviation of each column (root mean square without intercept).

    Constant columns get scale 1: their coefficient is zero whatever the scale.
    """
    if sp.issparse(X):
        mean = np.asarray(X.T @ sw).ravel()
        sq = np.asarray(X.multiply(X).T @ sw).ravel()
    else:
        mean = X.T @ sw
        sq = (X * X).T @ sw
    var = sq - mean * mean if fit_intercept else sq
    scale = np.sqrt(np.maximum(var, 0.0))
    scale[scale <= 1e-12 * max(float(scale.max(initial=0.0)), 1e-300)] = 1.0
    return scale
