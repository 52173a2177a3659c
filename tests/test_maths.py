"""The formulas are typeset when the site is built (plugin/maths.py), with the site's own KaTeX."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from genai_course.plugin.maths import MathsError, typeset_site
from genai_course.plugin.vendor import ensure_katex
from tests.conftest import ROOT, build_site


@pytest.fixture(scope="module")
def katex() -> Path:
    """The site's own KaTeX (from npm, pinned by sha256; cached by the build)."""
    return ensure_katex(ROOT / ".cache" / "genai-course") / "katex.min.js"


PAGE = """<html><body><p>Weights <span class="arithmatex">\\(a_{ij} &lt; 1\\)</span> and again
<span class="arithmatex">\\(a_{ij} &lt; 1\\)</span>.</p>
<div class="arithmatex">\\[
\\operatorname{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}
\\]</div>
<pre><code>\\(not a formula: in code\\)</code></pre></body></html>
"""


def test_inline_and_displayed_formulas_become_katex_markup(tmp_path: Path, katex: Path) -> None:
    (tmp_path / "sub").mkdir()
    page = tmp_path / "sub" / "index.html"
    page.write_text(PAGE)
    assert typeset_site(tmp_path, katex) == 3
    out = page.read_text()
    assert "\\(a_{ij}" not in out and "\\[" not in out
    # as auto-render leaves them: KaTeX's markup in a span of its own inside the marked element
    inline = re.findall(r'<span class="arithmatex"><span><span class="katex">', out)
    assert len(inline) == 2
    assert '<div class="arithmatex"><span><span class="katex-display">' in out
    # the TeX source is kept for screen readers (MathML annotation), escaped as HTML
    assert '<annotation encoding="application/x-tex">a_{ij} &lt; 1</annotation>' in out
    assert "<mfrac>" in out and "softmax" in out
    assert "<code>\\(not a formula: in code\\)</code>" in out


def test_a_page_without_formulas_is_left_alone(tmp_path: Path, katex: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<p>No maths here.</p>")
    before = page.stat().st_mtime_ns
    assert typeset_site(tmp_path, katex) == 0
    assert page.stat().st_mtime_ns == before


def test_a_formula_of_unknown_form_stops_the_build_with_its_page(
    tmp_path: Path, katex: Path
) -> None:
    (tmp_path / "index.html").write_text('<span class="arithmatex">$x$</span>')
    with pytest.raises(MathsError, match=r"index\.html: a formula not written as \\\(…\\\)"):
        typeset_site(tmp_path, katex)


def test_without_node_it_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, katex: Path
) -> None:
    (tmp_path / "index.html").write_text(PAGE)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(MathsError, match=r"Node\.js"):
        typeset_site(tmp_path, katex)
    assert "\\(a_{ij}" in (tmp_path / "index.html").read_text()  # nothing half-written


def test_the_built_pages_carry_typeset_formulas_and_no_katex_script(built_site: Path) -> None:
    page = (built_site / "topics/attention/index.html").read_text()
    assert page.count('class="arithmatex"><span><span class="katex') >= 10
    assert '<span class="arithmatex">\\(' not in page
    assert "katex.min.js" not in " ".join(re.findall(r'<script src="([^"]+)"', page))
    assert "katex.min.css" in page  # the look of the formulas


def test_built_without_typesetting_the_browser_does_it(tmp_path: Path) -> None:
    result = build_site(tmp_path / "site", GENAI_MATHS_AT_BUILD="0")
    assert result.returncode == 0, result.stderr[-2000:]
    page = (tmp_path / "site" / "topics/attention/index.html").read_text()
    assert '<span class="arithmatex">\\(' in page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    for name in ("katex.min.js", "auto-render.min.js", "math.js"):
        assert any(src.endswith(name) for src in scripts), name
