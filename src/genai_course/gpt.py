"""A tiny GPT that writes: a character-level, decoder-only transformer, run in NumPy.

The weights were trained once, offline, on the course's own text by
``training/train_tiny_gpt.py`` (PyTorch, CPU) and are packaged as ``data/tiny_gpt.npz``. Inference
here is picoGPT's recipe, one small function per idea::

    x = W_te[ids] + PE[0:n]                          # token embedding + sinusoidal positions
    x = x + MHA(LN_1(x))                             # causal multi-head self-attention   } n_layer
    x = x + GELU(LN_2(x) @ W_1 + b_1) @ W_2 + b_2    # position-wise feed-forward         } times
    logits = LN_f(x) @ W_head                        # one score per character

Each token is one character; the vocabulary is the set of characters of the training text.
Prompts may only use those characters (anything else raises ``ValueError`` naming the character).
An empty prompt starts from a newline, as if at the start of a paragraph. The model reads at most
``block_size`` characters: ``next_token_distribution`` of a longer text sees only its last
``block_size`` characters (the context is cropped, as nanoGPT's ``generate`` does).

Generation keeps a key/value cache (``forward_cached``): the keys and values of the characters
already read do not change when a character is added, so each step runs the model on the new
character alone and reuses them. When the text outgrows ``block_size`` the window jumps forward
by half a block (``window_start``) and is computed afresh once; the cache then serves the next
half block of steps. Without the cache (``use_cache=False``) every step runs its whole window and
writes the same characters with the same probabilities, to rounding.

Everything is computed in float64 from the float32 weights, so the validation loss reproduces the
training script's report.
"""

# annotations are not evaluated: naming np.random.Generator would import numpy.random, which
# a program that draws nothing does not need (over 100 ms on its first use in the page)
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from genai_course import arrays, positional, sampling

