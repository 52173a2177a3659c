"""Pre-training a tiny character-level language model, step by step, in NumPy.

Three models, each a step up the history the course tells, all trained on the same objective —
predict the next character; the loss is the cross-entropy of the true next character::

    bigram       p(c_t | c_{t−1}) = count(c_{t−1} c_t) / count(c_{t−1})      (counting, no training)
    MLP          h = tanh(concat(E[c_{t−k}], …, E[c_{t−1}])·W_1 + b_1)        (Bengio et al., 2003)
                 logits = h·W_2 + b_2
    transformer  x = E[c] + P[position]; x = x + MHA(LN_1(x)); x = x + FFN(LN_2(x))   (one block)
                 logits = LN_f(x)·W_head

``loss_and_grads`` runs a model forward on a batch and back again (``backprop``'s layers), and
``Trainer.step`` applies AdamW. The text is split once: the first 90 % to train on, the last
10 % held out; the held-out loss tells whether the model learned the language or memorised its
training text.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import numpy.typing as npt

from genai_course import backprop as bp
from genai_course import sampling

__all__ = [
    "MAX_TEXT",
    "MODELS",
    "Corpus",
    "ModelConfig",
    "Trainer",
    "bigram_loss",
    "bigram_table",
    "course_text",
    "example_text",
    "generate",
    "held_out_size",
    "init_params",
    "loss_and_grads",
    "make_corpus",
    "max_context",
    "sample_batch",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Params = dict[str, FloatArray]

# The longest text a learner may paste: enough to learn from, small enough to count in a moment.
MAX_TEXT = 20_000
MODELS = ("bigram", "mlp", "transformer")
HELD_OUT_SHARE = 0.1


def course_text() -> str:
    """The course's own text (its topic pages), the default training text."""
    return (resources.files("genai_course") / "data" / "course_text.txt").read_text("utf-8")


def example_text() -> str:
    """The example sentences of the course's demos: a short text, where a model overfits."""
    return (resources.files("genai_course") / "data" / "example_sentences.txt").read_text("utf-8")


@dataclass(frozen=True, eq=False)
class Corpus:
    """A text as character ids: its alphabet, and the training and held-out parts."""

    vocab: tuple[str, ...]
    train: IntArray
    held_out: IntArray

    def encode(self, text: str) -> IntArray:
        """Characters -> ids; a character outside the alphabet raises ValueError naming it."""
        index = {c: i for i, c in enumerate(self.vocab)}
        unknown = sorted({c for c in text if c not in index})
        if unknown:
            shown = ", ".join(repr(c) for c in unknown[:5])
            raise ValueError(
                f"The model never saw {shown} in its training text: its alphabet is the "
                f"{len(self.vocab)} characters of that text."
            )
        return np.array([index[c] for c in text], dtype=np.int64)

    def decode(self, ids: npt.ArrayLike) -> str:
        return "".join(self.vocab[int(i)] for i in np.asarray(ids).reshape(-1))


def held_out_size(n_chars: int) -> int:
    """How many characters of a text are held out: the last 10 %, at least 10."""
    return max(10, int(n_chars * HELD_OUT_SHARE))


def max_context(n_chars: int) -> int:
    """The longest context a text allows: a window and its next character fit in its held-out
    part."""
    return held_out_size(n_chars) - 1


def make_corpus(text: str, max_chars: int | None = MAX_TEXT) -> Corpus:
    """Split a text: the first 90 % to train on, the rest held out (at least 10 characters).

    ``max_chars`` bounds a learner's text (None for the course's own).
    """
    if max_chars is not None and len(text) > max_chars:
        raise ValueError(
            f"The text may have at most {max_chars:,} characters; it has {len(text):,}."
        )
    if len(set(text)) < 2 or len(text) < 20:
        raise ValueError(
            "A model learns which character follows which: give it a text of at least 20 "
            f"characters and two different ones (this one has {len(text)})."
        )
    # a newline is always in the alphabet, as id 0: it pads the start of a prompt
    vocab = ("\n", *sorted(set(text) - {"\n"}))
    index = {c: i for i, c in enumerate(vocab)}
    ids = np.array([index[c] for c in text], dtype=np.int64)
    split = len(ids) - held_out_size(len(ids))
    return Corpus(vocab, ids[:split], ids[split:])


# ---- the bigram: counting ----------------------------------------------------------------------


