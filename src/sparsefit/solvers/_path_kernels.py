"""Numba: whole paths (coordinate descent, proximal Newton), each compiled as one loop over the alphas.

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

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from sparsefit.solvers._pn_kernels import (F_L1_REF, F_MAX_L1, F_MIN_L1, F_MIN_L2, _evaluate, feature_summary,
                                           pn_solve)
from sparsefit.solvers._ws_kernels import S_ALPHA, S_CARRIED, S_WATCH, cd_solve, weighted_sq_sum


@intrinsic
def _ticks(typingctx):
    """The CPU's cycle counter (LLVM's ``readcyclecounter``: ``rdtsc`` on x86-64), as float64.

    A path loop records each alpha's ticks; the caller converts them to seconds
    with the loop's wall time (:func:`ticks_to_seconds`). A ``perf_counter`` call
    needs an object-mode block, whose first call compiles it: 55 ms of a fresh
    process's first fit. Returns 0 where the target has no such counter.
    """

    def codegen(context, builder, signature, args):
        counter = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), []),
                                                 "llvm.readcyclecounter")
        return builder.uitofp(builder.call(counter, []), ir.DoubleType())

    return types.float64(), codegen


def ticks_to_seconds(ticks, wall):
    """Per-alpha seconds from per-alpha ticks: ``wall`` (the compiled loop's wall time) shared in proportion.

    Where the counter reads 0 (a target without one), each alpha gets an equal share.
    """
    ticks = np.asarray(ticks, dtype=np.float64)
    total = float(ticks.sum())
    if ticks.size == 0:
        return ticks
    if total > 0.0 and np.isfinite(total):
        return ticks * (wall / total)
    return np.full(ticks.shape[0], wall / ticks.shape[0])


@njit(cache=True, nogil=True, error_model="numpy")
def _grow(buffer, used, extra):
    """``buffer``, or a copy twice as large when ``used + extra`` entries do not fit."""
    if used + extra <= buffer.shape[0]:
        return buffer
    grown = np.empty(max(2 * buffer.shape[0], used + extra), dtype=buffer.dtype)
    grown[:used] = buffer[:used]
    return grown


@njit(cache=True, nogil=True, error_model="numpy")
def _outputs(m):
    """A path's per-alpha records: support pointers and buffers, intercepts, gaps, iterations, convergence,
    first-working-set misses, deviance ratios and ticks (:func:`_ticks`)."""
    support_indices = np.empty(max(4 * m, 64), dtype=np.int64)
    return (np.zeros(m + 1, dtype=np.int64), support_indices, np.empty(support_indices.shape[0]), np.zeros(m),
            np.zeros(m), np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.bool_), np.zeros(m, dtype=np.int64),
            np.zeros(m), np.zeros(m))


@njit(cache=True, nogil=True, error_model="numpy")
def _scale_penalty(alpha, unit_l1, unit_l2, l1, l2, any_l2):
    """``l1 = alpha * unit_l1`` and ``l2 = alpha * unit_l2`` in place (``l2`` left at zero where ``unit_l2`` is,
    and not read at all without ``any_l2``: pure L1, where that pass was half of this function's 3.7 us on
    12,500 features, every alpha)."""
    for j in range(l1.shape[0]):
        l1[j] = alpha * unit_l1[j]
    for j in range(l2.shape[0] if any_l2 else 0):
        if unit_l2[j] != 0.0:
            l2[j] = alpha * unit_l2[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _scale_penalty_on(features, alpha, unit_l1, unit_l2, l1, l2, any_l2):
    """:func:`_scale_penalty` on ``features`` only."""
    for k in range(features.shape[0]):
        j = features[k]
        l1[j] = alpha * unit_l1[j]
        if any_l2:
            l2[j] = alpha * unit_l2[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _store_support(k, support, w, scale, l1, l2, support_ptr, support_indices, support_values):
    """Append alpha k's non-zeros (values divided by ``scale``); returns the buffers (grown if needed) and the
    penalty's value at ``w``."""
    used = support_ptr[k]
    support_indices = _grow(support_indices, used, support.shape[0])
    support_values = _grow(support_values, used, support.shape[0])
    penalty = 0.0
    for s in range(support.shape[0]):
        j = support[s]
        wj = w[j]
        support_indices[used + s] = j
        support_values[used + s] = wj / scale[j]
        penalty += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
    support_ptr[k + 1] = used + support.shape[0]
    return support_indices, support_values, penalty


# Coordinate descent starts an alpha from the predicted solution (predict_step) only after a solve of more epochs
# than this. A solve of a few epochs (the quick text-like Lasso path: 2 to 4 each) has little left to save, and
# the detour through the prediction lengthens the path the dual point travels, which loosens the correlation
# bounds sooner; the quick correlated dense Lasso path (6 to 26 epochs an alpha) went from 110 to 62 ms.
CD_PREDICT_MIN_EPOCHS = 4
# Proximal Newton expands an alpha's first Newton step at the predicted solution (instead of only starting its
# coordinate descent there) once a solve of the path took this many Newton steps: from then on (the large late
# supports) the expansion saves the second step; before, one step sufficed and the move to the prediction cost
# a pass over the samples per alpha. Quick text L1-logistic path: the last ten alphas 18.1 -> 14.9 ms.
CENTER_AFTER_STEPS = 2


@njit(cache=True, nogil=True, error_model="numpy")
def support_of(w):
    """The indices of ``w``'s non-zeros, increasing."""
    out = np.empty(w.shape[0], dtype=np.int64)
    count = 0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            out[count] = j
            count += 1
    return out[:count].copy()


@njit(cache=True, nogil=True, error_model="numpy")
def predict_step(alphas, k, predict, w, support, before, before_support, predicted_step):
    """The path's predicted change of ``w`` from alpha ``k - 1`` to alpha ``k``, written into ``predicted_step``.

    Along a path the non-zero coefficients move smoothly in ``log(alpha)``, so
    the line through the last two solutions predicts the next one to second
    order: ``w + gamma (w - before)`` with ``gamma`` the ratio of the two
    log-steps (1 on a geometric grid), on the last solution's support
    (``support``; ``before`` holds the solution two alphas back, zero outside
    ``before_support``). A coefficient the line takes across zero gets no step
    (it stays where it is: the solve decides whether it leaves the support).
    With ``predict`` false, ``predicted_step`` is left at zero. Either way
    ``before`` then takes ``w`` on ``support`` (and zero elsewhere): the caller
    makes ``support`` the new ``before_support`` and clears ``predicted_step`` on it
    after the solve.
    """
    if predict and k >= 2 and alphas[k - 2] > alphas[k - 1] > alphas[k] > 0.0:
        # at most a doubled step: an uneven grid's extrapolation is not trusted further
        gamma = min(np.log(alphas[k - 1] / alphas[k]) / np.log(alphas[k - 2] / alphas[k - 1]), 2.0)
        for s in range(support.shape[0]):
            j = support[s]
            now = w[j]
            ahead = now + gamma * (now - before[j])
            predicted_step[j] = ahead - now if ahead * now > 0.0 else 0.0
    for s in range(before_support.shape[0]):
        before[before_support[s]] = 0.0
    for s in range(support.shape[0]):
        j = support[s]
        before[j] = w[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _stops_early(dev_ratio, k, previous_dev, dev_ratio_max, dev_change_min):
    """glmnet's rule after alpha k: its deviance ratio reached ``dev_ratio_max`` or moved by less than
    ``dev_change_min`` times itself (``previous_dev``: the ratio before the first alpha, NaN if none)."""
    before = dev_ratio[k - 1] if k > 0 else previous_dev
    if np.isnan(before):
        return False
    return dev_ratio[k] >= dev_ratio_max or abs(dev_ratio[k] - before) < dev_change_min * max(abs(dev_ratio[k]),
                                                                                              1e-12)


@njit(cache=True, nogil=True, error_model="numpy")
def cd_path(data, indices, indptr, XT, is_sparse, y, v, xbar, lips, sqrt_lips, col_l1, unit_l1, unit_l2, lower, upper,
            fit_intercept, alphas, w, scale, threshold, tol, p0, null_value, max_epochs, max_outer, ws_start,
            anderson, screening, work, early_stop, previous_dev, dev_ratio_max, dev_change_min, theta, corr_base,
            corr_base_max, ref_n, ref_p, residual, scalars, watch, seeded):
    """Solve the Quadratic datafit at each of ``alphas`` (decreasing, all below alpha_max) with warm starts.

    Parameters (beyond :func:`cd_solve`'s)
    ---------------------------------------
    unit_l1, unit_l2 : the penalty vectors at alpha = 1 (``l1 = alpha * unit_l1``).
    w : (p,) in/out: the warm start of the first alpha, then the last alpha's solution.
    theta, corr_base, corr_base_max, ref_n, ref_p, residual, scalars, watch : the dual state (see :func:`cd_solve`),
        updated in place; with ``seeded`` they are the state of the solution ``w`` (e.g. the null model's at
        alpha_max, its correlations exact) and the first alpha starts from them: the strong rule
        (``alpha_prev`` read from ``scalars[S_ALPHA]``) and the correlation bounds instead of a first check of
        every feature.
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
        the solution outside the first working set (0 without one); ``seconds``:
        its cycle-counter ticks (:func:`ticks_to_seconds` converts them).
    """
    n = y.shape[0]
    p = w.shape[0]
    m = alphas.shape[0]
    # (zeros: a solve that starts on a watch list reads them only on it, see below)
    l1 = np.zeros(p)
    l2 = np.zeros(p)
    any_l2 = np.any(unit_l2 != 0.0)
    # the residual of each solve is the dual state's carried one (one buffer: no copy in, none out)
    r = residual
    Xt_theta = np.empty(p)
    # a local empty array, not a module constant: numba types a global array as read-only, which would compile
    # cd_solve and pn_solve once more for that signature
    no_features = np.empty(0, dtype=np.int64)
    # runtime False, not the literal: a literal argument is a signature of its own (cd_solve compiled again)
    never = m < 0
    use_dual_state = seeded
    (support_ptr, support_indices, support_values, intercepts, gaps, epochs, converged, misses, dev_ratio,
     seconds) = _outputs(m)
    n_done = 0
    # the solution two alphas back (on before_support) and the last one's support: the predicted solution
    before = np.zeros(p)
    before_support = no_features
    last_support = support_of(w)
    predicted = np.zeros(p)
    for k in range(m):
        start = _ticks()
        alpha = alphas[k]
        if use_dual_state and scalars[S_WATCH] > 0.0:
            # the solve starts on the watch list and reads the penalty only there (a rebuild of the list reads
            # every feature's from the unit vectors and writes the new list's): 2 us an alpha, 12,500 features
            _scale_penalty_on(watch, alpha, unit_l1, unit_l2, l1, l2, any_l2)
        else:
            _scale_penalty(alpha, unit_l1, unit_l2, l1, l2, any_l2)
        predict = use_dual_state and k >= 2 and epochs[k - 1] > CD_PREDICT_MIN_EPOCHS
        predict_step(alphas, k, predict, w, last_support, before, before_support, predicted)
        before_support = last_support
        if predict:
            # the solve starts from the prediction (its residual is computed from w below, not carried)
            scalars[S_CARRIED] = 0.0
            for s in range(before_support.shape[0]):
                j = before_support[s]
                w[j] += predicted[j]
                predicted[j] = 0.0
        # the sequential strong rule from the alpha of the dual state's solve
        strong_factor = max(2.0 - scalars[S_ALPHA] / alpha, 0.0) if use_dual_state else -1.0
        b, gap, _, objective, n_epochs, n_checks, ok, _, n_missed, watched, cand, support = cd_solve(
            data, indices, indptr, XT, is_sparse, y, v, xbar, lips, sqrt_lips, col_l1, l1, l2, unit_l1, unit_l2, alpha,
            lower, upper, fit_intercept, w, r, no_features, never, Xt_theta, never, theta, corr_base, corr_base_max,
            ref_n, ref_p, residual, scalars, watch, use_dual_state, alpha, strong_factor, threshold, tol, p0,
            max_epochs, max_outer, ws_start, anderson, screening, work)
        misses[k] = n_missed if use_dual_state else 0
        last_support = support
        # the next solve starts from this one's dual state when it ran a check (as CoordinateDescent.solve hands on)
        use_dual_state = n_checks > 0
        watch = cand if (use_dual_state and watched) else no_features
        support_indices, support_values, penalty = _store_support(k, support, w, scale, l1, l2, support_ptr,
                                                                  support_indices, support_values)
        if ok and n_checks > 0:
            value = objective - penalty  # measured at the solve's last check, which certified this point
        else:
            value = 0.5 * weighted_sq_sum(v, r, b)  # from the residual the solve leaves (r = y - X w)
        dev_ratio[k] = 1.0 - value / null_value if null_value > 0.0 else 0.0
        intercepts[k] = b
        gaps[k] = gap
        epochs[k] = n_epochs
        converged[k] = ok
        n_done = k + 1
        seconds[k] = _ticks() - start
        if early_stop and _stops_early(dev_ratio, k, previous_dev, dev_ratio_max, dev_change_min):
            break
    return (n_done, support_indices, support_values, support_ptr, intercepts, gaps, epochs, converged, misses,
            dev_ratio, seconds)


@njit(cache=True, nogil=True, error_model="numpy")
def pn_path(data, indices, indptr, XT, is_sparse, y, sw, xbar, lips, sqrt_lips, col_l1, unit_l1, unit_l2, lower,
            upper, fit_intercept, alphas, w, b, b0, first_ws, use_first_ws, scale, tol, max_iter, max_epochs,
            max_outer, ws_start, screening, null_value, early_stop, previous_dev, dev_ratio_max, dev_change_min):
    """Proximal Newton (logistic) at each of ``alphas`` (decreasing, all below alpha_max) with warm starts.

    Each alpha is one :func:`sparsefit.solvers._pn_kernels.pn_solve`, as
    :meth:`sparsefit.solvers.ProxNewton.solve` runs it along a path: the
    previous solution's per-sample state carried over and the strong rule
    applied to its correlations (the first alpha takes ``first_ws``, the
    strong set the caller computed). The loop stops after an alpha whose solve
    did not converge (its state cannot be carried), returning control to the
    caller.

    Returns
    -------
    n_done, support_indices, support_values, support_ptr, intercepts, gaps, n_newton, converged, misses,
    dev_ratio, seconds, correlations, checked, kkt, threshold
        As :func:`cd_path` (``gaps`` NaN where the KKT violation is the stopping rule), plus, for the last
        solve: ``X.T theta`` at its last check (``checked``: whether it ran one), its KKT violation and its
        stopping threshold.
    """
    n = y.shape[0]
    p = w.shape[0]
    m = alphas.shape[0]
    l1 = np.empty(p)
    l2 = np.zeros(p)
    any_l2 = np.any(unit_l2 != 0.0)
    margin = np.zeros(n)
    u = np.empty(n)
    theta = np.empty(n)
    h = np.empty(n)
    stats = np.zeros(4)
    # X.T theta at the last check: the next solve's strong rule reads it before its own check writes it (one
    # buffer: where the check's bounds vouch for a feature, its last computed correlation stays, see pn_solve)
    corr = np.empty(p)
    corr_exact = np.zeros(p, dtype=np.bool_)
    no_features = np.empty(0, dtype=np.int64)  # (neither a module constant nor literal False: see cd_path)
    carried = m < 0
    # the per-feature flags and penalty scales once for the path: at alpha they are the unit ones, scaled
    screened_base = np.empty(p, dtype=np.bool_)
    is_unpen_base = np.empty(p, dtype=np.bool_)
    unit_summary = feature_summary(lips, unit_l1, unit_l2, lower, upper, screened_base, is_unpen_base)
    summary = unit_summary.copy()
    no_summary = np.empty(0)
    (support_ptr, support_indices, support_values, intercepts, gaps, n_newton, converged, misses, dev_ratio,
     seconds) = _outputs(m)
    n_done = 0
    checked = False
    kkt = np.inf
    threshold = 0.0
    # the solution two alphas back (on before_support) and the last one's support: the predicted first step
    before = np.zeros(p)
    before_support = no_features
    last_support = support_of(w)
    predicted_step = np.zeros(p)
    center = m < 0  # (see CENTER_AFTER_STEPS)
    labels_correlated = m < 0  # (pn_solve's xt_y_given; runtime False, as no_features)
    # the checks' correlation bounds, carried with the state (see pn_solve)
    corr_base = np.empty(p)
    corr_base_max = np.empty(p)
    theta_ref = np.empty(n)
    bound_scalars = np.zeros(3)
    for k in range(m):
        start = _ticks()
        alpha = alphas[k]
        _scale_penalty(alpha, unit_l1, unit_l2, l1, l2, any_l2)
        # only from a converged previous solve, whose state is carried (the two points lie on the path)
        predict_step(alphas, k, carried and k >= 2, w, last_support, before, before_support, predicted_step)
        before_support = last_support
        strong_factor = max(2.0 - alphas[k - 1] / alpha, 0.0) if (carried and k > 0) else -1.0
        ws_init = first_ws if k == 0 else no_features
        use_ws_init = use_first_ws and k == 0
        for q in range(F_MAX_L1, F_L1_REF + 1):  # the scales; the counts and flags do not move with alpha
            summary[q] = alpha * unit_summary[q]
        # valid while alpha * (every unit penalty) is zero exactly where the unit one is
        exact = alpha > 0.0 and alpha * unit_summary[F_MIN_L1] > 0.0 and alpha * unit_summary[F_MIN_L2] > 0.0
        alpha_summary = summary if exact else no_summary
        (b, gap, kkt, objective, steps, _, n_checks, ok, threshold, state_ok, use_gap, n_missed,
         support) = pn_solve(data, indices, indptr, XT, is_sparse, y, sw, xbar, lips, l1, l2, lower, upper,
                             fit_intercept, w, b, b0, ws_init, use_ws_init, corr, margin, u, theta,
                             h, stats, carried, corr, strong_factor, tol, max_iter, max_epochs, max_outer,
                             ws_start, screening, screened_base, is_unpen_base, alpha_summary, predicted_step,
                             center, labels_correlated, sqrt_lips, col_l1, corr_base, corr_base_max, theta_ref,
                             bound_scalars, corr_exact)
        for s in range(before_support.shape[0]):
            predicted_step[before_support[s]] = 0.0
        last_support = support
        support_indices, support_values, penalty = _store_support(k, support, w, scale, l1, l2, support_ptr,
                                                                  support_indices, support_values)
        if ok:
            value = objective - penalty  # measured at the solve's last check, which certified this point
        else:
            value = _evaluate(y, sw, margin, b, u, theta, h)[0]
        dev_ratio[k] = 1.0 - value / null_value if null_value > 0.0 else 0.0
        intercepts[k] = b
        gaps[k] = gap if use_gap else np.nan
        n_newton[k] = steps
        converged[k] = ok
        misses[k] = max(n_missed, 0)
        n_done = k + 1
        checked = n_checks > 0
        carried = state_ok
        center = center or steps >= CENTER_AFTER_STEPS
        seconds[k] = _ticks() - start
        if not ok:
            break
        if early_stop and _stops_early(dev_ratio, k, previous_dev, dev_ratio_max, dev_change_min):
            break
    return (n_done, support_indices, support_values, support_ptr, intercepts, gaps, n_newton, converged, misses,
            dev_ratio, seconds, corr, checked, kkt, threshold)
