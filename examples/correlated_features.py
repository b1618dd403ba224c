"""Case study 4 (seed 001, "Correlated Features: L1 vs L2"): med_count, polypharm, age.

The seed simulates 300 patients with two strongly correlated predictors
(``polypharm = 0.8 * med_count + noise``, correlation about 0.92) and an
independent one (``age``), ``y = 0.5 med_count + 0.5 polypharm + 0.3 age +
noise``, fits scikit-learn's ``Lasso(alpha=0.5)`` and ``Ridge(alpha=5.0)`` and
claims: "Lasso: arbitrarily zeroed polypharm, put all weight on med_count;
Ridge: distributed weight between both correlated features".

This script regenerates the seed's exact data (its ``np.random.seed(42)``
draws, in its order), fits the seed's models with scikit-learn and the same
models with sparsefit (with the alpha conversions printed below), adds an
Elastic Net and cross-validated choices, and then checks the claim's
"arbitrarily" over bootstrap resamples: how often each penalty zeroes each
of the two correlated predictors, and how it splits their weight. Coefficient
paths go to ``--out``. No download: ``--offline`` changes nothing here.

Run: ``python examples/correlated_features.py [--quick] [--out DIR]``
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import _common  # noqa: E402

NAMES = ["med_count", "polypharm", "age"]

CONVERSIONS = """\
Alpha conventions (sparsefit uses scikit-learn's and glmnet's mean-loss form):
  sparsefit Lasso/ElasticNet/Ridge minimize 1/(2n)||y - Xw - b||^2 + alpha*(l1_ratio*|w|_1 + (1-l1_ratio)/2*|w|_2^2)
  - scikit-learn Lasso(alpha=0.5), ElasticNet(alpha, l1_ratio): identical, so sparsefit Lasso(alpha=0.5).
  - scikit-learn Ridge(alpha=5.0) minimizes ||y - Xw||^2 + 5.0*|w|^2 (a SUM of squares, no 1/2):
    alpha_sparsefit = alpha_sklearn / n = 5.0 / 300 = 0.01667. Typing Ridge(alpha=5.0) into sparsefit
    would be 300x stronger (shown below as a warning row).
  - seed 000's "Loss + lambda*sum|w|" with Loss = mean squared error: alpha = lambda / 2;
    its "Loss + lambda*sum w^2": alpha = lambda (our L2 term carries 1/2).
  - seed 001's table "C = 1/lambda" (LogisticRegression): sparsefit LogisticRegression(C=C) is the same
    model as scikit-learn's saga/lbfgs one; in the mean-loss form alpha = 1 / (C * n)."""


def seed_data(n=300):
    """The seed's simulation, draw for draw (legacy ``np.random.seed(42)``)."""
    rs = np.random.RandomState(42)
    med_count = rs.normal(8, 3, n)
    polypharm = med_count * 0.8 + rs.normal(0, 1, n)
    age = rs.normal(60, 12, n)
    X = np.column_stack([med_count, polypharm, age])
    y = 0.5 * med_count + 0.5 * polypharm + 0.3 * age + rs.normal(0, 2, n)
    return X, y


def cv_r2(model, X, y, seed):
    from sklearn.model_selection import KFold, cross_val_score

    return cross_val_score(model, X, y, cv=KFold(5, shuffle=True, random_state=seed), scoring="r2").mean()


def coef_table(X, y, seed):
    import sklearn.linear_model as sk

    import sparsefit

    n = X.shape[0]
    lasso_cv = sparsefit.LassoCV(cv=5, random_state=seed).fit(X, y)
    enet_cv = sparsefit.ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9], cv=5, random_state=seed).fit(X, y)
    rows = [
        ("true coefficients", None, None),
        ("sklearn Lasso(alpha=0.5) [seed]", sk.Lasso(alpha=0.5), "sklearn"),
        ("sparsefit Lasso(alpha=0.5)", sparsefit.Lasso(alpha=0.5), "sparsefit"),
        ("sklearn Ridge(alpha=5.0) [seed]", sk.Ridge(alpha=5.0), "sklearn"),
        (f"sparsefit Ridge(alpha=5/{n})", sparsefit.Ridge(alpha=5.0 / n), "sparsefit"),
        ("sparsefit Ridge(alpha=5.0) [unconverted!]", sparsefit.Ridge(alpha=5.0), "sparsefit"),
        ("sparsefit ElasticNet(0.5, l1_ratio=0.5)", sparsefit.ElasticNet(alpha=0.5, l1_ratio=0.5), "sparsefit"),
        (f"sparsefit LassoCV (alpha={lasso_cv.alpha_:.3g})", sparsefit.Lasso(alpha=lasso_cv.alpha_), "sparsefit"),
        (f"sparsefit ElasticNetCV (alpha={enet_cv.alpha_:.3g}, l1_ratio={enet_cv.l1_ratio_:g})",
         sparsefit.ElasticNet(alpha=enet_cv.alpha_, l1_ratio=enet_cv.l1_ratio_), "sparsefit"),
        ("least squares (no penalty)", sk.LinearRegression(), "sklearn"),
    ]
    header = f"{'model':<52} {'med_count':>10} {'polypharm':>10} {'age':>8} {'features used':>14} {'5-fold CV R²':>13}"
    lines = [header, "-" * len(header)]
    fitted = {}
    for label, model, _ in rows:
        if model is None:
            coef, used, score = np.array([0.5, 0.5, 0.3]), "3 of 3", ""
        else:
            model.fit(X, y)
            coef = np.asarray(model.coef_, dtype=float)
            used = f"{np.count_nonzero(coef)} of 3"
            score = f"{cv_r2(model, X, y, seed):.4f}"
            fitted[label] = coef
        lines.append(f"{label:<52} {coef[0]:>10.3f} {coef[1]:>10.3f} {coef[2]:>8.3f} {used:>14} {score:>13}")
    return "\n".join(lines), fitted


