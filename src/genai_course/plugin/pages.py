"""The data-driven parts of pages: session headers, topic notes, resources,
glossary and quizzes. Links are written as Markdown links to ``.md`` files wherever possible, so
MkDocs resolves and validates them like any other link."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path

import yaml

from genai_course.plugin.data import Course, QuizQuestion, Session

__all__ = [
    "glossary_markdown",
    "latest_updates_markdown",
    "quiz_html",
    "resources_html",
    "session_footer_markdown",
    "session_header_markdown",
    "sessions_markdown",
    "topic_note_markdown",
]

KIND_LABELS = {"class": "Class", "no-class": "No class", "presentation": "Presentations"}
RESOURCE_KIND_LABELS = {
    "video": "Videos",
    "interactive": "Interactive tools",
    "paper": "Papers",
    "blog": "Blog posts",
    "book": "Books",
    "course": "Courses",
    "list": "Curated lists",
    "taxonomy": "Taxonomies",
    "playlist": "Playlists",
    "code": "Code",
    "article": "Articles",
    "demo": "Demos",
}

UrlFor = Callable[[str], str]  # docs-relative path of a file -> URL relative to the current page


def rel(page_uri: str, target_uri: str) -> str:
    """A Markdown link target from one docs file to another."""
    return posixpath.relpath(target_uri, posixpath.dirname(page_uri) or ".")


# a session without a date is one whose notes the instructor has not published yet
NO_DATE = "not published yet"


def long_date(date: dt.date | None) -> str:
    return f"{date:%A}, {date.day} {date:%B %Y}" if date else NO_DATE


def short_date(date: dt.date | None) -> str:
    return date.isoformat() if date else "—"


def table_date(date: dt.date | None) -> str:
    return f"{date.day} {date:%B %Y}" if date else "—"


def _session_link(session: Session, page_uri: str) -> str:
    label = f"Session {session.number}: {session.title}"
    return f"[{label}]({rel(page_uri, session.page)})" if session.page else label


def _topic_links(course: Course, topics: Sequence[str], page_uri: str) -> str:
    return ", ".join(
        f"[{course.topics[t].title}]({rel(page_uri, f'topics/{t}.md')})" for t in topics
    )


def sessions_markdown(course: Course, page_uri: str) -> str:
    """The sessions overview: each session's date, title (linked to its page) and kind."""
    rows = ["| Date | Session | Kind |", "| --- | --- | --- |"]
    for s in course.sessions:
        link = _session_link(s, page_uri)
        rows.append(f"| {table_date(s.date)} | {link} | {KIND_LABELS[s.kind]} |")
    return "\n".join(rows) + "\n"


def session_header_markdown(course: Course, session: Session, page_uri: str) -> str:
    facts = [f"**Date:** {long_date(session.date)}", f"**Kind:** {KIND_LABELS[session.kind]}"]
    # the class time and room, when the schedule gives them
    if session.time is not None and session.end is not None:
        facts.append(f"**Time:** {session.time:%H:%M}–{session.end:%H:%M} ({course.timezone})")
    if session.room:
        facts.append(f"**Room:** {session.room}")
    if session.topics:
        facts.append(f"**Topics:** {_topic_links(course, session.topics, page_uri)}")
    materials = [course.resources[m] for m in session.materials]
    if materials:
        facts.append(
            "**Materials:** "
            + ", ".join(f"[{m.title}]({m.url})" if m.url else m.title for m in materials)
        )
    return f"# Session {session.number}: {session.title}\n\n" + "  \n".join(facts) + "\n\n"


def session_footer_markdown(course: Course, session: Session, page_uri: str) -> str:
    index = course.sessions.index(session)
    before = course.sessions[index - 1] if index > 0 else None
    after = course.sessions[index + 1] if index + 1 < len(course.sessions) else None
    links = []
    if before:
        links.append(f"← {_session_link(before, page_uri)}")
    links.append(f"[Schedule]({rel(page_uri, 'schedule.md')})")
    if after:
        links.append(f"{_session_link(after, page_uri)} →")
    return (
        '\n\n<nav class="gc-session-nav" aria-label="Sessions" markdown>\n'
        + " · ".join(links)
        + "\n</nav>\n"
    )


def topic_note_markdown(
    course: Course, topic: str, page_uri: str, demo_pages: dict[str, str]
) -> str:
    sessions = course.sessions_for_topic(topic)
    covered = (
        "Covered in "
        + ", ".join(f"{_session_link(s, page_uri)} ({short_date(s.date)})" for s in sessions)
        + "."
        if sessions
        else "Reference material: no session of the schedule covers this topic directly."
    )
    demos = []
    for name in course.topics[topic].demos:
        where = demo_pages.get(name)
        if where == page_uri:
            demos.append(f"[{name.replace('_', ' ')} (on this page)](#gc-demo-{name})")
        elif where:
            demos.append(f"[{name.replace('_', ' ')}]({rel(page_uri, where)}#gc-demo-{name})")
    demo_line = f"\n    Demos: {', '.join(demos)}." if demos else ""
    return f'!!! info "In the course"\n    {covered}{demo_line}\n\n'


