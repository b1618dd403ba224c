"""Distributed fits on a local Dask cluster agree with the single-machine solvers.

Assertions are certificates and agreement: the distributed and the
single-machine fit are re-scored from ``coef_`` / ``intercept_`` alone with
:func:`sparsefit._optimality.certificate`; objectives must agree within 1e-6
(relative) and supports must be equal.
"""

import os

import numpy as np
import pytest
import scipy.sparse as sp

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

import sparsefit  # noqa: E402
import sparsefit.dask as sfd  # noqa: E402
from sparsefit._objective import Logistic, Quadratic  # noqa: E402
from sparsefit._optimality import certificate  # noqa: E402
from sparsefit._penalty import ElasticNetPenalty  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")

TOL = 1e-8  # both fits; the comparison asks for 1e-6


@pytest.fixture(scope="session")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=50)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _problem(seed=0, n=400, p=60, classify=True, n_informative=6):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.15, format="csr", random_state=seed, data_rvs=rng.standard_normal)
    w = np.zeros(p)
    w[:n_informative] = rng.uniform(1.0, 3.0, n_informative) * rng.choice([-1, 1], n_informative)
    u = X @ w + 0.3 * rng.standard_normal(n)
    y = (u > 0).astype(int) if classify else u + 1.0
    weights = rng.integers(1, 4, n).astype(float)
    return X, y, weights


def _chunked(X, layout, rows=200):
    if layout == "dense":
        return da.from_array(X.toarray(), chunks=(rows, X.shape[1]))
    return da.from_array(X, chunks=(rows, X.shape[1]), asarray=False)


def _score(X, y, coef, intercept, datafit, alpha, l1_ratio, sw, fit_intercept):
    return certificate(X, y, np.ravel(coef), float(np.ravel(intercept)[0]) if np.ndim(intercept) else intercept,
                       datafit, ElasticNetPenalty(alpha, l1_ratio), sample_weight=sw, fit_intercept=fit_intercept)


def _assert_agree(X, y, ref, dist, datafit, alpha, l1_ratio, sw, fit_intercept):
    c_ref = _score(X, y, ref.coef_, ref.intercept_, datafit, alpha, l1_ratio, sw, fit_intercept)
    c_dist = _score(X, y, dist.coef_, dist.intercept_, datafit, alpha, l1_ratio, sw, fit_intercept)
    assert abs(c_dist.primal - c_ref.primal) <= 1e-6 * abs(c_ref.primal)
    np.testing.assert_array_equal(np.ravel(dist.coef_) != 0, np.ravel(ref.coef_) != 0)
    # the distributed certificate, recomputed from coef_ alone
    p0 = _score(X, y, np.zeros(X.shape[1]), _null(datafit, y, sw, fit_intercept), datafit, alpha, l1_ratio, sw,
                fit_intercept).primal
    assert c_dist.gap <= 10 * TOL * p0
    assert np.count_nonzero(dist.coef_) > 0


def _null(datafit, y, sw, fit_intercept):
    if not fit_intercept:
        return 0.0
    s = np.ones_like(y, dtype=float) if sw is None else sw
    return datafit.null_intercept(y, s / s.sum())


@pytest.mark.parametrize(
    "penalty, layout, fit_intercept, weighted",
    [
        ("l1", "csr", True, False),
        ("l1", "dense", False, True),
        ("l2", "csr", True, True),
        ("l2", "dense", True, False),
        ("elasticnet", "csr", False, False),
        ("elasticnet", "dense", True, True),
    ],
)
def test_logistic_matches_single_machine(client, penalty, layout, fit_intercept, weighted):
    X, y, weights = _problem(seed=1)
    sw = weights if weighted else None
    params = dict(penalty=penalty, C=0.5, tol=TOL, fit_intercept=fit_intercept,
                  l1_ratio=0.5 if penalty == "elasticnet" else None)
    ref = sparsefit.LogisticRegression(**params).fit(X, y, sample_weight=sw)
    dist = sparsefit.LogisticRegression(**params).fit(_chunked(X, layout), y, sample_weight=sw)
    assert dist.converged_ and dist.coef_.shape == (1, X.shape[1])
    np.testing.assert_array_equal(dist.classes_, [0, 1])
    assert dist.alpha_ == pytest.approx(ref.alpha_)
    y_pm = np.where(y == 1, 1.0, -1.0)
    _assert_agree(X, y_pm, ref, dist, Logistic(), ref.alpha_, dist._l1_ratio(), sw, fit_intercept)
    # fitted on the cluster, predicts on plain arrays: its own model's probabilities, and (both fits certified
    # to a gap of 1e-8 P(0), not to equal coefficients) the single-machine model's to about 1e-4
    own = 1.0 / (1.0 + np.exp(-(X @ np.ravel(dist.coef_) + float(np.ravel(dist.intercept_)[0]))))
    np.testing.assert_allclose(dist.predict_proba(X)[:, 1], own, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dist.predict_proba(X), ref.predict_proba(X), atol=1e-3)


