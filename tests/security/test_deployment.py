"""Issue 14's attacks on the processes and the production topology, replayed:

- finding 3: the demo shop mints valid tokens for the demo customers with whatever secret it
  is given, and the production profile ran it;
- finding 13: the action server answered a hand-made tracker with any customer's data;
- finding 14: the Rasa API token was on Rasa's command line, visible to `ps`;
- finding 9 (proxy): HAProxy passed any body on to Rasa, which buffered it;
- finding 18: no TLS anywhere, while the console's cookie is `Secure`;
- finding 4 (topology): the console shared the chat's (and the shop's) origin.

The embedded stack is the shared `security_stack`; the production profile runs once for this
module through the same machinery as tests/e2e/test_prod_profile.py.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.action_server import TOKEN_HEADER
from bot.settings import PROJECT_ROOT
from tests.e2e.stack import Stack, free_port, texts
from tests.e2e.test_prod_profile import ProdStack, running_prod_stack
from tools.processes import prod
from tools.processes.supervisor import Supervisor

MARIA_EMAIL = (
    "maria.garcia@example.com"  # customer 1 of the seeded store (tools/seed/demo_store.py)
)
SHOP_START_SECONDS = 30.0
PROXY_ANSWER_SECONDS = 10.0
# Strong, distinct production secrets (bot/secret_policy.py): the shop's refusal must not be
# a side effect of a weak one.
PRODUCTION = {
    "CIM_ENV": "production",
    "CIM_TOKEN_SECRET": "Zq8w1Lk3Vb7Xn2McRt5Yp9Ae4Sd6Fg0Hj",
    "CIM_RASA_AUTH_TOKEN": "Hj5Rt9Pw2Qa6Ls4DkX8cVb3Nm7Zq1We0T",
    "CIM_CONSOLE_SECRET": "Yu7Kd3Nf8Ge1BxWq5Lp2Rs9Tc4Vm6Zh0A",
    "CIM_ACTION_TOKEN": "Ws2Ej6Tc9Rm4HvKp7Nd1Bf5Gx8Lq3Zy0U",
}


# --- finding 3: the demo shop ------------------------------------------------------------------


def test_the_demo_shop_refuses_to_start_in_production(tmp_path: Path) -> None:
    """Before: it started and `/?customer=C0001` carried a token signed with the production
    secret, valid for Maria Garcia. Now it exits at once and says why; nothing listens."""
    port = free_port()
    env = {
        **os.environ,
        **PRODUCTION,
        "CIM_WEB_HOST": "127.0.0.1",
        "CIM_WEB_PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.web.shop"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=SHOP_START_SECONDS,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "does not run with CIM_ENV=production" in done.stderr
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/?customer=C0001", timeout=5)


# --- finding 13: the action server ---------------------------------------------------------------


def hand_made_call(sender: str, action: str = "action_account_details") -> dict[str, Any]:
    """What an attacker posts to the action server: a tracker that says customer 1 is verified."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"customer_id": "1"},
            "latest_message": {
                "text": "my details",
                "intent": {"name": "account_details", "confidence": 1.0},
                "entities": [],
                "metadata": {},
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def action_token_of(started: list[Any], name: str) -> str:
    return str(next(s for s in started if s.name == name).env["CIM_ACTION_TOKEN"])


def assert_refused(url: str, token: str) -> None:
    """No token or a wrong one: 401 and nothing of the customer's; the right one: an answer
    (so the refusal is the token's doing, not a broken action)."""
    for headers in ({}, {TOKEN_HEADER: token[:-1] + "x"}, {"Authorization": f"Bearer {token}"}):
        refused = requests.post(url, json=hand_made_call("attacker"), headers=headers, timeout=30)
        assert refused.status_code == 401, (headers, refused.status_code, refused.text)
        assert MARIA_EMAIL not in refused.text
    answered = requests.post(
        url, json=hand_made_call("attacker"), headers={TOKEN_HEADER: token}, timeout=30
    )
    assert answered.status_code == 200 and "responses" in answered.json(), answered.text


def test_the_action_server_refuses_a_hand_made_tracker(security_stack: Stack) -> None:
    """Before: 200 with Maria Garcia's name, email and phone for a tracker that only claimed
    `customer_id` 1. Now 401 without the shared secret; Rasa's own calls still go through."""
    url = f"http://127.0.0.1:{security_stack.ports.actions}/webhook"
    assert_refused(url, action_token_of(security_stack.started, "actions"))
    listing = requests.get(f"http://127.0.0.1:{security_stack.ports.actions}/actions", timeout=10)
    assert listing.status_code == 401
    asked = texts(security_stack.say(f"actions-{uuid.uuid4().hex}", "where is order 100002?"))
    assert "email" in asked.lower(), asked  # a custom action ran: Rasa presented the token


# --- finding 14: the Rasa token on the command line ---------------------------------------------


def command_lines(supervisor: Supervisor, name: str) -> dict[int, str]:
    """Every process of the service's process group, with its command line as `ps` shows it."""
    group = supervisor.pid(name)
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != group:
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    assert group in found
    return found


def test_the_rasa_token_is_on_no_command_line(security_stack: Stack) -> None:
    """Before: `rasa run … --auth-token e2e-rasa-token-0123456789 …` in /proc/<pid>/cmdline.
    Now no process of the stack shows it, to /proc or to `ps`; Rasa's API still demands it."""
    token = security_stack.settings.rasa_auth_token
    rasa = command_lines(security_stack.supervisor, "rasa")
    assert all(token not in line and "--auth-token" not in line for line in rasa.values()), rasa
    assert any("bot.rasa_server run" in line for line in rasa.values()), rasa
    pids = [
        pid
        for s in security_stack.started
        for pid in command_lines(security_stack.supervisor, s.name)
    ]
    ps = subprocess.run(
        ["ps", "-ww", "-o", "args", "-p", ",".join(map(str, pids))],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert "bot.rasa_server run" in ps.stdout and token not in ps.stdout, ps.stdout
    status = f"{security_stack.rasa_url}/status"
    assert requests.get(status, timeout=10).status_code == 401
    assert requests.get(status, params={"token": token}, timeout=10).status_code == 200


# --- the production profile --------------------------------------------------------------------


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdStack]:
    with running_prod_stack(tmp_path_factory.mktemp("deployment"), "sec") as stack:
        yield stack


def test_the_prod_profile_runs_no_shop_and_mints_no_token(profile: ProdStack) -> None:
    """Before: the profile ran the shop behind the proxy, and `/?customer=C0001` on the public
    address carried a valid token for Maria Garcia. Now no shop runs; the proxy's page signs
    in nobody."""
    names = {
        s.name
        for s in prod.services(
            profile.settings, model=Path("m"), ports=profile.ports, stores=profile.stores
        )
    }
    assert names == {"actions1", "actions2", "rasa1", "rasa2", "proxy"}
    for name in ("rasa1", "actions1", "proxy"):
        assert not any(
            "bot.web.shop" in line for line in command_lines(profile.supervisor, name).values()
        )
    page = requests.get(f"{profile.rasa_url}/?customer=C0001", timeout=10)
    assert page.status_code == 200 and "widget.js" in page.text
    assert "customerToken" not in page.text and not re.search(r"v1\.[\w-]+\.[\w-]+", page.text)


def test_the_prod_action_servers_answer_their_replica_only(profile: ProdStack) -> None:
    started = prod.services(
        profile.settings, model=Path("m"), ports=profile.ports, stores=profile.stores
    )
    for i, port in enumerate(profile.ports.actions, start=1):
        assert_refused(f"http://127.0.0.1:{port}/webhook", action_token_of(started, f"actions{i}"))
    token = profile.settings.rasa_auth_token
    for name in ("rasa1", "rasa2"):
        lines = command_lines(profile.supervisor, name)
        assert all(token not in line for line in lines.values()), lines


def raw_request(port: int, head: bytes, cert: Path, body: bytes = b"{" + b" " * 1000) -> bytes:
    """Send a request head and the first bytes of its body over TLS; what the proxy answers
    first, or a note that it answered nothing in time (it passed the request on and waits)."""
    context = ssl.create_default_context(cafile=str(cert))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=PROXY_ANSWER_SECONDS) as plain,
        context.wrap_socket(plain, server_hostname="127.0.0.1") as sock,
    ):
        sock.sendall(head + body)
        try:
            return sock.recv(300)
        except TimeoutError:
            return b"(no answer: the request went on to Rasa)"


