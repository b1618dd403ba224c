"""Feature selection you can check: selection stability and correlated groups.

Two measurements behind the seeds' claims about L1 and correlated features:

- :func:`stability_selection` refits a regularization path on many random
  half-samples and counts how often each feature is selected (Meinshausen &
  Bühlmann 2010, with the complementary pairs of Shah & Samworth 2013). A
  feature that a Lasso keeps "somewhat arbitrarily" among correlated copies
  shows a low, split frequency; one an Elastic Net keeps with its group shows
  a high one.
- :func:`correlated_groups` finds the groups of features whose absolute
  correlation exceeds a threshold, without densifying a sparse ``X``, and
  reports how L1, Elastic Net and L2 share the weight inside each group (the
  seed article's med_count / polypharm / age table, for every group).

Data only: nothing here imports rich or matplotlib.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = ["StabilityResult", "stability_selection", "CorrelatedGroups", "correlated_groups"]

# Products X_i.T X_j are computed for at most this many (column, row) visits per block.
_BLOCK_WORK = 5_000_000
# Heavy (dense-ish) columns are densified this many cells at a time.
_DENSE_CELLS = 4_000_000
# Within-group correlation matrices are computed exactly up to this group size.
_MAX_EXACT_GROUP = 2_000


# ----------------------------------------------------------------------------- helpers

def infer_loss(y, loss="auto") -> str:
    """``"logistic"`` for two-class labels, ``"squared"`` otherwise (or ``loss`` when given)."""
    if loss != "auto":
        if loss not in ("squared", "logistic"):
            raise ValueError(f"loss must be 'auto', 'squared' or 'logistic'; got {loss!r}.")
        return loss
    from sklearn.utils.multiclass import type_of_target

    return "logistic" if type_of_target(np.asarray(y)) == "binary" else "squared"


def _n_threads(n_jobs) -> int:
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return max(1, int(n_jobs))


def _l1_ratio_for(penalty, l1_ratio) -> float:
    if penalty == "l2":
        raise ValueError("L2 keeps every feature, so there is no selection to make stable; "
                         "use penalty='l1' or 'elasticnet'.")
    if penalty == "l1":
        if l1_ratio not in (None, 1, 1.0):
            raise ValueError(f"penalty='l1' means l1_ratio=1; got l1_ratio={l1_ratio!r} (use penalty='elasticnet').")
        return 1.0
    if penalty != "elasticnet":
        raise ValueError(f"penalty must be 'l1' or 'elasticnet'; got {penalty!r}.")
    l1_ratio = 0.5 if l1_ratio is None else float(l1_ratio)
    if not 0.0 < l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in (0, 1] for a selecting penalty; got {l1_ratio!r}.")
    return l1_ratio


def _complementary_halves(rng, n, m, labels):
    """Two disjoint random row sets of ``m`` rows each, split evenly inside every class when ``labels`` is given."""
    order = rng.permutation(n)
    if labels is not None:
        order = order[np.argsort(labels[order], kind="stable")]
    # alternate positions: inside each class run (after the stable sort) the rows go half to each side
    first, second = order[0::2], order[1::2]
    first = first[rng.permutation(first.size)[:m]]
    second = second[rng.permutation(second.size)[:m]]
    return np.sort(first), np.sort(second)


def mean_pairwise_jaccard(sets, n_features) -> float:
    """Mean Jaccard index ``|A & B| / |A | B|`` over all pairs of index sets (two empty sets count as 1)."""
    n_sets = len(sets)
    if n_sets < 2:
        return float("nan")
    indptr = np.concatenate([[0], np.cumsum([len(s) for s in sets])])
    indices = np.concatenate([np.asarray(s, dtype=np.int64) for s in sets]) if indptr[-1] else np.empty(0, np.int64)
    S = sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(n_sets, n_features))
    inter = (S @ S.T).toarray()
    size = np.diff(indptr).astype(np.float64)
    union = size[:, None] + size[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 1.0)
    upper = np.triu_indices(n_sets, k=1)
    return float(jac[upper].mean())


# ----------------------------------------------------------------------------- stability selection

@dataclass(frozen=True, eq=False)
class StabilityResult:
    """Selection frequencies over random half-samples, the stable set and its error bound.

    Attributes
    ----------
    frequency : ndarray of shape (n_features,)
        Selection probability of each feature, maximized over the alpha range
        (Meinshausen & Bühlmann's ``max_{lambda in Lambda} Pi_k(lambda)``).
    frequency_path : scipy.sparse.csc_matrix of shape (n_features, n_alphas)
        Share of the resamples in which each feature is non-zero, at every alpha.
    alphas : ndarray of shape (n_alphas,)
        The alpha range, decreasing; it is one fixed grid for every resample.
    alpha : float
        The alpha (on ``alphas``) at which set stability is measured: the
        cross-validated choice unless one was given.
    frequency_at_alpha : ndarray of shape (n_features,)
        Selection frequency at ``alpha``.
    threshold : float
        Frequency a feature needs to be in the stable set.
    stable_set : ndarray of int
        Features with ``frequency >= threshold``, most frequent first.
    average_selected : float
        ``q``: mean number of features selected anywhere on the alpha range
        per resample.
    false_selection_bound : float
        Meinshausen & Bühlmann's bound on the expected number of falsely
        selected features in the stable set, ``q**2 / ((2 threshold - 1) p)``
        with ``p`` the number of non-constant features (``inf`` when
        ``threshold <= 0.5``).
    jaccard : float
        Mean Jaccard similarity of the selected sets at ``alpha`` over all
        pairs of resamples (1: every resample selects the same features).
    n_selected : ndarray of shape (n_resamples,)
        Size of each resample's selected set at ``alpha``.
    n_resamples : int
    sample_fraction : float
    penalty : {"l1", "elasticnet"}
    l1_ratio : float
    loss : {"squared", "logistic"}
    feature_names : ndarray of str or None
    fit_seconds : float
        Wall time of the resampled paths (not counting cross-validation).
    """

    frequency: np.ndarray
    frequency_path: sp.csc_matrix
    alphas: np.ndarray
    alpha: float
    frequency_at_alpha: np.ndarray
    threshold: float
    stable_set: np.ndarray
    average_selected: float
    false_selection_bound: float
    jaccard: float
    n_selected: np.ndarray
    n_resamples: int
    sample_fraction: float
    penalty: str
    l1_ratio: float
    loss: str
    feature_names: np.ndarray | None
    fit_seconds: float

    @property
    def n_features(self) -> int:
        return int(self.frequency.shape[0])

    def names(self, indices) -> list:
        """Feature names of ``indices`` (``x<j>`` when the data had no names)."""
        if self.feature_names is None:
            return [f"x{j}" for j in np.asarray(indices).ravel()]
        return [str(self.feature_names[j]) for j in np.asarray(indices).ravel()]

    def to_dict(self, top=20) -> dict:
        """Plain numbers (JSON-ready); the ``top`` most frequent features with their frequencies."""
        order = np.argsort(-self.frequency, kind="stable")[:top]
        order = order[self.frequency[order] > 0]
        return {
            "penalty": self.penalty, "l1_ratio": self.l1_ratio, "loss": self.loss,
            "n_resamples": self.n_resamples, "sample_fraction": self.sample_fraction,
            "alpha": self.alpha, "alpha_range": [float(self.alphas[0]), float(self.alphas[-1])],
            "threshold": self.threshold, "n_stable": int(self.stable_set.size),
            "stable_features": self.names(self.stable_set),
            "average_selected": self.average_selected, "false_selection_bound": self.false_selection_bound,
            "jaccard": self.jaccard, "mean_selected_at_alpha": float(np.mean(self.n_selected)),
            "top": [{"feature": name, "frequency": float(self.frequency[j]),
                     "frequency_at_alpha": float(self.frequency_at_alpha[j])}
                    for name, j in zip(self.names(order), order)],
            "fit_seconds": self.fit_seconds,
        }

    def to_text(self, top=20) -> str:
        """A short plain-text report."""
        d = self.to_dict(top)
        lines = [
            f"Stability selection ({self.penalty}, l1_ratio={self.l1_ratio:g}, {self.loss} loss): "
            f"{self.n_resamples} half-samples in complementary pairs, {self.fit_seconds:.1f} s",
            f"  stable set at frequency >= {self.threshold:g}: {d['n_stable']} features; "
            f"expected false selections <= {self.false_selection_bound:.3g} "
            f"(q = {self.average_selected:.1f} selected per resample over the alpha range)",
            f"  set stability at alpha={self.alpha:.4g}: mean Jaccard {self.jaccard:.3f} "
            f"({d['mean_selected_at_alpha']:.1f} features per resample)",
            f"  {'feature':<30} {'max freq':>9} {'freq@alpha':>11}",
        ]
        for row in d["top"]:
            lines.append(f"  {row['feature'][:30]:<30} {row['frequency']:>9.2f} {row['frequency_at_alpha']:>11.2f}")
        return "\n".join(lines)


def stability_selection(X, y, penalty="l1", l1_ratio=None, n_resamples=100, sample_fraction=0.5, alphas=None,
                        threshold=0.6, random_state=0, n_jobs=None, *, loss="auto", alpha=None, n_alphas=30,
                        alpha_min_ratio=None, cv=5, selection="1se", standardize=True, fit_intercept=True,
                        sample_weight=None, tol=1e-4) -> StabilityResult:
    """Stability selection with complementary pairs over one fixed alpha grid.

    Rows are split ``n_resamples / 2`` times into two disjoint random halves
    (complementary pairs, Shah & Samworth 2013; split evenly inside each class
    for the logistic loss). On each half a warm-started path is computed over
    the *same* decreasing alpha grid, fixed once on the full data, and every
    feature's selection frequency is counted at every alpha. Its maximum over
    the alpha range is the stability score of Meinshausen & Bühlmann (2010);
    the stable set is the features scoring at least ``threshold``. Under their
    exchangeability assumption the expected number of false selections in it
    is at most ``q**2 / ((2 threshold - 1) p)``, where ``q`` is the mean
    number of features a resample selects over the alpha range (Shah &
    Samworth show complementary pairs keep this bound).

    Set stability is measured at one alpha (the cross-validated one by
    default): the mean Jaccard similarity of the selected sets over all pairs
    of resamples.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Targets or two-class labels.
    penalty : {"l1", "elasticnet"}, default="l1"
    l1_ratio : float, default=None
        Elastic-Net mix; 1 for "l1", 0.5 for "elasticnet" when None.
    n_resamples : int, default=100
        Number of half-samples (rounded up to an even number: pairs).
    sample_fraction : float, default=0.5
        Rows per resample as a share of ``n_samples``, in (0, 0.5]; the two
        sets of a pair never share a row. The bound assumes 0.5.
    alphas : array-like, default=None
        The alpha range (any order; sorted decreasing). None: a geometric grid
        of ``n_alphas`` values from the full data's ``alpha_max`` down to
        ``alpha`` (down to the cross-validated alpha when ``alpha`` is None).
    threshold : float, default=0.6
        Frequency needed to enter the stable set, in (0, 1]; the error bound
        needs it above 0.5.
    random_state : int or numpy.random.Generator, default=0
        Seeds the splits (and the fold shuffle of the cross-validation).
    n_jobs : int, default=None
        Threads over resamples (the numba kernels release the GIL); None: 1,
        -1: every core.
    loss : {"auto", "squared", "logistic"}, default="auto"
        "auto": logistic for two-class labels, squared otherwise.
    alpha : float, default=None
        Where set stability is measured (and the lower end of the default
        range). None: chosen by ``cv``-fold cross-validation on the grid.
    n_alphas : int, default=30
    alpha_min_ratio : float, default=None
        Lower end of the grid searched by cross-validation (glmnet's default).
    cv : int or splitter, default=5
    selection : {"1se", "min"}, default="1se"
        Cross-validation rule for ``alpha``.
    standardize : bool, default=True
        Penalize columns on a unit-variance scale (the full data's scaling is
        used in every resample), so frequencies do not depend on units.
    fit_intercept : bool, default=True
    sample_weight : array-like, default=None
    tol : float, default=1e-4
        Duality-gap tolerance of each path point.

    Returns
    -------
    StabilityResult

    Examples
    --------
    >>> import numpy as np, sparsefit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((120, 40)); y = X[:, :3] @ [2.0, -2.0, 1.5] + rng.standard_normal(120)
    >>> result = sparsefit.stability_selection(X, y, n_resamples=20)
    >>> sorted(result.stable_set.tolist())[:3]
    [0, 1, 2]
    """
    from sparsefit.path import _Problem, default_alphas, run_path

    l1_ratio = _l1_ratio_for(penalty, l1_ratio)
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1]; got {threshold!r}.")
    if not 0.0 < sample_fraction <= 0.5:
        raise ValueError(f"sample_fraction must be in (0, 0.5] (complementary pairs never share a row); "
                         f"got {sample_fraction!r}.")
    if int(n_resamples) < 2:
        raise ValueError(f"n_resamples must be at least 2; got {n_resamples!r}.")
    if selection not in ("1se", "min"):
        raise ValueError(f"selection must be '1se' or 'min'; got {selection!r}.")
    n_pairs = (int(n_resamples) + 1) // 2
    loss = infer_loss(y, loss)

    problem = _Problem(X, y, loss, l1_ratio, sample_weight, fit_intercept, standardize, None)
    n, p = problem.X.shape
    m = int(np.floor(sample_fraction * n))
    if m < 2:
        raise ValueError(f"sample_fraction={sample_fraction} leaves {m} rows per resample; need at least 2.")
    alpha_max = problem.alpha_max()

    if alphas is not None:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
        if grid.size == 0 or (grid < 0).any() or not np.isfinite(grid).all():
            raise ValueError("alphas must be a non-empty list of finite numbers >= 0.")
        if alpha is not None:
            grid = np.unique(np.append(grid, float(alpha)))[::-1]
    elif alpha is not None:
        if alpha <= 0:
            raise ValueError(f"alpha must be > 0; got {alpha!r}.")
        grid = np.geomspace(alpha_max, alpha, n_alphas) if alpha < alpha_max else np.array([float(alpha)])
    else:
        grid = default_alphas(alpha_max, n, p, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio)

    if alpha is None:
        from sparsefit.cv import cross_validate_path

        cv_result = cross_validate_path(X, y, loss=loss, l1_ratio=l1_ratio, alphas=grid, cv=cv,
                                        sample_weight=sample_weight, fit_intercept=fit_intercept,
                                        standardize=standardize, tol=tol, n_jobs=n_jobs,
                                        random_state=random_state if isinstance(random_state, int) else None)
        k = cv_result.index_1se[1] if selection == "1se" else cv_result.index_min[1]
        grid = cv_result.alphas[0]
        alpha_index = int(k)
        if alphas is None:
            grid = grid[: alpha_index + 1]
    else:
        alpha_index = int(np.argmin(np.abs(grid - float(alpha))))

    labels = problem.y if loss == "logistic" else None
    rng = np.random.default_rng(random_state)
    splits = []
    for _ in range(n_pairs):
        splits.extend(_complementary_halves(rng, n, m, labels))

    from sparsefit.cv import _fold_problem

    def run_one(rows):
        coefs, *_ = run_path(_fold_problem(problem, rows), grid, tol=tol, early_stop=False)
        coefs = coefs.tocsc()
        coefs.eliminate_zeros()
        start, stop = coefs.indptr[alpha_index], coefs.indptr[alpha_index + 1]
        return coefs.indices.copy(), coefs.indptr.copy(), coefs.indices[start:stop].copy()

    start = time.perf_counter()
    counts = sp.csc_matrix((p, grid.size), dtype=np.float64)
    selected_sets, union_sizes = [], []
    with ThreadPoolExecutor(max_workers=_n_threads(n_jobs)) as pool:
        for indices, indptr, at_alpha in pool.map(run_one, splits):
            counts = counts + sp.csc_matrix((np.ones(indices.size), indices, indptr), shape=(p, grid.size))
            selected_sets.append(at_alpha)
            union_sizes.append(np.unique(indices).size)
    fit_seconds = time.perf_counter() - start

    B = len(splits)
    frequency_path = (counts / B).tocsc()
    frequency = np.asarray(frequency_path.max(axis=1).toarray()).ravel()
    frequency_at_alpha = frequency_path[:, alpha_index].toarray().ravel()
    stable = np.flatnonzero(frequency >= threshold)
    stable = stable[np.argsort(-frequency[stable], kind="stable")]
    q = float(np.mean(union_sizes))
    p_eff = max(1, int(np.count_nonzero(~problem.prepared.constant)))
    bound = q * q / ((2.0 * threshold - 1.0) * p_eff) if threshold > 0.5 else float("inf")
    return StabilityResult(
        frequency=frequency, frequency_path=frequency_path, alphas=grid, alpha=float(grid[alpha_index]),
        frequency_at_alpha=frequency_at_alpha, threshold=float(threshold), stable_set=stable,
        average_selected=q, false_selection_bound=float(bound),
        jaccard=mean_pairwise_jaccard(selected_sets, p),
        n_selected=np.array([s.size for s in selected_sets], dtype=np.int64), n_resamples=B,
        sample_fraction=float(sample_fraction), penalty=penalty, l1_ratio=l1_ratio, loss=loss,
        feature_names=problem.feature_names, fit_seconds=fit_seconds,
    )


# ----------------------------------------------------------------------------- correlated groups

@dataclass(frozen=True, eq=False)
class CorrelatedGroups:
    """Groups of features whose absolute correlation exceeds a threshold, and how each penalty weights them.

    Two features are linked when ``|corr| > threshold``; the groups are the
    connected components of that graph with at least two members.

    Attributes
    ----------
    threshold : float
    groups : list of ndarray of int
        Member features of each group, largest group first.
    labels : ndarray of int of shape (n_features,)
        Group of every feature, -1 outside groups (the convention of
        ``SyntheticDataset.groups``).
    mean_abs_correlation, min_abs_correlation : ndarray of shape (n_groups,)
        Over the pairs of members of each group (over the linked pairs only
        for groups larger than 2,000 features).
    feature_names : ndarray of str or None
    scale : ndarray of shape (n_features,)
        Standard deviation of each column; ``|coef| * scale`` is a feature's
        contribution scale, used for the weight shares.
    n_pairs_checked : int
        Feature pairs whose correlation was computed (all others provably fall
        below the threshold).
    weights : dict of str to ndarray, or None
        Coefficients (original scale) of the "l1", "elasticnet" and "l2"
        models compared, when ``y`` or ``coefs`` was given.
    fit_info : dict
        How those models were chosen (alphas, l1_ratio, scoring).
    """

    threshold: float
    groups: list
    labels: np.ndarray
    mean_abs_correlation: np.ndarray
    min_abs_correlation: np.ndarray
    feature_names: np.ndarray | None
    scale: np.ndarray
    n_pairs_checked: int
    weights: dict | None = None
    fit_info: dict = field(default_factory=dict)

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    @property
    def sizes(self) -> np.ndarray:
        return np.array([g.size for g in self.groups], dtype=np.int64)

    def __len__(self) -> int:
        return self.n_groups

    def names(self, indices) -> list:
        if self.feature_names is None:
            return [f"x{j}" for j in np.asarray(indices).ravel()]
        return [str(self.feature_names[j]) for j in np.asarray(indices).ravel()]

    def group_summary(self) -> list:
        """One dict per group: size, correlations and, per penalty, members kept and the top member's weight share.

        ``top_share`` is ``max_j |w_j| s_j / sum_j |w_j| s_j`` over the group
        (``s`` the column scale): 1.0 when one member carries all the group's
        weight, ``1/size`` for an even split, NaN when every member is zero.
        """
        rows = []
        for g, members in enumerate(self.groups):
            row = {"group": g, "size": int(members.size), "features": self.names(members),
                   "mean_abs_correlation": float(self.mean_abs_correlation[g]),
                   "min_abs_correlation": float(self.min_abs_correlation[g])}
            for name, coef in (self.weights or {}).items():
                contribution = np.abs(coef[members]) * self.scale[members]
                total = contribution.sum()
                row[name] = {"n_nonzero": int(np.count_nonzero(coef[members])),
                             "top_share": float(contribution.max() / total) if total > 0 else float("nan")}
            rows.append(row)
        return rows

    def weight_table(self, group) -> list:
        """The seed's table for one group: each member's coefficient under every penalty."""
        members = self.groups[group]
        return [{"feature": name, **{k: float(v[j]) for k, v in (self.weights or {}).items()}}
                for name, j in zip(self.names(members), members)]

    def to_dict(self, max_groups=50) -> dict:
        return {"threshold": self.threshold, "n_groups": self.n_groups, "sizes": self.sizes.tolist(),
                "n_pairs_checked": self.n_pairs_checked, "groups": self.group_summary()[:max_groups],
                "fit_info": self.fit_info}

    def to_text(self, max_groups=10, max_members=8) -> str:
        """Per group: members, correlation and the L1 / EN / L2 coefficients side by side."""
        sizes = self.sizes
        head = (f"{self.n_groups} correlated groups at |r| > {self.threshold:g}"
                + (f" (sizes {', '.join(map(str, sizes[:12]))}{', ...' if sizes.size > 12 else ''})"
                   if self.n_groups else ""))
        lines = [head]
        methods = list(self.weights or {})
        for row in self.group_summary()[:max_groups]:
            lines.append(f"group {row['group']}: {row['size']} features, mean |r| {row['mean_abs_correlation']:.2f}"
                         f" (min {row['min_abs_correlation']:.2f})")
            if methods:
                lines.append("  " + f"{'feature':<28}" + "".join(f"{m:>12}" for m in methods))
                for entry in self.weight_table(row["group"])[:max_members]:
                    lines.append("  " + f"{entry['feature'][:28]:<28}"
                                 + "".join(f"{entry[m]:>12.4g}" for m in methods))
                if row["size"] > max_members:
                    lines.append(f"  ... {row['size'] - max_members} more")
                lines.append("  " + f"{'kept / top share':<28}" + "".join(
                    f"{row[m]['n_nonzero']:>5}/{row[m]['top_share']:>6.2f}" for m in methods))
            else:
                names = row["features"][:max_members]
                lines.append("  " + ", ".join(names) + (" ..." if row["size"] > max_members else ""))
        if self.n_groups > max_groups:
            lines.append(f"... {self.n_groups - max_groups} more groups")
        return "\n".join(lines)


def _column_stats(X, n):
    if sp.issparse(X):
        mean = np.asarray(X.sum(axis=0)).ravel() / n
        sq = np.asarray(X.multiply(X).sum(axis=0)).ravel() / n
    else:
        mean = X.mean(axis=0)
        sq = np.einsum("ij,ij->j", X, X) / n
    var = np.maximum(sq - mean * mean, 0.0)
    sd = np.sqrt(var)
    constant = var <= 1e-14 * max(float(sq.max(initial=0.0)), 1e-300)
    return mean, sd, constant


def _edges_dense(X, mean, sd, keep, threshold):
    """Linked pairs of a dense X, standardized one column block at a time (BLAS)."""
    n = X.shape[0]
    cols = np.flatnonzero(keep)
    Z = (X[:, cols] - mean[cols]) / (sd[cols] * np.sqrt(n))
    rows_i, rows_j = [], []
    block = max(1, _DENSE_CELLS // max(1, cols.size))
    checked = 0
    for start in range(0, cols.size, block):
        stop = min(cols.size, start + block)
        corr = Z[:, start:stop].T @ Z[:, start:]
        checked += corr.size
        a, b = np.nonzero(np.abs(corr) > threshold)
        b = b + start
        upper = b > a + start
        rows_i.append(cols[a[upper] + start])
        rows_j.append(cols[b[upper]])
    return np.concatenate(rows_i or [np.empty(0, np.int64)]), np.concatenate(rows_j or [np.empty(0, np.int64)]), \
        checked


def _edges_sparse(X, mean, sd, keep, threshold):
    """Linked pairs of a sparse X without densifying it.

    corr(i, j) = (X_i.X_j / n - m_i m_j) / (s_i s_j). When X_i.X_j = 0 this is
    ``-t_i t_j`` with ``t = |m| / s``, and Cauchy-Schwarz gives
    ``t**2 <= d / (1 - d)`` for a column of density ``d``: two columns of
    density at most ``threshold / (1 + threshold)`` with no common non-zero
    row cannot be linked. So only the structural non-zeros of ``X.T X`` among
    such light columns are checked (sparse-sparse products in blocks bounded
    by their work), and the few heavier columns are densified a block at a
    time and checked against every column.
    """
    n, p = X.shape
    X = X.tocsc()
    X.sum_duplicates()
    density = np.diff(X.indptr) / n
    cut = min(0.1, threshold / (1.0 + threshold))
    heavy = np.flatnonzero(keep & (density > cut))
    light = np.flatnonzero(keep & (density <= cut))
    parts_i, parts_j = [], []
    checked = 0
    kept = np.flatnonzero(keep)
    if heavy.size:
        chunk = max(1, _DENSE_CELLS // max(n, kept.size))
        Xk = X[:, kept]
        for start in range(0, heavy.size, chunk):
            cols = heavy[start:start + chunk]
            H = X[:, cols].toarray()
            G = np.asarray((Xk.T @ H).T) / n                      # (chunk, kept)
            corr = (G - mean[cols, None] * mean[None, kept]) / (sd[cols, None] * sd[None, kept])
            checked += corr.size
            a, b = np.nonzero(np.abs(corr) > threshold)
            i, j = cols[a], kept[b]
            ok = i != j
            parts_i.append(i[ok])
            parts_j.append(j[ok])
    if light.size > 1:
        XL = X[:, light]
        XLt = XL.T.tocsr()
        row_nnz = np.diff(XL.tocsr().indptr).astype(np.float64)
        # work of column i's row of X.T X: the non-zeros of the rows it touches
        work = np.asarray(XLt @ row_nnz).ravel() if XLt.nnz else np.zeros(light.size)
        bounds = np.searchsorted(np.cumsum(work), np.arange(_BLOCK_WORK, work.sum() + _BLOCK_WORK, _BLOCK_WORK))
        edges = np.unique(np.concatenate([[0], np.minimum(bounds + 1, light.size), [light.size]]))
        for start, stop in zip(edges[:-1], edges[1:]):
            G = (XLt[start:stop] @ XL).tocoo()
            a, b = G.row + start, G.col
            upper = b > a
            a, b, g = a[upper], b[upper], G.data[upper] / n
            checked += a.size
            ia, ib = light[a], light[b]
            corr = (g - mean[ia] * mean[ib]) / (sd[ia] * sd[ib])
            hit = np.abs(corr) > threshold
            parts_i.append(ia[hit])
            parts_j.append(ib[hit])
    empty = np.empty(0, np.int64)
    return np.concatenate(parts_i or [empty]), np.concatenate(parts_j or [empty]), checked


def _group_correlation(X, members, mean, sd, n):
    cols = np.sort(members)
    if sp.issparse(X):
        G = np.asarray((X[:, cols].T @ X[:, cols]).toarray()) / n
    else:
        Xc = X[:, cols]
        G = Xc.T @ Xc / n
    corr = (G - np.outer(mean[cols], mean[cols])) / np.outer(sd[cols], sd[cols])
    off = np.abs(corr[np.triu_indices(cols.size, k=1)])
    return float(off.mean()), float(off.min())


def correlated_groups(X, threshold=0.8, *, y=None, coefs=None, loss="auto", l1_ratio=0.5, cv=5, scoring=None,
                      standardize=True, selection="min", n_alphas=50, feature_names=None, random_state=0,
                      n_jobs=None) -> CorrelatedGroups:
    """Find groups of correlated features and report how L1, Elastic Net and L2 weight them.

    Sparse-safe: a sparse ``X`` is never densified. Only the structural
    non-zeros of ``X.T X`` are computed, in column blocks, plus the few
    columns dense enough that a pair of them could be correlated without
    sharing a non-zero row (see the exact criterion in the module source);
    every other pair provably has ``|corr| <= threshold``.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
    threshold : float, default=0.8
        Features are linked when their absolute Pearson correlation exceeds it.
    y : array-like of shape (n_samples,), default=None
        With ``y``, an L1, an Elastic-Net and an L2 model are cross-validated
        (``loss``, ``l1_ratio``, ``cv``, ``scoring``, ``standardize``,
        ``selection``) and their coefficients reported for every group.
    coefs : dict of str to array-like, default=None
        Or give the coefficients to compare directly, e.g.
        ``{"l1": lasso.coef_, "elasticnet": enet.coef_, "l2": ridge.coef_}``.
    loss, l1_ratio, cv, scoring, standardize, selection, n_alphas, random_state, n_jobs
        Used only with ``y``; see :func:`sparsefit.cv.cross_validate_path`.
    feature_names : array-like of str, default=None
        Names of the columns (taken from a DataFrame's columns otherwise).

    Returns
    -------
    CorrelatedGroups

    Examples
    --------
    >>> import sparsefit
    >>> from sparsefit.datasets import make_seed001_correlated
    >>> data = make_seed001_correlated()
    >>> groups = sparsefit.correlated_groups(data.X, 0.8, feature_names=data.feature_names)
    >>> groups.names(groups.groups[0])
    ['med_count', 'polypharm']
    """
    from scipy.sparse.csgraph import connected_components

    from sparsefit._validation import feature_names_of, validate_X

    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must be in [0, 1); got {threshold!r}.")
    names = feature_names_of(X)
    Xv, frame_names = validate_X(X, layout="csc")
    if feature_names is not None:
        names = np.asarray(feature_names, dtype=object)
        if names.shape != (Xv.shape[1],):
            raise ValueError(f"feature_names must have one name per column ({Xv.shape[1]}); got {names.shape}.")
    elif names is None:
        names = frame_names
    n, p = Xv.shape
    mean, sd, constant = _column_stats(Xv, n)
    keep = ~constant
    edge_fn = _edges_sparse if sp.issparse(Xv) else _edges_dense
    i, j, checked = edge_fn(Xv, mean, sd, keep, threshold)
    graph = sp.coo_matrix((np.ones(i.size), (i, j)), shape=(p, p)).tocsr()
    _, component = connected_components(graph, directed=False)
    sizes = np.bincount(component, minlength=p)
    in_group = sizes[component] >= 2
    groups = [np.flatnonzero(component == c) for c in np.unique(component[in_group])]
    groups.sort(key=lambda g: (-g.size, g[0]))
    labels = np.full(p, -1, dtype=np.int64)
    mean_abs, min_abs = np.empty(len(groups)), np.empty(len(groups))
    for g, members in enumerate(groups):
        labels[members] = g
        if members.size <= _MAX_EXACT_GROUP:
            mean_abs[g], min_abs[g] = _group_correlation(Xv, members, mean, sd, n)
        else:  # the linked pairs only (at most 10,000 of them)
            linked = np.flatnonzero(np.isin(i, members))[:10_000]
            a, b = i[linked], j[linked]
            if sp.issparse(Xv):
                G = np.asarray(Xv[:, a].multiply(Xv[:, b]).sum(axis=0)).ravel()
            else:
                G = np.einsum("ij,ij->j", Xv[:, a], Xv[:, b])
            corr = np.abs((G / n - mean[a] * mean[b]) / (sd[a] * sd[b]))
            mean_abs[g], min_abs[g] = float(corr.mean()), float(corr.min())

    weights, fit_info = None, {}
    if coefs is not None:
        weights = {}
        for key, value in dict(coefs).items():
            value = np.asarray(value, dtype=np.float64).ravel()
            if value.shape != (p,):
                raise ValueError(f"coefs[{key!r}] must have one coefficient per feature ({p}); got {value.shape}.")
            weights[str(key)] = value
        fit_info = {"source": "given"}
    elif y is not None:
        fits = cross_validated_penalties(X, y, loss=loss, l1_ratio=l1_ratio, cv=cv, scoring=scoring,
                                         standardize=standardize, selection=selection, n_alphas=n_alphas,
                                         random_state=random_state, n_jobs=n_jobs)
        weights = {name: fit["coef"] for name, fit in fits["models"].items()}
        fit_info = {"source": "cross-validation", "scoring": fits["scoring"], "selection": selection,
                    **{name: {"alpha": fit["alpha"], "l1_ratio": fit["l1_ratio"]}
                       for name, fit in fits["models"].items()}}
    scale = np.where(sd > 0, sd, 1.0)
    return CorrelatedGroups(threshold=float(threshold), groups=groups, labels=labels,
                            mean_abs_correlation=mean_abs, min_abs_correlation=min_abs, feature_names=names,
                            scale=scale, n_pairs_checked=int(checked), weights=weights, fit_info=fit_info)


def cross_validated_penalties(X, y, *, loss="auto", l1_ratio=0.5, cv=5, scoring=None, standardize=True,
                              selection="min", n_alphas=50, alpha_min_ratio=None, random_state=0, n_jobs=None,
                              sample_weight=None, tol=1e-6):
    """Cross-validate L1, Elastic Net and L2 on the same folds; the model of each at its chosen alpha.

    Each penalty gets its own call (so its own alpha grid and early stop);
    with an integer ``cv`` and a fixed ``random_state`` the folds are the same
    in every call, so fold scores can be compared pair-wise. The L2 grid
    reaches down to 1e-6 * alpha_max (its alpha_max uses glmnet's
    l1_ratio=1e-3 convention, so the usual 1e-4 would stop short of the
    lightly penalized ridge models that often score best). ``l1_ratio`` may be
    a list: the Elastic-Net candidate is then the best of those mixes.

    Returns a dict: ``"cv"`` (penalty -> :class:`~sparsefit.cv.CVResult`),
    ``"scoring"``, ``"loss"``, and ``"models"``: per penalty ``{"l1_ratio",
    "index", "alpha", "mean_score", "std_error", "n_nonzero", "coef",
    "intercept", "fold_scores"}``.
    """
    from sparsefit.cv import cross_validate_path

    loss = infer_loss(y, loss)
    en_ratios = [float(r) for r in np.atleast_1d(l1_ratio)]
    if any(not 0.0 < r < 1.0 for r in en_ratios):
        raise ValueError(f"the Elastic-Net l1_ratio must be strictly between 0 and 1; got {l1_ratio!r}.")
    if selection not in ("1se", "min"):
        raise ValueError(f"selection must be '1se' or 'min'; got {selection!r}.")
    common = dict(loss=loss, n_alphas=n_alphas, cv=cv, scoring=scoring, sample_weight=sample_weight,
                  standardize=standardize, tol=tol, n_jobs=n_jobs, random_state=random_state)

    def run(ratio, min_ratio):
        return cross_validate_path(X, y, l1_ratio=ratio, alpha_min_ratio=min_ratio, **common)

    results = {"l1": run(1.0, alpha_min_ratio), "l2": run(0.0, alpha_min_ratio or 1e-6)}
    en_results = [run(r, alpha_min_ratio) for r in en_ratios]

    def pick(result):
        score = np.where(np.isfinite(result.mean_score[0]), result.mean_score[0], -np.inf)
        k_min = int(np.argmax(score))
        if selection == "min":
            return k_min
        within = np.flatnonzero(score >= score[k_min] - np.nan_to_num(result.std_error[0, k_min]))
        return int(within.min())

    results["elasticnet"] = max(en_results, key=lambda r: float(np.nan_to_num(r.mean_score[0, pick(r)], nan=-np.inf)))

    def model(result):
        k = pick(result)
        path = result.paths[0]
        return {"l1_ratio": float(result.l1_ratios[0]), "index": k, "alpha": float(result.alphas[0, k]),
                "mean_score": float(result.mean_score[0, k]), "std_error": float(result.std_error[0, k]),
                "n_nonzero": int(result.n_nonzero[0, k]), "coef": path.coefs[:, k].toarray().ravel(),
                "intercept": float(path.intercepts[k]), "fold_scores": result.fold_scores[0, k]}

    order = ("l1", "elasticnet", "l2")
    return {"cv": {name: results[name] for name in order}, "scoring": results["l1"].scoring, "loss": loss,
            "models": {name: model(results[name]) for name in order}}
