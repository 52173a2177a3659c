"""Watch a language model learn: pre-training a tiny character model in your browser.

Pick a text and a model, then choose Train. Each step takes a batch of random windows of the
text, asks the model for the next character at each position, measures the cross-entropy of the
true next character (the loss, in nats per character), backpropagates it through every layer and
moves every weight with AdamW (genai_course.backprop). The curves show the loss on the training
text and on held-out text the model never trains on; the dashed lines are a uniform guess (log V)
and the bigram, which only counts pairs of characters. Every so often the model writes a sample.

Training runs in short parts (a second each), so Paused, a new control value or Stop
takes effect at once; the model is kept between them.
"""

import time
from collections.abc import Callable, Iterator
from functools import partial

import numpy as np

from genai_course import charlm, svg
from genai_course.demo import Choice, ControlError, ControlState, Number, Panel, Slider, Text, View

COURSE = charlm.course_text()
EXAMPLES = charlm.example_text()
LEARNING_RATES = ("0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "1", "10", "1000")
# one part of training: at most this many steps or seconds, then the page asks for the next part
PART_STEPS = 250
PART_SECONDS = 1.0
# how often, in seconds of training, the model writes a new sample
SAMPLE_SECONDS = 2.0
# a run that long is done: the curve has flattened long before
MAX_STEPS = 20_000

CONTROLS = [
    Choice(
        "text",
        "Training text",
        (
            ("course", f"The course's text ({len(COURSE):,} characters)"),
            ("examples", f"Example sentences ({len(EXAMPLES):,}: it memorises)"),
            ("own", "Your own text (below)"),
        ),
        default="course",
    ),
    Text(
        "own_text",
        f"Your text (at most {charlm.MAX_TEXT:,} characters; kept in this browser)",
        default="Replace this text with your own: a poem, a recipe, a page of notes. The model "
        "learns from whatever you paste here, and only from that.",
        max_length=charlm.MAX_TEXT,
        multiline=True,
        keep=True,
        optional=True,
    ),
    Choice(
        "model",
        "Model",
        (
            ("bigram", "Bigram: counted pairs"),
            ("mlp", "MLP (Bengio et al., 2003)"),
            ("transformer", "One transformer block"),
        ),
        default="mlp",
        help="The bigram counts which character follows which; the MLP reads the last few "
        "characters through learned embeddings; the transformer block lets each position "
        "attend to the ones before it.",
    ),
    Choice(
        "action",
        "Training",
        (("pause", "Paused"), ("train", "Train"), ("reset", "Start over")),
        default="pause",
        help="Start over draws new weights; choose Train to train them.",
    ),
    Choice("lr", "Learning rate", tuple((v, v) for v in LEARNING_RATES), default="0.003"),
    Slider("batch", "Batch size (windows per step)", 1, 128, 1, default=32),
    Slider("context", "Context length (characters read)", 1, 32, 1, default=8),
    Slider("width", "Width (numbers per character)", 8, 64, 8, default=16),
    Number(
        "seed", "Random seed (initial weights and batches)", 0, 2**32 - 1, default=0, integer=True
    ),
    Text("prompt", "Prompt for the sample", default="The model ", max_length=100),
    Slider("temperature", "Temperature", 0, 2, 0.05, default=0.8),
    Slider("top_k", "Top-k", 1, 128, 1, default=128),
    Slider("top_p", "Top-p", 0.05, 1, 0.05, default=1),
]

# The model in training: kept between runs (the worker keeps this program loaded).
STATE: dict[str, object] = {}


def control_states(values: dict) -> dict[str, ControlState]:
    states = {}
    if values["text"] != "own":
        states["own_text"] = ControlState(note="Choose 'Your own text' above to train on it.")
    chosen = {"course": COURSE, "examples": EXAMPLES, "own": values["own_text"]}[values["text"]]
    longest = charlm.max_context(len(chosen))
    if longest < 32:
        states["context"] = ControlState(
            max=max(1, longest), note=f"This text is short: at most {max(1, longest)} characters."
        )
    if values["model"] == "bigram":
        counted = ControlState(disabled=True, note="The bigram is counted, not trained.")
        for name in ("action", "lr", "batch", "context", "width", "seed"):
            states[name] = counted
    elif values["action"] != "train":
        later = ControlState(note="Used while training.")
        states["lr"] = states["batch"] = later
    if values["temperature"] == 0:
        greedy = ControlState(note="At temperature 0 the likeliest character is always taken.")
        states["top_k"] = states["top_p"] = greedy
    return states


def corpus_for(text: str, own_text: str) -> tuple[charlm.Corpus, float]:
    """The chosen text split for training, and its bigram's held-out loss (both cached)."""
    if text == "own" and (len(own_text) < 20 or len(set(own_text)) < 2):
        raise ControlError(
            "own_text",
            "Paste a text of at least 20 characters, with at least two different ones "
            f"(this one has {len(own_text)}): a model learns which character follows which.",
        )
    chosen = {"course": COURSE, "examples": EXAMPLES, "own": own_text}[text]
    cached = STATE.get("corpus")
    if not (isinstance(cached, tuple) and cached[0] == chosen):
        corpus = charlm.make_corpus(chosen, None if text == "course" else charlm.MAX_TEXT)
        table = charlm.bigram_table(corpus.train, len(corpus.vocab))
        cached = (chosen, corpus, table, charlm.bigram_loss(table, corpus.held_out))
        STATE["corpus"] = cached
    return cached[1], cached[3]


def trainer_for(
    corpus: charlm.Corpus, config: charlm.ModelConfig, seed: int, reset: bool
) -> tuple[charlm.Trainer, str]:
    """The model in training for these settings; a new one (and why) if they changed."""
    current = STATE.get("trainer")
    same = isinstance(current, charlm.Trainer) and (
        current.corpus,
        current.config,
        current.seed,
    ) == (
        corpus,
        config,
        seed,
    )
    if same and not reset:
        assert isinstance(current, charlm.Trainer)
        return current, ""
    if reset:
        why = "Started over with new weights: choose Train to train them."
    elif current is None:
        why = ""
    else:
        why = "New model for these settings: training starts again from step 0."
    trainer = charlm.Trainer(corpus, config, seed)
    STATE["trainer"] = trainer
    return trainer, why


def loss_panel(trainer: charlm.Trainer, bigram: float) -> Panel:
    steps = np.array([s for s, _, _ in trainer.evals], dtype=np.float64)
    train = np.array([t for _, t, _ in trainer.evals])
    held = np.array([h for _, _, h in trainer.evals])
    uniform = np.log(len(trainer.corpus.vocab))
    if steps.size == 1:  # one point is not a line yet: draw it flat across one step
        steps, train, held = np.array([0.0, 1.0]), np.repeat(train, 2), np.repeat(held, 2)
    rows = [f"{int(s):,}" for s in steps]
    return Panel(
        "Loss while training (nats per character)",
        svg.line_chart(
            steps,
            {
                # short names: the legend cuts longer ones
                "training": train,
                "held-out": held,
                "uniform": np.full(steps.shape, uniform),
                "bigram": np.full(steps.shape, bigram),
            },
            title="Cross-entropy of the true next character: on the training text, on held-out "
            "text, for a uniform guess (log V) and for the bigram (held-out)",
            description=f"After {trainer.steps:,} steps: training loss {train[-1]:.3f}, "
            f"held-out loss {held[-1]:.3f}; bigram {bigram:.3f}, uniform guess {uniform:.3f}.",
            x_label="step",
            y_label="loss",
            id_prefix="lm-loss",
        ),
        alt=svg.data_table(
            np.stack([train, held], axis=1),
            rows,
            ["training loss", "held-out loss"],
            caption="Loss at each evaluation (nats per character)",
            value_format="{:.6f}",
        ),
    )


def sample_panel(sample: str, prompt: str, step: int, model: str) -> Panel:
    return Panel(
        f"What the {model} writes after {step:,} steps",
        "",
        caption=f"{prompt}▌{sample}",
    )


def view(
    trainer: charlm.Trainer,
    bigram: float,
    sample: tuple[str, int],
    prompt: str,
    note: str,
    speed: float | None,
    again: bool = False,
) -> View:
    held = trainer.evals[-1][2]
    summary = (
        f"{note + ' ' if note else ''}Step {trainer.steps:,}: held-out loss {held:.3f} "
        f"(bigram {bigram:.3f}, uniform guess {np.log(len(trainer.corpus.vocab)):.3f})."
    )
    if trainer.stopped:
        summary = f"{trainer.stopped} {summary}"
    if speed is not None:
        summary += f" Speed: {speed:.0f} steps per second."
    return View(
        [
            loss_panel(trainer, bigram),
            # the sample says after how many steps it was written (it may be a little older)
            sample_panel(sample[0], prompt, sample[1], trainer.config.kind),
        ],
        summary,
        again=again,
    )


def render(
    text: str,
    own_text: str,
    model: str,
    action: str,
    lr: str,
    batch: int,
    context: int,
    width: int,
    seed: int,
    prompt: str,
    temperature: float,
    top_k: int,
    top_p: float,
) -> Iterator[View | Callable[[], View]]:
    corpus, bigram = corpus_for(text, own_text)
    try:
        corpus.encode(prompt)
    except ValueError as error:
        raise ControlError("prompt", str(error)) from None
    top_k = min(top_k, len(corpus.vocab))

    def write(params: object, config: charlm.ModelConfig) -> str:
        # the same seed writes the same text from the same weights
        rng = np.random.default_rng(seed)
        # weights kept after a loss that was not a number may be huge: say nothing of overflow
        with np.errstate(over="ignore", invalid="ignore"):
            return charlm.generate(
                config, params, corpus, prompt, 80, temperature, top_k, top_p, rng
            )

    if model == "bigram":
        table = STATE["corpus"][2]  # type: ignore[index]
        config = charlm.ModelConfig("bigram", len(corpus.vocab))
        ids = corpus.encode(prompt)
        odds = table[ids[-1] if len(ids) else 0]
        top = np.argsort(-odds)[:12]
        yield View(
            [
                Panel(
                    f"What follows {corpus.vocab[ids[-1] if len(ids) else 0]!r}, by count",
                    svg.bar_chart(
                        odds[top],
                        [repr(corpus.vocab[i])[1:-1].replace(" ", "·") for i in top],
                        title="The bigram's next-character odds",
                        description="The share of each character after the prompt's last "
                        "character in the training text (plus one for every pair).",
                        id_prefix="lm-bigram",
                    ),
                ),
                sample_panel(write(table, config), prompt, 0, "bigram"),
            ],
            f"The bigram counts which character follows which in the training text: held-out "
            f"loss {bigram:.3f} nats per character (a uniform guess: "
            f"{np.log(len(corpus.vocab)):.3f}).",
        )
        return
    config = charlm.ModelConfig(model, len(corpus.vocab), context=context, width=width)
    trainer, note = trainer_for(corpus, config, seed, reset=action == "reset")
    # a sample is kept with what wrote it: (trainer, settings, text, step, time written)
    settings = (prompt, temperature, top_k, top_p, seed)
    kept = STATE.get("sample")
    mine = isinstance(kept, tuple) and kept[0] is trainer and kept[1] == settings
    sample: tuple[str, int] = (kept[2], kept[3]) if mine else ("", -1)  # type: ignore[index]

    def new_sample() -> tuple[str, int]:
        text = write(trainer.params, config)
        STATE["sample"] = (trainer, settings, text, trainer.steps, time.perf_counter())
        return text, trainer.steps

    if action != "train" or trainer.stopped or trainer.steps >= MAX_STEPS:
        if trainer.steps >= MAX_STEPS:
            note = f"Trained {MAX_STEPS:,} steps, this demo's limit; start over to train again."
        if sample[1] != trainer.steps:
            if mine:  # answer at once with the last sample, then write one from these weights
                yield view(trainer, bigram, sample, prompt, note, None)
            sample = new_sample()
        yield view(trainer, bigram, sample, prompt, note, None)
        return
    started, first = time.perf_counter(), trainer.steps
    # writing a sample costs as much as many steps: a new one every SAMPLE_SECONDS of training
    due = not mine or started - kept[4] >= SAMPLE_SECONDS  # type: ignore[index]
    if not mine:
        sample, due = new_sample(), False
    # the page redraws only when the curve has a new point: the same step yielded between two
    # evaluations is not sent again (and the page's thread is left alone)
    shown = partial(view, trainer, bigram, sample, prompt, note, None, True)
    while trainer.steps - first < PART_STEPS and time.perf_counter() - started < PART_SECONDS:
        evaluations = len(trainer.evals)
        trainer.step(float(lr), batch)
        if trainer.stopped or trainer.steps >= MAX_STEPS:
            break
        if len(trainer.evals) > evaluations:
            shown = partial(view, trainer, bigram, sample, prompt, note, None, True)
        yield shown
    speed = (trainer.steps - first) / max(time.perf_counter() - started, 1e-9)
    if due:
        sample = new_sample()
    yield view(
        trainer,
        bigram,
        sample,
        prompt,
        note,
        speed,
        again=not trainer.stopped and trainer.steps < MAX_STEPS,
    )


if __name__ == "__main__":
    *_, last = render(
        "course", "", "mlp", "train", "0.003", 32, 8, 16, 0, "The model ", 0.8, 128, 1.0
    )
    assert isinstance(last, View)
    print(last.summary)
