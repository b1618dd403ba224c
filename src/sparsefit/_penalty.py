"""The Elastic-Net penalty; L1 and L2 are special cases of it.

``G(w) = sum_j pf_j * alpha * (l1_ratio * |w_j| + (1 - l1_ratio) / 2 * w_j^2)``
plus the indicator of the box ``lower_j <= w_j <= upper_j``.

Writing ``l1_j = alpha * l1_ratio * pf_j`` and ``l2_j = alpha * (1 - l1_ratio) * pf_j``,
L1, L2 and Elastic Net share one proximal operator::

    prox(z, step) = clip(soft_threshold(z, l1 * step) / (1 + l2 * step), lower, upper)

(for a convex function of one variable, the minimizer over an interval is the
clipped unconstrained minimizer), so the numba kernels never dispatch on the
penalty type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ElasticNetPenalty", "L1", "L2", "soft_threshold", "subdiff_distance_arrays"]


def soft_threshold(z, threshold):
    """``sign(z) * max(|z| - threshold, 0)``, elementwise."""
    return np.sign(z) * np.maximum(np.abs(z) - threshold, 0.0)


def subdiff_distance_arrays(w, grad, l1, l2, lower, upper):
    """Per-feature distance of ``-grad`` to ``l1 * d|w| + l2 * w + N_box(w)`` (the KKT residual).

    At ``w_j > 0`` inside the box the subdifferential is ``{l1_j + l2_j w_j}``; at an
    upper bound it opens upwards (normal cone ``[0, inf)``); at zero it is
    ``[-l1_j, l1_j]``, opened on the side where zero is itself a bound.
    """
    neg = -grad - l2 * w  # what the L1 part (plus the normal cone) has to match
    pos, negw = w > 0, w < 0
    at_upper = pos & (w >= upper)
    at_lower = negw & (w <= lower)
    dist = np.zeros_like(w, dtype=np.float64)
    dist = np.where(pos & ~at_upper, np.abs(neg - l1), dist)
    dist = np.where(negw & ~at_lower, np.abs(neg + l1), dist)
    dist = np.where(at_upper, np.maximum(0.0, l1 - neg), dist)
    dist = np.where(at_lower, np.maximum(0.0, neg + l1), dist)
    above = np.where(upper > 0, np.maximum(0.0, neg - l1), 0.0)
    below = np.where(lower < 0, np.maximum(0.0, -neg - l1), 0.0)
    return np.where(w == 0, np.maximum(above, below), dist)


@dataclass(frozen=True, eq=False)
class ElasticNetPenalty:
    """Weighted Elastic-Net penalty with optional box constraints.

    Parameters
    ----------
    alpha : float
        Overall regularization strength (lambda), ``>= 0``.
    l1_ratio : float, default=1.0
        Mix between L1 (1.0, Lasso) and L2 (0.0, Ridge).
    weights : ndarray of shape (n_features,) or None, default=None
        Per-feature penalty factors (glmnet's ``penalty.factor``); 0 leaves a
        feature unpenalized. Used as given, not rescaled to sum to
        ``n_features`` as glmnet does.
    lower_bounds, upper_bounds : ndarray of shape (n_features,) or None
        Box constraints; ``lower <= 0 <= upper``. None means unbounded.
    """

    alpha: float
    l1_ratio: float = 1.0
    weights: np.ndarray | None = None
    lower_bounds: np.ndarray | None = None
    upper_bounds: np.ndarray | None = None

    def arrays(self, n_features: int):
        """Per-feature ``(l1, l2, lower, upper)`` vectors used by the solvers."""
        pf = self._factors(n_features)
        l1 = self.alpha * self.l1_ratio * pf
        l2 = self.alpha * (1.0 - self.l1_ratio) * pf
        lower = np.full(n_features, -np.inf) if self.lower_bounds is None else np.asarray(self.lower_bounds, float)
        upper = np.full(n_features, np.inf) if self.upper_bounds is None else np.asarray(self.upper_bounds, float)
        return l1, l2, lower, upper

    def _factors(self, n_features: int):
        return np.ones(n_features) if self.weights is None else np.asarray(self.weights, dtype=np.float64)

    def l1_vector(self, n_features: int):
        """Per-feature L1 weights ``alpha * l1_ratio * pf_j`` (the first of :meth:`arrays`, alone)."""
        return self.alpha * self.l1_ratio * self._factors(n_features)

    @property
    def has_bounds(self) -> bool:
        """Whether any coordinate is constrained."""
        lower_free = self.lower_bounds is None or np.all(np.isneginf(self.lower_bounds))
        upper_free = self.upper_bounds is None or np.all(np.isposinf(self.upper_bounds))
        return not (lower_free and upper_free)

    def value(self, w) -> float:
        """Penalty value ``G(w)`` (+inf outside the box)."""
        l1, l2, lower, upper = self.arrays(w.shape[0])
        if np.any(w < lower) or np.any(w > upper):
            return np.inf
        return float(np.dot(l1, np.abs(w)) + 0.5 * np.dot(l2, w * w))

    def prox(self, z, step):
        """Proximal operator of ``step * G`` at ``z`` (``step`` scalar or per feature)."""
        l1, l2, lower, upper = self.arrays(z.shape[0])
        return np.clip(soft_threshold(z, l1 * step) / (1.0 + l2 * step), lower, upper)

    def subdiff_distance(self, w, grad) -> np.ndarray:
        """Distance of ``-grad`` to the subdifferential of ``G`` at ``w``, per feature.

        ``grad`` is the gradient of the datafit with respect to ``w``. Zero for
        every feature exactly at an optimum; the maximum over features is the
        KKT violation.
        """
        return subdiff_distance_arrays(w, grad, *self.arrays(w.shape[0]))

    def conjugate_terms(self, s) -> np.ndarray:
        """Per-feature Fenchel conjugate ``g_j*(s_j)``.

        ``s`` must be dual feasible (see :func:`sparsefit._optimality.dual_scaling`):
        where ``l2_j == 0`` and the bound in the direction of ``s_j`` is infinite,
        ``|s_j| <= l1_j`` is assumed and the term is 0.
        """
        l1, l2, lower, upper = self.arrays(s.shape[0])
        out = np.zeros_like(s)
        smooth = l2 > 0
        if smooth.any():
            t = np.clip(soft_threshold(s[smooth], l1[smooth]) / l2[smooth], lower[smooth], upper[smooth])
            out[smooth] = s[smooth] * t - l1[smooth] * np.abs(t) - 0.5 * l2[smooth] * t * t
        nonsmooth = ~smooth
        if nonsmooth.any():
            sj, l1j = s[nonsmooth], l1[nonsmooth]
            up = np.where(np.isfinite(upper[nonsmooth]), upper[nonsmooth], 0.0)
            lo = np.where(np.isfinite(lower[nonsmooth]), lower[nonsmooth], 0.0)
            out[nonsmooth] = np.maximum(np.maximum(sj - l1j, 0.0) * up, np.maximum(-sj - l1j, 0.0) * (-lo))
        return out

    def alpha_max(self, grad0) -> float:
        """Smallest ``alpha`` at which ``w = 0`` is optimal, given the datafit gradient at 0.

        ``grad0`` is the gradient of the datafit at ``w = 0`` (after fitting the
        intercept and any unpenalized feature). For ``l1_ratio == 0`` the answer
        is infinite; glmnet's convention of computing it at ``l1_ratio = 1e-3``
        is applied instead.
        """
        pf = np.ones(grad0.shape[0]) if self.weights is None else np.asarray(self.weights, float)
        lower = np.full(grad0.shape[0], -np.inf) if self.lower_bounds is None else np.asarray(self.lower_bounds)
        upper = np.full(grad0.shape[0], np.inf) if self.upper_bounds is None else np.asarray(self.upper_bounds)
        # -grad pushes w_j up; that direction only counts if the box allows it
        push = np.where(upper > 0, np.maximum(-grad0, 0.0), 0.0)
        push = np.maximum(push, np.where(lower < 0, np.maximum(grad0, 0.0), 0.0))
        penalized = pf > 0
        if not penalized.any():
            return 0.0
        ratio = max(self.l1_ratio, 1e-3)
        return float(np.max(push[penalized] / pf[penalized]) / ratio)

    def subset(self, idx) -> "ElasticNetPenalty":
        """The same penalty restricted to the features ``idx``."""

        def take(a):
            return None if a is None else np.asarray(a)[idx]

        return ElasticNetPenalty(self.alpha, self.l1_ratio, take(self.weights), take(self.lower_bounds), take(self.upper_bounds))


def L1(alpha: float, weights=None) -> ElasticNetPenalty:
    """Lasso penalty ``alpha * sum_j pf_j |w_j|``."""
    return ElasticNetPenalty(alpha, 1.0, weights)


def L2(alpha: float, weights=None) -> ElasticNetPenalty:
    """Ridge penalty ``alpha / 2 * sum_j pf_j w_j^2``."""
    return ElasticNetPenalty(alpha, 0.0, weights)
