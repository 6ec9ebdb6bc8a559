"""Event classes are resolved by name as Rasa resolves them, from a kept table."""

from __future__ import annotations

import pytest

from bot import rasa_patches


def test_event_classes_are_resolved_as_rasa_resolves_them() -> None:
    from rasa.shared.core.events import ActionExecuted, Event, UserUttered
    from rasa.shared.utils.common import all_subclasses

    rasa = rasa_patches.original("Event.resolve_by_type")
    rasa_patches.install()
    names = sorted({cls.type_name for cls in all_subclasses(Event)})
    for _ in range(2):
        for name in names:
            assert Event.resolve_by_type(name) is rasa(name)
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("nope", ActionExecuted) is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name 'nope'"):
        Event.resolve_by_type("nope")
    rasa_patches.uninstall()
    assert Event.resolve_by_type("user") is UserUttered  # still a static method
    assert isinstance(Event.__dict__["resolve_by_type"], staticmethod)
