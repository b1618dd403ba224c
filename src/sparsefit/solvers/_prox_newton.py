"""Proximal Newton with working sets for the Elastic-Net logistic regression.

Primal (labels ``y_i`` in {-1, +1}, ``sw = s / sum(s)``)::

    P(w, b) = sum_i sw_i log(1 + exp(-y_i (x_i.w + b))) + sum_j (l1_j |w_j| + l2_j / 2 w_j^2)

Dual (``t_i = y_i theta_i / sw_i`` in [0, 1])::

    D(theta) = -sum_i sw_i (t_i log t_i + (1 - t_i) log(1 - t_i)) - sum_j g_j*(X_j.T theta)
    subject to sum_i theta_i = 0 when an intercept is fit

Dual point: ``theta = sw * y * sigmoid(-y u)`` (the negative gradient) at the
intercept that is optimal for the current ``w`` (a 1-D Newton solve, so
``sum(theta) == 0`` up to rounding), scaled into the domain of ``G*``.

Stopping rule: ``P - D <= tol * P(0)`` (``P(0)`` the intercept-only objective).
When some feature is unpenalized (``penalty=None`` or a zero penalty factor)
the dual needs ``X_u.T theta == 0`` exactly, which no cheap projection keeps
inside the logistic domain; the rule is then the KKT violation relative to
its value at zero: ``max_j dist(-grad_j, d g_j(w_j)) <= tol * max_j |X_j.T theta(0)|``.

Strategy (glmnet's quadratic approximation, skglm's ``ProxNewton`` working
sets): an outer loop checks optimality on all features with one ``X.T theta``
pass, screens with the gap-safe sphere (the logistic dual is 4-strongly
concave in the ``1/sw`` metric, so the radius is ``sqrt(gap / 2)``), and picks
a working set; an inner loop takes proximal Newton steps on it, each a
weighted least-squares subproblem solved by the shared coordinate-descent
kernels, followed by a backtracking line search on the true objective.
"""

from __future__ import annotations

import warnings

import numpy as np

from sparsefit._optimality import optimal_intercept as fit_intercept_newton
from sparsefit.solvers import _kernels as K
from sparsefit.solvers._cd import _convergence_warning
from sparsefit.solvers._check import PenaltyArrays, outer_check
from sparsefit.solvers._prepared import prepare
from sparsefit.solvers._inner import first_working_set, solve_working_set, ws_kkt
from sparsefit.solvers._solution import Solution
from sparsefit.solvers._threads import single_threaded_blas


