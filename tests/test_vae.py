"""Tests for genai_course.vae: the seed's numbers, sampling, KL, contours, and the trained VAE
(NumPy against the training script's PyTorch outputs, the report's held-out figures, sampling)."""

import base64
import hashlib
import json
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from genai_course import digits, svg, vae
from tests.conftest import ROOT

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


# --- the trained VAE ------------------------------------------------------------------------------

NPZ = ROOT / "src" / "genai_course" / "data" / "digit_vae.npz"
REPORT = json.loads((ROOT / "training" / "digit_vae_report.json").read_text(encoding="utf-8"))
# inputs and the training script's PyTorch outputs on the shipped weights (float64 both sides)
REFERENCE = dict(np.load(ROOT / "tests" / "data" / "digit_vae_reference.npz"))
MODEL = vae.load_model()
# NumPy and PyTorch compute in float64 from the same float16 weights: they agree to rounding
TOLERANCE = 1e-9


def test_npz_is_the_one_the_report_describes() -> None:
    data = NPZ.read_bytes()
    assert hashlib.sha256(data).hexdigest() == REPORT["weights_sha256"]
    assert len(data) == REPORT["weights_bytes"] < 100_000
    with np.load(NPZ) as npz:
        assert {npz[k].dtype for k in npz.files} == {np.dtype(np.float16)}
    assert vae.count_parameters(MODEL) == REPORT["parameters"] == 34_884
    assert MODEL.latent == 2 and vae.EVALUATIONS_PER_IMAGE == 1


def test_weights_are_read_only_and_loaded_once() -> None:
    assert vae.load_model() is MODEL
    with pytest.raises(ValueError, match="read-only"):
        MODEL.W_h[0, 0] = 1.0


