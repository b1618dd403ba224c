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
a working set (a cold fit's first one: the features over twice their ``l1``
at zero, at most 1,000; then doubling, or eightfold while the solve keeps
nearly all of it); an inner loop takes proximal Newton steps on it, each a
weighted least-squares subproblem solved by the shared coordinate-descent
kernel (active-first sweeps while the working set is mostly zeros),
followed by a backtracking line search on the true objective.
The line searches (Armijo for the Newton steps, plain decrease for the
intercept's 1-D Newton) also accept a step whose condition convexity
certifies from the slope at the trial point, so a decrease smaller than the
objective's rounding does not halve the step dozens of times.

Along a path, the first working set is solved until a first-order model of
the gap meets ``0.8 tol P(0)`` (the check that follows computes the exact gap),
its first Newton step reads the KKT violations from the carried correlations
and starts its coordinate descent from the predicted solution (the line
through the last two solutions in ``log(alpha)``; once a solve of the path
needed a second Newton step, that step is expanded at the prediction itself
when it lowers the objective), a solve whose first check failed stops its
next Newton solve at the same gap goal, and a check right after a
Newton step takes the Newton model's intercept as it is (the dual point's
projection absorbs its small gradient), unless the projection would leave the
dual's domain: the intercept is then refit exactly first, so the gap stays
finite. Each subproblem's coordinate descent stops at 0.2 times the step's
starting KKT violation and computes the Hessian-weighted column statistics in
its first epoch.

