"""Model files: round trips for every estimator type, atomic writes, and corruption always detected."""

import json
import os
import struct

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import ElasticNetCV, LassoCV, LogisticRegressionCV, RidgeCV
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.linear_model import Ridge as SkRidge
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

import sparsefit
from sparsefit import modelio
from sparsefit.cv_estimators import ElasticNetCV as SfElasticNetCV
from sparsefit.cv_estimators import LassoCV as SfLassoCV
from sparsefit.cv_estimators import LogisticRegressionCV as SfLogisticRegressionCV
from sparsefit.logistic import LogisticRegression as SfLogisticRegression
from sparsefit.modelio import ModelContents, ModelFileError, decode_contents, encode_contents, load, save_model

FLOAT32_EPS = 2.0**-24

DOCS = [
    "the film was a delight, warm and funny",
    "a dull, tedious and overlong film",
    "funny and sharp: the best comedy this year",
    "tedious plot, wooden acting, a waste of time",
    "warm performances and a sharp script",
    "I wanted to leave after ten minutes; awful",
    "Café crème and naïve charm, a delight",
    "awful awful awful",
] * 6
LABELS = [1, 0, 1, 0, 1, 0, 1, 0] * 6


def _l1_logistic(C):
    """scikit-learn's L1 logistic regression; the parameter that asks for it changed in 1.8."""
    import sklearn

    if tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 8):
        return SkLogisticRegression(C=C, l1_ratio=1.0, solver="liblinear")
    return SkLogisticRegression(C=C, penalty="l1", solver="liblinear")


@pytest.fixture(scope="module")
def regression_data():
    rng = np.random.default_rng(0)
    X = sp.random(120, 300, density=0.05, random_state=1, format="csr")
    w = np.zeros(300)
    w[:12] = rng.standard_normal(12) * 3
    y = X @ w + 0.05 * rng.standard_normal(120)
    return X, y


@pytest.fixture(scope="module")
def classification_data(regression_data):
    X, y = regression_data
    return X, (y > np.median(y)).astype(int), np.digitize(y, np.quantile(y, [0.33, 0.66]))


def _bound(X, coef):
    """2**-24 * sum_j |w_j x_j| per row and output: the float32 storage error bound of a decision value."""
    Xa = abs(X) if sp.issparse(X) else np.abs(X)
    return np.asarray(Xa @ np.abs(np.atleast_2d(coef)).T)


def _decision(model, X):
    return model.decision_function(X) if hasattr(model, "decision_function") else model.predict(X)


def _regressors():
    return [
        sparsefit.Lasso(alpha=0.002),
        sparsefit.Ridge(alpha=0.1),
        sparsefit.ElasticNet(alpha=0.002, l1_ratio=0.5),
        LassoCV(cv=3, alphas=np.logspace(-3, -1, 5)),
        ElasticNetCV(cv=3, alphas=np.logspace(-3, -1, 5), l1_ratio=0.7),
        RidgeCV(alphas=[0.1, 1.0]),
        make_pipeline(StandardScaler(with_mean=False), sparsefit.Lasso(alpha=0.01)),
        SfLassoCV(n_alphas=6, cv=3),
        SfElasticNetCV(l1_ratio=0.5, n_alphas=6, cv=3),
    ]


@pytest.mark.parametrize("model", _regressors(), ids=lambda m: f"{type(m).__module__.split('.')[0]}-"
                         f"{type(m).__name__}")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_regressor_round_trip(tmp_path, regression_data, model, dtype):
    X, y = regression_data
    model.fit(X, y)
    predictor = load(save_model(model, tmp_path / "model.sfm", dtype=dtype))
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    assert np.array_equal(predictor.kept_indices, np.flatnonzero(final.coef_))
    diff = np.abs(predictor.predict(X) - model.predict(X))
    if dtype == "float64":
        np.testing.assert_allclose(predictor.predict(X), model.predict(X), rtol=1e-12, atol=1e-12)
    else:
        coef = final.coef_ / (model.steps[0][1].scale_ if hasattr(model, "steps") else 1.0)
        assert np.all(diff <= FLOAT32_EPS * _bound(X, coef)[:, 0] * 1.01 + 1e-12)