__all__ = [
    "Block",
    "GenerationStep",
    "KVCache",
    "TinyGPT",
    "causal_self_attention",
    "cross_entropy",
    "decode",
    "empty_cache",
    "encode",
    "ffn",
    "forward",
    "forward_cached",
    "gelu",
    "generate",
    "layer_norm",
    "linear",
    "load_model",
    "mean_loss",
    "next_token_distribution",
    "packaged_sizes",
    "transformer_block",
    "validation_loss",
    "window_start",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# The keys and values of the positions read so far, one pair per layer: [n_head, n, d_k] each.
KVCache = tuple[tuple[FloatArray, FloatArray], ...]


@dataclass(frozen=True, eq=False)
class Block:
    """One transformer block's weights, in the ``x @ W`` convention."""

    ln_1_g: FloatArray  # [d_model]
    ln_1_b: FloatArray  # [d_model]
    w_q: FloatArray  # [d_model, d_model]
    w_k: FloatArray  # [d_model, d_model]
    w_v: FloatArray  # [d_model, d_model]
    w_o: FloatArray  # [d_model, d_model]
    ln_2_g: FloatArray  # [d_model]
    ln_2_b: FloatArray  # [d_model]
    w_1: FloatArray  # [d_model, 4*d_model]
    b_1: FloatArray  # [4*d_model]
    w_2: FloatArray  # [4*d_model, d_model]
    b_2: FloatArray  # [d_model]


@dataclass(frozen=True, eq=False)
class TinyGPT:
    """The trained model: weights (float64), vocabulary, sizes, and its held-out validation text."""

    vocab: tuple[str, ...]  # [n_vocab] characters, id = position
    wte: FloatArray  # [n_vocab, d_model] token embeddings
    pe: FloatArray  # [block_size, d_model] sinusoidal positional encoding
    blocks: tuple[Block, ...]  # [n_layer]
    ln_f_g: FloatArray  # [d_model]
    ln_f_b: FloatArray  # [d_model]
    w_head: FloatArray  # [d_model, n_vocab]
    n_head: int
    block_size: int
    val_text: str

    @property
    def n_layer(self) -> int:
        return len(self.blocks)

    @property
    def d_model(self) -> int:
        return int(self.wte.shape[1])

    @property
    def n_params(self) -> int:
        """Trainable numbers (the positional encoding is fixed, not counted)."""
        arrays = [self.wte, self.ln_f_g, self.ln_f_b, self.w_head]
        arrays += [getattr(b, name) for b in self.blocks for name in Block.__dataclass_fields__]
        return sum(a.size for a in arrays)


@dataclass(frozen=True, eq=False)
class GenerationStep:
    """One written character and the distribution it was drawn from."""

    token_id: int
    char: str
    probability: float  # of the chosen character, after temperature, top-k and top-p
    probs: FloatArray  # [n_vocab] the distribution sampled from
    candidates: tuple[tuple[str, float], ...]  # most likely characters first, with probabilities


# The packaged model, read once per Python process: the demos that use it share it
_packaged: list[TinyGPT] = []


def load_model(path: str | Path | None = None) -> TinyGPT:
    """Load the packaged weights (``genai_course/data/tiny_gpt.npz``) or those at ``path``.

    The packaged model is read once and then shared (its arrays are read-only).
    """
    if path is None:
        if not _packaged:
            _packaged.append(_from_npz(arrays.load("tiny_gpt")))
        return _packaged[0]
    with np.load(path, allow_pickle=False) as npz:
        return _from_npz(npz)


def packaged_sizes() -> tuple[int, int]:
    """(layers, heads) of the packaged model, read without building the model (a demo that
    offers it among others needs its sizes before the learner chooses it)."""
    if _packaged:
        return _packaged[0].n_layer, _packaged[0].n_head
    stored = arrays.load("tiny_gpt")
    return int(stored["n_layer"]), int(stored["n_head"])


def _from_npz(npz: arrays.Arrays | np.lib.npyio.NpzFile) -> TinyGPT:
    def w(name: str) -> FloatArray:
        weights = np.asarray(npz[name], dtype=np.float64)
        # a program that changed them in place would change every demo's model
        weights.flags.writeable = False
        return weights

    n_layer = int(npz["n_layer"])
    block_size = int(npz["block_size"])
    d_model = int(npz["wte"].shape[1])
    blocks = tuple(
        Block(
            ln_1_g=w(f"blocks.{i}.ln_1.g"),
            ln_1_b=w(f"blocks.{i}.ln_1.b"),
            w_q=w(f"blocks.{i}.attn.w_q"),
            w_k=w(f"blocks.{i}.attn.w_k"),
            w_v=w(f"blocks.{i}.attn.w_v"),
            w_o=w(f"blocks.{i}.attn.w_o"),
            ln_2_g=w(f"blocks.{i}.ln_2.g"),
            ln_2_b=w(f"blocks.{i}.ln_2.b"),
            w_1=w(f"blocks.{i}.mlp.c_fc.w"),
            b_1=w(f"blocks.{i}.mlp.c_fc.b"),
            w_2=w(f"blocks.{i}.mlp.c_proj.w"),
            b_2=w(f"blocks.{i}.mlp.c_proj.b"),
        )
        for i in range(n_layer)
    )
    return TinyGPT(
        vocab=tuple(chr(c) for c in npz["vocab"].tolist()),
        wte=w("wte"),
        pe=positional.sinusoidal_encoding(block_size, d_model, base=float(npz["pe_base"])),
        blocks=blocks,
        ln_f_g=w("ln_f.g"),
        ln_f_b=w("ln_f.b"),
        w_head=w("lm_head"),
        n_head=int(npz["n_head"]),
        block_size=block_size,
        val_text="".join(chr(c) for c in npz["val_text"].tolist()),
    )


def encode(model: TinyGPT, text: str) -> IntArray:
    """Characters -> ids. A character outside the vocabulary raises ValueError naming it."""
    index = {c: i for i, c in enumerate(model.vocab)}
    unknown = sorted({c for c in text if c not in index})
    if unknown:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in unknown)
        raise ValueError(
            f"the tiny GPT only knows the {len(model.vocab)} characters of the course text; "
            f"not: {shown}"
        )
    return np.array([index[c] for c in text], dtype=np.int64)


def decode(model: TinyGPT, ids: Sequence[int] | IntArray) -> str:
    """Ids -> characters."""
    return "".join(model.vocab[int(i)] for i in ids)


def gelu(x: FloatArray) -> FloatArray:
    """GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))."""
    # x * x * x, not x**3: NumPy's power with a float exponent is several times slower
    y: FloatArray = 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x * x * x)))
    return y


