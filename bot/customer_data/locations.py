"""Where one customer's data can be: the store, the tracker store and the training files.

Export, erasure and retention each need all three; passing them as one value lets a test or a
tool point every operation at temporary databases, and keeps the production lookup (the
store's URL, the tracker found as the KPI refresh finds it) in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.kpis.sources import has_events_table, tracker_engine
from bot.settings import Settings, get_settings
from bot.store.db import get_engine, session_factory
from bot.store.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork


@dataclass(frozen=True)
class DataLocations:
    """The store (a unit of work per operation), the tracker's `events` (None: no tracker
    store to search) and the project's `data/` training files (None: none to search)."""

    new_uow: Callable[[], AbstractUnitOfWork]
    tracker_engine: Engine | None
    data_dir: Path | None


def default_locations(settings: Settings | None = None) -> DataLocations:
    """The locations the running product uses; no connection is made here."""
    settings = settings or get_settings()
    url = settings.database_url
    return DataLocations(
        new_uow=lambda: SqlAlchemyUnitOfWork(session_factory(url)),
        tracker_engine=tracker_engine(get_engine(url)),
        data_dir=Path(settings.training_root) / "data",
    )


def events_engine(locations: DataLocations) -> Engine | None:
    """The tracker engine if it really holds Rasa's `events` table (a fresh install, or a
    store that never kept trackers, has none)."""
    engine = locations.tracker_engine
    return engine if engine is not None and has_events_table(engine) else None
