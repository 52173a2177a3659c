"""Tests for genai_course.tokenizer: byte-level BPE against a naive reference, seeds."""

import hashlib
import json
import shutil
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_course import tokenizer as bpe

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "genai_course" / "data"

# The seed's examples (003): "Hello, world!" -> 4 tokens; "unbelievable" -> ["un", "believ",
# "able"]. One word per line, so words also occur without a leading space, as "unbelievable" does
# when typed on its own.
SEED_CORPUS = "\n".join(
    (
        ["Hello, world!"] * 3
        + ["undo", "unfair", "unkind", "unhappy", "unclear", "unknown", "unseen", "untrue"]
        + ["believe", "believed", "believer", "believes", "believing"]
        + ["able", "capable", "readable", "usable", "washable"]
    )
    * 4
)

WORDS = [
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "it",
    "for",
    "on",
    "as",
    "with",
    "was",
    "by",
    "tokens",
    "token",
    "model",
    "models",
    "attention",
    "transformer",
    "diffusion",
    "noise",
    "image",
    "images",
    "encoder",
    "decoder",
    "latent",
    "space",
    "sample",
    "sampling",
    "probability",
    "distribution",
    "learn",
    "learns",
    "learned",
    "training",
    "data",
    "text",
    "word",
    "words",
    "sentence",
    "unbelievable",
    "believe",
    "able",
    "generation",
    "generative",
    "language",
    "large",
    "small",
    "query",
    "key",
    "value",
    "position",
    "positional",
    "encoding",
    "softmax",
    "temperature",
    "layer",
    "layers",
    "head",
    "heads",
    "vector",
    "vectors",
]


SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "ta",
    "sen",
    "dor",
    "vi",
    "pla",
    "qua",
    "tre",
    "ist",
    "ion",
    "ing",
    "ed",
    "un",
    "re",
    "able",
    "ment",
]


def synthetic_corpus(n_chars: int, seed: int = 0) -> str:
    """Words with Zipf-like frequencies and some punctuation: a stand-in for course text.

    The common words above, then a long tail of made-up words, so that, as in real text, there
    are thousands of distinct words for training to keep track of.
    """
    rng = np.random.default_rng(seed)
    made_up = ["".join(rng.choice(SYLLABLES, size=rng.integers(2, 5))) for _ in range(2_000)]
    vocabulary = WORDS + made_up
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    n_words = n_chars // 3
    words = rng.choice(len(vocabulary), size=n_words, p=weights / weights.sum())
    seps = rng.choice([" ", " ", " ", " ", ", ", ". ", "\n"], size=n_words)
    return "".join(vocabulary[w] + sep for w, sep in zip(words, seps, strict=True))[:n_chars]


# --- an independent, slow reference: every piece occurrence counted anew at every step ------------


def reference_train(text: str, num_merges: int) -> list[tuple[int, int]]:
    sequences = [list(piece.encode("utf-8")) for piece in bpe.pretokenize(text)]
    merges: list[tuple[int, int]] = []
    for step in range(num_merges):
        counts: Counter[tuple[int, int]] = Counter()
        for seq in sequences:
            for i in range(len(seq) - 1):
                counts[(seq[i], seq[i + 1])] += 1
        if not counts:
            break
        # most frequent first, then the smallest pair
        pair, count = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0]
        if count < 2:
            break
        merges.append(pair)
        sequences = [reference_merge(seq, pair, 256 + step) for seq in sequences]
    return merges


def reference_merge(seq: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    out: list[int] = []
    skip = False
    for i, token in enumerate(seq):
        if skip:
            skip = False
            continue
        if i + 1 < len(seq) and (token, seq[i + 1]) == pair:
            out.append(new_id)
            skip = True
        else:
            out.append(token)
    return out


def reference_encode(merges: list[tuple[int, int]], text: str) -> list[int]:
    # apply every merge in the order learned, to each piece (Sennrich et al.'s original loop)
    ids: list[int] = []
    for piece in bpe.pretokenize(text):
        seq = list(piece.encode("utf-8"))
        for i, pair in enumerate(merges):
            seq = reference_merge(seq, pair, 256 + i)
        ids.extend(seq)
    return ids


@pytest.fixture(scope="module")
def course_tokenizer() -> bpe.BPETokenizer:
    return bpe.train_bpe(synthetic_corpus(8_000) + SEED_CORPUS, 120)


# --- pre-tokenisation -----------------------------------------------------------------------------


def test_pretokenize_seed_example() -> None:
    assert bpe.pretokenize("Hello, world!") == ["Hello", ",", " world", "!"]


def test_pretokenize_like_gpt2() -> None:
    # contractions split off; a run of spaces leaves its last space to the next word
    assert bpe.pretokenize("I'm  here, it's 2024!") == [
        "I",
        "'m",
        " ",
        " here",
        ",",
        " it",
        "'s",
        " 2024",
        "!",
    ]


@settings(deadline=None, max_examples=200)
@given(st.text())
def test_pretokenize_covers_every_character(text: str) -> None:
    assert "".join(bpe.pretokenize(text)) == text


# GPT-2's own rule, as in openai/gpt-2's src/encoder.py (`import regex as re`), run by `regex`
GPT2 = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
)


