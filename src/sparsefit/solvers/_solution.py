"""The result of one solve."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class DualState:
    """A dual point and bounds on its correlations, handed from one alpha of a path to the next.

    A solve that receives a dual state updates its arrays in place and returns
    them in its own ``Solution.dual_state``: hand each state to one solve only.
    It is meant for the next alpha of the same problem (same data, weights,
    ``l1_ratio``, penalty factors and bounds; the penalty scaled by another
    alpha) started from the solution that produced it.

    Attributes
    ----------
    theta : ndarray of shape (n_samples,)
        The (unscaled) dual point of the last optimality check.
    corr_base : ndarray of shape (n_features,)
        ``|X_j.T theta_k| - sqrt(lips_j) drift_k`` from the last point ``theta_k``
        where feature j's correlation was computed (``inf`` if never).
    corr_base_max : ndarray of shape (n_features,)
        ``|X_j.T theta_k| - ||X_j||_1 drift_max_k`` (the Hoelder bounds' base).
    reference_point : ndarray of shape (2, n_samples)
        The watch list's reference dual point and the unit direction it was
        reached from (zero before a second reference).
    reference_correlations : ndarray of shape (2, n_features)
        ``X.T`` of both: every feature's exact correlation at the reference
        and its rate along the direction.
    residual : ndarray of shape (n_samples,)
        ``y - X w`` at the last check, taken by a solve from the same ``w``.
    scalars : ndarray of shape (20,)
        The total drift of the path's dual points, the watch list's window and
        the reference's state (see :func:`sparsefit.solvers._ws_kernels.cd_solve`).
    watch : ndarray of int64
        The watch list: the only features a solve within its range touches.
    sqrt_lips, col_l1 : ndarray of shape (n_features,)
        The problem's ``sqrt(lips_j)`` and ``||X_j||_1`` (the bounds' slopes).
    """

    theta: np.ndarray
    corr_base: np.ndarray
    corr_base_max: np.ndarray
    reference_point: np.ndarray
    reference_correlations: np.ndarray
    residual: np.ndarray
    scalars: np.ndarray
    watch: np.ndarray
    sqrt_lips: np.ndarray
    col_l1: np.ndarray

    @property
    def corr_bound(self) -> np.ndarray:
        """Upper bounds on ``|X_j.T theta|``: exact where the last check computed them."""
        # scalars[S_DRIFT], scalars[S_DRIFT_MAX]: the path's total drift in the dual's metric and in the max norm
        return np.minimum(self.corr_base + self.sqrt_lips * self.scalars[0],
                          self.corr_base_max + self.col_l1 * self.scalars[7])


@dataclass(eq=False)
class PredictorState:
    """The logistic solver's per-sample arrays at its solution, handed from one alpha of a path to the next.

    At a converged solve's point ``(w, b)`` they hold ``margin = X w``, the
    predictor ``u = margin + b``, ``theta = -grad F(u)``, the Newton weights
    ``h`` and the four sums of :func:`sparsefit.solvers._pn_kernels._evaluate`.
    The next solve of the same problem, warm-started at that point, starts
    from them instead of rebuilding ``X w`` and taking an ``exp`` and a
    ``log1p`` per sample. A solve checks :meth:`describes` first, fills the
    arrays in place and returns the state in its own
    ``Solution.predictor_state``: hand each state to one solve only.

    Attributes
    ----------
    margin, u, theta, h : ndarray of shape (n_samples,)
    stats : ndarray of shape (4,)
    coef : ndarray of shape (n_features,)
        The coefficients the arrays describe (a copy).
    correlations : ndarray of shape (n_features,)
        ``X.T theta`` at the solve's last check (for the next alpha's strong rule) where ``exact``, else the
        correlation last computed (the check's bounds vouched for the feature). The next solve writes its
        own into the same array.
    exact : ndarray of bool, shape (n_features,)
    corr_base, corr_base_max, theta_ref, bound_scalars : ndarray
        The checks' correlation bounds (see :func:`sparsefit.solvers._pn_kernels.pn_solve`).
    intercept : float
    valid : bool
        False until a solve leaves the arrays describing ``(coef, intercept)``.
    """

    margin: np.ndarray
    u: np.ndarray
    theta: np.ndarray
    h: np.ndarray
    stats: np.ndarray
    coef: np.ndarray
    correlations: np.ndarray
    exact: np.ndarray
    corr_base: np.ndarray
    corr_base_max: np.ndarray
    theta_ref: np.ndarray
    bound_scalars: np.ndarray
    intercept: float = 0.0
    valid: bool = False

    @classmethod
    def empty(cls, n_samples: int, n_features: int) -> PredictorState:
        """Arrays for a problem of this shape, describing nothing yet."""
        return cls(np.zeros(n_samples), np.empty(n_samples), np.empty(n_samples), np.empty(n_samples), np.zeros(4),
                   np.zeros(n_features), np.zeros(n_features), np.zeros(n_features, dtype=bool),
                   np.empty(n_features), np.empty(n_features), np.empty(n_samples), np.zeros(3))

    def fits(self, n_samples: int, n_features: int) -> bool:
        """Whether the arrays have this problem's shape."""
        return self.margin.shape[0] == n_samples and self.coef.shape[0] == n_features

    def describes(self, coef: np.ndarray, intercept: float) -> bool:
        """Whether the arrays hold the state at exactly ``(coef, intercept)``."""
        return self.valid and self.intercept == intercept and np.array_equal(self.coef, coef)

    def record(self, coef: np.ndarray, intercept: float, valid: bool, correlations: np.ndarray) -> None:
        """Mark the arrays as describing ``(coef, intercept)`` with ``X.T theta = correlations`` (kept by
        reference), or nothing when not ``valid``."""
        self.valid = bool(valid)
        if self.valid:
            np.copyto(self.coef, coef)
            self.intercept = float(intercept)
            self.correlations = correlations


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
    support : ndarray of int64 or None
        Indices of the non-zero coefficients, increasing, when the solver
        reports them (saves a pass over ``coef``).
    predictor_state : PredictorState or None
        The per-sample arrays at the returned point, for the next solve of a
        path (proximal Newton only).
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
    support: np.ndarray | None = None
    predictor_state: PredictorState | None = None


@dataclass(frozen=True, eq=False)
class PathSolutions:
    """The solves of a path's alphas from one compiled loop (:meth:`CoordinateDescent.solve_path`).

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
        The last alpha's coefficients (unscaled).
    support_indices, support_values : ndarray
        Alpha k's non-zeros: ``support_indices[support_ptr[k]:support_ptr[k + 1]]``, with their values
        divided by the problem's column scales.
    support_ptr : ndarray of shape (n_solved + 1,)
    intercepts, dual_gaps, deviance_ratio, seconds : ndarray of shape (n_solved,)
        Per alpha: the intercept, the duality gap (absolute), the deviance ratio and the wall time.
    n_iter, first_ws_misses : ndarray of int64, shape (n_solved,)
        Per alpha: the epochs, and the features of the solution outside the first working set.
    converged : ndarray of bool, shape (n_solved,)
    complete : bool
        False when the loop stopped after an alpha that did not converge (proximal Newton hands the rest of
        the grid back to its caller); the early stop and the end of the grid are complete.
    correlations : ndarray of shape (n_features,) or None
        ``X.T theta`` at the last solution's last check, when it ran one (for the caller's next strong set).
    """

    coef: np.ndarray
    support_indices: np.ndarray
    support_values: np.ndarray
    support_ptr: np.ndarray
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    first_ws_misses: np.ndarray
    deviance_ratio: np.ndarray
    seconds: np.ndarray
    complete: bool = True
    correlations: np.ndarray | None = None

    @property
    def n_solved(self) -> int:
        """How many alphas were solved (fewer than asked when the early stop fired)."""
        return self.intercepts.shape[0]
