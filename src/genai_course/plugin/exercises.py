"""The exercises: one Markdown file each in ``exercises/``, read, checked and laid out.

An exercise file has YAML front matter (title, topic, the function the learner writes, the
reference it is compared with, the checks, the known mistakes) and a Markdown body: the statement,
then ``## Starter`` and ``## Solution`` (one Python code block each) and ``## Hints`` (a numbered
list). ``load_exercises`` validates every file against a MkDocs ``Config`` schema, as the data
files are; ``verify_exercise`` runs it under CPython: the solution passes every check, the starter
fails one, and each known mistake is caught with its own hint. Anything wrong stops the build with
a message that names the file.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config

from genai_course.exercise import check_exercise
from genai_course.plugin.data import DataError, checked_entry

__all__ = [
    "Exercise",
    "ExerciseError",
    "exercise_html",
    "exercises_index_markdown",
    "load_exercise",
    "load_exercises",
    "progress_html",
    "scaffold",
    "verify_exercise",
]

SECTIONS = ("Starter", "Solution", "Hints")


class ExerciseError(Exception):
    """An exercise file is malformed, or its solution, starter or mistakes do not behave."""


class _CheckSchema(Config):
    label = opt.Type(str)
    public = opt.Type(bool, default=False)
    call = opt.Optional(opt.Type(str))
    property = opt.Optional(opt.Type(str))
    seed = opt.Type(int, default=0)
    compare = opt.Optional(opt.Choice(("allclose", "equal")))
    rtol = opt.Optional(opt.Type((int, float)))
    atol = opt.Optional(opt.Type((int, float)))


class _MistakeSchema(Config):
    name = opt.Type(str)
    hint = opt.Type(str)
    code = opt.Type(str)


class _ExerciseSchema(Config):
    title = opt.Type(str)
    topic = opt.Type(str)
    function = opt.Type(str)
    signature = opt.Type(str, default="(...)")
    reference = opt.Type(str)
    compare = opt.Choice(("allclose", "equal"), default="allclose")
    rtol = opt.Type((int, float), default=1e-6)
    atol = opt.Type((int, float), default=1e-9)
    # failed checks before the reference solution may be shown
    attempts = opt.Type(int, default=3)
    checks = opt.ListOfItems(opt.Type(dict))
    mistakes = opt.ListOfItems(opt.Type(dict), default=[])


_REQUIRED = {
    _ExerciseSchema: ("title", "topic", "function", "reference", "checks"),
    _CheckSchema: ("label",),
    _MistakeSchema: ("name", "hint", "code"),
}


@dataclass(frozen=True)
class Exercise:
    name: str
    path: Path
    title: str
    topic: str
    statement: str  # Markdown
    starter: str
    solution: str
    hints: tuple[str, ...]  # Markdown, one per hint
    attempts: int
    spec: dict[str, Any]  # what the checker needs (genai_course.exercise), as JSON-ready data

    @property
    def public_checks(self) -> list[dict[str, Any]]:
        return [c for c in self.spec["checks"] if c.get("public")]


def _validated(path: Path, label: str, raw: Mapping[str, Any], schema: type[Config]) -> Config:
    try:
        return checked_entry(path, label, raw, schema, _REQUIRED[schema])
    except DataError as error:
        raise ExerciseError(str(error)) from None


def _split(path: Path, text: str) -> tuple[dict[str, Any], str]:
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.DOTALL)
    if not match:
        raise ExerciseError(f"{path}: must start with YAML front matter between '---' lines")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise ExerciseError(f"{path}: the front matter is not valid YAML: {error}") from None
    if not isinstance(meta, dict):
        raise ExerciseError(f"{path}: the front matter must be a mapping of fields")
    return meta, match.group(2)


def _sections(path: Path, body: str) -> tuple[str, dict[str, str]]:
    parts = re.split(r"^## +(.+?)\s*$", body, flags=re.MULTILINE)
    statement, sections = parts[0].strip(), {}
    for heading, content in zip(parts[1::2], parts[2::2], strict=True):
        if heading not in SECTIONS:
            raise ExerciseError(
                f"{path}: unknown section '## {heading}'; the sections are "
                + ", ".join(f"'## {s}'" for s in SECTIONS)
            )
        sections[heading] = content.strip()
    for heading in SECTIONS:
        if heading not in sections:
            raise ExerciseError(f"{path}: missing section '## {heading}'")
    if not statement:
        raise ExerciseError(f"{path}: the statement (text before '## Starter') is empty")
    return statement, sections


def _code(path: Path, section: str, content: str) -> str:
    blocks = re.findall(r"^```(?:python|py)?\n(.*?)^```\s*$", content, re.DOTALL | re.MULTILINE)
    if len(blocks) != 1:
        raise ExerciseError(
            f"{path}: '## {section}' must hold exactly one ```python code block, "
            f"found {len(blocks)}"
        )
    return str(blocks[0])


def _hints(path: Path, content: str) -> tuple[str, ...]:
    items = re.split(r"^\d+\.\s+", content, flags=re.MULTILINE)
    hints = tuple(" ".join(item.split()) for item in items[1:] if item.strip())
    if not hints or items[0].strip():
        raise ExerciseError(f"{path}: '## Hints' must be a numbered list (1. …, 2. …)")
    return hints


def load_exercise(path: Path, topics: Sequence[str]) -> Exercise:
    """Read and validate one exercise file (nothing is run here; see ``verify_exercise``)."""
    if not path.is_file():
        raise ExerciseError(f"{path}: file not found")
    meta, body = _split(path, path.read_text(encoding="utf-8"))
    c = _validated(path, "front matter", meta, _ExerciseSchema)
    if c["topic"] not in topics:
        raise ExerciseError(
            f"{path}: unknown topic {c['topic']!r}; known topics: " + ", ".join(sorted(topics))
        )
    if not re.fullmatch(r"[A-Za-z_]\w*", c["function"]):
        raise ExerciseError(f"{path}: function {c['function']!r} is not a Python name")
    if c["attempts"] < 0:
        raise ExerciseError(f"{path}: attempts must be 0 or more, got {c['attempts']}")
    checks = []
    for i, raw in enumerate(c["checks"]):
        check = _validated(path, f"check {i + 1}", raw, _CheckSchema)
        if (check["call"] is None) == (check["property"] is None):
            raise ExerciseError(f"{path}: check {i + 1}: give exactly one of 'call' or 'property'")
        checks.append({k: v for k, v in check.items() if v is not None})
    if not any(check.get("public") for check in checks):
        raise ExerciseError(f"{path}: at least one check must be public (public: true)")
    if all(check.get("public") for check in checks):
        raise ExerciseError(
            f"{path}: every check is public; add further checks the learner does not see, so "
            "code that fits only the visible examples does not pass"
        )
    mistakes = [
        dict(_validated(path, f"mistake {i + 1}", raw, _MistakeSchema))
        for i, raw in enumerate(c["mistakes"])
    ]
    statement, sections = _sections(path, body)
    spec = {
        "name": path.stem,
        "function": c["function"],
        "signature": c["signature"],
        "reference": c["reference"],
        "compare": c["compare"],
        "rtol": c["rtol"],
        "atol": c["atol"],
        "checks": checks,
        "mistakes": mistakes,
    }
    return Exercise(
        name=path.stem,
        path=path,
        title=c["title"],
        topic=c["topic"],
        statement=statement,
        starter=_code(path, "Starter", sections["Starter"]),
        solution=_code(path, "Solution", sections["Solution"]),
        hints=_hints(path, sections["Hints"]),
        attempts=c["attempts"],
        spec=spec,
    )


def load_exercises(folder: Path, topics: Sequence[str]) -> dict[str, Exercise]:
    """Every ``*.md`` in ``folder``, by name (the file name without ``.md``)."""
    if not folder.is_dir():
        return {}
    exercises = {}
    for path in sorted(folder.glob("*.md")):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-_]*", path.stem):
            raise ExerciseError(f"{path}: name exercise files in lower case, e.g. top-p.md")
        exercises[path.stem] = load_exercise(path, topics)
    return exercises


def verify_exercise(exercise: Exercise) -> None:
    """Run the exercise under CPython: raise ``ExerciseError`` if it would mislead a learner."""
    where = exercise.path

    def run(source: str) -> dict[str, Any]:
        # the starter's and the mistakes' overflow warnings are expected: not build-log noise
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result: dict[str, Any] = json.loads(check_exercise(exercise.spec, source))
        return result

    solved = run(exercise.solution)
    if not solved["ok"]:
        failure = solved.get("failure", {})
        raise ExerciseError(
            f"{where}: the reference solution fails check {failure.get('check')} "
            f"({failure.get('label')}): {failure.get('problem')}"
            + (f"\n{failure['traceback']}" if failure.get("traceback") else "")
        )
    if run(exercise.starter)["ok"]:
        raise ExerciseError(f"{where}: the starter code passes every check; it should not")
    for mistake in exercise.spec["mistakes"]:
        result = run(mistake["code"])
        if result["ok"]:
            raise ExerciseError(
                f"{where}: known mistake {mistake['name']!r} passes every check; add a check "
                "that catches it"
            )
        caught = result["failure"].get("mistake", {}).get("name")
        if caught != mistake["name"]:
            raise ExerciseError(
                f"{where}: known mistake {mistake['name']!r} fails check "
                f"{result['failure']['check']} but is recognised as "
                f"{caught!r} instead of itself; its hint would not be shown"
            )


# -- the page ----------------------------------------------------------------------------------


def exercise_html(exercise: Exercise, markdown: Callable[[str], str]) -> str:
    """The exercise block of a topic page. ``markdown`` renders the statement and hints with the
    site's own Markdown extensions (formulas included)."""
    name = exercise.name
    spec = escape(json.dumps(exercise.spec), quote=True)
    public = "".join(
        f"<li><code>{escape(str(c.get('call') or c.get('label')))}</code>"
        f"{' — ' + escape(c['label']) if c.get('call') else ''}</li>"
        for c in exercise.public_checks
    )
    hidden = len(exercise.spec["checks"]) - len(exercise.public_checks)
    hints = "".join(f'<li class="gc-hint" hidden>{markdown(h)}</li>' for h in exercise.hints)
    attempts = exercise.attempts
    fence = f"```python\n{exercise.solution}```"
    unlock = (
        f"shown once you pass, after {attempts} failed check{'s' if attempts != 1 else ''}, or "
        "when you ask for it. Compare it with your own code."
    )
    return (
        f'<section class="gc-exercise" id="exercise-{name}" data-exercise="{name}" '
        f'data-attempts="{attempts}" data-topic="{escape(exercise.topic)}" '
        f'data-title="{escape(exercise.title, quote=True)}" data-spec="{spec}" '
        f'aria-labelledby="exercise-{name}-title">'
        f'<h3 class="gc-exercise-title" id="exercise-{name}-title">Exercise: '
        f"{escape(exercise.title)}</h3>"
        f'<div class="gc-statement">{markdown(exercise.statement)}</div>'
        f'<details class="gc-checks"><summary>What Check tests</summary>'
        f"<ul>{public}</ul><p>…and {hidden} further check{'s' if hidden != 1 else ''} "
        f"(edge cases and seeded random inputs) whose inputs are shown only if your code fails "
        f"them.</p></details>"
        f'<label class="gc-code-label" for="gc-exercise-{name}-code">Your code</label>'
        f'<textarea id="gc-exercise-{name}-code" class="gc-code gc-exercise-code" '
        f'spellcheck="false" rows="{max(8, exercise.starter.count(chr(10)) + 2)}" wrap="off" '
        f'autocapitalize="off" autocomplete="off">{escape(exercise.starter)}</textarea>'
        f'<p class="gc-keys">Ctrl-Enter (⌘-Enter on a Mac) checks your code.</p>'
        f'<div class="gc-buttons">'
        f'<button type="button" class="md-button md-button--primary" data-action="check">Check'
        f"</button>"
        f'<button type="button" class="md-button" data-action="stop" disabled>Stop</button>'
        f'<button type="button" class="md-button" data-action="hint">Show a hint</button>'
        f'<button type="button" class="md-button" data-action="solution">Show the solution'
        f"</button>"
        f'<button type="button" class="md-button" data-action="reset">Reset code</button>'
        f"</div>"
        f'<div class="gc-result" role="status" aria-live="polite" data-state="idle">'
        f"<p>Not checked yet. Checking runs Python in your browser; nothing is sent anywhere.</p>"
        f"</div>"
        f'<ol class="gc-hints" aria-label="Hints">{hints}</ol>'
        f'<div class="gc-solution" hidden><p class="gc-solution-note"><strong>Reference '
        f"solution</strong>, {escape(unlock)}</p>"
        f'<div class="gc-solution-code">{markdown(fence)}</div></div>'
        f"</section>"
    )


