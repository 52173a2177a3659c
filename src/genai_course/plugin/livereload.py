"""Live reload under `mkdocs serve`, with the site's strict Content-Security-Policy kept; a busy
port said before the first build; a broken build shown in the browser and the terminal.

The dev server adds an inline script to every page it serves; its text changes with every
request, so no hash can allow it. While serving, the policy also allows one nonce, and the
script the server adds carries that nonce. The built site (`mkdocs build`) has no nonce.
"""

from __future__ import annotations

import errno
import logging
import re
import secrets
import socket
import string
import time
from html import escape
from pathlib import Path
from typing import Any

from mkdocs.exceptions import BuildError
from mkdocs.plugins import get_plugin_logger

__all__ = [
    "BuildErrorPage",
    "allow_live_reload",
    "error_details",
    "error_page",
    "live_reload_nonce",
    "port_problem",
]


def live_reload_nonce() -> str:
    return secrets.token_urlsafe(18)


def allow_live_reload(server: Any, nonce: str) -> None:
    """Give the live-reload script that `server` (MkDocs' LiveReloadServer) adds its nonce."""
    inject = server._inject_js_into_html  # MkDocs 1.6: adds <script>…</script> before </body>

    def inject_with_nonce(content: bytes, epoch: int) -> bytes:
        html: bytes = inject(content, epoch)
        # the added script is the last <script> of the page, right before </body>
        at = html.rfind(b"<script>")
        if at < 0:
            return html
        return html[:at] + b'<script nonce="' + nonce.encode() + b'">' + html[at + 8 :]

    server._inject_js_into_html = inject_with_nonce


log = get_plugin_logger("genai_course")


# -- a busy port -------------------------------------------------------------------------------


def port_problem(host: str, port: int) -> str | None:
    """Why `mkdocs serve` could not listen on host:port, said before the first build (MkDocs
    finds out after it, with a traceback); None when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # as the dev server binds: a port left in TIME_WAIT by a stopped server is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            other = f"{host}:{port + 1}"
            if error.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is already in use: is the site being served in "
                    f"another terminal? Stop that one (Ctrl-C), or serve on another port: "
                    f"./dev serve --dev-addr {other} (or mkdocs serve --dev-addr {other})"
                )
            return f"cannot serve on {host}:{port} ({error.strerror}); try --dev-addr {other}"
    return None


# -- a broken build, shown where the instructor looks ------------------------------------------

_DETAILS = re.compile(
    r"^(?:genai-course: )?(?P<file>[^\s:,]+\.(?:ya?ml|md|py))"
    r"(?:, line (?P<line>\d+), column (?P<column>\d+))?: (?P<problem>.*)$",
    re.DOTALL,
)
_ENTRY = re.compile(
    r"^(?P<entry>(?:session|topic|resource|term|question) [^:;]+?): (?P<problem>.*)$", re.DOTALL
)


def error_details(message: str, project: Path) -> list[tuple[str, str]]:
    """File, line, entry and problem of a build error, as far as its message names them."""
    found = _DETAILS.match(message.strip())
    if found is None:
        return [("Problem", message.strip())]
    path = Path(found["file"])
    if path.is_absolute() and path.is_relative_to(project):
        path = path.relative_to(project)
    rows = [("File", path.as_posix())]
    if found["line"]:
        rows.append(("Where", f"line {found['line']}, column {found['column']}"))
    problem = found["problem"]
    entry = _ENTRY.match(problem)
    if entry is not None:
        rows.append(("Entry", entry["entry"]))
        problem = entry["problem"]
    return [*rows, ("Problem", problem)]


_PAGE = string.Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The site could not be built</title>
<style>
:root { color-scheme: light dark; --fg: #1f2328; --bg: #fff; --line: #d0d7de; --bad: #b3261e; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #161b22; --line: #30363d; --bad: #ff8a80; }
}
body { font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg);
       max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; color: var(--bad); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
dd code, pre { font: 14px/1.45 ui-monospace, monospace; }
pre { border: 1px solid var(--line); padding: .75rem; overflow-x: auto; }
</style></head>
<body><main>
<h1>The site could not be built</h1>
<p>The last save at $time stopped the build of the course site:</p>
<dl>$rows</dl>
<h2>What to do</h2>
<p>Fix it in the file named above and save. This page goes back to the page you were on by
itself as soon as the site builds again. The terminal that runs <code>./dev serve</code> shows
the same message.</p>
</main></body></html>
"""
)


def error_page(message: str, project: Path, when: str) -> bytes:
    rows = []
    for name, value in error_details(message, project):
        # a problem's first line is words; what follows (a line of the file, a traceback) is code
        words, _, code = value.partition("\n")
        text = f"<code>{escape(words)}</code>" if name == "File" else escape(words)
        shown = f"<pre>{escape(code)}</pre>" if code.strip() else ""
        rows.append(f"<dt>{escape(name)}</dt><dd>{text}{shown}</dd>")
    return _PAGE.substitute(time=escape(when), rows="".join(rows)).encode()


class BuildErrorPage:
    """Under `mkdocs serve`: while the build is broken, every page the browser asks for is the
    error, and each failed build is told in the terminal (MkDocs tells a message once per run).

    MkDocs 1.6 holds every request until a build succeeds, so a browser that reloads waits on a
    blank page. Releasing them shows the error page instead, which polls like any served page and
    reloads once a build succeeds."""

    def __init__(self) -> None:
        self.server: Any = None
        self.error: bytes | None = None

    def attach(self, server: Any) -> None:
        self.server = server
        serve_request = server.serve_request

        def serve_or_show_error(environ: dict[str, Any], start_response: Any) -> Any:
            path = environ.get("PATH_INFO", "")
            if not _is_page(path):
                return serve_request(environ, start_response)
            with server._epoch_cond:
                # as MkDocs does: wait for the build under way, which may fail
                server._epoch_cond.wait_for(lambda: server._visible_epoch == server._wanted_epoch)
            error = self.error
            if error is None:
                return serve_request(environ, start_response)
            page = server._inject_js_into_html(error, server._visible_epoch)
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
            )
            return [page]

        server.set_app(serve_or_show_error)

    def building(self) -> None:
        self.error = None

    def failed(self, error: BaseException, project: Path) -> None:
        message = str(error) or type(error).__name__
        if not isinstance(error, BuildError):
            message = f"{type(error).__name__}: {message}"
        # MkDocs logs a build error through a filter that drops a message it has logged before
        for entry in logging.getLogger("mkdocs.commands.build").filters:
            seen = getattr(entry, "msgs", None)
            if isinstance(seen, set):
                seen.discard(str(error))
        if self.server is None:  # the first build: `mkdocs serve` stops, with the message
            return
        self.error = error_page(message, project, time.strftime("%H:%M:%S"))
        log.info("the open pages show this error now, and reload once a save fixes it")
        with self.server._epoch_cond:
            # the browsers waiting for this build get the error page now
            self.server._visible_epoch = self.server._wanted_epoch
            self.server._epoch_cond.notify_all()


def _is_page(path: str) -> bool:
    last = path.rsplit("/", 1)[-1]
    return not path.startswith("/livereload/") and (
        last == "" or last.endswith(".html") or "." not in last
    )
