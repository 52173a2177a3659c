"""Tests for genai_course.ddpm (the committed digit denoiser in NumPy), its samplers, guidance,
the training report's held-out figures, bad input, and the ddpm demo under CPython.

Tolerances: the NumPy forward pass and the training script's PyTorch class, both in float64 on the
same float16-stored weights, agree to 1e-6 (measured: 1.7e-7; the PyTorch class keeps its
sinusoidal timestep code as a float32 buffer, NumPy computes it in float64). The
float16 storage itself moves ε_θ by at most the report's
``float16_vs_float32_max_eps_difference`` against the float32 weights it was rounded from; the test
allows 0.02.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from genai_course import ddpm, diffusion, digits
from genai_course.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]
NPZ = ROOT / "src" / "genai_course" / "data" / "digit_ddpm.npz"
REPORT = json.loads((ROOT / "training" / "digit_ddpm_report.json").read_text(encoding="utf-8"))
REFERENCE = ROOT / "tests" / "data" / "digit_ddpm_reference.npz"
DEMO = (ROOT / "demos" / "ddpm.py").read_text(encoding="utf-8")
MODEL = ddpm.load_model()

# the recipe of the report's held-out figures (training/train_digit_ddpm.py)
LOSS_SEED = REPORT["heldout_loss"]["seed"]
LOSS_TIMESTEPS = REPORT["heldout_loss"]["timesteps"]
SAMPLES_PER_DIGIT = REPORT["samples_per_digit"]
SAMPLE_SEED = REPORT["sample_seed"]


# --------------------------------------------------------------------------------------------
# the network against PyTorch and against an independent NumPy pass


def _independent_eps(x_t: np.ndarray, t: np.ndarray, c: np.ndarray) -> np.ndarray:
    """ε_θ written another way: each weight matrix split into its pixel (or hidden) rows and its
    embedding rows, summed instead of concatenated; the sinusoid and SiLU from math."""
    m = MODEL
    d_t = m.time_emb.shape[1]
    pe = np.array(
        [
            [
                math.sin(s / 10000 ** (2 * (j // 2) / d_t))
                if j % 2 == 0
                else math.cos(s / 10000 ** (2 * (j // 2) / d_t))
                for j in range(d_t)
            ]
            for s in t
        ]
    )
    e_time, e_class = pe, m.class_emb[c]

    def layer(inputs: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        k = inputs.shape[1]
        pre = inputs @ w[:k] + e_time @ w[k : k + d_t] + e_class @ w[k + d_t :] + b
        return np.vectorize(lambda v: v / (1.0 + math.exp(-v)) if v > -700 else 0.0)(pre)

    h = layer(x_t, m.w_1, m.b_1)
    h = h + layer(h, m.w_2, m.b_2)
    h = h + layer(h, m.w_3, m.b_3)
    return np.asarray(h @ m.w_out + m.b_out)


def test_numpy_forward_matches_the_pytorch_class_on_the_committed_weights() -> None:
    with np.load(REFERENCE) as ref:
        x_t, t, c, eps, eps32 = (ref[k] for k in ("x_t", "t", "c", "eps", "eps_float32"))
    ours = ddpm.eps_theta(MODEL, x_t, t.astype(np.int64), c.astype(np.int64))
    # (the null class is not among these 24; the held-out loss test below compares the
    # unconditional network with PyTorch's figures, to 1e-6)
    assert len(set(t.tolist())) > 10 and len(set(c.tolist())) > 5
    np.testing.assert_allclose(ours, eps, rtol=0, atol=1e-6)
    # float16 storage changed the network's output by little against the float32 weights
    assert np.abs(ours - eps32).max() <= 0.02
    assert np.abs(ours - eps32).max() == pytest.approx(
        REPORT["float16_vs_float32_max_eps_difference"], abs=1e-6
    )


def test_numpy_forward_matches_an_independent_computation() -> None:
    rng = np.random.default_rng(0)
    x_t = rng.standard_normal((6, 64))
    t = np.array([0, 1, 57, 100, 198, 199])
    c = np.array([0, 3, 7, 9, 10, 10])
    np.testing.assert_allclose(
        ddpm.eps_theta(MODEL, x_t, t, c), _independent_eps(x_t, t, c), rtol=0, atol=1e-10
    )


def test_the_weights_file_is_the_one_the_report_describes() -> None:
    data = NPZ.read_bytes()
    assert len(data) == REPORT["weights_bytes"] < 400_000
    assert hashlib.sha256(data).hexdigest() == REPORT["npz_sha256"]
    assert ddpm.count_parameters(MODEL) == REPORT["parameters"]
    with np.load(NPZ) as stored:
        assert all(stored[name].dtype == np.float16 for name in ddpm.WEIGHT_NAMES)
    assert MODEL.num_steps == REPORT["config"]["num_steps"]


# --------------------------------------------------------------------------------------------
# schedule and the step formulas


def test_the_cosine_schedule_follows_the_papers_formula() -> None:
    betas, alpha_bars = ddpm.cosine_schedule(200)
    target = diffusion.cosine_alpha_bar(200)
    assert betas.max() == pytest.approx(0.999) and betas.min() > 0
    unclipped = betas < 0.999
    np.testing.assert_allclose(alpha_bars[unclipped], target[unclipped], rtol=1e-9)
    assert np.all(np.diff(alpha_bars) < 0) and alpha_bars[-1] < 1e-6


def test_the_samplers_mean_through_x0_is_the_papers_mean_through_eps() -> None:
    """Without clipping, Ho et al.'s μ from ε̂ equals the x̂₀ form the sampler uses."""
    rng = np.random.default_rng(1)
    betas, alpha_bars = MODEL.betas, MODEL.alpha_bars
    for t in (1, 20, 100, 180):
        x_t, eps = rng.standard_normal(64), rng.standard_normal(64)
        x0 = ddpm.predict_x0(x_t, eps, float(alpha_bars[t]))
        ab, ab_prev, beta = alpha_bars[t], alpha_bars[t - 1], betas[t]
        via_x0 = (
            math.sqrt(ab_prev) * beta / (1 - ab) * x0
            + math.sqrt(1 - beta) * (1 - ab_prev) / (1 - ab) * x_t
        )
        np.testing.assert_allclose(ddpm.posterior_mean(x_t, eps, t, betas), via_x0, atol=1e-9)


