"""Practising as a learner would: solve an exercise from the keyboard, get a wrong answer's hint,
survive an endless loop, unlock the solution, and carry the progress to another device."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RequestLog, Server, open_context

pytestmark = pytest.mark.browser

PAGE = "topics/attention/"
EXERCISE = "#exercise-softmax"

SOLUTION = """import numpy as np

def softmax(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""

OVERFLOWS = """import numpy as np

def softmax(x):
    e = np.exp(np.asarray(x, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)
"""

# the examples on the page, hard-coded: the further checks must catch it
FITS_THE_EXAMPLES_ONLY = """import numpy as np

def softmax(x):
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        row = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219]
        return np.array([row, [1 / 3, 1 / 3, 1 / 3]])
    return np.array([0.09003057317038046, 0.24472847105479764, 0.6652409557748219])
"""

ENDLESS = """def softmax(x):
    while True:
        pass
"""


def open_exercise(page: object, server: Server) -> object:
    page.goto(server.url + PAGE + EXERCISE)  # type: ignore[attr-defined]
    page.locator(EXERCISE + "[data-mounted='true']").wait_for()  # type: ignore[attr-defined]
    return page.locator(EXERCISE)  # type: ignore[attr-defined]


def write_code(page: object, exercise: object, source: str) -> None:
    """Replace the code with the keyboard: focus the editor, select all, type. (The editor comes
    over the text box once the exercise is on the screen: test_browser_editor.py checks typing
    that begins in the text box before it comes.)"""
    editor = exercise.locator(".cm-content")  # type: ignore[attr-defined]
    editor.focus()
    page.keyboard.press("ControlOrMeta+A")  # type: ignore[attr-defined]
    page.keyboard.press("Delete")  # type: ignore[attr-defined]
    # inserted as typed text; an editor's auto-indent must not re-indent it
    page.keyboard.insert_text(source)  # type: ignore[attr-defined]


def check_with_keyboard(page: object) -> None:
    page.keyboard.press("ControlOrMeta+Enter")  # type: ignore[attr-defined]


def result_of(exercise: object, state: str, timeout: float = 90_000) -> str:
    result = exercise.locator(f".gc-result[data-state='{state}']")  # type: ignore[attr-defined]
    result.wait_for(timeout=timeout)
    return str(result.inner_text())


def test_a_learner_solves_the_exercise_from_the_keyboard(page: object, server: Server) -> None:
    exercise = open_exercise(page, server)
    # the public checks can be read before checking
    exercise.locator(".gc-checks summary").click()  # type: ignore[attr-defined]
    assert (
        "softmax(np.array([1000.0, 1001.0, 1002.0]))" in exercise.locator(".gc-checks").inner_text()
    )  # type: ignore[attr-defined]
    assert exercise.locator(".gc-solution").is_hidden()  # type: ignore[attr-defined]

    write_code(page, exercise, SOLUTION)
    check_with_keyboard(page)
    text = result_of(exercise, "passed")
    assert "Passed: all 8 checks." in text
    assert exercise.locator(".gc-result").get_attribute("role") == "status"  # type: ignore[attr-defined]
    # passing shows the reference solution to compare with
    assert exercise.locator(".gc-solution").is_visible()  # type: ignore[attr-defined]
    assert "keepdims=True" in exercise.locator(".gc-solution-code").inner_text()  # type: ignore[attr-defined]

    # the code is kept across a reload
    page.reload()  # type: ignore[attr-defined]
    exercise = open_exercise(page, server)
    assert "x.max(axis=-1, keepdims=True)" in exercise.locator(".gc-exercise-code").input_value()  # type: ignore[attr-defined]
    assert exercise.get_attribute("data-status") == "passed"  # type: ignore[attr-defined]


def test_a_known_mistake_is_named_and_hidden_checks_catch_hard_coding(
    page: object, server: Server
) -> None:
    exercise = open_exercise(page, server)
    write_code(page, exercise, OVERFLOWS)
    check_with_keyboard(page)
    text = result_of(exercise, "failed")
    assert "Check 2 of 8 failed: large scores" in text
    assert "Expected:  [0.090031 0.244728 0.665241]" in text
    assert "Got:       [nan nan nan]" in text
    assert "rtol=1e-09" in text  # the tolerance is stated
    assert "A known mistake" in text and "Subtract the largest score" in text

    write_code(page, exercise, FITS_THE_EXAMPLES_ONLY)
    check_with_keyboard(page)
    exercise.locator(".gc-result", has_text="one of the further checks").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    text = exercise.locator(".gc-result").inner_text()  # type: ignore[attr-defined]
    # a further check's input is shown once it fails
    assert "Input:" in text and "Check 4 of 8 failed" in text


def test_an_endless_loop_is_stopped_and_the_next_check_works(page: object, server: Server) -> None:
    exercise = open_exercise(page, server)
    write_code(page, exercise, ENDLESS)
    check_with_keyboard(page)
    exercise.locator(".gc-result[data-state='running']").wait_for()  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    # the page answers at once while Python loops in its worker
    assert page.evaluate("1 + 1") == 2  # type: ignore[attr-defined]
    text = result_of(exercise, "failed", timeout=60_000)
    assert "still running after 10 s" in text and "endless loop" in text
    write_code(page, exercise, SOLUTION)
    exercise.get_by_role("button", name="Check").click()  # type: ignore[attr-defined]
    assert "Passed" in result_of(exercise, "passed")


def test_the_solution_appears_after_three_failed_checks_or_on_request(
    page: object, server: Server
) -> None:
    exercise = open_exercise(page, server)
    assert exercise.get_attribute("data-attempts") == "3"  # type: ignore[attr-defined]
    hint = exercise.get_by_role("button", name="Show a hint")  # type: ignore[attr-defined]
    hint.click()
    assert exercise.locator(".gc-hint:not([hidden])").count() == 1  # type: ignore[attr-defined]
    exercise.get_by_role("button", name="Show another hint (2 left)").click()  # type: ignore[attr-defined]
    assert exercise.locator(".gc-hint:not([hidden])").count() == 2  # type: ignore[attr-defined]
    check = exercise.get_by_role("button", name="Check")  # type: ignore[attr-defined]
    for attempt in range(1, 4):
        check.click()
        page.wait_for_function(  # type: ignore[attr-defined]
            "n => (JSON.parse(localStorage.getItem('genai-course:exercise:softmax')) || {}).checks"
            " === n && !document.querySelector('#exercise-softmax [data-action=check]').disabled",
            arg=attempt,
            timeout=90_000,
        )
        assert "failed" in exercise.locator(".gc-result").inner_text()  # type: ignore[attr-defined]
        visible = exercise.locator(".gc-solution").is_visible()  # type: ignore[attr-defined]
        assert visible == (attempt >= 3), attempt

    # with a clean slate, asking for it needs a confirmation
    page.evaluate("localStorage.clear()")  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    exercise = open_exercise(page, server)
    assert exercise.locator(".gc-solution").is_hidden()  # type: ignore[attr-defined]
    messages: list[str] = []

    def answer(dialog: object) -> None:
        messages.append(dialog.message)  # type: ignore[attr-defined]
        if len(messages) == 1:
            dialog.dismiss()  # type: ignore[attr-defined]
        else:
            dialog.accept()  # type: ignore[attr-defined]

    page.on("dialog", answer)  # type: ignore[attr-defined]
    ask = exercise.get_by_role("button", name="Show the solution")  # type: ignore[attr-defined]
    ask.click()
    assert exercise.locator(".gc-solution").is_hidden()  # type: ignore[attr-defined]
    ask.click()
    assert exercise.locator(".gc-solution").is_visible()  # type: ignore[attr-defined]
    assert "Show the reference solution now?" in messages[0]


def test_progress_is_shown_exported_reset_and_imported(
    page: object, server: Server, tmp_path: Path
) -> None:
    exercise = open_exercise(page, server)
    write_code(page, exercise, SOLUTION)
    check_with_keyboard(page)
    result_of(exercise, "passed")
    page.locator("#quiz-attention-weights-sum input[value='0']").check()  # type: ignore[attr-defined]

    page.goto(server.url + "progress/")  # type: ignore[attr-defined]
    progress = page.locator(".gc-progress[data-ready='true']")  # type: ignore[attr-defined]
    progress.wait_for()
    total = progress.locator(".gc-progress-total")
    assert "Exercises passed: 1 of" in total.inner_text()
    assert "Quiz questions answered right: 1 of" in total.inner_text()
    item = progress.locator("[data-item='exercise:softmax'] .gc-state")
    assert item.inner_text().startswith("passed")

    with page.expect_download() as download_info:  # type: ignore[attr-defined]
        progress.get_by_role("button", name="Export my progress").click()
    exported = tmp_path / "progress.json"
    download_info.value.save_as(exported)
    data = json.loads(exported.read_text())
    assert data["format"] == "genai-course-progress"
    assert data["exercises"]["softmax"]["status"] == "passed"
    assert "keepdims=True" in data["exercises"]["softmax"]["code"]

    page.once("dialog", lambda dialog: dialog.accept())  # type: ignore[attr-defined]
    progress.get_by_role("button", name="Reset my progress").click()
    assert "Exercises passed: 0 of" in total.inner_text()
    assert item.inner_text() == "not started"

    # a damaged file and a foreign file are refused and change nothing
    damaged = tmp_path / "damaged.json"
    damaged.write_text(exported.read_text()[:-40])
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"format": "something-else", "version": 1}))
    bad_entry = tmp_path / "bad-entry.json"
    broken = json.loads(exported.read_text())
    broken["exercises"]["softmax"]["status"] = "solved!!"
    bad_entry.write_text(json.dumps(broken))
    chooser = progress.locator("#gc-progress-import")
    message = progress.locator(".gc-progress-message")
    for bad, why in (
        (damaged, "not valid JSON"),
        (foreign, "not a progress file of this course"),
        (bad_entry, 'entry for the exercise "softmax" is damaged'),
    ):
        chooser.set_input_files(str(bad))
        message.filter(has_text=why).wait_for()
        assert "Nothing was changed" in message.inner_text()
        assert "Exercises passed: 0 of" in total.inner_text()
        kept = page.evaluate(  # type: ignore[attr-defined]
            "Object.keys(localStorage).filter(k => /^genai-course:(exercise|quiz):/.test(k))"
        )
        assert kept == [], kept

    chooser.set_input_files(str(exported))
    message.filter(has_text="Imported").wait_for()
    assert "Exercises passed: 1 of" in total.inner_text()
    page.goto(server.url + PAGE + EXERCISE)  # type: ignore[attr-defined]
    exercise = open_exercise(page, server)
    assert "keepdims=True" in exercise.locator(".gc-exercise-code").input_value()  # type: ignore[attr-defined]
    assert page.locator("#quiz-attention-weights-sum input[value='0']").is_checked()  # type: ignore[attr-defined]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_exercise_in_every_state_passes_axe_on_a_phone(
    browser: object, server: Server, scheme: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    context = open_context(
        browser, RequestLog(), color_scheme=scheme, viewport={"width": 375, "height": 667}
    )
    page = context.new_page()  # type: ignore[attr-defined]
    try:
        exercise = open_exercise(page, server)
        write_code(page, exercise, OVERFLOWS)
        check_with_keyboard(page)
        result_of(exercise, "failed")
        exercise.get_by_role("button", name="Show a hint").click()  # type: ignore[attr-defined]
        page.once("dialog", lambda dialog: dialog.accept())  # type: ignore[attr-defined]
        exercise.get_by_role("button", name="Show the solution").click()  # type: ignore[attr-defined]
        exercise.locator(".gc-solution").wait_for()  # type: ignore[attr-defined]
        # nothing on the page is wider than the phone
        width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= 375, width
        page.screenshot(path=f"test-results/exercise-375-{scheme}.png", full_page=False)  # type: ignore[attr-defined]
        exercise.screenshot(path=f"test-results/exercise-375-{scheme}-block.png")  # type: ignore[attr-defined]
        problems = []
        for path in (PAGE, "progress/", "exercises/"):
            if path != PAGE:
                page.goto(server.url + path)  # type: ignore[attr-defined]
                page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
            # the exercise itself on its page (the page's other parts have their own gate)
            scope = EXERCISE if path == PAGE else None
            response = Axe().run(page, scope, options={"resultTypes": ["violations"]}).response
            problems += [
                f"{path}: {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
                for v in response["violations"]
                if v["impact"] in {"serious", "critical"}
            ]
        assert not problems, problems
    finally:
        context.close()  # type: ignore[attr-defined]
