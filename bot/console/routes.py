"""The console's HTTP routes: the agents' JSON API, the console's own files, and (added from
here, as the channel asks for them) the front door, the trainer's page and its API.

Every API route wears the guard (bot/console/http.py, `require_agent`): a live session (else
401) of a role it allows (else 403; the queue and the packets are for agents and
supervisors, the access log for supervisors), and for a change the CSRF token in the
X-CSRF-Token header. No console route answers a call from another origin
(bot/console/origin.py). Each handler is the guard, one call of the agents' actions
(bot/console/agent_actions.py) and its answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.agent_actions import ConsoleActions, Reply
from bot.console.guard import SERVING_ROLES, SUPERVISOR_ROLES, error
from bot.console.host import ConsoleHost
from bot.console.http import StaffCall, mount, reply, require_agent, static_file
from bot.console.login import LoginRoutes
from bot.console.privacy_api import add_privacy_routes
from bot.console.trainer_api import add_trainer_routes
from bot.services.views import AgentView

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {"console.js": "application/javascript", "console.css": "text/css"}
API = Callable[[ConsoleActions, AgentView, int, dict[str, Any]], Awaitable[Reply]]

ACTIONS: dict[str, API] = {
    "claim": lambda a, agent, hid, body: a.claim(agent, hid),
    "reply": lambda a, agent, hid, body: a.reply(agent, hid, body.get("text")),
    "typing": lambda a, agent, hid, body: a.typing(agent, hid),
    "notes": lambda a, agent, hid, body: a.note(agent, hid, body.get("text")),
    "transfer": lambda a, agent, hid, body: a.transfer(agent, hid, body.get("team")),
    "resolve": lambda a, agent, hid, body: a.resolve(
        agent, hid, body.get("disposition"), hand_back=False
    ),
    "handback": lambda a, agent, hid, body: a.resolve(
        agent, hid, body.get("disposition", "solved"), hand_back=True
    ),
}


def add_routes(bp: Blueprint, host: ConsoleHost) -> None:
    door, api = LoginRoutes(host), AgentApi(host)
    mount(
        bp,
        [
            (door.index, "/", "GET", "index"),
            (door.login, "/login", "POST", "login"),
            (door.logout, "/logout", "POST", "logout"),
            (api.queue, "/api/queue", "GET", "queue"),
            (api.packet, "/api/handoffs/<handoff_id:int>", "GET", "packet"),
            (api.act, "/api/handoffs/<handoff_id:int>/<action:str>", "POST", "act"),
            (api.access_log, "/api/access-log", "GET", "access_log"),
        ],
    )
    mount(bp, [(_static(name), "/" + name, "GET", name.replace(".", "_")) for name in STATIC_TYPES])
    add_trainer_routes(bp, host)
    add_privacy_routes(bp, host)  # supervisors: a customer's data (bot/console/privacy_api.py)


class AgentApi:
    """What the console page calls: the queue, a handoff's packet, the actions on it."""

    def __init__(self, host: ConsoleHost) -> None:
        self.host = host

    @require_agent(SERVING_ROLES)
    async def queue(self, call: StaffCall) -> HTTPResponse:
        return reply(await self.actions.queue(call.agent))

    @require_agent(SERVING_ROLES)
    async def packet(self, call: StaffCall, handoff_id: int) -> HTTPResponse:
        return reply(await self.actions.packet(call.agent, handoff_id, address=call.address))

    @require_agent(SERVING_ROLES, write=True)
    async def act(self, call: StaffCall, handoff_id: int, action: str) -> HTTPResponse:
        if action not in ACTIONS:
            return error(404, "unknown_action")
        return reply(await ACTIONS[action](self.actions, call.agent, handoff_id, call.body))

    @require_agent(SUPERVISOR_ROLES)
    async def access_log(self, call: StaffCall) -> HTTPResponse:
        args = call.request.args
        return reply(await self.actions.access_log(call.agent, args, call.address))

    @property
    def actions(self) -> ConsoleActions:
        if self.host.actions is None:
            raise RuntimeError("the console is not started")
        return self.host.actions


def _static(name: str) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
    async def serve(_: Request) -> HTTPResponse:
        return await static_file(STATIC_DIR / name, STATIC_TYPES[name])

    return serve
