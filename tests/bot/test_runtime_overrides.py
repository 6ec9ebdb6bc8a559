"""Each run-time override in bot/runtime_overrides.py against the Rasa function it replaces."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bot import runtime_overrides as overrides

VALIDATE = "RemoteAction._validate_action_result"
RUN = "DaskGraphRunner.run"


@pytest.fixture(autouse=True)
def _rasa_restored() -> Iterator[None]:
    yield
    overrides.uninstall()


def test_the_replaced_rasa_functions_are_the_reviewed_ones() -> None:
    for label, digest in overrides.EXPECTED_SOURCES.items():
        assert overrides.source_digest(overrides.original(label)) == digest, label


def test_labels_name_the_functions_they_check() -> None:
    for label in overrides.EXPECTED_SOURCES:
        assert overrides.original(label).__qualname__ == label


def test_install_is_idempotent_and_uninstall_restores_rasa() -> None:
    rasa_run = DaskGraphRunner.run
    overrides.install()
    overrides.install()
    assert DaskGraphRunner.run is overrides.run_graph
    assert overrides.original(RUN) is rasa_run
    overrides.uninstall()
    assert DaskGraphRunner.run is rasa_run


RESPONSES: list[Any] = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "customer_id", "value": "C0001"}], "responses": [{}]},
    {"events": [{"event": "bot", "text": "hi"}, {"event": "action", "name": "x"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "missing the event key"}]},
    {"events": "not a list"},
    {"responses": ["not an object"]},
    {"events": [{"event": "slot", "name": 3}]},
    [],
    "text",
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": "x"}}] * 50},
]


def _outcome(function: Any, response: Any) -> tuple[str, Any]:
    try:
        return "ok", function(RemoteAction("action_x", None), response)
    except ValidationError as error:
        return "invalid", (error.message, list(error.absolute_path), error.validator)


@pytest.mark.parametrize("response", RESPONSES)
def test_action_responses_are_judged_as_rasa_judges_them(response: Any) -> None:
    rasa = _outcome(overrides.original(VALIDATE), response)
    assert _outcome(overrides.validate_action_result, response) == rasa


def test_invalid_responses_are_refused_with_rasas_message() -> None:
    kind, (message, _, _) = _outcome(overrides.validate_action_result, {"events": "x"})
    assert kind == "invalid" and "Failed to validate Action server response" in message


class Arithmetic(GraphComponent):
    """A graph component for tests: adds, combines, or fails."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.step = int(config.get("step", 1))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Arithmetic:
        return cls(config)

    def add(self, x: int) -> int:
        return x + self.step

    def combine(self, a: int, b: int) -> list[int]:
        return [a, b, a * 10 + b]

    def fail(self, x: int) -> int:
        raise RuntimeError(f"failing on {x}")


def _node(fn: str, needs: dict[str, str], step: int = 1, target: bool = False) -> SchemaNode:
    return SchemaNode(
        needs=needs,
        uses=Arithmetic,
        constructor_name="create",
        fn=fn,
        config={"step": step},
        is_target=target,
    )


SCHEMA = GraphSchema(
    {
        "a": _node("add", {"x": "__x__"}, step=1),
        "b": _node("add", {"x": "a"}, step=10),
        "c": _node("add", {"x": "a"}, step=100),
        "d": _node("combine", {"a": "b", "b": "c"}, target=True),
        "unused": _node("add", {"x": "__x__"}, step=1000),
        "broken": _node("fail", {"x": "a"}),
        "orphan": _node("add", {"x": "__never_given__"}),
    }
)


def _runner(tmp_path: Path) -> DaskGraphRunner:
    storage = LocalModelStorage(tmp_path)
    return DaskGraphRunner(SCHEMA, storage, ExecutionContext(SCHEMA, "test-model"))


