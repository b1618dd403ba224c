"""Solvers: outer loops in NumPy over the numba kernels of :mod:`._kernels`."""

from sparsefit.solvers._cd import CoordinateDescent
from sparsefit.solvers._prox_newton import ProxNewton
from sparsefit.solvers._ridge import RidgeSolver
from sparsefit.solvers._solution import Solution

__all__ = ["CoordinateDescent", "ProxNewton", "RidgeSolver", "Solution"]
