"""Another action by name is the one rasa_sdk registered: no list or walk of our own."""

from __future__ import annotations

from rasa_sdk.executor import ActionExecutor

from actions.greeting import ActionGreet
from actions.identification import identified_action
from actions.orders import ActionOrderStatus
from actions.registered import action_named


def test_every_name_the_action_server_serves_is_found() -> None:
    served = ActionExecutor()
    served.register_package("actions")
    for name in served.actions:
        found = action_named(name)
        assert found is not None and found.name() == name


def test_an_unknown_or_abstract_name_is_none() -> None:
    assert action_named("action_no_such_thing") is None
    assert action_named("StoreAction") is None


def test_only_a_personal_request_resumes_after_verification() -> None:
    assert isinstance(identified_action("action_order_status"), ActionOrderStatus)
    assert isinstance(action_named("action_greet"), ActionGreet)
    assert identified_action("action_greet") is None  # not personal: nothing to resume
