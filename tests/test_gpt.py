"""Tests for genai_course.gpt: the committed tiny GPT, run in NumPy.

The reference forward pass below is written differently from the module (explicit loops over
heads and query rows, scores only over the allowed keys, math.exp/math.tanh), so agreement to
1e-9 checks the maths rather than repeating it.
"""

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_course import gpt

FloatArray = npt.NDArray[np.float64]

ROOT = Path(__file__).resolve().parents[1]
NPZ = ROOT / "src" / "genai_course" / "data" / "tiny_gpt.npz"
REPORT = ROOT / "training" / "tiny_gpt_report.json"
MODEL = gpt.load_model()


def _report() -> dict[str, object]:
    data: dict[str, object] = json.loads(REPORT.read_text(encoding="utf-8"))
    return data


# --------------------------------------------------------------------------------------------
# an independent reference forward pass


def _ref_layer_norm(row: list[float], g: FloatArray, b: FloatArray) -> list[float]:
    mean = sum(row) / len(row)
    var = sum((v - mean) ** 2 for v in row) / len(row)
    return [
        float(g[i]) * (v - mean) / math.sqrt(var + 1e-5) + float(b[i]) for i, v in enumerate(row)
    ]


def _ref_gelu(v: float) -> float:
    return 0.5 * v * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (v + 0.044715 * v**3)))


def _ref_positional(n: int, d: int, base: float) -> FloatArray:
    pe = np.zeros((n, d))
    for k in range(n):
        for j in range(d):
            angle = k / base ** ((j - j % 2) / d)
            pe[k, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return pe


def _ref_forward(model: gpt.TinyGPT, ids: list[int]) -> tuple[FloatArray, FloatArray]:
    n, d, h = len(ids), model.d_model, model.n_head
    d_k = d // h
    x = np.array([model.wte[i] for i in ids]) + _ref_positional(n, d, 10000.0)
    maps = np.zeros((model.n_layer, h, n, n))
    for layer, blk in enumerate(model.blocks):
        a = np.array([_ref_layer_norm(list(r), blk.ln_1_g, blk.ln_1_b) for r in x])
        q, k, v = a @ blk.w_q, a @ blk.w_k, a @ blk.w_v
        heads = np.zeros((n, d))
        for head in range(h):
            cols = slice(head * d_k, (head + 1) * d_k)
            for t in range(n):
                # only keys 0..t exist for query t
                scores = [float(q[t, cols] @ k[s, cols]) / math.sqrt(d_k) for s in range(t + 1)]
                top = max(scores)
                e = [math.exp(sc - top) for sc in scores]
                w = [ei / sum(e) for ei in e]
                maps[layer, head, t, : t + 1] = w
                heads[t, cols] = sum(w[s] * v[s, cols] for s in range(t + 1))
        x = x + heads @ blk.w_o
        a = np.array([_ref_layer_norm(list(r), blk.ln_2_g, blk.ln_2_b) for r in x])
        hidden = np.vectorize(_ref_gelu)(a @ blk.w_1 + blk.b_1)
        x = x + hidden @ blk.w_2 + blk.b_2
    out = np.array([_ref_layer_norm(list(r), model.ln_f_g, model.ln_f_b) for r in x])
    return out @ model.w_head, maps


# --------------------------------------------------------------------------------------------
# the committed artefacts


def test_npz_is_under_one_megabyte() -> None:
    assert NPZ.stat().st_size < 1_000_000


def test_npz_is_the_one_the_report_describes() -> None:
    # ties the shipped weights (and the validation text stored in them) to the reported run
    digest = hashlib.sha256(NPZ.read_bytes()).hexdigest()
    assert digest == _report()["npz_sha256"]
    assert NPZ.stat().st_size == _report()["npz_bytes"]


def test_trained_only_on_the_sites_own_pages() -> None:
    # the npz stores the validation text, so the corpus may hold nothing but docs/**/*.md
    corpus = _report()["corpus"]
    assert isinstance(corpus, dict)
    files = corpus["files"]
    assert isinstance(files, list) and files
    for name in files:
        path = Path(name)
        assert path.parts[0] == "docs" and ".." not in path.parts and path.suffix == ".md", name


def test_weights_match_the_report() -> None:
    report = _report()
    config = report["config"]
    assert isinstance(config, dict)
    assert MODEL.n_layer == config["n_layer"]
    assert MODEL.n_head == config["n_head"]
    assert MODEL.d_model == config["d_model"]
    assert MODEL.block_size == config["block_size"]
    assert MODEL.n_params == report["parameters"]
    assert len(MODEL.vocab) == report["vocab_size"]
    corpus = report["corpus"]
    assert isinstance(corpus, dict)
    assert len(MODEL.val_text) == corpus["val_characters"]


def test_validation_loss_reproduces_the_training_report() -> None:
    reported = _report()["final_val_loss"]
    assert isinstance(reported, float)
    assert abs(gpt.validation_loss(MODEL) - reported) < 1e-4


def test_load_model_from_an_explicit_path_equals_the_packaged_one() -> None:
    other = gpt.load_model(NPZ)
    assert other.vocab == MODEL.vocab
    assert np.array_equal(other.wte, MODEL.wte)
    assert np.array_equal(other.blocks[-1].w_2, MODEL.blocks[-1].w_2)


def test_packaged_positional_encoding_is_the_sinusoidal_formula() -> None:
    pe = _ref_positional(MODEL.block_size, MODEL.d_model, 10000.0)
    assert np.allclose(MODEL.pe, pe, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------------
# forward pass


def test_forward_matches_the_reference_implementation() -> None:
    ids = list(gpt.encode(MODEL, "The movie was awe"))
    logits, maps = gpt.forward(MODEL, ids)
    ref_logits, ref_maps = _ref_forward(MODEL, ids)
    assert logits.shape == (len(ids), len(MODEL.vocab))
    assert np.allclose(logits, ref_logits, rtol=0, atol=1e-9)
    assert np.allclose(maps, ref_maps, rtol=0, atol=1e-12)


def test_attention_rows_sum_to_one_and_the_future_is_exactly_zero() -> None:
    ids = gpt.encode(MODEL, MODEL.val_text[: MODEL.block_size])
    _, maps = gpt.forward(MODEL, ids)
    n = len(ids)
    assert maps.shape == (MODEL.n_layer, MODEL.n_head, n, n)
    assert np.allclose(maps.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    assert np.all(maps[..., upper] == 0.0)
    assert np.all(maps[..., ~upper] > 0.0)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 123), min_size=2, max_size=24), st.integers(1, 23))
