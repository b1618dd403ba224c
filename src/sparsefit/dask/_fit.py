"""``fit_distributed``: the estimators' fit on distributed data.

Reads the estimator's parameters through its own helpers, so a distributed
fit solves exactly the problem the single-machine fit solves, and sets the
same fitted attributes (plus ``n_rounds_``, the cluster rounds it took).
"""

from __future__ import annotations

import numpy as np

from sparsefit._objective import Logistic, Quadratic
from sparsefit.dask._data import DistributedData, from_dask_array, get_client
from sparsefit.dask._fista import FISTA
from sparsefit.dask._owlqn import OWLQN, warn_not_converged
from sparsefit.dask._primitives import Problem, class_weight_sums, label_summary, prepare
from sparsefit.dask._progress import Progress, options
from sparsefit.dask._stopping import ScaledPenalty, unpenalized_features

__all__ = ["fit_distributed"]


def single_threaded_blas():
    """Limit BLAS to one thread on the driver for the fit.

    The driver's work is memory-bound p-vector arithmetic (dots, axpys of the two-loop recursion);
    OpenBLAS threads gain nothing there and, next to busy worker processes, spin: a 10-pair
    two-loop at p = 1e5 measured 660 ms with threads and 8 ms without.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def as_distributed(X, y, sample_weight, client):
    """A :class:`DistributedData` from a Dask array (with y / weights) or as given."""
    if isinstance(X, DistributedData):
        if y is not None or sample_weight is not None:
            raise ValueError(
                "A DistributedData carries its own labels (and weights); call fit(data) or fit(data, None)."
            )
        return X
    import dask.array as da

    if not isinstance(X, da.Array):
        raise TypeError(
            f"Distributed fits take a dask.array.Array (CSR or dense row chunks) or a sparsefit.dask.DistributedData; "
            f"got {type(X).__module__}.{type(X).__name__}. Convert a Dask DataFrame with .to_dask_array(lengths=True)."
        )
    if y is None:
        raise ValueError("This estimator requires y to be passed, but the target y is None.")
    return from_dask_array(X, y, sample_weight, client=client)


def summarize(data, classifier):
    """Weight sum and (for classifiers) the sorted labels, checked like the single-machine fit checks them."""
    client = data.client
    parts = client.gather([client.submit(label_summary, b, classifier, pure=False) for b in data.blocks])
    if sum(part["bad_weights"] for part in parts):
        raise ValueError("sample_weight must be finite and >= 0 for every sample.")
    weight_sum = float(sum(part["weight_sum"] for part in parts))
    if not weight_sum > 0:
        raise ValueError("sample_weight sums to zero: at least one sample needs a positive weight.")
    if any(part.get("bad_labels") for part in parts):
        raise ValueError("y contains NaN or infinite values; every sample needs a finite target / class label.")
    classes = None
    if classifier:
        classes = np.unique(np.concatenate([part["classes"] for part in parts]))
        if classes.shape[0] < 2:
            raise ValueError(
                f"y has only one class ({classes[0].item()!r}); logistic regression needs samples of at least "
                "two classes."
            )
    return weight_sum, classes


def _sum_dicts(parts):
    out = dict(parts[0])
    for part in parts[1:]:
        for key, value in part.items():
            out[key] = out[key] + value
    return out


def column_scale_from_stats(stats, fit_intercept):
    """:func:`sparsefit._scaling.column_scale` from the distributed column statistics."""
    mean, sq = stats["xbar"], stats["sq"]
    var = sq - mean * mean if fit_intercept else sq
    scale = np.sqrt(np.maximum(var, 0.0))
    scale[scale <= 1e-12 * max(float(scale.max(initial=0.0)), 1e-300)] = 1.0
    return scale


def build_problem(data, datafit, loss, fit_intercept, weight_sum, *, classes=None, positive=1,
                  class_weights=None, scale=None, tree_width=2):
    """Prepare the blocks of one problem and collect its column statistics (one round).

    The solvers always work on ``X / scale`` with the columns' weighted standard deviations as
    ``scale`` (a diagonal preconditioner; with ``standardize=False`` the penalty is rewritten in those
    coordinates by :class:`~sparsefit.dask._stopping.ScaledPenalty`, so the problem is unchanged).
    """
    client = data.client
    preps = [client.submit(prepare, b, loss, classes, positive, class_weights, weight_sum, pure=False)
             for b in data.blocks]
    p = data.shape[1]
    empty = {"xbar": np.zeros(p), "sq": np.zeros(p), "ysum": 0.0, "pos": 0.0}
    probe = Problem(client, preps, datafit, p, fit_intercept, empty, tree_width=tree_width)
    stats = probe.stats_round()
    if scale is None:
        scale = column_scale_from_stats(stats, fit_intercept)
    problem = Problem(client, preps, datafit, p, fit_intercept, stats, scale, tree_width=tree_width)
    problem.n_rounds = probe.n_rounds
    return problem


def penalty_in_solver_coordinates(est, alpha, l1_ratio, p, scale):
    """The estimator's penalty in the solver's coordinates ``w * scale``, and the penalty its KKT is reported in.

    ``standardize=True`` defines the problem on standardized columns (as the single-machine fit
    does): the penalty is built for them. Otherwise the original problem's penalty is rewritten.
    """
    if est.standardize:
        penalty = est._build_penalty(alpha, l1_ratio, p, scale)
        return ScaledPenalty.wrap(penalty, np.ones(p)), None
    base = est._build_penalty(alpha, l1_ratio, p, np.ones(p))
    return ScaledPenalty.wrap(base, scale), base


def reported_kkt(result, base, problem):
    """KKT violation in the coordinates the single-machine fit reports it in (original unless standardized)."""
    point = result.point
    if base is None or point.grad_idx is not None:
        return float(result.kkt_violation)
    scale = problem.scale
    dist = base.subdiff_distance(point.w / scale, point.grad * scale)
    kkt = float(np.max(dist, initial=0.0))
    return max(kkt, abs(point.gsum)) if problem.fit_intercept else kkt


def null_intercept(problem):
    """The datafit's intercept-only optimum, from the summed weighted statistics."""
    if not problem.fit_intercept:
        return 0.0
    datafit = problem.datafit
    if datafit.name == "squared":
        return datafit.null_intercept(np.array([problem.ysum]), np.array([1.0]))
    return datafit.null_intercept(np.array([1.0, -1.0]), np.array([problem.pos, 1.0 - problem.pos]))


