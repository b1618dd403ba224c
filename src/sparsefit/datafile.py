"""Read a user's data file into a model-ready matrix with feature names.

Formats, chosen by extension:

- CSV / TSV (optionally gzip-compressed) and Parquet: a table with a target
  column. Numeric columns are standardized, text-valued (categorical) columns
  one-hot encoded (``city=Paris``), and one free-text column (``text_column``)
  vectorized into TF-IDF word uni- and bi-grams (``text:free money``), all by
  scikit-learn transformers kept in ``DataFile.transformer`` so new rows can be
  transformed the same way.
- svmlight / libsvm (``.svm``, ``.svmlight``, ``.libsvm``): scikit-learn's reader.
- ``.npz``: a scipy sparse matrix saved with ``scipy.sparse.save_npz``, with the
  targets in a separate text or ``.npy`` file (``labels``).

Every problem is reported as a :class:`DataFileError` with a one-line message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

__all__ = ["DataFile", "DataFileError", "load_data_file", "infer_task"]

_TABLE = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".txt.gz", ".parquet", ".pq")
_SVMLIGHT = (".svm", ".svmlight", ".libsvm")


class DataFileError(ValueError):
    """A data file that cannot be used, with a message saying why."""


@dataclass(frozen=True, eq=False)
class DataFile:
    """A loaded data set.

    Attributes
    ----------
    X : scipy.sparse.csr_matrix or ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    feature_names : ndarray of str
    task : {"regression", "classification"}
    source : str
    transformer : object or None
        The fitted scikit-learn ``ColumnTransformer`` for tables (None otherwise).
    target_name : str or None
    """

    X: object
    y: np.ndarray
    feature_names: np.ndarray
    task: str
    source: str
    transformer: object = None
    target_name: str | None = None


def infer_task(y) -> str:
    """"classification" for binary or multiclass labels, "regression" for continuous targets."""
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y)
    if kind in ("binary", "multiclass"):
        return "classification"
    if kind in ("continuous", "continuous-multioutput"):
        return "regression"
    raise DataFileError(f"The target has type {kind!r}; sparsefit needs one numeric or categorical target column.")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for ext in _TABLE + _SVMLIGHT + (".npz",):
        if name.endswith(ext):
            return ext
    return path.suffix.lower()


def load_data_file(path, target=None, *, text_column=None, labels=None, task="auto") -> DataFile:
    """Load a CSV, Parquet, svmlight or npz file.

    Parameters
    ----------
    path : str or Path
    target : str, default=None
        Target column (required for tables).
    text_column : str, default=None
        A free-text column to vectorize into word uni- and bi-grams.
    labels : str or Path, default=None
        Targets for ``.npz`` input (one value per line, or ``.npy``).
    task : {"auto", "regression", "classification"}, default="auto"

    Returns
    -------
    DataFile
    """
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: no such file.")
    if path.is_dir():
        raise DataFileError(f"{path} is a directory, not a data file.")
    ext = _suffix(path)
    if ext in _TABLE:
        data = _load_table(path, ext, target, text_column)
    elif ext in _SVMLIGHT:
        data = _load_svmlight(path)
    elif ext == ".npz":
        data = _load_npz(path, labels)
    else:
        raise DataFileError(
            f"{path}: unknown format {ext!r}. Use CSV/TSV, Parquet, svmlight/libsvm (.svm) or a scipy .npz matrix."
        )
    X, y, names, transformer, target_name = data
    y = np.asarray(y)
    if y.dtype == object:
        y = y.astype(str)
    if X.shape[0] == 0:
        raise DataFileError(f"{path} has no rows.")
    if X.shape[1] == 0:
        raise DataFileError(f"{path} has no feature columns besides the target.")
    if np.all(y == y[0]):
        raise DataFileError(f"The target{' ' + repr(target_name) if target_name else ''} is constant "
                            f"({y[0].item()!r}): there is nothing to predict.")
    detected = infer_task(y)
    if task == "auto":
        task = detected
    elif task not in ("regression", "classification"):
        raise DataFileError(f"task must be 'auto', 'regression' or 'classification'; got {task!r}.")
    if task == "regression":
        if detected == "classification" and y.dtype.kind not in "fiub":
            raise DataFileError("The target holds text labels; use --task classification.")
        y = y.astype(np.float64)
    return DataFile(X, y, np.asarray(names, dtype=object), task, str(path), transformer, target_name)


def _read_table(path, ext):
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a dependency
        raise DataFileError("Reading tables needs pandas: pip install 'sparsefit[data]'.") from exc
    try:
        if ext in (".parquet", ".pq"):
            return pd.read_parquet(path)
        sep = "\t" if ext.startswith(".tsv") else ","
        return pd.read_csv(path, sep=sep)
    except ImportError as exc:
        raise DataFileError(f"Reading {path.name} needs pyarrow: pip install 'sparsefit[data]'.") from exc
    except Exception as exc:  # pandas raises many types for unreadable files
        raise DataFileError(f"{path}: cannot be read as a {ext.lstrip('.')} table ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}).") from exc


def _load_table(path, ext, target, text_column):
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = _read_table(path, ext)
    if target is None:
        raise DataFileError(f"{path.name} is a table: name its target column with --target "
                            f"(columns: {', '.join(map(str, frame.columns[:12]))}).")
    if target not in frame.columns:
        raise DataFileError(f"{path.name} has no column {target!r} (columns: {', '.join(map(str, frame.columns[:12]))}).")
    if text_column is not None and text_column not in frame.columns:
        raise DataFileError(f"{path.name} has no text column {text_column!r}.")
    y_series = frame[target]
    if y_series.isna().any():
        raise DataFileError(f"The target column {target!r} has {int(y_series.isna().sum())} missing values; "
                            "drop those rows first.")
    features = frame.drop(columns=[target])
    numeric = [c for c in features.columns if c != text_column and features[c].dtype.kind in "fiub"]
    categorical = [c for c in features.columns if c != text_column and c not in numeric]
    for column in numeric:
        missing = int(features[column].isna().sum())
        if missing:
            raise DataFileError(f"Column {column!r} has {missing} missing values; fill them or drop those rows.")
    parts = []
    if numeric:
        parts.append(("numeric", StandardScaler(), numeric))
    if categorical:
        parts.append(("categorical", OneHotEncoder(handle_unknown="ignore"), categorical))
    if text_column is not None:
        parts.append(("text", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), text_column))
    if not parts:
        raise DataFileError(f"{path.name} has no feature columns besides the target.")
    if categorical:
        features[categorical] = features[categorical].astype(str)
    if text_column is not None:
        features[text_column] = features[text_column].fillna("").astype(str)
    transformer = ColumnTransformer(parts, sparse_threshold=1.0)
    try:
        X = transformer.fit_transform(features)
    except ValueError as exc:
        raise DataFileError(f"{path.name}: the features cannot be encoded ({exc}).") from exc
    names = []
    for name, step, columns in transformer.transformers_:
        if name == "numeric":
            names.extend(str(c) for c in columns)
        elif name == "categorical":
            for column, categories in zip(columns, step.categories_):
                names.extend(f"{column}={value}" for value in categories)
        elif name == "text":
            names.extend(f"text:{term}" for term in step.get_feature_names_out())
    X = sp.csr_matrix(X) if sp.issparse(X) or text_column or categorical else np.asarray(X)
    return X, y_series.to_numpy(), names, transformer, target


def _load_svmlight(path):
    from sklearn.datasets import load_svmlight_file

    try:
        X, y = load_svmlight_file(str(path))
    except Exception as exc:
        raise DataFileError(f"{path}: not a valid svmlight/libsvm file ({str(exc).splitlines()[0]}).") from exc
    return X.tocsr(), y, [f"x{j}" for j in range(X.shape[1])], None, None


def _load_npz(path, labels):
    try:
        X = sp.load_npz(path)
    except Exception as exc:
        raise DataFileError(f"{path}: not a scipy sparse .npz matrix ({str(exc).splitlines()[0]}).") from exc
    if labels is None:
        raise DataFileError(f"{path.name} holds only the matrix: give the targets with --labels FILE.")
    labels = Path(labels)
    if not labels.exists():
        raise DataFileError(f"{labels}: no such labels file.")
    try:
        y = np.load(labels, allow_pickle=False) if labels.suffix == ".npy" else np.loadtxt(labels, dtype=str)
    except Exception as exc:
        raise DataFileError(f"{labels}: cannot read the labels ({str(exc).splitlines()[0]}).") from exc
    y = np.asarray(y).ravel()
    if y.dtype.kind == "U":  # numbers read as text: keep them numeric
        try:
            y = y.astype(np.float64)
        except ValueError:
            pass
    if y.shape[0] != X.shape[0]:
        raise DataFileError(f"{labels.name} has {y.shape[0]} labels but {path.name} has {X.shape[0]} rows.")
    return sp.csr_matrix(X), y, [f"x{j}" for j in range(X.shape[1])], None, None