def test_reverse_step_adds_sigma_z_except_at_the_last_step() -> None:
    betas = np.array([0.1, 0.2, 0.3])
    x, e, z = np.array([0.5, -0.5]), np.array([0.2, 0.1]), np.array([1.0, -1.0])
    mean = ddpm.posterior_mean(x, e, 2, betas)
    np.testing.assert_allclose(ddpm.reverse_step(x, e, 2, betas, z), mean + math.sqrt(0.3) * z)
    np.testing.assert_allclose(
        ddpm.reverse_step(x, e, 0, betas, z), ddpm.posterior_mean(x, e, 0, betas)
    )
    # by hand: ᾱ_2 = 0.9 · 0.8 · 0.7
    expected = (0.5 - 0.3 / math.sqrt(1 - 0.504) * 0.2) / math.sqrt(0.7)
    assert mean[0] == pytest.approx(expected, rel=1e-12)


def test_ddim_visits_evenly_spaced_steps_from_the_noisiest_to_zero() -> None:
    for steps in (1, 2, 7, 50, 200):
        ts = ddpm.ddim_timesteps(200, steps)
        assert len(ts) == steps == len(set(ts.tolist()))
        assert ts[0] == 199 and (steps == 1 or ts[-1] == 0) and np.all(np.diff(ts) < 0)


# --------------------------------------------------------------------------------------------
# guidance


def test_guidance_is_the_unconditional_guess_plus_w_times_the_difference() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 64))
    t = np.full(5, 120)
    cond = ddpm.eps_theta(MODEL, x, t, np.full(5, 4))
    uncond = ddpm.eps_theta(MODEL, x, t, np.full(5, ddpm.NULL_CLASS))
    for w in (0.0, 0.5, 1.0, 2.0, 7.5):
        guided, passes = ddpm.guided_eps(MODEL, x, 120, 4, w)
        # Ho & Salimans' form with their w' = w − 1: (1 + w') ε_c − w' ε_∅
        np.testing.assert_allclose(guided, w * cond - (w - 1.0) * uncond, atol=1e-12)
        assert passes == (1 if w in (0.0, 1.0) else 2)
    unconditional, passes = ddpm.guided_eps(MODEL, x, 120, None, 3.0)
    np.testing.assert_allclose(unconditional, uncond, atol=1e-12)
    assert passes == 1


def test_guidance_makes_the_digit_asked_for_more_recognisable() -> None:
    runs = {
        r["guidance"]: r
        for r in REPORT["conditional"]
        if r["sampler"] == "ddim" and r["steps"] == ddpm.DEFAULT_STEPS
    }
    assert runs[0.0]["accuracy"] < 0.3 < runs[1.0]["accuracy"]
    assert runs[ddpm.DEFAULT_GUIDANCE]["accuracy"] >= 0.9
    # fidelity traded against variety
    assert runs[ddpm.DEFAULT_GUIDANCE]["variety"] < runs[0.0]["variety"]


# --------------------------------------------------------------------------------------------
# sampling: determinism, shapes, the interface


