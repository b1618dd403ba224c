"""Cross-validated estimators: LassoCV, ElasticNetCV, LogisticRegressionCV.

Each runs :func:`sparsefit.cv.cross_validate_path` (warm-started paths per
fold, an l1_ratio grid searched along paths rather than refit from scratch)
and keeps the model of the full-data path at the chosen alpha.
``selection="min"`` (the default, so ``alpha_`` means what it means in
scikit-learn's LassoCV) takes the best mean score; ``"1se"`` the sparsest
model within one standard error of it. Both choices are always reported as
``alpha_min_`` and ``alpha_1se_``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from sparsefit._validation import feature_names_of
from sparsefit.cv import cross_validate_path
from sparsefit.estimators import _LinearModelBase
from sparsefit.logistic import LogisticRegression
from sparsefit.solvers._threads import single_threaded_blas

__all__ = ["LassoCV", "ElasticNetCV", "LogisticRegressionCV"]

_CV_DOC = """
    n_alphas : int, default=100
    alpha_min_ratio : float, default=None
        Smallest alpha as a fraction of alpha_max (1e-4 if n > p else 1e-2).
    alphas : array-like, default=None
        Explicit alpha grid (overrides the two above).
    cv : int or scikit-learn splitter, default=5
    scoring : str or callable, default=None
        scikit-learn scorer; MSE for regression, ROC AUC for classification.
    selection : {"min", "1se"}, default="min"
    fit_intercept : bool, default=True
    standardize : bool, default=False
    penalty_factor : array-like of shape (n_features,), default=None
    tol : float, default=1e-6
    n_jobs : int, default=None
        Folds in parallel threads.
    random_state : int, default=None
        Shuffles the K folds when given.
    progress : bool, default=False

    Attributes
    ----------
    alpha_ : float
        Chosen by ``selection``.
    alpha_min_, alpha_1se_ : float
    l1_ratio_ : float
    coef_, intercept_ : the model at ``alpha_`` on all the data.
    cv_results_ : dict of ndarray
        ``l1_ratio``, ``alpha``, ``mean_score``, ``std_error``, ``n_nonzero``, one entry per grid point.
    cv_ : CVResult
    path_ : Path
        The full-data path of the chosen l1_ratio.
"""


def _store_cv(estimator, result):
    l1_ratio, alpha, index = result.best(estimator.selection)
    estimator.cv_ = result
    estimator.alpha_ = alpha
    estimator.alpha_min_ = result.alpha_min
    estimator.alpha_1se_ = result.alpha_1se
    estimator.l1_ratio_ = l1_ratio
    estimator.path_ = result.paths[index[0]]
    estimator.cv_results_ = {
        "l1_ratio": np.repeat(result.l1_ratios, result.alphas.shape[1]),
        "alpha": result.alphas.ravel(),
        "mean_score": result.mean_score.ravel(),
        "std_error": result.std_error.ravel(),
        "n_nonzero": result.n_nonzero.ravel(),
    }
    return index


def _check_selection(selection):
    if selection not in ("min", "1se"):
        raise ValueError(f"selection must be 'min' or '1se'; got {selection!r}.")


class _RegressionCV(RegressorMixin, _LinearModelBase):
    positive = False
    lower_bounds = None
    upper_bounds = None

    @single_threaded_blas
    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the path(s) and keep the chosen model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        groups : array-like of shape (n_samples,), default=None
            Group labels for group-aware splitters.

        Returns
        -------
        self : object
        """
        _check_selection(self.selection)

        names = feature_names_of(X)
        result = cross_validate_path(
            X, y, loss="squared", l1_ratio=self._l1_ratios(), n_alphas=self.n_alphas,
            alpha_min_ratio=self.alpha_min_ratio, alphas=self.alphas, cv=self.cv, scoring=self.scoring,
            groups=groups, sample_weight=sample_weight, fit_intercept=self.fit_intercept,
            standardize=self.standardize, tol=self.tol, n_jobs=self.n_jobs, progress=self.progress,
            penalty_factor=self.penalty_factor, random_state=self.random_state,
        )
        index = _store_cv(self, result)
        self.coef_ = self.path_.coefs[:, index[1]].toarray().ravel()
        self.intercept_ = float(self.path_.intercepts[index[1]])
        self.dual_gap_ = float(self.path_.dual_gaps[index[1]])
        self.n_iter_ = int(self.path_.n_iter[index[1]])
        self.n_features_in_ = self.coef_.shape[0]
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self


