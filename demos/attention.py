"""Self-attention, step by step: who is "it" in "The cat drank the milk because it was hungry"?

Three models to choose from. The default is a tiny word-level encoder trained (offline, on
made-up sentences of that kind) to say what "it" refers to; one of its heads does the work, and
you can switch that head off (see genai_course.coreference). The second is small, fixed and NOT
trained: word vectors and projection matrices are drawn from a seeded random generator (see
genai_course.toy), so its patterns show how attention is computed — Q·Kᵀ, ÷√d_k, mask, softmax,
·V — not what a model has learned. The third is the tiny GPT of the course, a real trained model
that reads characters; its heads are causal.
"""

import numpy as np

from genai_course import attention, coreference, gpt, svg, toy
from genai_course.demo import Choice, ControlError, ControlState, Panel, Slider, Text, Toggle, View

D_MODEL = 64
NUM_HEADS = 4

RESOLVER = coreference.load_model()
# The tiny GPT is read only when it is chosen (gpt.load_model() reads it once); the sliders need
# only its sizes.
GPT_LAYERS, GPT_HEADS = gpt.packaged_sizes()
# the head that resolves "it", counted from 1 as the sliders count
R_LAYER, R_HEAD = (i + 1 for i in RESOLVER.resolver_head)

CONTROLS = [
    Choice(
        "model",
        "Model",
        (
            ("it", "trained to resolve “it” (words)"),
            ("toy", "seeded, untrained (words)"),
            ("gpt", "tiny GPT, trained (characters)"),
        ),
        default="it",
    ),
    Text(
        "sentence",
        "Sentence",
        default="The cat drank the milk because it was hungry",
        max_length=300,
        help="Try your own: two or three nouns (an animal or person, a food, an object), “it”, "
        "and a word that fits only one of them.",
    ),
    Text(
        "sentence_2",
        "Second sentence, side by side (trained “it” model)",
        default="The cat drank the milk because it was sweet",
        max_length=300,
    ),
    Slider("head", "Attention head", 1, max(NUM_HEADS, GPT_HEADS), 1, default=R_HEAD),
    Slider("layer", "Layer", 1, max(GPT_LAYERS, RESOLVER.n_layer), 1, default=R_LAYER),
    Toggle(
        "silence",
        f"Switch off layer {R_LAYER}, head {R_HEAD}, the head that resolves “it”",
        default=False,
    ),
    Toggle("causal", "Causal mask (untrained model: a token sees only itself and earlier ones)"),
    Choice(
        "step",
        "Scores shown",
        (("scaled", "Q·Kᵀ ÷ √d_k"), ("masked", "after the mask"), ("raw", "Q·Kᵀ")),
        default="scaled",
    ),
]


def control_states(values: dict) -> dict[str, ControlState]:
    """What each control offers for the chosen model: its own number of layers and heads, and
    the controls of the other models greyed, with the reason."""
    off = ControlState(disabled=True, note="Used by the “it” model only.")
    if values["model"] == "it":
        fixed = "The “it” model sees the whole sentence: its mask is fixed by training."
        return {
            "head": ControlState(max=RESOLVER.n_head),
            "layer": ControlState(max=RESOLVER.n_layer),
            "causal": ControlState(disabled=True, note=fixed),
            "step": ControlState(disabled=True, note="For the untrained model's scores."),
        }
    if values["model"] == "gpt":
        return {
            "sentence_2": off,
            "head": ControlState(max=GPT_HEADS),
            "layer": ControlState(max=GPT_LAYERS),
            "silence": off,
            "causal": ControlState(disabled=True, note="The tiny GPT is always causal."),
            "step": ControlState(disabled=True, note="For the untrained model's scores."),
        }
    masked = {} if values["causal"] else {"note": "No mask is on: switch on the causal mask."}
    return {
        "sentence_2": off,
        "layer": ControlState(disabled=True, note="The untrained model has one layer."),
        "silence": off,
        "step": ControlState(**masked) if values["step"] == "masked" else ControlState(),
    }


