"""L1 vs L2 vs Elastic Net on the user's data: the numbers behind "which should I ship?".

:func:`compare` splits off a test set the tuning never sees, cross-validates a
warm-started path per penalty on the rest (Elastic Net over its l1_ratio grid,
along paths), picks alpha by the minimum or one-standard-error rule, refits
each chosen model, and measures what a practitioner weighs: CV score and its
spread, held-out score, non-zero features, the size of the saved sparse model
file, single-row and batch prediction speed, train time, the top features by
name, and how stable the selected set is across CV folds. A least-regularized
L2 model (the smallest alpha of the L2 grid) is the baseline row, as in seed 001.

This module computes; :mod:`sparsefit.report` renders (tables, HTML).
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

__all__ = ["Comparison", "ModelReport", "compare", "PENALTY_NAMES"]

PENALTY_NAMES = {"l1": "L1 (Lasso)", "l2": "L2 (Ridge)", "elasticnet": "Elastic Net", "baseline": "least regularized"}


@dataclass(frozen=True)
class ModelReport:
    """One row of a comparison: a tuned model and its measurements.

    Scores follow scikit-learn's sign convention (higher is better); the
    primary metric is ROC AUC for classification (one-vs-rest macro average
    for more than two classes) and R² for regression.
    """

    name: str
    penalty: str
    alpha: float
    l1_ratio: float
    selection: str
    cv_mean: float
    cv_std: float
    cv_folds: int
    test_score: float
    secondary: dict
    n_nonzero: int
    pct_nonzero: float
    model_bytes: int
    dense_bytes: int
    latency_us: float
    latency_us_p25: float
    latency_us_p75: float
    batch_rows_per_s: float
    train_seconds: float
    tuning_seconds: float
    top_features: list
    selection_stability: float


@dataclass(frozen=True, eq=False)
class Comparison:
    """The result of :func:`compare`: one :class:`ModelReport` per model plus context.

    Attributes
    ----------
    models : list of ModelReport
    task : {"regression", "binary", "multiclass"}
    metric : str
        Name of the primary score.
    n_samples, n_features, n_train, n_test : int
    density : float
        Fraction of non-zero entries of X.
    verdict : str
        A plain-language paragraph derived from the numbers (see :func:`verdict_text`).
    recommendation : str
        The penalty the numbers favour ("l1", "l2" or "elasticnet").
    cv_results : dict
        Per penalty, the :class:`sparsefit.cv.CVResult` (for plots).
    """

    models: list
    task: str
    metric: str
    n_samples: int
    n_features: int
    n_train: int
    n_test: int
    density: float
    verdict: str
    recommendation: str
    cv_results: dict = field(default_factory=dict, repr=False)
    feature_names: np.ndarray | None = field(default=None, repr=False)
    correlated_groups: list = field(default_factory=list)

    def model(self, penalty) -> ModelReport:
        """The row of ``penalty`` ("l1", "l2", "elasticnet" or "baseline")."""
        for row in self.models:
            if row.penalty == penalty:
                return row
        raise KeyError(f"no model for penalty {penalty!r}; have {[m.penalty for m in self.models]}")

    def to_dict(self) -> dict:
        """Plain Python data (JSON-ready)."""
        return {
            "task": self.task, "metric": self.metric, "n_samples": self.n_samples, "n_features": self.n_features,
            "n_train": self.n_train, "n_test": self.n_test, "density": self.density, "verdict": self.verdict,
            "recommendation": self.recommendation, "models": [_jsonable(asdict(m)) for m in self.models],
            "correlated_groups": _jsonable(self.correlated_groups),
        }

    def to_json(self, path=None, indent=2) -> str:
        """The comparison as JSON; written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent)
        if path is not None:
            Path(path).write_text(text)
        return text

    def to_frame(self):
        """One row per model as a pandas DataFrame (top features joined as text)."""
        import pandas as pd

        rows = []
        for m in self.models:
            row = {k: v for k, v in asdict(m).items() if k not in ("top_features", "secondary")}
            row.update({f"test_{k}": v for k, v in m.secondary.items()})
            row["top_features"] = ", ".join(f"{name} ({coef:+.3g})" for name, coef in m.top_features)
            rows.append(row)
        return pd.DataFrame(rows).set_index("name")

    def summary(self) -> str:
        """A plain-text table and the verdict."""
        from sparsefit.report.tables import comparison_text

        return comparison_text(self)

    def to_html(self, path) -> Path:
        """Write the self-contained HTML report (inline SVG figures, no external resources)."""
        from sparsefit.report.html import write_comparison_report

        return write_comparison_report(self, path)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    return value


