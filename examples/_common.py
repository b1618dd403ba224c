"""Shared plumbing of the case-study examples: options, the seed-style table, plots.

Not an example itself (the leading underscore keeps it out of the example test).
Each example puts its own folder on ``sys.path`` first, so ``import _common``
works whatever the current directory.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


def parse_args(description, argv=None):
    """The options every example takes: ``--out``, ``--quick``, ``--offline``, ``--seed``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=None,
                        help="folder for plots, reports and model files "
                             "(default: $SPARSEFIT_EXAMPLES_OUT, else ./example-output/)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and fewer alphas/folds: a smoke run of a few seconds, not the case study")
    parser.add_argument("--offline", action="store_true",
                        help="do not fetch real data; use the generated fallback")
    parser.add_argument("--seed", type=int, default=0, help="random_state of splits and subsamples")
    args = parser.parse_args(argv)
    out = args.out or os.environ.get("SPARSEFIT_EXAMPLES_OUT") or "example-output"
    args.out = Path(out)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def fetch_or_none(loader, what, offline):
    """``loader()``, or None with a one-line notice when offline or the fetch fails."""
    from sparsefit.datasets import DatasetError

    if offline:
        print(f"[data] --offline: not fetching {what}; using generated data instead.")
        return None
    try:
        return loader()
    except DatasetError as error:
        print(f"[data] could not fetch {what} ({str(error).splitlines()[0]}); using generated data instead.")
        return None


def _size(n_bytes):
    if n_bytes >= 1024 ** 2:
        return f"{n_bytes / 1024 ** 2:.2f} MiB"
    return f"{n_bytes / 1024:.1f} KiB"


def _short_name(m):
    if m.penalty == "elasticnet":
        return f"EN l1_ratio={m.l1_ratio:g}"
    return {"l1": "L1 (Lasso)", "l2": "L2 (Ridge)", "baseline": "L2 least-reg."}.get(m.penalty, m.name)


def seed_table(comparison, title):
    """The seeds' "Practical Performance Impact" table, measured: a plain-text string.

    Columns: features used (and %), CV and test score, test accuracy (or RMSE),
    saved model file (only non-zeros, float32), what a dense float32 vector
    would take, single-row latency (median, via the Predictor on
    (indices, values) rows) and batch throughput, fold stability (mean
    Jaccard of the selected sets across CV folds).
    """
    metric = comparison.metric
    second = "test acc" if comparison.task != "regression" else "test RMSE"
    header = (f"{'model':<22} {'alpha':>9} {'features used':>17} {'CV ' + metric:>15} {'test ' + metric:>12} "
              f"{second:>9} {'model file':>11} {'dense f32':>10} {'1 row':>9} {'batch rows/s':>13} {'fold J':>6}")
    lines = [title, f"{comparison.n_train:,} train / {comparison.n_test:,} test rows, "
                    f"{comparison.n_features:,} features, density {comparison.density:.2e}", header, "-" * len(header)]
    for m in comparison.models:
        sec = m.secondary.get("accuracy", m.secondary.get("rmse", float("nan")))
        sec_text = f"{100 * sec:.1f}%" if "accuracy" in m.secondary else f"{sec:.3g}"
        lines.append(
            f"{_short_name(m):<22} {m.alpha:>9.3g} {m.n_nonzero:>9,} ({m.pct_nonzero:>4.1f}%) "
            f"{m.cv_mean:>8.3f}±{m.cv_std:.3f} {m.test_score:>12.3f} {sec_text:>9} {_size(m.model_bytes):>11} "
            f"{_size(m.dense_bytes):>10} {m.latency_us:>6.1f} µs {m.batch_rows_per_s:>13,.0f} "
            f"{m.selection_stability:>6.2f}")
    return "\n".join(lines)


def l1_vs_l2_line(comparison):
    """The seed's headline ratios, measured: fewer features, accuracy change, size, latency."""
    l1, l2 = comparison.model("l1"), comparison.model("l2")
    unit = "AUC" if comparison.task != "regression" else "R²"
    parts = [f"L1 vs L2: {l2.n_nonzero / max(l1.n_nonzero, 1):.1f}x fewer features",
             f"test {unit} {100 * (l1.test_score - l2.test_score):+.1f} points"]
    if "accuracy" in l1.secondary:
        parts.append(f"test accuracy {100 * (l1.secondary['accuracy'] - l2.secondary['accuracy']):+.1f} points")
    parts.append(f"model file {l2.model_bytes / max(l1.model_bytes, 1):.1f}x smaller")
    speed = l2.latency_us / max(l1.latency_us, 1e-9)
    parts.append(f"1-row latency {speed:.1f}x " + ("faster" if speed >= 1 else "(i.e. slower)"))
    parts.append(f"batch throughput {l1.batch_rows_per_s / max(l2.batch_rows_per_s, 1e-9):.1f}x")
    return ", ".join(parts) + "."


def save_cv_plots(comparison, path, title):
    """One figure: the cross-validation curve of every tuned penalty (glmnet's plot.cv look)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sparsefit.plotting import plot_cv

    penalties = [p for p in ("l1", "elasticnet", "l2") if p in comparison.cv_results]
    fig, axes = plt.subplots(1, len(penalties), figsize=(5.5 * len(penalties), 4.5), squeeze=False)
    for ax, penalty in zip(axes[0], penalties):
        plot_cv(comparison.cv_results[penalty], ax=ax)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def save_path_plot(path_result, path, top=10):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sparsefit.plotting import plot_path

    fig, ax = plt.subplots(figsize=(8, 5))
    plot_path(path_result, top=top, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def top_terms(coef, names, n=10):
    """The ``n`` most positive and ``n`` most negative coefficients as (name, value) lists."""
    coef = np.asarray(coef).ravel()
    order = np.argsort(coef, kind="stable")
    negative = [(str(names[j]), float(coef[j])) for j in order[:n] if coef[j] < 0]
    positive = [(str(names[j]), float(coef[j])) for j in order[::-1][:n] if coef[j] > 0]
    return positive, negative


class Clock:
    """Wall time since the script started, for the closing line."""

    def __init__(self):
        self.start = time.perf_counter()

    def __str__(self):
        return f"{time.perf_counter() - self.start:.1f} s"
