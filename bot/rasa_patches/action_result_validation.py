"""Action-server replies validated with a validator built once, not once per call.

Rasa checks every action-server response with `jsonschema.validate()`, which (jsonschema
4.17.3, the newest Rasa 3.6 allows) first re-checks the constant response schema against the
JSON-Schema metaschema, then builds a validator: 47 % of the Rasa server's CPU under a load
where 43 % of turns call a custom action, most of the ~33 ms an action call cost
(../shared/notes/rasa-capacity.md, py-spy). Here the schema is checked and the validator
built once per class; the response is validated exactly as `jsonschema.validate` does
(`best_match` of all errors) and refused with Rasa's own message suffix.

Measured (bench/results/rasa-patches.md, 120-turn conversations, about half the turns
calling an action): +6.8 ms of Rasa CPU per turn (47 % of the turn without it).

Kind: speed (same verdicts, same errors).
"""

from __future__ import annotations

from typing import Any

from bot.rasa_patches.base import Patch

_validators: dict[type, Any] = {}


def _response_validator(action_class: type) -> Any:
    validator = _validators.get(action_class)
    if validator is None:
        from jsonschema.validators import validator_for

        schema = action_class.action_response_format_spec()  # type: ignore[attr-defined]
        cls = validator_for(schema)
        cls.check_schema(schema)
        validator = _validators[action_class] = cls(schema)
    return validator


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result` with the validator built once."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_response_validator(type(self)).iter_errors(result))
    if error is None:
        return True
    try:
        raise error
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


PATCH = Patch(
    target="rasa.core.actions.action:RemoteAction._validate_action_result",
    sha256="f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42",
    kind="speed",
    why=__doc__ or "",
    replacement=validate_action_result,
    forget=_validators.clear,
)
