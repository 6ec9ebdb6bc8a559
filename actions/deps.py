"""Where actions get their collaborators; tests swap the factory for a database of their own."""

from __future__ import annotations

from collections.abc import Callable

from bot.store.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork

UowFactory = Callable[[], AbstractUnitOfWork]

_factory: UowFactory | None = None


def new_uow() -> AbstractUnitOfWork:
    """A fresh unit of work; the engine behind it is created lazily on first use."""
    return (_factory or SqlAlchemyUnitOfWork)()


def override_uow_factory(factory: UowFactory | None) -> None:
    """Point every action at another store (tests), or back at the default with None."""
    global _factory
    _factory = factory
