"""What a demo program is made of, and how one is run — the same code at build time and in the page.

A demo program (``demos/<name>.py``) declares its controls and a ``render`` function:

    CONTROLS = [Slider("d_model", "Model width d_model", 2, 128, 2, default=16)]

    def render(d_model: int) -> View:
        return View([Panel("Encoding", svg_markup)], summary="16 × 16 encoding")

``run_demo`` executes a program's source, checks the raw control values against ``CONTROLS`` and
calls ``render``. It returns plain JSON, so the MkDocs plugin (CPython) and the Web Worker
(Pyodide) show exactly the same thing.

A ``render`` that takes time (the tiny GPT writing text) may ``yield`` a View after each step
instead of returning one: the last View is the result, and the ones before it are passed to
``on_partial`` as they come (the first at once, then at most one every ``PARTIAL_INTERVAL``
seconds; the same object yielded again is not sent again), so the page can show
the text being written. At build time only the last one is used. It may also yield a function that
returns the View: only those the page is sent are then drawn. ``start_demo`` runs a program in
slices of time, so the worker can stop a run that a newer request replaces.

What a control offers may depend on the other controls: the attention demo's "it" model has 2
heads where the untrained one has 4, and a random seed means nothing until words are drawn. A
program says so with ``control_states(values) -> {name: ControlState}``: a slider's ``max`` for
these values (the value is brought down to it before ``render`` sees it), ``disabled`` for a control
that does nothing here, and a ``note`` that says why. The page applies the states it is sent, so
every value a control offers gives a figure.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import linecache
import math
import time
import traceback
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

__all__ = [
    "Choice",
    "Control",
    "ControlError",
    "ControlState",
    "DemoRun",
    "Number",
    "Panel",
    "Slider",
    "Text",
    "Toggle",
    "View",
    "control_states",
    "defaults",
    "load_program",
    "parse_controls",
    "programs_loaded",
    "result_html",
    "run_demo",
    "start_demo",
    "warm_up",
]

# The most output a run may print before it is cut: a megabyte of text must not freeze the page.
MAX_OUTPUT_CHARS = 20_000
# The least time between two partial results of a render that yields: the page redraws at most
# this often, and spends the rest of the time computing.
PARTIAL_INTERVAL = 0.1


@dataclass(frozen=True)
class Slider:
    """A number chosen on a range; ``step`` of 1 on whole-number bounds makes it an integer."""

    name: str
    label: str
    min: float
    max: float
    step: float
    default: float
    help: str = ""
    kind: str = field(default="slider", init=False)

    @property
    def integer(self) -> bool:
        return all(float(v).is_integer() for v in (self.min, self.max, self.step, self.default))

    def parse(self, raw: object) -> int | float:
        return _parse_number(self.label, raw, self.min, self.max, self.integer)


@dataclass(frozen=True)
class Number:
    """A number typed in a box (for values that a slider would make awkward, such as a seed)."""

    name: str
    label: str
    min: float
    max: float
    default: float
    integer: bool = False
    help: str = ""
    kind: str = field(default="number", init=False)

    def parse(self, raw: object) -> int | float:
        return _parse_number(self.label, raw, self.min, self.max, self.integer)


@dataclass(frozen=True)
class Text:
    """Free text, such as a sentence; ``max_length`` bounds the work one value can cause."""

    name: str
    label: str
    default: str
    max_length: int = 200
    multiline: bool = False
    help: str = ""
    # the page keeps what the learner typed across reloads (a pasted text, like exercise code)
    keep: bool = False
    # empty text is a value (the program says when it needs some)
    optional: bool = False
    kind: str = field(default="text", init=False)

    def parse(self, raw: object) -> str:
        text = "" if raw is None else str(raw)
        if not text.strip() and not self.optional:
            raise ValueError(f"{self.label}: please enter some text.")
        if len(text) > self.max_length:
            raise ValueError(
                f"{self.label}: at most {self.max_length} characters, got {len(text)}."
            )
        return text


@dataclass(frozen=True)
class Toggle:
    """An on/off switch."""

    name: str
    label: str
    default: bool = False
    help: str = ""
    kind: str = field(default="toggle", init=False)

    def parse(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in {"true", "1", "on", "yes"}:
            return True
        if str(raw).lower() in {"false", "0", "off", "no", ""}:
            return False
        raise ValueError(f"{self.label}: expected on or off, got {_shown(raw)}.")


@dataclass(frozen=True)
class Choice:
    """One of a few named options."""

    name: str
    label: str
    options: tuple[tuple[str, str], ...]  # (value, label shown)
    default: str
    help: str = ""
    kind: str = field(default="choice", init=False)

    def parse(self, raw: object) -> str:
        values = [value for value, _ in self.options]
        if str(raw) not in values:
            raise ValueError(f"{self.label}: choose one of {', '.join(values)}; got {_shown(raw)}.")
        return str(raw)


Control = Slider | Number | Text | Toggle | Choice


class ControlError(ValueError):
    """A value of one control that the program cannot draw (a word a model does not know): the
    page shows the message beside that control, and keeps the last figure."""

    def __init__(self, control: str, message: str) -> None:
        super().__init__(message)
        self.control = control


@dataclass(frozen=True)
class ControlState:
    """What a control offers for the other controls' values (from a program's ``control_states``).

    ``max`` lowers a slider's upper end (never below its ``min``); ``disabled`` marks a control that
    changes nothing for these values; ``note`` says why, next to the control.
    """

    max: float | None = None
    disabled: bool = False
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"max": self.max, "disabled": self.disabled, "note": self.note}


StatesFunction = Callable[[dict[str, Any]], Mapping[str, ControlState]]


def control_states(
    program: types.ModuleType, controls: Sequence[Control], values: dict[str, Any]
) -> dict[str, ControlState]:
    """The program's control states for ``values``; sliders above their ``max`` are brought down
    to it in ``values`` (in place), so ``render`` draws what the page then shows."""
    function: StatesFunction | None = getattr(program, "control_states", None)
    states = dict(function(dict(values))) if function is not None else {}
    by_name = {c.name: c for c in controls}
    for name, state in states.items():
        control = by_name.get(name)
        if control is None:
            raise NameError(f"control_states(...) names no control {name!r}")
        if state.max is not None:
            if not isinstance(control, Slider):
                raise TypeError(f"control_states(...): only a slider has a max, not {name!r}")
            top = max(control.min, min(control.max, state.max))
            # the highest value the slider can reach below the new max, on its own steps
            steps = math.floor((top - control.min) / control.step + 1e-9)
            top = control.min + steps * control.step
            top = int(top) if control.integer else round(top, 10)
            states[name] = ControlState(top, state.disabled, state.note)
            if values[name] > top:
                values[name] = top
    return states


@dataclass(frozen=True)
class Panel:
    """One figure of a demo: SVG markup, and its text alternative (an HTML table or a sentence)."""

    title: str
    svg: str
    alt: str = ""  # HTML (a data table) that says what the figure shows
    caption: str = ""


@dataclass(frozen=True)
class View:
    """What ``render`` returns: the figures, and one sentence announced to screen readers."""

    panels: Sequence[Panel]
    summary: str
    # the page runs the program again at once, with the same values, after showing this View: a
    # long computation (training a model) done in short runs that Pause, Stop or a control ends
    again: bool = False


def _parse_number(label: str, raw: object, low: float, high: float, integer: bool) -> int | float:
    text = "" if raw is None else str(raw).strip()
    if text == "":
        raise ValueError(f"{label}: please enter a number.")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{label}: {_shown(text)} is not a number.") from None
    if math.isnan(value):
        raise ValueError(f"{label}: NaN is not a number.")
    if not low <= value <= high:
        raise ValueError(
            f"{label}: must be between {_fmt(low)} and {_fmt(high)}, got {_shown(text)[1:-1]}."
        )
    if integer:
        if not value.is_integer():
            raise ValueError(f"{label}: must be a whole number, got {_shown(text)[1:-1]}.")
        return int(value)
    return value


def _shown(value: object) -> str:
    """A value quoted in a message, cut short: a message must stay readable next to a control."""
    text = str(value)
    return repr(text if len(text) <= 24 else text[:20] + "…")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def defaults(controls: Sequence[Control]) -> dict[str, Any]:
    """The default value of every control, by name."""
    return {
        c.name: c.parse(c.default) if not isinstance(c, Toggle) else c.default for c in controls
    }


def parse_controls(
    controls: Sequence[Control], raw: Mapping[str, object]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check raw control values (strings from the page); return (values, errors by control name)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for control in controls:
        try:
            values[control.name] = control.parse(raw.get(control.name, control.default))
        except ValueError as error:
            errors[control.name] = str(error)
    return values, errors


# The latest program run for each demo name, with the hash of its source: a page with two demos
# switches between them without running either program again, and an edit replaces its own entry.
_PROGRAMS: dict[str, tuple[str, types.ModuleType]] = {}
# how many times a program was executed (not taken from _PROGRAMS)
_LOADED = [0]


def programs_loaded() -> int:
    """How many programs ``load_program`` has executed so far: the page's worker reports it
    with each run, so a run that found its program ready (warmed up) can be told apart."""
    return _LOADED[0]


def load_program(source: str, name: str, filename: str | None = None) -> types.ModuleType:
    """Execute a demo program's source as a fresh module (cached by name and text); tracebacks
    call it ``filename`` (by default ``demos/<name>.py``)."""
    key = hashlib.sha256(source.encode()).hexdigest()
    cached = _PROGRAMS.get(name)
    if cached is not None and cached[0] == key:
        return cached[1]
    filename = filename or f"demos/{name}.py"
    module = types.ModuleType(f"demo_{name}")
    module.__file__ = filename
    # tracebacks then show the learner's own lines, not just their numbers
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec")
    _LOADED[0] += 1
    exec(code, module.__dict__)
    _PROGRAMS[name] = (key, module)
    return module


class _BoundedWriter(io.StringIO):
    """Collects printed text up to MAX_OUTPUT_CHARS and counts what it had to drop."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def write(self, text: str) -> int:
        room = MAX_OUTPUT_CHARS - self.tell()
        if room > 0:
            super().write(text[:room])
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self) -> str:
        out = self.getvalue()
        if self.dropped:
            out += f"\n… output cut: {self.dropped:,} more characters were printed."
        return out


