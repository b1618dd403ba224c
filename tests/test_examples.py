"""Every example script runs (``--quick --offline``) and prints its table.

``--offline`` makes the scripts use their generated fallbacks, so the test never
needs the network; ``--quick`` shrinks sizes to a smoke run. The real-data code
paths are exercised by the full runs recorded in ``docs/case-studies.md``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))

# a line each script's table must contain (its header), and the files it must write
EXPECTED = {
    "text_spam_sentiment.py": (["features used", "L1 (Lasso)", "L2 (Ridge)", "L1 top words for"],
                               ["generated_text_cv.png", "generated_text_l1_path.png"]),
    "gene_expression.py": (["features used", "L1 vs L2:", "make_genomics_like"], ["genomics_like_cv.png"]),
    "click_through.py": (["features used", ".sfm file", "1 row (p50)"],
                         ["ctr_generated_l1.sfm", "ctr_generated_l2.sfm", "ctr_generated_cv.png"]),
    "correlated_features.py": (["med_count", "polypharm", "sklearn Ridge(alpha=5.0) [seed]", "Bootstrap"],
                               ["correlated_paths.png"]),
}


def test_every_example_is_covered():
    assert {p.name for p in SCRIPTS} == set(EXPECTED)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_runs(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", SPARSEFIT_EXAMPLES_OUT=str(tmp_path))
    result = subprocess.run([sys.executable, str(script), "--quick", "--offline"], capture_output=True, text=True,
                            env=env, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    must_print, must_write = EXPECTED[script.name]
    for text in must_print:
        assert text in result.stdout, f"{text!r} missing from the output of {script.name}:\n{result.stdout[-3000:]}"
    for name in must_write:
        assert (tmp_path / name).stat().st_size > 0, f"{script.name} did not write {name}"
    if script.name != "correlated_features.py":  # nothing to fetch there
        assert "--offline" in result.stdout or "GENERATED" in result.stdout
