"""The formulas are typeset when the site is built (plugin/maths.py), with the site's own Temml,
into MathML."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont

from genai_course.plugin.maths import MathsError, typeset_site
from genai_course.plugin.vendor import ensure_temml
from tests.conftest import ROOT, Server, build_site, serve


@pytest.fixture(scope="module")
def temml() -> Path:
    """The site's own Temml (from npm, pinned by sha256; cached by the build)."""
    return ensure_temml(ROOT / ".cache" / "genai-course") / "temml.min.js"


MATH = re.compile(r"<math\b.*?</math>", re.DOTALL)

PAGE = """<html><body><p>Weights <span class="arithmatex">\\(a_{ij} &lt; 1\\)</span> and again
<span class="arithmatex">\\(a_{ij} &lt; 1\\)</span>.</p>
<div class="arithmatex">\\[
\\operatorname{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}, \\quad \\mathcal{L}
\\]</div>
<pre><code>\\(not a formula: in code\\)</code></pre></body></html>
"""


def test_inline_and_displayed_formulas_become_mathml(tmp_path: Path, temml: Path) -> None:
    (tmp_path / "sub").mkdir()
    page = tmp_path / "sub" / "index.html"
    page.write_text(PAGE)
    assert typeset_site(tmp_path, temml) == 3
    out = page.read_text()
    assert "\\(a_{ij}" not in out and "\\[" not in out
    # one <math> element in each marked one, as math.js leaves it in the browser
    inline = re.findall(r'<span class="arithmatex"><math><mrow><msub><mi>a</mi>', out)
    assert len(inline) == 2
    assert '<div class="arithmatex"><math display="block" class="tml-display"' in out
    # the comparison escaped as HTML; no TeX annotation (nothing shows, copies or reads it)
    assert "<mo>&lt;</mo>" in out and "<annotation" not in out
    assert "<mfrac>" in out and "softmax" in out
    # a script letter is the Unicode character: MathML Core has no mathvariant="script"
    assert '<mi class="mathcal">\u2112</mi>' in out
    assert "<code>\\(not a formula: in code\\)</code>" in out
    assert "katex" not in out


def test_a_page_without_formulas_is_left_alone(tmp_path: Path, temml: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<p>No maths here.</p>")
    before = page.stat().st_mtime_ns
    assert typeset_site(tmp_path, temml) == 0
    assert page.stat().st_mtime_ns == before


def test_a_formula_of_unknown_form_stops_the_build_with_its_page(
    tmp_path: Path, temml: Path
) -> None:
    (tmp_path / "index.html").write_text('<span class="arithmatex">$x$</span>')
    with pytest.raises(MathsError, match=r"index\.html: a formula not written as \\\(…\\\)"):
        typeset_site(tmp_path, temml)


def test_without_node_it_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temml: Path
) -> None:
    (tmp_path / "index.html").write_text(PAGE)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(MathsError, match=r"Node\.js"):
        typeset_site(tmp_path, temml)
    assert "\\(a_{ij}" in (tmp_path / "index.html").read_text()  # nothing half-written


def test_the_built_pages_carry_mathml_and_no_maths_script(built_site: Path) -> None:
    page = (built_site / "topics/attention/index.html").read_text()
    assert page.count('class="arithmatex"><math') >= 10
    assert '<span class="arithmatex">\\(' not in page
    assert "temml.min.js" not in " ".join(re.findall(r'<script src="([^"]+)"', page))
    assert "temml.css" in page  # the look of the formulas: the maths font, Temml's rules
    # nor is the script in the site (nor, so, in what is saved for offline use)
    assert not (built_site / "vendor/temml/temml.min.js").exists()
    assert "katex" not in page.lower()
    # the font the stylesheet names is in the site, cut to what the formulas show, with the MATH
    # table MathML layout needs
    css = (built_site / "vendor/temml/temml.css").read_text()
    assert "url('./STIXTwoMath.woff2')" in css
    font = (built_site / "vendor/temml/STIXTwoMath.woff2").read_bytes()
    assert font[:4] == b"wOF2" and len(font) < 60_000
    cut = TTFont(io.BytesIO(font))
    assert "MATH" in cut and "GPOS" in cut
    shown = {ord(c) for c in "αβθΣ√∑∏−≤ℒ𝒩"} | {0x1D465, 0x1D6FD}  # x and beta, italic
    assert shown <= set(cut.getBestCmap())


