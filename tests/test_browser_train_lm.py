"""The language model trained in the page: its loss curve is CPython's, step for step; Paused
stops it where it is; a pasted text survives a reload."""

from __future__ import annotations

import pytest

from genai_course import charlm
from tests.conftest import Server, python_ready

pytestmark = pytest.mark.browser

DEMO = "#gc-demo-train_lm"


def table_rows(page: object) -> list[tuple[int, float, float]]:
    rows = page.evaluate(  # type: ignore[attr-defined]
        """() => Array.from(document.querySelectorAll('#gc-demo-train_lm .gc-alt tbody tr'))
          .map((tr) => [tr.querySelector('th').textContent,
                        ...Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)])"""
    )
    return [(int(s.replace(",", "")), float(t), float(h)) for s, t, h in rows]


def test_training_in_the_page_gives_cpythons_loss_curve_and_pauses(
    page: object, server: Server
) -> None:
    page.goto(server.url + "topics/training-pipeline/")  # type: ignore[attr-defined]
    demo = page.locator(DEMO)  # type: ignore[attr-defined]
    demo.scroll_into_view_if_needed()
    python_ready(page, 120_000)
    page.evaluate(  # type: ignore[attr-defined]
        """() => { window.__statuses = [];
          const status = document.querySelector('#gc-demo-train_lm .gc-status');
          new MutationObserver(() => window.__statuses.push(status.textContent))
            .observe(status, {childList: true, characterData: true, subtree: true}); }"""
    )
    demo.locator("[name=action]").select_option("train")
    # the curve grows while it trains: wait for step 500 (5 evaluations after step 0)
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => document.querySelectorAll('#gc-demo-train_lm .gc-alt tbody tr').length >= 6""",
        timeout=180_000,
    )
    demo.locator("[name=action]").select_option("pause")
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => { const d = document.querySelector('#gc-demo-train_lm');
          return !d.dataset.running && d.dataset.state === 'live'; }""",
        timeout=60_000,
    )
    shown = table_rows(page)
    # while it trained the status said how far it was; once the first figure was up, the next
    # parts did not put "Running…" over it
    statuses = page.evaluate("window.__statuses")  # type: ignore[attr-defined]
    first = next(i for i, text in enumerate(statuses) if text.startswith("Step"))
    assert not [t for t in statuses[first:] if t.startswith("Running")], statuses
    status = demo.locator(".gc-status").text_content()
    assert "Speed" not in status  # a paused model reports no speed
    # the same seed in CPython: the same evaluations, to the printed digits
    corpus = charlm.make_corpus(charlm.course_text(), None)
    trainer = charlm.Trainer(corpus, charlm.ModelConfig("mlp", len(corpus.vocab)), 0)
    steps_done = int(status.split("Step ")[1].split(":")[0].replace(",", ""))
    while trainer.steps < steps_done:
        trainer.step(0.003, 32)
    assert [s for s, _, _ in shown] == [s for s, _, _ in trainer.evals]
    for (step, train, held), (_, c_train, c_held) in zip(shown, trainer.evals, strict=True):
        assert abs(train - c_train) < 2e-6 and abs(held - c_held) < 2e-6, step
    # paused means paused: the part that was training ended and no next part was asked for
    assert demo.get_attribute("data-running") is None


def test_a_pasted_text_is_kept_across_a_reload(page: object, server: Server) -> None:
    page.goto(server.url + "topics/training-pipeline/")  # type: ignore[attr-defined]
    box = page.locator(f"{DEMO} [name=own_text]")  # type: ignore[attr-defined]
    text = "the cat sat on the mat, and the dog sat on the log. " * 4
    page.locator(f"{DEMO} [name=text]").select_option("own")  # type: ignore[attr-defined]
    box.fill(text)
    page.reload()  # type: ignore[attr-defined]
    assert page.locator(f"{DEMO} [name=own_text]").input_value() == text  # type: ignore[attr-defined]
