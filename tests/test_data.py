"""The data files: a good set loads; each kind of mistake stops the build naming file and entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from genai_course.plugin.data import DataError, load_course

TOPICS = """
- id: attention
  title: Attention
  summary: How tokens look at each other.
  demos: [attention]
- id: sampling
  title: Temperature and top-p
  summary: Choosing the next token.
"""
RESOURCES = """
- id: explainer
  title: Transformer Explainer
  kind: interactive
  url: https://poloclub.github.io/transformer-explainer/
  topics: [attention]
  sessions: [4]
"""
SCHEDULE = """
course:
  title: Generative AI
  timezone: Europe/Berlin
sessions:
  - number: 3
    date: null
    title: To be announced
    kind: class
  - number: 4
    date: 2026-04-13
    title: Paradigms and applications of Generative AI
    kind: class
    topics: [attention]
    materials: [explainer]
    page: sessions/session-04.md
  - number: 10
    date: 2026-06-01
    title: No class, work on projects at home
    kind: no-class
  - number: 11
    date: 2026-06-08
    title: Final presentation of projects
    kind: presentation
"""
GLOSSARY = """
- term: Softmax
  id: softmax
  definition: Turns scores into probabilities.
  topic: attention
"""
QUIZ = """
- id: trivia
  topic: attention
  question: Which component processes a sequence in parallel?
  options:
    - text: Self-attention
      correct: true
      why: Every token attends to every other token at once.
    - text: Recurrence
      why: An RNN steps through tokens one at a time.
