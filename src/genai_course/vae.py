"""The sampling step of a variational autoencoder (Kingma & Welling 2013).

The encoder does not output a point but a Gaussian: a mean μ and a log-variance log σ² per
latent dimension. A latent vector is drawn with the reparameterisation trick

    z = μ + σ · ε,      σ = exp(½ · log σ²),      ε ~ N(0, I)

so the randomness sits in ε and gradients can flow through μ and σ. Training keeps each Gaussian
close to N(0, I) with the KL divergence

    KL(N(μ, σ²) ‖ N(0, I)) = ½ · Σ_i (σ_i² + μ_i² − 1 − log σ_i²).

The seed's encoder output is μ = [1.0, −0.5], log σ² = [0.1, 0.2], giving σ = [e^0.05, e^0.1] ≈
[1.051, 1.105], and one sampled z = [1.2, −0.6].

``decoder`` here is hand-built, not trained: a fixed formula that draws a 28 × 28 glyph whose shape
changes smoothly with a 2-D z, so walking the latent space can be shown without shipping a model.
"""

import numpy as np
import numpy.typing as npt

__all__ = [
    "SEED_LOG_VAR",
    "SEED_MU",
    "SEED_Z",
    "decoder",
    "ellipse_mass",
    "gaussian_pdf",
    "kl_divergence",
    "mahalanobis",
    "reparameterize",
    "sample_latents",
    "sigma",
    "sigma_ellipse",
]

FloatArray = npt.NDArray[np.float64]

# The seed's worked example (bootcamp deck, "VAE Demo and assignment")
SEED_MU = (1.0, -0.5)
SEED_LOG_VAR = (0.1, 0.2)
SEED_Z = (1.2, -0.6)


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


def decoder(
    z: FloatArray, size: int = 28
) -> FloatArray:  # [2] -> [size, size]; [n, 2] -> [n, size, size]
    """A hand-built stand-in for a trained decoder: z (2 numbers) -> a size × size glyph in [0, 1].

    Not learned from data: a pen traces an ellipse whose width follows z[0], from a bar like "1"
    (z[0] ≈ −3) to a round "0" (z[0] ≈ +3), and whose slant follows z[1], leaning left (−) or
    right (+). Every pixel changes continuously with z, so nearby points draw similar glyphs, as
    in a trained VAE's latent space.
    """
    z = _points(z, 2, "z")
    if not isinstance(size, int) or isinstance(size, bool) or size < 8:
        raise ValueError(f"size must be a whole number >= 8, got {size!r}")
    glyphs = [_glyph(float(a), float(b), size) for a, b in z.reshape(-1, 2)]
    return np.array(glyphs, dtype=np.float64).reshape(*z.shape[:-1], size, size)


def _glyph(z0: float, z1: float, size: int) -> FloatArray:  # [], [] -> [size, size]
    # the pen's path: an ellipse of half-height 0.68 whose half-width and slant follow z
    half_width = 0.5 / (1 + np.exp(-1.2 * z0))  # in (0, 0.5)
    slant = 0.35 * np.tanh(0.6 * z1)
    theta = np.linspace(0.0, 2 * np.pi, 97)[:-1]
    path_v = 0.68 * np.sin(theta)  # [96], y pointing down
    path_u = half_width * np.cos(theta) - slant * path_v  # [96]
    # ink falls off with the distance from each pixel centre (grid in [−1, 1]) to the path
    centres = (np.arange(size) + 0.5) / size * 2 - 1
    dv2 = (centres[:, None] - path_v) ** 2  # [size, 96]
    du2 = (centres[:, None] - path_u) ** 2  # [size, 96]
    squared = dv2[:, None, :] + du2[None, :, :]  # [size (v), size (u), 96]
    glyph: FloatArray = np.exp(-np.min(squared, axis=-1) / 0.12**2)
    return glyph