def _task_of(y, task):
    from sparsefit.datafile import infer_task

    if task == "auto":
        task = infer_task(y)
    if task == "classification":
        return "binary" if np.unique(y).shape[0] == 2 else "multiclass"
    if task != "regression":
        raise ValueError(f"task must be 'auto', 'regression' or 'classification'; got {task!r}.")
    return task


def _scores(task, model, X, y):
    """Primary score and secondary metrics on (X, y)."""
    from sklearn import metrics

    if task == "regression":
        pred = model.predict(X)
        return float(metrics.r2_score(y, pred)), {"rmse": float(np.sqrt(metrics.mean_squared_error(y, pred))),
                                                  "mae": float(metrics.mean_absolute_error(y, pred))}
    proba = model.predict_proba(X)
    pred = model.classes_[np.argmax(proba, axis=1)]
    secondary = {"accuracy": float(metrics.accuracy_score(y, pred)),
                 "log_loss": float(metrics.log_loss(y, proba, labels=model.classes_))}
    if task == "binary":
        return float(metrics.roc_auc_score(y == model.classes_[1], proba[:, 1])), secondary
    return float(metrics.roc_auc_score(y, proba, multi_class="ovr", labels=model.classes_)), secondary


def _make_model(task, penalty, alpha, l1_ratio):
    from sparsefit import ElasticNet, Lasso, LogisticRegression, Ridge

    if task == "regression":
        if penalty == "l1":
            return Lasso(alpha=alpha)
        if penalty in ("l2", "baseline"):
            return Ridge(alpha=alpha)
        return ElasticNet(alpha=alpha, l1_ratio=l1_ratio)
    name = {"l1": "l1", "l2": "l2", "baseline": "l2", "elasticnet": "elasticnet"}[penalty]
    return LogisticRegression(penalty=name, alpha=alpha, l1_ratio=l1_ratio if name == "elasticnet" else None)


def _model_bytes(model) -> int:
    from sparsefit.modelio import save_model

    with tempfile.TemporaryDirectory() as folder:
        path = save_model(model, Path(folder) / "model.sfm")
        return path.stat().st_size


def _latency(model, X_test, task, max_rows=200, max_rounds=8):
    """Median single-row latency in µs (with its 25th/75th percentiles) and batch rows/second.

    Rows are given to the predictor as (indices, values) arrays, the form a
    sparse-feature service receives; rounds repeat until the median moves by
    less than 5% (or ``max_rounds``).
    """
    predictor = model.to_predictor()
    X_rows = sp.csr_matrix(X_test[:max_rows])
    rows = [(X_rows.indices[X_rows.indptr[i]:X_rows.indptr[i + 1]].astype(np.int64),
             X_rows.data[X_rows.indptr[i]:X_rows.indptr[i + 1]]) for i in range(X_rows.shape[0])]
    one = predictor.predict_proba_one if task != "regression" else predictor.predict_one
    for row in rows[:5]:
        one(row)  # warm-up: numba dispatch and caches
    timings, previous = [], None
    for _ in range(max_rounds):
        for row in rows:
            start = time.perf_counter_ns()
            one(row)
            timings.append(time.perf_counter_ns() - start)
        median = float(np.median(timings))
        if previous is not None and abs(median - previous) <= 0.05 * previous:
            break
        previous = median
    us = np.asarray(timings) / 1000.0
    X_batch = sp.csr_matrix(X_test)
    batch = predictor.predict_proba if task != "regression" else predictor.predict
    batch(X_batch[:10])
    seconds = []
    for _ in range(5):
        start = time.perf_counter()
        batch(X_batch)
        seconds.append(time.perf_counter() - start)
    rate = X_batch.shape[0] / max(float(np.median(seconds)), 1e-9)
    return float(np.median(us)), float(np.percentile(us, 25)), float(np.percentile(us, 75)), rate


