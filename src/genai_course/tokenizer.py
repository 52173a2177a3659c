"""Byte-pair encoding (BPE), byte-level as in GPT-2 but small enough to read in one sitting.

Training starts from the 256 byte values and repeats ``num_merges`` times:

    (a, b) = argmax over adjacent pairs of count(a, b)        # the most frequent pair
    new token id = 256 + merge index,  vocab[id] = vocab[a] + vocab[b]

Ties are broken by the smallest pair ``(a, b)``, so training is deterministic. Text is first split
into pieces (words with their leading space, numbers, punctuation, whitespace — GPT-2's rule,
``GPT2_PATTERN``), and merges never cross a piece boundary: ``"Hello, world!"`` splits into
``"Hello"``, ``","``, ``" world"``, ``"!"`` before any merge happens. Because every byte is a
token, any text encodes, even characters never seen in training.

The module needs no NumPy, only the standard library (``re``, ``unicodedata``, ``json``,
``importlib.resources``, ``dataclasses``, ``itertools``), so it imports unchanged under CPython and
Pyodide.
"""

import heapq
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise

__all__ = [
    "GPT2_PATTERN",
    "BPETokenizer",
    "decode",
    "encode",
    "first_merges",
    "from_merges",
    "merge_pair",
    "pretokenize",
    "text_stats",
    "tokens",
    "train_bpe",
]

# GPT-2's pre-tokenisation rule as OpenAI wrote it (openai/gpt-2, src/encoder.py), for the `regex`
# package: contractions, an optional space followed by letters, numbers or other symbols, then runs
# of whitespace. \p{L} and \p{N} are Unicode's letters and numbers (general categories L* and N*).
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def _number_ranges() -> list[tuple[int, int]]:
    r"""\p{N} from this Python's Unicode tables: the runs ``(first, last)`` of code points whose
    general category is Nd, Nl or No (digits, ``Ⅻ``, ``²``, ``½``, ``①``, ...).

    A pass over all 1.1 million code points: 0.5 s under CPython, about 4.5 s in Pyodide, so the
    result is stored in ``data/unicode_numbers.json`` (training/precompute.py) and read from there.
    """
    runs: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code))[0] == "N":
            if runs and runs[-1][1] == code - 1:
                runs[-1] = (runs[-1][0], code)
            else:
                runs.append((code, code))
    return runs


def _stored_number_ranges() -> list[tuple[int, int]]:
    path = resources.files("genai_course").joinpath("data/unicode_numbers.json")
    stored = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    # Pyodide 0.27 runs Python 3.12, whose Unicode tables (15.0.0) are CPython 3.12's: the stored
    # ranges hold in the page too. Another version (or no file) is computed afresh, slowly.
    if stored.get("unicode_version") != unicodedata.unidata_version:
        return _number_ranges()
    return [(first, last) for first, last in stored["numbers"]]


def _piece_pattern(numbers: list[tuple[int, int]]) -> re.Pattern[str]:
    r"""GPT2_PATTERN for Python's `re`, which has no \p{L} or \p{N}.

    `re`'s word characters (\w) are exactly Unicode's letters, numbers and ``_``, so a letter is
    a word character that is neither a number nor ``_``; a symbol is whatever is none of these
    nor whitespace. `re` counts the separators U+001C–U+001F as whitespace (\s); Unicode, and
    so GPT-2's \s, does not.
    """

    def ranges(runs: list[tuple[int, int]]) -> str:
        return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in runs)

    # `re` tests a character beyond U+FFFF against a class one range after another: test such
    # characters only against the numbers beyond U+FFFF, and only when the character is one, else
    # every letter pays for the long list (pre-tokenising took more than twice as long)
    bmp = ranges([(a, min(b, 0xFFFF)) for a, b in numbers if a <= 0xFFFF])
    astral = ranges([(max(a, 0x10000), b) for a, b in numbers if b > 0xFFFF])
    number = rf"(?:[{bmp}]|[\U00010000-\U0010ffff](?<=[{astral}]))"
    letter = rf"(?:(?!{number})[^\W_])"
    symbol = r"(?:[^\s\w]|[_\x1c-\x1f])"
    space, not_space = r"[^\S\x1c-\x1f]", r"[\S\x1c-\x1f]"
    return re.compile(
        rf"'s|'t|'re|'ve|'m|'ll|'d| ?{letter}+| ?{number}+| ?{symbol}+"
        rf"|{space}+(?!{not_space})|{space}+"
    )


_PIECE = _piece_pattern(_stored_number_ranges())


