"""A new term from the last one: the sessions' plan with new dates, the old term kept as an archive.

    genai-course new-term --first-session 2027-04-12 --skip 2027-05-03

The old term's session pages (with their dates, topics and neighbours written into them), its
weekly updates and a page with its schedule go to ``docs/archive/<term>/``; its schedule file is
kept as ``data/archive/<term>/schedule.yml``. Every relative link in what moves is rewritten, so
it still reaches the same page (an archived one, or one of the site that stays). Then the dates in
``data/schedule.yml`` are replaced in place (comments and layout kept): the first session on
``--first-session``, each next one the term's usual spacing later, skipping the dates given.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import yaml

from genai_course.plugin import pages as render
from genai_course.plugin.data import Course, Session

__all__ = ["ARCHIVE", "NewTerm", "TermError", "new_dates", "plan_new_term", "rewrite_links"]

ARCHIVE = "archive"  # docs/archive/ and data/archive/
PAST_TERMS_TITLE = "Past terms"


class TermError(Exception):
    """The new term cannot be made as asked; nothing was written."""


@dataclass(frozen=True)
class NewTerm:
    """What `new-term` writes: the archive's files and the schedule with its new dates."""

    name: str
    spacing: int  # days between two sessions
    dates: dict[int, dt.date]  # session number -> its date in the new term
    skipped: tuple[dt.date, ...]  # dates of --skip that fell on a session day
    unused_skips: tuple[dt.date, ...]
    files: dict[Path, str]  # path -> text, all new
    moved: tuple[Path, ...]  # files of the old term removed once archived (update posts)
    relinked: dict[Path, str]  # pages that stay, with links to a moved file rewritten
    schedule_text: str


# -- dates -------------------------------------------------------------------------------------


def usual_spacing(sessions: Sequence[Session]) -> int:
    """The most common number of days between two dated sessions in a row (7 if none)."""
    dated = [s.date for s in sessions if s.date is not None]
    gaps = Counter((b - a).days for a, b in pairwise(dated) if b > a)
    return gaps.most_common(1)[0][0] if gaps else 7


def new_dates(
    numbers: Sequence[int], first: dt.date, spacing: int, skip: Sequence[dt.date]
) -> tuple[dict[int, dt.date], list[dt.date]]:
    """A date for each session, `spacing` days apart from `first` on, over the days in `skip`;
    returns them and the skipped days that were session days."""
    dates: dict[int, dt.date] = {}
    skipped: list[dt.date] = []
    day = first
    for number in numbers:
        while day in skip:
            skipped.append(day)
            day += dt.timedelta(days=spacing)
        dates[number] = day
        day += dt.timedelta(days=spacing)
    return dates, skipped


