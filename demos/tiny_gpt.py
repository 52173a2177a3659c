"""A tiny GPT that writes: a character-level transformer trained on this course's own text.

It has 4 layers of 4 attention heads, 64 numbers per character and reads up to 64 characters
(past 64, its window jumps on by 32). Each step it scores every possible next character, applies
temperature, top-k and top-p exactly as the sampling demo does, and draws one; the keys and values
of the characters already read are kept (a key/value cache), so a step computes only the newest
character. Its attention maps are real, learned heads.
"""

import time
from collections.abc import Callable, Iterator
from functools import partial

import numpy as np

from genai_course import gpt, svg
from genai_course.demo import ControlState, Number, Panel, Slider, Text, View

MODEL = gpt.load_model()

CONTROLS = [
    Text("prompt", "Prompt", default="The movie was", max_length=200),
    Slider("length", "Characters to write", 1, 200, 1, default=80),
    Slider("temperature", "Temperature", 0, 2, 0.05, default=0.7),
    Slider("top_k", "Top-k", 1, len(MODEL.vocab), 1, default=len(MODEL.vocab)),
    Slider("top_p", "Top-p", 0.05, 1, 0.05, default=0.9),
    Number("seed", "Random seed", 0, 2**32 - 1, default=0, integer=True),
    Slider("layer", "Attention map: layer", 1, MODEL.n_layer, 1, default=MODEL.n_layer),
    Slider("head", "Attention map: head", 1, MODEL.n_head, 1, default=1),
]


def text_and_odds(prompt: str, steps: list[gpt.GenerationStep]) -> list[Panel]:
    """The text written so far, and the odds the last character was drawn from."""
    step = steps[-1]
    written = "".join(s.char for s in steps)
    return [
        Panel(
            "What it wrote",
            svg.token_strip(
                [prompt, *[s.char for s in steps]],
                [0, *[s.token_id for s in steps]],
                title="Generated text",
                description=prompt + written,
                id_prefix="gpt-text",
            ),
            caption=f"{prompt}▌{written}",
        ),
        Panel(
            f"Candidates for character {len(steps)}",
            svg.bar_chart(
                [p for _, p in step.candidates],
                [repr(c)[1:-1].replace(" ", "·") for c, _ in step.candidates],
                title=f"Most likely characters at step {len(steps)}",
                description=f"The distribution it drew {step.char!r} from (probability "
                f"{step.probability:.2f}), after temperature, top-k and top-p.",
                id_prefix="gpt-candidates",
            ),
        ),
    ]


def control_states(values: dict) -> dict[str, ControlState]:
    """At temperature 0 the likeliest character is always taken: say so where nothing changes."""
    if values["temperature"] != 0:
        return {}
    greedy = ControlState(note="At temperature 0 the likeliest character is always taken.")
    return {"top_k": greedy, "top_p": greedy, "seed": greedy}


def writing(prompt: str, steps: list[gpt.GenerationStep], length: int) -> View:
    """The text so far, while the next characters are computed."""
    return View(text_and_odds(prompt, steps), f"Writing… {len(steps)} of {length} characters.")


def render(
    prompt: str,
    length: int,
    temperature: float,
    top_k: int,
    top_p: float,
    seed: int,
    layer: int,
    head: int,
) -> Iterator[View | Callable[[], View]]:
    steps: list[gpt.GenerationStep] = []
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    for step in gpt.generate(MODEL, prompt, length, temperature, top_k, top_p, rng=rng):
        steps.append(step)
        if len(steps) < length:
            # the page shows the text as it grows; drawn only when shown (a few times a second)
            yield partial(writing, prompt, steps[:], length)
    seconds = time.perf_counter() - started
    written = "".join(step.char for step in steps)
    text = prompt + written
    last = steps[-1]
    window = text[-32:]
    _, attention = gpt.forward(MODEL, gpt.encode(MODEL, window))
    weights = attention[layer - 1, head - 1]
    labels = [repr(c)[1:-1].replace(" ", "·") for c in window]
    chosen = np.array([step.probability for step in steps])
    summary = (
        f"Wrote {len(written)} characters after {prompt!r}: {written!r}. The last character "
        f"was drawn with probability {last.probability:.2f}. "
        f"Speed: {len(written) / seconds:.0f} characters per second ({seconds:.2f} s)."
    )
    yield View(
        [
            *text_and_odds(prompt, steps),
            Panel(
                f"Attention of layer {layer}, head {head} over the last {len(window)} characters",
                svg.heatmap(
                    weights,
                    labels,
                    labels,
                    title=f"Layer {layer}, head {head}",
                    description="A trained, causal head: each row attends only to "
                    "itself and earlier characters; rows sum to 1.",
                    vmin=0.0,
                    vmax=1.0,
                    id_prefix="gpt-attention",
                ),
            ),
            Panel(
                "Probability of each chosen character",
                svg.line_chart(
                    np.arange(1, len(chosen) + 1),
                    {"p(chosen)": chosen},
                    title="Probability of the drawn character at each step",
                    description="Low values mark surprising choices.",
                    x_label="step",
                    y_label="probability",
                    id_prefix="gpt-steps",
                ),
            ),
        ],
        summary=summary,
    )


if __name__ == "__main__":
    *_, view = render("The movie was", 80, 0.7, len(MODEL.vocab), 0.9, 0, 4, 1)
    print(view.summary)
