from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.services import agents, passwords
from bot.services.agents import (
    DEMO_PASSWORD,
    AgentError,
    authenticate,
    create_agent,
    ensure_demo_agent,
    get_agent,
    list_agents,
    set_active,
    set_password,
)
from bot.services.passwords import PasswordPolicyError
from bot.settings import InsecureSettingsError, Settings
from bot.store.models import Agent
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import empty_store
from tools.seed.databases import BACKENDS

PASSWORD = "a long enough password"
REAL_COST = passwords.COST_N


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    with empty_store(request.param) as (_url, factory):
        yield factory


@pytest.fixture
def uow(factory: sessionmaker) -> UoW:
    return UoW(factory)


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheaper scrypt cost; the timing test puts the real one back."""
    monkeypatch.setattr(passwords, "COST_N", 2**8)


def alex(uow: UoW, **overrides: Any) -> Any:
    values = {"username": "Alex", "password": PASSWORD, "display_name": "Alex Doe", **overrides}
    return create_agent(uow, **values)


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls: list[int] = []
    real: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_an_agent_logs_in_with_the_right_password(uow: UoW) -> None:
    created = alex(uow, role="supervisor", team="billing")
    assert (created.username, created.role, created.team, created.active) == (
        "alex",
        "supervisor",
        "billing",
        True,
    )
    assert authenticate(uow, username="ALEX ", password=PASSWORD) == created
    assert get_agent(uow, agent_id=created.id) == created
    assert list_agents(uow) == [created]


def test_only_a_hash_is_stored(uow: UoW, factory: sessionmaker) -> None:
    alex(uow)
    with factory() as session:
        stored = session.scalars(select(Agent.password_hash)).one()
    assert stored.startswith("scrypt$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("alex", "a long enough passworD"),
        ("alex", ""),
        ("nobody", PASSWORD),
        ("", PASSWORD),
        (None, PASSWORD),
        ("alex", None),
        pytest.param("alex", "x" * 5_000_000, id="huge-password"),
    ],
)
def test_wrong_credentials_get_none(uow: UoW, username: object, password: object) -> None:
    alex(uow)
    assert authenticate(uow, username=username, password=password) is None  # type: ignore[arg-type]


def test_an_inactive_agent_cannot_log_in(uow: UoW) -> None:
    alex(uow)
    set_active(uow, username="alex", active=False)
    assert authenticate(uow, username="alex", password=PASSWORD) is None
    assert list_agents(uow, active_only=True) == []


def test_the_password_can_be_changed(uow: UoW) -> None:
    alex(uow)
    set_password(uow, username="alex", password="another long password")
    assert authenticate(uow, username="alex", password=PASSWORD) is None
    assert authenticate(uow, username="alex", password="another long password") is not None


def test_passwords_are_compared_in_constant_time(uow: UoW, monkeypatch: pytest.MonkeyPatch) -> None:
    alex(uow)
    compared = counting(monkeypatch, hmac, "compare_digest")
    authenticate(uow, username="alex", password="a wrong password!")
    assert compared == [1]


def test_an_unknown_user_costs_a_hash_like_a_known_one(
    uow: UoW, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Otherwise the response time tells which usernames exist."""
    alex(uow)
    hashed = counting(monkeypatch, hashlib, "scrypt")
    authenticate(uow, username="alex", password="a wrong password!")
    authenticate(uow, username="nobody", password="a wrong password!")
    set_active(uow, username="alex", active=False)
    authenticate(uow, username="alex", password=PASSWORD)
    assert hashed == [1, 1, 1]


def test_unknown_and_known_users_take_about_as_long(
    uow: UoW, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "COST_N", REAL_COST)
    alex(uow)

    def timed(username: str) -> float:
        start = time.perf_counter()
        authenticate(uow, username=username, password="a wrong password!")
        return time.perf_counter() - start

    # A loose bound: the deterministic proof is the test above; this one only catches an
    # unknown user answering without hashing at all (orders of magnitude faster).
    known = min(timed("alex") for _ in range(5))
    unknown = min(timed("nobody") for _ in range(5))
    assert 0.2 < unknown / known < 5


