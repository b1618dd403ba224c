"""compare(): the numbers, the verdict derived from them, JSON, HTML and the CLI."""

import dataclasses
import json

import numpy as np
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

from sparsefit.cli import app
from sparsefit.comparison import compare, verdict_text

runner = CliRunner()
WIDE = {"COLUMNS": "220"}
COLUMNS = {"name", "penalty", "alpha", "l1_ratio", "selection", "cv_mean", "cv_std", "cv_folds", "test_score",
           "secondary", "n_nonzero", "pct_nonzero", "model_bytes", "dense_bytes", "latency_us", "latency_us_p25",
           "latency_us_p75", "batch_rows_per_s", "train_seconds", "tuning_seconds", "top_features",
           "selection_stability"}


def sparse_signal(n=400, p=1000, k=25, seed=0, classification=False):
    """Seed 002's house-price story: many candidate features, few real ones."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = np.zeros(p)
    coef[:k] = rng.choice([-1, 1], k) * rng.uniform(1, 2, k)
    signal = X @ coef
    if classification:
        return X, (signal + rng.logistic(size=n) > 0).astype(int)
    return X, signal + 0.5 * rng.standard_normal(n)


def dense_weak_signal(n=400, p=200, seed=1):
    """Every feature slightly relevant: the case where L2 should win."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, X @ rng.normal(0.15, 0.05, p) + 1.0 * rng.standard_normal(n)


@pytest.fixture(scope="module")
def sparse_comparison():
    X, y = sparse_signal()
    return compare(X, y, cv=3, n_alphas=20, l1_ratios=(0.5,), feature_names=[f"f{j}" for j in range(1000)])


def test_sparse_signal_l1_keeps_far_fewer_features_and_says_so(sparse_comparison):
    c = sparse_comparison
    l1, l2 = c.model("l1"), c.model("l2")
    assert l1.n_nonzero * 5 <= l2.n_nonzero
    assert l1.model_bytes < l2.model_bytes
    assert f"L1 keeps {l1.n_nonzero:,} of 1,000 features" in c.verdict
    assert "fewer than L2" in c.verdict
    assert {name for name, _ in l1.top_features} <= {f"f{j}" for j in range(1000)}
    assert c.model("baseline").alpha <= l2.alpha
    assert c.recommendation in ("l1", "elasticnet")


def test_dense_weak_signal_l2_wins_and_the_verdict_says_so():
    X, y = dense_weak_signal()
    c = compare(X, y, cv=3, n_alphas=20, l1_ratios=(0.5,))
    assert c.model("l2").test_score > c.model("l1").test_score
    assert "L2 is more accurate than L1 here" in c.verdict or c.recommendation == "l2"


def test_the_verdict_follows_the_numbers(sparse_comparison):
    models = sparse_comparison.models
    text, choice = verdict_text(models, "R²", 1000)
    assert text == sparse_comparison.verdict
    # make L2 clearly the best in CV and on the test set: the verdict must change with the numbers
    top_cv = max(m.cv_mean for m in models)
    top_test = max(m.test_score for m in models)
    flipped = [dataclasses.replace(m, cv_mean=top_cv + 0.05, test_score=top_test + 0.05)
               if m.penalty == "l2" else m for m in models]
    new_text, new_choice = verdict_text(flipped, "R²", 1000)
    assert new_choice == "l2" and new_text != text
    assert "L2 is more accurate than L1 here" in new_text
    slower = [dataclasses.replace(m, latency_us=m.latency_us * 10) if m.penalty == "l1" else m for m in models]
    assert "slower" in verdict_text(slower, "R²", 1000)[0]


def test_json_has_every_column_for_every_model(sparse_comparison, tmp_path):
    data = json.loads(sparse_comparison.to_json(tmp_path / "out.json"))
    assert {m["penalty"] for m in data["models"]} == {"l1", "l2", "elasticnet", "baseline"}
    for model in data["models"]:
        assert set(model) == COLUMNS
    assert data["verdict"] and data["metric"] == "R²"
    frame = sparse_comparison.to_frame()
    assert len(frame) == 4 and "test_rmse" in frame.columns


def test_html_report_has_every_section_and_no_external_resources(sparse_comparison, tmp_path):
    path = sparse_comparison.to_html(tmp_path / "report.html")
    text = path.read_text()
    for section in ("verdict", "comparison-table", "paths", "cv-curves", "top-coefficients", "tradeoff",
                    "size-latency", "correlated-groups"):
        assert f'id="{section}"' in text
    assert text.count("<svg") >= 8
    assert "src=\"http" not in text and "href=\"http" not in text and "<script" not in text


def test_classification_and_summary():
    X, y = sparse_signal(n=300, p=300, k=10, classification=True)
    labels = np.where(y == 1, "spam", "ham")
    c = compare(sp.csr_matrix(X), labels, cv=3, n_alphas=15, l1_ratios=(0.5,))
    assert c.task == "binary" and c.metric == "ROC AUC"
    assert 0.5 < c.model("l1").test_score <= 1.0
    assert {"accuracy", "log_loss"} <= set(c.model("l1").secondary)
    assert "ROC AUC" in c.summary()


