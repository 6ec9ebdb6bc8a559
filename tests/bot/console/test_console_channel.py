"""The agent console's credentials.yml keys: every one optional, read as documented."""

from __future__ import annotations

import pytest

from bot.console.channel import CANNED, AgentConsoleInput


def test_unset_keys_leave_the_defaults_to_the_settings() -> None:
    console = AgentConsoleInput.from_credentials(None)

    assert isinstance(console, AgentConsoleInput)
    assert console.canned == CANNED and console.webhook_url is None
    assert console.sweep_seconds is None  # CIM_QUEUE_SWEEP_SECONDS when the server starts
    assert console.secure_cookie is None and console.session_ttl_seconds == 8 * 3600


@pytest.mark.parametrize(("given", "read"), [(5, 5.0), ("0.5", 0.5), (0, 0.0), ("", None)])
def test_sweep_seconds_is_read_from_the_credentials(given: object, read: float | None) -> None:
    console = AgentConsoleInput.from_credentials({"sweep_seconds": given})

    assert isinstance(console, AgentConsoleInput) and console.sweep_seconds == read


def test_the_other_keys_are_read() -> None:
    console = AgentConsoleInput.from_credentials(
        {
            "canned_responses": ["One moment."],
            "webhook_url": "https://hooks.test/h",
            "session_ttl_seconds": "600",
            "secure_cookie": False,
        }
    )

    assert isinstance(console, AgentConsoleInput)
    assert console.canned == ("One moment.",) and console.webhook_url == "https://hooks.test/h"
    assert console.session_ttl_seconds == 600 and console.secure_cookie is False
