"""Tests for genai_course.vae: the seed's numbers, sampling, KL, contours, the decoder."""

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from genai_course import vae

MU = np.array(vae.SEED_MU)
LOG_VAR = np.array(vae.SEED_LOG_VAR)

finite = st.floats(-3.0, 3.0, allow_nan=False)


# --- the seed's worked example --------------------------------------------------------------------


def test_seed_sigma() -> None:
    np.testing.assert_allclose(vae.sigma(LOG_VAR), [math.exp(0.05), math.exp(0.1)], rtol=1e-15)
    np.testing.assert_allclose(vae.sigma(LOG_VAR), [1.05127, 1.10517], atol=1e-5)


def test_seed_z_comes_from_the_eps_that_reparameterize_inverts() -> None:
    s1, s2 = math.exp(0.05), math.exp(0.1)
    eps = np.array([(1.2 - 1.0) / s1, (-0.6 + 0.5) / s2])
    np.testing.assert_allclose(eps, [0.19025, -0.09048], atol=1e-5)
    np.testing.assert_allclose(vae.reparameterize(MU, LOG_VAR, eps), vae.SEED_Z, atol=1e-14)


def test_reparameterize_with_zero_noise_is_the_mean() -> None:
    np.testing.assert_array_equal(vae.reparameterize(MU, LOG_VAR, np.zeros(2)), MU)


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(finite, finite, finite), min_size=1, max_size=6))
def test_reparameterize_matches_a_loop(rows: list[tuple[float, float, float]]) -> None:
    mu = np.array([r[0] for r in rows])
    log_var = np.array([r[1] for r in rows])
    eps = np.array([r[2] for r in rows])
    z = vae.reparameterize(mu, log_var, eps)
    for i, (m, lv, e) in enumerate(rows):
        assert z[i] == pytest.approx(m + math.sqrt(math.exp(lv)) * e, rel=1e-12, abs=1e-12)


# --- sampling -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def samples() -> np.ndarray:
    return vae.sample_latents(MU, LOG_VAR, 100_000, np.random.default_rng(2024))


def test_samples_have_the_right_mean_and_spread(samples: np.ndarray) -> None:
    n = len(samples)
    sd = vae.sigma(LOG_VAR)
    assert samples.shape == (n, 2)
    # five standard errors: σ/√n for the mean, about σ/√(2n) for the standard deviation
    assert np.all(np.abs(samples.mean(axis=0) - MU) < 5 * sd / math.sqrt(n))
    assert np.all(np.abs(samples.std(axis=0) - sd) < 5 * sd / math.sqrt(2 * n))
    # the two dimensions are drawn independently
    assert abs(np.corrcoef(samples.T)[0, 1]) < 5 / math.sqrt(n)


def test_samples_follow_the_normal_law(samples: np.ndarray) -> None:
    sd = vae.sigma(LOG_VAR)
    for i in range(2):
        result = stats.kstest(samples[:, i], stats.norm(loc=MU[i], scale=sd[i]).cdf)
        assert result.pvalue > 1e-3


