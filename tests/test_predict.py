"""Predictor: every input form gives the estimator's answer, touching only kept columns."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.pipeline import make_pipeline

import sparsefit
from sparsefit import _predict_kernels, predict
from sparsefit.predict import Predictor


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = sp.random(150, 400, density=0.04, random_state=2, format="csr")
    w = np.zeros(400)
    w[rng.choice(400, 15, replace=False)] = rng.standard_normal(15) * 3
    y = X @ w + 0.05 * rng.standard_normal(150)
    return X, y


@pytest.fixture(scope="module")
def lasso(data):
    X, y = data
    model = sparsefit.Lasso(alpha=0.003).fit(X, y)
    assert 0 < np.count_nonzero(model.coef_) < 100
    return model


@pytest.fixture(scope="module")
def multiclass(data):
    X, y = data
    labels = np.array(["a", "b", "c"])[np.digitize(y, np.quantile(y, [0.33, 0.66]))]
    return SkLogisticRegression(C=20.0).fit(X, labels)


def test_batch_forms_agree(data, lasso):
    X, _ = data
    predictor = lasso.to_predictor()
    expected = lasso.predict(X)
    np.testing.assert_allclose(predictor.predict(X), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(predictor.predict(X.tocsc()), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(predictor.predict(X.toarray()), expected, rtol=1e-12, atol=1e-12)
    X64 = sp.csr_matrix(X)
    X64.indices, X64.indptr = X64.indices.astype(np.int64), X64.indptr.astype(np.int64)
    np.testing.assert_allclose(predictor.predict(X64), expected, rtol=1e-12, atol=1e-12)


def test_single_row_forms_agree(data, lasso):
    X, _ = data
    predictor = lasso.to_predictor()
    expected = lasso.predict(X)
    for i in range(20):
        row = X[i]
        as_dict = {f"x{j}": v for j, v in zip(row.indices, row.data)}
        assert predictor.decision_one((row.indices, row.data)) == pytest.approx(expected[i], rel=1e-12, abs=1e-12)
        assert predictor.decision_one((row.indices.astype(np.int64), row.data)) == pytest.approx(expected[i])
        assert predictor.decision_one((row.indices.tolist(), row.data.tolist())) == pytest.approx(expected[i])
        assert predictor.predict_one(as_dict) == pytest.approx(expected[i], rel=1e-12, abs=1e-12)
    assert predictor.decision_one((np.empty(0, np.int32), np.empty(0))) == pytest.approx(lasso.intercept_)


def test_unknown_names_are_ignored_and_counted(lasso):
    predictor = lasso.to_predictor()
    kept = np.flatnonzero(lasso.coef_)
    dropped = int(np.setdiff1d(np.arange(400), kept)[0])
    row = {f"x{kept[0]}": 2.0, f"x{dropped}": 5.0, "no-such-feature": 1.0}
    assert predictor.predict_one(row) == pytest.approx(lasso.intercept_ + 2.0 * lasso.coef_[kept[0]])
    assert predictor.count_unknown(row) == 2


def test_bad_rows_are_refused(lasso):
    predictor = lasso.to_predictor()
    kept = int(np.flatnonzero(lasso.coef_)[0])
    with pytest.raises(ValueError, match="outside"):
        predictor.decision_one((np.array([400]), np.array([1.0])))
    with pytest.raises(ValueError, match="outside"):
        predictor.decision_one((np.array([-1]), np.array([1.0])))
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="NaN or infinite"):
            predictor.decision_one((np.array([kept]), np.array([bad])))
        with pytest.raises(ValueError, match="non-finite"):
            predictor.predict_one({"unused-name": bad})
    with pytest.raises(ValueError, match="equal length"):
        predictor.decision_one((np.array([1, 2]), np.array([1.0])))
    with pytest.raises(ValueError, match="400 features"):
        predictor.predict(np.ones((2, 399)))
    with pytest.raises(ValueError, match="NaN"):
        predictor.predict(sp.csr_matrix(([np.nan], ([0], [kept])), shape=(1, 400)))
    with pytest.raises(TypeError, match="only text models"):
        predictor.predict_one("some text")


def test_binary_search_path_equals_table_path(data, multiclass, monkeypatch):
    X, _ = data
    table = Predictor.from_estimator(multiclass)
    monkeypatch.setattr(predict, "_MAX_TABLE_COLUMNS", 0)
    searched = Predictor.from_estimator(multiclass)
    assert table._col_to_pos.size == 400 and searched._col_to_pos.size == 0
    np.testing.assert_array_equal(searched.decision_function(X), table.decision_function(X))
    row = X[3]
    np.testing.assert_array_equal(searched.decision_one((row.indices, row.data)),
                                  table.decision_one((row.indices, row.data)))


def test_multiclass_probabilities(data, multiclass):
    X, _ = data
    predictor = Predictor.from_estimator(multiclass)
    proba = predictor.predict_proba(X)
    np.testing.assert_allclose(proba, multiclass.predict_proba(X), rtol=1e-10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    for i in range(5):
        row = X[i]
        np.testing.assert_allclose(predictor.predict_proba_one((row.indices, row.data)), proba[i], rtol=1e-12)
        assert predictor.predict_one((row.indices, row.data)) == multiclass.predict(row)[0]
    ovr = Predictor.from_estimator(multiclass, multiclass="ovr").predict_proba(X)
    sig = 1 / (1 + np.exp(-multiclass.decision_function(X)))
    np.testing.assert_allclose(ovr, sig / sig.sum(axis=1, keepdims=True), rtol=1e-10)


def test_binary_single_row_probability(data):
    X, y = data
    model = SkLogisticRegression(C=10.0).fit(X, y > 0)
    predictor = Predictor.from_estimator(model)
    expected = model.predict_proba(X[:10])
    for i in range(10):
        row = X[i]
        np.testing.assert_allclose(predictor.predict_proba_one((row.indices, row.data)), expected[i], rtol=1e-12)
        assert predictor.predict_one((row.indices, row.data)) == model.predict(row)[0]


def test_extreme_scores_stay_finite():
    scores = np.array([[-800.0, -900.0, -1000.0], [800.0, 0.0, -800.0]])
    from sparsefit.modelio import ModelContents

    contents = ModelContents(
        tensors={"coef.indices": np.array([0], np.int32), "coef.values": np.ones((3, 1)),
                 "intercept": np.zeros(3)},
        metadata={"kind": "classifier", "link": "ovr", "dtype": "float64", "n_features": 1, "n_outputs": 3,
                  "n_kept": 1, "classes": [0, 1, 2], "classes_dtype": "int"},
    )
    proba = Predictor(contents).proba_from_scores(scores)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[0], 1 / 3)  # every sigmoid underflows: uniform, as scikit-learn does


def test_text_single_document_equals_pipeline():
    docs = ["good fun film", "bad boring film", "fun and good", "boring, bad, bad"] * 5
    model = make_pipeline(TfidfVectorizer(), SkLogisticRegression(C=10.0)).fit(docs, [1, 0, 1, 0] * 5)
    predictor = Predictor.from_estimator(model)
    for doc in docs[:4] + ["unseen words only", "", "GOOD GOOD film"]:
        np.testing.assert_allclose(predictor.predict_proba_one(doc), model.predict_proba([doc])[0], rtol=1e-12)
    with pytest.raises(ValueError, match="string object received"):
        predictor.predict("one string, not a list")
    with pytest.raises(TypeError, match="document"):
        predictor.predict_one({"good": 1.0})


def test_top_features_are_largest_coefficients(lasso):
    predictor = lasso.to_predictor()
    top = predictor.top_features(5)
    magnitudes = [abs(f["coef"]) for f in top]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert magnitudes[0] == pytest.approx(np.abs(lasso.coef_).max())
    assert all(lasso.coef_[f["index"]] == pytest.approx(f["coef"]) for f in top)
    summary = predictor.describe(3)
    assert summary["n_kept"] == np.count_nonzero(lasso.coef_) and len(summary["top_features"]) == 3


def test_each_kernel_compiles_at_most_two_signatures(data, lasso, multiclass):
    X, _ = data
    for model in (lasso, multiclass):
        predictor = Predictor.from_estimator(model)
        predictor.predict(X)
        for dtype in (np.int32, np.int64, np.intp):
            predictor.decision_one((X[0].indices.astype(dtype), X[0].data))
    docs = ["good fun film", "bad boring film"] * 3
    text = make_pipeline(TfidfVectorizer(), SkLogisticRegression()).fit(docs, [1, 0] * 3)
    Predictor.from_estimator(text).predict(docs)
    hashed = make_pipeline(HashingVectorizer(n_features=32), SkLogisticRegression()).fit(docs, [1, 0] * 3)
    Predictor.from_estimator(hashed).predict(docs)
    Predictor.from_estimator(multiclass).predict_one({"x1": 1.0})
    for kernel in (_predict_kernels.row_dot, _predict_kernels.row_scores, _predict_kernels.scores_csr,
                   _predict_kernels.scores_positions, _predict_kernels.scores_tfidf, _predict_kernels.scores_hashed):
        assert 1 <= len(kernel.signatures) <= 2


_WORDS = ["good", "fun", "film", "bad", "boring", "the", "and", "a", "I", "x_1", "B2B", "Film", "café", "naïve"]


@pytest.fixture(scope="module")
def text_models():
    docs = ["good fun film", "bad boring film", "fun and good, the film", "boring, bad, bad", "a café, naïve x_1",
            "B2B Film and the I"] * 4
    labels = [1, 0, 1, 0, 1, 0] * 4
    return [
        make_pipeline(vectorizer, SkLogisticRegression(C=10.0)).fit(docs, labels)
        for vectorizer in (TfidfVectorizer(), TfidfVectorizer(lowercase=False, sublinear_tf=True),
                           TfidfVectorizer(stop_words=["the", "and", "a"], norm=None),
                           # a given vocabulary may hold terms the tokenizer never yields
                           TfidfVectorizer(vocabulary=["good", "bad", "film", "the", "i", "a", "fun"],
                                           stop_words=["the"]),
                           HashingVectorizer(n_features=8))
    ]


@given(words=st.lists(st.sampled_from(_WORDS), max_size=30),
       separators=st.lists(st.sampled_from([" ", ", ", "\n", "--", "_", "'", "3", "\t", ".", "é "]), min_size=1))
def test_raw_text_matches_the_pipeline_on_any_document(text_models, words, separators):
    doc = "".join(w + separators[i % len(separators)] for i, w in enumerate(words))
    for model in text_models:
        predictor = Predictor.from_estimator(model)
        np.testing.assert_allclose(predictor.predict_proba_one(doc), model.predict_proba([doc])[0], rtol=1e-12)
