"""RulePolicy's debug text of the conversation's states, formatted only when shown.

`Policy.format_tracker_states` formats every state of the conversation into a debug message,
and RulePolicy deep-copies it, on every prediction, whether or not debug logging is on, so
it costs more the longer the conversation. The patch returns the same text lazily: an object
that formats with Rasa's function on `str()` or `repr()` (when a debug line is written),
compares and hashes as that text, and deep-copies as itself.

Measured (bench/results/rasa-patches.md, 120-turn conversations): +0.55 ms/turn (7 %).

Kind: speed (the same text, when anyone looks).
"""

from __future__ import annotations

from typing import Any

from bot.rasa_patches.base import Patch


class LazyStatesText:
    """What `Policy.format_tracker_states` returns, formatted only when shown."""

    def __init__(self, states: list[Any]) -> None:
        self.states = states
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = PATCH.rasa()(self.states)
        return self._text

    def __repr__(self) -> str:
        return repr(str(self))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyStatesText:
        return self


def format_tracker_states(states: list[Any]) -> LazyStatesText:
    """`Policy.format_tracker_states`, formatted when a debug line shows it."""
    return LazyStatesText(states)


PATCH = Patch(
    target="rasa.core.policies.policy:Policy.format_tracker_states",
    sha256="32b101cb34fd1c32fd17557044632ecbe9cb5638e605ca81864ddcb6b469a22a",
    kind="speed",
    why=__doc__ or "",
    replacement=format_tracker_states,
    static=True,
)
