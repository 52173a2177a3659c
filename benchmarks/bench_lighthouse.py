"""Page speed as Lighthouse scores it, and the main thread's long tasks while a page loads
(issue 25, route 5).

Builds the site (or takes --site), serves it on 127.0.0.1 compressing text with gzip, as a host
does (README, "Deploying"), and:

- runs Lighthouse (npm, pinned in benchmarks/lighthouse/package-lock.json and installed there by
  `npm ci` on first use) with Debian's Chromium, mobile and desktop profiles, on the home page
  and every demo page: the four scores, first and largest contentful paint, total blocking time,
  when each run's first contentful paint was really shown (not simulated),
  the DOM's size and the render-blocking resources;
- records a Chromium performance trace of a cold load of one page (--trace-page, the attention
  page) until its demo is mounted and Python's worker has started, and prints every main-thread
  task over 50 ms: when, how long, and what it spent its time on (script URL and function,
  layout, style, parsing, garbage collection).

    .venv/bin/python benchmarks/bench_lighthouse.py [--site DIR] [--runs 1] [--pages ...]
"""

from __future__ import annotations

import argparse
import bisect
import functools
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.bench_demos import DEMOS, LOCAL_ONLY, OUT, build  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, _QuietHandler, _QuietServer, free_port  # noqa: E402

LIGHTHOUSE = ROOT / "benchmarks" / "lighthouse"
PAGES = ["", *dict.fromkeys(spec["page"] for spec in DEMOS.values())]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# what a host compresses (deploy/apache/.htaccess, deploy/nginx): text, not the wheels, the
# snapshot, fonts or images, which are compressed already
COMPRESSED = {
    ".html",
    ".css",
    ".js",
    ".mjs",
    ".json",
    ".webmanifest",
    ".xml",
    ".svg",
    ".txt",
    ".ics",
    ".wasm",
}
TRACE_CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.stack",
    "v8.execute",
    "v8",
    "blink.user_timing",
    "loading",
    "toplevel",
]


class _GzipHandler(_QuietHandler):
    """The tests' static server, with gzip for text when the browser accepts it."""

    cache: dict[str, bytes] = {}  # noqa: RUF012  (one site per run)
    lock = threading.Lock()

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir() and urlsplit(self.path).path.endswith("/"):
            path = path / "index.html"
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and path.is_file() and path.suffix in COMPRESSED):
            return super().send_head()  # and a folder's address without its "/" is redirected
        key = str(path)
        with self.lock:
            body = self.cache.get(key)
            if body is None:
                body = gzip.compress(path.read_bytes(), compresslevel=6)
                self.cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def serve_gzip(root: Path, port: int) -> _QuietServer:
    handler = functools.partial(_GzipHandler, directory=str(root))
    httpd = _QuietServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def ensure_lighthouse() -> Path:
    """Lighthouse at the version and integrity of package-lock.json (npm ci once per lock)."""
    stamp = LIGHTHOUSE / "node_modules" / ".lock-stamp"
    lock = (LIGHTHOUSE / "package-lock.json").read_bytes()
    want = hashlib.sha256(lock).hexdigest()[:16]
    if not stamp.is_file() or stamp.read_text().strip() != want:
        if shutil.which("npm") is None:
            sys.exit("npm is needed for Lighthouse (apt-get install npm)")
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=LIGHTHOUSE,
            check=True,
        )
        stamp.write_text(want)
    return LIGHTHOUSE / "node_modules" / "lighthouse" / "cli" / "index.js"