def test_a_prefix_does_not_see_the_future(ids: list[int], cut: int) -> None:
    ids = [i % len(MODEL.vocab) for i in ids]
    cut = min(cut, len(ids) - 1)
    full, full_maps = gpt.forward(MODEL, ids)
    prefix, prefix_maps = gpt.forward(MODEL, ids[:cut])
    assert np.allclose(full[:cut], prefix, rtol=0, atol=1e-9)
    assert np.allclose(full_maps[:, :, :cut, :cut], prefix_maps, rtol=0, atol=1e-12)


def test_forward_rejects_more_than_block_size_and_empty_input() -> None:
    with pytest.raises(ValueError, match=f"at most {MODEL.block_size} characters"):
        gpt.forward(MODEL, [0] * (MODEL.block_size + 1))
    with pytest.raises(ValueError, match="at least one"):
        gpt.forward(MODEL, [])
    with pytest.raises(ValueError, match="token ids"):
        gpt.forward(MODEL, [len(MODEL.vocab)])


def test_gelu_and_layer_norm_worked_values() -> None:
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    assert np.allclose(gpt.gelu(x), [_ref_gelu(v) for v in x], rtol=0, atol=1e-15)
    # GELU(1) with the tanh approximation
    assert gpt.gelu(np.array([1.0]))[0] == pytest.approx(0.8411919906082768, abs=1e-15)
    g, b = np.array([2.0, 2.0, 2.0]), np.array([1.0, 1.0, 1.0])
    out = gpt.layer_norm(np.array([1.0, 2.0, 3.0]), g, b, eps=0.0)
    assert np.allclose(out, [1 - 2 * math.sqrt(1.5), 1.0, 1 + 2 * math.sqrt(1.5)], atol=1e-12)


def test_mean_loss_counts_every_next_character_once() -> None:
    text = MODEL.val_text[: MODEL.block_size + 7]
    ids = gpt.encode(MODEL, text)
    total = 0.0
    for t in range(1, len(ids)):
        # the window that predicts position t starts at the last multiple of block_size below t
        s = (t - 1) // MODEL.block_size * MODEL.block_size
        logits, _ = gpt.forward(MODEL, ids[s:t])
        p = np.exp(logits[-1] - logits[-1].max())
        total += -math.log(p[ids[t]] / p.sum())
    assert gpt.mean_loss(MODEL, ids) == pytest.approx(total / (len(ids) - 1), abs=1e-9)


