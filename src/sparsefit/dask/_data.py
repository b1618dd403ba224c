"""Row-partitioned data on a Dask cluster: :class:`DistributedData` and its readers.

A fit sees the data as ``K`` row blocks, each a :class:`Block` living in one
worker's memory as a Dask future: ``X_k`` (scipy CSR or a C-ordered dense
array, float64), ``y_k`` (targets or raw class labels) and ``s_k`` (raw sample
weights). Every block future is computed from a source (a chunk of a Dask
array, an svmlight file, a Parquet file), never scattered from the driver, so
when a worker dies Dask recomputes the blocks it held from that source.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["Block", "DistributedData", "DistributedMemoryError", "from_dask_array", "from_svmlight", "from_parquet"]

# float64 vectors of block length a fit keeps per row: labels, weights, three margins, a scratch vector
_ROW_VECTORS = 6
# share of the workers' memory limit the data and the fit's vectors may take (Dask pauses a worker at 80%)
_MEMORY_FRACTION = 0.6


class DistributedMemoryError(MemoryError):
    """The row blocks (plus what a fit keeps per row) do not fit the workers' memory."""


@dataclass(frozen=True, eq=False)
class Block:
    """One row block, as held by a worker."""

    X: object
    y: np.ndarray
    s: np.ndarray

    @property
    def nbytes(self) -> int:
        X = self.X
        data = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if sp.issparse(X) else X.nbytes
        return int(data + self.y.nbytes + self.s.nbytes)


def _as_matrix(X):
    """CSR or C-ordered dense float64, the two layouts the worker kernels take."""
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float64)
        X.sum_duplicates()
        return X
    if hasattr(X, "tocsr"):  # pydata.sparse and similar
        return _as_matrix(X.tocsr())
    return np.ascontiguousarray(X, dtype=np.float64)


def make_block(X, y, s):
    """Build a :class:`Block` from one chunk (runs on a worker)."""
    X = _as_matrix(X)
    n = X.shape[0]
    y = np.asarray(y).reshape(-1) if y is not None else np.zeros(n)
    s = np.ones(n) if s is None else np.asarray(s, dtype=np.float64).reshape(-1)
    if y.shape[0] != n or s.shape[0] != n:
        raise ValueError(
            f"A row block of X has {n} rows but its y / sample_weight chunk has {y.shape[0]} / {s.shape[0]} "
            "values; y and sample_weight must be chunked like X's rows."
        )
    return Block(X, y, s)


def block_info(block):
    """Rows, columns and bytes of a block, and whether its values are finite."""
    X = block.X
    values = X.data if sp.issparse(X) else X
    finite = bool(np.isfinite(values).all())
    return {"rows": X.shape[0], "cols": X.shape[1], "nbytes": block.nbytes, "finite": finite}


def pad_columns(block, n_features):
    """Widen a sparse block to ``n_features`` columns (svmlight files rarely all reach the last feature)."""
    X = block.X
    if X.shape[1] == n_features:
        return block
    if X.shape[1] > n_features:
        raise ValueError(f"A block has {X.shape[1]} features, more than n_features={n_features}.")
    X = sp.csr_matrix((X.data, X.indices, X.indptr), shape=(X.shape[0], n_features))
    return Block(X, block.y, block.s)


class DistributedData:
    """Row blocks of ``(X, y, sample_weight)`` held by the workers of a Dask cluster.

    Build it with :func:`from_svmlight`, :func:`from_parquet` or
    :meth:`from_dask_array`; pass it to any sparsefit estimator's ``fit`` as
    ``X`` (with ``y=None``: the labels travel with the blocks).

    Attributes
    ----------
    client : distributed.Client
    blocks : list of distributed.Future
        One future per row block, each resolving to a :class:`Block`.
    shape : tuple of int
        ``(n_samples, n_features)``.
    block_rows : ndarray of int
        Rows of each block.
    nbytes : int
        Bytes held by the blocks on the workers.
    """

    def __init__(self, client, blocks, block_rows, n_features, nbytes):
        self.client = client
        self.blocks = list(blocks)
        self.block_rows = np.asarray(block_rows, dtype=np.int64)
        self.shape = (int(self.block_rows.sum()), int(n_features))
        self.nbytes = int(nbytes)

    @property
    def n_blocks(self) -> int:
        return len(self.blocks)

    def __repr__(self) -> str:
        return (f"DistributedData(n_samples={self.shape[0]}, n_features={self.shape[1]}, "
                f"n_blocks={self.n_blocks}, nbytes={self.nbytes})")

    @classmethod
    def from_dask_array(cls, X, y=None, sample_weight=None, client=None):
        """Blocks from a Dask array ``X`` (scipy sparse or dense chunks); see :func:`from_dask_array`."""
        return from_dask_array(X, y, sample_weight, client=client)