class LassoCV(_RegressionCV):
    __doc__ = f"""Lasso with alpha chosen by cross-validation along warm-started paths.

    Parameters
    ----------{_CV_DOC}
    Examples
    --------
    >>> import numpy as np, sparsefit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 30)); y = X[:, :3] @ [2.0, -1.0, 1.5] + rng.standard_normal(200)
    >>> model = sparsefit.LassoCV(selection="1se").fit(X, y)
    >>> model.alpha_1se_ >= model.alpha_min_
    True
    """

    def __init__(self, *, n_alphas=100, alpha_min_ratio=None, alphas=None, cv=5, scoring=None, selection="min",
                 fit_intercept=True, standardize=False, penalty_factor=None, tol=1e-6, n_jobs=None,
                 random_state=None, progress=False):
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.progress = progress

    def _l1_ratios(self):
        return 1.0


class ElasticNetCV(_RegressionCV):
    __doc__ = f"""Elastic Net with alpha (and l1_ratio, from a list) chosen by cross-validation.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        A list is searched as a grid, each value along its own path.{_CV_DOC}
    """

    def __init__(self, *, l1_ratio=0.5, n_alphas=100, alpha_min_ratio=None, alphas=None, cv=5, scoring=None,
                 selection="min", fit_intercept=True, standardize=False, penalty_factor=None, tol=1e-6,
                 n_jobs=None, random_state=None, progress=False):
        self.l1_ratio = l1_ratio
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.progress = progress

    def _l1_ratios(self):
        return self.l1_ratio


class LogisticRegressionCV(LogisticRegression):
    __doc__ = f"""Logistic regression with alpha (and l1_ratio) chosen by cross-validation along paths.

    Folds are stratified by default. Multiclass problems are cross-validated
    one-vs-rest: each class gets its own alpha (``alpha_`` is then an array).

    Parameters
    ----------
    penalty : {{"l1", "l2", "elasticnet"}}, default="l1"
    l1_ratio : float or list of float, default=None
        Required for ``penalty="elasticnet"``; a list is searched as a grid.{_CV_DOC}
    """

    def __init__(self, *, penalty="l1", l1_ratio=None, n_alphas=100, alpha_min_ratio=None, alphas=None, cv=5,
                 scoring=None, selection="min", fit_intercept=True, standardize=False, penalty_factor=None,
                 tol=1e-6, n_jobs=None, random_state=None, progress=False):
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.progress = progress

    def _cv_l1_ratios(self):
        if self.penalty == "elasticnet":
            if self.l1_ratio is None:
                raise ValueError("penalty='elasticnet' needs l1_ratio (a number or a list of numbers in [0, 1]).")
            return self.l1_ratio
        if self.penalty not in ("l1", "l2"):
            raise ValueError(f"penalty must be 'l1', 'l2' or 'elasticnet'; got {self.penalty!r}.")
        return 1.0 if self.penalty == "l1" else 0.0

    @single_threaded_blas
    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the path(s) and keep the chosen model (one per class for multiclass).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
        groups : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        from sparsefit._validation import validate_X

        _check_selection(self.selection)
        names = feature_names_of(X)
        X_checked, _ = validate_X(X, layout="csc")
        classes, encoded = self._encode_labels(y, X_checked.shape[0])
        binary_targets = [encoded == 1] if len(classes) == 2 else [encoded == k for k in range(len(classes))]
        coefs, intercepts, alphas, results = [], [], [], []
        for target in binary_targets:
            result = cross_validate_path(
                X_checked, target.astype(int), loss="logistic", l1_ratio=self._cv_l1_ratios(),
                n_alphas=self.n_alphas, alpha_min_ratio=self.alpha_min_ratio, alphas=self.alphas, cv=self.cv,
                scoring=self.scoring, groups=groups, sample_weight=sample_weight, fit_intercept=self.fit_intercept,
                standardize=self.standardize, tol=self.tol, n_jobs=self.n_jobs, progress=self.progress,
                penalty_factor=self.penalty_factor, random_state=self.random_state,
            )
            index = _store_cv(self, result)
            coefs.append(self.path_.coefs[:, index[1]].toarray().ravel())
            intercepts.append(float(self.path_.intercepts[index[1]]))
            alphas.append(self.alpha_)
            results.append(result)
        if len(results) > 1:
            self.cv_ = results
            self.alpha_ = np.asarray(alphas)
        self.classes_ = classes
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts)
        self.n_features_in_ = X_checked.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self
