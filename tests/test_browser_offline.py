"""Offline use, as a learner meets it: pages and demos once used open with no network, exercises
with their code editor; a page not kept shows the course's offline page (what is kept, how to
save the course); "Save the course for offline use" brings the rest (or says clearly why not,
losing nothing); a new build is seen after one reload; the saved copy can be removed.

The site is served from a folder of its own (a copy of the session's build) on an address of its
own, so that a test can swap in a rebuilt site, or take a file away, on the same origin.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from genai_course.plugin import PYODIDE_IN_SITE
from tests.conftest import ROOT, Server, build_site, is_local, serve

pytestmark = pytest.mark.browser

HOME = ""
# a control every step of which is valid (0.70 → 0.75 → 0.80 … within 0–2), so each press is
# a new figure however often the test presses it, and however the browser restores the form
DEMO_PAGE, DEMO, CONTROL = "topics/temperature-and-top-p/", "sampling", "temperature"
NEVER_VISITED = "topics/positional-encoding/"
OTHER_DEMO, OTHER_CONTROL = "positional_encoding", "d_model"
# further down that page, out of sight when its demo is used: its code editor is not loaded then
EXERCISE = "positional-encoding"
CACHE = "genai-course-files"
OFFLINE_PAGE = "You are offline"
CHANGED = "This sentence is new in the second build."


@pytest.fixture(scope="module")
def offline_site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The session's build, copied and served through a link that a test can point elsewhere."""
    folder = tmp_path_factory.mktemp("offline")
    shutil.copytree(built_site, folder / "first")
    (folder / "live").symlink_to(folder / "first")
    server = serve(folder / "live")
    yield server
    server.httpd.shutdown()


def point_to(server: Server, target: Path) -> None:
    """Serve `target` from now on, on the same address (a host publishing a new build)."""
    link = server.root.parent / "next-link"
    link.symlink_to(target)
    os.replace(link, server.root)


@pytest.fixture
def learner(browser: object) -> Iterator[object]:
    """A browser profile of its own, service worker allowed; no request may leave 127.0.0.1."""
    context = browser.new_context(service_workers="allow")  # type: ignore[attr-defined]
    outside: list[str] = []
    context.on("request", lambda r: None if is_local(r.url) else outside.append(r.url))
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    yield context
    context.close()
    assert not outside, f"requests left the site's origin: {outside}"
    assert not errors, f"uncaught errors in the page: {errors}"


def open_page(context: object) -> object:
    page = context.new_page()  # type: ignore[attr-defined]
    page.set_default_timeout(120_000)
    return page


def wait_for_service_worker(page: object) -> None:
    """Wait until the service worker is in charge and keeps what the page loaded before that."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")  # type: ignore[attr-defined]
    page.evaluate("window.genaiCourseOffline.kept")  # type: ignore[attr-defined]


def wait_until_kept(page: object, url: str) -> None:
    """Wait until the service worker keeps a copy of `url` (the cache key adds the revision)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        """async ([name, url]) => (await (await caches.open(name)).keys())
             .some((request) => request.url.startsWith(url + '?rev='))""",
        arg=[CACHE, url],
    )


def open_home_page_and_keep_it(site: Server, learner: object) -> object:
    page = open_page(learner)
    page.goto(site.url + HOME)  # type: ignore[attr-defined]
    wait_for_service_worker(page)
    wait_until_kept(page, site.url + HOME)
    return page


def cached_urls(page: object) -> list[str]:
    return page.evaluate(  # type: ignore[attr-defined, no-any-return]
        "async (name) => (await (await caches.open(name)).keys()).map((r) => r.url).sort()", CACHE
    )


def move_control_and_see_the_figure_change(page: object, demo: str, control: str) -> None:
    root = page.locator(f"#gc-demo-{demo}")  # type: ignore[attr-defined]
    root.and_(page.locator("[data-mounted]")).wait_for()  # type: ignore[attr-defined]
    before = root.locator(".gc-panels").inner_html()
    root.locator(f"[name={control}]").focus()
    page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """([demo, before]) => { const root = document.querySelector(`#gc-demo-${demo}`);
             return root.dataset.state === 'live'
               && root.querySelector('.gc-panels').innerHTML !== before; }""",
        arg=[demo, before],
    )
    assert "could not" not in root.locator(".gc-status").inner_text().lower()
    # the figure itself, cleaned by the sanitizer the worker kept with the page
    assert root.locator(".gc-panels svg").count()


