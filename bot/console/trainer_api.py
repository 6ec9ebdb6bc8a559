"""The trainer's page in the console: the review inbox, labels, retraining, data quality.

Same login as agents; the role `trainer` (or `supervisor`) is required, else 403
`trainer_role_required` (the page: an HTML 403; no session: a redirect to the login). Every
route wears the guard (bot/console/http.py), and writes need the CSRF header like every
console call. What the page gets is shaped in bot/console/trainer_json.py and shown with
textContent (trainer.js).

Retraining runs `cim train` in a child process (one at a time here; its lock is in the
models directory); the page polls `/api/training` for the record of each run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.blocking import in_thread
from bot.console import pages
from bot.console.guard import TRAINER_ROLES, error
from bot.console.host import ConsoleHost
from bot.console.http import (
    Refusal,
    StaffCall,
    json_reply,
    mount,
    require_agent,
    static_file,
)
from bot.console.trainer_json import inbox_json, quality_json, run_json, simulation_json

STATIC_DIR = Path(__file__).resolve().parent / "static"
DENIED = "trainer_role_required"
DECISION_CONFLICTS = ("already_decided", "intent_exists")  # 409; other refusals are 400


def add_trainer_routes(bp: Blueprint, host: ConsoleHost) -> None:
    trainer = Trainer(host)
    mount(
        bp,
        [
            (trainer.page, "/trainer", "GET", "trainer_page"),
            (trainer.script, "/trainer.js", "GET", "trainer_js"),
            (trainer.inbox, "/api/inbox", "GET", "trainer_inbox"),
            (trainer.decide, "/api/inbox/decide", "POST", "trainer_decide"),
            (trainer.training, "/api/training", "GET", "trainer_runs"),
            (trainer.train, "/api/training", "POST", "trainer_train"),
            (trainer.quality, "/api/quality", "GET", "trainer_quality"),
            (trainer.simulation, "/api/simulation", "GET", "trainer_simulation"),
            (trainer.confusion, "/trainer/confusion.svg", "GET", "trainer_confusion"),
        ],
    )


def _forbidden_page() -> HTTPResponse:
    return response.html(pages.trainer_forbidden(), status=403, headers=pages.SECURITY_HEADERS)


PAGE_REFUSAL = Refusal(lambda: response.redirect("./", status=303), _forbidden_page)


class Trainer:
    def __init__(self, host: ConsoleHost) -> None:
        self.host = host
        self.job = TrainingJob()

    @require_agent(TRAINER_ROLES, refusal=PAGE_REFUSAL)
    async def page(self, call: StaffCall) -> HTTPResponse:
        page = pages.trainer_page(call.agent, call.csrf)
        return response.html(page, headers=pages.SECURITY_HEADERS)

    async def script(self, _: Request) -> HTTPResponse:
        return await static_file(STATIC_DIR / "trainer.js", "application/javascript")

    @require_agent(TRAINER_ROLES, denied=DENIED)
    async def inbox(self, call: StaffCall) -> HTTPResponse:
        from bot.inbox.service import list_groups

        groups = await in_thread(list_groups, self._uow())
        return json_reply(inbox_json(groups, await in_thread(_intents)))

    @require_agent(TRAINER_ROLES, write=True, denied=DENIED)
    async def decide(self, call: StaffCall) -> HTTPResponse:
        from bot.inbox.service import decide

        intents = await in_thread(_intents)
        decision = _decision(call.body)
        result = await in_thread(
            decide, self._uow(), agent_id=call.agent.id, known_intents=set(intents), **decision
        )
        if not result.ok:
            status = 409 if result.reason in DECISION_CONFLICTS else 400
            return error(status, str(result.reason))
        return json_reply({"decided": [item.id for item in result.items]})

    @require_agent(TRAINER_ROLES, denied=DENIED)
    async def training(self, call: StaffCall) -> HTTPResponse:
        pending = await in_thread(_pending, self._uow())
        runs = await in_thread(_runs, self._uow())
        return json_reply({"running": self.job.running(), "pending": pending, "runs": runs})

    @require_agent(TRAINER_ROLES, write=True, denied=DENIED)
    async def train(self, call: StaffCall) -> HTTPResponse:
        if not await self.job.start(call.agent.username):
            return error(409, "training_running")
        return json_reply({"started": True}, status=202)

    @require_agent(TRAINER_ROLES, denied=DENIED)
    async def quality(self, call: StaffCall) -> HTTPResponse:
        return json_reply(quality_json(await in_thread(_examine)))

    @require_agent(TRAINER_ROLES, denied=DENIED)
    async def simulation(self, call: StaffCall) -> HTTPResponse:
        """The latest simulation run of the retraining gate (bot/trainer/simulation_gate.py)."""
        from bot.trainer.simulation_gate import latest_run

        run = await in_thread(latest_run, _models_dir())
        return json_reply(simulation_json(run))

    @require_agent(TRAINER_ROLES, denied=DENIED)
    async def confusion(self, call: StaffCall) -> HTTPResponse:
        """The latest cross-validation's confusion matrix (`cim crossval`), as SVG."""
        svg = await in_thread(_confusion_svg)
        if svg is None:
            return error(404, "no_crossval_report")
        headers = {**pages.SECURITY_HEADERS, "Cache-Control": "no-store"}
        return response.raw(svg.encode(), content_type="image/svg+xml", headers=headers)

    def _uow(self) -> Any:
        if self.host.new_uow is None:
            raise RuntimeError("the console is not started")
        return self.host.new_uow()


