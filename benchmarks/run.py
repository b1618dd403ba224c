"""Run the benchmarks: ``python -m benchmarks.run [--quick] [--tasks ...] [--problems ...]``.

For every (task, problem, library):

1. Calibrate the library's own tolerance: start from the adapter's
   ``INITIAL_TOL`` (its default) and divide it by ``TIGHTEN`` (sqrt(10); at most
   ``MAX_TIGHTENINGS`` times) until the solution, re-scored with sparsefit's
   objective, is within ``--target`` (1e-6) relative suboptimality of the best
   objective any library reached (a reference solve of sparsefit at
   ``REFERENCE_TOL``, not timed, takes part in "best"). A library whose start
   reaches the target at once over-solves by its own default: its tolerance is
   then multiplied by ``TIGHTEN`` (at most ``MAX_LOOSENINGS`` times) while the
   solution still reaches it. Each library is thus timed at the loosest
   tolerance of a half-decade grid that reaches the target, whatever its
   default. The first of these calls is the warm-up (JIT compilation, numba's
   cache).
2. Time ``--repeat`` runs at that tolerance; report the median.
3. Re-score every solution with :func:`sparsefit._optimality.certificate`;
   rows whose relative suboptimality misses the target are "not converged"
   and are not ranked.

For a path task every alpha is re-scored, "best" is taken alpha by alpha,
and the row's relative suboptimality is the largest over the path.

Times are also given in "X^T r passes": the run's time divided by the
measured time of one ``X.T @ r`` on that problem.

Slow libraries: each call runs under a soft deadline (``--timeout``, seconds;
a SIGALRM that raises between two Python statements, so a single long C call
ends first) and a library's calibration stops tightening once its calls on a
row have used ``--budget`` seconds. A timed-out call gives a "timeout" row; a
calibration stopped by the budget leaves a "not converged" row. A library
whose calibrated call takes more than ``SLOW_CALL`` seconds is timed once
instead of ``--repeat`` times (the times column shows how many runs).

The ``first-call`` task is timed differently, in fresh subprocesses (see
:func:`bench_first_call`), and gets its own table in the report. A real data
set that cannot be downloaded gives "data unavailable" rows.

``--quick`` without ``--tasks``/``--problems`` runs ``tasks.QUICK_PLAN`` (every
task once, on the quick sizes) with a 30 s call deadline and a 60 s
calibration budget per library.
"""

from __future__ import annotations

if __name__ == "__main__":  # before NumPy is imported, so that BLAS/OpenMP start with one thread
    from benchmarks import pin_threads

    pin_threads()

import argparse
import csv
import datetime as _dt
import gc
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sparsefit._objective import Logistic, Quadratic
from sparsefit._optimality import alpha_max, certificate
from sparsefit._penalty import ElasticNetPenalty

from . import THREAD_VARIABLES
from .libraries import ADAPTERS, PathFit, Unsupported, labels_pm, load_adapter
from .problems import PROBLEMS, DataUnavailable, get_problem
from .tasks import DEFAULT_TASKS, QUICK_PLAN, TASKS

TARGET = 1e-6
TIGHTEN = 10 ** 0.5
MAX_TIGHTENINGS = 16
MAX_LOOSENINGS = 6  # three decades above a library's default
STALL = 3  # stop tightening after this many steps that did not halve the relative suboptimality
REFERENCE_TOL = 1e-10
REFERENCE = "sparsefit"
DEFAULT_OUT = Path(__file__).resolve().parent / "results"
TIMEOUT = 120.0  # seconds, one call
BUDGET = 300.0  # seconds, one library's calls on one (task, problem)
SLOW_CALL = 20.0  # seconds: slower calls are timed once
QUICK_TIMEOUT = 30.0  # --quick's defaults: a library that needs more is reported as such, not waited for
QUICK_BUDGET = 60.0
REPO_ROOT = Path(__file__).resolve().parents[1]

COLUMNS = [
    "task", "problem", "size", "library", "version", "status", "tol", "time_s", "time_min_s", "times_s",
    "xtr_passes", "objective", "rel_subopt", "rel_gap", "kkt", "nnz", "ratio_sparsefit_over_lib", "n_alphas",
    "alpha", "xtr_time_s", "n_samples", "n_features", "date", "machine",
    "import_s", "first_fit_s", "warm_fit_s", "estimator_time_s",  # first-call rows only
]


