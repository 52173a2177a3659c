"""The instructor's edit loop: `mkdocs serve` on a copy of the project, an edit to a Markdown file,
and the page open in Chromium reloads with the new text, with no Content-Security-Policy
violation. The same start-up build shows that MkDocs lists a page left out of the nav, and none
of the session and topic pages the plugin places there. A mistake saved in a data file shows in
the open page and in the terminal, at every save, until a save fixes it; a busy port is said
before any build."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
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
    shutil.copytree(ROOT / "data", destination / "data")
    shutil.copy2(ROOT / "mkdocs.yml", destination / "mkdocs.yml")
    for entry in ROOT.iterdir():
        if entry.name not in {"docs", "data", "mkdocs.yml", "site", ".git", ".venv"}:
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


def test_a_broken_build_shows_in_the_page_and_the_terminal_until_fixed(
    dev_server: DevServer, page: object
) -> None:
    from playwright.sync_api import expect

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))  # type: ignore[attr-defined]
    page.goto(dev_server.url + "schedule/")  # type: ignore[attr-defined]
    heading = page.locator("h1")  # type: ignore[attr-defined]
    expect(heading).to_have_text(re.compile(r"^Schedule"))
    wait_for(page, lambda: console.count("Enabled live reload") == 1)

    schedule = dev_server.project / "data" / "schedule.yml"
    good = schedule.read_text(encoding="utf-8")
    mistake = "session 6: field 'kind': Expected one of: ('class', 'no-class', 'presentation')"
    try:
        schedule.write_text(good.replace("kind: presentation", "kind: lecture", 1), "utf-8")
        # the open page reloads into the error: file, entry, problem and what to do
        expect(heading).to_have_text("The site could not be built", timeout=300_000)

        def row(name: str) -> object:
            return page.locator(f"dt:text-is('{name}') + dd")  # type: ignore[attr-defined]

        expect(row("File")).to_have_text("data/schedule.yml")
        expect(row("Entry")).to_have_text("session 6")
        expect(row("Problem")).to_contain_text("received: 'lecture'")
        expect(page.locator("main")).to_contain_text("Fix it in the file named above and save")  # type: ignore[attr-defined]
        wait_for(page, lambda: dev_server.output().count(mistake) == 1, 120)

        # the same mistake saved again: told again in the terminal, and the page shows it again
        reloads = console.count("Enabled live reload")
        schedule.write_text(schedule.read_text(encoding="utf-8") + "# saved again\n", "utf-8")
        wait_for(page, lambda: dev_server.output().count(mistake) == 2, 300)
        wait_for(page, lambda: console.count("Enabled live reload") > reloads)
        expect(heading).to_have_text("The site could not be built")

        # another page, asked for while the build is broken, answers at once with the error
        response = page.goto(dev_server.url + "topics/attention/", timeout=10_000)  # type: ignore[attr-defined]
        assert response.status == 500
        expect(heading).to_have_text("The site could not be built")

        # a YAML mistake: its line and column, and the line itself in code
        schedule.write_text(
            good.replace("title: Presentation of theory topics", "title: Presentation: topics"),
            "utf-8",
        )
        expect(row("Where")).to_have_text(re.compile(r"^line \d+, column 24$"), timeout=300_000)
        expect(page.locator("dd pre")).to_have_text(  # type: ignore[attr-defined]
            re.compile(r"title: Presentation: topics\n\s+\^")
        )
        page.screenshot(path=str(dev_server.project / "serve-error.png"))  # type: ignore[attr-defined]
    finally:
        schedule.write_text(good, "utf-8")
    # fixed: the page goes back by itself
    expect(heading).to_have_text(re.compile(r"^Attention"), timeout=300_000)


def test_a_busy_port_is_said_before_the_build(dev_server: DevServer) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=dev_server.project,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        busy.close()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in output, output
    assert f"./dev serve --dev-addr 127.0.0.1:{port + 1}" in output
    assert "Traceback" not in output and "Building documentation to" not in output
    assert "Pyodide" not in output  # stopped before the bundle, let alone the pages
    assert time.monotonic() - started < 60
