"""Training a language model in the page (issue 22): speed in headless Chromium.

For each trained model at its default size (MLP: context 8, width 16, batch 32; one transformer
block: the same, 2 heads) on the course text, from the click on Train:

- steps per second (the demo's own count over each half-second part, median of the parts);
- the time until the held-out loss falls below the bigram's (the table under the curve);
- the time from choosing Paused to the first figure that answers it (in the page's clock), and
  to the paused figure with a sample from the paused weights; the longest main-thread task (Long
  Tasks API) while it trains;
- what the model writes after 10, 30 and 60 s of training.

    .venv/bin/python benchmarks/bench_train_lm.py [--site site] [--seconds 60]

With no --site it builds the site first (about a minute). Results go to
benchmarks/results/train_lm.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM_ARGS, build_site, chromium_path, free_port, serve  # noqa: E402

from genai_course import charlm  # noqa: E402

WATCH = """() => { window.__lt = 0;
  new PerformanceObserver((list) => list.getEntries().forEach(
    (e) => (window.__lt = Math.max(window.__lt, e.duration)))).observe({type: 'longtask'}); }"""
STATE = """() => { const d = document.querySelector('#gc-demo-train_lm');
  const rows = Array.from(d.querySelectorAll('.gc-alt tbody tr')).map((tr) =>
    [tr.querySelector('th').textContent,
     ...Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)]);
  const caption = d.querySelectorAll('.gc-caption');
  return {status: d.querySelector('.gc-status').textContent, rows,
          sample: caption.length ? caption[caption.length - 1].textContent : ''}; }"""


def measure(page: object, url: str, model: str, seconds: float, bigram: float) -> dict[str, object]:
    page.goto(url + "topics/training-pipeline/")  # type: ignore[attr-defined]
    demo = page.locator("#gc-demo-train_lm")  # type: ignore[attr-defined]
    demo.scroll_into_view_if_needed()
    page.wait_for_function("() => window.genaiCourse.python.state === 'ready'", timeout=180_000)  # type: ignore[attr-defined]
    demo.locator("[name=model]").select_option(model)
    page.wait_for_function("() => !document.querySelector('#gc-demo-train_lm').dataset.running")  # type: ignore[attr-defined]
    page.evaluate(WATCH)  # type: ignore[attr-defined]
    demo.locator("[name=action]").select_option("train")
    start = time.perf_counter()
    speeds: list[float] = []
    beat: float | None = None
    samples: dict[str, str] = {}
    marks = [m for m in (10, 30, 60) if m <= seconds]
    while time.perf_counter() - start < seconds:
        state = page.evaluate(STATE)  # type: ignore[attr-defined]
        now = time.perf_counter() - start
        if " Speed: " in state["status"]:
            speeds.append(float(state["status"].split(" Speed: ")[1].split()[0]))
        held = [float(r[2]) for r in state["rows"]]
        if beat is None and held and held[-1] < bigram:
            beat = now
        while marks and now >= marks[0]:
            samples[f"{marks.pop(0)} s"] = f"{state['status'].split(':')[0]}: {state['sample']}"
        page.wait_for_timeout(250)  # type: ignore[attr-defined]  # polling a running demo
    state = page.evaluate(STATE)  # type: ignore[attr-defined]
    for mark in marks:  # the last mark falls at the end
        samples[f"{mark} s"] = f"{state['status'].split(':')[0]}: {state['sample']}"
    # the first figure the page shows after the click answers it (a cancelled part's are dropped)
    page.evaluate(  # type: ignore[attr-defined]
        """() => { window.__answered = null;
          const d = document.querySelector('#gc-demo-train_lm');
          d.addEventListener('change', () => (window.__clicked = performance.now()), true);
          for (const kind of ['genai-course:partial', 'genai-course:updated']) {
            d.addEventListener(kind, () => { if (window.__clicked && window.__answered === null)
              window.__answered = performance.now() - window.__clicked; }); } }"""
    )
    paused_at = time.perf_counter()
    demo.locator("[name=action]").select_option("pause")
    # the paused figure: its status has no speed, and no part is running
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const d = document.querySelector('#gc-demo-train_lm');"
        " return /Step [0-9,]+: held-out/.test(d.querySelector('.gc-status').textContent)"
        " && !d.dataset.running; }",
        timeout=120_000,
    )
    pause_ms = (time.perf_counter() - paused_at) * 1000
    answered_ms = page.evaluate("window.__answered")  # type: ignore[attr-defined]
    return {
        "model": model,
        "steps_per_second_median": statistics.median(speeds) if speeds else None,
        "seconds_to_beat_bigram": None if beat is None else round(beat, 1),
        "bigram_held_out": round(bigram, 3),
        "final": page.evaluate(STATE)["status"],  # type: ignore[attr-defined]
        "pause_to_first_figure_ms": None if answered_ms is None else round(answered_ms),
        "pause_to_paused_figure_and_sample_ms": round(pause_ms),
        "longest_main_thread_task_ms": page.evaluate("window.__lt"),  # type: ignore[attr-defined]
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (else it is built)")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    site = args.site
    if site is None:
        site = Path(tempfile.mkdtemp()) / "site"
        build_site(site, SITE_URL=f"http://127.0.0.1:{port}/")
    server = serve(site, port)
    corpus = charlm.make_corpus(charlm.course_text(), None)
    bigram = charlm.bigram_loss(
        charlm.bigram_table(corpus.train, len(corpus.vocab)), corpus.held_out
    )
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        for model in ("mlp", "transformer"):
            page = browser.new_page()
            results.append(measure(page, server.url, model, args.seconds, bigram))
            print(json.dumps(results[-1], indent=1, ensure_ascii=False), flush=True)
            page.close()
        browser.close()
    server.httpd.shutdown()
    out = ROOT / "benchmarks" / "results" / "train_lm.json"
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
