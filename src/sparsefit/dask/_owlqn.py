"""OWL-QN (orthant-wise limited-memory quasi-Newton) over row-partitioned data.

Primal, in the solver's coordinates (see :mod:`sparsefit._optimality`)::

    P(w, b) = F(X w + b) + sum_j (l1_j |w_j| + l2_j / 2 w_j^2)

with ``F`` the weighted squared or logistic loss. Dual, dual point, gap and
stopping rule: :mod:`sparsefit.dask._stopping` (``P - D <= tol * P(0)``, or the
relative KKT violation when some feature is unpenalized).

Algorithm (Andrew & Gao 2007): the smooth part ``F + l2/2 ||w||^2`` gets an
L-BFGS model (``memory`` pairs of coefficient and smooth-gradient
differences); the L1 part is handled by the pseudo-gradient, by zeroing the
direction where it disagrees with the steepest-descent orthant, and by
projecting every trial point onto the orthant of the current point (a
coordinate that would cross zero stops at zero). Without L1 (``l1 == 0``) it
is plain L-BFGS. The intercept is one more smooth coordinate.

Cost per iteration, on the cluster:

- one *direction round*: the driver sends ``d`` (one p-vector; sparse when
  the direction is); each block stores ``X_k d + db`` and returns, summed in
  a tree, one p-vector and scalars:

  * squared loss: ``sum sw (Xd)^2`` and ``X.T (sw Xd)``; the exact step
    ``t = -pg.d / (sum sw (Xd)^2 + sum l2 d^2)`` is a closed form, and the
    loss and gradient at ``w + t d`` are polynomials in ``t``, so the
    driver moves with no further round;
  * logistic loss: the losses on a ladder of steps ``t0 * 2^-i`` (the
    backtracking line search, scalars) and the gradient at ``t0``, kept by
    the blocks as the next state when ``t0`` is accepted (the usual case);
  * the block's share of the conjugate that certifies the *current* point.

- a *move round* only when the accepted step is not the one the round
  anticipated (a coordinate crossed zero, or backtracking).

On a working set (paths with the strong rule) gradients cross the network
only for the working set; a final round on all features certifies the result
on the full problem and adds the violators.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from sparsefit.dask._primitives import REFRESH_EVERY, LostBlocks, Point
from sparsefit.dask._stopping import pre_certificate

__all__ = ["OWLQN", "FitResult", "pseudo_gradient"]

_ARMIJO = 1e-4
_LADDER = 6
_MAX_RECOVERIES = 20


@dataclass(frozen=True, eq=False)
class FitResult:
    """Where a distributed solve stopped and its certificate (gap is NaN under the KKT rule)."""

    point: Point
    gap: float
    kkt_violation: float
    objective: float
    n_iter: int
    converged: bool


def pseudo_gradient(x, g, l1):
    """OWL-QN's pseudo-gradient: the minimum-norm subgradient of ``f + l1 |x|`` (smooth gradient ``g``)."""
    pg = g + l1 * np.sign(x)
    zero = x == 0
    right, left = g[zero] + l1[zero], g[zero] - l1[zero]
    pg[zero] = np.where(right < 0, right, np.where(left > 0, left, 0.0))
    return pg


class _Active:
    """The solver's coordinates: the working-set features, then the intercept."""

    def __init__(self, problem, penalty, ws):
        self.problem = problem
        self.p = problem.p
        self.ws = ws
        self.features = np.arange(self.p) if ws is None else np.asarray(ws, dtype=np.int64)
        self.pen = penalty if ws is None else penalty.subset(self.features)
        l1, l2, _, _ = penalty.arrays(self.p)
        self.icpt = problem.fit_intercept
        self.l1 = self.pack(l1[self.features], 0.0)
        self.l2 = self.pack(l2[self.features], 0.0)
        self.xbar = problem.xbar[self.features]
        self.m = len(self.features)

    def pack(self, wa, b):
        return np.append(wa, b) if self.icpt else np.asarray(wa, dtype=np.float64)

    def split(self, x):
        return (x[:-1], float(x[-1])) if self.icpt else (x, 0.0)

    def full(self, wa):
        w = np.zeros(self.p)
        w[self.features] = wa
        return w

    def penalty_value(self, x):
        return float(np.dot(self.l1, np.abs(x)) + 0.5 * np.dot(self.l2, x * x))

    def smooth_grad(self, x, grad, gsum):
        wa, _ = self.split(x)
        return self.pack(grad + self.l2[:self.m] * wa, gsum)


