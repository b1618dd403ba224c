"""Comparison tables for the terminal (rich) and as plain text."""

from __future__ import annotations


def _size(n_bytes) -> str:
    return f"{n_bytes / 1024:.1f} KiB" if n_bytes < 1024 ** 2 else f"{n_bytes / 1024 ** 2:.2f} MiB"


def comparison_table(comparison, top=3):
    """A rich Table with one row per model (the seeds' comparison table, measured)."""
    from rich.table import Table

    table = Table(title=f"L1 vs L2 vs Elastic Net — {comparison.metric}, {comparison.n_train:,} train / "
                        f"{comparison.n_test:,} test rows, {comparison.n_features:,} features")
    columns = [("model", "left"), ("alpha", "right"), (f"CV {comparison.metric}", "right"),
               (f"test {comparison.metric}", "right"), ("non-zero", "right"), ("model file", "right"),
               ("1 row", "right"), ("batch", "right"), ("train", "right"), ("fold stability", "right"),
               ("top features", "left")]
    for name, justify in columns:
        table.add_column(name, justify=justify)
    for m in comparison.models:
        top_text = ", ".join(f"{name} {coef:+.2g}" for name, coef in m.top_features[:top])
        table.add_row(
            m.name, f"{m.alpha:.3g}", f"{m.cv_mean:.3f} ± {m.cv_std:.3f}", f"{m.test_score:.3f}",
            f"{m.n_nonzero:,} ({m.pct_nonzero:.1f}%)", _size(m.model_bytes),
            f"{m.latency_us:.1f} µs", f"{m.batch_rows_per_s:,.0f}/s", f"{m.train_seconds:.2f} s",
            f"{m.selection_stability:.2f}", top_text,
        )
    return table


def comparison_text(comparison) -> str:
    """The comparison table and verdict as plain text (no colours, fixed width)."""
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    console = Console(file=buffer, width=200, color_system=None)
    console.print(comparison_table(comparison))
    console.print(comparison.verdict)
    return buffer.getvalue()
