"""The prediction server, run for real: uvicorn on 127.0.0.1 at a free port, driven with httpx."""

import asyncio
import inspect
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression as SkLogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

import sparsefit  # noqa: E402
from sparsefit.modelio import load, save_model  # noqa: E402

MAX_BATCH = 50
MAX_BODY = 64 * 1024


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``sparsefit serve`` in a subprocess, bound to loopback."""

    def __init__(self, model_path, log_path, *options):
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sparsefit.cli", "serve", str(model_path), "--port", str(port), *options],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server not ready after 90 s:\n{self.log()}")
            time.sleep(0.1)

    def log(self):
        with open(self.log_path) as handle:
            return handle.read()

    def version(self):
        return httpx.get(f"{self.url}/ready").json()["model_version"]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = sp.random(200, 60, density=0.2, random_state=3, format="csr")
    w = np.zeros(60)
    w[:8] = rng.standard_normal(8) * 4
    y = X @ w
    labels = np.array(["low", "mid", "high"])[np.digitize(y, np.quantile(y, [0.33, 0.66]))]
    return X, y, labels


def _rows(X, n):
    return [{f"x{j}": float(v) for j, v in zip(X[i].indices, X[i].data)} for i in range(n)]


@pytest.fixture(scope="module")
def classifier_server(data, tmp_path_factory):
    X, _, labels = data
    folder = tmp_path_factory.mktemp("served")
    path = save_model(SkLogisticRegression(C=5.0).fit(X, labels), folder / "clf.sfm")
    server = Server(path, folder / "server.log", "--max-batch", str(MAX_BATCH), "--max-body-bytes", str(MAX_BODY))
    yield server, load(path)
    server.stop()


def test_predictions_match_the_in_process_model(data, classifier_server):
    X, _, _ = data
    server, predictor = classifier_server
    rows = _rows(X, 30) + [{"x1": 1.0, "not-a-feature": 3.0}]
    answer = httpx.post(f"{server.url}/predict", json={"rows": rows})
    assert answer.status_code == 200
    body = answer.json()
    assert body["model_version"] == predictor.model_version
    assert body["classes"] == predictor.classes_.tolist()
    assert body["predictions"] == [predictor.predict_one(r) for r in rows]
    np.testing.assert_allclose(body["probabilities"], [predictor.predict_proba_one(r) for r in rows], rtol=1e-12)
    assert body["unknown_features"][-1] == 1 + ("x1" not in predictor._name_to_pos)
    one = httpx.post(f"{server.url}/predict", json={"row": rows[0]}).json()
    assert one["predictions"] == body["predictions"][:1]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"row": {"x0": "1.5"}}, ["body", "row", "x0"]),
        ({"row": {"x0": True}}, ["body", "row", "x0"]),
        ({"rows": [{"x0": 1.0}, {"x3": [1]}]}, ["body", "rows", 1, "x3"]),
        ({"rows": [{"x0": 1.0}] * (MAX_BATCH + 1)}, ["body", "rows"]),
        ({"rows": []}, ["body", "rows"]),
        ({"text": "a document"}, ["body", "text"]),
        ({"row": {"x0": 1.0}, "rows": [{"x0": 1.0}]}, ["body"]),
        ({}, ["body"]),
        ({"row": {"x0": 1.0}, "extra": 1}, ["body", "extra"]),
    ],
    ids=["string", "bool", "list", "batch-limit", "empty-batch", "text-to-tabular", "two-forms", "none", "extra"],
)
def test_invalid_requests_get_422_naming_the_field(classifier_server, payload, field):
    server, _ = classifier_server
    answer = httpx.post(f"{server.url}/predict", json=payload)
    assert answer.status_code == 422
    assert field in [error["loc"] for error in answer.json()["detail"]]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_values_get_422(classifier_server, literal):
    server, _ = classifier_server
    body = '{"rows": [{"x0": 1.0}, {"x2": %s}]}' % literal
    answer = httpx.post(f"{server.url}/predict", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "rows", 1, "x2"]


def test_oversized_bodies_get_413(classifier_server):
    server, _ = classifier_server
    big = b'{"rows": [' + b",".join([b'{"x0": 1.0}'] * 8000) + b"]}"
    assert len(big) > MAX_BODY
    declared = httpx.post(f"{server.url}/predict", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413

    def chunks():  # no Content-Length: the limit must hold while the body streams in
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    streamed = httpx.post(f"{server.url}/predict", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert httpx.get(f"{server.url}/health").status_code == 200


def test_model_health_ready_and_metrics(classifier_server):
    server, predictor = classifier_server
    model = httpx.get(f"{server.url}/model", params={"top": 3}).json()
    assert model["n_kept"] == predictor.n_kept and model["n_features"] == 60
    assert [f["index"] for f in model["top_features"]] == [f["index"] for f in predictor.top_features(3)]
    assert model["metadata"]["estimator"].endswith("LogisticRegression")
    assert httpx.get(f"{server.url}/health").json() == {"status": "ok"}
    assert httpx.get(f"{server.url}/ready").json() == {"ready": True, "model_version": predictor.model_version}
    httpx.post(f"{server.url}/predict", json={"row": {"x0": "bad"}})
    metrics = httpx.get(f"{server.url}/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'sparsefit_requests_total{path="/predict",status="422"}' in text
    assert 'sparsefit_request_duration_seconds_bucket{path="/model",le="+Inf"} 1' in text
    assert f'sparsefit_model_info{{version="{predictor.model_version}"' in text


async def _load(url, payloads, clients, stop=None):
    """Bounded loopback load: ``clients`` connections sending ``payloads`` in turn; returns status codes."""
    statuses, queue = [], list(enumerate(payloads))
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:

        async def worker():
            while queue and not (stop is not None and stop.is_set()):
                _, payload = queue.pop()
                statuses.append((await client.post("/predict", json=payload)).status_code)

        await asyncio.gather(*(worker() for _ in range(clients)))
    return statuses


def test_concurrent_clients_all_answered(data, classifier_server):
    X, _, _ = data
    server, _ = classifier_server
    rows = _rows(X, 200)
    statuses = asyncio.run(_load(server.url, [{"row": rows[i % 200]} for i in range(2000)], clients=8))
    assert len(statuses) == 2000 and set(statuses) == {200}


def test_text_model_server(tmp_path):
    docs = ["good fun film", "bad boring film", "fun and good", "boring, bad, bad"] * 5
    model = make_pipeline(TfidfVectorizer(), SkLogisticRegression(C=10.0)).fit(docs, [1, 0, 1, 0] * 5)
    path = save_model(model, tmp_path / "text.sfm", dtype="float64")
    server = Server(path, tmp_path / "server.log")
    try:
        texts = ["good film", "so boring", "unknown words"]
        body = httpx.post(f"{server.url}/predict", json={"texts": texts}).json()
        np.testing.assert_allclose(body["probabilities"], model.predict_proba(texts), rtol=1e-12)
        assert body["predictions"] == model.predict(texts).tolist()
        answer = httpx.post(f"{server.url}/predict", json={"row": {"good": 1.0}})
        assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "row"]
    finally:
        server.stop()


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _write_atomically(path, data):
    tmp = path.with_suffix(".incoming")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_hot_reload_on_file_change_without_failed_requests(data, tmp_path):
    X, y, labels = data
    path = save_model(SkLogisticRegression(C=5.0).fit(X, labels), tmp_path / "model.sfm")
    first = load(path).model_version
    server = Server(path, tmp_path / "server.log", "--reload-interval", "0.1")
    rows = _rows(X, 50)
    try:

        async def scenario():
            stop = asyncio.Event()
            traffic = asyncio.create_task(_load(server.url, [{"row": rows[i % 50]} for i in range(10**6)],
                                                clients=4, stop=stop))
            await asyncio.sleep(0.3)
            # a valid new model (different classes) swapped in under load
            save_model(SkLogisticRegression(C=0.5).fit(X, y > 0), path)
            second = load(path).model_version
            assert await asyncio.to_thread(_wait_for, lambda: server.version() == second)
            # a corrupt file: the second model keeps serving
            _write_atomically(path, path.read_bytes()[:-7])
            assert await asyncio.to_thread(
                _wait_for, lambda: 'sparsefit_model_reloads_total{result="failed"} 1' in
                httpx.get(f"{server.url}/metrics").text)
            await asyncio.sleep(0.3)
            stop.set()
            return second, await traffic

        second, statuses = asyncio.run(scenario())
        assert second != first and server.version() == second
        # traffic flowed through both swaps (how much depends on the machine's load) and none failed
        assert len(statuses) >= 20 and set(statuses) == {200}
        body = httpx.post(f"{server.url}/predict", json={"row": rows[0]}).json()
        assert body["classes"] == [False, True]
    finally:
        server.stop()
    assert "reload (file changed) failed, still serving model" in server.log()


def test_sighup_reloads(data, tmp_path):
    X, _, labels = data
    path = save_model(SkLogisticRegression(C=5.0).fit(X, labels), tmp_path / "model.sfm")
    server = Server(path, tmp_path / "server.log", "--no-watch")
    try:
        first = server.version()
        sparsefit.Lasso(alpha=0.01).fit(X, np.arange(200.0)).save(path)
        time.sleep(0.5)
        assert server.version() == first  # not watching: only the signal reloads
        server.process.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: server.version() == load(path).model_version)
        assert httpx.get(f"{server.url}/model").json()["kind"] == "regressor"
    finally:
        server.stop()


def test_graceful_shutdown_finishes_in_flight_request(data, tmp_path):
    X, _, labels = data
    path = save_model(SkLogisticRegression(C=5.0).fit(X, labels), tmp_path / "model.sfm")
    server = Server(path, tmp_path / "server.log")
    body = b'{"row": {"x0": 1.0}}'

    def slow_body():
        yield body[:5]
        # the request is in flight when the server is told to stop
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        yield body[5:]

    try:
        answer = httpx.post(f"{server.url}/predict", content=slow_body(),
                            headers={"content-type": "application/json"}, timeout=30.0)
        assert answer.status_code == 200 and len(answer.json()["predictions"]) == 1
        # uvicorn re-raises the signal after its clean shutdown, so the exit status is "terminated"
        assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        server.stop()
    assert "Finished server process" in server.log()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/health", timeout=1.0)


def test_binds_loopback_by_default(classifier_server):
    from sparsefit.serve import run

    assert inspect.signature(run).parameters["host"].default == "127.0.0.1"
    server, _ = classifier_server
    assert "Uvicorn running on http://127.0.0.1:" in server.log()


def test_corrupt_model_refused_at_start(tmp_path):
    path = tmp_path / "broken.sfm"
    path.write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    result = subprocess.run([sys.executable, "-m", "sparsefit.cli", "serve", str(path), "--port", str(_free_port())],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Cannot serve" in result.stderr and "not a sparsefit model file" in result.stderr
