"""The address the site is published at (``site_url``), checked before a build meant for
publishing.

The calendar feed, the RSS feed, the sitemap and every page's canonical link are written with
``site_url``, so a site built without it, or with an address on the building computer
(``http://127.0.0.1:8000/``), points its readers at nothing. ``mkdocs serve`` sets its own local
address and is never stopped; ``mkdocs gh-deploy`` refuses to publish; any other build warns, so
``mkdocs build --strict`` stops, unless ``GENAI_ALLOW_LOCAL_SITE_URL=1`` says that the build is for
a server on this computer (as the tests' builds are).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["ALLOW_LOCAL", "address_problem", "is_local_address"]

# set to 1 to build for a local server (tests, a copy on a USB stick) without a warning
ALLOW_LOCAL = "GENAI_ALLOW_LOCAL_SITE_URL"

HOW_TO_SET = (
    "Set it once in mkdocs.yml, as the comment above site_url says (for GitHub Pages: "
    "https://<user>.github.io/<repository>/); `mkdocs serve` needs none."
)
LOCAL_ONLY = f"To build for this computer only, set {ALLOW_LOCAL}=1."


def is_local_address(site_url: str) -> bool:
    """Whether the address names this computer (localhost, 127.x, ::1, 0.0.0.0)."""
    host = (urlsplit(site_url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def address_problem(
    site_url: str | None, *, allow_local: bool = False, deploying: bool = False
) -> str | None:
    """What is wrong with ``site_url`` as the published address, or None if nothing is.

    ``allow_local``: the build is for a server on this computer; never so when ``deploying``.
    """
    allow_local = allow_local and not deploying
    local_only = "" if deploying else " " + LOCAL_ONLY
    if not site_url:
        if allow_local:
            return None
        return (
            "site_url is not set. It is the address the site is published at, written into the "
            f"calendar and RSS feeds, the sitemap and each page's canonical link. {HOW_TO_SET}"
            + local_only
        )
    parts = urlsplit(site_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return f"site_url {site_url!r} is not a web address (https://host/path/). {HOW_TO_SET}"
    if is_local_address(site_url) and not allow_local:
        return (
            f"site_url is {site_url}, an address on this computer: a site published with it "
            f"sends its readers, calendars and feed readers nowhere. {HOW_TO_SET}" + local_only
        )
    return None