def bootstrap(X, y, n_boot, seed):
    """How often each model zeroes med_count / polypharm, and the share of their weight on med_count."""
    import sparsefit

    n = X.shape[0]
    models = {
        "Lasso(alpha=0.5)": lambda: sparsefit.Lasso(alpha=0.5),
        "ElasticNet(alpha=0.5, l1_ratio=0.5)": lambda: sparsefit.ElasticNet(alpha=0.5, l1_ratio=0.5),
        f"Ridge(alpha=5/{n})": lambda: sparsefit.Ridge(alpha=5.0 / n),
    }
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, n, n) for _ in range(n_boot)]
    header = (f"{'model':<38} {'med_count = 0':>14} {'polypharm = 0':>14} {'both kept':>10} "
              f"{'med_count share of |w| (median, 5-95%)':>40}")
    lines = [f"Bootstrap: {n_boot} resamples of the {n} rows, same alphas.", header, "-" * len(header)]
    for label, make in models.items():
        coefs = np.array([make().fit(X[i], y[i]).coef_ for i in draws])
        a, b = np.abs(coefs[:, 0]), np.abs(coefs[:, 1])
        share = a / np.maximum(a + b, 1e-300)
        lo, mid, hi = np.percentile(share, [5, 50, 95])
        lines.append(f"{label:<38} {np.mean(a == 0):>13.0%} {np.mean(b == 0):>14.0%} "
                     f"{np.mean((a > 0) & (b > 0)):>10.0%} {mid:>26.2f} ({lo:.2f}-{hi:.2f})")
    return "\n".join(lines)


def groups_report(X, y, seed):
    try:
        from sparsefit import correlated_groups
    except (ImportError, AttributeError):
        return "sparsefit.selection is not available in this version: no correlated-groups report."
    result = correlated_groups(X, threshold=0.8, y=y, feature_names=NAMES, random_state=seed)
    lines = [f"sparsefit.selection.correlated_groups (|corr| > 0.8): {len(result.groups)} group(s)"]
    for g, members in enumerate(result.groups):
        names = ", ".join(NAMES[j] for j in members)
        lines.append(f"  group {g}: {names} (mean |corr| {result.mean_abs_correlation[g]:.3f})")
        for penalty, coef in (result.weights or {}).items():
            lines.append(f"    {penalty:<10} " + ", ".join(f"{NAMES[j]}={coef[j]:+.3f}" for j in members))
    return "\n".join(lines)


def save_paths(X, y, out):
    import dataclasses

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sparsefit import regularization_path
    from sparsefit.plotting import plot_path

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    for ax, l1_ratio in zip(axes, (1.0, 0.5, 0.0)):
        path = regularization_path(X, y, l1_ratio=l1_ratio, n_alphas=60,
                                   alpha_min_ratio=1e-5 if l1_ratio == 0.0 else None)
        plot_path(dataclasses.replace(path, feature_names=np.array(NAMES)), top=3, ax=ax)
    fig.tight_layout()
    target = out / "correlated_paths.png"
    fig.savefig(target, dpi=110)
    plt.close(fig)
    return target


def main(argv=None):
    args = _common.parse_args(__doc__.splitlines()[0], argv)
    clock = _common.Clock()
    warnings.filterwarnings("ignore", category=FutureWarning)
    X, y = seed_data()
    corr = np.corrcoef(X, rowvar=False)
    print("Data: seed 001's simulation regenerated exactly (np.random.seed(42), n=300); generated by design, "
          "nothing to fetch.")
    print(f"corr(med_count, polypharm) = {corr[0, 1]:.3f}; corr with age: {corr[0, 2]:+.3f}, {corr[1, 2]:+.3f}")
    print()
    print(CONVERSIONS)
    print()
    table, fitted = coef_table(X, y, args.seed)
    print("Seed 001's table, measured (coefficients on the original scale):")
    print(table)
    sk_l, sf_l = fitted["sklearn Lasso(alpha=0.5) [seed]"], fitted["sparsefit Lasso(alpha=0.5)"]
    sk_r, sf_r = fitted["sklearn Ridge(alpha=5.0) [seed]"], fitted[f"sparsefit Ridge(alpha=5/{X.shape[0]})"]
    n = X.shape[0]

    def lasso_objective(coef):  # intercept profiled out: the least-squares one for these coefficients
        r = y - X @ coef
        r = r - r.mean()
        return r @ r / (2 * n) + 0.5 * np.abs(coef).sum()

    print(f"sparsefit vs scikit-learn, same model: Lasso objective {lasso_objective(sf_l):.6f} vs "
          f"{lasso_objective(sk_l):.6f} (max |coef difference| {np.abs(sk_l - sf_l).max():.1e}, within solver "
          f"tolerances), Ridge max |coef difference| {np.abs(sk_r - sf_r).max():.1e}")
    print()
    print(bootstrap(X, y, 40 if args.quick else 500, args.seed))
    print()
    print(groups_report(X, y, args.seed))
    target = save_paths(X, y, args.out)
    print(f"\nSaved {target.name} in {args.out}/ (Lasso, Elastic Net 0.5 and Ridge paths).")
    print(f"Done in {clock}.")


if __name__ == "__main__":
    main()
