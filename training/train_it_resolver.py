"""Train the course's "it" resolver: a tiny word-level encoder that names what "it" refers to.

Run once, offline, on a CPU (see training/README.md for the environment):

    /tmp/torchenv/bin/python training/train_it_resolver.py

The course notes teach self-attention with *The cat drank the milk because it was hungry / sweet*.
This script makes sentences of that kind from templates — two or three nouns of different kinds
(an animal or person, a food or drink, an object) in any order, a verb or a relation, fillers,
"because it was" and an adjective that fits only one kind (hungry / sweet / heavy …) — and trains
a small bidirectional encoder to point at the noun "it" refers to. The answer is read from the
final vector of "it" alone, compared with the nouns' positional codes, so it has to reach "it"
through attention; the verb does not give the order away (half the sentences link the nouns with
a relation that works both ways, "was near", "was next to", …).

Held out from every labelled sentence, and reported separately:
- nouns (lion, teacher, goat / cheese, sandwich / bottle),
- adjectives (lonely, curious / juicy, rotten / cracked),
- pairs of nouns (cat + milk, the notes' pair, and others): each noun is trained, never the two
  together; so the notes' two sentences are never trained on.
A word never seen in a labelled sentence would have a meaningless embedding, so every word also
appears in unlabelled sentences ("the lion was lonely .", and sentences like the labelled ones
whose label is never used) of a masked-word task trained alongside (BERT's objective, with the
embedding tied to the output): that is where the model learns what kind of thing a held-out word
is, as a pretrained encoder would.

Two training aids, both reported: a curriculum (the first steps use only the easy sentences) and
supervised attention (an extra loss asks layer 2, head 1's row of "it" to peak on the referent).
Without the second, no single head took the job in any run (the best peaked on the right noun in
at most a third of the sentences; the decision was spread over heads and MLPs), and the demo
needs one head to switch off. Whether the model *relies* on that head is not trained for: the
ablation figures in the report measure it.

It writes `src/genai_course/data/it_resolver.npz` (float32 weights, vocabulary, word kinds, the
held-out sentences, the head that resolves "it") and `training/it_resolver_report.json`.
The architecture is the one `genai_course.coreference` runs in NumPy, layer for layer: word
embedding + sinusoidal positions, `n_layer` pre-LayerNorm blocks (multi-head self-attention
without biases and without a causal mask, a sliding window of ±3 words in layer 1, then a GELU
MLP), a final LayerNorm, and the pointer from the vector of "it".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import random
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the PyTorch idiom)
from torch import nn
from train_tiny_gpt import MLP, learning_rate, sinusoidal_encoding

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NPZ = ROOT / "src" / "genai_course" / "data" / "it_resolver.npz"
DEFAULT_REPORT = ROOT / "training" / "it_resolver_report.json"

# ---------------------------------------------------------------------------------------------
# the words

# three kinds of noun, and adjectives that fit only one kind
ANIMATE = (
    "cat dog boy girl horse bird mouse child man woman farmer baby rabbit puppy kitten student"
)
FOOD = "milk soup cake bread water juice apple tea coffee pizza pie"
OBJECT = "ball box rock bag toy chair book cup"
ANIMATE_HELD_OUT = "lion teacher goat"
FOOD_HELD_OUT = "cheese sandwich"
OBJECT_HELD_OUT = "bottle"
ADJ_ANIMATE = "hungry tired thirsty sleepy happy sad angry scared bored sick"
ADJ_FOOD = "sweet fresh salty sour delicious stale spicy cold"
ADJ_OBJECT = "heavy empty broken shiny round hard"
ADJ_ANIMATE_HELD_OUT = "lonely curious"
ADJ_FOOD_HELD_OUT = "juicy rotten"
ADJ_OBJECT_HELD_OUT = "cracked"
KINDS = ["animate", "food", "object"]
NOUNS = {"animate": ANIMATE, "food": FOOD, "object": OBJECT}
NOUNS_HELD_OUT = {"animate": ANIMATE_HELD_OUT, "food": FOOD_HELD_OUT, "object": OBJECT_HELD_OUT}
ADJECTIVES = {"animate": ADJ_ANIMATE, "food": ADJ_FOOD, "object": ADJ_OBJECT}
ADJECTIVES_HELD_OUT = {
    "animate": ADJ_ANIMATE_HELD_OUT,
    "food": ADJ_FOOD_HELD_OUT,
    "object": ADJ_OBJECT_HELD_OUT,
}
# pairs never seen together in a labelled sentence (each noun is, with other partners)
PAIRS_HELD_OUT = {
    frozenset(p)
    for p in [
        ("cat", "milk"),
        ("dog", "ball"),
        ("girl", "cake"),
        ("horse", "water"),
        ("boy", "pizza"),
        ("mouse", "bread"),
        ("baby", "juice"),
        ("farmer", "box"),
    ]
}
# a third noun joins with a preposition: "the cat drank the milk from the cup because …"
PREPOSITIONS = ["near", "beside", "behind", "with", "from"]
# verbs that need an animal or person as subject / a food or object as subject
VERBS_ANIMATE_SUBJECT = [
    (v,)
    for v in [
        "drank",
        "ate",
        "wanted",
        "liked",
        "found",
        "grabbed",
        "smelled",
        "carried",
        "chased",
        "dropped",
    ]
] + [("tasted",), ("licked",)]
VERBS_INANIMATE_SUBJECT = [
    (v,) for v in ["tempted", "attracted", "pleased", "surprised", "interested", "annoyed"]
] + [("fell", "on"), ("rolled", "towards")]
# relations that read either way round: the verb must not give away the nouns' order
RELATIONS = [("was", "near"), ("was", "next", "to"), ("was", "behind"), ("was", "beside")]
DETERMINERS = ["the", "a", "my", "his", "her", "our", "that", "this"]
MODIFIERS = ["little", "big", "old", "small", "new"]
ADVERBS = ["quickly", "slowly", "suddenly", "finally"]
# words between the second noun and "because": the nouns are not always right next to "it"
FILLERS = ["today", "again", "yesterday", "there", "then", "happily"]
MAX_FILLERS = 2
CONJUNCTIONS = ["because", "since", "as"]
COPULAS = ["was", "seemed", "looked"]
INTENSIFIERS = ["very", "really", "so", "quite", "too"]
NOTES_SENTENCES = [
    "The cat drank the milk because it was hungry",
    "The cat drank the milk because it was sweet",
]
SPECIALS = ["<pad>", "<mask>"]


def words(s: str) -> list[str]:
    return s.split()


def tokenize(sentence: str) -> list[str]:
    """Lower-case words and punctuation marks, as genai_course.coreference.tokenize does."""
    return re.findall(r"\w+|[^\w\s]", sentence.lower())


def word_kinds() -> dict[str, str]:
    """Every word of the vocabulary and its kind (shown to a learner who types an unknown word)."""
    kinds: dict[str, str] = {}
    for k in KINDS:
        kinds |= dict.fromkeys(words(NOUNS[k] + " " + NOUNS_HELD_OUT[k]), "noun")
    for k in KINDS:
        kinds |= dict.fromkeys(words(ADJECTIVES[k] + " " + ADJECTIVES_HELD_OUT[k]), "adjective")
    verbs = [w for v in VERBS_ANIMATE_SUBJECT + VERBS_INANIMATE_SUBJECT + RELATIONS for w in v]
    others = DETERMINERS + MODIFIERS + ADVERBS + FILLERS + CONJUNCTIONS + COPULAS + INTENSIFIERS
    others += PREPOSITIONS
    for w in [*verbs, *others, "it", "."]:
        kinds.setdefault(w, "other")
    return kinds


# ---------------------------------------------------------------------------------------------
# the sentences


@dataclass(frozen=True)
class Example:
    tokens: tuple[str, ...]
    label: int  # "it" is noun number `label` (0, 1 or 2)
    nouns: tuple[int, ...]  # positions of the two or three nouns


def noun_phrase(rng: random.Random, noun: str) -> list[str]:
    det = rng.choice(DETERMINERS)
    if det == "a" and noun[0] in "aeiou":
        det = "the"  # keep the vocabulary small: no "an"
    modifier = [rng.choice(MODIFIERS)] if rng.random() < 0.3 else []
    return [det, *modifier, noun]


def make_example(
    rng: random.Random,
    nouns: dict[str, list[str]],
    adjectives: dict[str, list[str]],
    allowed: Callable[[list[str]], bool],
) -> Example:
    """One sentence with two or three nouns of different kinds, in any order, and an adjective
    that fits one of them; fillers at random."""
    while True:
        kinds = rng.sample(KINDS, rng.choice((2, 3)))
        chosen = [rng.choice(nouns[k]) for k in kinds]
        if allowed(chosen):
            break
    if rng.random() < 0.5:
        verb = list(rng.choice(RELATIONS))
    else:
        animate_first = kinds[0] == "animate"
        verb = list(rng.choice(VERBS_ANIMATE_SUBJECT if animate_first else VERBS_INANIMATE_SUBJECT))
        if rng.random() < 0.2:
            verb = [rng.choice(ADVERBS), *verb]
    label = rng.randrange(len(kinds))
    adjective = rng.choice(adjectives[kinds[label]])
    tokens: list[str] = []
    positions = []
    for i, noun in enumerate(chosen):
        if i == 1:
            tokens += verb
        elif i == 2:
            tokens.append(rng.choice(PREPOSITIONS))
        tokens += noun_phrase(rng, noun)
        positions.append(len(tokens) - 1)
    fillers = [rng.choice(FILLERS + ADVERBS) for _ in range(rng.randrange(MAX_FILLERS + 1))]
    tokens += [*fillers, rng.choice(CONJUNCTIONS), "it", rng.choice(COPULAS)]
    if rng.random() < 0.4:
        tokens.append(rng.choice(INTENSIFIERS))
    tokens.append(adjective)
    if rng.random() < 0.5:
        tokens.append(".")
    return Example(tuple(tokens), label, tuple(positions))


def attribute_sentence(rng: random.Random, noun: str, adjectives: list[str]) -> list[str]:
    """An unlabelled sentence for the masked-word task: "the lion was very lonely ."."""
    tail = [rng.choice(INTENSIFIERS)] if rng.random() < 0.3 else []
    end = ["."] if rng.random() < 0.5 else []
    return [*noun_phrase(rng, noun), rng.choice(COPULAS), *tail, rng.choice(adjectives), *end]


def has_held_out_pair(chosen: list[str]) -> bool:
    return any(frozenset((a, b)) in PAIRS_HELD_OUT for a in chosen for b in chosen if a != b)


def make_data(seed: int, n_train: int, n_per_split: int) -> dict[str, list[Example]]:
    rng = random.Random(seed)
    nouns = {k: words(NOUNS[k]) for k in KINDS}
    adjectives = {k: words(ADJECTIVES[k]) for k in KINDS}
    all_nouns = {k: words(NOUNS[k] + " " + NOUNS_HELD_OUT[k]) for k in KINDS}
    new_adjectives = {k: words(ADJECTIVES_HELD_OUT[k]) for k in KINDS}
    held_nouns = {w for k in KINDS for w in words(NOUNS_HELD_OUT[k])}

    def trained(chosen: list[str]) -> bool:
        return not has_held_out_pair(chosen)

    def some_held_out(chosen: list[str]) -> bool:
        return bool(held_nouns & set(chosen)) and not has_held_out_pair(chosen)

    def make(
        n: int, nn: dict[str, list[str]], aa: dict[str, list[str]], ok: Callable[[list[str]], bool]
    ) -> list[Example]:
        return [make_example(rng, nn, aa, ok) for _ in range(n)]

    return {
        "train": make(n_train, nouns, adjectives, trained),
        # held out: never in a labelled training sentence
        "nouns": make(n_per_split, all_nouns, adjectives, some_held_out),
        "adjectives": make(n_per_split, nouns, new_adjectives, trained),
        "combinations": make(n_per_split, nouns, adjectives, has_held_out_pair),
        # training words and pairs, new random sentences: how well it fits its own distribution
        "validation": make(n_per_split, nouns, adjectives, trained),
    }


def make_unlabelled_sentences(seed: int, n: int) -> list[list[str]]:
    """Sentences for the masked-word task, with every word, held-out ones included: half are
    "the lion was lonely ." and half are sentences like the labelled ones, whose label is never
    used (held-out pairs stay out)."""
    rng = random.Random(seed + 1)
    nouns = {k: words(NOUNS[k] + " " + NOUNS_HELD_OUT[k]) for k in KINDS}
    adjectives = {k: words(ADJECTIVES[k] + " " + ADJECTIVES_HELD_OUT[k]) for k in KINDS}
    out = []
    for i in range(n):
        if i % 2:
            k = rng.choice(KINDS)
            out.append(attribute_sentence(rng, rng.choice(nouns[k]), adjectives[k]))
        else:
            e = make_example(rng, nouns, adjectives, lambda c: not has_held_out_pair(c))
            out.append(list(e.tokens))
    return out


# ---------------------------------------------------------------------------------------------
# the model


@dataclass
class Config:
    n_layer: int = 2
    n_head: int = 2
    d_model: int = 32
    max_len: int = 24  # positions the encoding covers; training sentences have at most 21 words
    # layer 1 attends only to words at most this far away (a sliding window, 0 = everywhere):
    # "it" still sees its adjective, but an adjective cannot reach back to the nouns
    window_1: int = 3
    mlp_layers: int = 2  # the first mlp_layers blocks have an MLP
    pe_base: float = 10000.0
    dropout: float = 0.0
    batch_size: int = 64
    max_steps: int = 4500
    learning_rate: float = 3e-3
    min_learning_rate: float = 3e-4
    warmup_steps: int = 100
    weight_decay: float = 0.05
    grad_clip: float = 1.0
    init_std: float = 0.1
    mlm_weight: float = 0.5
    mlm_start_step: int = 0  # the masked-word task joins in from this step on
    # a curriculum: the first easy_steps steps use only the easy training sentences (two nouns,
    # "it" right after the second); without it training sat at chance for thousands of steps
    easy_steps: int = 800
    # supervised attention: an extra loss asks layer 2, head 1's row of "it" to peak on the
    # referent (-log of its weight there). Without it no single head took the job: in every
    # unsupervised run the best head peaked on the right noun in at most a third of sentences
    attention_supervision: float = 1.0
    mask_fraction: float = 0.15
    eval_interval: int = 250
    n_train: int = 20000
    n_attribute: int = 16000
    n_per_split: int = 1000
    seed: int = 16


class SelfAttention(nn.Module):
    """Multi-head self-attention without biases and without a causal mask; padding is masked,
    and so are words further away than ``window`` (if it is not 0)."""

    def __init__(self, cfg: Config, window: int = 0) -> None:
        super().__init__()
        self.window = window
        d = cfg.d_model
        self.w_q = nn.Linear(d, d, bias=False)
        self.w_k = nn.Linear(d, d, bias=False)
        self.w_v = nn.Linear(d, d, bias=False)
        self.w_o = nn.Linear(d, d, bias=False)
        self.n_head = cfg.n_head

    def forward(
        self, x: torch.Tensor, keep: torch.Tensor, silenced: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        b, n, d = x.shape
        d_k = d // self.n_head
        q, k, v = (
            w(x).view(b, n, self.n_head, d_k).transpose(1, 2)
            for w in (self.w_q, self.w_k, self.w_v)
        )  # [b, h, n, d_k]
        scores = q @ k.transpose(-1, -2) / math.sqrt(d_k)  # [b, h, n, n]
        allowed = keep[:, None, None, :]
        if self.window:
            offsets = torch.arange(n)[None, :] - torch.arange(n)[:, None]  # [n, n]: j - i
            allowed = allowed & (offsets.abs() <= self.window)
        # a padding position attends to itself, so that no row is empty (it is never read)
        allowed = allowed | torch.eye(n, dtype=torch.bool)
        scores = scores.masked_fill(~allowed, float("-inf"))
        weights = scores.softmax(-1)
        heads = weights @ v  # [b, h, n, d_k]
        if silenced is not None:
            # ablation: the silenced head contributes nothing to the output
            heads = heads.clone()
            heads[:, silenced] = 0.0
        y = heads.transpose(1, 2).reshape(b, n, d)
        return self.w_o(y), weights


class Block(nn.Module):
    def __init__(self, cfg: Config, window: int = 0, mlp: bool = True) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d_model)
        self.attn = SelfAttention(cfg, window)
        self.mlp = MLP(cfg) if mlp else None  # type: ignore[arg-type]
        self.ln_2 = nn.LayerNorm(cfg.d_model) if mlp else None

    def forward(
        self, x: torch.Tensor, keep: torch.Tensor, silenced: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        a, weights = self.attn(self.ln_1(x), keep, silenced)
        x = x + a
        if self.mlp is not None and self.ln_2 is not None:
            x = x + self.mlp(self.ln_2(x))
        return x, weights


class ItResolver(nn.Module):
    def __init__(self, cfg: Config, vocab_size: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(vocab_size, cfg.d_model)
        pe = sinusoidal_encoding(cfg.max_len, cfg.d_model, cfg.pe_base)
        self.register_buffer("pe", pe, persistent=False)
        self.blocks = nn.ModuleList(
            Block(cfg, cfg.window_1 if i == 0 else 0, i < cfg.mlp_layers)
            for i in range(cfg.n_layer)
        )
        self.ln_f = nn.LayerNorm(cfg.d_model)
        # pointer: the vector of "it", mapped by W_p, is compared with the positional codes of
        # the two nouns; it must carry the referent's position, which only attention brings
        self.pointer = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        # masked-word task: scores against the (tied) word embeddings, plus a bias per word
        self.mlm_bias = nn.Parameter(torch.zeros(vocab_size))
        for name, p in self.named_parameters():
            if p.dim() == 2 and name != "wte.weight":
                nn.init.normal_(p, 0.0, cfg.init_std)

    def hidden(
        self, ids: torch.Tensor, silenced: tuple[int, int] | None = None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:  # [b, n] -> [b, n, d], n_layer x [b, h, n, n]
        keep = ids != 0
        n = ids.shape[1]
        x = self.wte(ids) + self.pe[:n].to(self.wte.weight.dtype)
        weights = []
        for i, block in enumerate(self.blocks):
            head = silenced[1] if silenced is not None and silenced[0] == i else None
            x, w = block(x, keep, head)
            weights.append(w)
        return self.ln_f(x), weights

    def classify(
        self,
        ids: torch.Tensor,
        it: torch.Tensor,
        nouns: torch.Tensor,
        silenced: tuple[int, int] | None = None,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:  # [b, n], [b], [b, 2] -> [b, 2]
        h, weights = self.hidden(ids, silenced)
        query = self.pointer(h[torch.arange(len(it)), it])  # [b, d]
        codes = self.pe[nouns.clamp(min=0)].to(query.dtype)  # [b, 3, d]
        logits = (codes @ query[:, :, None])[:, :, 0]
        # sentences with two nouns have no third candidate
        return logits.masked_fill(nouns < 0, float("-inf")), weights

    def mlm_logits(self, ids: torch.Tensor) -> torch.Tensor:  # [b, n] -> [b, n, vocab]
        h, _ = self.hidden(ids)
        return h @ self.wte.weight.T + self.mlm_bias


# ---------------------------------------------------------------------------------------------
# tensors, evaluation, export


def batch(
    examples: list[Example], index: dict[str, int]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """ids [b, n] (0-padded), position of "it" [b], labels [b], noun positions [b, 2]."""
    n = max(len(e.tokens) for e in examples)
    ids = torch.zeros(len(examples), n, dtype=torch.long)
    for row, e in enumerate(examples):
        ids[row, : len(e.tokens)] = torch.tensor([index[t] for t in e.tokens])
    it = torch.tensor([e.tokens.index("it") for e in examples])
    labels = torch.tensor([e.label for e in examples])
    nouns = torch.tensor([(*e.nouns, -1)[:3] for e in examples])  # -1: no third noun
    return ids, it, labels, nouns


@torch.no_grad()
def evaluate(
    model: ItResolver,
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    silenced: tuple[int, int] | None = None,
) -> dict[str, object]:
    """Loss (mean cross-entropy, nats), accuracy, and for every head how often the row of "it"
    has its largest weight on the right noun."""
    model.eval()
    ids, it, labels, nouns = data
    logits, weights = model.classify(ids, it, nouns, silenced)
    loss = F.cross_entropy(logits, labels).item()
    correct = int((logits.argmax(-1) == labels).sum())
    rows = torch.arange(len(it))
    referent = nouns[rows, labels]
    # the first noun that is not the referent
    other = nouns[rows, torch.where(labels == 0, 1, 0)]
    heads = {}
    for layer, w in enumerate(weights):
        for head in range(w.shape[1]):
            row = w[rows, head, it]  # [b, n]: what "it" attends to
            heads[f"layer {layer + 1} head {head + 1}"] = {
                "argmax_on_referent": float((row.argmax(-1) == referent).double().mean()),
                "mean_weight_on_referent": float(row[rows, referent].mean()),
                "mean_weight_on_other_noun": float(row[rows, other].mean()),
            }
    model.train()
    return {
        "sentences": len(labels),
        "correct": correct,
        "accuracy": correct / len(labels),
        "loss": loss,
        "heads": heads,
    }


def masked_batch(
    sentences: list[list[int]], rng: torch.Generator, fraction: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """~fraction of the words (at least one) replaced by <mask>; targets -100 elsewhere."""
    n = max(len(s) for s in sentences)
    ids = torch.zeros(len(sentences), n, dtype=torch.long)
    for row, s in enumerate(sentences):
        ids[row, : len(s)] = torch.tensor(s)
    real = ids != 0
    chosen = (torch.rand(ids.shape, generator=rng) < fraction) & real
    lengths = real.sum(1)
    forced = (torch.rand(len(sentences), generator=rng) * lengths).long()
    chosen[torch.arange(len(sentences)), forced] = True
    targets = torch.where(chosen, ids, torch.full_like(ids, -100))
    return torch.where(chosen, torch.ones_like(ids), ids), targets


def export_npz(
    model: ItResolver,
    vocab: list[str],
    kinds: dict[str, str],
    held_out: dict[str, list[Example]],
    resolver: tuple[int, int],
    path: Path,
) -> None:
    """float32 weights in the x @ W convention, the vocabulary with each word's kind, the
    held-out sentences (ids, their labels and split), and the head that resolves "it"."""
    cfg = model.cfg

    def a(t: torch.Tensor) -> np.ndarray:
        return t.detach().to(torch.float32).numpy().copy()

    index = {w: i for i, w in enumerate(vocab)}
    examples = [e for split in held_out.values() for e in split]
    ids = np.zeros((len(examples), max(len(e.tokens) for e in examples)), dtype=np.int16)
    for row, e in enumerate(examples):
        ids[row, : len(e.tokens)] = [index[t] for t in e.tokens]
    arrays: dict[str, np.ndarray] = {
        "vocab": np.array(vocab),
        "kinds": np.array([kinds.get(w, "special") for w in vocab]),
        "n_head": np.array(cfg.n_head, dtype=np.int64),
        "window_1": np.array(cfg.window_1, dtype=np.int64),
        "max_len": np.array(cfg.max_len, dtype=np.int64),
        "pe_base": np.array(cfg.pe_base, dtype=np.float64),
        "resolver_layer": np.array(resolver[0], dtype=np.int64),  # counted from 0
        "resolver_head": np.array(resolver[1], dtype=np.int64),
        "held_out.ids": ids,  # [n_sentences, n_max], 0 = padding
        "held_out.labels": np.array([e.label for e in examples], dtype=np.int8),
        "held_out.split": np.array([k for k, v in held_out.items() for _ in v]),
        "wte": a(model.wte.weight),  # [vocab, d_model]
        "ln_f.g": a(model.ln_f.weight),
        "ln_f.b": a(model.ln_f.bias),
        "pointer": a(model.pointer.weight.T),  # [d_model, d_model]
    }
    for i, block in enumerate(model.blocks):
        p = f"blocks.{i}."
        arrays |= {
            p + "ln_1.g": a(block.ln_1.weight),
            p + "ln_1.b": a(block.ln_1.bias),
            p + "attn.w_q": a(block.attn.w_q.weight.T),  # [d_model, d_model]
            p + "attn.w_k": a(block.attn.w_k.weight.T),
            p + "attn.w_v": a(block.attn.w_v.weight.T),
            p + "attn.w_o": a(block.attn.w_o.weight.T),
        }
        if block.mlp is not None and block.ln_2 is not None:
            arrays |= {
                p + "ln_2.g": a(block.ln_2.weight),
                p + "ln_2.b": a(block.ln_2.bias),
                p + "mlp.c_fc.w": a(block.mlp.c_fc.weight.T),  # [d_model, 4*d_model]
                p + "mlp.c_fc.b": a(block.mlp.c_fc.bias),
                p + "mlp.c_proj.w": a(block.mlp.c_proj.weight.T),  # [4*d_model, d_model]
                p + "mlp.c_proj.b": a(block.mlp.c_proj.bias),
            }
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npz", type=Path, default=DEFAULT_NPZ)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--max-steps", type=int, default=Config.max_steps)
    parser.add_argument("--seed", type=int, default=Config.seed)
    parser.add_argument("--set", nargs="*", default=[], help="other Config fields, as name=value")
    args = parser.parse_args()

    overrides = dict(item.split("=", 1) for item in args.set)
    fields = Config.__dataclass_fields__
    typed = {k: type(getattr(Config, k))(v) for k, v in overrides.items() if k in fields}
    cfg = Config(max_steps=args.max_steps, seed=args.seed, **typed)
    torch.set_num_threads(1)
    torch.manual_seed(cfg.seed)
    started = time.perf_counter()

    kinds = word_kinds()
    vocab = SPECIALS + sorted(kinds)
    index = {w: i for i, w in enumerate(vocab)}
    data = make_data(cfg.seed, cfg.n_train, cfg.n_per_split)
    attributes = make_unlabelled_sentences(cfg.seed, cfg.n_attribute)
    train = data["train"]
    notes = [
        Example(tuple(tokenize(s)), label, (1, 4))
        for s, label in zip(NOTES_SENTENCES, (0, 1), strict=True)
    ]
    held_out = {k: data[k] for k in ("nouns", "adjectives", "combinations")}
    # the labelled training sentences never hold a held-out word or pair
    held_words = {w for k in KINDS for w in words(NOUNS_HELD_OUT[k] + " " + ADJECTIVES_HELD_OUT[k])}
    train_text = {" ".join(e.tokens) for e in train}
    assert not any(held_words & set(e.tokens) for e in train)
    assert not any(has_held_out_pair([e.tokens[i] for i in e.nouns]) for e in train)
    assert not any(" ".join(e.tokens) in train_text for split in held_out.values() for e in split)
    assert all(" ".join(e.tokens) not in train_text for e in notes)

    tensors = {k: batch(v, index) for k, v in data.items()}
    tensors["notes"] = batch(notes, index)
    tensors["held_out"] = batch([e for s in held_out.values() for e in s], index)
    # no unlabelled sentence is word for word a held-out one
    held_out_text = {" ".join(e.tokens) for split in held_out.values() for e in split}
    attributes = [s for s in attributes if " ".join(s) not in held_out_text]
    mlm_sentences = [[index[t] for t in s] for s in attributes]
    mlm_sentences += [[index[t] for t in e.tokens] for e in train]

    model = ItResolver(cfg, len(vocab))
    n_params = sum(p.numel() for n, p in model.named_parameters() if n != "mlm_bias")
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, betas=(0.9, 0.99))
    for group in optimizer.param_groups:
        group["weight_decay"] = cfg.weight_decay
    generator = torch.Generator().manual_seed(cfg.seed)
    print(
        f"vocab {len(vocab)}, params {n_params}, train {len(train)} labelled + "
        f"{len(attributes)} unlabelled sentences"
    )

    curve = []
    ids_all, it_all, labels_all, nouns_all = tensors["train"]
    all_rows = torch.arange(len(train))
    easy = torch.tensor(
        [
            i
            for i, e in enumerate(train)
            if len(e.nouns) == 2 and e.tokens.index("it") - e.nouns[1] == 2
        ]
    )
    for step in range(cfg.max_steps + 1):
        if step % cfg.eval_interval == 0 or step == cfg.max_steps:
            v = evaluate(model, tensors["validation"])
            h = {k: evaluate(model, tensors[k])["accuracy"] for k in held_out}
            elapsed = time.perf_counter() - started
            curve.append(
                {
                    "step": step,
                    "validation_loss": v["loss"],
                    "validation_accuracy": v["accuracy"],
                    "held_out_accuracy": h,
                    "seconds": round(elapsed, 1),
                }
            )
            print(
                f"step {step:5d}  val loss {v['loss']:.4f} acc {v['accuracy']:.3f}  "
                f"held-out {json.dumps(h)}  {elapsed:6.1f}s"
            )
        if step == cfg.max_steps:
            break
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, cfg)  # type: ignore[arg-type]
        pool = easy if step < cfg.easy_steps else all_rows
        rows = pool[torch.randint(len(pool), (cfg.batch_size,), generator=generator)]
        logits, weights = model.classify(ids_all[rows], it_all[rows], nouns_all[rows])
        loss = F.cross_entropy(logits, labels_all[rows])
        if cfg.attention_supervision:
            referent = nouns_all[rows, labels_all[rows]]
            row = weights[1][torch.arange(len(rows)), 0, it_all[rows]]  # [b, n]
            picked = row[torch.arange(len(rows)), referent]
            loss = loss - cfg.attention_supervision * torch.log(picked + 1e-9).mean()
        if step >= cfg.mlm_start_step:
            picks = torch.randint(len(mlm_sentences), (cfg.batch_size,), generator=generator)
            masked, targets = masked_batch(
                [mlm_sentences[int(i)] for i in picks], generator, cfg.mask_fraction
            )
            mlm = model.mlm_logits(masked)
            loss = loss + cfg.mlm_weight * F.cross_entropy(
                mlm.reshape(-1, mlm.shape[-1]), targets.reshape(-1)
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()

    # the head that resolves "it" is chosen on training sentences, then measured on held-out ones
    on_train = evaluate(model, batch(train[:2000], index))
    heads = on_train["heads"]
    assert isinstance(heads, dict)
    best = max(heads, key=lambda k: heads[k]["argmax_on_referent"])
    resolver = (int(best.split()[1]) - 1, int(best.split()[3]) - 1)
    export_npz(model, vocab, kinds, held_out, resolver, args.npz)

    # the reported figures are those of the exported float32 weights, evaluated in float64 —
    # the precision genai_course.coreference uses to reproduce them
    state = {k: v.to(torch.float32).to(torch.float64) for k, v in model.state_dict().items()}
    model = model.double()
    model.load_state_dict(state)
    model.pe = model.pe.to(torch.float64)
    results = {k: evaluate(model, tensors[k]) for k in ("validation", "notes", "held_out")}
    results |= {k: evaluate(model, tensors[k]) for k in held_out}
    ablated = {}
    for layer in range(cfg.n_layer):
        for head in range(cfg.n_head):
            r = evaluate(model, tensors["held_out"], silenced=(layer, head))
            ablated[f"layer {layer + 1} head {head + 1}"] = {
                "held_out_correct": r["correct"],
                "held_out_accuracy": r["accuracy"],
                "held_out_loss": r["loss"],
            }
    with torch.no_grad():
        notes_ids, notes_it, _, notes_nouns = tensors["notes"]
        notes_logits, _ = model.classify(notes_ids, notes_it, notes_nouns)
        notes_silenced, _ = model.classify(notes_ids, notes_it, notes_nouns, resolver)
    wall = time.perf_counter() - started
    print(json.dumps({k: (r["correct"], r["sentences"], r["loss"]) for k, r in results.items()}))
    print(f"resolver: {best}; ablations: {json.dumps(ablated)}  ({wall:.0f}s)")

    report = {
        "model": "word-level encoder (bidirectional, no causal mask): pre-LayerNorm blocks, "
        "multi-head self-attention without biases, GELU tanh MLP, sinusoidal positions; "
        "a linear classifier on the final vector of 'it' says whether 'it' is the first or the "
        "second noun; trained with a masked-word task alongside (tied embeddings)",
        "config": asdict(cfg),
        "seed": cfg.seed,
        "data": {
            "labelled_training_sentences": len(train),
            "distinct_labelled_training_sentences": len(train_text),
            "unlabelled_masked_word_sentences": len(attributes),
            "held_out_sentences_per_split": cfg.n_per_split,
            "vocab_size": len(vocab),
            "held_out_nouns": {k: words(NOUNS_HELD_OUT[k]) for k in KINDS},
            "held_out_adjectives": {k: words(ADJECTIVES_HELD_OUT[k]) for k in KINDS},
            "held_out_pairs": sorted(sorted(p) for p in PAIRS_HELD_OUT),
            "splits": {
                "nouns": "at least one held-out noun; training adjectives",
                "adjectives": "a held-out adjective; training nouns and pairs",
                "combinations": "a held-out pair of nouns (each seen with other partners)",
                "validation": "new random sentences of the training words and pairs",
            },
            "examples": {k: " ".join(data[k][0].tokens) for k in data},
        },
        "parameters": n_params,
        "loss_method": "mean cross-entropy in nats of the first/second-noun label, float64 "
        "from the exported float32 weights",
        "loss_curve": curve,
        "results": results,
        "resolver_head": {
            "name": best,
            "chosen_on": "the first 2000 training sentences: the head whose row of 'it' most "
            "often has its largest weight on the right noun",
            "on_training_sentences": heads[best],
        },
        "ablation": ablated,
        "notes_sentences": {
            s: {
                "p_second_noun": float(notes_logits[i].softmax(-1)[1]),
                "p_second_noun_with_resolver_silenced": float(notes_silenced[i].softmax(-1)[1]),
            }
            for i, s in enumerate(NOTES_SENTENCES)
        },
        "npz_bytes": args.npz.stat().st_size,
        "npz_sha256": hashlib.sha256(args.npz.read_bytes()).hexdigest(),
        "wall_time_seconds": round(wall, 1),
        "python_version": platform.python_version(),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