class ProxNewton:
    """Working-set proximal Newton solver for the logistic datafit.

    Parameters
    ----------
    tol : float, default=1e-6
        Relative tolerance of the stopping rule (see module docstring).
    max_iter : int, default=1000
        Maximum number of proximal Newton steps, over all working sets.
    max_epochs : int, default=100_000
        Maximum number of coordinate-descent epochs, over all subproblems.
    max_outer : int, default=100
        Maximum number of working-set (outer) iterations.
    ws_start : int, default=10
        Initial working-set size (doubles every outer iteration).
    screening : bool, default=True
        Apply gap-safe screening.
    """

    def __init__(self, tol=1e-6, max_iter=1000, max_epochs=100_000, max_outer=100, ws_start=10, screening=True):
        self.tol = tol
        self.max_iter = max_iter
        self.max_epochs = max_epochs
        self.max_outer = max_outer
        self.ws_start = ws_start
        self.screening = screening

    @single_threaded_blas
    def solve(self, X, y, datafit, penalty, *, sample_weight=None, fit_intercept=True, init=None,
              init_intercept=None, ws_init=None, prepared=None) -> Solution:
        """Minimize ``datafit + penalty``; ``y`` holds labels in {-1, +1}.

        Same contract as :meth:`sparsefit.solvers.CoordinateDescent.solve`,
        plus ``init_intercept`` for warm starts.
        """
        prep = prepared if prepared is not None else prepare(X, sample_weight, fit_intercept)
        design, sw, xbar_sw, lips_sw, constant = prep.design, prep.sw, prep.xbar, prep.lips, prep.constant
        n, p = X.shape
        pen = PenaltyArrays.of(penalty, p)
        l1, l2, lower, upper = pen.l1, pen.l2, pen.lower, pen.upper
        unpenalized = (l1 == 0) & (l2 == 0) & ~constant
        unpenalized_idx = np.flatnonzero(unpenalized)
        use_gap = not unpenalized.any()

        w = np.zeros(p) if init is None else np.clip(np.array(init, dtype=np.float64), lower, upper)
        w[constant] = 0.0
        support = np.flatnonzero(w).astype(np.int64)
        margin = design.xw_ws(w, support, np.empty(n)) if support.size else np.zeros(n)
        b0 = datafit.null_intercept(y, sw) if fit_intercept else 0.0
        b = b0 if init_intercept is None or not fit_intercept else float(init_intercept)
        p0 = datafit.value(y, np.full(n, b0), sw)
        if use_gap:
            # floor: the logistic objective is at most log 2, so its rounding error is ~1e-16 in absolute terms
            threshold = max(self.tol * p0, 1e-14)
        else:
            theta0 = -datafit.raw_grad(y, np.full(n, b0), sw)
            threshold = self.tol * max(float(np.abs(design.xt_dot(theta0)).max(initial=0.0)), 1e-300)

        screened = constant.copy()
        ws_size = max(self.ws_start, 2 * support.size)
        n_newton = n_epochs = 0
        gap = kkt = objective = np.inf
        converged = False
        xbar_h = np.zeros(p)
        lips_h = np.zeros(p)
        Xt_theta = None
        if ws_init is not None:
            # along a path: Newton on the support + strong set first, one full check after
            ws = first_working_set(p, support, ws_init, unpenalized_idx, screened)
            if ws.size:
                if fit_intercept:
                    b = fit_intercept_newton(datafit, y, margin, sw, b)
                start = datafit.value(y, margin + b, sw) + K.penalty_value_fast(w, l1, l2)
                scale = max(float(l1.max(initial=0.0)), float(l2.max(initial=0.0)), 1e-300)
                target = 0.5 * threshold * scale / max(start, 1e-300)
                b, margin, steps, epochs = self._newton_on_ws(
                    design, datafit, y, sw, w, b, margin, ws, l1, l2, lower, upper, fit_intercept, target,
                    xbar_h, lips_h,
                )
                n_newton += steps
                n_epochs += epochs
                ws_size = max(ws_size, ws.size)
        for _ in range(self.max_outer):
            if fit_intercept:
                b = fit_intercept_newton(datafit, y, margin, sw, b)
            u = margin + b
            theta = -datafit.raw_grad(y, u, sw)
            Xt_theta = design.xt_dot(theta)
            check = outer_check(datafit, y, sw, u, theta, Xt_theta, w, pen, screened, prep, np.empty(0, np.int64),
                                use_gap=use_gap)
            dist, kkt, objective, gap, kappa = check.dist, check.kkt, check.objective, check.gap, check.kappa
            if (gap <= threshold) if use_gap else (kkt <= threshold):
                converged = True
                break
            if n_newton >= self.max_iter or n_epochs >= self.max_epochs:
                break

            if use_gap and self.screening and np.isfinite(gap):
                radius = np.sqrt(max(gap, 0.0) / 2.0)
                newly = (~screened) & (l1 > 0) & (np.abs(kappa * check.Xt_feasible) + np.sqrt(lips_sw) * radius < l1)
                if newly.any():
                    screened |= newly
                    drop = np.flatnonzero(newly & (w != 0)).astype(np.int64)
                    if drop.size:
                        margin -= design.xw_ws(w, drop, np.empty(n))
                        w[drop] = 0.0
                    dist[screened] = 0.0

            in_support = (w != 0) & ~screened
            ws_size = min(max(ws_size, 2 * int(in_support.sum())), int((~screened).sum()))
            score = np.where(in_support | unpenalized, np.inf, dist)
            score[screened] = -1.0
            k = min(ws_size, int(np.count_nonzero(score > 0)))
            if k == 0:
                break
            ws = np.argpartition(-score, k - 1)[:k] if k < p else np.arange(p)
            ws = np.sort(ws[score[ws] > 0]).astype(np.int64)

            b, margin, steps, epochs = self._newton_on_ws(
                design, datafit, y, sw, w, b, margin, ws, l1, l2, lower, upper, fit_intercept, 0.3 * kkt,
                xbar_h, lips_h,
            )
            n_newton += steps
            n_epochs += epochs
            ws_size *= 2

        if not converged:
            what = "duality gap" if use_gap else "KKT violation"
            value = gap if use_gap else kkt
            warnings.warn(
                f"Proximal Newton stopped after {n_newton} Newton steps with {what} {value:.3e} > "
                f"{threshold:.3e}. Increase max_iter, loosen tol, or use a larger penalty.",
                _convergence_warning(),
                stacklevel=3,
            )
        return Solution(w, b, float(gap) if use_gap else np.nan, kkt, n_newton, converged, float(objective),
                        Xt_theta)

    def _newton_on_ws(self, design, datafit, y, sw, w, b, margin, ws, l1, l2, lower, upper, fit_intercept,
                      target, xbar_h, lips_h):
        """Proximal Newton steps on ``ws`` until its KKT violation is at most ``target``."""
        n = margin.shape[0]
        l1w, l2w = l1[ws], l2[ws]
        steps = epochs = 0
        kkt_ws = np.inf
        scratch = np.empty(n)
        while steps < self.max_iter and epochs < self.max_epochs:
            u = margin + b
            theta = -datafit.raw_grad(y, u, sw)
            h = np.maximum(datafit.raw_hessian(y, u, sw), 1e-12 * sw)
            h_sum = float(h.sum())
            design.column_stats(h, ws, xbar_h, lips_h)
            if fit_intercept:
                xbar_h[ws] /= h_sum
                lips_h[ws] = np.maximum(lips_h[ws] - h_sum * xbar_h[ws] ** 2, 0.0)
            else:
                xbar_h[ws] = 0.0
            kkt_ws = ws_kkt(design, theta, w, ws, l1, l2, lower, upper)
            if kkt_ws <= target:
                break
            # quadratic model: 1/2 sum_i h_i (z_i - x_i.w - b)^2 with working response z = u + theta / h
            z = u + np.divide(theta, h, out=np.zeros_like(theta), where=h > 0)  # zero-weight rows: any finite z
            w_new = w.copy()
            r = z - margin  # residual without intercept at w
            b_new = float(np.dot(h, r)) / h_sum if fit_intercept else 0.0
            b_new, sub_epochs, _ = solve_working_set(
                design, h, z, r, b_new, w_new, ws, xbar_h, lips_h, l1, l2, lower, upper, fit_intercept,
                0.1 * kkt_ws, 200, anderson=5,
            )
            epochs += sub_epochs
            steps += 1
            delta_w = w_new[ws] - w[ws]
            delta_b = b_new - b if fit_intercept else 0.0
            if not np.any(delta_w) and delta_b == 0.0:
                break
            step_dir = np.zeros_like(w)
            step_dir[ws] = delta_w
            delta_margin = design.xw_ws(step_dir, ws, scratch).copy()
            # Armijo on the composite objective with the model decrease as slope
            pen_now = float(np.dot(l1w, np.abs(w[ws])) + 0.5 * np.dot(l2w, w[ws] ** 2))
            w_full = w[ws] + delta_w
            slope = -float(np.dot(theta, delta_margin + delta_b)) + float(
                np.dot(l1w, np.abs(w_full)) + 0.5 * np.dot(l2w, w_full**2)) - pen_now
            value_now = datafit.value(y, u, sw) + pen_now
            step = 1.0
            accepted = False
            for _ in range(30):
                w_trial = w[ws] + step * delta_w
                trial = datafit.value(y, u + step * (delta_margin + delta_b), sw) + float(
                    np.dot(l1w, np.abs(w_trial)) + 0.5 * np.dot(l2w, w_trial**2))
                # near the optimum the decrease (~ kkt^2) drops below the rounding of the objective:
                # then the full Newton step, whose model is exact there, is taken on the model's word
                rounding = 1e-14 * abs(value_now) if step == 1.0 else 0.0
                if trial <= value_now + 1e-4 * step * min(slope, 0.0) + rounding:
                    accepted = True
                    break
                step *= 0.5
            if not accepted:
                break
            w[ws] = w[ws] + step * delta_w
            margin = margin + step * delta_margin
            # the quadratic model already re-fit the intercept; the outer check makes it exact
            b = b + step * delta_b
        return b, margin, steps, epochs
