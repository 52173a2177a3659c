"""Sinusoidal positional encoding (Vaswani et al., 2017).

    PE[k, 2i]   = sin(k / base^(2i/d_model))
    PE[k, 2i+1] = cos(k / base^(2i/d_model))

Columns 2i and 2i+1 share the same frequency, which is why the course notes label the first four
columns i=0, i=0, i=1, i=1. With an odd d_model the last column is a sine.
"""

import numpy as np
import numpy.typing as npt

__all__ = ["position_similarity", "sinusoidal_encoding"]

FloatArray = npt.NDArray[np.float64]


def sinusoidal_encoding(num_positions: int, d_model: int, base: float = 10000.0) -> FloatArray:
    """The positional-encoding matrix PE of shape [num_positions, d_model]."""
    if not isinstance(num_positions, int | np.integer) or num_positions < 1:
        raise ValueError(f"num_positions must be a whole number >= 1, got {num_positions!r}")
    if not isinstance(d_model, int | np.integer) or d_model < 1:
        raise ValueError(f"d_model must be a whole number >= 1, got {d_model!r}")
    if not np.isfinite(base) or base <= 0:
        raise ValueError(f"base must be a positive number, got {base!r}")
    # [num_positions, 1]
    k = np.arange(num_positions, dtype=np.float64)[:, None]
    # the pair index i of each column: 0, 0, 1, 1, 2, 2, …  -> [d_model]
    i = np.arange(d_model) // 2
    angles = k / np.power(float(base), 2 * i / d_model)
    # even columns take the sine, odd columns the cosine of the same angle
    pe: FloatArray = np.where(np.arange(d_model) % 2 == 0, np.sin(angles), np.cos(angles))
    return pe


def position_similarity(pe: npt.ArrayLike, normalise: bool = False) -> FloatArray:
    """PE·PEᵀ: how alike two positions' encodings are (cosine similarity if ``normalise``).

    # [n, d] -> [n, n]
    """
    m = np.asarray(pe, dtype=np.float64)
    if m.ndim != 2:
        raise ValueError(f"pe must be [num_positions, d_model], got shape {m.shape}")
    if normalise:
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        m = m / np.where(norms == 0, 1.0, norms)
    out: FloatArray = m @ m.T
    return out