def top_features(coef, names, top):
    """The ``top`` non-zero coefficients by magnitude as ``(name, signed value)`` pairs."""
    coef = np.asarray(coef)
    if coef.ndim == 2:  # one-vs-rest: rank by the largest weight over classes
        magnitude = np.abs(coef).max(axis=0)
        signed = coef[np.argmax(np.abs(coef), axis=0), np.arange(coef.shape[1])]
    else:
        magnitude, signed = np.abs(coef), coef
    order = np.argsort(-magnitude, kind="stable")[:top]
    order = order[magnitude[order] > 0]
    return [(str(names[j]) if names is not None else f"x{j}", float(signed[j])) for j in order]


def compare(X, y, penalties=("l1", "l2", "elasticnet"), task="auto", cv=5, test_size=0.2, selection="1se",
            l1_ratios=(0.1, 0.5, 0.9), random_state=0, feature_names=None, progress=False, n_alphas=50,
            top=10, baseline=True, n_jobs=2, groups_threshold=0.8, max_groups=10) -> Comparison:
    """Tune and measure L1, L2 and Elastic Net side by side on one data set.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Targets (regression) or class labels of any type.
    penalties : sequence of {"l1", "l2", "elasticnet"}, default=("l1", "l2", "elasticnet")
    task : {"auto", "regression", "classification"}, default="auto"
    cv : int or splitter, default=5
        Folds of the tuning cross-validation (stratified for classification).
    test_size : float, default=0.2
        Share of rows held out for the test score; the tuning never sees them.
    selection : {"1se", "min"}, default="1se"
        How alpha is chosen from the CV curve (see :mod:`sparsefit.cv`).
    l1_ratios : sequence of float, default=(0.1, 0.5, 0.9)
        Elastic Net's grid, searched along paths.
    random_state : int, default=0
        Seed of the split and the fold shuffle.
    feature_names : sequence of str, default=None
        Names for the columns (taken from a DataFrame's columns otherwise).
    progress : bool, default=False
        A rich progress bar over the steps.
    n_alphas : int, default=50
        Alphas per path.
    top : int, default=10
        Top features (by |coefficient|) reported per model.
    baseline : bool, default=True
        Add the least-regularized L2 model as a baseline row.
    n_jobs : int, default=2
        CV folds in parallel threads.
    groups_threshold : float or None, default=0.8
        Find groups of features whose absolute correlation exceeds this
        (:func:`sparsefit.correlated_groups`, sparse-safe) and report how each
        model spreads its weight inside the groups that carry weight; None skips it.
    max_groups : int, default=10
        Groups reported (those with the most weight first).

    Returns
    -------
    Comparison
    """
    from sklearn.model_selection import train_test_split

    from sparsefit._validation import feature_names_of, validate_X
    from sparsefit.cv import cross_validate_path

    unknown = set(penalties) - {"l1", "l2", "elasticnet"}
    if unknown or not penalties:
        raise ValueError(f"penalties must be a non-empty subset of l1, l2, elasticnet; got {list(penalties)}.")
    if selection not in ("1se", "min"):
        raise ValueError(f"selection must be '1se' or 'min'; got {selection!r}.")
    names = feature_names_of(X) if feature_names is None else np.asarray(feature_names, dtype=object)
    X, frame_names = validate_X(X, layout="csr")
    if names is None:
        names = frame_names
    n, p = X.shape
    if names is not None and len(names) != p:
        raise ValueError(f"feature_names has {len(names)} names for {p} columns.")
    y = np.asarray(y)
    if y.shape[0] != n:
        raise ValueError(f"X has {n} rows but y has {y.shape[0]} values.")
    task = _task_of(y, task)
    if task == "regression":
        y = y.astype(np.float64)
        if not np.isfinite(y).all():
            raise ValueError("y contains NaN or infinite values.")
    stratify = y if task != "regression" else None
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=random_state,
                                                        stratify=stratify)
    loss = "squared" if task == "regression" else "logistic"
    scoring = {"regression": "r2", "binary": "roc_auc", "multiclass": "roc_auc"}[task]
    metric = {"regression": "R²", "binary": "ROC AUC", "multiclass": "ROC AUC"}[task]
    density = (X.nnz if sp.issparse(X) else np.count_nonzero(X)) / float(n * p)

    steps = list(penalties) + (["baseline"] if baseline and "l2" in penalties else [])
    bar = _Steps(progress, len(steps))
    models, cv_results, fitted = [], {}, {}
    for penalty in penalties:
        grid = {"l1": [1.0], "l2": [0.0], "elasticnet": [float(r) for r in l1_ratios]}[penalty]
        bar.describe(f"tuning {PENALTY_NAMES[penalty]}")
        start = time.perf_counter()
        if task == "multiclass":
            result = _multiclass_cv(X_train, y_train, grid, n_alphas, cv, random_state, n_jobs)
        else:
            # ridge's useful range reaches far below its (l1_ratio=1e-3) alpha_max: a wider grid
            result = cross_validate_path(X_train, y_train, loss=loss, l1_ratio=grid, n_alphas=n_alphas, cv=cv,
                                         scoring=scoring, random_state=random_state, n_jobs=n_jobs,
                                         alpha_min_ratio=1e-3 if penalty == "l2" else None)
        tuning = time.perf_counter() - start
        cv_results[penalty] = result
        l1_ratio, alpha, index = result.best(selection)
        models.append(_measure(task, penalty, PENALTY_NAMES[penalty], alpha, l1_ratio, selection, result, index,
                               tuning, X_train, y_train, X_test, y_test, names, top, fitted))
        bar.advance()
    if baseline and "l2" in penalties:
        result = cv_results["l2"]
        index = (0, result.alphas.shape[1] - 1)
        bar.describe("baseline")
        models.append(_measure(task, "baseline", PENALTY_NAMES["baseline"], float(result.alphas[index]), 0.0,
                               "smallest alpha", result, index, 0.0, X_train, y_train, X_test, y_test, names, top,
                               {}))
        bar.advance()
    groups = []
    if groups_threshold is not None:
        bar.describe("correlated groups")
        groups = _weighted_groups(X_train, fitted, names, groups_threshold, max_groups)
    bar.close()
    verdict, choice = verdict_text(models, metric, p)
    return Comparison(models, task, metric, n, p, X_train.shape[0], X_test.shape[0], density, verdict, choice,
                      cv_results, names, groups)