@dataclass(frozen=True)
class Score:
    objectives: np.ndarray  # one per alpha
    gaps: np.ndarray
    kkts: np.ndarray
    nnz: int  # at the last (smallest) alpha


@dataclass(frozen=True)
class BenchmarkResult:
    rows: list
    csv_path: Path
    report: str


def machine_description():
    cpus = os.cpu_count()
    return f"{platform.machine()} {platform.processor() or ''}".strip() + f", {cpus} cores, Python {platform.python_version()}"


def scoring_terms(problem, task):
    """sparsefit's datafit for the task and the response it expects (labels -1/+1 for the logistic loss)."""
    if task.datafit == "quadratic":
        return Quadratic(), problem.y
    if task.datafit == "logistic":
        return Logistic(), labels_pm(problem.y)
    raise KeyError(f"unknown datafit {task.datafit!r}")


def null_objective(problem, task):
    """Objective of the intercept-only model (the scale of the gaps)."""
    datafit, y = scoring_terms(problem, task)
    n = problem.shape[0]
    sw = np.full(n, 1.0 / n)
    return datafit.value(y, np.full(n, datafit.null_intercept(y, sw)), sw)


def score(problem, task, alphas, fit) -> Score:
    objectives, gaps, kkts = [], [], []
    datafit, y = scoring_terms(problem, task)
    if len(fit) != len(alphas) or len(fit.intercepts) != len(alphas):
        raise RuntimeError(f"{len(fit)} solutions and {len(fit.intercepts)} intercepts for {len(alphas)} alphas")
    for k, (alpha, intercept) in enumerate(zip(alphas, fit.intercepts)):
        penalty = ElasticNetPenalty(float(alpha), task.l1_ratio)
        cert = certificate(problem.X, y, fit.row(k), float(intercept), datafit, penalty)
        objectives.append(cert.primal)
        gaps.append(cert.gap)
        kkts.append(cert.kkt_violation)
    return Score(np.array(objectives), np.array(gaps), np.array(kkts), int(np.count_nonzero(fit.row(-1))))


def time_xtr(X, y, repeat=21):
    """Median time of one ``X.T @ r`` (the unit of work of a gradient or a CD epoch)."""
    r = y - y.mean()
    np.asarray(X.T @ r)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        X.T @ r
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


class CallTimeout(Exception):
    """A library call passed its deadline."""


