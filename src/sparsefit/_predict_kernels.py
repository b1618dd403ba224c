"""numba kernels of :mod:`sparsefit.predict`: linear scores over the kept columns only.

A model keeps ``k`` of its ``p`` columns. Each present feature of a row costs
one look-up in ``col_to_pos`` (int32 of length ``p``, ``-1`` for columns the
model dropped) and, only when kept, one multiply-add per output. Past a few
million columns that table would cost more memory than the model, so the
predictor passes an empty table and the kernels binary-search ``kept`` (the
sorted kept columns) instead.

Inputs are normalized by the caller: values float64, weights ``W`` float64 of
shape ``(k, m)``, row indices int32 or int64 (two compiled signatures at most).
Kernels report bad input through a status code rather than raising, so that
the caller can phrase the error: 0 ok, 1 an index outside ``[0, p)``, 2 a
non-finite value.
"""

from __future__ import annotations

import numpy as np
from numba import njit

OK = 0
BAD_INDEX = 1
NON_FINITE = 2


@njit(cache=True, nogil=True)
def _search(kept, column):
    """Position of ``column`` in the sorted ``kept``, or -1 (binary search)."""
    lo, hi = 0, kept.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if kept[mid] < column:
            lo = mid + 1
        else:
            hi = mid
    if lo < kept.shape[0] and kept[lo] == column:
        return lo
    return -1


# Each kernel below holds its loop twice, once per look-up (table or search): choosing once,
# outside the loop, keeps the table loop as tight as a plain sparse dot product.


@njit(cache=True, nogil=True)
def row_dot(col_to_pos, kept, w, n_features, idx, val):
    """Score of one row given as (indices, values) for a single-output model.

    Returns
    -------
    (float, int)
        The dot product without intercept, and a status code.
    """
    total = 0.0
    table = col_to_pos.shape[0] > 0
    for t in range(idx.shape[0]):
        column = idx[t]
        value = val[t]
        if column < 0 or column >= n_features:
            return 0.0, BAD_INDEX
        if not np.isfinite(value):
            return 0.0, NON_FINITE
        pos = col_to_pos[column] if table else _search(kept, column)
        if pos >= 0:
            total += w[pos] * value
    return total, OK


@njit(cache=True, nogil=True)
def row_scores(col_to_pos, kept, W, n_features, idx, val, out):
    """Add the scores of one (indices, values) row to ``out`` (shape ``(m,)``); returns a status."""
    m = W.shape[1]
    table = col_to_pos.shape[0] > 0
    for t in range(idx.shape[0]):
        column = idx[t]
        value = val[t]
        if column < 0 or column >= n_features:
            return BAD_INDEX
        if not np.isfinite(value):
            return NON_FINITE
        pos = col_to_pos[column] if table else _search(kept, column)
        if pos >= 0:
            for c in range(m):
                out[c] += W[pos, c] * value
    return OK


@njit(cache=True, nogil=True)
def scores_csr(indptr, indices, data, col_to_pos, kept, W, n_features, out):
    """Add the scores of every CSR row to ``out`` (shape ``(n, m)``); returns a status."""
    m = W.shape[1]
    n = indptr.shape[0] - 1
    if col_to_pos.shape[0] > 0:
        for i in range(n):
            for jj in range(indptr[i], indptr[i + 1]):
                column = indices[jj]
                value = data[jj]
                if column < 0 or column >= n_features:
                    return BAD_INDEX
                if not np.isfinite(value):
                    return NON_FINITE
                pos = col_to_pos[column]
                if pos >= 0:
                    for c in range(m):
                        out[i, c] += W[pos, c] * value
    else:
        for i in range(n):
            for jj in range(indptr[i], indptr[i + 1]):
                column = indices[jj]
                value = data[jj]
                if column < 0 or column >= n_features:
                    return BAD_INDEX
                if not np.isfinite(value):
                    return NON_FINITE
                pos = _search(kept, column)
                if pos >= 0:
                    for c in range(m):
                        out[i, c] += W[pos, c] * value
    return OK


@njit(cache=True, nogil=True)
def scores_positions(pos, val, W, out):
    """Add ``sum_t val[t] * W[pos[t]]`` to ``out`` (shape ``(m,)``), skipping ``pos[t] < 0``.

    Returns
    -------
    (int, int)
        A status code and the number of entries with ``pos < 0`` (features
        the model does not use); every value is checked, used or not.
    """
    m = W.shape[1]
    unknown = 0
    acc = np.zeros(m)
    for t in range(pos.shape[0]):
        value = val[t]
        if not np.isfinite(value):
            return NON_FINITE, unknown
        p = pos[t]
        if p < 0:
            unknown += 1
        else:
            for c in range(m):
                acc[c] += W[p, c] * value
    for c in range(m):
        out[c] += acc[c]
    return OK, unknown


