"""What a student reads and does, walked in the page (issue 26, items 7 and 8): a wrong answer's
Expected and Got matrices on a phone, a quiz answered from the keyboard, the tokenizer's table on
a phone, the code editor's focus ring, and what My progress says a progress file is for."""

from __future__ import annotations

import re

import pytest

from tests.conftest import RequestLog, Server, open_context
from tests.test_browser_exercises import EXERCISE, PAGE, check_with_keyboard, result_of, write_code

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}

# softmax down the columns: 1-D checks pass, the 2-D one (check 3) fails
WRONG_AXIS = """import numpy as np

def softmax(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
"""

# each value of a result block (exercises.js: a label, then the value as an inline block): per
# line of the value, its text, how many line boxes it takes, and the x of its first digit
VALUES = """(pre) => Array.from(pre.querySelectorAll(".gc-value"), (value) => {
  const node = value.firstChild;
  const out = [];
  let start = 0;
  for (const line of node.textContent.split("\\n")) {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, start + line.length);
    const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
    const digit = line.search(/[0-9]/);
    range.setStart(node, start + digit);
    range.setEnd(node, start + digit + 1);
    out.push({ line, boxes: tops.size, x: range.getBoundingClientRect().left });
    start += line.length + 1;
  }
  return { label: value.previousElementSibling.textContent.trim(), lines: out,
           whiteSpace: getComputedStyle(pre).whiteSpace };
})"""


def phone_page(browser: object, scheme: str = "light") -> tuple[object, object]:
    context = open_context(browser, RequestLog(), color_scheme=scheme, viewport=PHONE)
    page = context.new_page()  # type: ignore[attr-defined]
    page.set_default_timeout(60_000)  # type: ignore[attr-defined]
    return context, page


def test_a_wrong_axis_gets_its_hint_and_the_matrices_stay_aligned_on_a_phone(
    browser: object, server: Server
) -> None:
    context, page = phone_page(browser)
    try:
        page.goto(server.url + PAGE + EXERCISE)  # type: ignore[attr-defined]
        exercise = page.locator(EXERCISE + "[data-mounted='true']")  # type: ignore[attr-defined]
        exercise.wait_for()
        write_code(page, exercise, WRONG_AXIS)
        check_with_keyboard(page)
        text = result_of(exercise, "failed")
        assert "Check 3 of 8 failed" in text
        assert "A known mistake — Your softmax normalises down the columns (axis=0)" in text
        values = exercise.locator(".gc-result-compare").evaluate(VALUES)
        assert [v["label"] for v in values] == ["Expected:", "Got:"]
        assert [[line["line"] for line in v["lines"]] for v in values] == [
            [
                "[[0.090031 0.244728 0.665241]",
                " [0.333333 0.333333 0.333333]]",
                "(shape (2, 3), dtype float64)",
            ],
            [
                "[[0.731059 0.880797 0.952574]",
                " [0.268941 0.119203 0.047426]]",
                "(shape (2, 3), dtype float64)",
            ],
        ]
        rows = [line for v in values for line in v["lines"] if "[" in line["line"]]
        # no row wraps: each is one line box, and a phone shows it whole (the block would scroll
        # sideways rather than wrap a wider one)
        assert values[0]["whiteSpace"] == "pre"
        assert [line["boxes"] for line in rows] == [1] * 4, rows
        # the rows of both matrices start at the same x, column under column
        lefts = [line["x"] for line in rows]
        assert max(lefts) - min(lefts) < 0.5, rows
        box = exercise.locator(".gc-result-compare").bounding_box()
        assert all(line["x"] > box["x"] for line in rows)
        assert exercise.locator(".gc-result-compare").evaluate(
            "(pre) => pre.scrollWidth <= pre.clientWidth"
        ), "a 2 × 3 matrix fits a phone's width"
        # the differing rows under the problem line up too
        differing = exercise.locator(".gc-result-rows").evaluate(VALUES)
        assert [v["label"] for v in differing] == ["row 0 expected:", "row 0 got:"]
        assert abs(differing[0]["lines"][0]["x"] - differing[1]["lines"][0]["x"]) < 0.5
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # type: ignore[attr-defined]
        exercise.locator(".gc-result").scroll_into_view_if_needed()
        page.screenshot(path="test-results/exercise-wrong-axis-375.png")  # type: ignore[attr-defined]
        exercise.locator(".gc-result").screenshot(
            path="test-results/exercise-wrong-axis-375-result.png"
        )
    finally:
        context.close()  # type: ignore[attr-defined]


