"""Compressing a 128 × 128 image (16,384 pixels) to k numbers with PCA — the linear autoencoder.

The seed: "instead of storing all 16,384 pixels, an autoencoder might encode it into a vector of
just 100 numbers; the decoder then tries to reconstruct the original from those 100 numbers".
PCA does the same with straight lines. Fitted on a collection of images (rows of X, one image per
row, pixels flattened), it finds the mean image and the directions in which the images vary most
(the principal components, "eigenfaces"):

    encode:  code = (x − mean) · V_kᵀ          16,384 pixels -> k numbers
    decode:  x̂    = mean + code · V_k          k numbers -> 16,384 pixels

Which numbers are counted: each image is stored as its k-number code — the seed's "100 numbers"
is k = 100. The mean and the k components, (k + 1) · 16,384 numbers, are shared by every image,
just as an autoencoder's decoder weights are: they are the model, not the message (``pca_size``).

For contrast, ``svd_compress`` keeps the best rank-r approximation of a single image with no
shared model; it must store r · (128 + 128 + 1) numbers for that image alone (``svd_size``), so
even rank 1 costs 257 numbers: 100 numbers per image are reachable only with a shared basis.

The images are procedural faces (``test_image``, ``image_family``) so nothing has to be
downloaded; the test face is not one of the training faces.

The components need not be stored, nor even computed: with X − mean = U · S · V (``pca_fit``),
V_k = S_k⁻¹ · U_kᵀ · (X − mean), so encoding and decoding work from the n images and the small
U and S alone (``pca_code_from_images``, ``pca_reconstruct_from_images``), each a weighted sum over
the n images. The course's face family is kept that way, fitted ahead of time
(``face_basis``, ``load_face_basis``): 8-bit faces, U and S, about half a megabyte where the
components would take 15 MB.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from genai_course import arrays

__all__ = [
    "FACE_FAMILY_SIZE",
    "SEED_K",
    "SEED_PIXELS",
    "FaceBasis",
    "explained_variance_ratio",
    "face_basis",
    "image_family",
    "load_face_basis",
    "pca_code_from_images",
    "pca_compress",
    "pca_errors",
    "pca_errors_from_code",
    "pca_fit",
    "pca_reconstruct",
    "pca_reconstruct_from_images",
    "pca_size",
    "quantize_8bit",
    "reconstruction_error",
    "svd_compress",
    "svd_size",
    "test_image",
]

FloatArray = npt.NDArray[np.float64]

# The seed's example: a 128 × 128 image, 16,384 pixels, encoded as 100 numbers
SEED_PIXELS = 128 * 128
SEED_K = 100


def _is_whole(n: object) -> bool:
    return isinstance(n, int | np.integer) and not isinstance(n, bool)


# --- the images -----------------------------------------------------------------------------------

# The face every image is drawn from; image_family varies each number within the range below.
_TEST_FACE = {
    "background": 0.35,
    "background_slope": 0.25,
    "background_angle": 0.8,
    "centre_x": 0.5,
    "centre_y": 0.52,
    "radius_x": 0.3,
    "radius_y": 0.38,
    "skin": 0.8,
    "light": 0.0,
    "hairline": 0.55,
    "hair": 0.2,
    "eye_gap": 0.11,
    "eye_radius": 0.035,
    "mouth_width": 0.12,
    "smile": 1.0,
}
_FACE_RANGES = {
    "background": (0.15, 0.5),
    "background_slope": (-0.3, 0.3),
    "background_angle": (0.0, 6.3),
    "centre_x": (0.45, 0.55),
    "centre_y": (0.47, 0.56),
    "radius_x": (0.25, 0.34),
    "radius_y": (0.33, 0.42),
    "skin": (0.6, 0.95),
    "light": (-1.5, 1.5),
    "hairline": (0.3, 0.8),
    "hair": (0.05, 0.45),
    "eye_gap": (0.08, 0.13),
    "eye_radius": (0.025, 0.045),
    "mouth_width": (0.08, 0.15),
    "smile": (-1.0, 1.5),
}


def _inside(signed_distance: FloatArray, edge: float) -> FloatArray:
    # 1 inside a shape (distance < 0), 0 outside, with a soft edge about `edge` wide: no aliasing
    inside: FloatArray = 1.0 / (1.0 + np.exp(np.clip(signed_distance / edge, -50.0, 50.0)))
    return inside


def _face(size: int, p: dict[str, float]) -> FloatArray:  # -> [size, size]
    centres = (np.arange(size) + 0.5) / size
    y, x = np.meshgrid(centres, centres, indexing="ij")
    edge = 0.6 / size
    direction = np.cos(p["background_angle"]) * (x - 0.5) + np.sin(p["background_angle"]) * (
        y - 0.5
    )
    image = p["background"] + p["background_slope"] * direction
    # each feature is painted over what is below it, in proportion to how much it covers a pixel
    hx, hy = (x - p["centre_x"]) / p["radius_x"], (y - p["centre_y"]) / p["radius_y"]
    head = _inside((np.sqrt(hx**2 + hy**2) - 1) * min(p["radius_x"], p["radius_y"]), edge)
    skin = p["skin"] - 0.15 * np.cos(p["light"]) * (x - p["centre_x"])
    image = image * (1 - head) + skin * head
    hairline = p["centre_y"] - p["radius_y"] * p["hairline"] + 0.02 * np.sin(12 * x)
    hair = head * _inside(y - hairline, edge)
    image = image * (1 - hair) + p["hair"] * hair
    for side in (-1, 1):
        eye_x, eye_y = p["centre_x"] + side * p["eye_gap"], p["centre_y"] - 0.06
        eye = _inside(np.sqrt(((x - eye_x) / 1.3) ** 2 + (y - eye_y) ** 2) - p["eye_radius"], edge)
        image = image * (1 - eye) + 0.05 * eye
    # the mouth: a band along a parabola whose corners turn up when smile > 0
    mx = (x - p["centre_x"]) / p["mouth_width"]
    mouth_y = p["centre_y"] + 0.17 - 0.06 * p["smile"] * (mx**2 - 0.5)
    mouth = _inside(np.abs(y - mouth_y) - 0.018, edge) * _inside(np.abs(mx) - 1, edge)
    image = image * (1 - mouth) + 0.15 * mouth
    clipped: FloatArray = np.clip(image, 0.0, 1.0)
    return clipped


def _check_size(size: int) -> None:
    if not _is_whole(size) or size < 16:
        raise ValueError(f"size must be a whole number >= 16, got {size!r}")


def test_image(size: int = 128) -> FloatArray:  # [] -> [size, size]
    """The image to compress: a smiling face drawn from simple shapes, pixels in [0, 1]."""
    _check_size(size)
    return _face(size, _TEST_FACE)


def image_family(
    n: int, rng: np.random.Generator, size: int = 128
) -> FloatArray:  # [] -> [n, size, size]
    """n faces to fit PCA on: position, shape, shading, eyes and smile drawn at random."""
    _check_size(size)
    if not _is_whole(n) or n < 2:
        raise ValueError(f"n must be a whole number >= 2, got {n!r}")
    faces = []
    for _ in range(n):
        params = {name: float(rng.uniform(low, high)) for name, (low, high) in _FACE_RANGES.items()}
        faces.append(_face(size, params))
    return np.stack(faces)


# --- PCA: a shared basis, k numbers per image -----------------------------------------------------


def pca_fit(
    X: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:  # [n, p] -> [p], [r, p], [r]
    """The mean row and the principal components of X, largest variance first.

    Computes the SVD of the centred data, X − mean = U · S · V, through the small n × n Gram
    matrix (the eigenfaces trick, for n images much fewer than p pixels): (X − mean)(X − mean)ᵀ
    = U · S² · Uᵀ, then V = S⁻¹ · Uᵀ · (X − mean). The rows of V are the components, S the
    singular values; the variance along component i is S_i² / (n − 1). Directions with no
    variance (S below 10⁻⁶ of the largest: the centred rows span at most n − 1 dimensions) are
    dropped, so r <= n − 1. Each component's sign is fixed so its largest entry is positive,
    making the result the same on every machine. The Gram matrix squares the singular values, so
    component i is accurate to about 10⁻¹⁶ · (S_0 / S_i)²: ample for images, not for data whose
    variance spans many orders of magnitude.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"X must be a 2-D array with at least 2 rows, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must be finite numbers (no inf or nan)")
    mean = X.mean(axis=0)
    centred = X - mean  # [n, p]
    if not np.any(centred):
        raise ValueError("all rows of X are the same: there is no variance to find components in")
    gram = centred @ centred.T  # [n, n]
    eigenvalues, U = np.linalg.eigh(gram)  # ascending
    eigenvalues, U = eigenvalues[::-1], U[:, ::-1]
    singular_values = np.sqrt(np.clip(eigenvalues, 0.0, None))
    keep = singular_values > 1e-6 * singular_values[0]
    singular_values, U = singular_values[keep], U[:, keep]
    # V = S⁻¹ Uᵀ (X − mean), computed as ((X − mean)ᵀ U)ᵀ from a contiguous copy of (X − mean)ᵀ:
    # the same numbers, but several times faster under Pyodide, whose NumPy has no BLAS
    components = (np.ascontiguousarray(centred.T) @ U).T  # [p, n] @ [n, r] -> [r, p]
    components = np.ascontiguousarray(components / singular_values[:, None])
    # sign: the largest entry of each component is positive
    largest = components[np.arange(len(components)), np.argmax(np.abs(components), axis=1)]
    components *= np.sign(largest)[:, None]
    return mean, components, singular_values