def trained_heads(sentence: str, layer: int, head: int) -> View:
    """The attention weights of one real head of the tiny GPT, over the sentence's characters."""
    model = gpt.load_model()
    text = sentence[-model.block_size :]
    _, weights = gpt.forward(model, gpt.encode(model, text))
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


def resolved(sentence: str, layer: int, head: int, silence: bool, index: int) -> Panel:
    """One sentence: the chosen head's weights, the row of "it" outlined, the model's answer."""
    silenced = RESOLVER.resolver_head if silence else None
    r = coreference.resolve(RESOLVER, sentence, silenced)
    w = r.weights[layer - 1, head - 1]
    answer, p = r.tokens[r.referent], float(np.max(r.probs))
    looked_at = r.tokens[int(np.argmax(w[r.it]))]
    off = f" with layer {R_LAYER}, head {R_HEAD} switched off" if silence else ""
    return Panel(
        f"“{sentence}”",
        svg.heatmap(
            w,
            r.tokens,
            r.tokens,
            title=f"Layer {layer}, head {head}: {sentence}",
            description=f"Rows are words, columns the words they attend to; each row sums to 1. "
            f"The row of 'it' is outlined: it attends most to '{looked_at}'. The model "
            f"answers '{answer}'{off}.",
            vmin=0.0,
            vmax=1.0,
            id_prefix=f"attn-it-{index}",
            outline_row=r.it,
        ),
        alt=svg.data_table(w, r.tokens, r.tokens, caption="Attention weights (row = query)"),
        caption=f"Answer{off}: “it” is the {answer} ({p:.0%}). In layer {layer}, head {head}, "
        f"the row of “it” (outlined) peaks on “{looked_at}”.",
    )


def resolver_view(sentences: list[str], layer: int, head: int, silence: bool) -> View:
    panels = []
    for index, (sentence, control) in enumerate(
        zip(sentences, ("sentence", "sentence_2"), strict=True)
    ):
        try:
            panels.append(resolved(sentence, layer, head, silence, index))
        except ValueError as error:
            # said beside the sentence it is about
            raise ControlError(control, str(error)) from None
    note = (
        f"Layer {R_LAYER}, head {R_HEAD} resolves “it” (training told it where to look); "
        "switched off, the model can no longer tell the two sentences apart. A toy encoder "
        "trained on made-up sentences, to show the mechanism."
    )
    last = panels[-1]
    panels[-1] = Panel(last.title, last.svg, last.alt, f"{last.caption} {note}")
    # "Answer: “it” is the cat (100%). In layer …" -> "“it” is the cat (100%)"
    answers = [p.caption.split(": ", 1)[1].split(". In layer")[0] for p in panels]
    state = "switched off" if silence else "on"
    return View(
        panels,
        summary=f"Layer {R_LAYER}, head {R_HEAD} {state}: {answers[0]} in the first sentence, "
        f"{answers[1]} in the second.",
    )


def render(
    model: str,
    sentence: str,
    sentence_2: str,
    head: int,
    layer: int,
    silence: bool,
    causal: bool,
    step: str,
) -> View:
    if model == "it":
        return resolver_view([sentence, sentence_2], layer, head, silence)
    try:
        if model == "gpt":
            return trained_heads(sentence, layer, head)
        tokens = toy.split_words(sentence)
    except ValueError as error:
        raise ControlError("sentence", str(error)) from None
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
    hungry, sweet = (CONTROLS[i].default for i in (1, 2))
    for silence in (False, True):
        print(render("it", hungry, sweet, R_HEAD, R_LAYER, silence, False, "scaled").summary)
    print(render("toy", hungry, sweet, 1, 1, False, False, "scaled").summary)
    print(render("gpt", hungry, sweet, 1, 4, False, False, "scaled").summary)
