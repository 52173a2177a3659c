"""The course's MkDocs plugin: demo embedding, data-driven pages, and the Pyodide bundle."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from genai_course.plugin.bundle import PYODIDE_VERSION, Bundle, BundleError, build_bundle
from genai_course.plugin.config import CourseConfig
from genai_course.plugin.embed import DemoError, render_demo_html
from genai_course.plugin.vendor import ensure_katex

__all__ = ["CoursePlugin"]

log = get_plugin_logger(__name__)

# A directive is a line of its own: {{ demo("attention") }}
DIRECTIVE = re.compile(r'^[ \t]*\{\{\s*(\w+)\(\s*(?:"([^"]*)")?\s*\)\s*\}\}[ \t]*$', re.MULTILINE)
ASSETS = ("runtime.js", "worker.js", "math.js", "course.css")


class CoursePlugin(BasePlugin[CourseConfig]):
    def __init__(self) -> None:
        self.bundle: Bundle | None = None
        self.katex: Path | None = None
        self.project = Path.cwd()
        self.blocks: dict[str, str] = {}

    # -- configuration and files ---------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.project = Path(config.config_file_path).resolve().parent
        cache = self.project / self.config.cache_dir
        release = os.environ.get("GENAI_PYODIDE_DIR") or self.config.pyodide_dir
        try:
            self.bundle = build_bundle(
                cache,
                self.project,
                release=Path(release) if release else None,
                self_hosted=self.config.pyodide_source == "self-hosted",
                py_compile=self.config.py_compile,
            )
            self.katex = ensure_katex(cache)
        except BundleError as error:
            raise PluginError(f"genai-course: the Pyodide bundle cannot be built. {error}") from None
        log.info(
            "Pyodide %s bundle: %s (%d files, %.1f MB)",
            PYODIDE_VERSION,
            self.config.pyodide_source,
            len(self.bundle.files),
            self.bundle.total_bytes() / 1e6,
        )
        config.extra_css[:0] = ["vendor/katex/katex.min.css", "assets/genai-course/course.css"]
        config.extra_javascript.extend(
            [
                "vendor/katex/katex.min.js",
                "vendor/katex/contrib/auto-render.min.js",
                "assets/genai-course/config.js",
                "assets/genai-course/math.js",
                "assets/genai-course/runtime.js",
            ]
        )
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.bundle is not None and self.katex is not None
        for name in self.bundle.files:
            path = self.bundle.directory / name
            files.append(File.generated(config, f"pyodide/{name}", abs_src_path=str(path)))
        for path in sorted(self.katex.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                uri = f"vendor/katex/{path.relative_to(self.katex).as_posix()}"
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
        return files

    def _runtime_config(self) -> str:
        """What the page needs to start Python: where Pyodide is, and which packages to load."""
        assert self.bundle is not None
        cdn = self.config.pyodide_source == "cdn"
        runtime = {
            "pyodideVersion": PYODIDE_VERSION,
            # relative to the site root; the runtime resolves them against its own URL
            "indexURL": self.config.pyodide_cdn_url if cdn else "pyodide/",
            "packages": ["numpy", "pyodide/" + self.bundle.course_wheel]
            if cdn
            else ["numpy", "genai-course"],
            "runTimeLimit": self.config.run_time_limit,
        }
        return f"window.__genaiCourse = {json.dumps(runtime)};\n"

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Callable[..., Any]) -> Any:
        for folder in (self.config.demos_dir, self.config.data_dir, "src/genai_course"):
            if (self.project / folder).is_dir():
                server.watch(str(self.project / folder))
        return server

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
                html = handler(argument)
            except DemoError as error:
                raise PluginError(f"{page.file.src_uri}: {error}") from None
            # keep the HTML out of Markdown's hands; it is put back in on_page_content
            key = f"GCBLOCK{len(self.blocks):05d}X"
            self.blocks[key] = html
            return f"\n{key}\n"

        return DIRECTIVE.sub(expand, markdown)

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        def restore(match: re.Match[str]) -> str:
            return self.blocks.pop(match.group(1))

        return re.sub(r"<p>(GCBLOCK\d{5}X)</p>", restore, html)

    def _directives(self) -> dict[str, Callable[[str | None], str]]:
        return {"demo": self._demo}

    def _demo(self, name: str | None) -> str:
        if not name:
            raise DemoError('demo(...) needs a name, e.g. {{ demo("attention") }}')
        return render_demo_html(name, self.project / self.config.demos_dir)
