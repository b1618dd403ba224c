"""Pieces shared by every generator: argument checks, true coefficients, responses."""

from __future__ import annotations

import numbers

import numpy as np


def check_count(value, name, *, minimum=1):
    """Return ``value`` as an int, or raise ValueError if it is not an int >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_real(value, name, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a float, or raise ValueError if it lies outside the range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    if low is not None and (value < low or (low_open and value == low)):
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high}, got {value}.")
    if high is not None and (value > high or (high_open and value == high)):
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}, got {value}.")
    return value


def signed_effects(rng, size):
    """Draw ``size`` true coefficients with random signs and magnitudes in [1, 2].

    Magnitudes are bounded away from zero so that the support of the true
    coefficient vector is exactly the set of informative columns.
    """
    signs = rng.choice(np.array([-1.0, 1.0]), size=size)
    return signs * rng.uniform(1.0, 2.0, size=size)


def noise_for_snr(signal, snr):
    """Noise standard deviation giving ``var(signal) / noise_std**2 == snr``."""
    signal_variance = float(np.var(signal))
    if signal_variance == 0.0:
        # A constant signal has no SNR to match; unit noise keeps y non-degenerate.
        return 1.0
    return float(np.sqrt(signal_variance / snr))


def intercept_for_balance(linear_predictor, class_balance):
    """Logit offset ``b`` with ``mean(sigmoid(linear_predictor + b)) == class_balance``.

    The mean is increasing in ``b``, so bisection converges; 100 halvings of a
    bracket wider than any useful logit reach float precision.
    """
    low = -50.0 - float(np.max(linear_predictor))
    high = 50.0 - float(np.min(linear_predictor))
    for _ in range(100):
        middle = 0.5 * (low + high)
        if np.mean(_sigmoid(linear_predictor + middle)) < class_balance:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def logistic_labels(rng, linear_predictor, intercept):
    """Draw 0/1 labels with ``P(y = 1) = sigmoid(linear_predictor + intercept)``."""
    probability = _sigmoid(linear_predictor + intercept)
    return (rng.random(linear_predictor.shape[0]) < probability).astype(np.int64)


def scale_to_std(linear_predictor, coef, target_std):
    """Rescale ``coef`` and its predictor so the predictor's standard deviation is ``target_std``."""
    current = float(np.std(linear_predictor))
    if current == 0.0:
        return linear_predictor, coef
    factor = target_std / current
    return linear_predictor * factor, coef * factor


def numbered_names(prefix, count):
    """Names ``prefix0000 ... prefix{count-1}`` zero-padded to a common width."""
    width = len(str(max(count - 1, 0)))
    return np.array([f"{prefix}{index:0{width}d}" for index in range(count)])


def _sigmoid(z):
    # The two-branch form never evaluates exp of a large positive number.
    out = np.empty_like(z, dtype=np.float64)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    exp_z = np.exp(z[~positive])
    out[~positive] = exp_z / (1.0 + exp_z)
    return out