def test_formulas_keep_their_elements_few(built_site: Path) -> None:
    """Each formula is one MathML tree (KaTeX's markup had about three times the elements: the
    image-generation page had 10,009 elements, 6,829 of them KaTeX's)."""
    page = (built_site / "topics/image-generation/index.html").read_text()
    assert page.count("<math") >= 150
    assert len(re.findall(r"<[a-zA-Z]", page)) < 4_200


@pytest.mark.browser
def test_built_without_typesetting_the_browser_does_it(
    tmp_path: Path, page: Any, built_site: Path
) -> None:
    result = build_site(tmp_path / "site", GENAI_MATHS_AT_BUILD="0")
    assert result.returncode == 0, result.stderr[-2000:]
    source = (tmp_path / "site" / "topics/attention/index.html").read_text()
    assert '<span class="arithmatex">\\(' in source
    scripts = re.findall(r'<script src="([^"]+)"', source)
    for name in ("temml.min.js", "math.js"):
        assert any(src.endswith(name) for src in scripts), name
    # in the page, every marked formula becomes MathML, as the build makes it
    server = serve(tmp_path / "site")
    try:
        page.goto(server.url + "topics/attention/")
        page.wait_for_function("() => document.querySelectorAll('.arithmatex > math').length >= 10")
        left = page.evaluate("document.querySelectorAll('.arithmatex:not(:has(> math))').length")
        assert left == 0
        # the same formulas as the build makes them: what each shows, in order
        shown = page.eval_on_selector_all(
            ".arithmatex > math", "(ms) => ms.map((m) => m.textContent)"
        )
        built = (built_site / "topics/attention/index.html").read_text()
        at_build = [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in MATH.findall(built)]
        assert shown == at_build
    finally:
        server.httpd.shutdown()


# pages whose formulas, together, use every construction of the course: stretchy brackets and
# radicals, fractions, accents, cases, script letters, sums
CENTRE = "(e) => { e.scrollIntoView({block: 'center'}); }"
SUBSET_PAGES = ["topics/attention/", "topics/image-generation/", "topics/transformer/"]


@pytest.mark.browser
def test_the_cut_font_draws_every_formula_as_the_whole_font_does(
    page: Any, server: Server, temml: Path
) -> None:
    """The site's STIX Two Math holds only what its formulas show; each formula's picture must be
    the one the whole font gives (a glyph the browser draws without it being in the text, such
    as the italic letter of <mi>x</mi>, would otherwise come from another font)."""
    whole = (temml.parent / "STIXTwoMath.woff2").read_bytes()
    cut = (server.root / "vendor/temml/STIXTwoMath.woff2").read_bytes()
    assert len(cut) < len(whole) / 5
    page.set_viewport_size({"width": 1280, "height": 900})

    # the whole font, offered at an address of the site's own (the page's policy allows no other)
    whole_url = server.url + "vendor/temml/STIXTwoMath-whole.woff2"
    page.route(whole_url, lambda route: route.fulfill(body=whole, content_type="font/woff2"))
    use_whole = """(url) => {
      const style = document.createElement('style');
      style.textContent = `@font-face { font-family: STIX2W; src: url('${url}'); }
        .md-content math { font-family: STIX2W !important; }`;
      document.head.append(style);
    }"""
    loaded = "(name) => [...document.fonts].some((f) => f.family === name && f.status === 'loaded')"

    def pictures() -> list[bytes]:
        formulas = page.locator(".md-content .arithmatex")
        shown = [formulas.nth(i) for i in range(formulas.count()) if formulas.nth(i).is_visible()]
        # each in the middle of the screen, where no sticky header covers it
        return [formula.evaluate(CENTRE) or formula.screenshot() for formula in shown]

    for path in SUBSET_PAGES:
        page.goto(server.url + path)
        page.wait_for_function(loaded, arg="STIX2")
        # exercises' formulas are in closed <details>: opened, as a learner opens them
        page.evaluate("document.querySelectorAll('details').forEach((d) => (d.open = true))")
        page.evaluate("document.fonts.ready")
        with_cut = pictures()
        # the same page, the same layout, each formula set in the whole font
        page.evaluate(use_whole, whole_url)
        page.wait_for_function(loaded, arg="STIX2W")
        page.evaluate("document.fonts.ready")
        with_whole = pictures()
        assert len(with_cut) == len(with_whole) >= 8, path
        differ = [i for i, (a, b) in enumerate(zip(with_cut, with_whole, strict=True)) if a != b]
        assert not differ, f"{path}: formulas {differ} look different with the cut font"