def _run(function: Any, runner: DaskGraphRunner, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "ok", function(runner, **kwargs)
    except (GraphRunError, GraphComponentException) as error:
        cause = error.__cause__
        return type(error).__name__, (str(error), type(cause).__name__ if cause else None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"inputs": {"__x__": 1}},
        {"inputs": {"__x__": 5}, "targets": ["d", "unused"]},
        {"inputs": {"__x__": 5}, "targets": ["b"]},
        {"inputs": {"__x__": 2}, "targets": ["broken"]},
        {"inputs": {"__x__": "a"}},
        {"inputs": {"__x__": 3}, "targets": ["orphan"]},
        {"inputs": {}, "targets": ["a"]},
    ],
    ids=[
        "default-targets",
        "two-targets",
        "one-target",
        "failing-node",
        "input-clash",
        "unresolved-need",
        "missing-input",
    ],
)
def test_graphs_run_as_with_dask(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    runner = _runner(tmp_path)
    expected = _run(overrides.original(RUN), runner, **kwargs)
    assert _run(overrides.run_graph, runner, **kwargs) == expected
    assert _run(overrides.run_graph, runner, **kwargs) == expected  # the cached plan


def test_the_override_computes_the_right_values(tmp_path: Path) -> None:
    assert overrides.run_graph(_runner(tmp_path), inputs={"__x__": 1}) == {"d": [12, 102, 222]}


class ActionServer:
    """A loopback HTTP server that records what reaches it and from which connection."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def handle(self, request: Any) -> Any:
        from aiohttp import web

        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.seen.append(
            {
                "path": request.path,
                "query": dict(request.query),
                "auth": request.headers.get("Authorization"),
                "custom": request.headers.get("X-Custom"),
                "content_type": request.headers.get("Content-Type"),
                "body": await request.text(),
                "peer": peer,
            }
        )
        if request.path.endswith("/missing"):
            return web.json_response({"error": "nope"}, status=404)
        if request.path.endswith("/text"):
            return web.Response(text="plain")
        if request.path.endswith("/hang"):
            await asyncio.sleep(30)
        return web.json_response({"events": [], "echo": await request.json()})


@pytest.fixture
async def action_server() -> Any:
    from aiohttp import web

    server = ActionServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield server, f"http://127.0.0.1:{port}/webhook"
    await runner.cleanup()


async def _calls(url: str) -> list[tuple[str, Any]]:
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    endpoint = EndpointConfig(
        url,
        params={"p": "1"},
        headers={"X-Custom": "yes"},
        token="secret",
        basic_auth={"username": "u", "password": "pw"},
    )
    results: list[tuple[str, Any]] = []
    for subpath in (None, "text", "missing", None):
        try:
            reply = await endpoint.request(json={"next_action": "a"}, subpath=subpath)
            results.append(("ok", reply))
        except ClientResponseError as error:
            results.append(("error", error.status))
    return results


def _without_peer(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in request.items() if k != "peer"} for request in seen]


async def test_action_calls_send_and_return_what_rasas_do(action_server: Any) -> None:
    server, url = action_server
    rasa = await _calls(url)
    rasa_seen, server.seen = server.seen, []
    overrides.install()
    kept = await _calls(url)
    assert kept == rasa
    assert _without_peer(server.seen) == _without_peer(rasa_seen)
    assert rasa[0] == ("ok", {"events": [], "echo": {"next_action": "a"}})


async def test_action_calls_reuse_one_connection(action_server: Any) -> None:
    server, url = action_server
    await _calls(url)
    assert len({r["peer"] for r in server.seen}) == 4  # Rasa: a new connection per call
    server.seen = []
    overrides.install()
    await _calls(url)
    assert len({r["peer"] for r in server.seen}) == 1


async def test_a_request_timeout_cuts_off_a_hung_endpoint(action_server: Any) -> None:
    import time

    from rasa.utils.endpoints import EndpointConfig

    _, url = action_server
    overrides.install()
    endpoint = EndpointConfig(url, request_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        # RemoteAction passes Rasa's 300 s; the endpoint's own limit wins.
        await endpoint.request(json={}, subpath="hang", timeout=300)
    assert time.monotonic() - started < 5
    assert await endpoint.request(json={"a": 1}) == {"events": [], "echo": {"a": 1}}
    shorter = await endpoint.request(json={"a": 2}, timeout=0.4)  # a shorter limit stays
    assert shorter == {"events": [], "echo": {"a": 2}}


@pytest.mark.parametrize("value", [0, -1, "soon", float("nan")])
async def test_a_bad_request_timeout_is_refused(action_server: Any, value: Any) -> None:
    from rasa.utils.endpoints import EndpointConfig

    _, url = action_server
    overrides.install()
    with pytest.raises(ValueError, match="request_timeout"):
        await EndpointConfig(url, request_timeout=value).request(json={})


STATES = "Domain.states_for_tracker_history"


def _random_events(rng: Any, count: int) -> list[Any]:
    """A conversation's worth of events, including forms, reverts, restarts and rule turns."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        BotUttered,
        FollowupAction,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )

    intents = ["greet", "order_status", "inform", "change_address", "affirm", "thanks"]
    actions = ["action_greet", "action_order_status", "utter_youre_welcome", "address_form"]
    makers = [
        lambda: ActionExecuted("action_listen"),
        lambda: UserUttered(
            "text",
            {"name": rng.choice(intents), "confidence": 1.0},
            [{"entity": "email", "value": "a@b.c", "start": 0, "end": 5}]
            if rng.random() < 0.3
            else [],
        ),
        lambda: ActionExecuted(rng.choice(actions), hide_rule_turn=rng.random() < 0.3),
        lambda: BotUttered("hi"),
        lambda: SlotSet(
            rng.choice(["email", "order_number", "address_order"]), rng.choice(["x", None])
        ),
        lambda: ActiveLoop(rng.choice(["address_form", None])),
        lambda: SlotSet("requested_slot", rng.choice(["new_address", None])),
        lambda: FollowupAction("action_greet"),
        lambda: UserUtteranceReverted(),
        lambda: ActionReverted(),
        lambda: Restarted(),
        lambda: SessionStarted(),
    ]
    weights = [8, 8, 8, 4, 4, 2, 2, 1, 1, 1, 1, 1]
    return [rng.choices(makers, weights)[0]() for _ in range(count)]