def bigram_table(ids: IntArray, n_vocab: int, smoothing: float = 1.0) -> FloatArray:
    """p(next | previous) from pair counts, each count plus ``smoothing`` (no pair has p = 0)."""
    # [n] -> [n_vocab, n_vocab], rows sum to 1
    counts = np.full((n_vocab, n_vocab), smoothing)
    np.add.at(counts, (ids[:-1], ids[1:]), 1.0)
    table: FloatArray = counts / counts.sum(axis=1, keepdims=True)
    return table


def bigram_loss(table: FloatArray, ids: IntArray) -> float:
    """Mean cross-entropy of the true next character under the bigram table, in nats."""
    return float(-np.log(table[ids[:-1], ids[1:]]).mean())


# ---- the trained models ------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelConfig:
    """A model's kind and sizes: ``context`` characters read, ``width`` numbers per character."""

    kind: str
    n_vocab: int
    context: int = 8
    width: int = 16
    n_head: int = 2  # the transformer's heads

    @property
    def hidden(self) -> int:
        """The MLP's hidden units, and the transformer's feed-forward width: 4 × width."""
        return 4 * self.width


def init_params(config: ModelConfig, rng: np.random.Generator) -> Params:
    """Small random weights (normal, std 1/√fan-in for matrices), zero biases, unit gains."""
    v, k, d = config.n_vocab, config.context, config.width

    def matrix(n_in: int, n_out: int) -> FloatArray:
        w: FloatArray = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))
        return w

    if config.kind == "mlp":
        return {
            "emb": rng.normal(0.0, 1.0, size=(v, d)),
            "w_1": matrix(k * d, config.hidden),
            "b_1": np.zeros(config.hidden),
            # the output layer starts small: every character about equally likely, loss ≈ log V
            "w_2": matrix(config.hidden, v) * 0.1,
            "b_2": np.zeros(v),
        }
    if config.kind == "transformer":
        return {
            "emb": rng.normal(0.0, 0.1, size=(v, d)),
            "pos": rng.normal(0.0, 0.1, size=(k, d)),
            "ln_1_g": np.ones(d),
            "ln_1_b": np.zeros(d),
            "w_q": matrix(d, d),
            "w_k": matrix(d, d),
            "w_v": matrix(d, d),
            "w_o": matrix(d, d),
            "ln_2_g": np.ones(d),
            "ln_2_b": np.zeros(d),
            "w_1": matrix(d, config.hidden),
            "b_1": np.zeros(config.hidden),
            "w_2": matrix(config.hidden, d),
            "b_2": np.zeros(d),
            "ln_f_g": np.ones(d),
            "ln_f_b": np.zeros(d),
            "w_head": matrix(d, v) * 0.1,
        }
    raise ValueError(f"no trained model called {config.kind!r}; choose mlp or transformer")


def decayed(config: ModelConfig) -> frozenset[str]:
    """The weights AdamW's weight decay shrinks: the matrices (not embeddings, biases or gains)."""
    if config.kind == "mlp":
        return frozenset({"w_1", "w_2"})
    return frozenset({"w_q", "w_k", "w_v", "w_o", "w_1", "w_2", "w_head"})