def _classifiers():
    models = [
        SkLogisticRegression(C=5.0),
        SGDClassifier(loss="log_loss", penalty="l1", alpha=1e-3, random_state=0),
        LogisticRegressionCV(Cs=3, cv=3),
    ]
    return models + [SfLogisticRegression(penalty="l1", C=5.0), SfLogisticRegressionCV(alphas=[0.002, 0.001], cv=3)]


@pytest.mark.filterwarnings("ignore::FutureWarning")  # LogisticRegressionCV's changing defaults
@pytest.mark.parametrize("model", _classifiers(), ids=lambda m: f"{type(m).__module__.split('.')[0]}-"
                         f"{type(m).__name__}")
@pytest.mark.parametrize("multiclass", [False, True], ids=["binary", "multiclass"])
def test_classifier_round_trip(tmp_path, classification_data, model, multiclass):
    X, y2, y3 = classification_data
    y = y3 if multiclass else y2
    model.fit(X, np.array(["neg", "mid", "pos"])[y] if multiclass else y)
    predictor = load(save_model(model, tmp_path / "model.sfm", dtype="float64"))
    assert predictor.classes_.tolist() == model.classes_.tolist()
    np.testing.assert_allclose(predictor.predict_proba(X), model.predict_proba(X), rtol=1e-10, atol=1e-14)
    assert np.array_equal(predictor.predict(X), model.predict(X))

    predictor32 = load(save_model(model, tmp_path / "model32.sfm"))
    bound = FLOAT32_EPS * _bound(X, model.coef_) * 1.01 + 1e-12
    diff = np.abs(np.atleast_2d(predictor32.decision_function(X).T).T - np.atleast_2d(_decision(model, X).T).T)
    assert np.all(diff <= bound)
    # labels agree wherever float32 rounding cannot reach the decision boundary
    d = np.atleast_2d(_decision(model, X).T).T
    margin = np.abs(d[:, 0]) if d.shape[1] == 1 else np.sort(d, axis=1)[:, -1] - np.sort(d, axis=1)[:, -2]
    safe = margin > 2 * bound.max(axis=1)
    assert safe.sum() > 0.5 * len(safe)
    assert np.array_equal(predictor32.predict(X)[safe], model.predict(X)[safe])


def test_multi_output_ridge_round_trip(tmp_path, regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -2 * y + 1])
    model = SkRidge(alpha=1.0).fit(X, Y)
    predictor = load(save_model(model, tmp_path / "m.sfm", dtype="float64"))
    assert predictor.predict(X).shape == (X.shape[0], 2)
    np.testing.assert_allclose(predictor.predict(X), model.predict(X), rtol=1e-12, atol=1e-12)


