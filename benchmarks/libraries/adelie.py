"""adelie ``grpnet`` with the Gaussian GLM, one group per feature.

Conversions: adelie's ``alpha`` is our ``l1_ratio`` and its ``lmda`` our
``alpha``; with singleton groups its group-lasso penalty is the elastic net and
its default penalty factor ``sqrt(group size)`` is 1; weights default to
``1/n`` (our ``1/(2n)`` loss). adelie never standardizes inside ``grpnet``.
``early_exit`` is turned off (it would stop the path on deviance explained),
and it runs on one thread. Its ``tol`` is the coordinate-descent convergence
tolerance (relative change of the objective, scaled by the null deviance).

Logistic datafit: ``glm.binomial`` on the 0/1 labels, whose weights default to
``1/n``: ``1/n sum_i (log(1 + exp(eta_i)) - y_i eta_i)``, our mean logistic loss.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import adelie as ad

from . import MAX_ITER, PathFit, require_datafit

NAME = "adelie"
PACKAGE = "adelie"
INITIAL_TOL = 1e-7  # its default


def fit(X, y, alphas, *, l1_ratio, tol, datafit="quadratic"):
    require_datafit(datafit, "quadratic", "logistic")
    if sp.issparse(X):
        matrix = ad.matrix.sparse(sp.csc_matrix(X), method="naive", n_threads=1)
    else:
        matrix = ad.matrix.dense(np.asfortranarray(X), method="naive", n_threads=1)
    y = np.asarray(y, dtype=np.float64)
    glm = ad.glm.gaussian(y) if datafit == "quadratic" else ad.glm.binomial(y)
    state = ad.grpnet(X=matrix, glm=glm,
                      lmda_path=np.asarray(alphas, dtype=np.float64), alpha=l1_ratio, tol=tol, max_iters=MAX_ITER * 10,
                      early_exit=False, intercept=True, n_threads=1, progress_bar=False)
    betas = state.betas  # sparse CSR (n_alphas, n_features), kept so
    if betas.shape[0] != len(alphas):
        raise RuntimeError(f"adelie returned {betas.shape[0]} of {len(alphas)} alphas")
    return PathFit(betas if sp.issparse(betas) else np.asarray(betas, dtype=np.float64),
                   np.asarray(state.intercepts, dtype=np.float64))
