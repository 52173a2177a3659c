"""Glossary links go on the first mention in running text, and nowhere they would do harm."""

from genai_course.plugin.data import GlossaryTerm
from genai_course.plugin.glossary import link_terms

TERMS = [
    GlossaryTerm("Softmax", "softmax", (), "Turns scores into probabilities.", None),
    GlossaryTerm("Multi-head attention", "mha", ("multi-head",), "Several heads at once.", None),
    GlossaryTerm("Attention", "attention", (), "Weighing other tokens.", None),
]


def test_first_mention_in_prose_is_linked_once() -> None:
    html = "<p>The softmax of scores; softmax again.</p><li>Softmax in a list</li>"
    out = link_terms(html, TERMS, "../glossary/")
    assert out.count('class="gc-term"') == 1
    title = 'title="Turns scores into probabilities."'
    assert f'<a class="gc-term" href="../glossary/#softmax" {title}>softmax</a>' in out


def test_longest_term_wins_and_words_are_whole() -> None:
    out = link_terms("<p>Multi-head attention and attentional.</p>", TERMS, "g/")
    assert 'href="g/#mha"' in out and ">Multi-head attention</a>" in out
    assert 'href="g/#attention"' not in out  # "attentional" is another word


def test_headings_links_code_maths_and_demos_are_left_alone() -> None:
    html = (
        "<h2>Softmax</h2><p><a href='x'>softmax</a> <code>softmax</code> "
        '<span class="arithmatex">\\(softmax\\)</span></p>'
        '<div class="gc-demo"><p>softmax</p></div><p>then softmax</p>'
    )
    out = link_terms(html, TERMS, "g/")
    assert out.count('class="gc-term"') == 1
    title = 'title="Turns scores into probabilities."'
    assert out.endswith(f'<p>then <a class="gc-term" href="g/#softmax" {title}>softmax</a></p>')


def test_nested_elements_close_properly() -> None:
    html = '<div class="gc-demo"><div><p>softmax</p></div></div><p>attention</p>'
    out = link_terms(html, TERMS, "g/")
    assert 'href="g/#softmax"' not in out and 'href="g/#attention"' in out
