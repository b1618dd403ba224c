"""sparsefit: L1, L2 and Elastic-Net linear and logistic models for sparse data.

Public names are loaded lazily so that ``import sparsefit`` stays cheap: it
imports neither numba nor scikit-learn until an estimator or function is used.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sparsefit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

# public name -> module that defines it
_PUBLIC = {
    "Lasso": "sparsefit.estimators",
    "Ridge": "sparsefit.estimators",
    "ElasticNet": "sparsefit.estimators",
    "LogisticRegression": "sparsefit.logistic",
    "Logistic": "sparsefit._objective",
    "ProxNewton": "sparsefit.solvers",
    "Quadratic": "sparsefit._objective",
    "ElasticNetPenalty": "sparsefit._penalty",
    "Solution": "sparsefit.solvers",
    "CoordinateDescent": "sparsefit.solvers",
    "datasets": "sparsefit.datasets",
    "Path": "sparsefit.path",
    "LassoCV": "sparsefit.cv_estimators",
    "ElasticNetCV": "sparsefit.cv_estimators",
    "LogisticRegressionCV": "sparsefit.cv_estimators",
    "CVResult": "sparsefit.cv",
    "cross_validate_path": "sparsefit.cv",
    "load": "sparsefit.modelio",
    "load_model": "sparsefit.modelio",
    "save_model": "sparsefit.modelio",
    "ModelFileError": "sparsefit.modelio",
    "Predictor": "sparsefit.predict",
    "stability_selection": "sparsefit.selection",
    "StabilityResult": "sparsefit.selection",
    "correlated_groups": "sparsefit.selection",
    "CorrelatedGroups": "sparsefit.selection",
    "recommend": "sparsefit.recommendation",
    "Recommendation": "sparsefit.recommendation",
    "compare": "sparsefit.comparison",
    "Comparison": "sparsefit.comparison",
    "regularization_path": "sparsefit.path",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name):
    module_name = _PUBLIC.get(name)
    if module_name is None:
        raise AttributeError(f"module 'sparsefit' has no attribute {name!r}")
    module = import_module(module_name)
    value = module if module_name.endswith("." + name) else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
