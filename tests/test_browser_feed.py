"""A student who clicks the feed link, on the home page or the updates page, reads a page about
subscribing with the address to copy, not the feed's raw markup."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest

from tests.conftest import ROOT, RequestLog, Server, open_context

pytestmark = pytest.mark.browser

SHOTS = ROOT / "test-results" / "feed"
FEED_LINK = re.compile(r"RSS feed", re.IGNORECASE)


@pytest.mark.parametrize("start", ["", "updates/"])
def test_feed_link_lands_on_a_readable_page_with_the_address_to_copy(
    page: object, server: Server, start: str
) -> None:
    page.goto(server.url + start)  # type: ignore[attr-defined]
    link = page.locator(".md-content").get_by_role("link", name=FEED_LINK)  # type: ignore[attr-defined]
    link.click()
    page.wait_for_function(f"location.href !== {server.url + start!r}")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    # a page of the site, not an XML document (raw, or turned into HTML by an XSLT stylesheet)
    assert page.evaluate("document.contentType") == "text/html"  # type: ignore[attr-defined]
    text = page.evaluate("document.body.innerText")  # type: ignore[attr-defined]
    assert not re.search(r"</?(h1|p|a|div)\b", text), f"markup shown as text: {text[:300]}"
    heading = page.locator(".md-content h1")  # type: ignore[attr-defined]
    assert "subscribe" in heading.inner_text().lower()
    # the address to paste into a reader, in a code block with the theme's copy button
    address = page.locator(".md-content pre code").first  # type: ignore[attr-defined]
    url = address.inner_text().strip()
    assert url == server.url + "feed_rss_created.xml"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])  # type: ignore[attr-defined]
    page.locator('.md-content pre button[data-md-type="copy"]').first.click()  # type: ignore[attr-defined]
    copied = page.evaluate("navigator.clipboard.readText()")  # type: ignore[attr-defined]
    assert copied.strip() == url
    # and the address is the feed
    feed = feedparser.parse(page.request.get(url).body())  # type: ignore[attr-defined]
    assert not feed.bozo and feed.version == "rss20" and len(feed.entries) >= 2


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_subscribe_page_fits_the_screen(
    browser: object, server: Server, built_site: Path, scheme: str, width: int
) -> None:
    log = RequestLog()
    context = open_context(
        browser, log, color_scheme=scheme, viewport={"width": width, "height": 800}
    )
    page = context.new_page()  # type: ignore[attr-defined]
    response = page.goto(server.url + "updates/subscribe/")
    assert response.ok
    page.wait_for_load_state("networkidle")
    # nothing wider than the screen: the address scrolls inside its block if it must
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than a {width}px screen"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"subscribe-{width}-{scheme}.png"), full_page=True)
    context.close()  # type: ignore[attr-defined]
    assert not log.outside, f"requests left the site's origin: {log.outside}"
