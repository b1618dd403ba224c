"""One adapter per library; each converts that library's conventions to sparsefit's.

Every adapter module defines:

- ``NAME`` and ``PACKAGE`` (the distribution whose version is reported);
- ``INITIAL_TOL``: its own tolerance to try first (its default, or 1e-4 for
  duality-gap rules); the runner tightens it (divides by sqrt(10)) until
  the re-scored solution reaches the target relative suboptimality, or, when
  the start reaches it at once, loosens it (multiplies by sqrt(10)) while it
  still does, so every library is timed at the loosest tolerance of that
  half-decade grid that reaches the target, and the tolerance is reported;
- ``fit(X, y, alphas, *, l1_ratio, tol, datafit) -> PathFit`` (coefficients dense or sparse, as the
  library returns them): minimize, for
  every ``alpha`` in ``alphas`` (decreasing; warm-started from the previous one
  when there are several, with the library's own path routine where it has one),
  ``L(w, b) + alpha * (l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2)``
  with an unpenalized intercept ``b``, in that library's own terms, where
  ``L = 1/(2n) ||y - Xw - b||^2`` for ``datafit="quadratic"`` (scikit-learn's
  ``ElasticNet`` objective) and ``L = 1/n sum_i log(1 + exp(-y_i (x_i.w + b)))``
  (labels ``y`` given as 0/1, ``+-1`` in the formula) for ``datafit="logistic"``.
  An adapter raises :class:`Unsupported` for a datafit it does not cover.
  The same call must return the same solution (a solver with a random order
  gets a fixed seed): the runner calibrates the tolerance on one call and
  times others, which must reproduce the calibrated solution.

A library that cannot leave the intercept unpenalized (liblinear, celer's
logistic regression) gets a constant column of value :data:`INTERCEPT_SCALING`
appended to ``X`` (inside the timed call): its penalty on the intercept is then
``alpha * |b| / INTERCEPT_SCALING``, which moves the objective by about
``(alpha / INTERCEPT_SCALING)^2 / (2 * 0.25)``, far below the 1e-6 target
(the re-scoring with sparsefit's unpenalized-intercept objective checks it).

Adapters import their library at module import; a library that is not
installed gives a "not installed" row, not a crash.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import metadata

import numpy as np
import scipy.sparse as sp

ADAPTERS = ("sparsefit", "sklearn", "sklearn-saga", "skglm", "celer", "glmnet", "adelie", "glum")
MAX_ITER = 100_000
INTERCEPT_SCALING = 1000.0


class Unsupported(Exception):
    """The library has no solver for this task."""


@dataclass(frozen=True)
class PathFit:
    """Solutions, one row per alpha.

    ``coefs`` is ``(n_alphas, n_features)``, dense or a SciPy sparse matrix: each adapter returns the form
    its library produces, so that the timed call holds no conversion the library itself would not make
    (100 x 514,177 dense coefficients are 411 MB, and writing them cost up to 2 s here when the kernel
    compacted memory for huge pages). The runner densifies rows outside the timing, one at a time.
    """

    coefs: np.ndarray | sp.spmatrix  # (n_alphas, n_features)
    intercepts: np.ndarray  # (n_alphas,)

    def __len__(self):
        return self.coefs.shape[0]

    def row(self, k):
        """The coefficients at the ``k``-th alpha, as a dense 1-D array."""
        row = self.coefs[k]
        return row.toarray().ravel() if sp.issparse(row) else np.asarray(row).ravel()

    def dense(self):
        """All coefficients as a dense ``(n_alphas, n_features)`` array."""
        return self.coefs.toarray() if sp.issparse(self.coefs) else np.asarray(self.coefs)


@dataclass(frozen=True)
class Adapter:
    name: str
    version: str | None
    module: object | None
    error: str | None = None

    @property
    def available(self):
        return self.module is not None


def load_adapter(name: str) -> Adapter:
    """Import the adapter ``name``; a missing library gives an unavailable Adapter."""
    if name not in ADAPTERS:
        raise KeyError(f"unknown library {name!r}; known: {', '.join(ADAPTERS)}")
    try:
        module = importlib.import_module(f"{__name__}.{name.replace('-', '_')}")
    except ImportError as exc:  # the library itself is missing or broken
        return Adapter(name, None, None, f"not installed ({exc})")
    try:
        version = metadata.version(module.PACKAGE)
    except metadata.PackageNotFoundError:
        version = "?"
    return Adapter(name, version, module)


def warm_started_path(make_estimator, X, y, alphas, param="alpha", convert=float):
    """Fit an estimator with ``warm_start=True`` along ``alphas``: the usual way to run a path.

    ``param`` is the estimator's regularization parameter, set to ``convert(alpha)``
    (e.g. ``C = 1 / (n alpha)``).
    """
    model = make_estimator(alphas[0])
    coefs, intercepts = [], []
    for alpha in alphas:
        model.set_params(**{param: convert(float(alpha))})
        model.fit(X, y)
        coefs.append(np.asarray(model.coef_, dtype=np.float64).ravel().copy())
        intercepts.append(float(np.ravel(model.intercept_)[0]) if np.ndim(model.intercept_) else float(model.intercept_))
    return PathFit(np.vstack(coefs), np.asarray(intercepts))


def require_quadratic(datafit):
    if datafit != "quadratic":
        raise Unsupported(f"datafit {datafit!r} has no adapter yet")


def require_datafit(datafit, *supported):
    if datafit not in supported:
        raise Unsupported(f"no {datafit} solver")


def labels_pm(y):
    """0/1 labels as -1/+1 floats."""
    return np.where(np.asarray(y) > 0, 1.0, -1.0)


def with_constant_column(X, value=INTERCEPT_SCALING):
    """``[X, value * 1]`` in ``X``'s format (CSC stays CSC): the penalized-intercept emulation."""
    n = X.shape[0]
    if sp.issparse(X):
        fmt = X.format if X.format in ("csc", "csr") else "csc"
        return sp.hstack([X, sp.csc_matrix(np.full((n, 1), value))], format=fmt)
    return np.hstack([np.asarray(X), np.full((n, 1), value)])


def split_constant_column(coefs, value=INTERCEPT_SCALING):
    """Coefficients of ``[X, value]`` as (coefs of X, intercepts)."""
    coefs = np.atleast_2d(coefs)
    return np.ascontiguousarray(coefs[:, :-1]), coefs[:, -1] * value
