"""A signed-in customer downloads and deletes their chat against the real Rasa process.

The real channel, the real agent's cached SQL tracker store and the real erasure: what the
customer said is in the download, and after the deletion it is in no `events` row and the
Rasa API's tracker no longer holds it (the cache is not served once its rows are gone).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.channels.session_ids import SessionKeys
from bot.customer_tokens import sign_token
from bot.kpis.schema import create_kpi_schema
from bot.store.db import get_engine
from tests.db import scalar
from tests.e2e.stack import Stack, running_stack, texts
from tools.seed.demo_store import ensure_seeded


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[Stack]:
    database_url = f"sqlite:///{tmp_path / 'shop.db'}"
    ensure_seeded(database_url)
    # The KPI refresher makes its tables where the console is served; this Rasa serves none,
    # and the erasure's footprint reads kpi_conversations (it fails without them).
    create_kpi_schema(get_engine(database_url))
    with running_stack(tmp_path, database_url=database_url, only={"actions", "rasa"}) as stack:
        yield stack


def my_chat(stack: Stack, action: str, body: dict[str, str]) -> requests.Response:
    url = f"{stack.rasa_url}/webhooks/web/my-chat/{action}"
    return requests.post(url, json=body, timeout=30)


def test_a_customer_downloads_then_deletes_their_chat(own_stack: Stack, tmp_path: Path) -> None:
    secret = own_stack.settings.token_secret
    token = sign_token("C0001", secret=secret, ttl_seconds=600)
    marias = SessionKeys(secret).issue("C0001")
    said = "where is my order 100002?"
    assert texts(own_stack.say(marias, said, {"customer_token": token}))
    body = {"session_id": marias, "customer_token": token}

    download = my_chat(own_stack, "transcript", body)
    assert download.status_code == 200
    assert said in [m["text"] for m in download.json()["messages"]]
    assert token not in download.text

    other = SessionKeys(secret).issue("C0002")
    refused = my_chat(own_stack, "delete", {"session_id": other, "customer_token": token})
    assert refused.status_code == 403

    deleted = my_chat(own_stack, "delete", body)
    assert deleted.status_code == 200, deleted.text
    rows = scalar(
        f"sqlite:///{tmp_path / 'tracker.db'}",
        "SELECT count(*) FROM events WHERE sender_id = :s",
        s=marias,
    )
    assert rows == 0
    assert said not in str(own_stack.tracker(marias)["events"])
    assert my_chat(own_stack, "transcript", body).json()["messages"] == []