def _check_k(k: int, components: FloatArray) -> None:
    if not _is_whole(k) or not 1 <= k <= len(components):
        raise ValueError(f"k must be a whole number from 1 to {len(components)}, got {k!r}")


def pca_compress(
    x: FloatArray, mean: FloatArray, components: FloatArray, k: int
) -> FloatArray:  # [..., p], [p], [r, p] -> [..., k]
    """Encode: code = (x − mean) · V_kᵀ, the k numbers that stand for each image."""
    x = np.asarray(x, dtype=np.float64)
    _check_k(k, components)
    if x.shape[-1:] != mean.shape:
        raise ValueError(f"x must have {mean.size} pixels in its last axis, got shape {x.shape}")
    code: FloatArray = (x - mean) @ components[:k].T
    return code


def pca_reconstruct(
    code: FloatArray, mean: FloatArray, components: FloatArray
) -> FloatArray:  # [..., k], [p], [r, p] -> [..., p]
    """Decode: x̂ = mean + code · V_k, with k the length of the code."""
    code = np.asarray(code, dtype=np.float64)
    k = code.shape[-1] if code.ndim else 0
    _check_k(k, components)
    x_hat: FloatArray = mean + code @ components[:k]
    return x_hat


def pca_errors(
    x: FloatArray, mean: FloatArray, components: FloatArray
) -> tuple[FloatArray, FloatArray]:  # [p], [p], [r, p] -> [r], [r]
    """(MSE, PSNR) of the reconstruction of x from k = 1, 2, …, r numbers, all at once.

    The components are orthonormal, so what k of them miss of x − mean has squared length
    ‖x − mean‖² − Σ_{i<k} code_i² (Pythagoras): one projection instead of r reconstructions.
    Equal to ``reconstruction_error(x, pca_reconstruct(pca_compress(x, …, k), …))`` for each k.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape != mean.shape:
        raise ValueError(f"x must be one image of {mean.size} pixels, got shape {x.shape}")
    code = components @ (x - mean)  # [r, p] @ [p] -> [r]
    return pca_errors_from_code(x, mean, code)


def pca_errors_from_code(
    x: FloatArray, mean: FloatArray, code: FloatArray
) -> tuple[FloatArray, FloatArray]:  # [p], [p], [r] -> [r], [r]
    """``pca_errors`` from the image's code along all r components (its k-number codes' union)."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape != mean.shape:
        raise ValueError(f"x must be one image of {mean.size} pixels, got shape {x.shape}")
    centred = x - mean  # [p]
    missed = centred @ centred - np.cumsum(code * code)  # [r]
    mse: FloatArray = np.maximum(missed, 0.0) / x.size
    with np.errstate(divide="ignore"):
        psnr: FloatArray = 10 * np.log10(1.0 / mse)
    return mse, psnr


