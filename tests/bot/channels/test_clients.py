"""The client key the channel puts into every message's metadata for the action server."""

from __future__ import annotations

import re

import pytest

from bot.channels.clients import CLIENT_KEY, ClientKeys, with_client


def test_a_client_key_is_short_hex_stable_and_keyed_by_the_secret() -> None:
    keys = ClientKeys("secret-one")

    key = keys.key_for("198.51.100.7")

    assert re.fullmatch(r"[0-9a-f]{16}", key)
    assert key == ClientKeys("secret-one").key_for("198.51.100.7")  # every replica agrees
    assert key != keys.key_for("198.51.100.8")
    assert key != ClientKeys("secret-two").key_for("198.51.100.7")


def test_the_channels_key_replaces_the_clients_own() -> None:
    metadata: dict[str, object] = {CLIENT_KEY: "someone-elses", "page": "/cart"}

    assert with_client(metadata, "abc") == {CLIENT_KEY: "abc", "page": "/cart"}
    assert metadata[CLIENT_KEY] == "someone-elses"  # the client's dict is not changed


def test_a_secret_is_required() -> None:
    with pytest.raises(ValueError):
        ClientKeys("")
