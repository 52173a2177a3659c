"""Facts of the course text that a reading found wrong or missing, pinned in the pages and the data.

Each test names the page or data entry and what is right; the sources are in the commit that added
them (The Decoder's GPT-4 report, the latent diffusion paper, the VITS paper, `gpt.py`, …).
"""

from __future__ import annotations

import re

import numpy as np
import yaml

from genai_course import attention, gpt
from genai_course.plugin.data import load_course
from genai_course.plugin.pages import sessions_markdown
from tests.conftest import ROOT

DOCS = ROOT / "docs"


def page(name: str) -> str:
    return " ".join((DOCS / name).read_text(encoding="utf-8").split())


def data(name: str) -> list[dict[str, object]]:
    loaded = yaml.safe_load((ROOT / "data" / name).read_text(encoding="utf-8"))
    return loaded["sessions"] if isinstance(loaded, dict) else loaded


def entry(name: str, id_: str) -> dict[str, object]:
    return next(e for e in data(name) if e.get("id") == id_)


def quiz_text(id_: str) -> str:
    return yaml.safe_dump(entry("quiz.yml", id_), allow_unicode=True)


def section(text: str, heading: str) -> str:
    """The text from a `## heading` to the next `## `."""
    start = text.index(f"## {heading}")
    end = text.find(" ## ", start + 3)
    return text[start : end if end > 0 else None]


def test_training_hardware_is_gpt4s_per_the_decoder() -> None:
    text = page("topics/scale-of-training.md")
    hardware = section(text, "GPT-4: hardware, time and energy")
    assert "90–100 days on 25,000 Nvidia A100 GPUs" in hardware
    assert "3,125 servers" in hardware and "43,875,000 kWh" in hardware
    assert "52,812,500 kWh" in hardware
    # the notes' heading is reported as theirs, and nothing claims these figures for GPT-3.5
    assert '"GPT 3.5 training resources and duration"' in text
    assert "## GPT-3.5" not in text
    question = quiz_text("scale-gpt4-hardware")
    assert "GPT-4" in entry("quiz.yml", "scale-gpt4-hardware")["question"]  # type: ignore[operator]
    assert "90–100 days on 25,000 Nvidia A100 GPUs" in question
    assert not any("GPT-3.5 trained" in str(q.get("question")) for q in data("quiz.yml"))


def test_each_gpt4_picture_says_what_it_describes() -> None:
    text = page("topics/scale-of-training.md")
    assert "13 trillion tokens" in text  # 650 km × 2 × 100 × 100,000
    assert "2.2 \\times 10^{25}" in text  # 7 million years × 100 GFLOP/s
    assert "1.8 trillion parameters" in text  # 30,000 × 100 m × 60 m in 1 cm² cells
    assert abs(7e6 * 365.25 * 86400 * 100e9 / 2.2e25 - 1) < 0.01
    assert 30_000 * 100 * 60 * 100 * 100 == 1.8e12


def test_stable_diffusion_names_its_makers() -> None:
    text = page("topics/image-generation.md")
    for fact in (
        "Robin Rombach",
        "Andreas Blattmann",
        "Dominik Lorenz",
        "Patrick Esser",
        "Björn Ommer",
        "CompVis, LMU Munich",
        "Runway",
        "December 2021",
        "CVPR",
        "August 2022",
        "Emad Mostaque",
    ):
        assert fact in text, fact
    paper = entry("resources.yml", "ldm-paper")
    assert "Rombach" in str(paper["by"]) and "Ommer" in str(paper["by"])
    assert "CompVis" in str(paper["by"]) and "Runway" in str(paper["by"])
    assert "Stability AI" not in str(
        paper["by"]
    )  # it released the model, it did not write the paper
    assert "August 2022" in str(paper["note"])


def test_positional_encoding_is_bounded_not_matched_to_the_embeddings() -> None:
    text = page("topics/positional-encoding.md")
    assert "same range as the embeddings" not in text
    assert "swamp" in text
    right = next(o for o in entry("quiz.yml", "pe-range")["options"] if o.get("correct"))  # type: ignore[attr-defined]
    assert "swamp" in right["why"] and "like the embeddings" not in right["why"]


def test_vits_is_end_to_end() -> None:
    text = page("topics/speech.md")
    acoustic = re.search(r"\*\*Acoustic model\.\*\*(.*?)3\. \*\*Vocoder", text)
    assert acoustic and "VITS" not in acoustic.group(1).split("(The notes")[0]
    vits = section(text, "End to end: VITS")
    assert "text straight to the waveform" in vits and "no separate vocoder" in vits


def test_transformer_page_says_the_tiny_gpt_is_pre_ln() -> None:
    text = page("topics/transformer.md")
    assert "post-LN" in text and "pre-LN" in text
    assert "exactly this diagram" not in text
    assert "**pre-LN** blocks, as in GPT-2" in text
    # RoPE rotates queries and keys inside attention; it is not added to the embeddings
    assert "queries and keys are rotated" in text
    assert "rotary encodings (RoPE) in many newer models" not in text
    residual = quiz_text("transformer-residual")
    assert "which follows the residual addition" not in residual


