"""Smoke test of the benchmark harness (no timing is asserted: timing lives in benchmarks/)."""

import csv
import sys
from pathlib import Path

import pytest

# benchmarks/ is a top-level package of the repository, not part of the installed sparsefit
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import COLUMNS, run_benchmarks  # noqa: E402


def test_harness_runs_and_certifies_both_solutions(tmp_path):
    result = run_benchmarks(tasks=["lasso-single"], problems=["sparse-text"], libraries=["sparsefit", "sklearn"],
                            size="tiny", repeat=1, out=tmp_path, log=lambda msg: None)
    assert [row["library"] for row in result.rows] == ["sparsefit", "sklearn"]
    for row in result.rows:
        assert row["status"] == "ok", row
        assert row["rel_subopt"] <= 1e-6
        assert row["nnz"] > 0  # alpha_max / 20 is not the all-zero solution
    with result.csv_path.open() as fh:
        reader = csv.DictReader(fh)
        assert set(COLUMNS) <= set(reader.fieldnames)
        written = list(reader)
    assert len(written) == 2
    assert all(float(r["rel_subopt"]) <= 1e-6 for r in written)
    assert "| lasso-single | sparse-text |" in result.report


def _certified(rows):
    assert [row["library"] for row in rows] == ["sparsefit", "sklearn"]
    for row in rows:
        assert row["status"] == "ok", row
        assert row["rel_subopt"] <= 1e-6


def test_path_task_is_certified_at_every_alpha(tmp_path):
    result = run_benchmarks(tasks=["lasso-path"], problems=["sparse-text"], libraries=["sparsefit", "sklearn"],
                            size="tiny", repeat=1, out=tmp_path, log=lambda msg: None)
    _certified(result.rows)  # rel_subopt is the largest over the 100 alphas
    assert all(row["n_alphas"] == 100 for row in result.rows)
    assert "| lasso-path | sparse-text |" in result.report


def test_logistic_task_runs_on_the_classification_problem_only(tmp_path):
    result = run_benchmarks(tasks=["logistic-l1-single"], problems=["sparse-text", "sparse-text-clf"],
                            libraries=["sparsefit", "sklearn"], size="tiny", repeat=1, out=tmp_path,
                            log=lambda msg: None)
    assert {row["problem"] for row in result.rows} == {"sparse-text-clf"}
    _certified(result.rows)  # liblinear, with its intercept emulated by a large constant column
    assert all(row["nnz"] > 0 for row in result.rows)
    assert "| logistic-l1-single | sparse-text-clf |" in result.report


def _graded_library(initial_tol, exact_at):
    """A fake library: the (near) exact solution at ``tol <= exact_at``, one shrunk by ``tol / exact_at`` percent
    above it (its error falls with its tolerance, as a solver's does)."""
    from types import SimpleNamespace

    from benchmarks.libraries import Adapter, PathFit, load_adapter

    reference = load_adapter("sparsefit").module
    calls = []

    def fit(X, y, alphas, *, l1_ratio, tol, datafit):
        calls.append(tol)
        exact = reference.fit(X, y, alphas, l1_ratio=l1_ratio, tol=1e-12, datafit=datafit)
        shrink = 1.0 if tol <= exact_at * (1 + 1e-9) else 1.0 - 0.01 * tol / exact_at
        return PathFit(exact.coefs * shrink, exact.intercepts)

    return Adapter("graded", "0", SimpleNamespace(INITIAL_TOL=initial_tol, fit=fit)), calls


