"""A class-conditional diffusion model of the 8×8 digits, run in NumPy: DDPM and DDIM sampling
with classifier-free guidance.

The denoiser ε_θ(x_t, t, c) was trained once, offline, by ``training/train_digit_ddpm.py``
(PyTorch, CPU) to predict the noise ε that was added to a digit x_0 (pixels scaled to [−1, 1]):

    x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε,       loss = ‖ε − ε_θ(x_t, t, c)‖²

Its weights are ``data/digit_ddpm.npz`` (float16; computed here in float64). The network is a
small MLP on the 64 pixels; every layer also reads the embedding e = [PE(t), E_c[c]] of the
timestep (sinusoidal, as in the Transformer) and of the class c (a digit 0–9, or 10, the null
class "no digit asked for", put in place of the digit for 15 % of the training examples)::

    h_1 = SiLU([x_t, e] W_1 + b_1)
    h_2 = h_1 + SiLU([h_1, e] W_2 + b_2)
    h_3 = h_2 + SiLU([h_2, e] W_3 + b_3)
    ε_θ = h_3 W_out + b_out

Schedule: the cosine schedule (Nichol & Dhariwal 2021) with T = 200 steps, β_t clipped at 0.999;
timesteps are indexed as in code, t = 0 … T − 1 (``genai_course.diffusion``'s convention), and
ᾱ_{−1} = 1 stands for the clean image.

Sampling starts from pure noise x_{T−1} ~ N(0, I) and walks back to t = 0:

- **DDPM** (Ho et al. 2020), all T steps: the model's noise gives the guess
  x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t, clipped to [−1, 1] as in the paper's code; the next image is
  drawn around the posterior mean μ̃_t = √ᾱ_{t−1} β_t / (1 − ᾱ_t) · x̂_0 + √α_t (1 − ᾱ_{t−1}) /
  (1 − ᾱ_t) · x_t, with variance β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t. Without the clipping
  this mean is the paper's μ = (x_t − β_t / √(1 − ᾱ_t) · ε̂) / √α_t (``posterior_mean``).
- **DDIM** (Song et al. 2021, η = 0), any number of steps: no noise is added; x_{t'} =
  √ᾱ_{t'} x̂_0 + √(1 − ᾱ_{t'}) ε̂ jumps straight to an earlier step t'. With x̂_0 clipped, ε̂ here
  is the noise x_t holds besides it, (x_t − √ᾱ_t x̂_0) / √(1 − ᾱ_t) (the network's own guess
  would feed the clipping's error back, step after step: at 50 guided steps the batch blows up).

Classifier-free guidance (Ho & Salimans 2022): ε̂ = ε_θ(x_t, t, ∅) + w · (ε_θ(x_t, t, c) −
ε_θ(x_t, t, ∅)). Here w = 0 ignores the digit asked for (the unconditional model), w = 1 is the
conditional model alone, and w > 1 pushes past it towards the digit. (Ho & Salimans write the same
mix as (1 + w′) ε_c − w′ ε_∅: their w′ is our w − 1.)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from genai_course import arrays, diffusion, positional

__all__ = [
    "DEFAULT_GUIDANCE",
    "DEFAULT_STEPS",
    "EVALUATIONS_PER_IMAGE",
    "MAX_GUIDANCE",
    "MAX_IMAGES",
    "NULL_CLASS",
    "SAMPLERS",
    "Denoiser",
    "SamplingStep",
    "classifier_free_guidance",
    "cosine_schedule",
    "count_parameters",
    "ddim_timesteps",
    "denoising_loss",
    "eps_theta",
    "guided_eps",
    "load_model",
    "posterior_mean",
    "predict_x0",
    "reverse_step",
    "sample_images",
    "sample_steps",
    "silu",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NULL_CLASS = 10  # the class "no digit asked for"
SAMPLERS = ("ddim", "ddpm")
DEFAULT_STEPS = 50  # DDIM steps of sample_images
DEFAULT_GUIDANCE = 2.0  # w of sample_images for a digit asked for
# a conditional and an unconditional pass per step
EVALUATIONS_PER_IMAGE = DEFAULT_STEPS * 2
MAX_GUIDANCE = 10.0
MAX_IMAGES = 4096
PIXELS = 64  # 8 × 8


@dataclass(frozen=True, eq=False)
class Denoiser:
    """The trained ε_θ's weights (float64, in the ``x @ W`` convention) and its schedule."""

    num_steps: int  # T
    class_emb: FloatArray  # E_c: [11, d_c], row 10 is the null class
    w_1: FloatArray  # [64 + d_e, H]
    b_1: FloatArray  # [H]
    w_2: FloatArray  # [H + d_e, H]
    b_2: FloatArray  # [H]
    w_3: FloatArray  # [H + d_e, H]
    b_3: FloatArray  # [H]
    w_out: FloatArray  # [H, 64]
    b_out: FloatArray  # [64]
    time_emb: FloatArray  # PE: [T, d_t], sinusoidal
    betas: FloatArray  # β_t: [T]
    alpha_bars: FloatArray  # ᾱ_t: [T]


