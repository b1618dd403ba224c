"""Peak memory of ``sparsefit.regularization_path`` on the sparse n=100,000 p=100,000 problem.

``python -m benchmarks.memory [--size full|quick|tiny] [--tol 1e-4]``

The Lasso path of the ``lasso-path`` task (100 alphas geometric from
``alpha_max`` to ``alpha_max / 100``, all of them: ``early_stop=False``) on
``sparse-large``, measured in a fresh child process so that nothing but ``X``
and ``y`` is held when it starts:

1. the parent builds the problem and saves ``X.data``, ``X.indices``,
   ``X.indptr`` and ``y`` as ``.npy`` files (read back without temporaries);
2. the child (one thread, like the benchmarks) imports sparsefit, runs a small
   path on the ``tiny`` size of the same problem (numba's kernels loaded or
   compiled, so compilation memory is not counted), loads ``X`` and ``y``, and
   records its resident set size (RSS);
3. it resets the kernel's peak-RSS mark (``/proc/self/clear_refs``, Linux; where
   that is refused the peak since process start is used, which the loaded ``X``
   dominates anyway), starts ``tracemalloc`` and runs the path;
4. it reports the peak RSS during the path minus the RSS before it (everything
   the path allocated: NumPy, SciPy, numba's own allocations, the result), and
   ``tracemalloc``'s peak (the allocations Python and NumPy report to it; numba's
   are not among them).

Both are given as multiples of the size of ``X`` (data + indices + indptr
bytes); "peak = X + k X" is what issue #10's "peak memory under 2x the size of
X" asks about. As a cross-check of the whole process, run it under
``/usr/bin/time -v`` ("Maximum resident set size" of the child).
"""

from __future__ import annotations

if __name__ == "__main__":  # before NumPy is imported, so that BLAS/OpenMP start with one thread
    from benchmarks import pin_threads

    pin_threads()

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROBLEM = "sparse-large"
N_ALPHAS = 100
MIN_RATIO = 1e-2
TOL = 1e-4  # sparsefit's tolerance in the lasso-path rows (its calibrated one)


def _status_kib(field):
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status, in KiB (None off Linux)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak():
    """Reset the peak-RSS mark to the current RSS (Linux >= 4.0); False where refused."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _child(folder, size, tol):
    import gc
    import resource
    import tracemalloc

    import numpy as np
    import scipy.sparse as sp

    import sparsefit

    from .problems import get_problem

    tiny = get_problem(PROBLEM, "tiny")
    sparsefit.regularization_path(tiny.X, tiny.y, n_alphas=N_ALPHAS, alpha_min_ratio=MIN_RATIO, tol=tol,
                                  early_stop=False)
    get_problem.cache_clear()
    del tiny
    folder = Path(folder)
    shape = tuple(int(k) for k in np.load(folder / "shape.npy"))
    X = sp.csc_matrix((np.load(folder / "data.npy"), np.load(folder / "indices.npy"),
                       np.load(folder / "indptr.npy")), shape=shape, copy=False)
    y = np.load(folder / "y.npy")
    gc.collect()
    rss_before = _status_kib("VmRSS")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    reset = _reset_peak()
    tracemalloc.start()
    t0 = time.perf_counter()
    path = sparsefit.regularization_path(X, y, n_alphas=N_ALPHAS, alpha_min_ratio=MIN_RATIO, tol=tol,
                                         early_stop=False)
    elapsed = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    hwm_after = _status_kib("VmHWM") if reset else None
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_kib = hwm_after if hwm_after is not None else maxrss_after
    print(json.dumps({
        "x_bytes": int(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes), "n_samples": shape[0],
        "n_features": shape[1], "nnz": int(X.nnz), "rss_before": rss_before * 1024,
        "peak_rss": peak_kib * 1024, "peak_extra": (peak_kib - rss_before) * 1024,
        "maxrss_before": maxrss_before * 1024, "maxrss_after": maxrss_after * 1024, "peak_reset": reset,
        "tracemalloc_peak": traced_peak, "seconds": elapsed, "n_alphas": len(path.alphas),
        "nnz_last": int(path.coefs[:, -1].count_nonzero()),
    }))


def measure(size="full", tol=TOL):
    """Run the measurement in a fresh child process; return its numbers (bytes and seconds) as a dict."""
    import numpy as np

    from .problems import get_problem

    problem = get_problem(PROBLEM, size)
    X = problem.X.tocsc()
    with tempfile.TemporaryDirectory(prefix="sparsefit-memory-") as tmp:
        folder = Path(tmp)
        for name, array in (("data", X.data), ("indices", X.indices), ("indptr", X.indptr),
                            ("shape", np.array(X.shape)), ("y", problem.y)):
            np.save(folder / f"{name}.npy", array)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        proc = subprocess.run([sys.executable, "-m", "benchmarks.memory", "--child", str(folder), "--size", size,
                               "--tol", repr(tol)], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the measuring process failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["size"] = size
    return result


def summary(r):
    """One line; "peak = X + k X" takes the larger of the two extra-memory figures (neither contains the other)."""
    mb = 1e6
    x = r["x_bytes"]
    extra = max(r["peak_extra"], r["tracemalloc_peak"])
    how = "peak-RSS mark reset before the path" if r["peak_reset"] else "peak RSS since process start"
    return (f"memory: regularization_path ({r['n_alphas']} alphas to alpha_max/{1 / MIN_RATIO:g}, "
            f"{r['seconds']:.1f} s) on {PROBLEM} ({r['size']}, n={r['n_samples']}, p={r['n_features']}, "
            f"nnz={r['nnz']}), X = {x / mb:.1f} MB: peak = X + {extra / x:.2f} X "
            f"[RSS +{r['peak_extra'] / mb:.1f} MB = {r['peak_extra'] / x:.2f} X over the {r['rss_before'] / mb:.0f} MB "
            f"held before the path ({how}); tracemalloc peak {r['tracemalloc_peak'] / mb:.1f} MB = "
            f"{r['tracemalloc_peak'] / x:.2f} X]")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("full", "quick", "tiny"), default="full")
    parser.add_argument("--tol", type=float, default=TOL, help="regularization_path's tol")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.size, args.tol)
        return 0
    print(summary(measure(args.size, args.tol)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
