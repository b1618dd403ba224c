"""The outer optimality check shared by the solvers: KKT distances, duality gap, dual scaling.

Computes from ``Xt_theta = X.T @ theta`` (one pass over X, done by the
caller) everything an outer iteration needs, with the O(p) work in numba
kernels. The math is that of :mod:`sparsefit._optimality` and
:mod:`sparsefit._penalty` (the tests check the two agree).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sparsefit._optimality import project_dual
from sparsefit.solvers import _kernels as K


@dataclass
class PenaltyArrays:
    """The per-feature penalty vectors, built once per solve."""

    l1: np.ndarray
    l2: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @classmethod
    def of(cls, penalty, n_features):
        return cls(*(np.ascontiguousarray(a, dtype=np.float64) for a in penalty.arrays(n_features)))


@dataclass
class OuterCheck:
    """Result of one full optimality check."""

    dist: np.ndarray
    kkt: float
    objective: float
    gap: float
    kappa: float
    Xt_feasible: np.ndarray


def outer_check(datafit, y, sw, predictor, theta, Xt_theta, w, pen: PenaltyArrays, screened, prep, unpenalized,
                use_gap=True) -> OuterCheck:
    """KKT distances of every feature, primal objective and (if ``use_gap``) the duality gap.

    ``theta`` must be ``-grad F(predictor)``; it is projected onto the
    intercept / unpenalized constraints and scaled into the dual domain.
    """
    dist = np.empty_like(w)
    kkt = K.kkt_distance(w, -Xt_theta, pen.l1, pen.l2, pen.lower, pen.upper, screened, dist)
    objective = datafit.value(y, predictor, sw) + K.penalty_value_fast(w, pen.l1, pen.l2)
    if not use_gap:
        return OuterCheck(dist, kkt, objective, np.nan, 1.0, Xt_theta)
    theta_f, Xt_f = project_dual(theta, Xt_theta, prep.design.X, sw, prep.xbar, prep.fit_intercept, unpenalized)
    kappa = K.dual_scaling_fast(Xt_f, pen.l1, pen.l2, pen.lower, pen.upper)
    dual = -datafit.conjugate(y, kappa * theta_f, sw) - K.penalty_conjugate_sum(Xt_f, kappa, pen.l1, pen.l2,
                                                                              pen.lower, pen.upper)
    return OuterCheck(dist, kkt, objective, objective - dual, kappa, Xt_f)
