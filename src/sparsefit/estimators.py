"""scikit-learn estimators over sparsefit's solvers: Lasso, Ridge and ElasticNet.

All three minimize the same objective (scikit-learn's and glmnet's)::

    1 / (2 * sum(s)) * sum_i s_i (y_i - x_i.w - b)^2
        + alpha * sum_j pf_j * (l1_ratio * |w_j| + (1 - l1_ratio) / 2 * w_j^2)

with sample weights ``s`` (default 1), per-feature penalty factors ``pf``
(default 1) and an unpenalized intercept ``b``; optionally subject to
``lower_bounds <= w <= upper_bounds``. Lasso is ``l1_ratio=1``, Ridge
``l1_ratio=0``.

Mapping to other conventions:

- scikit-learn ``Lasso(alpha)`` / ``ElasticNet(alpha, l1_ratio)``: identical.
- scikit-learn ``Ridge(alpha_sk)`` minimizes ``||y - Xw||^2 + alpha_sk ||w||^2``:
  ``alpha_sk = alpha * n_samples`` (``alpha * sum(s)`` with weights).
- glmnet ``glmnet(x, y, alpha=l1_ratio, lambda=alpha)``: identical (glmnet
  rescales ``penalty.factor`` to sum to ``n_features``; sparsefit does not).
- The seeds' ``Loss + lambda * sum|b|`` with ``Loss = (1/n) sum r^2``: halve
  the whole objective, so ``alpha = lambda / 2`` at ``l1_ratio=1``; their ridge
  ``Loss + lambda * sum b^2`` is ``alpha = lambda`` at ``l1_ratio=0`` (our L2
  term carries a 1/2); their elastic net ``Loss + lambda * [(1-a) sum b^2 + a sum|b|]``
  is ``alpha = lambda * (2 - a) / 2`` and ``l1_ratio = a / (2 - a)``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from sparsefit._objective import Quadratic
from sparsefit._penalty import ElasticNetPenalty
from sparsefit._scaling import column_scale
from sparsefit._validation import (
    check_finite_values,
    feature_names_of,
    is_distributed,
    validate_bounds,
    validate_feature_vector,
    validate_sample_weight,
    validate_solver_params,
    validate_X,
    validate_y,
)
from sparsefit.solvers import CoordinateDescent, RidgeSolver
from sparsefit.solvers._prepared import prepare
from sparsefit.solvers._threads import single_threaded_blas

__all__ = ["Lasso", "Ridge", "ElasticNet"]

_MAX_UNPENALIZED = 5000


def checked_design(X, sample_weight, fit_intercept, correlate=None):
    """The solvers' column statistics of ``X`` (:func:`sparsefit.solvers._prepared.prepare`, with ``X.T @
    correlate`` when given), whose pass also tells whether ``X`` holds a NaN or an infinite value: the user's
    error is raised from there, so a fit of unstandardized data reads ``X`` once for both (a separate NaN/inf
    pass was 1-2 ms of a 10 ms Lasso fit on a 20,000 x 50,000 text matrix, the matrix then read again from
    memory)."""
    prepared = prepare(X, sample_weight, fit_intercept, correlate)
    if not prepared.finite:  # (or squares that overflow: the exact test decides)
        check_finite_values(X.data if sp.issparse(X) else X, "X")
    return prepared


class _LinearModelBase(BaseEstimator):
    """Shared fit/predict plumbing of the sparsefit linear estimators."""

    def save(self, path, **options):
        """Write the fitted model as a compact ``.sfm`` file (non-zero coefficients only).

        See :func:`sparsefit.modelio.save_model` for the format and ``options``.
        """
        from sparsefit.modelio import save_model

        return save_model(self, path, **options)

    def to_predictor(self, **options):
        """A fast, dependency-light :class:`sparsefit.predict.Predictor` for this fitted model."""
        from sparsefit.predict import Predictor

        return Predictor.from_estimator(self, **options)

    def _check_params(self):
        alpha = self.alpha
        if not isinstance(alpha, numbers.Real) or not np.isfinite(alpha) or alpha < 0:
            raise ValueError(f"alpha must be a finite number >= 0; got {alpha!r}.")
        l1_ratio = validate_solver_params(self._l1_ratio(), self.tol, self.max_iter)
        return float(alpha), l1_ratio

    def _validate_fit_data(self, X, y, sample_weight, check_finite=True):
        names = feature_names_of(X)
        X, _ = validate_X(X, layout="csc", check_finite=check_finite)
        y = validate_y(y, X.shape[0])
        sw = validate_sample_weight(sample_weight, X.shape[0])
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return X, y, sw

    def _build_penalty(self, alpha, l1_ratio, p, scale):
        # None where the user left glmnet's defaults (every factor 1, no bounds): the penalty then holds no
        # p-vectors to build, check and rescale (0.2-0.4 ms of a 9 ms Lasso fit with 50,000 features)
        pf = lower = upper = None
        if self.penalty_factor is not None:
            pf = validate_feature_vector(self.penalty_factor, p, "penalty_factor", default=1.0)
            if not np.all(np.isfinite(pf)) or (pf < 0).any():
                raise ValueError("penalty_factor must be finite and >= 0 for every feature.")
        if self.lower_bounds is not None or self.upper_bounds is not None or self.positive:
            lower = validate_feature_vector(self.lower_bounds, p, "lower_bounds", default=-np.inf)
            upper = validate_feature_vector(self.upper_bounds, p, "upper_bounds", default=np.inf)
            if self.positive:
                lower = np.maximum(lower, 0.0)
            validate_bounds(lower, upper)
            # coefficients on standardized columns are w * scale; so are their bounds
            lower, upper = lower * scale, upper * scale
        unpenalized = (p if alpha == 0 else 0) if pf is None else int(np.count_nonzero(pf * alpha == 0))
        if unpenalized > _MAX_UNPENALIZED:
            raise ValueError(
                f"{unpenalized} features are unpenalized (alpha == 0 or penalty_factor == 0). The solver certifies "
                f"its result on the unpenalized block, which is limited to {_MAX_UNPENALIZED} features; "
                "use a small positive alpha instead."
            )
        return ElasticNetPenalty(alpha, l1_ratio, pf, lower, upper)

    @single_threaded_blas
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Training data. Sparse input (CSR, CSC, COO) is converted once to CSC
            and never densified. Computation is in float64.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; None gives every sample weight 1.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if is_distributed(X):
            from sparsefit.dask import fit_distributed

            return fit_distributed(self, X, y, sample_weight)
        alpha, l1_ratio = self._check_params()
        # unstandardized, X's NaN/inf test comes from the solver's column statistics (checked_design)
        X, y, sw = self._validate_fit_data(X, y, sample_weight, check_finite=self.standardize)
        n, p = X.shape
        swn = sw / sw.sum()
        scale = column_scale(X, swn, self.fit_intercept) if self.standardize else np.ones(p)
        if self.standardize:
            X = X @ sp.diags(1.0 / scale, format="csc") if sp.issparse(X) else np.asfortranarray(X / scale)
        penalty = self._build_penalty(alpha, l1_ratio, p, scale)
        init = None
        if self.warm_start and getattr(self, "coef_", None) is not None and np.shape(self.coef_) == (p,):
            init = np.asarray(self.coef_) * scale
        solver = self._make_solver(penalty, p)
        # a cold coordinate-descent solve takes its first check's correlations, X.T (sw y), from the statistics'
        # pass (one pass over X fewer: 1.6 of 9 ms on a 20,000 x 50,000 text matrix)
        cold = init is None and isinstance(solver, CoordinateDescent)
        prepared = checked_design(X, sw, self.fit_intercept, correlate=swn * y if cold else None)
        options = {"target_correlations": prepared.correlations} if cold else {}
        solution = solver.solve(X, y, Quadratic(), penalty, sample_weight=sw, fit_intercept=self.fit_intercept,
                                init=init, prepared=prepared, **options)
        self.coef_ = solution.coef / scale
        self.intercept_ = float(solution.intercept) if self.fit_intercept else 0.0
        self.n_iter_ = solution.n_iter
        self.dual_gap_ = solution.dual_gap
        self.kkt_violation_ = solution.kkt_violation
        self.converged_ = solution.converged
        self.objective_ = solution.objective
        return self

    def _make_solver(self, penalty, n_features):
        if getattr(self, "solver", "auto") in ("auto", "direct") and RidgeSolver.applicable(penalty, n_features):
            return RidgeSolver(tol=self.tol, max_iter=self.max_iter)
        return CoordinateDescent(tol=self.tol, max_iter=self.max_iter)

    @property
    def sparse_coef_(self):
        """Coefficients as a (1, n_features) CSR matrix (only non-zeros stored)."""
        check_is_fitted(self)
        return sp.csr_matrix(np.asarray(self.coef_).reshape(1, -1))

    def _validate_predict_data(self, X):
        check_is_fitted(self)
        names = feature_names_of(X)
        fitted_names = getattr(self, "feature_names_in_", None)
        if fitted_names is not None and names is not None:
            if len(names) != len(fitted_names) or np.any(names != fitted_names):
                raise ValueError(
                    "The feature names should match those that were passed during fit. "
                    f"Expected {list(fitted_names)[:10]}..., got {list(names)[:10]}..."
                )
        elif fitted_names is not None and names is None:
            warnings.warn(
                f"X does not have valid feature names, but {type(self).__name__} was fitted with feature names",
                UserWarning,
                stacklevel=3,
            )
        elif fitted_names is None and names is not None:
            warnings.warn(
                f"X has feature names, but {type(self).__name__} was fitted without feature names",
                UserWarning,
                stacklevel=3,
            )
        X, _ = validate_X(X, layout="any")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        X = self._validate_predict_data(X)
        return np.asarray(X @ self.coef_).ravel() + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_COMMON_PARAMS_DOC = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept. Sparse X is centered implicitly, never densified.
    standardize : bool, default=False
        Scale columns to unit (weighted) variance before fitting and return
        coefficients on the original scale (glmnet's ``standardize=TRUE``).
        scikit-learn's convention, ``False``, is the default.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty (glmnet's ``penalty.factor``);
        0 leaves a feature unpenalized.
    positive : bool, default=False
        Constrain every coefficient to be >= 0.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Box constraints on the coefficients; ``lower <= 0 <= upper``.
    tol : float, default=1e-6
        Stop when the duality gap is at most ``tol * P(0)``, ``P(0)`` being the
        objective of the intercept-only model.
    max_iter : int, default=10_000
        Maximum coordinate-descent epochs (summed over working sets).
    warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    sparse_coef_ : scipy.sparse.csr_matrix of shape (1, n_features)
    n_iter_ : int
        Coordinate-descent epochs (or direct / LSQR iterations for Ridge).
    dual_gap_ : float
        Duality gap at the solution (absolute).
    kkt_violation_ : float
        Largest violation of the optimality conditions at the solution.
    converged_ : bool
    objective_ : float
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.
"""


