"""The Content-Security-Policy of every page, as a <meta> tag (static hosts can't all set headers).

Scripts may come only from the site itself, plus the inline scripts the theme writes, each allowed
by its sha256; WebAssembly may compile ('wasm-unsafe-eval') and workers may start from the site.
With instant navigation the policy of the first page opened stays in force for the whole visit,
so every page carries the same policy: the union of all pages' inline-script hashes.
Under `mkdocs serve` the policy also allows one nonce, for the dev server's live-reload script.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["apply_csp", "inline_script_hashes", "policy"]

INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)
META_NAME = 'http-equiv="Content-Security-Policy"'


def inline_script_hashes(html: str) -> set[str]:
    """sha256 sources of the inline scripts that the browser would execute."""
    hashes = set()
    for match in INLINE_SCRIPT.finditer(html):
        attrs = match.group("attrs")
        if "src=" in attrs:
            continue
        kind = re.search(r'type="([^"]+)"', attrs)
        if kind and kind.group(1) not in {"text/javascript", "module", "application/javascript"}:
            continue  # data blocks such as application/json are never executed
        digest = hashlib.sha256(match.group("body").encode()).digest()
        hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return hashes


def policy(
    hashes: Iterable[str], extra_origins: Iterable[str] = (), nonce: str | None = None
) -> str:
    extra = " ".join(sorted(extra_origins))
    nonces = [f"'nonce-{nonce}'"] if nonce else []
    scripts = " ".join(["'self'", "'wasm-unsafe-eval'", *sorted(hashes), *nonces, extra]).strip()
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "worker-src 'self'",
            "manifest-src 'self'",
            f"connect-src 'self' {extra}".strip(),
            # Temml and the theme set style attributes
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "object-src 'none'",
            "frame-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def apply_csp(site_dir: Path, extra_origins: Iterable[str] = (), nonce: str | None = None) -> int:
    """Put the same CSP <meta> first in the <head> of every built page; return how many."""
    pages = sorted(site_dir.rglob("*.html"))
    texts = {path: path.read_text(encoding="utf-8") for path in pages}
    hashes = set().union(*(inline_script_hashes(t) for t in texts.values())) if texts else set()
    meta = f'<meta {META_NAME} content="{policy(hashes, extra_origins, nonce)}">'
    count = 0
    for path, text in texts.items():
        text = re.sub(rf"<meta {META_NAME} content=\"[^\"]*\">", "", text)
        updated, found = re.subn(r"<head>", "<head>" + meta, text, count=1)
        if found:
            path.write_text(updated, encoding="utf-8")
            count += 1
    return count
