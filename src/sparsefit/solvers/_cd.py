"""Working-set coordinate descent for least squares with the Elastic-Net penalty.

Primal (``sw = s / sum(s)``; see :mod:`sparsefit._optimality` for notation)::

    P(w, b) = 1/2 sum_i sw_i (y_i - x_i.w - b)^2 + sum_j (l1_j |w_j| + l2_j / 2 w_j^2),
              lower_j <= w_j <= upper_j

Dual::

    D(theta) = sum_i (theta_i y_i - theta_i^2 / (2 sw_i)) - sum_j g_j*(X_j.T theta)
    subject to sum_i theta_i = 0 (intercept) and X_u.T theta = 0 (unpenalized u)

Dual point: ``theta = sw * (y - X w - b)`` (the weighted residual), projected
onto the constraints and scaled into the domain of ``G*``.

Stopping rule: ``P - D <= tol * P(0)``, where ``P(0)`` is the objective of
the intercept-only model, so ``tol`` is a relative suboptimality certificate.

Strategy, per outer iteration (celer's and skglm's design):

1. one full pass ``X.T theta`` gives the gap, the KKT violation of every
   feature and the gap-safe screening test (Fercoq, Gramfort & Salmon 2015:
   ``|X_j.T theta| + sqrt(lips_j) * sqrt(2 gap) < l1_j`` proves ``w_j* = 0``);
2. the working set is the support, the unpenalized features and the most
   violating features, its size doubling each outer iteration;
3. Anderson-accelerated coordinate descent solves the working-set subproblem
   to a KKT tolerance tied to the current outer violation.
"""

from __future__ import annotations

import warnings

import numpy as np

from sparsefit.solvers._prepared import prepare
from sparsefit.solvers import _kernels as K
from sparsefit.solvers._check import PenaltyArrays, outer_check
from sparsefit.solvers._inner import first_working_set, solve_working_set
from sparsefit.solvers._solution import Solution
from sparsefit.solvers._threads import single_threaded_blas


class ConvergenceWarning(UserWarning):
    """The solver stopped at ``max_iter`` before certifying ``tol``."""


def _convergence_warning():
    try:
        from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning

        return SkConvergenceWarning
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        return ConvergenceWarning


