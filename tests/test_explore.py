"""The geometry explorer without a browser: the exported file, the CLI, the server."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from typer.testing import CliRunner

from sparsefit import explore
from sparsefit.cli import app

# Any src/href (or CSS url()) that would make the page load something from elsewhere.
_EXTERNAL_REF = re.compile(
    r"""(?:\b(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|@import""",
    re.IGNORECASE,
)


def test_page_is_one_self_contained_document():
    html = explore.page_html()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert _EXTERNAL_REF.search(html) is None
    assert re.search(r"<script\b[^>]*\bsrc\s*=", html, re.IGNORECASE) is None
    assert re.search(r"<link\b", html, re.IGNORECASE) is None
    # The solver is inline and reachable by scripts and tests.
    assert html.count("<script>") == 1
    assert "window.sparsefitGeometry" in html
    assert "solvePenalized" in html
    # The page itself forbids network loads, so an accidental external reference fails loudly.
    assert "default-src 'none'" in html


def test_export_page_writes_the_page(tmp_path):
    target = tmp_path / "geometry.html"
    written = explore.export_page(target)
    assert written == target.resolve()
    assert written.read_text(encoding="utf-8") == explore.page_html()
    # One file, nothing beside it (no asset folder).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["geometry.html"]


def test_export_page_creates_parents_and_rejects_a_directory(tmp_path):
    nested = tmp_path / "a" / "b" / "page.html"
    assert explore.export_page(str(nested)).is_file()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        explore.export_page(tmp_path)


def test_cli_explore_export(tmp_path):
    target = tmp_path / "geometry.html"
    result = CliRunner().invoke(app, ["explore", "--export", str(target)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    assert target.read_text(encoding="utf-8") == explore.page_html()


def test_cli_explore_export_to_a_directory_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["explore", "--export", str(tmp_path)])
    assert result.exit_code == 2
    # rich draws the message in a wrapped box; compare the words only.
    words = " ".join(re.sub("[\u2500-\u257f]", " ", result.output).split())
    assert "is a directory" in words


def test_server_serves_the_page_on_loopback():
    with explore.serve_explorer(port=0, open_browser=False) as server:
        assert server.host == "127.0.0.1"
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}/"
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert response.read().decode("utf-8") == explore.page_html()
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(server.url + "etc/passwd", timeout=10)
        assert excinfo.value.code == 404
    # Closed: the port no longer answers.
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url, timeout=2)


@pytest.mark.parametrize("port", [-1, 65536, 1.5, True])
def test_server_rejects_bad_ports(port):
    with pytest.raises(ValueError, match="port must be an integer"):
        explore.serve_explorer(port=port, open_browser=False)


def test_cli_explore_serves_until_interrupted(monkeypatch):
    seen = {}
    opened = []

    def interrupt(server):
        # The page is reachable at the printed URL while the CLI waits.
        with urllib.request.urlopen(server.url, timeout=10) as response:
            seen["status"] = response.status
        seen["url"] = server.url
        raise KeyboardInterrupt

    monkeypatch.setattr(explore.ExplorerServer, "wait", interrupt)
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))
    result = CliRunner().invoke(app, ["explore", "--no-browser"])
    assert result.exit_code == 0, result.output
    assert seen["status"] == 200
    assert f"Serving the geometry explorer at {seen['url']}" in result.output
    assert opened == []