WEIGHT_NAMES = ("class_emb", "w_1", "b_1", "w_2", "b_2", "w_3", "b_3", "w_out", "b_out")


def cosine_schedule(num_steps: int) -> tuple[FloatArray, FloatArray]:
    """(β_t, ᾱ_t) of the cosine schedule, β_t = 1 − ᾱ_t / ᾱ_{t−1} clipped at 0.999.

    # [] -> [T], [T]
    """
    target = diffusion.cosine_alpha_bar(num_steps)
    previous = np.concatenate([[1.0], target[:-1]])
    betas = np.clip(1.0 - target / previous, 0.0, 0.999)
    return betas, np.cumprod(1.0 - betas)


@functools.cache
def load_model(path: Path | None = None) -> Denoiser:
    """The committed denoiser (``data/digit_ddpm.npz``), weights as float64."""
    stored = arrays.load("digit_ddpm") if path is None else arrays.from_npz(path.read_bytes())
    weights = {name: stored[name].astype(np.float64) for name in WEIGHT_NAMES}
    num_steps = int(stored["num_steps"])
    d_t = int(stored["d_t"])
    betas, alpha_bars = cosine_schedule(num_steps)
    return Denoiser(
        num_steps=num_steps,
        time_emb=positional.sinusoidal_encoding(num_steps, d_t),
        betas=betas,
        alpha_bars=alpha_bars,
        **weights,
    )


def count_parameters(model: Denoiser) -> int:
    """The number of trained numbers (the schedule and the sinusoids are fixed, not trained)."""
    return sum(int(getattr(model, name).size) for name in WEIGHT_NAMES)


def silu(x: FloatArray) -> FloatArray:
    """SiLU(x) = x · σ(x) = x / (1 + e^(−x))."""
    # e^(−x) overflows for very negative x, where x / (1 + e^(−x)) is 0 anyway
    with np.errstate(over="ignore"):
        out: FloatArray = x / (1.0 + np.exp(-x))
    return out


def eps_theta(
    model: Denoiser, x_t: FloatArray, t: IntArray, c: IntArray
) -> FloatArray:  # [n, 64], [n], [n] -> [n, 64]
    """ε_θ(x_t, t, c): the network's guess of the noise in x_t (c = 10 for no class)."""
    # e = [PE(t), E_c[c]]: what every layer knows besides the pixels  -> [n, d_e]
    e = np.concatenate([model.time_emb[t], model.class_emb[c]], axis=1)
    h = silu(np.concatenate([x_t, e], axis=1) @ model.w_1 + model.b_1)
    h = h + silu(np.concatenate([h, e], axis=1) @ model.w_2 + model.b_2)
    h = h + silu(np.concatenate([h, e], axis=1) @ model.w_3 + model.b_3)
    out: FloatArray = h @ model.w_out + model.b_out
    return out


def classifier_free_guidance(
    eps_uncond: FloatArray, eps_cond: FloatArray, w: float
) -> FloatArray:  # [...], [...], [] -> [...]
    """ε̂ = ε_∅ + w · (ε_c − ε_∅): w = 0 unconditional, w = 1 conditional, w > 1 beyond it."""
    eps_uncond = np.asarray(eps_uncond, dtype=np.float64)
    out: FloatArray = eps_uncond + w * (np.asarray(eps_cond, dtype=np.float64) - eps_uncond)
    return out