def test_centering_scaler_round_trip(tmp_path, regression_data):
    X, y = regression_data
    Xd = X.toarray()
    model = make_pipeline(StandardScaler(), sparsefit.Lasso(alpha=0.01)).fit(Xd, y)
    predictor = load(save_model(model, tmp_path / "m.sfm", dtype="float64"))
    np.testing.assert_allclose(predictor.predict(X), model.predict(Xd), rtol=1e-10, atol=1e-10)
    model = make_pipeline(MaxAbsScaler(), sparsefit.Lasso(alpha=0.01)).fit(X, y)
    predictor = load(save_model(model, tmp_path / "m.sfm", dtype="float64"))
    np.testing.assert_allclose(predictor.predict(X), model.predict(X), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    "front",
    [
        lambda: TfidfVectorizer(),
        lambda: TfidfVectorizer(norm=None, sublinear_tf=True),
        lambda: TfidfVectorizer(ngram_range=(1, 2), stop_words="english", strip_accents="unicode"),
        lambda: TfidfVectorizer(norm="l1", use_idf=False, binary=True),
        lambda: TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)),
        lambda: CountVectorizer(lowercase=False),
        lambda: TfidfVectorizer(token_pattern=r"(?u)\b(\w+)\b", ngram_range=(2, 3), strip_accents="ascii"),
    ],
    ids=["tfidf-l2", "tfidf-none-sublinear", "bigrams-stopwords-accents", "l1-noidf-binary", "char_wb", "count",
         "group-pattern-trigrams"],
)
def test_text_pipeline_round_trip(tmp_path, front):
    model = make_pipeline(front(), _l1_logistic(3.0)).fit(DOCS, LABELS)
    path = save_model(model, tmp_path / "text.sfm", dtype="float64")
    predictor = load(path)
    unseen = ["a delight", "", "zzz qqq", "Tedious, AWFUL and overlong film; naive charm"]
    for docs in (DOCS, unseen):
        np.testing.assert_allclose(predictor.predict_proba(docs), model.predict_proba(docs), rtol=1e-12, atol=1e-15)
        assert np.array_equal(predictor.predict(docs), model.predict(docs))
    vectorizer = model.steps[0][1]
    kept = np.flatnonzero(model.steps[-1][1].coef_[0])
    assert predictor.n_kept == kept.size < len(vectorizer.vocabulary_)
    terms = vectorizer.get_feature_names_out()
    assert predictor.feature_names == terms[kept].tolist()
    contents = modelio.load_contents(path)
    assert ("text.other_terms" in contents.tensors) == (contents.metadata["text"]["norm"] is not None)


@pytest.mark.parametrize("hasher", [
    lambda: HashingVectorizer(n_features=16),  # collisions, and signs that cancel
    lambda: HashingVectorizer(n_features=2**12, norm=None, binary=True, alternate_sign=False, ngram_range=(1, 2)),
], ids=["collisions-l2", "binary-bigrams"])
def test_hashing_pipeline_round_trip(tmp_path, hasher):
    model = make_pipeline(hasher(), SkLogisticRegression(C=10.0)).fit(DOCS, LABELS)
    path = save_model(model, tmp_path / "hashed.sfm", dtype="float64")
    predictor = load(path)
    for docs in (DOCS, ["a delight", "", "zzz qqq", "Tedious, AWFUL and overlong film; naive charm"]):
        np.testing.assert_allclose(predictor.predict_proba(docs), model.predict_proba(docs), rtol=1e-12, atol=1e-15)
    contents = modelio.load_contents(path)
    assert sorted(contents.tensors) == ["coef.indices", "coef.values", "intercept"]  # no vocabulary at all
    assert predictor.n_kept == np.count_nonzero(model.steps[-1][1].coef_)


def test_count_then_tfidf_transformer(tmp_path):
    model = make_pipeline(CountVectorizer(), TfidfTransformer(sublinear_tf=True), SkLogisticRegression())
    model.fit(DOCS, LABELS)
    predictor = load(save_model(model, tmp_path / "t.sfm", dtype="float64"))
    np.testing.assert_allclose(predictor.predict_proba(DOCS), model.predict_proba(DOCS), rtol=1e-12)


def test_l1_file_holds_only_kept_coefficients(tmp_path, regression_data):
    X, y = regression_data
    lasso = sparsefit.Lasso(alpha=0.01).fit(X, y)
    ridge = sparsefit.Ridge(alpha=0.01).fit(X, y)
    k = np.count_nonzero(lasso.coef_)
    assert 0 < k < X.shape[1] // 4
    l1 = os.path.getsize(lasso.save(tmp_path / "l1.sfm"))
    l2 = os.path.getsize(ridge.save(tmp_path / "l2.sfm"))
    payload = {name: sum(a.nbytes for a in modelio.load_contents(tmp_path / name).tensors.values())
               for name in ("l1.sfm", "l2.sfm")}
    # an int32 index and a float32 value per kept feature, one float64 intercept
    assert payload["l1.sfm"] == k * (4 + 4) + 8
    assert payload["l2.sfm"] == np.count_nonzero(ridge.coef_) * (4 + 4) + 8
    assert abs((l2 - payload["l2.sfm"]) - (l1 - payload["l1.sfm"])) < 200  # headers differ by a few digits only


