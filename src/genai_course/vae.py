"""A variational autoencoder (Kingma & Welling 2013) trained on the 8×8 digits, run in NumPy.

The weights were trained once, offline, by ``training/train_digit_vae.py`` (PyTorch, CPU) and ship
as ``data/digit_vae.npz`` (float16). The model is the paper's (appendix C), at the digits' size,
with a 2-D latent so that the whole latent space fits on a screen::

    h = tanh(x W_h + b_h)                        encoder q(z | x) = N(μ, σ²):
    μ = h W_μ + b_μ,   log σ² = h W_σ + b_σ       a mean and a log-variance per latent dimension
    z = μ + σ · ε,     σ = exp(½ · log σ²),  ε ~ N(0, I)          the reparameterisation trick
    y = sigmoid(tanh(z W_d + b_d) W_y + b_y)     decoder p(x | z): each pixel inked with prob. y

x is an image's 64 pixels in [0, 1] (the share of a 4×4 block of the original scan that was inked).
Training maximises the evidence lower bound (ELBO) of each training image,

    ELBO(x) = E_q[log p(x | z)] − KL(q(z | x) ‖ N(0, I)),
    log p(x | z) = Σ_i x_i log y_i + (1 − x_i) log(1 − y_i)              (Bernoulli, in nats)
    KL(N(μ, σ²) ‖ N(0, I)) = ½ · Σ_j (σ_j² + μ_j² − 1 − log σ_j²),

so the first term asks the decoder to rebuild x from a z drawn near μ, and the KL term pulls every
image's Gaussian towards N(0, I): the codes fill one region around 0 without gaps, which is why a
z drawn from N(0, I) decodes to a digit (``sample_images``). The expectation is estimated by
Monte Carlo, averaging log p(x | z) over draws of ε.

The course notes' worked example stays: μ = [1.0, −0.5], log σ² = [0.1, 0.2], giving
σ = [e^0.05, e^0.1] ≈ [1.051, 1.105], and one sampled z = [1.2, −0.6].

Everything is computed in float64 from the float16 weights, so the held-out figures of the
training report are reproduced (``heldout_figures``).
"""

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from genai_course import arrays

__all__ = [
    "EVALUATIONS_PER_IMAGE",
    "PIXELS",
    "SEED_LOG_VAR",
    "SEED_MU",
    "SEED_Z",
    "VAE",
    "count_parameters",
    "decode",
    "decode_logits",
    "elbo",
    "ellipse_mass",
    "encode",
    "gaussian_pdf",
    "heldout_figures",
    "kl_divergence",
    "latent_grid",
    "load_model",
    "mahalanobis",
    "read_model",
    "reconstruction_term",
    "reparameterize",
    "sample_images",
    "sample_latents",
    "sigma",
    "sigma_ellipse",
]

FloatArray = npt.NDArray[np.float64]

# The seed's worked example (bootcamp deck, "VAE Demo and assignment")
SEED_MU = (1.0, -0.5)
SEED_LOG_VAR = (0.1, 0.2)
SEED_Z = (1.2, -0.6)

PIXELS = 64  # an 8 × 8 image
# sample_images runs the decoder once per image
EVALUATIONS_PER_IMAGE = 1


def _gaussian(mu: FloatArray, log_var: FloatArray) -> tuple[FloatArray, FloatArray]:
    mu = np.asarray(mu, dtype=np.float64)
    log_var = np.asarray(log_var, dtype=np.float64)
    if mu.ndim != 1 or mu.size == 0:
        raise ValueError(f"mu must be a 1-D vector, got shape {mu.shape}")
    if log_var.shape != mu.shape:
        raise ValueError(
            f"mu and log_var must have the same shape, got {mu.shape} and {log_var.shape}"
        )
    if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(log_var))):
        raise ValueError("mu and log_var must be finite numbers (no inf or nan)")
    return mu, log_var


