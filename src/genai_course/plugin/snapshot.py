"""The memory snapshot: Pyodide's memory right after it has started, made once with Node.js.

Restoring it in the page skips the interpreter's start-up, the largest part of a cold start
(measured on a 2-core machine: 0.5 s to restore against 2.4–3.1 s to start). It is taken from
the same verified core files the site ships (Pyodide refuses a snapshot of another build), before
any package is loaded, and shipped gzip-compressed (21 MB of memory, 5 MB on the wire); the
worker starts Python the ordinary way whenever the snapshot cannot be had.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
from importlib import resources
from pathlib import Path

__all__ = ["PRE_IMPORTS", "SnapshotError", "ensure_snapshot"]

SCRIPT = "make_snapshot.mjs"
# what Pyodide writes first in a snapshot (API.makeSnapshot in pyodide.asm.js)
MAGIC = (0x706E7300).to_bytes(4, "little")  # b"\x00snp"


# Standard-library modules imported before the snapshot is taken, so that the page does not read
# and run them from python_stdlib.zip after the restore. They are what `import numpy`,
# genai_course and the demos import (a test checks the list stays complete), plus what Pyodide's
# package loader imports when it installs a wheel: `importlib.invalidate_caches()` pulls in
# importlib.metadata and with it email and csv, about 0.5 s in the page when they were missing.
PRE_IMPORTS = [
    "__future__",
    "ast",
    "base64",
    "binascii",
    "bisect",
    "calendar",
    "collections",
    "collections.abc",
    "contextlib",
    "contextvars",
    "copy",
    "copyreg",
    "csv",
    "ctypes",
    "dataclasses",
    "datetime",
    "dis",
    "email.message",
    "email.utils",
    "encodings.cp437",
    "enum",
    "errno",
    "fnmatch",
    "functools",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "html.entities",
    "importlib.machinery",
    "importlib.metadata",
    "importlib.readers",
    "importlib.resources",
    "importlib.resources.readers",
    "importlib.util",
    "inspect",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "linecache",
    "math",
    "numbers",
    "opcode",
    "operator",
    "pathlib",
    "pickle",
    "platform",
    "quopri",
    "random",
    "re",
    "reprlib",
    "secrets",
    "shutil",
    "struct",
    "tempfile",
    "textwrap",
    "threading",
    "token",
    "tokenize",
    "traceback",
    "types",
    "typing",
    "urllib.parse",
    "warnings",
    "weakref",
    "zipfile",
    "zlib",
]


class SnapshotError(Exception):
    """The snapshot could not be made (no Node.js, or Pyodide failed under it)."""


def ensure_snapshot(cache: Path, core: Path, core_hashes: dict[str, str]) -> Path:
    """The gzip-compressed snapshot for these core files, made and cached on first use."""
    script = resources.files("genai_course.plugin").joinpath(SCRIPT).read_bytes()
    recipe = repr((sorted(core_hashes.items()), PRE_IMPORTS)).encode()
    key = hashlib.sha256(script + recipe).hexdigest()[:16]
    target = cache / f"snapshot-{key}" / "memory.bin.gz"
    if target.is_file():
        return target
    node = shutil.which("node")
    if node is None:
        raise SnapshotError("Node.js (`node`) is not installed")
    work = target.parent.with_suffix(".tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        (work / SCRIPT).write_bytes(script)
        raw = work / "memory.bin"
        try:
            subprocess.run(
                [node, str(work / SCRIPT), str(core), str(raw), " ".join(PRE_IMPORTS)],
                check=True,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.CalledProcessError as error:
            last = (error.stderr or error.stdout or "").strip().splitlines()[-3:]
            raise SnapshotError(f"Pyodide failed under Node.js: {' | '.join(last)}") from None
        except subprocess.TimeoutExpired:
            raise SnapshotError("Pyodide did not start under Node.js within 300 s") from None
        data = raw.read_bytes()
        if data[:4] != MAGIC:
            raise SnapshotError(f"{raw} is not a Pyodide memory snapshot")
        # mtime 0: the same memory gives the same file, so caches keep it
        (work / "memory.bin.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        raw.unlink()
        (work / SCRIPT).unlink()
        shutil.rmtree(target.parent, ignore_errors=True)
        work.rename(target.parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
