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

from sparsefit.solvers._kernels import _prox_coordinate, conjugate_term, kkt_one, penalty_value_fast


# Reassociation lets LLVM vectorize the dense dot products (4 partial sums instead of one chain): 2-4x on
# dense columns, a last-bits difference in the sums. Nothing else of fastmath (NaN and inf stay IEEE).
_REASSOC = {"reassoc", "contract"}


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


@njit(cache=True, nogil=True, error_model="numpy")
def _epoch(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, r, b, w, ws, xbar, lips, l1, l2, lower, upper,
           fit_intercept):
    """One cyclic pass over ``ws``; returns the intercept and the largest ``lips_j delta_j^2``.

    ``uniform_v > 0`` says every ``v_i`` equals it: the gradient then skips the
    weights (one gather less per non-zero on CSC columns).
    """
    n = r.shape[0]
    max_decrease = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        lj = lips[j]
        if lj <= 0.0:
            continue
        if uniform_v > 0.0:
            grad = uniform_v * col_dot(data, indices, indptr, XT, is_sparse, j, r)
        elif is_sparse:
            grad = 0.0
            for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                i = np.uintp(indices[idx])
                grad += data[idx] * v[i] * r[i]
        else:
            grad = dense_dot3(XT, j, v, r)
        if fit_intercept:
            grad -= b * v_sum * xbar[j]
        old = w[j]
        new = _prox_coordinate(lj * old + grad, lj, l1[j], l2[j], lower[j], upper[j])
        delta = new - old
        if delta != 0.0:
            w[j] = new
            col_axpy(data, indices, indptr, XT, is_sparse, j, -delta, r)
            if fit_intercept:
                b -= delta * xbar[j]
            decrease = lj * delta * delta
            if decrease > max_decrease:
                max_decrease = decrease
    return b, max_decrease


@njit(cache=True, nogil=True, error_model="numpy")
def _ws_objective(v, r, b, ws, l1, l2, values):
    """Subproblem objective with the working-set coefficients taken from ``values`` (indexed like ``ws``)."""
    loss = 0.0
    for i in range(r.shape[0]):
        d = r[i] - b
        loss += v[i] * d * d
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
    for k in range(nws):
        if w_acc[k] != 0.0:
            col_axpy(data, indices, indptr, XT, is_sparse, ws[k], -w_acc[k], scratch)
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


@njit(cache=True, nogil=True, error_model="numpy")
def _ws_kkt(data, indices, indptr, XT, is_sparse, v, r, b, w, ws, l1, l2, lower, upper, theta):
    """KKT violation on ``ws`` at the dual point ``theta = v (r - b)`` (written into ``theta``)."""
    for i in range(r.shape[0]):
        theta[i] = v[i] * (r[i] - b)
    worst = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        corr = col_dot(data, indices, indptr, XT, is_sparse, j, theta)
        d = kkt_one(w[j], -corr, l1[j], l2[j], lower[j], upper[j])
        if d > worst:
            worst = d
    return worst


