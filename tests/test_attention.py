"""attention.py against an independent loop reference, the paper's invariants and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genai_course import attention


def reference_attention(q, k, v, allowed):  # type: ignore[no-untyped-def]
    """Scaled dot-product attention written with plain loops and the math module."""
    n_q, d_k = q.shape
    out = np.zeros((n_q, v.shape[1]))
    weights = np.zeros((n_q, k.shape[0]))
    for i in range(n_q):
        scores = [
            sum(q[i, c] * k[j, c] for c in range(d_k)) / math.sqrt(d_k) if allowed[i, j] else None
            for j in range(k.shape[0])
        ]
        top = max(s for s in scores if s is not None)
        exps = [math.exp(s - top) if s is not None else 0.0 for s in scores]
        total = sum(exps)
        for j, e in enumerate(exps):
            weights[i, j] = e / total
            out[i] += weights[i, j] * v[j]
    return out, weights


def test_softmax_is_stable_for_large_inputs() -> None:
    p = attention.softmax([1000.0, 1001.0, 1002.0])
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, scipy.special.softmax([0.0, 1.0, 2.0]), atol=1e-15)
    np.testing.assert_allclose(p, [0.09003057317038046, 0.24472847105479767, 0.6652409557748219])


@settings(deadline=None, max_examples=60)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=st.floats(-50, 50))
)
def test_softmax_matches_scipy_and_sums_to_one(x: np.ndarray) -> None:
    p = attention.softmax(x, axis=-1)
    np.testing.assert_allclose(p, scipy.special.softmax(x, axis=-1), atol=1e-12)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-12)


@settings(deadline=None, max_examples=40)
@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(1, 5),
    st.integers(1, 5),
    st.booleans(),
    st.integers(0, 2**31),
)
def test_sdpa_matches_the_loop_reference(n_q, n_k, d_k, d_v, causal, seed) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    q, k = rng.normal(size=(n_q, d_k)), rng.normal(size=(n_k, d_k))
    v = rng.normal(size=(n_k, d_v))
    mask = rng.random((n_q, n_k)) < 0.7
    mask[:, 0] = True  # every query may attend at least to key 0
    allowed = mask & (np.tril(np.ones((n_q, n_k), bool)) if causal else True)
    out, weights = attention.scaled_dot_product_attention(q, k, v, mask=mask, causal=causal)
    ref_out, ref_w = reference_attention(q, k, v, allowed)
    np.testing.assert_allclose(weights, ref_w, atol=1e-9)
    np.testing.assert_allclose(out, ref_out, atol=1e-9)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-12)
    assert np.all(weights[~allowed] == 0.0)


def test_causal_upper_triangle_is_exactly_zero_and_batches_broadcast() -> None:
    rng = np.random.default_rng(0)
    q = k = v = rng.normal(size=(2, 3, 5, 4))  # [batch, heads, n, d]
    out, weights = attention.scaled_dot_product_attention(q, k, v, causal=True)
    assert out.shape == (2, 3, 5, 4) and weights.shape == (2, 3, 5, 5)
    assert np.all(weights[..., np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] == 0.0)
    assert np.all(weights[..., 0, 0] == 1.0)  # the first token can only see itself


def test_steps_are_consistent() -> None:
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(4, 8)), rng.normal(size=(4, 8)), rng.normal(size=(4, 3))
    s = attention.attention_steps(q, k, v, causal=True)
    np.testing.assert_allclose(s["scores"], q @ k.T)
    np.testing.assert_allclose(s["scaled"], q @ k.T / math.sqrt(8))
    assert np.isneginf(s["masked"][0, 1]) and s["masked"][1, 0] == s["scaled"][1, 0]
    np.testing.assert_allclose(s["output"], s["weights"] @ v)


def test_multi_head_matches_per_head_loop() -> None:
    rng = np.random.default_rng(2)
    n, d_model, h = 5, 8, 2
    x = rng.normal(size=(n, d_model))
    w_q, w_k, w_v, w_o = rng.normal(size=(4, d_model, d_model))
    out, weights = attention.multi_head_attention(x, w_q, w_k, w_v, w_o, h, causal=True)
    d_k = d_model // h
    heads = []
    for head in range(h):
        cols = slice(head * d_k, (head + 1) * d_k)
        allowed = np.tril(np.ones((n, n), bool))
        o, w = reference_attention(x @ w_q[:, cols], x @ w_k[:, cols], x @ w_v[:, cols], allowed)
        np.testing.assert_allclose(weights[head], w, atol=1e-9)
        heads.append(o)
    np.testing.assert_allclose(out, np.concatenate(heads, axis=1) @ w_o, atol=1e-9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: attention.scaled_dot_product_attention(
                np.ones((2, 4)), np.ones((3, 3)), np.ones((3, 2))
            ),
            "q has d_k=4 but k has d_k=3",
        ),
        (
            lambda: attention.scaled_dot_product_attention(
                np.ones((2, 4)), np.ones((3, 4)), np.ones((2, 2))
            ),
            "k has 3 keys but v has 2 values",
        ),
        (
            lambda: attention.scaled_dot_product_attention(
                np.ones((2, 4)),
                np.ones((2, 4)),
                np.ones((2, 2)),
                mask=np.array([[True, True], [False, False]]),
            ),
            "query row 1 may attend to nothing",
        ),
        (
            lambda: attention.scaled_dot_product_attention(
                np.ones((2, 4)), np.ones((2, 4)), np.ones((2, 2)), mask=np.ones((3, 3), bool)
            ),
            r"mask of shape \(3, 3\) does not broadcast",
        ),
        (
            lambda: attention.multi_head_attention(np.ones((3, 6)), *np.ones((4, 6, 6)), 4),
            "num_heads=4 must divide d_model=6",
        ),
        (
            lambda: attention.multi_head_attention(np.ones((3, 6)), *np.ones((4, 5, 5)), 2),
            r"w_q must be \[d_model, d_model\] = \[6, 6\]",
        ),
        (lambda: attention.softmax([np.nan, 1.0]), "softmax got NaN"),
    ],
)
def test_bad_input_is_explained(call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()


def reference_split_heads(x: np.ndarray, num_heads: int) -> np.ndarray:
    """Head h takes columns h·d_k … (h+1)·d_k − 1 of every row, copied one number at a time."""
    n, d_model = x.shape
    d_k = d_model // num_heads
    out = np.zeros((num_heads, n, d_k))
    for h in range(num_heads):
        for i in range(n):
            for c in range(d_k):
                out[h, i, c] = x[i, h * d_k + c]
    return out


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31))
def test_split_heads_matches_loop_reference(n: int, num_heads: int, d_k: int, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=(n, num_heads * d_k))
    heads = attention.split_heads(x, num_heads)
    assert heads.shape == (num_heads, n, d_k)
    np.testing.assert_array_equal(heads, reference_split_heads(x, num_heads))


def test_split_heads_worked_example() -> None:
    # 3 tokens, d_model = 4, 2 heads: head 0 gets columns 0–1, head 1 columns 2–3
    heads = attention.split_heads(np.arange(12.0).reshape(3, 4), 2)
    np.testing.assert_array_equal(heads[0], [[0, 1], [4, 5], [8, 9]])
    np.testing.assert_array_equal(heads[1], [[2, 3], [6, 7], [10, 11]])


@pytest.mark.parametrize(
    ("x", "num_heads", "message"),
    [
        (np.ones(6), 2, r"x must be \[n, d_model\], got shape \(6,\)"),
        (np.ones((3, 6)), 4, "num_heads=4 must divide d_model=6"),
        (np.ones((3, 6)), 0, "num_heads must be a positive whole number, got 0"),
        (np.ones((3, 6)), 2.0, "num_heads must be a positive whole number, got 2.0"),
        (np.ones((3, 6)), True, "num_heads must be a positive whole number, got True"),
    ],
)
def test_split_heads_bad_input(x: np.ndarray, num_heads: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        attention.split_heads(x, num_heads)
