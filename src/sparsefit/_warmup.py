"""Fill numba's on-disk cache by running every kernel once on tiny inputs."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def compile_kernels() -> int:
    """Fit tiny dense and sparse problems so every kernel signature is compiled and cached.

    Returns
    -------
    int
        Number of compiled kernel signatures afterwards.
    """
    from sparsefit import ElasticNet
    from sparsefit.solvers import _kernels

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 8))
    y = X[:, 0] + 0.1 * rng.standard_normal(30)
    from sparsefit import LogisticRegression, regularization_path

    for data in (X, sp.csc_matrix(X)):
        model = ElasticNet(alpha=0.01, l1_ratio=0.5, tol=1e-4).fit(data, y)
        LogisticRegression(penalty="l1", C=1.0, tol=1e-4).fit(data, y > 0)
        regularization_path(data, y, n_alphas=3)
        regularization_path(data, y > 0, loss="logistic", n_alphas=3)
    predictor = model.to_predictor()
    predictor.predict(sp.csr_matrix(X[:2]))
    predictor.predict_one({})
    from sparsefit import _predict_kernels
    from sparsefit.solvers import _path_kernels, _pn_kernels, _ws_kernels

    modules = [(module, kernel_names(module))
               for module in (_kernels, _ws_kernels, _pn_kernels, _path_kernels, _predict_kernels)]
    return sum(len(getattr(module, name).signatures) for module, names in modules for name in names)


def kernel_names(module=None) -> list[str]:
    """Names of the numba kernels in ``module`` (default :mod:`sparsefit.solvers._kernels`)."""
    if module is None:
        from sparsefit.solvers import _kernels as module

    return [name for name, obj in vars(module).items() if hasattr(obj, "signatures") and not name.startswith("__")]
