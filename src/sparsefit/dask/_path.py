"""Distributed regularization path: warm starts and the strong rule over OWL-QN.

For a decreasing grid ``alpha_0 = alpha_max > alpha_1 > ...``, each fit starts
from the previous solution (its coefficients *and* its margins, already on
the workers: no extra round). The sequential strong rule (Tibshirani et al.
2012) keeps feature j in the working set when::

    |X_j.T grad F(w_prev)| >= l1_ratio * pf_j * (2 alpha_k - alpha_{k-1})

or when it is non-zero or unpenalized. OWL-QN iterates on that set (gradients
cross the network for it only); a final round on all features certifies the
fit on the full problem and adds any violator the rule missed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from sparsefit._objective import Logistic, Quadratic
from sparsefit._penalty import ElasticNetPenalty
from sparsefit._validation import validate_feature_vector
from sparsefit.dask._fit import as_distributed, build_problem, null_intercept, single_threaded_blas, summarize
from sparsefit.dask._owlqn import OWLQN, warn_not_converged
from sparsefit.dask._progress import Progress, options
from sparsefit.dask._stopping import ScaledPenalty, unpenalized_features

__all__ = ["DistributedPath", "regularization_path"]


@dataclass(frozen=True, eq=False)
class DistributedPath:
    """Solutions along a grid of ``alpha`` (plain arrays; one column per ``alpha``).

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        Decreasing.
    coefs : scipy.sparse.csc_matrix of shape (n_features, n_alphas)
    intercepts : ndarray of shape (n_alphas,)
    n_iter : ndarray of shape (n_alphas,)
        OWL-QN iterations per ``alpha``.
    dual_gaps : ndarray of shape (n_alphas,)
        Absolute duality gaps (NaN under the KKT rule).
    kkt_violations : ndarray of shape (n_alphas,)
    converged : ndarray of bool, shape (n_alphas,)
    working_set_sizes : ndarray of shape (n_alphas,)
        Features the strong rule kept (before any violator was added).
    n_rounds : int
        Cluster rounds over the whole path.
    loss : str
    l1_ratio : float
    classes : ndarray or None
        For the logistic loss: the labels; ``classes[1]`` is the positive class.
    """

    alphas: np.ndarray
    coefs: sp.csc_matrix
    intercepts: np.ndarray
    n_iter: np.ndarray
    dual_gaps: np.ndarray
    kkt_violations: np.ndarray
    converged: np.ndarray
    working_set_sizes: np.ndarray
    n_rounds: int
    loss: str
    l1_ratio: float
    classes: np.ndarray | None = None


def regularization_path(X, y=None, *, loss="squared", l1_ratio=1.0, n_alphas=100, alphas=None, eps=None,
                        sample_weight=None, fit_intercept=True, penalty_factor=None, tol=1e-6, max_iter=1000,
                        strong_rule=True, client=None, progress=None) -> DistributedPath:
    """Fit a path of Elastic-Net models on distributed data.

    Objective at each ``alpha`` (the estimators' mean-loss form)::

        1/sum(s) sum_i s_i loss(y_i, x_i.w + b) + alpha * sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)

    with ``loss`` the half squared error or the logistic loss (labels mapped to
    ±1, the larger label positive).

    Parameters
    ----------
    X : dask.array.Array or DistributedData
    y : dask.array.Array or array-like, default=None
        None with a DistributedData.
    loss : {"squared", "logistic"}, default="squared"
    l1_ratio : float, default=1.0
    n_alphas : int, default=100
    alphas : array-like, default=None
        Explicit grid (sorted decreasing); None builds ``n_alphas`` values from
        ``alpha_max`` down to ``eps * alpha_max`` on a log scale.
    eps : float, default=None
        1e-3 when ``n_samples >= n_features``, else 1e-2 (glmnet's default).
    sample_weight : dask.array.Array or array-like, default=None
    fit_intercept : bool, default=True
    penalty_factor : array-like of shape (n_features,), default=None
    tol : float, default=1e-6
        Relative duality-gap tolerance of every fit (``gap <= tol * P(0)``).
    max_iter : int, default=1000
        OWL-QN iterations per ``alpha``.
    strong_rule : bool, default=True
    client : distributed.Client, default=None
    progress : bool or "auto", default=None

    Returns
    -------
    DistributedPath
    """
    if loss not in ("squared", "logistic"):
        raise ValueError(f"loss must be 'squared' or 'logistic'; got {loss!r}.")
    if not 0.0 <= float(l1_ratio) <= 1.0:
        raise ValueError(f"l1_ratio must be between 0 and 1; got {l1_ratio!r}.")
    opts = options()
    client = client or opts["client"] or getattr(X, "client", None)
    if not hasattr(X, "blocks"):
        from sparsefit.dask._data import get_client

        client = get_client(client)
    data = as_distributed(X, y, sample_weight, client)
    classifier = loss == "logistic"
    weight_sum, classes = summarize(data, classifier)
    if classifier and len(classes) != 2:
        raise ValueError(f"The logistic path needs exactly two classes; y has {len(classes)}.")
    n, p = data.shape
    datafit = Logistic() if classifier else Quadratic()
    problem = build_problem(data, datafit, loss, fit_intercept, weight_sum, classes=classes, positive=1,
                            tree_width=opts["tree_width"])
    pf = validate_feature_vector(penalty_factor, p, "penalty_factor", default=1.0)
    if not np.all(np.isfinite(pf)) or (pf < 0).any():
        raise ValueError("penalty_factor must be finite and >= 0 for every feature.")

    scale = problem.scale  # the solver's coordinates are w * scale (see build_problem)
    zero = problem.point(np.zeros(p), null_intercept(problem))
    if alphas is None:
        alpha_max = ElasticNetPenalty(1.0, l1_ratio, pf).alpha_max(zero.grad * scale)
        eps = (1e-3 if n >= p else 1e-2) if eps is None else eps
        alphas = alpha_max * np.geomspace(1.0, eps, n_alphas) if alpha_max > 0 else np.zeros(1)
    alphas = np.asarray(alphas, dtype=np.float64)
    if alphas.ndim != 1 or not len(alphas) or (alphas < 0).any() or np.any(np.diff(alphas) > 0):
        raise ValueError("alphas must be a non-empty, decreasing sequence of numbers >= 0.")

    solver = OWLQN(max_iter=max_iter)
    point, alpha_prev = zero, float(alphas[0])
    cols, intercepts, iters, gaps, kkts, conv, ws_sizes = [], [], [], [], [], [], []
    progress = opts["progress"] if progress is None else progress
    with single_threaded_blas(), Progress(progress, "path") as bar:
        for k, alpha in enumerate(alphas):
            bar.describe(f"path {k + 1}/{len(alphas)}  alpha {alpha:.3e}")
            penalty = ScaledPenalty.wrap(ElasticNetPenalty(float(alpha), float(l1_ratio), pf), scale)
            unpenalized = unpenalized_features(penalty, problem.lips)
            use_gap = unpenalized.size == 0
            threshold = tol * (zero.loss if use_gap else max(float(np.abs(zero.grad).max(initial=0.0)), 1e-300))
            ws = None
            if strong_rule and l1_ratio > 0 and alpha > 0:
                grad = point.grad if point.grad_idx is None else None
                if grad is not None:
                    keep = (np.abs(grad * scale) >= l1_ratio * pf * (2.0 * alpha - alpha_prev)) | (point.w != 0) | \
                        (pf == 0)
                    ws = np.flatnonzero(keep)
            ws_sizes.append(p if ws is None else len(ws))
            bar.threshold = threshold
            result = solver.solve(problem, penalty, point, threshold, use_gap=use_gap, ws=ws, progress=bar)
            warn_not_converged(result, threshold, use_gap)
            point = result.point
            if point.grad_idx is not None:  # keep the full gradient for the next strong rule
                loss_, grad_, gsum_ = problem.evaluate(point.states, None)
                point = replace(point, grad=grad_, gsum=gsum_, grad_idx=None)
            cols.append(sp.csc_matrix((point.w / scale).reshape(-1, 1)))
            intercepts.append(point.b if fit_intercept else 0.0)
            iters.append(result.n_iter)
            gaps.append(result.gap)
            kkts.append(result.kkt_violation)
            conv.append(result.converged)
            alpha_prev = float(alpha)
    return DistributedPath(
        alphas=alphas,
        coefs=sp.hstack(cols, format="csc"),
        intercepts=np.asarray(intercepts, dtype=np.float64),
        n_iter=np.asarray(iters, dtype=np.int64),
        dual_gaps=np.asarray(gaps, dtype=np.float64),
        kkt_violations=np.asarray(kkts, dtype=np.float64),
        converged=np.asarray(conv, dtype=bool),
        working_set_sizes=np.asarray(ws_sizes, dtype=np.int64),
        n_rounds=int(problem.n_rounds),
        loss=loss,
        l1_ratio=float(l1_ratio),
        classes=classes,
    )
