"""Every value a demo's control offers gives a figure (under CPython; test_browser_controls.py
drives the same settings in the page's 32-bit Pyodide).

For each demo, with every choice of each of its Choice controls in turn (the model of the
attention demo, what the sampling demo draws, …), each slider is set to its minimum, middle and
maximum, each number box likewise, each toggle both ways and each other choice to every option:
the run must succeed, and a control whose values all draw the same figure must say why (its state
is disabled, or carries a note).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from genai_course.demo import Choice, Control, Number, Slider, Toggle, load_program, run_demo

DEMOS = Path(__file__).resolve().parents[1] / "demos"
NAMES = sorted(p.stem for p in DEMOS.glob("*.py"))


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(float(x), 10))


def control_values(control: Control) -> list[str]:
    """The raw values the page can send for a control: ends and middle, every option, on/off."""
    if isinstance(control, Slider):
        steps = round((control.max - control.min) / control.step)
        middle = control.min + (steps // 2) * control.step
        return [_num(control.min), _num(middle), _num(control.max)]
    if isinstance(control, Number):
        middle = (control.min + control.max) / 2
        return [_num(control.min), _num(int(middle) if control.integer else middle),
                _num(control.max)]  # fmt: skip
    if isinstance(control, Toggle):
        return ["false", "true"]
    if isinstance(control, Choice):
        return [value for value, _ in control.options]
    return []  # free text: its bad values are tested demo by demo


def contexts(controls: list[Control]) -> Iterator[dict[str, str]]:
    """The defaults, then each option of each Choice on its own."""
    yield {}
    for control in controls:
        if isinstance(control, Choice):
            for value, _ in control.options:
                if value != control.default:
                    yield {control.name: value}


def settings(name: str) -> Iterator[tuple[dict[str, str], Control, list[str]]]:
    source = (DEMOS / f"{name}.py").read_text(encoding="utf-8")
    controls = list(getattr(load_program(source, name), "CONTROLS", []))
    for context in contexts(controls):
        for control in controls:
            if control.name not in context and control_values(control):
                yield context, control, control_values(control)


def run(name: str, raw: dict[str, str]) -> dict[str, Any]:
    source = (DEMOS / f"{name}.py").read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(run_demo(source, name, raw))
    return result


SPEED = " Speed: "


def drawn(result: dict[str, Any]) -> str:
    # the tiny GPT reports its speed, which differs from run to run
    return str(result["html"]) + str(result["summary"]).split(SPEED)[0]


def test_every_demo_with_controls_is_tried() -> None:
    # numpy_check (the "Try it" page) has one text box, nothing else
    assert [n for n in NAMES if not any(settings(n))] == ["numpy_check"]


@pytest.mark.parametrize("name", [n for n in NAMES if n != "numpy_check"])
def test_every_value_of_every_control_gives_a_figure(name: str) -> None:
    tried = 0
    for context, control, values in settings(name):
        figures = set()
        states = []
        for value in values:
            raw = {**context, control.name: value}
            result = run(name, raw)
            tried += 1
            assert result["ok"], (
                f"{name}: {raw} gives no figure: {result.get('errors') or result.get('traceback')}"
            )
            figures.add(drawn(result))
            states.append(result["controls"].get(control.name, {}))
        said_why = any(s.get("disabled") or s.get("note") for s in states)
        assert len(figures) > 1 or said_why, (
            f"{name}: with {context or 'the defaults'}, {control.label!r} changes nothing across "
            f"{values} and does not say why"
        )
    assert tried > 0
    print(f"{name}: {tried} settings")


def test_the_attention_demo_offers_each_models_own_heads_and_layers() -> None:
    it = run("attention", {"model": "it", "head": "4", "layer": "4"})
    assert it["ok"], it
    # the "it" model has 2 layers of 2 heads: the sliders end there, and the run used 2 and 2
    assert it["controls"]["head"]["max"] == 2 and it["controls"]["layer"]["max"] == 2
    assert "Layer 2, head 2" in it["html"]
    assert it["controls"]["causal"]["disabled"] and it["controls"]["causal"]["note"]
    toy = run("attention", {"model": "toy", "head": "4"})
    assert "head" not in toy["controls"] and "Attention weights of head 4" in toy["html"]
    assert toy["controls"]["layer"]["disabled"] and toy["controls"]["silence"]["disabled"]
    gpt = run("attention", {"model": "gpt", "head": "4", "layer": "4"})
    assert gpt["controls"]["head"]["max"] == 4 and "layer 4, head 4" in gpt["html"]


def test_the_sampling_demos_top_k_ends_at_the_number_of_words() -> None:
    ten = run("sampling", {"top_k": "20"})
    assert ten["controls"]["top_k"]["max"] == 10
    assert "After top-k 10 " in ten["html"]
    three = run("sampling", {"logits": "a: 1, b: 2, c: 3", "top_k": "20"})
    assert three["controls"]["top_k"]["max"] == 3 and "After top-k 3 " in three["html"]
    # the seed means something only once words are drawn
    assert run("sampling", {"draw": "none"})["controls"]["seed"]["disabled"]
    assert "seed" not in run("sampling", {"draw": "many"})["controls"]


def test_the_attention_demo_reads_the_tiny_gpt_only_when_it_is_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from genai_course import gpt

    model = gpt.load_model()
    # a fresh process: the model not read yet
    monkeypatch.setattr(gpt, "_packaged", [])
    reads: list[None] = []

    def counted(path: object = None) -> gpt.TinyGPT:
        reads.append(None)
        return model

    monkeypatch.setattr(gpt, "load_model", counted)
    source = (DEMOS / "attention.py").read_text()
    program = load_program(source, "attention_lazy_gpt")
    sizes = (program.GPT_LAYERS, program.GPT_HEADS)
    assert sizes == (model.n_layer, model.n_head)
    for name in ("it", "toy"):
        assert json.loads(run_demo(source, "attention_lazy_gpt", {"model": name}))["ok"]
    assert reads == []
    chosen = json.loads(run_demo(source, "attention_lazy_gpt", {"model": "gpt", "layer": "4"}))
    assert chosen["ok"] and reads
    assert chosen["controls"]["layer"]["max"] == model.n_layer
