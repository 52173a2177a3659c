"""Who is "it"? A tiny word-level encoder that resolves the pronoun, run in NumPy.

*The cat drank the milk because it was hungry / sweet*: "it" is the cat in the first sentence and
the milk in the second, and self-attention is how a model tells. The weights were trained once,
offline, by ``training/train_it_resolver.py`` (PyTorch, CPU) on made-up sentences of that kind
and are packaged as ``data/it_resolver.npz``. Inference is picoGPT's recipe, built from the
package's own pieces (``attention.multi_head_attention``, ``gpt.layer_norm``)::

    x = W_te[ids] + PE[0:n]                 # word embedding + sinusoidal positions
    x = x + MHA(LN_1(x), window)            # self-attention, NO causal mask  } n_layer
    x = x + FFN(LN_2(x))                    # position-wise feed-forward      } times
    q = LN_f(x)[it] @ W_p                   # a pointer, from the vector of "it" alone
    p = softmax([q · PE[noun] for each noun])       # which noun "it" is

It is an encoder: a word sees the words after it as well as before, so "it" can look ahead at
"hungry" or "sweet". In layer 1 a word sees only the words at most ``window_1`` away (a sliding
window, as in Longformer or Mistral): "it" reaches its adjective, but the adjective cannot reach
back to the nouns; in layer 2 every word sees every other, and a head there finds the noun.
(That head was encouraged in training by an extra loss on its attention, see
``training/README.md``; that the answer depends on it is measured, by switching it off.)
The answer is read from the vector of "it" alone, compared with the two nouns' *positional* codes
(not with their words): the vector of "it" has to carry where its noun is, and only attention can
bring it there. Switching a head off (``silenced``) sets that head's output to zero before the
output projection W_o, which is the usual ablation.

A toy: it knows about 130 words and only sentences with two or three nouns of different kinds (an
animal or person, a food or drink, an object), "it", and an adjective that fits one of them.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from genai_course import arrays, attention, gpt, positional

__all__ = [
    "AttentionBlock",
    "Evaluation",
    "Resolution",
    "Resolver",
    "classify",
    "encode",
    "encoder_block",
    "evaluate",
    "forward",
    "load_model",
    "resolve",
    "silence_head",
    "tokenize",
    "window_mask",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Silenced = tuple[int, int] | None  # (layer, head), counted from 0


@dataclass(frozen=True, eq=False)
class AttentionBlock:
    """One block's weights, in the ``x @ W`` convention; the feed-forward part is optional."""

    ln_g: FloatArray  # [d_model]
    ln_b: FloatArray  # [d_model]
    w_q: FloatArray  # [d_model, d_model]
    w_k: FloatArray  # [d_model, d_model]
    w_v: FloatArray  # [d_model, d_model]
    w_o: FloatArray  # [d_model, d_model]
    ffn: gpt.Block | None = None  # its ln_2, w_1, b_1, w_2, b_2 (the attention fields unused)


@dataclass(frozen=True, eq=False)
class Resolver:
    """The trained encoder: weights (float64), vocabulary with each word's kind, held-out data."""

    vocab: tuple[str, ...]  # [n_vocab], id = position; 0 is padding
    kinds: tuple[str, ...]  # [n_vocab] "noun", "adjective", "other" or "special"
    wte: FloatArray  # [n_vocab, d_model]
    pe: FloatArray  # [max_len, d_model] sinusoidal positional encoding
    blocks: tuple[AttentionBlock, ...]  # [n_layer]
    ln_f_g: FloatArray  # [d_model]
    ln_f_b: FloatArray  # [d_model]
    w_p: FloatArray  # [d_model, d_model] pointer from the vector of "it" to a position
    n_head: int
    window_1: int  # layer 1 attends only within this distance (0: everywhere)
    resolver_head: tuple[int, int]  # (layer, head) that resolves "it", counted from 0
    held_out_ids: IntArray  # [n_sentences, n_max], 0-padded
    held_out_labels: IntArray  # [n_sentences] "it" is noun number 0, 1 or 2
    held_out_split: tuple[str, ...]  # [n_sentences] "nouns", "adjectives" or "combinations"

    @property
    def n_layer(self) -> int:
        return len(self.blocks)

    @property
    def max_len(self) -> int:
        return int(self.pe.shape[0])

    @property
    def n_params(self) -> int:
        """Trainable numbers (the positional encoding is fixed, not counted)."""
        arrays = [self.wte, self.ln_f_g, self.ln_f_b, self.w_p]
        for b in self.blocks:
            arrays += [b.ln_g, b.ln_b, b.w_q, b.w_k, b.w_v, b.w_o]
            if b.ffn is not None:
                arrays += [b.ffn.ln_2_g, b.ffn.ln_2_b, b.ffn.w_1, b.ffn.b_1, b.ffn.w_2, b.ffn.b_2]
        return sum(a.size for a in arrays)

    def words(self, kind: str) -> list[str]:
        return [w for w, k in zip(self.vocab, self.kinds, strict=True) if k == kind]


