"""An HTTP prediction server for a ``.sfm`` model (FastAPI + uvicorn, the ``serve`` extra).

Endpoints
---------
``POST /predict``
    JSON body with exactly one of ``row`` (``{name: value}``), ``rows`` (a
    list of them), ``text`` or ``texts`` (text models). Answers
    ``predictions``, ``probabilities`` and ``classes`` (classifiers),
    ``unknown_features`` (per row: names the model does not use) and the
    ``model_version`` that computed them.
``GET /model``
    Metadata, kept feature count and the top features.
``GET /health``
    Liveness: the process answers.
``GET /ready``
    Readiness: a model is loaded (503 otherwise).
``GET /metrics``
    Prometheus text: requests by path and status, a latency histogram, rows
    predicted, unknown feature names, reloads and the model version.

Limits: request bodies above ``max_body_bytes`` get 413 (checked on the
``Content-Length`` header and again while the body streams in); more than
``max_batch`` rows or texts, a wrong type, a string or a non-finite number
where a number belongs get 422 naming the field.

Hot reload: on SIGHUP, or when the file's modification time, size or inode
changes (polled every ``reload_interval`` seconds), the file is loaded in a
worker thread and swapped in with one reference assignment; each request
reads the reference once, so it is answered by one model from start to end.
An invalid new file is logged with its reason and the old model keeps
serving. Shutdown (SIGINT / SIGTERM) stops accepting connections and lets
in-flight requests finish (uvicorn's graceful shutdown, bounded by
``graceful_timeout``).
"""


import asyncio
import json
import logging
import math
import os
import signal
import threading
import time
from pathlib import Path

__all__ = ["app_from_environment", "create_app", "run"]

logger = logging.getLogger("sparsefit.serve")

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_BATCH = 1000
_CONFIG_ENV = "SPARSEFIT_SERVE_CONFIG"
_LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_PATHS = ("/predict", "/model", "/health", "/ready", "/metrics")


class _Metrics:
    """Counters and a latency histogram, rendered as Prometheus text (format 0.0.4)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.requests = {}
        self.latency = {}
        self.rows = 0
        self.unknown = 0
        self.reloads = {"ok": 0, "failed": 0}

    def observe(self, path, status, seconds):
        path = path if path in _PATHS else "other"
        with self._lock:
            key = (path, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            counts, total = self.latency.get(path, ([0] * (len(_LATENCY_BUCKETS) + 1), 0.0))
            index = next((i for i, le in enumerate(_LATENCY_BUCKETS) if seconds <= le), len(_LATENCY_BUCKETS))
            counts[index] += 1
            self.latency[path] = (counts, total + seconds)

    def count_rows(self, rows, unknown):
        with self._lock:
            self.rows += rows
            self.unknown += unknown

    def count_reload(self, ok):
        with self._lock:
            self.reloads["ok" if ok else "failed"] += 1

    def render(self, predictor):
        lines = [
            "# HELP sparsefit_requests_total HTTP requests answered, by path and status.",
            "# TYPE sparsefit_requests_total counter",
        ]
        with self._lock:
            for (path, status), n in sorted(self.requests.items()):
                lines.append(f'sparsefit_requests_total{{path="{path}",status="{status}"}} {n}')
            lines += [
                "# HELP sparsefit_request_duration_seconds Time from request start to response end.",
                "# TYPE sparsefit_request_duration_seconds histogram",
            ]
            for path, (counts, total) in sorted(self.latency.items()):
                cumulative = 0
                for le, n in zip(_LATENCY_BUCKETS + ("+Inf",), counts):
                    cumulative += n
                    lines.append(f'sparsefit_request_duration_seconds_bucket{{path="{path}",le="{le}"}} {cumulative}')
                lines.append(f'sparsefit_request_duration_seconds_sum{{path="{path}"}} {total!r}')
                lines.append(f'sparsefit_request_duration_seconds_count{{path="{path}"}} {cumulative}')
            lines += [
                "# HELP sparsefit_rows_predicted_total Rows and texts scored.",
                "# TYPE sparsefit_rows_predicted_total counter",
                f"sparsefit_rows_predicted_total {self.rows}",
                "# HELP sparsefit_unknown_features_total Feature names in requests that the model does not use.",
                "# TYPE sparsefit_unknown_features_total counter",
                f"sparsefit_unknown_features_total {self.unknown}",
                "# HELP sparsefit_model_reloads_total Model reload attempts, by result.",
                "# TYPE sparsefit_model_reloads_total counter",
            ]
            for result, n in sorted(self.reloads.items()):
                lines.append(f'sparsefit_model_reloads_total{{result="{result}"}} {n}')
        lines += [
            "# HELP sparsefit_model_info The model being served (value 1).",
            "# TYPE sparsefit_model_info gauge",
            f'sparsefit_model_info{{version="{predictor.model_version}",kind="{predictor.kind}",'
            f'n_kept="{predictor.n_kept}",n_features="{predictor.n_features_in_}"}} 1',
        ]
        return "\n".join(lines) + "\n"


class _ModelHolder:
    """The served predictor, and its reload from the same path."""

    def __init__(self, path, metrics):
        from sparsefit.modelio import load

        self.path = Path(path)
        self._metrics = metrics
        self._lock = asyncio.Lock()
        self.ready = False
        self.seen = self.signature()
        self.predictor = load(self.path)

    def signature(self):
        """What identifies the file's current contents cheaply: mtime, size and inode."""
        st = os.stat(self.path)
        return st.st_mtime_ns, st.st_size, st.st_ino

    async def reload(self, why):
        from sparsefit.modelio import ModelFileError, load

        async with self._lock:
            try:
                self.seen = self.signature()
                predictor = await asyncio.to_thread(load, self.path)
            except (ModelFileError, OSError) as exc:
                self._metrics.count_reload(False)
                logger.warning("reload (%s) failed, still serving model %s: %s", why,
                               self.predictor.model_version, exc)
                return False
            old, self.predictor = self.predictor.model_version, predictor
            self._metrics.count_reload(True)
            logger.info("reloaded %s (%s): model %s -> %s", self.path, why, old, predictor.model_version)
            return True

    async def watch(self, interval):
        while True:
            await asyncio.sleep(interval)
            try:
                changed = self.signature() != self.seen
            except OSError:
                # the file is briefly absent while a non-atomic deploy replaces it
                continue
            if changed:
                await self.reload("file changed")


