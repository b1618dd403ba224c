"""Matplotlib figures of regularization paths and cross-validation curves.

Each function draws on an ``Axes`` (a new figure's when ``ax`` is None) and
returns it; nothing here calls ``plt.show()``. matplotlib is imported inside
the functions (the ``plot`` extra).
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_path", "plot_cv"]


def _axes(ax, figsize=(8, 5)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _nonzero_top_axis(ax, log_alphas, n_nonzero, n_ticks=6):
    """A top axis labelled with the number of non-zero coefficients (glmnet's look)."""
    top = ax.twiny()
    top.set_xlim(ax.get_xlim())
    index = np.unique(np.linspace(0, len(log_alphas) - 1, min(n_ticks, len(log_alphas))).astype(int))
    top.set_xticks(log_alphas[index])
    top.set_xticklabels([str(int(n_nonzero[i])) for i in index])
    top.set_xlabel("non-zero coefficients")
    return top


def plot_path(path, top=10, ax=None, max_background=150):
    """Coefficient paths against log(alpha), the ``top`` features labelled by name.

    Parameters
    ----------
    path : Path
        From :func:`sparsefit.regularization_path` (or ``estimator.path_``).
    top : int, default=10
        How many features (largest |coefficient| at the smallest alpha) to draw
        in colour and label; the others are drawn thin and grey.
    ax : matplotlib Axes, default=None
    max_background : int, default=150
        At most this many other features (the largest) are drawn in grey, so
        that a dense L2 path over 50,000 features stays a readable, small figure.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    log_alphas = np.log10(path.alphas)
    coefs = path.coefs.toarray()
    ever_nonzero = np.flatnonzero(np.any(coefs != 0, axis=1))
    final = np.abs(coefs[:, -1]) if coefs.shape[1] else np.zeros(coefs.shape[0])
    order = ever_nonzero[np.argsort(-final[ever_nonzero], kind="stable")]
    labelled = order[:top]
    for j in order[top:top + max_background]:
        ax.plot(log_alphas, coefs[j], color="0.75", linewidth=0.6, zorder=1)
    names = path.feature_names
    for j in labelled:
        label = str(names[j]) if names is not None else f"x{j}"
        (line,) = ax.plot(log_alphas, coefs[j], linewidth=1.6, label=label, zorder=2)
        ax.annotate(label, (log_alphas[-1], coefs[j, -1]), xytext=(4, 0), textcoords="offset points",
                    fontsize=8, color=line.get_color(), va="center")
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_xlabel("log10(alpha)")
    ax.set_ylabel("coefficient")
    penalty = {1.0: "L1 (Lasso)", 0.0: "L2 (Ridge)"}.get(path.l1_ratio, f"Elastic Net, l1_ratio={path.l1_ratio:g}")
    ax.set_title(f"Regularization path — {penalty}", pad=28)
    ax.invert_xaxis()  # from the empty model (large alpha) to the full one, as glmnet draws it
    _nonzero_top_axis(ax, log_alphas, path.n_nonzero)
    if len(labelled):
        ax.legend(fontsize=8, loc="best")
    return ax


def plot_cv(cv, l1_ratio_index=None, ax=None):
    """Mean cross-validation score with standard-error bars against log(alpha).

    Vertical lines mark the alpha with the best score and the 1-SE alpha; the
    top axis shows the number of non-zero coefficients (like glmnet's
    ``plot.cv.glmnet``).

    Parameters
    ----------
    cv : CVResult or a fitted LassoCV / ElasticNetCV / LogisticRegressionCV
    l1_ratio_index : int, default=None
        Which l1_ratio of the grid to draw (the chosen one by default).
    ax : matplotlib Axes, default=None

    Returns
    -------
    matplotlib Axes
    """
    result = getattr(cv, "cv_", cv)
    if isinstance(result, list):
        result = result[0]
    i = result.index_min[0] if l1_ratio_index is None else int(l1_ratio_index)
    ax = _axes(ax)
    log_alphas = np.log10(result.alphas[i])
    mean, err = result.mean_score[i], result.std_error[i]
    ax.errorbar(log_alphas, mean, yerr=err, fmt="o", color="tab:red", ecolor="0.6", markersize=3, capsize=2,
                label=f"mean CV {result.scoring} ± 1 SE")
    ax.axvline(np.log10(result.alphas[result.index_min]), color="tab:blue", linestyle="--",
               label=f"best: alpha={result.alpha_min:.3g}")
    ax.axvline(np.log10(result.alphas[result.index_1se]), color="tab:green", linestyle=":",
               label=f"1-SE: alpha={result.alpha_1se:.3g}")
    ax.set_xlabel("log10(alpha)")
    ax.set_ylabel(result.scoring)
    ax.set_title(f"Cross-validation, l1_ratio={result.l1_ratios[i]:g}", pad=28)
    ax.invert_xaxis()
    _nonzero_top_axis(ax, log_alphas, result.n_nonzero[i])
    ax.legend(fontsize=8, loc="best")
    return ax
