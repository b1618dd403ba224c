"""The comparison report renders in real headless Chromium without console errors (screenshot kept)."""

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from sparsefit.comparison import compare  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def test_report_renders_without_console_errors(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 80))
    y = X[:, :5] @ np.ones(5) + rng.standard_normal(200)
    path = compare(X, y, cv=3, n_alphas=15, l1_ratios=(0.5,)).to_html(tmp_path / "report.html")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(path.as_uri())
        assert page.locator("#verdict").inner_text().startswith("Verdict")
        assert page.locator("#comparison-table tbody tr").count() == 4
        assert page.locator("svg").count() >= 8
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "compare-report.png"), full_page=True)
        browser.close()
    assert errors == []
