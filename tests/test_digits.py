"""The one split of the handwritten digits that every image model is trained and judged on."""

import numpy as np

from genai_course import digits


def test_the_split_is_stratified_disjoint_and_covers_the_data_set() -> None:
    train, test = digits.load_split()
    assert train.images.shape[1:] == (8, 8) and test.images.shape[1:] == (8, 8)
    assert len(train.labels) + len(test.labels) == 1797
    train_counts = np.bincount(train.labels, minlength=10)
    test_counts = np.bincount(test.labels, minlength=10)
    # a fifth of each digit, rounded, is held out
    assert np.array_equal(test_counts, np.round((train_counts + test_counts) * 0.2))
    assert train.images.min() == 0.0 and train.images.max() == 1.0


def test_the_split_is_fixed_by_its_seed() -> None:
    labels = np.repeat(np.arange(10), 20)
    first = digits.split_indices(labels)
    again = digits.split_indices(labels)
    other = digits.split_indices(labels, seed=digits.SPLIT_SEED + 1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1])
    assert np.intersect1d(*first).size == 0


def test_the_shipped_held_out_digits_are_the_split_s_held_out_fifth() -> None:
    _, test = digits.load_split()
    shipped = digits.heldout()
    assert np.array_equal(shipped.labels, test.labels)
    assert np.array_equal(shipped.images, test.images)
