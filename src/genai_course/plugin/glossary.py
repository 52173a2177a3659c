"""Glossary links: the first mention of each glossary term on a page links to its definition.

Only running text is touched — paragraphs and list items — never headings, links, code, maths,
figures or the demos. The definition is also the link's title, so it shows on hover.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from genai_course.plugin.data import GlossaryTerm

__all__ = ["link_terms"]

# Elements whose text is left alone.
SKIP = {
    "a",
    "code",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "svg",
    "script",
    "style",
    "textarea",
    "button",
    "label",
    "select",
    "figure",
    "table",
    "nav",
    "summary",
    "abbr",
    "span",
}
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
VOID = {"br", "img", "input", "hr", "meta", "link", "wbr", "source", "col", "area"}


def _pattern(terms: Sequence[GlossaryTerm]) -> tuple[re.Pattern[str], dict[str, GlossaryTerm]]:
    names: dict[str, GlossaryTerm] = {}
    for term in terms:
        for name in (term.term, *term.aliases):
            if len(name) >= 3:
                names.setdefault(name.lower(), term)
    alternatives = sorted(names, key=len, reverse=True)  # longest first: "multi-head attention"
    body = "|".join(re.escape(n) for n in alternatives)
    return re.compile(rf"(?<![\w-])({body})(?![\w-])", re.IGNORECASE), names


def link_terms(html: str, terms: Sequence[GlossaryTerm], glossary_url: str) -> str:
    """Link the first mention of each term in the page's running text."""
    if not terms:
        return html
    pattern, names = _pattern(terms)
    linked: set[str] = set()
    out: list[str] = []
    stack: list[tuple[str, bool]] = []
    position = 0

    def link(match: re.Match[str]) -> str:
        term = names[match.group(1).lower()]
        if term.id in linked:
            return match.group(0)
        linked.add(term.id)
        return (
            f'<a class="gc-term" href="{glossary_url}#{term.id}" '
            f'title="{escape(term.definition)}">{match.group(0)}</a>'
        )

    for tag in TAG.finditer(html):
        text = html[position : tag.start()]
        skipping = any(skip for _, skip in stack)
        inside_prose = any(name in {"p", "li", "dd"} for name, _ in stack)
        plain = skipping or not inside_prose or "\\(" in text
        out.append(text if plain else pattern.sub(link, text))
        out.append(tag.group(0))
        closing, name, self_closing = tag.group(1), tag.group(2).lower(), tag.group(3)
        if closing:
            if any(open_name == name for open_name, _ in stack):
                while stack and stack.pop()[0] != name:
                    pass
        elif not self_closing and name not in VOID:
            # demos (class "gc-…") and maths (arithmatex) are skipped whole
            marked = 'class="gc-' in tag.group(0) or "arithmatex" in tag.group(0)
            stack.append((name, name in SKIP or marked))
        position = tag.end()
    out.append(html[position:])
    return "".join(out)