@pytest.mark.parametrize(
    "estimator, layout, fit_intercept, weighted",
    [
        (sparsefit.Lasso(alpha=0.02), "csr", True, True),
        (sparsefit.Lasso(alpha=0.02), "dense", False, False),
        (sparsefit.ElasticNet(alpha=0.02, l1_ratio=0.6, standardize=True), "csr", True, False),
        (sparsefit.Ridge(alpha=0.05), "dense", True, True),
    ],
)
def test_regression_matches_single_machine(client, estimator, layout, fit_intercept, weighted):
    X, y, weights = _problem(seed=2, classify=False)
    sw = weights if weighted else None
    params = {**estimator.get_params(), "tol": TOL, "fit_intercept": fit_intercept}
    ref = type(estimator)(**params).fit(X, y, sample_weight=sw)
    dist = type(estimator)(**params).fit(_chunked(X, layout), da.from_array(y, chunks=200), sample_weight=sw)
    assert dist.converged_
    if params.get("standardize"):  # compare the standardized problem's objective through the objective_ both report
        assert abs(dist.objective_ - ref.objective_) <= 1e-6 * ref.objective_
        np.testing.assert_array_equal(dist.coef_ != 0, ref.coef_ != 0)
        return
    _assert_agree(X, y, ref, dist, Quadratic(), params["alpha"], dist._l1_ratio(), sw, fit_intercept)


def test_killed_worker_fit_completes(client, monkeypatch):
    """A worker process dies mid-fit: Dask recomputes its blocks from the source and the fit goes on."""
    from sparsefit.dask import _primitives

    X, y, _ = _problem(seed=3)
    ref = sparsefit.LogisticRegression(penalty="l1", C=0.5, tol=TOL).fit(X, y)
    before = set(client.run(os.getpid).values())
    calls = {"n": 0}
    original = _primitives.Problem.direction

    def direction_then_kill(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            holder = next(iter(client.who_has(self.preps).values()))[0]
            pid = client.run(os.getpid, workers=[holder])[holder]
            os.kill(pid, 9)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_primitives.Problem, "direction", direction_then_kill)
    dist = sparsefit.LogisticRegression(penalty="l1", C=0.5, tol=TOL).fit(_chunked(X, "csr", rows=100), y)
    monkeypatch.undo()
    assert calls["n"] > 3 and dist.converged_
    _assert_agree(X, np.where(y == 1, 1.0, -1.0), ref, dist, Logistic(), ref.alpha_, 1.0, None, True)
    client.wait_for_workers(2, timeout=60)
    assert set(client.run(os.getpid).values()) != before


def test_fista_matches_with_bounds(client):
    X, y, _ = _problem(seed=4, classify=False)
    params = dict(alpha=0.05, positive=True, tol=1e-7)
    ref = sparsefit.Lasso(**params).fit(X, y)
    dist = sparsefit.Lasso(**params).fit(_chunked(X, "csr"), y)  # box constraints: "auto" picks FISTA
    assert dist.converged_ and (dist.coef_ >= 0).all()
    assert abs(dist.objective_ - ref.objective_) <= 1e-6 * ref.objective_
    np.testing.assert_array_equal(dist.coef_ != 0, ref.coef_ != 0)


def test_multiclass_one_vs_rest(client):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 8))
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3] + 0.3 * rng.standard_normal((300, 3)), axis=1)]
    ref = sparsefit.LogisticRegression(C=1.0, tol=TOL).fit(X, y)
    dist = sparsefit.LogisticRegression(C=1.0, tol=TOL).fit(da.from_array(X, chunks=(150, 8)), y)
    np.testing.assert_array_equal(dist.classes_, ref.classes_)
    assert dist.coef_.shape == (3, 8) and dist.n_iter_.shape == (3,)
    pen = ElasticNetPenalty(ref.alpha_, 0.0)
    for k, label in enumerate(ref.classes_):
        y_pm = np.where(y == label, 1.0, -1.0)
        c_ref = certificate(X, y_pm, ref.coef_[k], ref.intercept_[k], Logistic(), pen)
        c_dist = certificate(X, y_pm, dist.coef_[k], dist.intercept_[k], Logistic(), pen)
        assert abs(c_dist.primal - c_ref.primal) <= 1e-6 * c_ref.primal
    assert (dist.predict(X) == ref.predict(X)).mean() > 0.99