def sample_batch(
    ids: IntArray, config: ModelConfig, batch: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Random windows of the text and their targets, the next character of each position.

    MLP: inputs [batch, context], targets [batch]. Transformer: inputs and targets
    [batch, context] (targets are the inputs shifted by one: every position predicts).
    """
    k = config.context
    starts = rng.integers(0, len(ids) - k, size=batch)
    x = ids[starts[:, None] + np.arange(k)]
    if config.kind == "mlp":
        return x, ids[starts + k]
    return x, ids[starts[:, None] + np.arange(1, k + 1)]


def _mlp(params: Params, x: IntArray, y: IntArray | None) -> tuple[float, Params, FloatArray]:
    batch, _k = x.shape
    e = bp.embedding_forward(x, params["emb"])  # [B, k, d]
    flat = e.reshape(batch, -1)  # [B, k*d]
    h = bp.tanh_forward(bp.linear_forward(flat, params["w_1"], params["b_1"]))  # [B, hidden]
    logits = bp.linear_forward(h, params["w_2"], params["b_2"])  # [B, V]
    if y is None:
        return 0.0, {}, logits
    loss, dlogits = bp.softmax_cross_entropy(logits, y)
    dh, dw_2, db_2 = bp.linear_backward(dlogits, h, params["w_2"])
    dpre = bp.tanh_backward(dh, h)
    dflat, dw_1, db_1 = bp.linear_backward(dpre, flat, params["w_1"])
    demb = bp.embedding_backward(dflat.reshape(e.shape), x, params["emb"].shape[0])
    grads = {"emb": demb, "w_1": dw_1, "b_1": db_1, "w_2": dw_2, "b_2": db_2}
    return loss, grads, logits


def _transformer(
    params: Params, x: IntArray, y: IntArray | None, n_head: int
) -> tuple[float, Params, FloatArray]:
    t = x.shape[1]
    p = params
    h0 = bp.embedding_forward(x, p["emb"]) + p["pos"][:t]  # [B, T, d]
    a_in, ln_1 = bp.layer_norm_forward(h0, p["ln_1_g"], p["ln_1_b"])
    a, att = bp.attention_forward(a_in, p["w_q"], p["w_k"], p["w_v"], p["w_o"], n_head)
    h1 = h0 + a
    f_in, ln_2 = bp.layer_norm_forward(h1, p["ln_2_g"], p["ln_2_b"])
    f_pre = bp.linear_forward(f_in, p["w_1"], p["b_1"])  # [B, T, 4d]
    f_act = bp.gelu_forward(f_pre)
    h2 = h1 + bp.linear_forward(f_act, p["w_2"], p["b_2"])
    out, ln_f = bp.layer_norm_forward(h2, p["ln_f_g"], p["ln_f_b"])
    logits = bp.linear_forward(out, p["w_head"])  # [B, T, V]
    if y is None:
        return 0.0, {}, logits
    loss, dlogits = bp.softmax_cross_entropy(logits, y)
    g: Params = {}
    dout, g["w_head"], _ = bp.linear_backward(dlogits, out, p["w_head"])
    dh2, g["ln_f_g"], g["ln_f_b"] = bp.layer_norm_backward(dout, ln_f)
    # the residual path passes the gradient on unchanged; the branch adds its own
    df_act, g["w_2"], g["b_2"] = bp.linear_backward(dh2, f_act, p["w_2"])
    df_in, g["w_1"], g["b_1"] = bp.linear_backward(bp.gelu_backward(df_act, f_pre), f_in, p["w_1"])
    dln_2, g["ln_2_g"], g["ln_2_b"] = bp.layer_norm_backward(df_in, ln_2)
    dh1 = dh2 + dln_2
    da_in, g["w_q"], g["w_k"], g["w_v"], g["w_o"] = bp.attention_backward(
        dh1, att, p["w_q"], p["w_k"], p["w_v"], p["w_o"]
    )
    dln_1, g["ln_1_g"], g["ln_1_b"] = bp.layer_norm_backward(da_in, ln_1)
    dh0 = dh1 + dln_1
    g["pos"] = np.zeros_like(p["pos"])
    g["pos"][:t] = dh0.sum(axis=0)
    g["emb"] = bp.embedding_backward(dh0, x, p["emb"].shape[0])
    return loss, g, logits


def loss_and_grads(
    config: ModelConfig, params: Params, x: IntArray, y: IntArray
) -> tuple[float, Params]:
    """Forward and backward on one batch: the mean cross-entropy and dL/d(each weight)."""
    if config.kind == "mlp":
        loss, grads, _ = _mlp(params, x, y)
    else:
        loss, grads, _ = _transformer(params, x, y, config.n_head)
    return loss, grads


def next_logits(config: ModelConfig, params: Params, context: IntArray) -> FloatArray:
    """Scores of every next character after ``context`` (the last ``config.context`` ids)."""
    # [n] -> [V]
    k = config.context
    if config.kind == "mlp":
        # the start of a text is padded with newlines, as if after a paragraph
        window = np.concatenate([np.zeros(k, dtype=np.int64), context])[-k:]
        emb = params["emb"][window].reshape(1, -1)
        h = np.tanh(bp.linear_forward(emb, params["w_1"], params["b_1"]))
        out: FloatArray = bp.linear_forward(h, params["w_2"], params["b_2"])[0]
        return out
    window = context[-k:] if len(context) else np.zeros(1, dtype=np.int64)
    _, _, logits = _transformer(params, window[None, :], None, config.n_head)
    last: FloatArray = logits[0, -1]
    return last


# ---- training ----------------------------------------------------------------------------------


@dataclass
class Trainer:
    """One model in training: weights, AdamW's state, and the loss curves so far."""

    corpus: Corpus
    config: ModelConfig
    seed: int
    params: Params = field(init=False)
    opt: bp.AdamW = field(init=False)
    rng: np.random.Generator = field(init=False)
    steps: int = 0
    # the loss of each step's batch
    train_losses: list[float] = field(default_factory=list)
    # (step, training loss, held-out loss) on fixed samples of each part, every ``eval_every``
    # steps and at step 0: the same positions each time, so the curves compare like with like
    evals: list[tuple[int, float, float]] = field(default_factory=list)
    stopped: str = ""  # why training stopped for good (a loss that was not a number)
    _good: Params = field(default_factory=dict)
    _samples: tuple[tuple[IntArray, IntArray], tuple[IntArray, IntArray]] = field(init=False)

    @property
    def eval_every(self) -> int:
        # about as often for both models in time: a transformer step costs several MLP steps
        return 100 if self.config.kind == "mlp" else 50

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.params = init_params(self.config, self.rng)
        self.opt = bp.AdamW(decay=decayed(self.config))
        eval_rng = np.random.default_rng(self.seed + 1)
        # 512 positions of each part: enough for a smooth curve, cheap enough to measure often
        rows = 512 if self.config.kind == "mlp" else max(1, 512 // self.config.context)
        self._samples = (
            sample_batch(self.corpus.train, self.config, rows, eval_rng),
            sample_batch(self.corpus.held_out, self.config, rows, eval_rng),
        )
        self.evals.append((0, *self.losses()))

    def losses(self) -> tuple[float, float]:
        """The mean loss on the fixed training sample and on the fixed held-out sample."""
        out = []
        for x, y in self._samples:
            # forward only: no gradients are needed to measure
            logits = (
                _mlp(self.params, x, None)[2]
                if self.config.kind == "mlp"
                else _transformer(self.params, x, None, self.config.n_head)[2]
            )
            out.append(bp.softmax_cross_entropy(logits, y)[0])
        return out[0], out[1]

    def step(self, lr: float, batch: int) -> float:
        """One step of gradient descent on a random batch; returns its training loss.

        A loss or gradient that is not a finite number stops training for good (``stopped``
        says why) and puts back the last weights whose loss was finite.
        """
        x, y = sample_batch(self.corpus.train, self.config, batch, self.rng)
        # overflow is caught just below, as a loss or gradient that is not finite
        with np.errstate(all="ignore"):
            loss, grads = loss_and_grads(self.config, self.params, x, y)
        if not np.isfinite(loss) or not all(np.isfinite(g).all() for g in grads.values()):
            if self._good:
                self.params = self._good
            self.stopped = (
                f"Training stopped at step {self.steps + 1}: the loss became "
                f"{'NaN' if np.isnan(loss) else loss} with learning rate {lr:g}, too large a step. "
                "The model keeps its last good weights; start over with a smaller learning rate."
            )
            return loss
        self._good = {name: p.copy() for name, p in self.params.items()}
        self.opt.lr = lr
        with np.errstate(all="ignore"):
            bp.adamw_step(self.params, grads, self.opt)
            self.steps += 1
            self.train_losses.append(loss)
            if self.steps % self.eval_every == 0:
                self.evals.append((self.steps, *self.losses()))
        return loss

    def generate(
        self,
        prompt: str,
        length: int,
        temperature: float,
        top_k: int,
        top_p: float,
        rng: np.random.Generator,
    ) -> str:
        return generate(
            self.config, self.params, self.corpus, prompt, length, temperature, top_k, top_p, rng
        )


def generate(
    config: ModelConfig,
    params: Params | FloatArray,
    corpus: Corpus,
    prompt: str,
    length: int,
    temperature: float,
    top_k: int,
    top_p: float,
    rng: np.random.Generator,
) -> str:
    """Write ``length`` characters after ``prompt``, one draw at a time (``params`` is the
    bigram's table for the bigram), with the sampling demo's temperature, top-k and top-p."""
    ids = list(corpus.encode(prompt))
    for _ in _steps(config, params, ids, length, temperature, top_k, top_p, rng):
        pass
    return corpus.decode(ids[len(prompt) :])


def _steps(
    config: ModelConfig,
    params: Params | FloatArray,
    ids: list[int],
    length: int,
    temperature: float,
    top_k: int,
    top_p: float,
    rng: np.random.Generator,
) -> Iterator[int]:
    for _ in range(length):
        if config.kind == "bigram":
            assert isinstance(params, np.ndarray)
            logits = np.log(params[ids[-1] if ids else 0])
        else:
            assert isinstance(params, dict)
            logits = next_logits(config, params, np.array(ids, dtype=np.int64))
        ids.append(sampling.sample_next_token(logits, temperature, top_k, top_p, rng))
        yield ids[-1]
