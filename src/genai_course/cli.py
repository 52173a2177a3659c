"""The instructor's helper: scaffold a session (page + schedule entry), an update post, an
exercise, or start the next term from this one.

    genai-course new-session --title "Diffusion models" [--date 2026-07-06] [--topics a,b]
    genai-course new-update --title "Week 5: foundation models" [--session 5] [--date 2026-04-20]
    genai-course new-exercise top-p --topic temperature-and-top-p
    genai-course new-term --first-session 2027-04-12 [--skip 2027-05-03 ...]

Files are only ever created, never overwritten (new-term moves the old term into the archive);
the schedule entry is appended to ``data/schedule.yml`` in the style of the hand-written ones and
checked by loading the whole course data again. Each command says which date it chose, and warns
when that date is in the past. Run from anywhere inside the project: the project is the nearest
folder up with a ``mkdocs.yml``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from genai_course.plugin.data import SESSION_KINDS, Course, DataError, Session, load_course
from genai_course.plugin.exercises import ExerciseError, load_exercise, scaffold, verify_exercise
from genai_course.plugin.pages import long_date
from genai_course.term import TermError, plan_new_term, write_new_term

__all__ = [
    "course_text",
    "find_project",
    "main",
    "new_exercise",
    "new_session",
    "new_term",
    "new_update",
    "schedule_entry_yaml",
]

CORPUS = Path(__file__).parent / "data" / "course_text.txt"


class CliError(Exception):
    """Something the instructor can fix; printed without a traceback."""


def _say(message: str) -> None:
    print(message)


def _warn(message: str) -> None:
    print(f"genai-course: warning: {message}", file=sys.stderr)


def today() -> dt.date:
    """Today, or GENAI_TODAY (YYYY-MM-DD) as the build takes it."""
    given = os.environ.get("GENAI_TODAY")
    return dt.date.fromisoformat(given) if given else dt.date.today()


def _warn_if_past(date: dt.date, what: str, hint: str = "") -> None:
    """`what` ends with a verb: "session 15 is on" Monday, 6 July 2026, ..."""
    now = today()
    if date < now:
        _warn(f"{what} {long_date(date)}, in the past (today is {long_date(now)}).{hint}")


def find_project(start: Path) -> Path:
    """The project folder: `start` or the nearest folder above it with a mkdocs.yml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "mkdocs.yml").is_file() and (folder / "data").is_dir():
            return folder
    raise CliError(
        f"no course project here: neither {start} nor a folder above it has mkdocs.yml and data/. "
        "Run genai-course inside the project folder (the one with mkdocs.yml), or give --root."
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "update"


def _load(root: Path) -> Course:
    try:
        return load_course(root / "data", root / "docs")
    except DataError as error:
        raise CliError(f"the course data has a problem to fix first: {error}") from None


def _last_dated(course: Course) -> Session | None:
    dated = [s for s in course.sessions if s.date is not None]
    return max(dated, key=lambda s: s.date or dt.date.min, default=None)


def _next_monday_after(course: Course) -> dt.date:
    last = _last_dated(course)
    day = last.date if last and last.date else today()
    return day + dt.timedelta(days=7 - day.weekday() if day.weekday() else 7)


def schedule_entry_yaml(entry: Mapping[str, object], indent: str = "  ", width: int = 100) -> str:
    """A schedule entry written as the hand-written ones are: `- number: 15` first, dates bare,
    lists in [ ] (wrapped under their first item), empty lists left out."""
    lines = []
    for key, value in entry.items():
        if value == [] or value is None:
            continue
        if isinstance(value, list):
            items = [_scalar(v) for v in value]
            head = f"{key}: ["
            lines.extend(_wrapped(head, items, width - len(indent) - 2))
        else:
            lines.append(f"{key}: {_scalar(value)}")
    first, *rest = lines
    return "".join([f"{indent}- {first}\n", *(f"{indent}  {line}\n" for line in rest)])


def _scalar(value: object) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.removesuffix("\n...\n").removesuffix("\n")


def _wrapped(head: str, items: list[str], width: int) -> list[str]:
    lines, line = [], head
    for i, item in enumerate(items):
        piece = item + ("]" if i == len(items) - 1 else ",")
        if line not in (head, " " * len(head)) and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = " " * len(head)
        line += ("" if line in (head, " " * len(head)) else " ") + piece
    return [*lines, line]


def new_session(
    root: Path,
    title: str,
    date: dt.date | None = None,
    number: int | None = None,
    kind: str = "class",
    topics: Sequence[str] = (),
) -> Path:
    """Append a session to the schedule and create its page; return the page's path."""
    course = _load(root)
    number = (
        number if number is not None else max((s.number for s in course.sessions), default=0) + 1
    )
    if date is None:
        date = _next_monday_after(course)
        last = _last_dated(course)
        why = f"the Monday after session {last.number}" if last else "the Monday after today"
    else:
        why = "the date you gave"
    if any(s.number == number for s in course.sessions):
        raise CliError(f"session {number} is already in data/schedule.yml")
    if any(s.date == date for s in course.sessions):
        raise CliError(f"a session on {date} is already in data/schedule.yml")
    unknown = [t for t in topics if t not in course.topics]
    if unknown:
        raise CliError(f"unknown topic(s) {', '.join(unknown)}; known: {', '.join(course.topics)}")
    if kind not in SESSION_KINDS:
        raise CliError(f"kind must be one of {', '.join(SESSION_KINDS)}")
    page_uri = f"sessions/session-{number:02d}.md"
    page = root / "docs" / page_uri
    if page.exists():
        raise CliError(f"{page} already exists; not overwriting it")

    entry = {
        "number": number,
        "date": date,
        "title": title,
        "kind": kind,
        "topics": list(topics),
        "materials": [],
        "page": page_uri,
    }
    indented = schedule_entry_yaml(entry)
    schedule = root / "data" / "schedule.yml"
    before = schedule.read_text(encoding="utf-8")
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        f"---\nsession: {number}\n---\n\n"
        "## Plan\n\n- (what we do in class)\n\n"
        "## To prepare\n\n- (reading or viewing before the session)\n\n"
        "## Results\n\n(filled in after the session)\n",
        encoding="utf-8",
    )
    schedule.write_text(before.rstrip("\n") + "\n" + indented, encoding="utf-8")
    try:
        added = [s for s in _load(root).sessions if s.number == number]
        if not added:
            raise CliError("the new entry did not end up in the sessions list of schedule.yml")
    except CliError:
        schedule.write_text(before, encoding="utf-8")
        page.unlink()
        raise
    _say(f"session {number} on {long_date(date)} ({why}), added to data/schedule.yml")
    _warn_if_past(
        date,
        f"session {number} is on",
        " To start the next term, run genai-course new-term --first-session YYYY-MM-DD;"
        " to date this session yourself, give --date YYYY-MM-DD.",
    )
    return page


