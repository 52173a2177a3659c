"""Each demo, driven from the keyboard: the figure changes, and it is what CPython computes; the
tiny GPT shows its text as it writes; a heatmap is read cell by cell with the mouse or the keys."""

from __future__ import annotations

import json
import re

import pytest

from genai_course.demo import run_demo
from tests.conftest import ROOT, Server, python_ready

pytestmark = pytest.mark.browser

# page, demo, the slider moved with the keyboard, the key, and the value it then has
CASES = [
    ("topics/attention/", "attention", "head", "ArrowRight", "2"),
    ("topics/positional-encoding/", "positional_encoding", "d_model", "ArrowLeft", "62"),
    ("topics/temperature-and-top-p/", "sampling", "temperature", "ArrowRight", "0.75"),
    ("topics/tokens-and-context/", "tokenizer", "merges", "ArrowRight", "310"),
    ("topics/image-generation/", "diffusion", "t", "ArrowRight", "251"),
    ("topics/image-generation/", "vae", "z1", "ArrowRight", "1.3"),
    ("topics/pca-vs-autoencoders/", "compression", "k", "ArrowLeft", "99"),
    ("topics/next-token-prediction/", "tiny_gpt", "length", "ArrowLeft", "79"),
]
# the tiny GPT reports how fast it wrote, which differs from run to run
SPEED = re.compile(r" Speed: \d+ characters per second \([\d.]+ s\)\.")


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
    # the shown value follows at once
    root.locator(f'output[for="gc-{demo}-{control}"]', has_text=value).wait_for()
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
    assert SPEED.sub("", status.inner_text()) == SPEED.sub("", expected["summary"])
    # parse CPython's markup the way the page parses the worker's, then compare
    normalised = page.evaluate(  # type: ignore[attr-defined]
        """(html) => { const d = document.createElement('div');
             d.append(...new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
               .body.childNodes); return d.innerHTML; }""",
        expected["html"],
    )
    assert after == normalised


def test_the_tiny_gpt_shows_its_text_while_it_writes(page: object, server: Server) -> None:
    page.goto(server.url + "topics/next-token-prediction/")  # type: ignore[attr-defined]
    python_ready(page, 120_000)
    page.evaluate(  # type: ignore[attr-defined]
        """() => { window.__steps = [];
             document.addEventListener('genai-course:partial', () => window.__steps.push(
               document.querySelector('#gc-demo-tiny_gpt .gc-status').textContent)); }"""
    )
    length = page.locator("#gc-demo-tiny_gpt [name=length]")  # type: ignore[attr-defined]
    length.focus()
    page.keyboard.press("End")  # type: ignore[attr-defined]
    assert length.input_value() == "200"
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#gc-demo-tiny_gpt').dataset.state === 'live'",
        timeout=120_000,
    )
    steps = page.evaluate("window.__steps")  # type: ignore[attr-defined]
    # several steps were shown before the end, in order, each with the text written so far
    counts = [int(re.fullmatch(r"Writing… (\d+) of 200 characters\.", s).group(1)) for s in steps]
    assert len(counts) >= 3 and counts == sorted(counts) and counts[-1] < 200
    status = page.locator("#gc-demo-tiny_gpt .gc-status").inner_text()  # type: ignore[attr-defined]
    assert status.startswith("Wrote 200 characters") and SPEED.search(status)


