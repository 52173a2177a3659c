"""The foundation, as a learner meets it: the built site served on 127.0.0.1, opened in Chromium."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from genai_course.plugin import PYODIDE_IN_SITE
from tests.conftest import RequestLog, Server, open_context, python_ready

pytestmark = pytest.mark.browser

RESULT = "softmax([0, 1, 2]) = [0.0900, 0.2447, 0.6652]"


def go_to_try_it(page: object) -> None:
    """From the home page, as a person: the Demos card, then the Try it link of the demo list."""
    page.locator(".md-content").get_by_role("link", name="Demos").first.click()  # type: ignore[attr-defined]
    page.locator(".md-content").get_by_role("link", name="Try it").click()  # type: ignore[attr-defined]


def test_build_time_figure_is_there_before_python(page: object, server: Server) -> None:
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    caption = page.locator("#gc-demo-numpy_check .gc-panel figcaption")  # type: ignore[attr-defined]
    assert caption.inner_text() == "softmax([1, 2, 3]) = [0.0900, 0.2447, 0.6652]"
    note = page.locator("#gc-demo-numpy_check .gc-caption").inner_text()  # type: ignore[attr-defined]
    assert re.fullmatch(r"Computed by Python 3\.12\.\d+ on linux with NumPy 2\.0\.2\.", note)


def test_numpy_runs_in_a_worker_and_the_result_is_shown(
    page: object, server: Server, requests_log: RequestLog
) -> None:
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    field = page.get_by_label("Numbers (comma-separated)")  # type: ignore[attr-defined]
    field.fill("0, 1, 2")
    demo = page.locator("#gc-demo-numpy_check")  # type: ignore[attr-defined]
    demo.locator(".gc-caption", has_text="emscripten").wait_for(timeout=90_000)
    assert demo.locator("figcaption").inner_text() == RESULT
    assert demo.locator(".gc-caption").inner_text() == (
        "Computed by Python 3.12.7 on emscripten with NumPy 2.0.2."
    )
    assert demo.locator(".gc-status").inner_text() == RESULT  # announced politely
    # Python lives in a worker: nothing of Pyodide on the page's own thread
    assert page.evaluate("typeof window.loadPyodide") == "undefined"  # type: ignore[attr-defined]
    assert page.evaluate("typeof window.pyodide") == "undefined"  # type: ignore[attr-defined]
    workers = [w.url for w in page.workers]  # type: ignore[attr-defined]
    assert any(url.endswith("/assets/genai-course/worker.js") for url in workers), workers
    # the worker took Pyodide, NumPy and the course wheel from this site, from the folder named
    # by the Pyodide version
    here = server.url + PYODIDE_IN_SITE
    for name in (
        "pyodide.asm.wasm",
        "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
        "genai_course-0.1.0-",
    ):
        assert any(url.startswith(here) and name in url for url in requests_log.urls), name


def test_one_worker_serves_the_visit_across_instant_navigation(
    page: object, server: Server, requests_log: RequestLog
) -> None:
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    python_ready(page, 90_000)
    page.evaluate("window.__visitMarker = 1; window.__worker = window.genaiCourse.python.worker")  # type: ignore[attr-defined]
    page.locator(".md-tabs").get_by_role("link", name="Home").click()  # type: ignore[attr-defined]
    page.wait_for_url(server.url)  # type: ignore[attr-defined]
    go_to_try_it(page)
    page.wait_for_url(server.url + "try-it/")  # type: ignore[attr-defined]
    # instant navigation: same document, same worker, Python still ready
    assert page.evaluate("window.__visitMarker") == 1  # type: ignore[attr-defined]
    assert page.evaluate("window.genaiCourse.python.state") == "ready"  # type: ignore[attr-defined]
    page.get_by_label("Numbers (comma-separated)").fill("0, 1, 2")  # type: ignore[attr-defined]
    page.locator("#gc-demo-numpy_check figcaption", has_text=RESULT).wait_for(timeout=10_000)  # type: ignore[attr-defined]
    # the very same worker answered: Python was not booted again
    assert page.evaluate("window.genaiCourse.python.worker === window.__worker")  # type: ignore[attr-defined]
    ours = [w for w in page.workers if w.url.endswith("/genai-course/worker.js")]  # type: ignore[attr-defined]
    assert len(ours) == 1  # (the other worker is Material's search)
    booted = [u for u in requests_log.urls if u.endswith("pyodide.asm.wasm")]
    assert len(booted) == 1, booted


def test_bad_value_keeps_figure_and_says_why(page: object, server: Server) -> None:
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    demo = page.locator("#gc-demo-numpy_check")  # type: ignore[attr-defined]
    before = demo.locator(".gc-figure").inner_html()
    page.get_by_label("Numbers (comma-separated)").fill("1, two, 3")  # type: ignore[attr-defined]
    message = demo.locator('[data-message-for=""]')
    message.filter(has_text="'two' is not a number").wait_for(timeout=90_000)
    assert demo.locator(".gc-figure").inner_html() == before


RANDOM_PROGRAM = """
import random
from genai_course.demo import View
def render():
    return View([], str(random.random()))
