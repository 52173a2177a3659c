"""A generative adversarial network (Goodfellow et al., 2014) that draws 8×8 digits, run in NumPy.

Two networks were trained against each other by ``training/train_digit_gan.py`` (PyTorch, CPU):
the generator G maps a noise vector z, drawn from the prior p_z = N(0, I), to an image G(z); the
discriminator D(x) gives the probability that x came from the training digits rather than from G.
D learns to tell them apart, G learns to make D say "real". Only G is needed to generate, so only
G ships (``data/digit_gan.npz``, float16)::

    h_1 = LeakyReLU(z W_1 + b_1)            # [n, d_z] -> [n, d_h]
    h_2 = LeakyReLU(h_1 W_2 + b_2)          # [n, d_h] -> [n, d_h2]
    x   = tanh(h_2 W_3 + b_3)               # [n, d_h2] -> [n, 64], pixels in [-1, 1]

Pixels are trained in [-1, 1] (tanh); ``sample_images`` returns them in [0, 1] as (x + 1) / 2.

A GAN has no encoder: nothing maps an image back to its z, so a real digit has no place in the
latent space that can be read off. What can be done is to walk between two drawn z: ``interpolate``
follows the straight line (1 − t)·z_0 + t·z_1; ``slerp`` the great circle between them, which keeps
the length |z| near √d_z where the prior puts almost all its mass (halfway along the straight line
between two independent draws, |z| is only about √(d_z / 2)).

The npz also stores the generator's images for 16 fixed z at several points of its training, as
8-bit images (not weights): ``model.checkpoint_samples``, so the page can show how the contest
went, and whatever mode collapse it had; and the two networks' losses on held-out digits over
training (``model.curve_*``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from genai_course import arrays

__all__ = [
    "EVALUATIONS_PER_IMAGE",
    "GAN",
    "G",
    "count_parameters",
    "interpolate",
    "latents",
    "leaky_relu",
    "load_model",
    "load_model_from",
    "mosaic",
    "sample_images",
    "slerp",
    "to_pixels",
    "variety",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
UInt8Array = npt.NDArray[np.uint8]

# one generator pass per image
EVALUATIONS_PER_IMAGE = 1
NEGATIVE_SLOPE = 0.2  # of the LeakyReLU, as in the training script


@dataclass(frozen=True, eq=False)
class GAN:
    """The generator's weights (``x @ W`` convention) and its samples during training."""

    W_1: FloatArray  # [d_z, d_h]
    b_1: FloatArray  # [d_h]
    W_2: FloatArray  # [d_h, d_h2]
    b_2: FloatArray  # [d_h2]
    W_3: FloatArray  # [d_h2, 64]
    b_3: FloatArray  # [64]
    checkpoint_steps: IntArray  # [c] training steps at which the samples were taken
    checkpoint_samples: UInt8Array  # [c, 16, 8, 8] G(z_fixed) at those steps, 0–255
    checkpoint_labels: IntArray  # [c, 16] the digit an independent classifier reads in each
    curve_steps: IntArray  # [e] training steps of the held-out losses
    curve_d_loss: FloatArray  # [e] D's loss on held-out digits and G's images of fixed z
    curve_g_loss: FloatArray  # [e] G's non-saturating loss −log D(G(z)) on those images
    curve_d_accuracy: FloatArray  # [e] how often D tells them apart
    heldout_variety: float  # variety() of the held-out digits, for comparison

    @property
    def d_z(self) -> int:
        return int(self.W_1.shape[0])


@functools.cache
def load_model() -> GAN:
    """The packaged generator (``genai_course/data/digit_gan.npz``), read once and shared."""
    return _from_arrays(arrays.load("digit_gan"))


def load_model_from(path: str | Path) -> GAN:
    """A generator stored at ``path`` in the packaged format."""
    with open(path, "rb") as f:
        return _from_arrays(arrays.from_npz(f.read()))


def _from_arrays(npz: arrays.Arrays) -> GAN:
    def w(name: str) -> FloatArray:
        weights = np.asarray(npz[name], dtype=np.float64)
        # a program that changed them in place would change every demo's model
        weights.flags.writeable = False
        return weights

    return GAN(
        W_1=w("W_1"),
        b_1=w("b_1"),
        W_2=w("W_2"),
        b_2=w("b_2"),
        W_3=w("W_3"),
        b_3=w("b_3"),
        checkpoint_steps=np.asarray(npz["checkpoint_steps"], dtype=np.int64),
        checkpoint_samples=np.asarray(npz["checkpoint_samples"], dtype=np.uint8),
        checkpoint_labels=np.asarray(npz["checkpoint_labels"], dtype=np.int64),
        curve_steps=np.asarray(npz["curve_steps"], dtype=np.int64),
        curve_d_loss=w("curve_d_loss"),
        curve_g_loss=w("curve_g_loss"),
        curve_d_accuracy=w("curve_d_accuracy"),
        heldout_variety=float(npz["heldout_variety"]),
    )


def count_parameters(model: GAN) -> int:
    """The generator's weights and biases (the discriminator is not shipped)."""
    return sum(int(a.size) for a in (model.W_1, model.b_1, model.W_2, model.b_2, model.W_3,
                                     model.b_3))  # fmt: skip


def leaky_relu(x: FloatArray) -> FloatArray:
    """max(x, 0.2·x), elementwise."""
    return np.where(x > 0, x, NEGATIVE_SLOPE * x)