def test_path_alpha_max_warm_starts_and_cold_fit(client):
    X, y, _ = _problem(seed=6)
    Xd = _chunked(X, "csr")
    path = sfd.regularization_path(Xd, y, loss="logistic", n_alphas=5, eps=0.1, tol=TOL)
    assert path.coefs.shape == (X.shape[1], 5) and path.converged.all()
    assert path.coefs[:, 0].nnz == 0  # alpha_max: exactly zero
    assert path.coefs[:, -1].nnz > 3  # a non-trivial support further down
    assert path.working_set_sizes[1] < X.shape[1]  # the strong rule kept the working set small
    k = 3
    cold = sparsefit.LogisticRegression(penalty="l1", alpha=path.alphas[k], tol=TOL).fit(X, y)
    y_pm = np.where(y == 1, 1.0, -1.0)
    pen = ElasticNetPenalty(path.alphas[k], 1.0)
    warm = certificate(X, y_pm, path.coefs[:, k].toarray().ravel(), path.intercepts[k], Logistic(), pen)
    ref = certificate(X, y_pm, cold.coef_[0], cold.intercept_[0], Logistic(), pen)
    assert abs(warm.primal - ref.primal) <= 1e-6 * ref.primal
    np.testing.assert_array_equal(path.coefs[:, k].toarray().ravel() != 0, cold.coef_[0] != 0)


def test_from_svmlight_and_parquet(client, tmp_path):
    from sklearn.datasets import dump_svmlight_file

    X, y, _ = _problem(seed=7, classify=False)
    halves = [slice(0, 250), slice(250, None)]
    paths = []
    for i, rows in enumerate(halves):
        path = tmp_path / f"part-{i}.svm"
        dump_svmlight_file(X[rows], y[rows], str(path), zero_based=True)
        paths.append(str(path))
    data = sfd.from_svmlight(paths)
    assert data.shape == X.shape and data.n_blocks == 2  # padded to the widest file
    ref = sparsefit.Lasso(alpha=0.02, tol=TOL).fit(X, y)
    dist = sparsefit.Lasso(alpha=0.02, tol=TOL).fit(data, None)
    _assert_agree(X, y, ref, dist, Quadratic(), 0.02, 1.0, None, True)

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    Xd = X.toarray()
    files = []
    for i, rows in enumerate(halves):
        table = pa.table({**{f"f{j}": Xd[rows, j] for j in range(X.shape[1])}, "target": y[rows]})
        files.append(str(tmp_path / f"part-{i}.parquet"))
        pq.write_table(table, files[-1])
    dist = sparsefit.Lasso(alpha=0.02, tol=TOL).fit(sfd.from_parquet(files, target="target"), None)
    _assert_agree(X, y, ref, dist, Quadratic(), 0.02, 1.0, None, True)


def test_clear_error_when_data_does_not_fit(client, monkeypatch):
    from sparsefit.dask import _data

    with pytest.raises(sfd.DistributedMemoryError, match="Add workers"):
        _data.check_memory([8 * 2**30], [1000], [2**30, 2**30], n_features=10)
    monkeypatch.setattr(_data, "worker_memory", lambda c: [1_000_000, 1_000_000])
    X = da.from_array(np.zeros((20_000, 50)), chunks=(10_000, 50))
    with pytest.raises(sfd.DistributedMemoryError, match="smaller blocks"):
        sparsefit.Lasso().fit(X, np.zeros(20_000))


def test_input_errors(client):
    X, y, _ = _problem(seed=8)
    data = sfd.from_dask_array(_chunked(X, "csr"), y)
    with pytest.raises(ValueError, match="carries its own labels"):
        sparsefit.Lasso().fit(data, y)
    with pytest.raises(ValueError, match="one value per row"):
        sparsefit.Lasso().fit(_chunked(X, "csr"), y[:10])
    with pytest.raises(ValueError, match="only one class"):
        sparsefit.LogisticRegression().fit(_chunked(X, "csr"), np.zeros(X.shape[0]))
    with pytest.raises(ValueError, match="box constraints"):
        sfd.fit_distributed(sparsefit.Lasso(positive=True), _chunked(X, "csr"), y.astype(float), solver="owlqn")


def test_kernels_match_the_logistic_datafit():
    from sparsefit.dask._kernels import logistic_conjugate, logistic_ladder, logistic_raw_grad

    rng = np.random.default_rng(9)
    y = np.sign(rng.standard_normal(200))
    sw = rng.random(200)
    sw[:5] = 0.0
    sw /= sw.sum()
    u, xd = 20 * rng.standard_normal(200), rng.standard_normal(200)
    datafit = Logistic()
    steps = np.array([1.0, 0.5, 0.25])
    np.testing.assert_allclose(logistic_ladder(y, sw, u, xd, steps),
                               [datafit.value(y, u + t * xd, sw) for t in steps], rtol=1e-13)
    np.testing.assert_allclose(logistic_raw_grad(y, sw, u), datafit.raw_grad(y, u, sw), rtol=1e-13, atol=1e-300)
    theta = -datafit.raw_grad(y, u, sw)
    for kappa in (1.0, 0.6):
        assert logistic_conjugate(y, kappa * theta, sw) == pytest.approx(datafit.conjugate(y, kappa * theta, sw),
                                                                         rel=1e-13)
    assert logistic_conjugate(y, 3 * theta + 1.0, sw) == np.inf == datafit.conjugate(y, 3 * theta + 1.0, sw)
