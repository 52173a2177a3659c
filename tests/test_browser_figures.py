"""Every demo works on a phone from the keyboard alone, and every text in its figures is readable
on a laptop and on a phone: at least 11 CSS px, in the figure the build wrote and in the one
Python draws after the change.

On a 375 px wide page, Tab from the top reaches every control of the demo (each one inside the
screen's width), and the key pressed on the one moved recomputes the figure.

A text's size on screen is its computed font size times the scale of its screen transform (the
viewBox scaling, and any rotation's group): what a learner's eye gets. The sizes measured are
written to test-results/figure-text.json (5th percentile and median, per page and width).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import ROOT, RequestLog, Server, open_context, python_ready
from tests.test_browser_demos import CASES

pytestmark = pytest.mark.browser

SMALLEST = 11.0
WIDTHS = (1280, 375)
# the try-it page's check of NumPy has a figure too, changed by typing one more number
# (the tiny GPT writes one character, Home, rather than 79: the benchmark times its writing)
DEMOS = [
    *((path, demo, control, "Home" if demo == "tiny_gpt" else key)
      for path, demo, control, key, _ in CASES),
    ("try-it/", "numpy_check", "numbers", "End"),
]  # fmt: skip

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


FOCUSED = """() => { const el = document.activeElement; const box = el.getBoundingClientRect();
  const demo = el.closest('.gc-demo');
  return {demo: demo ? demo.id.slice(8) : null, name: el.name || null,
          inside: box.left >= 0 && box.right <= innerWidth}; }"""
CONTROLS = """(demo) => [...document.querySelectorAll(`#gc-demo-${demo} .gc-controls [name]`)]
  .filter((el) => !el.disabled && el.type !== 'hidden').map((el) => el.name)"""


def tab_to(page: object, demo: str, control: str) -> list[str]:
    """Tab from the top of the page to the control, then on through the rest of the demo; the
    names of the demo's controls that got focus, in order. Each must be inside the screen."""
    page.evaluate("document.activeElement && document.activeElement.blur(); scrollTo(0, 0)")  # type: ignore[attr-defined]
    reached: list[str] = []
    for _ in range(400):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        focused = page.evaluate(FOCUSED)  # type: ignore[attr-defined]
        if focused["demo"] == demo and focused["name"]:
            assert focused["inside"], f"{demo}: {focused['name']} is outside the screen"
            reached.append(focused["name"])
        elif reached and focused["demo"] != demo:
            break  # past the demo's controls
    assert control in reached, f"{demo}: Tab never reached {control} (reached {reached})"
    # and back to the control, with Shift+Tab
    for _ in range(400):
        page.keyboard.press("Shift+Tab")  # type: ignore[attr-defined]
        if page.evaluate(FOCUSED)["name"] == control:  # type: ignore[attr-defined]
            break
    return reached


def test_every_demo_works_on_a_phone_by_keyboard_and_its_figure_text_is_11_px_or_more(
    browser: object, server: Server
) -> None:
    log = RequestLog()
    context = open_context(browser, log, viewport={"width": 375, "height": 667})
    page = context.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    too_small: list[str] = []
    table: dict[str, dict[str, dict[str, float]]] = {}

    def check(demo: str, when: str, width: int) -> None:
        """Measure at this width; the page is left at the phone's width."""
        page.set_viewport_size({"width": width, "height": 800 if width > 400 else 667})
        sizes = measure(page, demo)
        page.set_viewport_size({"width": 375, "height": 667})
        assert sizes, f"{demo}: no figure text found"
        table.setdefault(demo, {})[f"{when} {width}"] = summary(sizes)
        too_small.extend(
            f"{demo} ({when}, {width} px): {text!r} in {figure} at {size:.1f} px"
            for size, text, figure in sizes
            if size < SMALLEST
        )

    unreached: list[str] = []
    # Python's start in Chromium, for the closing note's table beside Firefox's and WebKit's
    started: dict[str, dict[str, object]] = {}
    for path, demo, control, key in DEMOS:
        page.goto(server.url + path)
        for width in WIDTHS:
            check(demo, "built", width)
        root = page.locator(f"#gc-demo-{demo}")
        before = root.locator(".gc-panels").inner_html()
        # on the phone, from the keyboard alone
        reached = tab_to(page, demo, control)
        controls = page.evaluate(CONTROLS, demo)
        unreached += [f"{demo}: {name}" for name in controls if name not in reached]
        assert page.evaluate(FOCUSED)["name"] == control
        python_ready(page, 120_000)
        timings = page.evaluate("window.genaiCourse.python.timings")
        phases = timings["phases"]
        started[demo] = {
            "readySeconds": round(timings["ready"] / 1000, 2),
            "snapshot": "snapshot" in phases and "snapshotError" not in phases,
            "fastInstall": "installed" in phases and "installError" not in phases,
        }
        page.keyboard.press(key)
        if control == "numbers":
            page.keyboard.type(", 4")
        # the new figure, or the time limit's "Stopped", which fails at once
        page.wait_for_function(
            f"""() => {{ const demo = document.querySelector('#gc-demo-{demo}');
                 return demo.dataset.state === 'live' ||
                   demo.querySelector('.gc-status').textContent.startsWith('Stopped'); }}""",
            timeout=120_000,
        )
        assert root.get_attribute("data-state") == "live", root.locator(".gc-status").inner_text()
        assert root.locator(".gc-panels").inner_html() != before, demo
        for width in reversed(WIDTHS):
            check(demo, "live", width)
    context.close()  # type: ignore[attr-defined]
    (ROOT / "test-results").mkdir(exist_ok=True)
    (ROOT / "test-results" / "figure-text.json").write_text(json.dumps(table, indent=1))
    (ROOT / "test-results" / "chromium-start.json").write_text(json.dumps(started, indent=1))
    assert not errors, errors
    assert not log.outside
    assert not unreached, f"controls Tab does not reach on a phone: {unreached}"
    assert not too_small, "\n".join(too_small)
