"""What `mkdocs serve` says and serves on a copy of the project: it runs without a published
address (it uses its own), the schedule page offers the subscription at that local address, and
Material's end-of-life notice comes once per command, not again on each rebuild."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, TEST_TODAY, free_port

NOTICE = "Material for MkDocs reaches end of life on"
BUILT = "Documentation built in"


def copy_project(destination: Path) -> Path:
    for name in ("docs", "data", "demos", "exercises"):
        shutil.copytree(ROOT / name, destination / name)
    shutil.copy2(ROOT / "mkdocs.yml", destination / "mkdocs.yml")
    return destination


@contextmanager
def serving(project: Path, *options: str, ready: str = "Serving on") -> Iterator[tuple[str, Path]]:
    """`mkdocs serve` as ./dev serve starts it, with none of the tests' address settings."""
    port, log = free_port(), project / "serve.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SITE_URL", "GENAI_ALLOW_LOCAL_SITE_URL", "NO_MKDOCS_2_WARNING"}
    }
    env.update(GENAI_TODAY=TEST_TODAY, GENAI_CACHE_DIR=str(ROOT / ".cache" / "genai-course"))
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}", *options],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_log(log, process, lambda text: ready in text)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_log(log: Path, process: subprocess.Popen[bytes], done: object) -> str:
    deadline = time.monotonic() + 600
    while True:
        text = log.read_text(encoding="utf-8", errors="replace")
        if done(text):  # type: ignore[operator]
            return text
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"mkdocs serve stopped or never got there:\n{text[-4000:]}")
        time.sleep(0.2)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return str(response.read().decode("utf-8"))


def test_serve_needs_no_address_and_tells_the_notice_once(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    with serving(project) as (url, log):
        schedule = get(url + "schedule/")
        assert f'href="webcal://{url.removeprefix("http://")}schedule.ics"' in schedule
        assert "BEGIN:VCALENDAR" in get(url + "schedule.ics")
        # two saves of the schedule, each rebuilt
        process_log = log.read_text(encoding="utf-8")
        builds = process_log.count(BUILT)
        data = project / "data" / "schedule.yml"
        for n in (1, 2):
            data.write_text(data.read_text(encoding="utf-8") + f"# edit {n}\n", encoding="utf-8")
            deadline = time.monotonic() + 300
            while log.read_text(encoding="utf-8").count(BUILT) < builds + n:
                assert time.monotonic() < deadline, log.read_text(encoding="utf-8")[-3000:]
                time.sleep(0.2)
        output = log.read_text(encoding="utf-8")
    assert output.count(NOTICE) == 1, output
    assert output.index(NOTICE) < output.index(BUILT)  # before the first build, not after
    assert "site_url" not in output  # no word about the published address under serve


def test_serve_clean_needs_no_address_either(tmp_path: Path) -> None:
    """`mkdocs serve --clean` starts up as a build: the plugin still sees it is serving, and its
    build goes through without a published address."""
    with serving(copy_project(tmp_path), "--clean", ready=BUILT) as (_, log):
        output = log.read_text(encoding="utf-8")
    assert "site_url" not in output, output