def test_numpy_matches_the_pytorch_model_on_the_shipped_weights() -> None:
    x = REFERENCE["x"].reshape(-1, 8, 8)
    mu, log_var = vae.encode(MODEL, x)
    np.testing.assert_allclose(mu, REFERENCE["mu"], rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(log_var, REFERENCE["log_var"], rtol=0, atol=TOLERANCE)
    z = vae.reparameterize(mu[0], log_var[0], REFERENCE["eps"][0])
    np.testing.assert_allclose(z, REFERENCE["z"][0], rtol=0, atol=TOLERANCE)
    y = vae.decode(MODEL, REFERENCE["z"])
    assert y.shape == (len(x), 8, 8)
    np.testing.assert_allclose(y.reshape(len(x), 64), REFERENCE["y"], rtol=0, atol=TOLERANCE)
    recon = vae.reconstruction_term(MODEL, x, REFERENCE["z"])
    np.testing.assert_allclose(recon, REFERENCE["reconstruction_term"], rtol=0, atol=TOLERANCE)
    kl = [vae.kl_divergence(m, lv) for m, lv in zip(mu, log_var, strict=True)]
    np.testing.assert_allclose(kl, REFERENCE["kl_term"], rtol=0, atol=TOLERANCE)
    grid = vae.decode(MODEL, REFERENCE["grid_z"]).reshape(-1, 64)
    np.testing.assert_allclose(grid, REFERENCE["grid_y"], rtol=0, atol=TOLERANCE)
    # the reference images are the shipped held-out ones
    shipped = digits.heldout().images[REFERENCE["indices"]]
    np.testing.assert_array_equal(shipped, x)


def test_reconstruction_term_is_the_bernoulli_log_likelihood_written_out() -> None:
    x = digits.heldout().images[:3]
    z = np.array([[0.3, -1.0], [1.2, -0.6], [-2.0, 2.0]])
    y = vae.decode(MODEL, z)
    by_hand = [
        sum(
            xi * math.log(yi) + (1 - xi) * math.log(1 - yi)
            for xi, yi in zip(x[n].ravel(), y[n].ravel(), strict=True)
        )
        for n in range(3)
    ]
    np.testing.assert_allclose(vae.reconstruction_term(MODEL, x, z), by_hand, rtol=1e-12)
    assert np.all(vae.reconstruction_term(MODEL, x, z) < 0)


def test_the_reports_heldout_figures_are_reproduced() -> None:
    config = REPORT["config"]
    figures = vae.heldout_figures(
        MODEL, digits.heldout().images, samples=config["eval_samples"], seed=config["eval_seed"]
    )
    for name, value in figures.items():
        assert value == pytest.approx(REPORT["heldout"][name], abs=1e-9), name
    held = REPORT["heldout"]
    assert held["elbo"] == pytest.approx(held["reconstruction_term"] - held["kl_term"], abs=1e-9)
    # float16 storage changed the held-out ELBO by less than 0.01 nats
    assert abs(held["elbo"] - REPORT["heldout_float32_weights"]["elbo"]) < 0.01
    # the figures the page text quotes
    assert round(held["elbo"], 2) == -24.10
    assert round(held["reconstruction_term"], 2) == -21.16
    assert round(held["kl_term"], 2) == 2.93


def test_elbo_terms_and_monte_carlo_kl() -> None:
    x = digits.heldout().images[:5]
    eps = np.random.default_rng(3).standard_normal((5, 7, 2))
    total, recon, kl = vae.elbo(MODEL, x, eps)
    np.testing.assert_allclose(total, recon - kl, rtol=0, atol=1e-12)
    mu, log_var = vae.encode(MODEL, x)
    # KL as E_q[log q(z) − log p(z)], estimated from 200 000 draws, within five standard errors
    rng = np.random.default_rng(11)
    for n in range(5):
        q = stats.multivariate_normal(mu[n], np.diag(np.exp(log_var[n])))
        z = q.rvs(200_000, random_state=rng)
        ratio = q.logpdf(z) - stats.multivariate_normal(np.zeros(2)).logpdf(z)
        assert abs(ratio.mean() - kl[n]) < 5 * ratio.std() / math.sqrt(len(z))
    # one draw: the reconstruction term is log p(x | z) at z = μ + σ·ε
    one = vae.elbo(MODEL, x[:1], eps[:1, :1])[1]
    z0 = vae.reparameterize(mu[0], log_var[0], eps[0, 0])
    assert one[0] == pytest.approx(vae.reconstruction_term(MODEL, x[0], z0), abs=1e-12)


def test_heldout_codes_fill_the_region_the_prior_draws_from() -> None:
    held = digits.heldout()
    mu, log_var = vae.encode(MODEL, held.images)
    # the KL term pulls the codes towards N(0, I): centred, and nearly all inside the map's ±3
    assert np.all(np.abs(mu.mean(axis=0)) < 0.5)
    assert np.mean(np.all(np.abs(mu) < 3.0, axis=1)) > 0.99
    assert np.all(vae.sigma(log_var) < 1.0)
    # the digits sit in different places: a digit's codes lie nearer their own centre
    centres = np.array([mu[held.labels == d].mean(axis=0) for d in range(10)])
    nearest = np.argmin(((mu[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    assert np.mean(nearest == held.labels) > 0.6


def test_sample_images_is_seeded_and_in_range() -> None:
    a = vae.sample_images(MODEL, 16, np.random.default_rng(5))
    b = vae.sample_images(MODEL, 16, np.random.default_rng(5))
    assert a.shape == (16, 8, 8)
    np.testing.assert_array_equal(a, b)
    assert np.all((a >= 0) & (a <= 1))
    assert not np.array_equal(a, vae.sample_images(MODEL, 16, np.random.default_rng(6)))
    # z from N(0, I), decoded: the same as decoding the draws by hand
    z = np.random.default_rng(5).standard_normal((16, 2))
    np.testing.assert_array_equal(a, vae.decode(MODEL, z))
    assert vae.sample_images(MODEL, 0, np.random.default_rng(0)).shape == (0, 8, 8)


def test_latent_grid_rows_run_from_the_top() -> None:
    images, centres = vae.latent_grid(MODEL, 3.0, 6)
    assert images.shape == (6, 6, 8, 8)
    np.testing.assert_allclose(centres, [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    np.testing.assert_allclose(images[0, 1], vae.decode(MODEL, np.array([-1.5, 2.5])), atol=1e-15)
    np.testing.assert_allclose(images[5, 0], vae.decode(MODEL, np.array([-2.5, -2.5])), atol=1e-15)


def test_trained_model_bad_input() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="not conditional"):
        vae.sample_images(MODEL, 4, rng, digit=3)
    for n in (-1, 2.5, True):
        with pytest.raises(ValueError, match="n must be a whole number"):
            vae.sample_images(MODEL, n, rng)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"shape \[\.\.\., 8, 8\]"):
        vae.encode(MODEL, np.zeros(64))
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        vae.encode(MODEL, np.full((8, 8), 2.0))
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        vae.encode(MODEL, np.full((8, 8), np.nan))
    with pytest.raises(ValueError, match="z must have 2 numbers"):
        vae.decode(MODEL, np.zeros(3))
    with pytest.raises(ValueError, match="z must be finite"):
        vae.decode(MODEL, np.array([np.inf, 0.0]))
    with pytest.raises(ValueError, match=r"eps must have shape \[n, S, 2\]"):
        vae.elbo(MODEL, np.zeros((2, 8, 8)), np.zeros((3, 1, 2)))
    with pytest.raises(ValueError, match="extent must be"):
        vae.latent_grid(MODEL, 0.0, 4)


# --- the demo -------------------------------------------------------------------------------------


def _run_demo(raw: dict[str, str]) -> dict[str, object]:
    from genai_course.demo import run_demo

    source = (ROOT / "demos" / "vae.py").read_text(encoding="utf-8")
    result: dict[str, object] = json.loads(run_demo(source, "vae", raw))
    return result


def test_demo_shows_the_chosen_digit_on_the_map_with_its_elbo() -> None:
    result = _run_demo({"example": "12", "seed": "3"})
    assert result["ok"], result
    panels = result["panels"]
    assert isinstance(panels, list) and len(panels) == 4
    the_map = panels[0]["svg"]
    # every held-out digit is a dot, plus the legend's ten
    assert the_map.count('r="1.9"') == len(digits.heldout().images)
    assert the_map.count("σ ellipse of q(z | x)") == 2
    x = digits.heldout().images[11]
    label = int(digits.heldout().labels[11])
    eps = np.random.default_rng(3).standard_normal((64, 2))
    total, recon, kl = (float(t[0]) for t in vae.elbo(MODEL, x[None], eps[None]))
    assert result["summary"].startswith(f"Held-out image 12, a {label}:")  # type: ignore[union-attr]
    assert f"ELBO ≈ {total:.2f} nats = reconstruction {recon:.2f} − KL {kl:.2f}." in str(
        result["summary"]
    )
    assert result["controls"]["example"]["note"] == f"Held-out image 12 is a {label}."  # type: ignore[index]
    # the new digits are the prior's samples, drawn after the 64 ε from the same seed
    rng = np.random.default_rng(3)
    rng.standard_normal((64, 2))
    new = vae.sample_images(MODEL, 8, rng)
    tiles = np.full((17, 35), 0.25)
    for n in range(8):
        tiles[(n // 4) * 9 : (n // 4) * 9 + 8, (n % 4) * 9 : (n % 4) * 9 + 8] = new[n]
    png = base64.b64encode(svg.png_bytes(tiles)).decode()
    assert png in panels[3]["svg"]
    hidden = _run_demo({"example": "12", "seed": "3", "dots": "false"})
    assert hidden["panels"][0]["svg"].count('r="1.9"') == 0  # type: ignore[index]


def test_demo_quotes_the_reports_heldout_means() -> None:
    from genai_course.demo import load_program

    source = (ROOT / "demos" / "vae.py").read_text(encoding="utf-8")
    means = load_program(source, "vae").HELD_OUT_MEAN
    assert means["reconstruction"] == round(REPORT["heldout"]["reconstruction_term"], 2)
    assert means["kl"] == round(REPORT["heldout"]["kl_term"], 2)


def test_demo_rejects_out_of_range_values_with_a_message() -> None:
    for control, value, message in [
        ("example", "0", "between 1 and 359"),
        ("example", "360", "between 1 and 359"),
        ("seed", "-1", "between 0 and 4294967295"),
        ("z1", "3.5", "between -3 and 3"),
        ("example", "2.5", "whole number"),
    ]:
        result = _run_demo({control: value})
        assert not result["ok"]
        assert message in result["errors"][control], result  # type: ignore[index]


# --- the KL exercise ------------------------------------------------------------------------------


def _kl_exercise() -> object:
    from genai_course.plugin.data import load_topics
    from genai_course.plugin.exercises import load_exercise

    topics = list(load_topics(ROOT / "data" / "topics.yml"))
    return load_exercise(ROOT / "exercises" / "vae-kl.md", topics)


def _check_kl(source: str) -> dict[str, object]:
    from genai_course.exercise import check_exercise

    result: dict[str, object] = json.loads(check_exercise(_kl_exercise().spec, source))  # type: ignore[attr-defined]
    return result


def test_kl_exercise_verifies_and_uses_the_course_numbers() -> None:
    from genai_course.plugin.exercises import verify_exercise

    exercise = _kl_exercise()
    verify_exercise(exercise)  # type: ignore[arg-type]
    first = exercise.public_checks[0]  # type: ignore[attr-defined]
    assert first["call"] == "kl_divergence(np.array([1.0, -0.5]), np.array([0.1, 0.2]))"
    assert "μ = [1.0, −0.5], log σ² = [0.1, 0.2]" in first["label"]
    hidden = [c for c in exercise.spec["checks"] if not c.get("public")]  # type: ignore[attr-defined]
    assert len(hidden) >= 3 and any("rng" in c["call"] for c in hidden)


@pytest.mark.parametrize(
    ("body", "mistake"),
    [
        ("np.sum(mu**2 + np.exp(log_var) - 1 - log_var)", "forgot-the-half"),
        ("0.5 * np.sum(mu**2 + np.exp(0.5 * log_var) - 1 - log_var)", "sigma-instead-of-variance"),
        ("0.5 * np.sum(mu**2 + np.exp(log_var) - 1 + log_var)", "plus-log-variance"),
        ("0.5 * np.sum(mu**2 + np.exp(log_var) - log_var)", "forgot-the-minus-one"),
        # written another way: σ² from σ, the sum as a loop
        (
            "0.5 * sum(m * m + np.exp(lv / 2) - 1 - lv for m, lv in zip(mu, log_var))",
            "sigma-instead-of-variance",
        ),
    ],
)
def test_kl_exercise_names_the_mistake(body: str, mistake: str) -> None:
    source = f"import numpy as np\n\ndef kl_divergence(mu, log_var):\n    return {body}\n"
    result = _check_kl(source)
    assert not result["ok"]
    failure = result["failure"]
    assert isinstance(failure, dict)
    assert failure["check"] == 1 and failure["mistake"]["name"] == mistake


def test_kl_exercise_catches_answers_hard_coded_from_the_visible_checks() -> None:
    # right on both public checks (0.638… for the course numbers, 0 for the prior), wrong elsewhere
    source = (
        "import numpy as np\n\ndef kl_divergence(mu, log_var):\n"
        "    if np.all(mu == 0) and np.all(log_var == 0):\n        return 0.0\n"
        f"    return {vae.kl_divergence(MU, LOG_VAR)!r}\n"
    )
    result = _check_kl(source)
    assert not result["ok"]
    failure = result["failure"]
    assert isinstance(failure, dict)
    assert failure["check"] == 3 and not failure["public"]
    # the solution written with math, one dimension at a time, passes
    loop = (
        "import math\n\ndef kl_divergence(mu, log_var):\n    total = 0.0\n"
        "    for m, lv in zip(mu, log_var):\n"
        "        total += 0.5 * (m * m + math.exp(lv) - 1 - lv)\n    return total\n"
    )
    assert _check_kl(loop)["ok"]
