"""Action-server calls cut off after a few seconds instead of Rasa's 300.

Rasa's `RemoteAction.run` calls the action server with its fixed `DEFAULT_REQUEST_TIMEOUT`
of 300 s. An action server that accepts the connection and never answers (hung, stopped,
a lock held in its database) would keep the customer waiting five minutes for nothing, and
the conversation's lock held as long. Here Rasa's own `run` is awaited for at most
CIM_ACTION_TIMEOUT_SECONDS (bot/settings.py, default 5 s); after that it is cancelled and
`asyncio.TimeoutError` is raised, as aiohttp raises it when Rasa's own limit runs out, so the
processor logs "exception while running action" and the web channel's reply guard apologises
(tests/e2e/test_faults.py: a SIGSTOPped action server costs a turn 5 s and an apology). The
customer store's own statements give up after CIM_DB_STATEMENT_TIMEOUT_MS (2 s), well inside.

Where an endpoints file still sets `request_timeout` under `action_endpoint` (how this limit
was configured before the setting existed), that endpoint's value wins; the project's own
endpoints files no longer set it. A value that is not a positive number is refused on the
first call. CIM_ACTION_TIMEOUT_SECONDS=0 leaves this patch out: Rasa's 300 s, whatever the
endpoints file says.

Measured (bench/results/rasa-patches.md): no CPU cost (+0.0 ms/turn).

Kind: contract (a call Rasa would wait 300 s for fails after the limit).
"""

from __future__ import annotations

from typing import Any

from bot.rasa_patches.base import Patch
from bot.settings import Settings

REQUEST_TIMEOUT_KEY = "request_timeout"
SETTING = "CIM_ACTION_TIMEOUT_SECONDS"

_limit = {"seconds": 5.0}


def endpoint_timeout(endpoint: Any) -> float | None:
    """The endpoint's own `request_timeout` (endpoints.yml), in seconds; None if unset."""
    value = (getattr(endpoint, "kwargs", None) or {}).get(REQUEST_TIMEOUT_KEY)
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not seconds > 0:
        raise ValueError(
            f"{REQUEST_TIMEOUT_KEY} must be a positive number of seconds, not {value!r}"
        )
    return seconds


def limit_for(action: Any) -> float:
    """The seconds `action`'s calls may take: its endpoint's own limit, or the setting's."""
    own = endpoint_timeout(action.action_endpoint)
    return _limit["seconds"] if own is None else own


async def run_with_timeout(
    self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> list[Any]:
    """`RemoteAction.run`, cancelled with `asyncio.TimeoutError` after the limit."""
    import asyncio

    seconds = limit_for(self)
    call = PATCH.rasa()(self, output_channel, nlg, tracker, domain)
    return await asyncio.wait_for(call, seconds)  # type: ignore[no-any-return]


def _configure(settings: Settings) -> None:
    _limit["seconds"] = settings.action_timeout_seconds


def _wanted(settings: Settings) -> bool:
    return settings.action_timeout_seconds > 0


PATCH = Patch(
    target="rasa.core.actions.action:RemoteAction.run",
    sha256="ccabf6f1160d527a157fad5bd285ce69e8221b1bcad23f8a61499b4360a1c17e",
    kind="contract",
    why=__doc__ or "",
    replacement=run_with_timeout,
    setting=SETTING,
    wanted=_wanted,
    configure=_configure,
)
