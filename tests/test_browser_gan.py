"""The GAN demo in the page: the training replay goes back to the collapse by keyboard, and a seed
out of range gets its message beside the box while the last figure stays."""

from __future__ import annotations

import json

import pytest

from genai_course import gan
from genai_course.demo import run_demo
from tests.conftest import ROOT, Server, python_ready

pytestmark = pytest.mark.browser

PATH = "topics/image-generation/"


def _live(page: object) -> None:
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#gc-demo-gan').dataset.state === 'live'", timeout=120_000
    )


def test_the_replay_reaches_the_collapse_by_keyboard(page: object, server: Server) -> None:
    page.goto(server.url + PATH)  # type: ignore[attr-defined]
    root = page.locator("#gc-demo-gan")  # type: ignore[attr-defined]
    root.scroll_into_view_if_needed()
    python_ready(page, 120_000)
    slider = root.locator("[name=checkpoint]")
    slider.focus()
    # step 300 is the third checkpoint: Home, then two steps right
    target = gan.load_model().checkpoint_steps.tolist().index(300) + 1
    page.keyboard.press("Home")  # type: ignore[attr-defined]
    for _ in range(target - 1):
        page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    assert slider.input_value() == str(target)
    root.locator(".gc-panels", has_text="step 300 of").wait_for(timeout=120_000)
    _live(page)
    panels = root.locator(".gc-panels")
    assert "collapsed onto one mode" in panels.inner_text()
    expected = json.loads(
        run_demo((ROOT / "demos" / "gan.py").read_text(), "gan", {"checkpoint": str(target)})
    )
    assert root.locator(".gc-status").inner_text() == expected["summary"]


def test_a_seed_out_of_range_keeps_the_last_figure(page: object, server: Server) -> None:
    page.goto(server.url + PATH)  # type: ignore[attr-defined]
    root = page.locator("#gc-demo-gan")  # type: ignore[attr-defined]
    root.scroll_into_view_if_needed()
    python_ready(page, 120_000)
    before = root.locator(".gc-panels").inner_html()
    box = root.locator("[name=seed]")
    box.fill("-3")
    box.press("Enter")
    message = root.locator('[data-message-for="seed"]')
    message.filter(has_text="must be between 0 and").wait_for(timeout=120_000)
    assert box.get_attribute("aria-invalid") == "true"
    assert root.locator(".gc-panels").inner_html() == before


@pytest.mark.parametrize("width", [375, 1280])
def test_the_two_grids_are_drawn_the_same_size(page: object, server: Server, width: int) -> None:
    # Material sizes a figure to its caption: without the GAN's own rule the 16 samples (short
    # caption) were 300 px wide at 1280 px and the checkpoint's 16 (long caption) 654 px
    page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
    page.goto(server.url + PATH)  # type: ignore[attr-defined]
    sizes = page.evaluate(  # type: ignore[attr-defined]
        """() => Object.fromEntries([...document.querySelectorAll('#gc-demo-gan .gc-panel svg')]
             .map(s => [s.getAttribute('aria-labelledby').split('-')[1],
                        s.getBoundingClientRect().width]))"""
    )
    assert sizes["samples"] == pytest.approx(sizes["checkpoint"], abs=0.5)
    assert sizes["walk"] >= sizes["samples"] - 0.5
    # at least 8 CSS px for each of a grid's 35 pixels (8 per digit, 1 between)
    assert sizes["samples"] / 35 >= 8