@dataclass(frozen=True, eq=False)
class Resolution:
    """What the model makes of one sentence."""

    tokens: tuple[str, ...]
    it: int  # position of "it"
    nouns: tuple[int, ...]  # positions of the two or three nouns
    probs: FloatArray  # [n_nouns] P("it" is that noun)
    weights: FloatArray  # [n_layer, n_head, n, n] every head's attention weights

    @property
    def referent(self) -> int:
        """Position of the noun the model says "it" refers to."""
        return self.nouns[int(np.argmax(self.probs))]


@dataclass(frozen=True)
class Evaluation:
    """Accuracy, loss and head statistics on a set of sentences."""

    sentences: int
    correct: int
    loss: float  # mean cross-entropy of the right label, nats
    head_hits: IntArray  # [n_layer, n_head] sentences whose "it" row peaks on the right noun

    @property
    def accuracy(self) -> float:
        return self.correct / self.sentences


def load_model(path: str | Path | None = None) -> Resolver:
    """Load the packaged weights (``genai_course/data/it_resolver.npz``) or those at ``path``."""
    if path is None:
        return _from_npz(arrays.load("it_resolver"))
    with np.load(path, allow_pickle=False) as npz:
        return _from_npz(npz)


def _from_npz(npz: arrays.Arrays | np.lib.npyio.NpzFile) -> Resolver:
    def w(name: str) -> FloatArray:
        return np.asarray(npz[name], dtype=np.float64)

    n_layer = sum(1 for k in npz.files if k.endswith(".attn.w_q"))
    blocks = tuple(
        AttentionBlock(
            ln_g=w(f"blocks.{i}.ln_1.g"),
            ln_b=w(f"blocks.{i}.ln_1.b"),
            w_q=w(f"blocks.{i}.attn.w_q"),
            w_k=w(f"blocks.{i}.attn.w_k"),
            w_v=w(f"blocks.{i}.attn.w_v"),
            w_o=w(f"blocks.{i}.attn.w_o"),
            ffn=_ffn(npz, i),
        )
        for i in range(n_layer)
    )
    wte = w("wte")
    return Resolver(
        vocab=tuple(str(s) for s in npz["vocab"]),
        kinds=tuple(str(s) for s in npz["kinds"]),
        wte=wte,
        pe=positional.sinusoidal_encoding(
            int(npz["max_len"]), wte.shape[1], base=float(npz["pe_base"])
        ),
        blocks=blocks,
        ln_f_g=w("ln_f.g"),
        ln_f_b=w("ln_f.b"),
        w_p=w("pointer"),
        n_head=int(npz["n_head"]),
        window_1=int(npz["window_1"]),
        resolver_head=(int(npz["resolver_layer"]), int(npz["resolver_head"])),
        held_out_ids=np.asarray(npz["held_out.ids"], dtype=np.int64),
        held_out_labels=np.asarray(npz["held_out.labels"], dtype=np.int64),
        held_out_split=tuple(str(s) for s in npz["held_out.split"]),
    )


def _ffn(npz: arrays.Arrays | np.lib.npyio.NpzFile, i: int) -> gpt.Block | None:
    p = f"blocks.{i}."
    if p + "mlp.c_fc.w" not in npz.files:
        return None

    def w(name: str) -> FloatArray:
        return np.asarray(npz[p + name], dtype=np.float64)

    # gpt.ffn reads a gpt.Block; the attention weights are there only to fill its fields
    return gpt.Block(
        ln_1_g=w("ln_1.g"),
        ln_1_b=w("ln_1.b"),
        w_q=w("attn.w_q"),
        w_k=w("attn.w_k"),
        w_v=w("attn.w_v"),
        w_o=w("attn.w_o"),
        ln_2_g=w("ln_2.g"),
        ln_2_b=w("ln_2.b"),
        w_1=w("mlp.c_fc.w"),
        b_1=w("mlp.c_fc.b"),
        w_2=w("mlp.c_proj.w"),
        b_2=w("mlp.c_proj.b"),
    )


def tokenize(text: str) -> list[str]:
    """Lower-case words and punctuation marks: "It was sweet." -> ["it", "was", "sweet", "."]."""
    return re.findall(r"\w+|[^\w\s]", text.lower())