def exercises_index_markdown(
    exercises: Mapping[str, Exercise],
    topic_titles: Mapping[str, str],
    pages: Mapping[str, str],
    page_uri: str,
) -> str:
    """Every exercise, grouped by topic in the course's order, linked to the page that has it.

    ``pages`` maps an exercise name to the docs path of the page that embeds it."""
    from mkdocs.utils import get_relative_url

    lines = []
    for topic, title in topic_titles.items():
        mine = [e for e in exercises.values() if e.topic == topic]
        if not mine:
            continue
        lines.append(f"\n### {title}\n")
        for exercise in mine:
            target = pages.get(exercise.name)
            if target:
                link = get_relative_url(target, page_uri) + f"#exercise-{exercise.name}"
                lines.append(f"- [{exercise.title}]({link})")
            else:
                lines.append(f"- {exercise.title} *(not on a page yet)*")
    return "\n".join(lines) + "\n"


def progress_html(
    exercises: Mapping[str, Exercise],
    quiz: Sequence[tuple[str, str, str]],
    topic_titles: Mapping[str, str],
    links: Callable[[str], str | None],
) -> str:
    """The skeleton of the My progress page: every exercise and quiz question by topic; the page
    script fills in the learner's own state from the browser's storage.

    ``quiz`` holds (question id, topic, question); ``links(name)`` is the URL of an exercise."""
    parts = [
        '<div class="gc-progress" data-progress>',
        '<p class="gc-progress-total" role="status" aria-live="polite">'
        "Your progress is read from this browser when the page loads.</p>",
        '<div class="gc-progress-actions">'
        '<button type="button" class="md-button" data-action="export">Export my progress'
        "</button>"
        '<button type="button" class="md-button" data-action="import">Import progress…</button>'
        '<input type="file" id="gc-progress-import" hidden accept=".json,application/json" '
        'aria-label="Progress file to import">'
        '<button type="button" class="md-button" data-action="reset">Reset my progress</button>'
        "</div>"
        '<p class="gc-progress-message" role="alert"></p>',
    ]
    for topic, title in topic_titles.items():
        mine = [e for e in exercises.values() if e.topic == topic]
        questions = [q for q in quiz if q[1] == topic]
        if not mine and not questions:
            continue
        parts.append(
            f'<section class="gc-progress-topic" data-topic="{escape(topic)}">'
            f"<h2>{escape(title)}</h2><ul>"
        )
        for exercise in mine:
            url = links(exercise.name)
            text = escape(exercise.title)
            shown = f'<a href="{escape(url)}">{text}</a>' if url else text
            parts.append(
                f'<li data-item="exercise:{exercise.name}">Exercise: {shown} — '
                f'<span class="gc-state" data-state="new">not started</span></li>'
            )
        for qid, _, question in questions:
            parts.append(
                f'<li data-item="quiz:{escape(qid)}">Quiz: {escape(question)} — '
                f'<span class="gc-state" data-state="new">not answered</span></li>'
            )
        parts.append("</ul></section>")
    parts.append("</div>")
    return "".join(parts)


