"""scikit-learn: coordinate descent (``enet_path``, ``Lasso``/``ElasticNet``) and liblinear.

Quadratic datafit: the reference objective, nothing to convert. Single fits use
``Lasso``/``ElasticNet``; paths use ONE ``enet_path`` call with the alpha grid
(what ``ElasticNet.fit`` and ``ElasticNetCV`` call). ``enet_path`` fits no
intercept, so the adapter does what ``ElasticNet.fit`` does, inside the timed
call: ``y`` is centered; sparse ``X`` is not centered but its column means go in
as ``X_offset`` (the sparse coordinate descent then works on the implicitly
centered matrix); dense ``X`` is centered in a copy; the intercepts are
``mean(y) - X_offset @ w``. Its ``tol`` stops coordinate descent when the duality
gap is below ``tol * ||y - mean(y)||^2 / n`` (i.e. ``2 * tol * P(0)``).

Logistic datafit: ``LogisticRegression(solver="liblinear")`` (``l1_ratio`` 1 or 0,
scikit-learn 1.8+ spells the penalty that way). scikit-learn's objective is
``C * sum_i loss_i + penalty``, our mean-loss form times ``C n``, so
``C = 1 / (n alpha)``. liblinear penalizes its intercept, so it gets the
constant column of ``INTERCEPT_SCALING`` (``intercept_scaling`` is exactly that
column) and ``fit_intercept=True``. liblinear has no warm start: a path is a
loop of cold fits. Its ``tol`` is on the (projected) gradient norm. Its coordinate
descent visits the features in a random order: ``random_state=0`` makes a fit
repeatable, so the timed runs reproduce the calibrated solution. saga is the
separate adapter ``sklearn-saga``.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, enet_path

from . import INTERCEPT_SCALING, MAX_ITER, PathFit, require_datafit, warm_started_path

NAME = "sklearn"
PACKAGE = "scikit-learn"
INITIAL_TOL = 1e-4  # its default


def _path(X, y, alphas, l1_ratio, tol):
    y_mean = float(np.mean(y))
    yc = np.asfortranarray(y - y_mean)
    if sp.issparse(X):
        Xc = X if X.format == "csc" else sp.csc_matrix(X)
        X_offset = np.asarray(Xc.mean(axis=0)).ravel()
        extra = dict(X_offset=X_offset, X_scale=np.ones(X.shape[1]))
    else:
        X_offset = np.asarray(X).mean(axis=0)
        Xc = np.asfortranarray(np.asarray(X) - X_offset)
        extra = {}
    _, coefs, _ = enet_path(Xc, yc, l1_ratio=l1_ratio, alphas=np.asarray(alphas, dtype=np.float64), tol=tol,
                            max_iter=MAX_ITER, copy_X=False, **extra)
    coefs = np.ascontiguousarray(np.asarray(coefs).T)  # (n_alphas, n_features)
    return PathFit(coefs, y_mean - coefs @ X_offset)


def fit(X, y, alphas, *, l1_ratio, tol, datafit="quadratic"):
    require_datafit(datafit, "quadratic", "logistic")
    n = X.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # re-scoring decides convergence
        if datafit == "logistic":
            if l1_ratio not in (0.0, 1.0):
                raise NotImplementedError("liblinear has L1 or L2, not the elastic net")

            def make(alpha):
                return LogisticRegression(solver="liblinear", l1_ratio=l1_ratio, C=1.0 / (n * alpha), tol=tol,
                                          max_iter=MAX_ITER, fit_intercept=True,
                                          intercept_scaling=INTERCEPT_SCALING, random_state=0)

            return warm_started_path(make, X, y, alphas, param="C", convert=lambda a: 1.0 / (n * a))
        if len(alphas) > 1:
            return _path(X, y, alphas, l1_ratio, tol)

        def make(alpha):
            if l1_ratio == 1.0:
                return Lasso(alpha=alpha, tol=tol, max_iter=MAX_ITER, warm_start=True)
            return ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=tol, max_iter=MAX_ITER, warm_start=True)

        return warm_started_path(make, X, y, alphas)
