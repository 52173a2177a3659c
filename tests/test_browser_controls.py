"""Every control of every demo, moved across what it offers in the page, runs in the page's own
Python: Pyodide is 32-bit (its ``intp`` is int32), so a control can fail there and not under
CPython ("Draw 1,000 words" did).

As a learner would: for each choice of a demo's Choice controls (the model, what is drawn…) the
choice is made first; then each enabled control is set to the ends and the middle of the range the
page offers at that moment (a slider's max follows the model), each option, each toggle state,
one at a time, the others at their defaults. Every run must give a figure; a control whose values
all draw the same figure must say why (disabled, or a note beside it).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from genai_course.demo import Choice, Number, load_program
from tests.conftest import ROOT, Server, python_ready

pytestmark = pytest.mark.browser

PAGES = {
    "attention": "topics/attention/",
    "autoencoder": "topics/pca-vs-autoencoders/",
    "compression": "topics/pca-vs-autoencoders/",
    "diffusion": "topics/image-generation/",
    "gan": "topics/image-generation/",
    "positional_encoding": "topics/positional-encoding/",
    "sampling": "topics/temperature-and-top-p/",
    "tiny_gpt": "topics/next-token-prediction/",
    "tokenizer": "topics/tokens-and-context/",
    "vae": "topics/image-generation/",
}

# the tiny GPT reports how fast it wrote, which differs from run to run
SPEED = re.compile(r" Speed: \d+ characters per second \([\d.]+ s\)\.")

# Set the demo's form (values by name; the others back to what the page was built with), start a
# run as moving a control does, and wait for its result.
SET_AND_RUN = """async ({demo, values}) => {
  const root = document.querySelector(`#gc-demo-${demo}`);
  const form = root.querySelector("form");
  for (const e of form.elements) {
    if (!e.name) continue;
    const wanted = e.name in values ? values[e.name] : null;
    if (e.type === "checkbox") e.checked = wanted === null ? e.defaultChecked : wanted === "true";
    else if (e.tagName === "SELECT") {
      for (const o of e.options) {
        o.selected = wanted === null ? o.defaultSelected : o.value === wanted;
      }
    } else e.value = wanted === null ? e.defaultValue : wanted;
  }
  const done = new Promise((resolve) =>
    root.addEventListener("genai-course:result", (event) => resolve(event.detail), { once: true }));
  // as a control moved and let go (typed text runs on "change" at once, not after a pause)
  form.elements[0].dispatchEvent(new Event("input", { bubbles: true }));
  form.elements[0].dispatchEvent(new Event("change", { bubbles: true }));
  const detail = await done;
  return {
    ok: detail.ok,
    status: root.querySelector(".gc-status").textContent,
    messages: [...root.querySelectorAll("[data-message-for]")].map((n) => n.textContent).join(" "),
    panels: root.querySelector(".gc-panels").innerHTML,
  };
}"""

# What each control of the form offers now: a slider's ends and middle on its steps, a list's
# options, both states of a box; whether it is disabled, and its note.
OFFERED = """(demo) => [...document.querySelector(`#gc-demo-${demo} form`).elements]
  .filter((e) => e.name)
  .map((e) => {
    const note = document.querySelector(`#gc-demo-${demo} [data-note-for="${e.name}"]`);
    let values = [];
    if (e.type === "range") {
      const min = Number(e.min), max = Number(e.max), step = Number(e.step);
      const mid = min + Math.floor(Math.round((max - min) / step) / 2) * step;
      values = [min, mid, max].map((v) => String(Number(v.toFixed(10))));
    } else if (e.type === "checkbox") values = ["false", "true"];
    else if (e.tagName === "SELECT") values = [...e.options].map((o) => o.value);
    return { name: e.name, kind: e.type, values: [...new Set(values)], disabled: e.disabled,
             note: note && !note.hidden ? note.textContent : "" };
  })"""


def number_values(demo: str) -> dict[str, list[str]]:
    """The number boxes (random seeds) have no range in the page: their ends and middle."""
    source = (ROOT / "demos" / f"{demo}.py").read_text(encoding="utf-8")
    out = {}
    for c in getattr(load_program(source, demo), "CONTROLS", []):
        if isinstance(c, Number):
            middle = (c.min + c.max) // 2 if c.integer else (c.min + c.max) / 2
            ends = (c.min, middle, c.max)
            out[c.name] = [str(int(v)) if c.integer else f"{v:g}" for v in ends]
    return out


def choices(demo: str) -> list[dict[str, str]]:
    source = (ROOT / "demos" / f"{demo}.py").read_text(encoding="utf-8")
    contexts: list[dict[str, str]] = [{}]
    for c in getattr(load_program(source, demo), "CONTROLS", []):
        if isinstance(c, Choice):
            contexts += [{c.name: v} for v, _ in c.options if v != c.default]
    return contexts


def run(page: Any, demo: str, values: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(SET_AND_RUN, {"demo": demo, "values": values})
    assert result["ok"], (
        f"{demo} with {values}: no figure in the page — {result['messages']} / {result['status']}"
    )
    return result


@pytest.mark.parametrize("demo", sorted(PAGES))
def test_every_control_across_its_range_gives_a_figure_in_the_page(
    page: Any, server: Server, demo: str, record_property: Any
) -> None:
    page.goto(server.url + PAGES[demo])
    python_ready(page, 120_000)
    numbers = number_values(demo)
    tried = 0
    for context in choices(demo):
        # the learner makes the choice first; the page then offers that choice's ranges
        run(page, demo, context)
        tried += 1
        for control in page.evaluate(OFFERED, demo):
            name = control["name"]
            if name in context or (control["kind"] in {"text", "textarea"} and name not in numbers):
                continue
            if control["disabled"]:
                assert control["note"], f"{demo} {context}: {name} is disabled and says not why"
                continue
            values = numbers.get(name) or control["values"]
            figures, notes = set(), {control["note"]}
            for value in values:
                result = run(page, demo, {**context, name: value})
                # what a run shows: its figures and the sentence under them (a word drawn)
                figures.add(result["panels"] + SPEED.sub("", result["status"]))
                tried += 1
                notes |= {c["note"] for c in page.evaluate(OFFERED, demo) if c["name"] == name}
            assert len(figures) > 1 or any(notes), (
                f"{demo} {context or '(defaults)'}: {name} changes nothing across {values} and "
                "does not say why"
            )
    record_property("settings", tried)
    print(f"{demo}: {tried} settings run in the page")
    assert tried > len(choices(demo))


def test_the_attention_sliders_follow_the_model(page: Any, server: Server) -> None:
    """The demo opens on the 2-head "it" model: its head and layer sliders end at 2; the untrained
    model offers 4 heads and no layer; the causal mask says it is for the untrained model."""
    page.goto(server.url + PAGES["attention"])
    head = page.locator("#gc-demo-attention [name=head]")
    layer = page.locator("#gc-demo-attention [name=layer]")
    causal = page.locator("#gc-demo-attention [name=causal]")
    # as built, before Python is there
    assert head.get_attribute("max") == "2" and layer.get_attribute("max") == "2"
    assert causal.is_disabled()
    assert page.locator('#gc-demo-attention [data-note-for="causal"]').inner_text()
    python_ready(page, 120_000)
    run(page, "attention", {"model": "toy"})
    assert head.get_attribute("max") == "4" and layer.is_disabled() and not causal.is_disabled()
    head.focus()
    page.keyboard.press("End")
    page.wait_for_function(
        "() => document.querySelector('#gc-demo-attention .gc-status').textContent"
        ".startsWith('Head 4')"
    )
    assert page.locator('#gc-demo-attention output[for="gc-attention-head"]').inner_text() == "4"
    # back to the "it" model: head 4 comes down to 2, and the figure is of head 2
    page.select_option("#gc-demo-attention [name=model]", "it")
    page.wait_for_function(
        "() => document.querySelector('#gc-demo-attention [name=head]').max === '2'"
        " && document.querySelector('#gc-demo-attention').dataset.state === 'live'"
    )
    assert head.input_value() == "2"
    assert page.locator('#gc-demo-attention output[for="gc-attention-head"]').inner_text() == "2"
    assert "Layer 2, head 2" in page.locator("#gc-demo-attention .gc-panels").inner_html()


def test_drawing_a_thousand_words_works_in_the_page(page: Any, server: Server) -> None:
    """np.bincount of int64 draws failed in 32-bit Pyodide; after it, seed and scores failed too."""
    page.goto(server.url + PAGES["sampling"])
    python_ready(page, 120_000)
    page.select_option("#gc-demo-sampling [name=draw]", "many")
    page.locator("#gc-demo-sampling .gc-panel", has_text="1,000 draws").wait_for()
    panels = page.locator("#gc-demo-sampling .gc-panels")
    drawn = panels.inner_html()
    seed = page.locator("#gc-demo-sampling [name=seed]")
    assert not seed.is_disabled()
    seed.fill("7")
    # other draws: the figure changes, and no message comes
    page.wait_for_function(
        "(before) => document.querySelector('#gc-demo-sampling .gc-panels').innerHTML !== before",
        arg=drawn,
    )
    status = page.locator("#gc-demo-sampling .gc-status").inner_text()
    assert status.startswith("Drew 1,000 words"), status
