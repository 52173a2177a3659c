"""The VAE demo by keyboard in Chromium, on a phone and a laptop: the chosen digit moves on the
latent map to what CPython computes, the toggle takes the held-out dots off, a bad seed gets a
message and keeps the figure, and no figure text is below 11 CSS px."""

from __future__ import annotations

import json

import pytest

from genai_course import digits
from genai_course.demo import run_demo
from tests.conftest import ROOT, Server, python_ready

pytestmark = pytest.mark.browser

PAGE = "topics/image-generation/"

# resolves with the next finished run of the demo: {ok}
NEXT_RESULT = """() => { const root = document.querySelector('#gc-demo-vae');
  window.__vaeResult = new Promise((resolve) => root.addEventListener('genai-course:result',
    (event) => resolve(event.detail), { once: true })); }"""

# the smallest text of the demo's figures, in CSS px as drawn
SMALLEST_TEXT = """() => Math.min(
  ...[...document.querySelectorAll('#gc-demo-vae .gc-figure svg text')].map((t) => {
    const svg = t.closest('svg');
    return parseFloat(getComputedStyle(t).fontSize) * svg.getBoundingClientRect().width
      / svg.viewBox.baseVal.width; }))"""


def _form(page: object) -> dict[str, str]:
    return page.evaluate(  # type: ignore[attr-defined, no-any-return]
        """() => Object.fromEntries([...document.querySelector('#gc-demo-vae form').elements]
             .filter((e) => e.name)
             .map((e) => [e.name, e.type === 'checkbox' ? String(e.checked) : e.value]))"""
    )


def _press(page: object, selector: str, key: str) -> dict[str, bool]:
    page.evaluate(NEXT_RESULT)  # type: ignore[attr-defined]
    page.locator(f"#gc-demo-vae {selector}").focus()  # type: ignore[attr-defined]
    page.keyboard.press(key)  # type: ignore[attr-defined]
    result: dict[str, bool] = page.evaluate("window.__vaeResult")  # type: ignore[attr-defined]
    return result


@pytest.mark.parametrize("width", [375, 1280])
def test_vae_demo_by_keyboard(page: object, server: Server, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
    page.goto(server.url + PAGE)  # type: ignore[attr-defined]
    root = page.locator("#gc-demo-vae")  # type: ignore[attr-defined]
    root.scroll_into_view_if_needed()
    python_ready(page)
    panels = root.locator(".gc-panels")
    built = panels.inner_html()
    assert built.count('r="1.9"') == len(digits.heldout().images)

    # the next held-out image, by the arrow key
    assert _press(page, "[name=example]", "ArrowRight") == {"ok": True}
    assert root.locator("[name=example]").input_value() == "6"
    label = int(digits.heldout().labels[5])
    root.get_by_text(f"Held-out image 6 is a {label}.").wait_for()
    moved = panels.inner_html()
    assert moved != built
    source = (ROOT / "demos" / "vae.py").read_text(encoding="utf-8")
    expected = json.loads(run_demo(source, "vae", _form(page)))
    assert root.locator(".gc-status").inner_text() == expected["summary"]
    normalised = page.evaluate(  # type: ignore[attr-defined]
        """(html) => { const d = document.createElement('div');
             d.append(...new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
               .body.childNodes); return d.innerHTML; }""",
        expected["html"],
    )
    assert moved == normalised

    # Space on the check box takes the held-out digits off the map
    assert _press(page, "[name=dots]", "Space") == {"ok": True}
    assert panels.inner_html().count('r="1.9"') == 0

    # a seed out of range: a message next to the box, the figure stays
    shown = panels.inner_html()
    seed = root.locator("[name=seed]")
    seed.fill("-3")
    assert _press(page, "[name=seed]", "Enter") == {"ok": False}
    assert (
        "must be between 0 and 4294967295" in root.locator('[data-message-for="seed"]').inner_text()
    )
    assert seed.get_attribute("aria-invalid") == "true"
    assert panels.inner_html() == shown

    smallest = page.evaluate(SMALLEST_TEXT)  # type: ignore[attr-defined]
    assert smallest >= 11, f"figure text of {smallest:.1f} px at {width} px"
