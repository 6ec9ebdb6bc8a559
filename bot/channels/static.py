"""The chat box's files, served by the channel so a shop needs only one script tag."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
STATIC_FILES = {
    "chat.js": "application/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
}


def static_file(request: Request, filename: str) -> HTTPResponse:
    """The chat box's files; short caching with an ETag so a deploy reaches shops quickly."""
    body = (STATIC_DIR / filename).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "Cache-Control": "public, max-age=300",
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if request.headers.get("If-None-Match") == etag:
        return response.empty(status=304, headers=headers)
    return response.raw(body, content_type=STATIC_FILES[filename], headers=headers)
