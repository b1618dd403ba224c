"""Benchmarks of sparsefit against its anchor libraries (run ``python -m benchmarks.run``).

Every library runs single-threaded: ``python -m benchmarks.run`` calls
:func:`pin_threads` before anything imports NumPy, and the runner also limits
the pools that were already started with ``threadpoolctl``. Importing this
package changes nothing (the smoke test imports it inside the test process).
"""

import os

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")


def pin_threads():
    """One thread for BLAS, OpenMP and numba; must run before NumPy is imported to take full effect."""
    for var in THREAD_VARIABLES:
        os.environ[var] = "1"
