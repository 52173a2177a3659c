"""The image models' demos (issue 21) in the page, as a learner meets them.

- Each new demo, at 375 and at 1280 px: Tab reaches its control, a key moves it, and the figure
  Python draws in the page is the one CPython draws with the same values; every text in its
  figures, before and after, is at least 11 CSS px on screen.
- The image-generation page, with every demo moved, in light and dark at both widths: axe finds
  no serious or critical violation, nothing is requested from outside the site, and a screenshot
  of the whole page is kept in test-results/ (image-generation-<width>-<scheme>.png).
- The diffusion model generates in Firefox and in WebKit too (the engine scripts of
  tests/test_browser_engines.py, given only this demo).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from genai_course.demo import run_demo
from tests.conftest import ROOT, RequestLog, Server, open_context, python_ready
from tests.test_browser_demos import form_values
from tests.test_browser_engines import firefox_command, run_report, webkit_command
from tests.test_browser_figures import SMALLEST, measure, tab_to

pytestmark = pytest.mark.browser

# page, demo, the slider moved with the keyboard, the key, and the value it then has
CASES = [
    ("topics/image-generation/", "ddpm", "steps", "ArrowRight", "11"),
    ("topics/image-generation/", "vae", "example", "ArrowRight", "6"),
    ("topics/image-generation/", "gan", "checkpoint", "ArrowLeft", None),  # one back from the end
    ("topics/pca-vs-autoencoders/", "autoencoder", "k", "ArrowDown", "8"),
]
IMAGE_PAGE = "topics/image-generation/"
WIDTHS = (375, 1280)

# a run started after the key (the demo counts its runs) has ended: a figure, or an error shown
RAN = """([demo, runs]) => { const root = document.querySelector(`#gc-demo-${demo}`);
  return Number(root.dataset.runs || 0) > runs && root.dataset.running === undefined; }"""
RUNS = "(demo) => Number(document.querySelector(`#gc-demo-${demo}`).dataset.runs || 0)"


def small_texts(page: object, demo: str, when: str) -> list[str]:
    sizes = measure(page, demo)
    assert sizes, f"{demo}: no figure text found ({when})"
    return [
        f"{demo} ({when}): {text!r} in {figure} at {size:.1f} px"
        for size, text, figure in sizes
        if size < SMALLEST
    ]


def press_and_wait(page: object, demo: str, control: str, key: str) -> None:
    """From the top of the page, Tab to the control (every control on the way inside the screen),
    press the key, and wait for the new figure."""
    tab_to(page, demo, control)
    python_ready(page)
    runs = page.evaluate(RUNS, demo)  # type: ignore[attr-defined]
    page.keyboard.press(key)  # type: ignore[attr-defined]
    page.wait_for_function(RAN, arg=[demo, runs], timeout=180_000)  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("path", "demo", "control", "key", "value"), CASES)
def test_each_image_demo_updates_by_keyboard_to_the_cpython_figure_with_readable_text(
    browser: object,
    server: Server,
    path: str,
    demo: str,
    control: str,
    key: str,
    value: str | None,
    width: int,
) -> None:
    log = RequestLog()
    context = open_context(browser, log, viewport={"width": width, "height": 800})
    page = context.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + path)
    root = page.locator(f"#gc-demo-{demo}")
    too_small = small_texts(page, demo, f"built, {width} px")
    before = root.locator(".gc-panels").inner_html()
    press_and_wait(page, demo, control, key)
    status = root.locator(".gc-status")
    assert root.get_attribute("data-state") == "live", status.inner_text()
    if value is not None:
        assert root.locator(f"[name={control}]").input_value() == value
    after = root.locator(".gc-panels").inner_html()
    assert after != before
    # the same program under CPython, with the values the page sent
    source = (ROOT / "demos" / f"{demo}.py").read_text()
    expected = json.loads(run_demo(source, demo, form_values(page, demo)))
    assert expected["ok"]
    assert status.inner_text() == expected["summary"]
    normalised = page.evaluate(
        """(html) => { const d = document.createElement('div');
             d.append(...new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
               .body.childNodes); return d.innerHTML; }""",
        expected["html"],
    )
    assert after == normalised
    too_small += small_texts(page, demo, f"live, {width} px")
    context.close()  # type: ignore[attr-defined]
    assert not errors, errors
    assert not log.outside
    assert not too_small, "\n".join(too_small)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_image_page_with_every_demo_moved_is_axe_clean(
    browser: object, server: Server, scheme: str, width: int
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    log = RequestLog()
    context = open_context(
        browser, log, color_scheme=scheme, viewport={"width": width, "height": 800}
    )
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(server.url + IMAGE_PAGE)
    for path, demo, control, key, _ in CASES:
        if path != IMAGE_PAGE:
            continue
        root = page.locator(f"#gc-demo-{demo}")
        python_ready(page)
        runs = page.evaluate(RUNS, demo)
        root.locator(f"[name={control}]").focus()
        page.keyboard.press(key)
        page.wait_for_function(RAN, arg=[demo, runs], timeout=180_000)
        assert root.get_attribute("data-state") == "live", root.locator(".gc-status").inner_text()
    response = Axe().run(page, options={"resultTypes": ["violations"]}).response
    problems = [
        f"{v['id']} ({v['impact']}) {[n['target'] for n in v['nodes'][:3]]}"
        for v in response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    page.evaluate("scrollTo(0, 0)")
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(
        path=str(ROOT / "test-results" / f"image-generation-{width}-{scheme}.png"), full_page=True
    )
    context.close()  # type: ignore[attr-defined]
    assert not problems, "\n".join(problems)
    assert not log.outside, f"requests left the site's origin: {log.outside}"


# the diffusion model generates in the other engines: one more DDIM step (11), all 16 digits drawn
DDPM = [
    dict(zip(("path", "demo", "control", "key", "value"), c, strict=True))
    for c in CASES
    if c[1] == "ddpm"
]


def check_generated(report: dict[str, Any]) -> None:
    """The demo's page in the report: its build-time figure, the key's value, a new figure of 16
    finished digits, no errors. (The engine scripts also try the editor and a quiz, which
    tests/test_browser_engines.py checks.)"""
    (entry,) = report["pages"]
    where = f"{report['browser']} {entry['demo']}"
    assert not entry.get("failure"), f"{where}: {entry['failure']}"
    assert entry["builtFigure"], f"{where}: no build-time figure"
    assert entry["value"] == entry["expectedValue"], where
    assert entry["updated"], f"{where}: the figure did not change ({entry['status']})"
    assert entry["status"].startswith("Drew 16 images of the digit 7 with DDIM in 11 steps"), where
    assert not entry["errors"], f"{where}: {entry['errors']}"


def test_the_diffusion_model_generates_in_firefox(server: Server) -> None:
    check_generated(run_report(firefox_command(server.url, json.dumps(DDPM)), "firefox-ddpm"))


def test_the_diffusion_model_generates_in_webkit(server: Server) -> None:
    check_generated(run_report(webkit_command(server.url, json.dumps(DDPM)), "webkit-ddpm"))