# --- the same PCA from the images and U, S: no components --------------------------------------


def pca_code_from_images(
    x: FloatArray, mean: FloatArray, centred: FloatArray, u: FloatArray, s: FloatArray, k: int
) -> FloatArray:  # [..., p], [p], [n, p], [n, r], [r] -> [..., k]
    """``pca_compress`` without the components: code = ((x − mean) · (X − mean)ᵀ) · U_k / S_k.

    ``centred`` is X − mean; U and S are those of its SVD (X − mean = U·S·V), as ``pca_fit``
    finds them, so V_k = S_k⁻¹ · U_kᵀ · (X − mean) and the two codes are the same numbers.
    """
    x = np.asarray(x, dtype=np.float64)
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or not 1 <= k <= len(s):
        raise ValueError(f"k must be a whole number from 1 to {len(s)}, got {k!r}")
    if x.shape[-1:] != mean.shape:
        raise ValueError(f"x must have {mean.size} pixels in its last axis, got shape {x.shape}")
    # how much x − mean looks like each centred image, then combined as the components combine them
    likeness = (x - mean) @ centred.T  # [..., p] @ [p, n] -> [..., n]
    code: FloatArray = likeness @ u[:, :k] / s[:k]  # [..., n] @ [n, k] -> [..., k]
    return code


