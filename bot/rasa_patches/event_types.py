"""Event classes found by name once, not by walking the class tree for every event read.

Every event read back (action-server replies, stored rows) goes through
`Event.resolve_by_type`, which walks the whole Event class tree (`all_subclasses` +
`inspect.isabstract`) to find its class by name: 18 % of the Rasa server's CPU under load
(../shared/notes/rasa-capacity.md, tracker load and save). The class found for a name is
kept; names not found are looked up each time, as Rasa does. (A subclass defined later under
a name already resolved would not be seen; event classes are defined when their modules are
imported.)

Measured (bench/results/rasa-patches.md): +0.4 ± 0.3 ms/turn, near the noise, because
`CachedSQLTrackerStore` reads no rows back for a conversation it holds; with Rasa's own store
or on a cache miss every stored event goes through it.

Kind: speed (the same classes, the same errors).
"""

from __future__ import annotations

from typing import Any

from bot.rasa_patches.base import Patch

_event_classes: dict[str, type] = {}


def resolve_event_type(type_name: str, default: Any = None) -> Any:
    """`Event.resolve_by_type`, with the class found for each name kept."""
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    resolved = PATCH.rasa()(type_name, default)
    if resolved is not None and resolved is not default:
        _event_classes[type_name] = resolved
    return resolved


PATCH = Patch(
    target="rasa.shared.core.events:Event.resolve_by_type",
    sha256="b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968",
    kind="speed",
    why=__doc__ or "",
    replacement=resolve_event_type,
    static=True,
    forget=_event_classes.clear,
)
