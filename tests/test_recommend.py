"""recommend(): generated cases with a known right answer, constraints, reports and the CLI command."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sparsefit.cli import app
from sparsefit.datasets import make_sparse_classification, make_sparse_regression
from sparsefit.recommendation import estimate_latency_us, estimate_model_bytes, recommend

from test_selection import grouped_regression

FAST = dict(cv=5, n_resamples=10, n_jobs=2)


def dense_weak_signal(n=400, p=100, random_state=0):
    """Every feature slightly relevant: coefficients of size 0.1 to 0.3, random signs."""
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n, p))
    coef = rng.uniform(0.1, 0.3, p) * rng.choice([-1.0, 1.0], p)
    return X, X @ coef + rng.standard_normal(n)


def _cites_numbers(reasons):
    return all(any(ch.isdigit() for ch in reason) for reason in reasons)


@pytest.fixture(scope="module")
def sparse_case():
    data = make_sparse_regression(n_samples=200, n_features=2000, n_informative=5, density=0.05, random_state=0)
    return data, recommend(data.X, data.y, l1_ratio=0.5, **FAST)


def test_sparse_signal_independent_features_p_much_larger_than_n_gives_l1(sparse_case):
    data, rec = sparse_case
    assert rec.choice == "l1"
    ev = rec.evidence
    assert ev["data"]["n_features"] == 2000 and ev["data"]["features_per_sample"] == 10
    assert ev["signal"]["l1_share"] <= 0.2 and ev["rule"]["name"] == "sparse signal"
    assert any("features outnumber samples 10:1" in r for r in rec.reasons)
    assert _cites_numbers(rec.reasons)
    assert np.isin(data.support, np.flatnonzero(rec.coef)).all()
    assert ev["model_bytes"]["l1"] < ev["model_bytes"]["l2"]


def test_sparse_signal_in_correlated_groups_gives_elasticnet_with_the_stability_split():
    X, y, coef, labels = grouped_regression(n=200, p=200, noise=5.0)
    rec = recommend(X, y, **FAST)
    assert rec.choice == "elasticnet", rec.to_text()
    groups = rec.evidence["correlated_groups"]
    assert groups["n_groups"] == 6 and groups["n_informative"] == 3
    for row in groups["informative"]:
        assert row["elasticnet_mean_frequency"] >= 0.85 and row["elasticnet_kept"] == 5
        assert row["l1_mean_frequency"] < row["elasticnet_mean_frequency"] - 0.1
    assert sum(r["l1_kept"] for r in groups["informative"]) < 15
    assert any("carry signal" in r and "resamples by L1" in r for r in rec.reasons)
    en = rec.stability["elasticnet"]
    assert (en.frequency[coef != 0] >= 0.9).all()


def test_dense_weak_signal_gives_l2():
    X, y = dense_weak_signal()
    rec = recommend(X, y, l1_ratio=0.5, stability=False, cv=5, n_jobs=2)
    assert rec.choice == "l2", rec.to_text()
    assert rec.evidence["signal"]["l1_share"] >= 0.5
    l2 = rec.evidence["cv"]["models"]["l2"]
    assert l2["mean_score"] >= rec.evidence["cv"]["models"]["l1"]["mean_score"]
    assert _cites_numbers(rec.reasons)


def test_constraints_exclude_l2_and_are_cited():
    X, y = dense_weak_signal()
    rec = recommend(X, y, need_interpretability=True, l1_ratio=0.5, stability=False, cv=3, n_jobs=2)
    assert rec.choice in ("l1", "elasticnet")
    assert any("interpretability" in r for r in rec.reasons)
    small = recommend(X, y, max_model_bytes=300, l1_ratio=0.5, stability=False, cv=3, n_jobs=2)
    # every candidate keeps ~100 features (464 bytes): nothing fits, the smallest is chosen and the reason says so
    assert small.evidence["rule"]["allowed"] == [] and small.reasons[0].startswith("no candidate meets")
    assert any("bytes" in r and "300" in r for r in small.reasons)


def test_gap_overrides_the_rule_when_decisive(sparse_case):
    _, rec = sparse_case
    gaps = rec.evidence["cv"]["gaps"]
    gap, se = gaps["l1-l2"]["gap"], gaps["l1-l2"]["std_error"]
    assert gap > 2 * se  # L1 decisively beats L2 here, and the rule agrees


def test_report_dict_estimator_and_estimates(sparse_case):
    data, rec = sparse_case
    payload = json.loads(json.dumps(rec.to_dict()))
    assert payload["choice"] == "l1" and payload["reasons"] == rec.reasons
    text = rec.to_text()
    assert "Recommendation: L1" in text and "Jaccard" in text
    model = rec.estimator().fit(data.X, data.y)
    # p > n: the lasso solution need not be unique, its fitted values are
    fitted = data.X @ rec.coef + rec.intercept
    np.testing.assert_allclose(model.predict(data.X), fitted, atol=1e-2 * np.std(data.y))
    assert estimate_model_bytes(10, 1000) == 10 * 8 + 64
    assert estimate_model_bytes(1000, 1000) == 1000 * 4 + 64
    assert estimate_latency_us(0, 10) == pytest.approx(1.0)
    assert estimate_latency_us(1000, 1000) == pytest.approx(2.0)


def test_logistic_sparse_input():
    data = make_sparse_classification(n_samples=300, n_features=200, n_informative=5, density=0.05,
                                      random_state=1)
    rec = recommend(data.X, data.y, l1_ratio=0.5, stability=False, cv=3, n_jobs=2)
    assert rec.loss == "logistic" and rec.evidence["cv"]["scoring"] == "roc_auc"
    assert rec.choice in ("l1", "elasticnet", "l2") and "AUC" in rec.to_text()


def test_bad_arguments():
    X, y = dense_weak_signal(n=50, p=5)
    with pytest.raises(ValueError, match="max_model_bytes"):
        recommend(X, y, max_model_bytes=0)
    with pytest.raises(ValueError, match="need_interpretability"):
        recommend(X, y, need_interpretability="yes")


runner = CliRunner()


def test_cli_recommend(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = dense_weak_signal(n=150, p=8)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])
    frame["y"] = y
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["recommend", str(path), "--target", "y", "--resamples", "4", "--cv", "3"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Recommendation:" in result.output and "Why:" in result.output
    result = runner.invoke(app, ["recommend", str(path), "--target", "y", "--resamples", "0", "--json",
                                 "--need-interpretability"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["choice"] in ("l1", "elasticnet") and payload["evidence"]["constraints"]["need_interpretability"]
    result = runner.invoke(app, ["recommend", str(path), "--target", "missing"])
    assert result.exit_code == 2 and "missing" in result.output
    result = runner.invoke(app, ["recommend", str(path), "--target", "y", "--l1-ratio", "1"])
    assert result.exit_code == 2 and "l1-ratio" in result.output
