"""The client behind a customer message, as an opaque key in the message's metadata.

The action server counts verification attempts and handoffs per client, but sees only what
Rasa forwards: the message's metadata. The channel therefore puts there, under `CLIENT_KEY`,
a keyed hash of the client's address (bot/client_address.py: the TCP peer, or what a trusted
proxy forwarded), overwriting whatever the client sent under that key. The hash lets the
action server tell clients apart without handling addresses, and nobody without the token
secret can compute the key of an address or choose one to impersonate another client.

The key (HMAC-SHA256 under a key derived from CIM_TOKEN_SECRET for this purpose only, 16 hex
characters) is the same in every process that holds the secret, so every replica counts the
same client under the same key. The tracker store does not keep it (bot/trackers/store.py).
"""

from __future__ import annotations

import hashlib
import hmac

CLIENT_KEY = "cim_client"  # the metadata key the action server reads
KEY_HEX_CHARS = 16
_CONTEXT = b"cim-client-address"


class ClientKeys:
    """Turns client addresses into metadata keys with the server's token secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a secret is required to key client addresses")
        self._key = hmac.new(secret.encode("utf-8"), _CONTEXT, hashlib.sha256).digest()

    def key_for(self, address: str) -> str:
        digest = hmac.new(self._key, address.encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:KEY_HEX_CHARS]


def with_client(metadata: dict[str, object], client_key: str) -> dict[str, object]:
    """The message's metadata with the channel's client key, never the client's own."""
    return {**metadata, CLIENT_KEY: client_key}