def test_metadata_records_model_and_metrics(tmp_path, regression_data):
    X, y = regression_data
    model = sparsefit.ElasticNet(alpha=0.01, l1_ratio=0.3).fit(X, y)
    path = model.save(tmp_path / "m.sfm", metrics={"holdout_r2": 0.8})
    meta = modelio.load_contents(path).metadata
    assert meta["penalty"] == "elasticnet"
    assert meta["params"] == {"alpha": 0.01, "l1_ratio": 0.3}
    assert meta["metrics"]["holdout_r2"] == 0.8
    assert meta["metrics"]["dual_gap"] == pytest.approx(model.dual_gap_)
    assert meta["n_features"] == 300 and meta["n_kept"] == np.count_nonzero(model.coef_)
    assert meta["sparsefit_version"] == sparsefit.__version__ and meta["created"].endswith("+00:00")


def test_feature_names_of_kept_columns(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.standard_normal((80, 6)), columns=[f"f_{c}" for c in "abcdef"])
    y = 3 * X["f_b"] - 2 * X["f_e"]
    model = sparsefit.Lasso(alpha=0.1).fit(X, y)
    predictor = load(model.save(tmp_path / "m.sfm"))
    assert predictor.feature_names == ["f_b", "f_e"]
    assert predictor.predict_one({"f_b": 1.0, "f_e": 1.0}) == pytest.approx(model.predict(
        pd.DataFrame([[0, 1.0, 0, 0, 1.0, 0]], columns=X.columns))[0], rel=1e-6)


