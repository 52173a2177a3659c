"""Past terms in the site: `genai-course new-term` keeps each old term in ``docs/archive/<term>/``.

The list of past terms (``archive/index.md``) goes into the Sessions section of the menu; the
archived pages themselves are reached from it and stay out of the menu, without MkDocs listing
them as pages left out of the nav.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import Files, InclusionLevel

__all__ = ["PAST_TERMS", "archived_out_of_nav", "past_terms_in_nav"]

PAST_TERMS = "archive/index.md"


def past_terms_in_nav(docs: Path) -> list[str]:
    """The page listing past terms, once there is one."""
    return [PAST_TERMS] if (docs / PAST_TERMS).is_file() else []


def archived_out_of_nav(files: Files) -> None:
    for file in files.documentation_pages():
        if file.src_uri.startswith("archive/") and file.src_uri != PAST_TERMS:
            file.inclusion = InclusionLevel.NOT_IN_NAV
