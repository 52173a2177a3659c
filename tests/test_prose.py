"""The site's prose is its own: no run of 12 or more consecutive words of the course notes appears
in a page or a data file, except the facts listed in ALLOWED, which are quoted on purpose."""

from __future__ import annotations

import pytest

from tests.prose import (
    RUN,
    copied_runs,
    load_runs,
    markdown_prose,
    seed_fingerprints,
    seed_text,
    seeds_dir,
    site_prose,
    split_at,
    words,
)

# Facts the site quotes exactly as the notes give them. Each entry cuts the text where it occurs.
ALLOWED = [
    # names: the authors of the Transformer Explainer paper, and where it appeared
    "Aeree Cho, Grace C. Kim, Alexander Karpekov, Alec Helbling, Zijie J. Wang, Seongmin Lee, "
    "Benjamin Hoover",
    "Duen Horng Chau (Poster, IEEE VIS 2024)",
    # data list items: the areas for the theory topic
    "Text generation with LLMs",
    "Text-based generation of other modalities",
    "Image generation with foundation models",
    "Video generation with foundation models",
    "3D model generation with foundation models",
    "Audio generation with foundation models",
    "Code generation with LLMs",
    # data list items: the notes' definition of a large language model
    "pre-trained on massive data sets",
    "uses deep learning techniques",
    "can be fine-tuned for specific purposes",
    # table values: the OpenAI column of the LLM timeline
    "GPT-1 2018, GPT-2 2019, GPT-3 2020, GPT-3.5 2022, GPT-4 2023",
    # table values: the context windows the notes give, read row by row
    "GPT-3.5: 4K → 16K tokens GPT-4: 8K → 128K tokens Claude 3: 200K tokens Gemini 1.5: 1M tokens",
    # the notes' examples
    "The cat drank the milk because it was hungry.",
    "The cat drank the milk because it was sweet.",
    "Climate change is a significant global issue caused by human activities leading to rising "
    "temperatures and environmental impacts.",
    "there was a small village surrounded by towering mountains and lush forests.",
    "All humans are mortal. Socrates is a human. Therefore, Socrates is mortal.",
    "Every time I water my plant, it grows taller.",
    "Watering plants regularly helps them grow taller.",
    # the notes' quiz question
    "Which component of the transformer architecture allows it to process input sequences in "
    "parallel instead of sequentially?",
]
ALLOWED_WORDS = [words(a) for a in ALLOWED]


def test_no_page_repeats_the_notes() -> None:
    known = load_runs()
    copied = [
        f"{file}: {run}"
        for file, block in site_prose()
        for piece in split_at(words(block), ALLOWED_WORDS)
        for run in copied_runs(piece, known)
    ]
    assert not copied, f"{RUN}+ words follow the course notes; say it in the site's words:\n" + (
        "\n".join(copied)
    )


def test_every_allowed_fact_is_used() -> None:
    # an entry that no page needs any more would only hide copying
    text = [words(block) for _, block in site_prose()]
    unused = [
        a
        for a, w in zip(ALLOWED, ALLOWED_WORDS, strict=True)
        if not any(split_at(t, [w]) != [t] for t in text)
    ]
    assert not unused


def test_the_check_catches_a_copied_sentence() -> None:
    # a sentence of the notes, lightly reformatted, is found; the same words reordered are not
    known = load_runs()
    copied = (
        "*Transformers* are trained to predict the **next word** in a sentence, "
        "given all the previous ones."
    )
    assert copied_runs(words(copied), known)
    reordered = "Given all earlier words of a sentence, transformers learn to predict the next one."
    assert not copied_runs(words(reordered), known)


def test_the_check_catches_a_copied_table() -> None:
    # a row of the notes' image-model table, split into cells, is found once its cells are joined
    known = load_runs()
    row = (
        "Intro.\n\n| Aspect | GAN | VAE | Diffusion |\n| --- | --- | --- | ---: |\n"
        "| Training cost | high, due to adversarial competition | low to moderate "
        "| very high, due to iterative learning |\n"
    )
    assert [run for block in markdown_prose(row) for run in copied_runs(words(block), known)]
    # rows too short to be caught alone are caught together, as the notes run them on
    rows = (
        "| Aspect | Traditional Software | Generative AI |\n|---|---|---|\n"
        "| Output | Deterministic | Probabilistic |\n"
        "| Debugging | Read the code | Prompt engineering + eval |\n"
    )
    assert [run for block in markdown_prose(rows) for run in copied_runs(words(block), known)]
    # the same table in the site's own words passes, and a table's cells do not run on into
    # the paragraph after it
    own = (
        "| | Classic program | Generative model |\n|---|---|---|\n"
        "| What comes out | the same answer each time | a sample that may differ |\n"
        "| How to find a fault | step through the code | evaluate many outputs |\n"
    )
    assert not [run for block in markdown_prose(own) for run in copied_runs(words(block), known)]
    assert len(list(markdown_prose(rows + "\nA paragraph.\n"))) == 2


def test_allowed_facts_are_the_notes_own_words() -> None:
    folder = seeds_dir()
    if not folder.is_dir():
        pytest.skip(f"the course notes are not at {folder} (set GENAI_SEEDS)")
    notes = " ".join(" ".join(words(seed_text(p))) for p in sorted(folder.glob("0*.txt")))
    misquoted = [a for a, w in zip(ALLOWED, ALLOWED_WORDS, strict=True) if " ".join(w) not in notes]
    assert not misquoted


def test_fingerprints_are_current() -> None:
    folder = seeds_dir()
    if not folder.is_dir():
        pytest.skip(f"the course notes are not at {folder} (set GENAI_SEEDS)")
    assert load_runs() == seed_fingerprints(folder), "rebuild them: python -m tests.prose"