class _BodyLimit:
    """ASGI middleware: 413 for bodies over ``limit`` bytes, declared or streamed."""

    def __init__(self, app, limit):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from fastapi import HTTPException

        for key, value in scope["headers"]:
            if key == b"content-length" and value.isdigit() and int(value) > self.limit:
                return await _send_json(send, 413, {"detail": f"request body over {self.limit} bytes"})
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, f"request body over {self.limit} bytes")
            return message

        await self.app(scope, limited_receive, send)


class _Observe:
    """ASGI middleware: count every response by path and status, and time it."""

    def __init__(self, app, metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), 500

        async def observed_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            self.metrics.observe(scope["path"], status, time.perf_counter() - start)


async def _send_json(send, status, payload):
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _request_model(max_batch):
    from typing import Annotated

    from pydantic import BaseModel, ConfigDict, Field, model_validator

    Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
    Row = dict[str, Finite]

    class PredictRequest(BaseModel):
        """Exactly one of row, rows, text, texts."""

        model_config = ConfigDict(extra="forbid")
        row: Row | None = None
        rows: Annotated[list[Row], Field(min_length=1, max_length=max_batch)] | None = None
        text: Annotated[str, Field(strict=True)] | None = None
        texts: Annotated[list[Annotated[str, Field(strict=True)]], Field(min_length=1, max_length=max_batch)] \
            | None = None

        @model_validator(mode="after")
        def _exactly_one(self):
            given = [name for name in ("row", "rows", "text", "texts") if getattr(self, name) is not None]
            if len(given) != 1:
                raise ValueError(f"give exactly one of 'row', 'rows', 'text', 'texts' (got {given or 'none'})")
            return self

    return PredictRequest


