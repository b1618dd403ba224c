"""Result containers shared by the generators and the loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class SyntheticDataset:
    """A simulated regression or classification problem with known truth.

    Attributes
    ----------
    X : ndarray or scipy.sparse matrix of shape (n_samples, n_features)
        Design matrix. Sparse generators return CSC (or CSR when asked),
        dense generators a Fortran-ordered array, the layouts the
        coordinate-descent kernels read without copying.
    y : ndarray of shape (n_samples,)
        Response; ``0``/``1`` integers for classification problems.
    coef : ndarray of shape (n_features,)
        True coefficients: ``y`` was simulated from ``X @ coef + intercept``.
    feature_names : ndarray of str of shape (n_features,)
        One name per column.
    groups : ndarray of int of shape (n_features,) or None
        Group label of every column (``-1`` for columns in no group) for the
        designs built from correlated groups or blocks; ``None`` otherwise.
    intercept : float
        True intercept (the logit offset that sets the class balance of
        classification problems, ``0.0`` for regression problems).
    noise_std : float or None
        Standard deviation of the Gaussian noise added to regression
        responses; ``None`` for classification problems.
    task : {"regression", "classification"}
        What ``y`` is.
    description : str
        One line saying how the data were made.
    """

    X: Any
    y: np.ndarray
    coef: np.ndarray
    feature_names: np.ndarray
    groups: np.ndarray | None = None
    intercept: float = 0.0
    noise_std: float | None = None
    task: str = "regression"
    description: str = ""

    @property
    def support(self) -> np.ndarray:
        """Indices of the columns with a non-zero true coefficient."""
        return np.flatnonzero(self.coef)


@dataclass(frozen=True, eq=False)
class Dataset:
    """A real data set, loaded from the local cache.

    Attributes
    ----------
    name : str
        Registry name, as listed by :func:`list_datasets`.
    data : ndarray, scipy.sparse matrix or list of str
        Features of the training rows (of all rows when the source has no
        split). Raw review or article texts for the text corpora, which are
        left to a vectorizer of the caller's choice.
    target : ndarray of shape (n_samples,)
        Integer class labels; ``target_names[target[i]]`` is the label text.
    feature_names : ndarray of str or None
        Column names of ``data``; ``None`` for raw texts.
    target_names : ndarray of str
        Label text of every class code.
    data_test, target_test : same types as ``data`` and ``target``, or None
        The source's held-out rows, for the sets published with a split.
    source : str
        The wheel the files came from, as ``package==version``.
    license : str
        License of the source package.
    files : dict of str to pathlib.Path
        The cached files read, by their path inside the wheel.
    description : str
        What the rows, columns and labels are.
    extra : dict
        Source-specific columns kept alongside (for example the article
        titles of the news corpora).
    """

    name: str
    data: Any
    target: np.ndarray
    feature_names: np.ndarray | None
    target_names: np.ndarray
    data_test: Any = None
    target_test: np.ndarray | None = None
    source: str = ""
    license: str = ""
    files: dict = field(default_factory=dict)
    description: str = ""
    extra: dict = field(default_factory=dict)
