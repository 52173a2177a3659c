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
``block_size`` characters: when generating from a longer text it sees only the last
``block_size`` characters (the context is cropped), as nanoGPT's ``generate`` does.

Everything is computed in float64 from the float32 weights, so the validation loss reproduces the
training script's report.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from genai_course import attention, positional, sampling

__all__ = [
    "Block",
    "GenerationStep",
    "TinyGPT",
    "cross_entropy",
    "decode",
    "encode",
    "ffn",
    "forward",
    "gelu",
    "generate",
    "layer_norm",
    "load_model",
    "mean_loss",
    "next_token_distribution",
    "transformer_block",
    "validation_loss",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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


def load_model(path: str | Path | None = None) -> TinyGPT:
    """Load the packaged weights (``genai_course/data/tiny_gpt.npz``) or those at ``path``."""
    if path is None:
        with resources.files("genai_course").joinpath("data/tiny_gpt.npz").open("rb") as f:
            return _from_npz(np.load(f, allow_pickle=False))
    with np.load(path, allow_pickle=False) as npz:
        return _from_npz(npz)


def _from_npz(npz: "np.lib.npyio.NpzFile") -> TinyGPT:
    def w(name: str) -> FloatArray:
        return np.asarray(npz[name], dtype=np.float64)

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
    mean = np.mean(x, axis=-1, keepdims=True)
    variance = np.var(x, axis=-1, keepdims=True)
    y: FloatArray = g * (x - mean) / np.sqrt(variance + eps) + b
    return y


def ffn(x: FloatArray, block: Block) -> FloatArray:  # [n, d_model] -> [n, d_model]
    """Position-wise feed-forward: GELU(x W_1 + b_1) W_2 + b_2."""
    # project up to 4·d_model, then back down
    a = gelu(x @ block.w_1 + block.b_1)  # [n, d_model] -> [n, 4*d_model]
    return a @ block.w_2 + block.b_2  # [n, 4*d_model] -> [n, d_model]


def transformer_block(
    x: FloatArray, block: Block, n_head: int
) -> tuple[FloatArray, FloatArray]:  # [n, d_model] -> [n, d_model], [n_head, n, n]
    """Pre-LayerNorm block: x + MHA(LN_1(x)), then + FFN(LN_2(·)). Returns the attention weights."""
    # causal self-attention: position t attends only to positions 0..t
    a, weights = attention.multi_head_attention(
        layer_norm(x, block.ln_1_g, block.ln_1_b),
        block.w_q,
        block.w_k,
        block.w_v,
        block.w_o,
        n_head,
        causal=True,
    )
    x = x + a
    x = x + ffn(layer_norm(x, block.ln_2_g, block.ln_2_b), block)
    return x, weights


def forward(
    model: TinyGPT, ids: Sequence[int] | IntArray
) -> tuple[FloatArray, FloatArray]:  # [n] -> [n, n_vocab], [n_layer, n_head, n, n]
    """Logits for the next character at every position, and every head's attention weights.

    Row t of the logits scores the character after ``ids[t]`` given ``ids[0..t]``.
    """
    ids = np.asarray(ids, dtype=np.int64)
    n = len(ids)
    if n == 0:
        raise ValueError("forward needs at least one token id")
    if n > model.block_size:
        raise ValueError(
            f"the tiny GPT reads at most {model.block_size} characters at once, got {n}; "
            f"pass the last {model.block_size}"
        )
    if ids.min() < 0 or ids.max() >= len(model.vocab):
        raise ValueError(
            f"token ids must be in [0, {len(model.vocab)}), got {ids.min()}..{ids.max()}"
        )
    # token embedding + position
    x = model.wte[ids] + model.pe[:n]  # [n] -> [n, d_model]
    maps = []
    for block in model.blocks:
        x, weights = transformer_block(x, block, model.n_head)  # [n, d_model], [n_head, n, n]
        maps.append(weights)
    x = layer_norm(x, model.ln_f_g, model.ln_f_b)
    return x @ model.w_head, np.stack(maps)  # [n, d_model] -> [n, n_vocab]


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
) -> Iterator[GenerationStep]:
    """Write ``max_new_tokens`` characters after ``prompt``, one step at a time.

    Each step runs the model on the last ``block_size`` characters, turns the final position's
    logits into a distribution (``sampling.apply_temperature``, ``top_k_filter``, ``top_p_filter``)
    and draws the next character with ``sampling.sample_next_token`` and ``rng``. Temperature 0 is
    greedy (always the most likely character). An empty prompt starts from a newline.
    """
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    if num_candidates < 1:
        raise ValueError(f"num_candidates must be >= 1, got {num_candidates}")
    # validate the prompt and the sampling settings now, not at the first step
    ids = list(encode(model, prompt or "\n"))
    _distribution(np.zeros(len(model.vocab)), temperature, top_k, top_p)
    return _steps(model, ids, max_new_tokens, temperature, top_k, top_p, rng, num_candidates)


def _steps(
    model: TinyGPT,
    ids: list[int],
    max_new_tokens: int,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    rng: np.random.Generator | None,
    num_candidates: int,
) -> Iterator[GenerationStep]:
    for _ in range(max_new_tokens):
        logits, _ = forward(model, _context(model, ids))
        # pluck the logits at the final step: they score the character to come
        probs = _distribution(logits[-1], temperature, top_k, top_p)
        token = int(sampling.sample_next_token(logits[-1], temperature, top_k, top_p, rng=rng))
        order = np.argsort(-probs, kind="stable")[:num_candidates]
        candidates = tuple((model.vocab[i], float(probs[i])) for i in order if probs[i] > 0)
        ids.append(token)
        yield GenerationStep(token, model.vocab[token], float(probs[token]), probs, candidates)
