"""Deployment benchmark: model file size, single-row and batch latency, server throughput.

``python -m benchmarks.inference [--quick] [--out DIR]``

Compares sparsefit's ``.sfm`` files and :class:`sparsefit.predict.Predictor`
with scikit-learn on the same fitted models, all in one run:

1. Text models (20 newsgroups, binary "sci.* vs the rest"; TfidfVectorizer +
   L1 / L2 logistic regression fitted by scikit-learn's liblinear, and an L1
   model on un-normalized TF-IDF, whose file needs only the kept terms): file size
   of the ``.sfm`` (float32) vs a joblib pickle of the scikit-learn pipeline;
   load time; raw text -> probability for one document and for a batch, vs
   the pipeline's ``predict_proba``; the largest probability difference.
2. A tabular model with 2,000 kept of 100,000 features (coefficients set by
   hand) and rows of 500 present features: one row as index/value arrays and
   as a ``{name: value}`` dict vs scikit-learn's ``predict_proba`` on a
   one-row CSR matrix (and ``DictVectorizer`` for the dict); a 1,000-row CSR
   batch.
3. ``sparsefit serve`` on 127.0.0.1 under a bounded async httpx load (a fixed
   number of concurrent clients, single-document / single-row requests):
   client-side p50 / p99 latency and throughput.

Latencies are the median over ``--repeat`` timed loops (after a warm-up) of
the per-call time within a loop. Client and server share the machine in (3).
"""

if __name__ == "__main__":  # before NumPy is imported, so that BLAS/OpenMP start with one thread
    from benchmarks import pin_threads

    pin_threads()

import argparse
import asyncio
import datetime as _dt
import io
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp


def _per_call(fn, args_list, repeat):
    """Median over ``repeat`` loops of the mean time per call (seconds); the first loop is a warm-up."""
    for args in args_list[: min(len(args_list), 50)]:
        fn(*args)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for args in args_list:
            fn(*args)
        times.append((time.perf_counter() - start) / len(args_list))
    return statistics.median(times)


def _sk_logistic(l1, C):
    import sklearn
    from sklearn.linear_model import LogisticRegression

    major_minor = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
    if l1 and major_minor >= (1, 8):
        return LogisticRegression(C=C, l1_ratio=1.0, solver="liblinear")
    return LogisticRegression(C=C, penalty="l1" if l1 else "l2", solver="liblinear")


def _joblib_size(obj):
    import joblib

    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    return buffer.tell(), buffer.getvalue()


