"""The "it" resolver: the committed weights reproduce their training report, resolve the notes'
two sentences, and decide through one head — switch it off and it can no longer tell them apart."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from genai_course import attention, coreference, gpt
from genai_course.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]
NPZ = ROOT / "src" / "genai_course" / "data" / "it_resolver.npz"
REPORT = json.loads((ROOT / "training" / "it_resolver_report.json").read_text())
HUNGRY = "The cat drank the milk because it was hungry"
SWEET = "The cat drank the milk because it was sweet"


@cache
def model() -> coreference.Resolver:
    return coreference.load_model()


@cache
def held_out(
    silenced: tuple[int, int] | None = None, split: str | None = None
) -> coreference.Evaluation:
    return coreference.evaluate(model(), split, silenced)


def test_the_weights_are_the_ones_the_report_describes() -> None:
    data = NPZ.read_bytes()
    assert len(data) == REPORT["npz_bytes"] < 1_000_000
    assert hashlib.sha256(data).hexdigest() == REPORT["npz_sha256"]
    with np.load(NPZ) as npz:
        assert npz["wte"].dtype == np.float32 and npz["blocks.0.attn.w_q"].dtype == np.float32
    assert model().n_params == REPORT["parameters"]
    assert model().resolver_head == tuple(
        int(part) - 1 for part in REPORT["resolver_head"]["name"].split()[1::2]
    )


@pytest.mark.parametrize("split", [None, "nouns", "adjectives", "combinations"])
def test_numpy_reproduces_the_reported_held_out_accuracy_and_loss(split: str | None) -> None:
    reported = REPORT["results"]["held_out" if split is None else split]
    ours = held_out(split=split)
    assert ours.sentences == reported["sentences"]
    assert ours.correct == reported["correct"]
    assert ours.loss == pytest.approx(reported["loss"], abs=1e-6)


def test_held_out_accuracy_per_split() -> None:
    # the issue asks for >= 95 % on the held-out sentences, all splits together
    assert held_out().accuracy >= 0.95
    assert held_out(split="combinations").accuracy >= 0.99
    assert held_out(split="nouns").accuracy >= 0.90
    assert held_out(split="adjectives").accuracy >= 0.90
    assert REPORT["results"]["validation"]["accuracy"] >= 0.99


def test_the_notes_sentences_name_the_cat_and_the_milk() -> None:
    for sentence, noun in [(HUNGRY, "cat"), (SWEET, "milk")]:
        r = coreference.resolve(model(), sentence)
        assert r.tokens[r.referent] == noun
        assert r.tokens[r.it] == "it" and [r.tokens[i] for i in r.nouns] == ["cat", "milk"]


def test_the_named_head_looks_from_it_at_the_right_noun() -> None:
    layer, head = model().resolver_head
    assert held_out().head_hits[layer, head] >= 0.9 * held_out().sentences
    for sentence, noun in [(HUNGRY, "cat"), (SWEET, "milk")]:
        r = coreference.resolve(model(), sentence)
        assert r.tokens[int(np.argmax(r.weights[layer, head, r.it]))] == noun


def test_switching_the_named_head_off_drops_held_out_accuracy_by_30_points() -> None:
    silenced = held_out(model().resolver_head)
    reported = REPORT["ablation"]["layer {} head {}".format(*np.add(model().resolver_head, 1))]
    assert silenced.correct == reported["held_out_correct"]
    assert held_out().accuracy - silenced.accuracy >= 0.30


def test_silencing_a_head_zeroes_its_output_exactly() -> None:
    # independent reference: run each head with scaled_dot_product_attention, drop one, concat
    rng = np.random.default_rng(0)
    x, (w_q, w_k, w_v, w_o) = rng.standard_normal((5, 8)), rng.standard_normal((4, 8, 8))
    q, k, v = ((x @ w).reshape(5, 2, 4).transpose(1, 0, 2) for w in (w_q, w_k, w_v))
    heads, _ = attention.scaled_dot_product_attention(q, k, v)
    heads[1] = 0.0
    expected = heads.transpose(1, 0, 2).reshape(5, 8) @ w_o
    got, _ = attention.multi_head_attention(
        x, w_q, w_k, w_v, coreference.silence_head(w_o, 1, 2), 2
    )
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_the_encoder_matches_a_loop_by_loop_reference_and_looks_both_ways() -> None:
    m = model()
    tokens, ids = coreference.encode(m, HUNGRY)
    h, weights = coreference.forward(m, ids)
    x = m.wte[ids] + m.pe[: len(ids)]
    d_k = x.shape[1] // m.n_head
    n = len(ids)
    for layer, b in enumerate(m.blocks):
        a = gpt.layer_norm(x, b.ln_g, b.ln_b)
        out = np.zeros_like(x)
        for hd in range(m.n_head):
            cols = slice(hd * d_k, (hd + 1) * d_k)
            q, k, v = a @ b.w_q[:, cols], a @ b.w_k[:, cols], a @ b.w_v[:, cols]
            p = np.zeros((n, n))
            for i in range(n):
                # layer 1 sees only the words at most window_1 away
                near = [j for j in range(n) if layer > 0 or abs(i - j) <= m.window_1]
                s = np.array([q[i] @ k[j] for j in near]) / np.sqrt(d_k)
                p[i, near] = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
            np.testing.assert_allclose(weights[layer, hd], p, atol=1e-12)
            out += (p @ v) @ b.w_o[cols]
        x = x + out
        if b.ffn is not None:
            f = b.ffn
            z = gpt.layer_norm(x, f.ln_2_g, f.ln_2_b) @ f.w_1 + f.b_1
            gelu = 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))
            x = x + gelu @ f.w_2 + f.b_2
    np.testing.assert_allclose(h, gpt.layer_norm(x, m.ln_f_g, m.ln_f_b), atol=1e-10)
    # no causal mask: "it" gives weight to the words after it ("was hungry")
    it = tokens.index("it")
    assert weights[:, :, it, it + 1 :].sum() > 0.1
    assert m.window_1 == 3 and np.all(
        weights[0][:, np.abs(np.subtract.outer(range(n), range(n))) > 3] == 0
    )


@pytest.mark.parametrize(
    ("sentence", "message"),
    [
        ("The dog drank the wine because it was cheap", "does not know 'wine', 'cheap'"),
        ("The cat drank the milk because she was hungry", "does not know 'she'"),
        ("The cat drank the milk because the cat was hungry", "needs the word 'it'"),
        ("The cat drank the milk and the tea because it was hot", "does not know 'and', 'hot'"),
        ("The cat drank the milk and the tea because it was sweet", "does not know 'and'"),
        ("The cat was near the dog near the tea near the cup because it was sweet", "has 4"),
        ("The cat and the dog because it was sweet", "does not know 'and'"),
        ("The milk was sweet because it was sweet", "two or three nouns; this sentence has 1"),
        ("!!!", "does not know '!'"),
        ("   ", "has no words"),
        (" ".join(["the"] * 30), "At most 24 words"),
    ],
)
def test_sentences_it_cannot_read_get_a_clear_message(sentence: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        coreference.resolve(model(), sentence)
    if "does not know" in message:
        # short enough to read beside the sentence: not the whole vocabulary, which the page lists
        text = str(error.value)
        assert len(text) < 300 and "listed under the demo" in text
        assert "It knows 134 words (41 nouns, 29 adjectives and 64 others)" in text


@pytest.mark.parametrize(
    ("sentence", "offered"),
    [
        # a misspelling: the word meant
        ("The cat drank the milkk because it was hungry", "Try 'milk' for 'milkk'"),
        # a noun after "the", an adjective after "was": known words of that kind
        ("The dog chewed the bone because it was hungry", "'bottle', 'boy' or 'box' for 'bone'"),
        ("The dog drank the wine because it was cheap", "'heavy' or 'happy' for 'cheap'"),
        # after a noun, most often a verb
        ("The dog chewed the cake because it was hungry", "'chased'"),
        # the model reads "it" only
        ("The cat drank the milk because she was hungry", "Try 'it' for 'she'"),
    ],
)
def test_an_unknown_word_is_offered_known_words_to_try(sentence: str, offered: str) -> None:
    with pytest.raises(ValueError, match="does not know") as error:
        coreference.resolve(model(), sentence)
    assert offered in str(error.value)


def test_the_attention_page_lists_every_word_the_model_knows() -> None:
    page = (ROOT / "docs" / "topics" / "attention.md").read_text(encoding="utf-8")
    listed = page.split('Words the trained “it” model knows"')[1].split("\n\n##")[0]
    for kind, heading in (("noun", "Nouns"), ("adjective", "Adjectives"), ("other", "Other words")):
        line = next(x for x in listed.splitlines() if f"**{heading}**" in x)
        words = [w for w in model().words(kind) if w.isalpha()]
        assert line.count("*") - 4 == 2 * len(words) and f"({len(words)})" in line
        assert all(f"*{w}*" in line for w in words), heading


def test_the_demo_opens_on_the_notes_sentences_and_the_head_can_be_switched_off() -> None:
    source = (ROOT / "demos" / "attention.py").read_text()
    on = json.loads(run_demo(source, "attention"))
    assert on["ok"]
    assert HUNGRY in on["html"] and SWEET in on["html"]
    assert "“it” is the cat" in on["html"] and "“it” is the milk" in on["html"]
    assert 'class="gc-outline"' in on["html"]
    off = json.loads(run_demo(source, "attention", {"silence": "true"}))
    assert off["ok"] and "switched off" in off["summary"]
    answers = [s.split(" ")[0] for s in off["summary"].split("“it” is the ")[1:]]
    assert answers != ["cat", "milk"]
    unknown = json.loads(run_demo(source, "attention", {"sentence": "The dog ate the wine"}))
    # said beside the sentence it is about
    assert not unknown["ok"] and "does not know 'wine'" in unknown["errors"]["sentence"]
