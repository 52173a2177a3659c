"""The calendar feed, read back by an independent parser (``icalendar.Calendar.from_ical``): all-day
entries leave the day free, class times become events in the course's time zone, the feed asks to
be fetched daily, and the UIDs do not depend on the address the site is published at."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

from icalendar import Calendar

from genai_course.plugin.calendar import schedule_ics
from genai_course.plugin.data import Course, load_course
from genai_course.plugin.pages import session_header_markdown
from genai_course.plugin.subscribe import feed_urls, subscribe_markdown
from tests.test_data import SCHEDULE, write_course

STAMP = dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC)
SITE = "https://example.edu/genai/"
# session 4 in class from 14:00 to 15:30 in room H 0104; the last day of March is still winter
# time in Berlin and 13 April is summer time
TIMED = SCHEDULE.replace(
    "    page: sessions/session-04.md\n",
    "    page: sessions/session-04.md\n    time: 14:00\n    end: 15:30\n    room: H 0104\n",
)


def course(tmp_path: Path, schedule: str = SCHEDULE) -> Course:
    return load_course(*write_course(tmp_path, schedule=schedule))


def feed(course: Course, site_url: str = SITE) -> Calendar:
    return Calendar.from_ical(schedule_ics(course, site_url, STAMP))


def test_all_day_entries_leave_the_day_free(tmp_path: Path) -> None:
    events = feed(course(tmp_path)).walk("VEVENT")
    # the undated placeholder (session 3) is left out
    assert [str(e["summary"]).split(":")[0] for e in events] == [
        "Session 4",
        "Session 10",
        "Session 11",
    ]
    first = events[0]
    assert first.decoded("dtstart") == dt.date(2026, 4, 13)
    assert first.decoded("dtend") == dt.date(2026, 4, 14)
    assert str(first["summary"]) == "Session 4: Paradigms and applications of Generative AI"
    assert str(first["url"]) == "https://example.edu/genai/sessions/session-04/"
    # a class, a day without class and the presentations alike: marked, not busy all day
    assert [str(e["transp"]) for e in events] == ["TRANSPARENT"] * 3
    assert "LOCATION" not in first


def test_class_time_is_an_event_in_the_course_time_zone(tmp_path: Path) -> None:
    calendar = feed(course(tmp_path, TIMED))
    first = calendar.walk("VEVENT")[0]
    start, end = first.decoded("dtstart"), first.decoded("dtend")
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    assert start == dt.datetime(2026, 4, 13, 14, 0, tzinfo=berlin)
    assert end - start == dt.timedelta(minutes=90)
    # the wall-clock time is Berlin's, whatever the reader's own zone: 12:00 UTC in summer time
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 4, 13, 12, 0, tzinfo=dt.UTC)
    assert first["dtstart"].params["TZID"] == "Europe/Berlin"
    assert str(first["transp"]) == "OPAQUE"  # class time is busy time
    assert str(first["location"]) == "H 0104"
    assert "Room: H 0104." in str(first["description"])
    # the zone it names is defined in the feed, for apps that do not know IANA names
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["tzid"]) for z in zones] == ["Europe/Berlin"]
    # the others stay all-day entries
    assert [type(e.decoded("dtstart")) for e in calendar.walk("VEVENT")[1:]] == [dt.date] * 2


def test_the_feed_asks_to_be_fetched_daily(tmp_path: Path) -> None:
    raw = schedule_ics(course(tmp_path), SITE, STAMP)
    calendar = Calendar.from_ical(raw)
    assert calendar.decoded("refresh-interval") == dt.timedelta(days=1)
    assert calendar["refresh-interval"].params["VALUE"] == "DURATION"
    assert calendar["x-published-ttl"].to_ical() == b"P1D"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:P1D\r\n" in raw
    assert b"\r\nX-PUBLISHED-TTL:P1D\r\n" in raw


def test_uids_are_the_same_on_any_host_and_after_a_change(tmp_path: Path) -> None:
    this_term = course(tmp_path)
    uids = [str(e["uid"]) for e in feed(this_term).walk("VEVENT")]
    # the course's id (title and year) and the session number; not the site's address
    assert uids == [
        "generative-ai-2026-session-4@genai-course.invalid",
        "generative-ai-2026-session-10@genai-course.invalid",
        "generative-ai-2026-session-11@genai-course.invalid",
    ]
    for site_url in ("http://127.0.0.1:8000/", "https://teacher.github.io/genai-course/"):
        assert [str(e["uid"]) for e in feed(this_term, site_url).walk("VEVENT")] == uids
    # a new title, a moved date, a class time: the same events, updated
    changed = TIMED.replace("Paradigms", "Models").replace("2026-04-13", "2026-04-14")
    again = feed(course(tmp_path / "b", changed)).walk("VEVENT")
    assert [str(e["uid"]) for e in again] == uids
    # a course id set in the data names the term
    named = SCHEDULE.replace("timezone: Europe/Berlin", "timezone: Europe/Berlin\n  id: genai-ss26")
    assert str(feed(course(tmp_path / "c", named)).walk("VEVENT")[0]["uid"]) == (
        "genai-ss26-session-4@genai-course.invalid"
    )


def test_next_term_gets_new_uids(tmp_path: Path) -> None:
    """A schedule copied for next year, dates moved on: its events are new, not this term's."""
    next_year = SCHEDULE.replace("2026-", "2027-")
    this, then = feed(course(tmp_path)), feed(course(tmp_path / "next", next_year))
    assert {str(e["uid"]) for e in this.walk("VEVENT")}.isdisjoint(
        str(e["uid"]) for e in then.walk("VEVENT")
    )


def test_times_in_yaml_stay_times(tmp_path: Path) -> None:
    """YAML 1.1 would read 14:00 as 840 (base 60): the loader keeps it a time of day."""
    session = course(tmp_path, TIMED).sessions[1]
    assert (session.time, session.end, session.room) == (dt.time(14), dt.time(15, 30), "H 0104")


def test_subscribe_offers_webcal_and_the_address_to_paste(tmp_path: Path) -> None:
    assert feed_urls(SITE) == (
        "https://example.edu/genai/schedule.ics",
        "webcal://example.edu/genai/schedule.ics",
    )
    all_day = course(tmp_path)
    text = subscribe_markdown(all_day, SITE, "schedule.md")
    assert "[Subscribe](webcal://example.edu/genai/schedule.ics)" in text
    assert "[Download once](schedule.ics)" in text
    assert "`https://example.edu/genai/schedule.ics`" in text
    for app in ("Google Calendar", "Apple Calendar", "Outlook"):
        assert f"\n{app}" in text
    assert "Each session is an all-day entry" in text
    # without a published address, no webcal: link to nowhere
    assert "webcal" not in subscribe_markdown(all_day, "", "schedule.md")
    timed = subscribe_markdown(course(tmp_path / "t", TIMED), SITE, "schedule.md")
    assert "Class times are in the course's time zone (Europe/Berlin)" in timed


def test_the_session_page_gives_the_class_time_and_room(tmp_path: Path) -> None:
    timed = course(tmp_path, TIMED)
    header = session_header_markdown(timed, timed.sessions[1], "sessions/session-04.md")
    assert "**Time:** 14:00–15:30 (Europe/Berlin)  \n**Room:** H 0104" in header
    plain = course(tmp_path / "plain")
    assert "**Time:**" not in session_header_markdown(plain, plain.sessions[1], "x.md")
