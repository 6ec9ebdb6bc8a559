"""`cim privacy export|erase|purge` through the real command line, on a temporary seeded
store and tracker database (SQLite, and PostgreSQL as production keeps them) holding a
customer's whole footprint."""

from __future__ import annotations

import getpass
import io
import json
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore

from bot.console.customer_lookup import summary
from bot.customer_data.footprint import find_customer
from bot.customer_data.locations import DataLocations
from bot.services.access_log import AccessEntryView, recent_access
from bot.settings import get_settings
from bot.store.db import create_schema, get_engine, session_factory
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.bot.customer_data.footprints import Footprint, make_footprint
from tools.cli.main import main
from tools.seed.databases import BACKENDS, SEED_NOW, temporary_database
from tools.seed.demo_store import seed_demo_data

OPERATOR = f"cli:{getpass.getuser()}"


@dataclass(frozen=True)
class Shop:
    store_url: str
    tracker_url: str
    locations: DataLocations
    footprint: Footprint

    def argv(self, *words: str) -> list[str]:
        where = ["--database-url", self.store_url, "--tracker-url", self.tracker_url]
        return ["privacy", *words, *where]

    def trail(self) -> list[AccessEntryView]:
        return recent_access(self.locations.new_uow())


@pytest.fixture
def training_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The erasure edits data/ under the training root: a copy of nothing, not the repo's."""
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("CIM_TRAINING_ROOT", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(params=BACKENDS)
async def shop(request: pytest.FixtureRequest, training_root: Path) -> AsyncIterator[Shop]:
    backend = request.param
    with temporary_database(backend) as store_url, temporary_database(backend) as tracker_url:
        create_schema(get_engine(store_url))
        factory = session_factory(store_url)
        seed_demo_data(factory, customers=6, orders=20, now=SEED_NOW)
        SQLTrackerStore.SQLEvent.__table__.create(get_engine(tracker_url))
        locations = DataLocations(
            new_uow=lambda: SqlAlchemyUnitOfWork(factory),
            tracker_engine=get_engine(tracker_url),
            data_dir=training_root / "data",
        )
        footprint = await make_footprint(
            locations, store_url=store_url, tracker_url=tracker_url, public_id="C0001", tag="cli"
        )
        yield Shop(store_url, tracker_url, locations, footprint)


def _exists(shop: Shop, public_id: str) -> bool:
    with shop.locations.new_uow() as uow:
        return find_customer(uow, public_id=public_id) is not None


def test_export_writes_a_zip_with_the_customers_json_and_logs_the_operator(
    shop: Shop, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "exports"
    assert main(shop.argv("export", "--customer", "c0001", "--out", str(out))) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.parent == out and path.suffix == ".zip"
    with zipfile.ZipFile(path) as archive:
        assert {"customer.json", "summary.html"} <= set(archive.namelist())
        document = json.loads(archive.read("customer.json"))
    assert document["customer"] == "C0001"
    assert shop.footprint.note in json.dumps(document)
    [entry] = shop.trail()
    assert (entry.agent, entry.action) == (OPERATOR, "export_customer")
    assert entry.customer_id == shop.footprint.customer.id
    assert entry.detail is None  # ids only: nothing of what was exported


@pytest.mark.parametrize("typed", ["C0002\n", "\n", ""])
def test_erase_without_yes_and_without_the_typed_id_changes_nothing(
    shop: Shop, typed: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = summary(shop.locations, public_id="C0001")
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    assert main(shop.argv("erase", "--customer", "C0001")) == 1
    shown = capsys.readouterr()
    assert "Type C0001 to erase" in shown.err and "interactions" in shown.err
    assert "not erased" in shown.err and shown.out == ""
    assert summary(shop.locations, public_id="C0001") == before
    assert shop.trail() == []


def test_erase_with_the_typed_id_erases_and_prints_the_receipt(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("c0001\n"))
    assert main(shop.argv("erase", "--customer", "C0001")) == 0
    shown = capsys.readouterr()
    receipt = json.loads(shown.out)
    assert "Type C0001 to erase" in shown.err
    assert sum(receipt["removed"].values()) > 0
    assert not _exists(shop, "C0001") and _exists(shop, "C0002")
    [entry] = shop.trail()
    assert (entry.agent, entry.action, entry.customer_id) == (
        OPERATOR,
        "erase_customer",
        shop.footprint.customer.id,
    )


def test_erase_with_yes_asks_nothing_and_a_second_run_is_safe(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(shop.argv("erase", "--customer", "C0001", "--yes")) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(shop.argv("erase", "--customer", "C0001", "--yes")) == 0
    second = json.loads(capsys.readouterr().out)
    assert sum(first["removed"].values()) > 0 and sum(second["removed"].values()) == 0
    assert [e.action for e in shop.trail()] == ["erase_customer", "erase_customer"]


@pytest.mark.parametrize("verb", [["export"], ["erase"], ["erase", "--yes"]])
def test_an_unknown_customer_exits_2_with_a_message(
    shop: Shop, verb: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(shop.argv(*verb, "--customer", "C9999")) == 2
    assert "C9999" in capsys.readouterr().err
    assert shop.trail() == []


@pytest.mark.parametrize("verb", [["export"], ["erase", "--yes"]])
@pytest.mark.parametrize("raw", ["not an id", "C", "42", "C0001'; --", "x" * 40])
def test_a_malformed_customer_id_exits_2(
    shop: Shop, verb: list[str], raw: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(shop.argv(*verb, "--customer", raw)) == 2
    assert "is not a customer id" in capsys.readouterr().err
    assert _exists(shop, "C0001")


def test_purge_runs_as_of_the_given_time_and_prints_its_run(
    shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(shop.argv("purge", "--now", "2031-01-01T00:00:00Z", "--batch", "50"))
    run = json.loads(capsys.readouterr().out)
    assert code == 0 and run["outcome"] == "ok"
    assert run["as_of"].startswith("2031-01-01") and run["batch_size"] == 50
    assert run["removed"] > 0  # the footprint, written now, is years past every window


@pytest.mark.parametrize("raw", ["yesterday", "2031-13-01"])
def test_purge_refuses_a_time_it_cannot_read(raw: str, shop: Shop) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(shop.argv("purge", "--now", raw))
    assert exit_.value.code == 2