def _session_links(course: Course, session: Session, post_uri: str) -> list[str]:
    import posixpath

    def rel(target: str) -> str:
        return posixpath.relpath(target, posixpath.dirname(post_uri))

    links = []
    if session.page:
        links.append(
            f"- Session notes: [Session {session.number}: {session.title}]({rel(session.page)})"
        )
    for topic in session.topics:
        links.append(f"- Topic: [{course.topics[topic].title}]({rel(f'topics/{topic}.md')})")
    return links


def new_update(
    root: Path, title: str, date: dt.date | None = None, session: int | None = None
) -> Path:
    """Create a weekly update post; return its path."""
    course = _load(root)
    given = date is not None
    date = date or today()
    if session is None:
        upcoming = course.next_session(date)
        chosen = upcoming
    else:
        chosen = next((s for s in course.sessions if s.number == session), None)
        if chosen is None:
            raise CliError(f"session {session} is not in data/schedule.yml")
    post_uri = f"updates/posts/{date.isoformat()}-{_slug(title)}.md"
    post = root / "docs" / post_uri
    if post.exists():
        raise CliError(f"{post} already exists; not overwriting it")
    links = _session_links(course, chosen, post_uri) if chosen else []
    _say(f"update dated {long_date(date)} ({'the date you gave' if given else 'today'})")
    if given:
        _warn_if_past(date, "the update is dated")
    if chosen is not None:
        _say(f"linked to session {chosen.number} ({long_date(chosen.date)}): {chosen.title}")
    else:
        _warn(
            f"no session on or after {date} in data/schedule.yml, so the post links none. "
            "Give --session N, or start the next term with genai-course new-term."
        )
    body = "\n".join(links) if links else "- (links to the session and its demos)"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(
        f"---\ndate: {date.isoformat()}\n---\n\n# {title}\n\n"
        "(One or two sentences: shown in the list of updates and on the home page.)\n\n"
        "<!-- more -->\n\n"
        f"## This week\n\n{body}\n",
        encoding="utf-8",
    )
    return post