@contextmanager
def _deadline(seconds):
    """Raise :class:`CallTimeout` in this thread after ``seconds`` (soft: between Python statements)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):
        raise CallTimeout(f"> {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _timed_fit(adapter, problem, task, alphas, tol, timeout=None):
    gc.collect()
    # a fresh-process task is calibrated through the call its fresh processes time: two APIs of one library
    # need not stop at the same point for the same tolerance
    first_fit = getattr(adapter.module, "first_fit", None) if task.fresh_process else None
    t0 = time.perf_counter()
    with _deadline(timeout):
        if first_fit is not None:
            fit = first_fit(problem.X, problem.y, alphas, tol=tol)
        else:
            fit = adapter.module.fit(problem.X, problem.y, alphas, l1_ratio=task.l1_ratio, tol=tol,
                                     datafit=task.datafit)
    elapsed = time.perf_counter() - t0
    return fit, elapsed


def _rel_subopt(objectives, best):
    return float(np.max((objectives - best) / np.abs(best)))


def task_alphas(problem, task):
    datafit, y = scoring_terms(problem, task)
    l1_ratio = task.l1_ratio if task.alpha_max_l1_ratio is None else task.alpha_max_l1_ratio
    return task.alphas(alpha_max(problem.X, y, datafit, l1_ratio=l1_ratio))


def bench_one(task, problem, adapters, repeat, target, log, timeout=TIMEOUT, budget=BUDGET):
    """All libraries on one (task, problem): calibrate tolerances, time, re-score, rank."""
    if task.fresh_process:
        return bench_first_call(task, problem, adapters, repeat, target, log, timeout, budget)
    return _bench_in_process(task, problem, adapters, repeat, target, log, timeout, budget)[0]


def _bench_in_process(task, problem, adapters, repeat, target, log, timeout, budget):
    """:func:`bench_one`'s rows, and the best objective per alpha (for re-scoring other runs)."""
    alphas = task_alphas(problem, task)
    p0 = null_objective(problem, task)
    xtr = time_xtr(problem.X, problem.y)
    state = {}
    reference = load_adapter(REFERENCE)
    if reference.available:
        log(f"  reference: {REFERENCE} at tol={REFERENCE_TOL:g} (not timed)")
        try:
            with warnings.catch_warnings():  # at 1e-10 some alphas may stop short; the re-scoring says by how much
                warnings.simplefilter("ignore")
                fit, _ = _timed_fit(reference, problem, task, alphas, REFERENCE_TOL)
            state["reference"] = {"status": "reference", "score": score(problem, task, alphas, fit)}
        except Exception:  # the reference only sharpens "best"; the libraries' own rows report failures
            traceback.print_exc()
    for ad in adapters:
        if not ad.available:
            state[ad.name] = {"status": ad.error}
            continue
        log(f"  {ad.name}: warm-up at tol={ad.module.INITIAL_TOL:g}")
        try:
            fit, elapsed = _timed_fit(ad, problem, task, alphas, ad.module.INITIAL_TOL, timeout)
        except Unsupported as exc:
            state[ad.name] = {"status": f"unsupported ({exc})"}
            continue
        except CallTimeout as exc:
            log(f"  {ad.name}: timeout at tol={ad.module.INITIAL_TOL:g}")
            state[ad.name] = {"status": f"timeout ({exc} at tol={ad.module.INITIAL_TOL:g})"}
            continue
        except Exception as exc:  # a crash of one library must not stop the others
            traceback.print_exc()
            state[ad.name] = {"status": f"error ({type(exc).__name__}: {exc})"}
            continue
        state[ad.name] = {"status": "ok", "tol": ad.module.INITIAL_TOL, "score": score(problem, task, alphas, fit),
                          "tightenings": 0, "last_time": elapsed, "spent": elapsed}

    def best():
        objs = [s["score"].objectives for s in state.values() if "score" in s]
        return np.min(np.vstack(objs), axis=0) if objs else None

    # Tighten tolerances until every library reaches the target against the best objective.
    changed = True
    while changed:
        changed = False
        p_best = best()
        for ad in adapters:
            s = state[ad.name]
            if s.get("status") != "ok" or _rel_subopt(s["score"].objectives, p_best) <= target:
                continue
            if s["tightenings"] >= MAX_TIGHTENINGS:
                continue
            if s["spent"] >= budget:
                if not s.get("budget_logged"):
                    log(f"  {ad.name}: calibration budget ({budget:g} s) spent, stopping at tol={s['tol']:.2g}")
                    s["budget_logged"] = True
                continue
            history = s.setdefault("history", [])
            history.append(_rel_subopt(s["score"].objectives, p_best))
            if len(history) > STALL and history[-1] > 0.5 * history[-1 - STALL]:
                log(f"  {ad.name}: rel. suboptimality stalled at {history[-1]:.1e}, stopping at tol={s['tol']:.2g}")
                s["tightenings"] = MAX_TIGHTENINGS
                continue
            tol = s["tol"] / TIGHTEN
            log(f"  {ad.name}: rel. suboptimality {_rel_subopt(s['score'].objectives, p_best):.1e}, "
                f"tightening tol to {tol:.2g}")
            try:
                fit, elapsed = _timed_fit(ad, problem, task, alphas, tol, timeout)
            except CallTimeout as exc:
                log(f"  {ad.name}: timeout at tol={tol:.2g}")
                s.update(status=f"timeout ({exc} at tol={tol:.2g})", tightenings=MAX_TIGHTENINGS)
                continue
            except Exception as exc:
                traceback.print_exc()
                s.update(status=f"error ({type(exc).__name__}: {exc})", tightenings=MAX_TIGHTENINGS)
                continue
            s.update(tol=tol, score=score(problem, task, alphas, fit), tightenings=s["tightenings"] + 1,
                     last_time=elapsed, spent=s["spent"] + elapsed)
            changed = True

    _loosen(adapters, state, best(), problem, task, alphas, target, log, timeout, budget)

    # Timing at the calibrated tolerance (the calibration calls were the warm-up).
    for ad in adapters:
        s = state[ad.name]
        if s.get("status") != "ok":
            continue
        times, scores = [], []
        n_runs = repeat if s["last_time"] <= SLOW_CALL else 1
        try:
            for _ in range(n_runs):
                fit, elapsed = _timed_fit(ad, problem, task, alphas, s["tol"], timeout)
                times.append(elapsed)
                scores.append(score(problem, task, alphas, fit))
        except CallTimeout as exc:
            s.update(status=f"timeout ({exc} at tol={s['tol']:.2g})")
            continue
        order = np.argsort(times)
        median_index = int(order[(len(times) - 1) // 2])
        s.update(times=times, time=float(np.median(times)), score=scores[median_index])
        log(f"  {ad.name}: median {s['time']:.3f}s over {repeat} runs at tol={s['tol']:.2g}")

    p_best = best()
    rows = []
    for ad in adapters:
        s = state[ad.name]
        row = {"task": task.name, "problem": problem.name, "size": problem.size, "library": ad.name,
               "version": ad.version or "", "status": s["status"], "n_alphas": len(alphas),
               "alpha": float(alphas[-1]), "xtr_time_s": xtr, "n_samples": problem.shape[0],
               "n_features": problem.shape[1]}
        if "time" in s:
            sc = s["score"]
            rel = _rel_subopt(sc.objectives, p_best)
            row.update(tol=s["tol"], time_s=s["time"], time_min_s=min(s["times"]),
                       times_s=" ".join(f"{t:.4f}" for t in s["times"]), xtr_passes=s["time"] / xtr,
                       objective=float(sc.objectives[-1]), rel_subopt=rel, rel_gap=float(np.max(sc.gaps) / p0),
                       kkt=float(np.max(sc.kkts)), nnz=sc.nnz)
            if rel > target:
                row["status"] = "not converged"
        rows.append(row)
    ref = next((r for r in rows if r["library"] == REFERENCE and r["status"] == "ok"), None)
    for row in rows:
        if ref is not None and row["status"] == "ok":
            row["ratio_sparsefit_over_lib"] = ref["time_s"] / row["time_s"]
    return rows, p_best


def _loosen(adapters, state, p_best, problem, task, alphas, target, log, timeout, budget):
    """Loosen, step by step, the tolerance of each library that reached the target at its start.

    A library is never loosened past a tolerance whose solution misses the target
    (nor past one that was tightened: the grid point above it missed already).
    A call that fails or times out while loosening ends the loosening; the last
    tolerance that reached the target is kept.
    """
    for ad in adapters:
        s = state[ad.name]
        if s.get("status") != "ok" or s["tightenings"] > 0 or _rel_subopt(s["score"].objectives, p_best) > target:
            continue
        for _ in range(MAX_LOOSENINGS):
            if s["spent"] >= budget:
                break
            tol = s["tol"] * TIGHTEN
            try:
                fit, elapsed = _timed_fit(ad, problem, task, alphas, tol, timeout)
            except Exception as exc:  # a looser tolerance a library refuses (or a timeout) ends the search
                log(f"  {ad.name}: stopping the loosening at tol={s['tol']:.2g} ({type(exc).__name__}: {exc})")
                break
            s["spent"] += elapsed
            sc = score(problem, task, alphas, fit)
            rel = _rel_subopt(sc.objectives, np.minimum(p_best, sc.objectives))
            if rel > target:
                log(f"  {ad.name}: rel. suboptimality {rel:.1e} at tol={tol:.2g}, keeping tol={s['tol']:.2g}")
                break
            log(f"  {ad.name}: loosened to tol={tol:.2g}, rel. suboptimality {rel:.1e}")
            s.update(tol=tol, score=sc, last_time=elapsed, loosenings=s.get("loosenings", 0) + 1)


def bench_first_call(task, problem, adapters, repeat, target, log, timeout=TIMEOUT, budget=BUDGET):
    """The ``first-call`` task: the time from a fresh process's start to the end of its first fit.

    1. Calibrate every library's tolerance in this process, as for any single fit, through the call the
       fresh processes time (``first_fit`` where the adapter has one); the row's ``warm_fit_s`` is the
       median in-process time at that tolerance: the fit without fixed costs.
    2. Per library, start ``repeat + 1`` fresh interpreters (``python -m benchmarks.first_call``), one
       after the other, each importing the library, loading the problem from an ``.npz`` and fitting once
       at the calibrated tolerance. The first is the warm-up (it fills numba's on-disk cache and the OS
       page cache, as ``sparsefit warmup`` or an earlier run would); the median over the others is
       reported: ``time_s`` from process creation to the end of the fit, ``import_s`` (importing the
       adapter module, NumPy and the library included) and ``first_fit_s`` (the fit call alone).
       An adapter with a ``first_fit`` function is timed through it (sparsefit's: the functional API,
       ``regularization_path``, which imports no scikit-learn); the same number of fresh processes then
       time its ``fit`` (the estimators, scikit-learn's import included): ``estimator_time_s``.
    3. Re-score the last child's solution against the best objective of step 1.
    """
    rows, p_best = _bench_in_process(task, problem, adapters, 1, target, log, timeout, budget)
    alphas = task_alphas(problem, task)
    X = problem.X.tocsc()
    env = dict(os.environ, **{var: "1" for var in THREAD_VARIABLES})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="sparsefit-first-call-") as tmp:
        data_path, out_path = Path(tmp) / "problem.npz", Path(tmp) / "fit.npz"
        np.savez(data_path, data=X.data, indices=X.indices, indptr=X.indptr, shape=np.array(X.shape),
                 y=problem.y, alpha=alphas)
        modules = {ad.name: ad.module for ad in adapters if ad.available}

        def fresh_runs(library, tol, api):
            """``repeat`` fresh processes after a warm-up one: their JSON reports, or an error status."""
            runs = []
            for i in range(repeat + 1):
                try:
                    command = [sys.executable, "-m", "benchmarks.first_call", library, str(data_path),
                               repr(float(tol)), repr(time.perf_counter()), str(out_path), api]
                    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                          timeout=timeout)
                except subprocess.TimeoutExpired:
                    return runs, f"timeout (> {timeout:g} s in a fresh process)"
                if proc.returncode != 0:
                    last = (proc.stderr.strip().splitlines() or ["?"])[-1]
                    return runs, f"error (fresh process exited with {proc.returncode}: {last})"
                if i > 0:  # the first process is the warm-up
                    runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            return runs, None

        for row in rows:
            if row["status"] != "ok":
                continue
            row["warm_fit_s"] = row["time_s"]
            # a library whose adapter has ``first_fit`` (sparsefit: its functional API, which imports no
            # scikit-learn) is timed through it; its estimator API's first call is reported alongside
            has_first_fit = hasattr(modules.get(row["library"]), "first_fit")
            if has_first_fit:
                estimator_runs, error = fresh_runs(row["library"], row["tol"], "fit")
                if error is None:
                    row["estimator_time_s"] = float(np.median([r["total_s"] for r in estimator_runs]))
                    log(f"  {row['library']}: estimator API first call {row['estimator_time_s']:.3f}s")
            runs, error = fresh_runs(row["library"], row["tol"], "first_fit" if has_first_fit else "fit")
            if error is not None:
                row["status"] = error
            if row["status"] != "ok":
                for key in ("time_s", "time_min_s", "times_s", "xtr_passes", "warm_fit_s"):
                    row.pop(key, None)
                continue
            with np.load(out_path) as fit:
                sc = score(problem, task, alphas, PathFit(fit["coefs"], fit["intercepts"]))
            totals = [r["total_s"] for r in runs]
            row.update(time_s=float(np.median(totals)), time_min_s=min(totals),
                       times_s=" ".join(f"{t:.4f}" for t in totals),
                       import_s=float(np.median([r["import_s"] for r in runs])),
                       first_fit_s=float(np.median([r["first_fit_s"] for r in runs])),
                       objective=float(sc.objectives[-1]), rel_subopt=_rel_subopt(sc.objectives, p_best),
                       nnz=sc.nnz)
            row.pop("xtr_passes", None)
            if row["rel_subopt"] > target:
                row["status"] = "not converged"
            log(f"  {row['library']}: first call {row['time_s']:.3f}s (import {row['import_s']:.3f}s, "
                f"fit {row['first_fit_s']:.3f}s) over {len(runs)} fresh processes")
    ref = next((r for r in rows if r["library"] == REFERENCE and r["status"] == "ok"), None)
    for row in rows:
        row.pop("ratio_sparsefit_over_lib", None)
        if ref is not None and row["status"] == "ok":
            row["ratio_sparsefit_over_lib"] = ref["time_s"] / row["time_s"]
    return rows


