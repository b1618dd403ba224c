"""Regularization paths: every alpha from alpha_max down, with warm starts.

For each alpha on a decreasing grid the solver starts from the previous
solution (primal warm start; its working set is seeded with the previous
support plus the **sequential strong set** of Tibshirani et al. 2012,
``{j : |X_j.T theta(alpha_prev)| >= l1_j(2 alpha - alpha_prev) / alpha ...}``),
and every alpha is certified on *all* features by the duality gap: features
the strong rule discarded wrongly are caught by that full KKT check and
counted in ``Path.strong_rule_violations``.

glmnet's early stop (on by default, ``early_stop=False`` turns it off): the
path ends once the fraction of null deviance explained exceeds 0.999, or
changes by less than 1e-5 (relative) between consecutive alphas.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sparsefit._objective import Logistic, Quadratic, sigmoid
from sparsefit._penalty import ElasticNetPenalty
from sparsefit._scaling import column_scale
from sparsefit._validation import (
    check_finite_values,
    feature_names_of,
    validate_bounds,
    validate_feature_vector,
    validate_sample_weight,
    validate_X,
    validate_y,
)
from sparsefit.solvers import CoordinateDescent, ProxNewton, RidgeSolver
from sparsefit.solvers._check import PenaltyArrays
from sparsefit.solvers._path_kernels import CD_PREDICT_MIN_EPOCHS, CENTER_AFTER_STEPS, predict_step
from sparsefit.solvers._prepared import prepare
from sparsefit.solvers._solution import DualState
from sparsefit.solvers._threads import single_threaded_blas
from sparsefit.solvers._ws_kernels import (N_SCALARS, S_ALPHA, S_ALPHA_H, S_ALPHA_REF, S_CARRIED, S_PLAIN_L1, S_REF,
                                           S_SPEED, S_WATCH)

__all__ = ["Path", "regularization_path", "default_alphas"]

_DEV_RATIO_MAX = 0.999
_DEV_CHANGE_MIN = 1e-5


@dataclass(frozen=True, eq=False)
class Path:
    """A regularization path: one model per alpha, decreasing from ``alpha_max``.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        Decreasing; ``alphas[0]`` is alpha_max when the grid was computed.
    coefs : scipy.sparse.csc_matrix of shape (n_features, n_alphas)
        Coefficients on the original feature scale, one column per alpha.
    intercepts : ndarray of shape (n_alphas,)
    n_nonzero : ndarray of shape (n_alphas,)
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gap at each alpha (absolute; NaN where the KKT rule was used).
    deviance_ratio : ndarray of shape (n_alphas,)
        Fraction of the null deviance explained (glmnet's ``dev.ratio``).
    n_iter : ndarray of shape (n_alphas,)
    fit_seconds : ndarray of shape (n_alphas,)
        Wall time of each alpha. Alphas solved inside a compiled path loop share
        the loop's measured wall time in proportion to their CPU cycle counts.
    strong_rule_violations : ndarray of shape (n_alphas,)
        Features outside the strong set that the full KKT check brought back.
    feature_names : ndarray of str or None
    loss : {"squared", "logistic"}
    l1_ratio : float
    alpha_max : float
    classes : ndarray or None
        For the logistic loss: ``classes[1]`` is the positive class.
    converged : ndarray of bool
    """

    alphas: np.ndarray
    coefs: sp.csc_matrix
    intercepts: np.ndarray
    n_nonzero: np.ndarray
    dual_gaps: np.ndarray
    deviance_ratio: np.ndarray
    n_iter: np.ndarray
    fit_seconds: np.ndarray
    strong_rule_violations: np.ndarray
    feature_names: np.ndarray | None
    loss: str
    l1_ratio: float
    alpha_max: float
    classes: np.ndarray | None
    converged: np.ndarray

    @property
    def n_alphas(self) -> int:
        """Number of alphas on the path."""
        return int(self.alphas.shape[0])

    def _bracket(self, alpha):
        """Neighbouring path indices and the weight of the left one, for linear interpolation in alpha."""
        alphas = self.alphas
        if alpha >= alphas[0]:
            return 0, 0, 1.0
        if alpha <= alphas[-1]:
            last = len(alphas) - 1
            return last, last, 1.0
        right = int(np.searchsorted(-alphas, -alpha))  # first index with alphas <= alpha
        left = right - 1
        weight = (alpha - alphas[right]) / (alphas[left] - alphas[right])
        return left, right, weight

    def coef_at(self, alpha) -> np.ndarray:
        """Coefficients at any ``alpha``, linearly interpolated between path points (glmnet's ``s=``).

        Outside the path's range the nearest end is returned.
        """
        left, right, weight = self._bracket(float(alpha))
        a = self.coefs[:, left].toarray().ravel()
        b = self.coefs[:, right].toarray().ravel()
        return weight * a + (1.0 - weight) * b

    def intercept_at(self, alpha) -> float:
        """Intercept at any ``alpha`` (interpolated like :meth:`coef_at`)."""
        left, right, weight = self._bracket(float(alpha))
        return float(weight * self.intercepts[left] + (1.0 - weight) * self.intercepts[right])

    def decision_function(self, X, alpha=None) -> np.ndarray:
        """Linear predictor ``X @ coef + intercept`` at ``alpha``, or at every path alpha (n_samples, n_alphas)."""
        X, _ = validate_X(X, layout="any")
        if alpha is None:
            return np.asarray(X @ self.coefs) + self.intercepts
        return np.asarray(X @ self.coef_at(alpha)).ravel() + self.intercept_at(alpha)

    def predict(self, X, alpha=None) -> np.ndarray:
        """Predictions at ``alpha`` (or every alpha): values for squared loss, P(classes[1]) for logistic."""
        scores = self.decision_function(X, alpha)
        return sigmoid(scores) if self.loss == "logistic" else scores


def default_alphas(alpha_max, n_samples, n_features, n_alphas=100, alpha_min_ratio=None) -> np.ndarray:
    """Geometric grid from ``alpha_max`` down to ``alpha_min_ratio * alpha_max``.

    The default ratio is glmnet's: 1e-4 when ``n_samples > n_features``, else 1e-2.
    """
    if alpha_min_ratio is None:
        alpha_min_ratio = 1e-4 if n_samples > n_features else 1e-2
    if not 0 < alpha_min_ratio < 1:
        raise ValueError(f"alpha_min_ratio must be between 0 and 1 (exclusive); got {alpha_min_ratio!r}.")
    if n_alphas < 1:
        raise ValueError(f"n_alphas must be at least 1; got {n_alphas!r}.")
    return alpha_max * np.geomspace(1.0, alpha_min_ratio, n_alphas)


def encode_binary_labels(y, n_samples):
    """Labels of any type to ±1 floats; ``classes[1]`` is the positive class."""
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n_samples:
        raise ValueError(f"y must be 1-D with one label per row of X ({n_samples}); got shape {y.shape}.")
    two_numbers = _two_numeric_classes(y)
    if two_numbers is not None:
        return two_numbers
    from sklearn.utils.multiclass import check_classification_targets

    check_classification_targets(y)
    classes, encoded = np.unique(y, return_inverse=True)
    if classes.shape[0] != 2:
        raise ValueError(
            f"The logistic path needs exactly two classes; y has {classes.shape[0]} ({list(classes[:5])}). "
            "Fit one path per class (one-vs-rest) for more."
        )
    return classes, np.where(encoded == 1, 1.0, -1.0)


def _two_numeric_classes(y):
    """``(classes, labels)`` as :func:`encode_binary_labels` gives them when ``y`` holds exactly two numbers,
    integers or integral floats (scikit-learn's "binary" target); else None, and the general check decides.

    Two reductions and two comparisons instead of scikit-learn's target-type analysis and a sort: 0.6 ms of
    a 5,000-sample logistic path's setup was those.
    """
    if y.dtype.kind not in "biuf" or y.shape[0] == 0:
        return None
    low, high = y.min(), y.max()
    if y.dtype.kind == "f" and not (np.isfinite(low) and np.isfinite(high)
                                    and low == np.floor(low) and high == np.floor(high)):
        return None  # NaN, inf or a non-integral label: the general check explains it
    positive = y == high
    if low == high or np.count_nonzero(positive) + np.count_nonzero(y == low) != y.shape[0]:
        return None
    return np.array([low, high], dtype=y.dtype), np.where(positive, 1.0, -1.0)


class _Problem:
    """A validated, possibly standardized problem shared by the path and cross-validation."""

    def __init__(self, X, y, loss, l1_ratio, sample_weight, fit_intercept, standardize, penalty_factor,
                 lower_bounds=None, upper_bounds=None):
        if loss not in ("squared", "logistic"):
            raise ValueError(f"loss must be 'squared' or 'logistic'; got {loss!r}.")
        if not 0.0 <= l1_ratio <= 1.0:
            raise ValueError(f"l1_ratio must be between 0 and 1; got {l1_ratio!r}.")
        self.feature_names = feature_names_of(X)
        # unstandardized, X's NaN/inf test is made from the column statistics' pass below (not a pass of its own)
        X, names = validate_X(X, layout="csc", check_finite=standardize)
        if self.feature_names is None and names is not None:
            self.feature_names = names
        n, p = X.shape
        self.loss = loss
        self.classes = None
        if loss == "logistic":
            self.classes, y = encode_binary_labels(y, n)
            self.datafit = Logistic()
        else:
            y = validate_y(y, n)
            self.datafit = Quadratic()
        self.sample_weight = validate_sample_weight(sample_weight, n)
        sw = self.sample_weight / self.sample_weight.sum()
        self.scale = column_scale(X, sw, fit_intercept) if standardize else np.ones(p)
        if standardize:
            X = X @ sp.diags(1.0 / self.scale, format="csc") if sp.issparse(X) else np.asfortranarray(X / self.scale)
        self.X, self.y = X, y
        self.l1_ratio = float(l1_ratio)
        self.fit_intercept = fit_intercept
        # (the defaults, no factors and no box, need none of the checks: a cold path's setup paid ~0.1 ms for them)
        self.penalty_factor = validate_feature_vector(penalty_factor, p, "penalty_factor", default=1.0)
        if penalty_factor is None:
            self._unit_factors = True
        else:
            if (self.penalty_factor < 0).any() or not np.isfinite(self.penalty_factor).all():
                raise ValueError("penalty_factor must be finite and >= 0 for every feature.")
            self._unit_factors = bool((self.penalty_factor == 1.0).all())
        lower = validate_feature_vector(lower_bounds, p, "lower_bounds", default=-np.inf)
        upper = validate_feature_vector(upper_bounds, p, "upper_bounds", default=np.inf)
        if lower_bounds is None and upper_bounds is None:
            self.lower, self.upper = lower, upper  # (infinite either way: the scale does not move them)
            self._boxed = False
        else:
            validate_bounds(lower, upper)
            self.lower, self.upper = lower * self.scale, upper * self.scale
            self._boxed = not (np.isneginf(lower).all() and np.isposinf(upper).all())
        # the null model is the intercept alone unless a feature is unpenalized: its dual point's correlations
        # (alpha_max, the first certificate and dual state) come from the statistics' pass over X
        null_theta = None
        self._null_model = None  # (b0, its loss, its dual point): see _intercept_only_model
        if self._unit_factors or not (self.penalty_factor == 0).any():
            b0 = self.datafit.null_intercept(y, sw) if fit_intercept else 0.0
            self._null_model = (b0, *self.datafit.intercept_only(y, sw, b0))
            null_theta = self._null_model[2]
        self.prepared = prepare(X, self.sample_weight, fit_intercept, correlate=null_theta)
        if not self.prepared.finite:
            check_finite_values(X.data if sp.issparse(X) else X, "X")
        self.solver = (ProxNewton if loss == "logistic" else CoordinateDescent)
        self.forget_null_model(keep_intercept_only=True)

    def forget_null_model(self, keep_intercept_only=False):
        """Drop the cached null model, alpha_max and null certificate (a cross-validation fold's data replace
        the full data's); ``keep_intercept_only`` keeps the intercept-only model the setup computed."""
        if not keep_intercept_only:
            self._null_model = None
        self._null = None
        self._null_support = None
        self._alpha_max = None
        self._null_correlation_max = None
        self._null_correlations = None
        self._null_certificate = None

    def penalty(self, alpha) -> ElasticNetPenalty:
        return ElasticNetPenalty(alpha, self.l1_ratio, self.penalty_factor, self.lower, self.upper)

    def _intercept_only_model(self):
        """``(b0, loss, theta)`` of the intercept-only model, computed once (the setup computes it when it
        needs its dual point's correlations)."""
        if self._null_model is None:
            sw = self.prepared.sw
            b0 = self.datafit.null_intercept(self.y, sw) if self.fit_intercept else 0.0
            self._null_model = (b0, *self.datafit.intercept_only(self.y, sw, b0))
        return self._null_model

    def null_model(self):
        """Intercept-only predictor and its datafit value (the null deviance / 2)."""
        return self._intercept_only_model()[:2]

    def null_solution(self):
        """The model with every penalized coefficient at zero: ``(coef, intercept)``.

        The unpenalized features (penalty factor 0) and the intercept are fit
        exactly; every alpha >= alpha_max has this solution.
        """
        if self._null is None:
            p = self.X.shape[1]
            unpenalized = () if self._unit_factors else np.flatnonzero((self.penalty_factor == 0)
                                                                          & ~self.prepared.constant)
            if len(unpenalized):
                # a penalty so large that only the unpenalized block can move
                huge = ElasticNetPenalty(1e300, 1.0, self.penalty_factor, self.lower, self.upper)
                sol = self.solver(tol=1e-12).solve(self.X, self.y, self.datafit, huge,
                                                   sample_weight=self.sample_weight,
                                                   fit_intercept=self.fit_intercept, prepared=self.prepared)
                self._null = (sol.coef, sol.intercept)
                self._null_support = np.flatnonzero(sol.coef)
            else:
                self._null = (np.zeros(p), self.null_model()[0])
                self._null_support = np.empty(0, dtype=np.int64)
        return self._null

    def null_support(self):
        """The indices of :meth:`null_solution`'s non-zero coefficients (not to be modified): empty unless
        unpenalized features were fitted."""
        self.null_solution()
        return self._null_support

    def alpha_max(self) -> float:
        """Smallest alpha with every penalized coefficient at zero (unpenalized ones fitted first)."""
        if self._alpha_max is None:
            coef, intercept = self.null_solution()
            fitted = self._null_support.size > 0  # unpenalized features fitted
            if fitted:
                predictor = self.prepared.design.matvec(coef) + intercept
            else:
                predictor = np.full(self.y.shape[0], float(intercept))
            if self.prepared.correlations is not None and not fitted:
                correlations = self.prepared.correlations  # the same point's, from prepare's pass
            else:
                correlations = self.prepared.design.xt_dot(-self.datafit.raw_grad(self.y, predictor,
                                                                                  self.prepared.sw))
            # X.T theta at the null model, for its certificate and the path's first dual state (a constant
            # column's is sum(theta) times its value: 0 but for rounding)
            correlations[self.prepared.constant_features] = 0.0
            self._null_correlations = correlations
            if self._unit_factors and not self._boxed:
                # every feature penalized alike, no box: the largest correlation (penalty.alpha_max's answer)
                self._null_correlation_max = float(np.max(np.abs(correlations), initial=0.0))
                self._alpha_max = self._null_correlation_max / max(self.l1_ratio, 1e-3)
            else:
                grad = -correlations
                grad[self.penalty_factor == 0] = 0.0
                self._alpha_max = self.penalty(1.0).alpha_max(grad)
        return self._alpha_max

    def null_correlations(self):
        """``X.T theta`` at :meth:`null_solution` (0 on constant columns; not to be modified)."""
        self.alpha_max()
        return self._null_correlations

    def null_dual_state(self):
        """Coordinate descent's dual state at the null model (every alpha >= alpha_max), or None.

        The null model's dual point ``theta0 = sw (y - b0)`` with the exact
        correlations alpha_max's pass over X gave: a path's first solve below
        alpha_max starts from it as from any previous alpha's state (the
        sequential strong rule, the correlation bounds) instead of checking
        every feature. None for the logistic loss (proximal Newton carries its
        own state) and when the null model fits unpenalized features (the
        bounds do not apply). A new state each call: a solve consumes it.
        """
        if self.loss != "squared":
            return None
        coef, intercept = self.null_solution()
        if self._null_support.size:
            return None
        alpha_max = self.alpha_max()
        theta = self.prepared.sw * (self.y - intercept)
        corr_base = np.abs(self._null_correlations)  # (0 on constant columns)
        corr_base_max = corr_base.copy()  # drift 0 in both norms
        scalars = np.zeros(N_SCALARS)
        scalars[S_ALPHA] = alpha_max  # the strong rule's previous alpha
        # every correlation is exact here: the watch list's first reference point (no direction yet)
        reference_point = np.zeros((2, theta.shape[0]))
        reference_point[0] = theta
        reference_correlations = np.zeros((2, corr_base.shape[0]))
        reference_correlations[0] = self._null_correlations
        scalars[S_REF] = 1.0
        scalars[S_ALPHA_REF] = alpha_max
        # the dual point's speed per unit of log(alpha) just below alpha_max, where the feature of the largest
        # correlation moves alone (w_j = (alpha_max - alpha) / lips_j, theta moving by sqrt(lips_j) |dw_j|): the
        # first list's window, instead of none (the first solve's check then left it, one pass over X more: the
        # quick text Lasso path's first solve took 0.2 ms, now 0.05)
        top = int(np.argmax(corr_base))
        if self.prepared.sqrt_lips[top] > 0.0:
            scalars[S_SPEED] = alpha_max / self.prepared.sqrt_lips[top]
        if not self._boxed and (self._unit_factors or bool(((self.penalty_factor > 0)
                                                            | self.prepared.constant).all())):
            # every feature is zero and the problem has the structure the watch lists need (no box, no
            # unpenalized feature): an empty list whose window is closed, so the first solve builds the list at
            # once (the flags' pass alone: the point has not moved) instead of checking every feature first
            scalars[S_WATCH] = 1.0
            scalars[S_ALPHA_H] = np.inf
            scalars[S_PLAIN_L1] = 1.0 if self.l1_ratio == 1.0 else 0.0
        return DualState(theta, corr_base, corr_base_max, reference_point, reference_correlations,
                         np.empty(theta.shape[0]), scalars, np.empty(0, dtype=np.int64), self.prepared.sqrt_lips,
                         self.prepared.col_l1)

    def null_certificate(self, penalty):
        """The certificate of :meth:`null_solution` under ``penalty`` (alpha >= alpha_max).

        Computed once: for every alpha >= alpha_max the null solution's penalty
        is 0, its correlations are within every feature's ``l1``, the dual
        point needs no scaling and the penalty conjugates vanish, so primal,
        dual, gap and KKT violation do not depend on alpha.
        """
        if self._null_certificate is None:
            from sparsefit._optimality import Certificate, certificate, dual_value

            coef, intercept = self.null_solution()
            if self._null_support.size:
                # unpenalized features fitted: the general certificate (projection onto X_u.T theta = 0)
                self._null_certificate = certificate(self.X, self.y, coef, intercept, self.datafit, penalty,
                                                     self.prepared.sw, self.fit_intercept)
                return self._null_certificate
            # coef == 0: alpha_max's pass over X already gave X.T theta; the projection onto sum(theta) = 0
            # moves it by shift * X.T sw, which the prepared column means hold
            self.alpha_max()
            sw = self.prepared.sw
            b0, primal, theta = self._intercept_only_model()
            if intercept != b0:  # (an unpenalized block's solve that left every coefficient at zero)
                primal, theta = self.datafit.intercept_only(self.y, sw, intercept)
            correlations = self._null_correlations
            # at w = 0 a feature with |X_j.T theta| <= l1_j has no KKT violation, does not limit the dual scaling
            # and has a zero conjugate term: the certificate needs only the others (none at alpha >= alpha_max
            # but for rounding), not p-sized temporaries
            # (every feature's l1 is the same number with unit penalty factors: no p-vector of it)
            l1 = penalty.alpha * penalty.l1_ratio if self._unit_factors else penalty.l1_vector(correlations.shape[0])
            # (alpha_max's largest correlation, where it has one, says whether any is above a scalar l1)
            bounded = np.isscalar(l1) and self._null_correlation_max is not None and self._null_correlation_max <= l1
            kkt_features = _NO_FEATURES if bounded else np.flatnonzero(np.abs(correlations) > l1)
            kkt = 0.0
            if kkt_features.size:  # (none but for rounding at alpha >= alpha_max: skip the subset penalty)
                kkt = float(np.max(penalty.subset(kkt_features).subdiff_distance(coef[kkt_features],
                                                                                  -correlations[kkt_features])))
            if self.fit_intercept:
                total = float(theta.sum())
                kkt = max(kkt, abs(total))
                shift = total / float(sw.sum())
                if shift != 0.0:
                    theta = theta - shift * sw
                    correlations = correlations - shift * sw.sum() * self.prepared.xbar
            dual_features = np.flatnonzero(np.abs(correlations) > l1)
            if dual_features.size:
                dual, _ = dual_value(self.datafit, penalty.subset(dual_features), self.y, sw, theta,
                                     correlations[dual_features])
            else:  # no scaling, no conjugate term: the datafit's conjugate alone
                dual = -self.datafit.conjugate(self.y, theta, sw)
            self._null_certificate = Certificate(primal=primal, dual=dual, gap=primal - dual, kkt_violation=kkt)
        return self._null_certificate


# the strong rule's L1 ratio floor: a near-ridge penalty still gets a strong set
_STRONG_L1_RATIO = 1e-3


def _strong_set(Xt_theta_prev, alpha, alpha_prev, l1_ratio, penalty_factor):
    """Sequential strong rule: keep j with |X_j.T theta(prev)| >= (2 alpha - alpha_prev) * l1_ratio * pf_j."""
    bound = (2.0 * alpha - alpha_prev) * max(l1_ratio, _STRONG_L1_RATIO) * penalty_factor
    return np.flatnonzero(np.abs(Xt_theta_prev) >= bound)


@single_threaded_blas
def run_path(problem: _Problem, alphas, *, tol=1e-6, max_iter=None, early_stop=True, progress=False,
             description="path", compiled=True):
    """Solve ``problem`` at each alpha with warm starts; the engine of :func:`regularization_path`.

    With ``compiled`` (and no progress bar), coordinate descent solves the
    alphas below alpha_max in one compiled loop
    (:meth:`sparsefit.solvers.CoordinateDescent.solve_path`); ``False`` runs
    the same solves one Python call per alpha.
    """
    n, p = problem.X.shape
    sw = problem.prepared.sw
    design = problem.prepared.design
    _, null_value = problem.null_model()
    solver = problem.solver(tol=tol) if max_iter is None else problem.solver(tol=tol, max_iter=max_iter)
    # the ridge solver's applicability does not depend on alpha (> 0): decide once
    # (pure positive L2 needs l1_ratio 0: the other penalties skip the p-vector test)
    use_ridge = (problem.loss == "squared" and problem.l1_ratio == 0.0
                 and RidgeSolver.applicable(problem.penalty(1.0), p))
    alpha_max = problem.alpha_max()
    w = None
    b = None
    Xt_theta_prev = None
    use_cd = problem.loss == "squared" and not use_ridge
    # coordinate descent starts from the null model's dual state (exact correlations, from alpha_max's pass; a
    # null point of the grid hands on a new one)
    dual_state = problem.null_dual_state() if (use_cd and len(alphas) and alphas[0] < alpha_max) else None
    predictor_state = None
    # the coefficients are kept as chunks of (indices, values) with each alpha's count, assembled into one CSC
    # matrix at the end (a compiled loop's buffers are one chunk: no slice per alpha)
    supports, values, counts = [], [], []
    intercepts, gaps, dev_ratio, iters, seconds, violations, converged = [], [], [], [], [], [], []
    in_strong = np.zeros(p, dtype=bool)
    predictor = np.empty(n)
    # the predicted solution (predict_step, kept as the compiled loops keep it): the solution two alphas back on
    # its support, and the last solution's support; the two p-vectors are allocated by the first solve this loop
    # runs (a path the compiled loops take whole needs neither: 0.04x X of the sparse memory benchmark's peak)
    grid = np.asarray(alphas, dtype=np.float64)
    predicts = problem.loss == "logistic" or use_cd
    predicted = before = None
    before_support = last_support = np.empty(0, dtype=np.int64)
    center_on_prediction = False  # proximal Newton's, set as pn_path sets it (CENTER_AFTER_STEPS)
    # the penalty vectors are alpha times fixed vectors: no temporaries per alpha
    unit = PenaltyArrays.of(problem.penalty(1.0), p)
    arrays = PenaltyArrays(np.empty(p), np.empty(p), unit.lower, unit.upper)
    bar = _progress_bar(progress, len(alphas), description)
    # below alpha_max, coordinate descent and proximal Newton run the rest of the grid in one compiled loop (the
    # same solves, no Python between them); a progress bar needs control back after each alpha, and the strong
    # rule the loops apply needs an L1 part
    compiled = compiled and not use_ridge and bar is None and problem.l1_ratio >= _STRONG_L1_RATIO
    resume_at = 0
    finished = None  # a compiled loop that ran to the end of the grid
    try:
        for k, alpha in enumerate(alphas):
            if k < resume_at:
                continue
            if compiled and alpha < alpha_max:
                compiled = False
                first_strong = None
                if not use_cd and Xt_theta_prev is not None:
                    first_strong = _strong_set(Xt_theta_prev, alpha, alphas[k - 1], problem.l1_ratio,
                                               problem.penalty_factor)
                extra = {"dual_state": dual_state} if use_cd else {"init_intercept": b, "ws_init": first_strong}
                tail = solver.solve_path(
                    problem.X, problem.y, problem.datafit, alphas[k:], unit, prepared=problem.prepared,
                    null_value=null_value, fit_intercept=problem.fit_intercept, init=w, scale=problem.scale,
                    early_stop=early_stop, previous_dev=dev_ratio[-1] if dev_ratio else np.nan,
                    dev_ratio_max=_DEV_RATIO_MAX, dev_change_min=_DEV_CHANGE_MIN, **extra)
                if tail is not None:
                    ptr = tail.support_ptr
                    if first_strong is not None:
                        # the first alpha's misses, counted as the per-alpha loop counts them
                        in_strong[first_strong] = True
                        tail.first_ws_misses[0] = np.count_nonzero(~in_strong[tail.support_indices[ptr[0]:ptr[1]]])
                        in_strong[first_strong] = False
                    if tail.complete:
                        finished = tail  # its arrays join the records once, below
                        break
                    supports.append(tail.support_indices[:ptr[-1]])
                    values.append(tail.support_values[:ptr[-1]])
                    counts.extend(np.diff(ptr).tolist())
                    for out, part in ((intercepts, tail.intercepts), (gaps, tail.dual_gaps), (iters, tail.n_iter),
                                      (converged, tail.converged), (dev_ratio, tail.deviance_ratio),
                                      (seconds, tail.seconds), (violations, tail.first_ws_misses)):
                        out.extend(part.tolist())
                    # an alpha that did not converge: the per-alpha loop takes over after it
                    resume_at = k + tail.n_solved
                    w, b = tail.coef, intercepts[-1]
                    predicted = before = None  # the next solve starts the bookkeeping afresh, as the loops do
                    center_on_prediction = not use_cd and bool(np.any(tail.n_iter >= CENTER_AFTER_STEPS))
                    before_support, last_support = np.empty(0, dtype=np.int64), tail.support_indices[ptr[-2]:ptr[-1]]
                    Xt_theta_prev = tail.correlations
                    if Xt_theta_prev is None:
                        design.xw_ws(w, tail.support_indices[ptr[-2]:ptr[-1]], predictor)
                        predictor += b
                        Xt_theta_prev = design.xt_dot(-problem.datafit.raw_grad(problem.y, predictor, sw))
                    continue
                # the intercept-only model is exact (coordinate descent): the per-alpha loop handles it
            start = time.perf_counter()
            strong = None
            if alpha < alpha_max:  # (the null point needs no penalty vectors)
                np.multiply(unit.l1, alpha, out=arrays.l1)
                np.multiply(unit.l2, alpha, out=arrays.l2)
            # (each alpha keeps only its non-zeros: the solve may overwrite the previous solution)
            if problem.loss == "logistic":
                extra = {"init_intercept": b, "penalty_arrays": arrays, "overwrite_init": True,
                         "predictor_state": predictor_state}
            elif use_cd:
                extra = {"dual_state": dual_state, "penalty_arrays": arrays, "overwrite_init": True}
            else:
                extra = {}
            if dual_state is not None and problem.l1_ratio > 0 and use_cd:
                # coordinate descent applies the strong rule itself, on its correlation bounds
                extra["strong_factor"] = max(2.0 - dual_state.scalars[S_ALPHA] / alpha, 0.0)
            elif predictor_state is not None and predictor_state.valid and problem.l1_ratio >= _STRONG_L1_RATIO:
                # so does proximal Newton, on the correlations its state carries (l1_j = alpha l1_ratio pf_j)
                extra["strong_factor"] = max(2.0 - alphas[k - 1] / alpha, 0.0)
            elif Xt_theta_prev is not None:
                strong = _strong_set(Xt_theta_prev, alpha, alphas[k - 1], problem.l1_ratio, problem.penalty_factor)
            if predicts and alpha < alpha_max:
                if predicted is None:
                    predicted, before = np.zeros(p), np.zeros(p)
                after_solves = k >= 2 and grid[k - 2] < alpha_max
                if problem.loss == "logistic":
                    predict = after_solves and predictor_state is not None and predictor_state.valid
                else:
                    predict = after_solves and dual_state is not None and iters[-1] > CD_PREDICT_MIN_EPOCHS
                predict_step(grid, k, predict, w if w is not None else predicted, last_support, before,
                             before_support, predicted)
                before_support = last_support
                if problem.loss == "logistic":
                    extra["predicted_step"] = predicted
                    extra["center_on_prediction"] = center_on_prediction
                elif predict:
                    # coordinate descent starts from the prediction itself (so its residual is not carried)
                    dual_state.scalars[S_CARRIED] = 0.0
                    w[before_support] += predicted[before_support]
                    predicted[before_support] = 0.0
            penalty = problem.penalty(alpha)
            if alpha >= alpha_max:
                sol = _null_path_point(problem, penalty)
            else:
                active = RidgeSolver(tol=tol) if use_ridge else solver
                sol = active.solve(problem.X, problem.y, problem.datafit, penalty,
                                   sample_weight=problem.sample_weight, fit_intercept=problem.fit_intercept,
                                   init=w, ws_init=strong, prepared=problem.prepared, **extra)
            if predicted is not None and alpha < alpha_max:
                predicted[before_support] = 0.0
            w, b = sol.coef, sol.intercept
            dual_state = getattr(sol, "dual_state", None)
            if alpha >= alpha_max and use_cd:
                dual_state = problem.null_dual_state()
            predictor_state = getattr(sol, "predictor_state", None)
            center_on_prediction = center_on_prediction or (problem.loss == "logistic"
                                                            and sol.n_iter >= CENTER_AFTER_STEPS)
            support = sol.support if sol.support is not None else np.flatnonzero(w)
            last_support = support
            if sol.Xt_theta is not None or use_cd:
                Xt_theta_prev = sol.Xt_theta
            checked = dual_state is not None or sol.Xt_theta is not None  # the solve ran an optimality check
            if sol.converged and checked and not use_ridge and alpha < alpha_max:
                # the solver's objective was measured at this point (its last check): the loss is what is left
                wk = w[support]
                value = sol.objective - alpha * float(np.dot(unit.l1[support], np.abs(wk))
                                                      + 0.5 * np.dot(unit.l2[support], wk * wk))
            elif alpha >= alpha_max:
                # the null solution: its loss is its certificate's primal (no penalty), its correlations alpha_max's
                value = sol.objective
                if sol.Xt_theta is None and problem.loss == "logistic":
                    Xt_theta_prev = problem.null_correlations()
            else:
                design.xw_ws(w, support, predictor)
                predictor += b
                value = problem.datafit.value(problem.y, predictor, sw)
                if sol.Xt_theta is None and problem.loss == "logistic":
                    # the next alpha's strong set (coordinate descent keeps its own bounds; ridge needs none)
                    Xt_theta_prev = design.xt_dot(-problem.datafit.raw_grad(problem.y, predictor, sw))
            if sol.first_ws_misses is not None and strong is None:
                violations.append(sol.first_ws_misses)
            elif strong is not None:
                in_strong[strong] = True
                violations.append(int(np.count_nonzero(~in_strong[support])))
                in_strong[strong] = False
            else:
                violations.append(0)
            supports.append(support)
            values.append(w[support] / problem.scale[support])
            counts.append(support.size)
            intercepts.append(b)
            gaps.append(sol.dual_gap)
            iters.append(sol.n_iter)
            converged.append(sol.converged)
            dev_ratio.append(1.0 - value / null_value if null_value > 0 else 0.0)
            seconds.append(time.perf_counter() - start)
            if bar is not None:
                bar.advance(n_nonzero=int(support.size), alpha=alpha)
            if early_stop and k > 0:
                change = dev_ratio[-1] - dev_ratio[-2]
                if dev_ratio[-1] >= _DEV_RATIO_MAX or abs(change) < _DEV_CHANGE_MIN * max(abs(dev_ratio[-1]), 1e-12):
                    break
    finally:
        if bar is not None:
            bar.close()
    return _assemble(p, supports, values, counts, intercepts, gaps, dev_ratio, iters, seconds, violations, converged,
                     finished)


_INT32_MAX = 2**31 - 1
_NO_FEATURES = np.empty(0, dtype=np.int64)


def _assemble(p, supports, values, counts, intercepts, gaps, dev_ratio, iters, seconds, violations, converged,
              finished):
    """The path's records as arrays and its coefficients as one CSC matrix: the per-alpha loop's lists, then the
    arrays of ``finished`` (a compiled loop that ran to the grid's end) as they are, not one Python number each."""
    n_head = len(counts)
    records = [intercepts, gaps, dev_ratio, iters, seconds, violations, converged]
    if finished is not None:
        ptr = finished.support_ptr
        supports.append(finished.support_indices[:ptr[-1]])
        values.append(finished.support_values[:ptr[-1]])
        parts = (finished.intercepts, finished.dual_gaps, finished.deviance_ratio, finished.n_iter, finished.seconds,
                 finished.first_ws_misses, finished.converged)
        records = [np.concatenate([np.asarray(head, dtype=part.dtype), part]) if head else part
                   for head, part in zip(records, parts)]
        n_columns = n_head + ptr.shape[0] - 1
    else:
        records = [np.asarray(head) for head in records]
        n_columns = n_head
    head_nnz = sum(counts)
    total_nnz = head_nnz + (int(finished.support_ptr[-1]) if finished is not None else 0)
    # int32 indices when they fit (scipy's own choice, made here: given int64 it scans them to decide)
    index_dtype = np.int32 if max(p, total_nnz) < _INT32_MAX else np.int64
    indptr = np.zeros(n_columns + 1, dtype=index_dtype)
    if n_head:
        # (a Python running sum: the head is one alpha, alpha_max, unless a compiled loop handed control back;
        # np.cumsum would first convert the list to an array)
        total = 0
        for k, count in enumerate(counts):
            total += count
            indptr[k + 1] = total
    if finished is not None:
        indptr[n_head + 1:] = finished.support_ptr[1:] + head_nnz
    indices = np.concatenate(supports).astype(index_dtype) if supports else np.empty(0, dtype=index_dtype)
    data = np.concatenate(values) if values else np.empty(0)
    coefs = sp.csc_matrix((data, indices, indptr), shape=(p, n_columns))
    return (coefs, *records)


def _null_path_point(problem, penalty):
    """The exact solution at an alpha >= alpha_max, with its certificate."""
    from sparsefit.solvers import Solution

    coef, intercept = problem.null_solution()
    cert = problem.null_certificate(penalty)
    support = problem.null_support()
    return Solution(coef.copy(), intercept, cert.gap, cert.kkt_violation, 0, True, cert.primal, support=support)


class _progress_bar:
    """A rich progress bar over alphas (only when asked for)."""

    def __new__(cls, enabled, total, description):
        if not enabled:
            return None
        return super().__new__(cls)

    def __init__(self, enabled, total, description):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[status]}"), TimeElapsedColumn(), transient=True)
        self._progress.start()
        self._task = self._progress.add_task(description, total=total, status="")

    def advance(self, n_nonzero, alpha):
        self._progress.update(self._task, advance=1, status=f"alpha={alpha:.3g} non-zeros={n_nonzero}")

    def close(self):
        self._progress.stop()


@single_threaded_blas
def regularization_path(X, y, loss="squared", l1_ratio=1.0, n_alphas=100, alpha_min_ratio=None, alphas=None,
                        sample_weight=None, fit_intercept=True, standardize=False, tol=1e-6, progress=False,
                        penalty_factor=None, early_stop=True, max_iter=None) -> Path:
    """Compute a whole regularization path with warm starts.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Targets (squared loss) or two-class labels of any type (logistic loss).
    loss : {"squared", "logistic"}, default="squared"
    l1_ratio : float, default=1.0
        Elastic-Net mix (1: Lasso path, 0: Ridge path, whose alpha_max uses
        glmnet's convention of l1_ratio=1e-3).
    n_alphas : int, default=100
    alpha_min_ratio : float, default=None
        Smallest alpha as a fraction of alpha_max: 1e-4 if n_samples > n_features
        else 1e-2 (glmnet's rule).
    alphas : array-like, default=None
        Explicit grid (sorted decreasing); overrides ``n_alphas`` and ``alpha_min_ratio``.
    sample_weight : array-like of shape (n_samples,), default=None
    fit_intercept : bool, default=True
    standardize : bool, default=False
    tol : float, default=1e-6
        Duality-gap tolerance at every alpha (relative to the null objective).
    progress : bool, default=False
        Show a rich progress bar.
    penalty_factor : array-like of shape (n_features,), default=None
    early_stop : bool, default=True
        glmnet's rule: stop once the deviance ratio exceeds 0.999 or changes by
        less than 1e-5 (relative) between alphas.
    max_iter : int, default=None
        Solver iteration cap per alpha (the solver's default when None).

    Returns
    -------
    Path

    Examples
    --------
    >>> import numpy as np, sparsefit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 50)); y = X[:, :3] @ [3.0, -2.0, 1.0] + rng.standard_normal(100)
    >>> path = sparsefit.regularization_path(X, y, n_alphas=20)
    >>> int(path.n_nonzero[0]), bool(path.n_nonzero[-1] >= 3)
    (0, True)
    """
    problem = _Problem(X, y, loss, l1_ratio, sample_weight, fit_intercept, standardize, penalty_factor)
    alpha_max = problem.alpha_max()
    if alphas is None:
        grid = default_alphas(alpha_max, *problem.X.shape, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio)
    else:
        grid = np.asarray(alphas, dtype=np.float64).ravel()
        if grid.size == 0 or (grid < 0).any() or not np.isfinite(grid).all():
            raise ValueError("alphas must be a non-empty list of finite numbers >= 0.")
        grid = np.sort(grid)[::-1]
    coefs, intercepts, gaps, dev, iters, seconds, violations, converged = run_path(
        problem, grid, tol=tol, max_iter=max_iter, early_stop=early_stop, progress=progress)
    grid = grid[: coefs.shape[1]]
    return Path(
        alphas=grid, coefs=coefs, intercepts=intercepts, n_nonzero=np.diff(coefs.indptr).astype(np.int64),
        dual_gaps=gaps, deviance_ratio=dev, n_iter=iters, fit_seconds=seconds, strong_rule_violations=violations,
        feature_names=problem.feature_names, loss=loss, l1_ratio=problem.l1_ratio, alpha_max=alpha_max,
        classes=problem.classes, converged=converged,
    )
