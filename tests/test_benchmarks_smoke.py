"""Smoke test of the benchmark harness (no timing is asserted: timing lives in benchmarks/)."""

import csv
import sys
from pathlib import Path

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
