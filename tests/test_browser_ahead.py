"""Demos prepared before the learner acts (issue 25, routes 2 and 4): a page's own demos, and
those of the pages it links to, are imported, loaded and rendered once with their default values
while the learner reads; the first change on them then needs no import and no program load, and
gives CPython's figure. The warm-ups never show in the page."""

from __future__ import annotations

import json

import pytest

from genai_course.demo import run_demo
from tests.conftest import ROOT, Server, python_ready

pytestmark = pytest.mark.browser

SETTLED = "() => window.genaiCourse.isQuiet() && window.genaiCourse.warmUpsLeft() === 0"


def settle(page: object) -> None:
    page.wait_for_function(SETTLED, timeout=180_000)  # type: ignore[attr-defined]


def change_and_wait(page: object, demo: str, control: str, key: str) -> None:
    root = page.locator(f"#gc-demo-{demo}")  # type: ignore[attr-defined]
    root.locator(f"[name={control}]").focus()
    page.keyboard.press(key)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        f"() => document.querySelector('#gc-demo-{demo}').dataset.state === 'live'",
        timeout=120_000,
    )


def fresh(page: object, demo: str) -> tuple[str | None, str | None]:
    root = page.locator(f"#gc-demo-{demo}")  # type: ignore[attr-defined]
    return root.get_attribute("data-fresh-modules"), root.get_attribute("data-fresh-programs")


def assert_cpython_figure(page: object, demo: str) -> None:
    values = page.evaluate(  # type: ignore[attr-defined]
        """(demo) => Object.fromEntries(
             [...document.querySelector(`#gc-demo-${demo} form`).elements]
             .filter(e => e.name)
             .map(e => [e.name, e.type === 'checkbox' ? String(e.checked) : e.value]))""",
        demo,
    )
    expected = json.loads(run_demo((ROOT / "demos" / f"{demo}.py").read_text(), demo, values))
    assert expected["ok"]
    normalised = page.evaluate(  # type: ignore[attr-defined]
        """(html) => { const d = document.createElement('div');
             d.append(...new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
               .body.childNodes); return d.innerHTML; }""",
        expected["html"],
    )
    shown = page.locator(f"#gc-demo-{demo} .gc-panels").inner_html()  # type: ignore[attr-defined]
    assert shown == normalised


def test_a_pages_own_demo_is_prepared_without_showing_anything(
    page: object, server: Server
) -> None:
    # the tiny GPT's render yields (it writes): its warm-up is a few slices, dropped
    for path, demo, control, key in [
        ("topics/next-token-prediction/", "tiny_gpt", "length", "ArrowLeft"),
        ("topics/attention/", "attention", "head", "ArrowRight"),
    ]:
        page.goto(server.url + path)  # type: ignore[attr-defined]
        root = page.locator(f"#gc-demo-{demo}")  # type: ignore[attr-defined]
        built = root.locator(".gc-panels").inner_html()
        python_ready(page)
        settle(page)
        # the warm-ups ran no run of the page's and drew nothing in it
        assert root.get_attribute("data-runs") is None
        assert root.locator(".gc-status").get_attribute("data-state") == "static"
        assert root.locator(".gc-panels").inner_html() == built
        change_and_wait(page, demo, control, key)
        assert fresh(page, demo) == ("0", "0")
        assert_cpython_figure(page, demo)


def test_the_next_pages_first_change_imports_and_loads_nothing(
    page: object, server: Server
) -> None:
    page.goto(server.url + "topics/image-generation/")  # type: ignore[attr-defined]
    python_ready(page)
    settle(page)
    page.locator('.md-content a[href$="pca-vs-autoencoders/"]').first.click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#gc-demo-compression[data-mounted]')"
    )
    # reached by instant navigation: the same Python
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # type: ignore[attr-defined]
    change_and_wait(page, "compression", "k", "ArrowLeft")
    assert fresh(page, "compression") == ("0", "0")
    assert_cpython_figure(page, "compression")


def test_a_page_pointed_at_is_prepared(page: object, server: Server) -> None:
    # the demo index links to every demo page; the first three with demos are read ahead, and the
    # tokenizer's page (the fifth) only once the pointer rests on its link
    page.goto(server.url + "demos/")  # type: ignore[attr-defined]
    page.evaluate("window.genaiCourse.startPython()")  # type: ignore[attr-defined]
    settle(page)
    link = page.locator('.md-content a[href*="tokens-and-context/"]').first  # type: ignore[attr-defined]
    link.hover()
    assert page.evaluate("window.genaiCourse.warmUpsLeft()") > 0  # type: ignore[attr-defined]
    settle(page)
    link.click()
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#gc-demo-tokenizer[data-mounted]')"
    )
    change_and_wait(page, "tokenizer", "merges", "ArrowRight")
    assert fresh(page, "tokenizer") == ("0", "0")
    assert_cpython_figure(page, "tokenizer")


def test_an_edited_program_is_loaded_for_its_run_and_says_so(page: object, server: Server) -> None:
    # the counts tell a prepared program from one the run had to load
    page.goto(server.url + "topics/positional-encoding/")  # type: ignore[attr-defined]
    python_ready(page)
    settle(page)
    page.evaluate(  # type: ignore[attr-defined]
        """() => { const root = document.getElementById('gc-demo-positional_encoding');
             root.querySelector('.gc-code').value += '\\n# edited\\n';
             root.querySelector('[data-action=run]').click(); }"""
    )
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#gc-demo-positional_encoding').dataset.state === 'live'",
        timeout=120_000,
    )
    assert fresh(page, "positional_encoding") == ("0", "1")


def test_renders_are_warmed_only_once_python_is_quiet(page: object, server: Server) -> None:
    # a learner who acts as soon as Python is ready finds it importing and loading programs, one
    # step at a time, as before: the warm-up renders come once no call has been in flight a while
    page.add_init_script(  # type: ignore[attr-defined]
        """(() => { const post = Worker.prototype.postMessage;
             window.__sent = [];
             Worker.prototype.postMessage = function (message, ...rest) {
               if (message && message.type === 'load')
                 window.__sent.push([performance.now(), !!message.render]);
               return post.call(this, message, ...rest);
             }; })()"""
    )
    page.goto(server.url + "topics/image-generation/")  # type: ignore[attr-defined]
    python_ready(page)
    settle(page)
    sent = page.evaluate("window.__sent")  # type: ignore[attr-defined]
    quiet = page.evaluate("window.genaiCourse.python.timings.quiet")  # type: ignore[attr-defined]
    renders = [at for at, render in sent if render]
    loads = [at for at, render in sent if not render]
    assert len(renders) >= 4 and loads and min(loads) < quiet
    assert min(renders) >= quiet