def test_share_inside_the_sigma_ellipses(samples: np.ndarray) -> None:
    r = vae.mahalanobis(samples, MU, LOG_VAR)
    n = len(samples)
    for k in (1.0, 2.0, 3.0):
        p = vae.ellipse_mass(k)
        assert abs(np.mean(r <= k) - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_sampling_is_reproducible() -> None:
    a = vae.sample_latents(MU, LOG_VAR, 5, np.random.default_rng(1))
    b = vae.sample_latents(MU, LOG_VAR, 5, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)


# --- KL divergence --------------------------------------------------------------------------------


def reference_kl(mu: np.ndarray, log_var: np.ndarray) -> float:
    # ∫ p log(p / q) dx by quadrature, one dimension at a time (the dimensions are independent)
    total = 0.0
    for m, lv in zip(mu, log_var, strict=True):
        s = math.exp(0.5 * lv)

        def log_p(x: float, m: float = m, s: float = s) -> float:
            return -0.5 * ((x - m) / s) ** 2 - math.log(s * math.sqrt(2 * math.pi))

        def integrand(x: float, log_p: Callable[[float], float] = log_p) -> float:
            log_q = -0.5 * x**2 - math.log(math.sqrt(2 * math.pi))
            return math.exp(log_p(x)) * (log_p(x) - log_q)

        value, _ = integrate.quad(integrand, m - 40 * s, m + 40 * s, epsabs=1e-13, epsrel=1e-12)
        total += value
    return total


def test_seed_kl() -> None:
    # ½ [(e^0.1 + 1 − 1 − 0.1) + (e^0.2 + 0.25 − 1 − 0.2)]
    expected = 0.5 * ((math.exp(0.1) - 0.1) + (math.exp(0.2) + 0.25 - 1.2))
    assert vae.kl_divergence(MU, LOG_VAR) == pytest.approx(expected, rel=1e-14)
    assert vae.kl_divergence(MU, LOG_VAR) == pytest.approx(0.638287, abs=1e-6)
    assert vae.kl_divergence(MU, LOG_VAR) == pytest.approx(reference_kl(MU, LOG_VAR), abs=1e-9)


@settings(deadline=None, max_examples=25)
@given(st.lists(st.tuples(finite, st.floats(-2.0, 2.0)), min_size=1, max_size=3))
def test_kl_matches_numerical_integration(pairs: list[tuple[float, float]]) -> None:
    mu, log_var = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    assert vae.kl_divergence(mu, log_var) == pytest.approx(reference_kl(mu, log_var), abs=1e-9)


@settings(deadline=None, max_examples=100)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=8))
def test_kl_is_zero_only_at_the_prior(pairs: list[tuple[float, float]]) -> None:
    mu, log_var = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    kl = vae.kl_divergence(mu, log_var)
    assert kl >= 0
    assert vae.kl_divergence(np.zeros_like(mu), np.zeros_like(mu)) == 0.0
    if np.max(np.abs(mu)) > 0.1 or np.max(np.abs(log_var)) > 0.1:
        assert kl > 0


# --- density and contours -------------------------------------------------------------------------


def test_pdf_matches_scipy() -> None:
    rng = np.random.default_rng(5)
    points = rng.normal(size=(50, 2)) * 2
    expected = stats.multivariate_normal(mean=MU, cov=np.diag(np.exp(LOG_VAR))).pdf(points)
    np.testing.assert_allclose(vae.gaussian_pdf(points, MU, LOG_VAR), expected, rtol=1e-12)


def test_pdf_integrates_to_one_on_a_grid() -> None:
    xs = np.linspace(-8, 10, 721)
    grid = np.stack(np.meshgrid(xs, xs, indexing="ij"), axis=-1)  # [721, 721, 2]
    density = vae.gaussian_pdf(grid, MU, LOG_VAR)
    assert density.shape == (721, 721)
    assert np.sum(density) * (xs[1] - xs[0]) ** 2 == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("k", [1.0, 2.0, 0.5])
def test_sigma_ellipse_lies_k_sigma_from_the_mean(k: float) -> None:
    outline = vae.sigma_ellipse(MU, LOG_VAR, k, num_points=50)
    assert outline.shape == (50, 2)
    np.testing.assert_allclose(vae.mahalanobis(outline, MU, LOG_VAR), k, rtol=1e-12)
    np.testing.assert_allclose(outline[0], outline[-1], atol=1e-12)  # closed
    # the widest points are k·σ away along each axis
    np.testing.assert_allclose(outline.max(axis=0) - MU, k * vae.sigma(LOG_VAR), rtol=1e-2)


