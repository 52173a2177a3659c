"""How long checking an exercise takes: at build time under CPython, and in the page under Pyodide.

CPython: ``verify_exercise`` for each exercise (the solution, the starter and every known mistake,
with the search for the mistake's hint), the median of a few runs, printed as a ratio to the
one-second budget an exercise may add to ``mkdocs build`` and to the softmax exercise measured in
the same run (the lead's first exercise, the baseline).

Browser (``--site DIR``, a site built with ``mkdocs build``): each exercise's page in headless
Chromium; after a first Check has started Python, the time from pressing Check to the answer, for
the reference solution (all checks run) and the starter (the first failure, then the hint search),
as a ratio to the softmax exercise in the same run and to the issue's "within a second or two".

    python benchmarks/bench_exercises.py [--runs 3] [--site site] [NAME ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.conftest import CHROMIUM_ARGS, chromium_path, serve  # noqa: E402

from genai_course.plugin.data import load_topics  # noqa: E402
from genai_course.plugin.exercises import Exercise, load_exercises, verify_exercise  # noqa: E402

BASELINE = "softmax"
BUILD_BUDGET_S = 1.0
PAGE_BUDGET_S = 1.0


def median_seconds(action: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_cpython(exercises: dict[str, Exercise], runs: int) -> None:
    print(f"CPython, verify_exercise, median of {runs}:")
    base = median_seconds(lambda: verify_exercise(exercises[BASELINE]), runs)
    print(f"  {'exercise':30} {'ms':>7} {'÷ 1 s':>7} {'÷ ' + BASELINE:>10}")
    for name, exercise in exercises.items():
        t = median_seconds(lambda e=exercise: verify_exercise(e), runs)  # type: ignore[misc]
        print(f"  {name:30} {t * 1e3:7.0f} {t / BUILD_BUDGET_S:7.2f} {t / base:10.1f}")


def time_check(page: object, block: object, source: str, answer: str) -> float:
    """Seconds from pressing Check to the answer ``answer`` ("passed" or "failed")."""
    editor = block.locator(".cm-content")  # type: ignore[attr-defined]
    if editor.count():
        editor.focus()
        page.keyboard.press("Control+A")  # type: ignore[attr-defined]
        page.keyboard.insert_text(source)  # type: ignore[attr-defined]
    else:
        block.locator("textarea").fill(source)  # type: ignore[attr-defined]
    result = block.locator(".gc-result")  # type: ignore[attr-defined]
    start = time.perf_counter()
    block.locator("[data-action=check]").click()  # type: ignore[attr-defined]
    # the answers alternate between passed and failed, so each wait sees a new one
    while result.get_attribute("data-state") != answer:
        if time.perf_counter() - start > 60:
            raise TimeoutError(f"no answer after 60 s from {block}")
        page.wait_for_timeout(5)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def bench_browser(exercises: dict[str, Exercise], site: Path, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    server = serve(site)
    print(f"\nIn the page (Pyodide, headless Chromium), Check to answer, median of {runs}:")
    rows = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name, exercise in exercises.items():
            page.goto(f"{server.url}topics/{exercise.topic}/#exercise-{name}")
            block = page.locator(f"#exercise-{name}")
            time_check(page, block, exercise.starter, "failed")  # starts Python on this page
            solved, started = [], []
            for _ in range(runs):
                solved.append(time_check(page, block, exercise.solution, "passed"))
                started.append(time_check(page, block, exercise.starter, "failed"))
            rows[name] = (statistics.median(solved), statistics.median(started))
        browser.close()
    server.httpd.shutdown()
    base = rows[BASELINE][0] if BASELINE in rows else 1.0
    header = f"{'solution ms':>11} {'starter ms':>10} {'÷ 1 s':>6} {'÷ ' + BASELINE:>10}"
    print(f"  {'exercise':30} {header}")
    for name, (solved_s, started_s) in rows.items():
        slowest = max(solved_s, started_s)
        print(
            f"  {name:30} {solved_s * 1e3:11.0f} {started_s * 1e3:10.0f} "
            f"{slowest / PAGE_BUDGET_S:6.2f} {solved_s / base:10.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site", type=Path, help="a built site, to time Check in the page too")
    parser.add_argument("names", nargs="*", help="exercises to time (default: all)")
    args = parser.parse_args()
    everything = load_exercises(ROOT / "exercises", list(load_topics(ROOT / "data" / "topics.yml")))
    chosen = {n: e for n, e in everything.items() if not args.names or n in args.names}
    chosen = {BASELINE: everything[BASELINE], **chosen}
    bench_cpython(chosen, args.runs)
    if args.site:
        bench_browser(chosen, args.site, args.runs)


if __name__ == "__main__":
    main()
