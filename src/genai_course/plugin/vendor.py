"""Third-party browser assets served from the site itself (no CDN), each from its npm tarball
pinned by sha256: Temml and the STIX Two Math font for the maths, fflate to unzip the wheels in
the Python worker, Workbox for the service worker, DOMPurify to clean the figures' markup that
Python returns."""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from genai_course.plugin.bundle import BundleError, _run, sha256_of

__all__ = [
    "DOMPURIFY_VERSION",
    "FFLATE_VERSION",
    "STIX_MATH_VERSION",
    "TEMML_VERSION",
    "WORKBOX_VERSION",
    "ensure_dompurify",
    "ensure_fflate",
    "ensure_temml",
    "ensure_workbox",
]

# Temml turns TeX into MathML, which every current browser lays out itself (MathML Core): one
# <math> element tree per formula, where KaTeX drew each formula with about three times the
# elements (spans for what is seen, and a hidden MathML copy for screen readers)
TEMML_VERSION = "0.13.5"
# sha256 of the npm tarball temml-0.13.5.tgz (npm tarballs are immutable once published)
TEMML_TARBALL_SHA256 = "bca5b76dd26d1d6c81f8d817f6cc8bf0f0a1a7787512e281d5c22b986f8ae582"
# the font the formulas are set in, with the OpenType MATH table that MathML layout needs
# (stretchy brackets, radicals, script sizes): STIX Two Math, from Fontsource's npm package
STIX_MATH_VERSION = "5.3.0"
STIX_MATH_TARBALL_SHA256 = "948de1b5470fbbd745fedbe6135797454fe833d94feecc6f2073cd771fe2f5fd"

FFLATE_VERSION = "0.8.3"
FFLATE_TARBALL_SHA256 = "38c2cd824402407b43153c782274aec2ea83ea688e4aa0b743c5f2c305857d92"

DOMPURIFY_VERSION = "3.4.18"
DOMPURIFY_TARBALL_SHA256 = "8b86f79c6481fec23dd81d4de32179422668912ed033c0c47e786a6e70cb3379"

# Workbox, for the service worker (offline use): its loader and the three modules the worker uses
WORKBOX_VERSION = "7.4.1"
WORKBOX_TARBALL_SHA256 = {
    "workbox-sw": "51af0a083e27e8fba3177f4767d92c12b00e02c921481d0ec6cc0c54937ee519",
    "workbox-core": "19f37bead638ef44747b32893ec4f73e1cac1db940f3083917c3ad91525e750d",
    "workbox-routing": "0ed2d18a95cd05beae8fd9cd87974b9c67c2ab74ad417d624710c847a6a9fbd1",
    "workbox-strategies": "0cd8c08f989cdabda11f713302a7d35cfa236087994540a17866c6d66cfa6adc",
}


def _ensure_npm_package(
    cache: Path,
    name: str,
    version: str,
    tarball_sha256: str,
    purpose: str,
    select: Callable[[str], str | None],
) -> Path:
    """Unpack the files of `name@version` that `select` maps to a path (package-relative name in,
    path in the result out, None to skip) into a cached folder, and return the folder."""
    # a scoped package (@scope/name) is packed as scope-name-version.tgz
    packed = f"{name.removeprefix('@').replace('/', '-')}-{version}"
    target = cache / packed
    if (target / ".complete").is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        _run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=Path(tmp))
        tarball = Path(tmp) / f"{packed}.tgz"
        if not tarball.is_file() or sha256_of(tarball) != tarball_sha256:
            raise BundleError(
                f"{packed}.tgz from `npm pack` is missing or does not match its "
                f"pinned sha256 {tarball_sha256}; {purpose} needs it."
            )
        staging = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                wanted = select(member.name.removeprefix("package/"))
                if member.isfile() and wanted:
                    data = tar.extractfile(member)
                    assert data is not None
                    (staging / wanted).parent.mkdir(parents=True, exist_ok=True)
                    (staging / wanted).write_bytes(data.read())
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(staging, target)
    (target / ".complete").write_text(version)
    return target


def ensure_temml(cache: Path) -> Path:
    """Return a folder with Temml's browser build (temml.min.js, global `temml`), its stylesheet
    for STIX Two Math (temml.css), the font (STIXTwoMath.woff2) and the licences."""
    temml = _ensure_npm_package(
        cache,
        "temml",
        TEMML_VERSION,
        TEMML_TARBALL_SHA256,
        "the maths on the pages",
        {
            "dist/temml.min.js": "temml.min.js",
            "dist/Temml-STIX2.css": "temml.css",
            "LICENSE": "LICENSE",
        }.get,
    )
    font = _ensure_npm_package(
        cache,
        "@fontsource/stix-two-math",
        STIX_MATH_VERSION,
        STIX_MATH_TARBALL_SHA256,
        "the maths on the pages",
        {
            # the whole font, whatever the file's name says (Fontsource's CSS limits it to Latin)
            "files/stix-two-math-latin-400-normal.woff2": "STIXTwoMath.woff2",
            "LICENSE": "LICENSE-STIXTwoMath",
        }.get,
    )
    target = cache / f"temml-{TEMML_VERSION}-stix-{STIX_MATH_VERSION}"
    if not (target / ".complete").is_file():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(temml, target, ignore=shutil.ignore_patterns(".complete"))
        for name in ("STIXTwoMath.woff2", "LICENSE-STIXTwoMath"):
            shutil.copy2(font / name, target / name)
        (target / ".complete").write_text(target.name)
    return target


def ensure_fflate(cache: Path) -> Path:
    """Return a folder with fflate's browser build (fflate.js, global `fflate`) and its licence."""
    files = {"umd/index.js": "fflate.js", "LICENSE": "LICENSE"}
    return _ensure_npm_package(
        cache,
        "fflate",
        FFLATE_VERSION,
        FFLATE_TARBALL_SHA256,
        "the Python worker's wheel installer",
        files.get,
    )


def ensure_dompurify(cache: Path) -> Path:
    """Return a folder with DOMPurify's browser build (purify.min.js, global `DOMPurify`) and its
    licences (Apache-2.0 or MPL-2.0)."""
    files = {
        "dist/purify.min.js": "purify.min.js",
        "LICENSE": "LICENSE",
        "LICENSE-MPL": "LICENSE-MPL",
    }
    return _ensure_npm_package(
        cache,
        "dompurify",
        DOMPURIFY_VERSION,
        DOMPURIFY_TARBALL_SHA256,
        "cleaning the figures' markup",
        files.get,
    )


def ensure_workbox(cache: Path) -> dict[str, Path]:
    """Return, per Workbox package, a folder with its production build and its licence
    (`workbox-sw.js` for the loader, `<package>.prod.js` for the modules)."""
    folders = {}
    for name, tarball_sha256 in WORKBOX_TARBALL_SHA256.items():
        script = "workbox-sw.js" if name == "workbox-sw" else f"{name}.prod.js"
        files = {f"build/{script}": script, "LICENSE": "LICENSE"}
        folders[name] = _ensure_npm_package(
            cache, name, WORKBOX_VERSION, tarball_sha256, "the offline service worker", files.get
        )
    return folders