def _unprocessable(field, message):
    from fastapi import HTTPException

    return HTTPException(422, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


def create_app(model_path, *, max_body_bytes=DEFAULT_MAX_BODY_BYTES, max_batch=DEFAULT_MAX_BATCH,
               reload_interval=1.0, watch=True):
    """Build the FastAPI application serving one ``.sfm`` file.

    The model is loaded here, so an unreadable file fails now with
    :class:`sparsefit.modelio.ModelFileError` rather than at the first request.

    Parameters
    ----------
    model_path : str or path-like
    max_body_bytes : int, default=1048576
        Larger request bodies get 413.
    max_batch : int, default=1000
        Most rows or texts per request; more get 422.
    reload_interval : float, default=1.0
        Seconds between checks of the file for changes.
    watch : bool, default=True
        Reload when the file changes (SIGHUP reloads either way, when the
        server runs in the main thread).

    Returns
    -------
    ASGI application
    """
    from contextlib import asynccontextmanager

    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, PlainTextResponse

    metrics = _Metrics()
    holder = _ModelHolder(model_path, metrics)
    PredictRequest = _request_model(max_batch)

    @asynccontextmanager
    async def lifespan(app):
        loop = asyncio.get_running_loop()
        tasks = set()

        def on_sighup():
            task = loop.create_task(holder.reload("SIGHUP"))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        hup = hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread()
        if hup:
            loop.add_signal_handler(signal.SIGHUP, on_sighup)
        watcher = loop.create_task(holder.watch(reload_interval)) if watch else None
        logger.info("serving %s (model %s)", holder.path, holder.predictor.model_version)
        holder.ready = True
        try:
            yield
        finally:
            holder.ready = False
            if hup:
                loop.remove_signal_handler(signal.SIGHUP)
            if watcher is not None:
                watcher.cancel()

    app = FastAPI(title="sparsefit model server", lifespan=lifespan)
    app.state.holder = holder
    app.state.metrics = metrics

    @app.exception_handler(RequestValidationError)
    async def unprocessable(request, exc):
        # the offending input is not echoed back: it may be a NaN (not JSON) or a 1 MiB batch
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.post("/predict")
    async def predict(body: PredictRequest):
        predictor = holder.predictor
        field = next(name for name in ("row", "rows", "text", "texts") if getattr(body, name) is not None)
        if predictor.is_text and field in ("row", "rows"):
            raise _unprocessable(field, "this is a text model: send 'text' or 'texts'")
        if not predictor.is_text and field in ("text", "texts"):
            raise _unprocessable(field, "this model takes features: send 'row' or 'rows'")
        rows = [getattr(body, field)] if field in ("row", "text") else getattr(body, field)
        try:
            scores = predictor.score_rows(rows)
        except (TypeError, ValueError) as exc:
            raise _unprocessable(field, str(exc)) from None
        answer = {"model_version": predictor.model_version,
                  "predictions": predictor.predict_from_scores(scores).tolist()}
        if predictor.has_proba:
            answer["probabilities"] = predictor.proba_from_scores(scores).tolist()
        if predictor.kind == "classifier":
            answer["classes"] = predictor.classes_.tolist()
        unknown = 0
        if not predictor.is_text:
            answer["unknown_features"] = [predictor.count_unknown(row) for row in rows]
            unknown = sum(answer["unknown_features"])
        metrics.count_rows(len(rows), unknown)
        return answer

    @app.get("/model")
    async def model(top: int = 20):
        return holder.predictor.describe(n_top=min(max(top, 0), 1000))

    @app.get("/health")
    async def health():
        return {"status": "ok"}

    @app.get("/ready")
    async def ready():
        if not holder.ready:
            return JSONResponse({"ready": False}, status_code=503)
        return {"ready": True, "model_version": holder.predictor.model_version}

    @app.get("/metrics")
    async def prometheus():
        return PlainTextResponse(metrics.render(holder.predictor), media_type="text/plain; version=0.0.4")

    app.add_middleware(_BodyLimit, limit=int(max_body_bytes))
    app.add_middleware(_Observe, metrics=metrics)
    return app


def app_from_environment():
    """App factory for multi-worker uvicorn: reads the settings :func:`run` put in the environment."""
    config = json.loads(os.environ[_CONFIG_ENV])
    return create_app(config.pop("model_path"), **config)


def run(model_path, *, host="127.0.0.1", port=8000, workers=1, max_body_bytes=DEFAULT_MAX_BODY_BYTES,
        max_batch=DEFAULT_MAX_BATCH, reload_interval=1.0, watch=True, graceful_timeout=10.0, log_level="info",
        access_log=False):
    """Serve ``model_path`` with uvicorn until interrupted.

    Parameters
    ----------
    model_path : str or path-like
    host : str, default="127.0.0.1"
        Loopback by default: exposing the server is an explicit choice.
    port : int, default=8000
    workers : int, default=1
        Processes; each loads and watches the file itself.
    max_body_bytes, max_batch, reload_interval, watch
        See :func:`create_app`.
    graceful_timeout : float, default=10.0
        Seconds in-flight requests get to finish on shutdown.
    log_level : str, default="info"
    access_log : bool, default=False
        One log line per request (the /metrics counters cover the same ground cheaply).
    """
    import uvicorn

    from sparsefit.modelio import load

    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO),
                        format="%(levelname)s:     %(name)s: %(message)s")
    options = dict(max_body_bytes=max_body_bytes, max_batch=max_batch, reload_interval=reload_interval, watch=watch)
    common = dict(host=host, port=port, log_level=log_level, access_log=access_log,
                  timeout_graceful_shutdown=graceful_timeout if math.isfinite(graceful_timeout) else None)
    if workers == 1:
        uvicorn.run(create_app(model_path, **options), **common)
        return
    load(model_path)  # fail here, once, rather than in every worker
    os.environ[_CONFIG_ENV] = json.dumps(dict(options, model_path=str(Path(model_path).resolve())))
    uvicorn.run("sparsefit.serve:app_from_environment", factory=True, workers=workers, **common)
