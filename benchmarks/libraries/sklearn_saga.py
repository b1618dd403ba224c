"""scikit-learn ``LogisticRegression(solver="saga")``, logistic datafit only.

``C = 1 / (n alpha)`` (scikit-learn's ``C * sum_i loss_i + penalty`` is our
mean-loss form times ``C n``); saga does not penalize the intercept, so nothing
else is converted. Paths are a ``warm_start=True`` loop. Its ``tol`` bounds the
largest change of the coefficients in an epoch, relative to their largest
value; ``max_iter`` (epochs) is capped at ``MAX_EPOCHS`` so that one call
cannot run for many minutes (a row that needs more is "not converged").
"""

from __future__ import annotations

import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from . import require_datafit, warm_started_path

NAME = "sklearn-saga"
PACKAGE = "scikit-learn"
INITIAL_TOL = 1e-4  # its default
MAX_EPOCHS = 1000


def fit(X, y, alphas, *, l1_ratio, tol, datafit="logistic"):
    require_datafit(datafit, "logistic")
    n = X.shape[0]

    def make(alpha):
        return LogisticRegression(solver="saga", l1_ratio=l1_ratio, C=1.0 / (n * alpha), tol=tol,
                                  max_iter=MAX_EPOCHS, fit_intercept=True, warm_start=True,
                                  random_state=0)  # repeatable sampling order

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return warm_started_path(make, X, y, alphas, param="C", convert=lambda a: 1.0 / (n * a))
