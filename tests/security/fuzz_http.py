"""The fuzz pass's HTTP side: a client on its own loopback address, and the invariants every
answer of ours must keep whatever the input.

The client connects from `FUZZ_ADDRESS` (any 127.x address is loopback on Linux), so the
per-client rate limits and login throttles it trips never fall on the other attack tests,
which share the stack from 127.0.0.1.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from bot.customer_tokens import verify_token

FUZZ_ADDRESS = "127.0.0.77"
BUDGET_SECONDS = 8.0  # "within a few seconds", with room for a loaded 2-core machine
MARKER = "fzq"  # every hostile markup probe names it right after its `<` or its quote
# A probe reflected unescaped in HTML: a tag of ours opens, or an attribute of ours breaks out
# of its quotes. Escaped forms (&lt;fzq, &quot; onfzq=) and JSON-escaped ones (\" onfzq=) pass.
REFLECTED = re.compile(rf"<(?:script>|!--)?{MARKER}|(?<!\\)[\"'] on{MARKER}=")
TOKEN = re.compile(r"v\d+\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")


class _SourceAddressAdapter(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def fuzz_session(address: str = FUZZ_ADDRESS) -> requests.Session:
    """A session whose connections all leave from `address`. It keeps no cookies, so one
    example's cookies never reach the next: a test passes the ones it means to send."""
    session = requests.Session()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = _SourceAddressAdapter(address)
    session.mount("http://", adapter)
    return session


@dataclass(frozen=True)
class Answer:
    response: requests.Response
    seconds: float

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def is_html(self) -> bool:
        return "html" in self.response.headers.get("Content-Type", "").lower()


def send(session: requests.Session, method: str, url: str, **kwargs: Any) -> Answer:
    """One request, timed; a hang past the budget fails the example as a timeout."""
    started = time.monotonic()
    try:
        response = session.request(
            method, url, timeout=BUDGET_SECONDS, allow_redirects=False, **kwargs
        )
    except requests.Timeout:
        raise AssertionError(f"{method} {url[:200]} gave no answer in {BUDGET_SECONDS} s") from None
    return Answer(response, time.monotonic() - started)


def assert_sound(answer: Answer, *, what: str) -> None:
    """What holds for every answer of ours: no server error, in time, nothing reflected raw."""
    request = answer.response.request
    where = f"{what}: {request.method} {str(request.url)[:200]}"
    assert answer.status < 500, f"{where} answered {answer.status}: {answer.response.text[:300]}"
    assert answer.seconds < BUDGET_SECONDS, f"{where} took {answer.seconds:.1f} s"
    if answer.is_html:
        found = REFLECTED.search(answer.response.text)
        assert found is None, f"{where} reflected markup unescaped: {found and found.group(0)!r}"


def signed_tokens(text: str, secret: str) -> list[str]:
    """Customer tokens in `text` that verify with `secret` (valid identity handed out)."""
    return [token for token in TOKEN.findall(text) if verify_token(token, secret=secret)]
