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

Strategy, per outer iteration (celer's and skglm's design), compiled as a
whole in :func:`sparsefit.solvers._ws_kernels.cd_solve`:

1. one full pass ``X.T theta`` gives the gap, the KKT violation of every
   feature and the gap-safe screening test (Fercoq, Gramfort & Salmon 2015:
   ``|X_j.T theta| + sqrt(lips_j) * sqrt(2 gap) < l1_j`` proves ``w_j* = 0``);
2. the working set is the support, the unpenalized features and the most
   violating features, its size doubling each outer iteration;
3. Anderson-accelerated coordinate descent solves the working-set subproblem
   to a KKT tolerance tied to the current outer violation.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from sparsefit.solvers._check import PenaltyArrays
from sparsefit.solvers._prepared import prepare
from sparsefit.solvers._path_kernels import cd_path, ticks_to_seconds
from sparsefit.solvers._solution import DualState, PathSolutions, Solution
from sparsefit.solvers._ws_kernels import N_SCALARS, cd_solve
from sparsefit.solvers._threads import single_threaded_blas


_NO_FEATURES = np.empty(0, dtype=np.int64)


def _coefficients(init, n_features, overwrite_init):
    """The solve's coefficient vector: zeros, a float64 copy of ``init``, or ``init`` itself when it may be
    overwritten and already has the kernels' layout."""
    if init is None:
        return np.zeros(n_features)
    if overwrite_init and isinstance(init, np.ndarray) and init.dtype == np.float64 \
            and init.shape == (n_features,) and init.flags.c_contiguous and init.flags.writeable:
        return init
    return np.array(init, dtype=np.float64)


def _usable_state(dual_state, n, p, sqrt_lips, col_l1):
    """``(state, True)`` when ``dual_state`` fits an (n, p) problem, else a fresh, empty one and False.

    The kernels update a usable state's arrays in place (consumed: no O(n + p)
    copies per alpha); the empty one gives them buffers to write.
    """
    if dual_state is not None and dual_state.theta.shape == (n,) and dual_state.corr_base.shape == (p,):
        return dual_state, True
    return DualState(np.zeros(n), np.empty(p), np.empty(p), np.zeros((2, n)), np.zeros((2, p)), np.empty(n),
                     np.zeros(N_SCALARS), _NO_FEATURES, sqrt_lips, col_l1), False


class _PerProblemCache:
    """One value kept for the latest ``(y, sample weights, ...)`` key, compared by identity.

    A path hands the same ``y`` and weights arrays to every alpha's solve; the
    key's references keep them alive, so their identities cannot be reused.
    """

    def __init__(self):
        self._entry = None

    def get(self, key, compute):
        """``compute()`` unless the last call had the same key."""
        entry = self._entry
        if entry is not None and len(entry[0]) == len(key) and all(a is b for a, b in zip(entry[0], key)):
            return entry[1]
        value = compute()
        self._entry = (key, value)
        return value


class ConvergenceWarning(UserWarning):
    """The solver stopped at ``max_iter`` before certifying ``tol``."""