@pytest.mark.parametrize(("sampler", "steps"), [("ddim", 12), ("ddpm", 0)])
def test_sampling_is_determined_by_the_seed(sampler: str, steps: int) -> None:
    def run(seed: int) -> list[ddpm.SamplingStep]:
        return list(
            ddpm.sample_steps(MODEL, 4, np.random.default_rng(seed), 2, 2.0, sampler, steps)
        )

    first, again, other = run(9), run(9), run(10)
    assert len(first) == (12 if sampler == "ddim" else MODEL.num_steps)
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a.x_next, b.x_next) and np.array_equal(a.x0_hat, b.x0_hat)
    assert not np.allclose(first[-1].x_next, other[-1].x_next)
    # the steps hand on: each starts where the last ended; the noise falls; x̂₀ is clipped
    for a, b in itertools.pairwise(first):
        assert np.array_equal(a.x_next, b.x_t) and b.noise_level < a.noise_level
    assert all(np.abs(s.x0_hat).max() <= 1.0 for s in first)
    assert first[-1].t == 0 and first[-1].evaluations == 2 * len(first)


def test_ddim_with_eta_zero_adds_no_noise() -> None:
    """Given x_T, DDIM is a deterministic map: each step is x̂₀ and the noise put back."""
    steps = list(ddpm.sample_steps(MODEL, 3, np.random.default_rng(4), 8, 2.0, "ddim", 5))
    for step, nxt in zip(steps, [*steps[1:], None], strict=True):
        t_prev = nxt.t if nxt else -1
        ab_prev = MODEL.alpha_bars[t_prev] if t_prev >= 0 else 1.0
        ab = MODEL.alpha_bars[step.t]
        eps, _ = ddpm.guided_eps(MODEL, step.x_t, step.t, 8, 2.0)
        x0_hat = np.clip((step.x_t - math.sqrt(1 - ab) * eps) / math.sqrt(ab), -1, 1)
        np.testing.assert_allclose(step.x0_hat, x0_hat, atol=1e-12)
        # the noise carried on is what x_t holds besides the clipped x̂₀
        kept = (step.x_t - math.sqrt(ab) * x0_hat) / math.sqrt(1 - ab)
        expected = math.sqrt(ab_prev) * x0_hat + math.sqrt(1 - ab_prev) * kept
        np.testing.assert_allclose(step.x_next, expected, atol=1e-9)


def test_sample_images_keeps_the_shared_interface() -> None:
    images = ddpm.sample_images(MODEL, 6, np.random.default_rng(0), digit=5)
    assert images.shape == (6, 8, 8) and images.min() >= 0 and images.max() <= 1
    again = ddpm.sample_images(MODEL, 6, np.random.default_rng(0), digit=5)
    assert np.array_equal(images, again)
    assert ddpm.sample_images(MODEL, 2, np.random.default_rng(0)).shape == (2, 8, 8)
    *_, last = ddpm.sample_steps(MODEL, 1, np.random.default_rng(0), 5)
    assert last.evaluations == ddpm.EVALUATIONS_PER_IMAGE == 2 * ddpm.DEFAULT_STEPS
    assert ddpm.load_model() is MODEL


# --------------------------------------------------------------------------------------------
# the report's held-out figures, from the committed weights


def test_the_heldout_denoising_loss_by_timestep_is_reproduced() -> None:
    heldout = digits.heldout()
    x0 = 2.0 * heldout.images.reshape(-1, 64) - 1.0
    eps_all = np.random.default_rng(LOSS_SEED).standard_normal((len(LOSS_TIMESTEPS), *x0.shape))
    null = np.full(len(x0), ddpm.NULL_CLASS)
    for i, t in enumerate(LOSS_TIMESTEPS):
        ts = np.full(len(x0), t)
        cond = ddpm.denoising_loss(MODEL, x0, ts, heldout.labels, eps_all[i]).mean()
        uncond = ddpm.denoising_loss(MODEL, x0, ts, null, eps_all[i]).mean()
        assert cond == pytest.approx(REPORT["heldout_loss"]["conditional"][i], rel=1e-6)
        assert uncond == pytest.approx(REPORT["heldout_loss"]["unconditional"][i], rel=1e-6)
    # telling the network the digit helps it find the noise
    assert REPORT["heldout_loss"]["mean_conditional"] < REPORT["heldout_loss"]["mean_unconditional"]


