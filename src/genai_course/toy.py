"""A small, fixed, *untrained* model for the attention demo: words, embeddings, weights.

Nothing here is learned. Each word gets a pseudo-random vector (the same word always the same
vector), positions are added with the sinusoidal encoding, and the projection matrices are drawn
from a seeded generator. The attention patterns it produces show the *mechanics* of attention,
not what a trained model has learned.
"""

import re
import zlib

import numpy as np
import numpy.typing as npt

from genai_course import positional

__all__ = ["MAX_TOKENS", "ToyWeights", "embed", "head_projections", "split_words", "toy_weights"]

MAX_TOKENS = 32
FloatArray = npt.NDArray[np.float64]


def split_words(text: str, max_tokens: int = MAX_TOKENS) -> list[str]:
    """Words and punctuation marks as tokens: "it was." -> ["it", "was", "."]."""
    tokens = re.findall(r"\w+|[^\w\s]", text)
    if not tokens:
        raise ValueError("The sentence has no words: type a few words.")
    if len(tokens) > max_tokens:
        raise ValueError(
            f"At most {max_tokens} tokens (words and punctuation marks), got {len(tokens):,}."
        )
    return tokens


def embed(tokens: list[str], d_model: int) -> FloatArray:
    """Seeded word vectors plus sinusoidal positions.

    # [n] -> [n, d_model]
    """
    rows = [
        np.random.default_rng(zlib.crc32(token.lower().encode())).standard_normal(d_model)
        for token in tokens
    ]
    vectors: FloatArray = np.array(rows) + positional.sinusoidal_encoding(len(tokens), d_model)
    return vectors


class ToyWeights:
    """The four projection matrices of one attention layer, each [d_model, d_model]."""

    def __init__(self, w_q: FloatArray, w_k: FloatArray, w_v: FloatArray, w_o: FloatArray):
        self.w_q, self.w_k, self.w_v, self.w_o = w_q, w_k, w_v, w_o


def toy_weights(d_model: int, seed: int = 0) -> ToyWeights:
    """Random projections scaled by 1/√d_model, so scores stay in a readable range."""
    rng = np.random.default_rng(seed)
    w_q, w_k, w_v, w_o = rng.standard_normal((4, d_model, d_model)) / np.sqrt(d_model)
    return ToyWeights(w_q, w_k, w_v, w_o)


def head_projections(
    x: FloatArray, weights: ToyWeights, num_heads: int, head: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Q, K and V of one head: the columns head·d_k … (head+1)·d_k of x·W_q, x·W_k, x·W_v.

    # [n, d_model] -> 3 × [n, d_k]
    """
    d_model = x.shape[-1]
    if d_model % num_heads:
        raise ValueError(f"num_heads={num_heads} must divide d_model={d_model}")
    if not 0 <= head < num_heads:
        raise ValueError(f"head must be between 0 and {num_heads - 1}, got {head}")
    d_k = d_model // num_heads
    columns = slice(head * d_k, (head + 1) * d_k)
    return x @ weights.w_q[:, columns], x @ weights.w_k[:, columns], x @ weights.w_v[:, columns]
