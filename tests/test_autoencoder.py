"""Tests for genai_course.autoencoder (the digits' autoencoders and PCA), its demo and its page.

The reference outputs (tests/data/digit_autoencoder_reference.npz) were written by
training/train_digit_autoencoder.py with its own PyTorch Autoencoder class, on 16 held-out digits.
Tolerances:
- NumPy against PyTorch on the same (float16-rounded) weights, both in float64: 1e-9 in pixels
  and code units (only the order of the sums differs);
- the shipped float16 weights against the float32 weights they were rounded from: 0.01 in pixel
  units ([0, 1]), under three grey levels of 255 (the report gives the largest change over all
  359 held-out digits); the held-out error moves by less than 1e-4;
- PCA against scikit-learn's PCA of the same training digits: 1e-5 (the shipped mean and
  components are float32).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_course import autoencoder, digits
from genai_course.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]
NPZ = ROOT / "src" / "genai_course" / "data" / "digit_autoencoder.npz"
REPORT = json.loads((ROOT / "training" / "digit_autoencoder_report.json").read_text("utf-8"))
REFERENCE = np.load(ROOT / "tests" / "data" / "digit_autoencoder_reference.npz")
DEMO = (ROOT / "demos" / "autoencoder.py").read_text(encoding="utf-8")
PAGE = (ROOT / "docs" / "topics" / "pca-vs-autoencoders.md").read_text(encoding="utf-8")
PAGE_TEXT = " ".join(PAGE.split())  # the page's words, lines joined
MODELS = autoencoder.load_models()
ROWS = {row["k"]: row for row in REPORT["heldout"]}


@pytest.fixture(scope="module")
def split() -> tuple[digits.Digits, digits.Digits]:
    return digits.load_split()


# --------------------------------------------------------------------------------------------
# the committed artefacts


def test_weights_are_the_ones_the_report_describes() -> None:
    assert hashlib.sha256(NPZ.read_bytes()).hexdigest() == REPORT["npz_sha256"]
    assert NPZ.stat().st_size == REPORT["weights_bytes"]
    reference = ROOT / "tests" / "data" / "digit_autoencoder_reference.npz"
    assert hashlib.sha256(reference.read_bytes()).hexdigest() == REPORT["reference_sha256"]
    assert set(MODELS) == set(autoencoder.CODE_SIZES) == set(REPORT["code_sizes"])
    for k, model in MODELS.items():
        assert model.k == k
        assert autoencoder.count_parameters(model) == ROWS[k]["autoencoder_parameters"]
    assert sum(autoencoder.count_parameters(m) for m in MODELS.values()) == REPORT["parameters"]
    with np.load(NPZ) as stored:
        assert all(stored[n].dtype == np.float16 for n in stored.files if n.startswith("k"))


def test_numpy_matches_pytorch_on_the_same_weights() -> None:
    x = REFERENCE["x"].reshape(-1, 8, 8)
    for k, model in MODELS.items():
        np.testing.assert_allclose(autoencoder.encode(model, x), REFERENCE[f"k{k}.z"], atol=1e-9)
        np.testing.assert_allclose(
            autoencoder.reconstruct(model, x).reshape(-1, 64), REFERENCE[f"k{k}.x_hat"], atol=1e-9
        )
        z = autoencoder.encode(model, x)
        np.testing.assert_allclose(
            autoencoder.decode(model, z), autoencoder.reconstruct(model, x), atol=1e-12
        )


def test_float16_weights_rebuild_what_float32_did() -> None:
    x = REFERENCE["x"].reshape(-1, 8, 8)
    for k, model in MODELS.items():
        change = np.abs(
            autoencoder.reconstruct(model, x).reshape(-1, 64) - REFERENCE[f"k{k}.x_hat_float32"]
        )
        assert change.max() < 0.01
        assert ROWS[k]["float16_max_pixel_change"] < 0.01
        assert (
            abs(ROWS[k]["autoencoder_heldout_mse"] - ROWS[k]["autoencoder_heldout_mse_float32"])
            < 1e-4
        )


def test_report_heldout_errors_reproduced_from_the_committed_weights() -> None:
    held = digits.heldout()
    for k, model in MODELS.items():
        ae = autoencoder.reconstruction_errors(
            held.images, autoencoder.reconstruct(model, held.images)
        )
        pca = autoencoder.reconstruction_errors(
            held.images, autoencoder.pca_reconstruct(held.images, k)
        )
        assert ae.mean() == pytest.approx(ROWS[k]["autoencoder_heldout_mse"], rel=1e-9)
        assert pca.mean() == pytest.approx(ROWS[k]["pca_heldout_mse"], rel=1e-9)
    assert REPORT["data"]["heldout_images"] == held.labels.size


def test_report_training_errors_reproduced(split: tuple[digits.Digits, digits.Digits]) -> None:
    train = split[0]
    for k, model in MODELS.items():
        ae = autoencoder.reconstruct(model, train.images)
        pca = autoencoder.pca_reconstruct(train.images, k)
        assert np.mean((ae - train.images) ** 2) == pytest.approx(
            ROWS[k]["autoencoder_train_mse"], rel=1e-9
        )
        assert np.mean((pca - train.images) ** 2) == pytest.approx(
            ROWS[k]["pca_train_mse"], rel=1e-9
        )


# --------------------------------------------------------------------------------------------
# PCA against scikit-learn


def test_pca_is_scikit_learns(split: tuple[digits.Digits, digits.Digits]) -> None:
    from sklearn.decomposition import PCA

    train, held = split
    x = train.images.reshape(-1, 64)
    ours = autoencoder.load_pca()
    theirs = PCA(n_components=16, svd_solver="full").fit(x)
    np.testing.assert_allclose(ours.mean, theirs.mean_, atol=1e-6)
    # a direction is fixed up to its sign
    dots = np.sum(ours.components * theirs.components_, axis=1)
    np.testing.assert_allclose(np.abs(dots), 1.0, atol=1e-5)
    np.testing.assert_allclose(
        ours.components * np.sign(dots)[:, None], theirs.components_, atol=1e-5
    )
    np.testing.assert_allclose(ours.explained_variance, theirs.explained_variance_, rtol=1e-5)
    for k in (1, 2, 8, 16):
        pca_k = PCA(n_components=k, svd_solver="full").fit(x)
        rows = held.images.reshape(-1, 64)
        expected = pca_k.inverse_transform(pca_k.transform(rows))
        got = autoencoder.pca_reconstruct(held.images, k).reshape(-1, 64)
        np.testing.assert_allclose(got, expected, atol=1e-5)
        np.testing.assert_allclose(
            np.abs(autoencoder.pca_encode(held.images, k)), np.abs(pca_k.transform(rows)), atol=1e-5
        )


def test_pca_directions_are_orthonormal_and_k0_is_the_mean() -> None:
    v = autoencoder.load_pca().components
    np.testing.assert_allclose(v @ v.T, np.eye(16), atol=1e-6)
    held = digits.heldout().images[:3]
    np.testing.assert_allclose(
        autoencoder.pca_reconstruct(held, 0), np.broadcast_to(
            autoencoder.load_pca().mean.reshape(8, 8), held.shape
        )
    )  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 358), st.sampled_from(autoencoder.CODE_SIZES))
def test_reconstruction_keeps_the_shape_and_one_image_equals_a_batch_of_one(i: int, k: int) -> None:
    image = digits.heldout().images[i]
    for rebuild in (
        lambda x: autoencoder.reconstruct(MODELS[k], x),
        lambda x: autoencoder.pca_reconstruct(x, k),
    ):
        one, batch = rebuild(image), rebuild(image[None])
        assert one.shape == (8, 8) and batch.shape == (1, 8, 8)
        np.testing.assert_array_equal(one, batch[0])
    out = autoencoder.reconstruct(MODELS[k], image)
    assert np.all((out > 0) & (out < 1))


def test_pca_error_falls_as_k_grows() -> None:
    errors = [ROWS[k]["pca_heldout_mse"] for k in autoencoder.CODE_SIZES]
    assert errors == sorted(errors, reverse=True)


# --------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((3, 8, 7)), "8×8"),
        (np.zeros(64), "8×8"),
        (np.zeros((2, 2, 8, 8)), "8×8"),
        (np.full((1, 8, 8), np.nan), "from 0 to 1"),
        (np.full((8, 8), 1.5), "from 0 to 1"),
        (np.full((8, 8), -0.1), "from 0 to 1"),
    ],
)
def test_bad_images_are_refused(images: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        autoencoder.reconstruct(MODELS[2], images)
    with pytest.raises(ValueError, match=message):
        autoencoder.pca_reconstruct(images, 2)


@pytest.mark.parametrize("k", [-1, 17, 2.5, True, "4"])
def test_pca_refuses_a_k_it_does_not_have(k: object) -> None:
    with pytest.raises(ValueError, match="0 to 16 numbers"):
        autoencoder.pca_reconstruct(np.zeros((8, 8)), k)  # type: ignore[arg-type]


def test_decode_refuses_codes_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match=r"shape \[n, 4\]"):
        autoencoder.decode(MODELS[4], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="finite"):
        autoencoder.decode(MODELS[2], np.array([[np.inf, 0.0]]))


def test_errors_need_as_many_reconstructions_as_images() -> None:
    with pytest.raises(ValueError, match="3 images but 2"):
        autoencoder.reconstruction_errors(np.zeros((3, 8, 8)), np.zeros((2, 8, 8)))


# --------------------------------------------------------------------------------------------
# the demo


def _run(raw: dict[str, str]) -> dict:
    result: dict = json.loads(run_demo(DEMO, "autoencoder", raw))
    return result


def test_demo_shows_six_digits_three_ways_and_the_error_chart() -> None:
    result = _run({})
    assert result["ok"], result
    html = result["html"]
    assert html.count("image-rendering:pixelated") == 4
    assert "PCA, 4 numbers each" in html and "Autoencoder, 4 numbers each" in html
    # the chart's numbers are the report's
    for k in autoencoder.CODE_SIZES:
        assert f"{ROWS[k]['pca_heldout_mse']:.4f}" in html
        assert f"{ROWS[k]['autoencoder_heldout_mse']:.4f}" in html


def test_demo_follows_its_controls() -> None:
    base = _run({})["html"]
    assert _run({"k": "16"})["html"] != base
    assert _run({"seed": "7"})["html"] != base
    sevens = _run({"digit": "7"})
    assert sevens["ok"] and sevens["html"].count("digit 7") == 5
    assert _run({"seed": "7"})["html"] == _run({"seed": "7"})["html"]


@pytest.mark.parametrize(
    ("control", "value"),
    [("seed", "-1"), ("seed", "4294967296"), ("seed", "1.5"), ("k", "3"), ("k", "64"),
     ("digit", "10"), ("seed", "")],
)  # fmt: skip
def test_demo_refuses_bad_values_with_a_message(control: str, value: str) -> None:
    result = _run({control: value})
    assert not result["ok"] and result["errors"][control]


# --------------------------------------------------------------------------------------------
# the page says what the report measured


def test_page_numbers_are_the_reports() -> None:
    for k in autoencoder.CODE_SIZES:
        row = ROWS[k]
        line = (
            f"**k = {k}:** PCA {row['pca_heldout_mse']:.3f}, "
            f"autoencoder {row['autoencoder_heldout_mse']:.3f}."
        )
        assert line in PAGE_TEXT
    wins = {
        k: int(
            np.sum(
                autoencoder.reconstruction_errors(
                    digits.heldout().images,
                    autoencoder.pca_reconstruct(digits.heldout().images, k),
                )
                <= autoencoder.reconstruction_errors(
                    digits.heldout().images,
                    autoencoder.reconstruct(MODELS[k], digits.heldout().images),
                )
            )
        )
        for k in (2, 16)
    }
    assert (
        f"{wins[2]} of the 359 held-out digits" in PAGE_TEXT
        and f"and {wins[16]} at $k = 16$" in PAGE_TEXT
    )
    r2, r16 = ROWS[2], ROWS[16]
    assert (
        f"({r16['pca_heldout_mse']:.3f} against {r16['pca_train_mse']:.3f} at $k = 16$)"
        in PAGE_TEXT
    )
    assert (
        f"({r16['autoencoder_heldout_mse']:.3f} against {r16['autoencoder_train_mse']:.3f}, and "
        f"{r2['autoencoder_heldout_mse']:.3f} against {r2['autoencoder_train_mse']:.3f} at $k = 2$)"
    ) in PAGE_TEXT
    # "under half a second" of SVD against "more than a minute" of training for each autoencoder
    assert REPORT["pca_seconds"] < 0.5
    assert all(row["train_seconds"] > 60 for row in REPORT["heldout"])
    assert f"{REPORT['parameters']:,} weights" in PAGE_TEXT
    assert f"{REPORT['pca_numbers']:,} numbers" in PAGE_TEXT
    ratios = [
        ROWS[k]["autoencoder_heldout_mse"] / ROWS[k]["pca_heldout_mse"]
        for k in autoencoder.CODE_SIZES
    ]
    assert f"({min(ratios):.2f} to {max(ratios):.2f} times it)" in PAGE_TEXT
    assert re.search(r"\{\{ demo\(\"autoencoder\"\) \}\}", PAGE)
    assert re.search(r"\{\{ demo\(\"compression\"\) \}\}", PAGE)
    assert "|" not in PAGE.replace("$", "")  # no tables copied from the notes