QUESTION = "#quiz-attention-weights-sum"


def stored_answer(page: object) -> object:
    return page.evaluate(  # type: ignore[attr-defined]
        "(() => { const v = localStorage.getItem('genai-course:quiz:attention-weights-sum');"
        " return v && JSON.parse(v).answer; })()"
    )


def test_a_quiz_answers_on_a_choice_not_on_the_arrow_keys(page: object, server: Server) -> None:
    page.goto(server.url + "topics/attention/")  # type: ignore[attr-defined]
    question = page.locator(QUESTION)  # type: ignore[attr-defined]
    feedback = question.locator(".gc-feedback")
    options = question.locator("input[type='radio']")
    assert options.count() >= 3
    options.nth(0).focus()
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    assert options.nth(0).is_checked()
    assert re.match(r"(Right|Not quite)\. \S", feedback.inner_text())
    assert stored_answer(page) == 0

    # moving with the arrows checks the next option but answers nothing
    page.keyboard.press("ArrowDown")  # type: ignore[attr-defined]
    assert options.nth(1).is_checked()
    assert feedback.inner_text() == "Press Space or Enter to answer with this option."
    assert question.get_attribute("data-answered") is None
    page.keyboard.press("ArrowDown")  # type: ignore[attr-defined]
    assert options.nth(2).is_checked()
    assert stored_answer(page) == 0, "the arrow keys recorded an answer"

    # Enter on the option reached chooses it
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert stored_answer(page) == 2
    assert question.get_attribute("data-answered") in {"right", "wrong"}
    # Space on the option already checked chooses it too
    page.keyboard.press("ArrowUp")  # type: ignore[attr-defined]
    assert stored_answer(page) == 2
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    assert stored_answer(page) == 1

    # the explanation of the chosen option is shown once
    right = question.locator("input[data-correct='true']")
    question.locator("label:has(input[data-correct='true'])").click()
    why = question.locator(f".gc-why[data-option='{right.get_attribute('value')}']").text_content()
    assert why and feedback.inner_text() == f"Right. {why}"
    assert question.inner_text().count(why) == 1, question.inner_text()
    # the no-script fallback that would tell it again is gone
    assert question.locator(".gc-answer").is_hidden()
    assert stored_answer(page) == int(str(right.get_attribute("value")))


def test_the_tokenizer_table_keeps_whole_numbers_whole_on_a_phone(
    browser: object, server: Server
) -> None:
    context, page = phone_page(browser)
    try:
        page.goto(server.url + "topics/tokens-and-context/")  # type: ignore[attr-defined]
        table = page.locator("#gc-demo-tokenizer table.gc-table")  # type: ignore[attr-defined]
        table.wait_for()
        cells = table.evaluate(
            """(t) => Array.from(t.querySelectorAll("tbody tr"), (row) => {
                 const td = row.querySelector("td");
                 const range = document.createRange();
                 range.selectNodeContents(td);
                 const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
                 return [row.querySelector("th").textContent, td.textContent, tops.size];
               })"""
        )
        shown = {label: value for label, value, _ in cells}
        for count in ("characters", "words", "tokens"):
            assert re.fullmatch(r"\d{1,3}(,\d{3})*", shown[count]), shown
        assert re.fullmatch(r"\d+\.\d\d", shown["characters per token"]), shown
        assert [lines for *_, lines in cells] == [1] * len(cells), cells
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # type: ignore[attr-defined]
        table.scroll_into_view_if_needed()
        page.screenshot(path="test-results/tokenizer-table-375.png")  # type: ignore[attr-defined]
    finally:
        context.close()  # type: ignore[attr-defined]


