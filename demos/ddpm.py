"""A diffusion model draws digits: start from pure noise and remove it, step by step.

A small network was trained to guess the noise ε in a noisy 8×8 digit x_t, at every noise level t
(DDPM, Ho et al. 2020). Sampling runs that backwards: from pure noise, each step asks the network
for its noise guess, works out the clean image it implies (x̂₀), and moves a little towards it.
DDPM takes all 200 steps and adds fresh noise at each; DDIM (Song et al. 2021) skips ahead and adds
none. Ask for a digit and the guidance w mixes the network's two guesses, told the digit and not:
ε̂ = ε_none + w · (ε_digit − ε_none), so w = 0 ignores the digit and w = 1 just follows it.
"""

from collections.abc import Callable, Iterator
from functools import partial

import numpy as np

from genai_course import ddpm, diffusion, svg
from genai_course.demo import Choice, ControlState, Number, Panel, Slider, View

MODEL = ddpm.load_model()
IMAGES = 16
COLUMNS = 4
FRAMES = 8  # snapshots in the trajectory strip

CONTROLS = [
    Choice(
        "digit",
        "Digit to draw",
        (("any", "any digit (no condition)"), *((str(d), str(d)) for d in range(10))),
        default="7",
    ),
    Slider("guidance", "Guidance w", 0, 8, 0.5, default=ddpm.DEFAULT_GUIDANCE),
    Choice(
        "sampler",
        "Sampler",
        (("ddim", "DDIM (choose the steps)"), ("ddpm", f"DDPM (all {MODEL.num_steps} steps)")),
        default="ddim",
    ),
    Slider("steps", "DDIM steps", 1, MODEL.num_steps, 1, default=10),
    Number("seed", "Random seed", 0, 2**32 - 1, default=0, integer=True),
]


def control_states(values: dict) -> dict[str, ControlState]:
    """Guidance needs a digit to steer towards; DDPM always walks every step."""
    states = {}
    if values["digit"] == "any":
        states["guidance"] = ControlState(
            disabled=True, note="No digit asked for: one unconditional guess per step."
        )
    if values["sampler"] == "ddpm":
        states["steps"] = ControlState(
            disabled=True, note=f"DDPM takes all {MODEL.num_steps} steps."
        )
    return states


def tiles(x: np.ndarray, columns: int) -> np.ndarray:
    """Images [n, 64] in [−1, 1] as one picture: rows of ``columns`` digits, grey lines between."""
    pixels = diffusion.to_pixels(x).reshape(-1, 8, 8)
    # a grey border on the right and bottom of each digit, then the digits laid out in a grid
    framed = np.pad(pixels, ((0, 0), (0, 1), (0, 1)), constant_values=0.5)
    rows = -(-len(framed) // columns)
    blank = np.full((rows * columns - len(framed), 9, 9), 0.5)
    grid = np.concatenate([framed, blank]).reshape(rows, columns, 9, 9)
    return grid.transpose(0, 2, 1, 3).reshape(rows * 9, columns * 9)[:-1, :-1]


def asked(digit: int | None) -> str:
    return "any digit" if digit is None else f"the digit {digit}"


def frames_of(steps: list[ddpm.SamplingStep]) -> list[ddpm.SamplingStep]:
    """Up to FRAMES steps, evenly spread over those done, the first and the latest included."""
    picks = np.unique(np.round(np.linspace(0, len(steps) - 1, min(FRAMES, len(steps)))))
    return [steps[int(i)] for i in picks]


def panels(steps: list[ddpm.SamplingStep], digit: int | None) -> list[Panel]:
    step = steps[-1]
    done = step.index == step.total
    where = f"step {step.index} of {step.total}, t = {step.t}"
    shown = [step.x_next[:1]] if done else []
    strip = np.concatenate([*(s.x_t[:1] for s in frames_of(steps)), *shown])
    guesses = np.concatenate([*(s.x0_hat[:1] for s in frames_of(steps)), *shown])
    columns = len(strip)
    frame_ts = [f"t = {s.t}" for s in frames_of(steps)] + (["x₀"] if done else [])
    noise = [s.noise_level for s in steps]
    return [
        Panel(
            "The batch: x₀, the finished digits" if done else f"The batch x_t at {where}",
            svg.image(
                tiles(step.x_next if done else step.x_t, COLUMNS),
                title="Generated digits" if done else f"Noisy digits at {where}",
                description=f"{IMAGES} images, asked for {asked(digit)}.",
                size=280,
                id_prefix="ddpm-batch",
            ),
        ),
        Panel(
            f"The model's guess x̂₀ at {where}",
            svg.image(
                tiles(step.x0_hat, COLUMNS),
                title="Predicted clean digits",
                description="x̂₀ = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t: the clean image the noise "
                "guess implies at this step.",
                size=280,
                id_prefix="ddpm-x0",
            ),
        ),
        Panel(
            "From noise to digit: the first image, x_t (top) and x̂₀ (below)",
            svg.image(
                tiles(np.concatenate([strip, guesses]), columns),
                title="Trajectory of the first image",
                description="Left to right: " + ", ".join(frame_ts) + ".",
                size=280,
                id_prefix="ddpm-strip",
            ),
            caption="Columns: " + ", ".join(frame_ts) + ".",
        ),
        Panel(
            "Noise √(1 − ᾱ_t) and signal √ᾱ_t at each step",
            svg.line_chart(
                np.arange(1, len(steps) + 1),
                {"noise": noise, "signal": np.sqrt(1.0 - np.square(noise))},
                title="Noise and signal at each step taken",
                description=f"The noise √(1 − ᾱ_t) falls from {noise[0]:.3f} to "
                f"{noise[-1]:.3f} over {len(steps)} steps, as the signal √ᾱ_t rises.",
                x_label="step",
                y_label="level",
                id_prefix="ddpm-noise",
            ),
        ),
    ]


def drawing(steps: list[ddpm.SamplingStep], digit: int | None) -> View:
    step = steps[-1]
    return View(
        panels(steps, digit),
        f"Drawing… step {step.index} of {step.total} (t = {step.t}, noise level "
        f"{step.noise_level:.3f}).",
    )


def render(
    digit: str, guidance: float, sampler: str, steps: int, seed: int
) -> Iterator[View | Callable[[], View]]:
    wanted = None if digit == "any" else int(digit)
    done: list[ddpm.SamplingStep] = []
    rng = np.random.default_rng(seed)
    for step in ddpm.sample_steps(MODEL, IMAGES, rng, wanted, guidance, sampler, steps):
        done.append(step)
        if step.index < step.total:
            # the page shows the steps as they come; drawn only when shown
            yield partial(drawing, done[:], wanted)
    last = done[-1]
    how = (
        f"DDPM in all {last.total} steps"
        if sampler == "ddpm"
        else f"DDIM in {last.total} step{'s' if last.total > 1 else ''}"
    )
    guided = "" if wanted is None else f", guidance w = {guidance:g}"
    yield View(
        panels(done, wanted),
        f"Drew {IMAGES} images of {asked(wanted)} with {how}{guided}: "
        f"{last.evaluations} network passes per image.",
    )


if __name__ == "__main__":
    *_, view = render("7", ddpm.DEFAULT_GUIDANCE, "ddim", 10, 0)
    print(view.summary)
