"""Agents: the people who take handed-off conversations, and how they log in.

Agents are created by an administrator (a CLI command); there are no default
credentials, except a demo agent that `ensure_demo_agent` creates outside production.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.exc import IntegrityError

from bot.services.agent_sessions import revoke_agent_sessions
from bot.services.convert import agent_view
from bot.services.inputs import clean_text, valid_id
from bot.services.passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    rehash,
    verify_password,
)
from bot.services.views import AgentView
from bot.settings import InsecureSettingsError, Settings
from bot.store.models import AGENT_ROLES, Agent
from bot.store.unit_of_work import AbstractUnitOfWork

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MAX_USERNAME_CHARS = 64
DEMO_USERNAME = "demo"
# Only ever created outside production (see ensure_demo_agent); documented in the README.
DEMO_PASSWORD = "dev-only-demo-agent"


class AgentError(ValueError):
    """An agent cannot be created or changed as asked; the message says why."""


def create_agent(
    uow: AbstractUnitOfWork,
    *,
    username: str,
    password: str,
    display_name: str,
    role: str = "agent",
    team: str | None = None,
) -> AgentView:
    """Raises AgentError (or PasswordPolicyError, a ValueError too) with a message the
    administrator can act on."""
    agent = Agent(
        username=_username(username),
        display_name=_display_name(display_name),
        password_hash=hash_password(password),
        role=_role(role),
        team=clean_text(team, max_length=50),
        active=True,
    )
    with uow:
        if uow.agents.get_by_username(username=agent.username) is not None:
            raise AgentError(f"an agent called {agent.username!r} already exists")
        uow.agents.add(agent)
        _commit(uow, agent.username)
        return agent_view(agent)


def normalise_username(value: object) -> str | None:
    """The one form of a typed username, for the lookup and the login throttle alike:
    NFKC, case-folded, stripped. Anything with a control or format character (NUL, a
    zero-width space) or longer than a username can be is None: no agent has that name, so
    it must not count as a different name either."""
    if not isinstance(value, str):
        return None
    name = unicodedata.normalize("NFKC", value).casefold().strip()
    if not name or len(name) > MAX_USERNAME_CHARS:
        return None
    if any(unicodedata.category(char).startswith("C") for char in name):
        return None
    return name


def authenticate(uow: AbstractUnitOfWork, *, username: str, password: str) -> AgentView | None:
    """The active agent with these credentials, else None; unknown users, inactive users
    and wrong passwords take the same time and give the same answer. A hash made with less
    than today's cost is replaced by one made with it."""
    name = normalise_username(username)
    with uow:
        agent = uow.agents.get_by_username(username=name) if name else None
        if agent is None or not agent.active:
            burn_verification_time(password if isinstance(password, str) else "")
            return None
        if not verify_password(password, agent.password_hash):
            return None
        if needs_rehash(agent.password_hash):
            # no length rule here: a password that verified may predate today's
            agent.password_hash = rehash(password)
            uow.commit()
        return agent_view(agent)


def get_agent(uow: AbstractUnitOfWork, *, agent_id: int) -> AgentView | None:
    identifier = valid_id(agent_id)
    if identifier is None:
        return None
    with uow:
        agent = uow.agents.get(agent_id=identifier)
        return agent_view(agent) if agent is not None else None


def list_agents(uow: AbstractUnitOfWork, *, active_only: bool = False) -> list[AgentView]:
    with uow:
        return [agent_view(agent) for agent in uow.agents.list_all(active_only=active_only)]


def set_password(uow: AbstractUnitOfWork, *, username: str, password: str) -> AgentView:
    """A new password ends every session the agent has open."""
    encoded = hash_password(password)
    with uow:
        agent = _existing(uow, username)
        agent.password_hash = encoded
        revoke_agent_sessions(uow, agent_id=agent.id, why="password_changed")
        uow.commit()
        return agent_view(agent)


def set_active(uow: AbstractUnitOfWork, *, username: str, active: bool) -> AgentView:
    """Agents are deactivated rather than deleted: their handoffs and notes name them.
    Deactivation ends every session; their live-feed sockets are cut at the next check."""
    with uow:
        agent = _existing(uow, username)
        agent.active = active
        if not active:
            revoke_agent_sessions(uow, agent_id=agent.id, why="deactivated")
        uow.commit()
        return agent_view(agent)


def ensure_demo_agent(uow: AbstractUnitOfWork, settings: Settings) -> AgentView:
    """The demo agent (created if missing) for trying the console; never in production."""
    if not settings.is_development:
        raise InsecureSettingsError(
            "the demo agent has a published password and is never created in production; "
            "create agents with the CLI instead"
        )
    with uow:
        existing = uow.agents.get_by_username(username=DEMO_USERNAME)
        if existing is not None:
            return agent_view(existing)
    return create_agent(
        uow, username=DEMO_USERNAME, password=DEMO_PASSWORD, display_name="Demo Agent"
    )


def _existing(uow: AbstractUnitOfWork, username: str) -> Agent:
    agent = uow.agents.get_by_username(username=_username(username))
    if agent is None:
        raise AgentError(f"no agent called {username!r}")
    return agent


def _commit(uow: AbstractUnitOfWork, username: str) -> None:
    try:
        uow.commit()
    except IntegrityError:
        raise AgentError(f"an agent called {username!r} already exists") from None


def _username(value: object) -> str:
    name = value.strip().lower() if isinstance(value, str) else ""
    if not USERNAME.match(name):
        raise AgentError(
            "a username has 3 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def _display_name(value: object) -> str:
    name = clean_text(value, max_length=100)
    if name is None:
        raise AgentError("an agent needs a display name")
    return name


def _role(value: object) -> str:
    if value not in AGENT_ROLES:
        raise AgentError(f"the role must be one of {', '.join(AGENT_ROLES)}, not {value!r}")
    return str(value)