def _points(z: FloatArray, d: int, name: str) -> FloatArray:
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 0 or z.shape[-1] != d:
        raise ValueError(f"{name} must have {d} numbers in its last axis, got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{name} must be finite numbers (no inf or nan)")
    return z


def sigma(log_var: FloatArray) -> FloatArray:  # [d] -> [d]
    """σ = exp(½ · log σ²): the standard deviation from the log-variance the encoder outputs."""
    sd: FloatArray = np.exp(0.5 * np.asarray(log_var, dtype=np.float64))
    return sd


def reparameterize(
    mu: FloatArray, log_var: FloatArray, eps: FloatArray
) -> FloatArray:  # [d], [d], [..., d] -> [..., d]
    """z = μ + σ · ε with σ = exp(½ · log σ²); one z per row of ε."""
    mu, log_var = _gaussian(mu, log_var)
    eps = _points(eps, mu.size, "eps")
    z: FloatArray = mu + sigma(log_var) * eps
    return z


def sample_latents(
    mu: FloatArray, log_var: FloatArray, n: int, rng: np.random.Generator
) -> FloatArray:  # [d], [d] -> [n, d]
    """n draws of z = μ + σ · ε, ε ~ N(0, I)."""
    mu, log_var = _gaussian(mu, log_var)
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    eps = rng.standard_normal((n, mu.size))
    return reparameterize(mu, log_var, eps)


def kl_divergence(mu: FloatArray, log_var: FloatArray) -> float:  # [d], [d] -> []
    """KL(N(μ, σ²) ‖ N(0, I)) = ½ · Σ (σ² + μ² − 1 − log σ²), in nats."""
    mu, log_var = _gaussian(mu, log_var)
    # σ² − 1 − log σ² as expm1(log σ²) − log σ²: no cancellation, never below 0, when σ² ≈ 1
    return float(0.5 * np.sum(mu**2 + np.expm1(log_var) - log_var))


def mahalanobis(
    z: FloatArray, mu: FloatArray, log_var: FloatArray
) -> FloatArray:  # [..., d], [d], [d] -> [...]
    """r = √(Σ ((z − μ) / σ)²): how many σ a point lies from the mean, axis by axis."""
    mu, log_var = _gaussian(mu, log_var)
    z = _points(z, mu.size, "z")
    r: FloatArray = np.sqrt(np.sum(((z - mu) / sigma(log_var)) ** 2, axis=-1))
    return r


def gaussian_pdf(
    z: FloatArray, mu: FloatArray, log_var: FloatArray
) -> FloatArray:  # [..., d], [d], [d] -> [...]
    """p(z) = Π_i exp(−(z_i − μ_i)² / 2σ_i²) / √(2π σ_i²): the density to shade behind samples."""
    mu, log_var = _gaussian(mu, log_var)
    r = mahalanobis(z, mu, log_var)
    # log of the normalising constant, Σ ½ log(2π σ²), keeps the sum stable in many dimensions
    log_norm = 0.5 * np.sum(np.log(2 * np.pi) + log_var)
    density: FloatArray = np.exp(-0.5 * r**2 - log_norm)
    return density


def sigma_ellipse(
    mu: FloatArray, log_var: FloatArray, k: float = 1.0, num_points: int = 64
) -> FloatArray:  # [2], [2] -> [num_points, 2]
    """Points of the k-σ contour, μ + k · σ ⊙ (cos θ, sin θ): an axis-aligned ellipse.

    The first point is repeated at the end, so the list draws a closed outline.
    """
    mu, log_var = _gaussian(mu, log_var)
    if mu.size != 2:
        raise ValueError(f"an ellipse needs a 2-D latent space, got {mu.size} dimensions")
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    if not isinstance(num_points, int) or num_points < 3:
        raise ValueError(f"num_points must be a whole number >= 3, got {num_points!r}")
    theta = np.linspace(0.0, 2 * np.pi, num_points)
    circle = np.stack([np.cos(theta), np.sin(theta)], axis=-1)  # [num_points, 2]
    ellipse: FloatArray = mu + k * sigma(log_var) * circle
    return ellipse


