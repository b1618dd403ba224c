"""Cross-validation along regularization paths, with the minimum and one-standard-error rules.

The alpha grid of each l1_ratio is computed once on all the data (glmnet's
and scikit-learn's convention); every fold then runs a warm-started path over
that same grid, and each model on it is scored on the held-out fold. The
mean score and its standard error over folds give two choices:

- ``"min"``: the alpha with the best mean score;
- ``"1se"``: the largest alpha (the sparsest model) whose mean score is within
  one standard error of the best (Breiman et al. 1984; Hastie, Tibshirani &
  Friedman, *Elements of Statistical Learning*, 7.10).

Scores follow scikit-learn's convention: higher is better (errors are
negated, e.g. ``neg_mean_squared_error``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sparsefit.path import Path, _Problem, default_alphas, run_path

__all__ = ["CVResult", "cross_validate_path", "default_scoring"]


@dataclass(frozen=True, eq=False)
class CVResult:
    """Cross-validated scores over an (l1_ratio, alpha) grid.

    Attributes
    ----------
    l1_ratios : ndarray of shape (n_l1_ratios,)
    alphas : ndarray of shape (n_l1_ratios, n_alphas)
        Decreasing alphas for each l1_ratio.
    fold_scores : ndarray of shape (n_l1_ratios, n_alphas, n_folds)
    mean_score, std_error : ndarray of shape (n_l1_ratios, n_alphas)
        Mean over folds and its standard error (std / sqrt(n_folds)).
    n_nonzero : ndarray of shape (n_l1_ratios, n_alphas)
        Non-zero coefficients of the model fit on all the data at each alpha.
    scoring : str
    index_min, index_1se : tuple of int
        ``(l1_ratio index, alpha index)`` chosen by each rule.
    paths : list of Path
        The full-data path of each l1_ratio.
    fold_jaccard : ndarray of shape (n_l1_ratios, n_alphas)
        Selection stability across folds: the mean pairwise Jaccard similarity of
        the sets of non-zero features the fold models select at each alpha
        (1.0 when every fold selects the same features; two empty sets count as 1).
    """

    l1_ratios: np.ndarray
    alphas: np.ndarray
    fold_scores: np.ndarray
    mean_score: np.ndarray
    std_error: np.ndarray
    n_nonzero: np.ndarray
    scoring: str
    index_min: tuple
    index_1se: tuple
    paths: list
    fold_jaccard: np.ndarray

    @property
    def alpha_min(self) -> float:
        """Alpha with the best mean CV score."""
        return float(self.alphas[self.index_min])

    @property
    def alpha_1se(self) -> float:
        """Largest alpha within one standard error of the best score."""
        return float(self.alphas[self.index_1se])

    def best(self, selection="min"):
        """``(l1_ratio, alpha, index)`` chosen by ``selection`` ("min" or "1se")."""
        if selection not in ("min", "1se"):
            raise ValueError(f"selection must be 'min' or '1se'; got {selection!r}.")
        index = self.index_min if selection == "min" else self.index_1se
        return float(self.l1_ratios[index[0]]), float(self.alphas[index]), index

    def to_frame(self):
        """One row per (l1_ratio, alpha): mean score, standard error, non-zeros (a pandas DataFrame)."""
        import pandas as pd

        rows = []
        for i, l1_ratio in enumerate(self.l1_ratios):
            for k, alpha in enumerate(self.alphas[i]):
                rows.append({"l1_ratio": l1_ratio, "alpha": alpha, "mean_score": self.mean_score[i, k],
                             "std_error": self.std_error[i, k], "n_nonzero": int(self.n_nonzero[i, k])})
        return pd.DataFrame(rows)


def default_scoring(loss, n_classes=2) -> str:
    """MSE for regression, ROC AUC for binary classification."""
    if loss == "squared":
        return "neg_mean_squared_error"
    return "roc_auc" if n_classes == 2 else "neg_log_loss"


def select_indices(mean_score, std_error):
    """Indices chosen by the minimum rule and by the one-standard-error rule.

    Alphas are sorted decreasing along axis 1, so among the models within one
    standard error of the best, the 1-SE rule takes the one with the smallest
    alpha index per l1_ratio, then the sparsest overall (largest alpha).
    """
    finite = np.where(np.isfinite(mean_score), mean_score, -np.inf)
    index_min = np.unravel_index(int(np.argmax(finite)), finite.shape)
    threshold = finite[index_min] - np.nan_to_num(std_error[index_min])
    candidates = np.argwhere(finite >= threshold)
    # the most regularized model: smallest alpha index; ties broken by the l1_ratio of the minimum
    first = candidates[:, 1].min()
    rows = candidates[candidates[:, 1] == first][:, 0]
    row = index_min[0] if index_min[0] in rows else int(rows[0])
    return (int(index_min[0]), int(index_min[1])), (int(row), int(first))


def _scorer_model(loss, classes, n_features, coef, intercept):
    """A fitted sparsefit estimator holding one path point, for scikit-learn scorers."""
    from sparsefit.estimators import Lasso
    from sparsefit.logistic import LogisticRegression

    if loss == "logistic":
        model = LogisticRegression()
        model.classes_ = classes
        model.coef_ = coef.reshape(1, -1)
        model.intercept_ = np.array([intercept])
    else:
        model = Lasso()
        model.coef_ = coef
        model.intercept_ = float(intercept)
    model.n_features_in_ = n_features
    return model


def _score_path(scorer, loss, classes, coefs, intercepts, X_val, y_val, sw_val):
    scores = np.empty(coefs.shape[1])
    for k in range(coefs.shape[1]):
        model = _scorer_model(loss, classes, coefs.shape[0], coefs[:, k].toarray().ravel(), intercepts[k])
        kwargs = {"sample_weight": sw_val} if sw_val is not None else {}
        try:
            scores[k] = scorer(model, X_val, y_val, **kwargs)
        except ValueError:  # e.g. ROC AUC on a fold with a single class
            scores[k] = np.nan
    return scores


def cross_validate_path(X, y, loss="squared", l1_ratio=1.0, n_alphas=100, alpha_min_ratio=None, alphas=None,
                        cv=5, scoring=None, groups=None, sample_weight=None, fit_intercept=True,
                        standardize=False, tol=1e-6, n_jobs=None, progress=False, penalty_factor=None,
                        random_state=None, early_stop=True) -> CVResult:
    """Cross-validate warm-started paths over a grid of alphas (and l1_ratios).

    Parameters
    ----------
    X, y : training data (y: targets for ``loss="squared"``, two-class labels for "logistic").
    loss : {"squared", "logistic"}, default="squared"
    l1_ratio : float or sequence of float, default=1.0
        A list is searched as a grid (each value gets its own alpha grid).
    n_alphas, alpha_min_ratio, alphas : see :func:`sparsefit.regularization_path`.
    cv : int or scikit-learn splitter, default=5
        K-fold (stratified for classification, shuffled with ``random_state``
        when given) or any splitter / iterable of (train, test) indices.
    scoring : str or callable, default=None
        Any scikit-learn scorer name or callable; None gives
        ``neg_mean_squared_error`` (regression) or ``roc_auc`` (classification).
    groups : array-like, default=None
        Group labels for group splitters.
    sample_weight : array-like, default=None
        Used in fitting and in scoring the held-out folds.
    n_jobs : int, default=None
        Folds fit in parallel threads (the numba kernels release the GIL).
    progress : bool, default=False
        A rich progress bar over folds.
    early_stop : bool, default=True
        Let glmnet's deviance rule end the full-data path (and so the grid)
        early; False keeps every alpha (e.g. to share one grid across problems).

    Returns
    -------
    CVResult
    """
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import check_cv

    l1_ratios = np.atleast_1d(np.asarray(l1_ratio, dtype=np.float64))
    is_classifier = loss == "logistic"
    scoring_name = scoring if scoring is not None else default_scoring(loss)
    scorer = check_scoring(_scorer_model(loss, np.array([0, 1]), 1, np.zeros(1), 0.0), scoring=scoring_name)

    problems = [_Problem(X, y, loss, float(r), sample_weight, fit_intercept, standardize, penalty_factor)
                for r in l1_ratios]
    base = problems[0]
    n, p = base.X.shape
    y_labels = base.y if not is_classifier else np.where(base.y > 0, base.classes[1], base.classes[0])
    splitter = check_cv(cv, y_labels, classifier=is_classifier)
    if random_state is not None and hasattr(splitter, "shuffle") and isinstance(cv, int):
        splitter.shuffle, splitter.random_state = True, random_state
    folds = list(splitter.split(np.zeros((n, 1)), y_labels, groups))

    def full_path(problem, grid, early_stop):
        coefs, intercepts, gaps, dev, iters, seconds, viol, conv = run_path(problem, grid, tol=tol,
                                                                             early_stop=early_stop)
        grid = grid[: coefs.shape[1]]
        return Path(grid, coefs, intercepts, np.diff(coefs.indptr).astype(np.int64), gaps, dev, iters, seconds, viol,
                    problem.feature_names, loss, problem.l1_ratio, problem.alpha_max(), problem.classes, conv)

    grids = [np.sort(np.asarray(alphas, dtype=np.float64))[::-1] if alphas is not None else
             default_alphas(problem.alpha_max(), n, p, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio)
             for problem in problems]
    full_paths = [full_path(problem, grid, early_stop) for problem, grid in zip(problems, grids)]
    # glmnet's early stop may end each l1_ratio's path at a different length; the grid keeps the longest,
    # and the paths that stopped earlier are completed (no row of the (l1_ratio, alpha) grid is cut short)
    n_grid = max(path.n_alphas for path in full_paths)
    for i, problem in enumerate(problems):
        if full_paths[i].n_alphas < n_grid:
            full_paths[i] = full_path(problem, grids[i][:n_grid], False)
    grids = np.vstack([g[:n_grid] for g in grids])

    def run_fold(task):
        i, (train, test) = task
        problem = problems[i]
        # folds reuse the full-data column scaling, so their coefficients and X[test] share one scale
        coefs, intercepts, *_ = run_path(_fold_problem(problem, train), grids[i], tol=tol, early_stop=False)
        y_val = y_labels[test] if is_classifier else problem.y[test]
        sw_val = problem.sample_weight[test] if sample_weight is not None else None
        scores = _score_path(scorer, loss, problem.classes, coefs, intercepts, problem.X[test], y_val, sw_val)
        return scores, (coefs != 0).tocsc()

    tasks = [(i, fold) for i in range(len(problems)) for fold in folds]
    bar = _fold_bar(progress, len(tasks))
    results, supports = [], []
    workers = max(1, n_jobs or 1)
    with ThreadPoolExecutor(max_workers=workers) if workers > 1 else _Serial() as pool:
        for scores, support in pool.map(run_fold, tasks):
            results.append(scores)
            supports.append(support)
            if bar is not None:
                bar.advance()
    if bar is not None:
        bar.close()
    fold_scores = np.stack(results).reshape(len(problems), len(folds), n_grid).transpose(0, 2, 1)
    with np.errstate(invalid="ignore"):
        mean_score = np.nanmean(fold_scores, axis=2)
        counts = np.sum(np.isfinite(fold_scores), axis=2)
        std_error = np.nanstd(fold_scores, axis=2, ddof=1) / np.sqrt(np.maximum(counts, 1))
    n_nonzero = np.vstack([path.n_nonzero[:n_grid] for path in full_paths])
    index_min, index_1se = select_indices(mean_score, std_error)
    jaccard = np.vstack([
        fold_jaccard(supports[i * len(folds):(i + 1) * len(folds)], n_grid) for i in range(len(problems))
    ])
    return CVResult(l1_ratios, grids, fold_scores, mean_score, std_error, n_nonzero,
                    scoring_name if isinstance(scoring_name, str) else getattr(scoring_name, "__name__", "custom"),
                    index_min, index_1se, full_paths, jaccard)


def fold_jaccard(supports, n_alphas) -> np.ndarray:
    """Mean pairwise Jaccard similarity of the folds' selected sets, per alpha.

    ``supports`` holds one boolean sparse (n_features, n_alphas) pattern per fold.
    """
    if len(supports) < 2:
        return np.ones(n_alphas)
    patterns = [s[:, :n_alphas].astype(np.float64) for s in supports]
    sizes = [np.asarray(s.sum(axis=0)).ravel() for s in patterns]
    values = []
    for a in range(len(patterns)):
        for b in range(a + 1, len(patterns)):
            both = np.asarray(patterns[a].multiply(patterns[b]).sum(axis=0)).ravel()
            union = sizes[a] + sizes[b] - both
            values.append(np.divide(both, union, out=np.ones(n_alphas), where=union > 0))
    return np.mean(values, axis=0)


def _fold_problem(problem: _Problem, train):
    """The same problem restricted to the training rows of a fold (already standardized columns kept as they are)."""
    fold = object.__new__(_Problem)
    fold.__dict__.update(problem.__dict__)
    fold.X = problem.X[train] if sp.issparse(problem.X) else np.asfortranarray(problem.X[train])
    fold.y = problem.y[train]
    fold.sample_weight = problem.sample_weight[train]
    if fold.sample_weight.sum() <= 0:
        raise ValueError("A cross-validation fold has no sample with positive weight; use fewer folds.")
    from sparsefit.solvers._prepared import prepare

    fold.prepared = prepare(fold.X, fold.sample_weight, problem.fit_intercept)
    fold.scale = np.ones(problem.X.shape[1])
    # the fold's own intercept-only model, alpha_max and null certificate, not the full data's
    fold.forget_null_model()
    return fold


class _Serial:
    """A stand-in for a thread pool that runs tasks in the calling thread (n_jobs=1)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, function, tasks):
        return map(function, tasks)


class _fold_bar:
    def __new__(cls, enabled, total):
        return super().__new__(cls) if enabled else None

    def __init__(self, enabled, total):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("[bold]cross-validation"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), transient=True)
        self._progress.start()
        self._task = self._progress.add_task("cv", total=total)

    def advance(self):
        self._progress.update(self._task, advance=1)

    def close(self):
        self._progress.stop()
