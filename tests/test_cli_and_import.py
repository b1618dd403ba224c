"""The CLI entry points, the import cost, and numba's compiled signatures."""

import subprocess
import sys

import numpy as np
import scipy.sparse as sp
from typer.testing import CliRunner

import sparsefit
from sparsefit.cli import app

runner = CliRunner()


def test_warmup_compiles_kernels():
    result = runner.invoke(app, ["warmup"])
    assert result.exit_code == 0, result.output
    assert "Compiled and cached" in result.output


def test_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "demo" in result.output and "warmup" in result.output


def test_import_is_light():
    code = "import sys, sparsefit; print('numba' in sys.modules, 'sklearn' in sys.modules, sparsefit.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[:2] == ["False", "False"]



def test_functional_path_does_not_import_scikit_learn():
    # scikit-learn's import (~1 s in a fresh process) comes with the estimators' base class; the functional API
    # of a squared-loss path must not pay it (the first-call benchmark times it; scripts and the CLI gain)
    code = (
        "import sys, numpy as np, scipy.sparse as sp, sparsefit\n"
        "X = sp.random(60, 30, density=0.2, format='csr', random_state=0)\n"
        "y = np.random.default_rng(0).standard_normal(60)\n"
        "path = sparsefit.regularization_path(X, y, n_alphas=5, l1_ratio=0.5, standardize=True)\n"
        "assert path.coefs.shape == (30, 5)\n"
        "print('sklearn' in sys.modules, 'pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]

def test_each_kernel_has_at_most_two_signatures():
    from sparsefit._warmup import kernel_names
    from sparsefit.solvers import _kernels

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 12))
    y = X[:, 1] + rng.standard_normal(40)
    w = rng.uniform(0.5, 2, 40)
    for data in (X, X.astype(np.float32), sp.csr_matrix(X), sp.coo_matrix(X.astype(np.float32)), sp.csc_matrix(X)):
        for fit_intercept in (True, False):
            sparsefit.ElasticNet(alpha=0.01, fit_intercept=fit_intercept, standardize=True).fit(data, y, w)
            sparsefit.Lasso(alpha=0.01, positive=True, fit_intercept=fit_intercept).fit(data, y)
    from sparsefit.solvers import _path_kernels, _pn_kernels, _ws_kernels

    for data in (X, sp.csc_matrix(X)):
        sparsefit.regularization_path(data, y, n_alphas=5)
        sparsefit.regularization_path(data, y > 0, loss="logistic", n_alphas=5)
        sparsefit.LogisticRegression(penalty="l1", C=1.0).fit(data, y > 0)
    assert "cd_solve" in kernel_names(_ws_kernels)
    for module in (_kernels, _ws_kernels, _pn_kernels, _path_kernels):
        for name in kernel_names(module):
            signatures = getattr(module, name).signatures
            assert len(signatures) <= 2, (module.__name__, name, signatures)
