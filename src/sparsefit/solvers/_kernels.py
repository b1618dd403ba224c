"""Numba primitives of sparsefit: plain functions on arrays and scalars.

The solves compiled as a whole (:mod:`sparsefit.solvers._ws_kernels` for
least squares, :mod:`sparsefit.solvers._pn_kernels` for the logistic loss) are
built from these and from their own helpers.

Kernels are named ``<what>_<storage>``. Inputs are normalized at the boundary
(:mod:`sparsefit._validation` and :class:`sparsefit.solvers._design.Design`):
float64 values; dense kernels take ``XT = X.T`` as a C-contiguous (p, n) array
(a column of X is a contiguous row of XT, and a single-column X cannot change
the compiled layout); CSC index arrays int32 (int64 only past 2**31
non-zeros); so each kernel has at most two compiled signatures.

Every solver kernel compiles with ``error_model="numpy"``: a float division by
zero gives inf/nan as in NumPy instead of raising, so numba drops its
zero-divisor check from every division. With the check, the one division per
sample in the dual point's distance made a small path 30% slower; the kernels
never divide by a value they have not checked.

The coordinate-descent epochs (:func:`sparsefit.solvers._ws_kernels.solve_ws`)
solve the weighted least-squares problem::

    min_{w, b} 1/2 sum_i v_i (z_i - x_i.w - b)^2 + sum_j (l1_j |w_j| + l2_j / 2 w_j^2)
    subject to lower_j <= w_j <= upper_j

for the Quadratic datafit (``v = sw``, ``z = y``) and for the inner problem of
proximal Newton (``v`` the Hessian weights, ``z`` the working response). They
keep the residual without intercept ``r = z - X w`` and the intercept ``b``
optimal for the current ``w`` (``b = sum(v r) / sum(v)``), which centers X
implicitly: updating ``w_j`` by ``d`` changes ``r`` on the non-zeros of column j
only and ``b`` by ``-d * xbar_j``.
"""

from __future__ import annotations

import numpy as np
from numba import njit


# Reassociation lets LLVM vectorize sums (4 partial sums instead of one chain of dependent additions): 2-4x
# on dense columns and on the column statistics, a last-bits difference in the sums. Nothing else of fastmath
# (NaN and inf stay IEEE).
_REASSOC = {"reassoc", "contract"}

@njit(cache=True, nogil=True, error_model="numpy")
def _prox_coordinate(z, lips, l1, l2, lower, upper):
    """Minimize ``lips/2 (t - z/lips)^2 + l1 |t| + l2/2 t^2`` over ``lower <= t <= upper``."""
    if z > l1:
        t = (z - l1) / (lips + l2)
    elif z < -l1:
        t = (z + l1) / (lips + l2)
    else:
        t = 0.0
    if t > upper:
        t = upper
    elif t < lower:
        t = lower
    return t


@njit(cache=True, nogil=True, error_model="numpy")
def xw_dense(XT, w, ws, out):
    """``out = X[:, ws] @ w[ws]`` (overwrites ``out``), dense Fortran-ordered X."""
    n = XT.shape[1]
    for i in range(n):
        out[i] = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        wj = w[j]
        if wj != 0.0:
            for i in range(n):
                out[i] += XT[j, i] * wj


@njit(cache=True, nogil=True, error_model="numpy")
def xw_csc(data, indices, indptr, w, ws, out):
    """``out = X[:, ws] @ w[ws]`` (overwrites ``out``), CSC X."""
    for i in range(out.shape[0]):
        out[i] = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        wj = w[j]
        if wj != 0.0:
            for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                out[np.uintp(indices[idx])] += data[idx] * wj


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def col_stats_csc(data, indices, indptr, v, ws, out_sum, out_sq, out_abs):
    """For ``j`` in ``ws``: ``out_sum[j] = sum_i v_i X_ij``, ``out_sq[j] = sum_i v_i X_ij^2`` and
    ``out_abs[j] = sum_{i: v_i > 0} |X_ij|``, CSC X.

    With equal weights (the common case) the sums skip the gather of ``v``
    and read only the stored values, a contiguous stream.
    """
    uniform = v[0] if v.shape[0] > 0 else 0.0
    for i in range(v.shape[0]):
        if v[i] != uniform:
            uniform = 0.0
            break
    for k in range(ws.shape[0]):
        j = ws[k]
        m = 0.0
        s = 0.0
        a = 0.0
        if uniform != 0.0:
            for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                x = data[idx]
                m += x
                s += x * x
                a += abs(x)
            m *= uniform
            s *= uniform
        else:
            for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                x = data[idx]
                vi = v[np.uintp(indices[idx])]
                m += vi * x
                s += vi * x * x
                if vi > 0.0:
                    a += abs(x)
        out_sum[j] = m
        out_sq[j] = s
        out_abs[j] = a


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def col_stats_dense(XT, v, ws, out_sum, out_sq, out_abs):
    """:func:`col_stats_csc` for dense X."""
    n = XT.shape[1]
    for k in range(ws.shape[0]):
        j = ws[k]
        m = 0.0
        s = 0.0
        a = 0.0
        for i in range(n):
            x = XT[j, i]
            m += v[i] * x
            s += v[i] * x * x
            a += abs(x) if v[i] > 0.0 else 0.0
        out_sum[j] = m
        out_sq[j] = s
        out_abs[j] = a


@njit(cache=True, nogil=True, error_model="numpy")
def kkt_one(wj, grad, l1, l2, lower, upper):
    """Distance of ``-grad`` to the subdifferential of one coordinate's penalty at ``wj``."""
    neg = -grad - l2 * wj
    if wj > 0.0:
        return abs(neg - l1) if wj < upper else max(0.0, l1 - neg)
    if wj < 0.0:
        return abs(neg + l1) if wj > lower else max(0.0, neg + l1)
    above = max(0.0, neg - l1) if upper > 0.0 else 0.0
    below = max(0.0, -neg - l1) if lower < 0.0 else 0.0
    return max(above, below)


@njit(cache=True, nogil=True, error_model="numpy")
def conjugate_term(sj, l1, l2, lower, upper):
    """``g_j*(s_j)`` of one coordinate, ``s_j`` already scaled into the domain of ``G*``."""
    if l2 > 0.0:
        if sj > l1:
            t = (sj - l1) / l2
        elif sj < -l1:
            t = (sj + l1) / l2
        else:
            t = 0.0
        t = min(max(t, lower), upper)
        return sj * t - l1 * abs(t) - 0.5 * l2 * t * t
    up = upper if upper != np.inf else 0.0
    lo = lower if lower != -np.inf else 0.0
    return max(max(sj - l1, 0.0) * up, max(-sj - l1, 0.0) * (-lo))


@njit(cache=True, nogil=True, error_model="numpy")
def negative_entropy(t):
    """``t log t + (1 - t) log(1 - t)`` for ``t`` in ``[0, 1]`` (0 at both ends): the logistic loss's conjugate."""
    value = 0.0
    if t > 0.0:
        value += t * np.log(t)
    if t < 1.0:
        value += (1.0 - t) * np.log(1.0 - t)
    return value
