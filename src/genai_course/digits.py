"""The handwritten digits every image model of the course is trained and judged on.

scikit-learn ships them inside its wheel (``sklearn.datasets.load_digits``): 1,797 greyscale
8×8 images of the digits 0–9, from the UCI "Optical Recognition of Handwritten Digits" data set
(Alpaydin & Kaynak, 1998; CC BY 4.0). Each pixel counts how many of a 4×4 block's pixels were
inked in the original 32×32 scan, so it is a whole number from 0 to 16; here it is divided by 16,
so pixels are in [0, 1].

One split, the same for every model and every page: per digit, a seeded shuffle puts a fifth of
the images (rounded) into the held-out set. ``load_split`` needs scikit-learn (training scripts,
tests); the page has only the held-out images, ``heldout()``, stored in
``data/digits_heldout.npz`` by ``training/precompute.py``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from genai_course import arrays

__all__ = ["HELDOUT_FRACTION", "SPLIT_SEED", "Digits", "heldout", "load_split", "split_indices"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SPLIT_SEED = 2026
HELDOUT_FRACTION = 0.2
LEVELS = 16  # the data set's pixel values are 0 … 16
DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Digits:
    """Images [n, 8, 8] with pixels in [0, 1], and their digits [n]."""

    images: FloatArray
    labels: IntArray


def split_indices(labels: IntArray, seed: int = SPLIT_SEED) -> tuple[IntArray, IntArray]:
    """(train, held-out) indices: per digit, a seeded shuffle, the first fifth held out."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train: list[int] = []
    test: list[int] = []
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        members = members[rng.permutation(members.size)]
        n_test = round(members.size * HELDOUT_FRACTION)
        test.extend(members[:n_test].tolist())
        train.extend(members[n_test:].tolist())
    return np.sort(np.array(train, dtype=np.int64)), np.sort(np.array(test, dtype=np.int64))


def load_split() -> tuple[Digits, Digits]:
    """(train, held-out) from scikit-learn's copy of the data set (not available in the page)."""
    from sklearn.datasets import load_digits  # only training and tests need it

    data = load_digits()
    images = np.asarray(data.images, dtype=np.float64) / LEVELS
    labels = np.asarray(data.target, dtype=np.int64)
    train, test = split_indices(labels)
    return Digits(images[train], labels[train]), Digits(images[test], labels[test])


@functools.cache
def heldout() -> Digits:
    """The held-out images, as shipped with the site (the same as ``load_split()[1]``)."""
    stored = arrays.load("digits_heldout")
    levels = stored["levels"]
    labels = stored["labels"]
    return Digits(levels.astype(np.float64) / LEVELS, labels.astype(np.int64))