def save_control(page: object) -> object:
    control = page.locator(".gc-offline")  # type: ignore[attr-defined]
    control.locator(".gc-offline-size").filter(has_text="MB").wait_for()
    return control


def test_pages_and_demos_once_used_work_offline(offline_site: Server, learner: object) -> None:
    page = open_home_page_and_keep_it(offline_site, learner)
    page.goto(offline_site.url + DEMO_PAGE)  # type: ignore[attr-defined]
    move_control_and_see_the_figure_change(page, DEMO, CONTROL)

    learner.set_offline(True)  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    move_control_and_see_the_figure_change(page, DEMO, CONTROL)
    page.get_by_role("link", name="Home", exact=True).first.click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Generative AI", level=1).wait_for()  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Where to start").wait_for()  # type: ignore[attr-defined]
    page.go_back()  # type: ignore[attr-defined]
    move_control_and_see_the_figure_change(page, DEMO, CONTROL)
    # a page never opened is not there: nothing was downloaded behind the learner's back
    kept = [url for url in cached_urls(page) if "/topics/" in url and DEMO_PAGE not in url]
    assert kept == []
    page.goto(offline_site.url + NEVER_VISITED)  # type: ignore[attr-defined]
    assert kept_pages(see_offline_page(page, NEVER_VISITED)) == ["Home", "Temperature and top-p"]


def see_offline_page(page: object, path: str) -> object:
    """The course's offline page, at the address of the page asked for, in the theme's style."""
    page.get_by_role("heading", name=OFFLINE_PAGE, level=1).wait_for()  # type: ignore[attr-defined]
    assert page.url.endswith("/" + path)  # type: ignore[attr-defined]
    root = page.locator(".gc-offline-page[data-mounted]")  # type: ignore[attr-defined]
    root.wait_for()
    assert f"The page /{path} is not on this device yet" in root.inner_text()
    # the theme's header in its indigo: the site's styles came from the worker's copy
    header = page.locator(".md-header")  # type: ignore[attr-defined]
    assert header.evaluate("(e) => getComputedStyle(e).backgroundColor") == "rgb(64, 81, 181)"
    root.locator(".gc-offline-kept li, .gc-offline-none:not([hidden])").first.wait_for()
    return root


def kept_pages(root: object) -> list[str]:
    return root.locator(".gc-offline-kept a").all_inner_texts()  # type: ignore[attr-defined, no-any-return]


def test_a_page_not_kept_shows_the_course_offline_page(
    offline_site: Server, learner: object
) -> None:
    page = open_home_page_and_keep_it(offline_site, learner)
    page.goto(offline_site.url + "resources/")  # type: ignore[attr-defined]
    wait_until_kept(page, offline_site.url + "resources/")

    learner.set_offline(True)  # type: ignore[attr-defined]
    page.goto(offline_site.url + NEVER_VISITED)  # type: ignore[attr-defined]
    root = see_offline_page(page, NEVER_VISITED)
    assert kept_pages(root) == ["Home", "Resources"]
    assert root.get_by_role("button", name="Try again").is_visible()
    # how to save the course: the home page's control, named, and the size of the course
    saving = root.get_by_role("link", name="home page")
    assert saving.get_attribute("href").endswith("/#on-the-train-with-no-network")
    size = root.locator(".gc-offline-size").inner_text()
    assert size.endswith(" MB") and "about" not in size  # the worker's figure
    assert "Save the course for offline use" in root.inner_text()

    # a kept page, from its link there
    root.get_by_role("link", name="Resources").click()
    page.get_by_role("heading", name="Resources", level=1).wait_for()  # type: ignore[attr-defined]
    assert page.url == offline_site.url + "resources/"  # type: ignore[attr-defined]
    # an address that is not the course's
    page.goto(offline_site.url + "no-such-page/")  # type: ignore[attr-defined]
    see_offline_page(page, "no-such-page/")
    # a link of the menu to a page not kept (the theme fetches it, fails, then goes there)
    page.go_back()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Resources", level=1).wait_for()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Practice", exact=True).first.click()  # type: ignore[attr-defined]
    see_offline_page(page, "exercises/")

    # back online, "Try again" brings the page asked for
    learner.set_offline(False)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Try again").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Exercises", level=1).wait_for()  # type: ignore[attr-defined]