def _weighted_groups(X, fitted, names, threshold, max_groups):
    """Correlated groups in which some model puts weight, with each model's split of it (seed 001's table)."""
    from sparsefit.selection import correlated_groups

    coefs = {}
    for penalty, model in fitted.items():
        coef = np.asarray(model.coef_)
        coefs[penalty] = np.abs(coef).max(axis=0) if coef.ndim == 2 else coef
    found = correlated_groups(X, threshold, coefs=coefs, feature_names=names)
    rows = [row for row in found.group_summary()
            if any(row[penalty]["n_nonzero"] for penalty in coefs)]
    weight = {row["group"]: max(float(np.abs(coefs[p][found.groups[row["group"]]]).sum()) for p in coefs)
              for row in rows}
    rows.sort(key=lambda row: -weight[row["group"]])
    return rows[:max_groups]


def _multiclass_cv(X, y, grid, n_alphas, cv, random_state, n_jobs):
    """Multiclass tuning: one alpha for all classes, chosen on the macro one-vs-rest ROC AUC.

    Every class's one-vs-rest path is cross-validated on the same folds
    (stratified on the multiclass labels) and the same alpha grid (from the
    largest class-wise alpha_max); per fold, the class AUCs are averaged, so
    the CV curve is the macro one-vs-rest AUC that the test score reports.
    Costs one CV per class. The plotted path is the largest class's.
    """
    from sklearn.model_selection import check_cv

    from sparsefit.cv import CVResult, cross_validate_path, select_indices
    from sparsefit.path import _Problem, default_alphas

    classes, counts = np.unique(y, return_counts=True)
    splitter = check_cv(cv, y, classifier=True)
    if random_state is not None and hasattr(splitter, "shuffle") and isinstance(cv, int):
        splitter.shuffle, splitter.random_state = True, random_state
    folds = list(splitter.split(np.zeros((len(y), 1)), y))
    targets = [(y == c).astype(int) for c in classes]
    results = []
    for ratio in grid:
        top = max(_Problem(X, t, "logistic", ratio, None, True, False, None).alpha_max() for t in targets)
        alphas = default_alphas(top, *X.shape, n_alphas=n_alphas, alpha_min_ratio=1e-3 if ratio == 0 else None)
        # no early stop: separable classes would end their paths (and the shared grid) near alpha_max
        per_class = [cross_validate_path(X, t, loss="logistic", l1_ratio=ratio, alphas=alphas, cv=folds,
                                         scoring="roc_auc", n_jobs=n_jobs, early_stop=False) for t in targets]
        results.append(per_class)
    n_grid = min(r.alphas.shape[1] for per_class in results for r in per_class)
    fold_scores = np.stack([np.nanmean([r.fold_scores[0, :n_grid] for r in per_class], axis=0)
                            for per_class in results])
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(fold_scores, axis=2)
        std_error = np.nanstd(fold_scores, axis=2, ddof=1) / np.sqrt(fold_scores.shape[2])
    n_nonzero = np.vstack([np.max([r.n_nonzero[0, :n_grid] for r in per_class], axis=0) for per_class in results])
    jaccard = np.vstack([np.mean([r.fold_jaccard[0, :n_grid] for r in per_class], axis=0) for per_class in results])
    alphas = np.vstack([per_class[0].alphas[0, :n_grid] for per_class in results])
    largest = int(np.argmax(counts))
    paths = [per_class[largest].paths[0] for per_class in results]
    index_min, index_1se = select_indices(mean, std_error)
    return CVResult(np.asarray(grid, dtype=np.float64), alphas, fold_scores, mean, std_error, n_nonzero,
                    "roc_auc_ovr", index_min, index_1se, paths, jaccard)