def lighthouse(cli: Path, url: str, preset: str, chromium: str) -> dict[str, Any]:
    """One Lighthouse run; the figures of the table."""
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as folder:
        report = Path(folder) / "report.json"
        flags = " ".join(["--headless=new", *CHROMIUM_ARGS, LOCAL_ONLY.replace(" ", "")])
        command = [
            "node",
            str(cli),
            url,
            "--output=json",
            f"--output-path={report}",
            "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={flags}",
        ]
        if preset == "desktop":
            command.append("--preset=desktop")
        subprocess.run(
            command,
            check=True,
            env={**os.environ, "CHROME_PATH": chromium, "TMPDIR": folder},
            timeout=300,
        )
        data = json.loads(report.read_text())
    audits = data["audits"]
    blocking = audits.get("render-blocking-resources", {}).get("details", {}).get("items", [])
    return {
        **{c: round(100 * (data["categories"][c]["score"] or 0)) for c in CATEGORIES},
        "fcp": audits["first-contentful-paint"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "tbt": audits["total-blocking-time"]["numericValue"],
        "dom": audits["dom-size"]["numericValue"],
        # when the browser showed the first contentful paint in this run (not simulated): on this
        # machine it is about 250 ms in some runs and 1,200 ms in others, with the page painted at
        # about 250 ms in both; a late one drags the simulated LCP and the score down
        "paint": audits["metrics"]["details"]["items"][0]["observedFirstContentfulPaint"],
        "blocking": [
            f"{urlsplit(item['url']).path.rsplit('/', 1)[-1]}({item.get('wastedMs', 0):.0f})"
            for item in blocking
        ],
    }


def print_lighthouse(rows: list[tuple[str, str, dict[str, Any]]]) -> None:
    print(
        f"{'page':28} {'profile':7} {'perf':>4} {'a11y':>4} {'bp':>4} {'seo':>4} "
        f"{'FCP':>6} {'LCP':>6} {'TBT':>6} {'DOM':>5}  {'shown (each run)':16} "
        "render-blocking (est. ms)"
    )
    for page, preset, r in rows:
        print(
            f"{page or '(home)':28} {preset:7} {r['performance']:4} {r['accessibility']:4} "
            f"{r['best-practices']:4} {r['seo']:4} {r['fcp']:5.0f}ms {r['lcp']:5.0f}ms "
            f"{r['tbt']:5.0f}ms {r['dom']:5.0f}  {r.get('paints', '-'):16} "
            f"{' '.join(r['blocking']) or '-'}"
        )


# -- the trace ---------------------------------------------------------------------------------

SCRIPT_EVENTS = {
    "EvaluateScript",
    "v8.compile",
    "v8.compileModule",
    "FunctionCall",
    "v8.evaluateModule",
}
LABELS = {
    "Layout": "layout",
    "UpdateLayoutTree": "style",
    "ParseHTML": "parse HTML",
    "ParseAuthorStyleSheet": "parse CSS",
    "Paint": "paint",
    "PrePaint": "paint",
    "Layerize": "paint",
    "HitTest": "hit test",
    "IntersectionObserverController::computeIntersections": "intersection observer",
    "MajorGC": "GC",
    "MinorGC": "GC",
    "V8.GC_SCAVENGER": "GC",
    "V8.GCFinalizeMC": "GC",
    "BlinkGC.AtomicPhase": "GC",
}


_BASE64 = {
    c: i for i, c in enumerate(string.ascii_uppercase + string.ascii_lowercase + "0123456789+/")
}


def _vlq(segment: str) -> list[int]:
    values, value, shift = [], 0, 0
    for char in segment:
        digit = _BASE64[char]
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
        else:
            values.append(-(value >> 1) if value & 1 else value >> 1)
            value = shift = 0
    return values


class SourceMap:
    """Where a place in the theme's minified script comes from (its source map)."""

    def __init__(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.sources: list[str] = data["sources"]
        self.lines: list[list[tuple[int, int, int]]] = []
        source = line = 0
        for generated in data["mappings"].split(";"):
            column, segments = 0, []
            for segment in filter(None, generated.split(",")):
                v = _vlq(segment)
                column += v[0]
                if len(v) >= 4:
                    source, line = source + v[1], line + v[2]
                    segments.append((column, source, line))
            self.lines.append(segments)

    def where(self, line: int, column: int) -> str:
        """`line`, `column` from 0 -> "components/palette/index.ts:186"."""
        segments = self.lines[line] if line < len(self.lines) else []
        i = bisect.bisect_right([s[0] for s in segments], column) - 1
        if i < 0:
            return "?"
        _, source, source_line = segments[i]
        name = self.sources[source].split("javascripts/")[-1].replace("node_modules/", "")
        return f"{name}:{source_line + 1}"


def _forced_by(event: dict[str, Any], theme: SourceMap | None) -> str:
    """What forced a style or layout computation, from the script's stack: the first of the
    course's frames, or the theme's source (through its source map), or ""."""
    stack = (event.get("args", {}).get("beginData") or {}).get("stackTrace") or []
    for frame in stack:
        url = frame.get("url", "")
        if "/javascripts/bundle." in url and theme is not None:
            place = theme.where(frame["lineNumber"] - 1, frame["columnNumber"] - 1)
            if "rxjs/" not in place:
                return place
        elif url and "/javascripts/bundle." not in url:
            return f"{urlsplit(url).path.rsplit('/', 1)[-1]}:{frame['lineNumber']}"
    return ""


def _label(event: dict[str, Any], theme: SourceMap | None = None) -> str | None:
    name = event["name"]
    data = event.get("args", {}).get("data", {}) or {}
    if name in ("UpdateLayoutTree", "Layout"):
        forced = _forced_by(event, theme)
        kind = "style" if name == "UpdateLayoutTree" else "layout"
        return f"{kind} forced by {forced}" if forced else kind
    if name in SCRIPT_EVENTS:
        url = data.get("url") or data.get("scriptName") or ""
        base = urlsplit(url).path.rsplit("/", 1)[-1] or ("inline" if url == "" else url)
        func = data.get("functionName")
        return f"{base}{':' + func if func else ''}"
    if name == "EventDispatch":
        return f"event {data.get('type', '?')}"
    if name in ("TimerFire", "FireAnimationFrame", "FireIdleCallback"):
        return None  # the script inside names it
    if name.startswith("V8.GC") or "GC" in name.split(".")[0]:
        return "GC"
    return LABELS.get(name)


def long_tasks(
    trace: dict[str, Any], over: float = 50.0, theme: SourceMap | None = None
) -> list[tuple[float, float, str]]:
    """The main thread's tasks over `over` ms: (start, duration, causes) in ms, start from the
    navigation. A style or layout computation a script forced is named by the script's place."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
        and e["args"].get("name") == "CrRendererMain"
    }  # fmt: skip
    by_thread: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if (e.get("pid"), e.get("tid")) in mains and e.get("ph") == "X" and "dur" in e:
            by_thread[(e["pid"], e["tid"])].append(e)
    navigation = min((e["ts"] for e in events if e.get("name") == "navigationStart"), default=None)
    # the page's thread: the one with the most busy time
    thread = max(
        by_thread, key=lambda k: sum(e["dur"] for e in by_thread[k] if e["name"] == "RunTask")
    )
    spans = sorted(by_thread[thread], key=lambda e: (e["ts"], -e["dur"]))
    if navigation is None:
        navigation = spans[0]["ts"]
    result = []
    tasks = [e for e in spans if e["name"] == "RunTask" and e["dur"] > over * 1000]
    for task in tasks:
        end = task["ts"] + task["dur"]
        inside = [
            e
            for e in spans
            if task["ts"] <= e["ts"] and e["ts"] + e["dur"] <= end and e is not task
        ]
        # self time of each event, given to the innermost labelled event around it
        stack: list[tuple[dict[str, Any], str]] = []
        spent: dict[str, float] = defaultdict(float)
        spent["(other)"] = task["dur"]
        for e in inside:
            while stack and stack[-1][0]["ts"] + stack[-1][0]["dur"] <= e["ts"]:
                stack.pop()
            parent = stack[-1][1] if stack else "(other)"
            # an event of no known kind inside no known one is named by its own name
            label = _label(e, theme) or (parent if parent != "(other)" else f"({e['name']})")
            spent[parent] -= e["dur"]
            spent[label] += e["dur"]
            stack.append((e, label))
        top = sorted(((v, k) for k, v in spent.items() if v > 1000), reverse=True)[:5]
        causes = ", ".join(f"{k} {v / 1000:.0f}" for v, k in top)
        result.append(((task["ts"] - navigation) / 1000, task["dur"] / 1000, causes))
    return result


# When the page's first demo is mounted (runtime.js marks it data-mounted) and when Python's
# worker starts (python.js says so on the document), told on the console: waiting with Playwright's
# wait_for_function would run its own script in the page, a long task of its own.
MOUNTED = """
new MutationObserver((changes, observer) => {
  if (changes.some((c) => c.target.matches && c.target.matches(".gc-demo[data-mounted]"))) {
    window.__mounted = performance.now();
    observer.disconnect();
    console.debug("bench:mounted");
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-mounted"]});
document.addEventListener("genai-course:python", () => console.debug("bench:python"), {once: true});
"""


def _told(page: Any, what: str) -> None:
    """Wait for the page's console to say `what` (MOUNTED), unless it has already."""
    told = getattr(page, "_bench_told", None)
    if told is None:
        told = page._bench_told = set()
        page.on("console", lambda m: told.add(m.text))
    while what and what not in told:
        page.wait_for_event("console", timeout=120_000)


def trace_load(
    url: str, page_path: str, chromium: str, demo: str | None, site: Path | None = None
) -> dict[str, Any]:
    """A cold load's long tasks (long_tasks), first contentful paint, when the demo was mounted
    and when Python's worker started (ms from navigation)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=[*CHROMIUM_ARGS, LOCAL_ONLY], headless=True
        )
        context = browser.new_context()
        context.add_init_script(MOUNTED)
        page = context.new_page()
        page.set_default_timeout(120_000)
        _told(page, "")  # listening from the start
        browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
        page.goto(url + page_path, wait_until="load")
        mounted = float("nan")
        if demo:
            # as the demos' benchmark's eager learner: the demo is touched once it is mounted
            _told(page, "bench:mounted")
            mounted = page.evaluate("window.__mounted")
            page.evaluate(
                f"""document.querySelector('#gc-demo-{demo} input, #gc-demo-{demo} select')
                      .dispatchEvent(new FocusEvent('focusin', {{bubbles: true}}))"""
            )
        _told(page, "bench:python")
        worker = page.evaluate("window.genaiCourse.python.timings.workerStart")
        paints = page.evaluate(
            "Object.fromEntries(performance.getEntriesByType('paint')"
            ".map((e) => [e.name, e.startTime]))"
        )
        trace = json.loads(browser.stop_tracing())
        context.close()
        browser.close()
    maps = sorted(site.glob("assets/javascripts/bundle.*.min.js.map")) if site else []
    return {
        "tasks": long_tasks(trace, theme=SourceMap(maps[0]) if maps else None),
        "fcp": paints.get("first-contentful-paint", float("nan")),
        "mounted": mounted,
        "worker": worker,
    }


def print_trace(site: Path, page_path: str, load: dict[str, Any]) -> None:
    print(
        f"{site}, {page_path}: first contentful paint {load['fcp']:.0f} ms, demo mounted "
        f"{load['mounted']:.0f} ms, Python's worker started {load['worker']:.0f} ms"
    )
    print(f"{'start':>7} {'task':>6}  cause (self ms)")
    for start, duration, causes in load["tasks"]:
        print(f"{start:6.0f}ms {duration:5.0f}ms  {causes}")


# -- the theme's features ------------------------------------------------------------------------

# Material reads its features from the page's __config; the palette toggle is a form of the header
FEATURE_VARIANTS = [
    "all on",
    "navigation.instant",
    "toc.follow",
    "content.code.copy",
    "search",
    "palette",
    "navigation.tabs",
    "all off",
]


def without_feature(html: str, feature: str) -> str:
    """The page without one of Material's features ("all off": every feature of __config)."""
    if feature == "all on":
        return html
    if feature == "palette":
        form = r'<form class="md-header__option" data-md-component="palette">.*?</form>'
        return re.sub(form, "", html, count=1, flags=re.DOTALL)
    if feature == "search":  # its worker (the box stays, answering nothing) and its features
        html = re.sub(r'"search": "[^"]*", ', "", html, count=1)
        return html.replace('"search.suggest", ', "").replace('"search.highlight", ', "")
    if feature == "all off":
        return re.sub(r'"features": \[[^\]]*\]', '"features": []', html, count=1)
    return html.replace(f'"{feature}", ', "").replace(f', "{feature}"', "")


def profile_features(
    site: Path, url: str, page_path: str, demo: str, chromium: str, runs: int
) -> None:
    """Each variant's cold load of the page, by turns: medians of the longest task, the time in
    tasks over 50 ms, the theme's script's own time in them, first paint and the demo's mount."""
    target = site / page_path / "index.html"
    original = target.read_text(encoding="utf-8")
    found: dict[str, list[tuple[float, ...]]] = {name: [] for name in FEATURE_VARIANTS}
    try:
        for _ in range(runs):
            for name in FEATURE_VARIANTS:
                target.unlink()  # a copy of its own, should the site's files be hard links
                target.write_text(without_feature(original, name), encoding="utf-8")
                load = trace_load(url, page_path, chromium, demo, site)
                tasks = load["tasks"]
                theme = sum(
                    float(part.rsplit(" ", 1)[1])
                    for _, _, causes in tasks
                    for part in causes.split(", ")
                    if part.startswith("bundle.")
                )
                found[name].append(
                    (
                        max((d for _, d, _ in tasks), default=0.0),
                        sum(d for _, d, _ in tasks),
                        theme,
                        load["fcp"],
                        load["mounted"],
                    )
                )
    finally:
        target.unlink()
        target.write_text(original, encoding="utf-8")
    print(f"Material's features on {page_path} ({runs} cold loads each, by turns; medians):")
    print(f"{'without':20} {'longest':>8} {'sum>50':>8} {'theme':>7} {'FCP':>7} {'mounted':>8}")
    for name, rows in found.items():
        cols = [statistics.median(row[i] for row in rows) for i in range(5)]
        print(
            f"{name:20} {cols[0]:6.0f}ms {cols[1]:6.0f}ms {cols[2]:5.0f}ms {cols[3]:5.0f}ms "
            f"{cols[4]:6.0f}ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument(
        "--against", type=Path, help="another built site, measured by turns with this one"
    )
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (median)")
    parser.add_argument("--pages", nargs="*", default=PAGES, help="paths under the site")
    parser.add_argument("--presets", nargs="*", default=["mobile", "desktop"])
    parser.add_argument("--trace-page", default="topics/attention/")
    parser.add_argument("--trace-demo", default="attention")
    parser.add_argument("--traces", type=int, default=1, help="traces of the page's cold load")
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument(
        "--features", type=int, default=0, help="profile Material's features: loads per variant"
    )
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("Debian's chromium is needed")
    port = free_port()
    site = args.site
    if site is None:
        site = OUT / "lighthouse-site"
        shutil.rmtree(site, ignore_errors=True)
        build(site, False, port)
    sites = {"this": site, **({"against": args.against} if args.against else {})}
    servers = {}
    for name, folder in sites.items():
        servers[name] = serve_gzip(folder, port if name == "this" else free_port())
    urls = {name: f"http://127.0.0.1:{httpd.server_address[1]}/" for name, httpd in servers.items()}
    try:
        if not args.no_lighthouse:
            cli = ensure_lighthouse()
            rows: dict[str, list[tuple[str, str, dict[str, Any]]]] = {name: [] for name in sites}
            for page in args.pages:
                for preset in args.presets:
                    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sites}
                    for _ in range(args.runs):
                        for name, url in urls.items():  # by turns
                            runs[name].append(lighthouse(cli, url + page, preset, chromium))
                    for name, done in runs.items():
                        median = {
                            k: statistics.median(r[k] for r in done)
                            if isinstance(done[0][k], (int, float))
                            else done[0][k]
                            for k in done[0]
                        }
                        median["paints"] = "/".join(f"{r['paint']:.0f}" for r in done)
                        rows[name].append((page, preset, median))
            for name, folder in sites.items():
                print(f"{folder}:")
                print_lighthouse(rows[name])
        for _ in range(args.traces):
            for name, url in urls.items():
                load = trace_load(url, args.trace_page, chromium, args.trace_demo, sites[name])
                print_trace(sites[name], args.trace_page, load)
        if args.features:
            profile_features(
                site, urls["this"], args.trace_page, args.trace_demo, chromium, args.features
            )
    finally:
        for httpd in servers.values():
            httpd.shutdown()


if __name__ == "__main__":
    main()
