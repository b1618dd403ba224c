"""Distributed primitives: per-block tasks (run on workers) and the driver's rounds over them.

A *round* sends at most one p-vector (scattered once, fetched by the workers
peer to peer) and scalars to every block, runs one task per block, sums the
per-block results in a tree of tasks on the workers, and gathers one summary
(scalars and at most one p-vector) on the driver.

Each block keeps its margins ``u_k = X_k w + b`` between rounds in a
:class:`State` future (and, during a line search, the direction's
``X_k d + db``), so trial steps cost scalar-only rounds::

    u_k(t) = base_k + t * xd_k + X_k c(t)

where ``c(t)`` is the (sparse) correction of the coefficients the orthant
projection sets to zero. Notation follows :mod:`sparsefit._optimality`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["Prepared", "State", "Problem", "LostBlocks"]

# a state is rebuilt from the coefficients (one matvec) after this many chained moves: bounds the
# lineage Dask keeps and the rounding drift of the accumulated margins
REFRESH_EVERY = 20
# dense vectors up to this size are sent inside the tasks rather than scattered
_INLINE_BYTES = 64 * 1024


class LostBlocks(RuntimeError):
    """A worker holding per-block state died; the solver rebuilds it from the current coefficients."""


def _lost_errors():
    import distributed

    errors = [asyncio.CancelledError, concurrent.futures.CancelledError, distributed.KilledWorker]
    for module, name in (("distributed.client", "FutureCancelledError"), ("distributed.comm.core", "CommClosedError"),
                         ("distributed.scheduler", "KilledWorker")):
        try:
            errors.append(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):
            pass
    return tuple(dict.fromkeys(errors))


# ---------------------------------------------------------------- worker side


@dataclass(frozen=True, eq=False)
class Prepared:
    """A block ready for one problem: ``X_k``, float targets (±1 labels for logistic), normalized weights."""

    X: object
    y: np.ndarray
    sw: np.ndarray


@dataclass(frozen=True, eq=False)
class State:
    """Per-block margins: ``margin = X_k w + b``; during a line search also ``base`` and ``xd``."""

    margin: np.ndarray
    base: np.ndarray | None = None
    xd: np.ndarray | None = None
    speculative: np.ndarray | None = None


def _dense(msg, p):
    if msg is None:
        return None
    if isinstance(msg, tuple):
        out = np.zeros(p)
        out[msg[0]] = msg[1]
        return out
    return msg


def _matvec(X, msg):
    if msg is None:
        return np.zeros(X.shape[0])
    v = _dense(msg, X.shape[1])
    return np.asarray(X @ v).ravel()


def _rmatvec(X, v, idx):
    out = np.asarray(X.T @ v).ravel()
    return out if idx is None else out[idx]


def prepare(block, loss, classes, positive, class_weights, weight_sum):
    """A :class:`Prepared` block for one problem (one class of a one-vs-rest fit)."""
    s = block.s
    if loss == "squared":
        y = np.asarray(block.y, dtype=np.float64)
    else:
        codes = np.searchsorted(classes, block.y)
        y = np.where(codes == positive, 1.0, -1.0)
        if class_weights is not None:
            s = s * class_weights[codes]
    return Prepared(block.X, y, s / weight_sum)


def label_summary(block, classifier):
    """Labels present (classifier) and weight checks of one raw block."""
    s = block.s
    out = {"weight_sum": float(s.sum()), "bad_weights": int(np.count_nonzero(~np.isfinite(s) | (s < 0)))}
    if classifier:
        y = block.y
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            out["bad_labels"] = True
        out["classes"] = np.unique(y)
    else:
        y = np.asarray(block.y, dtype=np.float64)
        out["bad_labels"] = not np.isfinite(y).all()
    return out


def class_weight_sums(block, classes):
    """Sum of raw weights and row count of each class in one block."""
    codes = np.searchsorted(classes, block.y)
    return {"weights": np.bincount(codes, weights=block.s, minlength=len(classes)),
            "counts": np.bincount(codes, minlength=len(classes)).astype(np.float64)}


def column_stats(prep):
    """``X.T sw``, ``(X * X).T sw`` and the weighted sums the intercept-only model needs."""
    X, sw, y = prep.X, prep.sw, prep.y
    sq = X.multiply(X).T @ sw if sp.issparse(X) else (X * X).T @ sw
    return {"xbar": np.asarray(X.T @ sw).ravel(), "sq": np.asarray(sq).ravel(), "sw": float(sw.sum()),
            "ysum": float(sw @ y), "pos": float(sw @ (y > 0))}


def _raw_grad(prep, datafit, margin):
    if datafit.name == "logistic":
        from sparsefit.dask._kernels import logistic_raw_grad

        return logistic_raw_grad(prep.y, prep.sw, margin)
    return datafit.raw_grad(prep.y, margin, prep.sw)


def _evaluate(prep, datafit, margin, grad_idx):
    gr = _raw_grad(prep, datafit, margin)
    return {"loss": datafit.value(prep.y, margin, prep.sw), "grad": _rmatvec(prep.X, gr, grad_idx),
            "gsum": float(gr.sum())}


def init_state(prep, w_msg, b):
    """Margins from the coefficients (one matvec); no dependency on earlier states."""
    margin = _matvec(prep.X, w_msg) + b if w_msg is not None else np.full(prep.X.shape[0], float(b))
    return State(margin)


def combine(state, prev, beta):
    """Margins of the extrapolated point ``x + beta (x - x_prev)`` (FISTA)."""
    state = _state(state)
    prev = _state(prev)
    return State((1.0 + beta) * state.margin - beta * prev.margin)


def evaluate(prep, state, datafit, grad_idx):
    """Loss, ``X.T grad F`` (on ``grad_idx`` or all features) and ``sum(grad F)`` at the state's margins."""
    state = _state(state)
    return _evaluate(prep, datafit, state.margin, grad_idx)


