"""The iCalendar feed of the schedule (RFC 5545), made with the ``icalendar`` package.

A dated session is an all-day entry that leaves the day free (TRANSP:TRANSPARENT), or, when the
schedule gives its ``time`` and ``end``, an event at that time in the course's time zone (with its
VTIMEZONE), busy for class and presentations. Each UID is made of the course's id and the
session number, never of the address the site is published at: a subscribed calendar updates an
event when its date, time or title changes, and a move to another host changes no UID.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from urllib.parse import urljoin

from icalendar import Calendar, Event, vDuration

from genai_course.plugin.data import Course, Session

__all__ = ["REFRESH", "UID_DOMAIN", "schedule_ics", "session_uid"]

KIND_NAMES = {"class": "Class", "no-class": "No class", "presentation": "Presentations"}
# the right-hand side of every UID: a fixed name, not a host (RFC 2606 keeps .invalid unused)
UID_DOMAIN = "genai-course.invalid"
# how often a subscribed calendar should fetch the feed again
REFRESH = dt.timedelta(days=1)


def session_uid(course: Course, session: Session) -> str:
    return f"{course.id}-session-{session.number}@{UID_DOMAIN}"


def schedule_ics(course: Course, site_url: str, stamp: dt.datetime) -> bytes:
    """The feed as bytes; ``stamp`` is DTSTAMP (the time the feed was made, in UTC)."""
    calendar = Calendar()
    calendar.add("prodid", "-//genai-course//schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", course.title or "Course schedule")
    calendar.add("x-wr-timezone", course.timezone)
    # RFC 7986, and the older name Outlook reads
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    zone = zoneinfo.ZoneInfo(course.timezone)
    for session in course.sessions:
        if session.date is None:
            continue  # not scheduled yet: it appears once the instructor gives it a date
        calendar.add_component(_event(course, session, session.date, zone, site_url, stamp))
    dated = [s.date for s in course.sessions if s.date is not None]
    if dated:
        # VTIMEZONE for the zone of the timed events, with its rules over the term's years
        calendar.add_missing_timezones(
            first_date=dt.date(min(dated).year, 1, 1), last_date=dt.date(max(dated).year + 1, 1, 1)
        )
    return bytes(calendar.to_ical())


def _event(
    course: Course,
    session: Session,
    date: dt.date,
    zone: zoneinfo.ZoneInfo,
    site_url: str,
    stamp: dt.datetime,
) -> Event:
    event = Event()
    event.add("uid", session_uid(course, session))
    event.add("dtstamp", stamp)
    kind = KIND_NAMES[session.kind]
    if session.time is not None and session.end is not None:
        event.add("dtstart", dt.datetime.combine(date, session.time, tzinfo=zone))
        event.add("dtend", dt.datetime.combine(date, session.end, tzinfo=zone))
        busy = session.kind != "no-class"
    else:
        event.add("dtstart", date)
        event.add("dtend", date + dt.timedelta(days=1))
        busy = False  # an all-day entry marks the day, it does not fill it
    event.add("transp", "OPAQUE" if busy else "TRANSPARENT")
    event.add("summary", f"Session {session.number}: {session.title}")
    event.add("categories", [kind])
    if session.room:
        event.add("location", session.room)
    description = f"{kind}." + (f" Room: {session.room}." if session.room else "")
    if session.page:
        page_url = urljoin(site_url, session.page.removesuffix(".md").rstrip("/") + "/")
        event.add("url", page_url)
        description += f" Notes: {page_url}"
    event.add("description", description)
    return event
