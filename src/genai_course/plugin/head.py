"""What a page makes the browser wait for before its first paint (issue 25, route 5).

Every stylesheet in the <head> holds the first paint until it has arrived; so does a script
there. A page links only the stylesheets it uses: Temml's on a page with formulas, mkdocstrings'
on the reference page (the theme links both on every page). Material's instant navigation adds
a stylesheet the next page links and removes the ones it does not (it compares the <head>s), so
a formula reached from a page without one still gets its look (the maths font, Temml's rules).

Python's client (`config.js`, `python.js`) is first thing in the <head> only on a page that
starts Python at once (its demo is at its top): there it starts the worker before the
stylesheets have arrived. Elsewhere it waits at the end of the <body>, before the theme's script
and the course's scripts that use it, and holds no paint back.

The scripts at the end of the <body> (the client there, the theme's, the course's) are deferred:
they run in the same order, once the page is read and before DOMContentLoaded, as they did, but
the browser need not wait for them to paint what it has (a script at the end of the <body> that
arrived before the first paint held it back: Lighthouse counted each one as render-blocking).
"""

from __future__ import annotations

import re

__all__ = ["client_before_theme", "defer_body_scripts", "page_stylesheets"]

# a stylesheet (theme-relative URL ending) -> what in a page's HTML uses it
CONDITIONAL_STYLESHEETS = {
    "vendor/temml/temml.css": 'class="arithmatex"',
    "assets/_mkdocstrings.css": 'class="doc doc-',
}


def page_stylesheets(html: str) -> str:
    """The page without the links to conditional stylesheets it does not use."""
    for ending, used_by in CONDITIONAL_STYLESHEETS.items():
        if used_by in html:
            continue
        html = re.sub(
            rf'<link rel="stylesheet" href="[^"]*{re.escape(ending)}">\s*', "", html, count=1
        )
    return html


THEME_SCRIPT = re.compile(
    r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js"></script>'
)


def client_before_theme(html: str, tags: str) -> str | None:
    """The page with `tags` (Python's client) just before the theme's script at the end of the
    <body>, or None if that script is not there."""
    updated, found = THEME_SCRIPT.subn(lambda m: tags + m.group(0), html, count=1)
    return updated if found else None


BODY_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')


def defer_body_scripts(html: str) -> str:
    """The page with every plain <script src> of its <body> deferred (the <head>'s stay)."""
    end = html.find("</head>")
    if end < 0:
        return html
    body = BODY_SCRIPT.sub(lambda m: f'<script src="{m.group(1)}" defer></script>', html[end:])
    return html[:end] + body
