"""The site in Firefox and in WebKit (Safari's engine), not only Chromium: every demo shows its
build-time figure, a change from the keyboard recomputes it, no page raises an error, the editor
runs (an exception, Stop) and a quiz answers.

Firefox ESR is driven over WebDriver BiDi by puppeteer-core (tests/browsers/firefox.mjs, run with
node); WebKitGTK's MiniBrowser by Selenium under xvfb-run (tests/browsers/webkit.py). Each prints
one JSON report, checked here. Whether Python started from its memory snapshot and installed its
wheels by the fast path is recorded with the time to Python ready (test-results/engines.json):
a fallback still has to work, and is reported, not hidden. `./dev test` installs both browsers;
a browser that is missing fails these tests with what to install.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any, NoReturn

import pytest

from tests.conftest import ROOT, Server
from tests.test_browser_demos import CASES

pytestmark = pytest.mark.browser

BROWSERS = ROOT / "tests" / "browsers"
# the tiny GPT writes one character (Home), not 79: its time is measured in the benchmark
ONE_CHARACTER = ("topics/next-token-prediction/", "tiny_gpt", "length", "Home", "1")
CASE_LIST = json.dumps(
    [
        dict(zip(("path", "demo", "control", "key", "value"), case, strict=True))
        for case in [*(c for c in CASES if c[1] != "tiny_gpt"), ONE_CHARACTER]
    ]
)
# generous: each demo page starts Python afresh, on a machine that may be busy
LIMIT = 900


def missing(what: str, how: str) -> NoReturn:
    pytest.fail(f"{what} is not installed, so this browser cannot be tested. {how}", pytrace=False)


def firefox_binary() -> str:
    found = (
        os.environ.get("GENAI_FIREFOX") or shutil.which("firefox-esr") or shutil.which("firefox")
    )
    if not found or not os.access(found, os.X_OK):
        missing(
            f"Firefox ({found or 'firefox-esr'})",
            "Run ./dev test as root (it installs Debian's firefox-esr), "
            "or apt-get install firefox-esr, or set GENAI_FIREFOX.",
        )
    return str(found)


def minibrowser() -> str:
    found = os.environ.get("GENAI_MINIBROWSER") or next(
        iter(sorted(glob.glob("/usr/lib/*/webkit2gtk-4.1/MiniBrowser"))), None
    )
    if not found or not os.access(found, os.X_OK):
        missing(
            f"WebKitGTK's MiniBrowser ({found or 'webkit2gtk-4.1/MiniBrowser'})",
            "apt-get install libwebkit2gtk-4.1-0 (./dev test "
            "does, as root), or set GENAI_MINIBROWSER.",
        )
    return str(found)


def run_report(command: list[str], name: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=LIMIT, cwd=BROWSERS)
    seconds = time.perf_counter() - started
    if result.returncode != 0 or not result.stdout.strip():
        pytest.fail(f"{name} run failed ({result.returncode}):\n{result.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(result.stdout)
    report["seconds"] = round(seconds, 1)
    record(name, report)
    return report


def record(name: str, report: dict[str, Any]) -> None:
    path = ROOT / "test-results" / "engines.json"
    path.parent.mkdir(exist_ok=True)
    data = json.loads(path.read_text()) if path.is_file() else {}
    data[name] = report
    path.write_text(json.dumps(data, indent=1))


def check(report: dict[str, Any]) -> None:
    """What a learner must get in every browser; fallbacks are recorded, not failed."""
    problems = []
    for page in report["pages"]:
        where = f"{report['browser']} /{page['path']} {page['demo']}"
        if page.get("failure"):
            problems.append(f"{where}: {page['failure']}")
            continue
        if not page["builtFigure"]:
            problems.append(f"{where}: no build-time figure")
        if page["value"] != page["expectedValue"]:
            problems.append(f"{where}: the key set {page['value']!r}, not {page['expectedValue']}")
        if not page["updated"] or not page["status"] or page["status"].startswith("Stopped"):
            problems.append(f"{where}: the figure did not change ({page['status']})")
        if page["errors"]:
            problems.append(f"{where}: errors {page['errors']}")
        phases = page["phases"]
        page["snapshot"] = "snapshot" in phases and "snapshotError" not in phases
        page["fastInstall"] = "installed" in phases and "installError" not in phases
    editor, quiz = report["editor"], report["quiz"]
    for part, result in (("editor", editor), ("quiz", quiz)):
        if result.get("failure") or result["errors"]:
            problems.append(
                f"{report['browser']} {part}: {result.get('failure')} {result['errors']}"
            )
    if not problems:
        assert 'File "demos/numpy_check.py", line' in editor["traceback"]
        assert editor["stopped"].startswith("Stopped")
        assert editor["afterwards"].startswith("softmax([0, 1, 2]) = [0.0900, 0.2447, 0.6652]")
        assert quiz["wrong"].startswith("Not quite.") and quiz["right"].startswith("Right.")
    assert not problems, "\n".join(problems)


def firefox_command(site: str, cases: str) -> list[str]:
    """The Firefox run of these cases (JSON) on the site, or a failure saying what to install."""
    binary = firefox_binary()
    if not (BROWSERS / "node_modules" / "puppeteer-core").is_dir():
        missing("puppeteer-core", "Run ./dev test (it runs npm ci in tests/browsers).")
    node = shutil.which("node") or missing("Node.js", "Install nodejs (apt-get install nodejs).")
    return [str(node), "firefox.mjs", binary, site, cases]


def webkit_command(site: str, cases: str) -> list[str]:
    """The WebKit run of these cases (JSON) on the site, or a failure saying what to install."""
    browser = minibrowser()
    driver = shutil.which("WebKitWebDriver") or missing(
        "WebKitWebDriver", "apt-get install webkit2gtk-driver (./dev test does, as root)."
    )
    xvfb = shutil.which("xvfb-run") or missing("xvfb-run", "apt-get install xvfb xauth.")
    return [str(xvfb), "-a", sys.executable, "webkit.py", browser, str(driver), site, cases]


def test_every_demo_the_editor_and_a_quiz_work_in_firefox(server: Server) -> None:
    report = run_report(firefox_command(server.url, CASE_LIST), "firefox")
    check(report)
    record("firefox", report)


def test_every_demo_the_editor_and_a_quiz_work_in_webkit(server: Server) -> None:
    report = run_report(webkit_command(server.url, CASE_LIST), "webkit")
    check(report)
    record("webkit", report)
