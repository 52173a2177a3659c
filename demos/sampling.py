"""Choosing the next token: temperature, top-k and top-p applied to a model's scores (logits).

The scores are made up for the prompt "The movie was …" — edit them. Temperature reshapes the
distribution, top-k keeps the k likeliest words (and any word tied with the k-th), top-p keeps
the smallest set of likeliest words whose probabilities add up to p. Then one word is drawn —
or a thousand, to compare with theory.
"""

import numpy as np

from genai_course import sampling, svg
from genai_course.demo import Choice, ControlState, Number, Panel, Slider, Text, View

DEFAULT_LOGITS = (
    "great: 2.2, good: 1.9, awesome: 1.6, fine: 1.0, okay: 0.9, bad: 0.6, long: 0.3, "
    "boring: 0.1, terrible: -0.4, purple: -2.0"
)

CONTROLS = [
    Text(
        "logits",
        "Words and their scores (word: score, …)",
        default=DEFAULT_LOGITS,
        max_length=600,
        multiline=True,
    ),
    Slider(
        "temperature",
        "Temperature",
        0,
        2,
        0.05,
        default=0.7,
        help="0 always picks the top word; 1 keeps the model's distribution; 2 is very random.",
    ),
    # its upper end follows the number of words (control_states)
    Slider(
        "top_k", "Top-k (keep the k likeliest words; ties with the k-th stay)", 1, 20, 1, default=10
    ),
    Slider("top_p", "Top-p (keep words until their mass reaches p)", 0.05, 1, 0.05, default=0.9),
    Choice(
        "draw",
        "Draw",
        (("none", "nothing"), ("one", "one word"), ("many", "1,000 words")),
        default="none",
    ),
    Number("seed", "Random seed", 0, 2**32 - 1, default=0, integer=True),
]


def parse_logits(text: str) -> tuple[list[str], np.ndarray]:
    """'great: 2.2, good: 1.9' -> (['great', 'good'], [2.2, 1.9])."""
    words, scores = [], []
    for item in text.replace("\n", ",").split(","):
        if not item.strip():
            continue
        word, colon, score = item.partition(":")
        if not colon or not word.strip():
            raise ValueError(f"Write each entry as word: score — {item.strip()!r} is not.")
        try:
            value = float(score)
        except ValueError:
            raise ValueError(
                f"The score of {word.strip()!r} is not a number: {score.strip()!r}."
            ) from None
        if not np.isfinite(value) or abs(value) > 100:
            raise ValueError(f"The score of {word.strip()!r} must be between -100 and 100.")
        words.append(word.strip())
        scores.append(value)
    if len(words) < 2:
        raise ValueError("Give at least two words with scores.")
    if len(words) > 20:
        raise ValueError(f"At most 20 words, got {len(words)}.")
    if len(set(words)) != len(words):
        raise ValueError("Each word may appear only once.")
    return words, np.array(scores)


def control_states(values: dict) -> dict[str, ControlState]:
    """Top-k offers as many words as there are; what changes nothing here says why."""
    states = {}
    try:
        words, _ = parse_logits(values["logits"])
    except ValueError:
        words = []  # render says what is wrong with the scores
    if words:
        states["top_k"] = ControlState(max=len(words))
    if values["temperature"] == 0:
        greedy = "At temperature 0 the top word is always chosen: nothing is left to filter."
        states["top_k"] = ControlState(max=len(words) or None, note=greedy)
        states["top_p"] = ControlState(note=greedy)
    if values["draw"] == "none":
        states["seed"] = ControlState(disabled=True, note="Used when words are drawn.")
    elif values["temperature"] == 0:
        states["seed"] = ControlState(note="At temperature 0 every draw is the top word.")
    return states


def render(logits: str, temperature: float, top_k: int, top_p: float, draw: str, seed: int) -> View:
    words, scores = parse_logits(logits)
    k = top_k
    steps = sampling.sampling_steps(scores, temperature, k, top_p)
    final = steps["final"]
    kept = [i for i, p in enumerate(final) if p > 0]
    panels = [
        Panel(
            f"After temperature {temperature:g}",
            svg.bar_chart(
                steps["temperature"],
                words,
                title=f"Probabilities after temperature {temperature:g}",
                description="softmax(logits / temperature); the line marks the top-p cutoff.",
                cutoff=steps["top_p_cutoff"],
                id_prefix="sampling-temperature",
            ),
            alt=svg.data_table(
                np.array([steps["temperature"]]).T,
                words,
                ["probability"],
                caption="After temperature",
                value_format="{:.3f}",
            ),
        ),
        Panel(
            f"After top-k {k} and top-p {top_p:g}: {len(kept)} words left",
            svg.bar_chart(
                final,
                words,
                title="Probabilities the next word is drawn from",
                description=f"{len(kept)} words keep probability after top-k and top-p; "
                "the rest are set to zero and the kept ones renormalised.",
                highlight=kept,
                id_prefix="sampling-final",
            ),
            alt=svg.data_table(
                np.array([final]).T,
                words,
                ["probability"],
                caption="Final probabilities",
                value_format="{:.3f}",
            ),
        ),
    ]
    top = int(np.argmax(final))
    summary = (
        f"{len(kept)} of {len(words)} words can be drawn; "
        f"the likeliest is '{words[top]}' ({final[top]:.2f})."
    )
    rng = np.random.default_rng(seed)
    if draw == "one":
        token = sampling.sample_next_token(scores, temperature, k, top_p, rng=rng)
        summary = f"Drew '{words[token]}' (probability {final[token]:.2f}). " + summary
        drawn_one = panels[1]
        panels[1] = Panel(
            f"{drawn_one.title}; drew “{words[token]}”",
            drawn_one.svg,
            drawn_one.alt,
            f"Seed {seed} drew “{words[token]}”, probability {final[token]:.2f}.",
        )
    elif draw == "many":
        drawn = sampling.sample_many(scores, 1000, temperature, k, top_p, rng=rng)
        frequencies = np.bincount(drawn, minlength=len(words)) / 1000
        panels.append(
            Panel(
                "1,000 draws against the expected probabilities",
                svg.bar_chart(
                    frequencies,
                    words,
                    overlay=final,
                    series_names=("observed", "expected"),
                    title="Observed frequencies (bars) and expected probabilities (marks)",
                    description="With 1,000 draws the frequencies land close to the probabilities.",
                    id_prefix="sampling-draws",
                ),
                alt=svg.data_table(
                    np.array([frequencies, final]).T,
                    words,
                    ["observed", "expected"],
                    caption="1,000 draws",
                    value_format="{:.3f}",
                ),
            )
        )
        summary = "Drew 1,000 words; " + summary
    return View(panels, summary=summary)


if __name__ == "__main__":
    print(render(DEFAULT_LOGITS, 0.7, 10, 0.9, "many", 0).summary)