def _readable_traceback(error: BaseException) -> str:
    """The traceback from the learner's program down, without the runner's own frames."""
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if not f.filename.endswith(("genai_course/demo.py", "genai_course\\demo.py"))
    ]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)


def run_demo(
    source: str,
    name: str,
    raw: Mapping[str, object] | None = None,
    on_partial: Callable[[str], object] | None = None,
) -> str:
    """Run a demo program with raw control values and return the result as JSON.

    The JSON has ``ok``; then either ``panels`` and ``summary``, or ``errors`` (messages by control
    name, plus ``""`` for a message about the whole demo) or ``traceback``; and always ``output``
    (what the program printed, bounded). If ``render`` yields, ``on_partial`` receives the JSON of
    the Views before the last one (``partial`` is then true): the first at once, then no more often
    than PARTIAL_INTERVAL.
    """
    result = start_demo(source, name, raw, on_partial).advance(math.inf)
    assert result is not None  # an unbounded slice always finishes
    return result


# A View, or (from a render that yields) a function that draws it only if it is shown.
_Step = View | Callable[[], View]


class DemoRun:
    """One run of a demo program, done a slice of time at a time (``start_demo``)."""

    def __init__(
        self,
        source: str,
        name: str,
        raw: Mapping[str, object] | None,
        on_partial: Callable[[str], object] | None,
    ) -> None:
        self.name = name
        self.on_partial = on_partial
        self.writer = _BoundedWriter()
        self.result: dict[str, Any] | None = None
        # the control states for these values, sent with every result once the values are valid
        self.controls: dict[str, dict[str, Any]] | None = None
        self.views: Iterator[_Step] | None = None
        self.last: _Step | None = None
        # the first step is shown at once, the others at most every PARTIAL_INTERVAL; a step
        # yielded again (the same object: nothing new to draw) is not sent again
        self.sent = -math.inf
        self.shown: _Step | None = None
        with self._output():
            try:
                program = load_program(source, name)
                controls: Sequence[Control] = getattr(program, "CONTROLS", [])
                render: Callable[..., View | Iterator[_Step]] | None = getattr(
                    program, "render", None
                )
                if render is None:
                    raise NameError("the program must define a function render(...)")
                values, errors = parse_controls(controls, raw or {})
                if errors:
                    self.result = {"ok": False, "errors": errors}
                else:
                    states = control_states(program, controls, values)
                    self.controls = {n: state.as_json() for n, state in states.items()}
                    self._guarded(lambda: self._render(render, values))
            except Exception as error:  # a learner's program may raise anything; show it
                self.result = {"ok": False, "traceback": _readable_traceback(error)}

    def _output(self) -> contextlib.ExitStack:
        stack = contextlib.ExitStack()
        stack.enter_context(contextlib.redirect_stdout(self.writer))
        stack.enter_context(contextlib.redirect_stderr(self.writer))
        return stack

    def _guarded(self, step: Callable[[], None]) -> None:
        try:
            step()
        except ValueError as error:
            # the library's checks raise ValueError with a message written for learners
            self.result = {
                "ok": False,
                "errors": {getattr(error, "control", ""): str(error)},
                "traceback": _readable_traceback(error),
            }

    def _render(
        self, render: Callable[..., View | Iterator[_Step]], values: dict[str, Any]
    ) -> None:
        view = render(**values)
        if isinstance(view, Iterator):
            self.views = view
        else:
            self.result = _view_result(view)

    def _step(self) -> None:
        """Take one View from a render that yields; pass the one before on to ``on_partial``."""
        assert self.views is not None
        try:
            view = next(self.views)
        except StopIteration:
            if self.last is None:
                raise ValueError("render(...) yielded no View") from None
            self.result = _view_result(_drawn(self.last))
            return
        if self.last is not None and self.on_partial is not None and self.last is not self.shown:
            now = time.perf_counter()
            if now - self.sent >= PARTIAL_INTERVAL:
                self.shown = self.last
                partial = {**_view_result(_drawn(self.last)), "partial": True}
                if self.controls is not None:
                    partial["controls"] = self.controls
                partial["html"] = result_html(partial, self.name)
                self.on_partial(json.dumps(partial))
                self.sent = now
        self.last = view

    def advance(self, seconds: float) -> str | None:
        """Run for about ``seconds`` (at least one step): the result's JSON once done, else None.

        Between two calls the caller may do other things — the worker reads its messages — and
        may drop the run (``close``) instead of going on.
        """
        if self.result is None:
            deadline = time.perf_counter() + seconds
            with self._output():
                try:
                    while self.result is None:
                        self._guarded(self._step)
                        if time.perf_counter() >= deadline:
                            break
                except Exception as error:
                    self.result = {"ok": False, "traceback": _readable_traceback(error)}
        if self.result is None:
            return None
        result = {**self.result, "output": self.writer.text()}
        if self.controls is not None:
            result["controls"] = self.controls
        if result["ok"]:
            result["html"] = result_html(result, self.name)
        return json.dumps(result)

    def close(self) -> None:
        """Stop a render that yields where it is (a newer request replaces it)."""
        close = getattr(self.views, "close", None)
        if close is not None:
            with self._output(), contextlib.suppress(Exception):
                close()


