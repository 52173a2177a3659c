"""The formulas of the pages, typeset when the site is built.

arithmatex marks each formula in the HTML (``<span class="arithmatex">\\(…\\)</span>`` inline,
``<div class="arithmatex">\\[…\\]</div>`` displayed). The site's own Temml (``vendor/temml``),
run once under Node.js for the whole site, turns each into MathML, which the browser lays out
itself in the STIX Two Math font (``temml.css``): the browser loads no script for the maths and
typesets nothing (in the browser that cost 60–115 ms of the page's thread on a page with
formulas). MathML is also what screen readers read. The TeX source is not kept in the page (as
a MathML annotation it would add two elements to each formula, which no browser shows, copies or
reads aloud).

KaTeX, used before, drew each formula twice, as HTML spans for the eye and as hidden MathML for
screen readers: on the image-generation page 6,829 of its 10,009 elements, which every style
recalculation and layout of the page walked (the theme's start-up, a page swap).

Without Node.js the pages keep typesetting in the browser (``math.js``), as before.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

__all__ = [
    "BROWSER_SCRIPTS",
    "MathsError",
    "can_typeset",
    "formula_characters",
    "subset_font",
    "typeset_site",
]

# what typesets the formulas in the browser, when the build cannot
BROWSER_SCRIPTS = ["vendor/temml/temml.min.js", "assets/genai-course/math.js"]

FORMULA = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.DOTALL)
DELIMITERS = {"span": ("\\(", "\\)"), "div": ("\\[", "\\]")}

# Node.js: Temml's browser build (it defines the global `temml`) from the last argument;
# formulas [[tex, display], …] as JSON on stdin; the MathML of each, in order, as JSON on stdout.
# Errors are not thrown, as in the browser: a formula Temml cannot read is shown as its source
# and the error, in the error colour. OPTIONS are math.js's too.
OPTIONS = {"annotate": False, "throwOnError": False}
SCRIPT = """
const { readFileSync } = require("node:fs");
const { runInNewContext } = require("node:vm");
const script = readFileSync(process.argv[process.argv.length - 1], "utf8");
const temml = runInNewContext(script + "\\n;temml");
const options = OPTIONS;
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(([tex, displayMode]) =>
    temml.renderToString(tex, { ...options, displayMode }));
  process.stdout.write(JSON.stringify(out));
});
""".replace("OPTIONS", json.dumps(OPTIONS))


class MathsError(Exception):
    """The formulas could not be typeset (Node.js failed, or a page holds a formula it cannot
    tell the kind of)."""


def can_typeset() -> bool:
    """Whether this machine can typeset the formulas at build time (Node.js is there)."""
    return shutil.which("node") is not None


def _formula(kind: str, inner: str, where: Path) -> tuple[str, bool]:
    """The TeX source of one marked formula, and whether it is displayed."""
    left, right = DELIMITERS[kind]
    text = html.unescape(inner).strip()
    if not (text.startswith(left) and text.endswith(right)):
        raise MathsError(f"{where}: a formula not written as {left}…{right}: {text[:60]!r}")
    return text[len(left) : -len(right)], kind == "div"


def typeset_site(site: Path, temml_script: Path) -> int:
    """Typeset every formula of the built pages under `site` in place; returns how many."""
    pages = {path: path.read_text(encoding="utf-8") for path in sorted(site.rglob("*.html"))}
    formulas: dict[tuple[str, bool], int] = {}
    for path, text in pages.items():
        for match in FORMULA.finditer(text):
            formulas.setdefault(_formula(match.group(1), match.group(2), path), len(formulas))
    if not formulas:
        return 0
    node = shutil.which("node")
    if node is None:
        raise MathsError("Node.js (`node`) is not installed")
    try:
        done = subprocess.run(
            [node, "-e", SCRIPT, "--", str(temml_script.resolve())],
            input=json.dumps(list(formulas)),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        markup = json.loads(done.stdout)
    except subprocess.CalledProcessError as error:
        last = (error.stderr or "").strip().splitlines()[-2:]
        raise MathsError(f"Temml failed under Node.js: {' | '.join(last)}") from None
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as error:
        raise MathsError(f"Temml under Node.js gave no answer: {error}") from None
    if len(markup) != len(formulas):
        raise MathsError(f"Temml typeset {len(markup)} of {len(formulas)} formulas")
    count = 0
    for path, text in pages.items():

        def typeset(match: re.Match[str], path: Path = path) -> str:
            nonlocal count
            count += 1
            kind = match.group(1)
            rendered = markup[formulas[_formula(kind, match.group(2), path)]]
            # the <math> element in the marked one, as math.js leaves it in the browser
            return f'<{kind} class="arithmatex">{rendered}</{kind}>'

        updated = FORMULA.sub(typeset, text)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
    return count


# ---- the font, cut to the characters the formulas use ----------------------------------------

MATH_ELEMENT = re.compile(r"<math\b.*?</math>", re.DOTALL)
ANNOTATION = re.compile(r"<annotation\b.*?</annotation>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
# Drawn by the browser without being in the text: the radical sign of <msqrt> and <mroot>, and
# the mathematical italic letters (a one-letter <mi>, "x", is shown as U+1D465 "𝑥": MathML Core's
# automatic italic, for Latin and Greek letters, dotless i and j, and U+210E for h). Also kept:
# printable ASCII (the numbers of tagged equations, temml.css) and the whole Greek block (with
# only the Greek letters used, a lone italic beta was laid out a pixel shorter than in the whole
# font: the test that compares every formula's picture found it).
KEPT_RANGES = [
    (0x20, 0x7E),
    (0x370, 0x3FF),
    (0x1D434, 0x1D467),
    (0x1D6A4, 0x1D6A5),
    (0x1D6E2, 0x1D71B),
    (0x210E, 0x210E),
    (0x221A, 0x221A),
]
ALWAYS = {chr(code) for first, last in KEPT_RANGES for code in range(first, last + 1)}


def formula_characters(site: Path) -> set[str]:
    """Every character the typeset formulas of the built pages under `site` show (not their
    TeX annotations)."""
    found: set[str] = set()
    for path in site.rglob("*.html"):
        for match in MATH_ELEMENT.finditer(path.read_text(encoding="utf-8")):
            found |= set(html.unescape(TAG.sub("", ANNOTATION.sub("", match.group(0)))))
    return found


def subset_font(font: Path, characters: set[str], out: Path) -> None:
    """Write to `out` the woff2 `font` cut to `characters` (and ALWAYS), keeping what MathML
    layout uses of them: the MATH table's size variants and stretchy assemblies, the
    substitutions (script style, primes) and positioning. STIX Two Math is 403 KB whole; the
    course's formulas use about a hundred of its 4,605 characters."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # the licence and copyright records stay with the font
    loaded = subset.load_font(str(font), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in characters | ALWAYS})
    subsetter.subset(loaded)
    subset.save_font(loaded, str(out), options)
