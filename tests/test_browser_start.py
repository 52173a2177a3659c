"""When Python starts: a student who only reads does not download it.

It starts when a demo or exercise comes near the screen (within two screens' height of the
window, measured on the page first opened as soon as it has painted), at the first touch of one
where the browser asks to save data, and at once on a page whose demo is at its top.
"""

from __future__ import annotations

from typing import Any

import pytest

from genai_course.plugin import demo_at_top
from tests.conftest import SCROLL_TO_FIRST_DEMO, Server

pytestmark = pytest.mark.browser

# Two frames after the page has settled: an IntersectionObserver has reported by then.
SETTLED = """() => new Promise((resolve) =>
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0))))"""
SAVE_DATA = """Object.defineProperty(navigator, 'connection', {
  configurable: true, value: { saveData: true, effectiveType: '4g' } });"""


def mounted(page: Any, demo: str) -> None:
    page.wait_for_function(f"() => document.querySelector('#gc-demo-{demo}[data-mounted]')")
    page.evaluate(SETTLED)


def python_files(urls: list[str]) -> list[str]:
    return [u for u in urls if "pyodide.asm" in u or u.endswith(".whl")]


def test_a_reader_who_does_not_reach_the_demo_downloads_no_python(
    page: Any, server: Server, requests_log: Any
) -> None:
    page.set_viewport_size({"width": 375, "height": 667})  # a phone: the demo is 4 screens down
    page.goto(server.url + "topics/attention/")
    mounted(page, "attention")
    # the demo is more than two screens below the window: nothing of Python is fetched
    assert page.evaluate("window.genaiCourse.python.state") == "idle"
    assert python_files(requests_log.urls) == []
    assert page.locator("#gc-demo-attention").evaluate(
        "(e) => e.getBoundingClientRect().top > 3 * innerHeight"
    )
    # reading on, the demo comes near the screen: Python starts before the learner acts
    page.evaluate(SCROLL_TO_FIRST_DEMO)
    page.wait_for_function("() => window.genaiCourse.python.state === 'ready'", timeout=120_000)
    assert python_files(requests_log.urls)


def test_a_demo_within_two_screens_starts_python_without_scrolling(
    page: Any, server: Server, requests_log: Any
) -> None:
    """On a laptop the attention demo is between two and three screens down: a learner heading
    for it scrolls there in about the time Python takes to start, so it starts at once."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server.url + "topics/attention/")
    top = page.locator("#gc-demo-attention").evaluate(
        "(e) => e.getBoundingClientRect().top / innerHeight"
    )
    assert 2 < top < 3, top  # beyond the one screen the observer used to look ahead
    page.wait_for_function("() => window.genaiCourse.python.state === 'ready'", timeout=120_000)
    assert page.evaluate("scrollY") == 0
    assert python_files(requests_log.urls)


HIDDEN_UNTIL_TOLD = """(() => {
  const hide = () => document.documentElement.style.setProperty("opacity", "0", "important");
  if (document.documentElement) hide();
  else new MutationObserver((_, observer) => {
    if (!document.documentElement) return;
    observer.disconnect();
    hide();
  }).observe(document, { childList: true });
})();"""


def test_python_waits_while_nothing_of_the_page_has_been_shown(
    page: Any, server: Server, requests_log: Any
) -> None:
    """A page that has painted nothing contentful yet (here: held transparent by the test) does not
    start Python, though its demo is near; it starts once the page shows."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.add_init_script(HIDDEN_UNTIL_TOLD)
    page.goto(server.url + "topics/pca-vs-autoencoders/")
    mounted(page, "compression")
    assert page.locator("#gc-demo-compression").evaluate(
        "(e) => e.getBoundingClientRect().top < 2 * innerHeight"
    )
    assert page.evaluate("performance.getEntriesByName('first-contentful-paint').length") == 0
    assert page.evaluate("window.genaiCourse.python.state") == "idle"
    assert python_files(requests_log.urls) == []
    page.evaluate("document.documentElement.style.removeProperty('opacity')")
    page.wait_for_function("() => window.genaiCourse.python.state !== 'idle'")


def test_with_save_data_python_waits_for_the_first_touch(
    page: Any, server: Server, requests_log: Any
) -> None:
    page.add_init_script(SAVE_DATA)
    page.goto(server.url + "topics/attention/")
    page.evaluate(SCROLL_TO_FIRST_DEMO)
    mounted(page, "attention")
    assert page.evaluate("window.genaiCourse.python.state") == "idle"
    assert python_files(requests_log.urls) == []
    status = page.locator("#gc-demo-attention .gc-status").inner_text()
    assert "asks to save data" in status and "only when you change a control" in status
    # the first touch of a control starts it; the change then runs
    head = page.locator("#gc-demo-attention [name=head]")
    head.focus()
    page.wait_for_function("() => window.genaiCourse.python.state !== 'idle'")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('#gc-demo-attention').dataset.state === 'live'",
        timeout=120_000,
    )
    assert "Layer 2, head 2" in page.locator("#gc-demo-attention .gc-panels").inner_html()


def test_a_page_whose_demo_is_at_the_top_starts_python_at_once(page: Any, server: Server) -> None:
    page.goto(server.url + "try-it/", wait_until="commit")
    page.wait_for_function("() => window.genaiCourse && window.genaiCourse.python.state !== 'idle'")
    # …and the attention page does not mark itself so
    page.goto(server.url + "topics/attention/")
    assert page.locator("script[src$='python.js'][data-start]").count() == 0


def test_demo_at_top_counts_the_text_before_the_first_demo() -> None:
    demo = '<div class="gc-demo" id="gc-demo-x">'
    assert demo_at_top(f"<article><h1>Try it</h1><p>{'a' * 100}</p>{demo}")
    assert not demo_at_top(f"<article><h1>Attention</h1><p>{'word ' * 400}</p>{demo}")
    assert not demo_at_top("<article><p>No demo here.</p></article>")
    exercise = '<section class="gc-exercise" data-exercise="softmax">'
    assert demo_at_top(f"<article><h1>Practice</h1>{exercise}")


def test_numpys_libraries_are_compiled_while_python_starts_and_linked_as_compiled(
    page: Any, server: Server
) -> None:
    """The fetch worker compiles NumPy's 19 shared libraries while Python starts; the loader
    links those modules instead of compiling the files again, and every compiled part works."""
    from tests.test_browser_foundation import install_facts

    phases, facts = install_facts(page, server)
    assert "installError" not in phases and "precompileError" not in phases, phases
    assert phases["precompiled"] == 19, phases  # NumPy's shared libraries
    assert facts["works"] is True


def test_on_a_visit_the_service_worker_serves_pyodides_loader_compiles_them(
    browser: Any, server: Server, requests_log: Any
) -> None:
    """Where the service worker serves the page (a learner's next visit), Python starts from the
    compiled code the browser kept, and compiling NumPy's libraries alongside slowed that start
    more than it saved: Pyodide's loader compiles them once Python is up, as before."""
    from tests.conftest import open_context
    from tests.test_browser_foundation import install_facts

    context = open_context(browser, requests_log, service_workers="allow")
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        first, _ = install_facts(page, server)
        assert first["precompiled"] == 19, first
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        phases, facts = install_facts(page, server)  # the page again, now the worker's
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        assert not phases.get("precompiled") and "installError" not in phases, phases
        assert facts["works"] is True
    finally:
        context.close()