@njit(cache=True, nogil=True)
def scores_tfidf(ids, idf, pos_of, W, binary, sublinear, norm, out):
    """Add the scores of one document to ``out``, from the term ids of its tokens, as scikit-learn computes them.

    ``ids`` holds one term id per token, in any order, -1 for tokens outside
    the vocabulary (increasing id is increasing vocabulary column); ``idf``
    and ``pos_of`` (kept position or -1) are indexed by term id. Weights are
    ``tf * idf`` with ``tf`` the token count, 1 (``binary``) or
    ``1 + log(count)`` (``sublinear``), divided by the document's l2
    (``norm == 2``) or l1 (``norm == 1``) norm over *all* its terms. Sums run
    in column order, as scikit-learn's sparse products do, so the result
    matches its pipeline to the last bit or two.
    """
    ids = np.sort(ids)
    n = ids.shape[0]
    start = 0
    while start < n and ids[start] < 0:
        start += 1
    weights = np.empty(n - start)
    terms = np.empty(n - start, dtype=np.int64)
    n_terms = 0
    total = 0.0
    t = start
    while t < n:
        term = ids[t]
        run = t + 1
        while run < n and ids[run] == term:
            run += 1
        tf = 1.0 if binary else float(run - t)
        if sublinear:
            tf = np.log(tf) + 1.0
        w = tf * idf[term]
        weights[n_terms] = w
        terms[n_terms] = term
        n_terms += 1
        if norm == 2:
            total += w * w
        elif norm == 1:
            total += abs(w)
        t = run
    scale = 1.0
    if norm == 2 and total > 0.0:
        scale = np.sqrt(total)
    elif norm == 1 and total > 0.0:
        scale = total
    m = W.shape[1]
    acc = np.zeros(m)
    for t in range(n_terms):
        p = pos_of[terms[t]]
        if p >= 0:
            x = weights[t] / scale if norm != 0 else weights[t]
            for c in range(m):
                acc[c] += x * W[p, c]
    for c in range(m):
        out[c] += acc[c]


@njit(cache=True, nogil=True)
def scores_hashed(hashes, n_features, alternate_sign, binary, norm, col_to_pos, kept, W, out):
    """Add the scores of one document to ``out``, from the signed 32-bit MurmurHash3 of its tokens.

    Reproduces scikit-learn's ``HashingVectorizer``: a token goes to column
    ``abs(h) % n_features`` (``-2**31`` mapped as scikit-learn maps it) with
    value ``+1``, or ``sign(h)`` under ``alternate_sign``; values of a column
    are summed, set to 1 if ``binary`` (even when they cancel out), then
    divided by the document's l2 (``norm == 2``) or l1 (``norm == 1``) norm.
    """
    n = hashes.shape[0]
    columns = np.empty(n, dtype=np.int64)
    values = np.empty(n)
    for t in range(n):
        h = hashes[t]
        if h == -2147483648:
            columns[t] = (2147483647 - (n_features - 1)) % n_features
        else:
            columns[t] = abs(h) % n_features
        values[t] = (1.0 if h >= 0 else -1.0) if alternate_sign else 1.0
    order = np.argsort(columns)
    sums = np.empty(n)
    cols = np.empty(n, dtype=np.int64)
    n_cols = 0
    total = 0.0
    t = 0
    while t < n:
        column = columns[order[t]]
        x = 0.0
        while t < n and columns[order[t]] == column:
            x += values[order[t]]
            t += 1
        if binary:
            x = 1.0
        sums[n_cols] = x
        cols[n_cols] = column
        n_cols += 1
        if norm == 2:
            total += x * x
        elif norm == 1:
            total += abs(x)
    scale = 1.0
    if norm == 2 and total > 0.0:
        scale = np.sqrt(total)
    elif norm == 1 and total > 0.0:
        scale = total
    m = W.shape[1]
    acc = np.zeros(m)
    table = col_to_pos.shape[0] > 0
    for t in range(n_cols):
        pos = col_to_pos[cols[t]] if table else _search(kept, cols[t])
        if pos >= 0:
            x = sums[t] / scale if norm != 0 else sums[t]
            for c in range(m):
                acc[c] += x * W[pos, c]
    for c in range(m):
        out[c] += acc[c]