def redated_schedule(text: str, dates: Mapping[int, dt.date]) -> str:
    """The schedule file with each session's date replaced, every other character kept."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    spans: list[tuple[int, int, str]] = []
    sessions = _value(root, "sessions") if isinstance(root, yaml.MappingNode) else None
    if not isinstance(sessions, yaml.SequenceNode):
        raise TermError("data/schedule.yml has no list of sessions")
    for entry in sessions.value:
        if not isinstance(entry, yaml.MappingNode):
            continue
        number, date = _value(entry, "number"), _value(entry, "date")
        if number is None or date is None or int(number.value) not in dates:
            raise TermError(
                f"data/schedule.yml: an entry without number or date at line "
                f"{entry.start_mark.line + 1}"
            )
        new = dates[int(number.value)].isoformat()
        spans.append((date.start_mark.index, date.end_mark.index, new))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _value(mapping: yaml.Node, key: str) -> yaml.Node | None:
    assert isinstance(mapping, yaml.MappingNode)
    return next((v for k, v in mapping.value if k.value == key), None)


# -- links -------------------------------------------------------------------------------------

# [text](target "title"), ![alt](target), <a href="target">, and [label]: target (not footnotes)
LINK = re.compile(
    r'(?P<pre>\]\(\s*<?|href="|^\s*\[(?!\^)[^\]]+\]:\s*)(?P<target>[^)\s">]+)', re.MULTILINE
)


def rewrite_links(
    text: str, old_uri: str, new_uri: str, moved: Mapping[str, str], exists: Callable[[str], bool]
) -> str:
    """The relative links of a page that moves from `old_uri` to `new_uri` (docs-relative), each
    still reaching its file: at the place `moved` gives it, or where it stays."""

    def fix(match: re.Match[str]) -> str:
        target = match.group("target")
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target, re.IGNORECASE):
            return match.group(0)  # an address, an anchor on the page, or a site-absolute path
        path, hash_, fragment = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(old_uri), path))
        if resolved in moved:
            resolved = moved[resolved]
        elif not exists(resolved) and old_uri == new_uri:
            return match.group(0)  # not a file of the site, and the page stays: leave it
        relative = posixpath.relpath(resolved, posixpath.dirname(new_uri) or ".")
        return match.group("pre") + relative + hash_ + fragment

    return LINK.sub(fix, text)


# -- the archive -------------------------------------------------------------------------------


def _strip_front_matter(text: str) -> tuple[dict[str, object], str]:
    match = re.match(r"^---\n(.*?)\n---\n", text, re.DOTALL)
    if not match:
        return {}, text
    meta = yaml.safe_load(match.group(1))
    return (meta if isinstance(meta, dict) else {}), text[match.end() :]


def _front_matter(meta: Mapping[str, object]) -> str:
    if not meta:
        return ""
    return "---\n" + yaml.safe_dump(dict(meta), sort_keys=False, allow_unicode=True) + "---\n\n"


def _term_span(course: Course) -> str:
    dated = [s.date for s in course.sessions if s.date is not None]
    if not dated:
        return "no dated sessions"
    return f"{render.table_date(min(dated))} – {render.table_date(max(dated))}"


def _schedule_table(course: Course, page_uri: str) -> str:
    """The term's sessions as a Markdown table (its links are rewritten into the archive)."""
    rows = ["| # | Date | Session | Kind | Topics |", "| ---: | --- | --- | --- | --- |"]
    for s in course.sessions:
        title = f"[{s.title}]({render.rel(page_uri, s.page)})" if s.page else s.title
        topics = ", ".join(
            f"[{course.topics[t].title}]({render.rel(page_uri, f'topics/{t}.md')})"
            for t in s.topics
        )
        rows.append(
            f"| {s.number} | {render.short_date(s.date)} | {title} "
            f"| {render.KIND_LABELS[s.kind]} | {topics or '—'} |"
        )
    return "\n".join(rows)


def _posts(docs: Path) -> list[Path]:
    """The term's published update posts (a draft stays, for the new term to finish)."""
    posts = sorted((docs / "updates" / "posts").rglob("*.md"))
    return [
        p for p in posts if not _strip_front_matter(p.read_text(encoding="utf-8"))[0].get("draft")
    ]


