"""Offline use: the web app manifest, the offline page, and the service worker with the list of
the site's files.

After the build, every file of the site is listed with its size and a revision (the start of its
sha256) and that list is written into the service worker, `sw.js`, ahead of its code
(`assets/sw.js`, built on Workbox). A new build changes the list, so browsers install the new
worker, which keeps only the files of the new list. Under `mkdocs serve` there is no service
worker, so live reload sees every change at once.

The offline page (`offline/index.html`, from the template `offline.html` next to this file) is
what the worker shows for a page it can answer neither from the network nor from its copy. It is
shown at the address the learner asked for, so its links start from the site's root, as the
theme's 404 page does; the worker keeps it, and the files it loads, from its install on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment
from mkdocs.commands.build import get_context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation

__all__ = [
    "ICONS",
    "OFFLINE_PAGE",
    "THEME_COLOR",
    "OfflineManifest",
    "head_tags",
    "site_manifest",
    "web_app_manifest",
    "write_offline_page",
    "write_service_worker",
]

SERVICE_WORKER = "sw.js"
OFFLINE_PAGE = "offline/index.html"
WEB_APP_MANIFEST = "manifest.webmanifest"
# Material's indigo (the site's primary colour) and the slate background of its dark scheme
THEME_COLOR = "#3f51b5"
BACKGROUND_COLOR = "#ffffff"
# drawn as SVG; the PNGs are that SVG rendered at their size (Chromium, once)
ICONS = {"icon.svg": "any", "icon-192.png": "192x192", "icon-512.png": "512x512"}
# never saved: the worker itself, the compressed copy of the sitemap (no browser asks for it),
# source maps, and the theme's search support for other languages (the course is in English)
NOT_LISTED = {SERVICE_WORKER, "sitemap.xml.gz"}
NOT_LISTED_FOLDERS = ("assets/javascripts/lunr/",)
NOT_LISTED_ENDINGS = (".map",)
# what the theme's script fetches on every page, the offline page too (else its requests fail)
THEME_FETCHES = ("sitemap.xml", "search/search_index.json")


@dataclass(frozen=True)
class OfflineManifest:
    """Every file a learner may save, from the site root: (path, bytes, revision)."""

    build: str
    files: tuple[tuple[str, int, str], ...]
    # the offline page, then the files it loads (kept by the worker from its install on)
    offline: tuple[str, ...] = ()

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self.files)

    def as_json(self) -> str:
        listed = {"build": self.build, "totalBytes": self.total_bytes, "files": self.files}
        return json.dumps({**listed, "offline": self.offline}, separators=(",", ":"))


def _revision(data: bytes) -> str:
    # the service worker checks what it downloads against this, with the same hash
    return hashlib.sha256(data).hexdigest()[:16]


def site_manifest(site_dir: Path) -> OfflineManifest:
    """List the built site's files, sorted, with their sizes and revisions."""
    files = []
    for path in sorted(site_dir.rglob("*")):
        relative = path.relative_to(site_dir).as_posix()
        listed = not (
            relative in NOT_LISTED
            or relative.startswith(NOT_LISTED_FOLDERS)
            or relative.endswith(NOT_LISTED_ENDINGS)
        )
        if path.is_file() and listed:
            data = path.read_bytes()
            files.append((relative, len(data), _revision(data)))
    build = _revision("\n".join(f"{p} {r}" for p, _, r in files).encode())
    return OfflineManifest(build, tuple(files), _offline_page_files(site_dir, files))


def _offline_page_files(site_dir: Path, files: list[tuple[str, int, str]]) -> tuple[str, ...]:
    """The offline page and the listed files it loads (styles, scripts, icons, the theme's search
    worker and what the theme fetches; not pages)."""
    page = site_dir / OFFLINE_PAGE
    if not page.is_file():
        return ()
    listed = {path for path, _, _ in files if not path.endswith(".html")}
    loaded = {path for path in THEME_FETCHES if path in listed}
    html = page.read_text(encoding="utf-8")
    # links and scripts, and the search worker named in the theme's configuration
    for url in re.findall(r'(?:(?:href|src)=|"search":\s*)"/([^"#?]+)', html):
        # from the root of the host: the site may live under a path (that of site_url)
        parts = url.split("/")
        tails = ("/".join(parts[i:]) for i in range(len(parts)))
        loaded.update(tail for tail in tails if tail in listed)
    return (OFFLINE_PAGE, *sorted(loaded))


def write_offline_page(
    site_dir: Path, env: Environment, config: MkDocsConfig, nav: Navigation, files: Files
) -> None:
    """Write the offline page into the site, laid out by the theme like every page, with every
    URL from the root of the host (it is shown at the address of any page)."""
    base_url = urlsplit(config.site_url or "/").path
    template = resources.files("genai_course") / "plugin" / "offline.html"
    scripts = "".join(
        f'<script src="{base_url}assets/genai-course/{name}"></script>'
        for name in ("config.js", "python.js")
    )
    context = {
        **get_context(nav, files, config, base_url=base_url),
        "genai_head": scripts + head_tags(lambda uri: base_url + uri),
    }
    html = env.from_string(template.read_text(encoding="utf-8")).render(context)
    (site_dir / OFFLINE_PAGE).parent.mkdir(parents=True, exist_ok=True)
    (site_dir / OFFLINE_PAGE).write_text(html, encoding="utf-8")


def write_service_worker(site_dir: Path) -> OfflineManifest:
    """Write `sw.js` into the site: the list of its files, then the worker's code."""
    manifest = site_manifest(site_dir)
    code = (resources.files("genai_course") / "assets" / "sw.js").read_text(encoding="utf-8")
    text = f"self.__genaiCourseOffline = {manifest.as_json()};\n{code}"
    (site_dir / SERVICE_WORKER).write_text(text, encoding="utf-8")
    return manifest


def web_app_manifest(name: str, short_name: str, description: str) -> str:
    """The web app manifest; every URL in it is relative to it, so the site works under a path."""
    icons = [
        {
            "src": f"assets/genai-course/icons/{icon}",
            "sizes": sizes,
            "type": "image/svg+xml" if icon.endswith(".svg") else "image/png",
            "purpose": "any maskable" if icon.endswith(".png") else "any",
        }
        for icon, sizes in ICONS.items()
    ]
    manifest = {
        "name": name,
        "short_name": short_name,
        "description": description,
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }
    return json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"


def head_tags(url: Callable[[str], str]) -> str:
    """The <head> tags of every page: the manifest, the theme colour, the touch icon;
    `url` gives a site file's URL relative to the page."""
    return (
        f'<link rel="manifest" href="{url(WEB_APP_MANIFEST)}">'
        f'<meta name="theme-color" content="{THEME_COLOR}">'
        f'<link rel="apple-touch-icon" href="{url("assets/genai-course/icons/icon-192.png")}">'
    )