def test_an_exercise_opened_offline_gets_the_code_editor(
    offline_site: Server, learner: object
) -> None:
    page = open_home_page_and_keep_it(offline_site, learner)
    page.goto(offline_site.url + NEVER_VISITED)  # type: ignore[attr-defined]
    move_control_and_see_the_figure_change(page, OTHER_DEMO, OTHER_CONTROL)
    page.evaluate("window.genaiCourseOffline.keptPython")  # type: ignore[attr-defined]
    # the exercise was never near the screen, so its editor was not loaded on this visit
    assert page.evaluate("window.genaiCourseEditor === undefined")  # type: ignore[attr-defined]

    learner.set_offline(True)  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    exercise = page.locator(f"#exercise-{EXERCISE}")  # type: ignore[attr-defined]
    exercise.and_(page.locator("[data-mounted]")).wait_for()  # type: ignore[attr-defined]
    page.evaluate(  # type: ignore[attr-defined]
        """() => document.addEventListener('error', (event) => {
             if ((event.target.src || '').includes('codemirror')) window.__editorFailed = true;
           }, true)"""
    )
    exercise.locator(".gc-exercise-code").focus()
    page.wait_for_function(  # type: ignore[attr-defined]
        """(id) => document.querySelector(`#${id} .cm-editor`) || window.__editorFailed""",
        arg=f"exercise-{EXERCISE}",
    )
    assert exercise.locator(".cm-editor").count() == 1, "the plain text box: no editor offline"


def test_save_for_offline_use_then_remove(offline_site: Server, learner: object) -> None:
    page = open_page(learner)
    page.goto(offline_site.url + HOME)  # type: ignore[attr-defined]
    control = save_control(page)
    size = control.locator(".gc-offline-size").inner_text()
    progress = control.get_by_role(
        "progressbar", name="Saving the course for offline use", include_hidden=True
    )
    status = control.get_by_role("status")
    assert status.get_attribute("aria-live") == "polite"
    # what the bar shows while the course downloads: [value, shown]
    progress.evaluate(
        """(bar) => { window.__bar = [];
             new MutationObserver(() => window.__bar.push([bar.value, !bar.hidden]))
               .observe(bar, {attributes: true}); }"""
    )

    assert control.get_by_role("button", name="Remove the saved copy").is_hidden()
    control.get_by_role("button", name="Save the course for offline use").click()
    status.filter(has_text="Saved: the whole course").wait_for(timeout=180_000)
    assert size in status.inner_text()
    shown = [value for value, visible in page.evaluate("window.__bar") if visible]
    assert any(0 < value < 100 for value in shown) and shown[-1] == 100
    assert progress.is_hidden()
    assert control.get_by_role("button", name="Remove the saved copy").is_visible()
    assert control.get_by_role("button", name="Save the course for offline use").is_hidden()

    learner.set_offline(True)  # type: ignore[attr-defined]
    page.goto(offline_site.url + NEVER_VISITED)  # type: ignore[attr-defined]
    move_control_and_see_the_figure_change(page, OTHER_DEMO, OTHER_CONTROL)

    page.goto(offline_site.url + HOME)  # type: ignore[attr-defined]
    control = save_control(page)
    status = control.get_by_role("status")
    assert "whole course is saved" in status.inner_text()
    control.get_by_role("button", name="Remove the saved copy").click()
    status.filter(has_text="The saved copy is removed").wait_for()
    assert control.get_by_role("button", name="Save the course for offline use").is_visible()
    # all but the offline page and the files it loads, kept since the worker's install
    offline = json.loads(
        (offline_site.root / "sw.js").read_text().split(" = ", 1)[1].split(";\n")[0]
    )
    expected = [offline_site.url + path.removesuffix("index.html") for path in offline["offline"]]
    assert sorted(url.split("?rev=")[0] for url in cached_urls(page)) == sorted(expected)
    page.goto(offline_site.url + DEMO_PAGE)  # type: ignore[attr-defined]
    root = see_offline_page(page, DEMO_PAGE)
    assert kept_pages(root) == []
    assert root.get_by_text("No page of the course is kept on this device yet.").is_visible()