def ellipse_mass(k: float) -> float:
    """P(r ≤ k) = 1 − exp(−k² / 2) in two dimensions: the share of samples inside the k-σ ellipse.

    39.3 % inside 1σ, 86.5 % inside 2σ, 98.9 % inside 3σ (r² follows a χ² law with 2 degrees of
    freedom).
    """
    if not k >= 0:
        raise ValueError(f"k must be >= 0, got {k}")
    return float(1.0 - np.exp(-0.5 * k**2))


# --- the trained model ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class VAE:
    """The trained weights (float64, read-only), in the ``x @ W`` convention."""

    W_h: FloatArray  # [64, hidden] encoder's hidden layer
    b_h: FloatArray  # [hidden]
    W_mu: FloatArray  # [hidden, 2] -> μ
    b_mu: FloatArray  # [2]
    W_log_var: FloatArray  # [hidden, 2] -> log σ²
    b_log_var: FloatArray  # [2]
    W_d: FloatArray  # [2, hidden] decoder's hidden layer
    b_d: FloatArray  # [hidden]
    W_y: FloatArray  # [hidden, 64] -> the pixels' logits
    b_y: FloatArray  # [64]

    @property
    def latent(self) -> int:
        return int(self.W_mu.shape[1])


def read_model(path: str | Path) -> VAE:
    """The VAE whose weights are in the npz at ``path`` (as written by the training script)."""
    with open(path, "rb") as f:
        return _from_arrays(arrays.from_npz(f.read()))


def _from_arrays(stored: arrays.Arrays) -> VAE:
    weights = {}
    for name in VAE.__dataclass_fields__:
        array = np.asarray(stored[name], dtype=np.float64)
        # a program that changed them in place would change every demo's model
        array.flags.writeable = False
        weights[name] = array
    return VAE(**weights)


@functools.cache
def load_model() -> VAE:
    """The packaged VAE (``genai_course/data/digit_vae.npz``), read once per process."""
    return _from_arrays(arrays.load("digit_vae"))


def count_parameters(model: VAE) -> int:
    """Trainable numbers of the encoder and the decoder together."""
    return sum(getattr(model, name).size for name in VAE.__dataclass_fields__)


