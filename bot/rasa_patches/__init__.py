"""The run-time patches of Rasa, installed by the process bootstrap (not by any constructor).

`install(settings)` puts in the patches the settings ask for and returns their labels;
`uninstall()` puts Rasa's own functions back; `original(label)` is Rasa's function for a
label ("Class.function"), installed or not. Speed patches (same results, less CPU) follow
CIM_RASA_SPEED_PATCHES; the two changes of contract follow their own settings
(CIM_ACTION_TIMEOUT_SECONDS, CIM_ACTION_PAYLOAD), so switching the speed-ups off for a
diagnosis changes nothing a customer or an action sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.settings import Settings


def install(settings: Settings | None = None) -> list[str]:
    """Install the patches `settings` asks for (default: the process's); idempotent."""
    from bot import runtime_overrides

    runtime_overrides.install()
    return list(runtime_overrides._originals)


def uninstall() -> None:
    """Put Rasa's functions back."""
    from bot import runtime_overrides

    runtime_overrides.uninstall()


def original(label: str) -> Callable[..., Any]:
    """Rasa's own function for `label` ("Class.function"), installed or not."""
    from bot import runtime_overrides

    return runtime_overrides.original(label)