class ElasticNet(RegressorMixin, _LinearModelBase):
    __doc__ = f"""Linear regression with combined L1 and L2 penalties.

    Minimizes ``1/(2 sum(s)) sum_i s_i (y_i - x_i.w - b)^2
    + alpha * sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)``,
    exactly scikit-learn's ``ElasticNet`` objective and glmnet's
    (``alpha`` is glmnet's lambda, ``l1_ratio`` glmnet's alpha).

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength (lambda).
    l1_ratio : float, default=0.5
        Mix of L1 (1.0) and L2 (0.0).
    {_COMMON_PARAMS_DOC}
    Examples
    --------
    >>> import numpy as np, sparsefit
    >>> X = np.random.default_rng(0).standard_normal((50, 20)); y = X[:, 0] * 3
    >>> model = sparsefit.ElasticNet(alpha=0.1, l1_ratio=0.7).fit(X, y)
    >>> int(np.count_nonzero(model.coef_)) < 20
    True
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, standardize=False, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-6, max_iter=10_000, warm_start=False):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.positive = positive
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    def _l1_ratio(self):
        return self.l1_ratio


class Lasso(RegressorMixin, _LinearModelBase):
    __doc__ = f"""Linear regression with an L1 penalty (the Lasso).

    Minimizes ``1/(2 sum(s)) sum_i s_i (y_i - x_i.w - b)^2 + alpha * sum_j pf_j |w_j|``,
    exactly scikit-learn's ``Lasso`` objective and glmnet's with ``alpha=1``.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength (lambda).
    {_COMMON_PARAMS_DOC}
    Examples
    --------
    >>> import numpy as np, sparsefit
    >>> X = np.random.default_rng(0).standard_normal((50, 20)); y = X[:, 0] * 3
    >>> model = sparsefit.Lasso(alpha=0.1).fit(X, y)
    >>> np.flatnonzero(model.coef_).tolist()
    [0]
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, standardize=False, penalty_factor=None, positive=False,
                 lower_bounds=None, upper_bounds=None, tol=1e-6, max_iter=10_000, warm_start=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.positive = positive
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    def _l1_ratio(self):
        return 1.0