# --------------------------------------------------------------------------------------------
# text in, text out


def test_encode_decode_round_trip() -> None:
    ids = gpt.encode(MODEL, MODEL.val_text)
    assert gpt.decode(MODEL, ids) == MODEL.val_text
    assert ids.dtype == np.int64


def test_unknown_characters_raise_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"'ß' \(U\+00DF\)"):
        gpt.encode(MODEL, "Straße")
    with pytest.raises(ValueError, match="characters of the course text"):
        list(gpt.generate(MODEL, "日本", 3, rng=np.random.default_rng(0)))


# --------------------------------------------------------------------------------------------
# generation


def _text(steps: list[gpt.GenerationStep]) -> str:
    return "".join(s.char for s in steps)


def test_generation_with_a_fixed_seed_is_reproducible() -> None:
    def run(seed: int) -> str:
        rng = np.random.default_rng(seed)
        return _text(list(gpt.generate(MODEL, "The movie was", 30, temperature=1.0, rng=rng)))

    assert run(7) == run(7)
    # different seeds usually write different text
    texts = {run(seed) for seed in range(4)}
    assert len(texts) >= 3


@pytest.mark.parametrize("use_cache", [True, False])
def test_greedy_generation_is_the_argmax_chain_even_past_block_size(use_cache: bool) -> None:
    prompt = MODEL.val_text[: MODEL.block_size - 5]
    steps = list(gpt.generate(MODEL, prompt, 50, temperature=0.0, use_cache=use_cache))
    ids = list(gpt.encode(MODEL, prompt))
    expected = []
    half = MODEL.block_size // 2
    for _ in range(50):
        # the window: everything up to block_size, then it jumps on by half a block at a time
        start = 0
        while len(ids) - start > MODEL.block_size:
            start += half
        logits, _ = gpt.forward(MODEL, ids[start:])
        ids.append(int(np.argmax(logits[-1])))
        expected.append(ids[-1])
    assert [s.token_id for s in steps] == expected
    assert all(s.probability == 1.0 for s in steps)


def test_the_window_jumps_by_half_a_block() -> None:
    assert [gpt.window_start(n, 64) for n in (1, 64, 65, 96, 97, 128, 129)] == [
        0,
        0,
        32,
        32,
        64,
        64,
        96,
    ]
    # it always reads more than half a block and at most a block
    for n in range(1, 400):
        assert 32 < n - gpt.window_start(n, 64) <= 64 or n <= 32
        assert gpt.window_start(n, 64) % 32 == 0


# --------------------------------------------------------------------------------------------
# the key/value cache


def test_cached_forward_equals_forward_of_the_whole_text() -> None:
    ids = gpt.encode(MODEL, MODEL.val_text[: MODEL.block_size])
    full, full_maps = gpt.forward(MODEL, ids)
    cache = gpt.empty_cache(MODEL)
    rows, maps = [], []
    # a prompt of 10, then one character at a time, then the rest in one go
    for piece in (ids[:10], *[ids[i : i + 1] for i in range(10, 40)], ids[40:]):
        logits, weights, cache = gpt.forward_cached(MODEL, piece, cache)
        rows.append(logits)
        maps.append(weights)
    assert np.allclose(np.concatenate(rows), full, rtol=0, atol=1e-12)
    n = 0
    for weights in maps:
        m = weights.shape[2]
        # the new rows' attention over everything so far is the full map's rows
        assert np.allclose(weights, full_maps[:, :, n : n + m, : n + m], rtol=0, atol=1e-14)
        n += m
    assert all(k.shape == v.shape == (MODEL.n_head, len(ids), 16) for k, v in cache)


def test_the_cache_grows_only_up_to_block_size() -> None:
    ids = gpt.encode(MODEL, MODEL.val_text[: MODEL.block_size])
    _, _, cache = gpt.forward_cached(MODEL, ids, gpt.empty_cache(MODEL))
    with pytest.raises(ValueError, match=f"at most {MODEL.block_size} characters"):
        gpt.forward_cached(MODEL, ids[:1], cache)


