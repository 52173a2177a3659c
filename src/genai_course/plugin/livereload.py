"""Live reload under `mkdocs serve`, with the site's strict Content-Security-Policy kept.

The dev server adds an inline script to every page it serves; its text changes with every
request, so no hash can allow it. While serving, the policy also allows one nonce, and the
script the server adds carries that nonce. The built site (`mkdocs build`) has no nonce.
"""

from __future__ import annotations

import secrets
from typing import Any

__all__ = ["allow_live_reload", "live_reload_nonce"]


def live_reload_nonce() -> str:
    return secrets.token_urlsafe(18)


def allow_live_reload(server: Any, nonce: str) -> None:
    """Give the live-reload script that `server` (MkDocs' LiveReloadServer) adds its nonce."""
    inject = server._inject_js_into_html  # MkDocs 1.6: adds <script>…</script> before </body>

    def inject_with_nonce(content: bytes, epoch: int) -> bytes:
        html: bytes = inject(content, epoch)
        # the added script is the last <script> of the page, right before </body>
        at = html.rfind(b"<script>")
        if at < 0:
            return html
        return html[:at] + b'<script nonce="' + nonce.encode() + b'">' + html[at + 8 :]

    server._inject_js_into_html = inject_with_nonce
