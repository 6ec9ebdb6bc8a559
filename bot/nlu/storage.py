"""A trained component's JSON state in Rasa's model storage: one file per component."""

from __future__ import annotations

from typing import Any

import rasa.shared.utils.io
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


def persist_json(storage: ModelStorage, resource: Resource, file_name: str, data: Any) -> None:
    with storage.write_to(resource) as directory:
        rasa.shared.utils.io.dump_obj_as_json_to_file(directory / file_name, data)


def load_json(
    storage: ModelStorage, resource: Resource, file_name: str, *, missing: str
) -> dict[str, Any]:
    """The stored object, or {} with a warning saying `missing` when the model lacks it."""
    try:
        with storage.read_from(resource) as directory:
            return dict(rasa.shared.utils.io.read_json_file(directory / file_name))
    except (ValueError, FileNotFoundError):
        rasa.shared.utils.io.raise_warning(f"{missing} Retrain the model.")
        return {}