def pca_reconstruct_from_images(
    code: FloatArray, mean: FloatArray, centred: FloatArray, u: FloatArray, s: FloatArray
) -> FloatArray:  # [..., k], [p], [n, p], [n, r], [r] -> [..., p]
    """``pca_reconstruct`` without the components: x̂ = mean + ((code / S_k) · U_kᵀ) · (X − mean).

    The rebuilt image is the mean plus a weighted sum of the n centred images.
    """
    code = np.asarray(code, dtype=np.float64)
    k = code.shape[-1] if code.ndim else 0
    if not 1 <= k <= len(s):
        raise ValueError(f"the code must have 1 to {len(s)} numbers, got {k}")
    weights = (code / s[:k]) @ u[:, :k].T  # [..., k] @ [k, n] -> [..., n]
    # weights · (X − mean) as an einsum: Pyodide's NumPy (no BLAS) takes several times longer
    # for a row times a wide matrix with @; the same sums
    x_hat: FloatArray = mean + np.einsum("...n,np->...p", weights, centred)  # [..., p]
    return x_hat


def quantize_8bit(images: FloatArray) -> FloatArray:  # [...] -> [...]
    """Pixels in [0, 1] rounded to the nearest of 256 levels k / 255, as 8-bit files hold them."""
    levels: FloatArray = np.round(np.clip(images, 0.0, 1.0) * 255.0) / 255.0
    return levels


# --- the course's face family, fitted once ------------------------------------------------------

# The family the compression demo fits PCA on: this many faces, drawn with this seed.
FACE_FAMILY_SIZE = 120
_FACE_FAMILY_SEED = 0


@dataclass(frozen=True, eq=False)
class FaceBasis:
    """PCA of the face family, kept small: the faces, their mean, and U and S of X − mean."""

    faces: FloatArray  # [n, p] the family, 8-bit levels, one flattened face per row
    mean: FloatArray  # [p]
    centred: FloatArray  # [n, p] faces − mean
    u: FloatArray  # [n, r] left singular vectors of faces − mean (sign as pca_fit's components)
    s: FloatArray  # [r] singular values, largest first