def loss_only(prep, state, datafit):
    state = _state(state)
    return {"loss": datafit.value(prep.y, state.margin, prep.sw)}


def _conjugate(prep, datafit, margin, shift, kappa):
    theta = -_raw_grad(prep, datafit, margin) - shift * prep.sw
    if datafit.name == "logistic":
        from sparsefit.dask._kernels import logistic_conjugate

        return float(logistic_conjugate(prep.y, kappa * theta, prep.sw))
    return datafit.conjugate(prep.y, kappa * theta, prep.sw)


def conjugate(prep, state, datafit, shift, kappa):
    """This block's share of ``F*(-kappa * theta)`` at the projected dual point ``theta - shift * sw``."""
    state = _state(state)
    return {"conj": _conjugate(prep, datafit, state.margin, shift, kappa)}


def _trial_margin(prep, state, t, corr):
    margin = state.base + t * state.xd
    if corr is not None:
        margin = margin + _matvec(prep.X, corr)
    return margin


def _ladder(prep, state, datafit, ladder):
    losses = np.empty(len(ladder))
    plain = [k for k, (_, corr) in enumerate(ladder) if corr is None]
    if datafit.name == "logistic" and plain:
        from sparsefit.dask._kernels import logistic_ladder

        steps = np.array([ladder[k][0] for k in plain], dtype=np.float64)
        losses[plain] = logistic_ladder(prep.y, prep.sw, state.base, state.xd, steps)
    else:
        plain = []
    for k, (t, corr) in enumerate(ladder):
        if k not in plain:
            losses[k] = datafit.value(prep.y, _trial_margin(prep, state, t, corr), prep.sw)
    return losses


def direction(prep, state, datafit, d_msg, db, ladder, certify, grad_idx, speculate):
    """Store ``X_k d + db`` and return, as sums over the block's rows:

    - ``quad = sum sw xd^2``, ``hd = X_k.T (sw xd)`` and ``swxd = sum sw xd``: along the ray the
      squared loss is quadratic and its gradient affine in ``t``, so the driver takes the exact step
      with no further round;
    - ``losses`` on a ladder of ``(t, correction)`` (the logistic line search in this round);
    - with ``speculate``, the loss and gradient at the ladder's first step, kept as the next state if
      the driver accepts that step (it usually does: L-BFGS steps are well scaled);
    - with ``certify = (shift, kappa)``, the conjugate term of the gap at the *current* point.
    """
    state = _state(state)
    xd = _matvec(prep.X, d_msg) + db
    out = {"quad": float(prep.sw @ (xd * xd))}
    speculative = None
    probe = State(state.margin, state.margin, xd)
    if datafit.name == "squared":
        out["hd"] = _rmatvec(prep.X, prep.sw * xd, grad_idx)
        out["swxd"] = float(prep.sw @ xd)
    if ladder:
        out["losses"] = _ladder(prep, probe, datafit, ladder)
    if speculate and ladder:
        speculative = _trial_margin(prep, probe, *ladder[0])
        gr = _raw_grad(prep, datafit, speculative)
        out.update({"spec_grad": _rmatvec(prep.X, gr, grad_idx), "spec_gsum": float(gr.sum())})
    if certify is not None:
        out["conj"] = _conjugate(prep, datafit, state.margin, *certify)
    return State(state.margin, state.margin, xd, speculative), out


