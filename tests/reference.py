"""Independent reference solvers for the tests (scipy's L-BFGS-B on smooth reformulations)."""

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize


def dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)


def logistic_lbfgs(X, y01, alpha, l1_ratio, sample_weight=None, fit_intercept=True):
    """Elastic-Net logistic regression by L-BFGS-B on the split form ``w = w_plus - w_minus``."""
    Xd = dense(X)
    n, p = Xd.shape
    s = np.ones(n) / n if sample_weight is None else sample_weight / sample_weight.sum()
    y_pm = np.where(np.asarray(y01) == 1, 1.0, -1.0)
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)

    def fun(z):
        wp, wm, b = z[:p], z[p:2 * p], (z[-1] if fit_intercept else 0.0)
        w = wp - wm
        u = Xd @ w + b
        value = np.dot(s, np.logaddexp(0, -y_pm * u)) + l1 * (wp.sum() + wm.sum()) + 0.5 * l2 * w @ w
        g_u = -s * y_pm / (1 + np.exp(np.clip(y_pm * u, -700, 700)))
        g_w = Xd.T @ g_u + l2 * w
        return value, np.concatenate([g_w + l1, -g_w + l1, [g_u.sum() if fit_intercept else 0.0]])

    bounds = [(0, None)] * (2 * p) + [(None, None)]
    result = minimize(fun, np.zeros(2 * p + 1), jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 50_000, "maxcor": 30})
    return result.x[:p] - result.x[p:2 * p], (result.x[-1] if fit_intercept else 0.0)