def _basis(faces: FloatArray, u: FloatArray, s: FloatArray) -> FaceBasis:
    mean = faces.mean(axis=0)
    return FaceBasis(faces=faces, mean=mean, centred=faces - mean, u=u, s=s)


def face_basis(n: int = FACE_FAMILY_SIZE, seed: int = _FACE_FAMILY_SEED) -> FaceBasis:
    """Fit PCA on n faces of ``image_family`` (as 8-bit images): what ``load_face_basis`` stores.

    Takes a few seconds in the browser; ``load_face_basis`` reads the result for the course's
    family in a few milliseconds.
    """
    faces = quantize_8bit(image_family(n, np.random.default_rng(seed))).reshape(n, -1)
    mean, components, s = pca_fit(faces)
    # X − mean = U·S·V, so U = (X − mean)·Vᵀ / S, with the components' signs
    u = (faces - mean) @ components.T / s  # [n, p] @ [p, r] -> [n, r]
    return _basis(faces, u, s)


def load_face_basis() -> FaceBasis:
    """The course's face family and its PCA, as ``face_basis()`` computes them, read from
    ``data/face_basis.npz`` (written by ``training/precompute.py``)."""
    npz = arrays.load("face_basis")
    levels = npz["faces"]  # [n, p] uint8
    faces = levels.astype(np.float64) / 255.0
    return _basis(faces, npz["u"], npz["s"])


def explained_variance_ratio(singular_values: FloatArray) -> FloatArray:  # [r] -> [r]
    """S_i² / Σ S_j²: the share of the images' total variance each component captures."""
    squared = np.asarray(singular_values, dtype=np.float64) ** 2
    ratio: FloatArray = squared / squared.sum()
    return ratio


def pca_size(k: int, n_pixels: int = SEED_PIXELS) -> tuple[int, int]:
    """(numbers per image, numbers shared by all images) = (k, (k + 1) · n_pixels)."""
    if not _is_whole(k) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {k!r}")
    return k, (k + 1) * n_pixels


# --- one image on its own: truncated SVD ----------------------------------------------------------


def svd_compress(image: FloatArray, rank: int) -> FloatArray:  # [h, w] -> [h, w]
    """The best rank-r approximation of one image (Eckart–Young): Σ_{i<r} s_i · u_i · v_iᵀ.

    Stores r · (h + w + 1) numbers (``svd_size``): r columns of U, r rows of V, r values s.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"image must be a 2-D array, got shape {image.shape}")
    if not _is_whole(rank) or not 1 <= rank <= min(image.shape):
        raise ValueError(f"rank must be a whole number from 1 to {min(image.shape)}, got {rank!r}")
    U, s, Vt = np.linalg.svd(image, full_matrices=False)
    # [h, r] * [r] @ [r, w] -> [h, w]
    approximation: FloatArray = (U[:, :rank] * s[:rank]) @ Vt[:rank]
    return approximation


def svd_size(rank: int, shape: tuple[int, int] = (128, 128)) -> int:
    """Numbers stored for a rank-r SVD of one h × w image: r · (h + w + 1)."""
    if not _is_whole(rank) or rank < 1:
        raise ValueError(f"rank must be a whole number >= 1, got {rank!r}")
    h, w = shape
    return int(rank * (h + w + 1))


# --- how good is the copy -------------------------------------------------------------------------


def reconstruction_error(
    original: FloatArray, reconstructed: FloatArray, peak: float = 1.0
) -> tuple[float, float]:
    """(MSE, PSNR): mean squared error, and 10 · log10(peak² / MSE) in dB (inf if identical)."""
    original = np.asarray(original, dtype=np.float64)
    reconstructed = np.asarray(reconstructed, dtype=np.float64)
    if original.shape != reconstructed.shape:
        raise ValueError(
            f"original and reconstructed must have the same shape, "
            f"got {original.shape} and {reconstructed.shape}"
        )
    mse = float(np.mean((original - reconstructed) ** 2))
    psnr = float("inf") if mse == 0 else float(10 * np.log10(peak**2 / mse))
    return mse, psnr
