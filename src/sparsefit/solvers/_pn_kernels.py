"""Numba: the working-set proximal Newton solve for logistic regression, compiled as a whole.

The algorithm of :mod:`sparsefit.solvers._prox_newton` (primal, dual, dual
point, gap, stopping rules and working-set strategy are documented there),
with its outer loop, Newton steps, line search and intercept solve inside
the compiled code; the weighted least-squares subproblems go to
:func:`sparsefit.solvers._ws_kernels.solve_ws`. One call solves one alpha.

Where the time goes: once the loop is compiled, a solve along a path costs
one pass over X (the check) plus a few passes over the samples that each
take an ``exp`` and a ``log`` per sample (about half a pass over X each on
a 20,000 x 50,000 text problem). So the loss, ``theta = -grad`` and the
Hessian weights come out of one such pass (:func:`_evaluate`), the accepted
trial point of a line search is the next step's expansion point, and the
acceptance tests cannot fail on rounding alone: near the optimum the
objective's decrease falls below its own rounding, and a comparison of values
then "fails" and halves the step up to 40 times, a pass each (the intercept's
safeguard did so on most alphas of such a path); a convexity certificate
accepts those steps instead.

Storage is passed as ``(data, indices, indptr, XT, is_sparse)`` (see
:class:`sparsefit.solvers._design.Design`). The logistic loss, gradient,
Hessian and conjugate are evaluated without overflow, as
:class:`sparsefit._objective.Logistic` does (``logaddexp`` form, sigmoid by
the sign of its argument). Labels must be exactly -1 or +1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sparsefit.solvers._kernels import _REASSOC, conjugate_term, exp_neg, kkt_one, log1p_unit, negative_entropy
from sparsefit.solvers._ws_kernels import (col_axpy, col_dot, dense_dot, offer_candidate, solve_ws,
                                          solve_ws_active_first, top_scored, weight_summary)


# Cold single fits (docs/logistic.md, "A cold single fit"). The first working set holds the features whose
# correlation at w = 0 exceeds twice their l1 (glmnet's first strong set), at most _FIRST_WS_MAX: a bound
# that does not depend on n, so a weighted fit and the same fit on repeated rows take the same steps
# (scikit-learn's sample-weight equivalence check), and that keeps the strong set of correlated designs
# (a fifth of 20,000 genes, 140 kept) from costing more than the checks it saves.
_FIRST_WS_MAX = 1000
# Between outer iterations the working set doubles, but grows eightfold while the Newton solve keeps
# (almost) every feature it was given: the support is then still far larger, and each growth costs a check
# (a pass over X). 400-4,000 kept features are reached in 3-4 checks instead of 6-9.
_GROWTH_SATURATED = 8
_SATURATED = 0.9
# A Newton subproblem whose working set is mostly zeros runs glmnet's active-first sweeps
# (solve_ws_active_first): a feature that stays at zero then costs one epoch per round, not every epoch.
_ACTIVE_FIRST = 0.5


@njit(cache=True, nogil=True, error_model="numpy")
def _evaluate_terms(y, sw, src, shift, u, theta, h, loss_terms):
    """:func:`_evaluate`'s per-sample part: ``u``, ``theta``, each sample's loss into ``loss_terms`` and its
    Hessian weight ``sw p (1 - p)`` into ``h`` (not floored yet).

    No sums here: a loop without reductions vectorizes without reassociation,
    which :func:`sparsefit.solvers._kernels.exp_neg` must not get. ``u`` is
    written first, in a loop of its own: a line search passes ``src`` as
    ``u``, and a loop that reads one array and writes the other fails LLVM's
    runtime overlap check and runs scalar (2.5x slower than libm).
    """
    for i in range(u.shape[0]):
        u[i] = src[i] + shift
    for i in range(u.shape[0]):
        m = -y[i] * u[i]
        e = exp_neg(abs(m))
        inv = 1.0 / (1.0 + e)
        swi = sw[i]
        loss_terms[i] = swi * (max(m, 0.0) + log1p_unit(e))
        theta[i] = swi * y[i] * (inv if m > 0.0 else e * inv)
        h[i] = swi * (e * inv * inv)


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def _evaluate_sums(sw, theta, h, loss_terms):
    """:func:`_evaluate`'s sums, with ``h`` floored at ``1e-12 sw`` on the way (reassociated: vectorized)."""
    loss = 0.0
    h_sum = 0.0
    theta_sum = 0.0
    hess = 0.0
    for i in range(h.shape[0]):
        loss += loss_terms[i]
        theta_sum += theta[i]
        hi = h[i]
        hess += hi
        hi = max(hi, 1e-12 * sw[i])
        h[i] = hi
        h_sum += hi
    return loss, h_sum, theta_sum, hess


@njit(cache=True, nogil=True, error_model="numpy")
def _evaluate(y, sw, src, shift, u, theta, h):
    """At ``u = src + shift`` (written into ``u``; ``src`` may be ``u``): the loss, ``theta = -grad`` and ``h``.

    One ``exp``, one ``log`` and one division per sample give all three (``y_i`` in {-1, +1},
    so ``|y_i u_i| = |u_i|``), overflow-free as in
    :class:`sparsefit._objective.Logistic`: with ``m = -y u`` and ``e = exp(-|m|)``,
    ``log(1 + exp(m)) = max(m, 0) + log(1 + e)``, ``sigmoid(m)`` is ``1 / (1 + e)`` or
    ``e / (1 + e)``, and ``p (1 - p) = e / (1 + e)^2``. ``h`` is floored at
    ``1e-12 sw`` (the Newton model's weights). The exp and log are the
    vectorizable :func:`~sparsefit.solvers._kernels.exp_neg` and
    :func:`~sparsefit.solvers._kernels.log1p_unit` (a third of libm's time).

    Returns ``(loss, sum(h), sum(theta), sum(sw p (1 - p)))``.
    """
    loss_terms = np.empty(u.shape[0])
    _evaluate_terms(y, sw, src, shift, u, theta, h, loss_terms)
    return _evaluate_sums(sw, theta, h, loss_terms)