def test_the_documented_pattern_is_gpt2s() -> None:
    assert GPT2.pattern == bpe.GPT2_PATTERN


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        # numbers that Python's \w calls word characters but not digits (No, Nl)
        ("x²", ["x", "²"]),
        ("3½", ["3½"]),
        ("H₂O", ["H", "₂", "O"]),
        ("①st ②③rd", ["①", "st", " ②③", "rd"]),
        ("the Ⅻth", ["the", " Ⅻ", "th"]),
        ("10⁴ m²", ["10⁴", " m", "²"]),
        # digits of other scripts, and beyond U+FFFF
        ("١٢٣ and १२३", ["١٢٣", " and", " १२३"]),
        ("𝟙𝟚 𐄇 𒐀 𝐀𐍈", ["𝟙𝟚", " 𐄇", " 𒐀", " 𝐀𐍈"]),
        # accented letters, composed and decomposed: a combining mark is no letter (Mn), so the
        # decomposed é leaves its accent as a piece of its own, in GPT-2 as here
        ("naïve café", ["naïve", " café"]),
        ("cafe\u0301s", ["cafe", "\u0301", "s"]),
        ("l'été", ["l", "'", "été"]),
        ("日本語のテキスト", ["日本語のテキスト"]),
        ("مرحبا ١٠ नमस्ते", ["مرحبا", " ١٠", " नमस", "्", "त", "े"]),
        ("ok 🙂👍🏽!", ["ok", " 🙂👍🏽!"]),
        ("snake_case", ["snake", "_", "case"]),
        # Unicode's whitespace, GPT-2's \s: the no-break and ideographic spaces are, the
        # information separators U+001C–U+001F (whitespace to Python's re) are not
        ("a\u00a0b\u3000\u3000c", ["a", "\u00a0", "b", "\u3000", "\u3000", "c"]),
        ("a \x1cb\x1f!", ["a", " \x1c", "b", "\x1f!"]),
    ],
)
def test_pretokenize_is_gpt2s_beyond_ascii(text: str, pieces: list[str]) -> None:
    assert GPT2.findall(text) == pieces
    assert bpe.pretokenize(text) == pieces


# Python 3.12's Unicode tables (15.0.0) against `regex`'s newer ones: characters unassigned in
# Python's (Cn) are symbols here and may be letters to `regex`; surrogates never reach a tokenizer
ASSIGNED = st.characters(exclude_categories=["Cs", "Cn"])
TRICKY = st.sampled_from(
    "aZ09 '\t\n\r_-.,!?sdmtlvre²³½①Ⅻ₂éß日١१\u0301\u0308\u00a0\u2009\u3000\x1c\x1d\x1f\x85🙂𝟙𐄇𒐀𝐀"
)


@settings(deadline=None, max_examples=500)
@given(st.text(st.one_of(ASSIGNED, TRICKY), max_size=40))
def test_pretokenize_matches_gpt2_on_any_text(text: str) -> None:
    assert bpe.pretokenize(text) == GPT2.findall(text)


def test_every_character_is_in_gpt2s_class() -> None:
    """Each assigned character, probed after a letter and after a digit and before a symbol: its
    pieces show whether it is a letter, a number, whitespace or a symbol, as GPT-2 has it."""
    chars = [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) not in ("Cs", "Cn")
    ]
    probes = "".join(f"a{c}\x001{c}\x00" for c in chars)
    assert bpe.pretokenize(probes) == GPT2.findall(probes)


def test_the_stored_unicode_numbers_are_pythons() -> None:
    stored = json.loads((DATA / "unicode_numbers.json").read_text("utf-8"))
    assert stored["unicode_version"] == unicodedata.unidata_version
    assert [tuple(run) for run in stored["numbers"]] == bpe._number_ranges()


