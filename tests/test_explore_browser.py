"""The geometry explorer in a real headless Chromium, driven by Playwright.

Needs Debian's ``chromium`` package (/usr/bin/chromium) and the ``playwright``
Python package; Playwright's own browser download is never used.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)

import sparsefit  # noqa: E402
from sparsefit import explore  # noqa: E402

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    return explore.export_page(tmp_path_factory.mktemp("explore") / "geometry.html").as_uri()


class _Loaded:
    """A page opened from the exported file, with its console errors and outside requests."""

    def __init__(self, browser, url, viewport):
        self.errors = []
        self.outside = []
        self.page = browser.new_page(viewport=viewport)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(url)
        self.page.wait_for_function("window.sparsefitGeometry !== undefined")

    def _route(self, route):
        # Everything must come from the file itself: record and refuse any other load.
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def readout(self):
        return self.page.inner_text("#readout")

    def state(self):
        return self.page.evaluate("window.sparsefitGeometry.state()")


@pytest.fixture
def loaded(browser, page_url):
    loaded = _Loaded(browser, page_url, {"width": 1280, "height": 800})
    yield loaded
    loaded.page.close()


def test_page_loads_offline_without_console_errors(loaded):
    page = loaded.page
    assert page.inner_text("#w1-value") != ""
    assert page.get_attribute("#region", "d").startswith("M")
    # Every form control has a label; every button has a name.
    unlabeled = page.evaluate(
        "Array.from(document.querySelectorAll('input')).filter(i => !i.labels || !i.labels.length).map(i => i.id)"
    )
    assert unlabeled == []
    assert all(b.strip() for b in page.eval_on_selector_all("button", "bs => bs.map(b => b.textContent)"))
    assert loaded.errors == []
    assert loaded.outside == []


def test_arrow_keys_move_the_optimum(loaded):
    page = loaded.page
    before_state, before_text = loaded.state(), loaded.readout()
    page.focus("#what-handle")
    # The focused handle shows its own focus ring (SVG groups draw no outline).
    ring = page.eval_on_selector("#what-handle .focus-ring", "n => getComputedStyle(n).visibility")
    assert ring == "visible"
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowLeft")
    after = loaded.state()
    assert math.isclose(after["a2"], before_state["a2"] - 0.2, abs_tol=1e-9)
    assert math.isclose(after["a1"], before_state["a1"] - 0.25, abs_tol=1e-9)
    assert loaded.readout() != before_text
    assert loaded.errors == []


def test_dragging_moves_the_optimum(loaded):
    page = loaded.page
    before_state, before_text = loaded.state(), loaded.readout()
    box = page.locator("#what-handle circle.hit").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 60, y + 40, steps=6)
    page.mouse.up()
    after = loaded.state()
    assert after["a1"] < before_state["a1"] - 0.1
    assert after["a2"] < before_state["a2"] - 0.05
    assert loaded.readout() != before_text
    assert loaded.errors == []


def test_strong_weak_story_zero_in_l1_but_not_in_l2(loaded):
    page = loaded.page
    page.check("#pen-l1")
    page.click("#preset-strong-weak")
    assert page.get_attribute("#readout", "data-zeros") == "1"
    assert page.inner_text("#w2-value") == "0"
    assert page.is_visible("#zero-note")
    assert "w2 = 0 exactly" in page.inner_text("#zero-note")
    assert "corner" in page.inner_text("#zero-note")
    assert float(page.inner_text("#w1-value")) > 0

    page.check("#pen-l2")
    assert page.get_attribute("#readout", "data-zeros") == "0"
    assert not page.is_visible("#zero-note")
    assert page.inner_text("#w2-value") != "0"
    assert float(page.inner_text("#w2-value")) > 0
    assert loaded.errors == []


def test_correlated_story_l1_picks_one_l2_splits(loaded):
    page = loaded.page
    page.check("#pen-l1")
    page.click("#preset-correlated")
    l1 = page.evaluate("[+document.getElementById('w1-value').textContent, document.getElementById('w2-value').textContent]")
    assert l1[0] > 0 and l1[1] == "0"

    page.check("#pen-l2")
    w1, w2 = (float(page.inner_text(s)) for s in ("#w1-value", "#w2-value"))
    assert w1 > 0 and w2 > 0
    assert w2 / w1 > 0.5  # the weight is shared, not given to one feature
    assert loaded.errors == []


def test_switching_penalty_redraws_the_region(loaded):
    page = loaded.page
    paths = {}
    for penalty in ("l1", "l2", "en"):
        page.check(f"#pen-{penalty}")
        paths[penalty] = page.get_attribute("#region", "d")
    assert len(set(paths.values())) == 3
    assert " A" not in paths["l1"] and paths["l1"].count(" L") == 3  # a diamond: 4 corners
    assert " A" in paths["l2"]  # a circle: arcs
    # The Elastic-Net mix slider reshapes its region.
    page.fill("#l1-ratio", "0.9")
    page.dispatch_event("#l1-ratio", "input")
    assert page.get_attribute("#region", "d") != paths["en"]
    assert loaded.errors == []


def test_budget_and_lambda_readings_agree(loaded):
    geo = "window.sparsefitGeometry"
    for l1_ratio in (1.0, 0.5, 0.0):
        res = loaded.page.evaluate(f"{geo}.solveConstrained(1.3, -0.4, 0.6, 0.35, {l1_ratio})")
        w, lam = res["w"], res["lambda"]
        penalty = loaded.page.evaluate(f"{geo}.penaltyValue({w[0]}, {w[1]}, {l1_ratio})")
        assert penalty == pytest.approx(0.35, rel=1e-12)
        again = loaded.page.evaluate(f"{geo}.solvePenalized(1.3, -0.4, 0.6, {lam}, {l1_ratio})")
        np.testing.assert_allclose(again, w, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 812)])
def test_layout_fits_and_screenshots(browser, page_url, width, height):
    loaded = _Loaded(browser, page_url, {"width": width, "height": height})
    page = loaded.page
    page.click("#preset-strong-weak")
    # No sideways scrolling, and the plane is as wide as the screen allows.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    plane = page.locator("#plane").bounding_box()
    assert plane["x"] >= 0 and plane["x"] + plane["width"] <= width
    assert plane["width"] >= min(300, width - 40)
    if width >= 1280:
        # On a laptop screen the plane, its readout and the controls need no scrolling.
        for selector in ("#readout", "#lambda", "#preset-strong-weak", "#paths"):
            box = page.locator(selector).bounding_box()
            assert box["y"] + box["height"] <= height, selector
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"explore-{width}x{height}.png"), full_page=True)
    assert (ARTIFACTS / f"explore-{width}x{height}.png").stat().st_size > 0
    assert loaded.errors == []
    page.close()


def _design_for(rho, n_repeats=2):
    """X (2 * n_repeats rows) whose Gram matrix X^T X / n is exactly [[1, rho], [rho, 1]]."""
    chol = np.linalg.cholesky(np.array([[1.0, rho], [rho, 1.0]]))
    # Each copy of sqrt(2) L^T adds 2 H to X^T X over 2 rows, so X^T X / n = H.
    return np.vstack([math.sqrt(2.0) * chol.T] * n_repeats)


def _cases(n_cases=60, seed=20261123):
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n_cases):
        w_hat = rng.uniform(-2.0, 2.0, size=2)
        rho = rng.uniform(-0.95, 0.95)
        # Pure L1, pure L2 and mixtures all appear.
        l1_ratio = [1.0, 0.0][i] if i < 2 else (1.0 if i % 7 == 0 else 0.0 if i % 11 == 0 else rng.uniform(0, 1))
        gram_w_hat = np.array([w_hat[0] + rho * w_hat[1], rho * w_hat[0] + w_hat[1]])
        # Around alpha_max so that all-zero, one-zero and dense solutions all occur.
        lam = np.abs(gram_w_hat).max() * 10.0 ** rng.uniform(-2.0, 0.3)
        cases.append((float(w_hat[0]), float(w_hat[1]), float(rho), float(lam), float(l1_ratio)))
    return cases


def _sparsefit_coef(w_hat1, w_hat2, rho, lam, l1_ratio):
    X = _design_for(rho)
    y = X @ np.array([w_hat1, w_hat2])
    # A duality gap g only certifies ||w - w*|| <= sqrt(2 g / mu) (mu >= 1 - |rho| here), so
    # coefficients to 1e-6 need a gap near 1e-14 * P(0): tol=1e-12 left one case at 1.7e-6.
    tol = 1e-14
    if l1_ratio == 0.0:
        model = sparsefit.Ridge(alpha=lam, fit_intercept=False, tol=tol)
    else:
        model = sparsefit.ElasticNet(alpha=lam, l1_ratio=l1_ratio, fit_intercept=False, tol=tol, max_iter=100_000)
    return model.fit(X, y).coef_


def _objective(w, w_hat1, w_hat2, rho, lam, l1_ratio):
    e = np.asarray(w) - [w_hat1, w_hat2]
    loss = 0.5 * (e[0] ** 2 + 2 * rho * e[0] * e[1] + e[1] ** 2)
    return loss + lam * (l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * np.dot(w, w))


def test_design_has_the_intended_gram_matrix():
    for rho in (-0.95, -0.3, 0.0, 0.7, 0.95):
        X = _design_for(rho)
        np.testing.assert_allclose(X.T @ X / X.shape[0], [[1.0, rho], [rho, 1.0]], rtol=0, atol=1e-15)


def test_page_solver_matches_sparsefit(loaded):
    cases = _cases()
    page_coefs = np.array(
        loaded.page.evaluate(
            "cases => cases.map(c => window.sparsefitGeometry.solvePenalized(...c))", [list(c) for c in cases]
        )
    )
    ours = np.array([_sparsefit_coef(*case) for case in cases])
    np.testing.assert_allclose(page_coefs, ours, rtol=0, atol=1e-6)
    # Exact zeros are exercised, and the page puts them exactly where sparsefit does.
    assert np.count_nonzero(page_coefs == 0.0) >= 10
    assert np.count_nonzero(np.all(page_coefs != 0.0, axis=1)) >= 10
    np.testing.assert_array_equal(page_coefs == 0.0, ours == 0.0)
    # And the page is never worse than sparsefit on the objective both minimize.
    for case, w_page, w_ours in zip(cases, page_coefs, ours):
        assert _objective(w_page, *case) <= _objective(w_ours, *case) + 1e-14
    assert loaded.errors == []
