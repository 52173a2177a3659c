"""Forward diffusion: how Stable Diffusion makes its training examples, in four steps.

1. pick an image, 2. generate random noise, 3. pick an amount of noise (a timestep t),
4. add it:  x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε.  The schedule sets how fast ᾱ_t falls from 1 to 0.
"""

import numpy as np

from genai_course import diffusion, svg
from genai_course.demo import Choice, Number, Panel, Slider, View

NUM_STEPS = 1000

CONTROLS = [
    Slider("t", "Timestep t (amount of noise)", 0, NUM_STEPS - 1, 1, default=250),
    Choice(
        "schedule", "Noise schedule", (("linear", "linear"), ("cosine", "cosine")), default="linear"
    ),
    Number("seed", "Random seed for the noise", 0, 2**32 - 1, default=0, integer=True),
]


def render(t: int, schedule: str, seed: int) -> View:
    linear = diffusion.alpha_bar(diffusion.linear_beta_schedule(NUM_STEPS))
    cosine = diffusion.cosine_alpha_bar(NUM_STEPS)
    alpha_bars = linear if schedule == "linear" else cosine
    x0 = diffusion.to_signed(diffusion.test_image(64))
    eps = diffusion.sample_noise(x0.shape, np.random.default_rng(seed))
    x_t = diffusion.add_noise(x0, t, alpha_bars, eps)
    snr_db = diffusion.signal_to_noise_db(alpha_bars)
    steps = np.arange(NUM_STEPS)
    summary = (
        f"t = {t} with the {schedule} schedule: ᾱ_t = {alpha_bars[t]:.3f}, so the image keeps "
        f"√ᾱ_t = {np.sqrt(alpha_bars[t]):.2f} of its signal; signal-to-noise {snr_db[t]:.1f} dB."
    )
    return View(
        [
            Panel(
                "1. The image x₀",
                svg.image(
                    diffusion.to_pixels(x0),
                    title="Original image",
                    description="A small drawing of a house, a sun and a hill.",
                    size=192,
                    id_prefix="diff-x0",
                ),
            ),
            Panel(
                "2. Noise ε",
                svg.image(
                    diffusion.to_pixels(eps),
                    title="Gaussian noise",
                    description="Random noise drawn with the chosen seed.",
                    size=192,
                    id_prefix="diff-eps",
                ),
            ),
            Panel(
                f"3–4. Noisy image x_t at t = {t}",
                svg.image(
                    diffusion.to_pixels(x_t),
                    title=f"Noisy image at t = {t}",
                    description=summary,
                    size=192,
                    id_prefix="diff-xt",
                ),
                caption=summary,
            ),
            Panel(
                "How much signal is left: ᾱ_t of both schedules",
                svg.line_chart(
                    steps,
                    {"linear": linear, "cosine": cosine},
                    title="ᾱ_t of the linear and the cosine schedule",
                    description="ᾱ_t falls from 1 (the clean image) to nearly 0 (pure noise); the "
                    "cosine schedule keeps more signal in the early and middle steps.",
                    x_label="timestep t",
                    y_label="ᾱ_t",
                    id_prefix="diff-schedule",
                ),
                caption=f"At t = {t}: linear ᾱ_t = {linear[t]:.3f}, cosine ᾱ_t = {cosine[t]:.3f}.",
            ),
        ],
        summary=summary,
    )


if __name__ == "__main__":
    print(render(250, "linear", 0).summary)
