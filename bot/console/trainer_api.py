"""The trainer's page in the console: the review inbox, labels, retraining, data quality.

Same login as agents; the role `trainer` (or `supervisor`) is required. Everything the page
shows comes as JSON and is displayed with textContent (trainer.js): inbox text is customer
text, redacted but still never HTML. Writes need the CSRF header like every console call.

Retraining runs `cim train` in a child process (one at a time: its lock is in the models
directory); the page polls `/api/training` for the record of each run.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import pages, staff_cookies
from bot.console.guard import TRAINER_ROLES, error, guard
from bot.console.routes import json_body
from bot.services.views import AgentView

if TYPE_CHECKING:
    from bot.console.channel import AgentConsoleInput

STATIC_DIR = Path(__file__).resolve().parent / "static"


def add_trainer_routes(bp: Blueprint, channel: AgentConsoleInput) -> None:
    trainer = Trainer(channel)
    routes: list[tuple[Handler, str, str, str]] = [
        (trainer.page, "/trainer", "GET", "trainer_page"),
        (trainer.script, "/trainer.js", "GET", "trainer_js"),
        (trainer.inbox, "/api/inbox", "GET", "trainer_inbox"),
        (trainer.decide, "/api/inbox/decide", "POST", "trainer_decide"),
        (trainer.training, "/api/training", "GET", "trainer_runs"),
        (trainer.train, "/api/training", "POST", "trainer_train"),
        (trainer.quality, "/api/quality", "GET", "trainer_quality"),
        (trainer.simulation, "/api/simulation", "GET", "trainer_simulation"),
        (trainer.confusion, "/trainer/confusion.svg", "GET", "trainer_confusion"),
    ]
    for handler, path, method, name in routes:
        bp.add_route(_plain(handler), path, methods=[method], name=name)


Handler = Callable[[Request], Coroutine[Any, Any, HTTPResponse]]


def _plain(method: Handler) -> Handler:
    """Sanic marks its handlers with attributes, which bound methods can't take."""

    async def handler(request: Request) -> HTTPResponse:
        return await method(request)

    return handler