@njit(cache=True, nogil=True, error_model="numpy")
def _fit_intercept(y, sw, margin, b, u, theta, h, stats, fresh, max_steps=50, grad_tol=1e-13):
    """:func:`sparsefit._optimality.optimal_intercept`: the intercept minimizing ``F(margin + b)``, from ``b``.

    Safeguarded 1-D Newton; each trial point's loss comes with its gradient and
    curvature (one :func:`_evaluate` pass), so an accepted step costs one pass.
    With ``fresh``, ``u, theta, h`` and ``stats`` (:func:`_evaluate`'s four
    sums) already describe ``margin + b``. Returns ``b``; on exit ``u, theta, h``
    and ``stats`` describe ``margin + b`` for it.
    """
    if fresh:
        loss, h_sum, theta_sum, hess = stats[0], stats[1], stats[2], stats[3]
    else:
        loss, h_sum, theta_sum, hess = _evaluate(y, sw, margin, b, u, theta, h)
    for _ in range(max_steps):
        grad = -theta_sum
        if abs(grad) <= grad_tol or hess <= 0.0:
            break
        step = grad / hess
        accepted = False
        for _ in range(40):
            trial, h_sum_t, theta_sum_t, hess_t = _evaluate(y, sw, margin, b - step, u, theta, h)
            # F(b - step) <= F(b): measured, or certified by convexity, F(b - step) <= F(b) - F'(b - step) step,
            # up to the rounding of F itself. Near the optimum the decrease (~ grad^2 / hess) is far below that
            # rounding and the comparison alone is a coin toss (then halving 40 times, a pass over n each)
            if trial <= loss or -theta_sum_t * step >= -1e-15 * abs(loss):
                accepted = True
                break
            step *= 0.5
        if not accepted:
            loss, h_sum, theta_sum, hess = _evaluate(y, sw, margin, b, u, theta, h)
            break
        b -= step
        loss, h_sum, theta_sum, hess = trial, h_sum_t, theta_sum_t, hess_t
        if abs(step) <= 1e-15 * max(1.0, abs(b)):
            break
    stats[0], stats[1], stats[2], stats[3] = loss, h_sum, theta_sum, hess
    return b


@njit(cache=True, nogil=True, error_model="numpy")
def _move_to_prediction(data, indices, indptr, XT, is_sparse, y, sw, w, margin, ws, l1, l2, lower, upper,
                        predicted_step, loss, h_sum, u, theta, h, trial, dm, step, stats):
    """Move ``w`` to the predicted point ``w + predicted_step`` (on ``ws``, inside the box) if its objective on
    ``ws`` is lower; returns ``(moved, loss, h_sum)``.

    A Newton step's quadratic model is accurate near its expansion point: expanded at the path's prediction
    (near the new solution) one step usually certifies, where a step from the last solution needed a second
    (quick text path: 2 Newton steps and 8-16 epochs per alpha on the last ten, then 1 and 4-8). Costs one
    pass over the predicted columns (``X`` times the step) and one over the samples. When moved,
    ``margin``, ``u``, ``theta``, ``h`` and ``stats[2:]`` describe the new point; otherwise ``loss`` and
    ``h_sum`` (``w``'s) come back as they are and ``theta``, ``h`` and ``stats[2:]`` are evaluated at ``w``
    again.
    ``trial``, ``dm`` (n,) and ``step`` (len(ws),) are work arrays.
    """
    n = margin.shape[0]
    for i in range(n):
        dm[i] = 0.0
    pen_now = 0.0
    pen_predicted = 0.0
    any_move = False
    for k in range(ws.shape[0]):
        j = ws[k]
        wj = w[j]
        g = predicted_step[j]
        if g != 0.0:
            g = min(max(wj + g, lower[j]), upper[j]) - wj  # inside the box, as every iterate
        step[k] = g
        if g != 0.0:
            any_move = True
            if is_sparse:
                for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                    dm[np.uintp(indices[idx])] += g * data[idx]
            else:
                col_axpy(data, indices, indptr, XT, is_sparse, j, g, dm)
        pen_now += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
        wj += g
        pen_predicted += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
    if not any_move:
        return False, loss, h_sum
    for i in range(n):
        trial[i] = u[i] + dm[i]
    trial_loss, trial_h_sum, trial_theta_sum, trial_hess = _evaluate(y, sw, trial, 0.0, trial, theta, h)
    if trial_loss + pen_predicted > loss + pen_now:
        # (u + 0 is u: the point w is evaluated again, its theta and h restored)
        _, _, stats[2], stats[3] = _evaluate(y, sw, u, 0.0, u, theta, h)
        return False, loss, h_sum
    for k in range(ws.shape[0]):
        w[ws[k]] += step[k]
    for i in range(n):
        margin[i] += dm[i]
        u[i] = trial[i]
    stats[2], stats[3] = trial_theta_sum, trial_hess
    return True, trial_loss, trial_h_sum


