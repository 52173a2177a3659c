"""The schedule page's table and the home page's "next session" cards, as the build writes them:
every session's date in the markup for the page to work out today, and the build's day as the
page without script."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest

from genai_course.plugin.data import Course, load_course
from genai_course.plugin.schedule import next_session_html, schedule_html
from tests.test_data import SCHEDULE, write_course


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.parts: list[str | Element] = []  # text and elements, in order

    @property
    def children(self) -> list[Element]:
        return [part for part in self.parts if isinstance(part, Element)]

    def find_all(self, tag: str) -> list[Element]:
        found = [c for c in self.children if c.tag == tag]
        return found + [e for c in self.children for e in c.find_all(tag)]

    def all_text(self) -> str:
        return "".join(p if isinstance(p, str) else p.all_text() for p in self.parts)

    def shown_text(self) -> str:
        parts = [p if isinstance(p, str) else p.shown_text() for p in self.parts]
        return "".join(parts) if "hidden" not in self.attrs else ""

    def shown(self) -> bool:
        """Not hidden itself nor inside something hidden."""
        return "hidden" not in self.attrs and (self.parent is None or self.parent.shown())


class Tree(HTMLParser):
    VOID = frozenset({"br", "img", "input", "meta", "link", "hr"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.root = Element("root", {}, None)
        self.current = self.root
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self.current)
        self.current.parts.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_endtag(self, tag: str) -> None:
        assert self.current.tag == tag, f"</{tag}> closes <{self.current.tag}>"
        assert self.current.parent is not None
        self.current = self.current.parent

    def handle_data(self, data: str) -> None:
        self.current.parts.append(data)


def url_for(target: str) -> str:
    page = target.removesuffix(".md")
    return f"../{page}/" if page != target else f"../{target}"


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return load_course(*write_course(tmp_path))


def test_each_session_is_a_row_with_its_date_and_every_column_named(course: Course) -> None:
    tree = Tree(schedule_html(course, url_for)).root
    (table,) = tree.find_all("table")
    assert [th.all_text() for th in table.find_all("th")] == [
        "#",
        "Date",
        "Session",
        "Kind",
        "Topics",
    ]
    rows = table.find_all("tbody")[0].find_all("tr")
    assert [r.attrs["id"] for r in rows] == ["session-3", "session-4", "session-10", "session-11"]
    # the page works out today from these; a session without a date has none
    assert [r.attrs.get("data-date") for r in rows] == [
        None,
        "2026-04-13",
        "2026-06-01",
        "2026-06-08",
    ]
    assert [r.attrs["data-kind"] for r in rows] == ["class", "class", "no-class", "presentation"]
    assert rows[1].attrs["data-name"] == "Session 4, Monday, 13 April 2026"
    for row in rows:
        cells = row.find_all("td")
        # on a phone each cell says which column it is
        labels = [c.find_all("span")[0].all_text() for c in cells]
        assert labels == ["Session", "Date", "Title", "Kind", "Topics"]
    session4 = [c.all_text() for c in rows[1].find_all("td")]
    assert "13 April 2026" in session4[1] and "Class" in session4[3]
    assert "Attention" in session4[4]
    assert rows[1].find_all("time")[0].attrs["datetime"] == "2026-04-13"
    links = {a.attrs["href"] for a in rows[1].find_all("a")}
    assert links == {"../sessions/session-04/", "../topics/attention/"}
    # no page: the title is text, not a link
    assert not rows[0].find_all("a") and "To be announced" in rows[0].all_text()


def test_the_schedule_writes_each_sentence_about_today_for_the_page_to_choose(
    course: Course,
) -> None:
    tree = Tree(schedule_html(course, url_for)).root
    (status,) = [d for d in tree.find_all("div") if "gc-schedule-now" in d.attrs.get("class", "")]
    assert not status.shown()  # nothing is said without the script
    states = {p.attrs["data-state"]: p.all_text() for p in status.find_all("p")}
    assert set(states) == {"next", "today", "before", "over"}
    assert states["before"] == "The term has not started yet: it begins with Session 4 on " + (
        "Monday, 13 April 2026."
    )
    assert states["over"] == "The term is over: the last session was Session 11 on " + (
        "Monday, 8 June 2026."
    )
    assert tree.find_all("div")[0].attrs["data-timezone"] == "Europe/Berlin"


def test_titles_are_escaped(tmp_path: Path) -> None:
    course = load_course(
        *write_course(tmp_path, schedule=SCHEDULE.replace("To be announced", "Q&A <live>"))
    )
    html = schedule_html(course, url_for)
    assert "Q&amp;A &lt;live&gt;" in html and "<live>" not in html


def shown_cards(html: str) -> list[Element]:
    return [d for d in Tree(html).root.find_all("div") if "data-date" in d.attrs and d.shown()]


@pytest.mark.parametrize(
    ("today", "shown", "title"),
    [
        ("2026-03-01", "2026-04-13", "Next session — Monday, 13 April 2026"),
        ("2026-04-13", "2026-04-13", "Next session — Today"),
        # session 10 has no class: it never is the next session
        ("2026-04-14", "2026-06-08", "Next session — Monday, 8 June 2026"),
        ("2026-06-09", "over", "The term is over"),
    ],
)
def test_the_card_of_the_builds_day_is_the_one_shown(
    course: Course, today: str, shown: str, title: str
) -> None:
    html = next_session_html(course, dt.date.fromisoformat(today), url_for)
    (card,) = shown_cards(html)
    assert card.attrs["data-date"] == shown
    (heading,) = [p for p in card.find_all("p") if p.attrs.get("class") == "admonition-title"]
    assert heading.shown_text() == title


def test_there_is_a_card_for_every_day_the_page_may_open(course: Course) -> None:
    tree = Tree(next_session_html(course, dt.date(2026, 4, 1), url_for)).root
    cards = [d for d in tree.find_all("div") if "data-date" in d.attrs]
    assert [c.attrs["data-date"] for c in cards] == ["2026-04-13", "2026-06-08", "over"]
    # each card has both titles; the page shows "Today" on the session's day
    for card in cards[:-1]:
        words = {s.attrs["data-when"]: s.all_text() for s in card.find_all("span")}
        assert words["today"] == "Today" and words["date"].startswith("Monday, ")
    assert "Session 11: Final presentation of projects" in cards[1].all_text()
    assert {a.attrs["href"] for a in cards[0].find_all("a")} == {
        "../sessions/session-04/",
        "../schedule/",
        "../schedule/#subscribe",
    }


def test_a_sessions_time_and_room_are_given_where_its_date_is(tmp_path: Path) -> None:
    timed = SCHEDULE.replace(
        "    page: sessions/session-04.md\n",
        "    page: sessions/session-04.md\n    time: 14:00\n    end: 15:30\n    room: H 0104\n",
    )
    course = load_course(*write_course(tmp_path, schedule=timed))
    rows = Tree(schedule_html(course, url_for)).root.find_all("tr")
    (session4,) = [r for r in rows if r.attrs.get("id") == "session-4"]
    (date,) = [c for c in session4.find_all("td") if c.attrs["class"] == "gc-s-date"]
    # the time and room on a line of their own, under the date
    assert date.all_text() == "Date 13 April 2026" + "14:00–15:30, room H 0104"
    assert [c.tag for c in date.children] == ["span", "time", "br", "span"]
    (card,) = shown_cards(next_session_html(course, dt.date(2026, 4, 1), url_for))
    assert (
        "Session 4: Paradigms and applications of Generative AI · Class · 14:00–15:30, room H 0104"
        in (card.all_text())
    )