def start_demo(
    source: str,
    name: str,
    raw: Mapping[str, object] | None = None,
    on_partial: Callable[[str], object] | None = None,
) -> DemoRun:
    """Start running a demo program: ``run_demo`` in slices (``DemoRun.advance``).

    The program is loaded, the controls checked and ``render`` called at once; a render that
    yields is then advanced a slice of time at a time, so the worker can read a newer request
    between two slices and stop this run (``DemoRun.close``) instead of finishing it.
    """
    return DemoRun(source, name, raw, on_partial)


def warm_up(source: str, name: str) -> DemoRun | None:
    """A render with the default values, whose figure nobody sees: what the page's worker runs
    before the learner acts, so that the first change finds the program's code in use. None for
    a program that keeps state between runs (a ``STATE``, as the language-model trainer keeps its
    model): a render ahead of the learner would change what the learner's first run finds."""
    if hasattr(load_program(source, name), "STATE"):
        return None
    return DemoRun(source, name, {}, None)


def _drawn(step: _Step) -> View:
    # a render that yields may yield a function that draws the View: only Views shown are drawn
    return step if isinstance(step, View) else step()


def _view_result(view: object) -> dict[str, Any]:
    if not isinstance(view, View):
        raise TypeError(f"render(...) must return a View, got {type(view).__name__}")
    return {
        "ok": True,
        **({"again": True} if view.again else {}),
        "summary": view.summary,
        "panels": [
            {"title": p.title, "svg": p.svg, "alt": p.alt, "caption": p.caption}
            for p in view.panels
        ],
    }


def result_html(result: dict[str, Any], demo: str) -> str:
    """The figures of a successful run, as the page shows them (the worker's results look alike)."""
    parts = []
    for index, panel in enumerate(result["panels"]):
        alt = (
            f'<details class="gc-alt"><summary>Show the data as text</summary>{panel["alt"]}'
            "</details>"
            if panel["alt"]
            else ""
        )
        caption = (
            f'<p class="gc-caption">{escape(panel["caption"])}</p>' if panel["caption"] else ""
        )
        parts.append(
            f'<figure class="gc-panel" data-panel="{index}" aria-labelledby="gc-{demo}-p{index}">'
            f'<figcaption id="gc-{demo}-p{index}">{escape(panel["title"])}</figcaption>'
            f'<div class="gc-figure">{panel["svg"]}</div>{caption}{alt}</figure>'
        )
    return "".join(parts)
