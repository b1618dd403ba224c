"""Test configuration: a CI hypothesis profile with no deadline (numba compiles on first use).

The CI profile is derandomized: every run draws the same examples, so a
green run on a clean clone predicts CI's. Fresh examples are for development:
``HYPOTHESIS_PROFILE=dev pytest`` (random), optionally with ``--hypothesis-seed=N``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, max_examples=25, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", deadline=None, max_examples=10, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