# Words after which the next word is most likely a noun, or an adjective: an unknown word there is
# offered known words of that kind.
_BEFORE_NOUN = {"the", "a", "an", "his", "her", "my", "our", "their", "your", "this", "that"}
_PRONOUNS = {"he", "she", "they", "him", "them", "its"}  # the model reads "it" only
_BEFORE_ADJECTIVE = {
    "was",
    "is",
    "seemed",
    "looked",
    "felt",
    "very",
    "really",
    "quite",
    "so",
    "too",
}


def _instead_of(model: Resolver, tokens: list[str], word: str) -> list[str]:
    """Up to three known words to try in place of ``word``: close spellings first, of the kind
    its place suggests (a noun after "the", an adjective after "was")."""
    # imported here: only a sentence with an unknown word needs it (not in the page's snapshot)
    import difflib

    if word in _PRONOUNS:
        return ["it"]
    before = tokens[tokens.index(word) - 1] if tokens.index(word) > 0 else ""
    kind = (
        "noun"
        if before in _BEFORE_NOUN
        else "adjective"
        if before in _BEFORE_ADJECTIVE
        else "other"  # after a noun: most often a verb
        if before in model.words("noun")
        else ""
    )
    known = [w for w, k in zip(model.vocab, model.kinds, strict=True) if k != "special"]
    pool = model.words(kind) if kind else known
    close = difflib.get_close_matches(word, pool, n=3, cutoff=0.5)
    return close or (pool[:3] if kind else difflib.get_close_matches(word, known, n=3, cutoff=0.6))


def _unknown_words_message(model: Resolver, tokens: list[str], unknown: list[str]) -> str:
    """Which words the model does not know, and known words to try instead (not the whole
    vocabulary: that is listed on the page, under the demo)."""

    def quoted(words: list[str]) -> str:
        return ", ".join(repr(w if len(w) <= 20 else w[:17] + "…") for w in words)

    more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
    tries = []
    for word in unknown[:3]:
        instead = _instead_of(model, tokens, word)
        if instead:
            options = ", ".join(map(repr, instead[:-1])) + " or " if len(instead) > 1 else ""
            tries.append(f"{options}{instead[-1]!r} for {quoted([word])}")
    # words, not the full stop
    counts = {k: sum(w.isalpha() for w in model.words(k)) for k in ("noun", "adjective", "other")}
    return (
        f"This toy model does not know {quoted(unknown[:3])}{more}."
        + (f" Try {'; '.join(tries)}." if tries else "")
        + f" It knows {sum(counts.values())} words ({counts['noun']} nouns, "
        f"{counts['adjective']} adjectives and {counts['other']} others), listed under the demo."
    )


def encode(model: Resolver, text: str) -> tuple[list[str], IntArray]:
    """Words -> ids. A word outside the vocabulary raises ValueError naming it, with known words
    to try instead."""
    tokens = tokenize(text)
    if not tokens:
        raise ValueError("The sentence has no words: type a few words.")
    index = {w: i for i, w in enumerate(model.vocab) if model.kinds[i] != "special"}
    unknown = list(dict.fromkeys(t for t in tokens if t not in index))
    if unknown:
        raise ValueError(_unknown_words_message(model, tokens, unknown))
    if len(tokens) > model.max_len:
        raise ValueError(
            f"At most {model.max_len} words and punctuation marks, got {len(tokens)}: the model "
            "was trained on short sentences."
        )
    return tokens, np.array([index[t] for t in tokens], dtype=np.int64)


def silence_head(w_o: FloatArray, head: int, n_head: int) -> FloatArray:
    """W_o with the rows that read head ``head``'s output set to zero.

    MultiHead(X) = concat(head_1 … head_h)·W_o, so zeroing rows h·d_k … (h+1)·d_k of W_o is the
    same as setting head h's output to zero.
    # [d_model, d_model] -> [d_model, d_model]
    """
    d_k = w_o.shape[0] // n_head
    silenced = w_o.copy()
    silenced[head * d_k : (head + 1) * d_k] = 0.0
    return silenced


def window_mask(n: int, window: int) -> npt.NDArray[np.bool_]:
    """True where word i may attend to word j: |i − j| ≤ window (everywhere if window is 0).

    # -> [n, n]
    """
    offsets = np.abs(np.arange(n)[None, :] - np.arange(n)[:, None])
    allowed: npt.NDArray[np.bool_] = offsets <= window if window else np.ones((n, n), bool)
    return allowed


