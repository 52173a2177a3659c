"""What the pages say a demo shows or does is what the demo does as it opens (issue 23, item 5).

Each test reads the sentence of a page (or an update post, the glossary, an exercise) and runs the
demo it talks about under CPython, from the demo's default state, as a learner would find it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import yaml

from genai_course import positional, sampling
from genai_course import tokenizer as bpe
from genai_course.demo import Choice, Slider, Toggle, load_program, run_demo
from tests.conftest import ROOT

DEMOS = ROOT / "demos"


def text(path: str) -> str:
    """A page's text on one line, without Markdown emphasis."""
    raw = (ROOT / path).read_text(encoding="utf-8")
    return " ".join(raw.replace("*", "").split())


def controls(demo: str) -> dict[str, Any]:
    program = load_program((DEMOS / f"{demo}.py").read_text(encoding="utf-8"), demo)
    return {c.name: c for c in program.CONTROLS}


def run(demo: str, **values: str) -> dict[str, Any]:
    source = (DEMOS / f"{demo}.py").read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(run_demo(source, demo, values))
    assert result["ok"], result
    return result


def table(html: str) -> np.ndarray:
    """The numbers of a figure's data table, row by row."""
    rows = re.findall(r"<tbody>.*?</tbody>", html, flags=re.DOTALL)[0].split("</tr>")
    cells = [re.findall(r"<td>(-?[\d.]+)</td>", row) for row in rows]
    return np.array([[float(c) for c in row] for row in cells if row])


def test_the_session_4_post_steps_work_on_the_attention_demo_as_it_opens() -> None:
    post = text("docs/updates/posts/2026-04-13-session-4.md")
    demo = controls("attention")
    model, causal = demo["model"], demo["causal"]
    assert isinstance(model, Choice) and isinstance(causal, Toggle)
    untrained = dict(model.options)["toy"].split(" (")[0]  # "seeded, untrained"
    mask = causal.label.split(" (")[0].lower()  # "causal mask"
    # the post names the model to choose, then the mask, in that order
    assert untrained in post and mask in post.lower()
    assert post.index(untrained) < post.lower().index(mask)

    # as the demo opens, on the trained "it" model, the mask is greyed out: the model comes first
    opened = run("attention")
    assert opened["controls"]["causal"]["disabled"]
    # step 1: the untrained model; the mask can now be switched on
    toy = run("attention", model="toy")
    assert not toy.get("controls", {}).get("causal", {}).get("disabled")
    # step 2: with the mask on, each word attends only to itself and the words before it
    masked = run("attention", model="toy", causal="true")
    weights = table(masked["panels"][0]["alt"])
    assert weights.shape[0] == weights.shape[1] > 2
    assert np.all(np.triu(weights, 1) == 0) and np.allclose(weights.sum(axis=1), 1, atol=0.02)
    assert np.any(np.triu(table(toy["panels"][0]["alt"]), 1) > 0)  # without it, they do not


def test_the_attention_page_says_where_the_causal_mask_can_be_switched_on() -> None:
    page = text("docs/topics/attention.md")
    part = page[page.index("## Try it") : page.index("Words the trained")]
    assert "there you can also switch on the causal mask" in part
    assert "always causal" in part and "greyed out" in part
    states = {m: run("attention", model=m)["controls"].get("causal", {}) for m in ("it", "gpt")}
    assert all(state.get("disabled") for state in states.values())


def test_the_attention_page_tells_what_the_trained_head_shows_by_default() -> None:
    page = text("docs/topics/attention.md")
    assert "peaks on cat in the first sentence and on milk in the second" in page
    assert "it answers milk for both" in page
    on = run("attention")["summary"]
    assert "“it” is the cat" in on.split("first sentence")[0] and "milk" in on.split("first")[1]
    captions = [p["caption"] for p in run("attention")["panels"]]
    assert "peaks on “cat”" in captions[0] and "peaks on “milk”" in captions[1]
    off = run("attention", silence="true")["summary"]
    assert off.count("“it” is the milk") == 2


def test_top_k_keeps_ties_on_the_page_in_the_glossary_the_exercise_and_the_demo() -> None:
    page = text("docs/topics/temperature-and-top-p.md")
    assert "every token tied with the $k$-th is kept too" in page
    glossary = yaml.safe_load((ROOT / "data/glossary.yml").read_text(encoding="utf-8"))
    top_k = next(t for t in glossary if t["id"] == "top-k")
    assert "tied with the k-th are kept too" in top_k["definition"]
    exercise = text("exercises/top-k.md")
    assert "Tokens tied with the $k$-th likeliest are kept too" in exercise
    assert "no fair way" not in exercise  # the top-p exercise does order equal tokens
    assert list(sampling.top_k_filter(np.array([0.4, 0.4, 0.2]), 1)) == [0.5, 0.5, 0.0]
    # the demo, with two words tied at the top and top-k 1, keeps both
    tied = run("sampling", logits="a: 1, b: 1, c: 0", temperature="1", top_k="1", top_p="1")
    assert tied["summary"].startswith("2 of 3 words can be drawn")


def test_the_demo_index_says_the_diffusion_demo_jumps_to_its_timestep() -> None:
    index = text("docs/demos/index.md")
    row = index.split("| Diffusion |")[1].split(" | ")[0]
    assert "step by step" not in row and "timestep t" in row and "one jump" in row
    t = controls("diffusion")["t"]
    assert isinstance(t, Slider) and t.label.startswith("Timestep t")
    # the noisy image at t is one closed-form mix of the clean image and the noise
    source = (DEMOS / "diffusion.py").read_text(encoding="utf-8")
    assert "add_noise(x0, t, alpha_bars, eps)" in source


def test_the_tokens_page_example_is_not_the_demos_split() -> None:
    page = text("docs/topics/tokens-and-context.md")
    assert "cuts unbelievable into more and different pieces" in page
    demo = load_program((DEMOS / "tokenizer.py").read_text(encoding="utf-8"), "tokenizer")
    merges = controls("tokenizer")["merges"].default
    split = bpe.tokens(bpe.first_merges(demo.TRAINED, merges), "unbelievable")
    assert len(split) > 3 and split != ["un", "believ", "able"]
    # "with a few hundred merges it stays far below 4 characters per token"
    assert "far below 4 characters per token" in page
    per_token = re.search(r"On the course text: ([\d.]+) characters", run("tokenizer")["summary"])
    assert per_token and float(per_token.group(1)) < 3


def test_nearby_positions_look_alike_in_the_demo_as_the_page_says() -> None:
    page = text("docs/topics/positional-encoding.md")
    assert "largest at offset 0" in page
    c = controls("positional_encoding")
    pe = positional.sinusoidal_encoding(
        c["num_positions"].default, c["d_model"].default, c["base"].default
    )
    similarity = positional.position_similarity(pe)
    assert all(int(np.argmax(row)) == k for k, row in enumerate(similarity))


def test_the_temperature_exercise_example_is_right() -> None:
    statement = text("exercises/temperature.md")
    assert "the middle token has probability 0.24 at $T = 1$ but 0.12 at $T = 0.5$" in statement
    logits = np.array([2.0, 1.0, 0.0])
    assert round(sampling.apply_temperature(logits, 1.0)[1], 2) == 0.24
    assert round(sampling.apply_temperature(logits, 0.5)[1], 2) == 0.12
    # a low temperature always raises the top token and lowers the last
    for t in (0.9, 0.5, 0.1):
        p = sampling.apply_temperature(logits, t)
        q = sampling.apply_temperature(logits, 1.0)
        assert p[0] > q[0] and p[-1] < q[-1]
