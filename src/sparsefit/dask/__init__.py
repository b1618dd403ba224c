"""Fit sparsefit models on a Dask cluster (the ``dask`` extra: ``dask``, ``distributed``).

The estimators accept distributed data directly::

    import dask.array as da, sparsefit
    from distributed import Client

    client = Client("tcp://scheduler:8786")          # or LocalCluster(...)
    X = da.from_delayed(...)                          # scipy CSR or dense row chunks
    sparsefit.LogisticRegression(penalty="l1", C=0.1).fit(X, y)

    data = sparsefit.dask.from_svmlight(["s3://.../part-0.svm", ...])   # read on the workers
    sparsefit.Lasso(alpha=0.01).fit(data)

Row blocks stay on the workers; only p-vectors and scalars reach the driver.
The main solver is OWL-QN (L-BFGS for L2), FISTA the reference; both stop on
the same duality-gap certificate as the single-machine solvers. See
``docs/dask.md``.
"""

from sparsefit.dask._data import (
    DistributedData,
    DistributedMemoryError,
    from_dask_array,
    from_parquet,
    from_svmlight,
)
from sparsefit.dask._fit import fit_distributed
from sparsefit.dask._path import DistributedPath, regularization_path
from sparsefit.dask._progress import config

__all__ = [
    "DistributedData",
    "DistributedMemoryError",
    "DistributedPath",
    "config",
    "fit_distributed",
    "from_dask_array",
    "from_parquet",
    "from_svmlight",
    "regularization_path",
]
