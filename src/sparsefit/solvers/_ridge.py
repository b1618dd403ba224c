"""Ridge (pure L2, no bounds) by a direct or Krylov solver, certified by the duality gap.

With ``A = diag(sqrt(sw)) Xc`` (X centered implicitly when an intercept is fit),
``c = sqrt(sw) * yc`` and ``L = diag(l2)``, the minimizer of
``1/2 ||c - A w||^2 + 1/2 w.T L w`` is

- dense, ``p <= n``: ``(A.T A + L) w = A.T c`` by Cholesky on the p x p side;
- dense, ``p > n``: ``w = L^-1 A.T (A L^-1 A.T + I)^-1 c`` by Cholesky on the
  n x n side (push-through identity; needs every ``l2_j > 0``);
- sparse: LSQR on ``A L^-1/2`` with damping 1, which never forms a Gram
  matrix and keeps X sparse.

The result is checked with the same duality gap as coordinate descent and,
if it misses ``tol`` (ill-conditioning, LSQR stopped early), polished by
:class:`~sparsefit.solvers.CoordinateDescent` from that warm start.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sparsefit._optimality import certificate
from sparsefit.solvers._cd import CoordinateDescent
from sparsefit.solvers._solution import Solution


class RidgeSolver:
    """Direct (dense) or LSQR (sparse) ridge solver with a certified gap.

    Parameters
    ----------
    tol : float, default=1e-6
        Relative duality-gap tolerance, as for :class:`CoordinateDescent`.
    max_iter : int, default=10_000
        Iteration cap for LSQR and for the coordinate-descent polish.
    """

    def __init__(self, tol=1e-6, max_iter=10_000):
        self.tol = tol
        self.max_iter = max_iter

    @staticmethod
    def applicable(penalty, n_features) -> bool:
        """Whether the penalty is pure, strictly positive L2 without bounds."""
        weights = getattr(penalty, "weights", None)
        if penalty.alpha * penalty.l1_ratio > 0 and (weights is None or np.any(np.asarray(weights) > 0)):
            return False  # some l1_j > 0, decided without building the penalty's vectors
        l1, l2, _, _ = penalty.arrays(n_features)
        return bool(np.all(l1 == 0) and np.all(l2 > 0) and not penalty.has_bounds)

    def solve(self, X, y, datafit, penalty, *, sample_weight=None, fit_intercept=True, init=None, ws_init=None,
              prepared=None) -> Solution:
        """Solve the ridge problem; same contract as :meth:`CoordinateDescent.solve`.

        ``ws_init`` and ``prepared`` are accepted for interface compatibility and
        only used by the coordinate-descent polish.
        """
        n, p = X.shape
        sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        sw = sw / sw.sum()
        _, l2, _, _ = penalty.arrays(p)
        xbar = np.asarray(X.T @ sw).ravel() if fit_intercept else np.zeros(p)
        ybar = float(np.dot(sw, y)) if fit_intercept else 0.0
        root = np.sqrt(sw)
        c = root * (y - ybar)
        n_iter = 1
        try:
            if sp.issparse(X):
                w, n_iter = self._lsqr(X, root, c, xbar, l2, init)
            else:
                A = root[:, None] * (X - xbar) if fit_intercept else root[:, None] * X
                if p <= n:
                    gram = A.T @ A
                    gram[np.diag_indices(p)] += l2
                    w = scipy.linalg.solve(gram, A.T @ c, assume_a="pos")
                else:
                    scaled = A / l2
                    gram = scaled @ A.T
                    gram[np.diag_indices(n)] += 1.0
                    w = scaled.T @ scipy.linalg.solve(gram, c, assume_a="pos")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            w = np.zeros(p) if init is None else np.asarray(init, dtype=np.float64)
        intercept = ybar - float(np.dot(xbar, w)) if fit_intercept else 0.0
        cert = certificate(X, y, w, intercept, datafit, penalty, sw, fit_intercept)
        p0 = datafit.value(y, np.full(n, ybar), sw)
        if cert.gap <= self.tol * p0:
            return Solution(w, intercept, cert.gap, cert.kkt_violation, n_iter, True, cert.primal)
        polished = CoordinateDescent(tol=self.tol, max_iter=self.max_iter).solve(
            X, y, datafit, penalty, sample_weight=sw, fit_intercept=fit_intercept, init=w, prepared=prepared
        )
        return Solution(polished.coef, polished.intercept, polished.dual_gap, polished.kkt_violation,
                        n_iter + polished.n_iter, polished.converged, polished.objective)

    def _lsqr(self, X, root, c, xbar, l2, init):
        n, p = X.shape
        inv_sqrt_l2 = 1.0 / np.sqrt(l2)

        def matvec(u):
            wv = inv_sqrt_l2 * np.ravel(u)
            return root * (np.asarray(X @ wv).ravel() - float(np.dot(xbar, wv)))

        def rmatvec(t):
            t = root * np.ravel(t)
            return inv_sqrt_l2 * (np.asarray(X.T @ t).ravel() - xbar * t.sum())

        op = spla.LinearOperator((n, p), matvec=matvec, rmatvec=rmatvec, dtype=np.float64)
        x0 = None if init is None else np.asarray(init, dtype=np.float64) / inv_sqrt_l2
        result = spla.lsqr(op, c, damp=1.0, atol=1e-14, btol=1e-14, iter_lim=self.max_iter, x0=x0)
        return inv_sqrt_l2 * result[0], int(result[2])
