"""The weekly updates' RSS feeds, read as a feed reader reads them (feedparser, ElementTree).

The links must reach pages of the built site, the dates must be the posts' own, and under
`mkdocs serve` the feed must keep one item per post however often the site is rebuilt.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import pytest
import yaml

from tests.conftest import ROOT

POSTS = ROOT / "docs" / "updates" / "posts"
FEEDS = {"feed_rss_created.xml": "created", "feed_rss_updated.xml": "updated"}


def front_matter(path: Path) -> dict[str, Any]:
    match = re.match(r"---\n(.*?)\n---\n", path.read_text(encoding="utf-8"), re.DOTALL)
    assert match, f"{path} has no front matter"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict)
    return meta


def posts(folder: Path = POSTS) -> dict[str, dict[str, Any]]:
    """The published posts by title (the page's first heading), with their dates."""
    found = {}
    for path in sorted(folder.glob("*.md")):
        meta = front_matter(path)
        if meta.get("draft"):
            continue
        title = re.search(r"^# (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert title, f"{path} has no title"
        date = meta["date"]
        created = date["created"] if isinstance(date, dict) else date
        updated = (date.get("updated") if isinstance(date, dict) else None) or meta.get("updated")
        found[title.group(1)] = {"created": created, "updated": updated or created}
    return found


def site_file(site: Path, site_url: str, url: str) -> Path:
    """The file of the built site that an absolute URL of the site points to."""
    assert url.startswith(site_url), f"{url} is not under {site_url}"
    path = urlsplit(url).path[len(urlsplit(site_url).path) :]
    return site / (path + "index.html" if path.endswith("/") or not path else path)


def as_date(value: object) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value  # type: ignore[return-value]


def test_there_are_posts_to_check() -> None:
    assert len(posts()) >= 2


@pytest.mark.parametrize("name", list(FEEDS))
def test_feed_is_valid_rss_with_links_into_the_site_and_the_posts_dates(
    built_site: Path, port: int, name: str
) -> None:
    site_url = f"http://127.0.0.1:{port}/"
    raw = (built_site / name).read_bytes()
    root = ET.fromstring(raw)  # well-formed XML
    assert root.tag == "rss" and root.get("version") == "2.0"
    text = raw.decode("utf-8")
    assert "None" not in text
    assert "xml-stylesheet" not in text, "a feed needs no stylesheet (XSLT is leaving browsers)"

    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.feed.title and feed.feed.description
    assert site_file(built_site, site_url, feed.feed.link).is_file()
    assert any(link.rel == "self" and link.href == site_url + name for link in feed.feed.links), (
        "the feed names its own address"
    )

    expected = posts()
    assert sorted(e.title for e in feed.entries) == sorted(expected)
    kind = FEEDS[name]
    for entry in feed.entries:
        page = site_file(built_site, site_url, entry.link)
        assert page.is_file(), f"{entry.title}: {entry.link} is not a page of the site"
        assert entry.id == entry.link
        published = dt.date(*entry.published_parsed[:3])
        assert published == as_date(expected[entry.title][kind]), entry.title
        summary = entry.summary
        assert summary.strip(), f"{entry.title}: empty summary"
        assert entry.title not in summary, f"{entry.title}: the summary repeats the title"
        links = re.findall(r'(?:href|src)="([^"]*)"', summary)
        assert links, f"{entry.title}: its summary links to the course pages"
        for link in links:
            assert urlsplit(link).scheme in {"http", "https"}, f"{entry.title}: relative {link}"
            assert not urlsplit(link).path.endswith(".md"), f"{entry.title}: {link}"
            if link.startswith(site_url):
                assert site_file(built_site, site_url, link.split("#")[0]).is_file(), link
    dates = [e.published_parsed for e in feed.entries]
    assert dates == sorted(dates, reverse=True), "newest first"
    # the channel's dates are the newest post's, not the time of the build
    assert feed.feed.updated_parsed == max(dates)


def test_every_page_names_the_feed_for_readers_to_find(built_site: Path, port: int) -> None:
    home = (built_site / "index.html").read_text(encoding="utf-8")
    links = re.findall(
        r'<link rel="alternate" type="application/rss\+xml"[^>]*href="([^"]*)"', home
    )
    assert "feed_rss_created.xml" in links
    assert all((built_site / link).is_file() for link in links)


def small_site(folder: Path) -> Path:
    """The site's updates, built with the blog and feed plugins of mkdocs.yml and nothing else
    (the course plugin's Pyodide bundle is not needed for a feed)."""
    from mkdocs.utils import yaml_load

    with (ROOT / "mkdocs.yml").open(encoding="utf-8") as source:
        real = yaml_load(source)
    names = [next(iter(p)) if isinstance(p, dict) else p for p in real["plugins"]]
    plugins = [
        p
        for p, n in zip(real["plugins"], names, strict=True)
        if n == "blog" or "feed" in n or "rss" in n
    ]
    assert len(plugins) >= 2, names
    docs = folder / "docs"
    shutil.copytree(ROOT / "docs" / "updates", docs / "updates")
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    config = {
        "site_name": real["site_name"],
        "site_url": "http://127.0.0.1:8000/",
        "theme": {"name": "material", "language": "en"},
        "plugins": plugins,
        "docs_dir": str(docs),
    }
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def test_feed_keeps_one_item_per_post_over_many_rebuilds_in_one_process(tmp_path: Path) -> None:
    """As `mkdocs serve` does: plugins started once, the configuration loaded again and the
    site built again on each save, in the same process."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config_file = small_site(tmp_path)
    docs = tmp_path / "docs" / "updates" / "posts"
    site = tmp_path / "site"

    def rebuild(dirty: bool = False) -> list[str]:
        config = load_config(str(config_file), site_dir=str(site))
        build(config, serve_url=config.site_url, dirty=dirty)
        feed = feedparser.parse((site / "feed_rss_created.xml").read_bytes())
        return [entry.title for entry in feed.entries]

    first = load_config(str(config_file), site_dir=str(site))
    first.plugins.on_startup(command="serve", dirty=False)
    expected = sorted(posts(docs))
    for _ in range(25):
        assert sorted(rebuild()) == expected
    # a post written while the site is served appears once, and goes when it is deleted
    extra = docs / "2026-04-27-session-6.md"
    extra.write_text("---\ndate: 2026-04-27\n---\n\n# Session 6: diffusion\n\nImages.\n")
    for _ in range(3):
        assert sorted(rebuild()) == sorted([*expected, "Session 6: diffusion"])
    # a draft stays out (Material renders drafts under serve)
    draft = docs / "2026-05-04-session-7.md"
    draft.write_text("---\ndate: 2026-05-04\ndraft: true\n---\n\n# Session 7\n\nSoon.\n")
    assert sorted(rebuild()) == sorted([*expected, "Session 6: diffusion"])
    extra.unlink()
    draft.unlink()
    assert sorted(rebuild()) == expected
    # with --dirty only changed pages are rendered again: the others stay in the feed
    assert sorted(rebuild(dirty=True)) == expected


def test_post_dates_come_from_the_front_matter() -> None:
    from mkdocs.exceptions import PluginError

    from genai_course.plugin.feed import post_dates

    midnight = dt.time(tzinfo=dt.UTC)
    day = dt.datetime.combine(dt.date(2026, 4, 13), midnight)
    later = dt.datetime.combine(dt.date(2026, 4, 20), midnight)
    dates = post_dates
    assert dates({"date": dt.date(2026, 4, 13)}, "p.md") == (day, day)
    material = {"date": {"created": dt.date(2026, 4, 13), "updated": "2026-04-20"}}
    assert dates(material, "p.md") == (day, later)
    assert dates({"date": "2026-04-13", "updated": dt.date(2026, 4, 20)}, "p.md") == (day, later)
    for meta in ({}, {"date": "13 April"}):
        with pytest.raises(PluginError, match=r"p\.md"):
            post_dates(meta, "p.md")


def test_summary_is_the_text_before_more_without_title_with_absolute_links() -> None:
    from genai_course.plugin.feed import summary_html

    content = (
        '<h1 id="t">Week 4<a class="headerlink" href="#t">&para;</a></h1>\n'
        '<p>See <a href="../../../../../topics/attention/">attention</a> &amp; '
        '<img alt="a figure" src="../../../../../assets/fig.svg"><br>'
        '<a href="#later">later</a>.</p>\n'
        '<h2 id="more">More<a class="headerlink" href="#more">&para;</a></h2>\n'
        "<!-- more -->\n<p>Not in the summary.</p>"
    )
    page = "https://example.edu/genai/updates/2026/04/13/week-4/"
    assert summary_html(content, page) == (
        '<p>See <a href="https://example.edu/genai/topics/attention/">attention</a> &amp; '
        '<img alt="a figure" src="https://example.edu/genai/assets/fig.svg"><br>'
        f'<a href="{page}#later">later</a>.</p>\n<h2 id="more">More</h2>'
    )


def test_a_corrected_post_is_dated_by_its_update_in_the_updated_feed(tmp_path: Path) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config_file = small_site(tmp_path)
    post = tmp_path / "docs" / "updates" / "posts" / "2026-04-27-session-6.md"
    post.write_text(
        "---\ndate:\n  created: 2026-04-27\n  updated: 2026-05-02\n---\n\n"
        "# Session 6: diffusion\n\nImages, now with the [notes](../index.md).\n"
    )
    build(load_config(str(config_file), site_dir=str(tmp_path / "site")))
    published = {}
    for name in FEEDS:
        feed = feedparser.parse((tmp_path / "site" / name).read_bytes())
        assert not feed.bozo
        entry = next(e for e in feed.entries if e.title == "Session 6: diffusion")
        published[name] = dt.date(*entry.published_parsed[:3])
        assert entry.summary == (
            '<p>Images, now with the <a href="http://127.0.0.1:8000/updates/">notes</a>.</p>'
        )
    assert published == {
        "feed_rss_created.xml": dt.date(2026, 4, 27),
        "feed_rss_updated.xml": dt.date(2026, 5, 2),
    }
