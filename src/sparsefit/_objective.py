"""Datafits: the loss part of the objective, as plain NumPy.

Every datafit is a separable function of the linear predictor ``Xw`` (which
includes the intercept) with normalized sample weights ``sw`` (``sw >= 0``,
``sum(sw) == 1``, i.e. ``sw = s / sum(s)`` for user weights ``s``)::

    F(Xw) = sum_i sw_i * loss(y_i, Xw_i)

The dual of the full problem (see :mod:`sparsefit._optimality`) uses the
Fenchel conjugate ``F*``; a dual point ``theta`` is the negative gradient of
``F`` at the current predictor, ``theta = -raw_grad(y, Xw, sw)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Quadratic", "Logistic", "sigmoid"]


@dataclass(frozen=True)
class Quadratic:
    """Weighted least squares ``F(u) = 1/2 * sum_i sw_i (y_i - u_i)^2``.

    With ``sw = s / sum(s)`` this is scikit-learn's and glmnet's
    ``1 / (2 * sum(s)) * sum_i s_i (y_i - x_i.w - b)^2``.
    """

    name = "squared"

    def value(self, y, Xw, sw) -> float:
        """Loss value ``F(Xw)``."""
        r = y - Xw
        return 0.5 * float(np.dot(sw, r * r))

    def raw_grad(self, y, Xw, sw) -> np.ndarray:
        """Gradient of ``F`` with respect to the predictor: ``sw * (Xw - y)``."""
        return sw * (Xw - y)

    def raw_hessian(self, y, Xw, sw) -> np.ndarray:
        """Diagonal of the Hessian with respect to the predictor: ``sw``."""
        return sw

    def intercept_only(self, y, sw, intercept) -> tuple[float, np.ndarray]:
        """``(F, -raw_grad)`` where every predictor equals ``intercept``."""
        r = y - intercept
        return 0.5 * float(np.dot(sw, r * r)), sw * r

    def conjugate(self, y, theta, sw) -> float:
        """Fenchel conjugate at ``-theta``: ``F*(-theta)``.

        ``F*(-theta) = sum_i (-theta_i y_i + theta_i^2 / (2 sw_i))``; rows with
        zero weight require ``theta_i == 0`` (otherwise the value is +inf).
        """
        positive = sw > 0
        if positive.all():  # (the common case: no subsets to take)
            return float(-np.dot(theta, y) + 0.5 * np.dot(theta, theta / sw))
        if np.any(theta[~positive] != 0):
            return np.inf
        t = theta[positive]
        return float(-np.dot(t, y[positive]) + 0.5 * np.dot(t, t / sw[positive]))

    def lipschitz(self) -> float:
        """Upper bound of the second derivative of the per-sample loss (1)."""
        return 1.0

    def null_intercept(self, y, sw) -> float:
        """Optimal intercept of the model with no feature: the weighted mean of y."""
        return float(np.dot(sw, y))


def sigmoid(z):
    """Numerically safe logistic function ``1 / (1 + exp(-z))`` (no overflow for large ``|z|``)."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


@dataclass(frozen=True)
class Logistic:
    """Weighted logistic loss ``F(u) = sum_i sw_i log(1 + exp(-y_i u_i))`` with labels ``y_i`` in {-1, +1}.

    With ``sw = s / sum(s)`` this is the mean-loss form; scikit-learn's
    ``C * sum_i s_i loss_i`` is the same problem scaled by ``C * sum(s)``.
    """

    name = "logistic"

    def value(self, y, Xw, sw) -> float:
        """Loss value, computed as ``logaddexp(0, -y u)`` so it never overflows."""
        return float(np.dot(sw, np.logaddexp(0.0, -y * Xw)))

    def raw_grad(self, y, Xw, sw) -> np.ndarray:
        """Gradient with respect to the predictor: ``-sw * y * sigmoid(-y u)``."""
        return -sw * y * sigmoid(-y * Xw)

    def raw_hessian(self, y, Xw, sw) -> np.ndarray:
        """Diagonal of the Hessian: ``sw * p (1 - p)`` with ``p = sigmoid(u)``."""
        prob = sigmoid(Xw)
        return sw * prob * (1.0 - prob)

    def intercept_only(self, y, sw, intercept) -> tuple[float, np.ndarray]:
        """``(F, -raw_grad)`` where every predictor equals ``intercept``: each takes one value per label, so
        two ``exp`` and two ``log`` serve every sample."""
        positive = y > 0
        loss_positive, loss_negative = np.logaddexp(0.0, [-intercept, intercept])
        sigma_negative, sigma_positive = sigmoid(np.array([-intercept, intercept]))
        sw_positive = float(np.dot(sw, positive))
        value = sw_positive * loss_positive + (float(sw.sum()) - sw_positive) * loss_negative
        return float(value), sw * np.where(positive, sigma_negative, -sigma_positive)

    def conjugate(self, y, theta, sw) -> float:
        """Fenchel conjugate at ``-theta``: ``sum_i sw_i (t_i log t_i + (1 - t_i) log(1 - t_i))``.

        ``t_i = y_i theta_i / sw_i`` must lie in [0, 1] (+inf otherwise; a
        rounding-sized excursion is clipped); rows with zero weight need
        ``theta_i == 0``.
        """
        positive = sw > 0
        if np.any(theta[~positive] != 0):
            return np.inf
        t = y[positive] * theta[positive] / sw[positive]
        if np.any(t < -1e-12) or np.any(t > 1 + 1e-12):
            return np.inf
        t = np.clip(t, 0.0, 1.0)
        entropy = _xlogx(t) + _xlogx(1.0 - t)
        return float(np.dot(sw[positive], entropy))

    def lipschitz(self) -> float:
        """Upper bound of the second derivative of the per-sample loss (1/4)."""
        return 0.25

    def null_intercept(self, y, sw) -> float:
        """Optimal intercept of the model with no feature: the log-odds of the weighted positive rate."""
        rate = float(np.dot(sw, y > 0)) / float(sw.sum())
        rate = min(max(rate, 1e-15), 1 - 1e-15)
        return float(np.log(rate / (1.0 - rate)))


def _xlogx(t):
    out = np.zeros_like(t)
    positive = t > 0
    out[positive] = t[positive] * np.log(t[positive])
    return out