"""


def write_course(root: Path, **overrides: str) -> tuple[Path, Path]:
    data, docs = root / "data", root / "docs"
    (docs / "sessions").mkdir(parents=True)
    (docs / "sessions" / "session-04.md").write_text("---\nsession: 4\n---\n")
    data.mkdir()
    files = {
        "topics": TOPICS,
        "resources": RESOURCES,
        "schedule": SCHEDULE,
        "glossary": GLOSSARY,
        "quiz": QUIZ,
        **overrides,
    }
    for name, text in files.items():
        (data / f"{name}.yml").write_text(text)
    return data, docs


def test_good_data_loads(tmp_path: Path) -> None:
    course = load_course(*write_course(tmp_path))
    assert [s.number for s in course.sessions] == [3, 4, 10, 11]
    assert course.sessions[1].date == dt.date(2026, 4, 13)
    assert course.sessions[0].date is None
    assert course.sessions_for_topic("attention") == [course.sessions[1]]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-04-01", 4),
        ("2026-04-13", 4),  # on the day itself the card still shows it
        ("2026-04-14", 11),  # session 10 is no class, so it is skipped
        ("2026-06-09", None),  # after the last session: nothing is next
    ],
)
def test_next_session(tmp_path: Path, today: str, expected: int | None) -> None:
    course = load_course(*write_course(tmp_path))
    session = course.next_session(dt.date.fromisoformat(today))
    assert (session.number if session else None) == expected


def with_fields(after: str, *fields: str) -> str:
    """SCHEDULE with fields added to the session whose line ``after`` is unique."""
    return SCHEDULE.replace(after, after + "".join(f"\n    {field}" for field in fields))


BROKEN = [
    (
        "schedule",
        SCHEDULE.replace("2026-04-13", "2026-02-30"),
        r"schedule\.yml: session 4: date '2026-02-30' is not a valid date \(day is out of range",
    ),
    (
        "schedule",
        SCHEDULE.replace("2026-04-13", "13 April"),
        r"session 4: date '13 April' is not a valid date",
    ),
    (
        "schedule",
        SCHEDULE.replace("topics: [attention]", "topics: [atention]"),
        r"schedule\.yml: session 4: unknown topic 'atention'; known topics: attention, sampling",
    ),
    (
        "schedule",
        SCHEDULE.replace("number: 10", "number: 4"),
        r"schedule\.yml: duplicate session number 4",
    ),
    (
        "schedule",
        SCHEDULE.replace("    title: Final presentation of projects\n", ""),
        r"schedule\.yml: session 11: missing field 'title'",
    ),
    (
        "schedule",
        SCHEDULE.replace("kind: presentation", "kind: lecture"),
        r"session 11: field 'kind': Expected one of",
    ),
    (
        "schedule",
        SCHEDULE.replace("page: sessions/session-04.md", "page: sessions/nope.md"),
        r"session 4: page 'sessions/nope.md' does not exist",
    ),
    (
        "schedule",
        SCHEDULE.replace("materials: [explainer]", "materials: [explaner]"),
        r"session 4: unknown material 'explaner'",
    ),
    (
        "schedule",
        SCHEDULE.replace("    kind: no-class\n", "    kind: no-class\n    teacher: Ada\n"),
        r"session 10: field 'teacher': Unrecognised configuration name",
    ),
    # class times: HH:MM, both or neither, on a dated session, the end after the start
    (
        "schedule",
        with_fields("kind: presentation", "time: 2pm", "end: 4pm"),
        r"schedule\.yml: session 11: time '2pm' is not a time of day; write it as HH:MM "
        r"\(24-hour clock\), e\.g\. 14:00",
    ),
    (
        "schedule",
        with_fields("kind: presentation", "time: 14:00", "end: 24:00"),
        r"session 11: end '24:00' is not a time of day",
    ),
    (
        "schedule",
        with_fields("kind: presentation", "time: 14:00"),
        r"session 11: time 14:00 is given without end; give both \(time: 14:00 and end: 15:30\), "
        r"or neither for an all-day entry",
    ),
    (
        "schedule",
        with_fields("kind: presentation", "end: 15:30"),
        r"session 11: end 15:30 is given without time",
    ),
    (
        "schedule",
        with_fields("kind: presentation", "time: 14:00", "end: 12:00"),
        r"session 11: end 12:00 is not after time 14:00",
    ),
    (
        "schedule",
        with_fields("title: To be announced", "time: 10:00", "end: 11:30"),
        r"session 3: a time is given but no date; give the date too",
    ),
    (
        "schedule",
        SCHEDULE.replace("timezone: Europe/Berlin", "timezone: Europe/Berln"),
        r"schedule\.yml: course: timezone 'Europe/Berln' is not a time zone name; write it as the "
        r"IANA database does, e\.g\. Europe/Berlin",
    ),
    (
        "schedule",
        SCHEDULE.replace("timezone: Europe/Berlin", "timezone: Europe/Berlin\n  term: spring"),
        r"schedule\.yml: course: field 'term': Unrecognised configuration name",
    ),
    (
        "schedule",
        SCHEDULE.replace("timezone: Europe/Berlin", "timezone: Europe/Berlin\n  id: gen ai"),
        r"schedule\.yml: course: id 'gen ai' should be letters, digits",
    ),
    ("schedule", "sessions: [\n", r"schedule\.yml, line 2, column 1: not valid YAML"),
    (
        "schedule",
        SCHEDULE.replace("number: 11\n", "number: 9\n").replace("2026-06-08", "2026-04-06"),
        r"schedule\.yml: session 9 is dated 2026-04-06, before session 4 \(2026-04-13\) which "
        r"it follows",
    ),
    (
        "schedule",
        SCHEDULE.replace("2026-06-08", "2026-05-25"),
        r"session 11 is dated 2026-05-25, before session 10 \(2026-06-01\) which it follows; fix "
        r"the date of one of the two",
    ),
    ("resources", RESOURCES.replace("https://", "ftp://"), r"resource explainer: url 'ftp:"),
    (
        "resources",
        RESOURCES.replace("sessions: [4]", "sessions: [40]"),
        r"resource explainer: unknown session 40",
    ),
    (
        "quiz",
        QUIZ.replace("      correct: true\n", ""),
        r"quiz\.yml: question trivia: exactly one option must have correct: true",
    ),
    (
        "glossary",
        GLOSSARY.replace("topic: attention", "topic: nope"),
        r"glossary\.yml: term softmax: unknown topic 'nope'",
    ),
    ("topics", TOPICS + TOPICS, r"topics\.yml: duplicate topic id 'attention'"),
]


@pytest.mark.parametrize(("name", "text", "message"), BROKEN)
def test_broken_data_names_file_entry_and_problem(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        load_course(*write_course(tmp_path, **{name: text}))


YAML_MISTAKES = [
    (
        SCHEDULE.replace("title: Final presentation of projects", "title: Finals: projects"),
        "line 23, column 18",
        "probably a colon and a space inside a value, or a line indented deeper than the field "
        'above it. Put a value that contains ": " in quotes',
        "\n        title: Finals: projects\n                     ^",
    ),
    (
        SCHEDULE.replace("topics: [attention]", "topics: [attention"),
        "line 15, column 14",
        "probably a list in [ ] that opens at line 14, column 13 and is not closed with ]",
        "\n        materials: [explainer]\n                 ^",
    ),
    (
        SCHEDULE.replace("title: To be announced", "title: 'To be announced"),
        "line 25, column 1",
        "probably a quote that opens at line 8, column 12 and never closes",
        "\n        title: 'To be announced\n               ^",
    ),
    (
        SCHEDULE.replace("    kind: no-class\n", "\tkind: no-class\n"),
        "line 20, column 1",
        "probably a tab. Indent with spaces only",
        "\n    \tkind: no-class\n    ^",
    ),
    (
        SCHEDULE.replace("    kind: presentation\n", "   kind: presentation\n"),
        "line 24, column 4",
        "probably a line indented differently from the entry it belongs to",
        "\n       kind: presentation\n       ^",
    ),
]


@pytest.mark.parametrize(("text", "where", "advice", "shown"), YAML_MISTAKES)
def test_yaml_mistakes_are_told_in_plain_words(
    tmp_path: Path, text: str, where: str, advice: str, shown: str
) -> None:
    with pytest.raises(DataError) as caught:
        load_course(*write_course(tmp_path, schedule=text))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'data' / 'schedule.yml'}, {where}: not valid YAML: ")
    assert advice in message and shown in message
    # none of PyYAML's own words
    for jargon in ("scalar", "block end", "mapping values", "<stream end>", "token"):
        assert jargon not in message


def test_missing_file_is_named(tmp_path: Path) -> None:
    data, docs = write_course(tmp_path)
    (data / "quiz.yml").unlink()
    with pytest.raises(DataError, match=r"quiz\.yml: file not found"):
        load_course(data, docs)