# -- the instructor's command ------------------------------------------------------------------

TEMPLATE = """\
---
title: {title}
topic: {topic}
# the function the learner writes, and how it is called
function: {function}
signature: "(x)"
# what it is compared with: a function of the genai_course package (or a lambda calling one)
reference: genai_course.attention.softmax
# numpy.allclose tolerances (or compare: equal for exact results)
rtol: 1.0e-6
atol: 1.0e-9
# failed checks before the reference solution may be shown
attempts: 3
checks:
  - label: a small example
    public: true
    call: {function}(np.array([1.0, 2.0, 3.0]))
  - label: seeded random input
    seed: 1
    call: {function}(rng.normal(size=5))
mistakes:
  - name: forgot-to-normalise
    hint: The values must add up to 1; divide by their sum.
    code: |
      import numpy as np

      def {function}(x):
          return np.exp(x)
---

What the learner should do, in a few sentences, with the formula:

$$
\\mathrm{{softmax}}(x)_i = \\frac{{e^{{x_i}}}}{{\\sum_j e^{{x_j}}}}
$$

## Starter

```python
import numpy as np

def {function}(x):
    # your code here
    ...
```

## Solution

```python
import numpy as np

def {function}(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()
```

## Hints

1. The first hint, the gentlest.
2. A second hint that gives more away.
"""


def scaffold(folder: Path, name: str, topic: str, topics: Sequence[str]) -> Path:
    """Write ``folder/name.md`` from the template; never overwrite."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-_]*", name):
        raise ExerciseError(f"exercise names are lower case letters, digits and '-': {name!r}")
    if topic not in topics:
        raise ExerciseError(f"unknown topic {topic!r}; known topics: " + ", ".join(topics))
    path = folder / f"{name}.md"
    if path.exists():
        raise ExerciseError(f"{path} exists already; not overwriting it")
    function = re.sub(r"\W", "_", name).lstrip("0123456789") or "solution"
    title = name.replace("-", " ").capitalize()
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.format(title=title, topic=topic, function=function), "utf-8")
    return path
