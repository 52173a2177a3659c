"""PCA against an autoencoder: the same held-out digits squeezed into k numbers and rebuilt.

Both were fitted on the same 1,438 training digits (8×8 pixels, 64 numbers each); none of the
359 held-out digits here was seen by either. PCA keeps each digit's coordinates along its first
k principal directions, a linear map. The autoencoder is a small neural network (one for each k)
whose encoder squeezes the digit into k numbers and whose decoder rebuilds it: a non-linear map.
The chart measures both on all 359 held-out digits: the mean squared error per pixel (pixels run
from 0 to 1), lower is better.
"""

import numpy as np

from genai_course import autoencoder, digits, gan, svg
from genai_course.demo import Choice, Number, Panel, View

HELDOUT = digits.heldout()
MODELS = autoencoder.load_models()
SHOWN = 5  # digits per row

# held-out error of both methods at every k, on all 359 digits: computed once (a few ms)
PCA_ERRORS = {
    k: autoencoder.reconstruction_errors(
        HELDOUT.images, autoencoder.pca_reconstruct(HELDOUT.images, k)
    )
    for k in autoencoder.CODE_SIZES
}
AE_ERRORS = {
    k: autoencoder.reconstruction_errors(
        HELDOUT.images, autoencoder.reconstruct(MODELS[k], HELDOUT.images)
    )
    for k in autoencoder.CODE_SIZES
}

CONTROLS = [
    Choice(
        "k",
        "Numbers kept per digit, k",
        tuple((str(k), f"{k} of 64") for k in autoencoder.CODE_SIZES),
        default="4",
    ),
    Choice(
        "digit",
        "Which held-out digits",
        (("any", "any digit"), *((str(d), f"only {d}s") for d in range(10))),
        default="any",
    ),
    Number("seed", "Random seed (picks the five digits)", 0, 2**32 - 1, default=0, integer=True),
]


def pick(digit: str, seed: int) -> np.ndarray:
    """The indices of SHOWN held-out digits, drawn without replacement with this seed."""
    pool = np.arange(HELDOUT.labels.size)
    if digit != "any":
        pool = pool[HELDOUT.labels == int(digit)]
    chosen = np.random.default_rng(seed).choice(pool, size=SHOWN, replace=False)
    return np.sort(chosen)


def render(k: str, digit: str, seed: int) -> View:
    size = int(k)
    chosen = pick(digit, seed)
    originals = HELDOUT.images[chosen]
    by_pca = autoencoder.pca_reconstruct(originals, size)
    by_ae = autoencoder.reconstruct(MODELS[size], originals)
    pca_err, ae_err = PCA_ERRORS[size][chosen], AE_ERRORS[size][chosen]
    pca_wins = int(np.sum(pca_err <= ae_err))
    # each direction drawn with 0 as mid-grey, scaled by its largest entry
    v = autoencoder.load_pca().components[:size].reshape(size, 8, 8)
    directions = 0.5 + 0.5 * v / np.abs(v).max(axis=(1, 2), keepdims=True)
    summary = (
        f"k = {size}: on these five digits the mean squared error per pixel is "
        f"{pca_err.mean():.4f} for PCA and {ae_err.mean():.4f} for the autoencoder "
        f"(PCA rebuilds {pca_wins} of the 5 at least as well). On all 359 held-out digits: "
        f"PCA {PCA_ERRORS[size].mean():.4f}, autoencoder {AE_ERRORS[size].mean():.4f}."
    )
    sizes = autoencoder.CODE_SIZES
    pca_mean = [float(PCA_ERRORS[j].mean()) for j in sizes]
    ae_mean = [float(AE_ERRORS[j].mean()) for j in sizes]
    beaten = [int(np.sum(PCA_ERRORS[j] <= AE_ERRORS[j])) for j in sizes]
    return View(
        [
            Panel(
                f"Five held-out digits, each rebuilt from {size} numbers",
                svg.image_rows(
                    [
                        ("Held-out digits (64 pixels each)", gan.mosaic(originals, SHOWN)),
                        (f"PCA, {size} numbers each", gan.mosaic(by_pca, SHOWN)),
                        (f"Autoencoder, {size} numbers each", gan.mosaic(by_ae, SHOWN)),
                    ],
                    title=f"Five held-out digits and their reconstructions from {size} numbers",
                    description=summary,
                    id_prefix="ae-digits",
                ),
                alt=svg.data_table(
                    np.stack([pca_err, ae_err]),
                    ["PCA", "autoencoder"],
                    [f"digit {HELDOUT.labels[i]}" for i in chosen],
                    caption="Mean squared error per pixel of each digit shown (lower is better)",
                    value_format="{:.4f}",
                ),
                caption=f"Error per pixel on these five: PCA {pca_err.mean():.4f}, autoencoder "
                f"{ae_err.mean():.4f}. PCA's pixels are clipped to 0–1 for drawing.",
            ),
            Panel(
                f"What PCA's {size} numbers weigh: its first {size} directions",
                svg.image(
                    gan.mosaic(directions, min(size, 8)),
                    title=f"PCA's first {size} principal directions as 8×8 images",
                    description="Grey is 0, lighter positive, darker negative. A digit rebuilt "
                    "by PCA is the mean digit plus its k numbers times these patterns.",
                    size=35.0 * min(size, 8),
                    id_prefix="ae-directions",
                ),
                caption="Grey is 0, lighter positive, darker negative. PCA rebuilds a digit as "
                "the mean digit plus its k numbers times these patterns; the autoencoder's k "
                "numbers have no such picture: only its decoder knows what they mean.",
            ),
            Panel(
                "Held-out error against k (all 359 digits)",
                svg.bar_chart(
                    pca_mean,
                    [str(j) for j in sizes],
                    overlay=ae_mean,
                    series_names=("PCA", "autoencoder"),
                    highlight=[sizes.index(size)],
                    value_format="{:.3f}",
                    title="Held-out reconstruction error against code size k",
                    description="Mean squared error per pixel on the 359 held-out digits: PCA "
                    + ", ".join(f"{e:.4f}" for e in pca_mean)
                    + "; autoencoder "
                    + ", ".join(f"{e:.4f}" for e in ae_mean)
                    + f" for k = {', '.join(map(str, sizes))}.",
                    id_prefix="ae-errors",
                ),
                alt=svg.data_table(
                    np.array([pca_mean, ae_mean, beaten], dtype=np.float64),
                    ["PCA", "autoencoder", "digits PCA rebuilds at least as well"],
                    [f"k = {j}" for j in sizes],
                    caption="Held-out mean squared error per pixel (359 digits)",
                    row_formats=["{:.4f}", "{:.4f}", "{:.0f}"],
                ),
                caption=f"Bars: PCA; orange marks: the autoencoder. At k = {size}, PCA rebuilds "
                f"{beaten[sizes.index(size)]} of the 359 held-out digits at least as well as "
                "the autoencoder.",
            ),
        ],
        summary=summary,
    )


if __name__ == "__main__":
    print(render("4", "any", 0).summary)
