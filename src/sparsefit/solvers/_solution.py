"""The result of one solve."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class DualState:
    """A dual point and bounds on its correlations, handed from one alpha of a path to the next.

    Attributes
    ----------
    theta : ndarray of shape (n_samples,)
        The (unscaled) dual point of the last optimality check.
    corr_bound : ndarray of shape (n_features,)
        Upper bounds on ``|X_j.T theta|``: exact for the features that check
        computed, moved by the distance the dual point travelled for the
        features screened out before it.
    """

    theta: np.ndarray
    corr_bound: np.ndarray


@dataclass(frozen=True, eq=False)
class Solution:
    """Coefficients of one fit and the evidence that they are optimal.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
    intercept : float
    dual_gap : float
        Duality gap ``P - D`` at the returned point (absolute, not relative).
    kkt_violation : float
        Largest distance of ``-grad`` to the penalty's subdifferential.
    n_iter : int
        Coordinate-descent epochs (over working sets), or iterations of the
        direct / Krylov solver.
    converged : bool
        Whether ``dual_gap <= tol * P(0)`` was reached.
    objective : float
        Primal objective at the returned point.
    Xt_theta : ndarray of shape (n_features,) or None
        ``X.T @ (-grad F)`` at the returned point when the solver computed it
        (a path reuses it for the next alpha's strong rule). Features screened
        out before the last check carry an upper bound on its magnitude instead.
    dual_state : DualState or None
        What the next solve of a path needs to screen before its first pass
        over X (coordinate descent only).
    first_ws_misses : int or None
        Features of the solution outside the first working set (along a path:
        the strong rule's violations), when the solver reports it.
    """

    coef: np.ndarray
    intercept: float
    dual_gap: float
    kkt_violation: float
    n_iter: int
    converged: bool
    objective: float
    Xt_theta: np.ndarray | None = None
    dual_state: DualState | None = None
    first_ws_misses: int | None = None