def G(model: GAN, z: FloatArray) -> FloatArray:  # noqa: N802 (the paper's name)
    """The generator: noise vectors to images with pixels in [-1, 1].

    # [n, d_z] -> [n, 8, 8]
    """
    h_1 = leaky_relu(z @ model.W_1 + model.b_1)  # [n, d_h]
    h_2 = leaky_relu(h_1 @ model.W_2 + model.b_2)  # [n, d_h2]
    x: FloatArray = np.tanh(h_2 @ model.W_3 + model.b_3)  # [n, 64]
    return x.reshape(-1, 8, 8)


def to_pixels(x: FloatArray) -> FloatArray:
    """Generator output in [-1, 1] -> pixels in [0, 1]."""
    return np.clip((x + 1.0) / 2.0, 0.0, 1.0)


def latents(model: GAN, n: int, rng: np.random.Generator) -> FloatArray:
    """n draws from the prior p_z = N(0, I).

    # -> [n, d_z]
    """
    return rng.standard_normal((n, model.d_z))


def sample_images(
    model: GAN, n: int, rng: np.random.Generator, digit: int | None = None
) -> FloatArray:
    """n new images, pixels in [0, 1]: z ~ N(0, I), then G(z). The GAN is unconditional.

    # -> [n, 8, 8]
    """
    if digit is not None:
        raise ValueError(
            "this GAN is unconditional: it cannot be asked for a digit (use digit=None)"
        )
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a whole number of images, at least 1, got {n!r}")
    return to_pixels(G(model, latents(model, int(n), rng)))


def _check_walk(z_0: FloatArray, z_1: FloatArray, t: FloatArray) -> None:
    if z_0.shape != z_1.shape or z_0.ndim != 1:
        raise ValueError(f"z_0 and z_1 must be two vectors of one length, got {z_0.shape} and "
                         f"{z_1.shape}")  # fmt: skip
    if not (np.all(np.isfinite(z_0)) and np.all(np.isfinite(z_1)) and np.all(np.isfinite(t))):
        raise ValueError("z_0, z_1 and t must be finite numbers")


def interpolate(z_0: FloatArray, z_1: FloatArray, t: npt.ArrayLike) -> FloatArray:
    """Points on the straight line from z_0 to z_1: (1 − t)·z_0 + t·z_1.

    # [d_z], [d_z], [m] -> [m, d_z]
    """
    z_0, z_1 = np.asarray(z_0, dtype=np.float64), np.asarray(z_1, dtype=np.float64)
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))[:, None]  # [m, 1]
    _check_walk(z_0, z_1, t)
    return (1.0 - t) * z_0 + t * z_1


def slerp(z_0: FloatArray, z_1: FloatArray, t: npt.ArrayLike) -> FloatArray:
    """Spherical interpolation (Shoemake 1985; for GANs, White 2016):
    sin((1 − t)Ω)/sin Ω · z_0 + sin(tΩ)/sin Ω · z_1, with Ω the angle between z_0 and z_1.
    Falls back to the straight line when z_0 and z_1 point the same way.

    # [d_z], [d_z], [m] -> [m, d_z]
    """
    z_0, z_1 = np.asarray(z_0, dtype=np.float64), np.asarray(z_1, dtype=np.float64)
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))[:, None]  # [m, 1]
    _check_walk(z_0, z_1, t)
    norms = np.linalg.norm(z_0) * np.linalg.norm(z_1)
    cos_omega = float(np.clip(z_0 @ z_1 / norms, -1.0, 1.0)) if norms > 0 else 1.0
    omega = np.arccos(cos_omega)
    if np.sin(omega) < 1e-6:
        return (1.0 - t) * z_0 + t * z_1
    z_t: FloatArray = (np.sin((1.0 - t) * omega) * z_0 + np.sin(t * omega) * z_1) / np.sin(omega)
    return z_t


def variety(images: npt.ArrayLike) -> float:
    """How different a set of images is: the mean root-mean-square pixel difference over all
    pairs. 0 when they are all the same image (mode collapse at its worst).

    # [n, h, w] -> scalar
    """
    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)  # type: ignore[arg-type]
    n, pixels = flat.shape
    if n < 2:
        raise ValueError(f"variety needs at least two images, got {n}")
    # |a − b|² = |a|² + |b|² − 2 a·b, without an [n, n, pixels] array
    sq = (flat**2).sum(axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * flat @ flat.T, 0.0)  # [n, n]
    pairs = np.triu_indices(n, 1)
    return float(np.sqrt(d2[pairs] / pixels).mean())


def mosaic(images: npt.ArrayLike, columns: int) -> UInt8Array:
    """Images side by side, in rows of ``columns``, with a one-pixel transparent gap between
    them, as RGBA (for ``svg.image``): grey pixels [0, 1] become opaque grey levels.

    # [n, h, w] -> [rows·(h+1) − 1, columns·(w+1) − 1, 4]
    """
    imgs = np.asarray(images, dtype=np.float64)
    n, h, w = imgs.shape
    rows = -(-n // columns)
    out = np.zeros((rows * (h + 1) - 1, columns * (w + 1) - 1, 4), dtype=np.uint8)
    grey = np.rint(np.clip(imgs, 0.0, 1.0) * 255).astype(np.uint8)
    for k in range(n):
        r, c = divmod(k, columns)
        cell = out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w]
        cell[..., :3] = grey[k][..., None]
        cell[..., 3] = 255
    return out