def get_client(client=None):
    """The given client, else the default one, with a message that says how to start one."""
    if client is not None:
        return client
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        raise ValueError(
            "Fitting on distributed data needs a Dask cluster: start one with `distributed.Client(...)` "
            "(it becomes the default client) or pass client=... to sparsefit.dask."
        ) from None


def worker_memory(client):
    """Memory limit of each worker, in bytes (0 where the worker has none)."""
    workers = client.scheduler_info(n_workers=-1)["workers"] if _takes_n_workers(client) else \
        client.scheduler_info()["workers"]
    return [int(info.get("memory_limit") or 0) for info in workers.values()]


def _takes_n_workers(client):
    import inspect

    try:
        return "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


def check_memory(block_bytes, block_rows, limits, n_features=0, what="the data"):
    """Raise :class:`DistributedMemoryError` when the blocks cannot fit the workers.

    ``block_bytes`` are the bytes of each block (data, labels, weights);
    the fit adds ``_ROW_VECTORS`` float64 vectors per row and a few
    ``n_features`` vectors per worker. Workers without a memory limit are not
    checked.
    """
    limits = [m for m in limits if m > 0]
    if not limits or not len(block_bytes):
        return
    need = np.asarray(block_bytes, dtype=np.float64) + 8.0 * _ROW_VECTORS * np.asarray(block_rows, dtype=np.float64)
    per_worker = 8.0 * 6 * n_features
    total = float(need.sum()) + per_worker * len(limits)
    budget = _MEMORY_FRACTION * float(sum(limits))
    largest = float(need.max()) + per_worker
    if total > budget or largest > _MEMORY_FRACTION * max(limits):
        raise DistributedMemoryError(
            f"{what} needs about {total / 2**30:.2f} GiB on the workers (largest block {largest / 2**30:.2f} GiB), "
            f"but the {len(limits)} workers have {sum(limits) / 2**30:.2f} GiB in all "
            f"({max(limits) / 2**30:.2f} GiB the largest) and a fit may use {_MEMORY_FRACTION:.0%} of it. "
            "Add workers or memory per worker, or split the data into more, smaller blocks "
            "(each block must fit one worker)."
        )


def _lost_worker_errors():
    from distributed import KilledWorker

    return (KilledWorker,)


def _load(client, delayed_blocks, what, n_features=None, expected_bytes=None):
    """Compute block futures on the workers, check them, and wrap them as :class:`DistributedData`."""
    from distributed import wait

    limits = worker_memory(client)
    if expected_bytes is not None:
        check_memory(expected_bytes, np.zeros(len(expected_bytes)), limits, n_features or 0, what)
    futures = client.compute(list(delayed_blocks))
    try:
        wait(futures)
        infos = client.gather([client.submit(block_info, f, pure=False) for f in futures])
    except _lost_worker_errors() as exc:
        raise DistributedMemoryError(
            f"A worker died while loading {what} ({exc}). The usual cause is a block larger than a worker's "
            "memory: use more, smaller blocks, or workers with more memory."
        ) from exc
    if not infos:
        raise ValueError(f"{what} has no row blocks.")
    if not all(info["finite"] for info in infos):
        raise ValueError(f"{what} contains NaN or infinity; remove or impute those values before fitting.")
    cols = {info["cols"] for info in infos}
    p = n_features if n_features is not None else max(cols)
    if cols != {p}:
        if any(info["cols"] > p for info in infos) or not all(client.gather(
                [client.submit(lambda b: sp.issparse(b.X), f, pure=False) for f in futures])):
            raise ValueError(f"The row blocks of {what} have different numbers of columns: {sorted(cols)}.")
        futures = [client.submit(pad_columns, f, p, pure=False) for f in futures]
    rows = [info["rows"] for info in infos]
    nbytes = [info["nbytes"] for info in infos]
    check_memory(nbytes, rows, limits, p, what)
    return DistributedData(client, futures, rows, p, sum(nbytes))