"""


def draw_random(browser: object, server: Server) -> float:
    """random.random() in the worker of a fresh visit."""
    context = open_context(browser, RequestLog())
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(server.url + "try-it/")
    python_ready(page, 90_000)
    phases = page.evaluate("window.genaiCourse.python.timings.phases")
    assert "snapshot" in phases and "snapshotError" not in phases, phases
    result = page.evaluate(
        "(source) => window.genaiCourse.callPython('random_check', source, {})", RANDOM_PROGRAM
    )
    context.close()  # type: ignore[attr-defined]
    return float(result["summary"])


def test_python_starts_from_its_memory_snapshot_with_random_numbers_of_its_own(
    browser: object, server: Server
) -> None:
    # the memory was saved once, at build time; each visit must still draw its own numbers
    assert draw_random(browser, server) != draw_random(browser, server)


def test_a_missing_snapshot_only_costs_time(
    page: object, context: object, server: Server, requests_log: RequestLog
) -> None:
    context.route(  # type: ignore[attr-defined]
        "**/pyodide/*/memory-*", lambda route: route.fulfill(status=404, body="not found")
    )
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    page.get_by_label("Numbers (comma-separated)").fill("0, 1, 2")  # type: ignore[attr-defined]
    page.locator("#gc-demo-numpy_check figcaption", has_text=RESULT).wait_for(timeout=90_000)  # type: ignore[attr-defined]
    phases = page.evaluate("window.genaiCourse.python.timings.phases")  # type: ignore[attr-defined]
    assert "404" in phases["snapshotError"]
    assert any(f"/{PYODIDE_IN_SITE}memory-" in url for url in requests_log.urls)


def test_a_snapshot_the_host_already_unzipped_is_used_as_it_comes(
    page: object, context: object, server: Server, built_site: Path
) -> None:
    (packed,) = (built_site / PYODIDE_IN_SITE).glob("memory-*.bin.gz")
    memory = gzip.decompress(packed.read_bytes())
    # what a browser hands over when the host sends the file with Content-Encoding: gzip
    context.route(  # type: ignore[attr-defined]
        "**/pyodide/*/memory-*", lambda route: route.fulfill(status=200, body=memory)
    )
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    page.get_by_label("Numbers (comma-separated)").fill("0, 1, 2")  # type: ignore[attr-defined]
    page.locator("#gc-demo-numpy_check figcaption", has_text=RESULT).wait_for(timeout=90_000)  # type: ignore[attr-defined]
    phases = page.evaluate("window.genaiCourse.python.timings.phases")  # type: ignore[attr-defined]
    assert "snapshot" in phases and "snapshotError" not in phases, phases


INSTALL_PROGRAM = """
import json
from importlib import metadata

import numpy as np
import pyodide_js

from genai_course.demo import View


