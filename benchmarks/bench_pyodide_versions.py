"""A bare Pyodide page, two Pyodide versions in the same run (issue 25, route 3).

Serves, from one temporary folder, the site's pinned Pyodide core (the build's cache,
``.cache/pyodide-<version>/``) and another version's core unpacked from its npm package
(``npm pack pyodide@314.0.8``, then ``tar xzf``; give its ``package/`` folder with ``--other``),
each with the same bare page: ``loadPyodide()`` on the page's main thread, then a little pure
Python (standard-library imports the course's demo runner uses, and a loop). No NumPy: the
other version's NumPy wheel is not in its npm package. Loads the pages by turns — cold in fresh
browser contexts, and a second visit in a browser profile of its own — and prints the medians
(ms from navigation): Python ready, and the small program done.

    .venv/bin/python benchmarks/bench_pyodide_versions.py --other /path/to/package [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.bench_demos import new_profile  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, free_port, serve  # noqa: E402

from genai_course.plugin.bundle import PYODIDE_VERSION  # noqa: E402

CORE = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
CORE += ("pyodide-lock.json", "pyodide.mjs")
PROGRAM = (
    "import contextlib, dataclasses, hashlib, io, json, math, traceback, typing\n"
    "total = sum(i * i for i in range(200_000))\n"
    "import sys; sys.version.split()[0]"
)
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bare Pyodide</title>
<script src="pyodide.js"></script></head><body><p id="out">loading</p><script>
window.__bare = {};
(async () => {
  const pyodide = await loadPyodide({indexURL: "./"});
  window.__bare.ready = performance.now();
  const version = pyodide.runPython(PROGRAM);
  window.__bare.ran = performance.now();
  document.getElementById("out").textContent = version;
  window.__bare.version = version;
})();
</script></body></html>
"""


def visit(page: Any, url: str) -> dict[str, Any]:
    page.goto(url, wait_until="commit")
    page.wait_for_function(
        "() => window.__bare && window.__bare.ran !== undefined", timeout=180_000
    )
    return dict(page.evaluate("window.__bare"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--other", type=Path, required=True, help="unpacked npm package/ folder")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    other_version = json.loads((args.other / "package.json").read_text())["version"]
    sources = {
        PYODIDE_VERSION: ROOT / ".cache" / f"pyodide-{PYODIDE_VERSION}",
        other_version: args.other,
    }
    with tempfile.TemporaryDirectory(prefix="bench-versions-") as folder:
        for version, source in sources.items():
            target = Path(folder) / version
            target.mkdir()
            for name in CORE:
                if (source / name).is_file():
                    shutil.copy2(source / name, target / name)
            (target / "index.html").write_text(PAGE.replace("PROGRAM", json.dumps(PROGRAM)))
        server = serve(Path(folder), free_port())
        cold: dict[str, list[dict[str, Any]]] = {v: [] for v in sources}
        again: dict[str, list[dict[str, Any]]] = {v: [] for v in sources}
        executable = shutil.which("chromium") or shutil.which("chromium-browser")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            for _ in range(args.runs):
                for version in sources:
                    url = f"{server.url}{version}/index.html"
                    context = browser.new_context()
                    cold[version].append(visit(context.new_page(), url))
                    context.close()
                    with new_profile(playwright) as profile:
                        visit(profile.new_page(), url)
                        # what the browser writes after a visit has the time to be written
                        profile.pages[0].wait_for_timeout(2000)
                        again[version].append(visit(profile.new_page(), url))
            browser.close()
        server.httpd.shutdown()
    print(f"\nbare Pyodide page, medians of {args.runs} runs (ms from navigation)")
    print(
        f"{'version':12} {'Python':>8} {'cold ready':>11} {'cold ran':>9}"
        f" {'2nd ready':>10} {'2nd ran':>8}"
    )
    for version in sources:
        c, a = cold[version], again[version]
        print(
            f"{version:12} {c[0]['version']:>8} {statistics.median(r['ready'] for r in c):11.0f}"
            f" {statistics.median(r['ran'] for r in c):9.0f}"
            f" {statistics.median(r['ready'] for r in a):10.0f}"
            f" {statistics.median(r['ran'] for r in a):8.0f}"
        )


if __name__ == "__main__":
    main()
