"""The tiny GPT in the page: moving a control while it writes stops that text and starts the new
one — the old text's steps stop showing, the new text appears, and it is what CPython writes."""

from __future__ import annotations

import json

import pytest

from genai_course.demo import run_demo
from tests.conftest import ROOT, Server, python_ready
from tests.test_browser_demos import form_values

pytestmark = pytest.mark.browser

RECORD = """() => { window.__shown = [];
  const demo = document.querySelector('#gc-demo-tiny_gpt');
  const caption = () => demo.querySelector('.gc-caption').textContent;
  document.addEventListener('genai-course:partial',
    () => window.__shown.push({t: performance.now(), text: caption(), final: false}));
  document.addEventListener('genai-course:updated',
    () => window.__shown.push({t: performance.now(), text: caption(), final: true}));
  // when the learner's change reaches the page (before the demo's own listener sees it): a
  // slider at once, a typed number when it is entered (typing alone waits for a pause)
  const now = () => (window.__changedAt = performance.now());
  demo.addEventListener('input', (e) => e.target.type === 'range' && now(), true);
  demo.addEventListener('keydown', (e) => e.key === 'Enter' && now(), true); }"""


def written(caption: str) -> str:
    # the caption is the prompt, a cursor, then what the model wrote
    return caption.split("▌", 1)[1]


def expected_text(values: dict[str, str]) -> str:
    source = (ROOT / "demos" / "tiny_gpt.py").read_text()
    result = json.loads(run_demo(source, "tiny_gpt", values))
    assert result["ok"]
    return written(result["panels"][0]["caption"])


def test_moving_a_control_while_it_writes_starts_the_new_text_at_once(
    page: object, server: Server
) -> None:
    page.goto(server.url + "topics/next-token-prediction/")  # type: ignore[attr-defined]
    python_ready(page, 120_000)
    page.evaluate(RECORD)  # type: ignore[attr-defined]
    demo = page.locator("#gc-demo-tiny_gpt")  # type: ignore[attr-defined]
    length = demo.locator("[name=length]")
    length.focus()
    page.keyboard.press("End")  # type: ignore[attr-defined]  # 200 characters: a long run
    page.wait_for_function("() => window.__shown.length > 0", timeout=120_000)  # type: ignore[attr-defined]
    seed = demo.locator("[name=seed]")
    seed.fill("5")
    seed.press("Enter")
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => window.__shown.some((s) => s.final && s.t > window.__changedAt)", timeout=120_000
    )
    shown = page.evaluate("window.__shown")  # type: ignore[attr-defined]
    changed_at = page.evaluate("window.__changedAt")  # type: ignore[attr-defined]
    values = form_values(page, "tiny_gpt")
    assert values["seed"] == "5" and values["length"] == "200"
    old, new = expected_text({**values, "seed": "0"}), expected_text(values)
    assert old[:10] != new[:10]  # the two texts part at once: each step shown says whose it is
    before = [s for s in shown if s["t"] < changed_at]
    after = [s for s in shown if s["t"] > changed_at]
    assert before and all(old.startswith(written(s["text"])) for s in before)
    # the old text never finished, and nothing of it showed once the control moved
    assert not any(s["final"] for s in before)
    for step in after:
        assert new.startswith(written(step["text"])), (step, new)
    assert [s["final"] for s in after].count(True) == 1 and after[-1]["final"]
    assert written(after[-1]["text"]) == new
    # the new text's first characters came long before the old 200 could have been written
    # (the benchmark measures the real delay; here only that it is bounded)
    assert after[0]["t"] - changed_at < 3000
    assert len(after) >= 2 and not after[0]["final"]
