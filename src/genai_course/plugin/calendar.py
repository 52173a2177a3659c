"""The iCalendar feed of the schedule (RFC 5545), made with the ``icalendar`` package.

Each dated session is an all-day event: the course notes give dates, not times. UIDs are derived
from the session number and the site's host, so a subscribed calendar updates an event when its
date or title changes instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin, urlsplit

from icalendar import Calendar, Event

from genai_course.plugin.data import Course, Session

__all__ = ["schedule_ics", "session_uid"]

KIND_NAMES = {"class": "Class", "no-class": "No class", "presentation": "Presentations"}


def session_uid(session: Session, site_url: str) -> str:
    host = urlsplit(site_url).hostname or "genai-course.invalid"
    return f"session-{session.number}@{host}"


def schedule_ics(course: Course, site_url: str, stamp: dt.datetime) -> bytes:
    """The feed as bytes; ``stamp`` is DTSTAMP (the time the feed was made, in UTC)."""
    calendar = Calendar()
    calendar.add("prodid", "-//genai-course//schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", course.title or "Course schedule")
    calendar.add("x-wr-timezone", course.timezone)
    for session in course.sessions:
        if session.date is None:
            continue  # not scheduled yet: it appears once the instructor gives it a date
        event = Event()
        event.add("uid", session_uid(session, site_url))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.date)
        event.add("dtend", session.date + dt.timedelta(days=1))
        event.add("summary", f"Session {session.number}: {session.title}")
        event.add("categories", [KIND_NAMES[session.kind]])
        event.add("transp", "TRANSPARENT" if session.kind == "no-class" else "OPAQUE")
        if session.page:
            page_url = urljoin(site_url, session.page.removesuffix(".md").rstrip("/") + "/")
            event.add("url", page_url)
            event.add("description", f"{KIND_NAMES[session.kind]}. Notes: {page_url}")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