def encoder_block(
    x: FloatArray,
    block: AttentionBlock,
    n_head: int,
    window: int = 0,
    silenced: int | None = None,
) -> tuple[FloatArray, FloatArray]:  # [n, d_model] -> [n, d_model], [n_head, n, n]
    """Pre-LayerNorm block without a causal mask: x + MHA(LN_1(x)), then + FFN(LN_2(·)) if the
    block has one."""
    w_o = block.w_o if silenced is None else silence_head(block.w_o, silenced, n_head)
    # a word attends to the words before and after it (within the window, if there is one)
    a, weights = attention.multi_head_attention(
        gpt.layer_norm(x, block.ln_g, block.ln_b),
        block.w_q,
        block.w_k,
        block.w_v,
        w_o,
        n_head,
        mask=window_mask(len(x), window),
    )
    x = x + a
    if block.ffn is not None:
        x = x + gpt.ffn(gpt.layer_norm(x, block.ffn.ln_2_g, block.ffn.ln_2_b), block.ffn)
    return x, weights


def forward(
    model: Resolver, ids: IntArray, silenced: Silenced = None
) -> tuple[FloatArray, FloatArray]:  # [n] -> [n, d_model], [n_layer, n_head, n, n]
    """The final vectors of every word (after LN_f), and every head's attention weights."""
    x = model.wte[ids] + model.pe[: len(ids)]
    weights = []
    for i, block in enumerate(model.blocks):
        head = silenced[1] if silenced is not None and silenced[0] == i else None
        window = model.window_1 if i == 0 else 0
        x, w = encoder_block(x, block, model.n_head, window, head)
        weights.append(w)
    return gpt.layer_norm(x, model.ln_f_g, model.ln_f_b), np.stack(weights)


def classify(
    model: Resolver, ids: IntArray, it: int, nouns: tuple[int, ...], silenced: Silenced = None
) -> tuple[FloatArray, FloatArray]:  # [n] -> [n_nouns], [n_layer, n_head, n, n]
    """P("it" is each of the nouns), from the vector of "it" alone."""
    h, weights = forward(model, ids, silenced)
    # [d_model] @ [d_model, d_model] -> [d_model]: where the vector of "it" points
    q = h[it] @ model.w_p
    # [n_nouns, d_model] @ [d_model] -> [n_nouns]: compared with the nouns' positional codes
    logits = model.pe[list(nouns)] @ q
    return attention.softmax(logits), weights


def _it_and_nouns(model: Resolver, tokens: list[str]) -> tuple[int, tuple[int, ...]]:
    if tokens.count("it") != 1:
        raise ValueError(
            "The sentence needs the word 'it' exactly once: the model says what 'it' refers to."
        )
    nouns = [i for i, t in enumerate(tokens) if model.kinds[model.vocab.index(t)] == "noun"]
    if len(nouns) not in (2, 3):
        found = ", ".join(tokens[i] for i in nouns) or "none"
        raise ValueError(
            f"The model chooses between two or three nouns; this sentence has {len(nouns)} "
            f"({found}). Nouns it knows: {', '.join(model.words('noun'))}."
        )
    return tokens.index("it"), tuple(nouns)


def resolve(model: Resolver, sentence: str, silenced: Silenced = None) -> Resolution:
    """Which of the sentence's two nouns "it" refers to, and every head's attention weights."""
    tokens, ids = encode(model, sentence)
    it, nouns = _it_and_nouns(model, tokens)
    probs, weights = classify(model, ids, it, nouns, silenced)
    return Resolution(tuple(tokens), it, nouns, probs, weights)


def evaluate(model: Resolver, split: str | None = None, silenced: Silenced = None) -> Evaluation:
    """Accuracy and loss on the packaged held-out sentences (one split, or all of them), and how
    often each head's row of "it" has its largest weight on the right noun."""
    rows = [i for i, s in enumerate(model.held_out_split) if split is None or s == split]
    if not rows:
        raise ValueError(f"no held-out split {split!r}; the splits: {set(model.held_out_split)}")
    correct, losses = 0, []
    hits = np.zeros((model.n_layer, model.n_head), dtype=np.int64)
    for row in rows:
        ids = model.held_out_ids[row][model.held_out_ids[row] != 0]
        label = int(model.held_out_labels[row])
        tokens = [model.vocab[i] for i in ids]
        it, nouns = _it_and_nouns(model, tokens)
        probs, weights = classify(model, ids, it, nouns, silenced)
        correct += int(np.argmax(probs)) == label
        losses.append(-np.log(probs[label]))
        # [n_layer, n_head, n]: what "it" attends to in every head
        hits += np.argmax(weights[:, :, it], axis=-1) == nouns[label]
    return Evaluation(len(rows), correct, float(np.mean(losses)), hits)