def test_unicode_passwords_work(uow: UoW) -> None:
    alex(uow, password="Grüße aus Köln 🌧️ 東京")
    assert authenticate(uow, username="alex", password="Gru\u0308ße aus Ko\u0308ln 🌧️ 東京")
    assert authenticate(uow, username="alex", password="Grusse aus Koln 🌧️ 東京") is None


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"username": "a"}, AgentError),
        ({"username": "has space"}, AgentError),
        pytest.param({"username": "x" * 65}, AgentError, id="long-username"),
        ({"username": None}, AgentError),
        ({"display_name": "  "}, AgentError),
        ({"role": "admin"}, AgentError),
        ({"password": "short"}, PasswordPolicyError),
        pytest.param({"password": "x" * 2000}, PasswordPolicyError, id="huge-password"),
    ],
)
def test_bad_agents_are_refused_with_a_reason(
    uow: UoW, overrides: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        alex(uow, **overrides)


def test_usernames_are_unique_ignoring_case(uow: UoW) -> None:
    alex(uow)
    with pytest.raises(AgentError, match="already exists"):
        alex(uow, username="ALEX")


def test_changing_an_unknown_agent_is_an_error(uow: UoW) -> None:
    with pytest.raises(AgentError, match="no agent called"):
        set_active(uow, username="ghost", active=False)


def test_the_demo_agent_exists_only_outside_production(uow: UoW) -> None:
    demo = ensure_demo_agent(uow, Settings(env="development"))
    assert ensure_demo_agent(uow, Settings(env="test")) == demo
    assert authenticate(uow, username="demo", password=DEMO_PASSWORD) == demo
    production = Settings(env="production", token_secret="s" * 32, rasa_auth_token="r" * 32)
    with pytest.raises(InsecureSettingsError):
        ensure_demo_agent(uow, production)


def test_production_never_creates_the_demo_agent(uow: UoW) -> None:
    production = Settings(env="production", token_secret="s" * 32, rasa_auth_token="r" * 32)
    with pytest.raises(InsecureSettingsError):
        ensure_demo_agent(uow, production)
    assert list_agents(uow) == []
    assert agents.DEMO_USERNAME == "demo"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("alex", "alex"),
        ("  ALEX\t", "alex"),
        ("\uff41\uff4c\uff45\uff58", "alex"),  # full-width letters: NFKC
        ("Stra\u00dfe", "strasse"),  # case-folded, not just lower-cased
        ("alex\x00", None),  # NUL: no agent has it, and it is no other name either
        ("al\u200bex", None),  # a zero-width space
        ("alex" + " " * 70 + "x", None),  # longer than a username can be
        ("", None),
        (None, None),
    ],
)
def test_a_typed_username_has_one_normal_form(typed: object, name: str | None) -> None:
    assert agents.normalise_username(typed) == name


def test_a_padded_or_nul_username_logs_in_as_nobody_else(uow: UoW) -> None:
    alex(uow)
    assert authenticate(uow, username="  Alex ", password=PASSWORD) is not None
    assert authenticate(uow, username="alex\x00", password=PASSWORD) is None


def test_a_hash_weaker_than_todays_cost_is_replaced_at_login(
    uow: UoW, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "COST_N", 2**4)
    alex(uow)
    monkeypatch.setattr(passwords, "COST_N", 2**8)
    assert authenticate(uow, username="alex", password="a wrong password!") is None
    assert stored_cost(uow) == 2**4  # a wrong password changes nothing
    assert authenticate(uow, username="alex", password=PASSWORD) is not None
    assert stored_cost(uow) == 2**8
    assert authenticate(uow, username="alex", password=PASSWORD) is not None


def test_the_cost_is_owasps_minimum_for_scrypt() -> None:
    assert (REAL_COST, passwords.BLOCK_R, passwords.PARALLEL_P) == (2**17, 8, 1)


def stored_cost(uow: UoW) -> int:
    with uow:
        encoded = uow.session.scalars(select(Agent.password_hash)).one()
    return int(encoded.split("$")[1])


def test_a_new_password_or_deactivation_ends_every_session(uow: UoW) -> None:
    from bot.services.agent_sessions import session_agent, start_session

    agent = alex(uow)

    def session(name: str) -> str:
        start_session(uow, agent_id=agent.id, session_id=name, lifetime_seconds=60, address=None)
        return name

    def live(name: str) -> bool:
        found = session_agent(uow, agent_id=agent.id, session_id=name, max_age_seconds=60)
        return found is not None

    first = session("first-session")
    assert live(first)
    set_password(uow, username="alex", password="another long password")
    assert not live(first)
    second = session("second-session")
    set_active(uow, username="alex", active=False)
    set_active(uow, username="alex", active=True)
    assert not live(second)  # reactivation does not bring a session back
    assert live(session("third-session"))