def make_solver(name, penalty, max_iter):
    if name == "auto":
        name = "fista" if penalty.has_bounds else "owlqn"
    if name == "owlqn":
        if penalty.has_bounds:
            raise ValueError("OWL-QN does not handle box constraints (positive / lower_bounds / upper_bounds); "
                             "use solver='fista'.")
        return OWLQN(max_iter=max_iter)
    if name == "fista":
        return FISTA(max_iter=max_iter)
    raise ValueError(f"solver must be 'auto', 'owlqn' or 'fista'; got {name!r}.")


def solve(problem, penalty, tol, max_iter, solver, *, init=None, init_intercept=None, progress=None):
    """Fit one problem from ``init`` (or zero); returns the result, the threshold and the rule used."""
    b0 = null_intercept(problem)
    zero = problem.point(np.zeros(problem.p), b0)
    unpenalized = unpenalized_features(penalty, problem.lips)
    use_gap = unpenalized.size == 0
    scale = zero.loss if use_gap else max(float(np.abs(zero.grad).max(initial=0.0)), 1e-300)
    threshold = tol * scale
    start = zero
    if init is not None and np.any(init):
        b_init = b0 if init_intercept is None or not problem.fit_intercept else float(init_intercept)
        start = problem.point(np.asarray(init, dtype=np.float64), b_init)
    if progress is not None:
        progress.threshold = threshold
    result = make_solver(solver, penalty, max_iter).solve(problem, penalty, start, threshold, use_gap=use_gap,
                                                          progress=progress)
    return result, threshold, use_gap


def fit_distributed(estimator, X, y=None, sample_weight=None, *, client=None, solver=None, progress=None):
    """Fit a sparsefit estimator on distributed data; returns the fitted estimator.

    The estimators' ``fit`` calls this when ``X`` is a Dask array or a
    :class:`DistributedData`. Only p-vectors and scalars reach the driver.

    Parameters
    ----------
    estimator : Lasso, Ridge, ElasticNet or LogisticRegression
    X : dask.array.Array or DistributedData
        A Dask array with scipy sparse (CSR) or dense chunks (row chunks
        become blocks), or blocks read on the workers.
    y : dask.array.Array or array-like, default=None
        Targets / labels; None with a DistributedData.
    sample_weight : dask.array.Array or array-like, default=None
    client : distributed.Client, default=None
        Defaults to :func:`config`'s client, the data's client, then the default client.
    solver : {"auto", "owlqn", "fista"}, default=None
        Defaults to :func:`config`'s (``"auto"``: OWL-QN, FISTA with box constraints).
    progress : bool or "auto", default=None
        Defaults to :func:`config`'s.

    Returns
    -------
    estimator
    """
    from sparsefit.logistic import LogisticRegression

    opts = options()
    client = client or opts["client"] or getattr(X, "client", None)
    if not isinstance(X, DistributedData):
        client = get_client(client)
    solver = solver or opts["solver"]
    progress = opts["progress"] if progress is None else progress
    classifier = isinstance(estimator, LogisticRegression)
    if classifier:
        estimator._regularization(1.0)  # parameter checks before any data moves
    else:
        estimator._check_params()
    data = as_distributed(X, y, sample_weight, client)
    with single_threaded_blas(), Progress(progress, type(estimator).__name__) as bar:
        if classifier:
            _fit_logistic(estimator, data, solver, bar, opts["tree_width"])
        else:
            _fit_regression(estimator, data, solver, bar, opts["tree_width"])
    return estimator


