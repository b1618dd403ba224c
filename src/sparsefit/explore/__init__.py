"""The interactive L1-vs-L2 constraint geometry explorer.

One self-contained HTML page (inline CSS, JavaScript and SVG; no network access)
that draws the loss contours of a two-coefficient least-squares problem, the L1,
L2 or Elastic-Net constraint region, and the exact constrained optimum. The page
solves

    minimize  1/2 (w - w_hat)^T H (w - w_hat)
              + alpha * (l1_ratio * ||w||_1 + (1 - l1_ratio) / 2 * ||w||_2^2),
    H = [[1, rho], [rho, 1]],

which is :class:`sparsefit.ElasticNet`'s objective for two standardized features
with correlation ``rho`` and least-squares solution ``w_hat``. Its solver is
exposed to scripts as ``window.sparsefitGeometry.solvePenalized(w_hat1, w_hat2,
rho, alpha, l1_ratio)``.

The page is either written to a file (:func:`export_page`) or served on the
loopback interface (:func:`serve_explorer`) with the standard library's
``http.server``; nothing here imports a third-party package.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

__all__ = ["ExplorerServer", "export_page", "page_html", "serve_explorer"]

_PAGE_NAME = "page.html"
# Paths that serve the page; everything else is a 404 so the server exposes nothing else.
_PAGE_PATHS = frozenset({"/", "/index.html", "/geometry.html"})


def page_html() -> str:
    """Return the explorer page as one self-contained HTML document.

    Returns
    -------
    html : str
        The complete page: inline CSS, JavaScript and SVG, no external resources.
    """
    return resources.files(__name__).joinpath(_PAGE_NAME).read_text(encoding="utf-8")


def export_page(path) -> Path:
    """Write the explorer as one self-contained HTML file.

    The file needs no server and no network: open it from disk (``file://``) in
    any current browser.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write the page. Missing parent directories are created; an
        existing file is overwritten.

    Returns
    -------
    path : pathlib.Path
        The absolute path of the written file.

    Raises
    ------
    IsADirectoryError
        If ``path`` names an existing directory.
    """
    target = Path(path).expanduser()
    if target.is_dir():
        raise IsADirectoryError(
            f"{str(target)!r} is a directory; give a file name such as "
            f"{str(target / 'geometry.html')!r}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page_html(), encoding="utf-8")
    return target.resolve()


class ExplorerServer:
    """A running explorer server; returned by :func:`serve_explorer`.

    Use it as a context manager, or call :meth:`close` when done.

    Attributes
    ----------
    host : str
        The address the server listens on.
    port : int
        The port it listens on (the free port chosen when 0 was requested).
    url : str
        The page's address.
    """

    def __init__(self, httpd, thread: threading.Thread):
        self._httpd = httpd
        self._thread = thread
        self.host, self.port = httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}/"

    def wait(self) -> None:
        """Block until the server is closed (from another thread) or Ctrl+C.

        The join is done in short slices because a single unbounded
        ``Thread.join`` would delay ``KeyboardInterrupt`` on some platforms.
        """
        while self._thread.is_alive():
            self._thread.join(0.5)

    def close(self) -> None:
        """Stop serving and release the port; safe to call more than once."""
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()

    def __enter__(self) -> ExplorerServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self._thread.is_alive() else "closed"
        return f"ExplorerServer(url={self.url!r}, {state})"


def serve_explorer(host: str = "127.0.0.1", port: int = 0, open_browser: bool = True) -> ExplorerServer:
    """Serve the explorer page over HTTP from a background thread.

    Parameters
    ----------
    host : str, default="127.0.0.1"
        Address to listen on. The default keeps the page private to this machine.
    port : int, default=0
        Port to listen on; 0 lets the operating system pick a free one.
    open_browser : bool, default=True
        Open the page in the default web browser once the server is listening.

    Returns
    -------
    server : ExplorerServer
        The running server; its ``url`` is the page's address. It runs in a
        daemon thread until :meth:`ExplorerServer.close` is called.

    Raises
    ------
    ValueError
        If ``port`` is not an integer in [0, 65535].
    OSError
        If the address cannot be bound (for example, the port is in use).
    """
    # http.server and webbrowser are imported here so that importing this module stays cheap.
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer in [0, 65535], got {port!r}")

    body = page_html().encode("utf-8")

    class _Handler(BaseHTTPRequestHandler):
        server_version = "sparsefit-explore"

        def _respond(self, include_body: bool) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if path in _PAGE_PATHS:
                status, payload, ctype = 200, body, "text/html; charset=utf-8"
            else:
                status, payload, ctype = 404, b"not found\n", "text/plain; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if include_body:
                self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._respond(include_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(include_body=False)

        def log_message(self, format, *args) -> None:  # noqa: A002
            # One line per request would bury the URL the user needs on the console.
            pass

    httpd = ThreadingHTTPServer((host, port), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="sparsefit-explore", daemon=True)
    thread.start()
    server = ExplorerServer(httpd, thread)
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    return server
