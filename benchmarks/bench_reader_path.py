"""The second page as a learner reaches it (issue 25, route 4): read, click on, touch.

In a fresh browser context, opens the image-generation page and scrolls to its first demo (Python
starts), then either waits until the learner has "read" it — Python quiet and every warm-up done —
or clicks on as soon as Python is ready; clicks the page's own link to "PCA versus autoencoders"
(instant navigation), and moves that page's first slider as soon as its demo is mounted. Prints
medians (ms): click -> demo mounted, click -> recomputed figure, mounted -> figure, and how many
warm-ups were still queued at the click.

    .venv/bin/python benchmarks/bench_reader_path.py [--site benchmarks/results/site] [--runs 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.bench_demos import OUT, fresh_page, set_control, wait_updates  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, SCROLL_TO_FIRST_DEMO, free_port, serve  # noqa: E402

FIRST = "topics/image-generation/"
LINK = 'a[href$="pca-vs-autoencoders/"]'
SECOND, CONTROL, VALUE = "compression", "k", "10"


def one_path(browser: Any, url: str, read: bool) -> dict[str, float]:
    context, page = fresh_page(browser, url + FIRST)
    try:
        page.wait_for_function("() => window.genaiCourse && document.querySelector('.gc-demo')")
        page.evaluate(SCROLL_TO_FIRST_DEMO)
        page.wait_for_function("() => window.genaiCourse.python.state === 'ready'", timeout=180_000)
        if read:
            page.wait_for_function(
                "() => window.genaiCourse.isQuiet() && window.genaiCourse.warmUpsLeft() === 0",
                timeout=180_000,
            )
        page.evaluate("window.__bench.updates = []")
        queued = float(page.evaluate("window.genaiCourse.warmUpsLeft()"))
        click = float(
            page.evaluate(
                f"""() => {{ const a = document.querySelector('.md-content {LINK}');
                           const t = performance.now(); a.click(); return t; }}"""
            )
        )
        page.wait_for_function(f"() => document.querySelector('#gc-demo-{SECOND}[data-mounted]')")
        mounted = float(page.evaluate("performance.now()"))
        set_control(page, SECOND, CONTROL, VALUE)
        figure = wait_updates(page, 1)
        same = page.evaluate("performance.getEntriesByType('navigation').length") == 1
        return {
            "mounted": mounted - click,
            "figure": figure - click,
            "run": figure - mounted,
            "queued": queued,
            "instant": float(same),
        }
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=OUT / "site")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    # served from the address it was built for: instant navigation follows only site_url links
    built = re.search(
        r'rel="canonical" href="http://127\.0\.0\.1:(\d+)/', (args.site / "index.html").read_text()
    )
    server = serve(args.site, int(built.group(1)) if built else free_port())
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    rows: dict[str, list[dict[str, float]]] = {"read first": [], "at once": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for _ in range(args.runs):
            rows["read first"].append(one_path(browser, server.url, read=True))
            rows["at once"].append(one_path(browser, server.url, read=False))
        browser.close()
    server.httpd.shutdown()
    keys = ["mounted", "figure", "run", "queued", "instant"]
    print(f"\nclick on to {SECOND} (medians of {args.runs} runs; ms, queued warm-ups at the click)")
    print(f"{'':12}" + "".join(f"{k:>10}" for k in keys))
    for name, runs in rows.items():
        print(
            f"{name:12}" + "".join(f"{statistics.median(r[k] for r in runs):10.0f}" for k in keys)
        )
    print("target: click -> recomputed figure <= 300 ms")


if __name__ == "__main__":
    main()
