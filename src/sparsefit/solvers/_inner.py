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
from sparsefit.solvers._ws_kernels import solve_ws


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
    b, n_epochs, kkt = solve_ws(*design.storage, v, z, r, float(b), w, np.ascontiguousarray(ws, dtype=np.int64),
                                xbar, lips, l1, l2, lower, upper, bool(fit_intercept), float(target),
                                int(max_epochs), int(anderson), int(check_every))
    return float(b), int(n_epochs), float(kkt)
