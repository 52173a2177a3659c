"""The tiny language model trained in the page: every backward pass against finite differences
(float64), AdamW and a whole training run against PyTorch's (a committed trace), seeded
reproducibility, and the bad input the training demo must answer with a message."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from genai_course import backprop as bp
from genai_course import charlm
from genai_course import demo as demo_module
from genai_course.demo import run_demo, start_demo

ROOT = Path(__file__).resolve().parents[1]
TRACE = ROOT / "tests" / "data" / "charlm_torch_trace.npz"
DEMO = (ROOT / "demos" / "train_lm.py").read_text(encoding="utf-8")
# the largest error allowed between a backward pass and central differences (float64, h = 1e-6),
# relative to the largest entry of the gradient; the errors reached are printed by pytest -s
FD_TOLERANCE = 1e-7


def numeric_grad(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar f() with respect to every entry of x (changed in place)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f()
        x[i] = old - h
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """The largest difference, relative to the largest gradient entry (entry-wise relative
    errors of entries near zero measure the differences' rounding, not the backward pass)."""
    return float(np.max(np.abs(a - b)) / max(1e-12, float(np.max(np.abs(b)))))


def assert_close(name: str, analytic: np.ndarray, numeric: np.ndarray) -> None:
    err = rel_error(analytic, numeric)
    print(f"{name}: max relative error {err:.1e}")
    assert err < FD_TOLERANCE, f"{name}: backward pass and finite differences differ by {err:.1e}"


# ---- each layer on its own: L = Σ y ⊙ r for a random r, so dL/dy = r ----------------------------


def test_linear_backward_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5)), rng.normal(size=5)
    r = rng.normal(size=(2, 3, 5))
    dx, dw, db = bp.linear_backward(r, x, w)
    loss = lambda: float(np.sum(bp.linear_forward(x, w, b) * r))  # noqa: E731
    for name, a, p in (("x", dx, x), ("W", dw, w), ("b", db, b)):
        assert_close(f"linear d{name}", a, numeric_grad(loss, p))


def test_embedding_gather_backward_counts_repeated_ids() -> None:
    rng = np.random.default_rng(1)
    w = rng.normal(size=(6, 3))
    ids = np.array([[1, 1, 4], [0, 1, 5]])  # id 1 read three times
    r = rng.normal(size=(2, 3, 3))
    dw = bp.embedding_backward(r, ids, 6)
    assert_close("embedding dW", dw, numeric_grad(lambda: float(np.sum(w[ids] * r)), w))
    assert np.all(dw[[2, 3]] == 0)  # rows never read get no gradient


@pytest.mark.parametrize("layer", ["tanh", "gelu", "layer_norm"])
def test_elementwise_and_norm_backward(layer: str) -> None:
    rng = np.random.default_rng(2)
    x, r = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 4, 5))
    g, b = rng.normal(size=5), rng.normal(size=5)
    if layer == "tanh":
        dx = bp.tanh_backward(r, bp.tanh_forward(x))
        assert_close("tanh dx", dx, numeric_grad(lambda: float(np.sum(np.tanh(x) * r)), x))
    elif layer == "gelu":
        dx = bp.gelu_backward(r, x)
        f = lambda: float(np.sum(bp.gelu_forward(x) * r))  # noqa: E731
        assert_close("gelu dx", dx, numeric_grad(f, x))
    else:
        _, cache = bp.layer_norm_forward(x, g, b)
        dx, dg, db = bp.layer_norm_backward(r, cache)
        f = lambda: float(np.sum(bp.layer_norm_forward(x, g, b)[0] * r))  # noqa: E731
        for name, a, p in (("x", dx, x), ("g", dg, g), ("b", db, b)):
            assert_close(f"layer norm d{name}", a, numeric_grad(f, p))