def layer_norm(x: FloatArray, g: FloatArray, b: FloatArray, eps: float = 1e-5) -> FloatArray:
    """LN(x) = g · (x − mean(x)) / √(var(x) + eps) + b over the last axis."""
    # sums over d rather than np.mean and np.var: the same numbers, with less overhead per call
    # (which is most of the time for one row of 64) and without centring x twice
    d = x.shape[-1]
    centred = x - np.sum(x, axis=-1, keepdims=True) / d
    variance = np.sum(centred * centred, axis=-1, keepdims=True) / d
    y: FloatArray = g * centred / np.sqrt(variance + eps) + b
    return y


def linear(x: FloatArray, w: FloatArray, b: FloatArray | None = None) -> FloatArray:
    """x·W + b, row by row."""
    # [n, d_in], [d_in, d_out], [d_out] -> [n, d_out]
    # einsum rather than @: Pyodide's NumPy has no BLAS, and there its matmul loop is several
    # times slower than einsum's for these small matrices (the same sums, to rounding)
    y: FloatArray = np.einsum("nd,de->ne", x, w)
    return y if b is None else y + b


def ffn(x: FloatArray, block: Block) -> FloatArray:  # [n, d_model] -> [n, d_model]
    """Position-wise feed-forward: GELU(x W_1 + b_1) W_2 + b_2."""
    # project up to 4·d_model, then back down
    a = gelu(linear(x, block.w_1, block.b_1))  # [n, d_model] -> [n, 4*d_model]
    return linear(a, block.w_2, block.b_2)  # [n, 4*d_model] -> [n, d_model]


def causal_self_attention(
    x: FloatArray, block: Block, n_head: int, past: tuple[FloatArray, FloatArray]
) -> tuple[FloatArray, FloatArray, tuple[FloatArray, FloatArray]]:
    """Multi-head causal self-attention of m new positions over the n_past before them.

    ``past`` holds the keys and values of those n_past positions (none for a fresh text); the
    new positions' keys and values are appended and returned, so the next call reuses them.
    Returns the output, the attention weights of the new rows, and the keys and values.
    """
    # [m, d_model], ([n_head, n_past, d_k], [n_head, n_past, d_k])
    #   -> [m, d_model], [n_head, m, n_past + m], ([n_head, n_past + m, d_k], same)
    m, d_model = x.shape
    d_k = d_model // n_head

    def split_heads(a: FloatArray) -> FloatArray:  # [m, d_model] -> [n_head, m, d_k]
        return a.reshape(m, n_head, d_k).transpose(1, 0, 2)

    q = split_heads(linear(x, block.w_q))
    # the keys and values of earlier positions do not depend on later ones: only add the new
    k = np.concatenate([past[0], split_heads(linear(x, block.w_k))], axis=1)  # [n_head, n, d_k]
    v = np.concatenate([past[1], split_heads(linear(x, block.w_v))], axis=1)  # [n_head, n, d_k]
    n_past = past[0].shape[1]
    # softmax(Q·Kᵀ/√d_k + mask)·V per head, as attention.scaled_dot_product_attention computes
    # it, without its checks of a learner's input (the model's shapes are right by construction)
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d_k)  # [n_head, m, n_past + m]
    # new row i is position n_past + i: it attends to positions 0 .. n_past + i
    if m > 1:
        scores = np.where(np.tri(m, n_past + m, n_past, dtype=bool), scores, -np.inf)
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    weights = e / np.sum(e, axis=-1, keepdims=True)  # [n_head, m, n_past + m]
    heads = weights @ v  # [n_head, m, n_past + m] @ [n_head, n_past + m, d_k] -> [n_head, m, d_k]
    concat = heads.transpose(1, 0, 2).reshape(m, d_model)  # [n_head, m, d_k] -> [m, d_model]
    return linear(concat, block.w_o), weights, (k, v)


def transformer_block(
    x: FloatArray, block: Block, n_head: int, past: tuple[FloatArray, FloatArray]
) -> tuple[FloatArray, FloatArray, tuple[FloatArray, FloatArray]]:
    """Pre-LayerNorm block: x + MHA(LN_1(x)), then + FFN(LN_2(·)).

    Returns the new rows, their attention weights, and the keys and values (``past`` + new).
    """
    # [m, d_model] -> [m, d_model], [n_head, m, n_past + m], kv
    # causal self-attention: position t attends only to positions 0..t
    a, weights, kv = causal_self_attention(
        layer_norm(x, block.ln_1_g, block.ln_1_b), block, n_head, past
    )
    x = x + a
    x = x + ffn(layer_norm(x, block.ln_2_g, block.ln_2_b), block)
    return x, weights, kv


