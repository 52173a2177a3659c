"""sampling.py against a reference written like Hugging Face's logits warpers, the seed's regimes,
invariants, and sampling frequencies checked with a chi-square test at a fixed seed."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from genai_course import sampling

LOGITS = np.array([2.2, 1.9, 1.6, 1.0, 0.9, 0.6, 0.3, 0.1, -0.4, -2.0])


def hf_reference(logits, temperature, top_k, top_p):  # type: ignore[no-untyped-def]
    """Temperature, top-k and top-p as the Hugging Face warpers do it, on logits with -inf."""
    scores = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None:
        kth = np.sort(scores)[::-1][min(top_k, scores.size) - 1]
        scores = np.where(scores < kth, -np.inf, scores)
    if top_p is not None:
        order = np.argsort(scores)  # ascending, as HF sorts
        cumulative = np.cumsum(scipy.special.softmax(scores[order]))
        remove = cumulative <= 1 - top_p
        remove[-1] = False  # min_tokens_to_keep = 1
        scores[order[remove]] = -np.inf
    return scipy.special.softmax(scores)


@settings(deadline=None, max_examples=80)
@given(
    st.lists(st.floats(-8, 8), min_size=2, max_size=12, unique=True),
    st.floats(0.05, 3.0),
    st.one_of(st.none(), st.integers(1, 12)),
    st.one_of(st.none(), st.floats(0.05, 1.0)),
)
def test_pipeline_matches_the_hugging_face_reference(logits, temperature, top_k, top_p) -> None:  # type: ignore[no-untyped-def]
    # ties in probability are kept together by design; compare on distinct probabilities
    probs = np.sort(sampling.apply_temperature(logits, temperature))
    assume(np.all(np.diff(probs) > 1e-12))
    after_k = sampling.sampling_steps(logits, temperature, top_k, None)["final"]
    if top_p is not None:
        # a token whose preceding mass equals p to rounding can fall either way: not a case to
        # compare two float implementations on
        before = np.cumsum(np.sort(after_k)[::-1])
        assume(np.all(np.abs(before - top_p) > 1e-9))
    final = sampling.sampling_steps(logits, temperature, top_k, top_p)["final"]
    np.testing.assert_allclose(final, hf_reference(logits, temperature, top_k, top_p), atol=1e-9)
    np.testing.assert_allclose(final.sum(), 1.0, atol=1e-12)


def test_temperature_regimes_of_the_notes() -> None:
    entropy = {t: scipy.stats.entropy(sampling.apply_temperature(LOGITS, t)) for t in (0.7, 1, 2)}
    greedy = sampling.apply_temperature(LOGITS, 0)
    # 0: deterministic, always the highest-probability token
    np.testing.assert_array_equal(greedy, np.eye(10)[0])
    # 1.0: the model's own distribution, plain softmax
    np.testing.assert_allclose(
        sampling.apply_temperature(LOGITS, 1.0), scipy.special.softmax(LOGITS)
    )
    # 0.7 is sharper, 2.0 flatter ("very random")
    assert 0 < entropy[0.7] < entropy[1] < entropy[2] < np.log(10)
    # towards infinity: uniform
    np.testing.assert_allclose(sampling.apply_temperature(LOGITS, 1e9), 0.1, atol=1e-8)


def test_greedy_takes_the_first_maximum_on_ties() -> None:
    assert sampling.apply_temperature([1.0, 3.0, 3.0], 0).tolist() == [0, 1, 0]
    rng = np.random.default_rng(0)
    assert {sampling.sample_next_token([1.0, 3.0, 3.0], 0, rng=rng) for _ in range(20)} == {1}


def test_top_p_0_9_keeps_tokens_until_90_percent() -> None:
    probs = np.array([0.5, 0.3, 0.15, 0.04, 0.01])
    kept = sampling.top_p_filter(probs, 0.9)
    # 0.5 + 0.3 = 0.8 < 0.9, so the token that crosses 0.9 (0.15) is kept; the tail is cut
    np.testing.assert_allclose(kept, [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0, 0])
    np.testing.assert_array_equal(sampling.top_p_filter(probs, 1.0), probs)  # p = 1 keeps all
    assert sampling.top_p_filter(probs, 0.01).tolist() == [1, 0, 0, 0, 0]  # at least one


def test_top_k_keeps_ties_and_k_at_least_vocab_keeps_all() -> None:
    probs = np.array([0.4, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(sampling.top_k_filter(probs, 2), probs)  # ties at the 2nd kept
    np.testing.assert_allclose(sampling.top_k_filter(probs, 1), [1, 0, 0, 0])
    np.testing.assert_array_equal(sampling.top_k_filter(probs, 99), probs)


def test_sampling_frequencies_match_the_distribution() -> None:
    rng = np.random.default_rng(20260413)
    expected = sampling.sampling_steps(LOGITS, 0.7, 6, 0.9)["final"]
    draws = sampling.sample_many(LOGITS, 20_000, 0.7, 6, 0.9, rng=rng)
    counts = np.bincount(draws, minlength=10)
    kept = expected > 0
    assert counts[~kept].sum() == 0  # filtered tokens are never drawn
    chi = scipy.stats.chisquare(counts[kept], 20_000 * expected[kept])
    assert chi.pvalue > 0.001
    # and the test has teeth: the unfiltered distribution is clearly rejected
    wrong = scipy.special.softmax(LOGITS / 1.0)[kept]  # the right filter, the wrong temperature
    assert scipy.stats.chisquare(counts[kept], 20_000 * wrong / wrong.sum()).pvalue < 1e-6
    # one draw at a time follows the same distribution
    singles = [sampling.sample_next_token(LOGITS, 0.7, 6, 0.9, rng=rng) for _ in range(5_000)]
    single_counts = np.bincount(singles, minlength=10)[kept]
    assert scipy.stats.chisquare(single_counts, 5_000 * expected[kept]).pvalue > 0.001


def test_same_seed_same_draws() -> None:
    a = sampling.sample_many(LOGITS, 50, rng=np.random.default_rng(7))
    b = sampling.sample_many(LOGITS, 50, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sampling.apply_temperature(LOGITS, -0.5), "temperature must be 0 or more"),
        (lambda: sampling.apply_temperature(LOGITS, float("nan")), "temperature must be a number"),
        (lambda: sampling.top_p_filter([0.5, 0.5], 1.5), r"top_p must be in \(0, 1\], got 1.5"),
        (lambda: sampling.top_p_filter([0.5, 0.5], 0), r"top_p must be in \(0, 1\], got 0"),
        (lambda: sampling.top_k_filter([0.5, 0.5], 0), "top_k must be a whole number >= 1"),
        (lambda: sampling.top_k_filter([0.5, 0.5], 1.5), "top_k must be a whole number >= 1"),
        (lambda: sampling.apply_temperature([], 1), "non-empty"),
        (lambda: sampling.apply_temperature([1.0, np.inf], 1), "logits must be finite"),
        (lambda: sampling.top_k_filter([0.5, 0.6], 1), "probs must sum to 1"),
    ],
)
def test_bad_input_is_explained(call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()


def test_sample_many_gives_the_platforms_index_type() -> None:
    # Pyodide's intp is int32 and np.bincount will not cast int64 down to it ("Draw 1,000 words"
    # failed in the page): the draws come as intp on every platform
    draws = sampling.sample_many(LOGITS, 10, rng=np.random.default_rng(0))
    assert draws.dtype == np.intp
