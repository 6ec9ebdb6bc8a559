"""Where one customer's data can be: the store, the tracker store and the training files.

Export, erasure and retention each need all three; passing them as one value lets a test or a
tool point every operation at temporary databases, and keeps the production lookup (the
store's URL; the tracker from the endpoints file the Rasa server reads, else where the KPI
refresh looks) in one place.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine import Engine

from bot.kpis.schema import create_kpi_schema
from bot.kpis.sources import has_events_table, tracker_engine
from bot.settings import Settings, get_settings
from bot.store.db import get_engine, session_factory
from bot.store.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork

# Tracker store types that keep Rasa's `events` table (ours is named by its class path, as in
# endpoints.yml; it is not imported: bot.trackers sits above this package's users).
SQL_TRACKER_STORES = frozenset({"sql", "SQL", "bot.trackers.store.CachedSQLTrackerStore"})


@dataclass(frozen=True)
class DataLocations:
    """The store (a unit of work per operation), the tracker's `events` (None: no tracker
    store to search) and the project's `data/` training files (None: none to search)."""

    new_uow: Callable[[], AbstractUnitOfWork]
    tracker_engine: Engine | None
    data_dir: Path | None


def default_locations(
    settings: Settings | None = None, *, endpoints: Path | None = None
) -> DataLocations:
    """The locations the running product uses; no connection is made here.

    The tracker is the SQL tracker store of `endpoints` (the file the Rasa server was
    started with, e.g. deploy/endpoints.prod.yml) when given, else where the KPI refresh
    looks (CIM_TRACKER_DB's SQLite file, else the store's own database)."""
    settings = settings or get_settings()
    url = settings.database_url
    given = tracker_url_from_endpoints(endpoints) if endpoints is not None else None
    return DataLocations(
        new_uow=lambda: _store_uow(url),
        tracker_engine=tracker_engine(get_engine(url), given),
        data_dir=Path(settings.training_root) / "data",
    )


def _store_uow(url: str) -> AbstractUnitOfWork:
    """A unit of work on the store, its KPI tables made first: a customer's footprint reads
    `kpi_conversations`, which only the KPI refresh or the dashboard creates, so a process
    without the console (or a fresh store) would otherwise fail every export and erasure.
    `create_kpi_schema` runs once per engine and process."""
    create_kpi_schema(get_engine(url))
    return SqlAlchemyUnitOfWork(session_factory(url))


def tracker_url_from_endpoints(path: Path) -> str | None:
    """The database URL of the SQL tracker store in an endpoints file, built by Rasa's own
    `get_db_url` from the same keys; None when the file keeps trackers elsewhere (Redis,
    memory), names no database, or uses a variable the environment does not set.

    Only the `tracker_store` section's ${VARS} are expanded (Rasa's reader expands the whole
    file, so an unset action-server variable would hide the tracker from a CLI run)."""
    options = _tracker_section(path)
    if options is None or options.pop("type", None) not in SQL_TRACKER_STORES:
        return None
    if not options.get("db"):
        return None
    port = options.get("port")
    url = SQLTrackerStore.get_db_url(
        dialect=options.get("dialect", "sqlite"),
        host=options.get("url"),
        port=int(port) if port else None,
        db=options["db"],
        username=options.get("username"),
        password=options.get("password"),
    )
    return url if isinstance(url, str) else url.render_as_string(hide_password=False)


def _tracker_section(path: Path) -> dict[str, str] | None:
    try:  # BaseLoader: every value a string, and no ${VAR} resolver of Rasa's on it
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except (OSError, yaml.YAMLError):
        return None
    section = document.get("tracker_store") if isinstance(document, dict) else None
    if not isinstance(section, dict):
        return None
    values = {str(k): os.path.expandvars(v) for k, v in section.items() if isinstance(v, str)}
    return None if any("${" in v for v in values.values()) else values


def events_engine(locations: DataLocations) -> Engine | None:
    """The tracker engine if it really holds Rasa's `events` table (a fresh install, or a
    store that never kept trackers, has none)."""
    engine = locations.tracker_engine
    return engine if engine is not None and has_events_table(engine) else None
