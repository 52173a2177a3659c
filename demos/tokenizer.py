"""Byte-pair encoding, trained on the text of this course's topic pages.

BPE starts from single bytes and repeatedly merges the most frequent neighbouring pair into a new
token. More merges give longer tokens — and fewer tokens per text. Type a word and see its pieces;
the last panel measures the rule of thumb "1 token ≈ 4 characters ≈ 0.75 words" on this corpus.
"""

import hashlib
import json
from importlib import resources

import numpy as np

from genai_course import svg, tokenizer
from genai_course.demo import Panel, Slider, Text, View

DATA = resources.files("genai_course") / "data"
CORPUS = (DATA / "course_text.txt").read_text("utf-8")
MAX_MERGES = 600
# Trained once, ahead of time (training/precompute.py stores tokenizer.train_bpe(CORPUS, 600)):
# a smaller merge count is the start of the same training, so the slider never trains again.
# Another text or merge count is trained here, when the program loads.
SAVED = json.loads((DATA / "course_bpe.json").read_text("utf-8"))
if SAVED["text_sha256"] == hashlib.sha256(CORPUS.encode()).hexdigest() and (
    SAVED["num_merges"] == MAX_MERGES
):
    TRAINED = tokenizer.from_merges(SAVED["merges"])
else:
    TRAINED = tokenizer.train_bpe(CORPUS, MAX_MERGES)

CONTROLS = [
    Text("text", "Text to tokenise", default="unbelievable Hello, world!", max_length=300),
    Slider("merges", "Number of merges learned", 0, MAX_MERGES, 10, default=300),
]


def render(text: str, merges: int) -> View:
    tok = tokenizer.first_merges(TRAINED, merges)
    ids = tokenizer.encode(tok, text)
    pieces = tokenizer.tokens(tok, text)
    stats = tokenizer.text_stats(CORPUS, tok)
    learned = [tok.vocab[256 + i].decode("utf-8", "replace") for i in range(len(tok.merges))]
    summary = (
        f"{_count(len(text), 'character')} → {_count(len(ids), 'token')} with "
        f"{_count(len(tok.merges), 'merge')}. On the course text: "
        f"{stats['chars_per_token']:.2f} characters and {stats['words_per_token']:.2f} words "
        "per token."
    )
    # one row per measure, so the table stays one narrow column on a phone
    table = np.array(
        [
            [stats["characters"]],
            [stats["words"]],
            [stats["tokens"]],
            [stats["chars_per_token"]],
            [stats["words_per_token"]],
        ]
    )
    return View(
        [
            Panel(
                f"Your text in {_count(len(ids), 'token')}",
                svg.token_strip(
                    pieces,
                    ids,
                    title="Tokens and their ids",
                    description=f"The text split into {_count(len(ids), 'token')}: "
                    + " | ".join(pieces),
                    id_prefix="tok-strip",
                ),
                caption="· marks a space: a token often carries the space before a word.",
            ),
            Panel(
                "The first merges learned",
                svg.token_strip(
                    learned[:24],
                    list(range(256, 256 + min(24, len(learned)))),
                    title="The first merges",
                    description="The most frequent pairs, merged first: "
                    + " | ".join(learned[:24]),
                    id_prefix="tok-merges",
                ),
            ),
            Panel(
                "The rule of thumb, measured on this course's text",
                svg.data_table(
                    table,
                    ["characters", "words", "tokens", "characters per token", "words per token"],
                    ["course text"],
                    caption="Characters, words and tokens",
                    # counts are whole numbers; the ratios have two decimals
                    row_formats=["{:,.0f}"] * 3 + ["{:.2f}"] * 2,
                ),
                caption="GPT-style tokenizers with ~50,000–100,000 tokens reach about 4 "
                "characters per token; a few hundred merges stay far below that.",
            ),
        ],
        summary=summary,
    )


def _count(n: int, noun: str) -> str:
    """1 character, 2 characters: the number with its noun, in the singular for one."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


if __name__ == "__main__":
    print(render("unbelievable Hello, world!", 300).summary)