def text_benchmark(n_docs, repeat, folder, log):
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    from sparsefit.datasets import fetch_20newsgroups
    from sparsefit.modelio import load, save_model

    data = fetch_20newsgroups()
    names = np.asarray(data.target_names)
    y = np.char.startswith(names[data.target].astype(str), "sci.")
    # the files are grouped by newsgroup: a fixed shuffle gives every subset both classes
    order = np.random.default_rng(0).permutation(len(data.data))[:n_docs]
    docs, y = [data.data[i] for i in order], y[order]
    test = list(data.data_test[:1000])
    rows = []
    # the third model shows the file without the document norm: only kept terms are stored
    for label, l1, norm in (("L1", True, "l2"), ("L2", False, "l2"), ("L1 norm=None", True, None)):
        vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2, norm=norm)
        model = make_pipeline(vectorizer, _sk_logistic(l1, 4.0 if norm else 0.1)).fit(docs, y)
        vocabulary = len(model.steps[0][1].vocabulary_)
        kept = int(np.count_nonzero(model.steps[-1][1].coef_))
        path = save_model(model, folder / f"text-{label}.sfm")
        save_model(model, folder / f"text-{label}-f64.sfm", dtype="float64")
        pickle_size, pickled = _joblib_size(model)
        (folder / f"text-{label}.joblib").write_bytes(pickled)
        bare_size, _ = _joblib_size(model.steps[-1][1])
        load_sfm = _per_call(lambda: load(path), [()] * 5, max(3, repeat // 2))
        load_pkl = _per_call(lambda: joblib.load(folder / f"text-{label}.joblib"), [()] * 5, max(3, repeat // 2))
        predictor = load(path)
        exact = load(folder / f"text-{label}-f64.sfm")
        sample = test[:200]
        one_sf = _per_call(predictor.predict_proba_one, [(d,) for d in sample], repeat)
        one_sk = _per_call(lambda d: model.predict_proba([d]), [(d,) for d in sample], repeat)
        vec = model.steps[0][1]
        transform_sk = _per_call(lambda d: vec.transform([d]), [(d,) for d in sample], repeat)
        batch_sf = _per_call(predictor.predict_proba, [(test,)], max(3, repeat // 2))
        batch_sk = _per_call(model.predict_proba, [(test,)], max(3, repeat // 2))
        reference = model.predict_proba(test)
        diff64 = float(np.abs(exact.predict_proba(test) - reference).max())
        diff32 = float(np.abs(predictor.predict_proba(test) - reference).max())
        rows.append(dict(model=f"text {label}", vocabulary=vocabulary, kept=kept, sfm_bytes=path.stat().st_size,
                         pickle_bytes=pickle_size, bare_pickle_bytes=bare_size, load_sfm_ms=load_sfm * 1e3,
                         load_pickle_ms=load_pkl * 1e3, one_sf_us=one_sf * 1e6, one_sk_us=one_sk * 1e6,
                         transform_sk_us=transform_sk * 1e6, batch_sf_ms=batch_sf * 1e3, batch_sk_ms=batch_sk * 1e3,
                         batch_rows=len(test), max_diff_f64=diff64, max_diff_f32=diff32))
        log(f"  {rows[-1]}")
    return rows


def tabular_benchmark(repeat, folder, log, p=100_000, k=2000, present=500):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from sparsefit.modelio import save_model
    from sparsefit.predict import Predictor

    rng = np.random.default_rng(0)
    clf = LogisticRegression()
    coef = np.zeros((1, p))
    coef[0, rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    clf.coef_, clf.intercept_, clf.classes_ = coef, np.array([0.1]), np.array([0, 1])
    clf.n_features_in_ = p
    predictor = Predictor.from_estimator(clf, dtype="float32")
    save_model(clf, folder / "tabular.sfm")
    n_rows = 200
    X = sp.csr_matrix((rng.standard_normal(n_rows * present),
                       np.concatenate([np.sort(rng.choice(p, present, replace=False)) for _ in range(n_rows)]),
                       np.arange(0, n_rows * present + 1, present)), shape=(n_rows, p))
    X.indices = X.indices.astype(np.int32)
    arrays = [((X[i].indices, X[i].data),) for i in range(n_rows)]
    dicts = [({f"x{j}": float(v) for j, v in zip(X[i].indices, X[i].data)},) for i in range(n_rows)]
    csr_rows = [(X[i],) for i in range(n_rows)]
    dv = DictVectorizer().fit([{f"x{j}": 0.0 for j in range(p)}])
    order = np.argsort([f"x{j}" for j in range(p)])  # DictVectorizer sorts names: permute the coefficients
    clf_dv = LogisticRegression()
    clf_dv.coef_, clf_dv.intercept_, clf_dv.classes_, clf_dv.n_features_in_ = coef[:, order], clf.intercept_, \
        clf.classes_, p
    big = sp.random(1000, p, density=present / p, random_state=1, format="csr")
    assert np.allclose(predictor.predict_proba(X), clf.predict_proba(X), atol=1e-6)
    result = dict(
        model=f"tabular {k} kept of {p:,}, {present} present",
        arrays_sf_us=_per_call(predictor.predict_proba_one, arrays, repeat) * 1e6,
        decision_sf_us=_per_call(predictor.decision_one, arrays, repeat) * 1e6,
        dict_sf_us=_per_call(predictor.predict_proba_one, dicts, repeat) * 1e6,
        csr_sk_us=_per_call(clf.predict_proba, csr_rows, repeat) * 1e6,
        dict_sk_us=_per_call(lambda d: clf_dv.predict_proba(dv.transform([d])), dicts[:50], repeat) * 1e6,
        batch_sf_ms=_per_call(predictor.predict_proba, [(big,)], repeat) * 1e3,
        batch_sk_ms=_per_call(clf.predict_proba, [(big,)], repeat) * 1e3,
    )
    log(f"  {result}")
    return result, [{"row": d} for (d,) in dicts]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _drive(url, payloads, clients):
    import httpx

    latencies, statuses, queue = [], [], list(payloads)
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=clients), timeout=30) as client:

        async def worker():
            while queue:
                payload = queue.pop()
                start = time.perf_counter()
                response = await client.post("/predict", json=payload)
                latencies.append(time.perf_counter() - start)
                statuses.append(response.status_code)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - start
    return np.asarray(latencies), statuses, wall


def server_benchmark(model_path, payloads, clients, log, label):
    import httpx

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "sparsefit.cli", "serve", str(model_path), "--port", str(port),
                                "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)
        asyncio.run(_drive(url, payloads[:200], clients))  # warm-up
        latencies, statuses, wall = asyncio.run(_drive(url, payloads, clients))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    result = dict(model=label, clients=clients, requests=len(payloads), ok=statuses.count(200),
                  p50_ms=float(np.percentile(latencies, 50) * 1e3), p99_ms=float(np.percentile(latencies, 99) * 1e3),
                  throughput_rps=len(payloads) / wall)
    log(f"  {result}")
    return result


def render(text_rows, tabular, servers, meta):
    lines = [f"# sparsefit inference benchmark ({meta})", "", "## Text models (20 newsgroups, sci.* vs rest)", "",
             "| model | vocabulary | kept | .sfm | joblib pipeline | joblib model only | load .sfm | load joblib |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in text_rows:
        lines.append(f"| {r['model']} | {r['vocabulary']:,} | {r['kept']:,} | {r['sfm_bytes'] / 1024:,.1f} KiB | "
                     f"{r['pickle_bytes'] / 1024:,.1f} KiB | {r['bare_pickle_bytes'] / 1024:,.1f} KiB | "
                     f"{r['load_sfm_ms']:.1f} ms | {r['load_pickle_ms']:.1f} ms |")
    lines += ["", "| model | one doc: sparsefit | one doc: scikit-learn | ratio | sklearn transform only | "
                  "batch sparsefit | batch scikit-learn | ratio | max abs dp (f64 / f32 file) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in text_rows:
        lines.append(f"| {r['model']} | {r['one_sf_us']:.1f} us | {r['one_sk_us']:.1f} us | "
                     f"{r['one_sk_us'] / r['one_sf_us']:.1f}x | {r['transform_sk_us']:.1f} us | "
                     f"{r['batch_sf_ms']:.1f} ms | {r['batch_sk_ms']:.1f} ms | "
                     f"{r['batch_sk_ms'] / r['batch_sf_ms']:.1f}x"
                     f" | {r['max_diff_f64']:.1e} / {r['max_diff_f32']:.1e} |")
    t = tabular
    lines += ["", f"## {t['model']}", "", "| input | sparsefit | scikit-learn | ratio |", "|---|---:|---:|---:|",
              f"| index/value arrays, predict_proba_one | {t['arrays_sf_us']:.2f} us | {t['csr_sk_us']:.1f} us "
              f"(1-row CSR predict_proba) | {t['csr_sk_us'] / t['arrays_sf_us']:.0f}x |",
              f"| index/value arrays, decision_one | {t['decision_sf_us']:.2f} us | | |",
              f"| dict name -> value | {t['dict_sf_us']:.1f} us | {t['dict_sk_us']:.1f} us (DictVectorizer + "
              f"predict_proba) | {t['dict_sk_us'] / t['dict_sf_us']:.0f}x |",
              f"| CSR batch of 1,000 rows | {t['batch_sf_ms']:.2f} ms | {t['batch_sk_ms']:.2f} ms | "
              f"{t['batch_sk_ms'] / t['batch_sf_ms']:.1f}x |",
              "", "## Server (sparsefit serve, 1 worker, loopback, async httpx clients on the same machine)", "",
              "| model | clients | requests | 200s | p50 | p99 | throughput |", "|---|---:|---:|---:|---:|---:|---:|"]
    for s in servers:
        lines.append(f"| {s['model']} | {s['clients']} | {s['requests']} | {s['ok']} | {s['p50_ms']:.2f} ms | "
                     f"{s['p99_ms']:.2f} ms | {s['throughput_rps']:,.0f} req/s |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Fewer documents, repeats and requests.")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 7)
    n_docs, n_requests = (3000, 600) if args.quick else (11_293, 3000)
    import sklearn

    import sparsefit

    meta = (f"{_dt.datetime.now():%Y-%m-%d %H:%M}, sparsefit {sparsefit.__version__}, scikit-learn "
            f"{sklearn.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("text models ...", flush=True)
        text_rows = text_benchmark(n_docs, repeat, folder, print)
        print("tabular model ...", flush=True)
        tabular, dict_rows = tabular_benchmark(repeat, folder, print)
        print("servers ...", flush=True)
        from sparsefit.datasets import fetch_20newsgroups

        test = fetch_20newsgroups().data_test
        test = [test[i] for i in np.random.default_rng(1).permutation(len(test))[:n_requests]]
        servers = [server_benchmark(folder / "text-L1.sfm", [{"text": d} for d in test], args.clients, print,
                                    "text L1, one document per request")]
        payloads = [dict_rows[i % len(dict_rows)] for i in range(n_requests)]
        servers.append(server_benchmark(folder / "tabular.sfm", payloads, args.clients, print,
                                        "tabular, one 500-feature dict row per request"))
    report = render(text_rows, tabular, servers, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"inference-{'quick' if args.quick else 'full'}-{_dt.datetime.now():%Y%m%d-%H%M%S}.md"
    out.write_text(report)
    print(report)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