@pytest.mark.parametrize("door", ["public", "console"])
def test_the_proxy_refuses_an_oversized_body_before_reading_it(
    profile: ProdStack, door: str
) -> None:
    """Before: a POST announcing 100 MB went on to Rasa, which waited to buffer it all (no
    answer in 10 s). Now the proxy answers 413 at once, after the headers; a chunked body,
    whose size is unknown until its end, gets 411; a normal turn still gets through."""
    port = getattr(profile.ports, door)
    path = b"/webhooks/web/webhook" if door == "public" else b"/webhooks/console/login"
    start = b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    limit = profile.settings.max_request_bytes
    huge = raw_request(port, start + b"Content-Length: 100000000\r\n\r\n", profile.cert)
    assert huge.startswith(b"HTTP/1.1 413"), huge
    over = f"Content-Length: {limit + 1}\r\n\r\n".encode()
    just_over = raw_request(port, start + over, profile.cert)
    assert just_over.startswith(b"HTTP/1.1 413"), just_over
    first_chunk = b"400\r\n" + b" " * 0x400 + b"\r\n"  # and more to come
    chunked = raw_request(
        port, start + b"Transfer-Encoding: chunked\r\n\r\n", profile.cert, first_chunk
    )
    assert chunked.startswith(b"HTTP/1.1 411"), chunked
    turn = requests.post(
        f"{profile.rasa_url}/webhooks/web/webhook",
        json={"sender": f"size-{uuid.uuid4().hex}", "message": "hello"},
        timeout=30,
    )
    assert turn.status_code == 200 and turn.json(), turn.text


