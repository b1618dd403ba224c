"""Compact model files (``.sfm``): what a fitted linear model needs at predict time, and nothing else.

A ``.sfm`` file is a `safetensors <https://github.com/huggingface/safetensors>`_
container (an 8-byte little-endian header length, a JSON header, then the raw
tensor bytes; no pickle, no code). It holds only the non-zero coefficients of
the model, so an L1 model with 2,400 kept features out of 48,500 stores 2,400
indices and values, not 48,500.

Tensors (``k`` kept features, ``m`` outputs: 1 for regression and binary
classification, ``n_classes`` for multiclass):

=======================  ==================  ===========================================
name                     dtype, shape        content
=======================  ==================  ===========================================
``coef.indices``         I32/I64 (k,)        kept columns, strictly increasing, < n_features
``coef.values``          F32/F64 (m, k)      their coefficients (float32 by default)
``intercept``            F64 (m,)            intercepts, always float64
``scale.center``         F64 (k,)            optional: a scaler's mean of the kept columns
``scale.scale``          F64 (k,)            optional: a scaler's scale of the kept columns
``names.kept``           U8 (bytes,)         optional: UTF-8 names of the kept features,
                                             joined by ``"\\n"`` (text models: kept terms)
``text.other_terms``     U8 (bytes,)         text models with a norm: every other term
``text.idf_codebook``    F64 (c,)            text models with idf: the distinct idf values
``text.idf_code_kept``   U16/U32 (k,)        index of each kept term's idf in the codebook
``text.idf_code_other``  U16/U32 (V - k,)    the same for the other terms
=======================  ==================  ===========================================

The header's ``__metadata__`` holds ``format`` (``"sparsefit-model"``),
``format_version`` (``"MAJOR.MINOR"``), ``sparsefit`` (the model metadata as a
JSON string: estimator, penalty, alpha / l1_ratio, classes, training metrics,
creation time, vectorizer settings, the SHA-256 of the tensor payload) and
``header_sha256``, a SHA-256 over the format name, the format version, that
JSON string and the tensor table, so a hand-edited header (a bit-flipped
version digit included) is detected as surely as a flipped payload byte.

Text models and compactness. A TF-IDF vectorizer with ``norm="l2"`` (its
default) divides every weight by the norm of the whole document, which needs
the idf of *every* vocabulary term present in it, kept or not. Those files
therefore also carry the other terms (``text.other_terms``) and their idf as a
small code into a table of distinct idf values (idf depends only on document
frequency, so a few hundred distinct float64 values cover a vocabulary; 2 bytes
per term instead of 8, bit-exact). With ``norm=None`` (or a plain
``CountVectorizer``) only the kept terms are stored. A ``HashingVectorizer``
needs no vocabulary (every token hashes somewhere): only its settings are
stored. ``metadata["text"]["vocabulary"]`` says which (``"kept"``, ``"full"``
or ``"hashed"``).

Precision. Coefficients are stored as float32 by default: each is within a
relative ``2**-24`` of the fitted value, so a decision value differs from the
original model's by at most ``2**-24 * sum_j |w_j x_j|`` (plus float64
rounding; with a centering scaler ``x_j`` is the centered value).
``dtype="float64"`` stores them exactly. Intercepts and scaler statistics are
always float64.

Loading checks, in order: framing and header, format name, format version
(a newer major version is refused, naming both versions), header checksum,
tensor table (dtypes, shapes, contiguous offsets), payload checksum, then the
model itself (shapes agree, indices in range and strictly increasing, every
value finite, classes and vectorizer settings well formed). Any failure raises
:class:`ModelFileError` with a one-line reason.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "EXTENSION",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "ModelContents",
    "ModelFileError",
    "contents_from_estimator",
    "decode_contents",
    "encode_contents",
    "load",
    "load_contents",
    "load_model",
    "save_model",
    "validate_contents",
]

FORMAT_NAME = "sparsefit-model"
FORMAT_VERSION = "1.0"
EXTENSION = ".sfm"

# a header larger than this is not one we wrote (the largest realistic one holds a few
# million vocabulary settings bytes); refusing it early keeps a corrupt length from
# making us allocate gigabytes
_MAX_HEADER_BYTES = 256 * 1024 * 1024

_ST_DTYPES = {
    "U8": np.dtype("u1"),
    "U16": np.dtype("<u2"),
    "U32": np.dtype("<u4"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
}
_ST_NAMES = {dtype: name for name, dtype in _ST_DTYPES.items()}

_VALUE_DTYPES = {"float32": np.float32, "float64": np.float64}
_LINKS = {"identity", "logistic", "ovr", "softmax"}
_TEXT_ANALYZERS = {"word", "char", "char_wb"}


class ModelFileError(ValueError):
    """A model file is unreadable, corrupt, edited or from an incompatible sparsefit.

    The message is one line naming the file and the first check that failed.
    """


@dataclass(frozen=True)
class ModelContents:
    """What a ``.sfm`` file holds: named tensors and the model metadata.

    Attributes
    ----------
    tensors : dict of str to ndarray
        The arrays described in the module docstring.
    metadata : dict
        The model metadata (JSON-compatible).
    """

    tensors: dict
    metadata: dict


# --------------------------------------------------------------------------- container


def _sha256(data) -> str:
    return hashlib.sha256(data).hexdigest()


def _header_digest(format_name, format_version, meta_json: str, table: dict) -> str:
    """SHA-256 over everything the header says except the digest itself.

    The outer JSON is re-serialized canonically, so every field that changes
    meaning (a version digit included) changes the digest.
    """
    signed = {"format": format_name, "format_version": format_version, "sparsefit": meta_json, "tensors": table}
    return _sha256(json.dumps(signed, sort_keys=True, separators=(",", ":")).encode())


def encode_contents(contents: ModelContents) -> bytes:
    """Serialize model contents to the bytes of a ``.sfm`` file.

    Parameters
    ----------
    contents : ModelContents

    Returns
    -------
    bytes
        A safetensors container; its ``payload_sha256`` and ``header_sha256``
        are computed here.
    """
    table, chunks, offset = {}, [], 0
    for name in sorted(contents.tensors):
        array = np.asarray(contents.tensors[name])
        dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        if dtype not in _ST_NAMES:
            raise TypeError(f"tensor {name!r} has dtype {array.dtype}, which the model format does not use")
        data = np.ascontiguousarray(array, dtype=dtype).tobytes()
        table[name] = {"dtype": _ST_NAMES[dtype], "shape": list(array.shape),
                       "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    payload = b"".join(chunks)
    metadata = dict(contents.metadata, payload_sha256=_sha256(payload))
    meta_json = json.dumps(metadata, sort_keys=True, separators=(",", ":"), allow_nan=False)
    header = dict(table)
    header["__metadata__"] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "sparsefit": meta_json,
        "header_sha256": _header_digest(FORMAT_NAME, FORMAT_VERSION, meta_json, table),
    }
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    # safetensors pads the header with spaces so that the payload starts 8-byte aligned
    header_bytes += b" " * (-len(header_bytes) % 8)
    return struct.pack("<Q", len(header_bytes)) + header_bytes + payload


def _parse_version(text):
    parts = text.split(".") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def decode_contents(data: bytes, source: str = "model file") -> ModelContents:
    """Parse and verify the bytes of a ``.sfm`` file (framing, version, checksums, tensor table).

    Parameters
    ----------
    data : bytes
        The whole file.
    source : str, default="model file"
        Named in error messages.

    Returns
    -------
    ModelContents
        Tensors are read-only views of ``data``; the model itself is not yet
        validated (see :func:`validate_contents`).

    Raises
    ------
    ModelFileError
    """

    def fail(reason):
        raise ModelFileError(f"{source}: {reason}")

    if len(data) < 8:
        fail(f"only {len(data)} bytes; too short to be a sparsefit model file")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > min(len(data) - 8, _MAX_HEADER_BYTES):
        fail(f"header length {header_len} exceeds the file ({len(data)} bytes): truncated or not a model file")
    try:
        header = json.loads(data[8 : 8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        fail("header is not valid JSON: corrupt, truncated or not a sparsefit model file")
    if not isinstance(header, dict):
        fail("header is not a JSON object: not a sparsefit model file")
    info = header.pop("__metadata__", None)
    if not isinstance(info, dict) or info.get("format") != FORMAT_NAME:
        fail(f"not a sparsefit model file (safetensors metadata lacks format={FORMAT_NAME!r})")
    version = _parse_version(info.get("format_version"))
    ours = _parse_version(FORMAT_VERSION)
    if version is None:
        fail(f"unreadable format version {info.get('format_version')!r}")
    if version[0] > ours[0]:
        from sparsefit import __version__

        fail(
            f"format version {version[0]}.{version[1]} is newer than the {ours[0]}.x this sparsefit "
            f"({__version__}) reads; upgrade sparsefit to load it"
        )
    if version[0] < 1:
        fail(f"format version {version[0]}.{version[1]} predates the first released format (1.0)")
    meta_json = info.get("sparsefit")
    if not isinstance(meta_json, str) or not isinstance(info.get("header_sha256"), str):
        fail("header lacks the sparsefit metadata or its checksum")
    if _header_digest(info["format"], info["format_version"], meta_json, header) != info["header_sha256"]:
        fail("header checksum mismatch: the metadata or tensor table was edited or corrupted")
    try:
        metadata = json.loads(meta_json)
    except ValueError:
        fail("sparsefit metadata is not valid JSON")
    if not isinstance(metadata, dict):
        fail("sparsefit metadata is not a JSON object")

    payload = memoryview(data)[8 + header_len :]
    spans, tensors = [], {}
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            fail(f"tensor {name!r} has a malformed table entry")
        dtype = _ST_DTYPES.get(entry["dtype"])
        shape, offsets = entry["shape"], entry["data_offsets"]
        if dtype is None:
            fail(f"tensor {name!r} has unsupported dtype {entry['dtype']!r}")
        if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
            fail(f"tensor {name!r} has an invalid shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(n) is int for n in offsets)):
            fail(f"tensor {name!r} has invalid data offsets {offsets!r}")
        begin, end = offsets
        if not 0 <= begin <= end or end - begin != math.prod(shape) * dtype.itemsize:
            fail(f"tensor {name!r}: offsets {offsets} do not match shape {shape} of {entry['dtype']}")
        spans.append((begin, end, name, dtype, shape))
    spans.sort()
    position = 0
    for begin, end, name, dtype, shape in spans:
        if begin != position:
            fail(f"tensor {name!r} does not start where the previous one ends (gap or overlap)")
        position = end
    if position != len(payload):
        fail(f"payload is {len(payload)} bytes but the tensor table describes {position}: truncated or padded file")
    if _sha256(payload) != metadata.get("payload_sha256"):
        fail("payload checksum mismatch: the tensor data is corrupted")
    for begin, end, name, dtype, shape in spans:
        tensors[name] = np.frombuffer(payload, dtype=dtype, count=math.prod(shape), offset=begin).reshape(shape)
    return ModelContents(tensors=tensors, metadata=metadata)


# --------------------------------------------------------------------------- model validation


def _split_names(blob: np.ndarray, expected: int, what: str) -> list[str]:
    """Decode a ``"\\n"``-joined UTF-8 name tensor and check its count."""
    if expected == 0:
        if blob.size:
            raise ValueError(f"{what}: expected no names, got {blob.size} bytes")
        return []
    try:
        names = bytes(blob).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise ValueError(f"{what} are not valid UTF-8") from None
    if len(names) != expected:
        raise ValueError(f"{what}: expected {expected} names, found {len(names)}")
    return names


def _check(condition, reason):
    if not condition:
        raise ValueError(reason)


def _tensor(tensors, name, dtypes, shape):
    _check(name in tensors, f"tensor {name!r} is missing")
    array = tensors[name]
    _check(array.dtype in dtypes,
           f"tensor {name!r} has dtype {array.dtype}, expected one of {sorted(map(str, dtypes))}")
    _check(array.shape == shape, f"tensor {name!r} has shape {array.shape}, expected {shape}")
    return array


def _finite(array, name):
    _check(bool(np.isfinite(array).all()), f"tensor {name!r} holds NaN or infinite values")


def validate_contents(contents: ModelContents) -> None:
    """Check that decoded contents describe a usable model.

    Raises
    ------
    ValueError
        With the reason (``load`` turns it into a :class:`ModelFileError`).
    """
    meta, tensors = contents.metadata, contents.tensors
    for key, kind in [("kind", str), ("link", str), ("dtype", str), ("n_features", int), ("n_outputs", int),
                      ("n_kept", int)]:
        _check(isinstance(meta.get(key), kind) and not isinstance(meta.get(key), bool),
               f"metadata field {key!r} is missing or not a {kind.__name__}")
    _check(meta["kind"] in ("regressor", "classifier"), f"unknown model kind {meta['kind']!r}")
    _check(meta["link"] in _LINKS, f"unknown link {meta['link']!r}")
    _check(meta["dtype"] in _VALUE_DTYPES, f"unknown value dtype {meta['dtype']!r}")
    p, m, k = meta["n_features"], meta["n_outputs"], meta["n_kept"]
    _check(p >= 0 and m >= 1 and 0 <= k <= p, f"inconsistent sizes: n_features={p}, n_outputs={m}, n_kept={k}")
    value_dtype = np.dtype(_VALUE_DTYPES[meta["dtype"]])
    index_dtypes = {np.dtype("<i4"), np.dtype("<i8")} if p > 2**31 - 1 else {np.dtype("<i4")}

    indices = _tensor(tensors, "coef.indices", index_dtypes, (k,))
    if k:
        _check(int(indices[0]) >= 0 and int(indices[-1]) < p,
               f"coef.indices out of range [0, {p}): min {int(indices.min())}, max {int(indices.max())}")
        _check(bool((np.diff(indices) > 0).all()), "coef.indices are not strictly increasing")
    _finite(_tensor(tensors, "coef.values", {value_dtype}, (m, k)), "coef.values")
    _finite(_tensor(tensors, "intercept", {np.dtype("<f8")}, (m,)), "intercept")

    classes = meta.get("classes")
    if meta["kind"] == "classifier":
        _check(isinstance(classes, list) and len(classes) >= 2, "a classifier needs a list of at least 2 classes")
        _check(all(isinstance(c, (str, int, float)) for c in classes), "classes must be strings or numbers")
        _check(len({repr(c) for c in classes}) == len(classes), "classes are not unique")
        _check(meta.get("classes_dtype") in ("str", "int", "float", "bool"), "classes_dtype is missing or unknown")
        binary = len(classes) == 2
        _check(m == (1 if binary else len(classes)),
               f"{len(classes)} classes need {1 if binary else len(classes)} outputs, found {m}")
        _check(meta["link"] in (("logistic", "identity") if binary else ("ovr", "softmax")),
               f"link {meta['link']!r} does not fit {len(classes)} classes")
    else:
        _check(classes is None and meta["link"] == "identity", "a regressor has no classes and an identity link")
        _check(meta.get("output_ndim") in (1, 2), "metadata field 'output_ndim' must be 1 or 2")

    if meta.get("scaler") is not None:
        scaler = meta["scaler"]
        _check(isinstance(scaler, dict) and set(scaler) == {"center", "scale"}, "malformed scaler settings")
        if scaler["center"]:
            _finite(_tensor(tensors, "scale.center", {np.dtype("<f8")}, (k,)), "scale.center")
        if scaler["scale"]:
            scale = _tensor(tensors, "scale.scale", {np.dtype("<f8")}, (k,))
            _finite(scale, "scale.scale")
            _check(bool((scale != 0).all()), "scale.scale holds zeros")
    if meta.get("feature_names"):
        blob = tensors.get("names.kept")
        _check(blob is not None and blob.dtype == np.uint8 and blob.ndim == 1, "tensor 'names.kept' is missing")
        names = _split_names(blob, k, "names.kept")
        _check(len(set(names)) == len(names), "names.kept are not unique")
    if meta.get("text") is not None:
        _validate_text(meta["text"], tensors, meta)


def _validate_text(text, tensors, meta):
    _check(isinstance(text, dict), "malformed text settings")
    _check(text.get("analyzer") in _TEXT_ANALYZERS, f"unsupported analyzer {text.get('analyzer')!r}")
    _check(isinstance(text.get("token_pattern"), (str, type(None))), "token_pattern must be a string")
    _check(isinstance(text.get("lowercase"), bool), "lowercase must be a bool")
    _check(text.get("strip_accents") in (None, "ascii", "unicode"), "strip_accents must be null, ascii or unicode")
    ngram = text.get("ngram_range")
    _check(isinstance(ngram, list) and len(ngram) == 2 and all(type(n) is int for n in ngram)
           and 1 <= ngram[0] <= ngram[1], f"invalid ngram_range {ngram!r}")
    stop = text.get("stop_words")
    _check(stop is None or (isinstance(stop, list) and all(isinstance(w, str) for w in stop)),
           "stop_words must be null or a list of strings")
    for key in ("binary", "sublinear_tf", "use_idf"):
        _check(isinstance(text.get(key), bool), f"text setting {key!r} must be a bool")
    _check(text.get("norm") in (None, "l1", "l2"), f"unsupported norm {text.get('norm')!r}")
    _check(isinstance(text.get("encoding"), str) and isinstance(text.get("decode_error"), str),
           "encoding and decode_error must be strings")
    if text.get("vocabulary") == "hashed":
        hashing = text.get("hashing")
        _check(isinstance(hashing, dict) and hashing.get("n_features") == meta["n_features"] >= 1
               and isinstance(hashing.get("alternate_sign"), bool) and not text["use_idf"],
               "malformed hashing settings")
        return
    _check(meta.get("feature_names") is True, "a text model needs its kept terms (names.kept)")
    _check(text.get("vocabulary") == ("full" if text["norm"] else "kept"),
           "vocabulary layout does not match the norm (a norm needs the full vocabulary)")
    k, p = meta["n_kept"], meta["n_features"]
    code_dtypes = {np.dtype("<u2"), np.dtype("<u4")}
    if text["norm"]:
        other = tensors.get("text.other_terms")
        _check(other is not None and other.dtype == np.uint8 and other.ndim == 1, "text.other_terms is missing")
        _split_names(other, p - k, "text.other_terms")
    if text["use_idf"]:
        codebook = tensors.get("text.idf_codebook")
        _check(codebook is not None and codebook.dtype == np.float64 and codebook.ndim == 1 and codebook.size,
               "text.idf_codebook is missing")
        _finite(codebook, "text.idf_codebook")
        parts = [("text.idf_code_kept", k)] + ([("text.idf_code_other", p - k)] if text["norm"] else [])
        for name, size in parts:
            code = _tensor(tensors, name, code_dtypes, (size,))
            _check(size == 0 or int(code.max()) < codebook.size, f"{name} points outside the idf codebook")


# --------------------------------------------------------------------------- from an estimator


def _join_names(names, what):
    names = [str(n) for n in names]
    bad = next((n for n in names if "\n" in n), None)
    if bad is not None:
        raise ValueError(f"{what} {bad!r} contains a newline, which the model file cannot store")
    return np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8)


def _classes_json(classes):
    classes = np.asarray(classes)
    if classes.dtype.kind == "b":
        return [bool(c) for c in classes], "bool"
    if classes.dtype.kind in "iu":
        return [int(c) for c in classes], "int"
    if classes.dtype.kind == "f":
        if not np.isfinite(classes).all():
            raise ValueError("classes_ holds NaN or infinite labels")
        return [float(c) for c in classes], "float"
    if all(isinstance(c, str) for c in classes.tolist()):
        return [str(c) for c in classes], "str"
    raise ValueError(f"classes_ of dtype {classes.dtype} cannot be stored (use strings, integers, floats or bools)")


def _scalar_params(est):
    params = {}
    for name in ("alpha_", "alpha", "l1_ratio_", "l1_ratio", "C_", "C"):
        value = getattr(est, name, None)
        value = np.ravel(value)[0] if isinstance(value, np.ndarray) and value.size == 1 else value
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
                and math.isfinite(float(value)):
            params.setdefault(name.rstrip("_"), float(value))
    return params


def _penalty_name(est):
    ratio = None
    if hasattr(est, "_l1_ratio"):
        try:
            ratio = float(est._l1_ratio())
        except (TypeError, ValueError):
            ratio = None
    name = type(est).__name__
    if ratio is None and name.startswith("Lasso"):
        ratio = 1.0
    if ratio is None and name.startswith("Ridge"):
        ratio = 0.0
    if ratio is None:
        penalty = getattr(est, "penalty", None)
        if penalty in ("l1", "l2", "elasticnet"):
            return penalty
        raw = getattr(est, "l1_ratio_", getattr(est, "l1_ratio", None))
        raw = np.ravel(raw)[0] if isinstance(raw, np.ndarray) and raw.size == 1 else raw
        ratio = float(raw) if isinstance(raw, (int, float, np.floating)) else None
    if ratio is None:
        return "unknown"
    return "l1" if ratio == 1.0 else "l2" if ratio == 0.0 else "elasticnet"


def _training_metrics(est, extra):
    metrics = {}
    for name in ("dual_gap_", "kkt_violation_", "objective_", "n_iter_", "converged_"):
        value = getattr(est, name, None)
        if value is None:
            continue
        value = np.asarray(value)
        if value.dtype.kind in "biuf" and value.size and np.isfinite(value.astype(float)).all():
            metrics[name.rstrip("_")] = value.tolist() if value.ndim else value.item()
    for key, value in (extra or {}).items():
        if not isinstance(key, str) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"metrics must map names to finite numbers; got {key!r}: {value!r}")
        metrics[key] = value
    return metrics


def _multiclass_link(est, option):
    if option is not None:
        if option not in ("ovr", "softmax"):
            raise ValueError(f"multiclass must be 'ovr' or 'softmax'; got {option!r}")
        return option
    if getattr(est, "multi_class", None) == "multinomial":
        return "softmax"
    if getattr(est, "multi_class", None) == "ovr":
        return "ovr"
    # scikit-learn's LogisticRegression is multinomial for 3+ classes (liblinear aside);
    # sparsefit's and every other scikit-learn linear classifier normalize one-vs-rest sigmoids
    module = type(est).__module__
    if module.startswith("sklearn.") and type(est).__name__.startswith("LogisticRegression"):
        return "ovr" if getattr(est, "solver", None) == "liblinear" else "softmax"
    return "ovr"


def _split_pipeline(model):
    """(vectorizer, tfidf transformer, scaler, final estimator) of a model or a Pipeline."""
    steps = [step for _, step in getattr(model, "steps", [])] or [model]
    steps = [s for s in steps if s is not None and not (isinstance(s, str) and s == "passthrough")]
    final, front = steps[-1], steps[:-1]
    vectorizer = transformer = scaler = None
    for step in front:
        name = type(step).__name__
        if name in ("TfidfVectorizer", "CountVectorizer", "HashingVectorizer") and vectorizer is None \
                and scaler is None:
            vectorizer = step
        elif name == "TfidfTransformer" and type(vectorizer).__name__ == "CountVectorizer" and transformer is None:
            transformer = step
        elif name in ("StandardScaler", "MaxAbsScaler") and scaler is None:
            scaler = step
        else:
            raise ValueError(
                f"cannot store a pipeline step {name}: supported are a CountVectorizer or TfidfVectorizer "
                "(optionally followed by a TfidfTransformer) or a HashingVectorizer, a StandardScaler or "
                "MaxAbsScaler, then a linear model"
            )
    if not hasattr(final, "coef_") or not hasattr(final, "intercept_"):
        raise ValueError(f"{type(final).__name__} is not a fitted linear model (it has no coef_ / intercept_)")
    return vectorizer, transformer, scaler, final


def _text_settings(vectorizer, transformer):
    for attr in ("preprocessor", "tokenizer"):
        if getattr(vectorizer, attr) is not None:
            raise ValueError(f"a vectorizer with a custom {attr} cannot be stored (a file holds no code)")
    if vectorizer.analyzer not in _TEXT_ANALYZERS:
        raise ValueError("a vectorizer with a callable analyzer cannot be stored (a file holds no code)")
    if vectorizer.strip_accents not in (None, "ascii", "unicode"):
        raise ValueError("a vectorizer with a callable strip_accents cannot be stored (a file holds no code)")
    if vectorizer.input != "content":
        raise ValueError(f"input={vectorizer.input!r} is not supported; predictors take the documents' text")
    stop = vectorizer.get_stop_words()
    tfidf = transformer if transformer is not None else vectorizer
    is_tfidf = hasattr(tfidf, "sublinear_tf")
    hashing = type(vectorizer).__name__ == "HashingVectorizer"
    norm = tfidf.norm if is_tfidf or hashing else None
    if norm not in (None, "l1", "l2"):
        raise ValueError(f"norm={norm!r} is not supported (use 'l1', 'l2' or None)")
    return {
        "vectorizer": type(vectorizer).__name__ + (" + TfidfTransformer" if transformer is not None else ""),
        "analyzer": vectorizer.analyzer,
        "lowercase": bool(vectorizer.lowercase),
        "strip_accents": vectorizer.strip_accents,
        "token_pattern": vectorizer.token_pattern,
        "ngram_range": [int(n) for n in vectorizer.ngram_range],
        "stop_words": None if stop is None else sorted(stop),
        "encoding": vectorizer.encoding,
        "decode_error": vectorizer.decode_error,
        "binary": bool(vectorizer.binary),
        "sublinear_tf": bool(is_tfidf and tfidf.sublinear_tf),
        "use_idf": bool(is_tfidf and hasattr(tfidf, "idf_")),
        "norm": norm,
        "vocabulary": "hashed" if hashing else "full" if norm else "kept",
        "hashing": {"n_features": int(vectorizer.n_features), "alternate_sign": bool(vectorizer.alternate_sign)}
        if hashing else None,
    }, (tfidf.idf_ if is_tfidf and hasattr(tfidf, "idf_") else None)


def _idf_codes(idf):
    codebook, codes = np.unique(np.asarray(idf, dtype=np.float64), return_inverse=True)
    return codebook, codes.astype(np.uint16 if codebook.size <= 2**16 else np.uint32)


def contents_from_estimator(model, *, dtype="float32", metrics=None, multiclass=None) -> ModelContents:
    """Extract the predict-time contents of a fitted linear model or pipeline.

    Parameters
    ----------
    model : estimator or Pipeline
        Any fitted linear model with ``coef_`` and ``intercept_`` (sparsefit's
        or scikit-learn's regressors and classifiers, CV variants included), or
        a Pipeline of an optional ``CountVectorizer`` / ``TfidfVectorizer``
        (optionally followed by a ``TfidfTransformer``) or ``HashingVectorizer``, an optional
        ``StandardScaler`` / ``MaxAbsScaler`` and such a model.
    dtype : {"float32", "float64"}, default="float32"
        Storage precision of the coefficients and scaler statistics.
    metrics : dict of str to float, default=None
        Extra training or validation metrics to record.
    multiclass : {"ovr", "softmax"}, default=None
        How multiclass probabilities are formed; None infers it (softmax for
        scikit-learn's LogisticRegression, one-vs-rest otherwise).

    Returns
    -------
    ModelContents
    """
    if dtype not in _VALUE_DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    value_dtype = _VALUE_DTYPES[dtype]
    vectorizer, transformer, scaler, est = _split_pipeline(model)
    coef = np.asarray(est.coef_, dtype=np.float64)
    intercept = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64))
    if coef.ndim not in (1, 2):
        raise ValueError(f"coef_ must be 1-D or 2-D; got shape {coef.shape}")
    coef2 = coef.reshape(1, -1) if coef.ndim == 1 else coef
    m, p = coef2.shape
    if intercept.shape == (1,) and m > 1:
        intercept = np.repeat(intercept, m)
    if intercept.shape != (m,):
        raise ValueError(f"intercept_ has shape {intercept.shape}, expected ({m},)")
    if not (np.isfinite(coef2).all() and np.isfinite(intercept).all()):
        raise ValueError("the model has NaN or infinite coefficients; refit it before saving")

    kept = np.flatnonzero((coef2 != 0).any(axis=0))
    values = coef2[:, kept]
    if value_dtype is np.float32 and np.abs(values).max(initial=0.0) > np.finfo(np.float32).max:
        raise ValueError("coefficients overflow float32; save with dtype='float64'")
    index_dtype = np.int32 if p <= 2**31 - 1 else np.int64
    tensors = {
        "coef.indices": kept.astype(index_dtype),
        "coef.values": values.astype(value_dtype),
        "intercept": intercept,
    }
    classes = getattr(est, "classes_", None)
    meta = {
        "estimator": f"{type(est).__module__}.{type(est).__qualname__}",
        "pipeline": [type(s).__name__ for s in (vectorizer, transformer, scaler, est) if s is not None],
        "kind": "classifier" if classes is not None else "regressor",
        "penalty": _penalty_name(est),
        "params": _scalar_params(est),
        "metrics": _training_metrics(est, metrics),
        "n_features": int(p),
        "n_kept": int(kept.size),
        "n_outputs": int(m),
        "dtype": dtype,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "sparsefit_version": _sparsefit_version(),
        "scaler": None,
        "text": None,
        "feature_names": False,
    }
    if classes is not None:
        meta["classes"], meta["classes_dtype"] = _classes_json(classes)
        n_classes = len(meta["classes"])
        if m != (1 if n_classes == 2 else n_classes):
            raise ValueError(f"coef_ has {m} rows for {n_classes} classes")
        meta["link"] = ("logistic" if hasattr(est, "predict_proba") else "identity") if n_classes == 2 \
            else _multiclass_link(est, multiclass)
        meta["has_proba"] = hasattr(est, "predict_proba")
    else:
        meta["classes"], meta["link"], meta["output_ndim"] = None, "identity", coef.ndim

    if scaler is not None:
        center = getattr(scaler, "mean_", None) if getattr(scaler, "with_mean", False) else None
        scale = getattr(scaler, "scale_", None)
        meta["scaler"] = {"center": center is not None, "scale": scale is not None}
        if center is not None:
            tensors["scale.center"] = np.asarray(center, dtype=np.float64)[kept]
        if scale is not None:
            tensors["scale.scale"] = np.asarray(scale, dtype=np.float64)[kept]

    names = None
    if type(vectorizer).__name__ == "HashingVectorizer":
        # columns are hash buckets: nothing to store but the settings
        meta["text"], _ = _text_settings(vectorizer, transformer)
        if meta["text"]["hashing"]["n_features"] != p:
            raise ValueError(f"the vectorizer hashes into {meta['text']['hashing']['n_features']} columns "
                             f"but the model has {p} coefficients")
    elif vectorizer is not None:
        text, idf = _text_settings(vectorizer, transformer)
        terms = np.empty(len(vectorizer.vocabulary_), dtype=object)
        for term, column in vectorizer.vocabulary_.items():
            terms[column] = term
        if terms.size != p:
            raise ValueError(f"the vectorizer has {terms.size} terms but the model {p} coefficients")
        names = terms[kept]
        other = np.ones(p, dtype=bool)
        other[kept] = False
        if text["norm"]:
            tensors["text.other_terms"] = _join_names(terms[other], "term")
        if idf is not None:
            codebook, codes = _idf_codes(idf)
            tensors["text.idf_codebook"] = codebook
            tensors["text.idf_code_kept"] = codes[kept]
            if text["norm"]:
                tensors["text.idf_code_other"] = codes[other]
        meta["text"] = text
    elif getattr(model, "feature_names_in_", None) is not None:
        # a Pipeline reports the names its first step saw, which are the model's columns
        names = np.asarray(model.feature_names_in_, dtype=object)[kept]
    if names is not None:
        tensors["names.kept"] = _join_names(names, "feature name")
        meta["feature_names"] = True
    contents = ModelContents(tensors=tensors, metadata=meta)
    validate_contents(contents)
    return contents


def _sparsefit_version():
    from sparsefit import __version__

    return __version__


# --------------------------------------------------------------------------- files


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    # the rename itself is durable only once the directory entry is on disk
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def save_model(model, path, *, dtype="float32", metrics=None, multiclass=None) -> Path:
    """Write a fitted linear model (or text / scaling pipeline) as a compact ``.sfm`` file.

    Only the non-zero coefficients are stored. The write is atomic: the file
    is written to a temporary file in the same directory, flushed, fsynced and
    renamed over ``path``, so a crash never leaves a partial file there.

    Parameters
    ----------
    model : estimator or Pipeline
        See :func:`contents_from_estimator` for what is supported.
    path : str or path-like
        Destination; ``.sfm`` is the conventional extension.
    dtype : {"float32", "float64"}, default="float32"
        Coefficient precision; float32 bounds the decision error by
        ``2**-24 * sum_j |w_j x_j|``.
    metrics : dict of str to float, default=None
        Extra metrics to record in the metadata (e.g. a held-out AUC).
    multiclass : {"ovr", "softmax"}, default=None
        Multiclass probability rule; None infers it from the estimator.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import numpy as np, sparsefit, tempfile, os
    >>> X = np.random.default_rng(0).standard_normal((50, 20)); y = X[:, 0] * 3
    >>> model = sparsefit.Lasso(alpha=0.1).fit(X, y)
    >>> path = model.save(os.path.join(tempfile.mkdtemp(), "model.sfm"))
    >>> predictor = sparsefit.modelio.load(path)
    >>> predictor.n_kept
    1
    """
    path = Path(path)
    contents = contents_from_estimator(model, dtype=dtype, metrics=metrics, multiclass=multiclass)
    _write_atomic(path, encode_contents(contents))
    return path


def load_contents(path) -> ModelContents:
    """Read and fully validate a ``.sfm`` file without building a predictor.

    Raises
    ------
    ModelFileError
        When the file is corrupt, edited, truncated or too new.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    contents = decode_contents(data, source=str(path))
    try:
        validate_contents(contents)
    except ValueError as exc:
        raise ModelFileError(f"{path}: invalid model: {exc}") from None
    return contents


def load(path):
    """Load a ``.sfm`` file as a :class:`sparsefit.predict.Predictor`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Predictor

    Raises
    ------
    ModelFileError
        With a one-line reason when the file cannot be trusted.
    """
    from sparsefit.predict import Predictor

    contents = load_contents(path)
    try:
        return Predictor(contents)
    except ValueError as exc:
        raise ModelFileError(f"{path}: invalid model: {exc}") from None


load_model = load
