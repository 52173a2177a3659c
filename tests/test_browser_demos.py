"""Each core demo, driven from the keyboard: the figure changes, and it is what CPython computes."""

from __future__ import annotations

import json

import pytest

from genai_course.demo import run_demo
from tests.conftest import ROOT, Server

pytestmark = pytest.mark.browser

# page, demo, the slider moved with the keyboard, the key, and the value it then has
CASES = [
    ("topics/attention/", "attention", "head", "ArrowRight", "2"),
    ("topics/positional-encoding/", "positional_encoding", "d_model", "ArrowLeft", "62"),
    ("topics/temperature-and-top-p/", "sampling", "temperature", "ArrowRight", "0.75"),
]


def form_values(page: object, demo: str) -> dict[str, str]:
    return page.evaluate(  # type: ignore[attr-defined, no-any-return]
        """(demo) => Object.fromEntries(
             [...document.querySelector(`#gc-demo-${demo} form`).elements]
             .filter(e => e.name)
             .map(e => [e.name, e.type === 'checkbox' ? String(e.checked) : e.value]))""",
        demo,
    )


@pytest.mark.parametrize(("path", "demo", "control", "key", "value"), CASES)
def test_keyboard_change_updates_the_figure_to_the_cpython_result(
    page: object, server: Server, path: str, demo: str, control: str, key: str, value: str
) -> None:
    page.goto(server.url + path)  # type: ignore[attr-defined]
    root = page.locator(f"#gc-demo-{demo}")  # type: ignore[attr-defined]
    before = root.locator(".gc-panels").inner_html()
    status = root.locator(".gc-status")
    assert status.get_attribute("aria-live") == "polite"
    slider = root.locator(f"[name={control}]")
    slider.focus()
    page.keyboard.press(key)  # type: ignore[attr-defined]
    assert slider.input_value() == value
    root.locator("output", has_text=value).wait_for()  # the shown value follows at once
    page.wait_for_function(  # type: ignore[attr-defined]
        f"() => document.querySelector('#gc-demo-{demo}').dataset.state === 'live'",
        timeout=120_000,
    )
    after = root.locator(".gc-panels").inner_html()
    assert after != before
    # the same program under CPython, with the values the page sent
    source = (ROOT / "demos" / f"{demo}.py").read_text()
    expected = json.loads(run_demo(source, demo, form_values(page, demo)))
    assert expected["ok"]
    assert status.inner_text() == expected["summary"]
    # parse CPython's markup the way the page parses the worker's, then compare
    normalised = page.evaluate(  # type: ignore[attr-defined]
        """(html) => { const d = document.createElement('div');
             d.append(...new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
               .body.childNodes); return d.innerHTML; }""",
        expected["html"],
    )
    assert after == normalised