def _warn_not_converged(n_epochs, gap, threshold):
    warnings.warn(
        f"Coordinate descent stopped after {n_epochs} epochs with duality gap {gap:.3e} > "
        f"tol * P(0) = {threshold:.3e}. Increase max_iter, loosen tol, or standardize the features.",
        _convergence_warning(),
        stacklevel=4,
    )


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
    ws_start : int, default=100
        Initial working-set size (doubles every outer iteration). Larger than
        celer's 10: a cold start's checks are full passes over X while a
        working-set epoch touches only its columns, so starting bigger saves
        checks (on a 20,000 x 50,000 sparse Lasso at alpha_max / 20: 14 ms at
        10, 9 ms at 100; dense problems were indifferent).
    anderson : int, default=5
        Epochs between Anderson extrapolations (0 disables acceleration).
    screening : bool, default=True
        Apply gap-safe screening at every outer iteration.
    """

    def __init__(self, tol=1e-6, max_iter=10_000, max_outer=200, ws_start=100, anderson=5, screening=True):
        self.tol = tol
        self.max_iter = max_iter
        self.max_outer = max_outer
        self.ws_start = ws_start
        self.anderson = anderson
        self.screening = screening
        # column entries read by optimality checks and bound refinements, summed over solves (diagnostics)
        self.work = np.zeros(2, dtype=np.int64)
        self._null_cache = _PerProblemCache()

    @single_threaded_blas
    def solve(self, X, y, datafit, penalty, *, sample_weight=None, fit_intercept=True, init=None, ws_init=None,
              prepared=None, dual_state=None, strong_factor=None, penalty_arrays=None,
              overwrite_init=False, target_correlations=None) -> Solution:
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
        dual_state : DualState or None
            The previous solve's dual point and correlation bounds (along a
            path, with ``init`` its solution and ``penalty`` the same but for
            alpha): features they prove to be zero are screened out before the
            first pass over X, and features outside its watch list are not
            touched at all. Consumed: its arrays are updated in place.
        strong_factor : float or None
            With ``dual_state``, the sequential strong rule's
            ``(2 alpha - alpha_prev) / alpha``: the first working set is then
            chosen from the dual state's bounds instead of ``ws_init``.
        penalty_arrays : PenaltyArrays or None
            ``penalty``'s per-feature vectors when the caller has them (a path
            builds them without a temporary per alpha).
        overwrite_init : bool, default=False
            Let the solve write its solution into ``init`` (a float64 array of
            shape (n_features,)) instead of a copy: a path that keeps only each
            solution's non-zeros saves a copy of p coefficients per alpha.
        target_correlations : ndarray of shape (n_features,) or None
            ``X.T @ (prepared.sw * y)`` (the normalized weights times the
            target), e.g. from the column statistics' own pass
            (``prepare(X, sample_weight, fit_intercept, correlate=sw * y)``). A
            cold solve (no ``init`` or an all-zero one, no dual state, no
            ``ws_init``) then takes its first check's correlations from them
            instead of a pass over X: at ``w = 0`` the residual is ``y`` and
            ``X.T theta = X.T (sw y) - b X.T sw``. Not modified.

        Returns
        -------
        Solution
        """
        prep = prepared if prepared is not None else prepare(X, sample_weight, fit_intercept)
        design, sw, xbar, lips = prep.design, prep.sw, prep.xbar, prep.lips
        n, p = X.shape
        pen = penalty_arrays if penalty_arrays is not None else PenaltyArrays.of(penalty, p)
        l1, l2, lower, upper = pen.l1, pen.l2, pen.lower, pen.upper
        w = _coefficients(init, p, overwrite_init)
        b0, p0, threshold = self._null_objective(y, sw, fit_intercept, datafit)
        if p0 == 0.0:
            return Solution(np.zeros(p), b0, 0.0, 0.0, 0, True, 0.0)

        y = np.ascontiguousarray(y, dtype=np.float64)
        r = np.empty(n)
        given = target_correlations is not None
        Xt_theta = np.array(target_correlations, dtype=np.float64) if given else np.empty(p)
        if Xt_theta.shape != (p,):
            raise ValueError(f"target_correlations has shape {Xt_theta.shape}; expected ({p},).")
        strong = _NO_FEATURES if ws_init is None else np.asarray(ws_init, dtype=np.int64)
        state, use_state = _usable_state(dual_state, n, p, prep.sqrt_lips, prep.col_l1)
        b, gap, kkt, objective, n_epochs, n_checks, converged, _, n_missed, watched, cand, support = cd_solve(
            *design.storage, y, sw, xbar, lips, prep.sqrt_lips, prep.col_l1, l1, l2, l1, l2, 1.0, lower, upper,
            bool(fit_intercept),
            w, r, strong, ws_init is not None, Xt_theta, given, state.theta, state.corr_base, state.corr_base_max,
            state.reference_point, state.reference_correlations, state.residual, state.scalars, state.watch,
            use_state,
            float(getattr(penalty, "alpha", 1.0)), -1.0 if strong_factor is None else float(strong_factor),
            float(threshold), float(self.tol), float(p0), int(self.max_iter), int(self.max_outer),
            int(self.ws_start), int(self.anderson), bool(self.screening), self.work,
        )
        if not converged:
            _warn_not_converged(n_epochs, gap, threshold)
        next_state = None
        if n_checks:
            next_state = DualState(state.theta, state.corr_base, state.corr_base_max, state.reference_point,
                                   state.reference_correlations, state.residual, state.scalars,
                                   cand if watched else _NO_FEATURES, prep.sqrt_lips, prep.col_l1)
        return Solution(w, float(b), float(gap), float(kkt), int(n_epochs), bool(converged), float(objective),
                        Xt_theta if (n_checks and not watched) else None, next_state,
                        int(n_missed) if (ws_init is not None or strong_factor is not None) else None, support)

    @single_threaded_blas
    def solve_path(self, X, y, datafit, alphas, unit_penalty, *, prepared, null_value, fit_intercept=True, init=None,
                   scale=None, early_stop=False, previous_dev=np.nan, dev_ratio_max=np.inf,
                   dev_change_min=0.0, dual_state=None) -> PathSolutions | None:
        """Solve at each of ``alphas`` in one compiled loop, as :meth:`solve` would along a path.

        The solves are those of a path of :meth:`solve` calls, each warm-started
        from the previous solution and handed its dual state, with the strong
        rule's factor ``(2 alpha - alpha_prev) / alpha``; only the Python between
        them is gone (:func:`sparsefit.solvers._path_kernels.cd_path`).

        Parameters
        ----------
        X, y, datafit, prepared, fit_intercept : as for :meth:`solve` (``prepared`` required).
        null_value : float
            The intercept-only model's loss, the deviance ratio's reference.
        alphas : ndarray
            Decreasing, every one below alpha_max (no solution is all zeros by rule).
        unit_penalty : PenaltyArrays
            The penalty vectors at alpha = 1: each alpha solves with ``alpha * l1`` and ``alpha * l2``
            (an L1 part is required: the strong rule is what the loop applies).
        init : ndarray of shape (n_features,) or None
            Warm start of the first alpha; overwritten with the last solution.
        scale : ndarray of shape (n_features,) or None
            The reported values are ``coef / scale`` (a standardized problem's column scales).
        early_stop, previous_dev, dev_ratio_max, dev_change_min
            Stop after the alpha whose deviance ratio reaches ``dev_ratio_max`` or moves by less than
            ``dev_change_min`` times itself (``previous_dev``: the ratio of the alpha before the first).
        dual_state : DualState or None
            The dual state of the solution ``init`` (zeros when ``init`` is None), as :meth:`solve` takes
            it: e.g. the null model's (:meth:`sparsefit.path._Problem.null_dual_state`), whose exact
            correlations give the first alpha the strong rule and the bounds. Consumed (updated in place).

        Returns
        -------
        PathSolutions or None
            None when the intercept-only model is exact (``P(0) == 0``): nothing to solve.
        """
        prep = prepared
        p = X.shape[1]
        _, p0, threshold = self._null_objective(y, prep.sw, fit_intercept, datafit)
        if p0 == 0.0:
            return None
        y = np.ascontiguousarray(y, dtype=np.float64)
        w = _coefficients(init, p, True)
        scale = np.ones(p) if scale is None else np.ascontiguousarray(scale, dtype=np.float64)
        state, seeded = _usable_state(dual_state, X.shape[0], p, prep.sqrt_lips, prep.col_l1)
        started = time.perf_counter()
        (n_done, indices, values, ptr, intercepts, gaps, epochs, converged, misses, dev_ratio,
         seconds) = cd_path(
            *prep.design.storage, y, prep.sw, prep.xbar, prep.lips, prep.sqrt_lips, prep.col_l1, unit_penalty.l1,
            unit_penalty.l2, unit_penalty.lower, unit_penalty.upper, bool(fit_intercept),
            np.ascontiguousarray(alphas, dtype=np.float64), w, scale, float(threshold), float(self.tol), float(p0),
            float(null_value), int(self.max_iter), int(self.max_outer),
            int(self.ws_start), int(self.anderson), bool(self.screening), self.work, bool(early_stop),
            float(previous_dev), float(dev_ratio_max), float(dev_change_min), state.theta, state.corr_base,
            state.corr_base_max, state.reference_point, state.reference_correlations, state.residual, state.scalars,
            np.ascontiguousarray(state.watch, dtype=np.int64),
            bool(seeded),
        )
        seconds = ticks_to_seconds(seconds[:n_done], time.perf_counter() - started)
        if not converged[:n_done].all():
            for k in np.flatnonzero(~converged[:n_done]):
                _warn_not_converged(epochs[k], gaps[k], threshold)
        return PathSolutions(w, indices, values, ptr[: n_done + 1], intercepts[:n_done], gaps[:n_done],
                             epochs[:n_done], converged[:n_done], misses[:n_done], dev_ratio[:n_done],
                             seconds)

    def _null_objective(self, y, sw, fit_intercept, datafit):
        """``(b0, P(0), threshold)``, computed once per ``(y, sw)`` pair (fixed along a path)."""

        def compute():
            b0 = float(np.dot(sw, y)) if fit_intercept else 0.0
            p0 = datafit.value(y, np.full(y.shape[0], b0), sw)
            # floor at the rounding error of the objective (matters only when P(0) is itself ~ rounding)
            return b0, p0, max(self.tol * p0, 16 * np.finfo(float).eps * float(np.dot(sw, y * y)))

        return self._null_cache.get((y, sw, bool(fit_intercept)), compute)
