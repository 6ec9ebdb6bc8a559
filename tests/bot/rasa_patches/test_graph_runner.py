"""The model's graph runs as with dask: same values, same errors, for any targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bot import rasa_patches
from bot.rasa_patches import graph_runner as patch


def test_install_is_idempotent_and_uninstall_restores_rasa() -> None:
    rasa_run = DaskGraphRunner.run
    rasa_patches.install()
    rasa_patches.install()
    assert DaskGraphRunner.run is patch.run_graph
    assert rasa_patches.original("DaskGraphRunner.run") is rasa_run
    rasa_patches.uninstall()
    assert DaskGraphRunner.run is rasa_run


class Arithmetic(GraphComponent):
    """A graph component for tests: adds, combines, or fails."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.step = int(config.get("step", 1))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Arithmetic:
        return cls(config)

    def add(self, x: int) -> int:
        return x + self.step

    def combine(self, a: int, b: int) -> list[int]:
        return [a, b, a * 10 + b]

    def fail(self, x: int) -> int:
        raise RuntimeError(f"failing on {x}")


def _node(fn: str, needs: dict[str, str], step: int = 1, target: bool = False) -> SchemaNode:
    return SchemaNode(
        needs=needs,
        uses=Arithmetic,
        constructor_name="create",
        fn=fn,
        config={"step": step},
        is_target=target,
    )


SCHEMA = GraphSchema(
    {
        "a": _node("add", {"x": "__x__"}, step=1),
        "b": _node("add", {"x": "a"}, step=10),
        "c": _node("add", {"x": "a"}, step=100),
        "d": _node("combine", {"a": "b", "b": "c"}, target=True),
        "unused": _node("add", {"x": "__x__"}, step=1000),
        "broken": _node("fail", {"x": "a"}),
        "orphan": _node("add", {"x": "__never_given__"}),
    }
)


def _runner(tmp_path: Path) -> DaskGraphRunner:
    storage = LocalModelStorage(tmp_path)
    return DaskGraphRunner(SCHEMA, storage, ExecutionContext(SCHEMA, "test-model"))


def _run(function: Any, runner: DaskGraphRunner, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "ok", function(runner, **kwargs)
    except (GraphRunError, GraphComponentException) as error:
        cause = error.__cause__
        return type(error).__name__, (str(error), type(cause).__name__ if cause else None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"inputs": {"__x__": 1}},
        {"inputs": {"__x__": 5}, "targets": ["d", "unused"]},
        {"inputs": {"__x__": 5}, "targets": ["b"]},
        {"inputs": {"__x__": 2}, "targets": ["broken"]},
        {"inputs": {"__x__": "a"}},
        {"inputs": {"__x__": 3}, "targets": ["orphan"]},
        {"inputs": {}, "targets": ["a"]},
    ],
    ids=[
        "default-targets",
        "two-targets",
        "one-target",
        "failing-node",
        "input-clash",
        "unresolved-need",
        "missing-input",
    ],
)
def test_graphs_run_as_with_dask(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    runner = _runner(tmp_path)
    expected = _run(patch.PATCH.rasa(), runner, **kwargs)
    assert _run(patch.run_graph, runner, **kwargs) == expected
    assert _run(patch.run_graph, runner, **kwargs) == expected  # the cached plan


def test_the_override_computes_the_right_values(tmp_path: Path) -> None:
    assert patch.run_graph(_runner(tmp_path), inputs={"__x__": 1}) == {"d": [12, 102, 222]}