def _all_states(domain: Any, tracker: Any, function: Any) -> list[Any]:
    rule_only = {"slots": ["address_order"], "active_loops": ["address_form"]}
    return [
        function(
            domain,
            tracker,
            omit_unset_slots=omit,
            ignore_rule_only_turns=ignore,
            rule_only_data=rule_only if ignore else None,
        )
        for omit in (False, True)
        for ignore in (False, True)
    ]


@pytest.mark.parametrize("seed", range(6))
def test_states_of_a_growing_conversation_are_rasas(seed: int) -> None:
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    rasa = overrides.original(STATES)
    tracker = DialogueStateTracker(f"t{seed}", domain.slots)
    for event in _random_events(random.Random(seed), 120):
        tracker.update(event)
        expected = _all_states(domain, tracker, rasa)
        assert _all_states(domain, tracker, overrides.states_for_tracker_history) == expected
    fresh = DialogueStateTracker.from_events(f"f{seed}", list(tracker.events), domain.slots)
    assert _all_states(domain, fresh, overrides.states_for_tracker_history) == expected


def test_states_are_resumed_not_recomputed() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = DialogueStateTracker("resume", domain.slots)
    for _ in range(20):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("action_greet"))
    overrides.states_for_tracker_history(domain, tracker)
    memo = next(iter(getattr(tracker, overrides.MEMO_ATTRIBUTE).values()))
    replayed_before = memo.replay
    tracker.update(ActionExecuted("action_listen"))
    states = overrides.states_for_tracker_history(domain, tracker)
    assert memo.replay is replayed_before and len(memo.events) == 61  # resumed, not rebuilt
    assert states == overrides.original(STATES)(domain, tracker)


def test_callers_editing_the_states_do_not_change_the_next_answer() -> None:
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = DialogueStateTracker("edited", domain.slots)
    for event in _random_events(random.Random(99), 80):
        tracker.update(event)
        states = overrides.states_for_tracker_history(domain, tracker)
        assert states == overrides.original(STATES)(domain, tracker)
        for state in states:  # what TrackerFeaturizer._remove_user_text_if_intent does
            state.get("user", {}).pop("text", None)
            state.get("user", {}).pop("intent", None)


def test_states_resume_when_rule_only_data_is_an_equal_new_dict() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = DialogueStateTracker("rule-only", domain.slots)

    def states() -> list[Any]:  # as RulePolicy calls it: a new dict every time
        rule_only = {"rule_only_slots": ["address_order"], "rule_only_loops": []}
        return overrides.states_for_tracker_history(
            domain, tracker, ignore_rule_only_turns=True, rule_only_data=rule_only
        )

    for _ in range(5):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("action_greet"))
        states()
    memo = next(iter(getattr(tracker, overrides.MEMO_ATTRIBUTE).values()))
    replay = memo.replay
    tracker.update(ActionExecuted("action_listen"))
    got = states()
    assert next(iter(getattr(tracker, overrides.MEMO_ATTRIBUTE).values())) is memo  # resumed
    assert memo.replay is replay and len(memo.events) == 16
    rule_only = {"rule_only_slots": ["address_order"], "rule_only_loops": []}
    expected = overrides.original(STATES)(
        domain, tracker, ignore_rule_only_turns=True, rule_only_data=rule_only
    )
    assert got == expected