def _images(x: FloatArray) -> FloatArray:  # [..., 8, 8] -> [..., 64]
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2 or x.shape[-2:] != (8, 8):
        raise ValueError(f"images must have shape [..., 8, 8], got {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x < 0.0) or np.any(x > 1.0):
        raise ValueError("image pixels must be numbers in [0, 1]")
    return x.reshape(*x.shape[:-2], PIXELS)


def encode(model: VAE, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """q(z | x): (μ, log σ²) of each image. # [..., 8, 8] -> [..., 2], [..., 2]"""
    h = np.tanh(_images(x) @ model.W_h + model.b_h)
    mu: FloatArray = h @ model.W_mu + model.b_mu
    log_var: FloatArray = h @ model.W_log_var + model.b_log_var
    return mu, log_var


def decode_logits(model: VAE, z: FloatArray) -> FloatArray:  # [..., 2] -> [..., 64]
    """The decoder's logits: log(y / (1 − y)) for each of the 64 pixels."""
    z = _points(z, model.latent, "z")
    logits: FloatArray = np.tanh(z @ model.W_d + model.b_d) @ model.W_y + model.b_y
    return logits


def decode(model: VAE, z: FloatArray) -> FloatArray:  # [..., 2] -> [..., 8, 8]
    """p(x | z): y, the probability that each pixel is inked — the image the decoder draws."""
    logits = decode_logits(model, z)
    # sigmoid, written so that no exp overflows
    y: FloatArray = np.exp(-np.logaddexp(0.0, -logits))
    return y.reshape(*logits.shape[:-1], 8, 8)


def reconstruction_term(model: VAE, x: FloatArray, z: FloatArray) -> FloatArray:
    """log p(x | z) = Σ_i x_i log y_i + (1 − x_i) log(1 − y_i), in nats, one per image.

    # [..., 8, 8], [..., 2] -> [...] (x and z broadcast, e.g. x [n, 1, 8, 8] with z [n, S, 2])
    From the logits l: x log y + (1 − x) log(1 − y) = x·l − log(1 + e^l), which never takes the
    log of 0.
    """
    logits = decode_logits(model, z)
    pixels = _images(x)
    term: FloatArray = np.sum(pixels * logits - np.logaddexp(0.0, logits), axis=-1)
    return term


def elbo(
    model: VAE, x: FloatArray, eps: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:  # [n, 8, 8], [n, S, 2] -> [n], [n], [n]
    """(ELBO, reconstruction term, KL term) of each image, in nats: the reconstruction term
    averaged over the S draws z = μ + σ·ε given in ``eps``, the KL term exact."""
    pixels = _images(x)
    if pixels.ndim != 2:
        raise ValueError(f"elbo needs a batch of images [n, 8, 8], got {np.shape(x)}")
    eps = _points(eps, model.latent, "eps")
    if eps.ndim != 3 or eps.shape[0] != pixels.shape[0]:
        raise ValueError(f"eps must have shape [n, S, 2] for n = {len(pixels)}, got {eps.shape}")
    mu, log_var = encode(model, np.asarray(x, dtype=np.float64))
    z = mu[:, None, :] + sigma(log_var)[:, None, :] * eps  # [n, S, 2]
    recon: FloatArray = reconstruction_term(model, np.asarray(x)[:, None], z).mean(axis=1)
    kl: FloatArray = 0.5 * np.sum(mu**2 + np.expm1(log_var) - log_var, axis=-1)
    return recon - kl, recon, kl


def heldout_figures(
    model: VAE, images: FloatArray, samples: int = 64, seed: int = 0
) -> dict[str, float]:
    """The training report's figures for these images: mean ELBO and its two terms (ε from
    ``default_rng(seed)``, ``samples`` draws per image), and the mean squared error per pixel of
    the image decoded at z = μ."""
    images = np.asarray(images, dtype=np.float64)
    eps = np.random.default_rng(seed).standard_normal((len(images), samples, model.latent))
    total, recon, kl = elbo(model, images, eps)
    mu, _ = encode(model, images)
    return {
        "elbo": float(total.mean()),
        "reconstruction_term": float(recon.mean()),
        "kl_term": float(kl.mean()),
        "reconstruction_mse": float(np.mean((decode(model, mu) - images) ** 2)),
    }


def sample_images(
    model: VAE, n: int, rng: np.random.Generator, digit: int | None = None
) -> FloatArray:  # -> [n, 8, 8]
    """n new images: z drawn from the prior N(0, I) and decoded, one decoder pass each.

    The VAE is not told which digit to draw: ``digit`` must be None.
    """
    if digit is not None:
        raise ValueError("this VAE is not conditional: it cannot be asked for a digit (digit=None)")
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0:
        raise ValueError(f"n must be a whole number >= 0, got {n!r}")
    z = rng.standard_normal((int(n), model.latent))
    return decode(model, z)


def latent_grid(model: VAE, extent: float, n: int) -> tuple[FloatArray, FloatArray]:
    """The decoder's images on an n × n grid of cell centres over [−extent, extent]²: (images
    [n, n, 8, 8] with row 0 at the top (largest z₂), the cell centres [n])."""
    if not extent > 0 or not np.isfinite(extent):
        raise ValueError(f"extent must be a number > 0, got {extent}")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    centres = -extent + (np.arange(n) + 0.5) * (2 * extent / n)
    z1, z2 = np.meshgrid(centres, centres[::-1])  # [n (rows, z₂ falling), n (columns, z₁)]
    images = decode(model, np.stack([z1, z2], axis=-1))
    return images, centres