@pytest.mark.parametrize("initial_tol", [1e-7, 1e-3])
def test_calibration_times_the_loosest_tolerance_that_reaches_the_target(initial_tol):
    """From a start that over-solves the tolerance is loosened, from one that misses it is tightened: either way
    the timed tolerance is the grid's loosest one that reaches the target."""
    from benchmarks.problems import get_problem
    from benchmarks.run import TIGHTEN, _bench_in_process
    from benchmarks.tasks import TASKS

    exact_at = 1e-7 * TIGHTEN ** 3  # on both starts' grids: 1e-7 * 10^1.5 = 1e-3 / 10^2.5
    adapter, calls = _graded_library(initial_tol, exact_at)
    rows, _ = _bench_in_process(TASKS["lasso-single"], get_problem("sparse-text", "tiny"), [adapter], repeat=1,
                                target=1e-6, log=lambda msg: None, timeout=None, budget=60.0)
    (row,) = rows
    assert row["status"] == "ok", row
    assert row["tol"] == pytest.approx(exact_at)
    assert max(calls) > exact_at  # the grid point above was tried and missed the target


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_every_installed_adapter_repeats_its_solution(datafit):
    """The runner times other calls than the one it calibrated the tolerance on: a library with a random
    visiting order (liblinear, saga) must be seeded, or a timed run can miss the target its calibration met."""
    import numpy as np

    from benchmarks.libraries import ADAPTERS, Unsupported, load_adapter
    from benchmarks.problems import get_problem
    from benchmarks.run import task_alphas
    from benchmarks.tasks import TASKS

    task = TASKS["logistic-l1-path" if datafit == "logistic" else "lasso-path"]
    problem = get_problem("sparse-text-clf" if datafit == "logistic" else "sparse-text", "tiny")
    alphas = task_alphas(problem, task)[:10]
    checked = 0
    for name in ADAPTERS:
        adapter = load_adapter(name)
        if not adapter.available:
            continue
        fits = []
        for _ in range(2):
            try:
                fits.append(adapter.module.fit(problem.X, problem.y, alphas, l1_ratio=1.0, tol=1e-3,
                                               datafit=datafit))
            except Unsupported:
                break
        if fits:
            np.testing.assert_array_equal(fits[0].dense(), fits[1].dense(), err_msg=name)
            np.testing.assert_array_equal(fits[0].intercepts, fits[1].intercepts, err_msg=name)
            checked += 1
    assert checked >= 2  # sparsefit and scikit-learn are always installed with the test extra


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_glmnet_adapter_keeps_glmnet_own_expansion_of_its_path(datafit):
    """The adapter turns glmnet's compressed solutions into CSR itself (no dense p x n_alphas array in the timed
    call); the rows must be exactly what glmnet's own ``solns``/``lsolns`` expand them to."""
    import numpy as np

    glmnet_fortran = pytest.importorskip("glmnet._glmnet")
    from benchmarks.libraries import glmnet as adapter
    from benchmarks.problems import get_problem
    from benchmarks.run import task_alphas
    from benchmarks.tasks import TASKS

    task = TASKS["logistic-l1-path" if datafit == "logistic" else "enet-path"]
    problem = get_problem("sparse-text-clf" if datafit == "logistic" else "sparse-text", "tiny")
    alphas = task_alphas(problem, task)
    expanded = {}
    original = {name: getattr(glmnet_fortran, name) for name in ("spelnet", "splognet")}

    def keep(name):
        def call(*args):
            out = original[name](*args)
            expanded[name] = out
            return out
        return call

    p = problem.X.shape[1]
    with pytest.MonkeyPatch.context() as patch:
        for name in original:
            patch.setattr(adapter, name, keep(name))
        fit = adapter.fit(problem.X, problem.y, alphas, l1_ratio=task.l1_ratio, tol=1e-7, datafit=datafit)
    if datafit == "logistic":
        lmu, _, ca, ia, nin = expanded["splognet"][:5]
        reference = np.asarray(glmnet_fortran.lsolns(p, ca[:, :, :lmu], ia, nin[:lmu]))[:, 0, :].T
    else:
        lmu, _, ca, ia, nin = expanded["spelnet"][:5]
        reference = np.asarray(glmnet_fortran.solns(p, ca[:, :lmu], ia, nin[:lmu])).T
    assert fit.coefs.shape == reference.shape == (len(alphas), p)
    assert np.count_nonzero(reference) > len(alphas)  # the path has entered features to compare
    np.testing.assert_array_equal(fit.dense(), reference)
