"""The schedule page's offer to subscribe to the calendar feed (``{{ subscribe() }}``).

A link to ``schedule.ics`` downloads a copy that never changes; a ``webcal:`` link opens the
calendar app with a subscription, which fetches the feed again (calendar.py asks for once a day).
Google Calendar and Outlook take the feed's https address pasted in instead, so the page shows
it, with the steps for each app.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from genai_course.plugin.data import Course
from genai_course.plugin.pages import rel

__all__ = ["FEED", "feed_urls", "subscribe_markdown"]

FEED = "schedule.ics"


def feed_urls(site_url: str) -> tuple[str, str]:
    """The feed's web address and its webcal: address (the same place, for calendar apps)."""
    web = urljoin(site_url, FEED)
    return web, urlsplit(web)._replace(scheme="webcal").geturl()


def subscribe_markdown(course: Course, site_url: str, page_uri: str) -> str:
    # a build without a published address (for this computer only) links the file itself
    web, webcal = feed_urls(site_url) if site_url else (FEED, rel(page_uri, FEED))
    timed = any(s.time is not None for s in course.sessions)
    times = (
        f"Class times are in the course's time zone ({course.timezone}); your calendar shows "
        "them in yours. A session without a time is an all-day entry that leaves your day free."
        if timed
        else "Each session is an all-day entry that leaves your day free."
    )
    return f"""
## Add the schedule to your calendar {{ #subscribe }}

[Subscribe]({webcal}){{ .md-button .md-button--primary }}
[Download once]({rel(page_uri, FEED)}){{ .md-button }}

A subscription keeps itself up to date: a session that moves, or gets its time or room, changes
in your calendar too (calendar apps look for changes about once a day). A downloaded file is a
copy that never changes. {times}

The calendar's address, to paste where an app asks for it:
`{web}`

Google Calendar
:   On a computer, click **+** next to *Other calendars*, choose **From URL**, paste the
    address and click **Add calendar**. The phone app shows it too once it is added. Google
    decides when to look for changes, which can take a day or more.

Apple Calendar (iPhone, iPad, Mac)
:   Tap or click **Subscribe** above and confirm. On a Mac you can also choose
    **File → New Calendar Subscription** and paste the address.

Outlook
:   In Outlook on the web or the new Outlook, choose **Add calendar → Subscribe from web**,
    paste the address and import it. In classic Outlook for Windows, choose
    **Add Calendar → From Internet**.
"""