@njit(cache=True, nogil=True, error_model="numpy")
def _newton_ws(data, indices, indptr, XT, is_sparse, y, sw, w, b, margin, ws, l1, l2, lower, upper, fit_intercept,
               target, gap_goal, l1_ref, max_iter, max_epochs, xbar_h, lips_h, u, theta, h, z, r, dm, stats, fresh,
               predicted_step, known_corr, known_exact, center_on_prediction, ws_corr):
    """Proximal Newton steps on ``ws`` until its KKT violation is at most ``target``.

    ``w`` and ``margin`` (``= X w``) are updated in place; ``xbar_h``, ``lips_h``
    (p,) and ``u, theta, h, z, r, dm`` (n,) are work arrays. With ``fresh``,
    ``u, theta, h`` and ``stats`` already hold :func:`_evaluate`'s output at
    ``margin + b``. ``predicted_step`` (p,), or empty: a predicted change of ``w`` on
    ``ws`` (a path's extrapolation, see ``pn_path``). With ``center_on_prediction``
    and a predicted point of lower objective than ``w``, the first step expands
    the loss there (:func:`_move_to_prediction`); otherwise its coordinate
    descent starts there and the step and its line search are taken from
    ``w``. The first step's KKT violations are those of ``w`` either way (they
    set its subproblem's target). ``known_corr`` (p,), or empty: ``X.T theta`` at
    the starting point (a path's last check, whose point a carried state
    describes): the first step then reads its KKT violations there instead of
    a pass over ``ws``'s columns, for the features ``known_exact`` marks (the others' entries are estimates: a
    check's bounds vouched for them). ``ws_corr`` (p,), or empty: receives
    ``X_j.T theta`` of each feature of ``ws`` at the returned point when it can
    (the correlations its KKT test took there).
    Returns ``(b, steps, epochs, fresh, corr_valid)``: ``fresh``, whether ``u``,
    ``theta``, ``h`` and ``stats`` still describe the returned point (not after a
    failed line search); ``corr_valid``, whether ``ws_corr`` holds its
    correlations (the solve ended on its KKT or gap test).
    """
    n = margin.shape[0]
    nws = ws.shape[0]
    # the subproblems' column statistics come from their first epoch (runtime True: a literal argument is a
    # signature of its own, solve_ws compiled once more)
    fill_stats = nws >= 0
    w_old = np.empty(nws)
    delta_w = np.empty(nws)
    steps = 0
    epochs = 0
    corr_valid = False
    # the accepted trial point of a line search is the next step's expansion point: evaluated once
    if fresh:
        loss, h_sum = stats[0], stats[1]
    else:
        loss, h_sum, stats[2], stats[3] = _evaluate(y, sw, margin, b, u, theta, h)
    while steps < max_iter and epochs < max_epochs:
        # the KKT violations on ws: from the known correlations at the first step, else one pass over its columns
        # (the Hessian-weighted column statistics come in the coordinate descent's first epoch, which reads the
        # columns anyway: the pass whose test ends the solve then computes no statistics in vain)
        known = steps == 0 and known_corr.shape[0] > 0
        record = ws_corr.shape[0] > 0
        kkt_ws = 0.0
        gap_support = 0.0
        over_ratio = 0.0
        corr_w = 0.0
        for k in range(nws):
            j = ws[k]
            if known and known_exact[j]:
                c = known_corr[j]
            elif is_sparse:
                # written out: a call with array arguments costs atomic reference counts per feature
                c = 0.0
                for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                    c += data[idx] * theta[np.uintp(indices[idx])]
            else:
                c = dense_dot(XT, j, theta)
            if record:
                ws_corr[j] = c
            d = kkt_one(w[j], -c, l1[j], l2[j], lower[j], upper[j])
            if d > kkt_ws:
                kkt_ws = d
            if w[j] != 0.0:
                gap_support += abs(w[j]) * d
                corr_w += abs(w[j] * c)
            # any correlation past its l1, a non-zero feature's too, scales the whole dual point down
            overshoot = (abs(c) - l1[j]) / max(l1[j], l1_ref)
            if overshoot > over_ratio:
                over_ratio = overshoot
        if kkt_ws <= target:
            corr_valid = record
            break
        if gap_goal > 0.0 and kkt_ws <= l1_ref * np.sqrt(gap_goal):
            # the gap to first order: sum_j |w_j| kkt_j from the support, plus the dual scaling's
            # (1 - kappa) theta.X w ~ over_ratio sum_j |w_j X_j.theta|; the square root keeps its second
            # order small. Features outside ws are taken as satisfied: the outer check tells
            if gap_support + over_ratio * corr_w <= gap_goal:
                corr_valid = record
                break
        start_at_prediction = steps == 0 and predicted_step.shape[0] > 0
        if start_at_prediction and center_on_prediction:
            moved_to, loss, h_sum = _move_to_prediction(data, indices, indptr, XT, is_sparse, y, sw, w, margin, ws,
                                                        l1, l2, lower, upper, predicted_step, loss, h_sum, u,
                                                        theta, h, z, dm, delta_w, stats)
            start_at_prediction = not moved_to
        # quadratic model: 1/2 sum_i h_i (z_i - x_i.w - b)^2 with working response z = u + theta / h
        for i in range(n):
            z[i] = u[i] + (theta[i] / h[i] if h[i] > 0.0 else 0.0)  # zero-weight rows: any finite z
            r[i] = z[i] - margin[i]
        n_nonzero = 0
        for k in range(nws):
            w_old[k] = w[ws[k]]
            if w_old[k] != 0.0:
                n_nonzero += 1
        if start_at_prediction:
            # the model's minimizer is near the predicted point: its coordinate descent starts there
            for k in range(nws):
                j = ws[k]
                g = predicted_step[j]
                if g != 0.0:
                    g = min(max(w[j] + g, lower[j]), upper[j]) - w[j]  # inside the box, as every iterate
                    w[j] += g
                    if is_sparse:
                        for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                            r[np.uintp(indices[idx])] -= g * data[idx]
                    else:
                        col_axpy(data, indices, indptr, XT, is_sparse, j, -g, r)
        hr = 0.0
        for i in range(n):
            hr += h[i] * r[i]
        b_new = hr / h_sum if fit_intercept else 0.0
        h_total, h_uniform = weight_summary(h)
        if n_nonzero < _ACTIVE_FIRST * nws:
            b_new, sub_epochs, _ = solve_ws_active_first(data, indices, indptr, XT, is_sparse, h, h_total, h_uniform,
                                                         z, r, b_new, w, ws, xbar_h, lips_h, l1, l2, lower, upper,
                                                         fit_intercept, 0.2 * kkt_ws, np.int64(200), np.int64(0),
                                                         np.int64(4), fill_stats, is_sparse)
        else:
            b_new, sub_epochs, _ = solve_ws(data, indices, indptr, XT, is_sparse, h, h_total, h_uniform, z, r, b_new,
                                            w, ws, xbar_h, lips_h, l1, l2, lower, upper, fit_intercept, 0.2 * kkt_ws,
                                            np.int64(200), np.int64(0), np.int64(4), fill_stats, is_sparse)
        epochs += sub_epochs
        steps += 1
        moved = False
        for k in range(nws):
            delta_w[k] = w[ws[k]] - w_old[k]
            w[ws[k]] = w_old[k]
            if delta_w[k] != 0.0:
                moved = True
        delta_b = b_new - b if fit_intercept else 0.0
        if not moved and delta_b == 0.0:
            break
        for i in range(n):
            dm[i] = 0.0
        pen_now = 0.0
        pen_full = 0.0
        for k in range(nws):
            j = ws[k]
            if delta_w[k] != 0.0:
                # inline on CSC: a call with array arguments costs atomic reference counts per feature
                if is_sparse:
                    for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                        dm[np.uintp(indices[idx])] += delta_w[k] * data[idx]
                else:
                    col_axpy(data, indices, indptr, XT, is_sparse, j, delta_w[k], dm)
            wj = w_old[k]
            pen_now += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
            wj = w_old[k] + delta_w[k]
            pen_full += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
        # Armijo on the composite objective with the model decrease as slope
        lin = 0.0
        for i in range(n):
            lin += theta[i] * (dm[i] + delta_b)
        slope = -lin + pen_full - pen_now
        value_now = loss + pen_now
        step = 1.0
        accepted = False
        for _ in range(30):
            for i in range(n):
                z[i] = u[i] + step * (dm[i] + delta_b)  # z is free now: the trial predictor
            pen_trial = 0.0
            for k in range(nws):
                j = ws[k]
                wj = w_old[k] + step * delta_w[k]
                pen_trial += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
            # theta and h are free too (the slope is taken): they receive the trial point's
            trial_loss, trial_h_sum, trial_theta_sum, trial_hess = _evaluate(y, sw, z, 0.0, z, theta, h)
            trial = trial_loss + pen_trial
            # near the optimum the decrease (~ kkt^2) drops below the rounding of the objective:
            # then the full Newton step, whose model is exact there, is taken on the model's word
            rounding = 1e-14 * abs(value_now) if step == 1.0 else 0.0
            if trial <= value_now + 1e-4 * step * min(slope, 0.0) + rounding:
                accepted = True
                break
            # the objective along the step, phi(s), is convex: phi(s) <= phi(0) + s phi'(s), so a slope at the
            # trial of at most 1e-4 * slope certifies the Armijo condition where rounding hides the decrease
            d_phi = 0.0
            for i in range(n):
                d_phi -= theta[i] * (dm[i] + delta_b)
            for k in range(nws):
                j = ws[k]
                wj = w_old[k] + step * delta_w[k]
                d_phi += l2[j] * wj * delta_w[k]
                if wj != 0.0:
                    d_phi += l1[j] * delta_w[k] if wj > 0.0 else -l1[j] * delta_w[k]
                else:
                    d_phi -= l1[j] * abs(delta_w[k])  # the most favourable subgradient at a kink
            if slope < 0.0 and d_phi <= 1e-4 * slope:
                accepted = True
                break
            step *= 0.5
        if not accepted:
            # theta and h hold a rejected trial's values
            return b, steps, epochs, False, False
        for k in range(nws):
            w[ws[k]] = w_old[k] + step * delta_w[k]
        for i in range(n):
            margin[i] += step * dm[i]
            u[i] = z[i]
        # the quadratic model already re-fit the intercept; the outer check makes it exact
        b = b + step * delta_b
        loss = trial_loss
        h_sum = trial_h_sum
        stats[2], stats[3] = trial_theta_sum, trial_hess
    stats[0], stats[1] = loss, h_sum
    return b, steps, epochs, True, corr_valid


