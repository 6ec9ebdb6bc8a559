"""Where the tracker is: read from the endpoints file as Rasa reads it, else as the KPIs look."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.customer_data.locations import default_locations, tracker_url_from_endpoints
from bot.settings import PROJECT_ROOT, Settings
from bot.store.db import dispose_engine

PROD_VARIABLES = {
    "CIM_PG_HOST": "db.internal",
    "CIM_PG_PORT": "5433",
    "CIM_PG_DB": "conversations",
    "CIM_PG_USER": "rasa",
    "CIM_PG_PASSWORD": "pw",
    "CIM_PG_LOGIN_DB": "postgres",
}


def test_the_embedded_profile_keeps_trackers_in_its_sqlite_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CIM_TRACKER_DB", str(tmp_path / "tracker.db"))
    url = tracker_url_from_endpoints(PROJECT_ROOT / "endpoints.yml")
    assert url == f"sqlite:///{tmp_path / 'tracker.db'}"


def test_the_production_profile_keeps_them_in_its_postgresql_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in PROD_VARIABLES.items():
        monkeypatch.setenv(name, value)
    url = tracker_url_from_endpoints(PROJECT_ROOT / "deploy" / "endpoints.prod.yml")
    assert url == "postgresql://rasa:pw@db.internal:5433/conversations"


def test_an_unset_variable_or_a_store_without_sql_is_no_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CIM_TRACKER_DB", raising=False)
    assert tracker_url_from_endpoints(PROJECT_ROOT / "endpoints.yml") is None
    redis = tmp_path / "endpoints.yml"
    redis.write_text("tracker_store:\n  type: redis\n  url: localhost\n")
    assert tracker_url_from_endpoints(redis) is None
    assert tracker_url_from_endpoints(tmp_path / "missing.yml") is None


def test_default_locations_use_the_endpoints_tracker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CIM_TRACKER_DB", str(tmp_path / "tracker.db"))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'shop.db'}", training_root=str(tmp_path)
    )
    try:
        found = default_locations(settings, endpoints=PROJECT_ROOT / "endpoints.yml")
        assert found.tracker_engine is not None
        assert found.tracker_engine.url.database == str(tmp_path / "tracker.db")
        assert found.data_dir == tmp_path / "data"
        monkeypatch.delenv("CIM_TRACKER_DB")
        fallback = default_locations(settings).tracker_engine
        assert fallback is not None and fallback.url.database == str(tmp_path / "shop.db")
    finally:
        for name in ("tracker.db", "shop.db"):
            dispose_engine(f"sqlite:///{tmp_path / name}")


def test_a_store_without_kpi_tables_still_exports(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A Rasa process without the console never creates `kpi_conversations`; the customer's
    footprint reads it, so the locations make it before the first read."""
    from sqlalchemy import inspect, text

    from bot.customer_data.export import export_customer
    from bot.kpis import schema
    from bot.store.db import create_schema, get_engine, session_factory
    from tools.seed.demo_store import seed_demo_data

    monkeypatch.delenv("CIM_TRACKER_DB", raising=False)
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    try:
        engine = get_engine(url)
        create_schema(engine)
        seed_demo_data(session_factory(url), customers=3, orders=4)
        with engine.begin() as connection:
            for table in ("kpi_daily", "kpi_conversations"):
                connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
        monkeypatch.setattr(schema, "_READY", set())
        assert "kpi_conversations" not in inspect(engine).get_table_names()
        settings = Settings(database_url=url, training_root=str(tmp_path))
        archive = export_customer(default_locations(settings), public_id="C0001")
        assert archive.as_json()["profile"]["public_id"] == "C0001"
    finally:
        dispose_engine(url)