def test_bad_arguments():
    X, y = sparse_signal(n=50, p=10, k=3)
    with pytest.raises(ValueError, match="penalties must be"):
        compare(X, y, penalties=("l3",))
    with pytest.raises(ValueError, match="selection must be"):
        compare(X, y, selection="best")


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory):
    pd = pytest.importorskip("pandas")
    folder = tmp_path_factory.mktemp("compare")
    rng = np.random.default_rng(3)
    n = 240
    frame = pd.DataFrame(rng.standard_normal((n, 5)), columns=[f"g{i}" for i in range(5)])
    frame["review"] = rng.choice(["great fun film", "dull boring plot", "great acting", "boring and long"], n)
    frame["label"] = np.where(frame.g0 + frame.review.str.contains("great") + 0.3 * rng.standard_normal(n) > 0.5,
                              "fresh", "rotten")
    files = {"csv": folder / "reviews.csv"}
    frame.to_csv(files["csv"], index=False)
    try:
        frame.to_parquet(folder / "reviews.parquet")
        files["parquet"] = folder / "reviews.parquet"
    except ImportError:
        pass
    from sklearn.datasets import dump_svmlight_file

    X, y = sparse_signal(n=150, p=40, k=5)
    files["svm"] = folder / "data.svm"
    dump_svmlight_file(X, y, str(files["svm"]))
    return files


@pytest.mark.parametrize("kind", ["csv", "parquet", "svm"])
def test_cli_compare_writes_json_and_report(csv_files, kind, tmp_path):
    if kind not in csv_files:
        pytest.skip("pyarrow is not installed")
    args = [str(csv_files[kind])] + (["--target", "label", "--text-column", "review"] if kind != "svm" else [])
    out, report = tmp_path / "out.json", tmp_path / "report.html"
    result = runner.invoke(app, ["compare", *args, "--cv", "3", "--l1-ratios", "0.5", "--json", str(out),
                                 "--report", str(report)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Ship" in result.output and "L1 (Lasso)" in result.output
    data = json.loads(out.read_text())
    assert all(set(model) == COLUMNS for model in data["models"])
    assert report.exists() and 'id="verdict"' in report.read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (["{csv}", "--target", "nope"], "has no column 'nope'"),
        (["{csv}", "--target", "label", "--penalties", "l1,l9"], "--penalties must be"),
        (["{csv}", "--target", "label", "--select", "best"], "--select must be 1se or min"),
        (["{csv}", "--target", "label", "--l1-ratios", "2"], "between 0 and 1"),
        (["missing.csv", "--target", "label"], "no such file"),
    ],
)
def test_cli_compare_bad_inputs_exit_2(csv_files, args, message):
    args = [a.format(csv=csv_files["csv"]) for a in args]
    result = runner.invoke(app, ["compare", *args], env=WIDE)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_demo_on_generated_data_writes_the_report(tmp_path):
    report = tmp_path / "demo.html"
    result = runner.invoke(app, ["demo", "--generated", "--report", str(report)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "generated text-like problem" in result.output and "Ship" in result.output
    assert report.exists() and 'id="tradeoff"' in report.read_text()


def test_correlated_groups_show_how_each_penalty_splits_the_weight():
    from sparsefit.datasets import make_seed001_correlated

    data = make_seed001_correlated(n_samples=400)
    c = compare(data.X, data.y, cv=3, n_alphas=20, l1_ratios=(0.5,), feature_names=data.feature_names)
    assert c.correlated_groups, "med_count and polypharm (r ~ 0.9) form a group"
    group = c.correlated_groups[0]
    assert set(group["features"]) == {"med_count", "polypharm"}
    assert group["l2"]["n_nonzero"] == 2  # L2 keeps both members
    assert group["l2"]["top_share"] <= group["l1"]["top_share"]  # and splits the weight more evenly than L1
    assert "correlated_groups" in json.loads(c.to_json())


def test_multiclass_tunes_one_alpha_on_the_macro_one_vs_rest_auc():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((240, 60))
    W = np.zeros((60, 3))
    W[:6] = rng.standard_normal((6, 3)) * 2
    y = np.array(["a", "b", "c"])[np.argmax(X @ W + rng.gumbel(size=(240, 3)), axis=1)]
    c = compare(X, y, cv=3, n_alphas=12, l1_ratios=(0.5,), penalties=("l1", "l2"))
    assert c.task == "multiclass" and c.metric == "ROC AUC"
    result = c.cv_results["l1"]
    assert result.scoring == "roc_auc_ovr" and result.fold_scores.shape == (1, 12, 3)
    l1 = c.model("l1")
    assert l1.n_nonzero >= 3 and l1.test_score > 0.75  # not the near-empty model a single class's AUC picked
