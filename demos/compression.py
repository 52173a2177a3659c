"""Compression with PCA: a 128 × 128 image (16,384 pixels) stored as just k numbers.

PCA is fitted once on a family of faces; each face is then stored as its k coordinates along the
first k principal components. The notes' autoencoder example keeps 100 numbers — marked below.
Single-image SVD is shown for contrast: it cannot go below 257 numbers even at rank 1.
"""

import numpy as np

from genai_course import compression, svg
from genai_course.demo import Panel, Slider, View

NUM_FACES = 120

# fitted once when the program is loaded, not on every slider move
_faces = compression.image_family(NUM_FACES, np.random.default_rng(0))
MEAN, COMPONENTS, SINGULAR_VALUES = compression.pca_fit(_faces.reshape(NUM_FACES, -1))
TEST_FACE = compression.test_image(128)


# the quality curve does not depend on the slider: compute it once
_, PSNRS = compression.pca_errors(TEST_FACE.reshape(-1), MEAN, COMPONENTS)

CONTROLS = [
    Slider(
        "k",
        "Numbers kept per image, k",
        1,
        len(SINGULAR_VALUES),
        1,
        default=min(compression.SEED_K, len(SINGULAR_VALUES)),
    ),
]


def render(k: int) -> View:
    x = TEST_FACE.reshape(-1)
    code = compression.pca_compress(x, MEAN, COMPONENTS, k)
    restored = compression.pca_reconstruct(code, MEAN, COMPONENTS).reshape(128, 128)
    mse, psnr = compression.reconstruction_error(TEST_FACE, restored)
    ks = np.arange(1, len(SINGULAR_VALUES) + 1)
    summary = (
        f"k = {k}: {compression.SEED_PIXELS:,} pixels stored as {k} numbers "
        f"({compression.SEED_PIXELS / k:,.0f}× fewer); reconstruction PSNR {psnr:.1f} dB, "
        f"mean squared error {mse:.4f}."
    )
    return View(
        [
            Panel(
                "Original, 128 × 128 = 16,384 pixels",
                svg.image(
                    TEST_FACE,
                    title="Original face",
                    description="A drawn face that PCA was not fitted on.",
                    size=192,
                    id_prefix="pca-original",
                ),
            ),
            Panel(
                f"Rebuilt from {k} numbers",
                svg.image(
                    np.clip(restored, 0, 1),
                    title=f"Reconstruction from {k} numbers",
                    description=summary,
                    size=192,
                    id_prefix="pca-restored",
                ),
                caption=summary,
            ),
            Panel(
                "Quality against the number of numbers kept",
                svg.bar_chart(
                    PSNRS,
                    [str(j) for j in ks],
                    title="PSNR of the reconstruction",
                    description="Higher is better; the highlighted bar is k = 100, the notes' "
                    "autoencoder example.",
                    highlight=[compression.SEED_K - 1, k - 1]
                    if len(ks) >= compression.SEED_K
                    else [k - 1],
                    value_format="{:.0f}",
                    id_prefix="pca-curve",
                ),
                caption="Highlighted: k = 100 (the notes' example) and your k.",
            ),
        ],
        summary=summary,
    )


if __name__ == "__main__":
    print(render(100).summary)