class TrainingJob:
    """The `cim train` child process this console started; one at a time."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.starting = False

    def running(self) -> bool:
        return self.starting or (self.process is not None and self.process.poll() is None)

    async def start(self, username: str) -> bool:
        """Start a run for `username`; False when one is already running. The slot is
        taken before the process is spawned off the loop, so two clicks start one run."""
        if self.running():
            return False
        self.starting = True
        try:
            self.process = await in_thread(_spawn_training, username)
        finally:
            self.starting = False
        return True


def _spawn_training(username: str) -> subprocess.Popen[bytes]:
    log = _models_dir() / "training.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cim = str(Path(sys.executable).with_name("cim"))
    with log.open("ab") as out:
        return subprocess.Popen(
            [cim, "train", "--by", username],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=os.environ.copy(),
            start_new_session=True,
        )


def _decision(body: dict[str, Any]) -> dict[str, Any]:
    """The decision a call asks for, each field of the type `decide` takes (or empty)."""
    ids, intent, new_type = body.get("item_ids"), body.get("intent"), body.get("new_intent_type")
    return {
        "item_ids": ids if isinstance(ids, list) else [],
        "decision": str(body.get("decision") or ""),
        "intent": intent if isinstance(intent, str) else None,
        "new_intent_type": new_type if isinstance(new_type, str) and new_type else None,
    }


def _pending(uow: Any) -> int:
    from bot.trainer.retrain import pending_labels

    return len(pending_labels(uow))


def _runs(uow: Any) -> list[dict[str, Any]]:
    with uow:
        return [run_json(run) for run in uow.reviews.runs(limit=10)]


def _intents() -> dict[str, str]:
    from bot.trainer.data_files import Workspace

    return Workspace(_training_root()).intents()


def _examine() -> Any:
    from bot.trainer.quality import examine

    return examine(_training_root(), crossval_report=_crossval_report())


def _confusion_svg() -> str | None:
    from bot.trainer.quality import confusion_svg

    report = _crossval_report()
    return confusion_svg(json.loads(report.read_text())) if report is not None else None


def _crossval_report() -> Path | None:
    """`cim crossval` writes results/crossval/report.json under the training root."""
    path = _training_root() / "results" / "crossval" / "report.json"
    return path if path.is_file() else None


def _models_dir() -> Path:
    from bot.settings import get_settings

    return Path(get_settings().models_dir)


def _training_root() -> Path:
    from bot.settings import get_settings

    return Path(get_settings().training_root)
