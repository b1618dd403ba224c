"""Child process of the ``first-call`` task: import one adapter, load a problem, fit once, report.

``python -m benchmarks.first_call LIBRARY PROBLEM.npz TOL SPAWN_TIME OUT.npz [API]``

Run by :func:`benchmarks.run.bench_first_call` in a fresh interpreter. It
imports nothing before the adapter module of ``LIBRARY`` (which imports NumPy
and the library), so ``import_s`` is what a user's first ``import`` costs.
``SPAWN_TIME`` is the parent's ``time.perf_counter()`` just before it started
this process (``CLOCK_MONOTONIC`` on Linux, shared by all processes), so
``total_s`` runs from process creation, interpreter start-up included, to the
end of the first fit. The fit is a single Lasso fit at ``alpha`` (in the npz);
its coefficients go to ``OUT.npz`` for the parent to re-score; the times are
printed as one JSON line. ``API`` is ``fit`` (default: the adapter's ``fit``) or
``first_fit`` (the adapter's ``first_fit``, for a library with a lighter entry point).
"""

import time

_T_MAIN = time.perf_counter()

import importlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402


def main(argv):
    library, data_path, tol, spawn, out_path = argv[:5]
    api = argv[5] if len(argv) > 5 else "fit"
    t0 = time.perf_counter()
    adapter = importlib.import_module(f"benchmarks.libraries.{library.replace('-', '_')}")
    t_import = time.perf_counter() - t0
    import numpy as np
    import scipy.sparse as sp

    t0 = time.perf_counter()
    with np.load(data_path) as data:
        X = sp.csc_matrix((data["data"], data["indices"], data["indptr"]), shape=tuple(data["shape"]))
        y, alpha = data["y"], data["alpha"]
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    if api == "first_fit":
        fit = adapter.first_fit(X, y, alpha, tol=float(tol))
    else:
        fit = adapter.fit(X, y, alpha, l1_ratio=1.0, tol=float(tol), datafit="quadratic")
    t_end = time.perf_counter()
    np.savez(out_path, coefs=fit.dense(), intercepts=fit.intercepts)  # after the clock stopped
    print(json.dumps({"total_s": t_end - float(spawn), "import_s": t_import, "load_s": t_load,
                      "first_fit_s": t_end - t0, "startup_s": _T_MAIN - float(spawn)}))


if __name__ == "__main__":
    main(sys.argv[1:])