def accept_speculative(state):
    """The state at the speculated step (no computation)."""
    return State(_state(state).speculative)


def step_to(prep, state, t, corr):
    """The state at step ``t`` along the stored direction, when the driver already knows loss and gradient."""
    return State(_trial_margin(prep, _state(state), t, corr))


def ladder_losses(prep, state, datafit, ladder):
    state = _state(state)
    return {"losses": _ladder(prep, state, datafit, ladder)}


def move(prep, state, datafit, t, corr, grad_idx):
    """Take the step ``t`` (with correction) along the stored direction; evaluate loss and gradient there."""
    state = _state(state)
    margin = _trial_margin(prep, state, t, corr)
    return State(margin), _evaluate(prep, datafit, margin, grad_idx)


def summary_of(pair):
    return pair[1]


def add_summaries(*parts):
    """Sum per-block summaries key by key (a tree node); a leaf may be a ``(State, summary)`` pair."""
    parts = [part[1] if isinstance(part, tuple) else part for part in parts]
    out = dict(parts[0])
    for part in parts[1:]:
        for key, value in part.items():
            out[key] = out[key] + value if key in out else value
    return out


def _state(state):
    """The :class:`State` of a task result that may be a ``(State, summary)`` pair."""
    return state[0] if isinstance(state, tuple) else state


# ---------------------------------------------------------------- driver side


@dataclass(frozen=True, eq=False)
class Point:
    """An iterate known to the driver, with its per-block states on the workers.

    ``w`` is in the solver's (possibly standardized) coordinates; ``grad`` is
    ``X.T grad F`` on ``grad_idx`` (None: all features) in the same coordinates.
    """

    w: np.ndarray
    b: float
    states: list
    loss: float
    grad: np.ndarray
    gsum: float
    grad_idx: np.ndarray | None
    depth: int = 0


