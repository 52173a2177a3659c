"""An autoencoder and PCA, each squeezing an 8×8 digit into k numbers and rebuilding it, in NumPy.

Both were fitted once, offline, on the same training digits (``genai_course.digits``) by
``training/train_digit_autoencoder.py`` and are packaged as ``data/digit_autoencoder.npz``.

PCA is linear. With the training mean μ and the first k principal directions V_k (rows,
orthonormal) an image x (64 pixels) is stored as its k coordinates and rebuilt from them::

    z = (x − μ) · V_kᵀ          # k numbers
    x̂ = μ + z · V_k

The autoencoder is a small neural network, one for each code size k in ``CODE_SIZES``::

    z = f(x) = W₃ᵉ·ELU(W₂ᵉ·ELU(W₁ᵉ·x + b₁ᵉ) + b₂ᵉ) + b₃ᵉ       # encoder: 64 → 64 → 32 → k
    x̂ = g(z) = σ(W₃ᵈ·ELU(W₂ᵈ·ELU(W₁ᵈ·z + b₁ᵈ) + b₂ᵈ) + b₃ᵈ)  # decoder: k → 32 → 64 → 64

trained to make x̂ close to x (mean squared error per pixel). The weights are stored as float16
and everything is computed in float64, which reproduces the PyTorch model and the training
report's held-out errors (``tests/test_autoencoder.py``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from genai_course import arrays

__all__ = [
    "CODE_SIZES",
    "PCA",
    "Autoencoder",
    "count_parameters",
    "decode",
    "elu",
    "encode",
    "load_models",
    "load_pca",
    "pca_encode",
    "pca_reconstruct",
    "reconstruct",
    "reconstruction_errors",
    "sigmoid",
]

FloatArray = npt.NDArray[np.float64]

CODE_SIZES = (2, 4, 8, 16)
SIDE = 8
PIXELS = SIDE * SIDE
Layer = tuple[FloatArray, FloatArray]  # (W [in, out], b [out]) in the x @ W + b convention


@dataclass(frozen=True, eq=False)
class Autoencoder:
    """One trained autoencoder: ``k`` numbers per image, three linear layers each way."""

    k: int
    encoder: tuple[Layer, ...]
    decoder: tuple[Layer, ...]


@dataclass(frozen=True, eq=False)
class PCA:
    """The training digits' mean μ [64] and first principal directions V [16, 64] (rows)."""

    mean: FloatArray
    components: FloatArray
    explained_variance: FloatArray


def _npz() -> dict[str, npt.NDArray[np.generic]]:
    return arrays.load("digit_autoencoder")


def _read_only(a: npt.NDArray[np.generic]) -> FloatArray:
    out = np.asarray(a, dtype=np.float64)
    out.flags.writeable = False
    return out


@functools.cache
def load_models() -> dict[int, Autoencoder]:
    """The packaged autoencoders, {k: model} for k in ``CODE_SIZES`` (read once, then shared)."""
    stored = _npz()
    models = {}
    for k in CODE_SIZES:

        def layers(part: str, k: int = k) -> tuple[Layer, ...]:
            return tuple(
                (_read_only(stored[f"k{k}.{part}{i}.W"]), _read_only(stored[f"k{k}.{part}{i}.b"]))
                for i in (1, 2, 3)
            )

        models[k] = Autoencoder(k, layers("enc"), layers("dec"))
    return models


@functools.cache
def load_pca() -> PCA:
    """The packaged PCA of the training digits (read once, then shared)."""
    stored = _npz()
    return PCA(
        _read_only(stored["pca_mean"]),
        _read_only(stored["pca_components"]),
        _read_only(stored["pca_explained_variance"]),
    )


def count_parameters(model: Autoencoder) -> int:
    """How many numbers the autoencoder has learned (weights and biases, both halves)."""
    return sum(w.size + b.size for w, b in model.encoder + model.decoder)


def elu(x: FloatArray) -> FloatArray:
    """ELU(x) = x for x > 0, eˣ − 1 otherwise."""
    out: FloatArray = np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
    return out


