"""Python's start-up, this working tree's page scripts against another revision's, side by side.

Takes a site built by ``./dev bench`` (benchmarks/results/site), copies it twice, puts into the
copies the course's start-up scripts (python.js, worker.js, fetch-worker.js) as they are in the
working tree and at ``--against`` (a git revision, or a folder holding them), serves both and
loads a demo page in each by turns — cold visits in fresh browser contexts, and with ``--repeat``
second visits in a browser profile of their own — acting as soon as the demo is mounted, as
``./dev bench`` does. Turns alternate, so a machine whose load changes during the run weighs on
both alike. (A python.js that differs from the build's makes the service worker's first install
fail, as the build's list names another revision: repeat visits then time out and are left out;
compare python.js changes with ``./dev bench``.) Prints the medians of the worker's phases
(worker clock, ms since it started), time to interactive and the first run after boot ("after
boot": ready -> recomputed figure).

    .venv/bin/python benchmarks/bench_start_ab.py [--against HEAD] [--demo attention] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.bench_demos import (  # noqa: E402
    DEMOS,
    OUT,
    fresh_page,
    new_profile,
    set_control,
    wait_updates,
)
from tests.conftest import CHROMIUM_ARGS, free_port, serve  # noqa: E402

SCRIPTS = ("python.js", "worker.js", "fetch-worker.js")
PHASES = ("snapshot", "wheels", "script", "pyodide", "installed", "packages", "imported")


def swap_scripts(site: Path, revision: str | None) -> None:
    """The page scripts as at `revision`, or as in the working tree (None)."""
    for name in SCRIPTS:
        source = f"src/genai_course/assets/{name}"
        if revision is None:
            text = (ROOT / source).read_text()
        elif Path(revision, name).is_file():  # a folder of the scripts (a variant being tried)
            text = Path(revision, name).read_text()
        else:
            text = subprocess.run(
                ["git", "show", f"{revision}:{source}"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        (site / "assets" / "genai-course" / name).write_text(text)


def one_visit(page: Any, url: str, demo: str) -> dict[str, float]:
    spec = DEMOS[demo]
    page.goto(url + spec["page"], wait_until="commit")
    page.wait_for_function(f"() => document.querySelector('#gc-demo-{demo}[data-mounted]')")
    set_control(page, demo, spec["control"], spec["values"][0])
    interactive = wait_updates(page, 1)
    timings = page.evaluate("window.genaiCourse.python.timings")
    phases = timings["phases"]
    row = {f"{p}": float(phases[p]) for p in PHASES if p in phases}
    row["precompiled"] = float(phases.get("precompiled", 0))
    row["ready"] = float(timings["ready"] - timings["workerStart"])
    row["worker"] = float(timings["workerStart"])
    row["TTI"] = interactive
    row["after boot"] = interactive - float(timings["ready"])
    return row


def cold(browser: Any, url: str, demo: str) -> dict[str, float]:
    context, page = fresh_page(browser, "about:blank")
    try:
        return one_visit(page, url, demo)
    finally:
        context.close()


def repeat(playwright: Any, url: str, demo: str) -> dict[str, float]:
    with new_profile(playwright) as context:
        page = context.new_page()
        one_visit(page, url, demo)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.evaluate("window.genaiCourseOffline.kept")
        page.evaluate("window.genaiCourseOffline.keptPython")
        page.wait_for_timeout(
            2000
        )  # as ./dev bench: what the browser writes has time to be written
        page.close()
        page = context.new_page()
        page.set_default_timeout(120_000)
        return one_visit(page, url, demo)


def table(title: str, rows: dict[str, list[dict[str, float]]]) -> None:
    keys = [k for k in (*PHASES, "precompiled", "ready", "worker", "TTI", "after boot")]
    print(f"\n{title} (medians, ms; runs: {', '.join(str(len(r)) for r in rows.values())})")
    print(f"{'':12}" + "".join(f"{k:>12}" for k in keys))
    for name, runs in rows.items():
        cells = [
            statistics.median([r.get(k, float("nan")) for r in runs] or [float("nan")])
            for k in keys
        ]
        print(f"{name:12}" + "".join(f"{c:12.0f}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--against", default="HEAD", help="git revision of the other scripts, or a folder of them"
    )
    parser.add_argument("--demo", default="attention", choices=list(DEMOS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", action="store_true", help="second visits too")
    parser.add_argument("--site", type=Path, default=OUT / "site")
    args = parser.parse_args()
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-ab-") as folder:
        sites = {"this tree": None, args.against: args.against}
        servers = {}
        for name, revision in sites.items():
            copy = Path(folder) / ("other" if revision else "tree")
            shutil.copytree(args.site, copy)
            swap_scripts(copy, revision)
            servers[name] = serve(copy, free_port())
        executable = shutil.which("chromium") or shutil.which("chromium-browser")
        colds: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        repeats: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            for _ in range(args.runs):
                for name, server in servers.items():
                    colds[name].append(cold(browser, server.url, args.demo))
                    if args.repeat:
                        try:
                            repeats[name].append(repeat(playwright, server.url, args.demo))
                        except PlaywrightTimeout as error:  # said, and the run goes on
                            print(f"{name}: a repeat visit timed out: {str(error)[:200]}")
            browser.close()
        for server in servers.values():
            server.httpd.shutdown()
    table(f"cold visits, {args.demo}", colds)
    if args.repeat:
        table(f"repeat visits, {args.demo}", repeats)


if __name__ == "__main__":
    main()
