"""sparsefit: its own estimators, the objective every other adapter is converted to.

Single fits use the estimators (``Lasso``/``ElasticNet``, ``LogisticRegression``
with ``alpha``, the mean-loss form, so ``C`` is not involved); paths are ONE
``regularization_path`` call with the task's alpha grid and ``early_stop=False``
(glmnet's deviance rule would otherwise end the path before the grid's end).
``tol`` is the duality gap relative to the null objective, at every alpha.
The ``first-call`` task uses :func:`first_fit` (the functional API) and reports
the estimators' first call alongside.
"""

from __future__ import annotations

import numpy as np

import sparsefit

from . import MAX_ITER, PathFit, require_datafit, warm_started_path

NAME = "sparsefit"
PACKAGE = "sparsefit"
INITIAL_TOL = 1e-4


def fit(X, y, alphas, *, l1_ratio, tol, datafit="quadratic"):
    require_datafit(datafit, "quadratic", "logistic")
    loss = "squared" if datafit == "quadratic" else "logistic"
    if len(alphas) > 1:
        path = sparsefit.regularization_path(X, y, loss=loss, l1_ratio=l1_ratio, alphas=alphas, tol=tol,
                                             early_stop=False)
        if len(path.alphas) != len(alphas):
            raise RuntimeError(f"sparsefit returned {len(path.alphas)} of {len(alphas)} alphas")
        return PathFit(path.coefs.T, np.asarray(path.intercepts, dtype=np.float64))  # CSR, no copy
    if datafit == "logistic":
        penalty = "l1" if l1_ratio == 1.0 else ("l2" if l1_ratio == 0.0 else "elasticnet")
        model = sparsefit.LogisticRegression(penalty=penalty, alpha=float(alphas[0]),
                                             l1_ratio=l1_ratio if penalty == "elasticnet" else None, tol=tol,
                                             max_iter=1000)
        model.fit(X, y)
        return PathFit(np.asarray(model.coef_, dtype=np.float64).reshape(1, -1),
                       np.asarray([float(np.ravel(model.intercept_)[0])]))

    def make(alpha):
        if l1_ratio == 1.0:
            return sparsefit.Lasso(alpha=alpha, tol=tol, max_iter=MAX_ITER, warm_start=True)
        return sparsefit.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=tol, max_iter=MAX_ITER, warm_start=True)

    return warm_started_path(make, X, y, alphas)


def first_fit(X, y, alphas, *, tol):
    """The ``first-call`` task's Lasso fit through the functional API: ``regularization_path`` imports neither
    scikit-learn nor pandas, which the estimators' base class does (about 1 s in a fresh process here)."""
    path = sparsefit.regularization_path(X, y, alphas=alphas, tol=tol, early_stop=False)
    return PathFit(path.coefs.T, np.asarray(path.intercepts, dtype=np.float64))  # CSR, no copy
