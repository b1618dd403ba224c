"""Per-problem quantities that do not depend on alpha, computed once per path."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sparsefit.solvers._design import _NO_DATA, Design
from sparsefit.solvers._kernels import column_summary


@dataclass(frozen=True, eq=False)
class Prepared:
    """X wrapped for the kernels, normalized weights and the sw-weighted column statistics.

    Attributes
    ----------
    design : Design
    sw : ndarray (n,), sample weights normalized to sum to 1.
    xbar : ndarray (p,), ``X.T @ sw`` with an intercept, zeros without.
    lips : ndarray (p,), ``sum_i sw_i (X_ij - xbar_j)^2``; 0 for constant columns.
    sqrt_lips : ndarray (p,), ``sqrt(lips)`` (the correlation bounds of the solvers scale with it).
    col_l1 : ndarray (p,), ``sum_i |X_ij|`` over the samples of positive weight, 0 for constant columns (the
        slopes of the Hoelder correlation bounds).
    constant : ndarray of bool (p,), columns with no variation (after centering).
    fit_intercept : bool
    constant_features : ndarray of int (k,), the indices of ``constant`` (cheaper to index with than the mask).
    correlations : ndarray (p,) or None, ``X.T @ correlate`` when :func:`prepare` was given ``correlate``
        (0 on constant columns).
    finite : bool, whether every statistic is finite (False when X holds a NaN or an infinite value, or values
        whose squares overflow).
    """

    design: Design
    sw: np.ndarray
    xbar: np.ndarray
    lips: np.ndarray
    sqrt_lips: np.ndarray
    col_l1: np.ndarray
    constant: np.ndarray
    fit_intercept: bool
    constant_features: np.ndarray
    correlations: np.ndarray | None = None
    finite: bool = True


def prepare(X, sample_weight=None, fit_intercept=True, correlate=None) -> Prepared:
    """Compute the alpha-independent quantities of a problem in one pass over X (one compiled call,
    :func:`sparsefit.solvers._kernels.column_summary`).

    ``correlate`` (n,), optional: a vector whose correlations ``X.T @ correlate`` the same pass computes (a
    path's null model's dual point: its correlations give alpha_max and the first certificate).
    """
    design = Design(X)
    n = X.shape[0]
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    sw = sw / sw.sum()
    u = _NO_DATA if correlate is None else np.ascontiguousarray(correlate, dtype=np.float64)
    xbar, lips, sqrt_lips, col_l1, constant, correlations, finite = column_summary(*design.storage, sw,
                                                                                  bool(fit_intercept), u)
    return Prepared(design, sw, xbar, lips, sqrt_lips, col_l1, constant, fit_intercept, np.flatnonzero(constant),
                    None if correlate is None else correlations, finite)
