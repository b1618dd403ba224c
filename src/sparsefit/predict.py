"""Fast prediction from a compact model: only the kept features are ever looked up.

:class:`Predictor` is what :func:`sparsefit.load` returns and what
``estimator.to_predictor()`` builds. It scores

- a batch (CSR / dense matrix, or raw documents for text models),
- one row as ``{feature_name: value}`` (names the model does not use are
  ignored; :meth:`Predictor.count_unknown` counts them),
- one row as ``(indices, values)`` arrays (the fastest path: a numba loop
  over the row's features with one table look-up each),
- one raw document for text models: tokenized once, then only terms in the
  model are counted, and only kept terms are multiplied.

Results equal the original model's up to float rounding (and the storage
precision of the file; see :mod:`sparsefit.modelio`). A scaler in the
original pipeline is folded into the weights here, once.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Mapping

import numpy as np

from sparsefit import _predict_kernels as kernels
from sparsefit._objective import sigmoid
from sparsefit.modelio import ModelContents, _split_names

__all__ = ["Predictor"]

# above this many columns the column -> position table would outweigh the model itself;
# the kernels binary-search the kept columns instead
_MAX_TABLE_COLUMNS = 1 << 22


def _sigmoid1(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, (str, bytes))


# scikit-learn's default token pattern. For findall, "\w\w+" finds exactly the same tokens (a
# greedy run of word characters starts and ends at word boundaries), and on ASCII text \w is
# exactly [0-9A-Za-z_], which the regex engine matches faster still
_DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_WORD_RUN = re.compile(r"\w\w+")
_ASCII_WORD_RUN = re.compile(r"[0-9A-Za-z_][0-9A-Za-z_]+")


def _build_analyzer(text):
    """The vectorizer's analyzer (document -> list of terms), rebuilt from stored settings.

    Word analyzers are reproduced here, step for step as scikit-learn's
    (decode, lowercase, strip accents, findall, stop words, word n-grams);
    character analyzers are scikit-learn's own.
    """
    from sklearn.feature_extraction.text import CountVectorizer, strip_accents_ascii, strip_accents_unicode

    if text["analyzer"] != "word":
        vectorizer = CountVectorizer(
            input="content", encoding=text["encoding"], decode_error=text["decode_error"],
            strip_accents=text["strip_accents"], lowercase=text["lowercase"], analyzer=text["analyzer"],
            ngram_range=tuple(text["ngram_range"]),
        )
        return vectorizer.build_analyzer()
    token_pattern = text["token_pattern"]
    if token_pattern == _DEFAULT_TOKEN_PATTERN:
        unicode_findall, ascii_findall = _WORD_RUN.findall, _ASCII_WORD_RUN.findall

        def findall(doc):
            return ascii_findall(doc) if doc.isascii() else unicode_findall(doc)
    else:
        pattern = re.compile(token_pattern)
        if pattern.groups > 1:
            raise ValueError(f"token_pattern {token_pattern!r} has more than one capturing group")
        findall = pattern.findall
    lower = text["lowercase"]
    accents = {None: None, "ascii": strip_accents_ascii, "unicode": strip_accents_unicode}[text["strip_accents"]]
    stop = frozenset(text["stop_words"]) if text["stop_words"] is not None else None
    min_n, max_n = text["ngram_range"]
    encoding, decode_error = text["encoding"], text["decode_error"]

    def analyze(doc):
        if isinstance(doc, bytes):
            doc = doc.decode(encoding, decode_error)
        if lower:
            doc = doc.lower()
        if accents is not None:
            doc = accents(doc)
        tokens = findall(doc)
        if stop is not None:
            tokens = [w for w in tokens if w not in stop]
        if max_n == 1:
            return tokens
        original, n_original = tokens, len(tokens)
        tokens = list(original) if min_n == 1 else []
        for n in range(max(min_n, 2), min(max_n, n_original) + 1):
            tokens.extend(" ".join(original[i : i + n]) for i in range(n_original - n + 1))
        return tokens

    return analyze


def _payload_digest(tensors):
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(np.ascontiguousarray(tensors[name]).tobytes())
    return digest.hexdigest()


class Predictor:
    """A fitted linear model reduced to its kept features, for fast prediction.

    Build one with :func:`sparsefit.load` (from a ``.sfm`` file),
    :meth:`from_estimator` or ``estimator.to_predictor()``.

    Parameters
    ----------
    contents : ModelContents
        Validated file contents (see :mod:`sparsefit.modelio`).

    Attributes
    ----------
    metadata : dict
        The model metadata stored in the file.
    kind : {"regressor", "classifier"}
    classes_ : ndarray or None
    n_features_in_ : int
        Columns of the training matrix (for text models: vocabulary size).
    n_kept : int
        Columns with a non-zero coefficient.
    kept_indices : ndarray of int64
        Those columns, increasing.
    feature_names : list of str or None
        Names of the kept features (kept terms for text models).
    coef : ndarray of shape (n_outputs, n_kept)
        Effective coefficients of the kept columns (scaler folded in), float64.
    intercept : ndarray of shape (n_outputs,)
        Effective intercepts, float64.
    is_text : bool
        Whether the model takes raw documents.
    model_version : str
        First 12 hex digits of the SHA-256 of the tensor payload: equal
        files have equal versions.
    """

    def __init__(self, contents: ModelContents):
        meta, tensors = contents.metadata, contents.tensors
        self.metadata = meta
        self.kind = meta["kind"]
        self._link = meta["link"]
        self._output_ndim = meta.get("output_ndim", 1)
        self.n_features_in_ = int(meta["n_features"])
        self.n_kept = int(meta["n_kept"])
        # writable copies: file tensors are read-only views, and numba compiles a separate
        # signature for read-only arrays
        self.kept_indices = np.array(tensors["coef.indices"], dtype=np.int64)
        coef = np.array(tensors["coef.values"], dtype=np.float64)
        intercept = np.array(tensors["intercept"], dtype=np.float64)
        if meta.get("scaler"):
            # (x - c) / s . w + b  ==  x . (w / s) + (b - c / s . w)
            if meta["scaler"]["scale"]:
                coef = coef / np.asarray(tensors["scale.scale"], dtype=np.float64)
            if meta["scaler"]["center"]:
                intercept = intercept - coef @ np.asarray(tensors["scale.center"], dtype=np.float64)
        self.coef = coef
        self.intercept = intercept
        self._W = np.ascontiguousarray(coef.T)
        self._w = np.ascontiguousarray(coef[0]) if coef.shape[0] == 1 else None
        self._b0 = float(intercept[0])
        self.classes_ = self._classes(meta)
        self.feature_names = (
            _split_names(tensors["names.kept"], self.n_kept, "names.kept") if meta.get("feature_names") else None
        )
        if self.n_features_in_ <= _MAX_TABLE_COLUMNS:
            self._col_to_pos = np.full(self.n_features_in_, -1, dtype=np.int32)
            self._col_to_pos[self.kept_indices] = np.arange(self.n_kept, dtype=np.int32)
        else:
            self._col_to_pos = np.empty(0, dtype=np.int32)
        names = self.feature_names if self.feature_names is not None else [f"x{j}" for j in self.kept_indices]
        self._name_to_pos = {name: pos for pos, name in enumerate(names)}
        self.is_text = meta.get("text") is not None
        if self.is_text:
            self._init_text(meta["text"], tensors)
        digest = meta.get("payload_sha256") or _payload_digest(tensors)
        self.model_version = digest[:12]

    @classmethod
    def from_estimator(cls, model, *, dtype="float64", metrics=None, multiclass=None):
        """Build a predictor from a fitted estimator or pipeline, without a file.

        Parameters
        ----------
        model : estimator or Pipeline
            See :func:`sparsefit.modelio.contents_from_estimator`.
        dtype : {"float64", "float32"}, default="float64"
            Precision of the coefficients; ``"float32"`` gives exactly what
            a saved and reloaded default file predicts.
        metrics : dict of str to float, default=None
        multiclass : {"ovr", "softmax"}, default=None

        Returns
        -------
        Predictor
        """
        from sparsefit.modelio import contents_from_estimator

        return cls(contents_from_estimator(model, dtype=dtype, metrics=metrics, multiclass=multiclass))

    @staticmethod
    def _classes(meta):
        if meta["kind"] != "classifier":
            return None
        dtype = {"str": None, "int": np.int64, "float": np.float64, "bool": bool}[meta["classes_dtype"]]
        return np.asarray(meta["classes"], dtype=dtype)

    def _init_text(self, text, tensors):
        self._analyzer = _build_analyzer(text)
        self._binary, self._sublinear = text["binary"], text["sublinear_tf"]
        self._norm_kind = {None: 0, "l1": 1, "l2": 2}[text["norm"]]
        self._ascii_table = self._ascii_ids = None
        self._hashing = text["vocabulary"] == "hashed"
        if self._hashing:
            from sklearn.utils import murmurhash3_32

            self._murmurhash = murmurhash3_32
            self._alternate_sign = text["hashing"]["alternate_sign"]
            return
        k, p = self.n_kept, self.n_features_in_
        codebook = np.asarray(tensors["text.idf_codebook"], dtype=np.float64) if text["use_idf"] else None
        idf_kept = codebook[tensors["text.idf_code_kept"]] if text["use_idf"] else np.ones(k)
        # term ids: vocabulary columns when every term is stored (a norm needs them all), kept
        # positions otherwise; either way increasing id is increasing column
        if text["norm"]:
            other = np.ones(p, dtype=bool)
            other[self.kept_indices] = False
            other_cols = np.flatnonzero(other)
            terms = _split_names(tensors["text.other_terms"], p - k, "text.other_terms")
            self._term_id = dict(zip(terms, other_cols.tolist()))
            self._term_id.update(zip(self.feature_names, self.kept_indices.tolist()))
            if len(self._term_id) != p:
                raise ValueError("the vocabulary holds duplicate terms")
            self._idf = np.ones(p)
            self._idf[self.kept_indices] = idf_kept
            if text["use_idf"]:
                self._idf[other_cols] = codebook[tensors["text.idf_code_other"]]
            self._pos_of = np.full(p, -1, dtype=np.int64)
            self._pos_of[self.kept_indices] = np.arange(k)
        else:
            self._term_id = {term: pos for pos, term in enumerate(self.feature_names)}
            self._idf = np.ascontiguousarray(idf_kept, dtype=np.float64)
            self._pos_of = np.arange(k, dtype=np.int64)
        if (text["analyzer"], text["token_pattern"], text["ngram_range"]) == ("word", _DEFAULT_TOKEN_PATTERN, [1, 1]):
            # ASCII documents with unigrams: the default pattern's tokens are the runs of
            # [0-9A-Za-z_] of length >= 2, found by translate + split on bytes (both in C). Terms
            # of length 1 and stop words are left out of the byte vocabulary, so such runs count
            # as out of vocabulary, exactly as the regex and the stop-word filter drop them
            stop = set(text["stop_words"] or ())
            word = set(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
            self._ascii_table = bytes(
                (ord(chr(b).lower()) if text["lowercase"] else b) if b in word else 32 for b in range(256)
            )
            self._ascii_ids = {
                term.encode("ascii"): term_id for term, term_id in self._term_id.items()
                if term.isascii() and len(term) >= 2 and term not in stop
            }

    # ------------------------------------------------------------------ raw scores

    def _text_scores(self, doc):
        if not isinstance(doc, (str, bytes)):
            raise TypeError(f"a text model takes documents as str; got {type(doc).__name__}")
        # one C-level pass from tokens to term ids (-1 out of vocabulary); counting happens in the kernel
        if self._hashing:
            tokens = self._analyzer(doc)
            hashes = np.fromiter(map(self._murmurhash, tokens), np.int64, len(tokens))
            out = np.zeros(self.intercept.shape[0])
            kernels.scores_hashed(hashes, self.n_features_in_, self._alternate_sign, self._binary, self._norm_kind,
                                  self._col_to_pos, self.kept_indices, self._W, out)
            return out + self.intercept
        if self._ascii_ids is not None and isinstance(doc, str) and doc.isascii():
            tokens = doc.encode("ascii").translate(self._ascii_table).split()
            ids = np.fromiter(map(self._ascii_ids.get, tokens, itertools.repeat(-1)), np.int64, len(tokens))
        else:
            tokens = self._analyzer(doc)
            ids = np.fromiter(map(self._term_id.get, tokens, itertools.repeat(-1)), np.int64, len(tokens))
        out = np.zeros(self.intercept.shape[0])
        kernels.scores_tfidf(ids, self._idf, self._pos_of, self._W, self._binary, self._sublinear, self._norm_kind,
                             out)
        return out + self.intercept

    def _dict_positions(self, row):
        """Kept positions (-1 for unused names) and float64 values of a ``{name: value}`` row."""
        n = len(row)
        try:
            values = np.fromiter(row.values(), np.float64, n)
        except (TypeError, ValueError):
            bad = next(name for name, v in row.items() if not _is_number(v))
            raise ValueError(f"feature {bad!r} has a value that is not a number: {row[bad]!r}") from None
        positions = np.fromiter(map(self._name_to_pos.get, row.keys(), itertools.repeat(-1, n)), np.int64, n)
        return positions, values

    def _dict_scores(self, row):
        positions, values = self._dict_positions(row)
        out = np.zeros(self.intercept.shape[0])
        status, _ = kernels.scores_positions(positions, values, self._W, out)
        if status:
            bad = next(name for name, v in zip(row, values) if not math.isfinite(v))
            raise ValueError(f"feature {bad!r} has a non-finite value")
        return out + self.intercept

    def _array_row(self, row):
        if len(row) != 2:
            raise ValueError("a row given as a sequence must be (indices, values)")
        idx, val = row
        if not (isinstance(idx, np.ndarray) and idx.dtype in (np.int32, np.int64)):
            idx = np.asarray(idx, dtype=np.int64)
        val = np.asarray(val, dtype=np.float64)
        if idx.ndim != 1 or idx.shape != val.shape:
            raise ValueError(f"indices and values must be 1-D of equal length; got {idx.shape} and {val.shape}")
        return idx, val

    def _raise_status(self, status):
        if status == kernels.BAD_INDEX:
            raise ValueError(f"a feature index is outside [0, {self.n_features_in_})")
        raise ValueError("a feature value is NaN or infinite")

    def _row_scores(self, row):
        if isinstance(row, Mapping):
            if self.is_text:
                raise TypeError("a text model takes a document (str), not a feature mapping")
            return self._dict_scores(row)
        if isinstance(row, (str, bytes)):
            if not self.is_text:
                raise TypeError("only text models take a raw document; give a mapping or (indices, values)")
            return self._text_scores(row)
        if self.is_text:
            raise TypeError("a text model takes a document (str)")
        idx, val = self._array_row(row)
        if self._w is not None:
            total, status = kernels.row_dot(self._col_to_pos, self.kept_indices, self._w, self.n_features_in_, idx, val)
            if status:
                self._raise_status(status)
            return np.array([total + self._b0])
        out = self.intercept.copy()
        status = kernels.row_scores(self._col_to_pos, self.kept_indices, self._W, self.n_features_in_, idx, val, out)
        if status:
            self._raise_status(status)
        return out

    def decision_one(self, row):
        """Decision value (regression prediction or class scores) of one row.

        Parameters
        ----------
        row : mapping, (indices, values) or str
            ``{feature_name: value}``; or two 1-D arrays of column indices
            (int32 / int64) and values, the fastest form; or, for text
            models, one document. Features without a value are zero.

        Returns
        -------
        float or ndarray of shape (n_outputs,)
            A float for single-output models.
        """
        if self._w is not None and type(row) is tuple and len(row) == 2 and not self.is_text:
            # the hot path: no intermediate arrays beyond the inputs
            idx, val = self._array_row(row)
            total, status = kernels.row_dot(self._col_to_pos, self.kept_indices, self._w, self.n_features_in_, idx, val)
            if status:
                self._raise_status(status)
            return total + self._b0
        scores = self._row_scores(row)
        return float(scores[0]) if scores.shape[0] == 1 and self._output_ndim == 1 else scores

    def predict_one(self, row):
        """Prediction for one row (see :meth:`decision_one` for the accepted forms).

        Returns
        -------
        float, ndarray or class label
        """
        return self.predict_from_scores(self._row_scores(row)[None, :])[0]

    def predict_proba_one(self, row):
        """Class probabilities of one row, in the order of ``classes_``.

        Returns
        -------
        ndarray of shape (n_classes,)
        """
        if self._link == "logistic":
            # binary: one scalar sigmoid, without the batch machinery
            p = _sigmoid1(self.decision_one(row))
            return np.array([1.0 - p, p])
        return self.proba_from_scores(self._row_scores(row)[None, :])[0]

    def score_rows(self, rows):
        """Raw scores of a list of rows, each in any form :meth:`decision_one` accepts.

        Returns
        -------
        ndarray of shape (n_rows, n_outputs)
            Feed it to :meth:`predict_from_scores` and :meth:`proba_from_scores`
            to get both from one pass.
        """
        if not rows:
            return np.empty((0, self.intercept.shape[0]))
        return np.vstack([self._row_scores(row) for row in rows])

    def count_unknown(self, row):
        """Number of names in a ``{feature_name: value}`` row that the model does not use."""
        name_to_pos = self._name_to_pos
        return sum(1 for name in row if name not in name_to_pos)

    # ------------------------------------------------------------------ batches

    def _batch_scores(self, X):
        if self.is_text:
            if isinstance(X, (str, bytes)):
                raise ValueError("Iterable over raw text documents expected, string object received.")
            rows = [self._text_scores(doc) for doc in X]
            return np.vstack(rows) if rows else np.empty((0, self.intercept.shape[0]))
        import scipy.sparse as sp

        if sp.issparse(X):
            X = sp.csr_matrix(X)
            n, p = X.shape
            self._check_width(p)
            index_dtype = np.int64 if X.indices.dtype == np.int64 or X.indptr.dtype == np.int64 else np.int32
            out = np.tile(self.intercept, (n, 1))
            status = kernels.scores_csr(
                X.indptr.astype(index_dtype, copy=False), X.indices.astype(index_dtype, copy=False),
                X.data.astype(np.float64, copy=False), self._col_to_pos, self.kept_indices, self._W,
                self.n_features_in_, out,
            )
            if status:
                self._raise_status(status)
            return out
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}")
        self._check_width(X.shape[1])
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values")
        return X[:, self.kept_indices] @ self._W + self.intercept

    def _check_width(self, p):
        if p != self.n_features_in_:
            raise ValueError(f"X has {p} features, but the model is expecting {self.n_features_in_} features as input.")

    def decision_function(self, X):
        """Decision values of a batch.

        Parameters
        ----------
        X : sparse matrix, array-like of shape (n_samples, n_features), or iterable of str
            Only the kept columns are read. Text models take raw documents.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        scores = self._batch_scores(X)
        return scores[:, 0] if scores.shape[1] == 1 and self._output_ndim == 1 else scores

    def predict(self, X):
        """Predictions for a batch (values for regressors, labels for classifiers)."""
        return self.predict_from_scores(self._batch_scores(X))

    def predict_proba(self, X):
        """Class probabilities for a batch, columns in the order of ``classes_``."""
        return self.proba_from_scores(self._batch_scores(X))

    # ------------------------------------------------------------------ links

    def predict_from_scores(self, scores):
        """Predictions from raw scores of shape (n, n_outputs): values, or labels by the model's rule."""
        if self.kind != "classifier":
            return scores[:, 0] if self._output_ndim == 1 else scores
        index = (scores[:, 0] > 0).astype(int) if scores.shape[1] == 1 else scores.argmax(axis=1)
        return self.classes_[index]

    @property
    def has_proba(self):
        """Whether the model gives class probabilities."""
        return self.kind == "classifier" and self._link != "identity"

    def proba_from_scores(self, scores):
        """Class probabilities from raw scores of shape (n, n_outputs), by the model's link."""
        if self.kind != "classifier" or self._link == "identity":
            raise AttributeError(f"this {self.kind} has no probabilities (link {self._link!r})")
        if self._link == "logistic":
            positive = sigmoid(scores[:, 0])
            return np.column_stack([1.0 - positive, positive])
        if self._link == "softmax":
            shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
            return shifted / shifted.sum(axis=1, keepdims=True)
        prob = sigmoid(scores)
        total = prob.sum(axis=1, keepdims=True)
        # every sigmoid underflowed: scikit-learn's rule is a uniform distribution
        zero = total[:, 0] == 0
        prob[zero], total[zero] = 1.0, prob.shape[1]
        return prob / total

    # ------------------------------------------------------------------ description

    def top_features(self, n=20):
        """The ``n`` kept features with the largest absolute coefficient.

        Returns
        -------
        list of dict
            ``{"name", "index", "coef"}``; ``coef`` is a float for
            single-output models and a list per output otherwise.
        """
        order = np.argsort(-np.abs(self.coef).max(axis=0), kind="stable")[: max(int(n), 0)]
        names = self.feature_names
        return [
            {
                "name": names[pos] if names is not None else f"x{self.kept_indices[pos]}",
                "index": int(self.kept_indices[pos]),
                "coef": float(self.coef[0, pos]) if self.coef.shape[0] == 1 else self.coef[:, pos].tolist(),
            }
            for pos in order
        ]

    def describe(self, n_top=20):
        """A JSON-compatible summary: metadata, kept feature count, top features."""
        return {
            "model_version": self.model_version,
            "kind": self.kind,
            "classes": None if self.classes_ is None else self.classes_.tolist(),
            "n_features": self.n_features_in_,
            "n_kept": self.n_kept,
            "is_text": self.is_text,
            "metadata": self.metadata,
            "top_features": self.top_features(n_top),
        }

    def __repr__(self):
        what = "text " if self.is_text else ""
        return (f"Predictor({what}{self.kind}, {self.n_kept} of {self.n_features_in_} features kept, "
                f"version {self.model_version})")