def plan_new_term(
    root: Path,
    course: Course,
    first: dt.date,
    skip: Sequence[dt.date] = (),
    name: str | None = None,
) -> NewTerm:
    """Everything `new-term` will write, computed before anything is written."""
    docs, data = root / "docs", root / "data"
    dated = [s.date for s in course.sessions if s.date is not None]
    if not course.sessions:
        raise TermError("data/schedule.yml has no sessions to carry over")
    if dated and first <= max(dated):
        raise TermError(
            f"the new term's first session ({first}) must come after the last session of this "
            f"term ({max(dated)})"
        )
    name = name or (str(min(dated).year) if dated else None)
    if name is None:
        raise TermError("no session of this term has a date: name it with --archive-as NAME")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise TermError(f"--archive-as {name!r}: use lower-case letters, digits and dashes")
    home = f"{ARCHIVE}/{name}"
    if (docs / home).exists() or (data / home).exists():
        raise TermError(
            f"docs/{home} or data/{home} exists already: a term {name} was archived before; "
            "name this one with --archive-as NAME (e.g. --archive-as 2026-autumn)"
        )

    spacing = usual_spacing(course.sessions)
    numbers = [s.number for s in course.sessions]
    dates, skipped = new_dates(numbers, first, spacing, skip)
    unused = tuple(d for d in skip if d not in skipped)

    # where each archived page goes (docs-relative); links to them are rewritten to follow
    index = f"{home}/index.md"
    moved: dict[str, str] = {"schedule.md": index, "sessions/index.md": index}
    moved["updates/index.md"] = index
    sessions = [s for s in course.sessions if s.page]
    for s in sessions:
        assert s.page is not None
        moved[s.page] = f"{home}/sessions/{posixpath.basename(s.page)}"
    posts = _posts(docs)
    for post in posts:
        moved[post.relative_to(docs).as_posix()] = (
            f"{home}/updates/{post.relative_to(docs / 'updates' / 'posts').as_posix()}"
        )

    def exists(uri: str) -> bool:
        return (docs / uri).is_file()

    def archived(old_uri: str, text: str) -> str:
        return rewrite_links(text, old_uri, moved[old_uri], moved, exists)

    files: dict[Path, str] = {}
    # written after the links are rewritten: it links to the sessions of the term that runs
    note = (
        f'!!! note "Term {name}, archived"\n'
        f"    This page is kept as it was in the {name} term. This term's sessions: "
        f"[Sessions]({posixpath.relpath('sessions/index.md', f'{home}/sessions')}).\n\n"
    )
    for s in sessions:
        assert s.page is not None
        meta, body = _strip_front_matter((docs / s.page).read_text(encoding="utf-8"))
        meta.pop("session", None)
        header = render.session_header_markdown(course, s, s.page)
        footer = render.session_footer_markdown(course, s, s.page)
        title_line, _, rest = archived(s.page, header + body + footer).partition("\n\n")
        files[docs / moved[s.page]] = _front_matter(meta) + f"{title_line}\n\n{note}{rest}"
    for post in posts:
        uri = post.relative_to(docs).as_posix()
        files[docs / moved[uri]] = archived(uri, post.read_text(encoding="utf-8"))

    # the term's own page: its schedule (the table of the schedule page) and its updates
    table = _schedule_table(course, "schedule.md")
    updates = render.latest_updates_markdown(docs, "schedule.md", count=len(posts) or 1)
    term_page = (
        f"# Term {name}\n\n"
        f"The {name} term as it was: {len(course.sessions)} sessions, {_term_span(course)}. "
        f"The session pages keep their notes and dates; the topics and demos they link to are "
        f"the site's current ones.\n\n"
        f"## Schedule\n\n{table}\n\n## Weekly updates {{ #updates }}\n\n{updates}"
    )
    files[docs / index] = archived("schedule.md", term_page)
    files[docs / ARCHIVE / "index.md"] = _past_terms_page(
        docs / ARCHIVE / "index.md", name, f"{len(course.sessions)} sessions, {_term_span(course)}"
    )
    schedule_file = data / "schedule.yml"
    schedule_text = schedule_file.read_text(encoding="utf-8")
    files[data / home / "schedule.yml"] = (
        f"# The schedule of term {name}, as it was when `genai-course new-term` archived it.\n"
        f"# The build does not read this file; the term's pages are in docs/{home}/.\n"
        + schedule_text
    )

    # pages that stay (the new term's) and link to an update that moves to the archive
    posts_moved = {k: v for k, v in moved.items() if k.startswith("updates/posts/")}
    relinked: dict[Path, str] = {}
    for staying in sorted(docs.rglob("*.md")):
        uri = staying.relative_to(docs).as_posix()
        if uri.startswith(f"{ARCHIVE}/") or uri in posts_moved:
            continue
        text = staying.read_text(encoding="utf-8")
        updated = rewrite_links(text, uri, uri, posts_moved, exists)
        if updated != text:
            relinked[staying] = updated

    return NewTerm(
        name=name,
        spacing=spacing,
        dates=dates,
        skipped=tuple(skipped),
        unused_skips=unused,
        files=files,
        moved=tuple(posts),
        relinked=relinked,
        schedule_text=redated_schedule(schedule_text, dates),
    )


def _past_terms_page(path: Path, name: str, summary: str) -> str:
    """The list of archived terms, newest first; an existing page keeps what was written in it."""
    line = f"- [Term {name}]({name}/index.md): {summary}\n"
    if not path.is_file():
        return (
            f"# {PAST_TERMS_TITLE}\n\n"
            "Earlier terms of the course, each with its schedule, its session notes and its "
            "weekly updates as they were at the end of the term.\n\n" + line
        )
    text = path.read_text(encoding="utf-8")
    first = re.search(r"^- \[", text, re.MULTILINE)
    if first is None:
        return text.rstrip("\n") + "\n\n" + line
    return text[: first.start()] + line + text[first.start() :]


def write_new_term(root: Path, term: NewTerm) -> None:
    """Write the archive, move the old updates into it, and give the sessions their new dates."""
    for path, text in term.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path, text in term.relinked.items():
        path.write_text(text, encoding="utf-8")
    for post in term.moved:
        post.unlink()
    (root / "data" / "schedule.yml").write_text(term.schedule_text, encoding="utf-8")