def guided_eps(
    model: Denoiser, x_t: FloatArray, t: int, digit: int | None, w: float
) -> tuple[FloatArray, int]:  # [n, 64] -> [n, 64], evaluations per image
    """The guided noise guess for a batch at timestep t, and how many network passes it took.

    No digit, or w = 0: the unconditional pass alone; w = 1: the conditional pass alone; else both,
    run as one batch of 2n rows.
    """
    n = x_t.shape[0]
    steps = np.full(n, t, dtype=np.int64)
    if digit is None or w == 0:
        return eps_theta(model, x_t, steps, np.full(n, NULL_CLASS, dtype=np.int64)), 1
    if w == 1:
        return eps_theta(model, x_t, steps, np.full(n, digit, dtype=np.int64)), 1
    classes = np.concatenate([np.full(n, digit), np.full(n, NULL_CLASS)]).astype(np.int64)
    both = eps_theta(model, np.concatenate([x_t, x_t]), np.concatenate([steps, steps]), classes)
    return classifier_free_guidance(both[n:], both[:n], w), 2


def predict_x0(x_t: FloatArray, eps: FloatArray, alpha_bar_t: float) -> FloatArray:
    """x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t: the clean image the noise guess implies, unclipped."""
    out: FloatArray = (x_t - math.sqrt(1.0 - alpha_bar_t) * eps) / math.sqrt(alpha_bar_t)
    return out


def _check_step(t: object, betas: FloatArray) -> int:
    if not isinstance(t, int | np.integer) or isinstance(t, bool) or not 0 <= t < len(betas):
        raise ValueError(f"t must be a whole number in [0, {len(betas) - 1}], got {t!r}")
    return int(t)


def posterior_mean(
    x_t: FloatArray, eps_hat: FloatArray, t: int, betas: FloatArray
) -> FloatArray:  # [...], [...], [], [T] -> [...]
    """μ_θ = (x_t − β_t / √(1 − ᾱ_t) · ε̂) / √α_t, with α_t = 1 − β_t (Ho et al. 2020, eq. 11)."""
    betas = np.asarray(betas, dtype=np.float64)
    t = _check_step(t, betas)
    alpha_bar_t = float(np.prod(1.0 - betas[: t + 1]))
    beta_t = float(betas[t])
    x_t, eps_hat = np.asarray(x_t, dtype=np.float64), np.asarray(eps_hat, dtype=np.float64)
    out: FloatArray = (x_t - beta_t / math.sqrt(1.0 - alpha_bar_t) * eps_hat) / math.sqrt(
        1.0 - beta_t
    )
    return out


def reverse_step(
    x_t: FloatArray, eps_hat: FloatArray, t: int, betas: FloatArray, z: FloatArray
) -> FloatArray:  # [...], [...], [], [T], [...] -> [...]
    """One step of DDPM's sampler (Algorithm 2): x_{t−1} = μ_θ + σ_t z, σ_t = √β_t; no noise at
    the last step, t = 0."""
    mean = posterior_mean(x_t, eps_hat, t, betas)
    if t == 0:
        return mean
    out: FloatArray = mean + math.sqrt(float(np.asarray(betas)[t])) * np.asarray(z, np.float64)
    return out


def ddim_timesteps(num_steps: int, steps: int) -> IntArray:  # [] -> [steps]
    """The timesteps DDIM visits, ``steps`` of them evenly spaced from T − 1 down to 0."""
    out: IntArray = np.round(np.linspace(num_steps - 1, 0, steps)).astype(np.int64)
    return out


@dataclass(frozen=True)
class SamplingStep:
    """One denoising step: the batch x_t it started from, the model's guess x̂_0 (clipped to
    [−1, 1]), the result x_next at the next, less noisy step, and the noise level √(1 − ᾱ_t)."""

    index: int  # 1 … number of steps
    total: int
    t: int
    noise_level: float
    x_t: FloatArray  # [n, 64]
    x0_hat: FloatArray  # [n, 64]
    x_next: FloatArray  # [n, 64]
    evaluations: int  # network passes per image so far


