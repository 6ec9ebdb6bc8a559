"""The trainer's page and API on a real server: roles, CSRF, the inbox, decisions."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.inbox.service import Observation, record
from bot.services.agents import create_agent
from bot.settings import PROJECT_ROOT, get_settings
from tests.bot.console.conftest import PASSWORD, Console, session_cookie

XSS = '<script>alert("x")</script> where is my parcel'


@pytest.fixture
def training_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    monkeypatch.setenv("CIM_TRAINING_ROOT", str(tmp_path))
    monkeypatch.setenv("CIM_MODELS_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


async def trainer(console: Console) -> tuple[str, str]:
    create_agent(
        console.uow(), username="tina", password=PASSWORD, display_name="Tina", role="trainer"
    )
    return await console.session("tina")


async def post(
    console: Console, session: tuple[str, str], path: str, body: dict
) -> tuple[int, dict]:
    headers = {"Cookie": session_cookie(session[0]), "X-CSRF-Token": session[1]}
    async with console.http.post(console.url + path, json=body, headers=headers) as response:
        return response.status, await response.json()


async def test_only_trainers_and_supervisors_get_in(console: Console, training_root: Path) -> None:
    assert (await console.get(None, "/api/inbox"))[0] == 401
    anna = await console.session("anna")
    assert (await console.get(anna, "/api/inbox")) == (403, {"error": "trainer_role_required"})
    async with console.http.get(
        console.url + "/trainer", headers={"Cookie": session_cookie(anna[0])}, allow_redirects=False
    ) as page:
        assert page.status == 403
    tina = await trainer(console)
    async with console.http.get(
        console.url + "/trainer", headers={"Cookie": session_cookie(tina[0])}
    ) as page:
        assert page.status == 200
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert 'src="trainer.js"' in await page.text()


async def test_the_inbox_shows_text_as_data_and_takes_decisions(
    console: Console, training_root: Path
) -> None:
    item = record(
        console.uow(),
        Observation(text=XSS, source="fallback", suggestions=(("order_status", 0.4),)),
    )
    other = record(console.uow(), Observation(text="blah blah weather", source="out_of_scope"))
    assert item is not None and other is not None
    tina = await trainer(console)

    status, inbox = await console.get(tina, "/api/inbox")
    assert status == 200
    texts = [i["text"] for g in inbox["groups"] for i in g["items"]]
    assert XSS in texts  # as JSON data; trainer.js shows it with textContent
    assert {"name": "order_status", "type": "service"} in inbox["intents"]
    async with console.http.get(
        console.url + "/trainer", headers={"Cookie": session_cookie(tina[0])}
    ) as page:
        assert "<script>alert" not in await page.text()

    body = {"item_ids": [item.id], "decision": "label", "intent": "order_status"}
    headers = {"Cookie": session_cookie(tina[0]), "X-CSRF-Token": "forged"}
    async with console.http.post(
        console.url + "/api/inbox/decide", json=body, headers=headers
    ) as r:
        assert r.status == 403
    assert await post(console, tina, "/api/inbox/decide", body) == (200, {"decided": [item.id]})
    assert (await post(console, tina, "/api/inbox/decide", body))[0] == 409
    unknown = {**body, "item_ids": [other.id], "intent": "no_such_intent"}
    assert await post(console, tina, "/api/inbox/decide", unknown) == (
        400,
        {"error": "unknown_intent"},
    )
    new = {**unknown, "intent": "weather", "new_intent_type": "informative"}
    assert (await post(console, tina, "/api/inbox/decide", new))[0] == 200

    status, training = await console.get(tina, "/api/training")
    assert (status, training["pending"], training["running"]) == (200, 2, False)
    status, inbox = await console.get(tina, "/api/inbox")
    assert inbox["groups"] == []


@pytest.mark.parametrize(
    "body",
    [{}, {"item_ids": "1"}, {"item_ids": [None]}, {"item_ids": [1], "decision": 5}, []],
)
async def test_bad_decisions_get_a_clear_error(
    console: Console, training_root: Path, body: object
) -> None:
    tina = await trainer(console)
    status, reply = await post(console, tina, "/api/inbox/decide", body)  # type: ignore[arg-type]
    assert status == 400 and reply["error"] in ("no_items", "unknown_decision")


async def test_data_quality(console: Console, training_root: Path) -> None:
    tina = await trainer(console)
    status, quality = await console.get(tina, "/api/quality")
    assert status == 200 and quality["duplicates"] == [] and quality["small_intents"] == []


async def test_the_confusion_matrix_of_the_latest_crossval(
    console: Console, training_root: Path
) -> None:
    tina = await trainer(console)
    headers = {"Cookie": session_cookie(tina[0])}
    async with console.http.get(console.url + "/trainer/confusion.svg", headers=headers) as r:
        assert r.status == 404
    report = training_root / "results" / "crossval" / "report.json"
    report.parent.mkdir(parents=True)
    report.write_text(
        json.dumps(
            {
                "per_intent": {"greet": {"support": 5}, "goodbye": {"support": 5}},
                "confused_pairs": [{"intent": "greet", "predicted": "goodbye", "count": 1}],
                "errors": [{"intent": "greet", "predicted_intent": "goodbye"}],
            }
        )
    )
    status, quality = await console.get(tina, "/api/quality")
    assert status == 200
    assert quality["confused_pairs"] == [{"intent": "greet", "predicted": "goodbye", "count": 1}]
    assert quality["confusion_matrix"] == "trainer/confusion.svg"
    async with console.http.get(console.url + "/trainer/confusion.svg", headers=headers) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("image/svg+xml")
        assert "greet → goodbye: 1" in await r.text()
    async with console.http.get(console.url + "/trainer/confusion.svg") as r:
        assert r.status == 401


async def test_the_latest_simulation_run(console: Console, training_root: Path) -> None:
    """What the retraining gate played last, for the page: figures and failing turns."""
    from tests.tools.retrain.factories import conversation, run

    assert (await console.get(None, "/api/simulation"))[0] == 401
    anna = await console.session("anna")
    assert (await console.get(anna, "/api/simulation"))[0] == 403
    tina = await trainer(console)
    assert await console.get(tina, "/api/simulation") == (200, {"run": None})

    stored = run(
        conversation("orders-1"),
        conversation("orders-2", resolved=False),
        conversation("conflict-1", routine=False, queued=True),
    )
    stored |= {
        "verdict": "refused",
        "refusal": "routine drop",
        "recorded_at": "2026-12-04T21:00:00",
    }
    latest = training_root / "models" / "simulation" / "latest.json"
    latest.parent.mkdir(parents=True)
    latest.write_text(json.dumps(stored))
    status, body = await console.get(tina, "/api/simulation")
    assert status == 200
    shown = body["run"]
    assert shown["verdict"] == "refused" and shown["recorded_at"] == "2026-12-04T21:00:00"
    assert shown["overall"]["routine_resolved"] == 1 and shown["overall"]["routine"] == 2
    assert shown["categories"]["orders"]["resolution_rate"] == 0.5
    assert shown["failing"][0]["turns"][0]["text"] == "customer text of orders-2"
    assert shown["failing"][0]["turns"][0]["reply"] == "bot reply to orders-2"
    assert "conversations_by_id" not in shown  # the comparison's data stays on the server