def test_unsupported_models_are_refused(tmp_path, regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="not a fitted linear model"):
        save_model(sparsefit.Lasso(), tmp_path / "m.sfm")
    model = sparsefit.Lasso(alpha=0.01).fit(X, y)
    model.coef_[3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        save_model(model, tmp_path / "m.sfm")
    from sklearn.decomposition import TruncatedSVD

    pipe = make_pipeline(TruncatedSVD(5), sparsefit.Lasso(alpha=0.01)).fit(X, y)
    with pytest.raises(ValueError, match="TruncatedSVD"):
        save_model(pipe, tmp_path / "m.sfm")
    text = make_pipeline(TfidfVectorizer(tokenizer=str.split, token_pattern=None), SkLogisticRegression())
    with pytest.raises(ValueError, match="custom tokenizer"):
        save_model(text.fit(DOCS, LABELS), tmp_path / "m.sfm")
    hashed = make_pipeline(HashingVectorizer(n_features=64), TfidfTransformer(), SkLogisticRegression())
    with pytest.raises(ValueError, match="TfidfTransformer"):
        save_model(hashed.fit(DOCS, LABELS), tmp_path / "m.sfm")
    assert not (tmp_path / "m.sfm").exists()


# --------------------------------------------------------------------------- atomic writes


def test_failed_write_leaves_previous_file_intact(tmp_path, regression_data, monkeypatch):
    X, y = regression_data
    path = sparsefit.Lasso(alpha=0.01).fit(X, y).save(tmp_path / "model.sfm")
    before = path.read_bytes()
    other = sparsefit.Ridge(alpha=1.0).fit(X, y)

    def crash(fd):
        raise OSError("simulated power loss during fsync")

    monkeypatch.setattr(modelio.os, "fsync", crash)
    with pytest.raises(OSError, match="simulated"):
        other.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.sfm"]  # no temporary file left behind
    assert load(path).n_kept == np.count_nonzero(sparsefit.Lasso(alpha=0.01).fit(X, y).coef_)


def test_interrupted_encoding_leaves_previous_file_intact(tmp_path, regression_data, monkeypatch):
    X, y = regression_data
    path = sparsefit.Lasso(alpha=0.01).fit(X, y).save(tmp_path / "model.sfm")
    before = path.read_bytes()
    real_replace = os.replace

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(modelio.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sparsefit.Ridge().fit(X, y).save(path)
    monkeypatch.setattr(modelio.os, "replace", real_replace)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.sfm"]


# --------------------------------------------------------------------------- corruption


@pytest.fixture(scope="module")
def model_bytes(regression_data, tmp_path_factory):
    X, y = regression_data
    model = make_pipeline(TfidfVectorizer(), _l1_logistic(3.0))
    path = save_model(model.fit(DOCS, LABELS), tmp_path_factory.mktemp("m") / "text.sfm")
    return path.read_bytes()


def _load_bytes(tmp_path, data, name="x.sfm"):
    path = tmp_path / name
    path.write_bytes(data)
    return load(path)


def _one_line_error(tmp_path, data):
    with pytest.raises(ModelFileError) as info:
        _load_bytes(tmp_path, data)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path) in message
    return message


def test_valid_bytes_load(tmp_path, model_bytes):
    assert _load_bytes(tmp_path, model_bytes).is_text


def test_truncation_at_every_offset(tmp_path, model_bytes):
    for size in range(len(model_bytes)):
        _one_line_error(tmp_path, model_bytes[:size])


def test_random_bit_flips(tmp_path, model_bytes):
    rng = np.random.default_rng(0)
    for position in rng.choice(len(model_bytes), size=300, replace=False):
        data = bytearray(model_bytes)
        data[position] ^= 1 << int(rng.integers(8))
        _one_line_error(tmp_path, bytes(data))


def test_trailing_bytes(tmp_path, model_bytes):
    assert "payload" in _one_line_error(tmp_path, model_bytes + b"\0")


def _rewrite_header(data, edit, resign=False):
    """Apply ``edit`` to the parsed header and re-serialize it.

    Checksums are left untouched unless ``resign``, which recomputes
    ``header_sha256`` the way a genuine writer of the edited header would.
    """
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    edit(header)
    if resign:
        info = header["__metadata__"]
        table = {name: entry for name, entry in header.items() if name != "__metadata__"}
        info["header_sha256"] = modelio._header_digest(info["format"], info["format_version"], info["sparsefit"], table)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + data[8 + n :]


def test_newer_major_version_names_both_versions(tmp_path, model_bytes):
    data = _rewrite_header(model_bytes, lambda h: h["__metadata__"].update(format_version="2.0"))
    message = _one_line_error(tmp_path, data)
    assert "2.0" in message and "1.x" in message and "upgrade sparsefit" in message


def test_newer_minor_version_loads(tmp_path, model_bytes):
    data = _rewrite_header(model_bytes, lambda h: h["__metadata__"].update(format_version="1.7"), resign=True)
    assert _load_bytes(tmp_path, data).is_text


def test_unsigned_version_change_is_detected(tmp_path, model_bytes):
    # a single bit turns "1.0" into "1.1": only the header checksum can tell
    data = _rewrite_header(model_bytes, lambda h: h["__metadata__"].update(format_version="1.1"))
    assert "header checksum" in _one_line_error(tmp_path, data)


def test_every_single_bit_flip_in_the_header(tmp_path, model_bytes):
    """The header is parsed then re-serialized, so check every bit of it, not a sample."""
    (n,) = struct.unpack("<Q", model_bytes[:8])
    for position in range(8 + n):
        for bit in range(8):
            data = bytearray(model_bytes)
            data[position] ^= 1 << bit
            _one_line_error(tmp_path, bytes(data))


def test_edited_metadata_is_detected(tmp_path, model_bytes):
    def edit(header):
        meta = json.loads(header["__metadata__"]["sparsefit"])
        meta["classes"] = [1, 0]
        header["__metadata__"]["sparsefit"] = json.dumps(meta, sort_keys=True, separators=(",", ":"))

    assert "header checksum" in _one_line_error(tmp_path, _rewrite_header(model_bytes, edit))

    def retype(header):
        header["coef.values"]["dtype"] = "I64"  # same byte size: only the checksum can tell

    assert "header checksum" in _one_line_error(tmp_path, _rewrite_header(model_bytes, retype))


def test_not_a_model_file(tmp_path, model_bytes):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    foreign = safetensors_numpy.save({"weight": np.ones(3, dtype=np.float32)})
    assert "not a sparsefit model" in _one_line_error(tmp_path, foreign)
    assert "too short" in _one_line_error(tmp_path, b"")
    assert "header" in _one_line_error(tmp_path, b"PK\x03\x04" + b"\0" * 60)


def _resigned(contents, **tensor_edits):
    tensors = dict(contents.tensors, **tensor_edits)
    return encode_contents(ModelContents(tensors=tensors, metadata=contents.metadata))


@pytest.mark.parametrize(
    "edit, reason",
    [
        (lambda t: {"coef.indices": t["coef.indices"] + 1000}, "out of range"),
        (lambda t: {"coef.indices": t["coef.indices"][::-1].copy()}, "strictly increasing"),
        (lambda t: {"coef.values": np.where(np.arange(t["coef.values"].size) == 1, np.nan,
                                            t["coef.values"]).astype(t["coef.values"].dtype)}, "NaN or infinite"),
        (lambda t: {"intercept": np.array([np.inf])}, "NaN or infinite"),
        (lambda t: {"coef.values": t["coef.values"][:, :-1].copy()}, "shape"),
        (lambda t: {"coef.indices": t["coef.indices"].astype(np.int64)}, "dtype"),
        (lambda t: {"text.idf_code_kept": t["text.idf_code_kept"] + 60000}, "codebook"),
        (lambda t: {"names.kept": t["names.kept"][: bytes(t["names.kept"]).rindex(b"\n")].copy()}, "names"),
        (lambda t: {"text.other_terms": np.frombuffer(b"\xff" + bytes(t["text.other_terms"]), np.uint8)}, "UTF-8"),
    ],
    ids=["indices-out-of-range", "unsorted", "nan-value", "inf-intercept", "shape", "index-dtype", "idf-code",
         "names", "terms-utf8"],
)
def test_semantically_invalid_but_resigned_files(tmp_path, model_bytes, edit, reason):
    contents = decode_contents(model_bytes)
    tensors = {name: np.array(array) for name, array in contents.tensors.items()}
    data = _resigned(ModelContents(tensors=tensors, metadata=contents.metadata), **edit(tensors))
    message = _one_line_error(tmp_path, data)
    assert "invalid model" in message and reason in message


def test_safetensors_library_reads_the_file(model_bytes):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    ours = decode_contents(model_bytes).tensors
    theirs = safetensors_numpy.load(model_bytes)
    assert sorted(theirs) == sorted(ours)
    for name in ours:
        assert theirs[name].dtype == ours[name].dtype and np.array_equal(theirs[name], ours[name])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_mutated_files_never_load_wrong(tmp_path, model_bytes, data):
    blob = bytearray(model_bytes)
    for _ in range(data.draw(st.integers(1, 4), label="n_edits")):
        action = data.draw(st.sampled_from(["set", "insert", "delete", "truncate"]))
        position = data.draw(st.integers(0, max(len(blob) - 1, 0)))
        if action == "set" and blob:
            blob[position] = data.draw(st.integers(0, 255))
        elif action == "insert":
            blob[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del blob[position : position + data.draw(st.integers(1, 16))]
        else:
            del blob[position:]
    if bytes(blob) == model_bytes:
        assert _load_bytes(tmp_path, bytes(blob)).is_text
    else:
        with pytest.raises(ModelFileError):
            _load_bytes(tmp_path, bytes(blob))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.binary(max_size=64), header=st.text(max_size=200))
def test_fuzz_arbitrary_bytes_raise_model_file_error(tmp_path, prefix, header):
    raw = header.encode("utf-8", "surrogatepass")
    for data in (prefix, struct.pack("<Q", len(raw)) + raw + prefix):
        with pytest.raises(ModelFileError):
            _load_bytes(tmp_path, data)
