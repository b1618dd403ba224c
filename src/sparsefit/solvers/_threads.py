"""Run the solvers' outer loops with single-threaded BLAS.

The outer loops call BLAS on vectors (dot products, matrix-vector products)
thousands of times. Multi-threaded OpenBLAS pays a thread hand-off on every
such call, which costs more than the call itself at these sizes and, on a
busy machine, up to a millisecond per dot product (measured here: 1.6 ms vs
3.7 us for a 20,000-element ``np.dot`` under load). Limiting BLAS to one thread
for the duration of a solve removes that; it costs about 5 us per solve (each library's own get/set calls).

The limit is process-wide (BLAS has one thread setting), so it is reference
counted: the first solve to start sets it, the last to finish restores the
user's setting, whatever the number of threads solving at once (CV folds,
stability-selection resamples).
"""

from __future__ import annotations

import functools
import threading

_lock = threading.Lock()
_depth = 0
_blas = None  # threadpoolctl's controllers of the loaded BLAS libraries, found once
_restore = []  # (controller, its thread count) for those the outermost solve changed


def _blas_controllers():
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    return _blas


def _enter():
    # each library's own get/set calls: threadpoolctl's ``limit`` first gathers every library's full info (version,
    # architecture, threading layer), 0.1 ms of a cold path's setup
    global _depth
    with _lock:
        if _depth == 0:
            for lib in _blas_controllers():
                threads = lib.get_num_threads()
                if threads is not None and threads != 1:
                    lib.set_num_threads(1)
                    _restore.append((lib, threads))
        _depth += 1


def _exit():
    global _depth
    with _lock:
        _depth -= 1
        if _depth == 0:
            while _restore:
                lib, threads = _restore.pop()
                lib.set_num_threads(threads)


def single_threaded_blas(function):
    """Decorator: run ``function`` with BLAS limited to one thread (re-entrant, thread-safe)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        _enter()
        try:
            return function(*args, **kwargs)
        finally:
            _exit()

    return wrapper
