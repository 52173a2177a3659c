"""The schedule page and the home page's "next session" card, as HTML made from the schedule.

Both carry each session's date (``data-date``) so that the page works out which session is
today's, this week's and the next one in the learner's browser (``assets/schedule.js``): a built
page stays right on every day of the term without a rebuild. What the build picks for its own
day is the page without script.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from genai_course.plugin.data import Course, Session
from genai_course.plugin.pages import KIND_LABELS, UrlFor, long_date, table_date

__all__ = ["next_session_html", "schedule_html"]


def _title(session: Session, url_for: UrlFor) -> str:
    title = escape(session.title)
    return f'<a href="{url_for(session.page)}">{title}</a>' if session.page else title


def _time_and_room(session: Session) -> str:
    """'14:00–15:30, room H 0104', or what of it the schedule gives."""
    parts = [f"{session.time:%H:%M}–{session.end:%H:%M}"] if session.time and session.end else []
    if session.room:
        parts.append(f"room {escape(session.room)}")
    return ", ".join(parts)


def _cell(name: str, label: str, content: str) -> str:
    # the label is the column's header, shown in each card when the table is laid out as cards
    return (
        f'<td class="gc-s-{name}" role="cell"><span class="gc-label" aria-hidden="true">'
        f"{label}</span> {content}</td>"
    )


def _row(course: Course, session: Session, url_for: UrlFor) -> str:
    date = (
        f'<time datetime="{session.date.isoformat()}">{table_date(session.date)}</time>'
        if session.date
        else table_date(None)
    )
    if details := _time_and_room(session):
        date += f'<br><span class="gc-s-time">{details}</span>'
    topics = ", ".join(
        f'<a href="{url_for(f"topics/{t}.md")}">{escape(course.topics[t].title)}</a>'
        for t in session.topics
    )
    when = f' data-date="{session.date.isoformat()}"' if session.date else ""
    name = f"Session {session.number}" + (f", {long_date(session.date)}" if session.date else "")
    return (
        f'<tr id="session-{session.number}" role="row" data-kind="{session.kind}"{when} '
        f'data-name="{escape(name)}">'
        + _cell("number", "Session", str(session.number))
        + _cell("date", "Date", date)
        + _cell("title", "Title", _title(session, url_for))
        + _cell("kind", "Kind", KIND_LABELS[session.kind])
        + _cell("topics", "Topics", topics or "—")
        + "</tr>"
    )


def schedule_html(course: Course, url_for: UrlFor) -> str:
    """Every session: a table on a wide screen, one card per session on a phone (course.css).

    The table keeps its roles explicitly, as a screen reader may drop them from a table that CSS
    lays out as cards (the header cells keep theirs from ``scope``: Material gives
    ``th[role=columnheader]`` a sort icon).
    """
    dated = [s for s in course.sessions if s.date is not None]
    first = min(dated, key=lambda s: s.date or dt.date.max, default=None)
    last = max(dated, key=lambda s: s.date or dt.date.min, default=None)
    # what the page says about today, each sentence written here and chosen in the browser
    status = [
        '<p data-state="next" hidden>Next session: <a class="gc-now-link"></a>.</p>',
        '<p data-state="today" hidden>Today: <a class="gc-now-link"></a>.</p>',
    ]
    if first is not None and first.date is not None:
        status.append(
            f'<p data-state="before" hidden>The term has not started yet: it begins with '
            f'<a href="#session-{first.number}">Session {first.number}</a> on '
            f"{long_date(first.date)}.</p>"
        )
    if last is not None and last.date is not None:
        status.append(
            f'<p data-state="over" hidden>The term is over: the last session was '
            f'<a href="#session-{last.number}">Session {last.number}</a> on '
            f"{long_date(last.date)}.</p>"
        )
    headers = "".join(
        f'<th scope="col">{h}</th>' for h in ("#", "Date", "Session", "Kind", "Topics")
    )
    rows = "".join(_row(course, s, url_for) for s in course.sessions)
    return (
        f'<div class="gc-schedule" data-timezone="{escape(course.timezone)}">'
        f'<div class="gc-schedule-now" role="status" hidden>{"".join(status)}</div>'
        '<table class="gc-schedule-table" role="table">'
        '<caption class="md-visually-hidden">Sessions of the term</caption>'
        f'<thead role="rowgroup"><tr role="row">{headers}</tr></thead>'
        f'<tbody role="rowgroup">{rows}</tbody></table></div>'
    )


def next_session_html(course: Course, today: dt.date, url_for: UrlFor) -> str:
    """The home page's card: one for each session that can be next, and one for after the term.

    The one for ``today`` (the build's day) is shown; the page shows the one for the learner's
    day instead.
    """
    built = course.next_session(today)
    schedule = url_for("schedule.md")
    # the schedule page's offer to subscribe (subscribe.py), not a copy of the file
    feed = f"{schedule}#subscribe"
    links = f'<p><a href="{schedule}">Full schedule</a> · <a href="{feed}">Add the schedule to '
    links += "your calendar</a></p>"
    # the cards of other days are hidden, and left out of the search index
    other_day = " hidden data-search-exclude"
    cards = []
    for s in course.sessions:
        if s.date is None or s.kind == "no-class":
            continue
        # the build's own day reads "Today"; the page says "Today" on the session's day
        on_the_day = s.date == today
        details = f" · {_time_and_room(s)}" if _time_and_room(s) else ""
        title = (
            f'Next session — <span data-when="date"{" hidden" if on_the_day else ""}>'
            f'{long_date(s.date)}</span><span data-when="today"{"" if on_the_day else " hidden"}>'
            "Today</span>"
        )
        cards.append(
            f'<div class="admonition tip" data-date="{s.date.isoformat()}"'
            f"{'' if s is built else other_day}>"
            f'<p class="admonition-title">{title}</p>'
            f"<p><strong>Session {s.number}: {_title(s, url_for)}</strong> · "
            f"{KIND_LABELS[s.kind]}{details}</p>{links}</div>"
        )
    cards.append(
        f'<div class="admonition note" data-date="over"'
        f"{'' if built is None else other_day}>"
        '<p class="admonition-title">The term is over</p>'
        f'<p>See the <a href="{schedule}">schedule</a> for every session.</p></div>'
    )
    return (
        f'<div class="gc-next-session" data-timezone="{escape(course.timezone)}">'
        + "".join(cards)
        + "</div>"
    )
