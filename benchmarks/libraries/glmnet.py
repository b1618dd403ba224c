"""python-glmnet (the Fortran glmnet: ``elnet`` / ``spelnet``, ``lognet`` / ``splognet``).

Conversions: glmnet's Gaussian objective is ``1/(2n) RSS + lambda * (a |w|_1 +
(1 - a)/2 |w|^2)`` (weights normalized to sum 1), but the Fortran code first
divides ``y`` by its standard deviation ``sy`` (ddof=0, after centering), and
user lambdas by ``sy`` too, then scales the coefficients back: on the raw ``y``
it solves ``1/(2n) RSS + lambda * a |w|_1 + lambda * (1 - a) / sy * 1/2 |w|^2``.
For the Lasso this is our problem at ``lambda = alpha``; for the elastic net we
solve ``lambda * a = alpha * l1_ratio`` and ``lambda * (1 - a) / sy = alpha *
(1 - l1_ratio)``, so glmnet's ``a`` and ``lambda`` depend on ``sy``.
``standardize`` is turned off (glmnet's default standardizes the columns,
which changes the problem); cross-validation (``n_splits``) is turned off. glmnet always solves a
path: the alphas are passed as the user lambdas and solved with its own warm
starts. Its ``tol`` (``thresh``) bounds the largest weighted coefficient change
of a sweep, relative to the null deviance.

The Fortran routines are called directly, with the arguments python-glmnet's
``ElasticNet._fit`` passes: its ``fit`` first converts CSC input to CSR and back
to CSC (``check_X_y(accept_sparse="csr")``), which costs about 20 ms on
``sparse-text`` (full size), more than the solver itself; that is wrapper
overhead, not glmnet's. Dense ``X`` is still copied to Fortran order on each
call, because ``elnet`` centers it in place (R's glmnet copies too).

Logistic datafit (binomial ``lognet`` / ``splognet``, as ``LogitNet._fit`` calls
them: ``nc=1``, the label matrix ``[y == 1, y == 0]``, a zero offset, Newton
with the exact Hessian ``kopt=0``): glmnet's objective is
``-1/n loglik + lambda (a |w|_1 + (1 - a)/2 |w|^2)``, ours with
``lambda = alpha``, ``a = l1_ratio``; ``y`` is not rescaled for the binomial
family. The Fortran path stops by itself when the deviance ratio passes 0.999
or moves by less than 1e-5 between lambdas (``fdev``, which python-glmnet cannot
change); a path that ends early is an "error" row.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from glmnet._glmnet import elnet, lognet, spelnet, splognet

from . import MAX_ITER, PathFit, require_datafit

NAME = "glmnet"
PACKAGE = "python-glmnet"
INITIAL_TOL = 1e-7  # its default


def _check_jerr(jerr):
    if -10_000 < jerr < 0:  # glmnet's "convergence for the -jerr-th lambda not reached after maxit passes"
        raise RuntimeError(f"glmnet did not converge within maxit={MAX_ITER * 10} passes at alpha number {-jerr} "
                           f"(jerr={jerr})")
    if jerr != 0:
        raise RuntimeError(f"glmnet error flag jerr={jerr}")


def _compressed_path(p, ca, ia, nin):
    """glmnet's compressed solutions as a CSR ``(n_alphas, p)`` matrix: at alpha ``k`` the coefficients
    ``ca[:nin[k], k]`` belong to the features ``ia[:nin[k]]`` (1-based, in order of entry, shared by every
    alpha). Its own ``solns``/``lsolns`` expand them into a dense ``(p, n_alphas)`` array instead."""
    nin = np.asarray(nin, dtype=np.int64)
    entered = np.arange(ca.shape[0])[None, :] < nin[:, None]  # (n_alphas, nx): the active slots per alpha
    data = np.asarray(ca, dtype=np.float64).T[entered]
    indices = np.broadcast_to(np.asarray(ia[:ca.shape[0]], dtype=np.int32) - 1, entered.shape)[entered]
    indptr = np.concatenate([[0], np.cumsum(nin)])
    return sp.csr_matrix((data, indices, indptr), shape=(len(nin), p))


def _logistic(X, y, alphas, l1_ratio, tol):
    n, p = X.shape
    y = np.asarray(y)
    labels = np.asfortranarray(np.column_stack([y > 0, y <= 0]).astype(np.float64))
    offset = np.zeros((n, 2), dtype=np.float64, order="F")  # (n, 2) like the labels, as LogitNet passes it
    penalty_factor = np.ones(p, dtype=np.float64, order="F")
    bounds = np.empty((2, p), dtype=np.float64, order="F")
    bounds[0], bounds[1] = -np.inf, np.inf
    standardize, fit_intercept, exclude, flmin, n_classes = False, True, 0, 1.0, 1
    if sp.issparse(X):
        Xc = X if X.format == "csc" else sp.csc_matrix(X)
        lmu, a0, ca, ia, nin, _, _, _, _, jerr = splognet(
            l1_ratio, n, p, n_classes, Xc.data, Xc.indptr + 1, Xc.indices + 1, labels, offset, exclude,
            penalty_factor, bounds, p, p + 1, flmin, alphas, tol, len(alphas), standardize, fit_intercept,
            MAX_ITER * 10, 0)
    else:
        X_f = np.array(X, dtype=np.float64, order="F")
        lmu, a0, ca, ia, nin, _, _, _, _, jerr = lognet(
            l1_ratio, n_classes, X_f, labels, offset, exclude, penalty_factor, bounds, p + 1, flmin, alphas, tol,
            p, len(alphas), standardize, fit_intercept, MAX_ITER * 10, 0)
    _check_jerr(jerr)
    if lmu != len(alphas):
        raise RuntimeError(f"glmnet stopped its path after {lmu} of {len(alphas)} alphas")
    return PathFit(_compressed_path(p, ca[:, 0, :lmu], ia, nin[:lmu]),
                   np.asarray(a0[0, :lmu], dtype=np.float64).ravel())


def fit(X, y, alphas, *, l1_ratio, tol, datafit="quadratic"):
    require_datafit(datafit, "quadratic", "logistic")
    alphas = np.asarray(alphas, dtype=np.float64)
    if datafit == "logistic":
        return _logistic(X, y, alphas, l1_ratio, tol)
    lambdas, a = alphas, l1_ratio
    if l1_ratio < 1.0:
        sy = float(np.std(y))
        lambdas = alphas * (l1_ratio + (1.0 - l1_ratio) * sy)
        a = l1_ratio / (l1_ratio + (1.0 - l1_ratio) * sy)
    n, p = X.shape
    y_f = np.array(y, dtype=np.float64, order="F")  # overwritten by the Fortran code
    w = np.ones(n, dtype=np.float64, order="F")
    penalty_factor = np.ones(p, dtype=np.float64, order="F")
    bounds = np.empty((2, p), dtype=np.float64, order="F")
    bounds[0], bounds[1] = -np.inf, np.inf
    algo = 2 if p > n else 1  # glmnet's "naive" updates when p > n, covariance updates otherwise
    standardize, fit_intercept, exclude, flmin = False, True, 0, 1.0
    if sp.issparse(X):
        Xc = X if X.format == "csc" else sp.csc_matrix(X)
        lmu, a0, ca, ia, nin, _, _, _, jerr = spelnet(
            algo, a, n, p, Xc.data, Xc.indptr + 1, Xc.indices + 1, y_f, w, exclude, penalty_factor, bounds,
            p, p + 1, flmin, lambdas, tol, len(lambdas), standardize, fit_intercept, MAX_ITER * 10)
    else:
        X_f = np.array(X, dtype=np.float64, order="F")
        lmu, a0, ca, ia, nin, _, _, _, jerr = elnet(
            algo, a, X_f, y_f, w, exclude, penalty_factor, bounds, p + 1, flmin, lambdas, tol, p, len(lambdas),
            standardize, fit_intercept, MAX_ITER * 10)
    _check_jerr(jerr)
    if lmu != len(alphas):
        raise RuntimeError(f"glmnet stopped its path after {lmu} of {len(alphas)} alphas")
    return PathFit(_compressed_path(p, ca[:, :lmu], ia, nin[:lmu]), np.asarray(a0[:lmu], dtype=np.float64).ravel())