def test_causal_attention_backward_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 6))
    ws = [rng.normal(size=(6, 6)) for _ in range(4)]
    r = rng.normal(size=(2, 5, 6))
    _, cache = bp.attention_forward(x, *ws, n_head=2)
    grads = bp.attention_backward(r, cache, *ws)
    f = lambda: float(np.sum(bp.attention_forward(x, *ws, n_head=2)[0] * r))  # noqa: E731
    for name, a, p in zip(("x", "W_q", "W_k", "W_v", "W_o"), grads, (x, *ws), strict=True):
        assert_close(f"attention d{name}", a, numeric_grad(f, p))


def test_causal_attention_does_not_look_ahead() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(1, 5, 4))
    ws = [rng.normal(size=(4, 4)) for _ in range(4)]
    y, _ = bp.attention_forward(x, *ws, n_head=2)
    x2 = x.copy()
    x2[0, 3:] += 10.0  # change the future
    y2, _ = bp.attention_forward(x2, *ws, n_head=2)
    np.testing.assert_allclose(y[0, :3], y2[0, :3], rtol=0, atol=1e-12)


def test_softmax_cross_entropy_gradient_is_probs_minus_onehot_over_n() -> None:
    rng = np.random.default_rng(5)
    z, y = rng.normal(0, 3, size=(4, 7)), np.array([0, 6, 3, 3])
    loss, dz = bp.softmax_cross_entropy(z, y)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(4), y])), rel=1e-12)
    assert_close("cross-entropy dz", dz, numeric_grad(lambda: bp.softmax_cross_entropy(z, y)[0], z))
    # large logits do not overflow
    big, dbig = bp.softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1]))
    assert big == pytest.approx(1000.0) and np.all(np.isfinite(dbig))


# ---- every parameter tensor of each whole model -------------------------------------------------


@pytest.mark.parametrize("kind", ["mlp", "transformer"])
def test_every_weight_of_each_model_matches_finite_differences(kind: str) -> None:
    config = charlm.ModelConfig(kind, n_vocab=7, context=4, width=8)
    rng = np.random.default_rng(6)
    params = charlm.init_params(config, rng)
    # weights away from their initial zeros and ones, so every path carries gradient
    for p in params.values():
        p += rng.normal(0, 0.3, size=p.shape)
    ids = rng.integers(0, 7, size=60)
    x, y = charlm.sample_batch(ids, config, 3, rng)
    _, grads = charlm.loss_and_grads(config, params, x, y)
    assert set(grads) == set(params)
    for name, p in params.items():
        numeric = numeric_grad(lambda: charlm.loss_and_grads(config, params, x, y)[0], p)
        assert_close(f"{kind} {name}", grads[name], numeric)


def test_adamw_first_step_moves_each_weight_by_lr() -> None:
    params = {"w": np.array([[1.0, -2.0]]), "b": np.array([0.5])}
    opt = bp.AdamW(lr=0.1, weight_decay=0.5, decay=frozenset({"w"}))
    bp.adamw_step(params, {"w": np.array([[3.0, -0.001]]), "b": np.array([-7.0])}, opt)
    # step 1: m̂ = g and v̂ = g², so the step is lr·sign(g) (ε aside); w first decays by lr·λ
    np.testing.assert_allclose(params["w"], [[1.0 * 0.95 - 0.1, -2.0 * 0.95 + 0.1]], rtol=1e-6)
    np.testing.assert_allclose(params["b"], [0.6], rtol=1e-9)


# ---- a training run against PyTorch -------------------------------------------------------------


