"""Inner solver: coordinate descent with Anderson acceleration on a working set.

Solves the weighted least-squares subproblem restricted to the features in
``ws`` (all other coefficients are held at zero)::

    min 1/2 sum_i v_i (z_i - X_ws w_ws - b)^2 + sum_{j in ws} (l1_j |w_j| + l2_j / 2 w_j^2)
    subject to lower_j <= w_j <= upper_j

It is shared by the least-squares solver (``v = sw``, ``z = y``) and by the
proximal Newton solver for logistic regression (``v`` and ``z`` from the
quadratic model). Stops when the KKT violation on ``ws`` falls below
``target`` or after ``max_epochs`` epochs.

Anderson extrapolation (as in skglm's ``AndersonCD``): every ``anderson``
epochs the last iterates are combined with weights minimizing the norm of
the combined differences; the extrapolated point is kept only if it lowers
the objective, so acceleration can never slow convergence down.
"""

from __future__ import annotations

import numpy as np

from sparsefit.solvers import _kernels as K


def ws_objective(v, r, b, w_ws, l1, l2):
    """Subproblem objective from the residual without intercept ``r``."""
    rc = r - b
    return 0.5 * float(np.dot(v, rc * rc)) + float(np.dot(l1, np.abs(w_ws)) + 0.5 * np.dot(l2, w_ws * w_ws))


def first_working_set(n_features, support, strong, unpenalized, screened):
    """Support, strong set and unpenalized features, minus the screened ones, sorted (a mask: no sort of 1M ids)."""
    mask = np.zeros(n_features, dtype=bool)
    mask[support] = True
    mask[np.asarray(strong, dtype=np.int64)] = True
    mask[unpenalized] = True
    mask &= ~screened
    return np.flatnonzero(mask).astype(np.int64)


def ws_kkt(design, theta, w, ws, l1, l2, lower, upper):
    """KKT violation on ``ws`` given the dual point ``theta = -grad F`` (largest subdifferential distance)."""
    corr = design.xt_dot_ws(theta, ws)
    w_ws = w[ws]
    return K.kkt_distance(w_ws, -corr, l1[ws], l2[ws], lower[ws], upper[ws], np.zeros(ws.shape[0], dtype=np.bool_),
                          np.empty(ws.shape[0]))


def solve_working_set(design, v, z, r, b, w, ws, xbar, lips, l1, l2, lower, upper, fit_intercept, target,
                      max_epochs, anderson=5, check_every=5):
    """Run coordinate descent on ``ws`` until its KKT violation is at most ``target``.

    ``w``, ``r`` are updated in place; ``r`` must equal ``z - X @ w`` on entry.

    Returns
    -------
    b : float
        Intercept optimal for the final ``w`` (0 without intercept).
    n_epochs : int
    kkt : float
        KKT violation on ``ws`` at exit (``inf`` if never checked).
    """
    v_sum = float(v.sum())
    history = np.empty((anderson + 1, ws.shape[0])) if anderson else None
    n_hist = 0
    kkt = np.inf
    scratch = np.empty_like(r)
    n_epochs = 0
    while n_epochs < max_epochs:
        b, max_decrease = design.cd_epoch(v, v_sum, r, b, w, ws, xbar, lips, l1, l2, lower, upper, fit_intercept)
        n_epochs += 1
        if history is not None:
            history[n_hist] = w[ws]
            n_hist += 1
            if n_hist == anderson + 1:
                b = _anderson_step(design, v, v_sum, z, r, b, w, ws, history, l1, l2, lower, upper,
                                   fit_intercept, scratch)
                n_hist = 0
        if n_epochs % check_every == 0 or max_decrease == 0.0:
            # re-anchor the intercept: the incremental update drifts by rounding
            if fit_intercept:
                b = float(np.dot(v, r)) / v_sum
            kkt = ws_kkt(design, v * (r - b), w, ws, l1, l2, lower, upper)
            if kkt <= target:
                break
    return b, n_epochs, kkt


def _anderson_step(design, v, v_sum, z, r, b, w, ws, history, l1, l2, lower, upper, fit_intercept, scratch):
    diffs = np.diff(history, axis=0)
    gram = diffs @ diffs.T
    try:
        coefs = np.linalg.solve(gram, np.ones(gram.shape[0]))
    except np.linalg.LinAlgError:
        return b
    total = coefs.sum()
    if not np.isfinite(total) or total == 0.0:
        return b
    coefs /= total
    w_acc = np.clip(coefs @ history[1:], lower[ws], upper[ws])
    w_trial = w.copy()
    w_trial[ws] = w_acc
    design.xw_ws(w_trial, ws, scratch)
    r_acc = z - scratch
    b_acc = float(np.dot(v, r_acc)) / v_sum if fit_intercept else 0.0
    l1w, l2w = l1[ws], l2[ws]
    if ws_objective(v, r_acc, b_acc, w_acc, l1w, l2w) < ws_objective(v, r, b, w[ws], l1w, l2w):
        w[ws] = w_acc
        r[:] = r_acc
        return b_acc
    return b