def test_words_in_code_stay_whole_in_the_tokens_table_on_a_phone(
    browser: object, server: Server
) -> None:
    # the page's own table of words and their tokens: "unbelievable" split as "unbelievabl|e"
    context, page = phone_page(browser)
    try:
        page.goto(server.url + "topics/tokens-and-context/")  # type: ignore[attr-defined]
        table = page.locator("article table:not([class])").first  # type: ignore[attr-defined]
        table.wait_for()
        split = table.evaluate(
            """(t) => Array.from(t.querySelectorAll("td code")).flatMap((code) => {
                 // each word of the code: the tops of its characters' boxes
                 const text = code.firstChild;
                 const words = [];
                 for (const m of code.textContent.matchAll(/\\S+/g)) {
                   const range = document.createRange();
                   range.setStart(text, m.index);
                   range.setEnd(text, m.index + m[0].length);
                   const rects = Array.from(range.getClientRects());
                   const tops = new Set(rects.map((r) => Math.round(r.top)));
                   if (tops.size > 1) words.push(m[0]);
                 }
                 return words;
               })"""
        )
        words = table.evaluate(
            "(t) => Array.from(t.querySelectorAll('td code'), (c) => c.textContent)"
        )
        assert "unbelievable" in words, words
        assert split == [], f"words broken across lines at 375 px: {split}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # type: ignore[attr-defined]
    finally:
        context.close()  # type: ignore[attr-defined]


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_editor_focus_ring_is_not_the_error_orange_and_is_visible(
    browser: object, server: Server, scheme: str
) -> None:
    context = open_context(browser, RequestLog(), color_scheme=scheme)
    page = context.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(server.url + PAGE + EXERCISE)  # type: ignore[attr-defined]
        exercise = page.locator(EXERCISE)  # type: ignore[attr-defined]
        exercise.locator(".cm-content").focus()
        editor = exercise.locator(".cm-editor.cm-focused")
        editor.wait_for()
        ring, accent, background = editor.evaluate(
            """(e) => {
                 const probe = document.createElement("span");
                 probe.style.color = "var(--md-accent-fg-color)";
                 document.body.append(probe);
                 const accent = getComputedStyle(probe).color;
                 probe.remove();
                 return [getComputedStyle(e).outlineColor, accent,
                         getComputedStyle(document.body).backgroundColor];
               }"""
        )
        assert _rgb(ring) != _rgb(accent), (ring, accent)
        r, _, b = _rgb(ring)
        assert b > r, f"{ring} is a warm colour, read as an error"
        light, dark = sorted((_luminance(_rgb(ring)), _luminance(_rgb(background))), reverse=True)
        contrast = (light + 0.05) / (dark + 0.05)
        assert contrast >= 3, (ring, background, contrast)
        assert editor.evaluate("(e) => getComputedStyle(e).outlineStyle") == "solid"
    finally:
        context.close()  # type: ignore[attr-defined]


def test_my_progress_says_the_checks_are_for_learning(page: object, server: Server) -> None:
    page.goto(server.url + "progress/")  # type: ignore[attr-defined]
    progress = page.locator(".gc-progress[data-ready='true']")  # type: ignore[attr-defined]
    progress.wait_for()
    text = page.locator("article").inner_text()  # type: ignore[attr-defined]
    assert "hand it in" not in text and "hand in" not in text
    assert "for your own learning, not for grading" in text
    with page.expect_download():  # type: ignore[attr-defined]
        progress.get_by_role("button", name="Export my progress").click()
    message = progress.locator(".gc-progress-message")
    message.filter(has_text="Exported").wait_for()
    assert "hand" not in message.inner_text()