def render():
    numpy = metadata.distribution("numpy")
    # every compiled part of NumPy works: linear algebra, FFT, random numbers
    works = bool(
        np.allclose(np.linalg.inv(np.eye(3) * 2), np.eye(3) / 2)
        and np.allclose(np.fft.ifft(np.fft.fft([1.0, 2.0, 3.0])).real, [1, 2, 3])
        and 0 <= np.random.default_rng(0).random() < 1
    )
    facts = {
        "installer": numpy.read_text("INSTALLER"),
        "source": numpy.read_text("PYODIDE_SOURCE"),
        "course": metadata.version("genai-course"),
        "loaded": pyodide_js.loadedPackages.to_py(),
        "works": works,
    }
    return View([], json.dumps(facts))
"""


def install_facts(page: object, server: Server) -> tuple[dict[str, object], dict[str, object]]:
    """The worker's start-up phases and what the installed packages say about themselves."""
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => window.genaiCourse.python.state === 'ready'", timeout=90_000
    )
    phases = page.evaluate("window.genaiCourse.python.timings.phases")  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "(source) => window.genaiCourse.callPython('install_check', source, {})", INSTALL_PROGRAM
    )
    assert result["ok"], result
    return phases, json.loads(result["summary"])


def test_the_worker_installs_the_wheels_itself_as_pyodide_would(
    page: object, server: Server, requests_log: RequestLog
) -> None:
    phases, facts = install_facts(page, server)
    assert "installed" in phases and "installError" not in phases, phases
    assert facts == {
        "installer": "pyodide.loadPackage",
        "source": "pyodide",
        "course": "0.1.0",
        # Pyodide counts them as its own, so its loader never installs them a second time
        "loaded": {"numpy": "default channel", "genai-course": "default channel"},
        "works": True,
    }
    wheels = [url for url in requests_log.urls if url.endswith(".whl")]
    assert len(wheels) == 2, wheels  # each fetched once
    assert any(url.endswith("/vendor/fflate/fflate.js") for url in requests_log.urls)


@pytest.mark.parametrize("failure", ["unzipper missing", "wheel corrupted once"])
def test_when_the_worker_cannot_install_a_wheel_pyodide_does(
    page: object, context: object, server: Server, requests_log: RequestLog, failure: str
) -> None:
    if failure == "unzipper missing":
        context.route(  # type: ignore[attr-defined]
            "**/vendor/fflate/fflate.js", lambda route: route.fulfill(status=404, body="")
        )
        expected = "fflate.js"
    else:
        served: list[str] = []

        def corrupt_first(route: object) -> None:
            served.append(route.request.url)  # type: ignore[attr-defined]
            if len(served) == 1:  # a truncated download, as a flaky network gives
                response = route.fetch()  # type: ignore[attr-defined]
                route.fulfill(response=response, body=response.body()[:1000])  # type: ignore[attr-defined]
            else:
                route.continue_()  # type: ignore[attr-defined]

        context.route("**/numpy-*.whl", corrupt_first)  # type: ignore[attr-defined]
        expected = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
    phases, facts = install_facts(page, server)
    assert "installed" not in phases, phases
    assert expected in phases["installError"], phases  # the reason is kept for the record
    assert facts["works"] is True and facts["course"] == "0.1.0"
    assert facts["loaded"] == {"numpy": "default channel", "genai-course": "default channel"}


