"""celer: ``Lasso`` / ``ElasticNet`` (scikit-learn's objective), ``celer_path`` for paths and logistic.

Quadratic datafit: single fits use the estimators; paths use ONE ``celer_path``
call with the alpha grid and the intercept handled as ``celer.Lasso.fit`` does:
``y`` centered, sparse ``X`` passed with its column means as ``X_offset``
(dense ``X`` centered in a copy), intercepts ``mean(y) - X_offset @ w``. ``tol``
bounds the duality gap (relative to ``||y||^2 / n``); ``max_iter`` counts
working-set iterations, ``max_epochs`` inner coordinate-descent epochs.

Logistic datafit (L1 only): ``celer_path(pb="logreg", use_PN=True)``, what
``celer.LogisticRegression`` runs. celer's logistic objective is
``sum_i loss_i + alpha_c ||w||_1`` (``alpha_c = 1 / C``), so ``alpha_c = n alpha``.
It fits no intercept (``LogisticRegression(fit_intercept=True)`` raises), so
``X`` gets the constant column of ``INTERCEPT_SCALING`` (penalized intercept
emulation, see ``benchmarks/libraries/__init__.py``); the column is appended
inside the timed call.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

import celer
from celer import celer_path
from sklearn.exceptions import ConvergenceWarning

from . import (MAX_ITER, PathFit, Unsupported, labels_pm, require_datafit, split_constant_column,
               warm_started_path, with_constant_column)

NAME = "celer"
PACKAGE = "celer"
INITIAL_TOL = 1e-4  # its default


def _lasso_path(X, y, alphas, l1_ratio, tol):
    y_mean = float(np.mean(y))
    yc = np.asarray(y, dtype=np.float64) - y_mean
    if sp.issparse(X):
        Xc = X if X.format == "csc" else sp.csc_matrix(X)
        X_offset = np.asarray(Xc.mean(axis=0)).ravel()
        extra = dict(X_offset=X_offset, X_scale=np.ones(X.shape[1]))
    else:
        X_offset = np.asarray(X).mean(axis=0)
        Xc = np.asfortranarray(np.asarray(X) - X_offset)
        extra = {}
    _, coefs, _ = celer_path(Xc, yc, "lasso", alphas=np.asarray(alphas, dtype=np.float64), l1_ratio=l1_ratio,
                             tol=tol, max_iter=1000, max_epochs=MAX_ITER, **extra)
    coefs = np.ascontiguousarray(np.asarray(coefs).T)
    return PathFit(coefs, y_mean - coefs @ X_offset)


def fit(X, y, alphas, *, l1_ratio, tol, datafit="quadratic"):
    require_datafit(datafit, "quadratic", "logistic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if datafit == "logistic":
            if l1_ratio != 1.0:
                raise Unsupported("celer's logistic regression is L1 only")
            n = X.shape[0]
            Xa = with_constant_column(X)
            _, coefs, _ = celer_path(Xa, labels_pm(y), "logreg", alphas=n * np.asarray(alphas, dtype=np.float64),
                                     tol=tol, max_iter=1000, max_epochs=MAX_ITER, use_PN=True)
            coefs, intercepts = split_constant_column(np.asarray(coefs).T)
            return PathFit(coefs, intercepts)
        if len(alphas) > 1:
            return _lasso_path(X, y, alphas, l1_ratio, tol)

        def make(alpha):
            if l1_ratio == 1.0:
                return celer.Lasso(alpha=alpha, tol=tol, max_iter=1000, max_epochs=MAX_ITER, warm_start=True)
            return celer.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=tol, max_iter=1000, max_epochs=MAX_ITER,
                                    warm_start=True)

        return warm_started_path(make, X, y, alphas)