# Indices into feature_summary's array.
F_N_UNPEN, F_MAX_L1, F_MAX_L2, F_L1_REF, F_PLAIN_L1, F_MIN_L1, F_MIN_L2 = 0, 1, 2, 3, 4, 5, 6


@njit(cache=True, nogil=True, error_model="numpy")
def feature_summary(lips, l1, l2, lower, upper, screened, is_unpen):
    """Per-feature flags and penalty scales of a solve: fills ``screened`` (constant columns, ``lips_j = 0``) and
    ``is_unpen`` (``l1_j = l2_j = 0``, not constant).

    Returns ``[n_unpen, max l1, max l2, l1_ref, plain_l1, smallest positive l1, smallest positive l2]``
    (indices ``F_N_UNPEN`` ... ``F_MIN_L2``):
    ``l1_ref`` the smallest positive ``l1`` of a non-constant column (inf if none), ``plain_l1`` 1.0 when
    every ``l2`` is 0 and no feature has a bound. For ``alpha * l1`` and ``alpha * l2`` with ``alpha > 0``
    the flags are the same and the scales ``alpha`` times these (rounding is monotone), as long as neither
    smallest positive value underflows.
    """
    n_unpen = 0
    max_l1 = 0.0
    max_l2 = 0.0
    l1_ref = np.inf
    plain_l1 = True
    min_l1 = np.inf
    min_l2 = np.inf
    for j in range(lips.shape[0]):
        constant = lips[j] <= 0.0
        screened[j] = constant
        unpenalized = l1[j] == 0.0 and l2[j] == 0.0 and not constant
        is_unpen[j] = unpenalized
        n_unpen += unpenalized
        max_l1 = max(max_l1, l1[j])
        max_l2 = max(max_l2, l2[j])
        if l1[j] > 0.0:
            min_l1 = min(min_l1, l1[j])
            if not constant:
                l1_ref = min(l1_ref, l1[j])
        if l2[j] > 0.0:
            min_l2 = min(min_l2, l2[j])
        if l2[j] != 0.0 or lower[j] != -np.inf or upper[j] != np.inf:
            plain_l1 = False
    return np.array([n_unpen, max_l1, max_l2, l1_ref, 1.0 if plain_l1 else 0.0, min_l1, min_l2])