def test_stop_ends_the_writing_at_once_and_python_stays_up(page: object, server: Server) -> None:
    page.goto(server.url + "topics/next-token-prediction/")  # type: ignore[attr-defined]
    python_ready(page, 120_000)
    demo = page.locator("#gc-demo-tiny_gpt")  # type: ignore[attr-defined]
    demo.locator("details.gc-editor > summary").click()
    stop = demo.get_by_role("button", name="Stop")
    # Stop is pressed as soon as the first characters are shown, while 200 are being written
    page.evaluate(  # type: ignore[attr-defined]
        """() => { window.__worker = window.genaiCourse.python.worker; window.__steps = 0;
             document.addEventListener('genai-course:partial', () => {
               window.__steps += 1;
               if (window.__steps === 1) document.querySelector(
                 '#gc-demo-tiny_gpt [data-action="stop"]').click(); }); }"""
    )
    length = demo.locator("[name=length]")
    length.focus()
    page.keyboard.press("End")  # type: ignore[attr-defined]
    status = demo.locator(".gc-status")
    status.filter(has_text="Stopped.").wait_for(timeout=10_000)
    assert status.inner_text().startswith("Stopped. The figure shows what was written")
    assert "restarted" not in status.inner_text()
    # no new worker: Python was not started again, and what was written stays on the page
    assert page.evaluate("window.genaiCourse.python.worker === window.__worker")  # type: ignore[attr-defined]
    assert page.evaluate("window.genaiCourse.python.state") == "ready"  # type: ignore[attr-defined]
    # written: the step shown when Stop was pressed, and at most the few already on their way
    # (200 characters take more than ten steps); none comes after the run stopped
    steps = page.evaluate("window.__steps")  # type: ignore[attr-defined]
    assert 1 <= steps <= 4
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    assert page.evaluate("window.__steps") == steps  # type: ignore[attr-defined]
    assert stop.is_disabled()
    page.keyboard.press("ArrowLeft")  # type: ignore[attr-defined]  (the next change runs)
    status.filter(has_text="Wrote 199 characters").wait_for(timeout=30_000)


def test_a_heatmap_cell_is_read_out_under_the_pointer_and_with_the_arrow_keys(
    page: object, server: Server
) -> None:
    page.goto(server.url + "topics/attention/")  # type: ignore[attr-defined]
    demo = page.locator("#gc-demo-attention")  # type: ignore[attr-defined]
    layer = demo.locator(".gc-panel").first.locator(".gc-cells")
    values = json.loads(layer.get_attribute("data-values"))
    rows = json.loads(layer.get_attribute("data-rows"))
    n = len(rows)
    layer.scroll_into_view_if_needed()
    box = layer.bounding_box()
    # the pointer over row 3, column 5 (counting from 0)
    page.mouse.move(box["x"] + (5.5 / n) * box["width"], box["y"] + (3.5 / n) * box["height"])  # type: ignore[attr-defined]
    readout = demo.locator(".gc-panel").first.locator(".gc-readout")
    assert readout.inner_text() == f"{rows[3]} → {rows[5]}: {values[3 * n + 5]}"
    # from the keyboard: focus starts at the last cell pointed at, arrows move one cell
    layer.focus()
    page.keyboard.press("ArrowDown")  # type: ignore[attr-defined]
    page.keyboard.press("ArrowLeft")  # type: ignore[attr-defined]
    assert readout.inner_text() == f"{rows[4]} → {rows[4]}: {values[4 * n + 4]}"
    page.keyboard.press("End")  # type: ignore[attr-defined]
    assert readout.inner_text() == f"{rows[4]} → {rows[n - 1]}: {values[4 * n + n - 1]}"
    bands = demo.locator(".gc-panel").first.locator('.gc-hl[visibility="visible"]')
    assert bands.count() == 2  # the row and the column are highlighted