@njit(cache=True, nogil=True, error_model="numpy")
def solve_ws(data, indices, indptr, XT, is_sparse, v, z, r, b, w, ws, xbar, lips, l1, l2, lower, upper,
             fit_intercept, target, max_epochs, anderson, check_every):
    """Coordinate descent on ``ws`` until its KKT violation is at most ``target``.

    ``w`` and ``r`` (``= z - X w`` on entry) are updated in place. Returns
    ``(b, n_epochs, kkt)``: the intercept optimal for the final ``w``, the
    epochs run and the last KKT violation measured on ``ws`` (``inf`` if none).
    """
    n = r.shape[0]
    nws = ws.shape[0]
    v_sum = v.sum()
    history = np.empty((max(anderson, 1) + 1, nws))
    n_hist = 0
    kkt = np.inf
    theta = np.empty(n)
    scratch = np.empty(n)
    n_epochs = 0
    uniform_v = v[0] if n > 0 else 0.0
    for i in range(n):
        if v[i] != uniform_v:
            uniform_v = 0.0
            break
    while n_epochs < max_epochs:
        b, max_decrease = _epoch(data, indices, indptr, XT, is_sparse, v, v_sum, uniform_v, r, b, w, ws, xbar, lips,
                                 l1, l2, lower, upper, fit_intercept)
        n_epochs += 1
        if anderson > 0:
            for k in range(nws):
                history[n_hist, k] = w[ws[k]]
            n_hist += 1
            if n_hist == anderson + 1:
                b = _anderson(data, indices, indptr, XT, is_sparse, v, v_sum, z, r, b, w, ws, history, l1, l2,
                              lower, upper, fit_intercept, scratch)
                n_hist = 0
        if n_epochs % check_every == 0 or max_decrease == 0.0:
            if fit_intercept:
                # re-anchor: the incremental intercept update drifts by rounding
                b = np.dot(v, r) / v_sum
            kkt = _ws_kkt(data, indices, indptr, XT, is_sparse, v, r, b, w, ws, l1, l2, lower, upper, theta)
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
def _dual_point(v, r, b, y, fit_intercept, theta, theta_ref):
    """``theta = v (r - b)`` projected onto ``sum(theta) = 0``, and the numbers the gap needs.

    Returns ``(loss, dual_lin, dual_quad, dist)``: ``sum v (r - b)^2``,
    ``theta . y``, ``sum theta^2 / v`` and the distance from ``theta_ref`` in the
    metric of the dual, ``sqrt(sum (theta - theta_ref)^2 / v)``.
    """
    n = r.shape[0]
    shift = 0.0
    if fit_intercept:
        v_sum = 0.0
        for i in range(n):
            shift += v[i] * (r[i] - b)
            v_sum += v[i]
        shift /= v_sum
    loss = 0.0
    dual_lin = 0.0
    dual_quad = 0.0
    dist2 = 0.0
    for i in range(n):
        d = r[i] - b
        loss += v[i] * d * d
        t = v[i] * (d - shift)
        dual_lin += t * y[i]
        dual_quad += t * (d - shift)  # theta_i^2 / v_i without the division
        if v[i] > 0.0:
            e = t - theta_ref[i]
            dist2 += e * e / v[i]
        theta[i] = t
    return loss, dual_lin, dual_quad, np.sqrt(dist2)


@njit(cache=True, nogil=True, error_model="numpy")
def _select_working_set(w, screened, is_unpen, dist, ws_size):
    """The support, the unpenalized features and the ``ws_size`` largest KKT violators, sorted."""
    p = w.shape[0]
    n_candidates = 0
    for j in range(p):
        if not screened[j] and (w[j] != 0.0 or is_unpen[j] or dist[j] > 0.0):
            n_candidates += 1
    candidates = np.empty(n_candidates, dtype=np.int64)
    score = np.empty(n_candidates)
    c = 0
    for j in range(p):
        if not screened[j] and (w[j] != 0.0 or is_unpen[j] or dist[j] > 0.0):
            candidates[c] = j
            score[c] = np.inf if (w[j] != 0.0 or is_unpen[j]) else dist[j]
            c += 1
    if ws_size < n_candidates:
        return np.sort(candidates[np.argsort(-score, kind="mergesort")[:ws_size]])
    return candidates


@njit(cache=True, nogil=True, error_model="numpy")
def next_working_set(w, screened, is_unpen, dist, ws_size):
    """Grow ``ws_size`` to twice the support (at most the unscreened count) and pick the working set.

    Returns ``(ws, ws_size)``; ``ws`` is empty when nothing is left to solve.
    """
    n_support = 0
    n_free = 0
    for j in range(w.shape[0]):
        if not screened[j]:
            n_free += 1
            if w[j] != 0.0:
                n_support += 1
    ws_size = min(max(ws_size, 2 * n_support), n_free)
    if ws_size == 0:
        return np.empty(0, dtype=np.int64), 0
    return _select_working_set(w, screened, is_unpen, dist, ws_size), ws_size


