"""The instructor's weekly helper: scaffold a session (page + schedule entry) or an update post.

    genai-course new-session --title "Diffusion models" [--date 2026-07-06] [--topics a,b]
    genai-course new-update --title "Week 5: foundation models" [--session 5] [--date 2026-04-20]
    genai-course new-exercise top-p --topic temperature-and-top-p

Files are only ever created, never overwritten; the schedule entry is appended to
``data/schedule.yml`` and checked by loading the whole course data again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from genai_course.plugin.data import SESSION_KINDS, Course, DataError, Session, load_course
from genai_course.plugin.exercises import ExerciseError, load_exercise, scaffold, verify_exercise

__all__ = ["course_text", "main", "new_exercise", "new_session", "new_update"]

CORPUS = Path(__file__).parent / "data" / "course_text.txt"


class CliError(Exception):
    """Something the instructor can fix; printed without a traceback."""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "update"


def _load(root: Path) -> Course:
    try:
        return load_course(root / "data", root / "docs")
    except DataError as error:
        raise CliError(f"the course data has a problem to fix first: {error}") from None


def _next_monday_after(course: Course) -> dt.date:
    dated = [s.date for s in course.sessions if s.date is not None]
    last = max(dated, default=dt.date.today())
    return last + dt.timedelta(days=7 - last.weekday() if last.weekday() else 7)


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
    date = date or _next_monday_after(course)
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
        "date": date.isoformat(),
        "title": title,
        "kind": kind,
        "topics": list(topics),
        "materials": [],
        "page": page_uri,
    }
    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True)
    schedule = root / "data" / "schedule.yml"
    before = schedule.read_text(encoding="utf-8")
    indented = "".join(f"  {line}\n" for line in block.splitlines())
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
    date = date or dt.date.today()
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
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project folder")
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
    commands.add_parser("corpus", help="rebuild the tokenizer demo's corpus from docs/topics")
    args = parser.parse_args(argv)
    try:
        if args.command == "corpus":
            CORPUS.write_text(course_text(args.root / "docs"), encoding="utf-8")
            path = CORPUS
        elif args.command == "new-exercise":
            path = new_exercise(args.root, args.name, args.topic)
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
