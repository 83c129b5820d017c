"""Drive Debian's chromium with Playwright against a site served on 127.0.0.1, with no network.

Used by the browser tests and to refresh the README screenshot::

    python -m tests.site.browser site/ docs/map.png
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import threading
from pathlib import Path

from infrarisk.site.serve import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def available() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return "Debian chromium is not installed (apt-get install chromium)"
    return None


@contextlib.contextmanager
def served(site: Path):
    """The base URL of ``site`` served by ``infrarisk serve``'s server on a free port."""
    srv = make_server(site, port=0)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


class Session:
    """A page with its console messages, page errors, dialogs and blocked outside requests."""

    def __init__(self, browser, base: str, width: int = 1280, height: int = 900):
        self.base = base
        self.ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        self.console: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.ctx.route("**/*", self._route)
        # anything that calls alert/confirm/prompt is recorded (and a dialog would be too)
        self.ctx.add_init_script("window.__calls = []; ['alert', 'confirm', 'prompt'].forEach(function (k) {"
                                 " window[k] = function (m) { window.__calls.push(k + ':' + m); }; });")
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in (
            "error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:  # no network: anything outside the local server is refused and recorded
            self.outside.append(url)
            route.abort()

    def _dialog(self, d):
        self.dialogs.append(d.message)
        d.dismiss()

    def open(self, fragment: str = "", wait_detail: bool = False):
        self.page.goto(self.base + "index.html" + fragment)
        self.page.wait_for_selector("html[data-painted]", timeout=30_000)
        if wait_detail:
            self.page.wait_for_selector("#detail[data-loaded]", timeout=10_000)
        return self.page

    def js(self, expr: str):
        return self.page.evaluate(expr)

    def close(self):
        self.ctx.close()


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def screenshot(site: Path, out: Path, browser=None,
               fragment: str = "#map=5/49/9.5&sel=terminal:csp-zeebrugge-terminal") -> Path:
    """Save a screenshot of the map page (the README's picture), with an open detail card."""
    if browser is None:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            b = launch(p)
            try:
                return screenshot(site, out, b, fragment)
            finally:
                b.close()
    with served(site) as base:
        s = Session(browser, base, 1280, 800)
        try:
            s.open(fragment, wait_detail="sel=" in fragment)
            s.js("(function () { var d = document.getElementById('detail'), c = d.querySelector('.chain-wrap');"
                 " if (c) { d.scrollTop = c.offsetTop - 90; } })()")
            s.page.wait_for_timeout(300)
            out.parent.mkdir(parents=True, exist_ok=True)
            s.page.screenshot(path=str(out))
        finally:
            s.close()
    return out


if __name__ == "__main__":  # pragma: no cover
    print(screenshot(Path(sys.argv[1]), Path(sys.argv[2])))
