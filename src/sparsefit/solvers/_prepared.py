"""Per-problem quantities that do not depend on alpha, computed once per path."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sparsefit.solvers._design import Design


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


def prepare(X, sample_weight=None, fit_intercept=True) -> Prepared:
    """Compute the alpha-independent quantities of a problem in one pass over X."""
    design = Design(X)
    n = X.shape[0]
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    sw = sw / sw.sum()
    mean, sq, col_l1 = design.column_stats(sw)
    if fit_intercept:
        xbar = mean
        lips = np.maximum(sq - mean * mean, 0.0)
    else:
        xbar = np.zeros(X.shape[1])
        lips = sq
    # a column that is constant (after centering) carries no information: it stays at zero
    constant = lips <= 1e-14 * max(float(sq.max(initial=0.0)), 1e-300)
    constant_features = np.flatnonzero(constant)
    lips[constant_features] = 0.0
    col_l1[constant_features] = 0.0
    return Prepared(design, sw, xbar, lips, np.sqrt(lips), col_l1, constant, fit_intercept, constant_features)
