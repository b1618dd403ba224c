"""Plot functions, checked on their artists (lines, labels, limits), not on pixels."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import sparsefit  # noqa: E402
from sparsefit.plotting import plot_cv, plot_path  # noqa: E402


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 25))
    y = X[:, :4] @ np.array([3.0, -2.0, 1.5, 1.0]) + rng.standard_normal(120)
    names = np.array([f"gene_{j}" for j in range(25)], dtype=object)
    return X, y, names


def test_plot_path_labels_the_top_features(problem):
    X, y, names = problem
    path = sparsefit.regularization_path(X, y, n_alphas=30, early_stop=False)
    path = path.__class__(**{**path.__dict__, "feature_names": names})
    ax = plot_path(path, top=3)
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels[:3] == ["gene_0", "gene_1", "gene_2"]  # largest |coef| at the smallest alpha
    colored = [line for line in ax.get_lines() if line.get_label().startswith("gene_")]
    np.testing.assert_allclose(colored[0].get_xdata(), np.log10(path.alphas))
    assert ax.get_xlim()[0] > ax.get_xlim()[1]  # inverted: large alpha on the left
    top_axis = [other for other in ax.figure.axes if other is not ax][0]
    assert top_axis.get_xlabel() == "non-zero coefficients"
    assert top_axis.get_xticklabels()[0].get_text() == "0"
    assert "L1" in ax.get_title()


def test_plot_cv_marks_min_and_1se(problem):
    X, y, _ = problem
    model = sparsefit.LassoCV(n_alphas=20, cv=3).fit(X, y)
    ax = plot_cv(model)
    vertical = [line for line in ax.get_lines() if len(set(line.get_xdata())) == 1]
    positions = sorted(float(line.get_xdata()[0]) for line in vertical)
    assert positions == pytest.approx(sorted([np.log10(model.alpha_min_), np.log10(model.alpha_1se_)]))
    assert "neg_mean_squared_error" in ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("1-SE") for t in legend) and any(t.startswith("best") for t in legend)
