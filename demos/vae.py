"""VAE sampling: the reparameterisation z = μ + σ·ε with the numbers of the course notes.

The encoder's output for one image is μ = [1.0, −0.5] and log σ² = [0.1, 0.2]. Sampling many z
shows the spread the decoder has to cope with; the ellipses are where 39 % (1σ) and 86 % (2σ) of
the samples should fall. The decoder here is hand-built, not trained: moving z morphs a "1" into
a "0" (z₁) and slants it (z₂), to show what walking a smooth 2-D latent space looks like.
"""

import numpy as np

from genai_course import svg, vae
from genai_course.demo import Number, Panel, Slider, View

CONTROLS = [
    Slider("samples", "Number of samples z", 10, 5000, 10, default=1000),
    Number("seed", "Random seed", 0, 2**32 - 1, default=0, integer=True),
    Slider("z1", "Walk the latent space: z₁", -3, 3, 0.1, default=1.2),
    Slider("z2", "Walk the latent space: z₂", -3, 3, 0.1, default=-0.6),
]


def render(samples: int, seed: int, z1: float, z2: float) -> View:
    mu, log_var = np.array(vae.SEED_MU), np.array(vae.SEED_LOG_VAR)
    z = vae.sample_latents(mu, log_var, samples, np.random.default_rng(seed))
    sigma = vae.sigma(log_var)
    inside = float(np.mean(vae.mahalanobis(z, mu, log_var) <= 1.0))
    summary = (
        f"{samples} samples: mean [{z[:, 0].mean():.2f}, {z[:, 1].mean():.2f}] (μ = [1.0, −0.5]), "
        f"spread [{z[:, 0].std():.2f}, {z[:, 1].std():.2f}] (σ = [{sigma[0]:.2f}, "
        f"{sigma[1]:.2f}]); {inside:.0%} inside the 1σ ellipse (expected "
        f"{vae.ellipse_mass(1.0):.0%})."
    )
    stats = np.array(
        [
            [mu[0], sigma[0], z[:, 0].mean(), z[:, 0].std()],
            [mu[1], sigma[1], z[:, 1].mean(), z[:, 1].std()],
        ]
    )
    return View(
        [
            Panel(
                "Samples z = μ + σ·ε",
                svg.scatter(
                    z,
                    title="Sampled latent vectors",
                    description=summary,
                    outlines={
                        "1σ": vae.sigma_ellipse(mu, log_var, 1.0),
                        "2σ": vae.sigma_ellipse(mu, log_var, 2.0),
                    },
                    marked={"z = [1.2, −0.6]": vae.SEED_Z, "here": (z1, z2)},
                    extent=3.5,
                    id_prefix="vae-samples",
                ),
                alt=svg.data_table(
                    stats,
                    ["z₁", "z₂"],
                    ["μ", "σ", "sample mean", "sample std"],
                    caption="Analytic and sampled statistics",
                ),
            ),
            Panel(
                f"Decoded image at z = [{z1:.1f}, {z2:.1f}]",
                svg.image(
                    vae.decoder(np.array([z1, z2])),
                    title="Decoder output",
                    description=f"The hand-built decoder's 28 × 28 image for z = "
                    f"[{z1:.1f}, {z2:.1f}].",
                    size=168,
                    id_prefix="vae-decoded",
                ),
                caption="A 28 × 28 image, like the notes' decoder output (28, 28, 1).",
            ),
        ],
        summary=summary,
    )


if __name__ == "__main__":
    print(render(1000, 0, 1.2, -0.6).summary)
