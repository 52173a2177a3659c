"""Offline use: the web app manifest, and the service worker with the list of the site's files.

After the build, every file of the site is listed with its size and a revision (the start of its
sha256) and that list is written into the service worker, `sw.js`, ahead of its code
(`assets/sw.js`, built on Workbox). A new build changes the list, so browsers install the new
worker, which keeps only the files of the new list. Under `mkdocs serve` there is no service
worker, so live reload sees every change at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = [
    "ICONS",
    "THEME_COLOR",
    "OfflineManifest",
    "head_tags",
    "site_manifest",
    "web_app_manifest",
    "write_service_worker",
]

SERVICE_WORKER = "sw.js"
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


@dataclass(frozen=True)
class OfflineManifest:
    """Every file a learner may save, from the site root: (path, bytes, revision)."""

    build: str
    files: tuple[tuple[str, int, str], ...]

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self.files)

    def as_json(self) -> str:
        return json.dumps(
            {"build": self.build, "totalBytes": self.total_bytes, "files": self.files},
            separators=(",", ":"),
        )


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
    return OfflineManifest(build, tuple(files))


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
