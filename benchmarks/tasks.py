"""The task registry: what is solved, independent of the library that solves it.

A task is a datafit, an ``l1_ratio`` and a grid of alphas relative to
``alpha_max``. A single fit is a grid of one alpha; a path is a decreasing
grid (100 alphas geometric from ``alpha_max``) solved with warm starts, and
every alpha of it is re-scored. Adapters that lack a datafit raise
``Unsupported`` and get an "unsupported" row.

``alpha_max`` is the smallest alpha with an all-zero solution for the task's
``l1_ratio``, except for ridge-type tasks (``l1_ratio == 0``, where it is
infinite): ``alpha_max_l1_ratio`` names the ``l1_ratio`` it is computed with
(``logistic-l2-single`` uses the Lasso's, so it runs at the same alpha, i.e. the
same ``C``, as ``logistic-l1-single``).

``first-call`` is a different kind of measurement (``fresh_process``): the
time from the start of a new Python process to the end of its first fit, and
the library's import time, after one warm-up process has filled the caches
(numba's on-disk cache, the OS page cache); see ``benchmarks/run.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Task:
    name: str
    datafit: str  # "quadratic" or "logistic"
    l1_ratio: float
    n_alphas: int  # 1: a single fit at alpha_max * min_ratio
    min_ratio: float  # smallest alpha / alpha_max
    description: str
    alpha_max_l1_ratio: float | None = None  # None: the task's own l1_ratio
    problems: tuple = ("sparse-text", "dense-corr")  # the problems it runs on by default
    fresh_process: bool = False  # True: timed in fresh subprocesses, from process start (first-call)

    @property
    def is_path(self):
        return self.n_alphas > 1

    def alphas(self, alpha_max: float) -> np.ndarray:
        if self.n_alphas == 1:
            return np.array([alpha_max * self.min_ratio])
        return np.geomspace(alpha_max, alpha_max * self.min_ratio, self.n_alphas)


# Which problems each task runs on (a task meets only the problems it is registered for).
_SYNTH = ("sparse-text", "dense-corr")
_REGRESSION = _SYNTH + ("sparse-large", "genomics", "rotten-tomatoes", "newsgroups")
_SINGLE = _REGRESSION + ("dense-large",)  # the dense 2,000 x 20,000 problem: single fits (issue #10's row)
_CLF = ("sparse-text-clf", "genomics-clf", "rotten-tomatoes", "newsgroups")

TASKS = {
    "lasso-single": Task("lasso-single", "quadratic", 1.0, 1, 1 / 20, "one Lasso fit at alpha_max / 20",
                         problems=_SINGLE),
    "enet-single": Task("enet-single", "quadratic", 0.5, 1, 1 / 20,
                        "one Elastic-Net fit, l1_ratio=0.5, at alpha_max / 20", problems=_SINGLE),
    "lasso-path": Task("lasso-path", "quadratic", 1.0, 100, 1 / 100,
                       "Lasso path: 100 alphas geometric from alpha_max to alpha_max / 100, warm starts",
                       problems=_REGRESSION),
    "lasso-path-1e3": Task("lasso-path-1e3", "quadratic", 1.0, 100, 1 / 1000,
                           "Lasso path: 100 alphas geometric from alpha_max to alpha_max / 1000, warm starts",
                           problems=_SYNTH),
    "enet-path": Task("enet-path", "quadratic", 0.5, 100, 1 / 100,
                      "Elastic-Net path, l1_ratio=0.5: 100 alphas from alpha_max to alpha_max / 100",
                      problems=_REGRESSION),
    "logistic-l1-single": Task("logistic-l1-single", "logistic", 1.0, 1, 1 / 50,
                               "one L1 logistic fit at alpha_max / 50 (about 0.9% of the features kept)",
                               problems=("sparse-text-clf",)),
    "logistic-l1-single-100": Task("logistic-l1-single-100", "logistic", 1.0, 1, 1 / 100,
                                   "one L1 logistic fit at alpha_max / 100 (issue #10's row; about 3.6% kept)",
                                   problems=_CLF),
    "logistic-l2-single": Task("logistic-l2-single", "logistic", 0.0, 1, 1 / 50,
                               "one L2 logistic fit at the alpha (same C) of logistic-l1-single",
                               alpha_max_l1_ratio=1.0, problems=("sparse-text-clf",)),
    "logistic-l1-path": Task("logistic-l1-path", "logistic", 1.0, 100, 1 / 100,
                             "L1 logistic path: 100 alphas from alpha_max to alpha_max / 100", problems=_CLF),
    "first-call": Task("first-call", "quadratic", 1.0, 1, 1 / 20,
                       "first Lasso fit (alpha_max / 20) in a fresh process, after a warm-up process filled "
                       "the caches; and the library's import time", problems=("first-call",),
                       fresh_process=True),
}

DEFAULT_TASKS = ("lasso-single", "enet-single")

# ``python -m benchmarks.run --quick`` with no --tasks/--problems: every task kind once, on the quick sizes,
# in under 10 minutes on a 2-core machine (issue #10). Explicit (task, problem) pairs, not tasks x problems.
# The logistic single fits are left out: at the quick size glmnet's cold single-lambda lognet call does not
# converge and runs for minutes in one Fortran call that no deadline can interrupt.
QUICK_PLAN = (
    ("lasso-path", "sparse-text"),
    ("lasso-path", "dense-corr"),
    ("enet-path", "sparse-text"),
    ("logistic-l1-path", "sparse-text-clf"),
    ("lasso-single", "dense-large"),
    ("enet-single", "genomics"),
    ("first-call", "first-call"),
)
