"""The forward (noising) process of a diffusion model (Ho et al. 2020, DDPM).

The seed's four steps to make one training example: pick an image ``x0``, generate noise
``ε ~ N(0, I)``, pick an amount (a timestep ``t``), and add it:

    x_t = √ᾱ_t · x0 + √(1 − ᾱ_t) · ε,      ᾱ_t = Π_{s ≤ t} (1 − β_s)

A schedule fixes how fast ᾱ_t falls from 1 (clean) to 0 (pure noise). Timesteps are indexed as
in code, ``t = 0 … num_steps − 1``: ``alpha_bars[0]`` is the first, barely noisy step. DDPM adds
noise to pixels scaled to [−1, 1] (``to_signed``), so image and noise have comparable sizes.
"""

import numpy as np
import numpy.typing as npt

__all__ = [
    "add_noise",
    "alpha_bar",
    "cosine_alpha_bar",
    "linear_beta_schedule",
    "sample_noise",
    "signal_to_noise",
    "signal_to_noise_db",
    "test_image",
    "to_pixels",
    "to_signed",
]

FloatArray = npt.NDArray[np.float64]


def _is_whole(n: object) -> bool:
    return isinstance(n, int | np.integer) and not isinstance(n, bool)


def _check_num_steps(num_steps: int) -> None:
    if not _is_whole(num_steps) or num_steps < 1:
        raise ValueError(f"num_steps must be a whole number >= 1, got {num_steps!r}")


def linear_beta_schedule(
    num_steps: int, beta_start: float = 1e-4, beta_end: float = 0.02
) -> FloatArray:  # [] -> [num_steps]
    """β_t rising linearly from ``beta_start`` to ``beta_end`` (DDPM's schedule)."""
    _check_num_steps(num_steps)
    if not 0 < beta_start <= beta_end < 1:
        raise ValueError(
            f"need 0 < beta_start <= beta_end < 1, got beta_start={beta_start}, beta_end={beta_end}"
        )
    return np.linspace(beta_start, beta_end, num_steps, dtype=np.float64)


def alpha_bar(betas: FloatArray) -> FloatArray:  # [num_steps] -> [num_steps]
    """ᾱ_t = Π_{s ≤ t} (1 − β_s): the share of the image's variance left after step t."""
    betas = np.asarray(betas, dtype=np.float64)
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError(f"betas must be a non-empty 1-D array, got shape {betas.shape}")
    if not np.all((betas > 0) & (betas < 1)):
        raise ValueError("every beta must be in (0, 1)")
    return np.cumprod(1.0 - betas)


def cosine_alpha_bar(num_steps: int, s: float = 0.008) -> FloatArray:  # [] -> [num_steps]
    """ᾱ_t = f(t) / f(0),  f(t) = cos²(π/2 · (t/T + s) / (1 + s))  (Nichol & Dhariwal 2021).

    Returned for t = 1 … T at indices 0 … T − 1, so it lines up with ``alpha_bar(betas)``. The
    last value is 0 up to rounding: x_T is pure noise. (The paper clips β_t = 1 − ᾱ_t/ᾱ_{t−1} at
    0.999 for the reverse process; the forward process needs no clipping.)
    """
    _check_num_steps(num_steps)
    if not s >= 0:
        raise ValueError(f"s must be >= 0, got {s}")
    t = np.arange(1, num_steps + 1)
    f_t = np.cos(np.pi / 2 * (t / num_steps + s) / (1 + s)) ** 2
    f_0 = np.cos(np.pi / 2 * s / (1 + s)) ** 2
    return np.asarray(f_t / f_0, dtype=np.float64)


def to_signed(image: FloatArray) -> FloatArray:  # [...] -> [...]
    """Pixels in [0, 1] -> x0 = 2 · image − 1 in [−1, 1], the range DDPM adds its noise to."""
    return 2.0 * np.asarray(image, dtype=np.float64) - 1.0


def to_pixels(x: FloatArray) -> FloatArray:  # [...] -> [...]
    """x in [−1, 1] (noise spills over) -> pixels (x + 1) / 2, clipped to [0, 1] for display."""
    return np.clip((np.asarray(x, dtype=np.float64) + 1.0) / 2.0, 0.0, 1.0)


def sample_noise(shape: tuple[int, ...], rng: np.random.Generator) -> FloatArray:  # -> shape
    """ε ~ N(0, I): one standard normal number per pixel."""
    return rng.standard_normal(shape)


def add_noise(
    x0: FloatArray, t: int, alpha_bars: FloatArray, eps: FloatArray
) -> FloatArray:  # [...], [], [num_steps], [...] -> [...]
    """x_t = √ᾱ_t · x0 + √(1 − ᾱ_t) · ε: jump straight to step t, no loop over steps needed."""
    x0, eps = np.asarray(x0, dtype=np.float64), np.asarray(eps, dtype=np.float64)
    alpha_bars = np.asarray(alpha_bars, dtype=np.float64)
    if x0.shape != eps.shape:
        raise ValueError(f"x0 and eps must have the same shape, got {x0.shape} and {eps.shape}")
    if not _is_whole(t) or not 0 <= t < len(alpha_bars):
        raise ValueError(f"t must be a whole number in [0, {len(alpha_bars) - 1}], got {t!r}")
    x_t: FloatArray = np.sqrt(alpha_bars[t]) * x0 + np.sqrt(1.0 - alpha_bars[t]) * eps
    return x_t


def signal_to_noise(alpha_bars: FloatArray) -> FloatArray:  # [num_steps] -> [num_steps]
    """SNR_t = ᾱ_t / (1 − ᾱ_t): signal variance over noise variance, for a unit-variance x0."""
    alpha_bars = np.asarray(alpha_bars, dtype=np.float64)
    # ᾱ = 1 would mean no noise at all: an infinite SNR, not a warning
    with np.errstate(divide="ignore"):
        return alpha_bars / (1.0 - alpha_bars)


def signal_to_noise_db(alpha_bars: FloatArray) -> FloatArray:  # [num_steps] -> [num_steps]
    """SNR in decibels, 10 · log10(ᾱ_t / (1 − ᾱ_t)): 0 dB is as much signal as noise."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(signal_to_noise(alpha_bars))


def test_image(size: int = 64) -> FloatArray:  # [] -> [size, size]
    """A fixed picture to add noise to: a sky gradient, a sun, a hill and a house, in [0, 1].

    Drawn from simple shapes, so it needs no file and is the same everywhere.
    """
    if not _is_whole(size) or size < 8:
        raise ValueError(f"size must be a whole number >= 8, got {size!r}")
    # pixel centres in (0, 1), y pointing down as in an image
    centres = (np.arange(size) + 0.5) / size
    y, x = np.meshgrid(centres, centres, indexing="ij")
    image = 0.85 - 0.45 * y
    sun = (x - 0.75) ** 2 + (y - 0.25) ** 2 < 0.12**2
    hill = y > 0.72 + 0.08 * np.cos(2 * np.pi * x)
    walls = (np.abs(x - 0.32) < 0.14) & (y > 0.5) & (y < 0.8)
    roof = (y > 0.32) & (y <= 0.5) & (np.abs(x - 0.32) < y - 0.32)
    door = (np.abs(x - 0.32) < 0.04) & (y > 0.66) & (y < 0.8)
    # paint back to front: later shapes cover earlier ones
    for mask, value in (
        (sun, 1.0),
        (hill, 0.25 + 0.1 * x),
        (walls, 0.55),
        (roof, 0.1),
        (door, 0.0),
    ):
        image = np.where(mask, value, image)
    return np.clip(image, 0.0, 1.0)
