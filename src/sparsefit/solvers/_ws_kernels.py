"""Numba: the working-set coordinate-descent solve, compiled as a whole.

Built from the same arithmetic as :mod:`sparsefit.solvers._kernels` (the
prox of one coordinate, the KKT distance, the dual scaling and the penalty
conjugate), but with the outer loop inside the compiled code: on a path of
100 alphas over 50,000 features the NumPy outer loop cost about three
``X.T @ r`` passes of interpreter and temporary-array overhead per alpha,
more than the solve itself. One call here solves one alpha.

Storage is passed as ``(data, indices, indptr, XT, is_sparse)``: a CSC
matrix with an empty ``XT``, or a dense ``XT = X.T`` (C-contiguous, p x n)
with empty CSC arrays. The branch on ``is_sparse`` sits outside the inner
loops, so one compiled signature serves both storages (two with int64
indices).

Problem, dual, dual point, gap and stopping rule are those of
:mod:`sparsefit.solvers._cd` (weighted least squares ``1/2 sum_i v_i
(z_i - x_i.w - b)^2`` plus the per-feature Elastic-Net penalty and box).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sparsefit.solvers._kernels import _REASSOC, _prox_coordinate, conjugate_term, kkt_one


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def dense_dot(XT, j, u):
    """``XT[j] . u`` (a dense column of X times a vector)."""
    acc = 0.0
    for i in range(XT.shape[1]):
        acc += XT[j, i] * u[i]
    return acc


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def dense_dot3(XT, j, v, u):
    """``sum_i XT[j, i] v_i u_i``."""
    acc = 0.0
    for i in range(XT.shape[1]):
        acc += XT[j, i] * v[i] * u[i]
    return acc


@njit(cache=True, nogil=True, error_model="numpy")
def col_dot(data, indices, indptr, XT, is_sparse, j, u):
    """``X[:, j] . u``."""
    if not is_sparse:
        return dense_dot(XT, j, u)
    acc = 0.0
    for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
        acc += data[idx] * u[np.uintp(indices[idx])]
    return acc


@njit(cache=True, nogil=True, error_model="numpy")
def col_axpy(data, indices, indptr, XT, is_sparse, j, a, u):
    """``u += a * X[:, j]`` in place."""
    if is_sparse:
        for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
            u[np.uintp(indices[idx])] += a * data[idx]
    else:
        for i in range(XT.shape[1]):
            u[i] += a * XT[j, i]


# Loops over many columns live in the functions below, with the column loops written out: a call with array
# arguments inside a loop costs numba an atomic reference count per array and call (found with perf: a fifth
# of a sparse path's time went to them when the checks called col_dot once per feature).


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def correlations(data, indices, indptr, XT, is_sparse, cand, mask, u, out):
    """``out[j] = X[:, j] . u`` for ``j`` in ``cand`` with ``mask[j]``; returns the column entries read."""
    read = 0
    if is_sparse:
        for k in range(cand.shape[0]):
            j = cand[k]
            if mask[j]:
                start = np.uintp(indptr[j])
                stop = np.uintp(indptr[j + 1])
                acc = 0.0
                for idx in range(start, stop):
                    acc += data[idx] * u[np.uintp(indices[idx])]
                out[j] = acc
                read += stop - start
    else:
        for k in range(cand.shape[0]):
            j = cand[k]
            if mask[j]:
                out[j] = dense_dot(XT, j, u)
                read += XT.shape[1]
    return read


@njit(cache=True, nogil=True, error_model="numpy")
def subtract_columns(data, indices, indptr, XT, is_sparse, cols, coefs, u):
    """``u -= sum_k coefs[k] X[:, cols[k]]`` in place (zero coefficients skipped)."""
    for k in range(cols.shape[0]):
        a = coefs[k]
        if a == 0.0:
            continue
        j = cols[k]
        if is_sparse:
            for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                u[np.uintp(indices[idx])] -= a * data[idx]
        else:
            for i in range(u.shape[0]):
                u[i] -= a * XT[j, i]


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def weight_summary(v):
    """``(sum(v), v[0] if every v_i equals v[0] else 0.0)``, in one vectorized pass.

    Each solve needs both; ``v.sum()`` is a serial chain of additions and an
    early-exit equality loop does not vectorize: together they were the
    hottest lines of ``cd_solve`` on a 5,000-sample path (``perf``).
    """
    n = v.shape[0]
    if n == 0:
        return 0.0, 0.0
    v0 = v[0]
    total = 0.0
    same = True
    for i in range(n):
        total += v[i]
        same &= v[i] == v0
    return total, (v0 if same else 0.0)


@njit(cache=True, nogil=True, error_model="numpy")
def _epoch(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, r, b, w, ws, xbar, lips, l1, l2, lower, upper,
           fit_intercept, plain_l1, fill_stats):
    """One cyclic pass over ``ws``; returns the intercept and the largest ``lips_j |delta_j|``.

    ``lips_j |delta_j|`` is the length of feature ``j``'s proximal-gradient step
    in gradient units: its KKT violation when it was visited (exactly so for
    the plain L1 penalty while the sign holds). Its largest value over the pass
    estimates the violation of the point the pass started from, for free.

    ``uniform_v > 0`` says every ``v_i`` equals it: the gradient then skips the
    weights (one gather less per non-zero on CSC columns). The column loops are
    written out here rather than calling :func:`col_dot` / :func:`col_axpy`:
    a call with array arguments in this loop costs numba an atomic reference
    count per array, more than a short sparse column itself. ``plain_l1`` says
    every feature of ``ws`` has ``l2 = 0`` and no bounds (:func:`plain_l1_on`).

    With ``fill_stats`` the pass first computes each feature's ``v``-weighted
    column statistics (``xbar_j = X_j.T v / v_sum`` with an intercept, 0
    without, and ``lips_j = sum_i v_i (X_ij - xbar_j)^2``) into ``xbar`` and
    ``lips``, in the loop over the column that takes its gradient: a proximal
    Newton step's new Hessian weights then cost no pass of their own.
    """
    max_step = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        grad = 0.0
        if fill_stats:
            # the gradient and the statistics from the same loads (each column is read once)
            col_sum = 0.0
            col_sq = 0.0
            if is_sparse:
                for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                    i = np.uintp(indices[idx])
                    vx = v[i] * data[idx]
                    grad += vx * r[i]
                    col_sum += vx
                    col_sq += vx * data[idx]
            else:
                for i in range(r.shape[0]):
                    vx = v[i] * XT[j, i]
                    grad += vx * r[i]
                    col_sum += vx
                    col_sq += vx * XT[j, i]
            mean = col_sum / v_sum if fit_intercept else 0.0
            lj = max(col_sq - v_sum * mean * mean, 0.0) if fit_intercept else col_sq
            xbar[j] = mean
            lips[j] = lj
            if lj <= 0.0:
                continue
        else:
            lj = lips[j]
            if lj <= 0.0:
                continue
            if is_sparse:
                start = np.uintp(indptr[j])
                stop = np.uintp(indptr[j + 1])
                if uniform_v > 0.0:
                    for idx in range(start, stop):
                        grad += data[idx] * r[np.uintp(indices[idx])]
                    grad *= uniform_v
                else:
                    for idx in range(start, stop):
                        i = np.uintp(indices[idx])
                        grad += data[idx] * v[i] * r[i]
            elif uniform_v > 0.0:
                grad = uniform_v * dense_dot(XT, j, r)
            else:
                grad = dense_dot3(XT, j, v, r)
        if fit_intercept:
            grad -= b * v_sum * xbar[j]
        old = w[j]
        if plain_l1:
            # _prox_coordinate with l2 = 0 and no bounds (the same floating-point result), without their three
            # loads per feature: 7% of an epoch over a logistic working set's scattered features
            zj = lj * old + grad
            l1j = l1[j]
            new = (zj - l1j) / lj if zj > l1j else ((zj + l1j) / lj if zj < -l1j else 0.0)
        else:
            new = _prox_coordinate(lj * old + grad, lj, l1[j], l2[j], lower[j], upper[j])
        delta = new - old
        if delta != 0.0:
            w[j] = new
            if is_sparse:
                for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                    r[np.uintp(indices[idx])] -= delta * data[idx]
            else:
                for i in range(r.shape[0]):
                    r[i] -= delta * XT[j, i]
            if fit_intercept:
                b -= delta * xbar[j]
            max_step = max(max_step, lj * abs(delta))
    return b, max_step


@njit(cache=True, nogil=True, error_model="numpy")
def plain_l1_on(ws, l2, lower, upper):
    """Whether every feature of ``ws`` has ``l2 = 0`` and no bounds: its coordinate steps are soft-thresholds."""
    for k in range(ws.shape[0]):
        j = ws[k]
        if l2[j] != 0.0 or lower[j] != -np.inf or upper[j] != np.inf:
            return False
    return True


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def weighted_sq_sum(v, r, b):
    """``sum_i v_i (r_i - b)^2``, vectorized (reassociated: without it, one serial chain of additions)."""
    total = 0.0
    for i in range(r.shape[0]):
        d = r[i] - b
        total += v[i] * d * d
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def _ws_objective(v, r, b, ws, l1, l2, values):
    """Subproblem objective with the working-set coefficients taken from ``values`` (indexed like ``ws``)."""
    loss = weighted_sq_sum(v, r, b)
    pen = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        t = values[k]
        pen += l1[j] * abs(t) + 0.5 * l2[j] * t * t
    return 0.5 * loss + pen


@njit(cache=True, nogil=True, error_model="numpy")
def _solve_small(gram, rhs):
    """Gaussian elimination with partial pivoting; returns ``(x, ok)`` (``ok`` False when singular)."""
    m = rhs.shape[0]
    a = gram.copy()
    x = rhs.copy()
    for c in range(m):
        piv = c
        for i in range(c + 1, m):
            if abs(a[i, c]) > abs(a[piv, c]):
                piv = i
        if not abs(a[piv, c]) > 0.0:
            return x, False
        if piv != c:
            for k in range(m):
                a[c, k], a[piv, k] = a[piv, k], a[c, k]
            x[c], x[piv] = x[piv], x[c]
        for i in range(c + 1, m):
            f = a[i, c] / a[c, c]
            for k in range(c, m):
                a[i, k] -= f * a[c, k]
            x[i] -= f * x[c]
    for c in range(m - 1, -1, -1):
        s = x[c]
        for k in range(c + 1, m):
            s -= a[c, k] * x[k]
        x[c] = s / a[c, c]
    return x, True


@njit(cache=True, nogil=True, error_model="numpy")
def _anderson(data, indices, indptr, XT, is_sparse, v, v_sum, z, r, b, w, ws, history, l1, l2, lower, upper,
              fit_intercept, scratch):
    """Anderson extrapolation of the last iterates (skglm's AndersonCD), kept only if it lowers the objective."""
    m = history.shape[0] - 1
    nws = ws.shape[0]
    gram = np.zeros((m, m))
    for s in range(m):
        for t in range(s, m):
            acc = 0.0
            for k in range(nws):
                acc += (history[s + 1, k] - history[s, k]) * (history[t + 1, k] - history[t, k])
            gram[s, t] = acc
            gram[t, s] = acc
    coefs, ok = _solve_small(gram, np.ones(m))
    if not ok:
        return b
    total = coefs.sum()
    if not np.isfinite(total) or total == 0.0:
        return b
    w_acc = np.zeros(nws)
    for k in range(nws):
        acc = 0.0
        for s in range(m):
            acc += coefs[s] / total * history[s + 1, k]
        j = ws[k]
        w_acc[k] = min(max(acc, lower[j]), upper[j])
    for i in range(scratch.shape[0]):
        scratch[i] = z[i]
    subtract_columns(data, indices, indptr, XT, is_sparse, ws, w_acc, scratch)
    b_acc = 0.0
    if fit_intercept:
        b_acc = np.dot(v, scratch) / v_sum
    w_now = np.empty(nws)
    for k in range(nws):
        w_now[k] = w[ws[k]]
    if _ws_objective(v, scratch, b_acc, ws, l1, l2, w_acc) < _ws_objective(v, r, b, ws, l1, l2, w_now):
        for k in range(nws):
            w[ws[k]] = w_acc[k]
        r[:] = scratch
        return b_acc
    return b


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def _ws_kkt(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, r, b, w, ws, xbar, l1, l2, lower, upper,
            fit_intercept, theta):
    """KKT violation on ``ws`` at the dual point ``v (r - b)``.

    With uniform weights each correlation is :func:`_epoch`'s gradient,
    ``uniform_v X_j.T r - b v_sum xbar_j``: no pass over the samples (on the
    short working sets of a path, that pass cost more than the columns).
    Otherwise the dual point is formed in ``theta`` first: one gather per
    non-zero instead of two.
    """
    if uniform_v <= 0.0:
        for i in range(r.shape[0]):
            theta[i] = v[i] * (r[i] - b)
    worst = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        corr = 0.0
        if is_sparse:
            start = np.uintp(indptr[j])
            stop = np.uintp(indptr[j + 1])
            if uniform_v > 0.0:
                for idx in range(start, stop):
                    corr += data[idx] * r[np.uintp(indices[idx])]
            else:
                for idx in range(start, stop):
                    corr += data[idx] * theta[np.uintp(indices[idx])]
        elif uniform_v > 0.0:
            corr = dense_dot(XT, j, r)
        else:
            corr = dense_dot(XT, j, theta)
        if uniform_v > 0.0:
            corr *= uniform_v
            if fit_intercept:
                corr -= b * v_sum * xbar[j]
        d = kkt_one(w[j], -corr, l1[j], l2[j], lower[j], upper[j])
        if d > worst:
            worst = d
    return worst


@njit(cache=True, nogil=True, error_model="numpy")
def solve_ws(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, z, r, b, w, ws, xbar, lips, l1, l2, lower,
             upper, fit_intercept, target, max_epochs, anderson, check_every, fill_stats, trust_steps):
    """Coordinate descent on ``ws`` until its KKT violation is at most ``target``.

    ``(v_sum, uniform_v)`` is ``weight_summary(v)`` (the caller's: a path's weights do not change between its
    solves). ``w`` and ``r`` (``= z - X w`` on entry) are updated in place. Returns
    ``(b, n_epochs, kkt)``: the intercept optimal for the final ``w`` (up to its incremental updates' rounding
    when no check ran last), the epochs run and the last KKT violation measured on ``ws`` (``inf`` if none).
    With ``trust_steps``, from the second epoch on, a pass whose largest step is within ``target`` ends the solve
    without a check of its own (for a caller that checks the point it gets). With ``fill_stats`` the first
    epoch computes ``xbar`` and ``lips`` on ``ws`` for these weights ``v`` (see :func:`_epoch`); they are not read
    before.
    """
    n = r.shape[0]
    nws = ws.shape[0]
    history = np.empty((max(anderson, 1) + 1, nws))
    n_hist = 0
    kkt = np.inf
    # the dual point for non-uniform weights (see _ws_kkt); Anderson's trial residual, allocated at its first use
    # (a short solve never gets there)
    theta = np.empty(0 if uniform_v > 0.0 else n)
    scratch = np.empty(0)
    n_epochs = 0
    plain_l1 = plain_l1_on(ws, l2, lower, upper)
    while n_epochs < max_epochs:
        first_pass = fill_stats and n_epochs == 0
        b, max_step = _epoch(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, r, b, w, ws, xbar, lips, l1,
                             l2, lower, upper, fit_intercept, plain_l1, first_pass)
        n_epochs += 1
        if anderson > 0:
            for k in range(nws):
                history[n_hist, k] = w[ws[k]]
            n_hist += 1
            if n_hist == anderson + 1:
                if scratch.shape[0] == 0:
                    scratch = np.empty(n)
                b = _anderson(data, indices, indptr, XT, is_sparse, v, v_sum, z, r, b, w, ws, history, l1, l2,
                              lower, upper, fit_intercept, scratch)
                n_hist = 0
        # on schedule, or when the pass's own steps say the target is probably met already
        if trust_steps and n_epochs >= 2 and max_step <= target:
            break
        if n_epochs % check_every == 0 or max_step <= target:
            if fit_intercept:
                # re-anchor: the incremental intercept update drifts by rounding
                b = np.dot(v, r) / v_sum
            kkt = _ws_kkt(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, r, b, w, ws, xbar, l1, l2, lower,
                          upper, fit_intercept, theta)
            if kkt <= target:
                break
    return b, n_epochs, kkt


@njit(cache=True, nogil=True, error_model="numpy")
def solve_ws_active_first(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, z, r, b, w, ws, xbar, lips, l1,
                          l2, lower, upper, fit_intercept, target, max_epochs, anderson, check_every, fill_stats,
                          trust_steps):
    """:func:`solve_ws` for a working set much larger than its support: glmnet's inner strategy.

    One epoch over ``ws``, then :func:`solve_ws` on its non-zero features alone
    down to ``target``, then the KKT check over ``ws``; repeated until that check
    passes. A feature that stays at zero then costs one epoch per round instead
    of every epoch (a cold logistic fit's first working set of the features
    twice over the strong threshold can keep a tenth of them). Once every
    feature of ``ws`` is non-zero, the rest is :func:`solve_ws` on ``ws``.
    Same arguments and returns as :func:`solve_ws` (``fill_stats``: the first
    epoch over ``ws`` fills them).
    """
    nws = ws.shape[0]
    theta = np.empty(0 if uniform_v > 0.0 else r.shape[0])
    active = np.empty(nws, dtype=np.int64)
    # the statistics are filled by the first epoch over ws; runtime False, not the literal (a literal argument is a
    # signature of its own: solve_ws compiled once more)
    no_fill = nws < 0
    n_epochs = 0
    kkt = np.inf
    plain_l1 = plain_l1_on(ws, l2, lower, upper)
    while n_epochs < max_epochs:
        first_pass = fill_stats and n_epochs == 0
        b, _ = _epoch(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, r, b, w, ws, xbar, lips, l1, l2,
                      lower, upper, fit_intercept, plain_l1, first_pass)
        n_epochs += 1
        n_active = 0
        for k in range(nws):
            if w[ws[k]] != 0.0:
                active[n_active] = ws[k]
                n_active += 1
        if n_active > 0:
            b, epochs, kkt = solve_ws(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, z, r, b, w,
                                      active[:n_active], xbar, lips, l1, l2, lower, upper, fit_intercept, target,
                                      max_epochs - n_epochs, anderson, check_every, no_fill, trust_steps)
            n_epochs += epochs
            if n_active == nws:  # the active set is ws: that solve's check covered all of it
                break
        if fit_intercept:
            b = np.dot(v, r) / v_sum  # re-anchored, as solve_ws does before a check
        kkt = _ws_kkt(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, r, b, w, ws, xbar, l1, l2, lower,
                      upper, fit_intercept, theta)
        if kkt <= target:
            break
    return b, n_epochs, kkt


@njit(cache=True, nogil=True, error_model="numpy")
def _unpenalized_block(data, indices, indptr, XT, is_sparse, n, v, xbar, fit_intercept, unpenalized):
    """The centered unpenalized columns ``U`` and the pseudo-inverse of ``U.T diag(v) U``."""
    nu = unpenalized.shape[0]
    U = np.zeros((n, nu))
    for k in range(nu):
        j = unpenalized[k]
        col = np.zeros(n)
        col_axpy(data, indices, indptr, XT, is_sparse, j, 1.0, col)
        shift = xbar[j] / v.sum() if fit_intercept else 0.0
        for i in range(n):
            U[i, k] = col[i] - shift
    gram = np.zeros((nu, nu))
    for s in range(nu):
        for t in range(nu):
            acc = 0.0
            for i in range(n):
                acc += U[i, s] * v[i] * U[i, t]
            gram[s, t] = acc
    return U, np.ascontiguousarray(np.linalg.pinv(gram))


@njit(cache=True, nogil=True, error_model="numpy")
def _across_margin(n):
    """The relative margin added to ``||e||^2 = ||d||^2 - t^2`` (see :func:`_dual_point`): the two sums over
    ``n`` samples, reassociated, carry a rounding error up to about ``n`` units of roundoff each."""
    return 1e-14 + 4.0 * n * 2.220446049250313e-16


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def _dual_point(v, v_sum, inv_v, r, b, y, fit_intercept, refit, theta, step, ref_n, with_ref):
    """``theta = v (r - b)`` projected onto ``sum(theta) = 0``, in place, and the numbers the gap needs.

    With ``fit_intercept`` and ``refit``, ``b`` is first set to the intercept
    optimal for ``r`` (``sum v r / sum v``), from the same pass over the samples
    as the projection's shift. ``inv_v > 0`` says every ``v_i`` equals
    ``1 / inv_v``: the distance then needs no division per sample. The sums
    may be reassociated (vectorized; a last-bits difference, as in
    :func:`dense_dot`).

    Returns ``(b, loss, dual_lin, dual_quad, dist, dist_max, t, e)``: the intercept,
    ``sum v (r - b)^2``, ``theta . y``, ``sum theta^2 / v``, the distance
    from the point ``theta`` held on entry in the metric of the dual,
    ``sqrt(sum (theta - theta_old)^2 / v)``, in the max norm,
    ``max |theta - theta_old|``, and with ``with_ref`` the new point's offset
    from the reference ``ref_n`` (point and unit direction, see
    :func:`cd_solve`): ``theta - theta_ref = t u + e`` with ``e`` orthogonal
    to ``u`` (``e`` from ``||theta - theta_ref||^2 - t^2`` plus
    :func:`_across_margin` times the first: the difference cancels when the
    point moved almost along ``u``, and a bound must not round below the
    truth; 0 and 0 without ``with_ref``). ``step``, an (n,) buffer, holds ``|theta - theta_old|``:
    a running float max in the loop is a dependency chain that kept it from
    vectorizing, 2.4 to 6.3 us on 5,000 samples; the max over the buffer's bit
    patterns, ordered as the non-negative floats are, vectorizes).
    """
    n = r.shape[0]
    shift = 0.0
    if fit_intercept:
        total = 0.0
        for i in range(n):
            total += v[i] * r[i]
        if refit:
            b = total / v_sum
        shift = (total - b * v_sum) / v_sum
    loss = 0.0
    dual_lin = 0.0
    dual_quad = 0.0
    dist2 = 0.0
    dist_max = 0.0
    ref_sq = 0.0
    ref_along = 0.0
    # (the reference's sums ride along in the same pass: two more streams, cheaper than a second loop or a second
    # copy of each loop without them)
    ref = ref_n[0]
    u = ref_n[1]
    if inv_v > 0.0:
        # every v_i is v_0: the weights' stream is not read (one of seven, 3.6 -> 3.1 us on 5,000 samples)
        v_common = v[0]
        for i in range(n):
            d = r[i] - b
            loss += d * d
            t = v_common * (d - shift)
            dual_lin += t * y[i]
            dual_quad += t * (d - shift)  # theta_i^2 / v_i without the division
            e = t - theta[i]
            dist2 += e * e
            step[i] = abs(e)
            theta[i] = t
            o = t - ref[i]
            ref_sq += o * o
            ref_along += o * u[i]
        loss *= v_common
        ref_sq *= inv_v
        ref_along *= inv_v
    else:
        for i in range(n):
            d = r[i] - b
            loss += v[i] * d * d
            t = v[i] * (d - shift)
            dual_lin += t * y[i]
            dual_quad += t * (d - shift)
            e = 0.0
            if v[i] > 0.0:
                e = t - theta[i]
                dist2 += e * e / v[i]
                o = t - ref[i]
                ref_sq += o * o / v[i]
                ref_along += o * u[i] / v[i]
            step[i] = abs(e)
            theta[i] = t
    if inv_v > 0.0:
        dist2 *= inv_v
    bits = step.view(np.int64)
    top = 0
    for i in range(n):
        top = max(top, bits[i])
    if n > 0:
        bits[0] = top
        dist_max = step[0]
    if not with_ref:
        return b, loss, dual_lin, dual_quad, np.sqrt(dist2), dist_max, 0.0, 0.0
    across = np.sqrt(max(ref_sq - ref_along * ref_along, 0.0) + _across_margin(n) * ref_sq)
    return b, loss, dual_lin, dual_quad, np.sqrt(dist2), dist_max, ref_along, across


@njit(cache=True, nogil=True, error_model="numpy")
def offer_candidate(j, nonzero, unpenalized, dist_j, eligible, eligible_score, n_eligible):
    """Append feature ``j`` to a check's working-set candidates if it is one: a non-zero or unpenalized
    feature (score inf: always kept), or a KKT violator (score its distance ``dist_j > 0``). Returns the new
    count; :func:`top_scored` then picks among them."""
    if nonzero or unpenalized:
        eligible[n_eligible] = j
        eligible_score[n_eligible] = np.inf
        return n_eligible + 1
    if dist_j > 0.0:
        eligible[n_eligible] = j
        eligible_score[n_eligible] = dist_j
        return n_eligible + 1
    return n_eligible


@njit(cache=True, nogil=True, error_model="numpy")
def top_scored(candidates, score, ws_size):
    """The ``ws_size`` candidates of largest score, increasing; ties are taken in the candidates' order (the set
    a stable sort keeps). By selection, not a sort: a cold solve's first check can find thousands of violators.
    """
    n_candidates = candidates.shape[0]
    if ws_size >= n_candidates:
        return np.sort(candidates)
    level = -np.partition(-score, ws_size - 1)[ws_size - 1]
    n_above = 0
    for c in range(n_candidates):
        if score[c] > level:
            n_above += 1
    ties = ws_size - n_above
    chosen = np.empty(ws_size, dtype=np.int64)
    k = 0
    for c in range(n_candidates):
        if score[c] > level or (score[c] == level and ties > 0):
            if score[c] == level:
                ties -= 1
            chosen[k] = candidates[c]
            k += 1
    return np.sort(chosen)


# Indices into the ``scalars`` array of a path's dual state (see cd_solve).
S_DRIFT, S_ALPHA, S_DRIFT_START, S_WATCH, S_ALPHA_H, S_REF, S_PLAIN_L1 = 0, 1, 2, 3, 4, 5, 6
# the drift in the max norm (the Hoelder bounds); the watch list's window along and across the reference
# direction; the reference point's alpha; the dual point's speed (dual distance per unit of log alpha)
S_DRIFT_MAX, S_T_LO, S_T_HI, S_E_H, S_ALPHA_REF, S_SPEED = 7, 8, 9, 10, 11, 12
# the last check's residual is carried (how many solves in a row have taken it: see _CARRY_MAX), with its
# intercept, the dual point's sums and its offset from the reference
S_CARRIED, S_B, S_LOSS, S_DUAL_LIN, S_DUAL_QUAD, S_T_NOW, S_E_NOW = 13, 14, 15, 16, 17, 18, 19
# the sample weights' weight_summary (a path's weights are those of every solve: one pass over them a path, not
# three a solve)
S_V_SUM, S_V_UNIFORM = 20, 21
N_SCALARS = 22
# A solve that starts where the last one's final check left off (same coefficients) takes its residual and dual
# point instead of recomputing them (y - X w, a pass over the samples: 5 of ~65 us an alpha on the quick
# text-like path); every _CARRY_MAX solves the residual is recomputed from the coefficients all the same, so
# the rounding of the coordinate updates does not accumulate along a long path.
_CARRY_MAX = 8
# A watch list stays valid down to this fraction of the alpha it was built at (about 5 steps of a 100-alpha grid
# to alpha_max / 100, whose step is 0.955). The dual point's window: along the reference direction up to
# _WINDOW_SLACK times the travel the last window's speed predicts, across it a _WINDOW_CROSS fraction of that.
# On the quick text-like Lasso path (simulated on its exact dual points, then timed in process): 0.8 / 2 / 0.1
# made 27 passes over X with ~34 correlations per check, 6.6 ms; a cross fraction of 0.2 or 0.35, a horizon of
# 0.7 or a slack of 3 kept hundreds more features watched (8-11 ms); 0.05 rebuilt more often (7 ms); 0.93
# rebuilt every 2 alphas.
_HORIZON = 0.8
_WINDOW_SLACK = 2.0
_WINDOW_CROSS = 0.1


@njit(cache=True, nogil=True, error_model="numpy")
def _corr_bound(base, slope, drift, base_max, slope_max, drift_max):
    """A feature's bound on ``|X_j.T theta|``: the smaller of Cauchy-Schwarz's ``base + slope drift`` and
    Hoelder's ``base_max + slope_max drift_max`` (see :func:`cd_solve`; scalars only, so numba inlines it
    without a reference count per array)."""
    return min(base + slope * drift, base_max + slope_max * drift_max)


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def all_correlations(data, indices, indptr, XT, is_sparse, u, out):
    """``out = X.T u`` (every feature); returns the column entries read.

    :func:`correlations` over ``arange(p)`` with a mask of ones would do: its index and mask reads cost 4 of a
    pass's 50 us on 12,500 short columns, and a watch list's rebuild makes this pass every few alphas.
    """
    if not is_sparse:
        out[:] = np.dot(XT, u)
        return XT.shape[0] * XT.shape[1]
    for j in range(out.shape[0]):
        start = np.uintp(indptr[j])
        stop = np.uintp(indptr[j + 1])
        acc = 0.0
        if stop - start <= 2:
            # most columns of text-like data hold 0 to 2 entries: written out, without the reduction loop's set-up
            # (41 -> 37 us a pass on the quick text problem, whose 12,500 columns are 30% empty, 44% of one entry)
            if stop > start:
                acc = data[start] * u[np.uintp(indices[start])]
                if stop - start == 2:
                    acc += data[start + 1] * u[np.uintp(indices[start + 1])]
        else:
            for idx in range(start, stop):
                acc += data[idx] * u[np.uintp(indices[idx])]
        out[j] = acc
    return indptr[out.shape[0]] - indptr[0]


@njit(cache=True, nogil=True, error_model="numpy")
def _tighten_bounds(cand, ref_p, t, e, sqrt_lips, col_l1, corr_base, corr_base_max, drift, drift_max):
    """Lower the bounds of ``cand`` to ``|c_ref_j + t a_j| + sqrt(lips_j) e`` where that is smaller.

    ``ref_p`` holds ``c_ref = X.T theta_ref`` and ``a = X.T u`` (see :func:`cd_solve`); a bound at the
    current point is a base as good as an exact correlation for the drift bounds that grow from it.
    """
    c_ref = ref_p[0]
    slope = ref_p[1]
    for k in range(cand.shape[0]):
        j = cand[k]
        bound = abs(c_ref[j] + t * slope[j]) + sqrt_lips[j] * e
        corr_base[j] = min(corr_base[j], bound - sqrt_lips[j] * drift)
        corr_base_max[j] = min(corr_base_max[j], bound - col_l1[j] * drift_max)


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def _rebuild_watch_list(data, indices, indptr, XT, is_sparse, theta, theta_norm, t_now, e_now, w, sqrt_lips,
                        col_l1, l1, l2, unit_l1, unit_l2, unit_scale, corr_base, corr_base_max, drift, drift_max,
                        ref_n, ref_p, scalars, alpha, speed_hint, work):
    """Make ``theta`` the reference point (one pass over X when it moved) and list the features to watch.

    The reference holds ``theta_ref``, the unit direction ``u`` it came from
    (from the previous reference, in the dual's metric) and, for every
    feature, ``c_ref = X.T theta_ref`` and ``a = X.T u`` (the difference of the
    two references' correlations: no second pass). ``(t_now, e_now)`` is
    ``theta``'s offset from the old reference (:func:`_dual_point`), ``theta_norm``
    its norm; a point that moved by less than ``1e-9 theta_norm`` keeps the old
    reference (a direction from rounding noise would turn the correlations'
    rounding into large errors in ``a``) and the window grows to it. Within the
    window (alpha down to ``_HORIZON`` alpha; ``t`` in ``[t_lo, t_hi]``, ``e <=
    e_h`` for ``theta = theta_ref + t u + e``) feature j's correlation is at
    most ``max(|c_ref_j + t_lo a_j|, |c_ref_j + t_hi a_j|) + sqrt(lips_j)
    e_h``; the list holds the support and the features whose window bound
    exceeds ``_HORIZON l1_j`` (their bounds are made exact; the others keep
    theirs, still valid: they are not read while the list is). The window's travel is ``_WINDOW_SLACK`` times the
    dual point's speed over the last window (``speed_hint`` before a direction
    is known) times the log-alpha span to the horizon.

    The penalty is read as ``unit_scale * unit_l1`` (``l1`` and ``l2`` need to
    hold it only on the list: a path's loop scales them there alone, see
    :func:`cd_solve`); the listed features' ``l1`` and ``l2`` are written.

    Returns ``(watch, t, e)``: the list and ``theta``'s offset from the new reference.
    """
    n = theta.shape[0]
    p = w.shape[0]
    has_ref = scalars[S_REF] > 0.0
    moved = np.sqrt(t_now * t_now + e_now * e_now) if has_ref else 0.0
    renew = not has_ref or moved > 1e-9 * theta_norm
    speed = scalars[S_SPEED]
    inv_moved = 0.0
    if renew:
        if has_ref:
            span = np.log(scalars[S_ALPHA_REF] / alpha) if scalars[S_ALPHA_REF] > alpha > 0.0 else 0.0
            if scalars[S_ALPHA] > alpha > 0.0:
                span = max(span, np.log(scalars[S_ALPHA] / alpha))
            speed = moved / span if span > 0.0 else max(2.0 * speed, moved / np.log(1.0 / _HORIZON))
            inv_moved = 1.0 / moved
            ref = ref_n[0]
            u = ref_n[1]
            for i in range(n):
                u[i] = (theta[i] - ref[i]) * inv_moved
                ref[i] = theta[i]
            scalars[S_REF] = 2.0
        else:
            speed = speed_hint
            ref_n[0][:] = theta
            ref_n[1][:] = 0.0
            scalars[S_REF] = 1.0
        scalars[S_ALPHA_REF] = alpha
        scalars[S_SPEED] = speed
        t_now = 0.0
        e_now = 0.0
    travel = _WINDOW_SLACK * speed * np.log(1.0 / _HORIZON)
    if scalars[S_REF] > 1.0:
        e_h = _WINDOW_CROSS * travel
        t_lo = min(-e_h, t_now)
        t_hi = max(travel, t_now)
    else:  # no direction yet (u = 0, t = 0): the whole travel may go across
        e_h = travel
        t_lo = 0.0
        t_hi = 0.0
    e_h = max(e_h, e_now)
    c_ref = ref_p[0]
    slope = ref_p[1]
    # a vectorized pass flags the few features to watch (making the new reference's numbers first when it moved:
    # one pass over the p-vectors, not two, 13 -> 10 us on 12,500 features), a loop (its branch rarely taken)
    # lists them
    flags = np.empty(p, dtype=np.bool_)
    level = _HORIZON
    if renew:
        # the new correlations land in slope, then each feature's slope is their difference from the old ones
        work[1] += all_correlations(data, indices, indptr, XT, is_sparse, theta, slope)
        old_weight = 1.0 if has_ref else 0.0  # (inv_moved is 0 without a reference: slope 0)
        for j in range(p):
            cj = slope[j]
            aj = (cj - old_weight * c_ref[j]) * inv_moved
            c_ref[j] = cj
            slope[j] = aj
            reach = max(abs(cj + t_lo * aj), abs(cj + t_hi * aj)) + sqrt_lips[j] * e_h
            flags[j] = (sqrt_lips[j] > 0.0) & ((w[j] != 0.0) | (reach > level * (unit_scale * unit_l1[j])))
    else:
        for j in range(p):
            cj = c_ref[j]
            aj = slope[j]
            reach = max(abs(cj + t_lo * aj), abs(cj + t_hi * aj)) + sqrt_lips[j] * e_h
            flags[j] = (sqrt_lips[j] > 0.0) & ((w[j] != 0.0) | (reach > level * (unit_scale * unit_l1[j])))
    out = np.empty(p, dtype=np.int64)
    count = 0
    for j in range(p):
        if flags[j]:
            if renew:
                corr_base[j] = abs(c_ref[j]) - sqrt_lips[j] * drift
                corr_base_max[j] = abs(c_ref[j]) - col_l1[j] * drift_max
            l1[j] = unit_scale * unit_l1[j]
            l2[j] = unit_scale * unit_l2[j]
            out[count] = j
            count += 1
    scalars[S_ALPHA_H] = _HORIZON * alpha
    scalars[S_T_LO] = t_lo
    scalars[S_T_HI] = t_hi
    scalars[S_E_H] = e_h
    scalars[S_WATCH] = 1.0
    return out[:count], t_now, e_now


@njit(cache=True, nogil=True, error_model="numpy")
def _speed_hint(scalars, alpha, travelled):
    """The dual point's speed before a direction is known: ``travelled`` (the drift since the last solve began)
    per unit of log alpha from the last solve's alpha (a horizon's span when alpha did not move)."""
    alpha_prev = scalars[S_ALPHA]
    span = np.log(alpha_prev / alpha) if alpha_prev > alpha > 0.0 else np.log(1.0 / _HORIZON)
    return travelled / span


@njit(cache=True, nogil=True, error_model="numpy")
def _in_window(scalars, alpha, t, e):
    """Whether the watch list built last still vouches for the features outside it at ``(alpha, t, e)``."""
    return (scalars[S_WATCH] > 0.0 and alpha >= scalars[S_ALPHA_H] and scalars[S_T_LO] <= t <= scalars[S_T_HI]
            and e <= scalars[S_E_H])


@njit(cache=True, nogil=True, error_model="numpy")
def cd_solve(data, indices, indptr, XT, is_sparse, y, v, xbar, lips, sqrt_lips, col_l1, l1, l2, unit_l1, unit_l2,
             unit_scale, lower, upper, fit_intercept, w, r, ws_init, use_ws_init, Xt_theta, xt_vy_given, dual_theta,
             corr_base, corr_base_max, ref_n, ref_p, residual, scalars, watch, use_dual_state, alpha,
             strong_factor, threshold, tol, p0, max_epochs, max_outer, ws_start, anderson, screening, work):
    """Working-set CD for weighted least squares, certified by the duality gap (see :mod:`sparsefit.solvers._cd`).

    Parameters (beyond the storage and penalty arrays)
    ---------------------------------------------------
    v : normalized sample weights (sum 1); ``xbar = X.T v`` with an intercept, zeros without.
    lips, sqrt_lips : ``sum_i v_i (X_ij - xbar_j)^2`` (0 for constant columns) and its square root.
    col_l1 : ``sum_i |X_ij|`` (the slopes of the Hoelder bounds; 0 for constant columns).
    w : (p,) in/out: the warm start (clipped to the box and zeroed on constant columns here), then the solution.
    r : (n,) out: ``y - X w`` on exit (not read on entry); it may be ``residual`` itself, as in a path's loop.
    ws_init, use_ws_init : a first working set (e.g. the path's strong set) to solve before the first check.
    Xt_theta : (p,) out: ``X.T theta`` at the last check where it was computed; features it did not need
        carry their correlation bound instead (0 for constant columns). A solve that ends on a watch list
        (see below) writes only the correlations its checks computed: its caller reports none.
    xt_vy_given : ``Xt_theta`` holds ``X.T (v y)`` on entry (e.g. from :func:`sparsefit.solvers._prepared.prepare`'s
        pass): a cold solve (``w = 0``, no dual state, no first working set) then takes its first check's
        correlations from it, ``X.T theta = X.T (v y) - b xbar`` at ``w = 0``, instead of a pass over X.
    dual_theta, corr_base, corr_base_max, ref_n, ref_p, residual, scalars, watch : the dual state, in/out
        (``scalars`` indexed by ``S_*``; ``ref_n`` (2, n): the reference point and its unit direction, ``ref_p``
        (2, p): their correlations, see below; ``residual``: ``r`` at the last check, which a solve from the
        same ``w`` takes with the check's dual point when ``scalars[S_CARRIED]`` says so; a caller that moves
        ``w`` first sets it to 0).
        On exit they describe this solve's last dual point; with ``use_dual_state`` they come from the
        previous solve of a path (same problem, penalty scaled by another alpha; ``w`` its solution) and save
        the passes over X that the bounds make unnecessary. ``corr_base`` and ``corr_base_max`` are written
        whole when there is no dual state.
    alpha : the penalty's scale, ``l1 = alpha * l1_ratio * penalty_factor`` (a watch list is valid for a
        range of alpha).
    unit_l1, unit_l2, unit_scale : the penalty again, as ``unit_scale * unit_l1`` (and ``unit_l2``): a watch
        list's rebuild reads every feature's from them and writes the listed ones' ``l1`` and ``l2``, so a solve
        that starts on a watch list needs ``l1`` and ``l2`` only on it (a path's loop scales just those; a single
        solve passes its ``l1``, ``l2`` and 1).
    strong_factor : with a dual state, the sequential strong rule's ``(2 alpha - alpha_prev) / alpha``: the
        first working set is then the support plus ``{j : |X_j.T theta| >= strong_factor * l1_j}``, computed
        here from the bounds (replacing ``ws_init``); negative to use ``ws_init``.
    threshold : stop when the gap is at most this (``tol * p0`` with a rounding floor).
    work : int64 (2,) out: the column entries read by the optimality checks and by the bound refinements
        (in units of ``X.T @ r``'s ``nnz``, how much of a full pass the certification cost).

    Features with ``lips == 0`` (constant columns) stay at zero; features with
    ``l1 == l2 == 0`` are unpenalized: always in the working set, and the dual
    point is projected onto ``X_u.T theta = 0``.

    Correlation bounds. For a centered column and two dual points summing to
    zero, ``|X_j.T (theta - theta')| <= sqrt(lips_j) ||theta - theta'||`` in the
    dual's metric ``||u||^2 = sum u_i^2 / v_i`` (Cauchy-Schwarz), and
    ``<= ||X_j||_1 max_i |theta_i - theta'_i|`` (Hoelder). The dual points of a
    path travel a total distance ``drift`` (``scalars[S_DRIFT]``), ``drift_max``
    in the max norm; each feature keeps ``corr_base_j = |X_j.T theta_k| -
    sqrt(lips_j) drift_k`` and ``corr_base_max_j = |X_j.T theta_k| - ||X_j||_1
    drift_max_k`` from the last point ``theta_k`` where its correlation was
    computed, so the smaller of ``corr_base_j + sqrt(lips_j) drift`` and
    ``corr_base_max_j + ||X_j||_1 drift_max`` bounds ``|X_j.T theta|`` at the
    current point without touching feature j. On sparse columns the Hoelder
    bound grows about 6 times slower (a step of the dual point spreads over
    many rows, a column touches few); on a column of many entries the
    Cauchy-Schwarz one does. Without box constraints or unpenalized features:

    - a feature at zero whose bound is at most ``l1_j`` satisfies its KKT
      condition and does not limit the dual scaling (nor, with ``l2_j > 0``,
      add to ``G*``), so a check computes ``X_j.T theta`` only for the support
      and the features whose bound exceeds ``l1_j``;
    - gap-safe screening (Fercoq, Gramfort & Salmon 2015) runs on the bounds:
      with a dual state, the warm start's gap screens features before any pass
      over X. Screened features are provably zero, so the gap of the problem
      without them certifies the full one (same optimum);
    - along a path, a **watch list** holds the support and every feature whose
      correlation could exceed ``q l1_j`` (``q = _HORIZON``) while the dual
      point stays in a window around a reference point ``theta_ref``, where
      one pass over X computed every correlation. The dual points of a path
      lie near a smooth curve: writing ``theta = theta_ref + t u + e`` with
      ``u`` the unit direction from the previous reference and ``e`` across
      it, ``|X_j.T theta| <= |c_ref_j + t a_j| + sqrt(lips_j) ||e||`` with
      ``c_ref = X.T theta_ref`` and ``a = X.T u`` (the two references'
      correlations' difference: no second pass). Along the path ``t`` grows
      and ``||e||`` stays small, so this bound is far tighter than the
      drift's (on the quick text-like path, ~25 features a check need their
      correlation instead of ~85, and a list lasts 4-5 alphas instead of 2).
      Within the window (alpha >= q alpha_ref, ``t`` and ``||e||`` within the
      travel the last window's speed predicts) the others satisfy ``bound <=
      l1_j``, so solves touch only the watch list: their per-feature work is
      O(watch) instead of O(p). Each check tightens the list's bounds with the
      reference's; a solve whose dual point leaves the window makes it the
      new reference (one pass over X) and rebuilds the list.

    Returns
    -------
    b, gap, kkt, objective, n_epochs, n_checks, converged, n_screened, n_missed, watched, cand, support
        (``n_missed``: features of the solution outside the first working set, e.g. strong-rule violations;
        ``watched``: the solve ended on a watch list ``cand``, and ``Xt_theta`` holds only its features;
        ``support``: the indices of the non-zero coefficients, increasing)
    """
    n = y.shape[0]
    p = w.shape[0]
    # the column statistics are the prepared ones (runtime False: a literal argument compiles solve_ws once more)
    no_fill = n < 0
    if use_dual_state and scalars[S_V_SUM] > 0.0:
        v_sum, v_uniform = scalars[S_V_SUM], scalars[S_V_UNIFORM]
    else:
        v_sum, v_uniform = weight_summary(v)
    # 1 / v_i when the weights are uniform (the common case): no division per sample in the dual point
    inv_v = 1.0 / v_uniform if v_uniform > 0.0 else 0.0
    n_epochs = 0
    gap = np.inf
    kkt = np.inf
    objective = np.inf
    converged = False
    n_checks = 0

    screened = np.zeros(p, dtype=np.bool_)
    is_unpen = np.zeros(p, dtype=np.bool_)
    n_support = 0
    n_unpen = 0
    n_screened = 0
    max_l1 = 0.0
    max_l2 = 0.0
    watched = use_dual_state and scalars[S_WATCH] > 0.0
    carried = False
    if watched:
        # the previous solve of the path checked the problem's structure (no box, no unpenalized feature) and
        # every feature outside its watch list is zero
        cand = watch
        plain_l1 = scalars[S_PLAIN_L1] > 0.0
        use_bounds = True
        no_box = True
        for k in range(cand.shape[0]):
            j = cand[k]
            max_l1 = max(max_l1, l1[j])
            max_l2 = max(max_l2, l2[j])
            if w[j] != 0.0:
                n_support += 1
        carried = 0.0 < scalars[S_CARRIED] <= _CARRY_MAX
        if carried:
            if r.ctypes.data != residual.ctypes.data:  # (a path loop hands the same buffer: nothing to copy)
                r[:] = residual
        else:
            r[:] = y
            subtract_columns(data, indices, indptr, XT, is_sparse, cand, w[cand], r)
    else:
        cand = np.arange(p)
        no_bounds = True
        pure_l1 = True
        for j in range(p):
            if lips[j] <= 0.0:
                screened[j] = True
                n_screened += 1
                w[j] = 0.0
            else:
                w[j] = min(max(w[j], lower[j]), upper[j])
                if l1[j] == 0.0 and l2[j] == 0.0:
                    is_unpen[j] = True
                    n_unpen += 1
            if w[j] != 0.0:
                n_support += 1
            max_l1 = max(max_l1, l1[j])
            max_l2 = max(max_l2, l2[j])
            if lower[j] != -np.inf or upper[j] != np.inf:
                no_bounds = False
            if l2[j] != 0.0:
                pure_l1 = False
        r[:] = y
        subtract_columns(data, indices, indptr, XT, is_sparse, cand, w, r)
        # G* vanishes on its domain for pure L1 without bounds: the dual then needs no sum over the penalty
        plain_l1 = pure_l1 and no_bounds
        no_box = no_bounds
        # the bounds need a penalty symmetric in each w_j (G* increasing in |s|) and no projection on X_u
        use_bounds = no_bounds and n_unpen == 0
        scalars[S_PLAIN_L1] = 1.0 if plain_l1 else 0.0
        if not use_dual_state:
            for j in range(p):
                corr_base[j] = 0.0 if screened[j] else np.inf
                corr_base_max[j] = corr_base[j]
            scalars[:] = 0.0
    sequential = use_dual_state and use_bounds
    # the intercept optimal for the warm start (computed with the dual point when sequential)
    b = np.dot(v, r) / v_sum if (fit_intercept and not sequential) else 0.0
    ws_size = max(ws_start, 2 * n_support)
    if n_unpen > 0:
        unpenalized = np.flatnonzero(is_unpen)
        U, gram_pinv = _unpenalized_block(data, indices, indptr, XT, is_sparse, n, v, xbar, fit_intercept,
                                          unpenalized)
    else:
        U, gram_pinv = np.zeros((n, 0)), np.zeros((0, 0))
    scale = max(max(max_l1, max_l2), 1e-300)
    # the dual point, updated in place (on entry: the previous solve's, for the distance it travels)
    theta = dual_theta
    loss = 0.0
    need = np.zeros(p, dtype=np.bool_)
    step_buffer = np.empty(n)
    # the total distance the path's dual points have travelled: |X_j.T theta| <= corr_base[j] + sqrt_lips[j] * drift
    # and <= corr_base_max[j] + col_l1[j] * drift_max
    drift = scalars[S_DRIFT] if use_dual_state else 0.0
    drift_max = scalars[S_DRIFT_MAX] if use_dual_state else 0.0

    if sequential:
        if carried:
            # theta and its sums are the last check's, at this very point
            b, loss, dual_lin, dual_quad = scalars[S_B], scalars[S_LOSS], scalars[S_DUAL_LIN], scalars[S_DUAL_QUAD]
            dist0, dist0_max, t_ref, e_ref = 0.0, 0.0, scalars[S_T_NOW], scalars[S_E_NOW]
        else:
            b, loss, dual_lin, dual_quad, dist0, dist0_max, t_ref, e_ref = _dual_point(
                v, v_sum, inv_v, r, b, y, fit_intercept, True, theta, step_buffer, ref_n, scalars[S_REF] > 0.0)
        loss_fresh = True
        drift += dist0
        drift_max += dist0_max
        if watched and not _in_window(scalars, alpha, t_ref, e_ref):
            watched = False
        if not watched:
            speed = _speed_hint(scalars, alpha, max(scalars[S_DRIFT] - scalars[S_DRIFT_START], 0.0) + dist0)
            cand, t_ref, e_ref = _rebuild_watch_list(data, indices, indptr, XT, is_sparse, theta, np.sqrt(dual_quad),
                                                     t_ref, e_ref, w, sqrt_lips, col_l1, l1, l2, unit_l1, unit_l2,
                                                     unit_scale, corr_base, corr_base_max, drift, drift_max, ref_n,
                                                     ref_p, scalars, alpha, speed, work)
            watched = True
            # the penalty's scale over the list this solve works on (the one it started from may be empty: a
            # path's null state)
            max_l1 = 0.0
            max_l2 = 0.0
            for k in range(cand.shape[0]):
                max_l1 = max(max_l1, l1[cand[k]])
                max_l2 = max(max_l2, l2[cand[k]])
            scale = max(max(max_l1, max_l2), 1e-300)
        _tighten_bounds(cand, ref_p, t_ref, e_ref, sqrt_lips, col_l1, corr_base, corr_base_max, drift, drift_max)
        scalars[S_DRIFT_START] = drift
        kappa = 1.0
        level = strong_factor if strong_factor >= 0.0 else 1.0
        # a loose bound at or above the strong rule's level would drag the dual scaling down or bloat the strong
        # set: make those exact
        for k in range(cand.shape[0]):
            j = cand[k]
            need[j] = (_corr_bound(corr_base[j], sqrt_lips[j], drift, corr_base_max[j], col_l1[j], drift_max)
                       >= level * l1[j])
        work[1] += correlations(data, indices, indptr, XT, is_sparse, cand, need, theta, Xt_theta)
        for k in range(cand.shape[0]):
            j = cand[k]
            if need[j]:
                corr_base[j] = abs(Xt_theta[j]) - sqrt_lips[j] * drift
                corr_base_max[j] = abs(Xt_theta[j]) - col_l1[j] * drift_max
            bound = _corr_bound(corr_base[j], sqrt_lips[j], drift, corr_base_max[j], col_l1[j], drift_max)
            if l2[j] == 0.0 and bound > l1[j]:
                kappa = min(kappa, l1[j] / bound)
        dual = kappa * dual_lin - 0.5 * kappa * kappa * dual_quad
        if not plain_l1:
            for k in range(cand.shape[0]):
                j = cand[k]
                # g_j*(s) is 0 for |s| <= l1_j (the bounds of most features)
                sj = kappa * _corr_bound(corr_base[j], sqrt_lips[j], drift, corr_base_max[j], col_l1[j], drift_max)
                if sj > l1[j]:
                    dual -= conjugate_term(sj, l1[j], l2[j], lower[j], upper[j])
        gap0 = 0.5 * loss - dual
        for k in range(cand.shape[0]):
            j = cand[k]
            wj = w[j]
            if wj != 0.0:
                gap0 += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
        if screening and np.isfinite(gap0):
            radius = np.sqrt(2.0 * max(gap0, 0.0))
            dropped = False
            for k in range(cand.shape[0]):
                j = cand[k]
                bound = _corr_bound(corr_base[j], sqrt_lips[j], drift, corr_base_max[j], col_l1[j], drift_max)
                if l1[j] > 0.0 and kappa * bound + sqrt_lips[j] * radius < l1[j]:
                    screened[j] = True
                    n_screened += 1
                    if w[j] != 0.0:
                        col_axpy(data, indices, indptr, XT, is_sparse, j, w[j], r)
                        w[j] = 0.0
                        dropped = True
            if dropped:
                loss_fresh = False
                if fit_intercept:
                    b = np.dot(v, r) / v_sum
    else:
        loss_fresh = False
        if not use_dual_state:
            theta[:] = 0.0
    if not sequential:
        scalars[S_WATCH] = 0.0

    own_strong_set = sequential and strong_factor >= 0.0
    first_ws = np.zeros(p if (use_ws_init or own_strong_set) else 0, dtype=np.bool_)
    if use_ws_init or own_strong_set:
        # glmnet's order along a path: solve on support + strong set first, check everything after
        if not own_strong_set:
            for k in range(ws_init.shape[0]):
                first_ws[ws_init[k]] = True
        ws_buffer = np.empty(cand.shape[0], dtype=np.int64)
        count = 0
        pen = 0.0
        for k in range(cand.shape[0]):
            j = cand[k]
            wj = w[j]
            if wj != 0.0:
                pen += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
            # own strong set: the sequential strong rule on the (exact where it matters) correlation bounds
            if own_strong_set:
                chosen = (_corr_bound(corr_base[j], sqrt_lips[j], drift, corr_base_max[j], col_l1[j], drift_max)
                          >= strong_factor * l1[j])
            else:
                chosen = first_ws[j]
            chosen = (chosen or wj != 0.0 or is_unpen[j]) and not screened[j]
            first_ws[j] = chosen
            if chosen:
                ws_buffer[count] = j
                count += 1
        if count > 0:
            ws = ws_buffer[:count]
            if not loss_fresh:
                loss = weighted_sq_sum(v, r, b)
            start = 0.5 * loss + pen
            # the gap's dual-scaling term is about 2 P(w) kkt / l1, so this KKT target meets tol * P(0)
            target = 0.5 * tol * scale * p0 / max(start, 1e-300)
            # a warm start is close: checking every 3 epochs instead of 5 saved a third of a path's epochs; on
            # sparse columns every 2 (quick text paths 3-4% faster, the same at full size and at tol 1e-6), but
            # not on dense ones (where a check at 2 epochs mostly failed: dense Lasso path 2.5% slower)
            # (np.int64, not a literal: each literal int argument compiles solve_ws once more)
            check_every = np.int64(2) if is_sparse else np.int64(3)
            # (trusting the passes' steps on sparse X, where this solve's own check costs more than the optimality
            # check that follows: quick text Lasso path 4% faster, the same epochs; dense Lasso path 7% slower)
            b, epochs, _ = solve_ws(data, indices, indptr, XT, is_sparse, v, v_sum, v_uniform, y, r, b, w, ws, xbar,
                                    lips, l1, l2, lower, upper, fit_intercept, target, max_epochs, anderson,
                                    check_every, no_fill, is_sparse)
            n_epochs += epochs
            ws_size = max(ws_size, count)

    # the first check's dual point is the null model's, whose correlations the caller brought (r = y, theta =
    # v (y - b) up to the projection's rounding-level shift)
    from_vy = xt_vy_given and n_support == 0 and not (use_dual_state or use_ws_init or own_strong_set)
    # a check writes the KKT distance of every needed feature (the only ones the working set reads it from)
    dist = np.empty(p)
    # the working set's candidates, at most one per feature of cand (sized to it: a path's watch list is short)
    eligible = np.empty(cand.shape[0], dtype=np.int64)
    eligible_score = np.empty(cand.shape[0])
    for _ in range(max_outer):
        # (re-anchors the intercept: its incremental updates drift by rounding)
        b, loss, dual_lin, dual_quad, step, step_max, t_ref, e_ref = _dual_point(
            v, v_sum, inv_v, r, b, y, fit_intercept, True, theta, step_buffer, ref_n, watched)
        if sequential or n_checks > 0:
            drift += step
            drift_max += step_max
        if watched:
            if not _in_window(scalars, alpha, t_ref, e_ref):
                # the dual point left the watch list's window: the other features lose their guarantee, and this
                # point becomes the reference of a new list
                speed = _speed_hint(scalars, alpha, max(drift - scalars[S_DRIFT_START], 0.0))
                cand, t_ref, e_ref = _rebuild_watch_list(data, indices, indptr, XT, is_sparse, theta,
                                                         np.sqrt(dual_quad), t_ref, e_ref, w, sqrt_lips, col_l1,
                                                         l1, l2, unit_l1, unit_l2, unit_scale, corr_base,
                                                         corr_base_max, drift, drift_max, ref_n, ref_p, scalars, alpha,
                                                         speed, work)
            _tighten_bounds(cand, ref_p, t_ref, e_ref, sqrt_lips, col_l1, corr_base, corr_base_max, drift,
                            drift_max)
        # the correlations this check needs: the support, and every feature its bound cannot vouch for
        n_need = 0
        for k in range(cand.shape[0]):
            j = cand[k]
            need[j] = (not screened[j]) and (w[j] != 0.0 or not use_bounds
                                             or _corr_bound(corr_base[j], sqrt_lips[j], drift, corr_base_max[j],
                                                            col_l1[j], drift_max) > l1[j])
            if need[j]:
                n_need += 1
        if from_vy:
            from_vy = False
            for k in range(cand.shape[0]):
                j = cand[k]
                if need[j]:
                    Xt_theta[j] -= b * xbar[j]
        elif not is_sparse and 2 * n_need > p:
            # mostly needed on dense X: one BLAS matrix-vector product beats per-column loops
            Xt_theta[:] = np.dot(XT, theta)
            work[0] += n * p
        else:
            work[0] += correlations(data, indices, indptr, XT, is_sparse, cand, need, theta, Xt_theta)
        n_checks += 1
        # one pass over the needed features: the KKT violation, the penalty and the dual scaling
        kkt = 0.0
        kappa = 1.0
        pen = 0.0
        for k in range(cand.shape[0]):
            j = cand[k]
            if not need[j]:
                continue
            s = Xt_theta[j]
            corr_base[j] = abs(s) - sqrt_lips[j] * drift
            corr_base_max[j] = abs(s) - col_l1[j] * drift_max
            wj = w[j]
            lj = l1[j]
            if no_box:
                # kkt_one without the box's cases (its branches were a third of an Elastic-Net check's pass)
                if wj == 0.0:
                    d = max(abs(s) - lj, 0.0)
                else:
                    l2j = l2[j]
                    d = abs(s - l2j * wj - lj) if wj > 0.0 else abs(s - l2j * wj + lj)
                    pen += lj * abs(wj) + 0.5 * l2j * wj * wj
            else:
                d = kkt_one(wj, -s, lj, l2[j], lower[j], upper[j])
                if wj != 0.0:
                    pen += lj * abs(wj) + 0.5 * l2[j] * wj * wj
            dist[j] = d
            if d > kkt:
                kkt = d
            if l2[j] == 0.0 and not is_unpen[j]:
                if s > lj and upper[j] == np.inf:
                    kappa = min(kappa, lj / s)
                elif s < -lj and lower[j] == -np.inf:
                    kappa = min(kappa, lj / -s)
        Xt_f = Xt_theta
        if n_unpen > 0:
            # (never with a watch list: cand holds every feature)
            coef = gram_pinv @ (U.T @ theta)
            correction = v * (U @ coef)
            theta_f = theta - correction
            Xt_corr = np.zeros(p)
            correlations(data, indices, indptr, XT, is_sparse, cand, need, correction, Xt_corr)
            Xt_f = Xt_theta - Xt_corr
            kappa = 1.0
            for j in range(p):
                if is_unpen[j]:
                    Xt_f[j] = 0.0
                s = Xt_f[j]
                if l2[j] == 0.0 and need[j]:
                    if s > l1[j] and upper[j] == np.inf:
                        kappa = min(kappa, l1[j] / s)
                    elif s < -l1[j] and lower[j] == -np.inf:
                        kappa = min(kappa, l1[j] / -s)
            dual_lin = 0.0
            dual_quad = 0.0
            for i in range(n):
                t = theta_f[i]
                dual_lin += t * y[i]
                if v[i] > 0.0:
                    dual_quad += t * t / v[i]
        kappa = max(kappa, 0.0)
        objective = 0.5 * loss + pen
        # D = kappa theta.y - kappa^2 / 2 sum theta_i^2 / v_i  (rows with v_i = 0 have theta_i = 0)
        dual = kappa * dual_lin - 0.5 * kappa * kappa * dual_quad
        if not plain_l1:
            for k in range(cand.shape[0]):
                j = cand[k]
                sj = kappa * Xt_f[j]
                if need[j] and abs(sj) > l1[j]:
                    dual -= conjugate_term(sj, l1[j], l2[j], lower[j], upper[j])
        gap = objective - dual
        if gap <= threshold:
            converged = True
            break
        if n_epochs >= max_epochs:
            break

        # gap-safe screening, and in the same pass the working set's candidates: the unscreened support,
        # unpenalized features and KKT violators, all of them among the needed features (a feature its bound
        # vouches for is at zero, penalized and not violating), with their scores, and the counts that size the
        # set (three more passes over cand were 15% of a cold Lasso solve on a 20,000 x 50,000 text matrix)
        if eligible.shape[0] < cand.shape[0]:  # (a rebuilt watch list can be longer)
            eligible = np.empty(cand.shape[0], dtype=np.int64)
            eligible_score = np.empty(cand.shape[0])
        screen = screening and np.isfinite(gap)
        radius = np.sqrt(2.0 * max(gap, 0.0)) if screen else 0.0
        dropped = False
        n_eligible = 0
        n_support = 0
        n_free = 0
        for k in range(cand.shape[0]):
            j = cand[k]
            if screened[j]:
                continue
            if not need[j]:
                if screen and l1[j] > 0.0 and (kappa * _corr_bound(corr_base[j], sqrt_lips[j], drift,
                                                                   corr_base_max[j], col_l1[j], drift_max)
                                               + sqrt_lips[j] * radius < l1[j]):
                    screened[j] = True
                    n_screened += 1
                else:
                    n_free += 1
                continue
            if screen and l1[j] > 0.0 and abs(kappa * Xt_f[j]) + sqrt_lips[j] * radius < l1[j]:
                screened[j] = True
                n_screened += 1
                if w[j] != 0.0:
                    # the certificate says it is zero at the optimum: move it there now
                    col_axpy(data, indices, indptr, XT, is_sparse, j, w[j], r)
                    w[j] = 0.0
                    dropped = True
                continue
            n_free += 1
            n_support += w[j] != 0.0
            n_eligible = offer_candidate(j, w[j] != 0.0, is_unpen[j], dist[j], eligible, eligible_score, n_eligible)
        if dropped and fit_intercept:
            b = np.dot(v, r) / v_sum

        # the working set: twice the support at least, at most the unscreened features
        ws_size = min(max(ws_size, 2 * n_support), n_free)
        if ws_size == 0 or n_eligible == 0:
            break
        ws = top_scored(eligible[:n_eligible], eligible_score[:n_eligible], ws_size)
        b, epochs, _ = solve_ws(data, indices, indptr, XT, is_sparse, v, v_sum, v_uniform, y, r, b, w, ws, xbar, lips,
                                l1, l2, lower, upper, fit_intercept, 0.3 * kkt, max_epochs - n_epochs, anderson,
                                np.int64(5), no_fill, is_sparse)
        n_epochs += epochs
        ws_size *= 2

    # what the next solve of a path starts from (corr_base is already up to date)
    scalars[S_V_SUM], scalars[S_V_UNIFORM] = v_sum, v_uniform
    scalars[S_DRIFT] = drift
    scalars[S_DRIFT_MAX] = drift_max
    scalars[S_ALPHA] = alpha
    if sequential and converged:
        # the point the final check certified, for the next solve from the same coefficients
        scalars[S_CARRIED] = scalars[S_CARRIED] + 1.0 if carried else 1.0
        scalars[S_B], scalars[S_LOSS], scalars[S_DUAL_LIN], scalars[S_DUAL_QUAD] = b, loss, dual_lin, dual_quad
        scalars[S_T_NOW], scalars[S_E_NOW] = t_ref, e_ref
        if r.ctypes.data != residual.ctypes.data:
            residual[:] = r
    else:
        scalars[S_CARRIED] = 0.0
    n_missed = 0
    n_support = 0
    support = np.empty(cand.shape[0], dtype=np.int64)
    for k in range(cand.shape[0]):
        j = cand[k]
        if w[j] != 0.0:
            support[n_support] = j
            n_support += 1
            if first_ws.shape[0] > 0 and not first_ws[j]:
                n_missed += 1
        # (a solve that ends on a watch list reports no Xt_theta: see CoordinateDescent.solve)
        if not watched:
            if lips[j] <= 0.0:
                Xt_theta[j] = 0.0
            elif not need[j]:
                Xt_theta[j] = _corr_bound(corr_base[j], sqrt_lips[j], drift, corr_base_max[j], col_l1[j], drift_max)
    support = support[:n_support]
    return b, gap, kkt, objective, n_epochs, n_checks, converged, n_screened, n_missed, watched, cand, support