def test_another_unicode_version_computes_the_numbers_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bpe, "_number_ranges", lambda: [(48, 57)])
    assert bpe._stored_number_ranges() != [(48, 57)]
    monkeypatch.setattr(bpe.unicodedata, "unidata_version", "99.0.0")
    assert bpe._stored_number_ranges() == [(48, 57)]


PYODIDE_SPLIT = """
const { loadPyodide } = require(process.argv[2] + "/pyodide.js");
const fs = require("fs");
(async () => {
  const py = await loadPyodide({ indexURL: process.argv[2] + "/" });
  const [src, out] = [process.argv[3], process.argv[4]];
  py.FS.mkdirTree("/pkg/genai_course/data");
  for (const name of ["__init__.py", "tokenizer.py", "data/unicode_numbers.json", "texts.json"]) {
    py.FS.writeFile("/pkg/genai_course/" + name, fs.readFileSync(src + "/" + name));
  }
  fs.writeFileSync(out, py.runPython(`
import json, sys, unicodedata
sys.path.insert(0, "/pkg")
from genai_course import tokenizer
texts = json.load(open("/pkg/genai_course/texts.json", encoding="utf-8"))
json.dumps({
    "version": sys.version,
    "unicode": unicodedata.unidata_version,
    "pieces": [tokenizer.pretokenize(text) for text in texts],
})
`));
})();
"""