def test_the_proxy_serves_tls_with_hsts_and_redirects_plain_http(profile: ProdStack) -> None:
    """Before: plain HTTP only, on the public port. Now TLS (1.2 or newer) on both origins,
    every answer with HSTS, and plain HTTP redirected to the chat's TLS origin."""
    for url in (f"{profile.rasa_url}/rasa-health", f"{profile.console_url}/webhooks/console/"):
        answer = requests.get(url, timeout=10)  # verified against the profile's certificate
        assert answer.status_code == 200, (url, answer.status_code)
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000", url
    refused = requests.get(f"{profile.rasa_url}/nothing-here", timeout=10)
    assert "Strict-Transport-Security" in refused.headers  # the proxy's own answers too
    plain = requests.get(
        f"{prod.http_url(profile.ports)}/webhooks/web/widget.js?v=1",
        timeout=10,
        allow_redirects=False,
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"{profile.rasa_url}/webhooks/web/widget.js?v=1"
    with pytest.raises(requests.ConnectionError):  # no plain HTTP on the TLS port
        requests.get(f"http://127.0.0.1:{profile.ports.public}/", timeout=10)
    assert tls_refusal(profile.ports.public, profile.cert) == "TLSV1_ALERT_PROTOCOL_VERSION"


def tls_refusal(port: int, cert: Path) -> str:
    """Why the proxy refuses a TLS 1.0/1.1 client: the server's alert, not our own library
    refusing to offer them (OpenSSL 3 does unless told SECLEVEL=0)."""
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(str(cert))
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1 and TLSv1_1 themselves
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection(("127.0.0.1", port), timeout=10) as plain_socket:
        try:
            old.wrap_socket(plain_socket, server_hostname="127.0.0.1")
        except ssl.SSLError as error:
            return str(error.reason)
    return "accepted"


def test_the_console_is_reachable_only_on_its_own_origin(profile: ProdStack) -> None:
    """Before: the console's pages and API answered on the shop's and the chat's origin.
    Now they answer on the console's origin only, which serves nothing else."""
    for path in ("/webhooks/console/", "/webhooks/console/api/handoffs/1", "/webhooks/console"):
        on_chat = requests.get(profile.rasa_url + path, timeout=10, allow_redirects=False)
        assert on_chat.status_code == 404, (path, on_chat.status_code)
    login = requests.get(f"{profile.console_url}/webhooks/console/", timeout=10)
    assert login.status_code == 200 and "log in" in login.text.lower()
    root = requests.get(f"{profile.console_url}/", timeout=10, allow_redirects=False)
    assert root.status_code == 302 and root.headers["Location"] == "/webhooks/console/"
    for path in ("/webhooks/web/widget.js", "/conversations/x/tracker", "/status"):
        on_console = requests.get(profile.console_url + path, timeout=10)
        assert on_console.status_code == 404, (path, on_console.status_code)
