"""Tests for genai_course.diffusion: schedules, the closed-form forward process, SNR, the image."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_course import diffusion

# --- independent references: explicit loops over timesteps ----------------------------------------


def reference_alpha_bar(betas: list[float]) -> list[float]:
    out, product = [], 1.0
    for beta in betas:
        product *= 1.0 - beta
        out.append(product)
    return out


def reference_cosine(num_steps: int, s: float = 0.008) -> list[float]:
    def f(t: int) -> float:
        return math.cos((t / num_steps + s) / (1 + s) * math.pi / 2) ** 2

    return [f(t) / f(0) for t in range(1, num_steps + 1)]


# --- schedules ------------------------------------------------------------------------------------


def test_linear_schedule_is_ddpm() -> None:
    betas = diffusion.linear_beta_schedule(1000)
    assert betas.shape == (1000,)
    assert betas[0] == pytest.approx(1e-4, abs=1e-15)
    assert betas[-1] == pytest.approx(0.02, abs=1e-15)
    step = (0.02 - 1e-4) / 999
    expected = [1e-4 + i * step for i in range(1000)]
    np.testing.assert_allclose(betas, expected, rtol=0, atol=1e-15)


@settings(deadline=None, max_examples=50)
@given(st.integers(1, 2000))
def test_alpha_bar_matches_a_loop(num_steps: int) -> None:
    betas = diffusion.linear_beta_schedule(num_steps)
    expected = reference_alpha_bar([float(b) for b in betas])
    np.testing.assert_allclose(diffusion.alpha_bar(betas), expected, rtol=1e-12, atol=0)


@settings(deadline=None, max_examples=50)
@given(st.integers(2, 2000), st.sampled_from(["linear", "cosine"]))
def test_alpha_bar_decreases_within_zero_one(num_steps: int, schedule: str) -> None:
    if schedule == "linear":
        alpha_bars = diffusion.alpha_bar(diffusion.linear_beta_schedule(num_steps))
    else:
        alpha_bars = diffusion.cosine_alpha_bar(num_steps)
    assert np.all(np.diff(alpha_bars) < 0)
    assert np.all(alpha_bars > 0) and np.all(alpha_bars <= 1)


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 2000), st.floats(0.0, 0.1))
def test_cosine_alpha_bar_matches_the_formula(num_steps: int, s: float) -> None:
    np.testing.assert_allclose(
        diffusion.cosine_alpha_bar(num_steps, s),
        reference_cosine(num_steps, s),
        rtol=1e-12,
        atol=1e-15,
    )


def test_cosine_schedule_worked_values() -> None:
    alpha_bars = diffusion.cosine_alpha_bar(1000)
    # halfway: cos²(π/2 · 0.508/1.008) / cos²(π/2 · 0.008/1.008) ≈ 0.49384
    assert alpha_bars[499] == pytest.approx(0.49384, abs=1e-5)
    assert alpha_bars[0] > 0.9999 - 1e-4
    assert alpha_bars[-1] < 1e-30  # the last step is pure noise


def test_cosine_destroys_information_more_slowly_than_linear() -> None:
    # the reason for the cosine schedule: the linear one is near pure noise well before the end
    linear = diffusion.alpha_bar(diffusion.linear_beta_schedule(1000))
    cosine = diffusion.cosine_alpha_bar(1000)
    assert cosine[499] > 5 * linear[499]
    assert linear[699] < 0.01 < cosine[699]


# --- the forward process --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def linear_alpha_bars() -> np.ndarray:
    return diffusion.alpha_bar(diffusion.linear_beta_schedule(1000))


def test_first_step_is_nearly_the_image(linear_alpha_bars: np.ndarray) -> None:
    x0 = diffusion.to_signed(diffusion.test_image(64))
    eps = diffusion.sample_noise(x0.shape, np.random.default_rng(0))
    x_t = diffusion.add_noise(x0, 0, linear_alpha_bars, eps)
    # √(1 − ᾱ_0) = √1e-4 = 0.01: one percent of a unit noise
    assert np.sqrt(np.mean((x_t - x0) ** 2)) < 0.02
    assert np.corrcoef(x_t.ravel(), x0.ravel())[0, 1] > 0.999


def test_last_step_is_nearly_pure_noise(linear_alpha_bars: np.ndarray) -> None:
    x0 = diffusion.to_signed(diffusion.test_image(256))
    eps = diffusion.sample_noise(x0.shape, np.random.default_rng(1))
    x_t = diffusion.add_noise(x0, 999, linear_alpha_bars, eps)
    n = x_t.size
    # 65,536 pixels: variance of N(0, 1) samples has standard error √(2/n) ≈ 0.0055
    assert abs(np.var(x_t) - 1.0) < 5 * math.sqrt(2 / n)
    assert abs(np.mean(x_t)) < 5 / math.sqrt(n) + 0.01  # √ᾱ_T · mean(x0) ≈ 0.006 · |mean|
    assert abs(np.corrcoef(x_t.ravel(), x0.ravel())[0, 1]) < 0.03


@pytest.mark.parametrize("t", [0, 100, 300, 600, 999])
def test_statistics_match_theory_for_a_constant_image(
    linear_alpha_bars: np.ndarray, t: int
) -> None:
    c, n = 0.7, 200_000
    x0 = np.full(n, c)
    eps = diffusion.sample_noise((n,), np.random.default_rng(t))
    x_t = diffusion.add_noise(x0, t, linear_alpha_bars, eps)
    a = linear_alpha_bars[t]
    mean, variance = math.sqrt(a) * c, 1 - a
    # within five standard errors of the mean and of the variance
    assert abs(np.mean(x_t) - mean) < 5 * math.sqrt(variance / n)
    assert abs(np.var(x_t) - variance) < 5 * variance * math.sqrt(2 / n)


def test_closed_form_matches_noising_step_by_step() -> None:
    # x_t = √(1 − β_t) x_{t−1} + √β_t ε_t, applied t times, has the closed form's distribution
    betas = diffusion.linear_beta_schedule(50, 1e-3, 0.1)
    alpha_bars = diffusion.alpha_bar(betas)
    rng = np.random.default_rng(7)
    c, n = -0.4, 100_000
    x = np.full(n, c)
    for t, beta in enumerate(betas):
        x = math.sqrt(1 - beta) * x + math.sqrt(beta) * rng.standard_normal(n)
        if t in (9, 29, 49):
            mean, variance = math.sqrt(alpha_bars[t]) * c, 1 - alpha_bars[t]
            assert abs(np.mean(x) - mean) < 5 * math.sqrt(variance / n)
            assert abs(np.var(x) - variance) < 5 * variance * math.sqrt(2 / n)


@settings(deadline=None, max_examples=50)
@given(st.integers(0, 999), st.integers(0, 2**32 - 1))
def test_add_noise_matches_a_pixel_loop(t: int, seed: int) -> None:
    alpha_bars = diffusion.cosine_alpha_bar(1000)
    rng = np.random.default_rng(seed)
    x0, eps = rng.uniform(-1, 1, (3, 4)), rng.standard_normal((3, 4))
    x_t = diffusion.add_noise(x0, t, alpha_bars, eps)
    a = float(alpha_bars[t])
    for i in range(3):
        for j in range(4):
            expected = math.sqrt(a) * x0[i, j] + math.sqrt(1 - a) * eps[i, j]
            assert x_t[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_sample_noise_is_reproducible() -> None:
    a = diffusion.sample_noise((4, 5), np.random.default_rng(3))
    b = diffusion.sample_noise((4, 5), np.random.default_rng(3))
    assert a.shape == (4, 5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, diffusion.sample_noise((4, 5), np.random.default_rng(4)))


# --- signal-to-noise ratio ------------------------------------------------------------------------


def test_signal_to_noise(linear_alpha_bars: np.ndarray) -> None:
    snr = diffusion.signal_to_noise(linear_alpha_bars)
    for t in (0, 500, 999):
        a = linear_alpha_bars[t]
        assert snr[t] == pytest.approx(a / (1 - a), rel=1e-12)
    assert np.all(np.diff(snr) < 0)
    db = diffusion.signal_to_noise_db(np.array([0.5, 10 / 11, 1 / 101]))
    np.testing.assert_allclose(db, [0.0, 10.0, -20.0], atol=1e-12)


def test_signal_to_noise_of_a_clean_image_is_infinite_without_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert diffusion.signal_to_noise(np.array([1.0]))[0] == np.inf
        assert diffusion.signal_to_noise_db(np.array([1.0, 0.0]))[1] == -np.inf


# --- the image and its scaling --------------------------------------------------------------------


def test_test_image_is_fixed_and_in_range() -> None:
    image = diffusion.test_image()
    assert image.shape == (64, 64)
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.std() > 0.15  # a picture, not a flat field
    np.testing.assert_array_equal(image, diffusion.test_image(64))
    assert image.max() == 1.0 and image.min() == 0.0  # the sun and the door
    assert diffusion.test_image(128).shape == (128, 128)


def test_pixels_round_trip_through_the_signed_range() -> None:
    image = diffusion.test_image(32)
    x0 = diffusion.to_signed(image)
    assert x0.min() == -1.0 and x0.max() == 1.0
    np.testing.assert_allclose(diffusion.to_pixels(x0), image, atol=1e-15)
    np.testing.assert_array_equal(diffusion.to_pixels(np.array([-3.0, 3.0])), [0.0, 1.0])


# --- bad input ------------------------------------------------------------------------------------


def test_bad_input(linear_alpha_bars: np.ndarray) -> None:
    x0 = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"t must be a whole number in \[0, 999\], got 1000"):
        diffusion.add_noise(x0, 1000, linear_alpha_bars, x0)
    for t in (-1, 2.5, True):
        with pytest.raises(ValueError, match="t must be"):
            diffusion.add_noise(x0, t, linear_alpha_bars, x0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same shape"):
        diffusion.add_noise(x0, 0, linear_alpha_bars, np.zeros(4))
    for steps in (0, -5, 2.5):
        with pytest.raises(ValueError, match="num_steps must be a whole number >= 1"):
            diffusion.linear_beta_schedule(steps)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="num_steps"):
            diffusion.cosine_alpha_bar(steps)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="beta_start <= beta_end"):
        diffusion.linear_beta_schedule(10, 0.02, 1e-4)
    with pytest.raises(ValueError, match="beta_start"):
        diffusion.linear_beta_schedule(10, 0.0, 0.02)
    with pytest.raises(ValueError, match=r"every beta must be in \(0, 1\)"):
        diffusion.alpha_bar(np.array([0.1, 1.0]))
    with pytest.raises(ValueError, match="non-empty 1-D"):
        diffusion.alpha_bar(np.array([]))
    with pytest.raises(ValueError, match="s must be >= 0"):
        diffusion.cosine_alpha_bar(10, -0.1)
    with pytest.raises(ValueError, match="size must be"):
        diffusion.test_image(4)
