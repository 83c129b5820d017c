"""A local preview server for the built site (``infrarisk serve``).

Contract: :func:`make_server` returns a stdlib HTTP server that serves the files of one
folder, read-only, on a local address; :func:`serve` runs it until interrupted. The site
also works from ``file://`` (its data files are scripts); the server exists to preview it
as it will be published, with the right content types (``.geojson``, ``.parquet``), no
caching, and nothing but files under the folder. It listens on 127.0.0.1 unless told
otherwise and never fetches anything.

Examples
--------
>>> import tempfile, threading, urllib.request, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "index.html").write_text("hi")
>>> srv = make_server(d, port=0)
>>> t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
>>> urllib.request.urlopen(f"http://127.0.0.1:{srv.server_address[1]}/").read()
b'hi'
>>> srv.shutdown(); srv.server_close()
"""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TYPES = {".geojson": "application/geo+json", ".parquet": "application/vnd.apache.parquet",
         ".csv": "text/csv; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8"}


class Handler(SimpleHTTPRequestHandler):
    """Files only (no directory listings), explicit types, no caching, quiet log."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def list_directory(self, path):  # noqa: D102 - a site has index.html; no listings
        self.send_error(404, "No such page")
        return None

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, fmt, *args):
        if getattr(self.server, "verbose", False):
            super().log_message(fmt, *args)


def make_server(directory: Path, port: int = 8000, bind: str = "127.0.0.1", verbose: bool = False) -> ThreadingHTTPServer:
    """A server for ``directory`` on ``bind:port`` (port 0 picks a free one)."""
    directory = Path(directory)
    if not (directory / "index.html").is_file():
        raise FileNotFoundError(f"{directory} has no index.html: build the site first (infrarisk build)")
    srv = ThreadingHTTPServer((bind, port), functools.partial(Handler, directory=str(directory)))
    srv.verbose = verbose  # type: ignore[attr-defined]
    srv.daemon_threads = True
    return srv


def serve(directory: Path, port: int = 8000, bind: str = "127.0.0.1", verbose: bool = False,
          say=print) -> None:
    """Serve ``directory`` until interrupted (Ctrl-C)."""
    srv = make_server(directory, port, bind, verbose)
    host, real_port = srv.server_address[:2]
    say(f"serving {directory} at http://{host}:{real_port}/ (Ctrl-C to stop)")
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
