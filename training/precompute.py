"""Compute once what the demos would otherwise compute each time their page opens.

    .venv/bin/python training/precompute.py

writes, into src/genai_course/data/:

- ``face_basis.npz``: the compression demo's face family and its PCA, ``compression.face_basis()``
  (120 faces as 8-bit images, U and S; about 0.6 MB where the components would take 15 MB);
- ``course_bpe.json``: the tokenizer demo's merges, ``tokenizer.train_bpe(course text, 600)``,
  with the sha256 of the text they were learned from;
- ``unicode_numbers.json``: GPT-2's \\p{N} for the tokenizer's pre-tokenisation, the code points
  of general category N* in this Python's ``unicodedata`` (a pass over every code point, seconds
  in Pyodide), with the Unicode version they were read from;
- ``digits_heldout.npz``: the held-out fifth of scikit-learn's handwritten digits,
  ``digits.load_split()[1]``, as the data set's own levels 0–16 (the image demos' examples).

The tests (test_compression.py, test_tokenizer.py) compute them again and compare: run this
script whenever the face drawing, the PCA, the course text, the pre-tokenisation or Python's
Unicode version changes.
"""

import hashlib
import json
import unicodedata
from pathlib import Path

import numpy as np

from genai_course import compression, digits, tokenizer

DATA = Path(__file__).resolve().parents[1] / "src" / "genai_course" / "data"
BPE_MERGES = 600


def main() -> None:
    basis = compression.face_basis()
    levels = np.round(basis.faces * 255.0).astype(np.uint8)
    np.savez_compressed(DATA / "face_basis.npz", faces=levels, u=basis.u, s=basis.s)
    text = (DATA / "course_text.txt").read_text("utf-8")
    trained = tokenizer.train_bpe(text, BPE_MERGES)
    record = {
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "num_merges": BPE_MERGES,
        "merges": trained.merges,
    }
    (DATA / "course_bpe.json").write_text(json.dumps(record, separators=(",", ":")) + "\n")
    numbers = {
        "unicode_version": unicodedata.unidata_version,
        "numbers": tokenizer._number_ranges(),
    }
    (DATA / "unicode_numbers.json").write_text(json.dumps(numbers, separators=(",", ":")) + "\n")
    held_out = digits.load_split()[1]
    np.savez_compressed(
        DATA / "digits_heldout.npz",
        levels=np.round(held_out.images * digits.LEVELS).astype(np.uint8),
        labels=held_out.labels.astype(np.uint8),
    )
    for name in ("face_basis.npz", "course_bpe.json", "unicode_numbers.json", "digits_heldout.npz"):
        print(f"{name}: {(DATA / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
