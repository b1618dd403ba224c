"""FISTA over row-partitioned data: the simple, robust reference solver.

Primal, dual and stopping rule: as :mod:`sparsefit.dask._owlqn` (and box
constraints, which the proximal step handles and OWL-QN does not).

Iteration (Beck & Teboulle 2009, backtracking on the Lipschitz estimate ``L``,
adaptive restart of O'Donoghue & Candes 2015)::

    v      = x + beta (x - x_prev)                    margins combined on the workers, no p-vector
    x_new  = prox_{G / L}(v - grad F(v) / L)          ElasticNetPenalty.prox, on the driver
    accept when F(x_new) <= F(v) + <grad F(v), x_new - v> + L/2 ||x_new - v||^2, else L *= 2

Two rounds per iteration: the gradient at ``v`` (skipped after a restart,
where ``v = x``), and the loss and gradient at ``x_new`` (whose margins are
computed from ``x_new`` by one matvec, so no state depends on an earlier one).
The conjugate round of the certificate runs every ``check_every`` iterations.
"""

from __future__ import annotations

import numpy as np

from sparsefit.dask._owlqn import FitResult
from sparsefit.dask._primitives import LostBlocks, Point
from sparsefit.dask._stopping import pre_certificate

__all__ = ["FISTA"]

_MAX_RECOVERIES = 20


class FISTA:
    """Distributed accelerated proximal gradient.

    Parameters
    ----------
    max_iter : int, default=1000
    check_every : int, default=5
        Iterations between duality-gap checks (each costs one scalar round).
    """

    def __init__(self, max_iter=1000, check_every=5):
        self.max_iter = max_iter
        self.check_every = check_every

    def solve(self, problem, penalty, point, threshold, *, use_gap=True, ws=None, progress=None) -> FitResult:
        if ws is not None and len(ws) < problem.p:
            raise ValueError("FISTA runs on all features; working sets are an OWL-QN option.")
        if point.grad_idx is not None:
            point = problem.point(point.w, point.b, None)
        icpt = problem.fit_intercept
        datafit = problem.datafit
        # smallest curvature the data can have along a coordinate: a safe start for the backtracking
        lips = float(datafit.lipschitz() * max(float(problem.lips.max(initial=0.0)), 1.0 if icpt else 0.0))
        L = max(lips, 1e-12)
        x, prev = point, None
        momentum = 1.0
        gap = np.nan
        recoveries = 0
        n_iter = 0
        pre = None
        while True:
            try:
                pre = pre_certificate(penalty, x.w, x.loss, x.grad, x.gsum, problem.xbar, icpt)
                f = pre.primal
                if not use_gap and pre.kkt <= threshold:
                    return FitResult(x, np.nan, pre.kkt, f, n_iter, True)
                if use_gap and (n_iter % self.check_every == 0 or n_iter >= self.max_iter):
                    gap = pre.gap(problem.conjugate(x.states, *pre.certify))
                    if gap <= threshold:
                        return FitResult(x, gap, pre.kkt, f, n_iter, True)
                if progress is not None:
                    progress.update(n_iter, gap, pre.kkt, f, problem.n_rounds)
                if n_iter >= self.max_iter:
                    return FitResult(x, gap, pre.kkt, f, n_iter, False)

                next_momentum = (1.0 + np.sqrt(1.0 + 4.0 * momentum * momentum)) / 2.0
                beta = (momentum - 1.0) / next_momentum if prev is not None else 0.0
                if beta > 0:
                    v_w = x.w + beta * (x.w - prev.w)
                    v_b = x.b + beta * (x.b - prev.b)
                    v_states = problem.combine(x.states, prev.states, beta)
                    v_loss, v_grad, v_gsum = problem.evaluate(v_states, None)
                else:
                    v_w, v_b, v_loss, v_grad, v_gsum = x.w, x.b, x.loss, x.grad, x.gsum
                for _ in range(60):
                    w_new = penalty.prox(v_w - v_grad / L, 1.0 / L)
                    b_new = v_b - v_gsum / L if icpt else 0.0
                    states = problem.states_at(w_new, b_new)
                    loss, grad, gsum = problem.evaluate(states, None)
                    dw, db = w_new - v_w, b_new - v_b
                    model = v_loss + float(v_grad @ dw) + v_gsum * db + 0.5 * L * (float(dw @ dw) + db * db)
                    if loss <= model + 1e-12 * abs(model):
                        break
                    L *= 2.0
                new = Point(w_new, b_new, states, loss, grad, gsum, None)
                # restart the momentum when it points uphill
                if float((v_w - w_new) @ (w_new - x.w)) + (v_b - b_new) * (b_new - x.b) > 0:
                    momentum, prev = 1.0, None
                else:
                    momentum, prev = next_momentum, x
                x = new
                n_iter += 1
            except LostBlocks:
                recoveries += 1
                if recoveries > _MAX_RECOVERIES:
                    raise RuntimeError("Workers kept dying during the fit; giving up.") from None
                x = problem.recover(x.w, x.b, None)
                prev, momentum = None, 1.0
