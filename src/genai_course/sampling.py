"""Choosing the next token from a model's logits: temperature, top-k and top-p (nucleus).

The order is the one Hugging Face's logits warpers use: temperature, then top-k, then top-p.

    temperature:  p = softmax(logits / T); T = 0 means greedy (all mass on the first maximum)
    top-k:        keep the k likeliest tokens (and every token tied with the k-th), renormalise
    top-p:        keep the smallest set of likeliest tokens whose mass reaches p — the token that
                  crosses p is kept, and so is at least one token — then renormalise
"""

# annotations are not evaluated: naming np.random.Generator would import numpy.random, which
# a program that draws nothing does not need (over 100 ms on its first use in the page)
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from genai_course.attention import softmax

__all__ = [
    "apply_temperature",
    "sample_many",
    "sample_next_token",
    "sampling_steps",
    "top_k_filter",
    "top_p_filter",
]

FloatArray = npt.NDArray[np.float64]


def _logits(logits: npt.ArrayLike) -> FloatArray:
    x = np.asarray(logits, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D list of scores, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("logits must be finite numbers (no NaN or infinity)")
    return x


def _probs(probs: npt.ArrayLike) -> FloatArray:
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"probs must be a non-empty 1-D list, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or (p < 0).any():
        raise ValueError("probs must be finite and non-negative")
    if abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"probs must sum to 1, got {p.sum():.6g}")
    return p


def apply_temperature(logits: npt.ArrayLike, temperature: float) -> FloatArray:
    """softmax(logits / temperature); temperature 0 gives a one-hot at the first maximum."""
    # [vocab] -> [vocab]
    x = _logits(logits)
    if not isinstance(temperature, int | float | np.floating | np.integer) or np.isnan(temperature):
        raise ValueError(f"temperature must be a number, got {temperature!r}")
    if temperature < 0 or not np.isfinite(temperature):
        raise ValueError(f"temperature must be 0 or more (and finite), got {temperature}")
    if temperature == 0:
        greedy = np.zeros_like(x)
        greedy[int(np.argmax(x))] = 1.0
        return greedy
    return softmax(x / temperature)


def top_k_filter(probs: npt.ArrayLike, k: int) -> FloatArray:
    """Keep the k likeliest tokens (ties with the k-th kept too), renormalise."""
    p = _probs(probs)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"top_k must be a whole number >= 1, got {k!r}")
    if k >= p.size:
        return p.copy()
    # the k-th largest probability is the bar a token must reach
    threshold = np.sort(p)[::-1][k - 1]
    kept = np.where(p >= threshold, p, 0.0)
    out: FloatArray = kept / kept.sum()
    return out


def _top_p_keep(p: FloatArray, top_p: float) -> npt.NDArray[np.bool_]:
    order = np.argsort(-p, kind="stable")
    # mass of the strictly likelier tokens in front of each token, in sorted order
    before = np.cumsum(p[order]) - p[order]
    keep_sorted = before < top_p
    keep_sorted[0] = True
    keep = np.zeros(p.size, dtype=bool)
    keep[order] = keep_sorted
    return keep


def top_p_filter(probs: npt.ArrayLike, p: float) -> FloatArray:
    """Keep the smallest likeliest set whose mass reaches p (nucleus sampling), renormalise."""
    probs_ = _probs(probs)
    if not isinstance(p, int | float | np.floating) or not 0 < p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {p}")
    kept = np.where(_top_p_keep(probs_, float(p)), probs_, 0.0)
    out: FloatArray = kept / kept.sum()
    return out


def sampling_steps(
    logits: npt.ArrayLike,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> dict[str, FloatArray]:
    """The distribution after each step: "temperature", "top_k", "final" (after top-p), plus
    "top_p_cutoff" (the smallest probability top-p keeps, as a 0-d array)."""
    after_temperature = apply_temperature(logits, temperature)
    after_k = after_temperature if top_k is None else top_k_filter(after_temperature, top_k)
    final = after_k if top_p is None else top_p_filter(after_k, top_p)
    kept = after_k[final > 0]
    return {
        "temperature": after_temperature,
        "top_k": after_k,
        "final": final,
        "top_p_cutoff": np.asarray(kept.min(), dtype=np.float64),
    }


def sample_next_token(
    logits: npt.ArrayLike,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | None = None,
) -> int:
    """Draw one token index from the filtered distribution (greedy when temperature is 0).

    Without ``rng`` a fresh, unseeded ``np.random.default_rng()`` is used.
    """
    final = sampling_steps(logits, temperature, top_k, top_p)["final"]
    if temperature == 0:
        return int(np.argmax(final))
    generator = rng if rng is not None else np.random.default_rng()
    return int(generator.choice(final.size, p=final))


def sample_many(
    logits: npt.ArrayLike,
    n: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | None = None,
) -> npt.NDArray[np.intp]:
    """Draw n token indices at once from the same distribution as ``sample_next_token``.

    The indices are ``np.intp``, the platform's index type: ``Generator.choice`` gives int64 on
    every platform, which ``np.bincount`` refuses to cast to Pyodide's 32-bit ``intp``.
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    final = sampling_steps(logits, temperature, top_k, top_p)["final"]
    generator = rng if rng is not None else np.random.default_rng()
    drawn: npt.NDArray[np.intp] = generator.choice(final.size, size=n, p=final).astype(np.intp)
    return drawn