@njit(cache=True, nogil=True, error_model="numpy")
def _shift_leaves_domain(y, sw, theta, shift):
    """Whether the dual point's projection ``t_i - shift y_i`` (see :func:`_conjugate_excess`) leaves ``[0, 1]``
    for some sample: then the gap is infinite whatever the scaling ``kappa`` (which only shrinks toward 0).

    Tested as ``sw_i t'_i = y_i (theta_i - shift sw_i)`` against ``[0, sw_i]``: no division and no branch, so
    the loop vectorizes (it runs at every check of a path).
    """
    margin = 0.0
    for i in range(y.shape[0]):
        swi = sw[i]
        scaled = y[i] * (theta[i] - shift * swi)
        margin = min(margin, min(scaled + 1e-12 * swi, swi * (1.0 + 1e-12) - scaled))
    return margin < 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _conjugate_excess(y, sw, u, theta, h, kappa, shift):
    """``F(u) + F*(-theta')`` for the dual point ``theta' = kappa (theta - shift sw)``, from above, without logs.

    With ``t_i = y_i theta_i / sw_i`` (``theta = -grad F(u)``, so ``t_i = sigmoid(m_i)``, ``m_i = -y_i u_i``) and
    ``f(t) = t log t + (1 - t) log(1 - t)``, Fenchel-Young's equality ``softplus(m_i) + f(t_i) = m_i t_i``
    makes ``F(u) + sum_i sw_i f(t_i) = -theta.u`` exactly. The dual point's ``t'_i = kappa (t_i - shift y_i)``
    differs from ``t_i`` by ``delta_i``, and ``f'(t_i) = m_i``, ``f'' = 1 / (s (1 - s))``: when
    ``|delta_i| <= c_i / 2`` with ``c_i = t_i (1 - t_i)`` (``h_i / sw_i`` unless floored), every ``s`` between
    ``t_i`` and ``t'_i`` has ``s (1 - s) >= c_i / 4``, so ``f(t'_i) <= f(t_i) + m_i delta_i + 2 delta_i^2 / c_i``.
    Other samples get ``f(t'_i) - f(t_i)`` exactly (two logs and a ``log1p``). The gap is then
    ``penalty + this + G*``. Returns ``inf`` when ``theta'`` leaves the domain (``t'`` outside ``[0, 1]``).
    """
    total = 0.0
    for i in range(y.shape[0]):
        swi = sw[i]
        total -= theta[i] * u[i]
        if swi <= 0.0:
            if kappa * theta[i] != 0.0:
                return np.inf
            continue
        t = y[i] * theta[i] / swi
        t_dual = kappa * (t - shift * y[i])
        delta = t_dual - t
        if delta == 0.0:
            continue
        if t_dual < -1e-12 or t_dual > 1.0 + 1e-12:
            return np.inf
        m = -y[i] * u[i]
        c = h[i] / swi
        if h[i] > 1e-12 * swi and abs(delta) <= 0.5 * c:
            total += swi * (m * delta + 2.0 * delta * delta / c)
        else:
            softplus = max(m, 0.0) + np.log1p(np.exp(-abs(m)))
            f_dual = negative_entropy(min(max(t_dual, 0.0), 1.0))
            total += swi * (f_dual - (m * t - softplus))
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def _dual_step(theta, sw, shift, theta_ref):
    """Move the reference dual point ``theta_ref`` to this check's projected ``theta' = theta - shift sw`` and
    return how far it moved: ``(sqrt(sum (theta' - theta_ref)^2 / sw), max |theta' - theta_ref|)``.

    Both points sum to zero with an intercept (without one, ``shift = 0``, ``xbar = 0`` and ``lips`` is
    uncentered), rows of weight 0 are 0 in both, so for every column ``|X_j.T (theta' - theta_ref)|`` is at
    most ``sqrt(lips_j)`` times the first (Cauchy-Schwarz in the metric ``1 / sw``) and ``||X_j||_1`` times the
    second (Hoelder): summed over a path's checks, the drifts that bound each correlation from the last point
    where it was computed (:func:`_check_pass`), as in coordinate descent's
    :func:`sparsefit.solvers._ws_kernels.cd_solve`.
    """
    dist2 = 0.0
    dist_max = 0.0
    for i in range(theta.shape[0]):
        t = theta[i] - shift * sw[i]
        e = t - theta_ref[i]
        if sw[i] > 0.0:
            dist2 += e * e / sw[i]
        dist_max = max(dist_max, abs(e))
        theta_ref[i] = t
    return np.sqrt(dist2), dist_max


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_REASSOC)
def _check_pass(data, indices, indptr, is_sparse, theta, w, screened, l1, l2, lower, upper, xbar, shift_sum,
                Xt_theta, dist, plain_l1, known, sqrt_lips, col_l1, corr_base, corr_base_max, drift, drift_max,
                use_bounds, exact):
    """One pass over the features at a check: ``X.T theta`` (CSC; dense X: ``Xt_theta`` holds it already), each
    feature's KKT violation (``dist``, 0 for screened zeros), the penalty at ``w`` and the dual scaling ``kappa``
    of the projected ``theta`` (``X_j.T theta - shift_sum xbar_j``). Returns ``(kkt, penalty, kappa)``.

    Compiled apart with reassociation: the column sums then run on several accumulators instead of one
    serial chain of additions (the pass was a third of a full-size L1-logistic path; 25% faster this way).
    With ``plain_l1`` (every ``l2 = 0``, no bounds) the per-feature part reads neither ``l2`` nor the bounds:
    on 12,500 columns of 5 non-zeros it was half of the pass. ``known`` (p,) bool, or empty: on CSC, the
    features whose ``Xt_theta`` already holds ``X_j.T theta`` (a path solve's working set, whose last KKT test
    took them at this point: three quarters of the pass on the quick text path's last alphas).

    Correlation bounds (see :func:`_dual_step`): each computed feature's ``corr_base_j = |X_j.T theta'| -
    sqrt(lips_j) drift`` and ``corr_base_max_j = |X_j.T theta'| - ||X_j||_1 drift_max`` are written, with
    ``theta'`` the projected point; with ``use_bounds`` (CSC), a feature at zero whose bound on ``|X_j.T theta|``
    (the smaller base plus its slope times the drift, plus the projection's ``|shift_sum xbar_j|``) is at most
    ``l1_j`` satisfies its KKT condition and limits no scaling, and is not read: ``Xt_theta[j]`` keeps the
    correlation last computed there (an estimate, for the next alpha's strong rule: the bound itself, often
    close to ``l1_j``, put thousands of such features in a text path's working sets) and ``exact[j]`` is
    False (True where ``Xt_theta`` is exact). On a text path, 95% of the features a check and 70% of the
    non-zeros outside the working set.
    """
    kkt = 0.0
    kappa = 1.0
    pen = 0.0
    use_known = known.shape[0] > 0
    for j in range(w.shape[0]):
        if is_sparse and use_known and known[j]:
            acc = Xt_theta[j]
        elif is_sparse:
            if use_bounds and w[j] == 0.0:
                # (a relative margin: the bases and drifts carry rounding, a bound must not fall below the truth)
                bound = (min(corr_base[j] + sqrt_lips[j] * drift, corr_base_max[j] + col_l1[j] * drift_max)
                         + abs(shift_sum * xbar[j])) * (1.0 + 1e-9)
                if bound <= l1[j]:
                    exact[j] = False
                    dist[j] = 0.0
                    continue
            acc = 0.0
            for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                acc += data[idx] * theta[np.uintp(indices[idx])]
            Xt_theta[j] = acc
        else:
            acc = Xt_theta[j]
        exact[j] = True
        projected = abs(acc - shift_sum * xbar[j])
        corr_base[j] = projected - sqrt_lips[j] * drift
        corr_base_max[j] = projected - col_l1[j] * drift_max
        wj = w[j]
        if plain_l1:
            # kkt_one, the penalty and the scaling below with l2 = 0 and no bounds
            l1j = l1[j]
            if wj == 0.0:
                d = 0.0 if screened[j] else max(abs(acc) - l1j, 0.0)
            else:
                d = abs(acc - l1j) if wj > 0.0 else abs(acc + l1j)
                pen += l1j * abs(wj)
            dist[j] = d
            kkt = max(kkt, d)
            sj = abs(acc - shift_sum * xbar[j])
            if sj > l1j:
                kappa = min(kappa, l1j / sj)
            continue
        if screened[j] and wj == 0.0:
            d = 0.0
        else:
            d = kkt_one(wj, -acc, l1[j], l2[j], lower[j], upper[j])
        dist[j] = d
        if d > kkt:
            kkt = d
        if wj != 0.0:
            pen += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
        if l2[j] == 0.0:
            sj = acc - shift_sum * xbar[j]
            if sj > l1[j] and upper[j] == np.inf:
                kappa = min(kappa, l1[j] / sj)
            elif sj < -l1[j] and lower[j] == -np.inf:
                kappa = min(kappa, l1[j] / -sj)
    return kkt, pen, kappa


