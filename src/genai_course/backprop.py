"""Backpropagation by hand: a forward and a backward pass for each layer of a small language model.

Each layer is two functions. ``<layer>_forward`` computes the output and keeps what the backward
pass needs (its ``cache``); ``<layer>_backward`` takes dL/d(output) and returns dL/d(input) and
dL/d(each weight), by the chain rule::

    y = x·W + b              dL/dx = dL/dy·Wᵀ     dL/dW = xᵀ·dL/dy     dL/db = Σ_rows dL/dy
    y = W[ids]               dL/dW[i] = Σ over the rows that picked i of dL/dy
    L = −mean log softmax(z)[target]       dL/dz = (softmax(z) − onehot(target)) / n

``adamw_step`` then moves every weight against its gradient (Loshchilov & Hutter's AdamW, as
PyTorch's ``torch.optim.AdamW`` computes it). Everything is float64, so finite differences check
each backward pass to many digits (``tests/test_charlm.py``).
"""

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = [
    "AdamW",
    "adamw_step",
    "attention_backward",
    "attention_forward",
    "embedding_backward",
    "embedding_forward",
    "gelu_backward",
    "gelu_forward",
    "layer_norm_backward",
    "layer_norm_forward",
    "linear_backward",
    "linear_forward",
    "softmax_cross_entropy",
    "tanh_backward",
    "tanh_forward",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Params = dict[str, FloatArray]


def _matmul(x: FloatArray, w: FloatArray) -> FloatArray:
    # [..., d_in], [d_in, d_out] -> [..., d_out]; einsum, not @: Pyodide's NumPy has no BLAS and
    # its einsum loop is several times faster than its matmul on these small matrices
    y: FloatArray = np.einsum("...i,io->...o", x, w)
    return y


def linear_forward(x: FloatArray, w: FloatArray, b: FloatArray | None = None) -> FloatArray:
    """y = x·W + b, on the last axis."""
    # [..., d_in], [d_in, d_out], [d_out] -> [..., d_out]
    y = _matmul(x, w)
    return y if b is None else y + b


def linear_backward(
    dy: FloatArray, x: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """dL/dx = dL/dy·Wᵀ, dL/dW = xᵀ·dL/dy, dL/db = dL/dy summed over the rows."""
    # [..., d_out], [..., d_in], [d_in, d_out] -> [..., d_in], [d_in, d_out], [d_out]
    rows_x = x.reshape(-1, x.shape[-1])  # [n, d_in]
    rows_dy = dy.reshape(-1, dy.shape[-1])  # [n, d_out]
    dx: FloatArray = np.einsum("...o,io->...i", dy, w)
    dw: FloatArray = np.einsum("ni,no->io", rows_x, rows_dy)
    db: FloatArray = rows_dy.sum(axis=0)
    return dx, dw, db


def embedding_forward(ids: IntArray, w: FloatArray) -> FloatArray:
    """y = W[ids]: row i of the table for id i (a gather)."""
    # [...], [n_vocab, d] -> [..., d]
    y: FloatArray = w[ids]
    return y


def embedding_backward(dy: FloatArray, ids: IntArray, n_vocab: int) -> FloatArray:
    """dL/dW: each row of the table gets the sum of the gradients of the positions that read it."""
    # [..., d], [...] -> [n_vocab, d]
    dw = np.zeros((n_vocab, dy.shape[-1]))
    # add.at, not dw[ids] += dy: an id read twice must be counted twice
    np.add.at(dw, ids.reshape(-1), dy.reshape(-1, dy.shape[-1]))
    return dw


def tanh_forward(x: FloatArray) -> FloatArray:
    """y = tanh(x)."""
    y: FloatArray = np.tanh(x)
    return y


def tanh_backward(dy: FloatArray, y: FloatArray) -> FloatArray:
    """dL/dx = dL/dy · (1 − y²), from the output y = tanh(x)."""
    dx: FloatArray = dy * (1.0 - y * y)
    return dx


_GELU_C = float(np.sqrt(2.0 / np.pi))


def gelu_forward(x: FloatArray) -> FloatArray:
    """GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))."""
    y: FloatArray = 0.5 * x * (1.0 + np.tanh(_GELU_C * (x + 0.044715 * x * x * x)))
    return y


def gelu_backward(dy: FloatArray, x: FloatArray) -> FloatArray:
    """dL/dx for GELU (tanh approximation), from its input x."""
    t = np.tanh(_GELU_C * (x + 0.044715 * x * x * x))
    # product rule: d/dx [0.5·x·(1 + t)] = 0.5·(1 + t) + 0.5·x·(1 − t²)·dt_inner/dx
    dx: FloatArray = dy * (
        0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _GELU_C * (1.0 + 3 * 0.044715 * x * x)
    )
    return dx


@dataclass(frozen=True, eq=False)
class LayerNormCache:
    x_hat: FloatArray  # [..., d] normalised input
    inv_std: FloatArray  # [..., 1]
    g: FloatArray  # [d]


def layer_norm_forward(
    x: FloatArray, g: FloatArray, b: FloatArray, eps: float = 1e-5
) -> tuple[FloatArray, LayerNormCache]:
    """LN(x) = g · (x − mean(x)) / √(var(x) + eps) + b over the last axis."""
    # [..., d], [d], [d] -> [..., d]
    centred = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + eps)
    x_hat = centred * inv_std
    return g * x_hat + b, LayerNormCache(x_hat, inv_std, g)


def layer_norm_backward(
    dy: FloatArray, cache: LayerNormCache
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """dL/dx, dL/dg, dL/db of layer norm."""
    # [..., d] -> [..., d], [d], [d]
    d = dy.shape[-1]
    dg = (dy * cache.x_hat).reshape(-1, d).sum(axis=0)
    db = dy.reshape(-1, d).sum(axis=0)
    dx_hat = dy * cache.g
    # x_hat depends on x directly and through the mean and the variance of its row
    dx: FloatArray = cache.inv_std * (
        dx_hat
        - dx_hat.mean(axis=-1, keepdims=True)
        - cache.x_hat * (dx_hat * cache.x_hat).mean(axis=-1, keepdims=True)
    )
    return dx, dg, db


@dataclass(frozen=True, eq=False)
class AttentionCache:
    x: FloatArray  # [B, T, d_model]
    q: FloatArray  # [B, h, T, d_k]
    k: FloatArray
    v: FloatArray
    weights: FloatArray  # [B, h, T, T]
    concat: FloatArray  # [B, T, d_model]


def _split_heads(a: FloatArray, n_head: int) -> FloatArray:
    # [B, T, d_model] -> [B, h, T, d_k]
    b, t, d = a.shape
    return a.reshape(b, t, n_head, d // n_head).transpose(0, 2, 1, 3)


def _merge_heads(a: FloatArray) -> FloatArray:
    # [B, h, T, d_k] -> [B, T, d_model]
    b, h, t, d_k = a.shape
    return a.transpose(0, 2, 1, 3).reshape(b, t, h * d_k)


def attention_forward(
    x: FloatArray, w_q: FloatArray, w_k: FloatArray, w_v: FloatArray, w_o: FloatArray, n_head: int
) -> tuple[FloatArray, AttentionCache]:
    """Causal multi-head self-attention: softmax(Q·Kᵀ/√d_k + mask)·V per head, then ·W_o."""
    # [B, T, d_model] -> [B, T, d_model]
    t = x.shape[1]
    q = _split_heads(_matmul(x, w_q), n_head)  # [B, h, T, d_k]
    k = _split_heads(_matmul(x, w_k), n_head)
    v = _split_heads(_matmul(x, w_v), n_head)
    d_k = q.shape[-1]
    scores = np.einsum("bhtd,bhsd->bhts", q, k) / np.sqrt(d_k)  # [B, h, T, T]
    # position t attends only to positions 0..t
    scores = np.where(np.tri(t, dtype=bool), scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    concat = _merge_heads(np.einsum("bhts,bhsd->bhtd", weights, v))  # [B, T, d_model]
    return _matmul(concat, w_o), AttentionCache(x, q, k, v, weights, concat)


def attention_backward(
    dy: FloatArray,
    cache: AttentionCache,
    w_q: FloatArray,
    w_k: FloatArray,
    w_v: FloatArray,
    w_o: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """dL/dx, dL/dW_q, dL/dW_k, dL/dW_v, dL/dW_o of causal self-attention."""
    # [B, T, d_model] -> [B, T, d_model], 4 × [d_model, d_model]
    n_head = cache.q.shape[1]
    d_k = cache.q.shape[-1]
    dconcat, dw_o, _ = linear_backward(dy, cache.concat, w_o)
    dheads = _split_heads(dconcat, n_head)  # [B, h, T, d_k]
    dweights = np.einsum("bhtd,bhsd->bhts", dheads, cache.v)
    dv = np.einsum("bhts,bhtd->bhsd", cache.weights, dheads)
    # softmax backward, row by row: dS = P ⊙ (dP − Σ_s dP·P); masked entries have P = 0
    dscores = cache.weights * (dweights - (dweights * cache.weights).sum(axis=-1, keepdims=True))
    dscores /= np.sqrt(d_k)
    dq = np.einsum("bhts,bhsd->bhtd", dscores, cache.k)
    dk = np.einsum("bhts,bhtd->bhsd", dscores, cache.q)
    dx = np.zeros_like(cache.x)
    grads = []
    for dproj, w in ((dq, w_q), (dk, w_k), (dv, w_v)):
        dx_part, dw, _ = linear_backward(_merge_heads(dproj), cache.x, w)
        dx += dx_part
        grads.append(dw)
    return dx, grads[0], grads[1], grads[2], dw_o


def softmax_cross_entropy(logits: FloatArray, targets: IntArray) -> tuple[float, FloatArray]:
    """L = −mean over positions of log softmax(z)[target], and dL/dz = (softmax(z) − onehot) / n."""
    # [..., V], [...] -> scalar, [..., V]
    z = logits.reshape(-1, logits.shape[-1])
    y = targets.reshape(-1)
    n = z.shape[0]
    # subtract the row maximum: exp of a large logit overflows, the difference never does
    shifted = z - z.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    rows = np.arange(n)
    loss = float(-log_probs[rows, y].mean())
    dz = np.exp(log_probs)
    dz[rows, y] -= 1.0
    return loss, (dz / n).reshape(logits.shape)


@dataclass
class AdamW:
    """AdamW's settings and its running moments (m, v) for each weight, by name."""

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.01
    # weights that decay (matrices); biases, gains and embeddings do not
    decay: frozenset[str] = frozenset()
    t: int = 0
    m: Params = field(default_factory=dict)
    v: Params = field(default_factory=dict)


def adamw_step(params: Params, grads: Params, opt: AdamW) -> None:
    """One AdamW step, in place: θ ← θ − lr·λ·θ, then θ ← θ − lr · m̂ / (√v̂ + ε)."""
    opt.t += 1
    for name, g in grads.items():
        p = params[name]
        if name not in opt.m:
            opt.m[name] = np.zeros_like(p)
            opt.v[name] = np.zeros_like(p)
        m, v = opt.m[name], opt.v[name]
        if name in opt.decay:
            # decoupled weight decay: shrink the weight, apart from the gradient step
            p *= 1.0 - opt.lr * opt.weight_decay
        m *= opt.beta1
        m += (1.0 - opt.beta1) * g
        v *= opt.beta2
        v += (1.0 - opt.beta2) * g * g
        m_hat = m / (1.0 - opt.beta1**opt.t)
        v_hat = v / (1.0 - opt.beta2**opt.t)
        p -= opt.lr * m_hat / (np.sqrt(v_hat) + opt.eps)
