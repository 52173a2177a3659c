"""The session and topic pages go into the nav config before MkDocs builds the nav from it.

The data files decide which pages the Sessions and Topics sections list. Written into the nav
*config* (not only into the built nav), they count as "in the nav", so MkDocs' notice about pages
left out of the nav lists only pages that really are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["place_in_nav"]


def _paths(items: Sequence[Any]) -> set[str]:
    """The page paths a nav section lists, titled (`- Title: page.md`) or not."""
    found = set()
    for item in items:
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            found.update(v for v in item.values() if isinstance(v, str))
    return found


def place_in_nav(nav: list[Any] | None, pages: Mapping[str, Sequence[str]]) -> None:
    """Append each section's pages (in data order) to the top-level nav section of that title,
    unless the section lists them already. Sections missing from the nav are left alone."""
    for item in nav or []:
        if not (isinstance(item, dict) and len(item) == 1):
            continue
        ((title, children),) = item.items()
        if title in pages and isinstance(children, list):
            listed = _paths(children)
            children.extend(uri for uri in pages[title] if uri not in listed)
