"""Third-party browser assets served from the site itself (no CDN): KaTeX for the maths."""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path

from genai_course.plugin.bundle import BundleError, _run, sha256_of

__all__ = ["KATEX_VERSION", "ensure_katex"]

KATEX_VERSION = "0.16.22"
# sha256 of the npm tarball katex-0.16.22.tgz (npm tarballs are immutable once published)
KATEX_TARBALL_SHA256 = "e9e0d167db3175481cbadaff38e8d90b130f6a3ddb451a47e43c577fd511f365"
KATEX_FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")


def ensure_katex(cache: Path) -> Path:
    """Return a folder with KaTeX's script, stylesheet, auto-render and woff2 fonts."""
    target = cache / f"katex-{KATEX_VERSION}"
    if (target / ".complete").is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        _run(["npm", "pack", f"katex@{KATEX_VERSION}", "--silent"], cwd=Path(tmp))
        tarball = Path(tmp) / f"katex-{KATEX_VERSION}.tgz"
        if not tarball.is_file() or sha256_of(tarball) != KATEX_TARBALL_SHA256:
            raise BundleError(
                f"katex-{KATEX_VERSION}.tgz from `npm pack` is missing or does not match its "
                f"pinned sha256 {KATEX_TARBALL_SHA256}; the maths on the pages needs it."
            )
        staging = Path(tmp) / "katex"
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                name = member.name.removeprefix("package/dist/")
                wanted = name in KATEX_FILES or (
                    name.startswith("fonts/") and name.endswith(".woff2")
                )
                if member.isfile() and member.name.startswith("package/dist/") and wanted:
                    data = tar.extractfile(member)
                    assert data is not None
                    (staging / name).parent.mkdir(parents=True, exist_ok=True)
                    (staging / name).write_bytes(data.read())
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(staging, target)
    (target / ".complete").write_text(KATEX_VERSION)
    return target