class Problem:
    """One fitting problem on the cluster: prepared blocks, datafit, scaling, and round accounting.

    Parameters
    ----------
    client : distributed.Client
    preps : list of Future
        :class:`Prepared` blocks.
    datafit : Quadratic or Logistic
    n_features : int
    fit_intercept : bool
    stats : dict
        Summed :func:`column_stats` (``xbar``, ``sq``, ``ysum``, ``pos``).
    scale : ndarray or None
        Column scales: the solver works with ``X / scale``.
    """

    def __init__(self, client, preps, datafit, n_features, fit_intercept, stats, scale=None, tree_width=2):
        self.client = client
        self.preps = list(preps)
        self.datafit = datafit
        self.p = int(n_features)
        self.fit_intercept = bool(fit_intercept)
        self.scale = scale
        self.tree_width = max(2, int(tree_width))
        unscale = (lambda v: v) if scale is None else (lambda v: v / scale)
        self.xbar = unscale(stats["xbar"])
        self.sq = stats["sq"] if scale is None else stats["sq"] / (scale * scale)
        self.lips = np.maximum(self.sq - self.xbar ** 2, 0.0) if fit_intercept else self.sq.copy()
        self.ysum = stats["ysum"]
        self.pos = stats["pos"]
        self.n_rounds = 0
        self.n_recoveries = 0
        self._errors = _lost_errors()

    # -- messages
    def to_workers(self, v):
        """A p-vector in solver coordinates as a message: sparse (indices, values) when mostly zero."""
        v = np.asarray(v, dtype=np.float64)
        if self.scale is not None:
            v = v / self.scale
        nz = np.flatnonzero(v)
        if nz.size == 0:
            return None
        if nz.size <= self.p // 4:
            return (nz, v[nz])
        if v.nbytes <= _INLINE_BYTES:  # travels inside the tasks: cheaper than a scatter's round trips
            return v
        try:
            return self.client.scatter(v, hash=False)
        except self._errors as exc:  # the worker chosen to hold it just died
            raise LostBlocks(str(exc)) from exc

    def sparse_message(self, idx, values):
        """Message for a vector known to be sparse (e.g. the projection's correction)."""
        if len(idx) == 0:
            return None
        values = np.asarray(values, dtype=np.float64)
        if self.scale is not None:
            values = values / self.scale[idx]
        return (np.asarray(idx), values)

    def from_workers(self, g, idx):
        if self.scale is None:
            return g
        return g / (self.scale if idx is None else self.scale[idx])

    # -- plumbing
    def _tree(self, futures):
        submit = self.client.submit
        if len(futures) == 1:
            return submit(add_summaries, futures[0], pure=False)
        while len(futures) > 1:
            futures = [submit(add_summaries, *futures[i:i + self.tree_width], pure=False)
                       if len(futures[i:i + self.tree_width]) > 1 else futures[i]
                       for i in range(0, len(futures), self.tree_width)]
        return futures[0]

    def _gather(self, future):
        self.n_rounds += 1
        try:
            return future.result()
        except self._errors as exc:
            self.n_recoveries += 1
            raise LostBlocks(str(exc)) from exc

    def _run(self, fn, states, *args, keep_state=False):
        submit = self.client.submit
        if keep_state:
            # the (State, summary) pairs are the new states; only their summaries enter the tree (the
            # extraction runs where the pair is, so the margins never move)
            pairs = [submit(fn, prep, st, *args, pure=False) for prep, st in zip(self.preps, states)]
            parts = [submit(summary_of, pair, pure=False) for pair in pairs]
            return pairs, self._gather(self._tree(parts))
        parts = [submit(fn, prep, st, *args, pure=False) for prep, st in zip(self.preps, states)]
        return self._gather(self._tree(parts))

    # -- rounds
    def stats_round(self):
        """Summed :func:`column_stats` (called once per problem, before scaling is known)."""
        parts = [self.client.submit(column_stats, prep, pure=False) for prep in self.preps]
        return self._gather(self._tree(parts))

    def point(self, w, b, grad_idx=None):
        """States and loss/gradient at ``(w, b)`` from scratch (also the recovery after a lost worker)."""
        msg = self.to_workers(w)
        submit = self.client.submit
        states = [submit(init_state, prep, msg, b, pure=False) for prep in self.preps]
        out = self._run(evaluate, states, self.datafit, grad_idx)
        return Point(np.array(w, dtype=np.float64), float(b), states, out["loss"],
                     self.from_workers(out["grad"], grad_idx), out["gsum"], grad_idx)

    def recover(self, w, b, grad_idx=None, attempts=20):
        """:meth:`point` after a lost worker, retried while the cluster settles."""
        import time

        for attempt in range(attempts):
            try:
                return self.point(w, b, grad_idx)
            except LostBlocks:
                time.sleep(min(0.1 * 2 ** attempt, 2.0))
        raise RuntimeError("Workers kept dying during the fit; giving up.")

    def states_at(self, w, b):
        """States at ``(w, b)`` without a round (the matvecs run with the next round)."""
        msg = self.to_workers(w)
        return [self.client.submit(init_state, prep, msg, b, pure=False) for prep in self.preps]

    def evaluate(self, states, grad_idx=None):
        out = self._run(evaluate, states, self.datafit, grad_idx)
        return out["loss"], self.from_workers(out["grad"], grad_idx), out["gsum"]

    def loss(self, states):
        return self._run(loss_only, states, self.datafit)["loss"]

    def conjugate(self, states, shift, kappa):
        return self._run(conjugate, states, self.datafit, float(shift), float(kappa))["conj"]

    def direction(self, point, d, db, ladder, certify=None, grad_idx=None, speculate=False):
        """Send a direction; returns candidate states and the summed :func:`direction` summary."""
        states, out = self._run(direction, point.states, self.datafit, self.to_workers(d), float(db), ladder,
                                certify, grad_idx, bool(speculate), keep_state=True)
        for key in ("hd", "spec_grad"):
            if key in out:
                out[key] = self.from_workers(out[key], grad_idx)
        return states, out

    def accept_speculative(self, states):
        """States at the speculated step (lazy: runs with the next round)."""
        return [self.client.submit(accept_speculative, st, pure=False) for st in states]

    def step_to(self, states, t, corr):
        """States at step ``t`` (lazy: runs with the next round)."""
        return [self.client.submit(step_to, prep, st, float(t), corr, pure=False)
                for prep, st in zip(self.preps, states)]

    def ladder(self, states, ladder):
        return self._run(ladder_losses, states, self.datafit, ladder)["losses"]

    def move(self, states, t, corr, grad_idx):
        new_states, out = self._run(move, states, self.datafit, float(t), corr, grad_idx, keep_state=True)
        return new_states, out["loss"], self.from_workers(out["grad"], grad_idx), out["gsum"]

    def combine(self, states, prev, beta):
        submit = self.client.submit
        return [submit(combine, s, q, float(beta), pure=False) for s, q in zip(states, prev)]
