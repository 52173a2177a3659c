"""The course's MkDocs plugin: demo embedding, data-driven pages, and the Pyodide bundle."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import markdown
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from genai_course.plugin import pages as render
from genai_course.plugin.address import ALLOW_LOCAL, address_problem
from genai_course.plugin.archive import archived_out_of_nav, past_terms_in_nav
from genai_course.plugin.bundle import PYODIDE_VERSION, Bundle, BundleError, build_bundle
from genai_course.plugin.calendar import schedule_ics
from genai_course.plugin.comparison import image_comparison_markdown
from genai_course.plugin.config import CourseConfig
from genai_course.plugin.csp import apply_csp
from genai_course.plugin.data import Course, DataError, load_course
from genai_course.plugin.editor import EDITOR_SCRIPT, add_editor
from genai_course.plugin.embed import DemoError, render_demo_html
from genai_course.plugin.exercises import (
    Exercise,
    ExerciseError,
    exercise_html,
    exercises_index_markdown,
    load_exercises,
    progress_html,
    verify_exercise,
)
from genai_course.plugin.glossary import link_terms
from genai_course.plugin.head import client_before_theme, defer_body_scripts, page_stylesheets
from genai_course.plugin.livereload import (
    BuildErrorPage,
    allow_live_reload,
    live_reload_nonce,
    port_problem,
)
from genai_course.plugin.maths import (
    BROWSER_SCRIPTS,
    MathsError,
    can_typeset,
    formula_characters,
    subset_font,
    typeset_site,
)
from genai_course.plugin.nav import place_in_nav
from genai_course.plugin.offline import (
    head_tags,
    web_app_manifest,
    write_offline_page,
    write_service_worker,
)
from genai_course.plugin.schedule import next_session_html, schedule_html
from genai_course.plugin.subscribe import subscribe_markdown
from genai_course.plugin.vendor import (
    ensure_dompurify,
    ensure_fflate,
    ensure_temml,
    ensure_workbox,
)

__all__ = ["CoursePlugin"]

# Pyodide's files, the course wheel and the snapshot, in a folder named by the Pyodide version:
# after an upgrade no browser can pair a cached pyodide.asm.wasm with a new pyodide.asm.js
PYODIDE_IN_SITE = f"pyodide/{PYODIDE_VERSION}/"

log = get_plugin_logger(__name__)

# A directive is a line of its own: {{ demo("attention") }}
DIRECTIVE = re.compile(r'^[ \t]*\{\{\s*(\w+)\(\s*(?:"([^"]*)")?\s*\)\s*\}\}[ \t]*$', re.MULTILINE)
ASSETS = (
    "python.js",
    "runtime.js",
    "worker.js",
    "math.js",
    "pages.js",
    "schedule.js",
    "exercises.js",
    "course.css",
    "offline.js",
    "search-worker.js",
    "fetch-worker.js",
)


# Material's search worker, named in the page's configuration (a JSON script the theme reads)
SEARCH_WORKER = re.compile(
    r'("search": ")([^"]*assets/javascripts/workers/)(search\.[0-9a-f]+\.min\.js)"'
)


def defer_search_worker(html: str, page_url: str) -> str:
    """On a page with a demo, the theme starts the search worker through search-worker.js, which
    holds it back until the page's Python is ready (building the index competes with it)."""
    wrapper = get_relative_url("assets/genai-course/search-worker.js", page_url)
    updated, found = SEARCH_WORKER.subn(
        lambda m: f'{m.group(1)}{wrapper}?worker={m.group(3)}"', html, count=1
    )
    if not found:
        raise PluginError("genai-course: the theme's search worker is not where it was expected")
    return updated


# Text before a page's first demo or exercise that still leaves it on the first screen of a phone
# or a laptop (a heading and a short paragraph or two).
TOP_OF_PAGE_CHARS = 600


def demo_at_top(html: str) -> bool:
    """Whether the page's first demo or exercise comes after at most TOP_OF_PAGE_CHARS characters
    of the article's text: Python is then wanted at once, and starts in the <head>."""
    article = html.find("<article")
    first = min(
        (i for i in (html.find('<div class="gc-demo"'), html.find('<section class="gc-exercise"'))
         if i >= 0),
        default=-1,
    )  # fmt: skip
    if article < 0 or first < article:
        return False
    text = re.sub(r"<[^>]+>", "", html[article:first])
    return len(" ".join(text.split())) <= TOP_OF_PAGE_CHARS


