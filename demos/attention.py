"""Self-attention, step by step: type a sentence and watch each token look at the others.

Two models to choose from. The default is small, fixed and NOT trained: word vectors and projection
matrices are drawn from a seeded random generator (see genai_course.toy), so its patterns show how
attention is computed — Q·Kᵀ, ÷√d_k, mask, softmax, ·V — not what a model has learned. The other is
the tiny GPT of the course, a real trained model that reads characters; its heads are causal.
"""

import numpy as np

from genai_course import attention, gpt, svg, toy
from genai_course.demo import Choice, Panel, Slider, Text, Toggle, View

D_MODEL = 64
NUM_HEADS = 4

TINY_GPT = gpt.load_model()

CONTROLS = [
    Choice(
        "model",
        "Model",
        (("toy", "seeded, untrained (words)"), ("gpt", "tiny GPT, trained (characters)")),
        default="toy",
    ),
    Text(
        "sentence",
        "Sentence",
        default="The cat drank the milk because it was hungry",
        max_length=300,
        help="Try its twin: The cat drank the milk because it was sweet",
    ),
    Slider("head", "Attention head", 1, NUM_HEADS, 1, default=1),
    Slider("layer", "Layer (tiny GPT only)", 1, TINY_GPT.n_layer, 1, default=1),
    Toggle("causal", "Causal mask (a token sees only itself and earlier tokens)", default=False),
    Choice(
        "step",
        "Scores shown",
        (("scaled", "Q·Kᵀ ÷ √d_k"), ("masked", "after the mask"), ("raw", "Q·Kᵀ")),
        default="scaled",
    ),
]


def trained_heads(sentence: str, layer: int, head: int) -> View:
    """The attention weights of one real head of the tiny GPT, over the sentence's characters."""
    text = sentence[-TINY_GPT.block_size :]
    _, weights = gpt.forward(TINY_GPT, gpt.encode(TINY_GPT, text))
    w = weights[layer - 1, head - 1]
    labels = [f"{i}:{c}" if c != " " else f"{i}:·" for i, c in enumerate(text)]
    focus = len(text) - 1
    target = int(w[focus].argmax())
    summary = (
        f"Tiny GPT, layer {layer}, head {head}: the last character {text[focus]!r} attends most "
        f"to {text[target]!r} at position {target} (weight {w[focus, target]:.2f})."
    )
    return View(
        [
            Panel(
                f"Trained attention weights, layer {layer}, head {head}",
                svg.heatmap(
                    w,
                    labels,
                    labels,
                    title=f"Tiny GPT attention, layer {layer}, head {head}",
                    description="A trained, causal head over the characters of the sentence; "
                    "rows are queries and sum to 1. " + summary,
                    vmin=0.0,
                    vmax=1.0,
                    id_prefix="attn-weights",
                ),
                caption="Real weights of the course's tiny GPT. It reads characters, and it is "
                "causal: the upper triangle is always empty.",
            )
        ],
        summary=summary,
    )


def render(model: str, sentence: str, head: int, layer: int, causal: bool, step: str) -> View:
    if model == "gpt":
        return trained_heads(sentence, layer, head)
    tokens = toy.split_words(sentence)
    x = toy.embed(tokens, D_MODEL)
    q, k, v = toy.head_projections(x, toy.toy_weights(D_MODEL), NUM_HEADS, head - 1)
    steps = attention.attention_steps(q, k, v, causal=causal)
    weights = steps["weights"]
    scores = {"raw": steps["scores"], "scaled": steps["scaled"], "masked": steps["masked"]}[step]
    # masked scores are -inf; show them as empty cells rather than a colour
    shown_scores = np.where(np.isfinite(scores), scores, np.nan)

    labels = [f"{i + 1}:{t}" for i, t in enumerate(tokens)]
    focus = tokens.index("it") if "it" in tokens else len(tokens) - 1
    target = int(np.argmax(weights[focus]))
    summary = (
        f"Head {head}: '{tokens[focus]}' attends most to '{tokens[target]}' "
        f"(weight {weights[focus, target]:.2f}) among {len(tokens)} tokens"
        + (" with the causal mask." if causal else ".")
    )
    step_names = {"raw": "Q·Kᵀ", "scaled": "Q·Kᵀ ÷ √d_k", "masked": "Q·Kᵀ ÷ √d_k, masked"}
    return View(
        [
            Panel(
                f"Attention weights softmax(Q·Kᵀ/√d_k), head {head}",
                svg.heatmap(
                    weights,
                    labels,
                    labels,
                    title=f"Attention weights of head {head}",
                    description="Rows are queries, columns are keys; each row sums to 1. "
                    + summary,
                    colormap="sequential",
                    vmin=0.0,
                    vmax=1.0,
                    id_prefix="attn-weights",
                ),
                alt=svg.data_table(
                    weights, labels, labels, caption="Attention weights (row = query)"
                ),
                caption="Point at a cell, or focus the map and use the arrow keys, to read its "
                "weight. Untrained, seeded weights.",
            ),
            Panel(
                f"Scores {step_names[step]}",
                svg.heatmap(
                    shown_scores,
                    labels,
                    labels,
                    title=f"Scores {step_names[step]}",
                    description="Scores before the softmax; masked cells are left empty.",
                    colormap="diverging",
                    id_prefix="attn-scores",
                ),
                alt=svg.data_table(shown_scores, labels, labels, caption="Scores (row = query)"),
            ),
            Panel(
                "Output = weights · V",
                svg.heatmap(
                    steps["output"],
                    labels,
                    [f"v{j}" for j in range(v.shape[1])],
                    title="Output of the head",
                    description="Each row is a weighted mix of the value vectors.",
                    colormap="diverging",
                    cell_titles=False,
                    id_prefix="attn-output",
                ),
                alt=f"<p>The output has {len(tokens)} rows of {v.shape[1]} numbers each.</p>",
            ),
        ],
        summary=summary,
    )


if __name__ == "__main__":
    print(
        render("toy", "The cat drank the milk because it was hungry", 1, 1, False, "scaled").summary
    )
    print(
        render("gpt", "The cat drank the milk because it was hungry", 1, 4, False, "scaled").summary
    )
