"""Quality gates on every built page: accessibility, privacy, phones, links, and Pyodide missing.

Each gate opens the pages as a browser would and fails on the first thing a student would trip
over. The counts (pages, rules, links, requests) are written to test-results/gates.txt.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from tests.conftest import ROOT, SCROLL_TO_FIRST_DEMO, RequestLog, Server, open_context

pytestmark = pytest.mark.browser

RESULTS = ROOT / "test-results"


def site_pages(site: Path) -> list[str]:
    """Every page of the built site, as a path relative to its root ('' is the home page)."""
    pages = []
    for html in sorted(site.rglob("index.html")):
        relative = html.parent.relative_to(site).as_posix()
        pages.append("" if relative == "." else relative + "/")
    return pages


def record(name: str, values: dict[str, object]) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "gates.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    data[name] = values
    path.write_text(json.dumps(data, indent=1, sort_keys=True))


# a laptop (Playwright's default 1280 × 720) and a phone, where wide tables and formulas scroll
SCREENS = {"desktop": {}, "phone": {"viewport": {"width": 375, "height": 667}}}
AXE_OPTIONS = {"resultTypes": ["violations"]}
# pages in the works at once, each in its own tab (its own renderer process): while one page
# loads and settles, axe runs in the ones before it; on a busy machine they just take turns
AXE_TABS = 4


def start_axe(page: object, scope: str | None = None) -> None:
    """Put axe-core into the page and start its run over the page (or `scope`, a selector)
    without waiting for it: `axe_results` gives its results."""
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)  # type: ignore[attr-defined]
    page.evaluate(  # type: ignore[attr-defined]
        """([scope, options]) => {
          // after the page's next two frames (what the theme's scripts put off to a frame, such
          // as the sidebars' heights, is done), from a task of its own: axe does much of its
          // work before its first await, and the test goes on to the next page meanwhile
          window.__gcAxe = new Promise((resolve) =>
            requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0))),
          ).then(() => (scope === null ? axe.run(options) : axe.run(scope, options)));
        }""",
        [scope, AXE_OPTIONS],
    )


def axe_results(page: object) -> dict[str, list[dict[str, object]]]:
    """The results of the run `start_axe` started in the page, once it has ended."""
    return page.evaluate("() => window.__gcAxe")  # type: ignore[attr-defined,no-any-return]


def serious(response: dict[str, list[dict[str, object]]], where: str) -> list[str]:
    """axe's serious and critical violations, each with (up to) three of its elements."""
    return [
        f"{where}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes'][:3]]}"  # type: ignore[attr-defined]
        for v in response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations_and_nothing_leaves_the_origin(
    browser: object, server: Server, built_site: Path, scheme: str, screen: str
) -> None:
    log = RequestLog()
    context = open_context(browser, log, color_scheme=scheme, **SCREENS[screen])
    tabs = [context.new_page() for _ in range(AXE_TABS)]  # type: ignore[attr-defined]
    for tab in tabs:
        tab.set_default_timeout(60_000)
    problems: list[str] = []
    rules: set[str] = set()
    checked: list[str] = []

    def collect(tab: object, path: str) -> None:
        response = axe_results(tab)
        for key in ("violations", "passes", "incomplete", "inapplicable"):
            rules.update(str(rule["id"]) for rule in response.get(key, []))
        problems.extend(serious(response, f"/{path}"))
        checked.append(path)

    def settle(tab: object, path: str) -> None:
        tab.wait_for_load_state("load")  # type: ignore[attr-defined]
        tab.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
        # the theme follows the system scheme: make sure the page really is in the one we test
        actual = tab.evaluate("document.body.getAttribute('data-md-color-scheme')")  # type: ignore[attr-defined]
        assert actual == ("slate" if scheme == "dark" else "default"), (path, actual)
        start_axe(tab)

    # page n loads in tab n % AXE_TABS while page n - 1 settles (loaded, network quiet: then its
    # axe run starts) and the runs on the pages before it go on; a tab's result is read before
    # the tab opens its next page
    pages = site_pages(built_site)
    running: dict[int, str] = {}
    for number, path in enumerate(pages):
        index = number % AXE_TABS
        if index in running:
            collect(tabs[index], running.pop(index))
        tabs[index].goto(server.url + path, wait_until="commit")
        running[index] = path
        if number:
            previous = (number - 1) % AXE_TABS
            settle(tabs[previous], running[previous])
    settle(tabs[(len(pages) - 1) % AXE_TABS], pages[-1])
    for index, path in running.items():
        collect(tabs[index], path)
    context.close()  # type: ignore[attr-defined]
    record(
        f"axe-{scheme}-{screen}",
        {"pages": len(pages), "rules": len(rules), "requests": len(log.urls)},
    )
    assert sorted(checked) == sorted(pages)
    assert len(pages) >= 5
    assert not problems, "\n".join(problems)
    assert not log.outside, f"requests left the site's origin: {log.outside}"


def test_pages_fit_a_phone(browser: object, server: Server, built_site: Path) -> None:
    log = RequestLog()
    context = open_context(
        browser,
        log,
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()  # type: ignore[attr-defined]
    too_wide = []
    shots = RESULTS / "phone"
    shots.mkdir(parents=True, exist_ok=True)
    for path in site_pages(built_site):
        page.goto(server.url + path, wait_until="load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            too_wide.append(f"/{path}: {width}px")
        if page.locator(".gc-demo").count():
            name = path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    context.close()  # type: ignore[attr-defined]
    assert not too_wide, f"pages wider than a 375 px phone: {too_wide}"
    assert not log.outside


@pytest.mark.browser
def test_on_a_phone_wide_tables_and_formulas_scroll_and_are_reached_by_keyboard(
    page: Any, server: Server
) -> None:
    """A table or formula wider than a phone scrolls in its own box: the box is focusable and
    named, so that its hidden part can be read from the keyboard (pages.js labels them in a task
    of their own, after the page's start-up)."""
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(server.url + "topics/positional-encoding/")
    labelled = '[data-gc-scroll][tabindex="0"][role="region"]'
    page.wait_for_function(
        f"() => document.querySelector('.md-typeset__scrollwrap{labelled}')"
        f" && document.querySelector('div.arithmatex{labelled}')"
    )
    names = page.eval_on_selector_all(labelled, "(boxes) => boxes.map((b) => b.ariaLabel)")
    assert "Table 1, scrollable" in names and "Formula 1, scrollable" in names
    assert len(names) == len(set(names))
    # and only those: a formula that fits its width is not a stop of the keyboard's tour
    boxes = page.eval_on_selector_all(
        labelled, "(boxes) => boxes.map((b) => b.scrollWidth > b.clientWidth + 1)"
    )
    assert all(boxes), names
    formula = page.locator(f"div.arithmatex{labelled}").first
    assert formula.evaluate("(b) => b.scrollWidth > b.clientWidth")
    # on a laptop the same formula fits, and its box is an ordinary one again
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_function("(b) => !b.hasAttribute('tabindex')", arg=formula.element_handle())


# the space between the text of each cell and the next in the rows of the data tables
GAPS_BETWEEN_NUMBERS = """() => {
  const rows = [...document.querySelectorAll('.gc-alt table.gc-table tbody tr')];
  return rows.flatMap((row) => {
    const boxes = [...row.querySelectorAll('td')].map((cell) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return range.getBoundingClientRect();
    });
    return boxes.slice(1).map((box, i) => box.left - boxes[i].right);
  });
}"""


@pytest.mark.browser
def test_on_a_phone_the_data_as_text_keeps_numbers_apart_and_the_page_fits(
    page: Any, server: Server
) -> None:
    """ "Show the data as text" on a phone: each number stands apart from its neighbours (the
    tables once set "-0.76-0.65" edge to edge), and a table wider than the phone scrolls in its
    own box instead of widening the page."""
    page.set_viewport_size({"width": 375, "height": 667})
    for path in ("topics/positional-encoding/", "topics/pca-vs-autoencoders/"):
        page.goto(server.url + path)
        page.evaluate("document.querySelectorAll('details.gc-alt').forEach((d) => (d.open = true))")
        gaps = page.evaluate(GAPS_BETWEEN_NUMBERS)
        assert len(gaps) > 10, path
        assert min(gaps) >= 6, f"{path}: numbers {min(gaps):.1f} px apart"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        wide = page.locator(".gc-alt:has(table.gc-table)").first
        assert wide.evaluate("(b) => getComputedStyle(b).overflowX") == "auto"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"] or "")
        for key in ("href", "src"):
            if values.get(key) and tag in {"a", "link", "script", "img", "image", "source"}:
                self.links.append(values[key] or "")


def test_every_internal_link_and_anchor_resolves(built_site: Path) -> None:
    parsed: dict[Path, _Links] = {}

    def parse(path: Path) -> _Links:
        if path not in parsed:
            parser = _Links()
            parser.feed(path.read_text(encoding="utf-8"))
            parsed[path] = parser
        return parsed[path]

    broken, external, internal = [], set(), 0
    for html in sorted(built_site.rglob("*.html")):
        base = "http://site/" + html.relative_to(built_site).as_posix()
        for link in parse(html).links:
            parts = urlsplit(link)
            if parts.scheme in {"http", "https"} and parts.netloc != "site":
                external.add(link)
                continue
            if parts.scheme in {"mailto", "data", "javascript"}:
                continue
            internal += 1
            target = urlsplit(urljoin(base, link))
            file = built_site / unquote(target.path).lstrip("/")
            if file.is_dir():
                file = file / "index.html"
            if not file.is_file():
                broken.append(f"{html.relative_to(built_site)}: {link} (no such file)")
            elif (
                target.fragment
                and file.suffix == ".html"
                and unquote(target.fragment) not in parse(file).ids
            ):
                broken.append(f"{html.relative_to(built_site)}: {link} (no such anchor)")
    malformed = [u for u in external if not urlsplit(u).netloc or " " in u]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "external-links.txt").write_text("\n".join(sorted(external)) + "\n")
    record("links", {"internal": internal, "external": len(external)})
    assert internal > 100
    assert not broken, "\n".join(broken)
    assert not malformed, malformed


def test_pages_carry_a_content_security_policy(built_site: Path) -> None:
    for html in [built_site / "index.html", built_site / "try-it" / "index.html"]:
        text = html.read_text(encoding="utf-8")
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
        assert meta, html
        policy = meta.group(1)
        assert "script-src 'self' 'wasm-unsafe-eval' 'sha256-" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "'nonce-" not in policy  # only `mkdocs serve` allows its live-reload script
        assert "worker-src 'self'" in policy and "object-src 'none'" in policy


def test_inline_scripts_violate_the_policy(page: object, server: Server) -> None:
    """The policy is live: a script injected the way an XSS would be does not run."""
    page.goto(server.url)  # type: ignore[attr-defined]
    page.evaluate(  # type: ignore[attr-defined]
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__injected = true'; document.body.append(s); }"""
    )
    assert page.evaluate("window.__injected === undefined")  # type: ignore[attr-defined]


def test_without_pyodide_figures_stay_and_the_page_says_so_once(
    browser: object, server: Server, built_site: Path
) -> None:
    log = RequestLog()
    context = open_context(browser, log)
    context.route("**/pyodide/**", lambda route: route.abort())  # type: ignore[attr-defined]
    page = context.new_page()  # type: ignore[attr-defined]
    demo_pages = [
        p
        for p in site_pages(built_site)
        if 'class="gc-demo"' in (built_site / p / "index.html").read_text()
    ]
    assert demo_pages
    for path in demo_pages:
        page.goto(server.url + path)
        # a reader reaching the demo: Python is wanted then, and cannot be had
        page.evaluate(SCROLL_TO_FIRST_DEMO)
        notice = page.locator(".gc-unavailable")
        notice.wait_for(timeout=30_000)
        assert notice.count() == 1
        assert "Live demos are unavailable" in notice.inner_text()
        assert "computed when the site was built" in notice.inner_text()
        figures = page.locator(".gc-demo .gc-figure svg")
        assert figures.count() >= page.locator(".gc-demo").count()
        assert page.locator(".gc-demo input:not([disabled])").count() == 0
    context.close()  # type: ignore[attr-defined]