def from_dask_array(X, y=None, sample_weight=None, *, client=None):
    """Row blocks from a Dask array of scipy sparse (CSR) or dense chunks.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Chunks along rows become blocks; chunks along columns are joined.
    y, sample_weight : dask.array.Array or array-like of shape (n_samples,), default=None
        Dask arrays are rechunked to X's row chunks; NumPy arrays are cut to them.
    client : distributed.Client, default=None
        The default client when None.

    Returns
    -------
    DistributedData
    """
    import dask

    client = get_client(client)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D; got a Dask array with shape {X.shape}.")
    if any(np.isnan(c) for c in X.shape):
        X = X.compute_chunk_sizes()
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    row_chunks = X.chunks[0]
    bounds = np.concatenate([[0], np.cumsum(row_chunks)]).astype(np.int64)

    def pieces(v, name):
        if v is None:
            return [None] * len(row_chunks)
        if type(v).__module__.startswith("dask."):
            if v.ndim == 2 and v.shape[1] == 1:
                v = v[:, 0]
            if v.ndim != 1 or v.shape[0] != X.shape[0]:
                raise ValueError(f"{name} must have shape ({X.shape[0]},); got {v.shape}.")
            return list(v.rechunk((row_chunks,)).to_delayed().ravel())
        v = np.asarray(v)
        if v.ndim == 2 and v.shape[1] == 1:
            v = v[:, 0]
        if v.ndim != 1 or v.shape[0] != X.shape[0]:
            raise ValueError(
                f"X has {X.shape[0]} rows but {name} has shape {v.shape}; give one value per row."
            )
        return [v[bounds[k]:bounds[k + 1]] for k in range(len(row_chunks))]

    ys = pieces(y, "y")
    ss = pieces(sample_weight, "sample_weight")
    chunks = X.to_delayed().ravel()
    blocks = [dask.delayed(make_block, pure=True)(c, yk, sk) for c, yk, sk in zip(chunks, ys, ss)]
    expected = None
    if not _has_sparse_meta(X):
        expected = [8.0 * r * X.shape[1] for r in row_chunks]
    return _load(client, blocks, "X", n_features=X.shape[1], expected_bytes=expected)


def _has_sparse_meta(X):
    meta = getattr(X, "_meta", None)
    return meta is not None and (sp.issparse(meta) or type(meta).__module__.startswith("sparse"))


def _read_svmlight(path, n_features, zero_based):
    from sklearn.datasets import load_svmlight_file

    X, y = load_svmlight_file(path, n_features=n_features, zero_based=zero_based, dtype=np.float64)
    return make_block(X, y, None)


def from_svmlight(paths, *, n_features=None, zero_based=True, client=None):
    """Read svmlight / libsvm files on the workers, one row block per file.

    Parameters
    ----------
    paths : str or list of str
        Files readable from every worker (a shared or network file system).
    n_features : int, default=None
        Number of features; None takes the largest index found plus one.
    zero_based : bool, default=True
        Whether feature indices start at 0. One-based files read with the
        default just have an unused first column; the reverse raises.
    client : distributed.Client, default=None

    Returns
    -------
    DistributedData
    """
    import dask

    client = get_client(client)
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not paths:
        raise ValueError("from_svmlight needs at least one file.")
    blocks = [dask.delayed(_read_svmlight, pure=True)(str(p), n_features, zero_based) for p in paths]
    sizes = [1.5 * os.path.getsize(p) for p in paths] if all(os.path.exists(p) for p in paths) else None
    return _load(client, blocks, f"{len(paths)} svmlight file(s)", n_features=n_features, expected_bytes=sizes)


def _read_parquet(path, target, features, weight, sparse):
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    names = table.column_names
    if target not in names:
        raise ValueError(f"{path} has no target column {target!r}; columns are {names[:20]}.")
    if features is None:
        features = [c for c in names if c not in (target, weight)]
    missing = [c for c in features if c not in names]
    if missing:
        raise ValueError(f"{path} lacks feature columns {missing[:10]}.")
    X = np.column_stack([table.column(c).to_numpy(zero_copy_only=False).astype(np.float64) for c in features]) \
        if features else np.zeros((table.num_rows, 0))
    y = table.column(target).to_numpy(zero_copy_only=False)
    s = table.column(weight).to_numpy(zero_copy_only=False) if weight is not None else None
    return make_block(sp.csr_matrix(X) if sparse else X, y, s)


def from_parquet(paths, target, *, features=None, weight=None, sparse=False, client=None):
    """Read Parquet files on the workers, one row block per file.

    Parameters
    ----------
    paths : str or list of str
        Files readable from every worker.
    target : str
        Column holding ``y``.
    features : list of str, default=None
        Feature columns, in order; None takes every other column.
    weight : str, default=None
        Column holding sample weights.
    sparse : bool, default=False
        Store each block as CSR (for mostly-zero columns).
    client : distributed.Client, default=None

    Returns
    -------
    DistributedData
    """
    import dask

    client = get_client(client)
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not paths:
        raise ValueError("from_parquet needs at least one file.")
    features = None if features is None else list(features)
    blocks = [dask.delayed(_read_parquet, pure=True)(str(p), target, features, weight, sparse) for p in paths]
    return _load(client, blocks, f"{len(paths)} Parquet file(s)")
