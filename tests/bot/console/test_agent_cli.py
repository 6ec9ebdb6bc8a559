"""`cim agent create`: the password comes from stdin or the terminal, never from argv."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bot.services.agents import authenticate
from bot.settings import get_settings
from bot.store.db import session_factory
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tools.cli import main as cli
from tools.seed.databases import temporary_database


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with temporary_database("sqlite") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        yield url
    get_settings.cache_clear()


def test_an_agent_is_created_with_the_password_from_stdin(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert cli.main(["agent", "create", "anna", "--name", "Anna", "--team", "billing"]) == 0
    uow = SqlAlchemyUnitOfWork(session_factory(database))
    agent = authenticate(uow, username="anna", password="a long enough password")
    assert agent is not None and agent.team == "billing" and agent.display_name == "Anna"


def test_a_weak_password_is_refused(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["agent", "create", "anna", "--name", "Anna"]) == 2
    assert "password" in capsys.readouterr().err


def test_there_is_no_password_argument() -> None:
    with pytest.raises(SystemExit):
        cli.main(["agent", "create", "anna", "--name", "Anna", "--password", "x"])