def test_numpy_training_follows_the_pytorch_trace() -> None:
    """training/train_lm_reference.py trains the same models in PyTorch (float64) from the same
    initial weights on the same batches with torch.optim.AdamW, and stores its losses and final
    weights; NumPy must follow them over every step."""
    trace = np.load(TRACE)
    for kind in ("mlp", "transformer"):
        config = charlm.ModelConfig(
            kind, int(trace[f"{kind}_n_vocab"]), context=int(trace[f"{kind}_context"]),
            width=int(trace[f"{kind}_width"]),
        )  # fmt: skip
        names = [n[len(kind) + 6 :] for n in trace.files if n.startswith(f"{kind}_init_")]
        params = {n: trace[f"{kind}_init_{n}"].copy() for n in names}
        opt = bp.AdamW(lr=float(trace["lr"]), decay=charlm.decayed(config))
        xs, ys = trace[f"{kind}_x"], trace[f"{kind}_y"]
        losses = []
        for x, y in zip(xs, ys, strict=True):
            loss, grads = charlm.loss_and_grads(config, params, x, y)
            losses.append(loss)
            bp.adamw_step(params, grads, opt)
        assert len(losses) >= 50
        loss_err = np.max(np.abs(np.array(losses) - trace[f"{kind}_losses"]))
        weight_err = max(
            float(np.max(np.abs(params[n] - trace[f"{kind}_final_{n}"]))) for n in names
        )
        print(f"{kind}: {len(losses)} steps, max |loss diff| {loss_err:.1e}, "
              f"max |weight diff| {weight_err:.1e}")  # fmt: skip
        assert loss_err < 1e-9 and weight_err < 1e-9


# ---- reproducibility ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mlp", "transformer"])
def test_the_same_seed_gives_the_same_loss_curve(kind: str) -> None:
    corpus = charlm.make_corpus(charlm.example_text())
    config = charlm.ModelConfig(kind, len(corpus.vocab))
    runs = []
    for seed in (3, 3, 4):
        trainer = charlm.Trainer(corpus, config, seed)
        for _ in range(30):
            trainer.step(0.003, 8)
        runs.append(trainer.train_losses)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_training_beats_the_bigram_on_the_course_text() -> None:
    corpus = charlm.make_corpus(charlm.course_text(), None)
    bigram = charlm.bigram_loss(
        charlm.bigram_table(corpus.train, len(corpus.vocab)), corpus.held_out
    )
    assert 2.4 < bigram < np.log(len(corpus.vocab))
    trainer = charlm.Trainer(corpus, charlm.ModelConfig("mlp", len(corpus.vocab)), 0)
    while trainer.evals[-1][2] >= bigram:
        trainer.step(0.003, 32)
        assert trainer.steps <= 1500, "the MLP should beat the bigram within 1,500 steps"


def test_a_short_text_is_memorised_held_out_loss_rises_above_training_loss() -> None:
    corpus = charlm.make_corpus(charlm.example_text())
    trainer = charlm.Trainer(corpus, charlm.ModelConfig("mlp", len(corpus.vocab)), 0)
    for _ in range(1500):
        trainer.step(0.01, 32)
    _, train, held = trainer.evals[-1]
    assert train < 0.5 < 1.5 < held


# ---- bad input ----------------------------------------------------------------------------------


def test_texts_too_short_or_too_long_are_refused_with_a_reason() -> None:
    for text in ("", "a", "aaaaaaaaaaaaaaaaaaaaaaaaa"):
        with pytest.raises(ValueError, match="at least 20 characters"):
            charlm.make_corpus(text)
    with pytest.raises(ValueError, match="at most 20,000 characters; it has 20,001"):
        charlm.make_corpus("ab" * 10_000 + "c")


def test_a_prompt_character_outside_the_alphabet_is_named() -> None:
    corpus = charlm.make_corpus(charlm.example_text())
    with pytest.raises(ValueError, match="never saw 'Z'"):
        corpus.encode("Zebra")


def test_a_loss_that_is_not_a_number_stops_training_and_keeps_the_last_good_weights() -> None:
    corpus = charlm.make_corpus(charlm.example_text())
    trainer = charlm.Trainer(corpus, charlm.ModelConfig("transformer", len(corpus.vocab)), 0)
    before: list[dict[str, np.ndarray]] = []  # the weights before each step
    while not trainer.stopped:
        before.append({n: p.copy() for n, p in trainer.params.items()})
        trainer.step(1000.0, 8)
        assert trainer.steps < 1000
    assert "Training stopped" in trainer.stopped and "learning rate 1000" in trainer.stopped
    assert all(np.isfinite(p).all() for p in trainer.params.values())
    # the failing step's weights gave a loss that is not a number; the step before it had a
    # finite loss: its weights are the last good ones
    assert len(before) >= 2
    for name, p in trainer.params.items():
        np.testing.assert_array_equal(p, before[-2][name])


