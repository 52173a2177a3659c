"""Shared fixtures: the built site, a static server on 127.0.0.1, and Chromium driven by Playwright.

Every page a browser test opens has its requests recorded; a request that leaves 127.0.0.1 is
blocked and fails the test that caused it.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# The date the build takes as "today" in tests, so the "next session" card is predictable.
TEST_TODAY = "2026-04-15"


def build_site(
    destination: Path, config: Path = ROOT / "mkdocs.yml", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build --strict` as a user would, into `destination`, for a server on this
    computer: SITE_URL defaults to http://127.0.0.1:8000/, and GENAI_ALLOW_LOCAL_SITE_URL=1 lets
    a strict build take that local address (a build to publish stops on it: test_publish.py)."""
    env = {"SITE_URL": "http://127.0.0.1:8000/", "GENAI_ALLOW_LOCAL_SITE_URL": "1", **env}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(config),
            "--site-dir",
            str(destination),
        ],
        cwd=config.parent,
        env={**os.environ, "GENAI_TODAY": TEST_TODAY, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, port: int) -> Path:
    """The site built for the address it is served from, as a deployment would be: Material's
    instant navigation only follows links to the site_url written into sitemap.xml."""
    site = tmp_path_factory.mktemp("site")
    result = build_site(site, SITE_URL=f"http://127.0.0.1:{port}/")
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}")
    return site


# The caching headers the README asks hosts to send, so that tests and benchmarks meet the site as
# a returning learner does (a repeat visit reuses the HTTP cache, and V8's cache of the compiled
# WebAssembly that Chrome keeps next to it).
NAMED_BY_CONTENT = re.compile(
    r"pyodide/[^/]+/course/.+|pyodide/[^/]+/memory-[0-9a-f]+\.bin\.gz"
    r"|assets/(javascripts|stylesheets)/.+\.[0-9a-f]{8}\.min\.(js|css)"
)


def cache_control(path: str) -> str:
    """The Cache-Control header of a site path (README, "Deploying")."""
    path = urlsplit(path).path.lstrip("/")
    if NAMED_BY_CONTENT.fullmatch(path):
        return "public, max-age=31536000, immutable"
    if re.fullmatch(r"pyodide/[^/]+/pyodide-lock\.json", path):
        return "no-cache"  # it names the course wheel of this build
    if path.startswith(("pyodide/", "vendor/")):
        return "public, max-age=86400"
    return "no-cache"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", cache_control(self.path))
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Server:
    url: str
    root: Path
    httpd: http.server.ThreadingHTTPServer = field(repr=False)


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # a browser that closes a page, or lets go of a file it no longer wants, drops its
        # connection: not an error of the site, and no traceback in the benchmark's table
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def serve(root: Path, port: int = 0) -> Server:
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = _QuietServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return Server(f"http://127.0.0.1:{httpd.server_address[1]}/", root, httpd)


@pytest.fixture(scope="session")
def server(built_site: Path, port: int) -> Iterator[Server]:
    running = serve(built_site, port)
    yield running
    running.httpd.shutdown()


def chromium_path() -> str | None:
    for candidate in (os.environ.get("GENAI_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None  # fall back to Playwright's own browser, where it could be downloaded


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class RequestLog:
    """Every request a page made; the ones that left 127.0.0.1 were blocked."""

    urls: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname == "127.0.0.1"


def open_context(browser: object, log: RequestLog, **options: object) -> object:
    # the service worker (offline use) has its own tests; elsewhere every request reaches the
    # route below, as Playwright does not route what a service worker answers
    options.setdefault("service_workers", "block")
    context = browser.new_context(**options)  # type: ignore[attr-defined]

    def record(request: object) -> None:
        # every request of the pages and their workers, once each
        url = request.url  # type: ignore[attr-defined]
        log.urls.append(url)
        if not is_local(url):
            log.outside.append(url)

    def route(route: object) -> None:
        # block whatever would leave 127.0.0.1, so a test never waits on the outside world
        if is_local(route.request.url):  # type: ignore[attr-defined]
            route.continue_()  # type: ignore[attr-defined]
        else:
            route.abort()  # type: ignore[attr-defined]

    context.on("request", record)
    context.route("**/*", route)
    return context


@pytest.fixture
def requests_log() -> RequestLog:
    return RequestLog()


@pytest.fixture
def context(browser: object, requests_log: RequestLog) -> Iterator[object]:
    ctx = open_context(browser, requests_log)
    yield ctx
    ctx.close()  # type: ignore[attr-defined]
    assert not requests_log.outside, f"requests left the site's origin: {requests_log.outside}"


@pytest.fixture
def page(context: object) -> Iterator[object]:
    page = context.new_page()  # type: ignore[attr-defined]
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # type: ignore[attr-defined]
    yield page
    # an uncaught error in a page script (ours or the theme's) fails the test that caused it
    assert not errors, f"uncaught errors in the page: {errors}"


# A reader reaching the page's first demo or exercise: Python starts when one comes near the
# screen (python.js), not when the page opens.
SCROLL_TO_FIRST_DEMO = """() => {
  const first = document.querySelector('.gc-demo, .gc-exercise');
  if (first) first.scrollIntoView({ block: 'center' });
}"""


def python_ready(page: object, timeout: float = 120_000) -> None:
    """Scroll to the page's first demo or exercise, as a reader would, and wait for Python."""
    page.evaluate(SCROLL_TO_FIRST_DEMO)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => window.genaiCourse.python.state === 'ready'", timeout=timeout
    )