class OWLQN:
    """Distributed OWL-QN (L-BFGS for L2) with the distributed duality-gap stopping rule.

    Parameters
    ----------
    max_iter : int, default=1000
        Maximum quasi-Newton iterations (over working-set rounds).
    memory : int, default=10
        Number of L-BFGS correction pairs.
    """

    def __init__(self, max_iter=1000, memory=10):
        self.max_iter = max_iter
        self.memory = memory

    def solve(self, problem, penalty, point, threshold, *, use_gap=True, ws=None, progress=None) -> FitResult:
        """Minimize from ``point`` until the certificate on all features passes ``threshold``.

        ``ws`` (feature indices) restricts the iterations to a working set;
        violators found by the full check are added and the solve goes on.
        """
        n_iter = 0
        inner_threshold = threshold
        while True:
            result = self._solve_ws(problem, penalty, point, inner_threshold, use_gap, ws, progress, n_iter)
            n_iter = result.n_iter
            point = result.point
            if ws is None or len(ws) == problem.p:
                return result
            # certify on every feature
            loss, grad, gsum = self._with_recovery(problem, point, lambda pt: problem.evaluate(pt.states, None))
            point = replace(point, loss=loss, grad=grad, gsum=gsum, grad_idx=None)
            pre = pre_certificate(penalty, point.w, loss, grad, gsum, problem.xbar, problem.fit_intercept)
            gap = np.nan
            if use_gap:
                conj = self._with_recovery(problem, point, lambda pt: problem.conjugate(pt.states, *pre.certify))
                gap = pre.gap(conj)
                done = gap <= threshold
            else:
                done = pre.kkt <= threshold
            if done or n_iter >= self.max_iter:
                return FitResult(point, gap, pre.kkt, pre.primal, n_iter, bool(done))
            dist = penalty.subdiff_distance(point.w, grad)
            inside = np.zeros(problem.p, dtype=bool)
            inside[ws] = True
            violators = np.flatnonzero(~inside & (dist > 0))
            if violators.size:
                order = np.argsort(-dist[violators])[: max(10, len(ws))]
                ws = np.union1d(ws, violators[order])
            else:
                inner_threshold /= 10.0

    @staticmethod
    def _with_recovery(problem, point, fn):
        for _ in range(_MAX_RECOVERIES):
            try:
                return fn(point)
            except LostBlocks:
                fresh = problem.recover(point.w, point.b, point.grad_idx)
                point.states[:] = fresh.states
        raise RuntimeError("Workers kept dying during the fit; giving up.")

    def _solve_ws(self, problem, penalty, point, threshold, use_gap, ws, progress, n_iter):
        act = _Active(problem, penalty, ws)
        grad_idx = None if ws is None else act.features
        if point.grad_idx is None and grad_idx is not None:
            point = replace(point, grad=point.grad[grad_idx], grad_idx=grad_idx)
        elif not _same(point.grad_idx, grad_idx):
            point = problem.point(point.w, point.b, grad_idx)
        ladder_base = _LADDER
        squared = problem.datafit.name == "squared"

        x = act.pack(point.w[act.features], point.b)
        gs = act.smooth_grad(x, point.grad, point.gsum)
        f = point.loss + act.penalty_value(x)
        S, Y = [], []
        gap = np.nan
        recoveries = 0
        first_step = True
        while True:
            wa, b = act.split(x)
            pre = pre_certificate(act.pen, wa, point.loss, point.grad, point.gsum, act.xbar, act.icpt)
            if not use_gap and pre.kkt <= threshold:
                return FitResult(point, np.nan, pre.kkt, f, n_iter, True)
            pg = pseudo_gradient(x, gs, act.l1)
            try:
                if not np.any(pg) or n_iter >= self.max_iter:
                    if use_gap:
                        gap = pre.gap(problem.conjugate(point.states, *pre.certify))
                        if progress is not None:
                            progress.update(n_iter, gap, pre.kkt, f, problem.n_rounds)
                    converged = gap <= threshold if use_gap else pre.kkt <= threshold
                    return FitResult(point, gap, pre.kkt, f, n_iter, bool(converged))
                d = _two_loop(-pg, S, Y)
                sign_fixed = (act.l1 > 0) & (d * pg >= 0)
                d[sign_fixed] = 0.0
                if not S or float(pg @ d) >= 0 or not np.any(d):
                    S, Y = [], []
                    d = -pg
                    first_step = True
                slope = float(pg @ d)
                xi = np.where(x != 0, np.sign(x), np.sign(-pg)) * (act.l1 > 0)
                t0 = 1.0
                if first_step and not squared:
                    t0 = 1.0 / max(float(np.linalg.norm(pg)), 1e-300)
                ladder_t = [] if squared else list(t0 * 0.5 ** np.arange(ladder_base))
                dw, db = act.split(d)
                ladder = [(t, self._trial(act, x, d, xi, t)[1]) for t in ladder_t]
                cands, out = problem.direction(point, act.full(dw), db, ladder,
                                               certify=pre.certify if use_gap else None, grad_idx=grad_idx,
                                               speculate=not squared)
                if use_gap:
                    gap = pre.gap(out["conj"])
                    if progress is not None:
                        progress.update(n_iter, gap, pre.kkt, f, problem.n_rounds)
                    if gap <= threshold:
                        return FitResult(point, gap, pre.kkt, f, n_iter, True)
                elif progress is not None:
                    progress.update(n_iter, np.nan, pre.kkt, f, problem.n_rounds)

                accepted = None
                if squared:
                    curvature = out["quad"] + float(np.dot(act.l2, d * d))
                    t = -slope / curvature if curvature > 0 else 1.0
                    x_t, corr = self._trial(act, x, d, xi, t)
                    if corr is None:
                        # no coordinate crosses zero: loss and gradient are exact polynomials in t
                        lin = float(point.grad @ dw) + point.gsum * db
                        loss = point.loss + t * lin + 0.5 * t * t * out["quad"]
                        f_t = loss + act.penalty_value(x_t)
                        if f_t <= f + _ARMIJO * float(pg @ (x_t - x)):
                            accepted = (t, x_t, problem.step_to(cands, t, None), loss, point.grad + t * out["hd"],
                                        point.gsum + t * out["swxd"], f_t)
                    for _ in range(0 if accepted is not None else 30):
                        x_t, corr = self._trial(act, x, d, xi, t)
                        states, loss, grad, gsum = problem.move(cands, t, corr, grad_idx)
                        f_t = loss + act.penalty_value(x_t)
                        if f_t <= f + _ARMIJO * float(pg @ (x_t - x)):
                            accepted = (t, x_t, states, loss, grad, gsum, f_t)
                            break
                        t *= 0.5
                else:
                    losses = out["losses"]
                    for attempt in range(4):
                        for t, loss_t in zip(ladder_t, losses):
                            x_t, corr = self._trial(act, x, d, xi, t)
                            f_t = loss_t + act.penalty_value(x_t)
                            if f_t <= f + _ARMIJO * float(pg @ (x_t - x)):
                                if attempt == 0 and t == ladder_t[0]:  # the speculated step: no round
                                    accepted = (t, x_t, problem.accept_speculative(cands), loss_t,
                                                out["spec_grad"], out["spec_gsum"], f_t)
                                else:
                                    states, loss, grad, gsum = problem.move(cands, t, corr, grad_idx)
                                    accepted = (t, x_t, states, loss, grad, gsum, loss + act.penalty_value(x_t))
                                break
                        if accepted is not None:
                            break
                        ladder_t = list(ladder_t[-1] * 0.5 ** np.arange(1, ladder_base + 1))
                        losses = problem.ladder(cands, [(t, self._trial(act, x, d, xi, t)[1]) for t in ladder_t])
            except LostBlocks:
                recoveries += 1
                if recoveries > _MAX_RECOVERIES:
                    raise RuntimeError("Workers kept dying during the fit; giving up.") from None
                point = problem.recover(point.w, point.b, grad_idx)
                continue

            if accepted is None:
                if S:  # a stale curvature model: restart from steepest descent
                    S, Y = [], []
                    first_step = True
                    continue
                # no decrease along the steepest orthant direction: the rounding floor of the objective
                if use_gap:
                    gap = pre.gap(problem.conjugate(point.states, *pre.certify))
                converged = gap <= threshold if use_gap else pre.kkt <= threshold
                return FitResult(point, gap, pre.kkt, f, n_iter, bool(converged))

            t, x_new, states, loss, grad, gsum, f_new = accepted
            gs_new = act.smooth_grad(x_new, grad, gsum)
            s, y = x_new - x, gs_new - gs
            sy = float(s @ y)
            if sy > 1e-12 * float(y @ y) and sy > 0:
                S.append(s)
                Y.append(y)
                if len(S) > self.memory:
                    S.pop(0)
                    Y.pop(0)
            first_step = False
            x, gs, f = x_new, gs_new, f_new
            wa, b = act.split(x)
            depth = point.depth + 1
            w_full = act.full(wa) if ws is None else _embed(point.w, act.features, wa)
            if depth >= REFRESH_EVERY:
                states, depth = problem.states_at(w_full, b), 0
            point = Point(w_full, b, states, loss, grad, gsum, grad_idx, depth)
            n_iter += 1

    @staticmethod
    def _trial(act, x, d, xi, t):
        """The projected trial point ``x(t)`` and the message correcting ``base + t xd`` for the projection."""
        z = x + t * d
        crossed = (xi != 0) & (np.sign(z) != xi)
        if not crossed.any():
            return z, None
        correction = -z[crossed]
        z = z.copy()
        z[crossed] = 0.0
        idx = np.flatnonzero(crossed)
        if act.icpt:
            keep = idx < act.m
            idx, correction = idx[keep], correction[keep]
        return z, act.problem.sparse_message(act.features[idx], correction)