def empty_cache(model: TinyGPT) -> KVCache:
    """A cache with no positions yet: keys and values of shape [n_head, 0, d_k] per layer."""
    nothing = np.zeros((model.n_head, 0, model.d_model // model.n_head))
    return tuple((nothing, nothing) for _ in model.blocks)


def forward_cached(
    model: TinyGPT, ids: Sequence[int] | IntArray, cache: KVCache
) -> tuple[FloatArray, FloatArray, KVCache]:
    """``forward`` for the ids that follow the n_past positions held in ``cache``.

    The new ids take positions n_past, n_past + 1, …; only they are computed, the earlier keys
    and values are read from the cache. Returns their logits, their attention weights, and the
    cache extended by them. ``forward_cached(model, ids, empty_cache(model))`` is ``forward``.
    """
    # [m], n_past cached -> [m, n_vocab], [n_layer, n_head, m, n_past + m], n_past + m cached
    ids = np.asarray(ids, dtype=np.int64)
    m, n_past = len(ids), cache[0][0].shape[1]
    if m == 0:
        raise ValueError("forward needs at least one token id")
    if n_past + m > model.block_size:
        raise ValueError(
            f"the tiny GPT reads at most {model.block_size} characters at once, got "
            f"{n_past + m}; pass the last {model.block_size}"
        )
    if ids.min() < 0 or ids.max() >= len(model.vocab):
        raise ValueError(
            f"token ids must be in [0, {len(model.vocab)}), got {ids.min()}..{ids.max()}"
        )
    # token embedding + position, counting on from the cached positions
    x = model.wte[ids] + model.pe[n_past : n_past + m]  # [m] -> [m, d_model]
    maps, new_cache = [], []
    for block, past in zip(model.blocks, cache, strict=True):
        x, weights, kv = transformer_block(x, block, model.n_head, past)
        maps.append(weights)  # [n_head, m, n_past + m]
        new_cache.append(kv)
    x = layer_norm(x, model.ln_f_g, model.ln_f_b)
    return linear(x, model.w_head), np.stack(maps), tuple(new_cache)  # -> [m, n_vocab]


def forward(
    model: TinyGPT, ids: Sequence[int] | IntArray
) -> tuple[FloatArray, FloatArray]:  # [n] -> [n, n_vocab], [n_layer, n_head, n, n]
    """Logits for the next character at every position, and every head's attention weights.

    Row t of the logits scores the character after ``ids[t]`` given ``ids[0..t]``.
    """
    logits, maps, _ = forward_cached(model, ids, empty_cache(model))
    return logits, maps


def cross_entropy(logits: FloatArray, targets: IntArray) -> FloatArray:  # [n, V], [n] -> [n]
    """−log softmax(logits)[target] per position, computed as logsumexp(logits) − logits[target]."""
    m = np.max(logits, axis=-1, keepdims=True)
    log_z = m[:, 0] + np.log(np.sum(np.exp(logits - m), axis=-1))  # [n]
    loss: FloatArray = log_z - logits[np.arange(len(targets)), targets]
    return loss


def mean_loss(model: TinyGPT, ids: Sequence[int] | IntArray) -> float:
    """Mean cross-entropy (nats per character) of predicting ids[1:], read in non-overlapping
    windows of ``block_size``: inputs ids[s:s+B], targets ids[s+1:s+B+1], s = 0, B, 2B, …

    This is how the training script measures its validation loss.
    """
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) < 2:
        raise ValueError(f"need at least 2 characters to measure a loss, got {len(ids)}")
    losses = []
    for s in range(0, len(ids) - 1, model.block_size):
        targets = ids[s + 1 : s + model.block_size + 1]
        logits, _ = forward(model, ids[s : s + len(targets)])
        losses.append(cross_entropy(logits, targets))
    return float(np.mean(np.concatenate(losses)))


def validation_loss(model: TinyGPT) -> float:
    """The mean loss on the held-out last 10 % of the course text, stored with the weights."""
    return mean_loss(model, encode(model, model.val_text))


def window_start(n: int, block_size: int) -> int:
    """Where the window the model reads starts, in a text of n characters being written.

    Up to ``block_size`` characters it reads them all. Past that the window jumps forward
    ``block_size // 2`` characters at a time, so it reads the last ``block_size // 2 + 1`` to
    ``block_size`` characters, and between two jumps the positions — and the cached keys and
    values — of the characters it reads stay the same. (Sliding the window on by one character
    at every step, as nanoGPT does, moves every position at every step: then nothing can be
    cached, and each step past ``block_size`` costs a whole window.)
    """
    if n <= block_size:
        return 0
    half = block_size // 2
    # the first multiple of half that leaves at most block_size characters
    return (n - block_size + half - 1) // half * half


def _context(model: TinyGPT, ids: Sequence[int] | IntArray) -> IntArray:
    # the model reads at most block_size characters: keep the most recent ones
    return np.asarray(ids, dtype=np.int64)[-model.block_size :]


def _distribution(
    logits: FloatArray, temperature: float, top_k: int | None, top_p: float | None
) -> FloatArray:  # [n_vocab] -> [n_vocab]
    probs = sampling.apply_temperature(logits, temperature)
    if top_k is not None:
        probs = sampling.top_k_filter(probs, top_k)
    if top_p is not None:
        probs = sampling.top_p_filter(probs, top_p)
    return probs


def next_token_distribution(
    model: TinyGPT,
    ids: Sequence[int] | IntArray,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> FloatArray:  # [n] -> [n_vocab]
    """P(next character | the last block_size ids), after temperature, then top-k, then top-p."""
    logits, _ = forward(model, _context(model, ids))
    return _distribution(logits[-1], temperature, top_k, top_p)


def generate(
    model: TinyGPT,
    prompt: str,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | None = None,
    num_candidates: int = 5,
    use_cache: bool = True,
) -> Iterator[GenerationStep]:
    """Write ``max_new_tokens`` characters after ``prompt``, one step at a time.

    Each step runs the model on the window of at most ``block_size`` characters that
    ``window_start`` says it reads, turns the final position's
    logits into a distribution (``sampling.apply_temperature``, ``top_k_filter``, ``top_p_filter``)
    and draws the next character with ``sampling.sample_next_token`` and ``rng``. Temperature 0 is
    greedy (always the most likely character). An empty prompt starts from a newline.

    With ``use_cache`` (the default) a step whose window only grew by the last character runs the
    model on that character alone, reusing the keys and values of the others (``forward_cached``);
    the characters and probabilities are those of ``use_cache=False``, to rounding.
    """
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    if num_candidates < 1:
        raise ValueError(f"num_candidates must be >= 1, got {num_candidates}")
    # validate the prompt and the sampling settings now, not at the first step
    ids = list(encode(model, prompt or "\n"))
    _distribution(np.zeros(len(model.vocab)), temperature, top_k, top_p)
    return _steps(
        model, ids, max_new_tokens, temperature, top_k, top_p, rng, num_candidates, use_cache
    )


def _steps(
    model: TinyGPT,
    ids: list[int],
    max_new_tokens: int,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    rng: np.random.Generator | None,
    num_candidates: int,
    use_cache: bool,
) -> Iterator[GenerationStep]:
    cache, cache_start = empty_cache(model), 0
    for _ in range(max_new_tokens):
        start = window_start(len(ids), model.block_size)
        if not use_cache:
            logits, _ = forward(model, ids[start:])
        elif start == cache_start and cache[0][0].shape[1] == len(ids) - start - 1:
            # the window only grew: run the new character alone, at the next position
            logits, _, cache = forward_cached(model, ids[-1:], cache)
        else:
            # the first step, or the window jumped: every position changed, run it all
            logits, _, cache = forward_cached(model, ids[start:], empty_cache(model))
            cache_start = start
        # pluck the logits at the final step: they score the character to come
        probs = _distribution(logits[-1], temperature, top_k, top_p)
        # draw from it, as sampling.sample_next_token does (argmax when greedy)
        if temperature == 0:
            token = int(np.argmax(probs))
        else:
            token = int((rng or np.random.default_rng()).choice(len(probs), p=probs))
        order = np.argsort(-probs, kind="stable")[:num_candidates]
        candidates = tuple((model.vocab[i], float(probs[i])) for i in order if probs[i] > 0)
        ids.append(token)
        yield GenerationStep(token, model.vocab[token], float(probs[token]), probs, candidates)
