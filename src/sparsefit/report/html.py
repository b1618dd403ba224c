"""The self-contained HTML comparison report: table, verdict and inline SVG figures.

One file, no scripts, no external resources: it opens offline from file://.
"""

from __future__ import annotations

import html
import io
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d2330;
       background: #fafbfc; line-height: 1.45; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d8dde6; padding-bottom: 0.3rem; }
.meta { color: #5a6475; }
.verdict { background: #eef6ee; border-left: 4px solid #3b8b3b; padding: 12px 16px; font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; background: white; }
th, td { border: 1px solid #d8dde6; padding: 6px 8px; text-align: right; vertical-align: top; }
th { background: #eef1f6; }
td.name, th.name, td.features { text-align: left; }
.scroll { overflow-x: auto; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 16px; }
figure { margin: 0; background: white; border: 1px solid #d8dde6; padding: 8px; }
figure svg { width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #5a6475; }
footer { color: #5a6475; font-size: 0.8rem; margin-top: 2rem; }
"""


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _figure(svg, caption):
    return f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _paths_section(comparison):
    import matplotlib.pyplot as plt

    from sparsefit.plotting import plot_cv, plot_path

    paths, curves = [], []
    for penalty, result in comparison.cv_results.items():
        model = comparison.model(penalty)
        index = int(np.argmin(np.abs(result.l1_ratios - model.l1_ratio)))
        path = result.paths[index]
        if comparison.feature_names is not None:
            path = path.__class__(**{**path.__dict__, "feature_names": comparison.feature_names})
        fig, ax = plt.subplots(figsize=(6, 4))
        plot_path(path, top=8, ax=ax)
        paths.append(_figure(_svg(fig), f"{model.name}: coefficients along the path (top 8 labelled)."))
        fig, ax = plt.subplots(figsize=(6, 4))
        plot_cv(result, l1_ratio_index=index, ax=ax)
        curves.append(_figure(_svg(fig), f"{model.name}: mean CV {result.scoring} ± 1 SE; chosen by "
                                         f"{model.selection}: alpha={model.alpha:.3g}."))
    return paths, curves


def _top_coefficients(comparison):
    import matplotlib.pyplot as plt

    models = [m for m in comparison.models if m.top_features]
    if not models:
        return ""
    fig, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 4), squeeze=False)
    for ax, m in zip(axes[0], models):
        names = [name for name, _ in m.top_features][::-1]
        values = [coef for _, coef in m.top_features][::-1]
        ax.barh(names, values, color=["#c0392b" if v < 0 else "#2e86c1" for v in values])
        ax.set_title(m.name, fontsize=9)
        ax.axvline(0, color="black", linewidth=0.5)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return _figure(_svg(fig), "Top coefficients by |value| per model (blue positive, red negative).")


def _tradeoff(comparison):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for penalty, result in comparison.cv_results.items():
        model = comparison.model(penalty)
        index = int(np.argmin(np.abs(result.l1_ratios - model.l1_ratio)))
        ax.plot(np.maximum(result.n_nonzero[index], 1), result.mean_score[index], marker=".", label=model.name)
        ax.scatter([max(model.n_nonzero, 1)], [model.cv_mean], s=80, edgecolor="black", zorder=3)
    ax.set_xscale("log")
    ax.set_xlabel("non-zero coefficients (log scale)")
    ax.set_ylabel(f"mean CV {comparison.metric}")
    ax.set_title("Sparsity vs score along each path (circles: chosen models)")
    ax.legend(fontsize=8)
    return _figure(_svg(fig), "How much score each penalty buys per feature kept.")


def _size_latency(comparison):
    import matplotlib.pyplot as plt

    models = comparison.models
    labels = [m.name.replace(" (", "\n(") for m in models]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    x = np.arange(len(models))
    left.bar(x - 0.2, [m.model_bytes / 1024 for m in models], width=0.4, label="sparse model file")
    left.bar(x + 0.2, [m.dense_bytes / 1024 for m in models], width=0.4, label="dense float32 vector")
    left.set_xticks(x, labels, fontsize=7)
    left.set_ylabel("KiB")
    left.set_title("Model size")
    left.legend(fontsize=8)
    medians = np.array([m.latency_us for m in models])
    errors = np.array([[m.latency_us - m.latency_us_p25 for m in models],
                       [m.latency_us_p75 - m.latency_us for m in models]])
    right.bar(x, medians, yerr=errors, capsize=3, color="#8e44ad")
    right.set_xticks(x, labels, fontsize=7)
    right.set_ylabel("µs per row (median, 25th–75th percentile)")
    right.set_title("Single-row prediction latency")
    fig.tight_layout()
    return _figure(_svg(fig), "Saved .sfm file size vs a dense coefficient vector, and one-row latency.")


def _table(comparison):
    head = ["model", "alpha", "l1_ratio", "chosen by", f"CV {comparison.metric} (mean ± std)",
            f"test {comparison.metric}", "test (other)", "non-zero features", "model file", "dense float32",
            "1-row latency", "batch", "train", "tuning", "fold stability (Jaccard)"]
    rows = []
    for m in comparison.models:
        other = ", ".join(f"{k} {v:.3f}" for k, v in m.secondary.items())
        cells = [
            f'<td class="name">{html.escape(m.name)}</td>', f"<td>{m.alpha:.4g}</td>", f"<td>{m.l1_ratio:g}</td>",
            f"<td>{html.escape(m.selection)}</td>", f"<td>{m.cv_mean:.4f} ± {m.cv_std:.4f}</td>",
            f"<td>{m.test_score:.4f}</td>", f"<td>{html.escape(other)}</td>",
            f"<td>{m.n_nonzero:,} ({m.pct_nonzero:.2f}%)</td>", f"<td>{m.model_bytes / 1024:.1f} KiB</td>",
            f"<td>{m.dense_bytes / 1024:.1f} KiB</td>",
            f"<td>{m.latency_us:.1f} µs ({m.latency_us_p25:.1f}–{m.latency_us_p75:.1f})</td>",
            f"<td>{m.batch_rows_per_s:,.0f} rows/s</td>", f"<td>{m.train_seconds:.2f} s</td>",
            f"<td>{m.tuning_seconds:.1f} s</td>", f"<td>{m.selection_stability:.2f}</td>",
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "".join(f'<th{" class=name" if i == 0 else ""}>{html.escape(h)}</th>' for i, h in enumerate(head))
    return f'<div class="scroll"><table id="comparison-table"><thead><tr>{header}</tr></thead>' \
           f'<tbody>{"".join(rows)}</tbody></table></div>'


def _features_tables(comparison):
    blocks = []
    for m in comparison.models:
        rows = "".join(f'<tr><td class="features">{html.escape(name)}</td><td>{coef:+.4g}</td></tr>'
                       for name, coef in m.top_features)
        blocks.append(f'<div><h3>{html.escape(m.name)}</h3><table><thead><tr><th class="name">feature</th>'
                      f'<th>coefficient</th></tr></thead><tbody>{rows}</tbody></table></div>')
    return '<div class="figures">' + "".join(blocks) + "</div>"


def _groups_section(comparison):
    groups = comparison.correlated_groups
    if not groups:
        return ("<p>No group of features with absolute correlation above the threshold carries weight in "
                "any model.</p>")
    penalties = [m.penalty for m in comparison.models if m.penalty in groups[0]]
    names = {m.penalty: m.name for m in comparison.models}
    head = "".join(f"<th>{html.escape(names[p])}: kept / top share</th>" for p in penalties)
    rows = []
    for row in groups:
        members = ", ".join(row["features"][:8]) + (" …" if len(row["features"]) > 8 else "")
        cells = "".join(
            f"<td>{row[p]['n_nonzero']} / "
            f"{'—' if row[p]['top_share'] != row[p]['top_share'] else format(row[p]['top_share'], '.2f')}</td>"
            for p in penalties)
        rows.append(f'<tr><td class="features">{html.escape(members)}</td><td>{row["size"]}</td>'
                    f'<td>{row["mean_abs_correlation"]:.2f}</td>{cells}</tr>')
    return ('<p>Groups of features whose absolute correlation exceeds the threshold, and how each model spreads its '
            'weight inside them: members kept, and the share of the group\'s (scaled) weight on its largest member '
            '(1.00: one member carries it all, as L1 tends to do; 1/size: an even split, as L2 tends to do).</p>'
            '<div class="scroll"><table id="groups-table"><thead><tr><th class="name">features</th><th>size</th>'
            f'<th>mean |r|</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def render_comparison(comparison) -> str:
    """The report as one HTML string."""
    import matplotlib

    matplotlib.use("Agg")
    from sparsefit import __version__

    paths, curves = _paths_section(comparison)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    task = {"binary": "binary classification", "multiclass": "multiclass classification"}.get(comparison.task,
                                                                                             comparison.task)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sparsefit: L1 vs L2 vs Elastic Net</title>
<style>{_CSS}</style></head>
<body><main>
<h1>L1 vs L2 vs Elastic Net on your data</h1>
<p class="meta">{comparison.n_samples:,} rows × {comparison.n_features:,} features
({100 * comparison.density:.3f}% non-zero), {task}; tuned by cross-validation on {comparison.n_train:,} rows,
scored on {comparison.n_test:,} held-out rows ({html.escape(comparison.metric)}).</p>
<section id="verdict"><h2>Verdict</h2><p class="verdict">{html.escape(comparison.verdict)}</p></section>
<section id="table"><h2>Comparison</h2>{_table(comparison)}</section>
<section id="paths"><h2>Coefficient paths</h2><div class="figures">{"".join(paths)}</div></section>
<section id="cv-curves"><h2>Cross-validation curves</h2><div class="figures">{"".join(curves)}</div></section>
<section id="top-coefficients"><h2>Top coefficients</h2>{_top_coefficients(comparison)}
{_features_tables(comparison)}</section>
<section id="correlated-groups"><h2>Correlated groups</h2>{_groups_section(comparison)}</section>
<section id="tradeoff"><h2>Sparsity vs score</h2><div class="figures">{_tradeoff(comparison)}</div></section>
<section id="size-latency"><h2>Model size and latency</h2>{_size_latency(comparison)}</section>
<footer>sparsefit {html.escape(__version__)} · {now} · latencies measured on this machine with the
sparsefit Predictor, one row given as index/value arrays; model files are the saved sparse .sfm files.</footer>
</main></body></html>
"""


def write_comparison_report(comparison, path) -> Path:
    """Render the report and write it atomically to ``path``."""
    path = Path(path)
    text = render_comparison(comparison)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
