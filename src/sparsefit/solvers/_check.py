"""The per-feature penalty vectors the compiled solvers take.

The optimality checks themselves are compiled with the solvers
(:mod:`sparsefit.solvers._ws_kernels`, :mod:`sparsefit.solvers._pn_kernels`);
their math is that of :mod:`sparsefit._optimality` and :mod:`sparsefit._penalty`
(the tests check the two agree).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PenaltyArrays:
    """The per-feature penalty vectors, built once per solve."""

    l1: np.ndarray
    l2: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @classmethod
    def of(cls, penalty, n_features):
        return cls(*(np.ascontiguousarray(a, dtype=np.float64) for a in penalty.arrays(n_features)))