@dataclass(frozen=True)
class BPETokenizer:
    """A trained tokenizer: the merges in the order they were learned, and every token's bytes.

    ``merges[i] = (a, b)`` created token ``256 + i``; ``vocab`` maps each id (bytes 0–255 and
    every merged token) to the bytes it stands for.
    """

    merges: list[tuple[int, int]]
    vocab: dict[int, bytes]


def pretokenize(text: str) -> list[str]:
    """Split text into the pieces merges may not cross, by GPT-2's rule (``GPT2_PATTERN``).

    ``"Hello, world!"`` -> ``["Hello", ",", " world", "!"]``: a word keeps its leading space.
    Letters and numbers are Unicode's (those of Python's ``unicodedata``): ``"x²"`` is a letter
    then a number, ``"3½"`` one number. A combining accent (``é`` typed as ``e`` + U+0301) is
    neither, so it becomes a piece of its own, as in GPT-2. Characters newer than Python's Unicode
    version (15.0 in Python 3.12) count as symbols.
    """
    return _PIECE.findall(text)


def _utf8(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(
            f"text must be valid Unicode (it contains a lone surrogate): {error}"
        ) from None


def _pairs(ids: list[int]) -> list[tuple[int, int]]:
    return list(pairwise(ids))


def _merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every non-overlapping occurrence of ``pair``, left to right, by ``new_id``."""
    merged: list[int] = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            merged.append(new_id)
            i += 2
        else:
            merged.append(ids[i])
            i += 1
    return merged


def merge_pair(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """One merge step: every occurrence of ``pair`` in ``ids``, left to right and never
    overlapping, becomes ``new_id``; ``[a, a, a]`` with the pair ``(a, a)`` gives ``[new, a]``."""
    ids = list(ids)
    if len(pair) != 2:
        raise ValueError(f"pair must be two token ids (a, b), got {pair!r}")
    for name, values in (("ids", ids), ("pair", list(pair)), ("new_id", [new_id])):
        if any(isinstance(i, bool) or not hasattr(i, "__index__") for i in values):
            raise ValueError(f"{name} must hold whole-number token ids, got {values!r}")
    return _merge(ids, (pair[0], pair[1]), new_id)


def train_bpe(text: str, num_merges: int) -> BPETokenizer:
    """Learn up to ``num_merges`` merges from ``text``.

    Each step merges the most frequent adjacent pair (ties: the smallest pair). Training stops
    early when no pair occurs at least twice, since merging a one-off pair compresses nothing,
    so ``len(tokenizer.merges) <= num_merges``.
    """
    if isinstance(num_merges, bool) or not isinstance(num_merges, int) or num_merges < 0:
        raise ValueError(f"num_merges must be a whole number >= 0, got {num_merges!r}")
    _utf8(text)

    # count each distinct piece once, weighted by how often it occurs: far fewer pieces to update
    piece_counts: dict[str, int] = {}
    for piece in pretokenize(text):
        piece_counts[piece] = piece_counts.get(piece, 0) + 1
    words = [list(piece.encode("utf-8")) for piece in piece_counts]
    freqs = list(piece_counts.values())

    # pair -> total count, and pair -> the words it occurs in, kept up to date after each merge
    counts: dict[tuple[int, int], int] = {}
    where: dict[tuple[int, int], set[int]] = {}
    for w, ids in enumerate(words):
        for pair in _pairs(ids):
            counts[pair] = counts.get(pair, 0) + freqs[w]
            where.setdefault(pair, set()).add(w)

    # the most frequent pair (ties: the smallest) is the top of a heap of (-count, pair); an entry
    # whose count has changed since it was pushed is stale and skipped (a rescan of every pair at
    # every step was three quarters of the training time)
    heap = [(-count, pair) for pair, count in counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[int, int]] = []
    vocab = {i: bytes([i]) for i in range(256)}
    for step in range(num_merges):
        while heap and counts.get(heap[0][1]) != -heap[0][0]:
            heapq.heappop(heap)
        if not heap:
            break
        best = heap[0][1]
        if counts[best] < 2:
            break
        new_id = 256 + step
        merges.append(best)
        vocab[new_id] = vocab[best[0]] + vocab[best[1]]
        # only the words containing the pair change: take their old pairs out, put the new ones in
        for w in sorted(where.pop(best)):
            old, new = words[w], _merge(words[w], best, new_id)
            changed = set()
            for pair in _pairs(old):
                counts[pair] -= freqs[w]
                changed.add(pair)
            for pair in _pairs(new):
                counts[pair] = counts.get(pair, 0) + freqs[w]
                changed.add(pair)
            for pair in changed:
                if counts[pair] == 0:
                    del counts[pair]
                else:
                    heapq.heappush(heap, (-counts[pair], pair))
            new_pairs = set(_pairs(new))
            for pair in set(_pairs(old)) - new_pairs:
                if pair in where:
                    where[pair].discard(w)
            for pair in new_pairs:
                where.setdefault(pair, set()).add(w)
            words[w] = new
    return BPETokenizer(merges=merges, vocab=vocab)


def first_merges(tokenizer: BPETokenizer, num_merges: int) -> BPETokenizer:
    """The tokenizer as it was after its first ``num_merges`` merges.

    Training is greedy, one merge at a time, so this is exactly ``train_bpe(text, num_merges)``
    of the same text: train once with the most merges, then take any smaller count for free.
    """
    if isinstance(num_merges, bool) or not isinstance(num_merges, int) or num_merges < 0:
        raise ValueError(f"num_merges must be a whole number >= 0, got {num_merges!r}")
    kept = tokenizer.merges[:num_merges]
    vocab = {i: b for i, b in tokenizer.vocab.items() if i < 256 + len(kept)}
    return BPETokenizer(merges=kept, vocab=vocab)


def from_merges(merges: list[tuple[int, int]] | list[list[int]]) -> BPETokenizer:
    """The tokenizer that learned ``merges`` (in that order): a trained one, saved and read back.

    Merge i joins tokens a and b into token 256 + i, whose bytes are a's then b's.
    """
    vocab = {i: bytes([i]) for i in range(256)}
    kept: list[tuple[int, int]] = []
    for i, pair in enumerate(merges):
        a, b = (int(t) for t in pair)
        if a not in vocab or b not in vocab:
            raise ValueError(
                f"merge {i} joins {a} and {b}, but only tokens 0..{len(vocab) - 1} exist"
            )
        vocab[256 + i] = vocab[a] + vocab[b]
        kept.append((a, b))
    return BPETokenizer(merges=kept, vocab=vocab)


def _encode_piece(piece_bytes: bytes, ranks: dict[tuple[int, int], int]) -> list[int]:
    ids = list(piece_bytes)
    # apply merges in the order they were learned: always the earliest-learned pair present first
    while len(ids) >= 2:
        pair = min(_pairs(ids), key=lambda p: ranks.get(p, len(ranks)))
        if pair not in ranks:
            break
        ids = _merge(ids, pair, 256 + ranks[pair])
    return ids


def encode(tokenizer: BPETokenizer, text: str) -> list[int]:
    """Text -> token ids: split into pieces, UTF-8 bytes, then the learned merges in order."""
    _utf8(text)
    ranks = {pair: i for i, pair in enumerate(tokenizer.merges)}
    cache: dict[str, list[int]] = {}
    ids: list[int] = []
    for piece in pretokenize(text):
        if piece not in cache:
            cache[piece] = _encode_piece(piece.encode("utf-8"), ranks)
        ids.extend(cache[piece])
    return ids


def decode(tokenizer: BPETokenizer, ids: list[int]) -> str:
    """Token ids -> text: join the tokens' bytes and read them as UTF-8."""
    unknown = [i for i in ids if i not in tokenizer.vocab]
    if unknown:
        raise ValueError(
            f"unknown token id {unknown[0]!r}: ids run from 0 to {len(tokenizer.vocab) - 1}"
        )
    # a slice of ids may cut a multi-byte character in half; show that as U+FFFD, don't fail
    return b"".join(tokenizer.vocab[i] for i in ids).decode("utf-8", errors="replace")


def tokens(tokenizer: BPETokenizer, text: str) -> list[str]:
    """The pieces ``encode`` produces, as strings for display.

    A token holding part of a multi-byte character is shown with escapes, e.g. ``"\\xe2\\x82"``.
    """
    return [
        tokenizer.vocab[i].decode("utf-8", errors="backslashreplace")
        for i in encode(tokenizer, text)
    ]


def text_stats(text: str, tokenizer: BPETokenizer) -> dict[str, float]:
    """Measure the rule of thumb "1 token ≈ 4 characters ≈ 0.75 words" on ``text``.

    Returns characters, words (whitespace-separated), tokens, chars_per_token, words_per_token.
    """
    n_tokens = len(encode(tokenizer, text))
    if n_tokens == 0:
        raise ValueError("text must not be empty: there is nothing to count")
    n_chars = len(text)
    n_words = len(text.split())
    return {
        "characters": n_chars,
        "words": n_words,
        "tokens": n_tokens,
        "chars_per_token": n_chars / n_tokens,
        "words_per_token": n_words / n_tokens,
    }
