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


def _spreads(mean, sq, fit_intercept):
    """``(xbar, lips, constant)`` from the weighted column sums and sums of squares."""
    if fit_intercept:
        xbar = mean
        lips = np.maximum(sq - mean * mean, 0.0)
    else:
        xbar = np.zeros(sq.shape[0])
        lips = sq
    # a column that is constant (after centering) carries no information: it stays at zero
    constant = lips <= 1e-14 * max(float(sq.max(initial=0.0)), 1e-300)
    return xbar, lips, constant


def prepare(X, sample_weight=None, fit_intercept=True, correlate=None) -> Prepared:
    """Compute the alpha-independent quantities of a problem in one pass over X.

    ``correlate`` (n,), optional: a vector whose correlations ``X.T @ correlate`` the same pass computes (a
    path's null model's dual point: its correlations give alpha_max and the first certificate).
    """
    design = Design(X)
    n, p = X.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    sw = sw / sw.sum()
    correlations = None if correlate is None else np.empty(p)
    mean, sq, col_l1 = design.column_stats(sw, u=correlate, out_dot=correlations)
    # a NaN or an infinite value of X reaches the squares' sums (0 * inf is NaN for a weight of 0); when they are
    # finite, so is every value's square and the centering cannot overflow
    finite = bool(np.isfinite(sq).all())
    if finite:
        xbar, lips, constant = _spreads(mean, sq, fit_intercept)
    else:
        with np.errstate(all="ignore"):  # (the caller reports the values themselves)
            xbar, lips, constant = _spreads(mean, sq, fit_intercept)
    constant_features = np.flatnonzero(constant)
    lips[constant_features] = 0.0
    col_l1[constant_features] = 0.0
    if correlations is not None:
        correlations[constant_features] = 0.0
    return Prepared(design, sw, xbar, lips, np.sqrt(lips), col_l1, constant, fit_intercept, constant_features,
                    correlations, finite)
