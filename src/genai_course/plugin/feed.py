"""The weekly updates as RSS 2.0 feeds, made from the posts as MkDocs renders them.

It replaces mkdocs-rss-plugin, which could not be configured into a feed a reader can use: it
renders each summary from the post's raw Markdown (links to ``../../topics/x.md`` and the title
again), dates updates at build time without git, writes ``<url>None</url>`` for a missing
image, points the feed at an XSLT stylesheet, and under ``mkdocs serve`` keeps every rebuild's
pages (20 copies of the newest post after some 30 saves). Here each summary is the post's own
HTML up to ``<!-- more -->``, its links made absolute against the page's address.

A plugin of its own (``genai-course/feed``), not part of the course plugin: it needs none of the
course's data or Pyodide bundle, so a test can build a small site with it many times over.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

__all__ = ["FeedPlugin", "Post", "post_dates", "rss", "summary_html"]

log = get_plugin_logger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
# {{ feed_address() }} on a line of its own: the feed's absolute address, in a block to copy
ADDRESS = re.compile(r"^[ \t]*\{\{\s*feed_address\(\s*\)\s*\}\}[ \t]*$", re.MULTILINE)
NO_ADDRESS = "*(The address appears here once `site_url` is set in `mkdocs.yml`.)*"


class FeedConfig(Config):
    posts_dir = opt.Type(str, default="updates/posts")
    # the page the channel links to: the list of all updates
    index_page = opt.Type(str, default="updates/index.md")
    title = opt.Optional(opt.Type(str))
    description = opt.Optional(opt.Type(str))
    separator = opt.Type(str, default="<!-- more -->")
    length = opt.Type(int, default=20)
    # the file names mkdocs-rss-plugin used, so readers already subscribed keep their feed
    created_file = opt.Type(str, default="feed_rss_created.xml")
    updated_file = opt.Type(str, default="feed_rss_updated.xml")


@dataclass(frozen=True)
class Post:
    title: str
    url: str  # absolute
    created: dt.datetime
    updated: dt.datetime
    summary: str  # HTML, links absolute


@dataclass(frozen=True)
class Channel:
    title: str
    link: str
    description: str
    language: str | None
    self_url: str


def _datetime(value: object, uri: str) -> dt.datetime:
    """A front-matter date as a time in UTC; a date alone is midnight, as Material's blog has it."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise PluginError(f"{uri}: {value!r} is not a date (YYYY-MM-DD)") from None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    raise PluginError(f"{uri}: the post needs a date in its front matter (date: YYYY-MM-DD)")


def post_dates(meta: Mapping[str, Any], uri: str) -> tuple[dt.datetime, dt.datetime]:
    """(created, updated) from ``date: 2026-04-13`` or Material's ``date: {created, updated}``,
    or a top-level ``updated:``; a post never updated was last changed when it was written."""
    value = meta.get("date")
    given = value if isinstance(value, dict) else {"created": value}
    created = _datetime(given.get("created"), uri)
    updated = given.get("updated") or meta.get("updated")
    return created, _datetime(updated, uri) if updated else created


# elements with no end tag: nothing to wait for when one is left out
VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Summary(HTMLParser):
    """Re-writes a post's HTML for a reader: without the title (the item has it) and the
    headings' permalinks, with every link and image address absolute."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.out: list[str] = []
        self.title_seen = False
        self.skipping: str | None = None  # the element being left out, until it closes
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            self.depth += tag == self.skipping
            return
        classes = (dict(attrs).get("class") or "").split()
        if (tag == "h1" and not self.title_seen) or (tag == "a" and "headerlink" in classes):
            self.title_seen = self.title_seen or tag == "h1"
            self.skipping, self.depth = tag, 1
            return
        self.out.append(f"<{tag}{self._attributes(attrs)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping:
            self.out.append(f"<{tag}{self._attributes(attrs)}>")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.depth -= tag == self.skipping
            if self.depth == 0:
                self.skipping = None
        elif tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(html.escape(data, quote=False))

    def _attributes(self, attrs: list[tuple[str, str | None]]) -> str:
        parts = []
        for name, value in attrs:
            if value is None:
                parts.append(f" {name}")
                continue
            if name in {"href", "src"}:
                value = urljoin(self.base, value)
            parts.append(f' {name}="{html.escape(value)}"')
        return "".join(parts)


def summary_html(content: str, page_url: str, separator: str = "<!-- more -->") -> str:
    """The post's HTML up to the separator (all of it if there is none), for a feed item."""
    parser = _Summary(page_url)
    parser.feed(content.split(separator, 1)[0])
    parser.close()
    return "".join(parser.out).strip()