class Trainer:
    def __init__(self, channel: AgentConsoleInput) -> None:
        self.channel = channel
        self.process: subprocess.Popen[bytes] | None = None

    async def page(self, request: Request) -> HTTPResponse:
        staff = await self.channel.staff_for(request.cookies.get(staff_cookies.SESSION_COOKIE))
        if staff is None:
            return response.redirect("./", status=303)
        agent, session = staff.agent, staff.session
        if agent.role not in TRAINER_ROLES:
            return response.html(
                pages.trainer_forbidden(), status=403, headers=pages.SECURITY_HEADERS
            )
        assert self.channel.secret is not None
        csrf = staff_cookies.csrf_token(self.channel.secret, session.session_id)
        return response.html(pages.trainer_page(agent, csrf), headers=pages.SECURITY_HEADERS)

    async def script(self, _: Request) -> HTTPResponse:
        body = (STATIC_DIR / "trainer.js").read_bytes()
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
        return response.raw(
            body, content_type="application/javascript; charset=utf-8", headers=headers
        )

    async def inbox(self, request: Request) -> HTTPResponse:
        agent = await self._trainer(request, write=False)
        if isinstance(agent, HTTPResponse):
            return agent
        from bot.inbox.service import list_groups

        groups = await self._blocking(list_groups, self._uow())
        intents = await self._blocking(self._intents)
        return _ok(
            {
                "groups": [
                    {
                        "count": group.count,
                        "suggestions": [
                            {"intent": i, "confidence": c} for i, c in group.suggestions
                        ],
                        "items": [
                            {
                                "id": item.id,
                                "text": item.text,
                                "count": item.count,
                                "source": item.source,
                                "details": item.details,
                            }
                            for item in group.items
                        ],
                    }
                    for group in groups
                ],
                "intents": [{"name": n, "type": t} for n, t in sorted(intents.items())],
                "types": list(_interaction_types()),
            }
        )

    async def decide(self, request: Request) -> HTTPResponse:
        agent = await self._trainer(request)
        if isinstance(agent, HTTPResponse):
            return agent
        from bot.inbox.service import decide

        body = json_body(request)
        ids = body.get("item_ids")
        new_type = body.get("new_intent_type")
        intents = await self._blocking(self._intents)
        result = await self._blocking(
            partial(
                decide,
                self._uow(),
                item_ids=ids if isinstance(ids, list) else [],
                decision=str(body.get("decision") or ""),
                intent=body.get("intent") if isinstance(body.get("intent"), str) else None,
                agent_id=agent.id,
                known_intents=set(intents),
                new_intent_type=new_type if isinstance(new_type, str) and new_type else None,
            )
        )
        if not result.ok:
            return error(
                409 if result.reason in ("already_decided", "intent_exists") else 400,
                str(result.reason),
            )
        return _ok({"decided": [item.id for item in result.items]})

    async def training(self, request: Request) -> HTTPResponse:
        agent = await self._trainer(request, write=False)
        if isinstance(agent, HTTPResponse):
            return agent

        def runs() -> list[dict[str, Any]]:
            with self._uow() as uow:
                return [
                    {
                        "id": run.id,
                        "by": run.requested_by,
                        "outcome": run.outcome,
                        "reason": run.reason,
                        "changes": len(run.changes or []),
                        "metrics": run.metrics,
                        "commit": run.commit,
                        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    }
                    for run in uow.reviews.runs(limit=10)
                ]

        from bot.trainer.retrain import pending_labels

        pending = await self._blocking(lambda: len(pending_labels(self._uow())))
        return _ok(
            {"running": self._running(), "pending": pending, "runs": await self._blocking(runs)}
        )

    async def train(self, request: Request) -> HTTPResponse:
        agent = await self._trainer(request)
        if isinstance(agent, HTTPResponse):
            return agent
        if self._running():
            return error(409, "training_running")
        from bot.settings import get_settings

        log = Path(get_settings().models_dir) / "training.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        cim = str(Path(sys.executable).with_name("cim"))
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [cim, "train", "--by", agent.username],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=os.environ.copy(),
                start_new_session=True,
            )
        return _ok({"started": True}, status=202)

    async def quality(self, request: Request) -> HTTPResponse:
        agent = await self._trainer(request, write=False)
        if isinstance(agent, HTTPResponse):
            return agent
        from bot.settings import get_settings
        from bot.trainer.quality import examine

        root = Path(get_settings().training_root)
        found = await self._blocking(partial(examine, root, crossval_report=_crossval_report()))
        return _ok(
            {
                "confused_pairs": [
                    {"intent": t, "predicted": p, "count": c} for t, p, c in found.confused_pairs
                ],
                "confusion_matrix": "trainer/confusion.svg" if found.matrix_svg else None,
                "duplicates": [{"text": t, "intents": i} for t, i in found.duplicates],
                "near_duplicates": [
                    {"a": a, "a_intent": ia, "b": b, "b_intent": ib, "similarity": round(s, 3)}
                    for a, ia, b, ib, s in found.near_duplicates
                ],
                "small_intents": [{"intent": i, "examples": n} for i, n in found.small_intents],
                "entity_errors": [
                    {"intent": i, "text": t, "problem": p} for i, t, p in found.entity_errors
                ],
                "checks": found.checks,
            }
        )

    async def simulation(self, request: Request) -> HTTPResponse:
        """The latest simulation run of the retraining gate (bot/trainer/simulation_gate.py):
        resolution overall and by category, and the failing conversations. Their turns are
        simulated customers' text and the bot's replies, shown as text by trainer.js."""
        agent = await self._trainer(request, write=False)
        if isinstance(agent, HTTPResponse):
            return agent
        from bot.settings import get_settings
        from bot.trainer.simulation_gate import latest_run

        run = await self._blocking(latest_run, Path(get_settings().models_dir))
        if run is None:
            return _ok({"run": None})
        keep = (
            "model",
            "verdict",
            "refusal",
            "started_at",
            "recorded_at",
            "seconds",
            "suite",
            "overall",
            "failing",
            "failing_total",
        )
        categories = {
            name: {
                k: figures.get(k)
                for k in (
                    "played",
                    "resolved",
                    "resolution_rate",
                    "routine",
                    "routine_resolved",
                    "routine_rate",
                )
            }
            for name, figures in (run.get("categories") or {}).items()
        }
        return _ok({"run": {k: run.get(k) for k in keep} | {"categories": categories}})

    async def confusion(self, request: Request) -> HTTPResponse:
        """The latest cross-validation's confusion matrix (`cim crossval`), as SVG."""
        agent = await self._trainer(request, write=False)
        if isinstance(agent, HTTPResponse):
            return agent
        from bot.trainer.quality import confusion_svg

        report = _crossval_report()
        if report is None:
            return error(404, "no_crossval_report")
        svg = await self._blocking(lambda: confusion_svg(json.loads(report.read_text())))
        headers = {**pages.SECURITY_HEADERS, "Cache-Control": "no-store"}
        return response.raw(svg.encode(), content_type="image/svg+xml", headers=headers)

    async def _trainer(self, request: Request, *, write: bool = True) -> AgentView | HTTPResponse:
        token = request.headers.get(staff_cookies.CSRF_HEADER) if write else None
        staff = await guard(
            request,
            self.channel,
            roles=TRAINER_ROLES,
            write=write,
            token=token,
            denied="trainer_role_required",
        )
        return staff if isinstance(staff, HTTPResponse) else staff.agent

    def _running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _uow(self) -> Any:
        assert self.channel.new_uow is not None
        return self.channel.new_uow()

    @staticmethod
    def _intents() -> dict[str, str]:
        from bot.settings import get_settings
        from bot.trainer.data_files import Workspace

        return Workspace(Path(get_settings().training_root)).intents()

    @staticmethod
    async def _blocking(function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def _crossval_report() -> Path | None:
    """`cim crossval` writes results/crossval/report.json under the training root."""
    from bot.settings import get_settings

    path = Path(get_settings().training_root) / "results" / "crossval" / "report.json"
    return path if path.is_file() else None


def _interaction_types() -> tuple[str, ...]:
    from bot.interaction_types import INTERACTION_TYPES

    return INTERACTION_TYPES


def _ok(body: dict[str, Any], status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers={"Cache-Control": "no-store"})
