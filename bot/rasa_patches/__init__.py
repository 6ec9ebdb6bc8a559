"""The run-time patches of Rasa, installed once by the process bootstrap.

Rasa's extension points (tracker store, channels, components, policies) do not reach some
measured hot spots (../shared/notes/rasa-capacity.md; bench/results/rasa-patches.md), and two
contracts had to change, so a few Rasa functions are replaced at run time, in the Rasa server
process only. One module per patch says which function it replaces, the upstream source hash
it was reviewed against (the text itself is in `upstream/`), whether it is a `speed` patch
(same results and errors, less CPU) or a `contract` one, and why; `registry.PATCHES` lists
them.

Settings (bot/settings.py) decide what is installed:

- CIM_RASA_SPEED_PATCHES (default true): all speed patches, together; false is for diagnosis
  and changes nothing a customer or an action sees;
- CIM_ACTION_TIMEOUT_SECONDS (default 5; 0: Rasa's 300 s): `action_timeout`;
- CIM_ACTION_PAYLOAD (default slim; full: Rasa's body): `action_payload`.

`install(settings)` puts in what the settings ask for, takes out what they do not, and
returns the installed labels ("Class.function"); calling it again is harmless. Nothing is
installed as a side effect of building a tracker store or a channel: the Rasa server's entry
point calls `install` once. `uninstall()` puts Rasa's functions back; `original(label)` is
Rasa's own function for a label, installed or not. After a Rasa upgrade,
`python -m tools.rasa_upgrade_check` shows what changed in every reviewed function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.settings import Settings, get_settings


def install(settings: Settings | None = None) -> list[str]:
    """Install the patches `settings` asks for (default: the process's); idempotent."""
    from bot.rasa_patches.base import put_in, take_out
    from bot.rasa_patches.registry import PATCHES

    chosen = get_settings() if settings is None else settings
    for patch in PATCHES:
        if patch.wanted(chosen):
            patch.configure(chosen)
            put_in(patch)
        else:
            take_out(patch)
    return installed()


def uninstall() -> None:
    """Put Rasa's functions back and drop what the patches kept."""
    from bot.rasa_patches.base import take_out
    from bot.rasa_patches.registry import PATCHES

    for patch in PATCHES:
        take_out(patch)


def installed() -> list[str]:
    """The labels of the patches in place now."""
    from bot.rasa_patches.base import is_installed
    from bot.rasa_patches.registry import PATCHES

    return [patch.label for patch in PATCHES if is_installed(patch)]


def original(label: str) -> Callable[..., Any]:
    """Rasa's own function for `label` ("Class.function"), installed or not."""
    from bot.rasa_patches.base import original as rasa_function
    from bot.rasa_patches.registry import PATCHES

    for patch in PATCHES:
        for reviewed in patch.reviewed:
            if reviewed.label == label:
                return rasa_function(label, reviewed)
    raise KeyError(label)
