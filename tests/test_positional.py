"""positional.py: the course's "I am a robot" table, the formula, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_course.positional import position_similarity, sinusoidal_encoding

# The table of the course notes (seed 004), d = 4 and n = 100, printed to two decimals.
ROBOT = [
    [0.00, 1.00, 0.00, 1.00],
    [0.84, 0.54, 0.10, 1.00],
    [0.91, -0.42, 0.20, 0.98],
    [0.14, -0.99, 0.30, 0.96],
]


def test_i_am_a_robot_table() -> None:
    pe = sinusoidal_encoding(4, 4, base=100)
    np.testing.assert_array_equal(np.round(pe, 2) + 0.0, ROBOT)
    for k in range(4):
        # columns 0, 1 use i = 0 (k / 1) and columns 2, 3 use i = 1 (k / 10)
        assert pe[k, 0] == pytest.approx(math.sin(k), abs=1e-12)
        assert pe[k, 1] == pytest.approx(math.cos(k), abs=1e-12)
        assert pe[k, 2] == pytest.approx(math.sin(k / 10), abs=1e-12)
        assert pe[k, 3] == pytest.approx(math.cos(k / 10), abs=1e-12)


@settings(deadline=None, max_examples=50)
@given(st.integers(1, 40), st.integers(1, 33), st.floats(2, 1e5))
def test_matches_the_formula_elementwise(n: int, d: int, base: float) -> None:
    pe = sinusoidal_encoding(n, d, base)
    assert pe.shape == (n, d)
    for k in range(0, n, 7):
        for j in range(d):
            angle = k / base ** (2 * (j // 2) / d)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert pe[k, j] == pytest.approx(expected, abs=1e-9)
    assert np.all(np.abs(pe) <= 1.0)


def test_odd_width_ends_on_a_sine_column() -> None:
    pe = sinusoidal_encoding(5, 5)
    assert pe[3, 4] == pytest.approx(math.sin(3 / 10000 ** (4 / 5)))


def test_nearby_positions_are_more_alike() -> None:
    sim = position_similarity(sinusoidal_encoding(50, 64), normalise=True)
    np.testing.assert_allclose(np.diag(sim), 1.0)
    row = sim[25]
    assert row[24] > row[20] > row[10]  # similarity falls off with distance
    np.testing.assert_allclose(sim, sim.T)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 4), "num_positions must be a whole number >= 1"),
        ((3, 0), "d_model must be a whole number >= 1"),
        ((3, 4, -1.0), "base must be a positive number"),
        ((3, 4, float("nan")), "base must be a positive number"),
    ],
)
def test_bad_input(args: tuple, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        sinusoidal_encoding(*args)
