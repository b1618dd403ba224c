"""glum ``GeneralizedLinearRegressor`` (family ``"normal"`` or ``"binomial"``).

glum minimizes ``1/(2 sum s) sum_i s_i deviance_i + alpha (l1_ratio ||w||_1 +
(1 - l1_ratio)/2 ||w||^2)`` with an unpenalized intercept (``P1``/``P2``
identity, ``scale_predictors=False``). Half the mean deviance is
``1/(2n) ||y - Xw - b||^2`` for the normal family and the mean logistic loss for
the binomial one (0/1 labels), so ``alpha`` and ``l1_ratio`` are ours.
A path is ONE fit with ``alpha_search=True`` and ``alphas`` (its warm-started
path); a single fit passes ``alpha``. ``tol`` is glum's ``gradient_tol`` (the
largest entry of the minimum-norm subgradient, default 1e-4).

Solver: ``irls-cd`` (glum's default, the only one with L1) allocates a dense
``(p + 1) x (p + 1)`` Hessian (``IRLSState.hessian = np.zeros((p+1, p+1))``):
20 GB for ``p = 50,000``. The adapter raises ``Unsupported`` when that matrix
would exceed ``MAX_DENSE_HESSIAN_P`` features, and uses ``lbfgs`` for pure L2
(``l1_ratio == 0``), which needs no Hessian.
"""

from __future__ import annotations

import warnings

import numpy as np

import glum

from . import MAX_ITER, PathFit, Unsupported, require_datafit

NAME = "glum"
PACKAGE = "glum"
INITIAL_TOL = 1e-4  # its default gradient_tol
MAX_DENSE_HESSIAN_P = 5_000  # a 200 MB Hessian


def fit(X, y, alphas, *, l1_ratio, tol, datafit="quadratic"):
    require_datafit(datafit, "quadratic", "logistic")
    p = X.shape[1]
    solver = "lbfgs" if l1_ratio == 0.0 else "irls-cd"
    if solver == "irls-cd" and p > MAX_DENSE_HESSIAN_P:
        raise Unsupported(f"irls-cd allocates a dense (p+1)^2 Hessian, {8 * (p + 1) ** 2 / 1e9:.0f} GB at p={p}")
    family = "normal" if datafit == "quadratic" else "binomial"
    alphas = np.asarray(alphas, dtype=np.float64)
    common = dict(family=family, l1_ratio=l1_ratio, fit_intercept=True, solver=solver, gradient_tol=tol,
                  max_iter=MAX_ITER, scale_predictors=False, copy_X=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(alphas) > 1:
            model = glum.GeneralizedLinearRegressor(alpha_search=True, alphas=alphas, **common).fit(X, y)
            return PathFit(np.ascontiguousarray(model.coef_path_, dtype=np.float64),
                           np.asarray(model.intercept_path_, dtype=np.float64).ravel())
        model = glum.GeneralizedLinearRegressor(alpha=float(alphas[0]), **common).fit(X, y)
        return PathFit(np.asarray(model.coef_, dtype=np.float64).reshape(1, -1),
                       np.asarray([float(model.intercept_)]))