def test_a_failed_download_says_so_and_keeps_what_was_there(
    offline_site: Server, learner: object
) -> None:
    page = open_home_page_and_keep_it(offline_site, learner)
    before = cached_urls(page)
    wheel = offline_site.root / PYODIDE_IN_SITE / "python_stdlib.zip"
    hidden = wheel.with_name("python_stdlib.zip.away")
    wheel.rename(hidden)
    try:
        control = save_control(page)
        control.get_by_role("button", name="Save the course for offline use").click()
        status = control.get_by_role("status")
        status.filter(has_text="The course was not saved").wait_for(timeout=180_000)
    finally:
        hidden.rename(wheel)
    text = status.inner_text()
    missing = f"{PYODIDE_IN_SITE}python_stdlib.zip could not be downloaded"
    assert f"{missing} (the server answered 404)" in text
    assert "Nothing you had before was removed" in text
    assert control.get_by_role("button", name="Save the course for offline use").is_enabled()
    assert control.get_by_role("progressbar").is_hidden()
    assert cached_urls(page) == before
    learner.set_offline(True)  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Where to start").wait_for()  # type: ignore[attr-defined]
    assert "whole course is saved" not in save_control(page).inner_text()


def rebuild_with_changed_home_page(destination: Path, site_url: str) -> None:
    """Build the site again from a copy of docs/ whose home page has one more sentence, and
    with a different course wheel (its modules compiled to .pyc)."""
    docs = destination.parent / "docs"
    shutil.copytree(ROOT / "docs", docs)
    home = docs / "index.md"
    text = home.read_text()
    home.write_text(text.replace("## Where to start", f"{CHANGED}\n\n## Where to start"))
    # the plugin takes the project from the folder of the config file
    config = ROOT / f".offline-test-{os.getpid()}.yml"
    config.write_text(f"INHERIT: mkdocs.yml\ndocs_dir: {docs}\n")
    try:
        result = build_site(destination, config, SITE_URL=site_url, GENAI_PY_COMPILE="1")
    finally:
        config.unlink()
    assert result.returncode == 0, result.stderr


def test_a_new_build_is_seen_after_one_reload(
    offline_site: Server, learner: object, tmp_path: Path, port: int
) -> None:
    page = open_page(learner)
    page.goto(offline_site.url + HOME)  # type: ignore[attr-defined]
    wait_for_service_worker(page)
    page.goto(offline_site.url + DEMO_PAGE)  # type: ignore[attr-defined]
    move_control_and_see_the_figure_change(page, DEMO, CONTROL)
    page.goto(offline_site.url + HOME)  # type: ignore[attr-defined]
    old_home = next(u for u in cached_urls(page) if u.startswith(offline_site.url + "?rev="))
    assert page.get_by_text(CHANGED).count() == 0

    second = tmp_path / "second"
    rebuild_with_changed_home_page(second, f"http://127.0.0.1:{port}/")
    point_to(offline_site, second)
    try:
        page.reload()  # type: ignore[attr-defined]
        page.get_by_text(CHANGED).wait_for()
        # the demo page runs the new build's Python files (its config names the course wheel)
        page.goto(offline_site.url + DEMO_PAGE)  # type: ignore[attr-defined]
        move_control_and_see_the_figure_change(page, DEMO, CONTROL)
        config_js = "assets/genai-course/config.js"
        config = (second / config_js).read_text()
        assert config != (offline_site.root.parent / "first" / config_js).read_text()  # new wheel
        expected = json.loads(config.split(" = ", 1)[1].rstrip().rstrip(";"))
        assert page.evaluate("window.__genaiCourse") == expected
        # once the course's tabs are closed, the new worker is in charge and keeps only the new
        # build's copies
        page.close()
        page = open_page(learner)
        page.goto(offline_site.url + HOME)  # type: ignore[attr-defined]
        page.get_by_text(CHANGED).wait_for()
        new_build = (second / "sw.js").read_text().split('"build":"')[1][:16]
        page.wait_for_function(  # type: ignore[attr-defined]
            """(build) => new Promise((resolve) => { const channel = new MessageChannel();
                 channel.port1.onmessage = (event) => resolve(event.data.build === build);
                 navigator.serviceWorker.controller.postMessage(
                   {type: 'genai-course:status'}, [channel.port2]); })""",
            arg=new_build,
        )
        page.evaluate("window.genaiCourseOffline.kept")  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            """async ([name, old]) => !(await (await caches.open(name)).keys())
                 .some((request) => request.url === old)""",
            arg=[CACHE, old_home],
        )
        wait_until_kept(page, offline_site.url + HOME)  # the new home page, stored as it came
    finally:
        point_to(offline_site, offline_site.root.parent / "first")