def _reset_names(estimator, p):
    estimator.n_features_in_ = p
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_


def _fit_regression(est, data, solver, bar, tree_width):
    alpha, l1_ratio = est._check_params()
    weight_sum, _ = summarize(data, classifier=False)
    n, p = data.shape
    problem = build_problem(data, Quadratic(), "squared", est.fit_intercept, weight_sum, tree_width=tree_width)
    scale = problem.scale
    penalty, base = penalty_in_solver_coordinates(est, alpha, l1_ratio, p, scale)
    init = None
    if est.warm_start and getattr(est, "coef_", None) is not None and np.shape(est.coef_) == (p,):
        init = np.asarray(est.coef_) * scale
    result, threshold, use_gap = solve(problem, penalty, est.tol, est.max_iter, solver, init=init,
                                       init_intercept=getattr(est, "intercept_", None), progress=bar)
    warn_not_converged(result, threshold, use_gap)
    _reset_names(est, p)
    est.coef_ = result.point.w / scale
    est.intercept_ = float(result.point.b) if est.fit_intercept else 0.0
    est.n_iter_ = int(result.n_iter)
    est.dual_gap_ = float(result.gap)
    est.kkt_violation_ = reported_kkt(result, base, problem)
    est.converged_ = bool(result.converged)
    est.objective_ = float(result.objective)
    est.n_rounds_ = int(problem.n_rounds)
    return est


def _fit_logistic(est, data, solver, bar, tree_width):
    from sklearn.utils.class_weight import compute_class_weight

    weight_sum, classes = summarize(data, classifier=True)
    client = data.client
    n, p = data.shape
    K = len(classes)
    class_weights = None
    sums = _sum_dicts(client.gather([client.submit(class_weight_sums, b, classes, pure=False)
                                     for b in data.blocks]))
    if est.class_weight is not None:
        if est.class_weight == "balanced":
            encoded = np.repeat(np.arange(K), sums["counts"].astype(np.int64))
            class_weights = compute_class_weight("balanced", classes=np.arange(K), y=encoded)
        else:
            class_weights = np.array([float(est.class_weight.get(c, 1.0)) for c in classes])
        weight_sum = float(np.dot(sums["weights"], class_weights))
        if not weight_sum > 0:
            raise ValueError("class_weight and sample_weight leave no sample with a positive weight.")
    effective = sums["weights"] * (class_weights if class_weights is not None else 1.0)
    if np.count_nonzero(effective > 0) < 2:
        raise ValueError(
            f"Only one class ({classes[np.flatnonzero(effective > 0)[0]].item()!r}) has samples with positive "
            "weight; logistic regression needs at least two classes with positive sample weight."
        )
    alpha, l1_ratio = est._regularization(weight_sum)
    n_problems = 1 if K == 2 else K
    previous = est.warm_start and getattr(est, "coef_", None) is not None and np.shape(est.coef_) == (n_problems, p)
    coefs, intercepts, iters, gaps, kkts, converged, rounds = [], [], [], [], [], True, 0
    scale = None
    for k in range(n_problems):
        positive = 1 if n_problems == 1 else k
        if n_problems > 1:
            bar.describe(f"LogisticRegression class {k + 1}/{n_problems}")
        problem = build_problem(data, Logistic(), "logistic", est.fit_intercept, weight_sum, classes=classes,
                                positive=positive, class_weights=class_weights, scale=scale, tree_width=tree_width)
        scale = col_scale = problem.scale
        penalty, base = penalty_in_solver_coordinates(est, alpha, l1_ratio, p, col_scale)
        init = est.coef_[k] * col_scale if previous else None
        init_b = est.intercept_[k] if previous else None
        result, threshold, use_gap = solve(problem, penalty, est.tol, est.max_iter, solver, init=init,
                                           init_intercept=init_b, progress=bar)
        warn_not_converged(result, threshold, use_gap)
        coefs.append(result.point.w / col_scale)
        intercepts.append(result.point.b if est.fit_intercept else 0.0)
        iters.append(result.n_iter)
        gaps.append(result.gap)
        kkts.append(reported_kkt(result, base, problem))
        converged &= result.converged
        rounds += problem.n_rounds
    _reset_names(est, p)
    est._set_fitted(classes, coefs, intercepts, iters, gaps, kkts, converged, alpha)
    est.n_rounds_ = int(rounds)
    return est
