"""The widget's files, served by the channel so a shop needs only one script tag.

`widget.js` and `widget.css` are built from widget/ by `make widget` (esbuild) and
committed. Each is read once per change on disk, gzipped once, and served with an ETag.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
STATIC_FILES = {
    "widget.js": "application/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
}


@dataclass(frozen=True)
class _Asset:
    mtime_ns: int
    body: bytes
    gzipped: bytes
    etag: str


_CACHE: dict[str, _Asset] = {}


def _asset(filename: str) -> _Asset:
    path = STATIC_DIR / filename
    mtime = path.stat().st_mtime_ns
    cached = _CACHE.get(filename)
    if cached is None or cached.mtime_ns != mtime:
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        cached = _CACHE[filename] = _Asset(mtime, body, gzip.compress(body, mtime=0), etag)
    return cached


def static_file(request: Request, filename: str) -> HTTPResponse:
    """Short caching with an ETag so a deploy reaches shops quickly; gzip when accepted."""
    asset = _asset(filename)
    headers = {
        "Cache-Control": "public, max-age=300",
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if request.headers.get("If-None-Match") == asset.etag:
        return response.empty(status=304, headers=headers)
    body = asset.body
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        body, headers["Content-Encoding"] = asset.gzipped, "gzip"
    return response.raw(body, content_type=STATIC_FILES[filename], headers=headers)
