"""Scaled dot-product attention and multi-head attention (Vaswani et al., 2017).

    Attention(Q, K, V) = softmax(Q·Kᵀ / √d_k) · V

The mask follows PyTorch's ``scaled_dot_product_attention``: a boolean array, True where a query
may attend to a key, broadcast against the scores [..., n_q, n_k]. ``causal=True`` adds the
lower-triangular mask tril(ones(n_q, n_k)): query i sees keys 0…i.
"""

import numpy as np
import numpy.typing as npt

__all__ = [
    "attention_steps",
    "causal_mask",
    "multi_head_attention",
    "scaled_dot_product_attention",
    "softmax",
    "split_heads",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def softmax(x: npt.ArrayLike, axis: int = -1) -> FloatArray:
    """softmax(x)_i = exp(x_i - max x) / Σ_j exp(x_j - max x): stable for large inputs.

    Entries of -inf get probability 0; a slice that is all -inf has no softmax and is an error.
    """
    # [...] -> [...]
    x = np.asarray(x, dtype=np.float64)
    if np.isnan(x).any():
        raise ValueError("softmax got NaN: the scores must be numbers")
    if np.isposinf(x).any():
        raise ValueError("softmax got +inf: the scores must be finite or -inf (masked)")
    # subtracting the maximum leaves the result unchanged and keeps exp() from overflowing
    peak = np.max(x, axis=axis, keepdims=True)
    if np.isneginf(peak).any():
        raise ValueError("softmax of a row that is entirely -inf (everything masked) is undefined")
    e = np.exp(x - peak)
    out: FloatArray = e / np.sum(e, axis=axis, keepdims=True)
    return out


def causal_mask(n_q: int, n_k: int) -> BoolArray:
    """True where query i may attend key j, i.e. j <= i: tril(ones(n_q, n_k))."""
    # -> [n_q, n_k]
    return np.tril(np.ones((n_q, n_k), dtype=bool))


def _check_qkv(q: FloatArray, k: FloatArray, v: FloatArray) -> None:
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(
            f"q, k and v need at least 2 dimensions [n, d]; got shapes {q.shape}, {k.shape}, "
            f"{v.shape}"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q has d_k={q.shape[-1]} but k has d_k={k.shape[-1]}: queries and keys must have "
            f"the same width (shapes {q.shape} and {k.shape})"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k has {k.shape[-2]} keys but v has {v.shape[-2]} values: they must match "
            f"(shapes {k.shape} and {v.shape})"
        )
    if q.shape[-1] == 0:
        raise ValueError("d_k must be at least 1")


def attention_steps(
    q: npt.ArrayLike,
    k: npt.ArrayLike,
    v: npt.ArrayLike,
    mask: npt.ArrayLike | None = None,
    causal: bool = False,
) -> dict[str, FloatArray]:
    """Every step of attention, for teaching: scores → scaled → masked → weights → output.

    Returns a dict with "scores" (Q·Kᵀ), "scaled" (÷√d_k), "masked" (-inf where not allowed),
    "weights" (softmax over the keys) and "output" (weights·V).
    """
    # [..., n_q, d_k], [..., n_k, d_k], [..., n_k, d_v]
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    _check_qkv(q, k, v)
    n_q, n_k = q.shape[-2], k.shape[-2]
    # [..., n_q, d_k] @ [..., d_k, n_k] -> [..., n_q, n_k]
    scores = q @ np.swapaxes(k, -1, -2)
    scaled = scores / np.sqrt(q.shape[-1])
    allowed = np.ones((n_q, n_k), dtype=bool)
    if mask is not None:
        m = np.asarray(mask)
        if m.dtype != bool:
            raise ValueError(f"mask must be boolean (True = may attend), got dtype {m.dtype}")
        try:
            allowed = np.broadcast_to(m, np.broadcast_shapes(m.shape, scaled.shape))
        except ValueError:
            raise ValueError(
                f"mask of shape {m.shape} does not broadcast to the scores' shape {scaled.shape}"
            ) from None
    if causal:
        allowed = allowed & causal_mask(n_q, n_k)
    allowed = np.broadcast_to(allowed, np.broadcast_shapes(np.shape(allowed), scaled.shape))
    empty = ~allowed.any(axis=-1)
    if empty.any():
        row = int(np.argwhere(empty)[0][-1])
        raise ValueError(f"query row {row} may attend to nothing: the mask blocks every key for it")
    masked = np.where(allowed, scaled, -np.inf)
    weights = softmax(masked, axis=-1)
    # [..., n_q, n_k] @ [..., n_k, d_v] -> [..., n_q, d_v]
    output = weights @ v
    return {
        "scores": scores,
        "scaled": scaled,
        "masked": masked,
        "weights": weights,
        "output": output,
    }


def scaled_dot_product_attention(
    q: npt.ArrayLike,
    k: npt.ArrayLike,
    v: npt.ArrayLike,
    mask: npt.ArrayLike | None = None,
    causal: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """softmax(Q·Kᵀ/√d_k + mask) · V; returns (output, weights).

    # [..., n_q, d_k], [..., n_k, d_k], [..., n_k, d_v] -> [..., n_q, d_v], [..., n_q, n_k]
    """
    steps = attention_steps(q, k, v, mask=mask, causal=causal)
    return steps["output"], steps["weights"]


def _check_heads(num_heads: int, d_model: int) -> None:
    if isinstance(num_heads, bool) or not isinstance(num_heads, int | np.integer) or num_heads < 1:
        raise ValueError(f"num_heads must be a positive whole number, got {num_heads!r}")
    if d_model % num_heads:
        raise ValueError(f"num_heads={num_heads} must divide d_model={d_model}")


def split_heads(x: npt.ArrayLike, num_heads: int) -> FloatArray:
    """Give each head its own d_k = d_model / num_heads columns: head h gets h·d_k … (h+1)·d_k − 1.

    # [n, d_model] -> [num_heads, n, d_k]
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be [n, d_model], got shape {x.shape}")
    n, d_model = x.shape
    _check_heads(num_heads, d_model)
    # [n, d_model] -> [n, num_heads, d_k] -> [num_heads, n, d_k]
    heads: FloatArray = x.reshape(n, num_heads, d_model // num_heads).transpose(1, 0, 2)
    return heads


def multi_head_attention(
    x: npt.ArrayLike,
    w_q: npt.ArrayLike,
    w_k: npt.ArrayLike,
    w_v: npt.ArrayLike,
    w_o: npt.ArrayLike,
    num_heads: int,
    causal: bool = False,
    mask: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """MultiHead(X) = concat(head_1 … head_h)·W_o, head_i = Attention(X·W_q^i, X·W_k^i, X·W_v^i).

    Head h uses columns h·d_k … (h+1)·d_k of X·W_q, X·W_k and X·W_v (d_k = d_model / num_heads).
    ``mask`` (boolean [n, n], True = may attend) applies to every head, as in
    ``scaled_dot_product_attention``.
    Returns (output [n, d_model], weights [num_heads, n, n]).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be [n, d_model], got shape {x.shape}")
    n, d_model = x.shape
    weights_in = [np.asarray(w, dtype=np.float64) for w in (w_q, w_k, w_v, w_o)]
    for name, w in zip(("w_q", "w_k", "w_v", "w_o"), weights_in, strict=True):
        if w.shape != (d_model, d_model):
            raise ValueError(
                f"{name} must be [d_model, d_model] = [{d_model}, {d_model}], got {w.shape}"
            )
    _check_heads(num_heads, d_model)
    wq, wk, wv, wo = weights_in
    q, k, v = (split_heads(x @ w, num_heads) for w in (wq, wk, wv))
    heads, weights = scaled_dot_product_attention(q, k, v, mask=mask, causal=causal)
    # [num_heads, n, d_k] -> [n, d_model]
    concat = heads.transpose(1, 0, 2).reshape(n, d_model)
    output: FloatArray = concat @ wo
    return output, weights
