"""Editing and running a demo's code, as a learner would, including the ways it can go wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Server
from tests.test_browser_foundation import go_to_try_it
from tests.test_browser_gates import site_pages

pytestmark = pytest.mark.browser

DEMO = "#gc-demo-numpy_check"
ORIGINAL_LINE = "    p = attention.softmax(x)\n"


def open_editor(page: object, server: Server) -> object:
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    page.wait_for_function("() => window.genaiCourse.python.state === 'ready'", timeout=90_000)  # type: ignore[attr-defined]
    demo = page.locator(DEMO)  # type: ignore[attr-defined]
    demo.locator(".gc-editor summary").click()
    return demo


def edit(demo: object, replacement: str) -> None:
    code = demo.locator(".gc-code")  # type: ignore[attr-defined]
    source = code.input_value()
    assert ORIGINAL_LINE in source
    code.fill(source.replace(ORIGINAL_LINE, replacement))


def run(demo: object) -> None:
    demo.get_by_role("button", name="Run").click()  # type: ignore[attr-defined]


def reset_and_check_it_works(page: object, demo: object) -> None:
    demo.get_by_role("button", name="Reset code").click()  # type: ignore[attr-defined]
    page.get_by_label("Numbers (comma-separated)").fill("0, 1, 2")  # type: ignore[attr-defined]
    demo.locator("figcaption", has_text="softmax([0, 1, 2]) = [0.0900, 0.2447, 0.6652]").wait_for(  # type: ignore[attr-defined]
        timeout=90_000
    )


def test_an_exception_shows_a_readable_traceback(page: object, server: Server) -> None:
    demo = open_editor(page, server)
    figure = demo.locator(".gc-figure").inner_html()  # type: ignore[attr-defined]
    edit(demo, '    raise RuntimeError("boom")\n')
    run(demo)
    output = demo.locator(".gc-output")  # type: ignore[attr-defined]
    output.filter(has_text="RuntimeError: boom").wait_for()
    text = output.inner_text()
    assert 'File "demos/numpy_check.py", line' in text and "in render" in text
    assert "genai_course/demo.py" not in text  # the runner's own frames are left out
    assert demo.locator(".gc-figure").inner_html() == figure  # type: ignore[attr-defined]
    reset_and_check_it_works(page, demo)


def test_print_output_is_shown(page: object, server: Server) -> None:
    demo = open_editor(page, server)
    edit(demo, ORIGINAL_LINE + '    print("probabilities:", p.round(2))\n')
    run(demo)
    demo.locator(".gc-output", has_text="probabilities: [0.09 0.24 0.67]").wait_for()  # type: ignore[attr-defined]


def test_stop_ends_an_endless_loop_and_the_next_run_works(page: object, server: Server) -> None:
    demo = open_editor(page, server)
    edit(demo, "    while True:\n        pass\n")
    run(demo)
    stop = demo.get_by_role("button", name="Stop")  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    # the page stays responsive while Python loops: the main thread still answers at once
    assert page.evaluate("1 + 1") == 2  # type: ignore[attr-defined]
    stop.click()
    demo.locator(".gc-status", has_text="Stopped").wait_for(timeout=5_000)  # type: ignore[attr-defined]
    reset_and_check_it_works(page, demo)


def test_time_limit_ends_an_endless_loop(page: object, server: Server) -> None:
    demo = open_editor(page, server)
    edit(demo, "    while True:\n        pass\n")
    run(demo)
    demo.locator(".gc-status", has_text="still running after 10 s").wait_for(timeout=20_000)  # type: ignore[attr-defined]
    reset_and_check_it_works(page, demo)


def test_too_much_memory_is_an_error_not_a_crash(page: object, server: Server) -> None:
    demo = open_editor(page, server)
    edit(demo, "    big = np.ones((20_000, 20_000))  # 3.2 GB\n" + ORIGINAL_LINE)
    run(demo)
    demo.locator(".gc-output", has_text="Error").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    text = demo.locator(".gc-output").inner_text()  # type: ignore[attr-defined]
    assert "MemoryError" in text or "array is too big" in text, text
    assert "big = np.ones((20_000, 20_000))" in text  # the learner's line is shown
    reset_and_check_it_works(page, demo)


def test_a_megabyte_of_output_is_cut_and_the_page_stays_usable(
    page: object, server: Server
) -> None:
    demo = open_editor(page, server)
    edit(demo, '    print("x" * 1_000_000)\n' + ORIGINAL_LINE)
    run(demo)
    output = demo.locator(".gc-output")  # type: ignore[attr-defined]
    output.filter(has_text="output cut").wait_for(timeout=30_000)
    assert len(output.inner_text()) < 25_000
    assert "980,001 more characters" in output.inner_text()  # print adds a newline
    reset_and_check_it_works(page, demo)


def test_edited_code_survives_navigation_and_reload_until_reset(
    page: object, server: Server
) -> None:
    demo = open_editor(page, server)
    edit(demo, ORIGINAL_LINE + "    # my own note\n")
    page.reload()  # type: ignore[attr-defined]
    code = page.locator(f"{DEMO} .gc-code")  # type: ignore[attr-defined]
    assert "# my own note" in code.input_value()
    page.locator(".md-tabs").get_by_role("link", name="Home").click()  # type: ignore[attr-defined]
    go_to_try_it(page)
    page.wait_for_url("**/try-it/")  # type: ignore[attr-defined]
    assert "# my own note" in page.locator(f"{DEMO} .gc-code").input_value()  # type: ignore[attr-defined]
    page.locator(f"{DEMO} .gc-editor summary").click()  # type: ignore[attr-defined]
    page.locator(DEMO).get_by_role("button", name="Reset code").click()  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    assert "# my own note" not in page.locator(f"{DEMO} .gc-code").input_value()  # type: ignore[attr-defined]


PAYLOAD = "<img src=x onerror=alert(1)>"


def test_typed_text_is_never_run_as_html(page: object, server: Server, built_site: Path) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
    tried = 0
    for path in site_pages(built_site):
        if 'class="gc-demo"' not in (built_site / path / "index.html").read_text():
            continue
        page.goto(server.url + path)  # type: ignore[attr-defined]
        page.wait_for_function("() => window.genaiCourse.python.state === 'ready'", timeout=90_000)  # type: ignore[attr-defined]
        fields = page.locator(".gc-demo input[type=text], .gc-demo .gc-controls textarea")  # type: ignore[attr-defined]
        for index in range(fields.count()):
            fields.nth(index).fill(PAYLOAD)
            tried += 1
            page.wait_for_timeout(1500)  # type: ignore[attr-defined]
        # edited code that prints the payload, too
        for editor in page.locator(".gc-demo").all():  # type: ignore[attr-defined]
            editor.locator(".gc-editor summary").click()
            code = editor.locator(".gc-code")
            code.fill(code.input_value() + f"\nprint({PAYLOAD!r})\n")
            editor.get_by_role("button", name="Run").click()
            output = editor.locator(".gc-output")
            try:
                output.filter(has_text=PAYLOAD).wait_for(timeout=60_000)
            except Exception as error:
                status = editor.locator(".gc-status").inner_text()
                raise AssertionError(
                    f"/{path}: {status!r} {output.inner_text()[:500]!r}"
                ) from error
            editor.get_by_role("button", name="Reset code").click()
            tried += 1
        assert page.locator("img[src=x]").count() == 0  # type: ignore[attr-defined]
    assert tried >= 2
    assert dialogs == []
