"""The Pyodide bundle: verified files, a lock Pyodide accepts, clear messages when one is wrong."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from genai_course.plugin import bundle, snapshot
from genai_course.plugin.bundle import (
    CORE_SHA256,
    NUMPY_WHEEL,
    PYODIDE_VERSION,
    BundleError,
    build_bundle,
    ensure_official_files,
    sha256_of,
)

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "genai-course"


@pytest.fixture(scope="module")
def official() -> Path:
    """The verified official files (fetched once into the project's cache)."""
    return ensure_official_files(CACHE, release=None)


def test_official_files_match_pinned_hashes(official: Path) -> None:
    for name, expected in CORE_SHA256.items():
        assert sha256_of(official / name) == expected
    lock = json.loads((official / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == PYODIDE_VERSION
    assert lock["packages"]["numpy"]["version"] == "2.0.2"
    assert sha256_of(official / NUMPY_WHEEL) == lock["packages"]["numpy"]["sha256"]
    # the value the foundation issue quotes from the official lock
    assert lock["packages"]["numpy"]["sha256"] == (
        "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"
    )


def test_release_folder_with_a_tampered_file_is_refused(official: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    for name in CORE_SHA256:
        shutil.copy2(official / name, release / name)
    with (release / "pyodide.asm.wasm").open("ab") as wasm:
        wasm.write(b"\0")
    with pytest.raises(BundleError) as error:
        ensure_official_files(tmp_path / "cache", release=release)
    message = str(error.value)
    assert "pyodide.asm.wasm" in message
    assert "does not match the official Pyodide 0.27.7 release" in message
    assert "GENAI_PYODIDE_DIR" in message  # says how to provide the right file


def test_release_folder_missing_a_file_says_which(official: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    shutil.copy2(official / "pyodide.js", release / "pyodide.js")
    with pytest.raises(BundleError, match=r"pyodide\.asm\.js is missing"):
        ensure_official_files(tmp_path / "cache", release=release)


def test_unreachable_source_stops_with_how_to_provide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no npm on PATH: the build cannot fetch the core files and must say what to do instead
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BundleError) as error:
        ensure_official_files(tmp_path / "empty-cache", release=None)
    message = str(error.value)
    assert "`npm` is not installed" in message
    assert "pyodide-0.27.7.tar.bz2" in message and "pyodide_source: cdn" in message


def test_cached_core_file_corrupted_later_is_caught(official: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(official, cache / f"pyodide-{PYODIDE_VERSION}")
    (cache / f"pyodide-{PYODIDE_VERSION}" / "python_stdlib.zip").write_bytes(b"not a zip")
    with pytest.raises(BundleError, match=r"python_stdlib\.zip"):
        ensure_official_files(cache, release=None)


def test_bundle_ships_only_what_the_site_needs(official: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(official, cache / f"pyodide-{PYODIDE_VERSION}")
    built = build_bundle(cache, ROOT, release=None, self_hosted=True, py_compile=True)
    names = set(built.files)
    core = {n for n in CORE_SHA256}
    assert core <= names and NUMPY_WHEEL in names
    assert names - core - {NUMPY_WHEEL} == {built.course_wheel}
    lock = json.loads((built.directory / "pyodide-lock.json").read_text())
    # Pyodide refuses a lock whose info.version differs from its own
    assert lock["info"]["version"] == PYODIDE_VERSION
    assert set(lock["packages"]) == {"numpy", "genai-course"}
    course = lock["packages"]["genai-course"]
    assert course["file_name"] == built.course_wheel
    assert course["sha256"] == sha256_of(built.directory / built.course_wheel)
    assert course["imports"] == ["genai_course"]
    assert course["depends"] == ["numpy"]
    # NumPy ships compiled: the lock names the shipped wheel, whose libraries are the official ones
    shipped = built.directory / NUMPY_WHEEL
    assert lock["packages"]["numpy"]["sha256"] == sha256_of(shipped)
    with zipfile.ZipFile(shipped) as ours, zipfile.ZipFile(official / NUMPY_WHEEL) as theirs:
        names = set(ours.namelist())
        assert "numpy/__init__.pyc" in names and "numpy/__init__.py" not in names
        libraries = [n for n in theirs.namelist() if n.endswith(".so")]
        assert len(libraries) == 19
        assert all(ours.read(n) == theirs.read(n) for n in libraries)
    # a second build with nothing changed reuses the bundle instead of rebuilding it
    again = build_bundle(cache, ROOT, release=None, self_hosted=True, py_compile=True)
    assert again == built


def test_memory_snapshot_is_made_once_from_the_shipped_core(official: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(official, cache / f"pyodide-{PYODIDE_VERSION}")
    built = build_bundle(cache, ROOT, release=None, self_hosted=True, snapshot=True)
    assert built.snapshot is not None and built.snapshot in built.files
    memory = gzip.decompress((built.directory / built.snapshot).read_bytes())
    assert memory[:4] == snapshot.MAGIC
    # Pyodide refuses a snapshot of another build: it carries the BUILD_ID of pyodide.asm.js
    build_id = re.search(r'BUILD_ID:"([0-9a-f]{64})"', (official / "pyodide.js").read_text())
    assert build_id is not None
    # the 64 hex digits are kept as eight 32-bit words after a 16-byte header
    words = struct.unpack("<8I", memory[16:48])
    assert "".join(f"{w:08x}" for w in words) == build_id.group(1)
    cached = list(cache.glob("snapshot-*/memory.bin.gz"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    shutil.rmtree(cache / "bundle")
    again = build_bundle(cache, ROOT, release=None, self_hosted=True, snapshot=True)
    assert again.snapshot == built.snapshot and cached[0].stat().st_mtime_ns == stamp


def _modules_after(code: str) -> set[str]:
    """sys.modules after running `code` in a fresh CPython (the same 3.12 as Pyodide's)."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_snapshot_holds_every_standard_module_the_page_imports(official: Path) -> None:
    """A module missing from the snapshot is read and run from python_stdlib.zip on every visit
    (ctypes, zipfile and importlib.metadata cost about 0.5 s together). CPython imports what
    Pyodide does closely enough to catch a new import in NumPy, genai_course or a demo."""
    stdlib = set(zipfile.ZipFile(official / "python_stdlib.zip").namelist())

    def in_pyodide_stdlib(module: str) -> bool:
        stem = module.replace(".", "/")
        return any(stem + end in stdlib for end in (".py", ".pyc", "/__init__.py", "/__init__.pyc"))

    snapshotted = _modules_after(
        "import importlib\n"
        f"for name in {snapshot.PRE_IMPORTS!r}:\n"
        "    try:\n        importlib.import_module(name)\n    except ImportError:\n        pass"
    )
    used = _modules_after(
        "import importlib, json, pathlib\n"
        "import numpy, genai_course.demo\n"
        "importlib.invalidate_caches()  # what Pyodide's package loader does after an install\n"
        "for path in sorted(pathlib.Path('demos').glob('*.py')):\n"
        "    result = json.loads(genai_course.demo.run_demo(path.read_text(), path.stem, {}))\n"
        "    assert result['ok'], result['traceback']"
    )
    assert len(used) > len(snapshotted) > 150  # both ran: NumPy alone brings 100 modules
    missing = sorted(m for m in used - snapshotted if in_pyodide_stdlib(m))
    assert missing == [], f"add to snapshot.PRE_IMPORTS: {missing}"


def test_without_node_the_site_is_built_without_a_snapshot(
    official: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(official, cache / f"pyodide-{PYODIDE_VERSION}")
    monkeypatch.setattr(snapshot.shutil, "which", lambda name: None)
    built = build_bundle(cache, ROOT, release=None, self_hosted=True, snapshot=True)
    assert built.snapshot is None and not any(n.startswith("memory-") for n in built.files)
    assert "no memory snapshot (Node.js (`node`) is not installed)" in caplog.text
    with pytest.raises(snapshot.SnapshotError, match="not installed"):
        snapshot.ensure_snapshot(cache, cache / f"pyodide-{PYODIDE_VERSION}", CORE_SHA256)
    # once Node.js is there, the next build makes the snapshot instead of reusing the bundle
    monkeypatch.undo()
    again = build_bundle(cache, ROOT, release=None, self_hosted=True, snapshot=True)
    assert again.snapshot is not None and again.snapshot in again.files


def test_cdn_mode_ships_only_the_course_wheel(official: Path, tmp_path: Path) -> None:
    built = build_bundle(tmp_path / "cache", ROOT, release=None, self_hosted=False)
    assert built.files == (built.course_wheel,)
    assert built.course_wheel.endswith("-py3-none-any.whl")


def test_messages_name_the_pinned_version() -> None:
    assert "pyodide@0.27.7" in bundle.HOW_TO_PROVIDE


def test_the_page_is_told_each_wheel_with_the_hash_of_the_file_shipped(built_site: Path) -> None:
    text = (built_site / "assets" / "genai-course" / "config.js").read_text()
    config = json.loads(text.removeprefix("window.__genaiCourse = ").rstrip().removesuffix(";"))
    assert [wheel["name"] for wheel in config["wheels"]] == ["numpy", "genai-course"]
    for wheel in config["wheels"]:
        shipped = built_site / wheel["url"]
        digest = base64.b64encode(bytes.fromhex(sha256_of(shipped))).decode()
        assert wheel["integrity"] == f"sha256-{digest}", wheel
    unzipper = built_site / config["unzipScript"]
    assert unzipper.read_text().count("unzipSync") >= 1  # fflate's browser build, served here
    assert "MIT License" in (unzipper.parent / "LICENSE").read_text()
