"""Editing and running a demo's code, as a learner would, including the ways it can go wrong.

The code is edited in CodeMirror (vendor/codemirror/editor.js), typed into with the keyboard; the
hidden textarea under it holds the text the page runs, so the tests read what runs from there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from genai_course.plugin.editor import EDITOR_PROJECT
from tests.conftest import RequestLog, Server, open_context, python_ready
from tests.test_browser_foundation import go_to_try_it
from tests.test_browser_gates import site_pages
from tests.test_browser_images import RAN, RUNS

pytestmark = pytest.mark.browser

DEMO = "#gc-demo-numpy_check"
ORIGINAL_LINE = "    p = attention.softmax(x)\n"
NOTE = "Tab indents; press Esc then Tab to leave the editor."


def wait_for_python(page: object) -> None:
    python_ready(page, 90_000)


def open_editor(page: object, server: Server) -> object:
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    wait_for_python(page)
    demo = page.locator(DEMO)  # type: ignore[attr-defined]
    demo.locator(".gc-editor summary").click()
    demo.locator(".cm-editor").wait_for()
    return demo


def replace_all(demo: object, text: str) -> None:
    """Select everything in the editor and put `text` in its place, as a paste would."""
    demo.locator(".cm-content").focus()  # type: ignore[attr-defined]
    keyboard = demo.page.keyboard  # type: ignore[attr-defined]
    keyboard.press("Control+a")
    keyboard.insert_text(text)
    expect(demo.locator(".gc-code")).to_have_value(text)  # type: ignore[attr-defined]


def edit(demo: object, replacement: str) -> None:
    source = demo.locator(".gc-code").input_value()  # type: ignore[attr-defined]
    assert ORIGINAL_LINE in source
    replace_all(demo, source.replace(ORIGINAL_LINE, replacement))


def editor_line(demo: object, text: str) -> object:
    """The editor's line holding `text`, scrolled to with the mouse wheel (CodeMirror draws only
    the lines near the screen)."""
    line = demo.locator(".cm-line", has_text=text)  # type: ignore[attr-defined]
    demo.locator(".cm-scroller").hover()  # type: ignore[attr-defined]
    for _ in range(50):
        if line.count():
            break
        demo.page.mouse.wheel(0, 200)  # type: ignore[attr-defined]
        demo.page.wait_for_timeout(50)  # type: ignore[attr-defined]
    return line


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
    # the page says the program runs (a click on Run always visibly starts something)
    demo.locator('.gc-status[data-state="running"]', has_text="Running…").wait_for()  # type: ignore[attr-defined]
    assert demo.get_attribute("data-running") == "true"  # type: ignore[attr-defined]
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
    editor_line(demo, "p = attention.softmax(x)").click()  # type: ignore[attr-defined]
    page.keyboard.press("End")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.keyboard.type("# my own note")  # type: ignore[attr-defined]
    expect(demo.locator(".gc-code")).to_have_value(re.compile("# my own note"))  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    demo.locator(".gc-editor summary").click()  # type: ignore[attr-defined]
    # the editor shows the saved code, and it is what runs
    expect(editor_line(demo, "# my own note")).to_have_count(1)
    saved = demo.locator(".gc-code").input_value()  # type: ignore[attr-defined]
    assert "    p = attention.softmax(x)\n    # my own note\n" in saved
    page.locator(".md-tabs").get_by_role("link", name="Home").click()  # type: ignore[attr-defined]
    go_to_try_it(page)
    page.wait_for_url("**/try-it/")  # type: ignore[attr-defined]
    assert "# my own note" in page.locator(f"{DEMO} .gc-code").input_value()  # type: ignore[attr-defined]
    page.locator(f"{DEMO} .gc-editor summary").click()  # type: ignore[attr-defined]
    expect(editor_line(demo, "# my own note")).to_have_count(1)
    page.locator(DEMO).get_by_role("button", name="Reset code").click()  # type: ignore[attr-defined]
    # Reset puts the original back in the editor too, and the next visit has it
    expect(demo.locator(".gc-code")).not_to_have_value(re.compile("# my own note"))  # type: ignore[attr-defined]
    expect(demo.locator(".cm-content")).not_to_contain_text("# my own note")  # type: ignore[attr-defined]
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
        python_ready(page, 90_000)
        # every box a learner can type in (a seed waits, disabled, until words are drawn)
        fields = page.locator(  # type: ignore[attr-defined]
            ".gc-demo input[type=text]:enabled, .gc-demo .gc-controls textarea:enabled"
        )
        for index in range(fields.count()):
            field = fields.nth(index)
            demo = field.evaluate("e => e.closest('.gc-demo').id.replace('gc-demo-', '')")
            runs = page.evaluate(RUNS, demo)  # type: ignore[attr-defined]
            field.fill(PAYLOAD)
            tried += 1
            # the run the typed text starts (after the typing pause) has ended and is shown
            page.wait_for_function(RAN, arg=[demo, runs], timeout=60_000)  # type: ignore[attr-defined]
        # edited code that prints the payload, too
        for editor in page.locator(".gc-demo").all():  # type: ignore[attr-defined]
            editor.locator(".gc-editor summary").click()
            replace_all(
                editor, editor.locator(".gc-code").input_value() + f"\nprint({PAYLOAD!r})\n"
            )
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


# ---- the code editor itself (CodeMirror) -----------------------------------------------------


def test_typing_in_the_editor_indents_highlights_and_ctrl_enter_runs_it(
    page: object, server: Server
) -> None:
    demo = open_editor(page, server)
    editor = demo.locator(".cm-editor")  # type: ignore[attr-defined]
    # line numbers, Python highlighting: a keyword is coloured unlike the plain text
    assert editor.locator(".cm-lineNumbers .cm-gutterElement", has_text=re.compile(r"^1$")).count()
    keyword = editor_line(demo, "import numpy as np").locator(
        "span", has_text=re.compile("^import$")
    )  # type: ignore[attr-defined]
    plain = editor.locator(".cm-content").evaluate("e => getComputedStyle(e).color")
    assert keyword.first.evaluate("e => getComputedStyle(e).color") != plain
    # type a new line after the softmax: Enter keeps the body's indentation, brackets pair up
    editor_line(demo, "p = attention.softmax(x)").click()  # type: ignore[attr-defined]
    page.keyboard.press("End")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    # "s", "/", "n", "p", "." and "," are also the theme's shortcut keys: here they are text
    page.keyboard.type('print("sums/typed:", p.round(2))')  # type: ignore[attr-defined]
    typed = '    p = attention.softmax(x)\n    print("sums/typed:", p.round(2))\n'
    code = demo.locator(".gc-code")  # type: ignore[attr-defined]
    expect(code).to_have_value(re.compile(re.escape(typed)))
    assert page.url.endswith("/try-it/") and not page.locator("#__search").is_checked()  # type: ignore[attr-defined]
    # the cursor is after the closing bracket: it and its opening bracket are marked
    expect(editor.locator(".cm-matchingBracket")).to_have_count(2)
    page.keyboard.press("Control+Enter")  # type: ignore[attr-defined]
    demo.locator(".gc-output", has_text="sums/typed: [0.09 0.24 0.67]").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    # undo takes the typed line away, redo brings it back
    page.wait_for_timeout(600)  # type: ignore[attr-defined]  # a pause ends the undo group
    page.keyboard.press("Control+z")  # type: ignore[attr-defined]
    expect(code).not_to_have_value(re.compile("typed:"))
    page.keyboard.press("Control+Shift+z")  # type: ignore[attr-defined]
    expect(code).to_have_value(re.compile(re.escape(typed)))


def test_tab_indents_and_escape_then_tab_leaves_the_editor(page: object, server: Server) -> None:
    demo = open_editor(page, server)
    content = demo.locator(".cm-content")  # type: ignore[attr-defined]
    # labelled for screen readers (the hidden textarea is out of the accessibility tree), and the
    # way out is written next to it
    label = "Python source of the numpy_check demo"
    expect(demo.get_by_role("textbox", name=label)).to_have_class(re.compile("cm-content"))  # type: ignore[attr-defined]
    note = demo.locator(".gc-editor-note")  # type: ignore[attr-defined]
    expect(note).to_have_text(NOTE)
    expect(note).to_be_visible()
    assert content.get_attribute("aria-describedby") == note.get_attribute("id")
    editor_line(demo, "p = attention.softmax(x)").click()  # type: ignore[attr-defined]
    page.keyboard.press("Home")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    code = demo.locator(".gc-code")  # type: ignore[attr-defined]
    expect(code).to_have_value(re.compile(r"\n        p = attention\.softmax\(x\)\n"))
    expect(content).to_be_focused()  # Tab indented; it did not move the focus
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    expect(demo.get_by_role("button", name="Run")).to_be_focused()  # type: ignore[attr-defined]
    page.keyboard.press("Shift+Tab")  # type: ignore[attr-defined]
    expect(content).to_be_focused()  # and back in with the keyboard


def _scheme_colours(demo: object) -> tuple[str, str]:
    editor = demo.locator(".cm-editor")  # type: ignore[attr-defined]
    keyword = editor.locator("span", has_text=re.compile("^import$")).first
    return (
        editor.evaluate("e => getComputedStyle(e).backgroundColor"),
        keyword.evaluate("e => getComputedStyle(e).color"),
    )


def test_the_editor_follows_the_dark_mode_switch_at_once(page: object, server: Server) -> None:
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    demo = page.locator(DEMO)  # type: ignore[attr-defined]
    demo.locator(".gc-editor summary").click()
    light = _scheme_colours(demo)
    # the theme's switch: system -> light -> dark
    page.locator("label[title='Switch to light mode']").click()  # type: ignore[attr-defined]
    page.locator("label[title='Switch to dark mode']").click()  # type: ignore[attr-defined]
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"  # type: ignore[attr-defined]
    dark = _scheme_colours(demo)
    assert dark[0] != light[0] and dark[1] != light[1], (light, dark)
    page.locator("label[title='Switch to system preference']").click()  # type: ignore[attr-defined]
    assert _scheme_colours(demo) == light


def test_the_editor_fits_a_phone_and_scrolls_inside(browser: object, server: Server) -> None:
    log = RequestLog()
    context = open_context(
        browser, log, viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(server.url + "try-it/")
    demo = page.locator(DEMO)
    demo.locator(".gc-editor summary").click()
    scroller = demo.locator(".cm-scroller")
    scroller.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = demo.locator(".cm-editor").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    # the long lines scroll inside the editor
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")
    expect(demo.locator(".gc-editor-note")).to_be_visible()
    context.close()  # type: ignore[attr-defined]
    assert not log.outside


def test_without_the_editor_bundle_the_text_box_still_runs_the_code(
    page: object, server: Server
) -> None:
    # as on a site built without Node.js, or a host that lost the file
    page.route("**/vendor/codemirror/editor.js", lambda route: route.abort())  # type: ignore[attr-defined]
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    wait_for_python(page)
    demo = page.locator(DEMO)  # type: ignore[attr-defined]
    demo.locator(".gc-editor summary").click()
    assert page.evaluate("typeof window.genaiCourseEditor") == "undefined"  # type: ignore[attr-defined]
    assert demo.locator(".cm-editor").count() == 0
    code = demo.get_by_label("Python source of the numpy_check demo")
    expect(code).to_be_visible()
    source = code.input_value()
    code.fill(
        source.replace(ORIGINAL_LINE, ORIGINAL_LINE + '    print("plain box:", p.round(2))\n')
    )
    code.press("Control+Enter")
    demo.locator(".gc-output", has_text="plain box: [0.09 0.24 0.67]").wait_for(timeout=30_000)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_with_the_editor_open(
    browser: object, server: Server, scheme: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    log = RequestLog()
    context = open_context(browser, log, color_scheme=scheme)
    page = context.new_page()  # type: ignore[attr-defined]
    serious = []
    # the tokenizer's program starts with comments: every kind of highlighted text is checked
    for path in ("try-it/", "topics/tokens-and-context/"):
        page.goto(server.url + path)
        for summary in page.locator(".gc-editor summary").all():
            summary.click()
        page.locator(".cm-content").first.focus()
        expect(page.locator(".cm-editor.cm-focused")).to_have_count(1)
        response = Axe().run(page, options={"resultTypes": ["violations"]}).response
        serious += [
            f"/{path}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes'][:3]]}"
            for v in response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
    context.close()  # type: ignore[attr-defined]
    assert not serious, "\n".join(serious)
    assert not log.outside


def test_the_site_serves_the_editor_with_its_licences(built_site: Path) -> None:
    lock = json.loads((EDITOR_PROJECT / "package-lock.json").read_text())
    licences = (built_site / "vendor/codemirror/LICENSE.txt").read_text()
    for name in ("@codemirror/view", "@codemirror/state", "@codemirror/lang-python", "@lezer/lr"):
        version = lock["packages"][f"node_modules/{name}"]["version"]
        assert f"{name}@{version} (MIT)" in licences
    assert "Marijn Haverbeke" in licences
    script = (built_site / "vendor/codemirror/editor.js").read_text()
    assert script.startswith("/*! CodeMirror 6 and Lezer (MIT")
    # not a script of the pages: python.js loads it when it is wanted, from the runtime's config
    page = (built_site / "try-it/index.html").read_text()
    assert "editor.js" not in " ".join(re.findall(r'<script src="([^"]+)"', page))
    runtime = (built_site / "assets/genai-course/config.js").read_text()
    assert '"editorScript": "vendor/codemirror/editor.js"' in runtime


def test_the_editor_is_loaded_when_wanted_not_with_the_page(
    browser: object, server: Server
) -> None:
    log = RequestLog()
    context = open_context(browser, log)
    page = context.new_page()  # type: ignore[attr-defined]
    page.set_default_timeout(90_000)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "codemirror/editor.js" in r.url else None)
    # a page with neither a program nor an exercise never loads it
    page.goto(server.url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)
    assert asked == []
    # a page with a program: not while the page and Python start, nor after (it would make a long
    # task while the learner moves a control); loaded and attached when the program is opened
    page.goto(server.url + "try-it/")
    page.wait_for_function("() => window.genaiCourse.isQuiet()")
    page.wait_for_timeout(1000)
    assert asked == []
    demo = page.locator(DEMO)
    expect(demo.locator(".gc-code")).to_be_hidden()  # closed: the program is not shown
    demo.locator(".gc-editor summary").click()
    demo.locator(".cm-editor").wait_for()
    assert len(asked) == 1
    expect(demo.locator(".cm-content")).to_contain_text("import numpy as np")
    context.close()  # type: ignore[attr-defined]
    assert not log.outside


def test_typing_goes_on_in_the_editor_when_it_arrives(page: object, server: Server) -> None:
    # the editor's script is held back until the learner has typed in the plain text box
    held: list[object] = []
    page.route("**/vendor/codemirror/editor.js", lambda route: held.append(route))  # type: ignore[attr-defined]
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    demo = page.locator(DEMO)  # type: ignore[attr-defined]
    demo.locator(".gc-editor summary").click()
    code = demo.locator(".gc-code")
    expect(code).to_be_visible()
    code.focus()
    page.keyboard.press("ControlOrMeta+End")  # type: ignore[attr-defined]
    page.keyboard.type("\n# typed in the box")  # type: ignore[attr-defined]
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)  # type: ignore[attr-defined]
    held[0].continue_()  # type: ignore[attr-defined]
    demo.locator(".cm-editor.cm-focused").wait_for()
    page.keyboard.type(", then in the editor")  # type: ignore[attr-defined]
    # the textarea under the editor holds what runs: both parts, in the order typed, at the end
    assert code.input_value().endswith("\n# typed in the box, then in the editor")
