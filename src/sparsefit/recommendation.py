"""L1, L2 or Elastic Net: a recommendation measured on the user's data.

:func:`recommend` measures what the seeds' decision framework talks about —
the shape of the data (n, p, p/n, density), correlated groups, how sparse the
signal is (what the cross-validated L1 model keeps), the cross-validated score
of each penalty at its best alpha, and how stable each penalty's selection is
under resampling — and combines it with the user's constraints (is
interpretability needed, model bytes, prediction latency) into one choice.
Every reason it gives cites a measured number.

The rules, in order (the seeds' framework, articles 000 and 001):

1. Constraints exclude candidates: ``need_interpretability=True`` excludes L2
   (it keeps every feature); ``max_model_bytes`` and ``max_latency_us`` exclude
   the models whose estimated size or latency exceeds them.
2. A starting choice from the data:

   - you do not need feature selection (``need_interpretability=False``) and
     correlated groups carry signal: L2, which weights a group's members evenly
     (seed 001's first rule);
   - sparse signal (the cross-validated L1 model keeps at most 20% of the
     features): Elastic Net when correlated groups carry signal (L1 would keep
     an arbitrary member of each), else L1;
   - dense signal (L1 keeps at least 50% of the features): L2 (many weakly
     relevant features);
   - in between: Elastic Net when features outnumber samples (let the mix be
     tuned), else L2 (the safe default for a manageable number of features).
3. The measured cross-validation gap overrides the starting choice when it is
   decisive: another allowed candidate scores better by more than two
   standard errors of the paired per-fold differences.

Size and latency estimates (documented, not measured):

- a sparse model stores each non-zero as a 4-byte index and a 4-byte float32
  value, a dense one 4 bytes per feature; the cheaper layout is assumed, plus
  64 bytes for the intercept and header;
- one prediction costs about 1 µs of call overhead plus 1 ns per stored
  coefficient (one memory read and one multiply-add as the coefficients are
  streamed). It is an order-of-magnitude figure; measure your serving path
  (``sparsefit.predict.Predictor``) before relying on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sparsefit.selection import (
    CorrelatedGroups,
    correlated_groups,
    cross_validated_penalties,
    infer_loss,
    stability_selection,
)

__all__ = ["Recommendation", "recommend", "estimate_model_bytes", "estimate_latency_us"]

_SPARSE_SIGNAL_SHARE = 0.20
_DENSE_SIGNAL_SHARE = 0.50
_DECISIVE_SE = 2.0
_HEADER_BYTES = 64
_CALL_OVERHEAD_US = 1.0
_NS_PER_COEFFICIENT = 1.0
_NAMES = {"l1": "L1", "elasticnet": "Elastic Net", "l2": "L2"}
_METRICS = {"mean_squared_error": "MSE", "root_mean_squared_error": "RMSE", "mean_absolute_error": "MAE",
            "log_loss": "log loss", "roc_auc": "AUC", "r2": "R^2", "accuracy": "accuracy",
            "median_absolute_error": "median absolute error", "brier_score": "Brier score"}


def estimate_model_bytes(n_nonzero, n_features) -> int:
    """Bytes of a stored linear model: the cheaper of sparse (8 B per non-zero) and dense (4 B per feature), + 64."""
    return int(min(8 * int(n_nonzero), 4 * int(n_features)) + _HEADER_BYTES)


def estimate_latency_us(n_nonzero, n_features) -> float:
    """Estimated time of one prediction: 1 µs + 1 ns per stored coefficient (see the module docstring)."""
    stored = n_nonzero if 8 * n_nonzero < 4 * n_features else n_features
    return float(_CALL_OVERHEAD_US + _NS_PER_COEFFICIENT * stored / 1000.0)


def _metric(scoring):
    """Display name of a scorer and the sign that turns its score into the displayed value."""
    name = str(scoring)
    if name.startswith("neg_"):
        rest = name[4:]
        return _METRICS.get(rest, rest.replace("_", " ")), -1.0, "lower"
    return _METRICS.get(name, name.replace("_", " ")), 1.0, "higher"


def _fmt(value) -> str:
    value = float(value)
    if value == 0 or not np.isfinite(value):
        return f"{value:g}"
    digits = max(0, 3 - int(np.floor(np.log10(abs(value)))) - 1)
    return f"{value:,.{min(digits, 6)}f}"


@dataclass(frozen=True, eq=False)
class Recommendation:
    """Which penalty to ship, why, and the measurements behind it.

    Attributes
    ----------
    choice : {"l1", "l2", "elasticnet"}
    reasons : list of str
        Each cites a measured number; the first says what decided.
    evidence : dict
        Every measurement (JSON-ready): data shape, correlated groups, CV
        scores and paired gaps, signal sparsity, stability, size and latency
        estimates, constraints and the rule that fired.
    alpha, l1_ratio : float
        The chosen model's cross-validated alpha and mix.
    loss : {"squared", "logistic"}
    coef : ndarray of shape (n_features,)
        Coefficients of the chosen model fit on all the data (original scale).
    intercept : float
    cv_results : dict of str to CVResult
        Cross-validation of each penalty (same folds).
    groups : CorrelatedGroups
    stability : dict of str to StabilityResult
        For "l1" and "elasticnet" (empty when stability was skipped).
    """

    choice: str
    reasons: list
    evidence: dict
    alpha: float
    l1_ratio: float
    loss: str
    coef: np.ndarray = field(repr=False)
    intercept: float = 0.0
    standardize: bool = True
    cv_results: dict = field(default_factory=dict, repr=False)
    groups: CorrelatedGroups | None = field(default=None, repr=False)
    stability: dict = field(default_factory=dict, repr=False)

    def estimator(self):
        """An unfitted sparsefit estimator with the chosen penalty, alpha and mix (fit it to ship it)."""
        from sparsefit.estimators import ElasticNet, Lasso, Ridge
        from sparsefit.logistic import LogisticRegression

        if self.loss == "logistic":
            penalty = {"l1": "l1", "l2": "l2", "elasticnet": "elasticnet"}[self.choice]
            ratio = self.l1_ratio if penalty == "elasticnet" else None
            return LogisticRegression(penalty=penalty, alpha=self.alpha, l1_ratio=ratio, standardize=self.standardize)
        if self.choice == "l1":
            return Lasso(alpha=self.alpha, standardize=self.standardize)
        if self.choice == "l2":
            return Ridge(alpha=self.alpha, standardize=self.standardize)
        return ElasticNet(alpha=self.alpha, l1_ratio=self.l1_ratio, standardize=self.standardize)

    def to_dict(self) -> dict:
        """Choice, reasons and evidence as plain Python values (JSON-ready)."""
        return _plain({"choice": self.choice, "alpha": self.alpha, "l1_ratio": self.l1_ratio, "loss": self.loss,
                       "reasons": list(self.reasons), "evidence": self.evidence})

    def to_text(self) -> str:
        """A plain-text report: the choice, the reasons, the per-penalty table."""
        ev = self.evidence
        data = ev["data"]
        label, sign, better = _metric(ev["cv"]["scoring"])
        lines = [f"Recommendation: {_NAMES[self.choice]} ({self.choice}), alpha={self.alpha:.4g}"
                 + (f", l1_ratio={self.l1_ratio:g}" if self.choice == "elasticnet" else ""),
                 f"  data: {data['n_samples']:,} rows x {data['n_features']:,} features "
                 f"(p/n = {data['features_per_sample']:.3g}), density {data['density']:.3g}, {self.loss} loss",
                 "", "Why:"]
        lines += [f"  - {reason}" for reason in self.reasons]
        lines += ["", f"  {'penalty':<12}{'CV ' + label:>16}{'std. err.':>11}{'non-zeros':>11}"
                      f"{'bytes':>11}{'latency':>10}{'Jaccard':>9}"]
        for name, row in ev["cv"]["models"].items():
            stab = ev.get("stability", {}).get(name)
            lines.append(f"  {_NAMES[name]:<12}{_fmt(sign * row['mean_score']):>16}{_fmt(row['std_error']):>11}"
                         f"{row['n_nonzero']:>11,}{ev['model_bytes'][name]:>11,}"
                         f"{ev['latency_us'][name]:>8.2f}us"
                         + (f"{stab['jaccard']:>9.2f}" if stab else f"{'-':>9}"))
        lines.append(f"  ({better} {label} is better; latency is an estimate: 1 us + 1 ns per stored coefficient)")
        return "\n".join(lines)


def _plain(value):
    """NumPy scalars and arrays to Python numbers and lists, recursively (for JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _paired_gap(fits, a, b):
    """Mean per-fold score difference a - b and its standard error (folds are shared)."""
    d = np.asarray(fits["models"][a]["fold_scores"]) - np.asarray(fits["models"][b]["fold_scores"])
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan"), float("nan")
    se = float(np.std(d, ddof=1) / np.sqrt(d.size)) if d.size > 1 else float("nan")
    return float(d.mean()), se


def _decisive(gap, se) -> bool:
    return bool(np.isfinite(gap) and gap > 0 and (not np.isfinite(se) or gap > _DECISIVE_SE * se)
                and gap > 1e-12 * max(1.0, abs(gap)))


def recommend(X, y, need_interpretability=None, max_model_bytes=None, max_latency_us=None, *, loss="auto",
              l1_ratio=(0.2, 0.5, 0.8), cv=5, scoring=None, selection="min", standardize=True, group_threshold=0.8,
              stability=True, n_resamples=50, stability_threshold=0.6, n_alphas=50, feature_names=None,
              random_state=0, n_jobs=None) -> Recommendation:
    """Recommend L1, L2 or Elastic Net for this data, with measured evidence.

    See the module docstring for the rules and the size and latency estimates.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Targets, or two-class labels (logistic loss).
    need_interpretability : bool or None, default=None
        True: you must be able to list the features the model uses (excludes
        L2). False: you do not need feature selection. None: no preference.
    max_model_bytes : int, default=None
        Largest acceptable model (estimated bytes).
    max_latency_us : float, default=None
        Largest acceptable estimated time of one prediction, in microseconds.
    loss : {"auto", "squared", "logistic"}, default="auto"
    l1_ratio : float or list of float, default=(0.2, 0.5, 0.8)
        Elastic-Net mixes tried; the best cross-validated one is the Elastic-Net candidate.
    cv : int or splitter, default=5
    scoring : str, default=None
        scikit-learn scorer name; MSE for regression, ROC AUC for classification.
    selection : {"min", "1se"}, default="min"
        Which cross-validated alpha each penalty's candidate model uses.
    standardize : bool, default=True
    group_threshold : float, default=0.8
        |correlation| above which features are grouped.
    stability : bool, default=True
        Run stability selection for L1 and Elastic Net (``n_resamples`` each).
    n_resamples : int, default=50
    stability_threshold : float, default=0.6
    n_alphas : int, default=50
    feature_names : array-like of str, default=None
    random_state : int, default=0
        Seeds the folds (shared by every penalty) and the resamples.
    n_jobs : int, default=None
        Threads for cross-validation folds and resamples.

    Returns
    -------
    Recommendation

    Examples
    --------
    >>> import sparsefit
    >>> from sparsefit.datasets import make_sparse_regression
    >>> data = make_sparse_regression(n_samples=200, n_features=2000, n_informative=5, density=0.05, random_state=0)
    >>> rec = sparsefit.recommend(data.X, data.y, stability=False)
    >>> rec.choice
    'l1'
    """
    from sparsefit._validation import validate_X

    for name, value in (("max_model_bytes", max_model_bytes), ("max_latency_us", max_latency_us)):
        if value is not None and not value > 0:
            raise ValueError(f"{name} must be positive; got {value!r}.")
    if need_interpretability not in (None, True, False):
        raise ValueError(f"need_interpretability must be True, False or None; got {need_interpretability!r}.")
    loss = infer_loss(y, loss)
    Xv, _ = validate_X(X, layout="any")
    n, p = Xv.shape
    nnz = Xv.nnz if sp.issparse(Xv) else int(np.count_nonzero(Xv))
    density = nnz / float(n * p)

    fits = cross_validated_penalties(X, y, loss=loss, l1_ratio=l1_ratio, cv=cv, scoring=scoring,
                                     standardize=standardize, selection=selection, n_alphas=n_alphas,
                                     random_state=random_state, n_jobs=n_jobs)
    models = fits["models"]
    groups = correlated_groups(X, group_threshold, coefs={k: m["coef"] for k, m in models.items()},
                               feature_names=feature_names)
    names = groups.feature_names
    stab = {}
    if stability:
        for pen in ("l1", "elasticnet"):
            stab[pen] = stability_selection(
                X, y, penalty=pen, l1_ratio=None if pen == "l1" else models[pen]["l1_ratio"],
                n_resamples=n_resamples, threshold=stability_threshold, alpha=models[pen]["alpha"], loss=loss,
                n_alphas=20, standardize=standardize, random_state=random_state, n_jobs=n_jobs)
            if names is not None and stab[pen].feature_names is None:
                stab[pen] = stab[pen].__class__(**{**stab[pen].__dict__, "feature_names": names})

    # --- measurements
    p_eff = max(1, p)
    l1 = models["l1"]
    l1_share = l1["n_nonzero"] / p_eff
    sizes = {k: estimate_model_bytes(m["n_nonzero"], p) for k, m in models.items()}
    latency = {k: estimate_latency_us(m["n_nonzero"], p) for k, m in models.items()}
    label, sign, better = _metric(fits["scoring"])
    gaps = {}
    for a in models:
        for b in models:
            if a != b:
                gaps[f"{a}-{b}"] = dict(zip(("gap", "std_error"), _paired_gap(fits, a, b)))

    # groups that carry signal: a member stably selected by Elastic Net (or, without stability, in its CV model)
    informative = []
    for g, members in enumerate(groups.groups):
        if stability:
            carries = stab["elasticnet"].frequency[members].max() >= stability_threshold
        else:
            carries = np.count_nonzero(models["elasticnet"]["coef"][members]) > 0
        if carries:
            informative.append(g)
    group_rows = []
    for g in informative:
        members = groups.groups[g]
        row = {"group": g, "size": int(members.size), "features": groups.names(members)[:20],
               "mean_abs_correlation": float(groups.mean_abs_correlation[g]),
               **{f"{k}_kept": int(np.count_nonzero(m["coef"][members])) for k, m in models.items()}}
        for pen, result in stab.items():
            row[f"{pen}_mean_frequency"] = float(result.frequency_at_alpha[members].mean())
        group_rows.append(row)

    evidence = {
        "data": {"n_samples": n, "n_features": p, "features_per_sample": p / n, "density": density,
                 "sparse_input": bool(sp.issparse(Xv))},
        "correlated_groups": {"threshold": group_threshold, "n_groups": groups.n_groups,
                              "sizes": groups.sizes.tolist()[:100], "n_informative": len(informative),
                              "informative": group_rows[:50]},
        "signal": {"l1_n_nonzero": l1["n_nonzero"], "l1_share": l1_share,
                   "sparse_share_max": _SPARSE_SIGNAL_SHARE, "dense_share_min": _DENSE_SIGNAL_SHARE},
        "cv": {"scoring": fits["scoring"], "selection": selection,
               "models": {k: {key: (v.tolist() if isinstance(v, np.ndarray) and key == "fold_scores" else v)
                              for key, v in m.items() if key != "coef"} for k, m in models.items()},
               "gaps": gaps},
        "stability": {k: {"jaccard": r.jaccard, "n_stable": int(r.stable_set.size),
                          "false_selection_bound": r.false_selection_bound, "average_selected": r.average_selected,
                          "n_resamples": r.n_resamples, "alpha": r.alpha} for k, r in stab.items()},
        "model_bytes": sizes, "latency_us": latency,
        "constraints": {"need_interpretability": need_interpretability, "max_model_bytes": max_model_bytes,
                        "max_latency_us": max_latency_us},
    }

    def score_text(k):
        return f"{label} {_fmt(sign * models[k]['mean_score'])} ± {_fmt(models[k]['std_error'])}"

    if p > n:
        shape_reason = f"features outnumber samples {p / n:.0f}:1 ({p:,} features, {n:,} rows)" if p >= 2 * n else \
            f"features outnumber samples ({p:,} features, {n:,} rows, p/n = {p / n:.2f})"
    else:
        shape_reason = f"samples outnumber features {n / p:.0f}:1 ({n:,} rows, {p:,} features)" if n >= 2 * p else \
            f"{n:,} rows and {p:,} features (p/n = {p / n:.2f})"

    # --- 1. constraints
    allowed = {"l1", "elasticnet", "l2"}
    constraint_reasons = []
    if need_interpretability:
        allowed.discard("l2")
        constraint_reasons.append(f"you need interpretability: L2 keeps all {models['l2']['n_nonzero']:,} features, "
                                  f"L1 {models['l1']['n_nonzero']:,}")
    for k in ("l1", "elasticnet", "l2"):
        if max_model_bytes is not None and sizes[k] > max_model_bytes:
            allowed.discard(k)
            constraint_reasons.append(f"{_NAMES[k]} needs about {sizes[k]:,} bytes "
                                      f"({models[k]['n_nonzero']:,} non-zeros), over your {int(max_model_bytes):,}")
        if max_latency_us is not None and latency[k] > max_latency_us:
            allowed.discard(k)
            constraint_reasons.append(f"{_NAMES[k]} needs about {latency[k]:.2f} us per prediction (estimate), "
                                      f"over your {max_latency_us:g} us")

    # --- 2. the seeds' rules
    l1_text = (f"the cross-validated L1 model keeps {l1['n_nonzero']:,} of {p:,} features ({100 * l1_share:.1f}%)")
    group_text = None
    if group_rows:
        kept_l1 = np.mean([r["l1_kept"] for r in group_rows])
        kept_en = np.mean([r["elasticnet_kept"] for r in group_rows])
        mean_size = np.mean([r["size"] for r in group_rows])
        group_text = (f"{len(group_rows)} correlated group(s) (|r| > {group_threshold:g}, sizes "
                      f"{', '.join(str(r['size']) for r in group_rows[:8])}) carry signal: per group L1 keeps "
                      f"{kept_l1:.1f} of {mean_size:.1f} members, Elastic Net {kept_en:.1f}")
        if stab:
            f_l1 = np.mean([r["l1_mean_frequency"] for r in group_rows])
            f_en = np.mean([r["elasticnet_mean_frequency"] for r in group_rows])
            group_text += (f"; members are selected in {100 * f_l1:.0f}% of resamples by L1 "
                           f"vs {100 * f_en:.0f}% by Elastic Net")
    if need_interpretability is False and group_rows:
        rule, choice = "no feature selection needed, correlated groups", "l2"
        rule_reasons = [f"you do not need feature selection and {group_text}; L2 weights a group's members evenly"]
    elif l1_share <= _SPARSE_SIGNAL_SHARE:
        if group_rows:
            rule, choice = "sparse signal in correlated groups", "elasticnet"
            rule_reasons = [f"sparse signal: {l1_text}", group_text + "; Elastic Net keeps the groups together"]
        else:
            rule, choice = "sparse signal", "l1"
            rule_reasons = [f"sparse signal: {l1_text}, and no correlated group carries signal "
                            f"({groups.n_groups} group(s) at |r| > {group_threshold:g})"]
        if p > n:
            rule_reasons.append(shape_reason + ": selection keeps the model small")
    elif l1_share >= _DENSE_SIGNAL_SHARE:
        rule, choice = "dense signal", "l2"
        rule_reasons = [f"many weakly relevant features: {l1_text}"]
    elif p > n:
        rule, choice = "mixed signal, p > n", "elasticnet"
        rule_reasons = [f"{shape_reason} and {l1_text}: neither clearly sparse nor dense, so the L1/L2 mix is tuned"]
    else:
        rule, choice = "mixed signal, manageable p", "l2"
        rule_reasons = [f"{l1_text} and {shape_reason}: a dense model of this size is manageable, "
                        "L2 is the safe default"]
    if group_text and not any(group_text in r for r in rule_reasons):
        rule_reasons.append(group_text)
    rule_choice = choice

    # --- 3. constraints and the measured gap
    lead, notes = [], []
    finite = {k: (models[k]["mean_score"] if np.isfinite(models[k]["mean_score"]) else -np.inf) for k in models}
    decided_by = "rule"
    if choice not in allowed and allowed:
        best = max(allowed, key=finite.get)
        lead.append(f"{_NAMES[choice]} is ruled out by your constraints; {_NAMES[best]} is the best allowed "
                    f"({score_text(best)})")
        choice, decided_by = best, "constraints"
    if allowed:
        best = max(allowed, key=finite.get)
        if best != choice:
            gap, se = gaps[f"{best}-{choice}"]["gap"], gaps[f"{best}-{choice}"]["std_error"]
            if _decisive(gap, se):
                why = {"l2": "many weakly relevant features", "l1": "the extra features do not help",
                       "elasticnet": "the L1/L2 mix predicts better"}[best]
                lead.append(f"{_NAMES[best]} beats {_NAMES[choice]} by {_fmt(gap)} {label}, more than "
                            f"{_DECISIVE_SE:g} standard errors ({_fmt(se)} per fold pair): {why}")
                choice, decided_by = best, "cv gap"
            else:
                notes.append(f"{_NAMES[best]} scores {_fmt(abs(gap))} {label} {better} than {_NAMES[choice]}, "
                             f"within {_DECISIVE_SE:g} standard errors ({_fmt(se)}): not decisive")
    else:
        choice = min(models, key=lambda k: sizes[k])
        lead.append(f"no candidate meets every constraint; {_NAMES[choice]} is the smallest "
                    f"({sizes[choice]:,} bytes)")
        decided_by = "constraints"
    if need_interpretability and choice != "l2":
        gap, se = gaps[f"l2-{choice}"]["gap"], gaps[f"l2-{choice}"]["std_error"]
        if _decisive(gap, se):
            notes.append(f"L2 would score {_fmt(gap)} {label} {better} (more than {_DECISIVE_SE:g} standard "
                         f"errors, {_fmt(se)}): the price of interpretability here")
    if choice != rule_choice:
        rule_reasons[0] = f"the seeds' rules alone would pick {_NAMES[rule_choice]} ({rule}): {rule_reasons[0]}"
    reasons = lead + rule_reasons + notes + constraint_reasons
    reasons.append(f"cross-validated {label}: " + ", ".join(f"{_NAMES[k]} {score_text(k)}" for k in models)
                   + f" ({better} is better)")
    if stab:
        reasons.append("selection stability (mean Jaccard of selected sets over "
                       f"{stab['l1'].n_resamples} half-samples): "
                       + ", ".join(f"{_NAMES[k]} {r.jaccard:.2f} ({r.stable_set.size} stable features, "
                                   f"<= {r.false_selection_bound:.2g} expected false)" for k, r in stab.items()))
    chosen = models[choice]
    reasons.append(f"{_NAMES[choice]} model: {chosen['n_nonzero']:,} non-zeros, about {sizes[choice]:,} bytes, "
                   f"about {latency[choice]:.2f} us per prediction (estimate)")
    evidence["rule"] = {"name": rule, "choice": rule_choice, "decided_by": decided_by, "allowed": sorted(allowed)}
    return Recommendation(choice=choice, reasons=reasons, evidence=evidence, alpha=chosen["alpha"],
                          l1_ratio=chosen["l1_ratio"], loss=loss, coef=chosen["coef"],
                          intercept=chosen["intercept"], standardize=standardize,
                          cv_results=fits["cv"], groups=groups, stability=stab)
