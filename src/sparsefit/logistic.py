"""LogisticRegression with L1, L2 and Elastic-Net penalties (scikit-learn compatible).

Two parameterizations of one model:

- with ``C`` (scikit-learn's form, the default)::

      C * sum_i s_i log(1 + exp(-y_i (x_i.w + b))) + l1_ratio ||w||_1 + (1 - l1_ratio) / 2 ||w||_2^2

  the same model scikit-learn's ``saga`` / ``lbfgs`` solvers give for the same
  ``C`` (``liblinear`` also penalizes the intercept, so it differs slightly);
- with ``alpha`` (the mean-loss form shared with the regression estimators,
  paths and cross-validation)::

      1 / sum(s) * sum_i s_i log(1 + exp(-y_i (x_i.w + b))) + alpha * (l1_ratio ||w||_1 + (1 - l1_ratio) / 2 ||w||_2^2)

  Both are the same problem for ``alpha = 1 / (C * sum(s))`` (``1 / (C n)``
  without weights); when ``alpha`` is given, ``C`` is ignored.

Multiclass problems are fit one-vs-rest: one binary model per class,
``coef_`` of shape (n_classes, n_features), probabilities from the per-class
sigmoids normalized to sum to one (scikit-learn's OvR convention).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from sparsefit._objective import Logistic, sigmoid
from sparsefit._scaling import column_scale
from sparsefit._validation import (
    feature_names_of,
    is_distributed,
    validate_sample_weight,
    validate_solver_params,
    validate_X,
)
from sparsefit.estimators import _LinearModelBase, checked_design
from sparsefit.solvers import ProxNewton
from sparsefit.solvers._threads import single_threaded_blas

__all__ = ["LogisticRegression"]

_L1_RATIO = {"l1": 1.0, "l2": 0.0}


class SeparableDataWarning(UserWarning):
    """The classes are perfectly separable and the fit has no penalty to keep coefficients finite."""


class LogisticRegression(ClassifierMixin, _LinearModelBase):
    """Logistic regression with L1, L2 or Elastic-Net penalty, fit by proximal Newton.

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet", None}, default="l2"
        Penalty on the coefficients (the intercept is never penalized).
    C : float, default=1.0
        Inverse regularization strength, scikit-learn's convention (see module
        docstring). Ignored when ``alpha`` is given.
    l1_ratio : float, default=None
        L1 share of the Elastic-Net penalty, required for ``penalty="elasticnet"``.
    alpha : float, default=None
        Regularization strength of the mean-loss form; ``alpha = 1 / (C * sum(s))``.
    fit_intercept : bool, default=True
    standardize : bool, default=False
        Scale columns to unit variance before fitting; coefficients are
        returned on the original scale.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty multipliers (0 leaves a feature unpenalized).
    tol : float, default=1e-6
        Relative duality-gap tolerance (``gap <= tol * P(0)``); with unpenalized
        features, relative KKT tolerance (see :mod:`sparsefit.solvers._prox_newton`).
    max_iter : int, default=1000
        Maximum proximal Newton steps per binary problem.
    warm_start : bool, default=False
        Start from the previous ``coef_`` / ``intercept_``.
    class_weight : dict, "balanced" or None, default=None
        Multiplies each sample's weight by its class's weight.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,) or (n_classes,)
        Proximal Newton steps per binary problem.
    dual_gap_ : ndarray of shape (1,) or (n_classes,)
        Duality gap per binary problem (NaN where the KKT rule was used).
    kkt_violation_ : ndarray of shape (1,) or (n_classes,)
    converged_ : bool
    alpha_ : float
        The mean-loss ``alpha`` actually used.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Notes
    -----
    Perfectly separable classes with ``penalty=None``: the maximum-likelihood
    estimate does not exist (the loss keeps decreasing as the coefficients
    grow). The solver stops when the gradient falls below ``tol`` relative to
    its value at zero, returns those (large) coefficients and emits a
    :class:`SeparableDataWarning`; use a penalty for a finite, unique answer.

    Examples
    --------
    >>> import numpy as np, sparsefit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 30)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> clf = sparsefit.LogisticRegression(penalty="l1", C=0.5).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def __init__(self, penalty="l2", *, C=1.0, l1_ratio=None, alpha=None, fit_intercept=True, standardize=False,
                 penalty_factor=None, tol=1e-6, max_iter=1000, warm_start=False, class_weight=None):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.class_weight = class_weight

    # bounds are a regression-only option; the shared penalty builder reads these
    positive = False
    lower_bounds = None
    upper_bounds = None

    def _l1_ratio(self):
        if self.penalty == "elasticnet":
            if self.l1_ratio is None:
                raise ValueError("penalty='elasticnet' needs l1_ratio (a number between 0 and 1).")
            return self.l1_ratio
        if self.penalty is None:
            return 1.0
        if self.penalty not in _L1_RATIO:
            raise ValueError(f"penalty must be 'l1', 'l2', 'elasticnet' or None; got {self.penalty!r}.")
        return _L1_RATIO[self.penalty]

    def _regularization(self, weight_sum):
        l1_ratio = validate_solver_params(self._l1_ratio(), self.tol, self.max_iter)
        if self.penalty is None:
            return 0.0, l1_ratio
        if self.alpha is not None:
            alpha = self.alpha
            if not isinstance(alpha, numbers.Real) or not np.isfinite(alpha) or alpha < 0:
                raise ValueError(f"alpha must be a finite number >= 0; got {alpha!r}.")
            return float(alpha), l1_ratio
        C = self.C
        if not isinstance(C, numbers.Real) or not np.isfinite(C) or C <= 0:
            raise ValueError(f"C must be a finite number > 0; got {C!r}.")
        return 1.0 / (float(C) * weight_sum), l1_ratio

    def _encode_labels(self, y, n_samples):
        if y is None:
            raise ValueError("This estimator requires y to be passed, but the target y is None.")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            from sklearn.exceptions import DataConversionWarning

            warnings.warn("A column-vector y was passed when a 1d array was expected; it was flattened.",
                          DataConversionWarning, stacklevel=3)
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D (one label per sample); got shape {y.shape}.")
        if y.shape[0] != n_samples:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: X has {n_samples} rows but y has {y.shape[0]} values."
            )
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError("y contains NaN or infinite labels; every sample needs a class label.")
        check_classification_targets(y)
        classes, encoded = np.unique(y, return_inverse=True)
        if classes.shape[0] < 2:
            raise ValueError(
                f"y has only one class ({classes[0].item()!r}); logistic regression needs samples of at least two classes."
            )
        return classes, encoded

    @single_threaded_blas
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Training data; sparse input is converted once to CSC, never densified.
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, strings, bools).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """

        if is_distributed(X):
            from sparsefit.dask import fit_distributed

            return fit_distributed(self, X, y, sample_weight)
        names = feature_names_of(X)
        # unstandardized, X's NaN/inf test comes from the solver's column statistics (checked_design)
        X, _ = validate_X(X, layout="csc", check_finite=self.standardize)
        n, p = X.shape
        classes, encoded = self._encode_labels(y, n)
        sw = validate_sample_weight(sample_weight, n)
        if self.class_weight is not None:
            weights = compute_class_weight(self.class_weight, classes=np.arange(len(classes)), y=encoded) \
                if self.class_weight == "balanced" else \
                np.array([float(self.class_weight.get(c, 1.0)) for c in classes])
            sw = sw * weights[encoded]
            if not (sw > 0).any():
                raise ValueError("class_weight and sample_weight leave no sample with a positive weight.")
        weighted_classes = np.unique(encoded[sw > 0])
        if weighted_classes.shape[0] < 2:
            raise ValueError(
                f"Only one class ({classes[weighted_classes[0]].item()!r}) has samples with positive weight; "
                "logistic regression needs at least two classes with positive sample weight."
            )
        alpha, l1_ratio = self._regularization(float(sw.sum()))
        self.n_features_in_ = p
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

        swn = sw / sw.sum()
        scale = column_scale(X, swn, self.fit_intercept) if self.standardize else np.ones(p)
        if self.standardize:
            X = X @ sp.diags(1.0 / scale, format="csc") if sp.issparse(X) else np.asfortranarray(X / scale)
        penalty = self._build_penalty(alpha, l1_ratio, p, scale)

        n_problems = 1 if len(classes) == 2 else len(classes)
        previous = self.warm_start and getattr(self, "coef_", None) is not None and \
            np.shape(self.coef_) == (n_problems, p)
        solver = ProxNewton(tol=self.tol, max_iter=self.max_iter)
        # one pass over X for the column statistics of every class's problem (the same X and weights); a cold
        # binary fit also takes the labels' correlations there, its first check's (one pass over X fewer)
        cold = n_problems == 1 and not previous
        correlate = swn * np.where(encoded == 1, 1.0, -1.0) if cold else None
        prepared = checked_design(X, sw, self.fit_intercept, correlate=correlate)
        options = {"target_correlations": prepared.correlations} if cold else {}
        coefs, intercepts, iters, gaps, kkts, converged = [], [], [], [], [], True
        for k in range(n_problems):
            # one class's labels at a time (one-vs-rest: not all K vectors of n at once)
            y_pm = np.where(encoded == (1 if n_problems == 1 else k), 1.0, -1.0)
            init = self.coef_[k] * scale if previous else None
            init_b = self.intercept_[k] if previous else None
            solution = solver.solve(X, y_pm, Logistic(), penalty, sample_weight=sw,
                                    fit_intercept=self.fit_intercept, init=init, init_intercept=init_b,
                                    prepared=prepared, **options)
            coefs.append(solution.coef / scale)
            intercepts.append(solution.intercept if self.fit_intercept else 0.0)
            iters.append(solution.n_iter)
            gaps.append(solution.dual_gap)
            kkts.append(solution.kkt_violation)
            converged &= solution.converged
            if alpha == 0 or (penalty.weights is not None and np.all(np.asarray(penalty.weights) * alpha == 0)):
                margin = y_pm * (np.asarray(X @ solution.coef).ravel() + solution.intercept)
                if np.all(margin[sw > 0] > 0):
                    warnings.warn(
                        "The classes are perfectly separable and penalty=None: the unpenalized maximum-likelihood "
                        "estimate does not exist, so the coefficients grew until the gradient fell below tol. "
                        "Use penalty='l2' (or 'l1') for a finite, unique model.",
                        SeparableDataWarning,
                        stacklevel=2,
                    )
        return self._set_fitted(classes, coefs, intercepts, iters, gaps, kkts, converged, alpha)

    def _set_fitted(self, classes, coefs, intercepts, iters, gaps, kkts, converged, alpha):
        """Store the fitted attributes of the binary problems (one per class for one-vs-rest)."""
        self.classes_ = classes
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts, dtype=np.float64)
        self.n_iter_ = np.asarray(iters, dtype=np.int64)
        self.dual_gap_ = np.asarray(gaps, dtype=np.float64)
        self.kkt_violation_ = np.asarray(kkts, dtype=np.float64)
        self.converged_ = bool(converged)
        self.alpha_ = alpha
        return self

    def decision_function(self, X):
        """Signed distance to the decision boundary: ``X @ coef_.T + intercept_``.

        Returns
        -------
        ndarray of shape (n_samples,) for binary problems, (n_samples, n_classes) otherwise.
        """
        X = self._validate_predict_data(X)
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Binary: ``[1 - sigmoid(d), sigmoid(d)]``. One-vs-rest: per-class
        sigmoids normalized to sum to 1.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = sigmoid(scores)
            return np.column_stack([1.0 - positive, positive])
        prob = sigmoid(scores)
        total = prob.sum(axis=1, keepdims=True)
        # every per-class sigmoid can underflow to 0 far from all classes: fall back to uniform
        return np.divide(prob, total, out=np.full_like(prob, 1.0 / prob.shape[1]), where=total > 0)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class for each row of X."""
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]

    @property
    def sparse_coef_(self):
        """Coefficients as a CSR matrix of shape (n_problems, n_features)."""
        check_is_fitted(self)
        return sp.csr_matrix(self.coef_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