def sigmoid(x: FloatArray) -> FloatArray:
    """σ(x) = 1 / (1 + e⁻ˣ), computed without overflow."""
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * x))
    return out


def _mlp(layers: tuple[Layer, ...], x: FloatArray) -> FloatArray:
    for i, (w, b) in enumerate(layers):
        x = x @ w + b
        if i < len(layers) - 1:
            x = elu(x)
    return x


def _pixels(images: npt.ArrayLike) -> FloatArray:
    """Images [n, 8, 8] (or one [8, 8]) as rows [n, 64]; finite, in [0, 1]."""
    x = np.asarray(images, dtype=np.float64)
    if x.shape[-2:] != (SIDE, SIDE) or x.ndim not in (2, 3):
        raise ValueError(f"images must be 8×8 (shape [n, 8, 8] or [8, 8]), got shape {x.shape}")
    if not np.all(np.isfinite(x)) or x.min(initial=0.0) < 0.0 or x.max(initial=0.0) > 1.0:
        raise ValueError("image pixels must be numbers from 0 to 1")
    return x.reshape(-1, PIXELS)


def _shaped(rows: FloatArray, like: npt.ArrayLike) -> FloatArray:
    out: FloatArray = rows.reshape(np.shape(like))
    return out


def encode(model: Autoencoder, images: npt.ArrayLike) -> FloatArray:
    """The code z = f(x) of each image: [n, 8, 8] → [n, k]."""
    return _mlp(model.encoder, _pixels(images))


def decode(model: Autoencoder, z: npt.ArrayLike) -> FloatArray:
    """The image x̂ = g(z) of each code: [n, k] → [n, 8, 8], pixels in (0, 1)."""
    codes = np.asarray(z, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[1] != model.k or not np.all(np.isfinite(codes)):
        raise ValueError(f"codes must be finite numbers of shape [n, {model.k}], got {codes.shape}")
    out: FloatArray = sigmoid(_mlp(model.decoder, codes)).reshape(-1, SIDE, SIDE)
    return out


def reconstruct(model: Autoencoder, images: npt.ArrayLike) -> FloatArray:
    """g(f(x)): each image squeezed through the k-number code and rebuilt, in the input's shape."""
    rows = _pixels(images)
    return _shaped(sigmoid(_mlp(model.decoder, _mlp(model.encoder, rows))), images)


def _check_k(k: int, pca: PCA) -> int:
    top = pca.components.shape[0]
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k <= top:
        raise ValueError(f"PCA keeps 0 to {top} numbers per image; k = {k!r} is not one of them")
    return int(k)


def pca_encode(images: npt.ArrayLike, k: int) -> FloatArray:
    """The k PCA coordinates z = (x − μ)·V_kᵀ of each image: [n, 8, 8] → [n, k]."""
    pca = load_pca()
    k = _check_k(k, pca)
    out: FloatArray = (_pixels(images) - pca.mean) @ pca.components[:k].T
    return out


def pca_reconstruct(images: npt.ArrayLike, k: int) -> FloatArray:
    """μ + (x − μ)·V_kᵀ·V_k: each image rebuilt from its first k PCA coordinates, same shape.

    Unlike the autoencoder's, PCA's pixels are not confined to [0, 1]; clip them to draw them.
    """
    pca = load_pca()
    k = _check_k(k, pca)
    v = pca.components[:k]
    rows = _pixels(images)
    return _shaped(pca.mean + ((rows - pca.mean) @ v.T) @ v, images)


def reconstruction_errors(images: npt.ArrayLike, rebuilt: npt.ArrayLike) -> FloatArray:
    """The mean squared error per pixel of each image: [n, 8, 8] twice → [n]."""
    x = np.asarray(images, dtype=np.float64).reshape(-1, PIXELS)
    y = np.asarray(rebuilt, dtype=np.float64).reshape(-1, PIXELS)
    if x.shape != y.shape:
        raise ValueError(f"{x.shape[0]} images but {y.shape[0]} reconstructions")
    out: FloatArray = np.mean((x - y) ** 2, axis=1)
    return out