@njit(cache=True, nogil=True, error_model="numpy")
def cd_solve(data, indices, indptr, XT, is_sparse, y, v, xbar, lips, sqrt_lips, l1, l2, lower, upper, fit_intercept,
             w, r, ws_init, use_ws_init, Xt_theta, dual_theta, corr_bound, use_dual_state, strong_factor, threshold,
             tol, p0, max_epochs, max_outer, ws_start, anderson, screening, work):
    """Working-set CD for weighted least squares, certified by the duality gap (see :mod:`sparsefit.solvers._cd`).

    Parameters (beyond the storage and penalty arrays)
    ---------------------------------------------------
    v : normalized sample weights (sum 1); ``xbar = X.T v`` with an intercept, zeros without.
    lips, sqrt_lips : ``sum_i v_i (X_ij - xbar_j)^2`` (0 for constant columns) and its square root.
    w : (p,) in/out: the warm start (clipped to the box and zeroed on constant columns here), then the solution.
    r : (n,) out: a copy of ``y`` on entry; ``y - X w`` on exit.
    ws_init, use_ws_init : a first working set (e.g. the path's strong set) to solve before the first check.
    Xt_theta : (p,) out: ``X.T theta`` at the last check where it was computed; features it did not need
        carry their bound ``corr_bound`` instead (0 for constant columns).
    dual_theta, corr_bound, use_dual_state : (n,), (p,) in/out: a dual point and upper bounds on
        ``|X_j.T dual_theta|``. With ``use_dual_state`` they come from the previous solve of a path; on exit
        they describe this solve's last dual point, for the next one.
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
    dual's metric ``||u||^2 = sum u_i^2 / v_i``. Each feature keeps the last
    ``|X_j.T theta|`` computed for it, and the distance the dual point has
    travelled since (``drift``) turns it into a bound at the current point,
    at O(n) per check. Without box constraints or unpenalized features:

    - a feature at zero whose bound is at most ``l1_j`` satisfies its KKT
      condition and does not limit the dual scaling (nor, with ``l2_j > 0``,
      add to ``G*``), so a check computes ``X_j.T theta`` only for the support
      and the features whose bound exceeds ``l1_j``;
    - gap-safe screening (Fercoq, Gramfort & Salmon 2015) runs on the bounds:
      with a dual state, the warm start's gap screens features before any pass
      over X. Screened features are provably zero, so the gap of the problem
      without them certifies the full one (same optimum).

    Returns
    -------
    b, gap, kkt, objective, n_epochs, n_checks, converged, n_screened, n_missed
        (``n_missed``: features of the solution outside the first working set, e.g. strong-rule violations)
    """
    n = y.shape[0]
    p = w.shape[0]
    v_sum = v.sum()
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
            col_axpy(data, indices, indptr, XT, is_sparse, j, -w[j], r)
        max_l1 = max(max_l1, l1[j])
        max_l2 = max(max_l2, l2[j])
        if lower[j] != -np.inf or upper[j] != np.inf:
            no_bounds = False
        if l2[j] != 0.0:
            pure_l1 = False
    # G* vanishes on its domain for pure L1 without bounds: the dual then needs no sum over the penalty
    plain_l1 = pure_l1 and no_bounds
    # the bounds need a penalty symmetric in each w_j (G* increasing in |s|) and no projection on X_u
    use_bounds = no_bounds and n_unpen == 0
    sequential = use_dual_state and use_bounds
    b = np.dot(v, r) / v_sum if fit_intercept else 0.0
    unpenalized = np.flatnonzero(is_unpen)
    ws_size = max(ws_start, 2 * n_support)
    if n_unpen > 0:
        U, gram_pinv = _unpenalized_block(data, indices, indptr, XT, is_sparse, n, v, xbar, fit_intercept,
                                          unpenalized)
    else:
        U, gram_pinv = np.zeros((n, 0)), np.zeros((0, 0))
    scale = max(max(max_l1, max_l2), 1e-300)
    theta = np.empty(n)
    # bound on |X_j.T theta| at the current point: corr_offset[j] + sqrt_lips[j] * drift
    drift = 0.0
    corr_offset = np.empty(p)

    if sequential:
        loss, dual_lin, dual_quad, dist0 = _dual_point(v, r, b, y, fit_intercept, theta, dual_theta)
        kappa = 1.0
        level = strong_factor if strong_factor >= 0.0 else 1.0
        for j in range(p):
            if screened[j]:
                corr_offset[j] = 0.0
                continue
            bound = corr_bound[j] + sqrt_lips[j] * dist0
            if bound >= level * l1[j]:
                # a loose bound here would drag the dual scaling down or bloat the strong set: make it exact
                bound = abs(col_dot(data, indices, indptr, XT, is_sparse, j, theta))
                work[1] += (indptr[j + 1] - indptr[j]) if is_sparse else n
            corr_offset[j] = bound
            if l2[j] == 0.0 and bound > l1[j]:
                kappa = min(kappa, l1[j] / bound)
        dual = kappa * dual_lin - 0.5 * kappa * kappa * dual_quad
        if not plain_l1:
            for j in range(p):
                if not screened[j]:
                    dual -= conjugate_term(kappa * corr_offset[j], l1[j], l2[j], lower[j], upper[j])
        gap0 = 0.5 * loss + penalty_value_fast(w, l1, l2) - dual
        if screening and np.isfinite(gap0):
            radius = np.sqrt(2.0 * max(gap0, 0.0))
            dropped = False
            for j in range(p):
                if not screened[j] and l1[j] > 0.0 and kappa * corr_offset[j] + sqrt_lips[j] * radius < l1[j]:
                    screened[j] = True
                    n_screened += 1
                    if w[j] != 0.0:
                        col_axpy(data, indices, indptr, XT, is_sparse, j, w[j], r)
                        w[j] = 0.0
                        dropped = True
            if dropped and fit_intercept:
                b = np.dot(v, r) / v_sum
        dual_theta[:] = theta
    else:
        # nothing known yet: the first check computes every correlation
        for j in range(p):
            corr_offset[j] = 0.0 if screened[j] else np.inf
        dual_theta[:] = 0.0

    own_strong_set = sequential and strong_factor >= 0.0
    first_ws = np.zeros(p if (use_ws_init or own_strong_set) else 0, dtype=np.bool_)
    if use_ws_init or own_strong_set:
        # glmnet's order along a path: solve on support + strong set first, check everything after
        if not own_strong_set:
            for k in range(ws_init.shape[0]):
                first_ws[ws_init[k]] = True
        ws_buffer = np.empty(p, dtype=np.int64)
        count = 0
        pen = 0.0
        for j in range(p):
            wj = w[j]
            if wj != 0.0:
                pen += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
            # own strong set: the sequential strong rule on the (exact where it matters) correlation bounds
            chosen = (corr_offset[j] >= strong_factor * l1[j]) if own_strong_set else first_ws[j]
            chosen = (chosen or wj != 0.0 or is_unpen[j]) and not screened[j]
            first_ws[j] = chosen
            if chosen:
                ws_buffer[count] = j
                count += 1
        if count > 0:
            ws = ws_buffer[:count]
            loss = 0.0
            for i in range(n):
                d = r[i] - b
                loss += v[i] * d * d
            start = 0.5 * loss + pen
            # the gap's dual-scaling term is about 2 P(w) kkt / l1, so this KKT target meets tol * P(0)
            target = 0.5 * tol * scale * p0 / max(start, 1e-300)
            # a warm start is close: checking every 3 epochs instead of 5 saved a third of a path's epochs
            # (np.int64, not a literal: each literal int argument compiles solve_ws once more)
            b, epochs, _ = solve_ws(data, indices, indptr, XT, is_sparse, v, y, r, b, w, ws, xbar, lips, l1, l2,
                                    lower, upper, fit_intercept, target, max_epochs, anderson, np.int64(3))
            n_epochs += epochs
            ws_size = max(ws_size, count)

    need = np.zeros(p, dtype=np.bool_)
    dist = np.zeros(p)
    for _ in range(max_outer):
        if fit_intercept:
            b = np.dot(v, r) / v_sum
        loss, dual_lin, dual_quad, step = _dual_point(v, r, b, y, fit_intercept, theta, dual_theta)
        if sequential or n_checks > 0:
            drift += step
        dual_theta[:] = theta
        # the correlations this check needs: the support, and every feature its bound cannot vouch for
        n_need = 0
        for j in range(p):
            need[j] = (not screened[j]) and (w[j] != 0.0 or not use_bounds
                                             or corr_offset[j] + sqrt_lips[j] * drift > l1[j])
            if need[j]:
                n_need += 1
        if not is_sparse and 2 * n_need > p:
            # mostly needed on dense X: one BLAS matrix-vector product beats per-column loops
            Xt_theta[:] = np.dot(XT, theta)
            work[0] += n * p
        else:
            for j in range(p):
                if need[j]:
                    Xt_theta[j] = col_dot(data, indices, indptr, XT, is_sparse, j, theta)
                    work[0] += (indptr[j + 1] - indptr[j]) if is_sparse else n
        n_checks += 1
        # one pass over the needed features: the KKT violation, the penalty and the dual scaling
        kkt = 0.0
        kappa = 1.0
        pen = 0.0
        for j in range(p):
            if not need[j]:
                continue
            s = Xt_theta[j]
            corr_offset[j] = abs(s) - sqrt_lips[j] * drift
            wj = w[j]
            lj = l1[j]
            if plain_l1:
                if wj == 0.0:
                    d = max(abs(s) - lj, 0.0)
                else:
                    d = abs(s - lj) if wj > 0.0 else abs(s + lj)
                    pen += lj * abs(wj)
            else:
                d = kkt_one(wj, -s, lj, l2[j], lower[j], upper[j])
                if wj != 0.0:
                    pen += lj * abs(wj) + 0.5 * l2[j] * wj * wj
            if d > kkt:
                kkt = d
            if l2[j] == 0.0 and not is_unpen[j]:
                if s > lj and upper[j] == np.inf:
                    kappa = min(kappa, lj / s)
                elif s < -lj and lower[j] == -np.inf:
                    kappa = min(kappa, lj / -s)
        Xt_f = Xt_theta
        if n_unpen > 0:
            coef = gram_pinv @ (U.T @ theta)
            correction = v * (U @ coef)
            theta_f = theta - correction
            Xt_corr = np.zeros(p)
            for j in range(p):
                if need[j]:
                    Xt_corr[j] = col_dot(data, indices, indptr, XT, is_sparse, j, correction)
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
            for j in range(p):
                if need[j]:
                    dual -= conjugate_term(kappa * Xt_f[j], l1[j], l2[j], lower[j], upper[j])
        gap = objective - dual
        if gap <= threshold:
            converged = True
            break
        if n_epochs >= max_epochs:
            break

        for j in range(p):
            dist[j] = kkt_one(w[j], -Xt_theta[j], l1[j], l2[j], lower[j], upper[j]) if need[j] else 0.0
        if screening and np.isfinite(gap):
            radius = np.sqrt(2.0 * max(gap, 0.0))
            dropped = False
            for j in range(p):
                if screened[j] or l1[j] <= 0.0:
                    continue
                bound = abs(kappa * Xt_f[j]) if need[j] else kappa * (corr_offset[j] + sqrt_lips[j] * drift)
                if bound + sqrt_lips[j] * radius < l1[j]:
                    screened[j] = True
                    n_screened += 1
                    dist[j] = 0.0
                    if w[j] != 0.0:
                        # the certificate says it is zero at the optimum: move it there now
                        col_axpy(data, indices, indptr, XT, is_sparse, j, w[j], r)
                        w[j] = 0.0
                        dropped = True
            if dropped and fit_intercept:
                b = np.dot(v, r) / v_sum

        ws, ws_size = next_working_set(w, screened, is_unpen, dist, ws_size)
        if ws.shape[0] == 0:
            break
        b, epochs, _ = solve_ws(data, indices, indptr, XT, is_sparse, v, y, r, b, w, ws, xbar, lips, l1, l2, lower,
                                upper, fit_intercept, 0.3 * kkt, max_epochs - n_epochs, anderson, np.int64(5))
        n_epochs += epochs
        ws_size *= 2

    # bounds at the last dual point, for the next solve of a path
    n_missed = 0
    for j in range(p):
        if first_ws.shape[0] > 0 and w[j] != 0.0 and not first_ws[j]:
            n_missed += 1
        if lips[j] <= 0.0:
            corr_bound[j] = 0.0
            Xt_theta[j] = 0.0
        else:
            corr_bound[j] = corr_offset[j] + sqrt_lips[j] * drift
            if not need[j]:
                Xt_theta[j] = corr_bound[j]
    return b, gap, kkt, objective, n_epochs, n_checks, converged, n_screened, n_missed
