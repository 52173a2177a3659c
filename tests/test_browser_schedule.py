"""The schedule as a student reads it: on a phone one card per session, every field named and
whole, nothing to scroll sideways; on a laptop a table. Today's, this week's and the next session
follow the browser's date, on the schedule and on the home page's card (the site is built with
GENAI_TODAY=2026-04-15, so a later day in the browser must change what the card says)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from tests.conftest import ROOT, RequestLog, Server, open_context

pytestmark = pytest.mark.browser

SESSIONS = yaml.safe_load((ROOT / "data" / "schedule.yml").read_text(encoding="utf-8"))["sessions"]
TOPICS = {t["id"]: t["title"] for t in yaml.safe_load((ROOT / "data" / "topics.yml").read_text())}
PHONE = {"width": 375, "height": 667}


@pytest.fixture
def phone(browser: object) -> Iterator[object]:
    log = RequestLog()
    context = open_context(browser, log, viewport=PHONE)
    page = context.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()  # type: ignore[attr-defined]
    assert not errors, f"uncaught errors in the page: {errors}"
    assert not log.outside


# For each row of the schedule: its box, and each cell's field name (the column header on a
# laptop, the cell's own label on a phone) with the box of that name and whether it is clipped.
ROWS = """() => {
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width, height: r.height};
  };
  const clipped = (e) => e.scrollWidth > e.clientWidth + 1;
  return Array.from(document.querySelectorAll(".gc-schedule tbody tr")).map((row) => ({
    id: row.id,
    box: box(row),
    cells: Array.from(row.cells).map((cell) => {
      const label = cell.querySelector(".gc-label");
      const shown = label && getComputedStyle(label).display !== "none";
      return {
        name: cell.className,
        box: box(cell),
        clipped: clipped(cell),
        text: cell.innerText,
        label: shown
          ? {text: label.innerText, box: box(label),
            size: parseFloat(getComputedStyle(label).fontSize)}
          : null,
      };
    }),
  }));
}"""


def test_on_a_phone_each_session_is_a_whole_card_with_its_fields_named(
    phone: object, server: Server
) -> None:
    phone.goto(server.url + "schedule/")  # type: ignore[attr-defined]
    phone.locator(".gc-schedule tbody tr").first.wait_for()  # type: ignore[attr-defined]
    # nothing scrolls sideways: not the page, not a box around the schedule
    widths = phone.evaluate(  # type: ignore[attr-defined]
        """() => {
          const table = document.querySelector(".gc-schedule table");
          let scrollers = 0;
          for (let e = table; e; e = e.parentElement) {
            const scrolls = getComputedStyle(e).overflowX !== "visible";
            if (scrolls && e.scrollWidth > e.clientWidth + 1) scrollers += 1;
          }
          return {page: document.documentElement.scrollWidth, scrollers};
        }"""
    )
    assert widths == {"page": PHONE["width"], "scrollers": 0}
    rows = phone.evaluate(ROWS)  # type: ignore[attr-defined]
    assert [r["id"] for r in rows] == [f"session-{s['number']}" for s in SESSIONS]
    for row, session in zip(rows, SESSIONS, strict=True):
        assert row["box"]["left"] >= 0 and row["box"]["right"] <= PHONE["width"], row["id"]
        for cell in row["cells"]:
            where = f"{row['id']} {cell['name']}"
            assert not cell["clipped"], where
            assert row["box"]["left"] <= cell["box"]["left"], where
            assert cell["box"]["right"] <= row["box"]["right"], where
        cells = {c["name"].removeprefix("gc-s-"): c for c in row["cells"]}
        # every field but the title says what it is, in full and at a readable size
        for name, label in [
            ("number", "Session"),
            ("date", "Date"),
            ("kind", "Kind"),
            ("topics", "Topics"),
        ]:
            shown = cells[name]["label"]
            assert shown is not None and shown["text"].rstrip(":") == label, f"{row['id']} {name}"
            assert shown["box"]["width"] > 0 and shown["box"]["right"] <= row["box"]["right"]
            assert shown["size"] >= 11
        assert cells["number"]["text"] == f"Session {session['number']}"
        assert session["title"] in cells["title"]["text"]
        # the title and the topics take the card's width, not a narrow column of a tall row
        for name in ("title", "topics"):
            assert cells[name]["box"]["width"] >= 0.8 * row["box"]["width"], f"{row['id']} {name}"
        for topic in session.get("topics", []):
            assert TOPICS[topic] in cells["topics"]["text"], f"{row['id']} {topic}"
    # every card's topics can be seen (scrolled to, they are on the screen)
    last = phone.locator(f"#session-{SESSIONS[3]['number']} .gc-s-topics")  # type: ignore[attr-defined]
    last.scroll_into_view_if_needed()
    assert last.is_visible() and last.evaluate("(e) => e.getBoundingClientRect().right") <= 375


def test_on_a_laptop_the_schedule_is_a_table_with_its_header_row(
    page: object, server: Server
) -> None:
    page.goto(server.url + "schedule/")  # type: ignore[attr-defined]
    headers = page.locator(".gc-schedule thead th")  # type: ignore[attr-defined]
    assert headers.all_inner_texts() == ["#", "Date", "Session", "Kind", "Topics"]
    for header in headers.all():
        assert header.is_visible()
        assert header.evaluate("(e) => e.scrollWidth <= e.clientWidth")
    rows = page.evaluate(ROWS)  # type: ignore[attr-defined]
    content = page.locator(".md-content").bounding_box()  # type: ignore[attr-defined]
    for row in rows:
        # one line of the table: the cells side by side, no field names repeated in them
        tops = {round(c["box"]["left"]) for c in row["cells"]}
        assert len(tops) == 5 and all(c["label"] is None for c in row["cells"]), row["id"]
        assert row["box"]["right"] <= content["x"] + content["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # type: ignore[attr-defined]


def open_on(page: object, server: Server, path: str, when: str) -> None:
    page.clock.set_fixed_time(when)  # type: ignore[attr-defined]
    page.goto(server.url + path)  # type: ignore[attr-defined]


def marks(page: object) -> dict[str, str]:
    """The sessions the page marks, by row id, with the words it shows."""
    page.locator(".gc-schedule-now:not([hidden])").wait_for()  # type: ignore[attr-defined]
    return page.evaluate(  # type: ignore[attr-defined]
        """() => Object.fromEntries(
          Array.from(document.querySelectorAll(".gc-schedule tr[data-when]"))
            .map((row) => [row.id, row.querySelector(".gc-when").innerText]))"""
    )


# times at noon in Berlin, the course's time zone, unless the case is about the time zone
@pytest.mark.parametrize(
    ("when", "marked", "status"),
    [
        (
            "2026-03-02T12:00:00+01:00",
            {"session-4": "Next"},
            "The term has not started yet: it begins with Session 4 on Monday, 13 April 2026.",
        ),
        (
            "2026-04-15T12:00:00+02:00",
            {"session-4": "This week", "session-5": "Next"},
            "Next session: Session 5, Monday, 20 April 2026.",
        ),
        (
            "2026-04-20T12:00:00+02:00",
            {"session-5": "Today"},
            "Today: Session 5, Monday, 20 April 2026.",
        ),
        # 01:30 on the Monday in Berlin, still Sunday in UTC: the day is the course's
        (
            "2026-04-19T23:30:00Z",
            {"session-5": "Today"},
            "Today: Session 5, Monday, 20 April 2026.",
        ),
        # a week without a session, and session 10 has no class: the next is session 11
        (
            "2026-05-27T12:00:00+02:00",
            {"session-11": "Next"},
            "Next session: Session 11, Monday, 8 June 2026.",
        ),
        (
            "2026-07-01T12:00:00+02:00",
            {"session-14": "This week"},
            "The term is over: the last session was Session 14 on Monday, 29 June 2026.",
        ),
        ("2026-09-01T12:00:00+02:00", {}, "The term is over"),
    ],
)
def test_the_schedule_marks_the_sessions_of_the_browsers_day(
    page: object, server: Server, when: str, marked: dict[str, str], status: str
) -> None:
    open_on(page, server, "schedule/", when)
    assert marks(page) == marked
    now = page.locator(".gc-schedule-now")  # type: ignore[attr-defined]
    assert now.inner_text().startswith(status)
    if "Next" in marked.values() or "Today" in marked.values():
        # the sentence links to the session's card
        target = now.locator("p:visible a").evaluate("(a) => a.hash")
        assert target == "#" + next(r for r, w in marked.items() if w in {"Next", "Today"})
    current = page.locator(".gc-schedule tr[aria-current='date']")  # type: ignore[attr-defined]
    expected = [r for r, w in marked.items() if w in {"Today", "This week"}]
    assert [current.nth(i).get_attribute("id") for i in range(current.count())] == expected


def shown_card(page: object) -> str:
    cards = page.locator(".gc-next-session > div:visible")  # type: ignore[attr-defined]
    assert cards.count() == 1
    return str(cards.first.inner_text())


@pytest.mark.parametrize(
    ("when", "title", "session"),
    [
        ("2026-03-02T12:00:00+01:00", "Next session — Monday, 13 April 2026", "Session 4:"),
        # the build's own day
        ("2026-04-15T12:00:00+02:00", "Next session — Monday, 20 April 2026", "Session 5:"),
        ("2026-04-20T12:00:00+02:00", "Next session — Today", "Session 5:"),
        # days after the build: a card built on 15 April is wrong from the 21st
        ("2026-04-21T12:00:00+02:00", "Next session — Monday, 27 April 2026", "Session 6:"),
        ("2026-05-27T12:00:00+02:00", "Next session — Monday, 8 June 2026", "Session 11:"),
        ("2026-06-29T12:00:00+02:00", "Next session — Today", "Session 14:"),
        ("2026-06-30T12:00:00+02:00", "The term is over", "See the schedule"),
    ],
)
def test_the_home_card_follows_the_browsers_day(
    page: object, server: Server, when: str, title: str, session: str
) -> None:
    open_on(page, server, "", when)
    page.wait_for_function(  # type: ignore[attr-defined]
        "(title) => Array.from(document.querySelectorAll('.gc-next-session .admonition-title'))"
        ".some((e) => e.checkVisibility() && e.innerText === title)",
        arg=title,
    )
    text = shown_card(page)
    assert text.startswith(title + "\n") and session in text


def test_without_script_the_home_card_is_the_builds(browser: object, server: Server) -> None:
    log = RequestLog()
    context = open_context(browser, log, java_script_enabled=False)
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(server.url)
    text = shown_card(page)
    assert text.startswith("Next session — Monday, 20 April 2026\n") and "Session 5:" in text
    page.goto(server.url + "schedule/")
    # nothing is marked that the day could make wrong
    assert page.locator(".gc-schedule-now").is_hidden()
    assert page.locator(".gc-schedule [data-when]").count() == 0
    context.close()  # type: ignore[attr-defined]


def test_the_marks_follow_instant_navigation_to_the_schedule(page: object, server: Server) -> None:
    open_on(page, server, "", "2026-05-05T12:00:00+02:00")
    page.locator(".gc-next-session a", has_text="Full schedule").locator("visible=true").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/schedule/")  # type: ignore[attr-defined]
    assert marks(page) == {"session-7": "This week", "session-8": "Next"}


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_marked_sessions_keep_their_contrast(
    browser: object, server: Server, scheme: str, width: int
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    log = RequestLog()
    viewport = {"width": width, "height": 800}
    context = open_context(browser, log, viewport=viewport, color_scheme=scheme)
    page = context.new_page()  # type: ignore[attr-defined]
    open_on(page, server, "schedule/", "2026-04-22T12:00:00+02:00")
    assert marks(page) == {"session-5": "This week", "session-6": "Next"}
    rows = "#session-5, #session-6"
    result = Axe().run(
        page, context=rows, options={"runOnly": {"type": "rule", "values": ["color-contrast"]}}
    )
    context.close()  # type: ignore[attr-defined]
    failing = [n["target"] for v in result.response["violations"] for n in v["nodes"]]
    assert not failing
