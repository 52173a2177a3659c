"""The instructor's edit loop: `mkdocs serve` on a copy of the project, an edit to a Markdown file,
and the page open in Chromium reloads with the new text, with no Content-Security-Policy
violation. The same start-up build shows that MkDocs lists a page left out of the nav, and none
of the session and topic pages the plugin places there."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, TEST_TODAY, free_port

pytestmark = pytest.mark.browser
OMITTED = 'The following pages exist in the docs directory, but are not included in the "nav"'


@dataclass
class DevServer:
    url: str
    project: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def copy_project(destination: Path) -> Path:
    """The project in `destination`: its pages and config copied (the test edits them), the rest
    linked (nothing writes there), so the worktree stays as it is."""
    shutil.copytree(ROOT / "docs", destination / "docs")
    shutil.copy2(ROOT / "mkdocs.yml", destination / "mkdocs.yml")
    for entry in ROOT.iterdir():
        if entry.name not in {"docs", "mkdocs.yml", "site", ".git", ".venv"}:
            (destination / entry.name).symlink_to(entry)
    # a page the instructor forgot to add to the nav: MkDocs must still say so
    (destination / "docs" / "stray.md").write_text("# A stray page\n", encoding="utf-8")
    return destination


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    project = copy_project(tmp_path_factory.mktemp("project"))
    port = free_port()
    log = project / "serve.log"
    env = {
        **os.environ,
        "GENAI_TODAY": TEST_TODAY,
        # the Pyodide bundle comes from the project's cache, as in every build
        "GENAI_CACHE_DIR": os.environ.get("GENAI_CACHE_DIR") or str(ROOT / ".cache"),
        "NO_MKDOCS_2_WARNING": "1",
    }
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = DevServer(f"http://127.0.0.1:{port}/", project, log)
    try:
        deadline = time.monotonic() + 600
        while "Serving on" not in server.output():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mkdocs serve did not start:\n{server.output()}")
            time.sleep(0.5)
        yield server
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C: MkDocs removes its temporary site
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_only_real_omissions_are_reported(dev_server: DevServer) -> None:
    output = dev_server.output()
    assert OMITTED in output, output
    listed = re.findall(r"^\s+- (\S+)$", output.split(OMITTED, 1)[1], re.MULTILINE)
    # the stray page, and none of the 14 session and 19 topic pages the data puts in the nav
    assert listed == ["stray.md"], output


def wait_for(page: object, condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)  # type: ignore[attr-defined]


def csp_violations(console: list[str]) -> list[str]:
    return [m for m in console if "CSP violation" in m or "Content Security Policy" in m]


def test_an_edit_reloads_the_open_page(dev_server: DevServer, page: object) -> None:
    from playwright.sync_api import expect

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))  # type: ignore[attr-defined]
    # every document reports a policy violation to the console, however it was loaded
    page.add_init_script(  # type: ignore[attr-defined]
        """document.addEventListener('securitypolicyviolation', (e) =>
             console.error('CSP violation: ' + e.violatedDirective));"""
    )
    page.goto(dev_server.url + "topics/attention/")  # type: ignore[attr-defined]
    heading = page.locator("h1")  # type: ignore[attr-defined]
    expect(heading).to_have_text(re.compile(r"^Attention\W*$"))  # the ¶ of the permalink
    policy = page.get_attribute(  # type: ignore[attr-defined]
        'meta[http-equiv="Content-Security-Policy"]', "content"
    )
    scripts = policy.split("script-src")[1].split(";")[0]
    assert "'nonce-" in scripts and "'unsafe-inline'" not in scripts
    # MkDocs' live-reload script ran: it says so
    wait_for(page, lambda: console.count("Enabled live reload") == 1)

    source = dev_server.project / "docs" / "topics" / "attention.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("# Attention\n", "# Attention, edited live\n", 1), "utf-8")
    expect(heading).to_have_text(re.compile("^Attention, edited live"), timeout=300_000)
    wait_for(page, lambda: console.count("Enabled live reload") == 2)  # in the new page too
    assert not csp_violations(console), console

    # the nonce allows the dev server's script and nothing else: an injected script is refused,
    # and the refusal is seen, so the check above could have failed
    page.evaluate(  # type: ignore[attr-defined]
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__injected = true'; document.body.append(s); }"""
    )
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    assert page.evaluate("window.__injected === undefined")  # type: ignore[attr-defined]
    assert csp_violations(console), console
