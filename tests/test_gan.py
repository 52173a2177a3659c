"""Tests for genai_course.gan: the committed GAN generator, run in NumPy, and its demo.

The reference outputs (tests/data/gan_reference.npz) were written by training/train_digit_gan.py
with its own PyTorch Generator class: on the shipped float16 weights, and on the float32 weights
they were rounded from. Tolerances:
- NumPy (float64) against PyTorch (float32) on the same float16 weights: 1e-5 in generator
  output units ([-1, 1]), float32 rounding;
- shipped float16 weights against the float32 ones: 0.005 in pixel units ([0, 1]), a little over
  one grey level of 255 — the images are the same to the eye.
"""

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_course import digits, gan
from genai_course.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]
NPZ = ROOT / "src" / "genai_course" / "data" / "digit_gan.npz"
REPORT = json.loads((ROOT / "training" / "digit_gan_report.json").read_text(encoding="utf-8"))
REFERENCE = np.load(ROOT / "tests" / "data" / "gan_reference.npz")
DEMO = (ROOT / "demos" / "gan.py").read_text(encoding="utf-8")
MODEL = gan.load_model()


def _ref_generator(z: list[float]) -> list[float]:
    """G for one z, written with loops and math.tanh (checks the maths, not the code)."""
    h: list[float] = z
    layers = [(MODEL.W_1, MODEL.b_1), (MODEL.W_2, MODEL.b_2), (MODEL.W_3, MODEL.b_3)]
    for n, (w, b) in enumerate(layers):
        out = [sum(h[i] * float(w[i, j]) for i in range(len(h))) + float(b[j])
               for j in range(w.shape[1])]  # fmt: skip
        h = [math.tanh(v) for v in out] if n == 2 else [v if v > 0 else 0.2 * v for v in out]
    return h


# --------------------------------------------------------------------------------------------
# the committed artefacts


def test_weights_are_the_ones_the_report_describes() -> None:
    assert hashlib.sha256(NPZ.read_bytes()).hexdigest() == REPORT["npz_sha256"]
    assert NPZ.stat().st_size == REPORT["weights_bytes"] < 200_000
    assert gan.count_parameters(MODEL) == REPORT["parameters"]
    assert MODEL.d_z == REPORT["config"]["d_z"]
    assert REPORT["seed"] == REPORT["config"]["seed"] and REPORT["train_seconds"] > 0
    with np.load(NPZ) as npz:
        assert all(npz[k].dtype == np.float16 for k in ("W_1", "b_1", "W_2", "b_2", "W_3", "b_3"))
        # the checkpoints are images, not weights
        assert npz["checkpoint_samples"].dtype == np.uint8


def test_interface_constants() -> None:
    assert gan.EVALUATIONS_PER_IMAGE == 1
    assert gan.load_model() is MODEL


def test_numpy_generator_matches_pytorch_on_the_same_weights() -> None:
    z = REFERENCE["z"].astype(np.float64)
    x = gan.G(MODEL, z).reshape(len(z), -1)
    assert np.abs(x - REFERENCE["x_float16_weights"]).max() < 1e-5


def test_float16_weights_draw_the_same_images_as_float32() -> None:
    z = REFERENCE["z"].astype(np.float64)
    pixels = gan.to_pixels(gan.G(MODEL, z)).reshape(len(z), -1)
    float32 = (REFERENCE["x_float32_weights"] + 1) / 2
    assert np.abs(pixels - float32).max() < 0.005
    assert REPORT["float16_max_pixel_difference"] < 0.005


def test_generator_matches_a_loop_reference() -> None:
    z = REFERENCE["z"][0].astype(np.float64)
    assert np.allclose(gan.G(MODEL, z[None]).ravel(), _ref_generator(z.tolist()), atol=1e-12)


def test_last_checkpoint_is_the_shipped_generator() -> None:
    # the final checkpoint's images are G(z_fixed) of the final weights (float32, rounded to
    # 0-255); the float16 weights give them within one grey level
    z_fixed = REFERENCE["z_fixed"].astype(np.float64)
    again = np.rint(gan.to_pixels(gan.G(MODEL, z_fixed)) * 255)
    assert np.abs(again - MODEL.checkpoint_samples[-1]).max() <= 2
    assert int(MODEL.checkpoint_steps[-1]) == REPORT["config"]["steps"]
    assert MODEL.checkpoint_samples.shape == (len(MODEL.checkpoint_steps), 16, 8, 8)


def test_first_checkpoint_is_before_any_training() -> None:
    # at step 0 G draws grey noise: nothing like a digit's black background
    assert MODEL.checkpoint_steps[0] == 0
    first, last = MODEL.checkpoint_samples[0] / 255, MODEL.checkpoint_samples[-1] / 255
    assert np.median(first) > 0.3 and np.median(last) < 0.1


# --------------------------------------------------------------------------------------------
# the report's held-out figures, reproduced from the committed weights