def test_the_it_demo_shows_both_sentences_and_its_answer_follows_the_head(
    page: object, server: Server
) -> None:
    page.goto(server.url + "topics/attention/")  # type: ignore[attr-defined]
    demo = page.locator("#gc-demo-attention")  # type: ignore[attr-defined]
    panels = demo.locator(".gc-panel")

    def captions() -> list[str]:
        return [panels.nth(i).locator(".gc-caption").inner_text() for i in range(panels.count())]

    # the figure computed at build time: the notes' two sentences, side by side, answered
    assert [panels.nth(i).locator("figcaption").inner_text() for i in range(2)] == [
        "“The cat drank the milk because it was hungry”",
        "“The cat drank the milk because it was sweet”",
    ]
    before = captions()
    assert "“it” is the cat" in before[0] and "“it” is the milk" in before[1]
    assert "A toy encoder trained on made-up sentences" in before[1]
    # switch the resolving head off from the keyboard: the stated answer changes
    switch = demo.locator("[name=silence]")
    switch.focus()
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#gc-demo-attention').dataset.state === 'live'",
        timeout=120_000,
    )
    after = captions()
    assert all(c.startswith("Answer with layer") and "switched off" in c for c in after)
    answers = [c.split("“it” is the ")[1].split(" ")[0] for c in after]
    assert answers != ["cat", "milk"]
    # a word the model does not know: said once, beside the sentence, with words to try; the
    # figure kept
    field = demo.locator("[name=sentence]")
    field.fill("The dog drank the wine because it was hungry")
    message = demo.locator('[data-message-for="sentence"]')
    message.get_by_text("does not know 'wine'", exact=False).wait_for(timeout=60_000)
    assert "Try 'pie' or 'lion' for 'wine'" in message.inner_text()
    assert "nouns: " not in message.inner_text()  # the words it knows are listed on the page
    # nowhere else on the screen: not in the status line (a screen reader hears it there), not
    # in the program's output
    shown = page.evaluate(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('#gc-demo-attention *')]
             .filter((e) => [...e.childNodes].some((n) => n.nodeType === 3
                               && n.textContent.includes('does not know')))
             .filter((e) => !e.closest('.visually-hidden') && e.checkVisibility())
             .map((e) => e.className)"""
    )
    assert shown == ["gc-message"]
    assert demo.locator(".gc-status").evaluate("(e) => e.firstChild.textContent") == (
        "Not updated: see the message above."
    )
    assert "does not know 'wine'" in demo.locator(".gc-status .visually-hidden").inner_text()
    assert captions() == after


def test_a_sentence_runs_when_the_learner_pauses_not_at_every_key(
    page: object, server: Server
) -> None:
    """Half-typed words are not refused as unknown: the run waits for a pause in typing, and the
    figure stays where it is until a sentence is read. The page's clock is held while the keys
    are typed, so a slow machine cannot put a pause between two keys."""
    page.goto(server.url + "topics/attention/")  # type: ignore[attr-defined]
    python_ready(page, 120_000)
    page.clock.install()  # type: ignore[attr-defined]
    demo = page.locator("#gc-demo-attention")  # type: ignore[attr-defined]
    page.evaluate(  # type: ignore[attr-defined]
        """() => { window.results = [];
             document.querySelector('#gc-demo-attention').addEventListener('genai-course:result',
               (e) => window.results.push(e.detail.ok)); }"""
    )
    top = "(e) => e.getBoundingClientRect().top + window.scrollY"  # where it is on the page
    figure_top = demo.locator(".gc-panels").evaluate(top)
    field = demo.locator("[name=sentence]")
    field.select_text()
    page.clock.pause_at(page.evaluate("() => Date.now()") + 1_000)  # type: ignore[attr-defined]
    field.press_sequentially("The puppy chased the ball because it was bored")
    page.clock.run_for(500)  # type: ignore[attr-defined]  # still typing: nothing runs
    assert page.evaluate("() => window.results") == []  # type: ignore[attr-defined]
    assert demo.get_attribute("data-state") != "loading"
    page.clock.run_for(200)  # type: ignore[attr-defined]  # a pause: the sentence runs
    page.clock.resume()  # type: ignore[attr-defined]
    page.wait_for_function("() => window.results.length > 0", timeout=60_000)  # type: ignore[attr-defined]
    # one run, for the whole sentence: no refusal of "pu", "pupp", "chas"… on the way
    assert page.evaluate("() => window.results") == [True]  # type: ignore[attr-defined]
    assert "“it” is the puppy" in demo.locator(".gc-caption").first.inner_text()
    assert demo.locator('[data-message-for="sentence"]').inner_text() == ""
    assert demo.locator(".gc-panels").evaluate(top) == figure_top