def test_the_tiny_gpt_really_is_pre_ln() -> None:
    # what the page says, checked against the code: x + MHA(LN(x)), then + FFN(LN(·))
    model = gpt.load_model()
    block = model.blocks[0]
    x = np.random.default_rng(0).normal(size=(5, model.d_model))
    out, _, _ = gpt.transformer_block(x, block, model.n_head, gpt.empty_cache(model)[0])

    def mha(h: np.ndarray) -> np.ndarray:
        a, _ = attention.multi_head_attention(
            h, block.w_q, block.w_k, block.w_v, block.w_o, model.n_head, causal=True
        )
        return a

    def ln1(h: np.ndarray) -> np.ndarray:
        return gpt.layer_norm(h, block.ln_1_g, block.ln_1_b)

    def ln2(h: np.ndarray) -> np.ndarray:
        return gpt.layer_norm(h, block.ln_2_g, block.ln_2_b)

    h = x + mha(ln1(x))
    pre_ln = h + gpt.ffn(ln2(h), block)
    h = ln1(x + mha(x))
    post_ln = ln2(h + gpt.ffn(h, block))
    assert np.allclose(out, pre_ln)
    assert not np.allclose(out, post_ln)


def test_the_may_224_entry_is_read_as_gpt4o() -> None:
    text = page("topics/encoders-and-decoders.md")
    assert "GPT-4o May 2024" in text
    assert '"May 224"' in text and "most likely May 2024" in text


def test_chapter_7_belongs_to_session_4_too() -> None:
    chapter7 = entry("resources.yml", "3b1b-ch7-facts")
    assert 4 in chapter7["sessions"]  # type: ignore[operator]
    session4 = next(s for s in data("schedule.yml") if s["number"] == 4)
    assert "3b1b-ch7-facts" in session4["materials"]  # type: ignore[operator]


def test_sessions_1_to_3_say_their_notes_are_not_published() -> None:
    for s in data("schedule.yml")[:3]:
        assert s["title"] == "Notes not published yet"
        text = page(str(s["page"]))
        assert "not published yet" in text and "To be announced" not in text


def test_figure_01_link_is_the_notes_link_corrected() -> None:
    # the notes' id is 10 characters; Figure's video of 13 March 2024 is the same id with a "b"
    broken, fixed = "Sq1QZB5aNw", "https://www.youtube.com/watch?v=Sq1QZB5baNw"
    assert entry("resources.yml", "figure-01")["url"] == fixed
    for path in DOCS.rglob("*.md"):
        assert broken not in path.read_text(encoding="utf-8"), path
    multimodal = page("topics/multimodal.md")
    assert f"]({fixed})" in multimodal and "lacks one character" in multimodal


def test_the_notes_definitions_are_on_the_site() -> None:
    foundation = page("topics/foundation-models.md")
    for part in (
        "general-purpose language model",
        "pre-trained on massive data sets",
        "deep learning",
        "can be fine-tuned",
        "generates natural-language output",
        "GPT (or another generative model) combined with a chat interface",
    ):
        assert part in foundation.replace("**", ""), part
    intro = page("topics/index.md").replace("**", "")
    assert "Generative AI is a subset of machine learning" in intro
    assert "deep learning" in intro and "reinforcement learning" in intro
    llm = entry("glossary.yml", "llm")
    assert llm["topic"] == "foundation-models" and "fine-tuned" in str(llm["definition"])


def test_foundation_models_is_a_topic_of_session_5() -> None:
    course = load_course(ROOT / "data", DOCS)
    assert "foundation-models" in course.topics
    assert (DOCS / "topics" / "foundation-models.md").is_file()
    session5 = next(s for s in course.sessions if s.number == 5)
    assert "foundation-models" in session5.topics
    assert "foundation-models.md" in page("topics/index.md")


def test_sessions_overview_lists_every_session() -> None:
    course = load_course(ROOT / "data", DOCS)
    table = sessions_markdown(course, "sessions/index.md")
    rows = table.strip().splitlines()[2:]
    assert len(rows) == len(course.sessions) == 14
    assert rows[3] == (
        "| 13 April 2026 "
        "| [Session 4: Paradigms and applications of Generative AI](session-04.md) | Class |"
    )
    assert rows[0].startswith("| — | [Session 1: Notes not published yet](session-01.md)")
    assert rows[9].endswith("| No class |") and rows[10].endswith("| Presentations |")
    assert "{{ sessions() }}" in (DOCS / "sessions" / "index.md").read_text(encoding="utf-8")


def test_topics_index_lists_every_topic_in_order() -> None:
    course = load_course(ROOT / "data", DOCS)
    listed = re.findall(r"\]\(([\w-]+)\.md\)", section(page("topics/index.md"), "The topics"))
    assert listed == list(course.topics)