def _front_matter(text: str) -> dict[str, object]:
    match = re.match(r"^---\n(.*?)\n---\n", text, re.DOTALL)
    loaded = yaml.safe_load(match.group(1)) if match else None
    return loaded if isinstance(loaded, dict) else {}


def latest_updates_markdown(docs: Path, page_uri: str, count: int = 3) -> str:
    posts = []
    for path in (docs / "updates" / "posts").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        meta = _front_matter(text)
        if meta.get("draft"):
            continue
        title = re.search(r"^# (.+)$", text, re.MULTILINE)
        date = meta.get("date")
        if isinstance(date, dict):  # Material allows date: {created: ...}
            date = date.get("created")
        posts.append((str(date), title.group(1).strip() if title else path.stem, path))
    posts.sort(reverse=True)
    lines = [
        f"- **{date}** — [{title}]({rel(page_uri, path.relative_to(docs).as_posix())})"
        for date, title, path in posts[:count]
    ]
    return "\n".join(lines) + "\n" if lines else "No updates yet.\n"


def resources_html(course: Course, url_for: UrlFor) -> str:
    kinds = sorted(
        {r.kind for r in course.resources.values()}, key=list(RESOURCE_KIND_LABELS).index
    )
    topics = sorted({t for r in course.resources.values() for t in r.topics})
    kind_options = "".join(f'<option value="{k}">{RESOURCE_KIND_LABELS[k]}</option>' for k in kinds)
    topic_options = "".join(
        f'<option value="{t}">{escape(course.topics[t].title)}</option>' for t in topics
    )
    parts = [
        '<form class="gc-filters" aria-label="Filter the resources" hidden>'
        '<label>Kind <select name="kind"><option value="">All kinds</option>'
        f"{kind_options}</select></label>"
        '<label>Topic <select name="topic"><option value="">All topics</option>'
        f"{topic_options}</select></label>"
        '<p class="gc-filter-count" role="status" aria-live="polite"></p></form>'
    ]
    for kind in kinds:
        items = [r for r in course.resources.values() if r.kind == kind]
        parts.append(
            f'<section class="gc-resource-group" data-kind="{kind}">'
            f'<h2 id="{kind}">{RESOURCE_KIND_LABELS[kind]}</h2><ul class="gc-resources">'
        )
        for r in items:
            title = (
                f'<a href="{escape(r.url)}">{escape(r.title)}</a>'
                if r.url
                else f"{escape(r.title)} <em>(link to be added)</em>"
            )
            meta = [escape(r.by)] if r.by else []
            if r.length_minutes:
                meta.append(f"~{r.length_minutes:g} min")
            meta += [
                f'<a href="{url_for(f"topics/{t}.md")}">{escape(course.topics[t].title)}</a>'
                for t in r.topics
            ]
            meta += [
                f'<a href="{url_for(s.page)}">Session {s.number}</a>'
                for s in course.sessions
                if s.number in r.sessions and s.page
            ]
            note = f"<br><span class='gc-note'>{escape(r.note)}</span>" if r.note else ""
            parts.append(
                f'<li data-kind="{r.kind}" data-topics="{" ".join(r.topics)}" id="r-{r.id}">'
                f"{title} <span class='gc-meta'>{' · '.join(meta)}</span>{note}</li>"
            )
        parts.append("</ul></section>")
    return "".join(parts)


def glossary_markdown(course: Course, page_uri: str) -> str:
    lines = []
    for term in course.glossary:
        lines.append(f"### {term.term} {{ #{term.id} }}\n")
        see = (
            f" See [{course.topics[term.topic].title}]({rel(page_uri, f'topics/{term.topic}.md')})."
            if term.topic
            else ""
        )
        also = f" *Also: {', '.join(term.aliases)}.*" if term.aliases else ""
        lines.append(f"{term.definition}{see}{also}\n")
    return "\n".join(lines)


def quiz_html(questions: Sequence[QuizQuestion], topic: str) -> str:
    if not questions:
        return ""
    parts = [f'<div class="gc-quiz" data-topic="{escape(topic)}">']
    for q in questions:
        name = f"quiz-{q.id}"
        options = []
        for i, option in enumerate(q.options):
            options.append(
                f'<li><label><input type="radio" name="{name}" value="{i}" '
                f'data-correct="{str(option.correct).lower()}"> {escape(option.text)}</label>'
                f'<p class="gc-why" data-option="{i}" hidden>{escape(option.why)}</p></li>'
            )
        right = next(o for o in q.options if o.correct)
        parts.append(
            f'<fieldset class="gc-question" id="{name}"><legend>{escape(q.question)}</legend>'
            f'<ul class="gc-options">{"".join(options)}</ul>'
            f'<p class="gc-feedback" role="status" aria-live="polite"></p>'
            f'<details class="gc-answer"><summary>Show the answer</summary>'
            f"<p><strong>{escape(right.text)}</strong> — {escape(right.why)}</p></details>"
            "</fieldset>"
        )
    parts.append("</div>")
    return "".join(parts)
