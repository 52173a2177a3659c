"""Compression with PCA: a 128 × 128 image (16,384 pixels) stored as just k numbers.

PCA is fitted once on a family of faces; each face is then stored as its k coordinates along the
first k principal components. The notes' autoencoder example keeps 100 numbers — marked below.
Single-image SVD is shown for contrast: it cannot go below 257 numbers even at rank 1.
"""

import numpy as np

from genai_course import compression, svg
from genai_course.demo import Panel, Slider, View

# Fitted ahead of time: compression.face_basis() fits PCA on 120 faces (a few seconds here);
# load_face_basis() reads what it found. To fit it yourself, write BASIS = compression.face_basis()
BASIS = compression.load_face_basis()
MEAN, SINGULAR_VALUES = BASIS.mean, BASIS.s
TEST_FACE = compression.test_image(128)

# The test face along every component: its k-number code is the first k of these. The
# components are never formed — each code is a weighted sum over the 120 faces.
CODE = compression.pca_code_from_images(
    TEST_FACE.reshape(-1), MEAN, BASIS.centred, BASIS.u, BASIS.s, len(SINGULAR_VALUES)
)
# the quality curve does not depend on the slider: compute it once
_, PSNRS = compression.pca_errors_from_code(TEST_FACE.reshape(-1), MEAN, CODE)

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
    code = CODE[:k]
    restored = compression.pca_reconstruct_from_images(
        code, MEAN, BASIS.centred, BASIS.u, BASIS.s
    ).reshape(128, 128)
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