def test_ellipse_mass_matches_chi_squared() -> None:
    for k in (0.0, 0.5, 1.0, 2.0, 3.0):
        assert vae.ellipse_mass(k) == pytest.approx(stats.chi2(df=2).cdf(k**2), abs=1e-14)
    assert vae.ellipse_mass(1.0) == pytest.approx(0.3935, abs=1e-4)
    assert vae.ellipse_mass(2.0) == pytest.approx(0.8647, abs=1e-4)


# --- the hand-built decoder -----------------------------------------------------------------------


def test_decoder_draws_a_glyph_in_range() -> None:
    glyph = vae.decoder(np.array(vae.SEED_Z))
    assert glyph.shape == (28, 28)
    assert glyph.min() >= 0.0 and glyph.max() <= 1.0
    assert glyph.max() > 0.9 and glyph.min() < 0.01  # ink and background
    np.testing.assert_array_equal(glyph, vae.decoder(np.array(vae.SEED_Z)))
    assert vae.decoder(np.zeros(2), size=16).shape == (16, 16)


def test_decoder_batches_like_single_calls() -> None:
    zs = np.array([[[-2.0, 1.0], [0.0, 0.0], [2.5, -1.5]]])  # [1, 3, 2]
    glyphs = vae.decoder(zs)
    assert glyphs.shape == (1, 3, 28, 28)
    assert vae.decoder(np.zeros((0, 2))).shape == (0, 28, 28)
    for j in range(3):
        np.testing.assert_array_equal(glyphs[0, j], vae.decoder(zs[0, j]))


def test_decoder_walks_from_a_bar_to_a_ring() -> None:
    bar, ring = vae.decoder(np.array([-3.0, 0.0])), vae.decoder(np.array([3.0, 0.0]))
    # a ring has a hole in the middle; a bar is inked there
    assert bar[14, 14] > 0.9 and ring[14, 14] < 0.01
    ink = [vae.decoder(np.array([a, 0.0])).sum() for a in np.linspace(-3, 3, 7)]
    assert ink == sorted(ink)


@settings(deadline=None, max_examples=40)
@given(finite, finite)
def test_second_coordinate_mirrors_the_slant(a: float, b: float) -> None:
    np.testing.assert_allclose(
        vae.decoder(np.array([a, -b])), vae.decoder(np.array([a, b]))[:, ::-1], atol=1e-12
    )


@settings(deadline=None, max_examples=40)
@given(finite, finite, st.floats(-1.0, 1.0), st.floats(-1.0, 1.0))
def test_nearby_latents_draw_similar_glyphs(a: float, b: float, da: float, db: float) -> None:
    z = np.array([a, b])
    step = 1e-3 * np.array([da, db])
    change = np.max(np.abs(vae.decoder(z + step) - vae.decoder(z)))
    # smooth: a step in z moves no pixel by more than ~1.4× the step (measured on [−3, 3]²)
    assert change <= 3 * np.max(np.abs(step)) + 1e-12


# --- bad input ------------------------------------------------------------------------------------


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="mu and log_var must have the same shape"):
        vae.reparameterize(MU, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="eps must have 2 numbers in its last axis"):
        vae.reparameterize(MU, LOG_VAR, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="finite"):
        vae.reparameterize(np.array([1.0, np.nan]), LOG_VAR, np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        vae.kl_divergence(MU, np.array([np.inf, 0.0]))
    with pytest.raises(ValueError, match="eps must be finite"):
        vae.reparameterize(MU, LOG_VAR, np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="mu must be a 1-D vector"):
        vae.kl_divergence(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="n must be a whole number >= 1, got 0"):
        vae.sample_latents(MU, LOG_VAR, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="2-D latent space"):
        vae.sigma_ellipse(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="k must be > 0"):
        vae.sigma_ellipse(MU, LOG_VAR, k=0.0)
    with pytest.raises(ValueError, match="k must be >= 0"):
        vae.ellipse_mass(-1.0)
    with pytest.raises(ValueError, match="z must have 2 numbers"):
        vae.decoder(np.zeros(3))
    with pytest.raises(ValueError, match="size must be"):
        vae.decoder(np.zeros(2), size=4)