@pytest.fixture(scope="module")
def judged() -> dict[str, object]:
    from sklearn.linear_model import LogisticRegression

    train, heldout = digits.load_split()
    classifier = LogisticRegression(max_iter=5000)
    classifier.fit(train.images.reshape(len(train.images), -1), train.labels)
    images = gan.sample_images(MODEL, REPORT["samples"]["n"], np.random.default_rng(0))
    return {"classifier": classifier, "train": train, "heldout": heldout, "images": images}


def test_classifier_is_the_reported_one(judged: dict) -> None:
    heldout = judged["heldout"]
    accuracy = judged["classifier"].score(heldout.images.reshape(-1, 64), heldout.labels)
    assert abs(accuracy - REPORT["classifier"]["heldout_accuracy"]) < 1e-9


def test_class_spread_of_the_samples_reproduces_the_report(judged: dict) -> None:
    proba = judged["classifier"].predict_proba(judged["images"].reshape(-1, 64))
    counts = np.bincount(proba.argmax(axis=1), minlength=10)
    reported = REPORT["samples"]
    # another NumPy may round a near-tie differently: a count may move by one or two
    assert np.abs(counts - np.array(reported["counts"])).max() <= 2
    assert (counts > 0).sum() == reported["classes_present"] == 10
    assert abs(proba.max(axis=1).mean() - reported["mean_confidence"]) < 1e-3
    # no mode collapse at the end: no digit takes more than a fifth of the samples
    assert counts.max() / counts.sum() < 0.2


def test_nearest_training_distances_reproduce_the_report(judged: dict) -> None:
    images, train = judged["images"], judged["train"].images
    a, b = images.reshape(len(images), -1), train.reshape(len(train), -1)
    d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).mean(axis=2).min(axis=1))
    reported = REPORT["nearest_training_distance"]
    assert abs(np.median(d) - reported["generated"]["median"]) < 1e-6
    assert abs(d.min() - reported["generated"]["min"]) < 1e-6
    # it does not copy: its samples are further from the training set than held-out digits are
    assert np.median(d) > reported["heldout"]["median"]
    assert reported["generated_closer_than_heldout_p05"] < 0.05


def test_checkpoint_labels_are_the_classifiers_reading(judged: dict) -> None:
    flat = MODEL.checkpoint_samples.reshape(-1, 64) / 255.0
    labels = judged["classifier"].predict(flat).reshape(MODEL.checkpoint_labels.shape)
    assert (labels != MODEL.checkpoint_labels).sum() <= 1
    for entry, row in zip(REPORT["checkpoints"], MODEL.checkpoint_labels, strict=True):
        assert entry["counts"] == np.bincount(row, minlength=10).tolist()


def test_loss_curve_in_the_npz_is_the_reported_one() -> None:
    curve = REPORT["loss_curve"]
    assert MODEL.curve_steps.tolist() == [e["step"] for e in curve]
    assert np.allclose(MODEL.curve_d_loss, [e["d_loss"] for e in curve], atol=1e-6)
    assert np.allclose(MODEL.curve_g_loss, [e["g_loss"] for e in curve], atol=1e-6)
    # untrained, D knows nothing (half right); it never wins outright
    assert curve[0]["d_accuracy"] == pytest.approx(0.5, abs=0.05)
    assert all(e["d_accuracy"] < 0.99 for e in curve)


def test_checkpoints_show_the_collapse_and_its_recovery() -> None:
    # what the page text says about this run: one shape for every z early on, then variety
    assert MODEL.heldout_variety == pytest.approx(gan.variety(digits.heldout().images), abs=1e-12)
    variety = {
        int(s): gan.variety(x / 255.0)
        for s, x in zip(MODEL.checkpoint_steps, MODEL.checkpoint_samples, strict=True)
    }
    assert variety[300] < 0.3 * MODEL.heldout_variety
    assert variety[int(MODEL.checkpoint_steps[-1])] > 0.85 * MODEL.heldout_variety
    for entry in REPORT["checkpoints"]:
        assert entry["variety"] == pytest.approx(variety[entry["step"]], abs=1e-9)


def test_variety_is_zero_for_one_image_repeated() -> None:
    one = np.tile(np.linspace(0, 1, 64).reshape(8, 8), (5, 1, 1))
    assert gan.variety(one) == pytest.approx(0.0, abs=1e-7)
    assert gan.variety(np.stack([np.zeros((8, 8)), np.ones((8, 8))])) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least two"):
        gan.variety(one[:1])


# --------------------------------------------------------------------------------------------
# sampling and walking