async def test_an_idle_connection_is_dropped_before_the_server_drops_it(
    action_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from rasa.utils.endpoints import EndpointConfig

    server, url = action_server
    monkeypatch.setattr(overrides, "KEEPALIVE_SECONDS", 0.2)
    overrides.install()
    endpoint = EndpointConfig(url)
    await endpoint.request(json={"n": 1})
    await endpoint.request(json={"n": 2})
    await asyncio.sleep(0.6)  # idle for longer than our keep-alive
    assert (await endpoint.request(json={"n": 3}))["echo"] == {"n": 3}
    peers = [r["peer"] for r in server.seen]
    assert peers[0] == peers[1] != peers[2]


KEYS = "RulePolicy._get_possible_keys"


def _rule_policy_with_rules_from(states: list[Any], rng: Any) -> Any:
    """A RulePolicy whose rules are windows of real conversation states, some edited so
    that they no longer match, with lengths 1 to 4."""
    import copy
    import json

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    policy = RulePolicy(
        RulePolicy.get_default_config(),
        LocalModelStorage(Path("/nonexistent")),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    rules: dict[str, str] = {}
    for _ in range(60):
        length = rng.randint(1, min(4, len(states)))
        end = rng.randint(length, len(states))
        window = copy.deepcopy(states[end - length : end])
        if rng.random() < 0.3:
            window[-1].setdefault("user", {})["intent"] = "something_else"
        rules[json.dumps(window, sort_keys=True)] = "utter_x"
    return policy, rules


@pytest.mark.parametrize("seed", range(4))
def test_rule_keys_are_rasas_for_every_prefix_of_a_conversation(seed: int) -> None:
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    rng = random.Random(seed)
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    from rasa.shared.core.events import Restarted, SessionStarted

    tracker = DialogueStateTracker(f"k{seed}", domain.slots)
    for event in _random_events(rng, 150):
        if not isinstance(event, (Restarted, SessionStarted)):  # keep the whole history
            tracker.update(event)
    states = overrides.original(STATES)(domain, tracker)
    assert len(states) > 20
    policy, rules = _rule_policy_with_rules_from(states, rng)
    rasa = overrides.original(KEYS)

    for _ in range(2):  # the second pass is answered from the memo
        for end in range(len(states) + 1):
            expected = rasa(policy, rules, states[:end])
            assert overrides.get_possible_keys(policy, rules, states[:end]) == expected
    assert overrides.get_possible_keys(policy, {}, states) == set()


def test_rule_keys_tell_lists_from_tuples_as_rasa_does() -> None:
    import json

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    policy = RulePolicy(
        RulePolicy.get_default_config(),
        LocalModelStorage(Path("/nonexistent")),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    rule = [
        {
            "prev_action": {"action_name": "action_listen"},
            "user": {"intent": "inform", "entities": ["email"]},
        }
    ]
    rules = {json.dumps(rule, sort_keys=True): "utter_x"}
    rasa = overrides.original(KEYS)
    as_tuple = [
        {
            "prev_action": {"action_name": "action_listen"},
            "user": {"intent": "inform", "entities": ("email",)},
        }
    ]
    as_list = [
        {
            "prev_action": {"action_name": "action_listen"},
            "user": {"intent": "inform", "entities": ["email"]},
        }
    ]

    for states in (as_tuple, as_list, as_tuple):
        assert overrides.get_possible_keys(policy, rules, states) == rasa(policy, rules, states)
    assert overrides.get_possible_keys(policy, rules, as_tuple) == set(rules)


def test_the_rule_keys_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    monkeypatch.setattr(overrides, "POSSIBLE_KEYS_MEMO_SIZE", 5)
    policy = RulePolicy(
        RulePolicy.get_default_config(),
        LocalModelStorage(Path("/nonexistent")),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    rules = {json.dumps([{"user": {"intent": "greet"}}]): "utter_greet"}
    for n in range(12):
        overrides.get_possible_keys(policy, rules, [{"user": {"intent": f"i{n}"}}])
    assert len(policy.__dict__[overrides.POSSIBLE_KEYS_ATTRIBUTE].answers) <= 5


def test_domains_are_judged_empty_as_rasa_judges_them() -> None:
    from rasa.shared.core.domain import Domain

    from bot.settings import PROJECT_ROOT

    rasa = overrides.original("Domain.is_empty")
    for domain in (
        Domain.empty(),
        Domain.load(str(PROJECT_ROOT / "domain.yml")),
        Domain.from_yaml("version: '3.1'\nintents: [greet]"),
    ):
        assert overrides.domain_is_empty(domain) is rasa(domain)
        assert overrides.domain_is_empty(domain) is rasa(domain)  # the kept answer


def test_event_classes_are_resolved_as_rasa_resolves_them() -> None:
    from rasa.shared.core.events import ActionExecuted, Event, UserUttered
    from rasa.shared.utils.common import all_subclasses

    rasa = overrides.original("Event.resolve_by_type")
    overrides.install()
    names = sorted({cls.type_name for cls in all_subclasses(Event)})
    for _ in range(2):
        for name in names:
            assert Event.resolve_by_type(name) is rasa(name)
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("nope", ActionExecuted) is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name 'nope'"):
        Event.resolve_by_type("nope")
    overrides.uninstall()
    assert Event.resolve_by_type("user") is UserUttered  # still a static method
    assert isinstance(Event.__dict__["resolve_by_type"], staticmethod)


def _tracker_state(tracker: Any) -> dict[str, Any]:
    """Everything a copy must reproduce, comparable with ==."""
    return {
        "events": list(tracker.events),
        "slots": {n: (s.value, s.has_been_set) for n, s in tracker.slots.items()},
        "paused": tracker._paused,
        "followup": tracker.followup_action,
        "latest_action": tracker.latest_action,
        "latest_message": tracker.latest_message,
        "latest_bot": tracker.latest_bot_utterance,
        "active_loop": tracker.active_loop,
        "maxlen": tracker.events.maxlen,
        "ids": (tracker.sender_id, tracker.model_id, tracker.assistant_id, tracker.is_rule_tracker),
    }


@pytest.mark.parametrize("seed", range(6))
def test_tracker_copies_and_applied_events_are_rasas(seed: int) -> None:
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    rasa_copy = overrides.original("DialogueStateTracker.copy")
    rasa_applied = overrides.original("DialogueStateTracker.applied_events")
    tracker = DialogueStateTracker(f"c{seed}", domain.slots)
    for event in _random_events(random.Random(seed), 150):
        tracker.update(event)
        assert overrides.applied_events(tracker) == rasa_applied(tracker)
        ours, theirs = overrides.copy_tracker(tracker), rasa_copy(tracker)
        assert _tracker_state(ours) == _tracker_state(theirs) == _tracker_state(tracker)
        assert overrides.applied_events(ours) == rasa_applied(theirs)
    # The copy is independent of the original, as a replayed one is.
    duplicate = overrides.copy_tracker(tracker)
    duplicate.slots["email"].value = "changed@example.com"
    duplicate.update(__import__("rasa.shared.core.events").shared.core.events.BotUttered("x"))
    assert tracker.slots["email"].value != "changed@example.com"
    assert len(duplicate.events) == len(tracker.events) + 1


def test_applied_events_start_again_when_the_history_is_not_a_continuation() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    rasa_applied = overrides.original("DialogueStateTracker.applied_events")
    tracker = DialogueStateTracker("loop", domain.slots)
    for event in (
        ActionExecuted("action_listen"),
        UserUttered("hi"),
        ActionExecuted("address_form"),
        ActionExecuted("action_listen"),
        UserUttered("x"),
        ActionExecuted("address_form"),
    ):
        tracker.update(event)
    first = overrides.applied_events(tracker)
    assert first == rasa_applied(tracker)
    tracker.update(ActiveLoop("address_form"))  # a new form name changes earlier events' fate
    assert overrides.applied_events(tracker) == rasa_applied(tracker)
    capped = DialogueStateTracker("cap", domain.slots, max_event_history=3)
    for n in range(8):  # old events fall off the front of the deque
        capped.update(UserUttered(f"m{n}"))
        assert overrides.applied_events(capped) == rasa_applied(capped)


def test_a_tracker_with_an_odd_timestamp_is_copied_by_replay() -> None:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("nan", [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("hi", timestamp=float("nan")))
    tracker.update(UserUttered("after"))
    ours = overrides.copy_tracker(tracker)
    theirs = overrides.original("DialogueStateTracker.copy")(tracker)
    assert list(ours.events) == list(theirs.events) and len(ours.events) == 1


def _remote_action(name: str = "action_order_status") -> Any:
    from rasa.utils.endpoints import EndpointConfig

    return RemoteAction(name, EndpointConfig("http://127.0.0.1:9/webhook"))


def _rasa_call_slimmed(action: Any, tracker: Any, domain: Any) -> dict[str, Any]:
    """Rasa's own request body, with the slimming of override 10 applied to its events."""
    body = overrides.original("RemoteAction._action_call_format")(action, tracker, domain)
    body["tracker"]["events"] = [overrides.slim_event(e) for e in body["tracker"]["events"]]
    return body


@pytest.mark.parametrize("seed", range(4))
def test_action_calls_carry_rasas_body_with_slim_user_events(seed: int) -> None:
    import json
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    action = _remote_action()
    tracker = DialogueStateTracker(f"a{seed}", domain.slots)
    for event in _random_events(random.Random(seed), 120):
        tracker.update(event)
        ours = overrides.action_call_format(action, tracker, domain)
        assert json.dumps(ours, sort_keys=True) == json.dumps(
            _rasa_call_slimmed(action, tracker, domain), sort_keys=True
        )
        # Rasa calls the action server with a copy that holds the prediction's events too.
        temporary = overrides.copy_tracker(tracker)
        temporary.update(ActionExecutedLike("action_order_status"))
        assert (
            overrides.action_call_format(action, temporary, domain)["tracker"]
            == (_rasa_call_slimmed(action, temporary, domain)["tracker"])
        )


def ActionExecutedLike(name: str) -> Any:
    from rasa.shared.core.events import ActionExecuted

    return ActionExecuted(name)


def test_earlier_messages_go_without_rankings_and_token_and_the_events_keep_theirs() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    parse = {
        "intent": {"name": "order_status", "confidence": 0.9},
        "intent_ranking": [{"name": "order_status", "confidence": 0.9}],
        "interaction_type": {"name": "service", "confidence": 0.9},
        "interaction_type_ranking": [{"name": "service", "confidence": 0.9}],
        "entities": [],
    }
    tracker = DialogueStateTracker("slim", domain.slots)
    for text in ("where is my order", "and the other one"):
        tracker.update(ActionExecuted("action_listen"))
        data = {**parse, "metadata": {"customer_token": "secret"}}
        tracker.update(
            UserUttered(text, data["intent"], [], data, metadata={"customer_token": "secret"})
        )
    body = overrides.action_call_format(_remote_action(), tracker, domain)

    users = [e for e in body["tracker"]["events"] if e["event"] == "user"]
    assert [u["metadata"] for u in users] == [{}, {}]
    assert all("intent_ranking" not in u["parse_data"] for u in users)
    assert [u["parse_data"]["intent"]["name"] for u in users] == ["order_status"] * 2
    assert [u["parse_data"]["interaction_type"]["name"] for u in users] == ["service"] * 2
    assert body["tracker"]["latest_message"]["intent_ranking"]  # the latest goes whole
    assert "secret" not in json.dumps(body["tracker"]["events"])
    assert body["tracker"]["latest_message"]["metadata"] == {"customer_token": "secret"}
    assert tracker.latest_message.metadata == {"customer_token": "secret"}  # untouched
    assert "intent_ranking" in tracker.latest_message.parse_data


def test_formatted_states_are_rasas_text_when_shown() -> None:
    import copy
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = DialogueStateTracker("fmt", domain.slots)
    for event in _random_events(random.Random(3), 60):
        tracker.update(event)
    states = overrides.original(STATES)(domain, tracker)
    rasa = overrides.original("Policy.format_tracker_states")(states)

    lazy = overrides.format_tracker_states(states)

    assert str(lazy) == rasa and lazy == rasa and f"{lazy}" == rasa
    assert repr(lazy) == repr(rasa)
    assert copy.deepcopy(lazy) is lazy
    assert str(overrides.format_tracker_states([])) == overrides.original(
        "Policy.format_tracker_states"
    )([])