class CoordinateDescent:
    """Working-set coordinate descent with gap-safe screening and Anderson acceleration.

    Parameters
    ----------
    tol : float, default=1e-6
        Relative duality-gap tolerance: stop when ``gap <= tol * P(0)``.
    max_iter : int, default=10_000
        Maximum number of coordinate-descent epochs, summed over working sets.
    max_outer : int, default=200
        Maximum number of working-set (outer) iterations.
    ws_start : int, default=10
        Initial working-set size (doubles every outer iteration).
    anderson : int, default=5
        Epochs between Anderson extrapolations (0 disables acceleration).
    screening : bool, default=True
        Apply gap-safe screening at every outer iteration.
    """

    def __init__(self, tol=1e-6, max_iter=10_000, max_outer=200, ws_start=10, anderson=5, screening=True):
        self.tol = tol
        self.max_iter = max_iter
        self.max_outer = max_outer
        self.ws_start = ws_start
        self.anderson = anderson
        self.screening = screening

    @single_threaded_blas
    def solve(self, X, y, datafit, penalty, *, sample_weight=None, fit_intercept=True, init=None, ws_init=None,
              prepared=None) -> Solution:
        """Minimize ``datafit + penalty`` for the Quadratic datafit.

        Parameters
        ----------
        X : ndarray (Fortran order, float64) or scipy.sparse.csc_matrix
            As returned by :func:`sparsefit._validation.validate_X`.
        y : ndarray of shape (n_samples,)
        datafit : Quadratic
        penalty : ElasticNetPenalty
        sample_weight : ndarray of shape (n_samples,) or None
        fit_intercept : bool, default=True
        init : ndarray of shape (n_features,) or None
            Warm start for the coefficients.
        ws_init : ndarray of int or None
            Features for the first working set besides the support (e.g. the
            sequential strong set along a path); later outer iterations add
            whatever violates the KKT conditions, so a wrong guess costs time,
            never correctness.
        prepared : Prepared or None
            Alpha-independent quantities from :func:`sparsefit.solvers._prepared.prepare`
            (reused along a path).

        Returns
        -------
        Solution
        """
        prep = prepared if prepared is not None else prepare(X, sample_weight, fit_intercept)
        design, sw, xbar, lips = prep.design, prep.sw, prep.xbar, prep.lips
        n, p = X.shape
        pen = PenaltyArrays.of(penalty, p)
        l1, l2, lower, upper = pen.l1, pen.l2, pen.lower, pen.upper
        unpenalized = np.flatnonzero((l1 == 0) & (l2 == 0) & (lips > 0))

        w = np.zeros(p) if init is None else np.clip(np.array(init, dtype=np.float64), lower, upper)
        w[lips == 0] = 0.0
        support = np.flatnonzero(w).astype(np.int64)
        # the warm start's predictor costs only its support's columns
        r = y - design.xw_ws(w, support, np.empty(n)) if support.size else y.copy()
        b = float(np.dot(sw, r)) if fit_intercept else 0.0

        b0 = float(np.dot(sw, y)) if fit_intercept else 0.0
        p0 = datafit.value(y, np.full(n, b0), sw)
        # floor at the rounding error of the objective (matters only when P(0) is itself ~ rounding)
        threshold = max(self.tol * p0, 16 * np.finfo(float).eps * float(np.dot(sw, y * y)))
        if p0 == 0.0:
            return Solution(np.zeros(p), b0, 0.0, 0.0, 0, True, 0.0)

        screened = np.zeros(p, dtype=bool)
        screened[lips == 0] = True
        ws_size = max(self.ws_start, 2 * support.size)
        n_epochs = 0
        gap = kkt = np.inf
        objective = np.inf
        converged = False
        Xt_theta = None
        if ws_init is not None:
            # glmnet's order along a path: solve on support + strong set first, check everything after
            ws = first_working_set(p, support, ws_init, unpenalized, screened)
            if ws.size:
                # the gap's dual-scaling term is about 2 P(w) kkt / l1, so this KKT target meets tol * P(0)
                start = datafit.value(y, y - r + b, sw) + K.penalty_value_fast(w, l1, l2)
                scale = max(float(l1.max(initial=0.0)), float(l2.max(initial=0.0)), 1e-300)
                target = 0.5 * self.tol * scale * p0 / max(start, 1e-300)
                b, epochs, _ = solve_working_set(
                    design, sw, y, r, b, w, ws, xbar, lips, l1, l2, lower, upper, fit_intercept, target,
                    self.max_iter, anderson=self.anderson,
                )
                n_epochs += epochs
                ws_size = max(ws_size, ws.size)
        for _ in range(self.max_outer):
            theta = sw * (r - b)
            Xt_theta = design.xt_dot(theta)
            check = outer_check(datafit, y, sw, y - r + b, theta, Xt_theta, w, pen, screened, prep, unpenalized)
            dist, kkt, objective, gap, kappa = check.dist, check.kkt, check.objective, check.gap, check.kappa
            if gap <= threshold:
                converged = True
                break
            if n_epochs >= self.max_iter:
                break

            if self.screening and np.isfinite(gap):
                radius = np.sqrt(2.0 * max(gap, 0.0))
                newly = (~screened) & (l1 > 0) & (np.abs(kappa * check.Xt_feasible) + np.sqrt(lips) * radius < l1)
                if newly.any():
                    screened |= newly
                    drop = np.flatnonzero(newly & (w != 0))
                    if drop.size:
                        # the certificate says these are zero at the optimum: move them there now
                        r += design.xw_ws(w, drop.astype(np.int64), np.empty(n))
                        w[drop] = 0.0
                        b = float(np.dot(sw, r)) if fit_intercept else 0.0
                    dist[screened] = 0.0

            in_support = (w != 0) & ~screened
            ws_size = min(max(ws_size, 2 * int(in_support.sum())), int((~screened).sum()))
            score = np.where(in_support, np.inf, dist)
            score[unpenalized] = np.inf
            score[screened] = -1.0
            k = min(ws_size, int(np.count_nonzero(score > 0)))
            if k == 0:
                break
            ws = np.argpartition(-score, k - 1)[:k] if k < p else np.arange(p)
            ws = np.sort(ws[score[ws] > 0]).astype(np.int64)

            b, epochs, _ = solve_working_set(
                design, sw, y, r, b, w, ws, xbar, lips, l1, l2, lower, upper, fit_intercept, 0.3 * kkt,
                self.max_iter - n_epochs, anderson=self.anderson,
            )
            n_epochs += epochs
            ws_size *= 2

        if not converged:
            warnings.warn(
                f"Coordinate descent stopped after {n_epochs} epochs with duality gap {gap:.3e} > "
                f"tol * P(0) = {threshold:.3e}. Increase max_iter, loosen tol, or standardize the features.",
                _convergence_warning(),
                stacklevel=3,
            )
        return Solution(w, b, float(gap), kkt, n_epochs, converged, float(objective), Xt_theta)
