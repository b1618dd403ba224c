"""Progress display of a distributed fit: iterations, duality gap, KKT violation, rounds.

Rendering uses rich, imported only when a bar is shown.
"""

from __future__ import annotations

import contextvars
import sys
from contextlib import contextmanager

import numpy as np

__all__ = ["config", "options", "Progress"]

_DEFAULTS = {"client": None, "solver": "auto", "progress": "auto", "tree_width": 8}
_OPTIONS = contextvars.ContextVar("sparsefit_dask_options", default=_DEFAULTS)


def options() -> dict:
    """The options in force (see :func:`config`)."""
    return dict(_OPTIONS.get())


@contextmanager
def config(**kwargs):
    """Set options of distributed fits for a ``with`` block.

    Parameters
    ----------
    client : distributed.Client, default=None
        Cluster to fit on; None uses the default client (or the one a
        :class:`~sparsefit.dask.DistributedData` carries).
    solver : {"auto", "owlqn", "fista"}, default="auto"
        "auto": OWL-QN, or FISTA when the coefficients have box constraints.
    progress : bool or "auto", default="auto"
        Show a progress bar (iterations, gap, rounds); "auto" shows it when
        standard error is a terminal.
    tree_width : int, default=8
        Fan-in of the on-cluster summation tree.

    Examples
    --------
    >>> with sparsefit.dask.config(solver="fista", progress=True):  # doctest: +SKIP
    ...     model.fit(X, y)
    """
    unknown = set(kwargs) - set(_DEFAULTS)
    if unknown:
        raise TypeError(f"Unknown sparsefit.dask option(s): {sorted(unknown)}; known: {sorted(_DEFAULTS)}.")
    token = _OPTIONS.set({**_OPTIONS.get(), **kwargs})
    try:
        yield
    finally:
        _OPTIONS.reset(token)


class Progress:
    """A one-line live display: ``iter k  gap g/target  kkt v  rounds r`` (no-op when disabled)."""

    def __init__(self, enabled, description="fit", threshold=None):
        if enabled == "auto":
            enabled = sys.stderr.isatty()
        self.enabled = bool(enabled)
        self.threshold = threshold
        self._bar = None
        self._task = None
        if self.enabled:
            from rich.progress import Progress as RichProgress
            from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = RichProgress(SpinnerColumn(), TextColumn("[bold]{task.description}"),
                                     TextColumn("{task.fields[status]}"), TimeElapsedColumn(), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(description, status="starting", total=None)

    def update(self, n_iter, gap, kkt, objective, rounds):
        if not self.enabled:
            return
        gap_text = "n/a" if gap is None or not np.isfinite(gap) else f"{gap:.1e}"
        target = f"/{self.threshold:.0e}" if self.threshold else ""
        self._bar.update(self._task, status=f"iter {n_iter}  gap {gap_text}{target}  kkt {kkt:.1e}  rounds {rounds}")

    def describe(self, text):
        if self.enabled:
            self._bar.update(self._task, description=text)

    def close(self):
        if self.enabled and self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