def demo(**raw: str) -> dict[str, object]:
    result: dict[str, object] = json.loads(run_demo(DEMO, _fresh_name(), raw))
    return result


def _fresh_name() -> str:
    # each test its own copy of the program, so the model in training is its own
    return f"train_lm_{uuid.uuid4().hex[:8]}"


def test_demo_says_what_is_wrong_with_a_pasted_text() -> None:
    empty = demo(text="own", own_text="")
    assert empty["ok"] is False and "at least 20 characters" in empty["errors"]["own_text"]  # type: ignore[index]
    one = demo(text="own", own_text="x" * 30)
    assert "two different" in one["errors"]["own_text"]  # type: ignore[index]
    long = demo(text="own", own_text="ab" * 10_001)
    assert "at most 20,000 characters" in long["errors"]["own_text"]  # type: ignore[index]
    # a text that is not used is not checked
    assert demo(text="course", own_text="")["ok"] is True


def test_demo_names_prompt_characters_the_model_never_saw() -> None:
    result = demo(text="examples", prompt="Zoë")
    assert result["ok"] is False
    assert "never saw" in result["errors"]["prompt"]  # type: ignore[index]


def test_demo_trains_in_parts_and_resets_when_asked() -> None:
    name = _fresh_name()
    first = json.loads(run_demo(DEMO, name, {"action": "train"}))
    assert first["ok"] and first["again"] is True
    step = int(first["summary"].split("Step ")[1].split(":")[0])
    assert 0 < step <= 250  # a part: at most 250 steps or a second
    second = json.loads(run_demo(DEMO, name, {"action": "train"}))
    later = int(second["summary"].split("Step ")[1].split(":")[0])
    assert step < later <= step + 250  # the model was kept between the parts
    paused = json.loads(run_demo(DEMO, name, {"action": "pause"}))
    assert f"Step {later}:" in paused["summary"] and "again" not in paused
    # the sample shown when paused was written by these weights, and says so
    assert paused["panels"][1]["title"] == f"What the mlp writes after {later} steps"
    reset = json.loads(run_demo(DEMO, name, {"action": "reset"}))
    assert "Started over with new weights" in reset["summary"] and "Step 0:" in reset["summary"]
    changed = json.loads(run_demo(DEMO, name, {"action": "train", "context": "4"}))
    assert "New model for these settings" in changed["summary"]


def test_demo_stops_training_on_a_loss_that_is_not_a_number() -> None:
    name = _fresh_name()
    raw = {"action": "train", "lr": "1000", "model": "transformer", "text": "examples"}
    for _ in range(20):
        result = json.loads(run_demo(DEMO, name, raw))
        if "Training stopped" in result["summary"]:
            break
    assert result["ok"] and "again" not in result
    assert "too large a step" in result["summary"] and "last good weights" in result["summary"]
    # later parts do not train on: the message stays
    again = json.loads(run_demo(DEMO, name, raw))
    assert "Training stopped" in again["summary"] and "again" not in again


def test_a_step_yielded_again_is_not_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The training demo yields the same step between two evaluations: the page is sent it once
    (a redraw of the same figure would only cost the page's thread)."""
    source = """
from genai_course.demo import View
def render():
    same = View([], "same")
    for _ in range(5):
        yield same
    yield View([], "other")
    yield View([], "last")
"""
    clock = iter(range(0, 10_000))  # a second passes at every look at the clock
    monkeypatch.setattr(demo_module.time, "perf_counter", lambda: float(next(clock)))
    sent: list[str] = []
    run = start_demo(source, _fresh_name(), {}, sent.append)
    while run.advance(0.0) is None:
        pass
    assert [json.loads(s)["summary"] for s in sent] == ["same", "other"]
