"""What a page makes the browser wait for before its first paint (plugin/head.py; issue 25).

A page links only the stylesheets it uses (Temml's where there are formulas, mkdocstrings' on the
reference page); Python's client is in the <head> only where it starts Python at once, and there
it starts the worker before the stylesheets have arrived, and the scripts at the end of the <body>
are deferred; instant navigation brings the formulas' look along to a page with formulas, and keeps
Python.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from genai_course.plugin.head import client_before_theme, defer_body_scripts, page_stylesheets
from tests.conftest import Server

MATHS_CSS = "vendor/temml/temml.css"
MKDOCSTRINGS_CSS = "assets/_mkdocstrings.css"


def head_of(html: str) -> str:
    return html[: html.index("</head>")]


def pages(site: Path) -> dict[str, str]:
    return {
        str(path.relative_to(site)): path.read_text(encoding="utf-8")
        for path in site.rglob("index.html")
        if not str(path.relative_to(site)).startswith(("_", "offline/"))
    }


# -- the built site -----------------------------------------------------------------------------


def test_each_page_links_only_the_stylesheets_it_uses(built_site: Path) -> None:
    built = pages(built_site)
    with_formulas = {p for p, html in built.items() if 'class="arithmatex"' in html}
    with_maths_css = {p for p, html in built.items() if MATHS_CSS in head_of(html)}
    assert with_formulas and with_maths_css == with_formulas
    assert "topics/attention/index.html" in with_maths_css
    assert "index.html" not in with_maths_css  # the home page has no formula
    with_api_css = {p for p, html in built.items() if MKDOCSTRINGS_CSS in head_of(html)}
    assert with_api_css == {"reference/index.html"}


def test_pythons_client_is_in_the_head_only_where_it_starts_python_at_once(
    built_site: Path,
) -> None:
    try_it = (built_site / "try-it/index.html").read_text(encoding="utf-8")
    head = head_of(try_it)
    # before every stylesheet: the worker starts while they download
    assert head.index('python.js" data-start>') < head.index('rel="stylesheet"')
    assert head.index("config.js") < head.index("python.js")
    for page in ("index.html", "topics/attention/index.html", "reference/index.html"):
        html = (built_site / page).read_text(encoding="utf-8")
        assert not re.findall(r"<script src=", head_of(html)), page
        body = html[html.index("</head>") :]
        # at the end of the body, in order, before the theme's script and the course's
        order = [
            body.index(tag)
            for tag in (
                '/config.js" defer></script>',
                '/python.js" defer></script>',
                "assets/javascripts/bundle.",
                '/runtime.js" defer></script>',
            )
        ]
        assert order == sorted(order), page
        # every script there deferred: none holds the first paint back
        scripts = re.findall(r"<script src=[^>]*>", body)
        assert len(scripts) >= 8 and all(tag.endswith(" defer>") for tag in scripts), page
    assert all(" defer" not in tag for tag in re.findall(r"<script src=[^>]*>", head))


def test_stylesheets_and_client_placement_on_a_page_fragment() -> None:
    page = (
        '<head><link rel="stylesheet" href="../vendor/temml/temml.css">\n'
        '<link rel="stylesheet" href="../assets/_mkdocstrings.css">\n</head>'
        '<body><p>x</p><script src="../assets/javascripts/bundle.0123abcd.min.js"></script></body>'
    )
    assert MATHS_CSS not in page_stylesheets(page)
    assert MKDOCSTRINGS_CSS not in page_stylesheets(page)
    used = page.replace("<p>x</p>", '<span class="arithmatex">\\(x\\)</span>')
    assert MATHS_CSS in page_stylesheets(used) and MKDOCSTRINGS_CSS not in page_stylesheets(used)
    moved = client_before_theme(page, "<script src=python.js></script>")
    assert moved is not None and "<p>x</p><script src=python.js></script><script src=" in moved
    assert client_before_theme("<body></body>", "<script></script>") is None
    head_script = '<script src="a.js"></script>'
    deferred = defer_body_scripts(head_script + page)
    assert deferred.startswith(head_script)
    assert '<script src="../assets/javascripts/bundle.0123abcd.min.js" defer></script>' in deferred


# -- in the browser ----------------------------------------------------------------------------


SITEMAP_READ = """() => performance.getEntriesByType('resource')
  .some((e) => new URL(e.name).pathname.endsWith('/sitemap.xml') && e.responseEnd > 0)"""


def navigate(page: Any, url: str) -> None:
    """Material's instant navigation to `url` (the same document stays): a click on a link."""
    # the theme takes a click over only once it has read the site's sitemap.xml (the addresses it
    # may swap in); a click before that is an ordinary page load (seen under a CPU hog: 2 of 5)
    page.wait_for_function(SITEMAP_READ)
    page.wait_for_load_state("networkidle")
    page.evaluate(
        """(url) => { const a = document.createElement('a'); a.href = url; a.textContent = 'go';
                      document.querySelector('.md-content').append(a); a.click(); }""",
        url,
    )
    page.wait_for_url(url)


