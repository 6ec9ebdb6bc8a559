"""`socketio_redis_url`: several replicas share socket.io emits through Redis; without it the
channel keeps python-socketio's in-process manager, exactly as before. The relay across real
replicas is tested end to end in tests/e2e/test_prod_profile.py."""

from __future__ import annotations

from typing import Any

import pytest
import socketio

from bot.channels.web import WebChatInput


async def _ignore(_message: Any) -> None:
    return None


def _manager(credentials: dict[str, Any] | None) -> Any:
    channel = WebChatInput.from_credentials(credentials)
    assert isinstance(channel, WebChatInput)
    channel.blueprint(_ignore)
    assert channel.sio is not None
    return channel.sio.manager


@pytest.mark.parametrize(
    "credentials",
    [
        None,
        {},
        {"socketio_redis_url": ""},
        {"socketio_redis_url": "  "},
        {"socketio_redis_url": None},
    ],
)
def test_without_a_redis_url_the_manager_is_the_in_process_one(credentials: Any) -> None:
    assert type(_manager(credentials)) is socketio.AsyncManager


def test_a_redis_url_gives_every_replica_the_redis_manager() -> None:
    manager = _manager(
        {"socketio_redis_url": "redis://127.0.0.1:6379/7", "socketio_redis_channel": "shop-a"}
    )
    assert isinstance(manager, socketio.AsyncRedisManager)
    assert manager.redis_url == "redis://127.0.0.1:6379/7"
    assert manager.channel == "shop-a"


def test_the_redis_channel_has_a_default() -> None:
    manager = _manager({"socketio_redis_url": "redis://127.0.0.1:6379/7"})
    assert manager.channel == "socketio"


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/7", "127.0.0.1:6379", "\x00\xff"])
def test_a_url_that_is_not_redis_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValueError, match="socketio_redis_url must be a redis://"):
        _manager({"socketio_redis_url": url})
