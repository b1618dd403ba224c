"""Optimality certificates: primal, dual, duality gap, KKT violation, alpha_max.

Notation, used throughout the solvers:

- ``X`` (n, p), ``y`` (n,), ``sw`` normalized sample weights (``sum(sw) == 1``);
- ``w`` coefficients, ``b`` intercept, ``Xw`` the linear predictor ``X @ w + b``;
- ``r = y - X @ w`` the residual *without* intercept (sparse updates stay sparse);
- ``xbar = X.T @ sw`` weighted column means (implicit centering of sparse X);
- ``lips_j = sum_i sw_i (X_ij - xbar_j)^2`` coordinate Lipschitz constants;
- ``theta`` a dual point, ``Xt_theta = X.T @ theta`` its feature correlations;
- ``ws`` a working set of feature indices.

Primal (datafit ``F``, separable penalty ``G = sum_j g_j``)::

    P(w, b) = F(X w + b) + G(w)

Fenchel dual, for ``theta`` with ``sum(theta) == 0`` when an intercept is fit
and ``X_j.T theta == 0`` for every unpenalized feature j::

    D(theta) = -F*(-theta) - sum_j g_j*(X_j.T theta)

``D(theta) <= P(w, b)`` for every feasible ``theta`` and every ``(w, b)``; the
gap ``P - D`` bounds the suboptimality. The dual point is built from the
negative gradient ``theta = -grad F(Xw)``, projected onto the linear
constraints and scaled into the domain of ``G*`` (only the pure L1 directions
need scaling: ``|X_j.T theta| <= l1_j``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = [
    "Certificate",
    "primal",
    "dual_scaling",
    "project_dual",
    "dual_value",
    "certificate",
    "duality_gap",
    "kkt_violation",
    "alpha_max",
    "optimal_intercept",
]


@dataclass(frozen=True)
class Certificate:
    """Primal value, dual value, duality gap and KKT violation of a candidate solution."""

    primal: float
    dual: float
    gap: float
    kkt_violation: float


def _normalized_weights(sample_weight, n):
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    return sw / sw.sum()


def primal(X, y, w, intercept, datafit, penalty, sample_weight=None) -> float:
    """Primal objective ``P(w, b)`` computed from scratch."""
    sw = _normalized_weights(sample_weight, X.shape[0])
    return datafit.value(y, X @ w + intercept, sw) + penalty.value(w)


def dual_scaling(Xt_theta, l1, l2, lower, upper) -> float:
    """Largest ``kappa <= 1`` putting ``kappa * Xt_theta`` in the domain of ``G*``.

    Only features with ``l2 == 0`` and an infinite bound in the direction of
    their correlation constrain it (``|s_j| <= l1_j`` there). Features with
    ``l1 == l2 == 0`` must have been projected out (``s_j == 0``) beforehand.
    """
    hard = l2 == 0
    up = hard & np.isposinf(upper) & (Xt_theta > l1)
    down = hard & np.isneginf(lower) & (Xt_theta < -l1)
    kappa = 1.0
    if up.any():
        kappa = min(kappa, float(np.min(l1[up] / Xt_theta[up])))
    if down.any():
        kappa = min(kappa, float(np.min(l1[down] / -Xt_theta[down])))
    return max(kappa, 0.0)


def project_dual(theta, Xt_theta, X, sw, xbar, fit_intercept, unpenalized):
    """Project a dual point onto ``sum(theta) == 0`` and ``X_u.T theta == 0``.

    The projection is in the metric of the least-squares dual: the correction
    is ``sw * (U c)`` for the constraint columns ``U`` (the intercept's column of
    ones, then the centered unpenalized columns), which costs O(n) for the
    intercept and one ``X.T`` product when unpenalized features exist.

    Parameters
    ----------
    theta : ndarray (n,)
    Xt_theta : ndarray (p,)
        ``X.T @ theta``.
    X : ndarray or sparse matrix (n, p)
    sw : ndarray (n,), normalized weights.
    xbar : ndarray (p,), ``X.T @ sw``.
    fit_intercept : bool
    unpenalized : ndarray of int
        Features with ``l1 == l2 == 0``.

    Returns
    -------
    theta, Xt_theta : projected copies.
    """
    theta = theta.copy()
    Xt_theta = Xt_theta.copy()
    if fit_intercept:
        shift = theta.sum() / sw.sum()
        theta -= shift * sw
        Xt_theta -= shift * xbar * sw.sum()
    if len(unpenalized):
        cols = X[:, unpenalized]
        U = cols.toarray() if sp.issparse(cols) else np.asarray(cols)
        if fit_intercept:
            U = U - xbar[unpenalized] / sw.sum()
        gram = U.T @ (sw[:, None] * U)
        coef = np.linalg.lstsq(gram, U.T @ theta, rcond=None)[0]
        correction = sw * (U @ coef)
        theta -= correction
        Xt_theta -= X.T @ correction
        Xt_theta[unpenalized] = 0.0
    return theta, Xt_theta


def dual_value(datafit, penalty, y, sw, theta, Xt_theta):
    """Dual objective at the feasible rescaling of ``theta``.

    Returns
    -------
    value : float
    kappa : float
        The scaling applied to ``theta``.
    """
    l1, l2, lower, upper = penalty.arrays(Xt_theta.shape[0])
    kappa = dual_scaling(Xt_theta, l1, l2, lower, upper)
    value = -datafit.conjugate(y, kappa * theta, sw) - float(penalty.conjugate_terms(kappa * Xt_theta).sum())
    return value, kappa


def _unpenalized(penalty, n_features):
    l1, l2, _, _ = penalty.arrays(n_features)
    return np.flatnonzero((l1 == 0) & (l2 == 0))


def optimal_intercept(datafit, y, margin, sw, intercept, max_steps=50, grad_tol=1e-13):
    """Intercept minimizing ``F(margin + b)`` by safeguarded 1-D Newton, from ``intercept``.

    Stops when ``|dF/db| <= grad_tol`` (weights sum to 1, so this is relative);
    the dual point's remaining ``sum(theta)`` is projected away by the gap
    computation. The objective is evaluated only to safeguard a step.
    """
    value = None
    for _ in range(max_steps):
        u = margin + intercept
        grad = float(np.sum(datafit.raw_grad(y, u, sw)))
        if abs(grad) <= grad_tol:
            break
        hess = float(np.sum(datafit.raw_hessian(y, u, sw)))
        if hess <= 0:
            break
        step = grad / hess
        if value is None:
            value = datafit.value(y, u, sw)
        for _ in range(40):
            trial = datafit.value(y, u - step, sw)
            if trial <= value:
                break
            step *= 0.5
        else:
            break
        intercept -= step
        value = trial
        if abs(step) <= 1e-15 * max(1.0, abs(intercept)):
            break
    return intercept


def certificate(X, y, w, intercept, datafit, penalty, sample_weight=None, fit_intercept=True) -> Certificate:
    """Primal, dual, gap and KKT violation of ``(w, intercept)``, from scratch.

    Works for any datafit of :mod:`sparsefit._objective` and any
    :class:`~sparsefit._penalty.ElasticNetPenalty`; tests use it to certify a
    fitted model from ``coef_`` and ``intercept_`` alone.
    """
    n, p = X.shape
    sw = _normalized_weights(sample_weight, n)
    w = np.asarray(w, dtype=np.float64)
    # (an all-zero w, e.g. a path's null model, needs no product with X)
    Xw = (X @ w if np.any(w) else np.zeros(n)) + intercept
    P = datafit.value(y, Xw, sw) + penalty.value(w)
    theta = -datafit.raw_grad(y, Xw, sw)
    grad_w = -np.asarray(X.T @ theta).ravel()
    kkt = float(np.max(penalty.subdiff_distance(w, grad_w), initial=0.0))
    unpenalized = _unpenalized(penalty, p)
    if fit_intercept:
        kkt = max(kkt, abs(float(theta.sum())))
        # the dual point is taken at the intercept that is optimal for w: any feasible dual point
        # bounds the primal, and this one stays inside the logistic conjugate's domain
        margin = Xw - intercept
        theta = -datafit.raw_grad(y, margin + optimal_intercept(datafit, y, margin, sw, intercept), sw)
        if not len(unpenalized):
            # project onto sum(theta) = 0 first: then one product with X.T gives the projected correlations
            theta = theta - theta.sum() / sw.sum() * sw
            Xt_theta_f = np.asarray(X.T @ theta).ravel()
            D, _ = dual_value(datafit, penalty, y, sw, theta, Xt_theta_f)
            return Certificate(primal=P, dual=D, gap=P - D, kkt_violation=kkt)
        Xt_theta = X.T @ theta
    else:
        Xt_theta = -grad_w
    xbar = X.T @ sw
    theta_f, Xt_theta_f = project_dual(theta, Xt_theta, X, sw, xbar, fit_intercept, unpenalized)
    D, _ = dual_value(datafit, penalty, y, sw, theta_f, np.asarray(Xt_theta_f).ravel())
    return Certificate(primal=P, dual=D, gap=P - D, kkt_violation=kkt)


def duality_gap(X, y, w, intercept, datafit, penalty, sample_weight=None, fit_intercept=True) -> float:
    """Duality gap ``P(w, b) - D(theta(w, b))`` computed from scratch (see :func:`certificate`)."""
    return certificate(X, y, w, intercept, datafit, penalty, sample_weight, fit_intercept).gap


def kkt_violation(X, y, w, intercept, datafit, penalty, sample_weight=None, fit_intercept=True) -> float:
    """Largest distance of ``-grad`` to the penalty's subdifferential over features (and intercept)."""
    return certificate(X, y, w, intercept, datafit, penalty, sample_weight, fit_intercept).kkt_violation


def alpha_max(X, y, datafit, l1_ratio=1.0, sample_weight=None, fit_intercept=True, penalty_factor=None,
              lower_bounds=None, upper_bounds=None) -> float:
    """Smallest ``alpha`` for which all penalized coefficients are zero.

    Unpenalized features (``penalty_factor == 0``) are not handled here: the
    gradient is taken at the intercept-only model.
    """
    from sparsefit._penalty import ElasticNetPenalty

    n = X.shape[0]
    sw = _normalized_weights(sample_weight, n)
    b0 = datafit.null_intercept(y, sw) if fit_intercept else 0.0
    grad0 = X.T @ datafit.raw_grad(y, np.full(n, b0), sw)
    pen = ElasticNetPenalty(1.0, l1_ratio, penalty_factor, lower_bounds, upper_bounds)
    return pen.alpha_max(np.asarray(grad0).ravel())