The whole loop (outer checks, screening, working sets, Newton steps, line
search and the intercept's 1-D Newton solve) is compiled as one numba
function, :func:`sparsefit.solvers._pn_kernels.pn_solve`, which calls
:func:`sparsefit.solvers._ws_kernels.solve_ws` for the subproblems;
:meth:`ProxNewton.solve` only prepares the arrays and wraps the result.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from sparsefit.solvers._cd import _coefficients, _convergence_warning, _PerProblemCache
from sparsefit.solvers._check import PenaltyArrays
from sparsefit.solvers._path_kernels import pn_path, ticks_to_seconds
from sparsefit.solvers._pn_kernels import pn_solve
from sparsefit.solvers._prepared import prepare
from sparsefit.solvers._solution import PathSolutions, PredictorState, Solution
from sparsefit.solvers._threads import single_threaded_blas


_NO_FEATURES = np.empty(0, dtype=np.int64)
_NO_FLAGS = np.empty(0, dtype=np.bool_)
_NO_SUMMARY = np.empty(0)
_NO_PREDICTED_STEP = np.empty(0)


def _warn_not_converged(n_newton, use_gap, value, threshold):
    what = "duality gap" if use_gap else "KKT violation"
    warnings.warn(
        f"Proximal Newton stopped after {n_newton} Newton steps with {what} {value:.3e} > "
        f"{threshold:.3e}. Increase max_iter, loosen tol, or use a larger penalty.",
        _convergence_warning(),
        stacklevel=4,
    )


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
        Initial working-set size. It doubles every outer iteration, or grows
        eightfold while the solve keeps at least 90% of the features it was given.
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
        self._null_cache = _PerProblemCache()

    @single_threaded_blas
    def solve(self, X, y, datafit, penalty, *, sample_weight=None, fit_intercept=True, init=None,
              init_intercept=None, ws_init=None, prepared=None, penalty_arrays=None,
              overwrite_init=False, predictor_state=None, strong_factor=None, predicted_step=None,
              center_on_prediction=False, target_correlations=None) -> Solution:
        """Minimize ``datafit + penalty``; ``y`` holds labels in {-1, +1}.

        Same contract as :meth:`sparsefit.solvers.CoordinateDescent.solve`
        (``penalty_arrays`` and ``overwrite_init`` included), plus
        ``init_intercept`` for warm starts and ``predictor_state``: the previous
        solve's :class:`~sparsefit.solvers._solution.PredictorState` along a
        path of the same problem (used when it describes ``(init,
        init_intercept)`` exactly, updated in place and returned in the
        solution's ``predictor_state``), and ``strong_factor``: with a state that
        is used, the sequential strong rule's ``(2 alpha - alpha_prev) / alpha``,
        applied to the state's correlations for the first working set instead
        of ``ws_init``, and ``predicted_step``: a (p,) change of ``init`` predicted
        along a path (:func:`sparsefit.solvers._path_kernels.predict_step`), where
        the first working set's first Newton step starts its coordinate descent, and
        ``center_on_prediction``: that step expands the loss at the predicted point
        instead, when its objective is lower (see ``CENTER_AFTER_STEPS`` in
        :mod:`sparsefit.solvers._path_kernels`), and ``target_correlations``:
        ``X.T @ (prepared.sw * y)`` (e.g. ``prepare(..., correlate=sw * y)``), from
        which a cold solve takes its first check's correlations instead of a
        pass over X (not modified). A solve that uses a predictor state writes
        its ``Xt_theta`` into the state's ``correlations`` array: the previous
        solution's ``Xt_theta``, which the caller has then read (e.g. for the
        strong rule) before handing the state on.
        """
        prep = prepared if prepared is not None else prepare(X, sample_weight, fit_intercept)
        n, p = X.shape
        pen = penalty_arrays if penalty_arrays is not None else PenaltyArrays.of(penalty, p)
        w = _coefficients(init, p, overwrite_init)
        b0 = self._null_intercept(y, prep.sw, fit_intercept, datafit)
        b = b0 if init_intercept is None or not fit_intercept else float(init_intercept)
        strong = _NO_FEATURES if ws_init is None else np.ascontiguousarray(ws_init, dtype=np.int64)
        state = predictor_state
        carried = state is not None and state.fits(n, p) and state.describes(w, b)
        if state is None or not state.fits(n, p):
            state = PredictorState.empty(n, p)
        if target_correlations is not None and np.shape(target_correlations) != (p,):
            raise ValueError(f"target_correlations has shape {np.shape(target_correlations)}; expected ({p},).")
        # (only a cold solve reads them: one that carries a state starts from its own correlations)
        given = target_correlations is not None and not carried
        if given:
            Xt_theta = np.array(target_correlations, dtype=np.float64)
        else:
            # carried: the previous check's buffer, whose entries the check's bounds vouch for stay as they were
            # (estimates for the strong rule, marked in state.exact; see pn_solve). The previous solution's
            # Xt_theta is then this one's
            Xt_theta = state.correlations if carried else np.empty(p)
        own_strong_set = carried and strong_factor is not None
        (b, gap, kkt, objective, n_newton, _, n_checks, converged, threshold, state_ok, use_gap, n_missed,
         support) = pn_solve(
            *prep.design.storage, np.ascontiguousarray(y, dtype=np.float64), prep.sw, prep.xbar, prep.lips,
            pen.l1, pen.l2, pen.lower, pen.upper, bool(fit_intercept), w, float(b), float(b0), strong,
            ws_init is not None, Xt_theta, state.margin, state.u, state.theta, state.h, state.stats, carried,
            state.correlations, float(strong_factor) if own_strong_set else -1.0,
            float(self.tol), int(self.max_iter), int(self.max_epochs), int(self.max_outer), int(self.ws_start),
            bool(self.screening), _NO_FLAGS, _NO_FLAGS, _NO_SUMMARY,
            _NO_PREDICTED_STEP if predicted_step is None else np.ascontiguousarray(predicted_step, dtype=np.float64),
            bool(center_on_prediction), given, prep.sqrt_lips, prep.col_l1, state.corr_base, state.corr_base_max,
            state.theta_ref, state.bound_scalars, state.exact,
        )
        state.record(w, b, state_ok, Xt_theta)
        if not converged:
            _warn_not_converged(n_newton, use_gap, gap if use_gap else kkt, threshold)
        return Solution(w, float(b), float(gap) if use_gap else np.nan, float(kkt), int(n_newton), bool(converged),
                        float(objective), Xt_theta if n_checks else None,
                        first_ws_misses=int(n_missed) if n_missed >= 0 else None, support=support,
                        predictor_state=state)

    @single_threaded_blas
    def solve_path(self, X, y, datafit, alphas, unit_penalty, *, prepared, null_value, fit_intercept=True, init=None,
                   init_intercept=None, ws_init=None, scale=None, early_stop=False, previous_dev=np.nan,
                   dev_ratio_max=np.inf, dev_change_min=0.0) -> PathSolutions:
        """Solve at each of ``alphas`` in one compiled loop, as :meth:`solve` would along a path.

        The arguments are those of :meth:`CoordinateDescent.solve_path
        <sparsefit.solvers.CoordinateDescent.solve_path>`, plus ``init_intercept``
        and ``ws_init`` (the first alpha's strong set). The solves are those of
        a path of :meth:`solve` calls that hand on their predictor state and
        apply the strong rule to its correlations
        (:func:`sparsefit.solvers._path_kernels.pn_path`). The loop stops after
        an alpha that did not converge (with the usual warning): the result then
        covers fewer alphas than asked and is not ``complete``.
        """
        prep = prepared
        p = X.shape[1]
        y = np.ascontiguousarray(y, dtype=np.float64)
        w = _coefficients(init, p, True)
        b0 = self._null_intercept(y, prep.sw, fit_intercept, datafit)
        b = b0 if init_intercept is None or not fit_intercept else float(init_intercept)
        first_ws = _NO_FEATURES if ws_init is None else np.ascontiguousarray(ws_init, dtype=np.int64)
        scale = np.ones(p) if scale is None else np.ascontiguousarray(scale, dtype=np.float64)
        started = time.perf_counter()
        (n_done, indices, values, ptr, intercepts, gaps, n_newton, converged, misses, dev_ratio, seconds, correlations,
         checked, kkt, threshold) = pn_path(
            *prep.design.storage, y, prep.sw, prep.xbar, prep.lips, prep.sqrt_lips, prep.col_l1, unit_penalty.l1,
            unit_penalty.l2,
            unit_penalty.lower, unit_penalty.upper, bool(fit_intercept), np.ascontiguousarray(alphas, dtype=np.float64),
            w, float(b), float(b0), first_ws, ws_init is not None, scale, float(self.tol), int(self.max_iter),
            int(self.max_epochs), int(self.max_outer), int(self.ws_start), bool(self.screening), float(null_value),
            bool(early_stop), float(previous_dev), float(dev_ratio_max), float(dev_change_min),
        )
        seconds = ticks_to_seconds(seconds[:n_done], time.perf_counter() - started)
        complete = bool(converged[n_done - 1])
        if not complete:
            use_gap = not np.isnan(gaps[n_done - 1])
            _warn_not_converged(n_newton[n_done - 1], use_gap, gaps[n_done - 1] if use_gap else kkt, threshold)
        return PathSolutions(w, indices, values, ptr[: n_done + 1], intercepts[:n_done], gaps[:n_done],
                             n_newton[:n_done], converged[:n_done], misses[:n_done], dev_ratio[:n_done],
                             seconds, complete=complete, correlations=correlations if checked else None)

    def _null_intercept(self, y, sw, fit_intercept, datafit):
        """The intercept-only model's intercept, computed once per ``(y, sw)`` pair (fixed along a path)."""
        if not fit_intercept:
            return 0.0
        return self._null_cache.get((y, sw), lambda: datafit.null_intercept(y, sw))
