"""Every text in every demo figure is readable on a laptop and on a phone: at least 11 CSS px, in
the figure the build wrote and in the one Python draws after a change from the keyboard.

A text's size on screen is its computed font size times the scale of its screen transform (the
viewBox scaling, and any rotation's group): what a learner's eye gets. The sizes measured are
written to test-results/figure-text.json (5th percentile and median, per page and width).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import ROOT, RequestLog, Server, open_context
from tests.test_browser_demos import CASES

pytestmark = pytest.mark.browser

SMALLEST = 11.0
WIDTHS = (1280, 375)
# the try-it page's check of NumPy has a figure too, changed by typing one more number
DEMOS = [*((path, demo, control, key) for path, demo, control, key, _ in CASES),
         ("try-it/", "numpy_check", "numbers", "End")]  # fmt: skip

MEASURE = """(demo) => [...document.querySelectorAll(`#gc-demo-${demo} .gc-figure svg text`)]
  .filter((t) => t.textContent.trim() && t.getClientRects().length)
  .map((t) => {
    const m = t.getScreenCTM();
    const scale = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    return [parseFloat(getComputedStyle(t).fontSize) * scale, t.textContent.slice(0, 20),
            t.closest('svg').getAttribute('aria-labelledby').split('-title')[0]];
  })"""


def measure(page: object, demo: str) -> list[tuple[float, str, str]]:
    return [tuple(x) for x in page.evaluate(MEASURE, demo)]  # type: ignore[attr-defined]


def summary(sizes: list[tuple[float, str, str]]) -> dict[str, float]:
    px = np.array([s for s, _, _ in sizes])
    return {
        "texts": len(px),
        "p5": round(float(np.percentile(px, 5)), 1),
        "median": round(float(np.median(px)), 1),
        "min": round(float(px.min()), 1),
    }


def test_every_figure_text_is_at_least_11_css_px_at_both_widths_before_and_after_an_update(
    browser: object, server: Server
) -> None:
    log = RequestLog()
    context = open_context(browser, log, viewport={"width": WIDTHS[0], "height": 800})
    page = context.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    too_small: list[str] = []
    table: dict[str, dict[str, dict[str, float]]] = {}

    def check(demo: str, when: str, width: int) -> None:
        page.set_viewport_size({"width": width, "height": 800 if width > 400 else 667})
        sizes = measure(page, demo)
        assert sizes, f"{demo}: no figure text found"
        table.setdefault(demo, {})[f"{when} {width}"] = summary(sizes)
        too_small.extend(
            f"{demo} ({when}, {width} px): {text!r} in {figure} at {size:.1f} px"
            for size, text, figure in sizes
            if size < SMALLEST
        )

    for path, demo, control, key in DEMOS:
        page.goto(server.url + path)
        for width in WIDTHS:
            check(demo, "built", width)
        root = page.locator(f"#gc-demo-{demo}")
        before = root.locator(".gc-panels").inner_html()
        field = root.locator(f"[name={control}]")
        field.focus()
        page.keyboard.press(key)
        if control == "numbers":
            page.keyboard.type(", 4")
        page.wait_for_function(
            f"() => document.querySelector('#gc-demo-{demo}').dataset.state === 'live'",
            timeout=120_000,
        )
        assert root.locator(".gc-panels").inner_html() != before, demo
        for width in reversed(WIDTHS):
            check(demo, "live", width)
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
    context.close()  # type: ignore[attr-defined]
    (ROOT / "test-results").mkdir(exist_ok=True)
    (ROOT / "test-results" / "figure-text.json").write_text(json.dumps(table, indent=1))
    assert not errors, errors
    assert not log.outside
    assert not too_small, "\n".join(too_small)
