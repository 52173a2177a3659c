"""The demo embedding: one Markdown line becomes a live demo whose first figure is already drawn.

At build time the demo program runs under CPython with its default control values; its figures,
its controls and its source are written into the page. In the browser the runtime script takes
over when the learner acts (see ``assets/runtime.js``).
"""

from __future__ import annotations

import difflib
import json
from html import escape
from pathlib import Path

from genai_course.demo import (
    Choice,
    Control,
    ControlState,
    Number,
    Slider,
    Text,
    Toggle,
    load_program,
    run_demo,
)

__all__ = ["DemoError", "render_demo_html"]


class DemoError(Exception):
    """A demo program is missing, or its default state does not render."""


def _control_html(demo: str, control: Control, state: ControlState) -> str:
    cid = f"gc-{demo}-{control.name}"
    message = f'<p class="gc-message" id="{cid}-msg" data-message-for="{control.name}"></p>'
    help_text = (
        f'<p class="gc-help" id="{cid}-help">{escape(control.help)}</p>' if control.help else ""
    )
    # why a control does nothing, or offers less, for the other controls' values (runtime.js
    # rewrites it when they change)
    message += (
        f'<p class="gc-note" id="{cid}-note" data-note-for="{control.name}"'
        f"{'' if state.note else ' hidden'}>{escape(state.note)}</p>"
    )
    described = f"{cid}-msg {cid}-note" + (f" {cid}-help" if control.help else "")
    label = f'<label for="{cid}">{escape(control.label)}</label>'
    disabled = " disabled" if state.disabled else ""
    common = f'id="{cid}" name="{control.name}" aria-describedby="{described}"{disabled}'
    if isinstance(control, Slider):
        top = control.max if state.max is None else state.max
        value = _num(min(control.default, top))
        # data-max: the slider's own upper end, restored when a state no longer lowers it
        field = (
            f'<input type="range" {common} min="{_num(control.min)}" max="{_num(top)}" '
            f'data-max="{_num(control.max)}" step="{_num(control.step)}" value="{value}">'
            f'<output for="{cid}" class="gc-value">{value}</output>'
        )
    elif isinstance(control, Number):
        field = (
            f'<input type="text" inputmode="decimal" {common} value="{_num(control.default)}" '
            f'autocomplete="off">'
        )
    elif isinstance(control, Text):
        if control.multiline:
            # data-keep: the runtime keeps the learner's text across reloads
            keep = " data-keep" if control.keep else ""
            field = f'<textarea {common} rows="3"{keep}>{escape(control.default)}</textarea>'
        else:
            field = (
                f'<input type="text" {common} value="{escape(control.default)}" '
                f'autocomplete="off" spellcheck="false">'
            )
    elif isinstance(control, Toggle):
        checked = " checked" if control.default else ""
        return (
            f'<div class="gc-control gc-toggle" data-control="{control.name}">'
            f'<input type="checkbox" {common}{checked}>{label}{help_text}{message}</div>'
        )
    elif isinstance(control, Choice):
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if v == control.default else ""}>'
            f"{escape(text)}</option>"
            for v, text in control.options
        )
        field = f"<select {common}>{options}</select>"
    else:  # pragma: no cover - the Control union is closed
        raise DemoError(f"unknown control {control!r}")
    return (
        f'<div class="gc-control gc-{control.kind}" data-control="{control.name}">'
        f"{label}{field}{help_text}{message}</div>"
    )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _unknown_demo(name: str, demos_dir: Path) -> str:
    """No such demo: the ones there are, and the nearest to what was written."""
    known = sorted(p.stem for p in demos_dir.glob("*.py") if not p.name.startswith("_"))
    nearest = difflib.get_close_matches(name, known, n=1)
    guess = f'Did you mean {{{{ demo("{nearest[0]}") }}}}? ' if nearest else ""
    return (
        f'no demo called "{name}" (used as {{{{ demo("{name}") }}}}): there is no '
        f"{demos_dir / (name + '.py')}. {guess}The demos are: {', '.join(known) or 'none'}"
    )


def render_demo_html(name: str, demos_dir: Path) -> str:
    """The whole demo block for the page, with the default state computed now, under CPython."""
    path = demos_dir / f"{name}.py"
    if not path.is_file():
        raise DemoError(_unknown_demo(name, demos_dir))
    source = path.read_text(encoding="utf-8")
    result = json.loads(run_demo(source, name))
    if not result["ok"]:
        detail = result.get("traceback") or json.dumps(result.get("errors"))
        raise DemoError(f"demo {name!r} fails with its default values:\n{detail}")
    controls = getattr(load_program(source, name), "CONTROLS", [])
    states = {n: ControlState(**state) for n, state in result.get("controls", {}).items()}
    controls_html = "".join(
        _control_html(name, c, states.get(c.name, ControlState())) for c in controls
    )
    output = escape(result["output"])
    return (
        f'<div class="gc-demo" id="gc-demo-{name}" data-demo="{name}">'
        f'<form class="gc-controls" novalidate aria-label="Controls of the {name} demo">'
        f"{controls_html}</form>"
        f'<p class="gc-message gc-demo-message" data-message-for=""></p>'
        f'<div class="gc-panels">{result["html"]}</div>'
        f'<p class="gc-status" role="status" aria-live="polite" data-state="static">'
        f"Figures computed when the site was built. Change a control to recompute them in your "
        f"browser.</p>"
        f'<p class="visually-hidden gc-summary">{escape(result["summary"])}</p>'
        f'<details class="gc-editor"><summary>Edit and run the code</summary>'
        f'<label class="visually-hidden" for="gc-{name}-code">Python source of the {name} demo'
        f"</label>"
        f'<textarea id="gc-{name}-code" class="gc-code" spellcheck="false" rows="18" wrap="off"'
        f' autocapitalize="off" autocomplete="off">{escape(source)}</textarea>'
        f'<div class="gc-buttons">'
        f'<button type="button" class="md-button md-button--primary" data-action="run">Run'
        f"</button>"
        f'<button type="button" class="md-button" data-action="stop" disabled>Stop</button>'
        f'<button type="button" class="md-button" data-action="reset">Reset code</button>'
        f"</div>"
        f'<pre class="gc-output" aria-label="Output of the program">{output}</pre>'
        f"</details></div>"
    )