class CoursePlugin(BasePlugin[CourseConfig]):
    def __init__(self) -> None:
        self.bundle: Bundle | None = None
        self.vendor: dict[str, Path] = {}
        self.project = Path.cwd()
        self.blocks: dict[str, str] = {}
        self.course: Course | None = None
        self.demo_pages: dict[str, str] = {}  # demo name -> docs path of the page that embeds it
        self.exercises: dict[str, Exercise] = {}
        self.exercise_pages: dict[str, str] = {}  # exercise name -> docs path of its page
        self._markdown: Callable[[str], str] = str
        self.today = dt.date.today()
        self._files: Files | None = None
        self._nav: Navigation | None = None  # and the theme's templates: for the offline page
        self._env: jinja2.Environment | None = None
        self.docs_dir = Path("docs")
        # under `mkdocs serve` the dev server's live-reload script runs with this nonce
        self.live_reload_nonce: str | None = None
        self.serving = False  # under `mkdocs serve`: no service worker, live reload as usual
        self.error_page = BuildErrorPage()  # under `mkdocs serve`: a broken build, in the browser
        self.command = "build"
        self.site_url = ""  # the published address, or the dev server's under `mkdocs serve`

    # -- configuration and files ---------------------------------------------------------------

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Defining this keeps one plugin instance across the rebuilds of `mkdocs serve`."""
        self.serving = command == "serve"
        self.command = command
        if self.serving:
            self.live_reload_nonce = live_reload_nonce()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if self.serving and self.error_page.server is None:
            # said now, not after the first build as MkDocs would (with a traceback)
            busy = port_problem(*config.dev_addr)
            if busy:
                raise PluginError(busy)
        self.error_page.building()
        self._check_address(config)
        self.site_url = config.site_url or ""
        self.blocks = {}  # the instance lives on across the rebuilds of `mkdocs serve`
        self.project = Path(config.config_file_path).resolve().parent
        cache = Path(os.environ.get("GENAI_CACHE_DIR") or self.project / self.config.cache_dir)
        release = os.environ.get("GENAI_PYODIDE_DIR") or self.config.pyodide_dir
        # the course wheel is built from the package's own source tree
        source = Path(__file__).resolve().parents[3]
        if not (source / "pyproject.toml").is_file():
            raise PluginError(
                "genai-course: the plugin must run from a source checkout of genai-course "
                "(pip install -e .), so that the course wheel for the browser can be built."
            )
        try:
            self.bundle = build_bundle(
                cache,
                source,
                release=Path(release) if release else None,
                self_hosted=self.config.pyodide_source == "self-hosted",
                py_compile=_flag("GENAI_PY_COMPILE", self.config.py_compile),
                snapshot=_flag("GENAI_MEMORY_SNAPSHOT", self.config.memory_snapshot),
            )
            self.vendor = {"temml": ensure_temml(cache), "fflate": ensure_fflate(cache)}
            self.vendor.update(ensure_workbox(cache))
            self.vendor["dompurify"] = ensure_dompurify(cache)
        except BundleError as error:
            raise PluginError(
                f"genai-course: the Pyodide bundle cannot be built. {error}"
            ) from None
        self._load_data(config)
        assert self.course is not None
        # in the nav config, so MkDocs does not list these pages as left out of the nav
        place_in_nav(config.nav, self._data_pages())
        log.info(
            "Pyodide %s bundle: %s (%d files, %.1f MB)",
            PYODIDE_VERSION,
            self.config.pyodide_source,
            len(self.bundle.files),
            self.bundle.total_bytes() / 1e6,
        )
        config.extra_css[:0] = ["vendor/temml/temml.css", "assets/genai-course/course.css"]
        # the formulas are typeset when the site is built (maths.py), else in the browser
        self.maths_at_build = _flag("GENAI_MATHS_AT_BUILD", True)
        if self.maths_at_build and not can_typeset():
            self.maths_at_build = False
            log.warning("genai-course: no Node.js, so the formulas are typeset in the browser")
        config.extra_javascript.extend(
            [
                *([] if self.maths_at_build else BROWSER_SCRIPTS),
                "assets/genai-course/pages.js",
                "assets/genai-course/schedule.js",
                # the runtime cleans Python's figures with it, from the first one on
                "vendor/dompurify/purify.min.js",
                "assets/genai-course/runtime.js",
                "assets/genai-course/exercises.js",
                "assets/genai-course/offline.js",
            ]
        )
        self.editor_script = None
        if _flag("GENAI_CODE_EDITOR", self.config.code_editor):
            editor = add_editor(cache)
            if editor is not None:
                self.vendor["codemirror"] = editor
                self.editor_script = EDITOR_SCRIPT
        self._load_exercises(config)
        return config

    def _check_address(self, config: MkDocsConfig) -> None:
        """A site to publish needs its published address (address.py): gh-deploy refuses to
        publish without one, a strict build stops at once, another build warns; serve uses its
        own."""
        # `mkdocs serve --clean` starts up as a build
        if self.serving or "mkdocs.commands.serve" in sys.modules:
            return
        deploying = self.command == "gh-deploy"
        allow_local = _flag(ALLOW_LOCAL, False)
        problem = address_problem(config.site_url, allow_local=allow_local, deploying=deploying)
        if problem is None:
            return
        if deploying:
            raise PluginError(f"genai-course: not deployed. {problem}")
        if config.strict:
            raise PluginError(f"genai-course: {problem}")
        log.warning(problem)

    def _load_exercises(self, config: MkDocsConfig) -> None:
        """Read every exercise and run it under CPython: a broken one stops the build."""
        assert self.course is not None
        folder = self.project / self.config.exercises_dir
        try:
            self.exercises = load_exercises(folder, list(self.course.topics))
            for exercise in self.exercises.values():
                verify_exercise(exercise)
        except ExerciseError as error:
            raise PluginError(f"genai-course: {error}") from None
        log.info("%d exercises checked: each solution passes", len(self.exercises))
        renderer = markdown.Markdown(
            extensions=config.markdown_extensions, extension_configs=config.mdx_configs
        )

        def render_markdown(text: str) -> str:
            renderer.reset()
            return str(renderer.convert(text))

        self._markdown = render_markdown

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.bundle is not None and self.vendor
        self._files = files
        archived_out_of_nav(files)
        for name in self.bundle.files:
            path = self.bundle.directory / name
            files.append(File.generated(config, PYODIDE_IN_SITE + name, abs_src_path=str(path)))
        # Temml's script only where the pages typeset their formulas themselves (no Node.js)
        unused = {"temml.min.js"} if self.maths_at_build else set()
        for package, folder in self.vendor.items():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith(".") and path.name not in unused:
                    uri = f"vendor/{package}/{path.relative_to(folder).as_posix()}"
                    files.append(File.generated(config, uri, abs_src_path=str(path)))
        assets = resources.files("genai_course") / "assets"
        for name in ASSETS:
            files.append(
                File.generated(
                    config, f"assets/genai-course/{name}", content=(assets / name).read_bytes()
                )
            )
        files.append(
            File.generated(config, "assets/genai-course/config.js", content=self._runtime_config())
        )
        self._offline_files(files, config)
        assert self.course is not None
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
        feed = schedule_ics(self.course, config.site_url or "", stamp)
        files.append(File.generated(config, "schedule.ics", content=feed))
        self.demo_pages = {
            name: file.src_uri
            for file in files.documentation_pages()
            for name in re.findall(r'\{\{\s*demo\(\s*"(\w+)"\s*\)\s*\}\}', file.content_string)
        }
        self.exercise_pages = {
            name: file.src_uri
            for file in files.documentation_pages()
            for name in re.findall(
                r'\{\{\s*exercise\(\s*"([\w-]+)"\s*\)\s*\}\}', file.content_string
            )
        }
        return files

    def _offline_files(self, files: Files, config: MkDocsConfig) -> None:
        """The web app manifest and its icons (the service worker is written after the build)."""
        icons = resources.files("genai_course") / "assets" / "icons"
        for icon in icons.iterdir():
            uri = f"assets/genai-course/icons/{icon.name}"
            files.append(File.generated(config, uri, content=icon.read_bytes()))
        manifest = web_app_manifest(config.site_name, "GenAI course", config.site_description or "")
        files.append(File.generated(config, "manifest.webmanifest", content=manifest))

    def _load_data(self, config: MkDocsConfig) -> None:
        self.docs_dir = Path(config.docs_dir)
        try:
            self.course = load_course(self.project / self.config.data_dir, Path(config.docs_dir))
        except DataError as error:
            raise PluginError(f"genai-course: {error}") from None
        today = os.environ.get("GENAI_TODAY")
        try:
            self.today = dt.date.fromisoformat(today) if today else dt.date.today()
        except ValueError:
            raise PluginError(f"GENAI_TODAY={today!r} is not a date (YYYY-MM-DD)") from None

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Fill the Sessions and Topics sections from the data, so the data is the one source."""
        self._nav = nav
        wanted = self._data_pages()
        for section in nav.items:
            if isinstance(section, Section) and section.title in wanted:
                listed = {p.file.src_uri for p in section.children if isinstance(p, Page)}
                for uri in wanted[section.title]:
                    file = files.get_file_from_path(uri)
                    if file is None or not isinstance(file.page, Page):
                        raise PluginError(f"genai-course: {uri} is in the data but not in docs/")
                    if uri not in listed:
                        file.page.parent = section
                        section.children.append(file.page)
        pages = [p for p in _walk(nav.items) if isinstance(p, Page)]
        for before, after in zip([None, *pages], [*pages, None], strict=True):
            if before is not None:
                before.next_page = after
            if after is not None:
                after.previous_page = before
        nav.pages = pages
        return nav

    def _data_pages(self) -> dict[str, list[str]]:
        """The pages the data puts into the nav, by the title of their nav section."""
        assert self.course is not None
        return {
            "Sessions": [s.page for s in self.course.sessions if s.page]
            + past_terms_in_nav(self.docs_dir),
            "Topics": [f"topics/{t}.md" for t in self.course.topics],
        }

    def _runtime_config(self) -> str:
        """What the page needs to start Python: where Pyodide is, and which packages to load."""
        assert self.bundle is not None
        cdn = self.config.pyodide_source == "cdn"
        packages = ["numpy", "genai-course"]
        runtime = {
            "pyodideVersion": PYODIDE_VERSION,
            # relative to the site root; the runtime resolves them against its own URL
            "indexURL": self.config.pyodide_cdn_url if cdn else PYODIDE_IN_SITE,
            "packages": ["numpy", PYODIDE_IN_SITE + self.bundle.course_wheel] if cdn else packages,
            "runTimeLimit": self.config.run_time_limit,
            "snapshot": PYODIDE_IN_SITE + self.bundle.snapshot if self.bundle.snapshot else None,
            # self-hosted: the worker fetches and unzips these itself, while Python starts
            "wheels": [] if cdn else self._wheels(packages),
            "unzipScript": "vendor/fflate/fflate.js",
            # the code editor, loaded when a learner wants it (python.js), or None: the text box
            "editorScript": self.editor_script,
            "serviceWorker": None if self.serving else "sw.js",
        }
        return f"window.__genaiCourse = {json.dumps(runtime)};\n"

    def _wheels(self, names: list[str]) -> list[dict[str, str]]:
        """Name, URL (from the site root) and Subresource-Integrity hash of each shipped wheel."""
        assert self.bundle is not None
        lock = json.loads((self.bundle.directory / "pyodide-lock.json").read_text())
        wheels = []
        for name in names:
            entry = lock["packages"][name]
            digest = base64.b64encode(bytes.fromhex(entry["sha256"])).decode()
            wheels.append(
                {
                    "name": name,
                    "url": PYODIDE_IN_SITE + entry["file_name"],
                    "integrity": f"sha256-{digest}",
                }
            )
        return wheels

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        """Load the Python client. On a page whose first demo or exercise is at its top it is
        first thing in the <head> and starts Python there and then, while the browser is still
        reading the page and the theme; elsewhere it comes before the theme's script at the end of
        the <body>, holding no paint back, and starts Python when a demo comes near the screen
        (python.js). A page links only the stylesheets it uses (head.py)."""
        has_demo = '<div class="gc-demo"' in output or '<section class="gc-exercise"' in output
        start = has_demo and demo_at_top(output)
        client = "".join(
            f'<script src="{get_relative_url(f"assets/genai-course/{name}", page.url)}"'
            f"{' data-start' if start and name == 'python.js' else ''}></script>"
            for name in ("config.js", "python.js")
        )
        # the client holds the first paint back only where it starts Python at once (head.py)
        output = page_stylesheets(output)
        moved = None if start else client_before_theme(output, client)
        if moved is not None:
            output, client = moved, ""
        output = defer_body_scripts(output)
        tags = client + head_tags(lambda uri: get_relative_url(uri, page.url))
        updated, found = re.subn(
            r'(<meta charset="[^"]*">)', lambda m: m.group(1) + tags, output, count=1
        )
        if not found:
            raise PluginError(f"genai-course: {page.file.src_uri} has no <meta charset> to follow")
        if has_demo:
            updated = defer_search_worker(updated, page.url)
        return updated

    def on_env(
        self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        self._env = env
        return env

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self._env is not None and self._nav is not None and self._files is not None
        write_offline_page(Path(config.site_dir), self._env, config, self._nav, self._files)
        if self.maths_at_build:
            temml = self.vendor["temml"] / "temml.min.js"
            try:
                count = typeset_site(Path(config.site_dir), temml)
            except MathsError as error:
                raise PluginError(f"genai-course: formulas not typeset. {error}") from None
            # the maths font in the site, cut to what its formulas show
            font = Path(config.site_dir) / "vendor/temml/STIXTwoMath.woff2"
            used = formula_characters(Path(config.site_dir))
            subset_font(self.vendor["temml"] / font.name, used, font)
            log.info(
                "%d formulas typeset with Temml; maths font cut to %d characters, %d KB",
                count,
                len(used),
                font.stat().st_size // 1024,
            )
        cdn = self.config.pyodide_source == "cdn"
        origins = [self.config.pyodide_cdn_url.split("/pyodide/")[0]] if cdn else []
        count = apply_csp(Path(config.site_dir), origins, nonce=self.live_reload_nonce)
        log.info("Content-Security-Policy set on %d pages", count)
        if not self.serving:
            offline = write_service_worker(Path(config.site_dir))
            log.info(
                "Service worker: %d files, %.1f MB to save for offline use",
                len(offline.files),
                offline.total_bytes / 1e6,
            )

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Callable[..., Any]) -> Any:
        self.serving = True
        if self.live_reload_nonce is None:  # `mkdocs serve --clean` starts up as a build
            self.live_reload_nonce = live_reload_nonce()
            self.on_post_build(config=config)
        allow_live_reload(server, self.live_reload_nonce)
        self.error_page.attach(server)
        watched = (self.config.demos_dir, self.config.data_dir, self.config.exercises_dir)
        for folder in (*watched, "src/genai_course"):
            if (self.project / folder).is_dir():
                server.watch(str(self.project / folder))
        return server

    def on_build_error(self, *, error: Exception) -> None:
        if self.serving:
            self.error_page.failed(error, self.project)

    # -- pages ---------------------------------------------------------------------------------

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        def expand(match: re.Match[str]) -> str:
            name, argument = match.group(1), match.group(2)
            handler = self._directives().get(name)
            if handler is None:
                known = ", ".join(sorted(self._directives()))
                raise PluginError(
                    f"{page.file.src_uri}: unknown directive {match.group(0).strip()!r}; "
                    f"known: {known}"
                )
            try:
                text, is_html = handler(argument, page)
            except DemoError as error:
                raise PluginError(f"{page.file.src_uri}: {error}") from None
            if not is_html:
                return text
            # keep the HTML out of Markdown's hands; it is put back in on_page_content
            key = f"GCBLOCK{len(self.blocks):05d}X"
            self.blocks[key] = text
            # the paragraph carries the block's id, so MkDocs knows the anchor exists
            ids = {"demo": f"gc-demo-{argument}", "exercise": f"exercise-{argument}"}
            anchor = f"{{: #{ids[name]} }}\n" if name in ids else ""
            return f"\n{key}\n{anchor}"

        return DIRECTIVE.sub(expand, self._data_parts(markdown, page))

    def _data_parts(self, markdown: str, page: Page) -> str:
        """Session pages get title, facts and neighbours; topic pages, where they are taught."""
        assert self.course is not None
        uri = page.file.src_uri
        number = page.meta.get("session")
        if number is not None:
            session = next((s for s in self.course.sessions if s.number == number), None)
            if session is None:
                raise PluginError(f"{uri}: session {number} is not in data/schedule.yml")
            if session.page != uri:
                raise PluginError(
                    f"{uri}: data/schedule.yml gives session {number} the page {session.page!r}"
                )
            page.meta.setdefault("title", f"Session {session.number}: {session.title}")
            return (
                render.session_header_markdown(self.course, session, uri)
                + markdown
                + render.session_footer_markdown(self.course, session, uri)
            )
        topic = page.meta.get("topic")
        if topic is not None:
            if topic not in self.course.topics:
                raise PluginError(f"{uri}: topic {topic!r} is not in data/topics.yml")
            note = render.topic_note_markdown(self.course, topic, uri, self.demo_pages)
            heading = re.search(r"^# .*$", markdown, re.MULTILINE)
            if heading is None:
                return note + markdown
            return markdown[: heading.end()] + "\n\n" + note + markdown[heading.end() :]
        return markdown

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        def restore(match: re.Match[str]) -> str:
            return self.blocks.pop(match.group(1))

        assert self.course is not None
        glossary = files.get_file_from_path("glossary.md")
        if glossary is not None and page.file.src_uri != "glossary.md":
            html = link_terms(html, self.course.glossary, glossary.url_relative_to(page.file))
        return re.sub(r'<p(?: id="[^"]*")?>(GCBLOCK\d{5}X)</p>', restore, html)

    def _directives(self) -> dict[str, Callable[[str | None, Page], tuple[str, bool]]]:
        """Each directive gives (text, is_html): Markdown text goes through MkDocs' link checks."""
        course = self.course
        assert course is not None
        docs = self.docs_dir

        def url_for(page: Page) -> Callable[[str], str]:
            def url(target: str) -> str:
                file = self._files.get_file_from_path(target) if self._files else None
                if file is None:
                    raise PluginError(f"{page.file.src_uri}: link to missing page {target}")
                return file.url_relative_to(page.file)

            return url

        return {
            "demo": lambda name, page: (self._demo(name), True),
            "subscribe": lambda _, page: (
                subscribe_markdown(course, self.site_url, page.file.src_uri),
                False,
            ),
            "schedule": lambda _, page: (schedule_html(course, url_for(page)), True),
            "sessions": lambda _, page: (
                render.sessions_markdown(course, page.file.src_uri),
                False,
            ),
            "next_session": lambda _, page: (
                next_session_html(course, self.today, url_for(page)),
                True,
            ),
            "latest_updates": lambda _, page: (
                render.latest_updates_markdown(docs, page.file.src_uri),
                False,
            ),
            "resources": lambda _, page: (render.resources_html(course, url_for(page)), True),
            "glossary": lambda _, page: (
                render.glossary_markdown(course, page.file.src_uri),
                False,
            ),
            "exercise": lambda name, page: (self._exercise(name, page), True),
            "exercises": lambda _, page: (
                exercises_index_markdown(
                    self.exercises,
                    {t: topic.title for t, topic in course.topics.items()},
                    self.exercise_pages,
                    page.file.src_uri,
                ),
                False,
            ),
            "progress": lambda _, page: (self._progress(page), True),
            "image_comparison": lambda _, page: (
                image_comparison_markdown(),
                False,
            ),
            "quiz": lambda topic, page: (
                render.quiz_html([q for q in course.quiz if q.topic == topic], topic or ""),
                True,
            ),
        }

    def _exercise(self, name: str | None, page: Page) -> str:
        exercise = self.exercises.get(name or "")
        if exercise is None:
            known = ", ".join(sorted(self.exercises)) or "none"
            raise PluginError(
                f'{page.file.src_uri}: no exercise {name!r} (exercise("...") names a file in '
                f"{self.config.exercises_dir}/; known: {known})"
            )
        return exercise_html(exercise, self._markdown)

    def _progress(self, page: Page) -> str:
        assert self.course is not None and self._files is not None
        files = self._files

        def link(name: str) -> str | None:
            uri = self.exercise_pages.get(name)
            target = files.get_file_from_path(uri) if uri else None
            if target is None:
                return None
            return f"{target.url_relative_to(page.file)}#exercise-{name}"

        return progress_html(
            self.exercises,
            [(q.id, q.topic, q.question) for q in self.course.quiz],
            {t: topic.title for t, topic in self.course.topics.items()},
            link,
        )

    def _demo(self, name: str | None) -> str:
        if not name:
            raise DemoError('demo(...) needs a name, e.g. {{ demo("attention") }}')
        return render_demo_html(name, self.project / self.config.demos_dir)


def _flag(variable: str, configured: bool) -> bool:
    """An on/off setting: the environment variable, if set, wins over mkdocs.yml."""
    return os.environ.get(variable, str(configured)).lower() in {"1", "true", "yes"}


def _walk(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        out.append(item)
        if isinstance(item, Section):
            out.extend(_walk(item.children))
    return out