def test_the_classifiers_verdict_on_generated_digits_is_reproduced() -> None:
    """The report's accuracy at the defaults (DDIM, DEFAULT_STEPS, DEFAULT_GUIDANCE): the same
    samples from the same seeds, judged by a logistic regression fitted afresh on the training
    split (its predictions may differ on a borderline sample: 1 % allowed)."""
    from sklearn.linear_model import LogisticRegression

    train, heldout = digits.load_split()
    judge = LogisticRegression(max_iter=5000).fit(train.images.reshape(-1, 64), train.labels)
    real = (judge.predict(heldout.images.reshape(-1, 64)) == heldout.labels).mean()
    assert real == pytest.approx(REPORT["classifier_heldout_accuracy"], abs=0.01)
    correct = 0
    for digit in range(10):
        rng = np.random.default_rng(SAMPLE_SEED + digit)
        *_, last = ddpm.sample_steps(MODEL, SAMPLES_PER_DIGIT, rng, digit)
        pixels = np.clip((last.x_next + 1.0) / 2.0, 0.0, 1.0)
        correct += int((judge.predict(pixels) == digit).sum())
    (expected,) = [
        r["accuracy"]
        for r in REPORT["conditional"]
        if r["sampler"] == "ddim"
        and r["steps"] == ddpm.DEFAULT_STEPS
        and r["guidance"] == ddpm.DEFAULT_GUIDANCE
    ]
    assert correct / (10 * SAMPLES_PER_DIGIT) == pytest.approx(expected, abs=0.01)


# --------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"digit": 10}, "digit must be"),
        ({"digit": -1}, "digit must be"),
        ({"digit": 2.5}, "digit must be"),
        ({"digit": True}, "digit must be"),
        ({"guidance": -0.5}, "guidance w must be"),
        ({"guidance": 11.0}, "guidance w must be"),
        ({"guidance": float("nan")}, "guidance w must be"),
        ({"sampler": "euler"}, "sampler must be one of"),
        ({"steps": 0}, "steps must be"),
        ({"steps": 201}, "steps must be"),
        ({"steps": 2.0}, "steps must be"),
        ({"n": 0}, "n must be"),
    ],
)
def test_bad_arguments_get_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"n": 2, "digit": 3, "guidance": 2.0, "sampler": "ddim", "steps": 5}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        next(ddpm.sample_steps(MODEL, rng=np.random.default_rng(0), **args))  # type: ignore[arg-type]


def test_reverse_step_rejects_a_step_outside_the_schedule() -> None:
    with pytest.raises(ValueError, match=r"t must be a whole number in \[0, 2\]"):
        ddpm.reverse_step(np.zeros(2), np.zeros(2), 3, np.array([0.1, 0.2, 0.3]), np.zeros(2))


@pytest.mark.parametrize(
    ("control", "value"),
    [
        ("digit", "11"),
        ("guidance", "9"),
        ("guidance", "-1"),
        ("steps", "0"),
        ("steps", "201"),
        ("seed", "-3"),
        ("seed", "1e20"),
        ("sampler", "plms"),
    ],
)
def test_the_demo_names_the_control_of_a_bad_value(control: str, value: str) -> None:
    result = json.loads(run_demo(DEMO, "ddpm", {control: value}))
    assert not result["ok"]
    assert control in result["errors"], result


# --------------------------------------------------------------------------------------------
# the demo under CPython


def test_the_demo_shows_the_steps_as_they_come_and_ends_with_the_digits() -> None:
    partials: list[dict[str, object]] = []
    result = json.loads(
        run_demo(
            DEMO,
            "ddpm",
            {"digit": "3", "sampler": "ddim", "steps": "30", "guidance": "3"},
            on_partial=lambda text: partials.append(json.loads(text)),
        )
    )
    assert result["ok"], result
    assert result["summary"] == (
        "Drew 16 images of the digit 3 with DDIM in 30 steps, guidance w = 3: "
        "60 network passes per image."
    )
    titles = [p["title"] for p in result["panels"]]
    assert titles[0] == "The batch: x₀, the finished digits" and len(titles) == 4
    assert partials and all(p["partial"] for p in partials)
    assert str(partials[0]["summary"]).startswith("Drawing… step 1 of 30 (t = 199")


def test_the_demos_default_run_is_short_and_its_control_states_grey_what_does_nothing() -> None:
    # the build-time first figure: 10 DDIM steps (its time is the benchmark's, not a test's)
    result = json.loads(run_demo(DEMO, "ddpm", {}))
    assert result["ok"] and "the digit 7 with DDIM in 10 steps" in result["summary"]
    ddpm_any = json.loads(run_demo(DEMO, "ddpm", {"digit": "any", "sampler": "ddpm"}))
    assert ddpm_any["ok"] and "DDPM in all 200 steps: 200 network passes" in ddpm_any["summary"]
    namespace: dict[str, object] = {}
    exec(compile(DEMO, "ddpm.py", "exec"), namespace)
    states = namespace["control_states"]({"digit": "any", "sampler": "ddpm"})  # type: ignore[operator]
    assert states["guidance"].disabled and states["steps"].disabled
    assert namespace["control_states"]({"digit": "4", "sampler": "ddim"}) == {}  # type: ignore[operator]
