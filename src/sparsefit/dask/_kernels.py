"""Numba kernels of the per-block tasks (arrays and scalars only).

At 10 non-zeros per row, a block's sparse products are cheap and the
row-wise logistic work dominates its task: as NumPy (``logaddexp`` per line
search step, masked ``sigmoid``, the entropy of the conjugate) it measured
about 100 times the products. These kernels do the same arithmetic as
:class:`sparsefit._objective.Logistic` in single passes; the tests compare
them with it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sparsefit.solvers._kernels import negative_entropy

__all__ = ["logistic_ladder", "logistic_raw_grad", "logistic_conjugate"]


@njit(cache=True, nogil=True)
def logistic_ladder(y, sw, base, xd, steps):
    """``sum_i sw_i log(1 + exp(-y_i (base_i + t xd_i)))`` for every ``t`` in ``steps``."""
    out = np.zeros(steps.shape[0])
    for i in range(y.shape[0]):
        w = sw[i]
        if w == 0.0:
            continue
        for k in range(steps.shape[0]):
            z = -y[i] * (base[i] + steps[k] * xd[i])
            if z > 0.0:
                out[k] += w * (z + np.log1p(np.exp(-z)))
            else:
                out[k] += w * np.log1p(np.exp(z))
    return out


@njit(cache=True, nogil=True)
def logistic_raw_grad(y, sw, u):
    """:meth:`sparsefit._objective.Logistic.raw_grad` in one pass: ``-sw * y * sigmoid(-y u)``."""
    out = np.empty(y.shape[0])
    for i in range(y.shape[0]):
        z = -y[i] * u[i]
        if z >= 0.0:
            s = 1.0 / (1.0 + np.exp(-z))
        else:
            e = np.exp(z)
            s = e / (1.0 + e)
        out[i] = -sw[i] * y[i] * s
    return out


@njit(cache=True, nogil=True)
def logistic_conjugate(y, theta, sw):
    """:meth:`sparsefit._objective.Logistic.conjugate` in one pass (same domain checks, same clipping)."""
    total = 0.0
    for i in range(y.shape[0]):
        if sw[i] <= 0.0:
            if theta[i] != 0.0:
                return np.inf
            continue
        t = y[i] * theta[i] / sw[i]
        if t < -1e-12 or t > 1.0 + 1e-12:
            return np.inf
        total += sw[i] * negative_entropy(min(max(t, 0.0), 1.0))
    return total
