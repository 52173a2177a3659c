"""The course's data files — schedule, topics, resources, glossary, quiz — loaded and checked.

Each file is read with ``yaml.SafeLoader`` and each entry checked against a MkDocs ``Config``
subclass, as Material checks its blog authors file. Anything wrong stops the build with a
``DataError`` that names the file, the entry and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config

__all__ = [
    "Course",
    "DataError",
    "GlossaryTerm",
    "QuizOption",
    "QuizQuestion",
    "Resource",
    "Session",
    "Topic",
    "checked_entry",
    "load_course",
    "yaml_problem",
]

SESSION_KINDS = ("class", "no-class", "presentation")
RESOURCE_KINDS = (
    "video",
    "interactive",
    "paper",
    "blog",
    "book",
    "course",
    "list",
    "taxonomy",
    "playlist",
    "code",
    "article",
    "demo",
)


class DataError(Exception):
    """A data file is missing, malformed, or refers to something that does not exist."""


class _TextDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates and times of day as text, so a wrong one is reported with its
    entry. (YAML 1.1 would read ``time: 14:00`` as the base-60 number 840.)"""


# PyYAML's integers without the base-60 form (14:00), as in YAML 1.2
_INTEGER = re.compile(
    r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"
)
_TextDatesLoader.yaml_implicit_resolvers = {
    key: [
        (tag, _INTEGER if tag == "tag:yaml.org,2002:int" else rx)
        for tag, rx in resolvers
        if tag != "tag:yaml.org,2002:timestamp"
    ]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


# -- schemas -----------------------------------------------------------------------------------


class _SessionSchema(Config):
    number = opt.Type(int)
    date = opt.Optional(opt.Type(str))  # null only for sessions whose date is not known yet
    title = opt.Type(str)
    kind = opt.Choice(SESSION_KINDS)
    topics = opt.ListOfItems(opt.Type(str), default=[])
    materials = opt.ListOfItems(opt.Type(str), default=[])
    page = opt.Optional(opt.Type(str))
    # the class time, in the course's time zone (HH:MM, 24-hour), and where it takes place
    time = opt.Optional(opt.Type(str))
    end = opt.Optional(opt.Type(str))
    room = opt.Optional(opt.Type((str, int)))


class _CourseSchema(Config):
    title = opt.Type(str, default="")
    # an IANA time zone name: the class times are in it, and the calendar feed says so
    timezone = opt.Type(str, default="UTC")
    # names the term in the calendar's event UIDs; by default the title and the term's year
    id = opt.Optional(opt.Type(str))


class _TopicSchema(Config):
    id = opt.Type(str)
    title = opt.Type(str)
    summary = opt.Type(str)
    demos = opt.ListOfItems(opt.Type(str), default=[])
    sessions = opt.ListOfItems(opt.Type(int), default=[])


class _ResourceSchema(Config):
    id = opt.Type(str)
    title = opt.Type(str)
    kind = opt.Choice(RESOURCE_KINDS)
    by = opt.Optional(opt.Type(str))
    url = opt.Optional(opt.Type(str))
    length_minutes = opt.Optional(opt.Type((int, float)))
    topics = opt.ListOfItems(opt.Type(str), default=[])
    sessions = opt.ListOfItems(opt.Type(int), default=[])
    note = opt.Optional(opt.Type(str))


class _TermSchema(Config):
    term = opt.Type(str)
    id = opt.Type(str)
    aliases = opt.ListOfItems(opt.Type(str), default=[])
    definition = opt.Type(str)
    topic = opt.Optional(opt.Type(str))


class _OptionSchema(Config):
    text = opt.Type(str)
    correct = opt.Type(bool, default=False)
    why = opt.Type(str)


class _QuestionSchema(Config):
    id = opt.Type(str)
    topic = opt.Type(str)
    question = opt.Type(str)
    options = opt.ListOfItems(opt.Type(dict))


REQUIRED: dict[type[Config], tuple[str, ...]] = {
    _SessionSchema: ("number", "date", "title", "kind"),
    _CourseSchema: (),
    _TopicSchema: ("id", "title", "summary"),
    _ResourceSchema: ("id", "title", "kind"),
    _TermSchema: ("term", "id", "definition"),
    _OptionSchema: ("text", "why"),
    _QuestionSchema: ("id", "topic", "question", "options"),
}


# -- the validated data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    number: int
    date: dt.date | None
    title: str
    kind: str
    topics: tuple[str, ...]
    materials: tuple[str, ...]
    page: str | None  # docs-relative path of the session's page
    # start and end of the class in the course's time zone; None: an all-day entry
    time: dt.time | None = None
    end: dt.time | None = None
    room: str | None = None


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    summary: str
    demos: tuple[str, ...]


@dataclass(frozen=True)
class Resource:
    id: str
    title: str
    kind: str
    by: str | None
    url: str | None
    length_minutes: float | None
    topics: tuple[str, ...]
    sessions: tuple[int, ...]
    note: str | None


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    id: str
    aliases: tuple[str, ...]
    definition: str
    topic: str | None


@dataclass(frozen=True)
class QuizOption:
    text: str
    correct: bool
    why: str


@dataclass(frozen=True)
class QuizQuestion:
    id: str
    topic: str
    question: str
    options: tuple[QuizOption, ...]


@dataclass(frozen=True)
class Course:
    title: str
    timezone: str  # an IANA name, checked
    sessions: tuple[Session, ...]
    topics: dict[str, Topic]
    resources: dict[str, Resource]
    glossary: tuple[GlossaryTerm, ...]
    quiz: tuple[QuizQuestion, ...]
    id: str = "course"  # names the term in the calendar's event UIDs

    def sessions_for_topic(self, topic: str) -> list[Session]:
        return [s for s in self.sessions if topic in s.topics]

    def next_session(self, today: dt.date) -> Session | None:
        """The first class or presentation on or after ``today``."""
        upcoming = [
            s
            for s in self.sessions
            if s.date is not None and s.date >= today and s.kind != "no-class"
        ]
        return min(upcoming, key=lambda s: s.date or today, default=None)


# -- loading -----------------------------------------------------------------------------------


def _read(path: Path) -> Any:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.load(text, Loader=_TextDatesLoader)
    except yaml.YAMLError as error:
        raise DataError(yaml_problem(path, text, error)) from None


# PyYAML's words for a problem -> what the instructor most likely wrote, and how to fix it
_YAML_HINTS = (
    (
        "mapping values are not allowed",
        "a colon and a space inside a value, or a line indented deeper than the field above it. "
        'Put a value that contains ": " in quotes (title: "Attention: the idea"), or line the '
        "field up with the others",
    ),
    ("found character '\\t'", "a tab. Indent with spaces only"),
    ("quoted scalar", "a quote that opens at {context} and never closes. Close it"),
    ("flow sequence", "a list in [ ] that opens at {context} and is not closed with ]"),
    ("flow mapping", "a {{ that opens at {context} and is not closed with }}"),
    ("flow node", "a list [ ] or {{ }} that opens at {context} and is not closed"),
    ("undefined alias", "a value starting with '*'. Put it in quotes"),
    (
        "cannot start any token",
        "a value starting with a character YAML keeps for itself. Put it in quotes",
    ),
    (
        "could not find expected ':'",
        "a line that is not 'field: value' (a missing colon?), or a value running over two lines. "
        "Put long text in quotes",
    ),
    (
        "expected <block end>",
        "a line indented differently from the entry it belongs to. Start each entry with '- ' at "
        "the same indentation, and line up the fields of an entry under each other",
    ),
)


def yaml_problem(path: Path, text: str, error: yaml.YAMLError) -> str:
    """A YAML syntax error in plain words: file, line, column, the line itself and a likely fix."""
    mark = getattr(error, "problem_mark", None)
    if mark is None:
        return f"{path}: not valid YAML ({error})"
    context_mark = getattr(error, "context_mark", None)
    context = (
        f"line {context_mark.line + 1}, column {context_mark.column + 1}"
        if context_mark is not None
        else "an earlier line"
    )
    words = f"{getattr(error, 'context', '') or ''} {getattr(error, 'problem', '') or ''}"
    hint = next(
        (advice.format(context=context) for key, advice in _YAML_HINTS if key in words),
        f"YAML says: {words.strip()}",
    )
    lines = text.splitlines()
    # at the end of the file, the line where the unclosed quote or bracket opens
    at = mark if mark.line < len(lines) or context_mark is None else context_mark
    shown = f"\n    {lines[at.line]}\n    {' ' * at.column}^" if at.line < len(lines) else ""
    return (
        f"{path}, line {mark.line + 1}, column {mark.column + 1}: not valid YAML: "
        f"probably {hint}.{shown}"
    )


def _entries(path: Path, data: Any, key: str | None) -> list[Mapping[str, Any]]:
    items = data.get(key) if key and isinstance(data, dict) else data
    if not isinstance(items, list):
        where = f"a list under '{key}'" if key else "a list of entries"
        raise DataError(f"{path}: expected {where}")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise DataError(
                f"{path}: entry {index + 1} should be a mapping of fields, got {item!r}"
            )
    return items


def _checked(path: Path, label: str, raw: Mapping[str, Any], schema: type[Config]) -> Config:
    return checked_entry(path, label, raw, schema, REQUIRED[schema])


def checked_entry(
    path: Path, label: str, raw: Mapping[str, Any], schema: type[Config], required: Iterable[str]
) -> Config:
    """One entry of a data file checked against its schema; a DataError says all that is wrong."""
    config = schema()
    config.load_dict(dict(raw))
    failed, warnings = config.validate()
    missing = [name for name in required if name not in raw]
    problems = [f"missing field '{name}'" for name in missing]
    problems += [f"field '{name}': {error}" for name, error in failed if name not in missing]
    problems += [f"field '{name}': {message}" for name, message in warnings]
    if problems:
        raise DataError(f"{path}: {label}: " + "; ".join(problems))
    return config


def _unique[T](path: Path, items: Iterable[T], key: str, what: str) -> None:
    seen: set[object] = set()
    for item in items:
        value = getattr(item, key)
        if value in seen:
            raise DataError(f"{path}: duplicate {what} {value!r}")
        seen.add(value)


def _label(raw: Mapping[str, Any], index: int, key: str, noun: str) -> str:
    value = raw.get(key)
    return f"{noun} {value}" if value is not None else f"{noun} #{index + 1}"


def load_topics(path: Path) -> dict[str, Topic]:
    topics = []
    for i, raw in enumerate(_entries(path, _read(path), None)):
        c = _checked(path, _label(raw, i, "id", "topic"), raw, _TopicSchema)
        topics.append(Topic(c["id"], c["title"], c["summary"], tuple(c["demos"])))
    _unique(path, topics, "id", "topic id")
    return {t.id: t for t in topics}


def load_schedule(
    path: Path, topics: Mapping[str, Topic], resources: Mapping[str, Resource], docs: Path
) -> tuple[str, str, str, tuple[Session, ...]]:
    """Title, time zone, id and sessions of the course."""
    data = _read(path)
    raw_course = data.get("course") or {} if isinstance(data, dict) else {}
    if not isinstance(raw_course, dict):
        raise DataError(f"{path}: 'course' should be a mapping of fields (title, timezone, id)")
    course = _checked(path, "course", raw_course, _CourseSchema)
    try:
        zoneinfo.ZoneInfo(course["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"{path}: course: timezone {course['timezone']!r} is not a time zone name; write it "
            "as the IANA database does, e.g. Europe/Berlin or America/New_York"
        ) from None
    sessions = []
    for i, raw in enumerate(_entries(path, data, "sessions")):
        label = _label(raw, i, "number", "session")
        c = _checked(path, label, raw, _SessionSchema)
        date = None
        if c["date"] is not None:
            try:
                date = dt.date.fromisoformat(c["date"])
            except ValueError as error:
                raise DataError(
                    f"{path}: {label}: date {c['date']!r} is not a valid date ({error}); "
                    "write it as YYYY-MM-DD"
                ) from None
        for topic in c["topics"]:
            if topic not in topics:
                raise DataError(
                    f"{path}: {label}: unknown topic {topic!r}; known topics: "
                    + ", ".join(sorted(topics))
                )
        for material in c["materials"]:
            if material not in resources:
                raise DataError(
                    f"{path}: {label}: unknown material {material!r} (not in resources)"
                )
        if c["page"] is not None and not (docs / c["page"]).is_file():
            raise DataError(f"{path}: {label}: page {c['page']!r} does not exist in {docs}")
        start, end = _class_time(path, label, c, date)
        sessions.append(
            Session(
                c["number"],
                date,
                c["title"],
                c["kind"],
                tuple(c["topics"]),
                tuple(c["materials"]),
                c["page"],
                start,
                end,
                None if c["room"] is None else str(c["room"]),
            )
        )
    _unique(path, sessions, "number", "session number")
    dated = [s for s in sessions if s.date is not None]
    _unique(path, dated, "date", "session date")
    sessions.sort(key=lambda s: s.number)
    _in_date_order(path, sessions)
    course_id = course["id"] or _default_course_id(course["title"], sessions)
    if not _COURSE_ID.fullmatch(course_id):
        raise DataError(
            f"{path}: course: id {course_id!r} should be letters, digits, '-', '.' or '_' "
            "(e.g. genai-2026)"
        )
    return course["title"], course["timezone"], course_id, tuple(sessions)


_TIME_OF_DAY = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_COURSE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _class_time(
    path: Path, label: str, c: Config, date: dt.date | None
) -> tuple[dt.time | None, dt.time | None]:
    """A session's start and end (both or neither), each a time of day HH:MM."""
    times: list[dt.time | None] = []
    for name in ("time", "end"):
        text = c[name]
        match = _TIME_OF_DAY.fullmatch(text.strip()) if text is not None else None
        if text is not None and match is None:
            raise DataError(
                f"{path}: {label}: {name} {text!r} is not a time of day; write it as HH:MM "
                "(24-hour clock), e.g. 14:00"
            )
        times.append(dt.time(int(match[1]), int(match[2])) if match else None)
    start, end = times
    if start is None and end is None:
        return None, None
    if date is None:
        raise DataError(f"{path}: {label}: a time is given but no date; give the date too")
    if start is None or end is None:
        missing, given = (
            ("time", f"end {end:%H:%M}") if start is None else ("end", f"time {start:%H:%M}")
        )
        raise DataError(
            f"{path}: {label}: {given} is given without {missing}; give both (time: 14:00 and "
            "end: 15:30), or neither for an all-day entry"
        )
    if end <= start:
        raise DataError(f"{path}: {label}: end {end:%H:%M} is not after time {start:%H:%M}")
    return start, end


def _default_course_id(title: str, sessions: Iterable[Session]) -> str:
    """The title as a slug and the year of the term's first dated session: a new term's events
    get new UIDs, and a session moved within the term keeps its own."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "course"
    years = [s.date.year for s in sessions if s.date is not None]
    return f"{slug}-{min(years)}" if years else slug


def _in_date_order(path: Path, sessions: Iterable[Session]) -> None:
    """Sessions are numbered in the order they take place: a date before the last one's is a
    mistake in one of the two."""
    before: Session | None = None
    for session in sessions:
        if session.date is None:
            continue
        if before is not None and before.date is not None and session.date < before.date:
            raise DataError(
                f"{path}: session {session.number} is dated {session.date}, before session "
                f"{before.number} ({before.date}) which it follows; fix the date of one of the "
                "two (sessions are numbered in the order they take place)"
            )
        before = session


def load_resources(path: Path, topics: Mapping[str, Topic]) -> dict[str, Resource]:
    resources = []
    for i, raw in enumerate(_entries(path, _read(path), None)):
        label = _label(raw, i, "id", "resource")
        c = _checked(path, label, raw, _ResourceSchema)
        if c["url"] is not None and not c["url"].startswith(("https://", "http://")):
            raise DataError(
                f"{path}: {label}: url {c['url']!r} must start with https:// or http://"
            )
        for topic in c["topics"]:
            if topic not in topics:
                raise DataError(f"{path}: {label}: unknown topic {topic!r}")
        resources.append(
            Resource(
                c["id"],
                c["title"],
                c["kind"],
                c["by"],
                c["url"],
                c["length_minutes"],
                tuple(c["topics"]),
                tuple(c["sessions"]),
                c["note"],
            )
        )
    _unique(path, resources, "id", "resource id")
    return {r.id: r for r in resources}


def load_glossary(path: Path, topics: Mapping[str, Topic]) -> tuple[GlossaryTerm, ...]:
    terms = []
    for i, raw in enumerate(_entries(path, _read(path), None)):
        label = _label(raw, i, "id", "term")
        c = _checked(path, label, raw, _TermSchema)
        if c["topic"] is not None and c["topic"] not in topics:
            raise DataError(f"{path}: {label}: unknown topic {c['topic']!r}")
        terms.append(
            GlossaryTerm(c["term"], c["id"], tuple(c["aliases"]), c["definition"], c["topic"])
        )
    _unique(path, terms, "id", "term id")
    return tuple(sorted(terms, key=lambda t: t.term.lower()))


def load_quiz(path: Path, topics: Mapping[str, Topic]) -> tuple[QuizQuestion, ...]:
    questions = []
    for i, raw in enumerate(_entries(path, _read(path), None)):
        label = _label(raw, i, "id", "question")
        c = _checked(path, label, raw, _QuestionSchema)
        if c["topic"] not in topics:
            raise DataError(f"{path}: {label}: unknown topic {c['topic']!r}")
        options = tuple(
            QuizOption(o["text"], o["correct"], o["why"])
            for j, option in enumerate(c["options"])
            for o in [_checked(path, f"{label}, option {j + 1}", option, _OptionSchema)]
        )
        if sum(o.correct for o in options) != 1:
            raise DataError(f"{path}: {label}: exactly one option must have correct: true")
        questions.append(QuizQuestion(c["id"], c["topic"], c["question"], options))
    _unique(path, questions, "id", "question id")
    return tuple(questions)


def load_course(data_dir: Path, docs_dir: Path) -> Course:
    """Load and cross-check every data file of the course."""
    topics = load_topics(data_dir / "topics.yml")
    resources = load_resources(data_dir / "resources.yml", topics)
    title, timezone, course_id, sessions = load_schedule(
        data_dir / "schedule.yml", topics, resources, docs_dir
    )
    for resource in resources.values():
        for number in resource.sessions:
            if number not in {s.number for s in sessions}:
                where = data_dir / "resources.yml"
                raise DataError(f"{where}: resource {resource.id}: unknown session {number}")
    return Course(
        title=title,
        timezone=timezone,
        sessions=sessions,
        topics=topics,
        resources=resources,
        glossary=load_glossary(data_dir / "glossary.yml", topics),
        quiz=load_quiz(data_dir / "quiz.yml", topics),
        id=course_id,
    )
