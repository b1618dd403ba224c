"""scikit-learn's estimator checks over every sparsefit estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sparsefit import ElasticNet, ElasticNetCV, Lasso, LassoCV, LogisticRegression, LogisticRegressionCV, Ridge

# Each entry: check name -> why it cannot pass. Keep this list short and justified.
EXPECTED_FAILED_CHECKS = {}

# Cross-validation splits repeated rows into different folds than their weighted originals, so the
# chosen alpha (and hence the model) need not match: scikit-learn's own LassoCV has the same exemption.
CV_EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": "CV folds differ between repeated and weighted rows",
    "check_sample_weight_equivalence_on_sparse_data": "CV folds differ between repeated and weighted rows",
}


def expected_failures(estimator):
    return CV_EXPECTED_FAILED_CHECKS if type(estimator).__name__.endswith("CV") else EXPECTED_FAILED_CHECKS


@parametrize_with_checks(
    [
        Lasso(alpha=0.01),
        ElasticNet(alpha=0.01, l1_ratio=0.5),
        Ridge(alpha=0.01),
        LogisticRegression(penalty="l1", C=1.0),
        LogisticRegression(penalty="l2", C=1.0),
        LogisticRegression(penalty="elasticnet", C=1.0, l1_ratio=0.5),
        LassoCV(n_alphas=5, cv=2),
        ElasticNetCV(l1_ratio=[0.5, 1.0], n_alphas=5, cv=2),
        LogisticRegressionCV(n_alphas=5, cv=2),
    ],
    expected_failed_checks=expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
