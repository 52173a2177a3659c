"""The diffusion model draws digits in the page (Chromium), driven from the keyboard: the steps
appear as they are computed, in order, and the finished figure is the one CPython draws; a
control changed while it draws starts the new run, and the old one shows no more steps."""

from __future__ import annotations

import json
import re

import pytest

from genai_course.demo import run_demo
from tests.conftest import ROOT, Server, python_ready
from tests.test_browser_demos import form_values

pytestmark = pytest.mark.browser

PAGE = "topics/image-generation/"
DEMO = "#gc-demo-ddpm"
RECORD = """() => { window.__shown = [];
  const demo = document.querySelector('#gc-demo-ddpm');
  const status = () => demo.querySelector('.gc-status').textContent;
  document.addEventListener('genai-course:partial',
    () => window.__shown.push({t: performance.now(), text: status(), final: false}));
  document.addEventListener('genai-course:updated',
    () => window.__shown.push({t: performance.now(), text: status(), final: true}));
  demo.addEventListener('keydown', () => (window.__changedAt = performance.now()), true); }"""
STEP = re.compile(r"Drawing… step (\d+) of (\d+) \(t = \d+, noise level [\d.]+\)\.")


def cpython(values: dict[str, str]) -> dict[str, object]:
    source = (ROOT / "demos" / "ddpm.py").read_text(encoding="utf-8")
    result: dict[str, object] = json.loads(run_demo(source, "ddpm", values))
    assert result["ok"], result
    return result


def same_markup(page: object, html: str) -> str:
    """CPython's markup parsed the way the page parses the worker's."""
    return page.evaluate(  # type: ignore[attr-defined, no-any-return]
        """(html) => { const d = document.createElement('div');
             d.append(...new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
               .body.childNodes); return d.innerHTML; }""",
        html,
    )


def start_ddpm(page: object, server: Server) -> object:
    """Open the page, wait for Python, record what the demo shows, and pick DDPM (all 200
    steps: a long run) with the keyboard."""
    page.goto(server.url + PAGE)  # type: ignore[attr-defined]
    demo = page.locator(DEMO)  # type: ignore[attr-defined]
    demo.scroll_into_view_if_needed()
    python_ready(page)
    page.evaluate(RECORD)  # type: ignore[attr-defined]
    sampler = demo.locator("[name=sampler]")
    sampler.focus()
    page.keyboard.press("ArrowDown")  # type: ignore[attr-defined]
    assert sampler.input_value() == "ddpm"
    return demo


def test_the_digits_form_step_by_step_by_keyboard(page: object, server: Server) -> None:
    demo = start_ddpm(page, server)
    # the number of steps means nothing for DDPM: greyed, with its note
    demo.locator("[name=steps]:disabled").wait_for()
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => window.__shown.some((s) => s.final)", timeout=180_000
    )
    shown = page.evaluate("window.__shown")  # type: ignore[attr-defined]
    steps = [STEP.fullmatch(s["text"]) for s in shown if not s["final"]]
    assert all(steps) and len(steps) >= 3
    numbers = [int(m.group(1)) for m in steps if m]
    assert (
        numbers == sorted(numbers)
        and numbers[-1] < 200
        and {m.group(2) for m in steps if m} == {"200"}
    )
    values = form_values(page, "ddpm")
    expected = cpython(values)
    assert demo.locator(".gc-status").inner_text() == expected["summary"]
    assert demo.locator(".gc-panels").inner_html() == same_markup(page, str(expected["html"]))


def test_a_digit_asked_for_by_keyboard_while_it_draws_starts_the_new_run(
    page: object, server: Server
) -> None:
    demo = start_ddpm(page, server)
    page.wait_for_function("() => window.__shown.length > 0", timeout=180_000)  # type: ignore[attr-defined]
    digit = demo.locator("[name=digit]")
    digit.focus()
    page.keyboard.press("3")  # type: ignore[attr-defined]  (type-ahead picks the option "3")
    assert digit.input_value() == "3"
    demo.locator(".gc-status", has_text="Drew 16 images of the digit 3").wait_for(timeout=180_000)
    shown = page.evaluate("window.__shown")  # type: ignore[attr-defined]
    changed_at = page.evaluate("window.__changedAt")  # type: ignore[attr-defined]
    # once 3 was asked for, the one final figure is the 3's (the 7's run, if not done, stopped)
    finals = [s for s in shown if s["final"] and s["t"] > changed_at]
    assert len(finals) == 1 and "the digit 3" in finals[0]["text"]
    values = form_values(page, "ddpm")
    assert values["digit"] == "3" and values["sampler"] == "ddpm"
    expected = cpython(values)
    assert demo.locator(".gc-panels").inner_html() == same_markup(page, str(expected["html"]))