@pytest.mark.parametrize(
    ("prompt", "length", "settings"),
    [
        # crosses block_size twice: the window jumps at 65 and 97 characters
        ("The movie was", 120, {"temperature": 0.7, "top_p": 0.9}),
        ("", 70, {"temperature": 1.3}),
        ("Attention", 100, {"temperature": 1.0, "top_k": 5}),
        # a prompt longer than block_size starts with a cropped window
        (MODEL.val_text[:150], 40, {"temperature": 0.8}),
    ],
)
def test_generating_with_the_cache_writes_exactly_what_it_writes_without(
    prompt: str, length: int, settings: dict[str, float]
) -> None:
    def run(use_cache: bool) -> list[gpt.GenerationStep]:
        rng = np.random.default_rng(11)
        return list(gpt.generate(MODEL, prompt, length, rng=rng, use_cache=use_cache, **settings))

    cached, plain = run(True), run(False)
    assert _text(cached) == _text(plain)
    assert len(cached) == length
    for a, b in zip(cached, plain, strict=True):
        # the same sums in a different order: equal to the last bits of float64
        assert np.allclose(a.probs, b.probs, rtol=1e-12, atol=1e-15)
        assert a.probability == pytest.approx(b.probability, rel=1e-12)
        assert [c for c, _ in a.candidates] == [c for c, _ in b.candidates]


def test_context_longer_than_block_size_is_cropped_to_the_last_block() -> None:
    ids = gpt.encode(MODEL, MODEL.val_text[: MODEL.block_size + 40])
    long = gpt.next_token_distribution(MODEL, ids)
    cropped = gpt.next_token_distribution(MODEL, ids[-MODEL.block_size :])
    assert np.array_equal(long, cropped)


def test_empty_prompt_starts_from_a_newline() -> None:
    empty = [s.token_id for s in gpt.generate(MODEL, "", 6, temperature=0.0)]
    newline = [s.token_id for s in gpt.generate(MODEL, "\n", 6, temperature=0.0)]
    assert empty == newline


def test_steps_report_the_distribution_they_sampled_from() -> None:
    rng = np.random.default_rng(3)
    steps = list(gpt.generate(MODEL, "Attention", 30, temperature=0.7, top_k=5, top_p=0.9, rng=rng))
    assert len(steps) == 30
    for step in steps:
        assert step.probs.sum() == pytest.approx(1.0, abs=1e-12)
        assert 1 <= np.count_nonzero(step.probs) <= 5
        assert step.probability == step.probs[step.token_id] > 0
        assert step.char == MODEL.vocab[step.token_id]
        probs = [p for _, p in step.candidates]
        assert probs == sorted(probs, reverse=True)
        assert step.candidates[0][1] == step.probs.max()


def test_next_token_distribution_filters_in_order() -> None:
    ids = gpt.encode(MODEL, "The movie was")
    plain = gpt.next_token_distribution(MODEL, ids)
    logits, _ = gpt.forward(MODEL, ids)
    expected = np.exp(logits[-1] - logits[-1].max())
    assert np.allclose(plain, expected / expected.sum(), rtol=0, atol=1e-12)
    top1 = gpt.next_token_distribution(MODEL, ids, top_k=1)
    assert top1[np.argmax(plain)] == 1.0


def test_generation_rejects_bad_settings_before_the_first_step() -> None:
    with pytest.raises(ValueError, match="max_new_tokens"):
        gpt.generate(MODEL, "The", -1)
    with pytest.raises(ValueError, match="top_p"):
        gpt.generate(MODEL, "The", 3, top_p=1.5)
    with pytest.raises(ValueError):
        gpt.generate(MODEL, "The", 3, temperature=-1.0)


def test_with_the_cache_a_step_runs_one_character_except_when_the_window_jumps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lengths: list[int] = []
    real = gpt.forward_cached

    def counting(
        model: gpt.TinyGPT, ids: list[int], cache: gpt.KVCache
    ) -> tuple[FloatArray, FloatArray, gpt.KVCache]:
        lengths.append(len(ids))
        return real(model, ids, cache)

    monkeypatch.setattr(gpt, "forward_cached", counting)
    list(gpt.generate(MODEL, "The movie was", 100, rng=np.random.default_rng(0)))
    # the prompt (13), then one at a time; at 65 and 97 characters the window jumps to 33
    assert lengths == [13] + [1] * 51 + [33] + [1] * 31 + [33] + [1] * 15


def test_the_packaged_model_is_read_once_and_cannot_be_changed_in_place() -> None:
    assert gpt.load_model() is gpt.load_model()
    with pytest.raises(ValueError, match="read-only"):
        MODEL.blocks[0].w_q[0, 0] = 1.0
    # a copy, made on purpose, can be changed
    changed = MODEL.wte.copy()
    changed[0] += 1.0
    assert not np.array_equal(changed, MODEL.wte)