def new_term(
    root: Path, first: dt.date, skip: Sequence[dt.date] = (), name: str | None = None
) -> Path:
    """Archive this term and date its sessions anew from `first`; return the archive's page."""
    course = _load(root)
    try:
        term = plan_new_term(root, course, first, skip, name)
    except TermError as error:
        raise CliError(str(error)) from None
    write_new_term(root, term)
    _load(root)  # the new schedule must load as the build loads it
    old = len(term.moved)
    _say(
        f"term {term.name} archived: docs/archive/{term.name}/ (schedule, "
        f"{len(course.sessions)} sessions, {old} update{'s' * (old != 1)}) and "
        f"data/archive/{term.name}/schedule.yml; listed on docs/archive/index.md (Past terms)"
    )
    _say(
        f"new term: {len(term.dates)} sessions every {term.spacing} days from "
        f"{long_date(first)}"
        + (f", skipping {', '.join(d.isoformat() for d in term.skipped)}" if term.skipped else "")
    )
    for number, date in term.dates.items():
        title = next(s.title for s in course.sessions if s.number == number)
        _say(f"  session {number:>2}  {date}  {title}")
    _warn_if_past(first, "the new term's first session is on")
    for unused in term.unused_skips:
        _warn(f"--skip {unused} is not a session day of the new term; nothing was skipped for it")
    _say("the session pages in docs/sessions/ keep their plans: edit them for the new term")
    given_id = _course_field(root / "data" / "schedule.yml", "id")
    if given_id:
        _warn(
            f"data/schedule.yml names the course `id: {given_id}`, and the calendar names its "
            "events by it: subscribed calendars would move last term's events to the new dates. "
            f"Give the new term an id of its own (e.g. id: {given_id}-{first.year})."
        )
    return root / "docs" / "archive" / term.name / "index.md"


def _course_field(schedule: Path, name: str) -> object:
    data = yaml.safe_load(schedule.read_text(encoding="utf-8"))
    course = data.get("course") if isinstance(data, dict) else None
    return course.get(name) if isinstance(course, dict) else None


def course_text(docs: Path) -> str:
    """The prose of the topic pages, without front matter, directives, maths or link targets: the
    text the tokenizer demo trains on."""
    parts = []
    for page in sorted((docs / "topics").glob("*.md")):
        text = re.sub(r"^---\n.*?\n---\n", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
        text = re.sub(r"^\{\{.*\}\}$", "", text, flags=re.MULTILINE)
        text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", "", text, flags=re.DOTALL)
        text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
        text = re.sub(r"[#*_`|>]+|^-{3,}$|^\s*[-:| ]+$", " ", text, flags=re.MULTILINE)
        parts.append(re.sub(r"[ \t]+", " ", text).strip())
    return "\n\n".join(parts) + "\n"


def new_exercise(root: Path, name: str, topic: str) -> Path:
    """Write ``exercises/<name>.md`` from a template that already builds; never overwrite."""
    topics = list(_load(root).topics)
    try:
        path = scaffold(root / "exercises", name, topic, topics)
        # the template must be an exercise the build accepts, so the instructor starts from green
        verify_exercise(load_exercise(path, topics))
    except ExerciseError as error:
        raise CliError(str(error)) from None
    return path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="genai-course", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--root", type=Path, help="the project folder (default: the nearest with mkdocs.yml)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    session = commands.add_parser("new-session", help="add a session to the schedule, with a page")
    session.add_argument("--title", required=True)
    session.add_argument("--date", type=_date, help="default: the Monday after the last session")
    session.add_argument("--number", type=int, help="default: one more than the last session")
    session.add_argument("--kind", default="class", choices=SESSION_KINDS)
    session.add_argument("--topics", default="", help="comma-separated topic ids")
    update = commands.add_parser("new-update", help="write a weekly update post")
    update.add_argument("--title", required=True)
    update.add_argument("--date", type=_date, help="default: today")
    update.add_argument("--session", type=int, help="default: the next session from the date")
    exercise = commands.add_parser("new-exercise", help="scaffold an exercise in exercises/")
    exercise.add_argument("name", help="file name without .md, e.g. top-p")
    exercise.add_argument("--topic", required=True, help="the topic id it belongs to")
    term = commands.add_parser(
        "new-term", help="archive this term and carry its sessions over to the next, re-dated"
    )
    term.add_argument(
        "--first-session", type=_date, required=True, help="the new term's first session"
    )
    term.add_argument(
        "--skip",
        type=_date,
        action="append",
        default=[],
        help="a day without class (a holiday); repeat for more",
    )
    term.add_argument(
        "--archive-as", help="the old term's name in the archive (default: its first year)"
    )
    commands.add_parser("corpus", help="rebuild the tokenizer demo's corpus from docs/topics")
    args = parser.parse_args(argv)
    try:
        args.root = args.root or find_project(Path.cwd())
        if args.command == "corpus":
            CORPUS.write_text(course_text(args.root / "docs"), encoding="utf-8")
            path = CORPUS
        elif args.command == "new-exercise":
            path = new_exercise(args.root, args.name, args.topic)
        elif args.command == "new-term":
            path = new_term(args.root, args.first_session, args.skip, args.archive_as)
        elif args.command == "new-session":
            topics = [t.strip() for t in args.topics.split(",") if t.strip()]
            path = new_session(args.root, args.title, args.date, args.number, args.kind, topics)
        else:
            path = new_update(args.root, args.title, args.date, args.session)
    except CliError as error:
        print(f"genai-course: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
