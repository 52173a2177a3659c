"""The forward (noising) process of a diffusion model (Ho et al. 2020, DDPM).

The seed's four steps to make one training example: pick an image ``x0``, generate noise
``eps ~ N(0, I)``, pick an amount (a timestep ``t``), and add it:

    x_t = sqrt(ᾱ_t) · x0 + sqrt(1 − ᾱ_t) · ε,      ᾱ_t = Π_{s ≤ t} (1 − β_s)

A schedule fixes how fast ᾱ_t falls from 1 (clean) to 0 (pure noise). Timesteps are indexed as
in code, ``t = 0 … num_steps − 1``: ``alpha_bars[0]`` is the first, barely noisy step.
"""

import numpy as np

__all__ = [
    "add_noise",
    "alpha_bar",
    "cosine_alpha_bar",
    "linear_beta_schedule",
    "sample_noise",
    "signal_to_noise",
    "signal_to_noise_db",
    "test_image",
]


def _check_num_steps(num_steps: int) -> None:
    if isinstance(num_steps, bool) or not isinstance(num_steps, int | np.integer) or num_steps < 1:
        raise ValueError(f"num_steps must be a whole number >= 1, got {num_steps!r}")


def linear_beta_schedule(
    num_steps: int, beta_start: float = 1e-4, beta_end: float = 0.02
) -> np.ndarray:
    """β_t rising linearly from ``beta_start`` to ``beta_end`` (DDPM's schedule).
    """
    # [] -> [num_steps]
    _check_num_steps(num_steps)
    if not 0 < beta_start <= beta_end < 1:
        raise ValueError(
            f"need 0 < beta_start <= beta_end < 1, got beta_start={beta_start}, beta_end={beta_end}"
        )
    return np.linspace(beta_start, beta_end, num_steps)


def alpha_bar(betas: np.ndarray) -> np.ndarray:
    """ᾱ_t = Π_{s ≤ t} (1 − β_s): how much of the image is left after t + 1 steps.
    """
    # [num_steps] -> [num_steps]
    betas = np.asarray(betas, dtype=np.float64)
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError(f"betas must be a non-empty 1-D array, got shape {betas.shape}")
    if not np.all((betas > 0) & (betas < 1)):
        raise ValueError("every beta must be in (0, 1)")
    return np.cumprod(1.0 - betas)


def cosine_alpha_bar(num_steps: int, s: float = 0.008) -> np.ndarray:
    """ᾱ_t = f(t) / f(0),  f(t) = cos²(π/2 · (t/T + s) / (1 + s))  (Nichol & Dhariwal 2021).

    Returned for t = 1 … T at indices 0 … T − 1, so it lines up with ``alpha_bar(betas)``. The last
    value is 0 up to rounding: x_T is pure noise. (The paper clips β_t = 1 − ᾱ_t/ᾱ_{t−1} at 0.999
    for the reverse process; the forward process needs no clipping.)
    """
    # [] -> [num_steps]
    _check_num_steps(num_steps)
    if not s >= 0:
        raise ValueError(f"s must be >= 0, got {s}")
    t = np.arange(1, num_steps + 1)
    f_t = np.cos(np.pi / 2 * (t / num_steps + s) / (1 + s)) ** 2
    f_0 = np.cos(np.pi / 2 * s / (1 + s)) ** 2
    return f_t / f_0


def sample_noise(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """ε ~ N(0, I), one standard normal number per pixel."""
    return rng.standard_normal(shape)


def add_noise(x0: np.ndarray, t: int, alpha_bars: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """x_t = sqrt(ᾱ_t) · x0 + sqrt(1 − ᾱ_t) · ε.
    """
    # [...], [], [num_steps], [...] -> [...]
    x0, eps = np.asarray(x0, dtype=np.float64), np.asarray(eps, dtype=np.float64)
    alpha_bars = np.asarray(alpha_bars, dtype=np.float64)
    if x0.shape != eps.shape:
        raise ValueError(f"x0 and eps must have the same shape, got {x0.shape} and {eps.shape}")
    if isinstance(t, bool) or not isinstance(t, int | np.integer) or not 0 <= t < len(alpha_bars):
        raise ValueError(f"t must be a whole number in [0, {len(alpha_bars) - 1}], got {t!r}")
    a = alpha_bars[t]
    return np.sqrt(a) * x0 + np.sqrt(1.0 - a) * eps


def signal_to_noise(alpha_bars: np.ndarray) -> np.ndarray:
    """SNR_t = ᾱ_t / (1 − ᾱ_t): the signal's variance over the noise's, for a unit-variance image.
    """
    # [num_steps] -> [num_steps]
    alpha_bars = np.asarray(alpha_bars, dtype=np.float64)
    # ᾱ = 1 would mean no noise at all: infinite SNR, not a warning
    with np.errstate(divide="ignore"):
        return alpha_bars / (1.0 - alpha_bars)


def signal_to_noise_db(alpha_bars: np.ndarray) -> np.ndarray:
    """SNR in decibels: 10 · log10(ᾱ_t / (1 − ᾱ_t)); 0 dB is as much signal as noise.
    """
    # [num_steps] -> [num_steps]
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(signal_to_noise(alpha_bars))


def test_image(size: int = 64) -> np.ndarray:
    """A fixed picture to add noise to: a sky gradient, a sun, a hill and a house, values in [0, 1].

    Procedural, so it needs no file and looks the same everywhere.
    """
    # [] -> [size, size]
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ValueError(f"size must be a whole number >= 8, got {size!r}")
    # pixel centres in [0, 1], y downwards as in an image
    y, x = (np.mgrid[0:size, 0:size] + 0.5) / size
    image = 0.85 - 0.45 * y  # sky: bright at the top
    sun = (x - 0.75) ** 2 + (y - 0.25) ** 2 < 0.12**2
    image = np.where(sun, 1.0, image)
    hill = y > 0.72 + 0.08 * np.cos(2 * np.pi * x)
    image = np.where(hill, 0.25 + 0.1 * x, image)
    walls = (np.abs(x - 0.32) < 0.14) & (y > 0.5) & (y < 0.8)
    image = np.where(walls, 0.55, image)
    roof = (y <= 0.5) & (y > 0.32) & (np.abs(x - 0.32) < 0.18 * (y - 0.32) / 0.18)
    image = np.where(roof, 0.1, image)
    door = (np.abs(x - 0.32) < 0.04) & (y > 0.66) & (y < 0.8)
    image = np.where(door, 0.0, image)
    return np.clip(image, 0.0, 1.0)
