"""The code editor: CodeMirror 6 from npm, bundled by esbuild into one script at build time.

The npm project in ``assets/editor/`` pins every package exactly; its ``package-lock.json``
carries the integrity hash of each tarball, which ``npm ci`` checks. The bundle (one IIFE file,
``vendor/codemirror/editor.js``) and the licences of the packages in it are made once into the
cache, keyed by the sha256 of the project's files, and served from the site itself. Without
Node.js/npm, or when the bundle cannot be made, the build warns and the pages keep the plain
text box (``runtime.js`` attaches the editor only when the script has defined it).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from mkdocs.plugins import get_plugin_logger

__all__ = ["EDITOR_PROJECT", "EDITOR_SCRIPT", "EditorError", "add_editor", "ensure_editor"]

log = get_plugin_logger(__name__)

EDITOR_PROJECT = Path(__file__).resolve().parents[1] / "assets" / "editor"
PROJECT_FILES = ("package.json", "package-lock.json", "entry.js")
EDITOR_SCRIPT = "vendor/codemirror/editor.js"
# the script must be defined before the runtime mounts the demos
ESBUILD = [
    "--bundle",
    "--format=iife",
    "--minify",
    "--target=es2020",
    "--charset=utf8",
    "--legal-comments=none",
    "--metafile=meta.json",
    "--outfile=editor.js",
    "--banner:js=/*! CodeMirror 6 and Lezer (MIT, Marijn Haverbeke and others), bundled for "
    "genai-course; versions and licences in LICENSE.txt next to this file */",
]
LICENCES = {"MIT"}


class EditorError(Exception):
    """The editor bundle cannot be made here (no Node.js/npm, no registry, a failed step)."""


def _run(command: list[str], cwd: Path) -> None:
    try:
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        raise EditorError(f"`{command[0]}` is not installed") from None
    except subprocess.CalledProcessError as error:
        last = (error.stderr or error.stdout or "").strip().splitlines()[-3:]
        raise EditorError(f"`{' '.join(command)}` failed: {' | '.join(last)}") from None
    except subprocess.TimeoutExpired:
        raise EditorError(f"`{' '.join(command)}` timed out") from None


def _key(project: Path) -> str:
    digest = hashlib.sha256(" ".join(ESBUILD).encode())
    for name in PROJECT_FILES:
        digest.update(name.encode() + b"\0" + (project / name).read_bytes())
    return digest.hexdigest()[:16]


def _bundled_packages(work: Path) -> list[tuple[str, Path]]:
    """(name, folder) of every npm package with code in the bundle, from esbuild's metafile."""
    meta = json.loads((work / "meta.json").read_text())
    names: set[str] = set()
    for source, entry in meta["outputs"]["editor.js"]["inputs"].items():
        found = re.search(r"node_modules/((?:@[^/]+/)?[^/]+)/", source)
        if found and entry["bytesInOutput"] > 0:
            names.add(found.group(1))
    return [(name, work / "node_modules" / name) for name in sorted(names)]


def _licences(work: Path) -> str:
    """One text with the name, version, licence and licence text of each bundled package."""
    parts = []
    for name, folder in _bundled_packages(work):
        manifest = json.loads((folder / "package.json").read_text())
        licence = manifest.get("license")
        if licence not in LICENCES:
            raise EditorError(f"{name} is under {licence!r}, not a licence the site accepts")
        texts = sorted(folder.glob("LICEN[CS]E*"))
        if not texts:
            raise EditorError(f"{name}@{manifest['version']} ships no LICENSE file")
        parts.append(
            f"{name}@{manifest['version']} ({licence})\n{'-' * 72}\n"
            f"{texts[0].read_text(encoding='utf-8').strip()}\n"
        )
    header = (
        "The code editor of this site (editor.js) is bundled by esbuild from these npm packages, "
        "at these exact versions.\n\n"
    )
    return header + "\n\n".join(parts)


def ensure_editor(cache: Path, project: Path = EDITOR_PROJECT) -> Path:
    """Return a folder with ``editor.js`` and ``LICENSE.txt``, building them once per project
    state (``npm ci`` checks every tarball against the lockfile, then esbuild bundles)."""
    target = cache / f"codemirror-{_key(project)}"
    if (target / ".complete").is_file():
        return target
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="genai-editor-") as tmp:
        work = Path(tmp)
        for name in PROJECT_FILES:
            shutil.copy2(project / name, work / name)
        # no install scripts: esbuild finds its platform binary without its postinstall step
        _run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work)
        _run(["node", "node_modules/esbuild/bin/esbuild", "entry.js", *ESBUILD], cwd=work)
        licences = _licences(work)
        staging = work / "out"
        staging.mkdir()
        shutil.copy2(work / "editor.js", staging / "editor.js")
        (staging / "LICENSE.txt").write_text(licences, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(staging, target)
    (target / ".complete").write_text(f"{time.perf_counter() - started:.1f} s\n")
    # bundles of older project states are never used again
    for old in cache.glob("codemirror-*"):
        if old != target and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    log.info(
        "code editor bundled in %.1f s: %s (%d KB)",
        time.perf_counter() - started,
        EDITOR_SCRIPT,
        (target / "editor.js").stat().st_size // 1024,
    )
    return target


def add_editor(cache: Path, project: Path = EDITOR_PROJECT) -> Path | None:
    """Bundle the editor (the page loads it when it is wanted: python.js, ``loadEditor``); warn
    and return None when it cannot be made, so that the pages keep the plain text box."""
    try:
        folder = ensure_editor(cache, project)
    except (EditorError, OSError) as error:
        log.warning(
            "genai-course: no code editor (%s); the pages keep the plain text box. "
            "Install Node.js and npm, or set code_editor: false to silence this.",
            error,
        )
        return None
    return folder
