"""`sparsefit path` and `sparsefit cv` on data files, and the data-file reader's errors."""

import numpy as np
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

from sparsefit.cli import app
from sparsefit.datafile import DataFileError, load_data_file

pd = pytest.importorskip("pandas")
runner = CliRunner()
WIDE = {"COLUMNS": "200"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(rng.standard_normal((n, 6)), columns=[f"g{i}" for i in range(6)])
    frame["city"] = rng.choice(["paris", "rome", "oslo"], n)
    frame["note"] = rng.choice(["free money now", "meeting at noon", "win a free prize", "lunch today"], n)
    frame["y"] = 2 * frame.g0 - frame.g1 + (frame.city == "rome") + 0.3 * rng.standard_normal(n)
    frame["label"] = np.where(frame.y > 0.3, "spam", "ham")
    paths = {"reg": folder / "reg.csv", "clf": folder / "clf.csv", "parquet": folder / "clf.parquet"}
    frame.drop(columns=["label"]).to_csv(paths["reg"], index=False)
    frame.drop(columns=["y"]).to_csv(paths["clf"], index=False)
    try:
        frame.drop(columns=["y"]).to_parquet(paths["parquet"])
    except ImportError:
        paths.pop("parquet")
    from sklearn.datasets import dump_svmlight_file

    X = sp.random(100, 30, density=0.2, random_state=0, format="csr")
    paths["svm"] = folder / "data.svm"
    dump_svmlight_file(X, np.asarray(X[:, :3].sum(axis=1)).ravel(), str(paths["svm"]))
    paths["npz"] = folder / "X.npz"
    sp.save_npz(paths["npz"], X)
    paths["labels"] = folder / "y.txt"
    np.savetxt(paths["labels"], (np.asarray(X[:, 0].todense()).ravel() > 0).astype(int), fmt="%d")
    paths["constant"] = folder / "constant.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [5.0, 5.0, 5.0]}).to_csv(paths["constant"], index=False)
    paths["broken"] = folder / "broken.parquet"
    paths["broken"].write_bytes(b"not a parquet file")
    return paths


def test_path_command_prints_table_and_plot(files, tmp_path):
    plot = tmp_path / "path.png"
    result = runner.invoke(app, ["path", str(files["reg"]), "--target", "y", "--plot", str(plot), "--rows", "5"],
                           env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Regularization path" in result.output and "deviance explained" in result.output
    assert plot.exists() and plot.stat().st_size > 1000


def test_cv_command_reports_min_and_1se_and_top_features(files, tmp_path):
    plot = tmp_path / "cv.png"
    result = runner.invoke(app, ["cv", str(files["clf"]), "--target", "label", "--text-column", "note",
                                 "--cv", "3", "--plot", str(plot), "--n-alphas", "20"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "roc_auc" in result.output and "1se" in result.output and "min" in result.output
    assert "g0" in result.output  # the strongest feature, by name
    assert plot.exists()


@pytest.mark.parametrize("kind", ["svm", "npz", "parquet"])
def test_other_formats(files, kind):
    if kind not in files:
        pytest.skip("pyarrow is not installed")
    args = {"svm": [str(files["svm"])], "npz": [str(files["npz"]), "--labels", str(files["labels"])],
            "parquet": [str(files["parquet"]), "--target", "label"]}[kind]
    result = runner.invoke(app, ["path", *args, "--n-alphas", "10"], env=WIDE)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["path", "missing.csv", "--target", "y"], "no such file"),
        (["path", "{reg}", "--target", "nope"], "has no column 'nope'"),
        (["path", "{reg}"], "name its target column"),
        (["path", "{constant}", "--target", "y"], "is constant"),
        (["cv", "{clf}", "--target", "label", "--select", "best"], "--select must be 1se or min"),
        (["path", "{broken}", "--target", "y"], "cannot be read"),
        (["path", "{npz}"], "--labels"),
    ],
)
def test_bad_inputs_exit_2_with_a_message(files, args, message):
    args = [a.format(**{k: str(v) for k, v in files.items()}) for a in args]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_table_encoding_names_features(files):
    data = load_data_file(files["clf"], "label", text_column="note")
    names = list(data.feature_names)
    assert "g0" in names and "city=rome" in names and "text:free" in names
    assert data.task == "classification" and sp.issparse(data.X) and data.X.shape[1] == len(names)
    with pytest.raises(DataFileError, match="is constant"):
        frame = pd.read_csv(files["clf"])
        frame["label"] = "spam"
        frame.to_csv(files["clf"].with_name("one.csv"), index=False)
        load_data_file(files["clf"].with_name("one.csv"), "label")
