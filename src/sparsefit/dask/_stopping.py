"""The stopping rule of the distributed solvers: duality gap and KKT violation from distributed pieces.

Same certificate as :func:`sparsefit._optimality.certificate`, assembled from
what the rounds return instead of from ``X``:

- the driver has ``loss = F(Xw + b)``, ``grad = X.T grad F`` (the datafit
  gradient in ``w``, so ``Xt_theta = -grad``), ``gsum = sum(grad F) = -sum(theta)``
  and ``xbar = X.T sw``;
- with an intercept, the dual point is projected onto ``sum(theta) == 0`` as
  ``theta - shift * sw`` with ``shift = sum(theta)``, so
  ``Xt_theta <- Xt_theta - shift * xbar`` (:func:`~sparsefit._optimality.project_dual`'s
  intercept step, ``sum(sw) == 1``);
- ``kappa`` (:func:`~sparsefit._optimality.dual_scaling`) and the penalty's
  conjugate terms are computed on the driver from p-vectors;
- the datafit conjugate ``F*(-kappa theta)`` is separable over rows: each
  block returns its share (one scalar round, fused into the solver's next
  round).

``D = -F*(-kappa theta) - sum_j g_j*(kappa Xt_theta_j)`` and ``gap = P - D``,
exactly :func:`~sparsefit._optimality.dual_value`'s formula. Unpenalized
features (other than the intercept) would need ``X_u.T theta == 0``, a
projection that needs ``X``; the rule is then the KKT violation relative to its
value at zero, as in :class:`sparsefit.solvers.ProxNewton`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sparsefit._optimality import dual_scaling
from sparsefit._penalty import ElasticNetPenalty

__all__ = ["PreCertificate", "ScaledPenalty", "pre_certificate", "unpenalized_features"]


@dataclass(frozen=True, eq=False)
class ScaledPenalty(ElasticNetPenalty):
    """An :class:`~sparsefit._penalty.ElasticNetPenalty` written in the coordinates ``v = w * scale``.

    The distributed solvers run on ``X / scale`` (unit-variance columns: a
    diagonal preconditioner, what Spark's ``standardization=False`` also does
    internally); the same problem then has ``l1 / scale``, ``l2 / scale^2``
    and bounds ``* scale``. Every method of the parent goes through
    :meth:`arrays`, so value, prox, subdifferential distance, conjugate and
    therefore the duality gap are those of the original problem.
    """

    scale: np.ndarray | None = None

    @classmethod
    def wrap(cls, penalty, scale):
        return cls(penalty.alpha, penalty.l1_ratio, penalty.weights, penalty.lower_bounds, penalty.upper_bounds,
                   np.asarray(scale, dtype=np.float64))

    def arrays(self, n_features: int):
        # computed once: the driver asks for them several times per iteration, on p-vectors
        cached = self.__dict__.get("_arrays")
        if cached is not None and cached[0].shape[0] == n_features:
            return cached
        l1, l2, lower, upper = super().arrays(n_features)
        s = self.scale
        cached = (l1 / s, l2 / (s * s), lower * s, upper * s)
        for a in cached:
            a.setflags(write=False)
        object.__setattr__(self, "_arrays", cached)
        return cached

    @property
    def has_bounds(self) -> bool:
        return ElasticNetPenalty(self.alpha, self.l1_ratio, None, self.lower_bounds, self.upper_bounds).has_bounds

    def subset(self, idx) -> "ScaledPenalty":
        def take(a):
            return None if a is None else np.asarray(a)[idx]

        return ScaledPenalty(self.alpha, self.l1_ratio, take(self.weights), take(self.lower_bounds),
                             take(self.upper_bounds), self.scale[idx])


@dataclass(frozen=True)
class PreCertificate:
    """What the driver knows of a point's certificate before the conjugate round."""

    primal: float
    kkt: float
    shift: float
    kappa: float
    penalty_conjugate: float

    def gap(self, conjugate: float) -> float:
        """``P - D`` given the summed datafit conjugate ``F*(-kappa theta)``."""
        dual = -conjugate - self.penalty_conjugate
        return self.primal - dual

    @property
    def certify(self):
        """The ``(shift, kappa)`` the blocks need to compute their conjugate share."""
        return (self.shift, self.kappa)


def pre_certificate(penalty, w, loss, grad, gsum, xbar, fit_intercept) -> PreCertificate:
    """Primal value, KKT violation and the dual scaling of the point ``(w, b)``.

    Parameters
    ----------
    penalty : ElasticNetPenalty
        Restricted to the features of ``w`` (``penalty.subset(ws)`` on a working set).
    w : ndarray
    loss : float
        ``F(Xw + b)``.
    grad : ndarray
        ``X.T grad F`` on the same features.
    gsum : float
        ``sum(grad F)``.
    xbar : ndarray
        ``X.T sw`` on the same features.
    fit_intercept : bool
    """
    primal = loss + penalty.value(w)
    kkt = float(np.max(penalty.subdiff_distance(w, grad), initial=0.0))
    if fit_intercept:
        kkt = max(kkt, abs(gsum))
    Xt_theta = -grad
    shift = -gsum if fit_intercept else 0.0
    if fit_intercept:
        Xt_theta = Xt_theta - shift * xbar
    l1, l2, lower, upper = penalty.arrays(w.shape[0])
    kappa = dual_scaling(Xt_theta, l1, l2, lower, upper)
    pen_conj = float(penalty.conjugate_terms(kappa * Xt_theta).sum())
    return PreCertificate(primal, kkt, shift, kappa, pen_conj)


def unpenalized_features(penalty, lips):
    """Non-constant features with neither L1 nor L2 penalty (they switch the rule to KKT)."""
    l1, l2, _, _ = penalty.arrays(lips.shape[0])
    constant = lips <= 1e-14 * max(float(lips.max(initial=0.0)), 1e-300)
    return np.flatnonzero((l1 == 0) & (l2 == 0) & ~constant)