CENTRE = "(e) => e.scrollIntoView({block: 'center'})"
MATHS_LOOK = """() => {
  const sheet = [...document.styleSheets].some((s) => s.href && s.href.endsWith('temml.css'));
  const formula = document.querySelector('.md-content .arithmatex > math');
  return sheet && !!formula && getComputedStyle(formula).fontFamily.startsWith('STIX2')
    && [...document.fonts].some((f) => f.family === 'STIX2' && f.status === 'loaded');
}"""


@pytest.mark.browser
def test_instant_navigation_to_a_page_with_formulas_brings_their_look_and_keeps_python(
    page: Any, server: Server
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    # the formula as a direct load shows it
    page.goto(server.url + "topics/attention/")
    page.wait_for_function(MATHS_LOOK)
    page.evaluate("document.fonts.ready")
    formula = page.locator(".md-content div.arithmatex").first
    formula.evaluate(CENTRE)
    direct = formula.screenshot()
    # from the home page, which links no maths stylesheet and loads Python's client in its body
    page.goto(server.url)
    assert page.evaluate("[...document.styleSheets].every((s) => !/temml/.test(s.href || ''))")
    page.evaluate("window.__visitMarker = 1")
    navigate(page, server.url + "try-it/")
    page.wait_for_function("() => window.genaiCourse.python.state === 'ready'", timeout=120_000)
    worker = page.evaluate_handle("window.genaiCourse.python.worker")
    navigate(page, server.url + "topics/attention/")
    page.wait_for_function(MATHS_LOOK)
    page.evaluate("document.fonts.ready")
    assert page.evaluate("window.__visitMarker") == 1  # the same document: instant navigation
    page.wait_for_function("() => document.querySelector('#gc-demo-attention[data-mounted]')")
    formula = page.locator(".md-content div.arithmatex").first
    formula.evaluate(CENTRE)
    assert formula.screenshot() == direct
    # Python went on across the pages: the same worker, still ready
    assert page.evaluate("(w) => window.genaiCourse.python.worker === w", worker)
    assert page.evaluate("window.genaiCourse.python.state") == "ready"


@pytest.mark.browser
def test_the_worker_starts_before_the_stylesheets_arrive(page: Any, server: Server) -> None:
    """On a page that starts Python at once, the worker starts while the page's stylesheets are
    still on their way (here held back by the test until it has started)."""
    held: list[Any] = []
    released: list[bool] = []

    def hold(route: Any) -> None:
        if released:
            route.fallback()
        else:
            held.append(route)

    page.route(re.compile(r".*\.css$"), hold)
    # a stylesheet is asked for (python.js comes before the links in the <head>, so the worker
    # may start before the parser has reached them: wait for the request itself)
    with page.expect_request(re.compile(r".*\.css$")):
        page.goto(server.url + "try-it/", wait_until="commit")
    # polled by a timer: no animation frame comes while the stylesheets hold the paint back
    page.wait_for_function(
        "() => window.genaiCourse && window.genaiCourse.python.timings.workerStart !== undefined",
        polling=50,
    )
    assert page.evaluate(
        "[...document.styleSheets].every((s) => !s.href || !/\\.css$/.test(s.href))"
    )  # none has arrived
    released.append(True)
    for route in held:
        route.fallback()
    page.wait_for_function("() => document.querySelector('#gc-demo-numpy_check[data-mounted]')")