def unavailable_rows(task, problem_name, size, adapters, reason):
    """One row per library for a problem whose data could not be had."""
    return [{"task": task.name, "problem": problem_name, "size": size, "library": ad.name,
             "version": ad.version or "", "status": f"data unavailable ({reason})"} for ad in adapters]


def run_benchmarks(tasks=DEFAULT_TASKS, problems=tuple(PROBLEMS), libraries=ADAPTERS, size="full", repeat=3,
                   out=DEFAULT_OUT, target=TARGET, log=print, timeout=TIMEOUT, budget=BUDGET,
                   plan=None) -> BenchmarkResult:
    """Run every (task, problem, library); a task runs on the problems of ``problems`` it is registered for
    (``Task.problems``), or, when ``plan`` is given, exactly its (task, problem) pairs. Write the CSV and
    the markdown report; return the rows and the report."""
    if plan is None:
        for t in tasks:
            if t not in TASKS:
                raise KeyError(f"unknown task {t!r}; known: {', '.join(TASKS)}")
        plan = [(t, p) for t in tasks for p in problems if p in TASKS[t].problems]
    for t, p in plan:
        if t not in TASKS or p not in PROBLEMS:
            raise KeyError(f"unknown task or problem in {(t, p)}; known tasks: {', '.join(TASKS)}; "
                           f"problems: {', '.join(PROBLEMS)}")
    adapters = [load_adapter(name) for name in libraries]
    date = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    machine = machine_description()
    rows = []
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    csv_path = out / f"bench-{size}-{stamp}.csv"
    partial = out / f"bench-{size}-{stamp}.partial.csv"  # rows as they come, for a run that is interrupted
    with threadpool_limits(limits=1):
        for task_name, problem_name in plan:
            task = TASKS[task_name]
            try:
                problem = get_problem(problem_name, size)
            except DataUnavailable as exc:
                log(f"{task.name} on {problem_name}: data unavailable ({exc})")
                new = unavailable_rows(task, problem_name, size, adapters, str(exc).splitlines()[0])
            else:
                log(f"{task.name} on {problem.name} ({problem.size}: {problem.description})")
                new = bench_one(task, problem, adapters, repeat, target, log, timeout, budget)
            for row in new:
                row.update(date=date, machine=machine)
            rows.extend(new)
            _write_csv(partial, rows)
    _write_csv(csv_path, rows)
    partial.unlink(missing_ok=True)
    report = format_report(rows, date=date, machine=machine, repeat=repeat, target=target)
    (out / f"bench-{size}-{stamp}.md").write_text(report)
    return BenchmarkResult(rows=rows, csv_path=csv_path, report=report)