def _embed(w, features, wa):
    w = w.copy()
    w[features] = wa
    return w


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return len(a) == len(b) and bool(np.all(a == b))


def _two_loop(q, S, Y):
    """L-BFGS two-loop recursion: ``H q`` for the inverse-Hessian model of the pairs ``(S, Y)``."""
    q = q.copy()
    if not S:
        return q
    alphas = []
    for s, y in zip(reversed(S), reversed(Y)):
        a = float(s @ q) / float(s @ y)
        alphas.append(a)
        q -= a * y
    gamma = float(S[-1] @ Y[-1]) / float(Y[-1] @ Y[-1])
    q *= gamma
    for (s, y), a in zip(zip(S, Y), reversed(alphas)):
        beta = float(y @ q) / float(s @ y)
        q += (a - beta) * s
    return q


def warn_not_converged(result, threshold, use_gap, solver="OWL-QN"):
    """scikit-learn's ConvergenceWarning, worded like the single-machine solvers'."""
    if result.converged:
        return
    from sparsefit.solvers._cd import _convergence_warning

    what = "duality gap" if use_gap else "KKT violation"
    value = result.gap if use_gap else result.kkt_violation
    warnings.warn(
        f"Distributed {solver} stopped after {result.n_iter} iterations with {what} {value:.3e} > {threshold:.3e}. "
        "Increase max_iter, loosen tol, or use a larger penalty.",
        _convergence_warning(),
        stacklevel=4,
    )