def test_sampling_is_deterministic_with_a_seed() -> None:
    a = gan.sample_images(MODEL, 5, np.random.default_rng(7))
    b = gan.sample_images(MODEL, 5, np.random.default_rng(7))
    c = gan.sample_images(MODEL, 5, np.random.default_rng(8))
    assert a.shape == (5, 8, 8) and np.array_equal(a, b) and not np.allclose(a, c)
    assert a.min() >= 0.0 and a.max() <= 1.0


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "3"])
def test_bad_numbers_of_images_are_refused(n: object) -> None:
    with pytest.raises(ValueError, match="n must be"):
        gan.sample_images(MODEL, n, np.random.default_rng(0))  # type: ignore[arg-type]


def test_asking_for_a_digit_is_refused() -> None:
    with pytest.raises(ValueError, match="unconditional"):
        gan.sample_images(MODEL, 1, np.random.default_rng(0), digit=3)


def test_walks_refuse_mismatched_or_non_finite_ends() -> None:
    with pytest.raises(ValueError, match="one length"):
        gan.interpolate(np.zeros(16), np.zeros(15), [0.5])
    with pytest.raises(ValueError, match="finite"):
        gan.slerp(np.zeros(16), np.full(16, np.nan), [0.5])


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_walks_start_and_end_at_their_ends(seed_a: int, seed_b: int) -> None:
    z_0 = gan.latents(MODEL, 1, np.random.default_rng(seed_a))[0]
    z_1 = gan.latents(MODEL, 1, np.random.default_rng(seed_b))[0]
    for walk in (gan.interpolate, gan.slerp):
        path = walk(z_0, z_1, [0.0, 1.0])
        assert np.allclose(path[0], z_0) and np.allclose(path[1], z_1)


def test_slerp_keeps_the_length_the_prior_gives_where_the_line_loses_it() -> None:
    rng = np.random.default_rng(3)
    z_0, z_1 = rng.standard_normal(16), rng.standard_normal(16)
    z_1 *= np.linalg.norm(z_0) / np.linalg.norm(z_1)
    t = np.linspace(0, 1, 9)
    assert np.allclose(np.linalg.norm(gan.slerp(z_0, z_1, t), axis=1), np.linalg.norm(z_0))
    middle = np.linalg.norm(gan.interpolate(z_0, z_1, [0.5])[0])
    assert middle < 0.85 * np.linalg.norm(z_0)


def test_mosaic_puts_images_in_rows_with_transparent_gaps() -> None:
    images = np.stack([np.full((8, 8), v) for v in (0.0, 0.5, 1.0)])
    out = gan.mosaic(images, 2)
    assert out.shape == (17, 17, 4)
    assert out[0, 0, 3] == 255 and out[8, 0, 3] == 0 and out[0, 8, 3] == 0
    assert out[0, 9, 0] == 128 and out[9, 0, 0] == 255 and out[9, 9, 3] == 0


# --------------------------------------------------------------------------------------------
# the demo


def _run(raw: dict[str, str]) -> dict:
    result: dict = json.loads(run_demo(DEMO, "gan", raw))
    return result


def test_demo_draws_samples_walk_and_checkpoints() -> None:
    result = _run({})
    assert result["ok"], result
    html = result["html"]
    assert html.count("image-rendering:pixelated") == 3
    steps = int(MODEL.checkpoint_steps[-1])
    assert f"step {steps} of {steps}" in html
    first = _run({"checkpoint": "1"})
    assert "step 0 of" in first["html"] and first["html"] != html


def test_demo_walk_is_a_strip_not_a_stretched_square() -> None:
    html = _run({})["html"]
    # 8 images of 8 pixels with 7 one-pixel gaps: 71 × 8 pixels, drawn 280 wide
    assert 'viewBox="0 0 280 32"' in html and 'width="280" height="32"' in html


def test_demo_names_the_collapse_and_the_untrained_start() -> None:
    steps = MODEL.checkpoint_steps.tolist()
    collapsed = _run({"checkpoint": str(steps.index(300) + 1)})["html"]
    assert "collapsed onto one mode" in collapsed
    assert "untrained" in _run({"checkpoint": "1"})["html"]
    last = _run({})["html"]
    assert "collapsed" not in last and "untrained" not in last


def test_demo_walk_depends_on_the_path() -> None:
    line, circle = _run({"path": "line"}), _run({"path": "slerp"})
    assert "straight line" in line["summary"] and "great circle" in circle["summary"]
    assert line["html"] != circle["html"]


def test_demo_says_why_the_path_does_nothing_for_equal_seeds() -> None:
    result = _run({"seed_a": "5", "seed_b": "5"})
    assert result["ok"] and "stands still" in result["controls"]["path"]["note"]
    assert "path" not in _run({})["controls"]


@pytest.mark.parametrize(
    ("control", "value"),
    [("seed", "-1"), ("seed", "4294967296"), ("seed_a", "1.5"), ("checkpoint", "99"),
     ("path", "zigzag"), ("seed_b", "")],
)  # fmt: skip
def test_demo_refuses_bad_values_with_a_message(control: str, value: str) -> None:
    result = _run({control: value})
    assert not result["ok"] and result["errors"][control]