def test_search_waits_for_python_on_a_demo_page_then_works(page: object, server: Server) -> None:
    # Material's search index is built once Python is up and quiet, not while it starts
    page.goto(server.url + "try-it/", wait_until="commit")  # type: ignore[attr-defined]
    for _ in range(200):  # the theme starts its search worker once its script has run
        found = [w for w in page.workers if "search-worker.js?worker=search." in w.url]  # type: ignore[attr-defined]
        if found:
            break
        page.wait_for_timeout(25)  # type: ignore[attr-defined]
    (search,) = found
    assert page.evaluate("window.genaiCourse.isQuiet()") is False  # type: ignore[attr-defined]
    assert search.evaluate("typeof lunr") == "undefined"  # Material's worker not loaded yet
    page.wait_for_function("() => window.genaiCourse.isQuiet()", timeout=90_000)  # type: ignore[attr-defined]
    timings = page.evaluate("window.genaiCourse.python.timings")  # type: ignore[attr-defined]
    assert timings["quiet"] > timings["ready"]
    page.keyboard.press("/")  # type: ignore[attr-defined]  (Material's search shortcut)
    page.keyboard.type("softmax")  # type: ignore[attr-defined]
    results = page.locator(".md-search-result__item")  # type: ignore[attr-defined]
    results.first.wait_for(timeout=15_000)
    assert search.evaluate("typeof lunr") != "undefined"
    assert results.count() > 0


def test_search_on_a_page_without_demos_is_materials_own(page: object, server: Server) -> None:
    page.goto(server.url + "schedule/")  # type: ignore[attr-defined]
    page.keyboard.press("/")  # type: ignore[attr-defined]
    page.keyboard.type("attention")  # type: ignore[attr-defined]
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
    assert not [w for w in page.workers if "search-worker.js" in w.url]  # type: ignore[attr-defined]


MODULES_PROGRAM = """
import json
import sys

from genai_course.demo import View


def render():
    wanted = ["diffusion", "vae", "compression", "tokenizer", "gpt", "sampling", "positional"]
    return View([], json.dumps({m: f"genai_course.{m}" in sys.modules for m in wanted}))
"""


def test_once_python_is_quiet_the_course_modules_are_imported_for_the_next_pages(
    page: object, server: Server
) -> None:
    page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
    page.wait_for_function("() => window.genaiCourse.isQuiet()", timeout=90_000)  # type: ignore[attr-defined]
    modules = page.evaluate("window.genaiCourse.python.modules")  # type: ignore[attr-defined]
    assert "genai_course.diffusion" in modules and "genai_course.cli" not in modules
    # one at a time, between runs: wait until the worker has gone through them
    page.wait_for_function("() => window.genaiCourse.warmUpsLeft() === 0", timeout=30_000)  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "(source) => window.genaiCourse.callPython('modules_check', source, {})", MODULES_PROGRAM
    )
    assert result["ok"], result
    assert all(json.loads(result["summary"]).values()), result["summary"]


# A browser where the page cannot start the worker that fetches the snapshot and the wheels (it
# throws), or starts it and it fails to load: the Python worker fetches them itself.
NO_FETCH_WORKER = {
    "cannot start": """
      const Native = window.Worker;
      window.Worker = function (url, options) {
        if (String(url).includes("fetch-worker.js")) throw new Error("no workers here");
        return new Native(url, options);
      };""",
    "fails to load": """
      const Native = window.Worker;
      window.Worker = function (url, options) {
        if (String(url).includes("fetch-worker.js")) url = String(url) + "-missing.js";
        return new Native(url, options);
      };""",
}


@pytest.mark.parametrize("failure", list(NO_FETCH_WORKER))
def test_without_the_fetch_worker_python_fetches_its_files_itself(
    page: object, context: object, server: Server, failure: str
) -> None:
    context.add_init_script(NO_FETCH_WORKER[failure])  # type: ignore[attr-defined]
    phases, facts = install_facts(page, server)
    assert "snapshot" in phases and "snapshotError" not in phases, phases
    assert "installed" in phases and "installError" not in phases, phases
    if failure == "fails to load":
        assert phases["fetchWorkerError"], phases  # noted, and done here instead
    else:
        assert phases["fetchWorkerError"] == "no fetch worker", phases
    assert facts["works"] is True


def test_the_fetch_worker_hands_over_the_snapshot_and_the_wheels(
    page: object, server: Server
) -> None:
    phases, facts = install_facts(page, server)
    assert "fetchWorkerError" not in phases, phases
    assert phases["snapshot"] < phases["pyodide"] and "installed" in phases
    assert facts["works"] is True