def _write_csv(path, rows):
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _fmt_csv(row.get(k)) for k in COLUMNS})


_INT_COLUMNS = ("nnz", "n_alphas", "n_samples", "n_features")
_TEXT_COLUMNS = ("task", "problem", "size", "library", "version", "status", "times_s", "date", "machine")


def load_rows(paths):
    """Rows of result CSVs (typed as :func:`run_benchmarks` returns them), to re-render a report."""
    rows = []
    for path in paths:
        with Path(path).open(newline="") as fh:
            for raw in csv.DictReader(fh):
                row = {}
                for key, value in raw.items():
                    if value == "" and key not in _TEXT_COLUMNS:
                        continue
                    row[key] = (value if key in _TEXT_COLUMNS else int(value) if key in _INT_COLUMNS
                                else float(value))
                rows.append(row)
    return rows


def _fmt_csv(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return value


def _num(value, spec):
    return "" if value is None else format(value, spec)


def format_report(rows, *, date, machine, repeat, target):
    """Markdown: one detail table per (task, problem), then the ratio table."""
    lines = [f"Run {date}; {machine}; single-threaded; median of {repeat} runs after a warm-up; "
             f"converged = rel. suboptimality <= {target:g} against the best objective found.", ""]
    groups = {}
    for row in rows:
        groups.setdefault((row["task"], row["problem"]), []).append(row)
    for (task, problem), group in groups.items():
        g0 = group[0]
        if "n_samples" not in g0:  # no problem to describe: its data could not be had
            lines += [f"### {task} / {problem} ({g0['size']})", "", g0["status"], ""]
            continue
        if task in TASKS and TASKS[task].fresh_process:
            lines += _first_call_table(task, problem, group)
            continue
        kind = (f"path of {g0['n_alphas']} alphas down to {g0['alpha']:.4g}; objective and nnz at the last alpha, "
                "rel. subopt. and rel. gap the largest over the path" if g0["n_alphas"] > 1
                else f"alpha = {g0['alpha']:.4g}")
        lines += [f"### {task} / {problem} ({g0['size']}, n={g0['n_samples']}, p={g0['n_features']}, "
                  f"one X^T r = {g0['xtr_time_s'] * 1e3:.2f} ms)", "", kind, "",
                  "| library | version | status | tol | time (s) | X^T r passes | objective | rel. subopt. "
                  "| rel. gap | nnz | sparsefit / lib |",
                  "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in group:
            lines.append(
                f"| {r['library']} | {r['version']} | {r['status']} | {_num(r.get('tol'), '.2g')} "
                f"| {_num(r.get('time_s'), '.3f')} | {_num(r.get('xtr_passes'), '.0f')} "
                f"| {_num(r.get('objective'), '.10g')} | {_num(r.get('rel_subopt'), '.1e')} "
                f"| {_num(r.get('rel_gap'), '.1e')} | {_num(r.get('nnz'), 'd')} "
                f"| {_num(r.get('ratio_sparsefit_over_lib'), '.2f')} |")
        lines.append("")
    lines += [ratio_table(rows), ""]
    return "\n".join(lines)


def _first_call_table(task, problem, group):
    g0 = group[0]
    lines = [f"### {task} / {problem} ({g0['size']}, n={g0['n_samples']}, p={g0['n_features']}, "
             f"Lasso at alpha = {g0['alpha']:.4g})", "",
             "fresh Python process per run, after one warm-up process; first call = process start to the end "
             "of the first fit (interpreter start-up, import, loading the data and the fit); import = importing "
             "the adapter module (NumPy and the library included); warm fit = the same fit in a warm process; "
             "sparsefit is timed through its functional API (`regularization_path`, no scikit-learn import), "
             "its estimator API (`sparsefit.Lasso`, scikit-learn's import included) in the last column", "",
             "| library | version | status | tol | first call (s) | import (s) | first fit (s) | warm fit (s) "
             "| rel. subopt. | nnz | sparsefit / lib | estimator API first call (s) |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in group:
        lines.append(
            f"| {r['library']} | {r['version']} | {r['status']} | {_num(r.get('tol'), '.2g')} "
            f"| {_num(r.get('time_s'), '.3f')} | {_num(r.get('import_s'), '.3f')} "
            f"| {_num(r.get('first_fit_s'), '.3f')} | {_num(r.get('warm_fit_s'), '.4f')} "
            f"| {_num(r.get('rel_subopt'), '.1e')} | {_num(r.get('nnz'), 'd')} "
            f"| {_num(r.get('ratio_sparsefit_over_lib'), '.2f')} | {_num(r.get('estimator_time_s'), '.3f')} |")
    lines.append("")
    return lines


def ratio_table(rows):
    """sparsefit's time divided by each anchor's (< 1: sparsefit is faster), and by the fastest anchor's."""
    anchors = [lib for lib in dict.fromkeys(r["library"] for r in rows) if lib != REFERENCE]
    header = "| task | problem | sparsefit (s) | " + " | ".join(anchors) + " | vs fastest anchor |"
    lines = ["#### Ratio: sparsefit time / anchor time (< 1 means sparsefit is faster)", "", header,
             "|---|---|---:|" + "---:|" * len(anchors) + "---|"]
    groups = {}
    for row in rows:
        groups.setdefault((row["task"], row["problem"]), {})[row["library"]] = row
    for (task, problem), by_lib in groups.items():
        ref = by_lib.get(REFERENCE)
        ref_ok = ref is not None and ref["status"] == "ok"
        cells, fastest = [], None
        for lib in anchors:
            r = by_lib.get(lib)
            if r is None:
                cells.append("")
            elif r["status"] != "ok":
                cells.append(r["status"].split(" (")[0])
            else:
                cells.append(f"{r['ratio_sparsefit_over_lib']:.2f}" if ref_ok else f"({r['time_s']:.3f}s)")
                if fastest is None or r["time_s"] < fastest["time_s"]:
                    fastest = r
        vs = (f"{ref['time_s'] / fastest['time_s']:.2f} ({fastest['library']})" if ref_ok and fastest else "")
        ref_cell = f"{ref['time_s']:.3f}" if ref_ok else (ref["status"].split(" (")[0] if ref else "")
        lines.append(f"| {task} | {problem} | {ref_cell} | " + " | ".join(cells) + f" | {vs} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="quarter-size problems, for development")
    parser.add_argument("--size", choices=("full", "quick", "tiny"), default=None, help="problem size (overrides --quick)")
    parser.add_argument("--tasks", nargs="+", default=None, choices=list(TASKS) + ["all"],
                        help=f"task names, or all (default: {' '.join(DEFAULT_TASKS)}; with --quick and no "
                             "--problems, the quick plan: every task once, see benchmarks/tasks.py)")
    parser.add_argument("--problems", nargs="+", default=None, choices=list(PROBLEMS),
                        help="problems (default: every problem each task is registered for)")
    parser.add_argument("--libraries", nargs="+", default=list(ADAPTERS), choices=list(ADAPTERS))
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the warm-up (median reported)")
    parser.add_argument("--target", type=float, default=TARGET, help="relative suboptimality to reach")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory of the CSV and markdown results")
    parser.add_argument("--timeout", type=float, default=None,
                        help=f"soft deadline of one library call (s; default {TIMEOUT:g}, {QUICK_TIMEOUT:g} with --quick)")
    parser.add_argument("--budget", type=float, default=None,
                        help=f"calibration time of one library on one (task, problem) (s; default {BUDGET:g}, "
                             f"{QUICK_BUDGET:g} with --quick)")
    parser.add_argument("--report", nargs="+", type=Path, default=None, metavar="CSV",
                        help="run nothing: print the report of these result CSVs (e.g. a .partial.csv)")
    args = parser.parse_args(argv)
    if args.report:
        rows = load_rows(args.report)
        print(format_report(rows, date=", ".join(sorted({r.get("date", "") for r in rows})),
                            machine=rows[0].get("machine", "") if rows else "", repeat=args.repeat,
                            target=args.target))
        return 0
    size = args.size or ("quick" if args.quick else "full")
    plan = list(QUICK_PLAN) if size == "quick" and args.tasks is None and args.problems is None else None
    tasks = list(TASKS) if args.tasks and "all" in args.tasks else (args.tasks or list(DEFAULT_TASKS))
    timeout = args.timeout if args.timeout is not None else (QUICK_TIMEOUT if size == "quick" else TIMEOUT)
    budget = args.budget if args.budget is not None else (QUICK_BUDGET if size == "quick" else BUDGET)
    log = lambda msg: print(time.strftime("%H:%M:%S ") + msg, file=sys.stderr, flush=True)  # noqa: E731
    result = run_benchmarks(tasks=tasks, problems=args.problems or list(PROBLEMS), libraries=args.libraries,
                            size=size, repeat=args.repeat, out=args.out, target=args.target, log=log,
                            timeout=timeout, budget=budget, plan=plan)
    print(result.report)
    print(f"CSV: {result.csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