@njit(cache=True, nogil=True, error_model="numpy")
def pn_solve(data, indices, indptr, XT, is_sparse, y, sw, xbar, lips, l1, l2, lower, upper, fit_intercept, w, b,
             b0, ws_init, use_ws_init, Xt_theta, margin, u, theta, h, stats, carried, prev_corr, strong_factor, tol,
             max_iter, max_epochs, max_outer, ws_start, screening, screened_base, is_unpen_base, summary,
             predicted_step, center_on_prediction, xt_y_given, sqrt_lips, col_l1, corr_base, corr_base_max,
             theta_ref, bound_scalars, exact):
    """Working-set proximal Newton for the logistic datafit (see :mod:`sparsefit.solvers._prox_newton`).

    Parameters (beyond the storage and penalty arrays)
    ---------------------------------------------------
    y : labels in {-1, +1}; sw : normalized sample weights (sum 1).
    xbar, lips : ``X.T sw`` (zeros without intercept) and ``sum_i sw_i (X_ij - xbar_j)^2`` (0 for constant columns).
    w : (p,) in/out: the warm start (clipped to the box and zeroed on constant columns here), then the solution.
    b, b0 : the warm-start intercept and the intercept-only model's (``P(0)`` is taken there).
    ws_init, use_ws_init : a first working set (e.g. the path's strong set) to solve before the first check.
    Xt_theta : (p,) out: ``X.T theta`` at the last check, ``theta = -grad F`` before projection.
    xt_y_given : ``Xt_theta`` holds ``X.T (sw y)`` on entry (e.g. from the column statistics' pass): a cold
        solve (``w = 0``, nothing carried, no first working set) takes its first check's correlations from it
        instead of a pass over X. At ``w = 0`` every predictor is ``b``, so ``theta = sw (y + 1) / 2 - sw
        sigmoid(b)`` and ``X.T theta = X.T (sw y) / 2 + (1/2 - sigmoid(b)) X.T sw`` (``xbar``; without an
        intercept ``b = 0`` and the second term vanishes).
    sqrt_lips, col_l1 : ``sqrt(lips)`` and ``||X_j||_1`` over the samples of positive weight (the bounds' slopes).
    corr_base, corr_base_max (p,), theta_ref (n,), bound_scalars (3,) : in/out, the correlation bounds'
        state (see :func:`_check_pass`): the bases, the last check's projected dual point and ``[valid,
        drift, drift_max]``. A path hands them from solve to solve with the carried state; a solve that
        carries nothing starts them afresh (its first check computes every correlation).
    exact (p,) bool : in/out, which entries of the last check's ``Xt_theta`` are exact (the others are the
        correlation last computed, where the bounds vouched for the feature). With ``carried``, ``prev_corr``
        is that check's ``Xt_theta`` and ``exact`` its mask (a path passes one buffer as both ``Xt_theta`` and
        ``prev_corr``: the strong rule reads it before this solve's check writes it).
    margin, u, theta, h : (n,) and stats : (4,): in/out (see :class:`sparsefit.solvers._solution.PredictorState`):
        with ``carried`` they describe the warm start ``(w, b)`` on entry (a path's previous solution, which
        the box and the constant columns leave as it is); on exit they describe the returned point when
        ``state_ok``.
    prev_corr, strong_factor : with ``carried`` and ``strong_factor >= 0``, the first working set is the
        support plus the sequential strong set ``{j : |prev_corr_j| >= strong_factor * l1_j}`` (``prev_corr``:
        ``X.T theta`` at the warm start) instead of ``ws_init``.
    screened_base, is_unpen_base, summary : with ``carried`` and a non-empty ``summary``, what
        :func:`feature_summary` gives for these ``l1, l2`` (a path computes it once, see ``pn_path``); else
        empty, and computed here.
    predicted_step : (p,) or empty: a predicted change of ``w`` where the first working set's first Newton step starts
        its coordinate descent (see :func:`_newton_ws`; a path's extrapolation, see ``pn_path``).
    center_on_prediction : with ``predicted_step``, that step expands the loss at the predicted point instead,
        when its objective is lower (a path sets it once its solves need a second Newton step).

    Returns
    -------
    b, gap, kkt, objective, n_newton, n_epochs, n_checks, converged, threshold, state_ok, use_gap, n_missed, support
        (``use_gap``: the gap is the stopping rule, else the KKT violation (unpenalized features);
        ``n_missed``: features of the solution outside the first working set, -1 without one;
        ``support``: the indices of the non-zero coefficients, increasing)
    """
    n = y.shape[0]
    p = w.shape[0]
    if not carried:
        margin[:] = 0.0
        bound_scalars[0] = 0.0  # (bounds from a state this solve does not carry are not trusted either)
    if carried and summary.shape[0] > 0:
        # along a path: the warm start is the previous solution (in the box, zero on constant columns) and the
        # per-feature flags are the path's; the pass over p's six arrays (a seventh of an early alpha) is saved
        screened = screened_base.copy()
        is_unpen = is_unpen_base
        n_support = 0
        for j in range(p):
            n_support += w[j] != 0.0
    else:
        screened = np.empty(p, dtype=np.bool_)
        is_unpen = np.empty(p, dtype=np.bool_)
        summary = feature_summary(lips, l1, l2, lower, upper, screened, is_unpen)
        n_support = 0
        for j in range(p):
            w[j] = 0.0 if screened[j] else min(max(w[j], lower[j]), upper[j])
            if w[j] != 0.0:
                n_support += 1
                if not carried:  # a carried margin is X w already
                    if is_sparse:
                        for idx in range(np.uintp(indptr[j]), np.uintp(indptr[j + 1])):
                            margin[np.uintp(indices[idx])] += w[j] * data[idx]
                    else:
                        col_axpy(data, indices, indptr, XT, is_sparse, j, w[j], margin)
    n_unpen = int(summary[F_N_UNPEN])
    max_l1, max_l2, l1_ref = summary[F_MAX_L1], summary[F_MAX_L2], summary[F_L1_REF]
    plain_l1 = summary[F_PLAIN_L1] > 0.0
    use_gap = n_unpen == 0
    # the KKT targets from the gap's first-order model need an L1 scale; without one, the safe target alone
    adaptive = use_gap and l1_ref < np.inf
    if not adaptive:
        l1_ref = 1.0
    if not fit_intercept:
        b = 0.0
    z = np.empty(n)
    r = np.empty(n)
    dm = np.empty(n)
    # written before read: xbar_h and lips_h on each working set (_newton_ws), dist by each check
    xbar_h = np.empty(p)
    lips_h = np.empty(p)
    dist = np.empty(p)
    eligible = np.empty(p, dtype=np.int64)
    eligible_score = np.empty(p)
    no_predicted_step = np.empty(0)
    no_corr = np.empty(0)
    # stats: (loss, sum h, sum theta, sum sw p (1 - p)) at the point u, theta and h describe, while ``fresh``
    fresh = carried

    # P(0): every predictor equals b0, so the loss is a mix of two softplus values
    sw_pos = 0.0
    sw_neg = 0.0
    for i in range(n):
        if y[i] > 0.0:
            sw_pos += sw[i]
        else:
            sw_neg += sw[i]
    p0 = sw_pos * (max(-b0, 0.0) + np.log1p(np.exp(-abs(b0)))) + sw_neg * (max(b0, 0.0) + np.log1p(np.exp(-abs(b0))))
    if use_gap:
        # floor: the logistic objective is at most log 2, so its rounding error is ~1e-16 in absolute terms
        threshold = max(tol * p0, 1e-14)
    else:
        fresh = False  # the work arrays serve the null point's KKT scale first
        u[:] = 0.0
        _evaluate(y, sw, u, b0, u, theta, h)
        top = 0.0
        for j in range(p):
            top = max(top, abs(col_dot(data, indices, indptr, XT, is_sparse, j, theta)))
        threshold = tol * max(top, 1e-300)

    ws_size = max(ws_start, 2 * n_support)
    n_newton = 0
    n_epochs = 0
    n_checks = 0
    gap = np.inf
    kkt = np.inf
    objective = np.inf
    converged = False
    own_strong_set = carried and strong_factor >= 0.0
    ws_known = False  # Xt_theta holds X_j.T theta on the first working set (first_ws) at the current point
    no_mask = np.empty(0, dtype=np.bool_)
    path_goal = 0.0  # the gap goal of the Newton solves after a failed check (a path's solve sets one)
    first_ws = np.zeros(p if (use_ws_init or own_strong_set) else 0, dtype=np.bool_)
    if use_ws_init or own_strong_set:
        # along a path: Newton on the support + strong set first, one full check after
        mask = first_ws
        if not own_strong_set:
            for k in range(ws_init.shape[0]):
                mask[ws_init[k]] = True
        # one pass: the mask, the working set's indices and the warm start's penalty (its support is in the mask)
        ws_buffer = np.empty(p, dtype=np.int64)
        count = 0
        pen_start = 0.0
        for j in range(p):
            chosen = (abs(prev_corr[j]) >= strong_factor * l1[j]) if own_strong_set else mask[j]
            wj = w[j]
            chosen = (chosen or wj != 0.0 or is_unpen[j]) and not screened[j]
            mask[j] = chosen
            if chosen:
                ws_buffer[count] = j
                count += 1
                if wj != 0.0:
                    pen_start += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
        if count > 0:
            ws = ws_buffer[:count]
            # no intercept solve first: the Newton model re-fits it (a path's warm start has it optimal already)
            if not fresh:
                stats[0], stats[1], stats[2], stats[3] = _evaluate(y, sw, margin, b, u, theta, h)
            start = stats[0] + pen_start
            scale = max(max(max_l1, max_l2), 1e-300)
            target = 0.5 * threshold * scale / max(start, 1e-300)
            first_goal = 0.8 * threshold if adaptive else 0.0
            path_goal = first_goal
            known_corr = prev_corr if carried else no_corr
            # the solve's last KKT test takes the working set's correlations at its final point: the check
            # that follows reads them from Xt_theta (first_ws marks the set) instead of recomputing them
            ws_corr = Xt_theta if is_sparse else no_corr
            b, steps, epochs, fresh, ws_known = _newton_ws(data, indices, indptr, XT, is_sparse, y, sw, w, b,
                                                           margin, ws, l1, l2, lower, upper, fit_intercept, target,
                                                           first_goal, l1_ref, max_iter, max_epochs, xbar_h, lips_h,
                                                           u, theta, h, z, r, dm, stats, True, predicted_step,
                                                           known_corr, exact, center_on_prediction, ws_corr)
            n_newton += steps
            n_epochs += epochs
            ws_size = max(ws_size, count)

    sw_sum = sw.sum()
    cold_start = n_support == 0 and not (use_ws_init or own_strong_set)
    from_y = xt_y_given and cold_start and not carried
    all_known = np.ones(p if from_y else 0, dtype=np.bool_)
    for _ in range(max_outer):
        # after a Newton step the intercept is the model's: its gradient sum(theta) is small, the dual point's
        # projection absorbs it and the gap certifies the point as it is; a failed check's next Newton step
        # re-fits the intercept with w. Only a point the Newton steps did not produce gets the 1-D solve
        if fit_intercept and not fresh:
            b = _fit_intercept(y, sw, margin, b, u, theta, h, stats, fresh)
            ws_known = False
        elif not fresh:
            stats[0], stats[1], stats[2], stats[3] = _evaluate(y, sw, margin, b, u, theta, h)
        theta_sum = 0.0
        for i in range(n):
            theta_sum += theta[i]
        if fit_intercept and use_gap and fresh and _shift_leaves_domain(y, sw, theta, theta_sum / sw_sum):
            # samples fit almost perfectly (t_i ~ 0 or 1) leave no room for the projection's shift: the gap
            # would be infinite and the check wasted (on 20 Newsgroups every check of a cold fit at
            # alpha_max / 100 but the last). The exact intercept makes sum(theta) ~ 0 and the shift with it
            b = _fit_intercept(y, sw, margin, b, u, theta, h, stats, fresh)
            ws_known = False
            theta_sum = 0.0
            for i in range(n):
                theta_sum += theta[i]
        loss = stats[0]
        # one pass over the features: X.T theta, the KKT violations, the penalty and the dual scaling
        known = first_ws if ws_known else no_mask
        if from_y:
            # the null point's correlations, from those of the labels (see xt_y_given)
            from_y = False
            offset = 0.5 - 1.0 / (1.0 + np.exp(-b)) if fit_intercept else 0.0
            for j in range(p):
                Xt_theta[j] = 0.5 * Xt_theta[j] + offset * xbar[j]
            known = all_known
        elif not is_sparse:
            Xt_theta[:] = np.dot(XT, theta)
        n_checks += 1
        # dual point: theta projected onto sum(theta) = 0, then scaled into the domain of G*
        shift = theta_sum / sw_sum if fit_intercept else 0.0
        shift_sum = shift * sw_sum
        # the correlation bounds: how far the projected dual point moved since the last check (of this solve
        # or, carried, of the path's previous one)
        bounds_valid = bound_scalars[0] > 0.0
        step, step_max = _dual_step(theta, sw, shift, theta_ref)
        bound_scalars[1] = bound_scalars[1] + step if bounds_valid else 0.0
        bound_scalars[2] = bound_scalars[2] + step_max if bounds_valid else 0.0
        bound_scalars[0] = 1.0
        kkt, pen, kappa = _check_pass(data, indices, indptr, is_sparse, theta, w, screened, l1, l2, lower, upper,
                                      xbar, shift_sum, Xt_theta, dist, plain_l1, known, sqrt_lips, col_l1,
                                      corr_base, corr_base_max, bound_scalars[1], bound_scalars[2],
                                      bounds_valid and is_sparse, exact)
        ws_known = False
        objective = loss + pen
        if use_gap:
            kappa = max(kappa, 0.0)
            excess = _conjugate_excess(y, sw, u, theta, h, kappa, shift)
            pen_conj = 0.0
            for j in range(p if not plain_l1 else 0):  # G* vanishes on its domain for plain L1
                if not exact[j]:
                    continue  # (a bound within l1_j: g_j* is 0 there)
                pen_conj += conjugate_term(kappa * (Xt_theta[j] - shift * xbar[j] * sw_sum), l1[j], l2[j], lower[j],
                                           upper[j])
            gap = pen + excess + pen_conj
            if gap <= threshold:
                converged = True
                break
        elif kkt <= threshold:
            converged = True
            break
        if n_newton >= max_iter or n_epochs >= max_epochs:
            break

        fresh = True
        # gap-safe screening, and in the same pass the working set's candidates (the unscreened support,
        # unpenalized features and KKT violators, with their scores) and the counts that size it
        screen = use_gap and screening and np.isfinite(gap)
        radius = np.sqrt(max(gap, 0.0) / 2.0) if screen else 0.0
        n_eligible = 0
        n_support = 0
        n_free = 0
        n_strong = 0
        for j in range(p):
            if screened[j]:
                continue
            if screen and exact[j] and l1[j] > 0.0 and (abs(kappa * (Xt_theta[j] - shift * xbar[j] * sw_sum))
                                                        + np.sqrt(lips[j]) * radius < l1[j]):
                screened[j] = True
                dist[j] = 0.0
                if w[j] != 0.0:
                    col_axpy(data, indices, indptr, XT, is_sparse, j, -w[j], margin)
                    w[j] = 0.0
                    fresh = False
                continue
            n_free += 1
            n_strong += dist[j] > l1[j]
            n_support += w[j] != 0.0
            n_eligible = offer_candidate(j, w[j] != 0.0, is_unpen[j], dist[j], eligible, eligible_score, n_eligible)
        if cold_start:  # the first check of a fit from zero: its violations size the first working set
            cold_start = False
            ws_size = max(ws_size, min(n_strong, _FIRST_WS_MAX))
        # twice the support at least, at most the unscreened features
        ws_size = min(max(ws_size, 2 * n_support), n_free)
        if ws_size == 0 or n_eligible == 0:
            break
        ws = top_scored(eligible[:n_eligible], eligible_score[:n_eligible], ws_size)
        # a fixed fraction of the outer violation: tying it to the gap's excess (min(0.3, threshold / gap))
        # made a cold single fit solve its first, small working sets far too precisely (full text problem at
        # alpha_max / 100: 35 Newton steps and 88 ms instead of 11 and 59 ms) and did not help paths. A path's
        # solve, whose first check failed near the threshold, also stops where the gap's first-order model
        # meets its goal: 0.1x the violation took 30+ epochs at the quick text path's last alpha, the goal 4
        b, steps, epochs, fresh, _ = _newton_ws(data, indices, indptr, XT, is_sparse, y, sw, w, b, margin, ws, l1, l2,
                                                lower, upper, fit_intercept, 0.1 * kkt, path_goal, l1_ref, max_iter,
                                                max_epochs, xbar_h, lips_h, u, theta, h, z, r, dm, stats, fresh,
                                                no_predicted_step, no_corr, no_mask, no_predicted_step.shape[0] > 0,
                                                no_corr)
        n_newton += steps
        n_epochs += epochs
        n_kept = 0
        for k in range(ws.shape[0]):
            if w[ws[k]] != 0.0:
                n_kept += 1
        ws_size *= _GROWTH_SATURATED if n_kept >= _SATURATED * ws.shape[0] else 2
    n_support = 0
    n_missed = 0 if first_ws.shape[0] > 0 else -1
    support = np.empty(p, dtype=np.int64)
    for j in range(p):
        if w[j] != 0.0:
            support[n_support] = j
            n_support += 1
            if n_missed >= 0 and not first_ws[j]:
                n_missed += 1
    support = support[:n_support].copy()  # (not a view that keeps p entries alive)
    # a converged solve stopped at a check, whose u, theta and h describe (w, b)
    return (b, gap, kkt, objective, n_newton, n_epochs, n_checks, converged, threshold, converged, use_gap, n_missed,
            support)
