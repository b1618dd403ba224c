"""Numba: a whole coordinate-descent path, compiled as one loop over the alphas.

Each alpha is one :func:`sparsefit.solvers._ws_kernels.cd_solve`, exactly as
:meth:`sparsefit.solvers.CoordinateDescent.solve` runs it along a path (warm
start, the previous solve's dual state, the sequential strong rule on its
correlation bounds); what the loop saves is the Python between two solves.
On a text-like problem with 12,500 columns of 5 non-zeros each, a solve down
the path takes 20-180 us while the interpreter's share per alpha (penalty
vectors, the solver's wrapper, the solution's record, the deviance ratio)
took about 30 us.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit, objmode

from sparsefit.solvers._ws_kernels import cd_solve

_NO_FEATURES = np.empty(0, dtype=np.int64)


@njit(cache=True)
def _clock():
    """Wall time (``time.perf_counter``): the object-mode block takes the GIL for a call (about 0.4 us), the
    loop that calls it keeps running without (nogil=True here would only earn numba's warning)."""
    with objmode(now="float64"):
        now = time.perf_counter()
    return now


@njit(cache=True, nogil=True, error_model="numpy")
def _grow(buffer, used, extra):
    """``buffer``, or a copy twice as large when ``used + extra`` entries do not fit."""
    if used + extra <= buffer.shape[0]:
        return buffer
    grown = np.empty(max(2 * buffer.shape[0], used + extra), dtype=buffer.dtype)
    grown[:used] = buffer[:used]
    return grown


@njit(cache=True, nogil=True, error_model="numpy")
def cd_path(data, indices, indptr, XT, is_sparse, y, v, xbar, lips, sqrt_lips, unit_l1, unit_l2, lower, upper,
            fit_intercept, alphas, w, scale, threshold, tol, p0, null_value, max_epochs, max_outer, ws_start,
            anderson, screening, work, early_stop, previous_dev, dev_ratio_max, dev_change_min):
    """Solve the Quadratic datafit at each of ``alphas`` (decreasing, all below alpha_max) with warm starts.

    Parameters (beyond :func:`cd_solve`'s)
    ---------------------------------------
    unit_l1, unit_l2 : the penalty vectors at alpha = 1 (``l1 = alpha * unit_l1``).
    w : (p,) in/out: the warm start of the first alpha, then the last alpha's solution.
    scale : (p,) the coefficients reported are ``w_j / scale_j`` (standardization).
    null_value : the intercept-only model's loss (the deviance ratio's reference).
    early_stop, previous_dev, dev_ratio_max, dev_change_min : glmnet's rule: stop after the alpha whose
        deviance ratio reaches ``dev_ratio_max`` or changes by less than ``dev_change_min`` times itself
        from the previous alpha's (``previous_dev``: the ratio before the first alpha, NaN if none).

    Returns
    -------
    n_done, support_indices, support_values, support_ptr, intercepts, gaps, epochs, converged, misses,
    dev_ratio, seconds
        Per solved alpha (the first ``n_done`` of ``alphas``): its non-zeros are
        ``support_indices[support_ptr[k]:support_ptr[k + 1]]`` with values
        ``support_values[...]`` (divided by ``scale``); ``misses``: features of
        the solution outside the first working set (0 without one).
    """
    n = y.shape[0]
    p = w.shape[0]
    m = alphas.shape[0]
    l1 = np.empty(p)
    l2 = np.zeros(p)
    any_l2 = False
    for j in range(p):
        if unit_l2[j] != 0.0:
            any_l2 = True
    r = np.empty(n)
    Xt_theta = np.empty(p)
    theta = np.zeros(n)
    corr_base = np.empty(p)
    corr_drift = np.empty(p)
    scalars = np.zeros(7)
    watch = _NO_FEATURES
    use_dual_state = False
    support_ptr = np.zeros(m + 1, dtype=np.int64)
    support_indices = np.empty(max(4 * m, 64), dtype=np.int64)
    support_values = np.empty(support_indices.shape[0])
    intercepts = np.zeros(m)
    gaps = np.zeros(m)
    epochs = np.zeros(m, dtype=np.int64)
    converged = np.zeros(m, dtype=np.bool_)
    misses = np.zeros(m, dtype=np.int64)
    dev_ratio = np.zeros(m)
    seconds = np.zeros(m)
    n_done = 0
    for k in range(m):
        start = _clock()
        alpha = alphas[k]
        for j in range(p):
            l1[j] = alpha * unit_l1[j]
        if any_l2:
            for j in range(p):
                l2[j] = alpha * unit_l2[j]
        r[:] = y
        strong_factor = max(2.0 - alphas[k - 1] / alpha, 0.0) if (use_dual_state and k > 0) else -1.0
        b, gap, _, _, n_epochs, n_checks, ok, _, n_missed, watched, cand, support = cd_solve(
            data, indices, indptr, XT, is_sparse, y, v, xbar, lips, sqrt_lips, l1, l2, lower, upper, fit_intercept,
            w, r, _NO_FEATURES, False, Xt_theta, theta, corr_base, corr_drift, scalars, watch, use_dual_state,
            alpha, strong_factor, threshold, tol, p0, max_epochs, max_outer, ws_start, anderson, screening, work)
        misses[k] = n_missed if use_dual_state else 0
        # the next solve starts from this one's dual state when it ran a check (as CoordinateDescent.solve hands on)
        use_dual_state = n_checks > 0
        watch = cand if (use_dual_state and watched) else _NO_FEATURES
        used = support_ptr[k]
        support_indices = _grow(support_indices, used, support.shape[0])
        support_values = _grow(support_values, used, support.shape[0])
        for s in range(support.shape[0]):
            j = support[s]
            support_indices[used + s] = j
            support_values[used + s] = w[j] / scale[j]
        support_ptr[k + 1] = used + support.shape[0]
        # the loss at the solution, from the residual the solve leaves (r = y - X w)
        value = 0.0
        for i in range(n):
            d = r[i] - b
            value += v[i] * d * d
        value *= 0.5
        dev_ratio[k] = 1.0 - value / null_value if null_value > 0.0 else 0.0
        intercepts[k] = b
        gaps[k] = gap
        epochs[k] = n_epochs
        converged[k] = ok
        n_done = k + 1
        seconds[k] = _clock() - start
        before = dev_ratio[k - 1] if k > 0 else previous_dev
        if early_stop and not np.isnan(before):
            if dev_ratio[k] >= dev_ratio_max or abs(dev_ratio[k] - before) < dev_change_min * max(abs(dev_ratio[k]),
                                                                                                  1e-12):
                break
    return (n_done, support_indices, support_values, support_ptr, intercepts, gaps, epochs, converged, misses,
            dev_ratio, seconds)
