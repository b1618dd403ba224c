"""skglm ``Lasso`` / ``ElasticNet`` / ``SparseLogisticRegression``: our objectives, nothing to convert.

skglm's ``Logistic`` datafit is the mean loss ``1/n sum_i log(1 + exp(-y_i x_i.w))``
and ``SparseLogisticRegression(alpha, l1_ratio)`` adds
``alpha (l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2)`` with an unpenalized
intercept (``fit_intercept=True``, its ProxNewton solver): our form exactly;
``l1_ratio=0`` gives the L2 task. Paths are a ``warm_start=True`` loop (skglm has
no path routine for these estimators). skglm's ``tol`` bounds the largest
violation of the optimality conditions (distance of ``-grad_j`` to the
subdifferential, on the 1/n scale), not a duality gap.
"""

from __future__ import annotations

import warnings

import skglm
from sklearn.exceptions import ConvergenceWarning

from . import MAX_ITER, require_datafit, warm_started_path

NAME = "skglm"
PACKAGE = "skglm"
INITIAL_TOL = 1e-4  # its default


def fit(X, y, alphas, *, l1_ratio, tol, datafit="quadratic"):
    require_datafit(datafit, "quadratic", "logistic")

    def make(alpha):
        if datafit == "logistic":
            return skglm.SparseLogisticRegression(alpha=alpha, l1_ratio=l1_ratio, tol=tol, max_iter=1000,
                                                  max_epochs=MAX_ITER, fit_intercept=True, warm_start=True)
        if l1_ratio == 1.0:
            return skglm.Lasso(alpha=alpha, tol=tol, max_iter=1000, max_epochs=MAX_ITER, warm_start=True)
        return skglm.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=tol, max_iter=1000, max_epochs=MAX_ITER,
                                warm_start=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return warm_started_path(make, X, y, alphas)
