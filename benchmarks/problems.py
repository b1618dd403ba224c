"""Named benchmark problems, generated deterministically and cached per process.

Each problem has three sizes: ``full`` (the published numbers), ``quick``
(about a quarter of the work, for development) and ``tiny`` (the smoke test).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from sparsefit.datasets import make_correlated_regression, make_sparse_classification, make_sparse_regression

SIZES = ("full", "quick", "tiny")


@dataclass(frozen=True)
class Problem:
    """A design matrix and a response (labels 0/1 for classification problems), with their description."""

    name: str
    size: str
    X: object = field(repr=False)
    y: np.ndarray = field(repr=False)
    description: str

    @property
    def shape(self):
        return self.X.shape

    @property
    def is_sparse(self):
        return hasattr(self.X, "tocsc")

    @property
    def nnz(self):
        return int(self.X.nnz) if self.is_sparse else int(np.prod(self.X.shape))


def _sparse_text(size):
    n, p, n_informative = {"full": (20_000, 50_000, 100), "quick": (5_000, 12_500, 50),
                           "tiny": (300, 600, 10)}[size]
    density = 0.001 if size != "tiny" else 0.01
    data = make_sparse_regression(n_samples=n, n_features=p, n_informative=n_informative, density=density,
                                  sparse_format="csc", random_state=0)
    return data.X, data.y, f"text-like CSC, n={n}, p={p}, density {density:g}, nnz={data.X.nnz}"


def _dense_corr(size):
    n, p, n_informative = {"full": (1_000, 5_000, 50), "quick": (500, 2_500, 25), "tiny": (100, 300, 5)}[size]
    data = make_correlated_regression(n_samples=n, n_features=p, rho=0.6, n_informative=n_informative, snr=3.0,
                                      random_state=0)
    return data.X, data.y, f"dense Toeplitz Gaussian (Fortran), n={n}, p={p}, rho=0.6, SNR 3"


def _sparse_text_clf(size):
    n, p, n_informative = {"full": (20_000, 50_000, 100), "quick": (5_000, 12_500, 50),
                           "tiny": (300, 600, 10)}[size]
    density = 0.001 if size != "tiny" else 0.01
    data = make_sparse_classification(n_samples=n, n_features=p, n_informative=n_informative, density=density,
                                      sparse_format="csc", random_state=0)
    y = np.asarray(data.y, dtype=np.float64)
    return data.X, y, (f"text-like CSC, labels 0/1 ({y.mean():.1%} positive), n={n}, p={p}, density {density:g}, "
                       f"nnz={data.X.nnz}")


# Later problems (CTR-like, genomics-like) are added here by name.
PROBLEMS = {
    "sparse-text": _sparse_text,
    "dense-corr": _dense_corr,
    "sparse-text-clf": _sparse_text_clf,
}


@lru_cache(maxsize=None)
def get_problem(name: str, size: str = "full") -> Problem:
    """Build (once per process) the problem ``name`` at ``size``."""
    if name not in PROBLEMS:
        raise KeyError(f"unknown problem {name!r}; known: {', '.join(PROBLEMS)}")
    if size not in SIZES:
        raise KeyError(f"unknown size {size!r}; known: {', '.join(SIZES)}")
    X, y, description = PROBLEMS[name](size)
    return Problem(name=name, size=size, X=X, y=np.ascontiguousarray(y, dtype=np.float64), description=description)