def _measure(task, penalty, name, alpha, l1_ratio, selection, result, index, tuning, X_train, y_train, X_test,
             y_test, names, top, fitted):
    model = _make_model(task, penalty, alpha, l1_ratio)
    fitted[penalty] = model
    start = time.perf_counter()
    model.fit(X_train, y_train)
    train_seconds = time.perf_counter() - start
    test_score, secondary = _scores(task, model, X_test, y_test)
    coef = np.asarray(model.coef_)
    n_nonzero = int(np.count_nonzero(np.any(coef.reshape(-1, coef.shape[-1]) != 0, axis=0)))
    p = coef.shape[-1]
    fold_scores = result.fold_scores[index]
    latency, p25, p75, rate = _latency(model, X_test, task)
    return ModelReport(
        name=name if penalty != "elasticnet" else f"{name} (l1_ratio={l1_ratio:g})",
        penalty=penalty, alpha=float(alpha), l1_ratio=float(l1_ratio), selection=selection,
        cv_mean=float(np.nanmean(fold_scores)), cv_std=float(np.nanstd(fold_scores)),
        cv_folds=int(np.count_nonzero(np.isfinite(fold_scores))), test_score=test_score, secondary=secondary,
        n_nonzero=n_nonzero, pct_nonzero=100.0 * n_nonzero / p, model_bytes=_model_bytes(model),
        dense_bytes=4 * coef.size + 4 * np.size(model.intercept_), latency_us=latency, latency_us_p25=p25,
        latency_us_p75=p75, batch_rows_per_s=rate, train_seconds=train_seconds, tuning_seconds=tuning,
        top_features=top_features(coef, names, top), selection_stability=float(result.fold_jaccard[index]),
    )


def _fmt_count(n):
    return f"{n:,}"