def test_pyodide_splits_as_gpt2(tmp_path: Path) -> None:
    """The page's Python, Pyodide 0.27 (3.12), reads CPython 3.12's Unicode tables (one version,
    15.0.0, one set of tables): the stored numbers, and with them the split that matches GPT-2's
    on every character here, hold in the page too."""
    from genai_course.plugin.bundle import ensure_official_files

    core = ensure_official_files(ROOT / ".cache" / "genai-course", release=None)
    node = shutil.which("node")
    assert node is not None, "Node.js (`node`) is needed to run Pyodide outside the page"
    texts = ["x² 3½ ①st the Ⅻth H₂O 10⁴", "cafe\u0301 naïve", "a \x1cb\x1f! 𝟙𝟚 𐄇 𒐀 𝐀𐍈 🙂"]
    package = tmp_path / "package"
    (package / "data").mkdir(parents=True)
    source = ROOT / "src" / "genai_course"
    (package / "__init__.py").write_text("")
    shutil.copy(source / "tokenizer.py", package / "tokenizer.py")
    shutil.copy(source / "data" / "unicode_numbers.json", package / "data")
    (package / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    (tmp_path / "split.cjs").write_text(PYODIDE_SPLIT)
    out = tmp_path / "out.json"
    subprocess.run(
        [node, str(tmp_path / "split.cjs"), str(core), str(package), str(out)],
        check=True,
        timeout=300,
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["version"].startswith("3.12.")
    assert result["unicode"] == unicodedata.unidata_version == "15.0.0"
    assert result["pieces"] == [GPT2.findall(text) for text in texts]


# --- training -------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=60)
@given(st.text(alphabet="ab c,.é\n", max_size=80), st.integers(0, 20))
def test_merges_match_naive_reference(text: str, num_merges: int) -> None:
    tok = bpe.train_bpe(text, num_merges)
    assert tok.merges == reference_train(text, num_merges)


def test_merges_match_reference_on_english() -> None:
    text = synthetic_corpus(3_000, seed=1) + SEED_CORPUS
    tok = bpe.train_bpe(text, 60)
    assert tok.merges == reference_train(text, 60)
    sample = "the unbelievable model learns, believe it!"
    assert bpe.encode(tok, sample) == reference_encode(tok.merges, sample)


def test_merge_count_and_vocab() -> None:
    tok = bpe.train_bpe(synthetic_corpus(5_000), 50)
    assert len(tok.merges) == 50
    assert sorted(tok.vocab) == list(range(256 + 50))
    for i, (a, b) in enumerate(tok.merges):
        # each merge joins two tokens that existed before it
        assert a < 256 + i and b < 256 + i
        assert tok.vocab[256 + i] == tok.vocab[a] + tok.vocab[b]


def test_training_stops_when_no_pair_repeats() -> None:
    assert bpe.train_bpe("abc", 10).merges == []
    # "aa" occurs twice in "aaaa" counted as overlapping pairs, once merged it is gone
    assert bpe.train_bpe("aaaa", 10).merges == [(97, 97)]
    assert bpe.train_bpe("", 5).merges == []


def test_training_is_deterministic_and_ties_take_the_smallest_pair() -> None:
    # "ab" and "cd" both occur twice; (97, 98) < (99, 100)
    assert bpe.train_bpe("cd\nab\ncd\nab", 1).merges == [(97, 98)]
    assert bpe.train_bpe("cd\nab\ncd\nab", 2).merges == [(97, 98), (99, 100)]
    text = synthetic_corpus(4_000, seed=3)
    assert bpe.train_bpe(text, 40) == bpe.train_bpe(text, 40)


def test_merges_do_not_cross_piece_boundaries() -> None:
    tok = bpe.train_bpe("a, a, a, a, a, a", 10)
    merged = [tok.vocab[256 + i].decode("utf-8") for i in range(len(tok.merges))]
    assert merged == [" a"]  # never "a," or ", a": those would cross a boundary
    for token in merged:
        assert len(bpe.pretokenize(token)) == 1


# --- encoding and decoding ------------------------------------------------------------------------


@settings(deadline=None, max_examples=150)
@given(st.text())
def test_round_trip_any_unicode(course_tokenizer: bpe.BPETokenizer, text: str) -> None:
    assert bpe.decode(course_tokenizer, bpe.encode(course_tokenizer, text)) == text


@settings(deadline=None, max_examples=40)
@given(st.text(max_size=60), st.integers(0, 30))
def test_round_trip_when_trained_on_the_text_itself(text: str, num_merges: int) -> None:
    tok = bpe.train_bpe(text, num_merges)
    ids = bpe.encode(tok, text)
    assert bpe.decode(tok, ids) == text
    assert ids == reference_encode(tok.merges, text)


def test_unseen_characters_fall_back_to_bytes(course_tokenizer: bpe.BPETokenizer) -> None:
    text = "日本語 🙂"
    ids = bpe.encode(course_tokenizer, text)
    # nothing like these was in training: one token per UTF-8 byte
    assert ids == list(text.encode("utf-8"))
    assert bpe.decode(course_tokenizer, ids) == text
    assert bpe.tokens(course_tokenizer, "🙂") == ["\\xf0", "\\x9f", "\\x99", "\\x82"]


def test_seed_examples_tokenize_as_the_seed_says() -> None:
    tok = bpe.train_bpe(SEED_CORPUS, 40)
    assert bpe.tokens(tok, "Hello, world!") == ["Hello", ",", " world", "!"]
    assert bpe.tokens(tok, "unbelievable") == ["un", "believ", "able"]
    ids = bpe.encode(tok, "unbelievable")
    assert len(ids) == 3 and all(i >= 256 for i in ids)


def test_encoding_compresses_familiar_text(course_tokenizer: bpe.BPETokenizer) -> None:
    text = "the attention model learns the distribution of the training data"
    assert len(bpe.encode(course_tokenizer, text)) < len(text.encode("utf-8")) / 2


def test_tokens_join_back_to_the_text(course_tokenizer: bpe.BPETokenizer) -> None:
    text = "Hello, world! The unbelievable transformer."
    assert "".join(bpe.tokens(course_tokenizer, text)) == text


# --- text statistics ------------------------------------------------------------------------------


def test_text_stats_counts() -> None:
    tok = bpe.train_bpe(SEED_CORPUS, 40)
    stats = bpe.text_stats("Hello, world! unbelievable", tok)
    # "Hello" "," " world" "!" " " "un" "believ" "able": the lone space before "unbelievable" keeps
    # that word in the form it was trained on
    assert stats["tokens"] == len(bpe.encode(tok, "Hello, world! unbelievable"))
    assert stats["characters"] == 26
    assert stats["words"] == 3
    assert stats["chars_per_token"] == pytest.approx(26 / stats["tokens"])
    assert stats["words_per_token"] == pytest.approx(3 / stats["tokens"])


def test_more_merges_mean_more_characters_per_token() -> None:
    train, held_out = synthetic_corpus(20_000, seed=5), synthetic_corpus(4_000, seed=6)
    ratios = []
    for num_merges in (0, 20, 100, 300):
        stats = bpe.text_stats(held_out, bpe.train_bpe(train, num_merges))
        ratios.append(stats["chars_per_token"])
        if num_merges == 0:
            # bytes only: exactly one token per UTF-8 byte
            assert stats["tokens"] == len(held_out.encode("utf-8"))
    assert ratios == sorted(ratios) and ratios[-1] > 2 * ratios[0]


# --- speed and bad input --------------------------------------------------------------------------


def test_training_on_40_kb_matches_the_reference() -> None:
    # a corpus the size of the course text, where the incremental counts and the heap of pairs
    # go through many stale entries; its speed is measured by the demo benchmark, not here
    text = synthetic_corpus(40_000, seed=11)
    tok = bpe.train_bpe(text, 120)
    assert len(tok.merges) == 120
    assert tok.merges == reference_train(text, 120)


def test_bad_input() -> None:
    tok = bpe.train_bpe("ab ab", 1)
    with pytest.raises(ValueError, match="num_merges must be a whole number >= 0, got -1"):
        bpe.train_bpe("ab", -1)
    with pytest.raises(ValueError, match="num_merges"):
        bpe.train_bpe("ab", 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="text must be a str"):
        bpe.encode(tok, b"ab")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lone surrogate"):
        bpe.encode(tok, "a\ud800")
    with pytest.raises(ValueError, match="unknown token id 999"):
        bpe.decode(tok, [97, 999])
    with pytest.raises(ValueError, match="must not be empty"):
        bpe.text_stats("", tok)


@settings(deadline=None, max_examples=40)
@given(st.text(alphabet="ab c,.é\n", max_size=120), st.integers(0, 25), st.integers(0, 25))
def test_first_merges_is_training_with_fewer_merges(text: str, fewer: int, more: int) -> None:
    fewer, more = min(fewer, more), max(fewer, more)
    assert bpe.first_merges(bpe.train_bpe(text, more), fewer) == bpe.train_bpe(text, fewer)


def test_first_merges_of_the_course_text() -> None:
    text = synthetic_corpus(8_000) + SEED_CORPUS
    full = bpe.train_bpe(text, 120)
    cut = bpe.first_merges(full, 40)
    assert cut == bpe.train_bpe(text, 40)
    assert len(cut.vocab) == 256 + 40 and bpe.encode(cut, "attention") == bpe.encode(
        bpe.train_bpe(text, 40), "attention"
    )
    assert bpe.first_merges(full, 10_000) == full  # more than it learned: all of them
    with pytest.raises(ValueError, match="num_merges must be a whole number >= 0, got -1"):
        bpe.first_merges(full, -1)


# --- one merge step, public -----------------------------------------------------------------------


@settings(deadline=None, max_examples=80)
@given(
    st.lists(st.integers(0, 3), max_size=30),
    st.tuples(st.integers(0, 3), st.integers(0, 3)),
)
def test_merge_pair_matches_the_reference_merge(ids: list[int], pair: tuple[int, int]) -> None:
    assert bpe.merge_pair(ids, pair, 256) == reference_merge(ids, pair, 256)


def test_merge_pair_left_to_right_without_overlap() -> None:
    assert bpe.merge_pair(list(b"banana"), (97, 110), 256) == [98, 256, 256, 97]
    assert bpe.merge_pair([5, 5, 5], (5, 5), 256) == [256, 5]
    assert bpe.merge_pair([5, 5, 5, 5], (5, 5), 256) == [256, 256]
    assert bpe.merge_pair([], (1, 2), 256) == []
    assert bpe.merge_pair([1, 2], (2, 1), 256) == [1, 2]
    assert bpe.merge_pair(np.array([1, 2, 3]), (np.int64(1), 2), 300) == [300, 3]


def test_merge_pair_bad_input() -> None:
    with pytest.raises(ValueError, match=r"pair must be two token ids \(a, b\), got \(1, 2, 3\)"):
        bpe.merge_pair([1, 2], (1, 2, 3), 256)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ids must hold whole-number token ids"):
        bpe.merge_pair([1.0, 2.0], (1, 2), 256)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="new_id must hold whole-number token ids"):
        bpe.merge_pair([1, 2], (1, 2), True)


# --- the merges stored for the tokenizer demo -----------------------------------------------------


def test_from_merges_rebuilds_a_trained_tokenizer() -> None:
    trained = bpe.train_bpe(synthetic_corpus(4_000) + SEED_CORPUS, 80)
    # as stored in JSON: lists, not tuples
    assert bpe.from_merges([list(pair) for pair in trained.merges]) == trained
    with pytest.raises(ValueError, match=r"merge 1 joins 300 and 32, but only tokens 0\.\.256"):
        bpe.from_merges([(97, 98), (300, 32)])


def test_the_stored_course_merges_are_what_training_again_gives() -> None:
    text = (DATA / "course_text.txt").read_text("utf-8")
    stored = json.loads((DATA / "course_bpe.json").read_text("utf-8"))
    # stored for this very text: the demo trains afresh (slowly) if the text changed
    assert stored["text_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    trained = bpe.train_bpe(text, stored["num_merges"])
    assert bpe.from_merges(stored["merges"]) == trained
    assert len(trained.merges) == stored["num_merges"] == 600