def rss(channel: Channel, posts: list[Post], *, by: str = "created", length: int = 20) -> bytes:
    """An RSS 2.0 document of the newest posts by their ``created`` or ``updated`` time."""
    ET.register_namespace("atom", ATOM)
    chosen = sorted(posts, key=lambda p: (getattr(p, by), p.url), reverse=True)[:length]
    root = ET.Element("rss", version="2.0")
    head = ET.SubElement(root, "channel")
    for tag, text in (
        ("title", channel.title),
        ("link", channel.link),
        ("description", channel.description),
        ("language", channel.language),
    ):
        if text:
            ET.SubElement(head, tag).text = text
    ET.SubElement(
        head, f"{{{ATOM}}}link", href=channel.self_url, rel="self", type="application/rss+xml"
    )
    if chosen:
        # the feed changes when a post does, not each time the site is built
        newest = format_datetime(max(getattr(p, by) for p in chosen))
        ET.SubElement(head, "pubDate").text = newest
        ET.SubElement(head, "lastBuildDate").text = newest
    ET.SubElement(head, "generator").text = "genai-course"
    for post in chosen:
        item = ET.SubElement(head, "item")
        ET.SubElement(item, "title").text = post.title
        ET.SubElement(item, "link").text = post.url
        ET.SubElement(item, "guid", isPermaLink="true").text = post.url
        ET.SubElement(item, "pubDate").text = format_datetime(getattr(post, by))
        ET.SubElement(item, "description").text = post.summary
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


class FeedPlugin(BasePlugin[FeedConfig]):
    def __init__(self) -> None:
        # by source path; kept across the rebuilds of `mkdocs serve` (--dirty renders only the
        # changed pages), and written out for the posts of the current build only
        self.posts: dict[str, Post] = {}
        self.current: list[str] = []
        self.index_url: str | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Defining this keeps one instance across the rebuilds of `mkdocs serve`."""

    def _url(self, config: MkDocsConfig, name: str) -> str | None:
        """The absolute address of a file of the site; None without site_url, as readers
        need absolute links (`mkdocs serve` always has one)."""
        return urljoin(config.site_url, name) if config.site_url else None

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        prefix = self.config.posts_dir.rstrip("/") + "/"
        self.current = sorted(
            f.src_uri for f in files.documentation_pages() if f.src_uri.startswith(prefix)
        )
        index = files.get_file_from_path(self.config.index_page)
        self.index_url = self._url(config, index.url) if index else None
        return files

    @event_priority(50)  # before the course plugin, which stops at a directive it does not know
    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        address = self._url(config, self.config.created_file)
        block = f"``` {{ .text .gc-feed-address }}\n{address}\n```" if address else NO_ADDRESS
        return ADDRESS.sub(lambda _: block, markdown)

    def on_page_context(
        self, context: Any, /, *, page: Page, config: MkDocsConfig, nav: Any
    ) -> Any:
        uri = page.file.src_uri
        url = self._url(config, page.url)
        if uri not in self.current or url is None:
            return context
        if page.meta.get("draft") is True:
            self.posts.pop(uri, None)
            return context
        created, updated = post_dates(page.meta, uri)
        self.posts[uri] = Post(
            title=page.title or uri,
            url=url,
            created=created,
            updated=updated,
            summary=summary_html(page.content or "", url, self.config.separator),
        )
        return context

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        """Feed readers and browser add-ons find the feeds from any page of the site."""
        if not config.site_url:
            return output
        links = "".join(
            f'<link rel="alternate" type="application/rss+xml" title="{html.escape(title)}" '
            f'href="{get_relative_url(name, page.url)}">'
            for name, title in (
                (self.config.created_file, self._title(config)),
                (self.config.updated_file, f"{self._title(config)} (by last change)"),
            )
        )
        return output.replace("</head>", links + "</head>", 1)

    def _title(self, config: MkDocsConfig) -> str:
        return self.config.title or config.site_name

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not config.site_url:
            log.warning(
                "genai-course/feed: no site_url, so no RSS feed (its links must be absolute)"
            )
            return
        posts = [self.posts[uri] for uri in self.current if uri in self.posts]
        feeds = ((self.config.created_file, "created"), (self.config.updated_file, "updated"))
        for name, by in feeds:
            channel = Channel(
                title=self._title(config),
                link=self.index_url or config.site_url,
                description=self.config.description or config.site_description or config.site_name,
                language=config.theme.get("language"),
                self_url=urljoin(config.site_url, name),
            )
            document = rss(channel, posts, by=by, length=self.config.length)
            (Path(config.site_dir) / name).write_bytes(document)