def _whole(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_sampling(
    model: Denoiser, n: int, digit: int | None, guidance: float, sampler: str, steps: int
) -> None:
    if not _whole(n) or not 1 <= n <= MAX_IMAGES:
        raise ValueError(f"n must be a whole number from 1 to {MAX_IMAGES}, got {n!r}")
    if digit is not None and (not _whole(digit) or not 0 <= digit <= 9):
        raise ValueError(f"digit must be None (any digit) or a whole number 0-9, got {digit!r}")
    if (
        isinstance(guidance, bool)
        or not isinstance(guidance, int | float | np.floating | np.integer)
        or not 0 <= guidance <= MAX_GUIDANCE
    ):
        raise ValueError(
            f"guidance w must be a number from 0 to {MAX_GUIDANCE:g}, got {guidance!r}"
        )
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    if sampler == "ddim" and (not _whole(steps) or not 1 <= steps <= model.num_steps):
        raise ValueError(
            f"steps must be a whole number from 1 to {model.num_steps} for DDIM, got {steps!r}"
        )


def sample_steps(
    model: Denoiser,
    n: int,
    rng: np.random.Generator,
    digit: int | None = None,
    guidance: float = DEFAULT_GUIDANCE,
    sampler: str = "ddim",
    steps: int = DEFAULT_STEPS,
) -> Iterator[SamplingStep]:
    """Generate n digits from pure noise, yielding each step as it is computed.

    ``sampler`` "ddpm" walks all T steps (``steps`` is ignored), "ddim" takes ``steps`` of them.
    The last step's ``x_next`` is the generated batch, in [−1, 1] (up to DDPM's last tiny noise).
    """
    _check_sampling(model, n, digit, guidance, sampler, steps)
    x = rng.standard_normal((n, PIXELS))
    timesteps = (
        np.arange(model.num_steps - 1, -1, -1)
        if sampler == "ddpm"
        else ddim_timesteps(model.num_steps, steps)
    )
    evaluations = 0
    for i, t in enumerate(timesteps.tolist()):
        alpha_bar_t = float(model.alpha_bars[t])
        # the earlier step this one goes to; ᾱ = 1 past the end, the clean image
        t_prev = int(timesteps[i + 1]) if i + 1 < len(timesteps) else -1
        alpha_bar_prev = float(model.alpha_bars[t_prev]) if t_prev >= 0 else 1.0
        eps, passes = guided_eps(model, x, t, digit, guidance)
        evaluations += passes
        x0_hat = np.clip(predict_x0(x, eps, alpha_bar_t), -1.0, 1.0)
        if sampler == "ddim":
            # η = 0: no fresh noise. The noise x_t holds besides the (clipped) x̂_0 is carried to
            # the earlier level; the network's own ε̂ there would feed clipping's error back
            eps_kept = (x - math.sqrt(alpha_bar_t) * x0_hat) / math.sqrt(1.0 - alpha_bar_t)
            x_next = math.sqrt(alpha_bar_prev) * x0_hat + math.sqrt(1.0 - alpha_bar_prev) * eps_kept
        else:
            beta_t = float(model.betas[t])
            mean = (
                math.sqrt(alpha_bar_prev) * beta_t / (1.0 - alpha_bar_t) * x0_hat
                + math.sqrt(1.0 - beta_t) * (1.0 - alpha_bar_prev) / (1.0 - alpha_bar_t) * x
            )
            variance = (1.0 - alpha_bar_prev) / (1.0 - alpha_bar_t) * beta_t
            x_next = mean + math.sqrt(variance) * rng.standard_normal(x.shape) if t > 0 else mean
        yield SamplingStep(
            i + 1,
            len(timesteps),
            t,
            math.sqrt(1.0 - alpha_bar_t),
            x,
            x0_hat,
            x_next,
            evaluations,
        )
        x = x_next


def sample_images(
    model: Denoiser, n: int, rng: np.random.Generator, digit: int | None = None
) -> FloatArray:  # -> [n, 8, 8]
    """n generated digits, pixels in [0, 1]: DDIM with ``DEFAULT_STEPS`` steps, and for a digit
    asked for, guidance w = ``DEFAULT_GUIDANCE``."""
    *_, last = sample_steps(model, n, rng, digit, DEFAULT_GUIDANCE, "ddim", DEFAULT_STEPS)
    return diffusion.to_pixels(last.x_next).reshape(n, 8, 8)


def denoising_loss(
    model: Denoiser, x0: FloatArray, t: IntArray, c: IntArray, eps: FloatArray
) -> FloatArray:  # [n, 64], [n], [n], [n, 64] -> [n]
    """‖ε − ε_θ(x_t, t, c)‖² / 64 per image: the training loss, on given x_0, t, c and ε."""
    sqrt_ab = np.sqrt(model.alpha_bars[t])[:, None]
    x_t = sqrt_ab * x0 + np.sqrt(1.0 - model.alpha_bars[t])[:, None] * eps
    out: FloatArray = np.mean((eps - eps_theta(model, x_t, t, c)) ** 2, axis=1)
    return out
