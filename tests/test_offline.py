"""The list of the site's files written into the service worker, the web app manifest, and no
service worker under `mkdocs serve`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from genai_course.plugin import PYODIDE_IN_SITE, CoursePlugin
from genai_course.plugin.offline import (
    OFFLINE_PAGE,
    site_manifest,
    web_app_manifest,
    write_service_worker,
)
from tests.conftest import ROOT, cache_control


def make_site(root: Path) -> None:
    files = {
        "index.html": b"<h1>home</h1>",
        "topics/attention/index.html": b"<h1>attention</h1>",
        "pyodide/pyodide.asm.wasm": bytes(range(256)) * 40,
        "assets/javascripts/bundle.abc.min.js.map": b"{}",
        "assets/javascripts/lunr/wordcut.js": b"//",
        "sitemap.xml.gz": b"gz",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def test_every_file_is_listed_with_its_size_and_sha256_but_maps_and_unused_search_support(
    tmp_path: Path,
) -> None:
    make_site(tmp_path)
    manifest = site_manifest(tmp_path)
    listed = {path: (size, revision) for path, size, revision in manifest.files}
    assert sorted(listed) == [
        "index.html",
        "pyodide/pyodide.asm.wasm",
        "topics/attention/index.html",
    ]
    wasm = (tmp_path / "pyodide/pyodide.asm.wasm").read_bytes()
    assert listed["pyodide/pyodide.asm.wasm"] == (10240, hashlib.sha256(wasm).hexdigest()[:16])
    assert manifest.total_bytes == 10240 + len(b"<h1>home</h1>") + len(b"<h1>attention</h1>")


def test_a_changed_file_changes_its_revision_and_the_build(tmp_path: Path) -> None:
    make_site(tmp_path)
    before = site_manifest(tmp_path)
    (tmp_path / "index.html").write_bytes(b"<h1>home, new</h1>")
    after = site_manifest(tmp_path)
    changed = {p for (p, _, r), (_, _, s) in zip(before.files, after.files, strict=True) if r != s}
    assert changed == {"index.html"}
    assert before.build != after.build
    assert site_manifest(tmp_path).build == after.build  # the same files, the same build


def test_the_service_worker_starts_with_the_list(tmp_path: Path) -> None:
    make_site(tmp_path)
    manifest = write_service_worker(tmp_path)
    head, code = (tmp_path / "sw.js").read_text().split("\n", 1)
    listed = json.loads(head.removeprefix("self.__genaiCourseOffline = ").removesuffix(";"))
    assert listed["build"] == manifest.build
    assert listed["totalBytes"] == manifest.total_bytes
    assert [tuple(f) for f in listed["files"]] == list(manifest.files)
    assert 'importScripts("vendor/workbox-sw/workbox-sw.js")' in code
    assert "sw.js" not in {path for path, _, _ in site_manifest(tmp_path).files}


def test_the_offline_page_is_listed_with_the_files_it_loads_from_the_site_root(
    tmp_path: Path,
) -> None:
    make_site(tmp_path)
    assert site_manifest(tmp_path).offline == ()  # no offline page: nothing to keep at install
    (tmp_path / "assets/main.css").write_text("h1 {}")
    (tmp_path / "assets/app.js").write_text("//")
    (tmp_path / "offline").mkdir()
    # as the build writes it for a site under /course/: every URL from the root of the host
    (tmp_path / OFFLINE_PAGE).write_text(
        '<link rel="stylesheet" href="/course/assets/main.css">'
        '<script src="/course/assets/app.js?v=1"></script>'
        '<a href="/course/topics/attention/">a page</a><a href="/course/.">home</a>'
        '<a href="https://example.org/x.js">outside</a><a href="/course/missing.css">gone</a>'
        '<script id="__config" type="application/json">{"search": "/course/assets/search.js"}'
        "</script>"
    )
    (tmp_path / "assets/search.js").write_text("//")
    (tmp_path / "search").mkdir()
    (tmp_path / "search/search_index.json").write_text("{}")
    manifest = site_manifest(tmp_path)
    assert manifest.offline == (
        OFFLINE_PAGE,
        "assets/app.js",
        "assets/main.css",
        "assets/search.js",
        "search/search_index.json",
    )
    assert json.loads(manifest.as_json())["offline"] == list(manifest.offline)


def test_the_web_app_manifest_uses_relative_urls_and_the_theme_colour() -> None:
    manifest = json.loads(web_app_manifest("Generative AI", "GenAI course", "notes"))
    assert manifest["start_url"] == manifest["scope"] == "./"
    assert manifest["theme_color"] == "#3f51b5"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert not any(icon["src"].startswith("/") for icon in manifest["icons"])
    png = Path(__file__).parents[1] / "src/genai_course/assets/icons/icon-512.png"
    header = png.read_bytes()[16:24]  # PNG IHDR: width, height
    assert (int.from_bytes(header[:4]), int.from_bytes(header[4:])) == (512, 512)


def test_no_service_worker_under_mkdocs_serve() -> None:
    plugin = CoursePlugin()
    plugin.on_startup(command="build", dirty=False)
    assert not plugin.serving
    plugin.on_startup(command="serve", dirty=False)
    assert plugin.serving


def test_the_test_server_sends_the_caching_headers_the_readme_asks_hosts_for(
    built_site: Path,
) -> None:
    """Tests and benchmarks meet the site as a returning learner of a well-configured host does."""
    readme = (ROOT / "README.md").read_text()
    immutable, day, revalidate = (
        "public, max-age=31536000, immutable",
        "public, max-age=86400",
        "no-cache",
    )
    for header in (immutable, day, revalidate):
        assert f"`Cache-Control: {header}`" in readme
    pyodide = built_site / PYODIDE_IN_SITE
    course_wheel = next(pyodide.glob("course/*/*.whl")).relative_to(built_site)
    snapshot = next(pyodide.glob("memory-*.bin.gz")).relative_to(built_site)
    bundle = next(built_site.glob("assets/javascripts/bundle.*.min.js")).relative_to(built_site)
    expected = {
        f"/{course_wheel.as_posix()}": immutable,
        f"/{snapshot.as_posix()}": immutable,
        f"/{bundle.as_posix()}": immutable,
        f"/{PYODIDE_IN_SITE}pyodide.asm.wasm": day,
        "/vendor/temml/temml.css": day,
        f"/{PYODIDE_IN_SITE}pyodide-lock.json": revalidate,  # it names this build's course wheel
        "/": revalidate,
        "/topics/attention/index.html": revalidate,
        "/sw.js": revalidate,
        "/assets/genai-course/python.js": revalidate,
        "/search/search_index.json?v=1": revalidate,
    }
    assert {path: cache_control(path) for path in expected} == expected