class Ridge(RegressorMixin, _LinearModelBase):
    __doc__ = f"""Linear regression with an L2 penalty (ridge regression).

    Minimizes ``1/(2 sum(s)) sum_i s_i (y_i - x_i.w - b)^2 + alpha/2 * sum_j pf_j w_j^2``.
    scikit-learn's ``Ridge(alpha_sk)`` is the same model for
    ``alpha_sk = alpha * sum(s)`` (``alpha * n_samples`` without weights).

    Solved by Cholesky on the smaller side of the Gram matrix for dense X,
    by LSQR for sparse X (never densified), and by coordinate descent when
    bounds or unpenalized features are present; every result carries the same
    duality-gap certificate.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength (lambda).
    {_COMMON_PARAMS_DOC}
    solver : {{"auto", "direct", "cd"}}, default="auto"
        "auto"/"direct": direct or Krylov solver when applicable, else
        coordinate descent; "cd": always coordinate descent.

    Examples
    --------
    >>> import numpy as np, sparsefit
    >>> X = np.random.default_rng(0).standard_normal((50, 20)); y = X[:, 0] * 3
    >>> model = sparsefit.Ridge(alpha=0.1).fit(X, y)
    >>> int(np.count_nonzero(model.coef_))
    20
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, standardize=False, penalty_factor=None, positive=False,
                 lower_bounds=None, upper_bounds=None, tol=1e-6, max_iter=10_000, warm_start=False, solver="auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.positive = positive
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.solver = solver

    def _l1_ratio(self):
        return 0.0

    def _check_params(self):
        if self.solver not in ("auto", "direct", "cd"):
            raise ValueError(f"solver must be 'auto', 'direct' or 'cd'; got {self.solver!r}.")
        return super()._check_params()