def verdict_text(models, metric, n_features):
    """A plain-language paragraph derived from the numbers, and the penalty they favour.

    The favoured model is the sparsest among those whose CV score is within one
    standard error of the best CV score (the 1-SE idea applied across
    penalties); if none is sparser, the best-scoring one.
    """
    tuned = [m for m in models if m.penalty in ("l1", "l2", "elasticnet")]
    if not tuned:
        return "No tuned model to compare.", ""
    points = 100.0
    unit = {"ROC AUC": "AUC points", "R²": "R² points"}.get(metric, f"{metric} points")
    best = max(tuned, key=lambda m: m.cv_mean)
    se = best.cv_std / np.sqrt(max(best.cv_folds, 1))
    close = [m for m in tuned if m.cv_mean >= best.cv_mean - se]
    choice = min(close, key=lambda m: (m.n_nonzero, -m.cv_mean))
    by = {m.penalty: m for m in tuned}
    sentences = []
    if "l1" in by and "l2" in by:
        l1, l2 = by["l1"], by["l2"]
        delta = (l1.test_score - l2.test_score) * points
        size = l2.model_bytes / max(l1.model_bytes, 1)
        speed = l2.latency_us / max(l1.latency_us, 1e-9)
        fewer = l2.n_nonzero / max(l1.n_nonzero, 1)
        speed_text = (f"predicts one row {speed:.1f}x faster" if speed >= 1.2 else
                      f"predicts one row no faster ({speed:.1f}x; per-call overhead dominates)" if speed > 0.83 else
                      f"predicts one row {1 / speed:.1f}x slower")
        sentences.append(
            f"L1 keeps {_fmt_count(l1.n_nonzero)} of {_fmt_count(n_features)} features ({l1.pct_nonzero:.1f}%)"
            f"{f', {fewer:.0f}x fewer than L2' if fewer >= 2 else ''}, at {delta:+.1f} {unit} vs L2 on the test set; "
            f"its model file is {size:.1f}x {'smaller' if size >= 1 else 'larger'} and it {speed_text}."
        )
        cv_gap = (by["l2"].cv_mean - l1.cv_mean) * points
        if delta < 0 and cv_gap > se * points:
            sentences.append(f"L2 is more accurate than L1 here by more than the CV noise ({cv_gap:.1f} {unit} in CV, "
                             f"{-delta:.1f} on the test set): many weakly relevant features carry signal that L1 "
                             "drops.")
    if "elasticnet" in by:
        en = by["elasticnet"]
        sentences.append(f"Elastic Net (l1_ratio={en.l1_ratio:g}) keeps {_fmt_count(en.n_nonzero)} features at "
                         f"test {metric} {en.test_score:.3f}.")
    if "l1" in by and by["l1"].n_nonzero > 0 and "elasticnet" in by:
        l1s, ens = by["l1"].selection_stability, by["elasticnet"].selection_stability
        if abs(l1s - ens) >= 0.05:
            steadier = "Elastic Net" if ens > l1s else "L1"
            sentences.append(f"Across CV folds {steadier} selects the more stable feature set "
                             f"(Jaccard {max(l1s, ens):.2f} vs {min(l1s, ens):.2f}).")
    empty = [m.name for m in tuned if m.n_nonzero == 0]
    if empty:
        sentences.append(f"{' and '.join(empty)} kept no feature at the chosen alpha: the data gave "
                         f"{'it' if len(empty) == 1 else 'them'} no signal the cross-validation could trust "
                         "(an intercept-only model).")
    reason = ("the sparsest model within one standard error of the best CV score"
              if choice is not best else "the best CV score")
    sentences.append(f"Ship {choice.name}: {reason} ({metric} {choice.cv_mean:.3f} ± {choice.cv_std:.3f} in CV, "
                     f"{choice.test_score:.3f} on held-out rows, {_fmt_count(choice.n_nonzero)} features, "
                     f"{choice.model_bytes / 1024:.1f} KiB).")
    return " ".join(sentences), choice.penalty


class _Steps:
    """A rich progress bar over comparison steps (or nothing)."""

    def __init__(self, enabled, total):
        self._progress = None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("compare", total=total)

    def describe(self, text):
        if self._progress is not None:
            self._progress.update(self._task, description=text)

    def advance(self):
        if self._progress is not None:
            self._progress.update(self._task, advance=1)

    def close(self):
        if self._progress is not None:
            self._progress.stop()
