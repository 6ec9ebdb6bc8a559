from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.storage import ModelStorage


@pytest.fixture
def model_storage(tmp_path: Path) -> ModelStorage:
    storage_path = tmp_path / "model_storage"
    storage_path.mkdir()
    return LocalModelStorage.create(storage_path)


@pytest.fixture
def execution_context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test-model")
