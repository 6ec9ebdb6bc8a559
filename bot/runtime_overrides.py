"""Every run-time override of Rasa in this project, in one place.

Rasa's extension points (tracker store, channels, components, policies) do not reach two hot
spots measured in ../shared/notes/rasa-capacity.md, so they are replaced here, in the Rasa
process only, by functions that return the same results and raise the same errors:

1. `RemoteAction._validate_action_result`: Rasa calls `jsonschema.validate()` on every
   action-server response, which first re-checks the (constant) response schema against
   the JSON-Schema metaschema, then builds a validator: most of the ~33 ms of Rasa CPU an
   action call costs. Here the schema is checked and the validator built once per class;
   the response is validated exactly as `jsonschema.validate` does (`best_match` of all
   errors, the same message suffix).
2. `DaskGraphRunner.run`: per message, Rasa prunes the graph schema for the targets, builds
   a dask graph and runs it through dask's synchronous scheduler. Here the pruned schema and
   a topological order are computed once per target list, and the nodes are called in that
   order, each once, with its parents' outputs: what dask's synchronous scheduler does,
   without its bookkeeping.

3. `EndpointConfig.session`: Rasa opens a new aiohttp session, and so a new TCP connection,
   for every call to the action server and closes it after the reply. Here each endpoint
   keeps one session per event loop, with the same headers, auth and time-out, and
   `async with endpoint.session()` leaves it open, so calls reuse keep-alive connections;
   an idle connection is dropped after 2 s, before the action server (Sanic: 5 s) closes
   it. Requests, replies and errors are Rasa's own (`EndpointConfig.request` is unchanged).
   An endpoint may also set `request_timeout` (seconds) in endpoints.yml: its calls are then
   cut off after that time instead of Rasa's fixed 300 s, so a hung action server costs
   the customer a few seconds and an apology, not five minutes of silence.

4. `Domain.states_for_tracker_history`: RulePolicy featurizes the whole conversation for
   every prediction, replaying each event into a fresh tracker and computing a state before
   every action, so a turn costs more the longer the conversation (at turn 300, 40 % of
   it). The states before an action depend only on the events before it, so for a tracker
   that only grew since the last call (same event objects, in order: the tracker store
   hands the same tracker to each turn) the replay resumes where it stopped and only the
   new states are computed. Anything else (a reverted or restarted conversation, another
   tracker, other options) computes from scratch, as Rasa does.

5. `RulePolicy._get_possible_keys`: to predict, RulePolicy filters all its rules against the
   conversation's states, every prediction (2-3 per turn), in Python. A rule only looks at
   its own last states, so the answer depends on the rules and the last `n` states, `n`
   being the longest rule (3 here). The override keeps the answers per policy, keyed by
   the lookup and the `repr` of those last states (lists told apart from tuples, as
   Rasa's comparison does), and asks Rasa's function on a miss. Serving never changes a
   policy's lookups; training, where they change, never installs these overrides.

6. `Domain.is_empty`: Rasa checks it on every parse (`_check_for_unseen_features`) by
   building an empty Domain and both domains' dicts (0.3 ms a turn). A loaded domain does
   not change, so the answer is kept on the domain object after the first call.

7. `Event.resolve_by_type`: every event read back (action-server replies, stored rows)
   walks the whole Event class tree (`all_subclasses` + `inspect.isabstract`) to find its
   class by name. The class found for a name is kept; names not found are looked up each
   time, as Rasa does. (A subclass defined later under a name already resolved would not
   be seen; event classes are defined when their modules are imported.)

8. `DialogueStateTracker.copy`: Rasa copies the tracker before every action it runs by
   replaying every event into a new tracker, so each turn costs more the longer the
   conversation. A tracker's state is what its events made it, so the copy takes that
   state directly: the same events (a new deque of the same objects, as the replay
   appends them), each slot copied with its value, and the other fields the events set
   (`latest_*`, `followup_action`, `active_loop`, paused). A tracker with an event that a
   replay would skip (a timestamp that is not a number) is replayed, as Rasa does.

9. `DialogueStateTracker.applied_events`: recomputed from the first event, with several
   `isinstance` checks per event, several times a turn. For a tracker that only grew since
   the last call (same event objects, no new form name), the computation resumes where it
   stopped; otherwise it starts again, as Rasa's does. Callers get a new list each time.

10. `RemoteAction._action_call_format` (what Rasa posts to the action server): the whole
   tracker, every event as a dict, built anew for each call. It is built here the same
   way, from `current_state` and `domain.as_dict()` as Rasa does, with two differences:
   the event dicts of a tracker that only grew are kept from the last call and only the
   new ones are built, and earlier user messages go without what our actions never read
   there (`intent_ranking`, `interaction_type_ranking`, `response_selector`, and the
   message metadata, in the event and in its parse data, which holds the customer's
   signed token); the latest message goes whole, as `latest_message`. At turn 200 this
   was most of an action turn's cost. The contract is in docs/architecture.md.

11. `Policy.format_tracker_states`: RulePolicy formats every state of the conversation into
   a debug message, and deep-copies it, on every prediction, whether or not debug logging
   is on. The override returns the same text lazily: an object that formats on `str()`
   or `repr()` (when a debug line is written) and copies as itself.

`install()` is idempotent and is called by the tracker store (bot/trackers/store.py) when
Rasa builds it from endpoints.yml, so every `rasa run` with our endpoints gets the same
behaviour; `uninstall()` restores Rasa's functions (tests compare both).
tests/bot/test_runtime_overrides.py checks that each override still matches Rasa's own
function; if Rasa changes one of these functions, the check on the source below fails and
the override must be reviewed.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

# sha256 of the Rasa 3.6.21 functions replaced here; a mismatch means Rasa changed them.
EXPECTED_SOURCES = {
    "RemoteAction._validate_action_result": (
        "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"
    ),
    "DaskGraphRunner.run": "45f0f52f574f3aa9546a552bf671183e171092c18b66e97f5771a7fa295de37e",
    "EndpointConfig.session": "e55aa13d9d4fb4bc440ac33b870a97ee162b76dda7ccb6bf68433567475fdffb",
    "Domain.states_for_tracker_history": (
        "035111ce73ac90ba50e143abf556f924af07d9f452893f5a96a62895d44df8b7"
    ),
    "RulePolicy._get_possible_keys": (
        "2915fd81711e194c6d667728e00bd0e51e9c1c2791a0be14c55f0ef9938f9936"
    ),
    "Domain.is_empty": "884be90ef485f1d2c0f140657a47f106a7d2785b63b03e46cd699b4072e95369",
    "Policy.format_tracker_states": (
        "32b101cb34fd1c32fd17557044632ecbe9cb5638e605ca81864ddcb6b469a22a"
    ),
    "RemoteAction._action_call_format": (
        "428795b944f22edba142d278ec47a30098975b01463ba337ec447dade52a0492"
    ),
    "DialogueStateTracker.copy": (
        "dfa48dca9f355ad1b42c625bc6f6370bafe83514ed17a77904ed64c67bf07285"
    ),
    "DialogueStateTracker.applied_events": (
        "764d5065ea9997d613c1984d9357370f9ae32d31ca21346086f16c54f0487aae"
    ),
    # Not replaced: what Rasa's `copy` calls, and so what the eighth override reproduces.
    "DialogueStateTracker.travel_back_in_time": (
        "09d16f28f007492f653b504cf2b6064dc453444c524799378609a85b04efd632"
    ),
    "Event.resolve_by_type": "b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968",
    # Not replaced: the function whose `async with self.session()` the third override serves.
    "EndpointConfig.request": "ccdb778aed8208e23cde3c3f47eac7fbbbb735dac8f7ef7254d54451c64ad608",
}

# Functions checked (EXPECTED_SOURCES) but not replaced: what an override relies on.
CHECKED_ONLY = {
    "EndpointConfig.request": ("rasa.utils.endpoints", "request"),
    "DialogueStateTracker.travel_back_in_time": (
        "rasa.shared.core.trackers",
        "travel_back_in_time",
    ),
}
_originals: dict[str, Callable[..., Any]] = {}
_descriptors: dict[str, Any] = {}  # what the class held, to put back as it was
_validators: dict[type, Any] = {}
_plans: dict[tuple[int, tuple[str, ...]], tuple[Any, list[str]]] = {}
_sessions: dict[tuple[int, Any], Any] = {}


def source_digest(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def _response_validator(action_class: type) -> Any:
    validator = _validators.get(action_class)
    if validator is None:
        from jsonschema.validators import validator_for

        schema = action_class.action_response_format_spec()  # type: ignore[attr-defined]
        cls = validator_for(schema)
        cls.check_schema(schema)
        validator = _validators[action_class] = cls(schema)
    return validator


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result` with the validator built once."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_response_validator(type(self)).iter_errors(result))
    if error is None:
        return True
    try:
        raise error
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def _plan(runner: Any, targets: list[str]) -> tuple[Any, list[str]]:
    """The pruned schema for `targets` and its nodes in dependency order, cached."""
    key = (id(runner), tuple(targets))
    plan = _plans.get(key)
    if plan is None:
        schema = runner._graph_schema.minimal_graph_schema(targets)
        order: list[str] = []
        seen: set[str] = set()

        def visit(name: str) -> None:
            if name in seen or name not in schema.nodes:
                return
            seen.add(name)
            for parent in schema.nodes[name].needs.values():
                visit(parent)
            order.append(name)

        for name in schema.nodes:
            visit(name)
        plan = _plans[key] = (schema, order)
    return plan


def run_graph(
    self: Any, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
) -> dict[str, Any]:
    """`DaskGraphRunner.run` without dask: same inputs, same results, same errors."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    schema, order = _plan(self, list(run_targets))
    values: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in schema.nodes:
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure "
                f"that none of the input names passed to the `run` method are the "
                f"same as node names in the graph schema."
            )
        values[name] = (name, value)
    try:
        for name in order:
            needs = schema.nodes[name].needs.values()
            # dask passes the name itself for a need nobody provides; GraphNode warns.
            values[name] = self._instantiated_nodes[name](*(values.get(n, n) for n in needs))
        return dict(values[target] for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


class _KeptSession:
    """`async with` gives the endpoint's session for this loop and leaves it open."""

    def __init__(self, endpoint: Any) -> None:
        self.endpoint = endpoint

    async def __aenter__(self) -> Any:
        import asyncio

        key = (id(self.endpoint), asyncio.get_running_loop())
        session = _sessions.get(key)
        if session is None or session.closed:
            session = _sessions[key] = _kept_session_for(self.endpoint)
        cap = request_timeout(self.endpoint)
        return session if cap is None else _CappedSession(session, cap)

    async def __aexit__(self, *_: object) -> None:
        return None


REQUEST_TIMEOUT_KEY = "request_timeout"


def request_timeout(endpoint: Any) -> float | None:
    """The endpoint's `request_timeout` from endpoints.yml, in seconds; None if unset."""
    value = (getattr(endpoint, "kwargs", None) or {}).get(REQUEST_TIMEOUT_KEY)
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not seconds > 0:
        raise ValueError(
            f"{REQUEST_TIMEOUT_KEY} must be a positive number of seconds, not {value!r}"
        )
    return seconds


class _CappedSession:
    """The kept session, with every request's time-out at most `cap` seconds."""

    def __init__(self, session: Any, cap: float) -> None:
        self.session = session
        self.cap = cap

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:
        import aiohttp

        given = kwargs.get("timeout")
        total = given.total if isinstance(given, aiohttp.ClientTimeout) else given
        if total is None or float(total) > self.cap:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=self.cap)
        return self.session.request(method, url, **kwargs)


# Idle connections are closed by us before the server closes them (Sanic, and so rasa_sdk,
# closes after 5 s), so a request never goes out on a connection the server is closing.
KEEPALIVE_SECONDS = 2.0


def _kept_session_for(endpoint: Any) -> Any:
    """What Rasa's `EndpointConfig.session` builds, with a short keep-alive connector."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    auth = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
    )


def kept_session(self: Any) -> _KeptSession:
    """`EndpointConfig.session` that keeps the session (and its connections) open."""
    return _KeptSession(self)


MEMO_ATTRIBUTE = "_cim_states_memo"


@dataclass
class _StatesMemo:
    """Where `states_for_tracker_history` stopped for one tracker and one set of options."""

    domain: Any
    options: tuple[bool, bool, Any]
    events: list[Any]  # the applied events already replayed (the objects themselves)
    replay: Any  # a tracker with exactly those events applied
    states: list[Any]  # the states before each ActionExecuted among them
    last_ml_action: Any = None
    turn_was_hidden: bool = False


def _memo_for(
    tracker: Any, domain: Any, options: tuple[bool, bool, Any], applied: list[Any]
) -> _StatesMemo:
    """The tracker's memo for these options, or a fresh one where it cannot resume."""
    import json

    # RulePolicy builds a new, equal rule_only_data dict for every call: compare by value.
    key = (options[0], options[1], json.dumps(options[2], sort_keys=True, default=str))
    memos: dict[Any, _StatesMemo] = tracker.__dict__.setdefault(MEMO_ATTRIBUTE, {})
    memo = memos.get(key)
    if (
        memo is None
        or memo.domain is not domain
        or len(memo.events) > len(applied)
        or any(old is not new for old, new in zip(memo.events, applied, strict=False))
    ):
        memo = memos[key] = _StatesMemo(domain, options, [], tracker.init_copy(), [])
    memo.options = options
    return memo


def _state_step(domain: Any, memo: _StatesMemo, tracker: Any, hide_rule_turn: bool) -> None:
    """One iteration of Rasa's loop in `states_for_tracker_history`, on `memo`."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

    omit_unset_slots, ignore_rule_only_turns, rule_only_data = memo.options
    if ignore_rule_only_turns:
        if not memo.turn_was_hidden:
            memo.last_ml_action = domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
            memo.turn_was_hidden = hide_rule_turn
        if memo.turn_was_hidden:
            return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if memo.states:
            domain._substitute_rule_only_user_input(state, memo.states[-1])
        if memo.last_ml_action:
            state[PREVIOUS_ACTION] = memo.last_ml_action
    memo.states.append(domain._clean_state(state))


def states_for_tracker_history(
    self: Any,
    tracker: Any,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[Any]:
    """`Domain.states_for_tracker_history`, resuming the replay where the last call stopped."""
    import copy

    from rasa.shared.core.events import ActionExecuted

    applied = tracker.applied_events()
    options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    memo = _memo_for(tracker, self, options, applied)
    for event in applied[len(memo.events) :]:
        if isinstance(event, ActionExecuted):
            _state_step(self, memo, memo.replay, event.hide_rule_turn)
        memo.replay.update(event)
        memo.events.append(event)
    # The state after the last event is not kept (the next event may not be an action), and
    # callers get copies: Rasa's featurizers edit the states they are given in place.
    final = copy.copy(memo)
    final.states = [_copy_state(state) for state in memo.states]
    _state_step(self, final, memo.replay, False)
    return final.states


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """A state's sub-states hold only immutable values: two levels make it independent."""
    return {key: dict(sub) if isinstance(sub, dict) else sub for key, sub in state.items()}


POSSIBLE_KEYS_ATTRIBUTE = "_cim_possible_keys"
POSSIBLE_KEYS_MEMO_SIZE = 20_000  # per policy; cleared when full (a few MB at most)


def _frozen(states: list[Any]) -> str:
    """A key equal only for equal states: `repr` tells lists from tuples and strings from
    numbers, as Rasa's comparison does. Equal states whose dicts were filled in another
    order get another key: a miss, answered by Rasa's function, never a wrong answer."""
    return repr(states)


@dataclass
class _KeysMemo:
    """One policy's remembered answers, and the longest rule of each lookup."""

    windows: dict[tuple[int, int], int]
    answers: dict[Any, frozenset[str]]


def get_possible_keys(self: Any, lookup: dict[str, str], states: list[Any]) -> set[str]:
    """`RulePolicy._get_possible_keys`, remembered by the last states a rule can see."""
    rasa = original("RulePolicy._get_possible_keys")
    memo: _KeysMemo = self.__dict__.setdefault(POSSIBLE_KEYS_ATTRIBUTE, _KeysMemo({}, {}))
    lookup_key = (id(lookup), len(lookup))
    window = memo.windows.get(lookup_key)
    if window is None:
        window = max((len(self._rule_key_to_state(key)) for key in lookup), default=0)
        memo.windows[lookup_key] = window
    key = (lookup_key, _frozen(states[-window:])) if window else None
    if key is None:
        return set(rasa(self, lookup, states))
    found = memo.answers.get(key)
    if found is None:
        if len(memo.answers) >= POSSIBLE_KEYS_MEMO_SIZE:
            memo.answers.clear()
        found = memo.answers[key] = frozenset(rasa(self, lookup, states))
    return set(found)


IS_EMPTY_ATTRIBUTE = "_cim_is_empty"


def domain_is_empty(self: Any) -> bool:
    """`Domain.is_empty`, computed once per domain object."""
    known = self.__dict__.get(IS_EMPTY_ATTRIBUTE)
    if known is None:
        known = self.__dict__[IS_EMPTY_ATTRIBUTE] = bool(original("Domain.is_empty")(self))
    return bool(known)


_event_classes: dict[str, type] = {}


def resolve_event_type(type_name: str, default: Any = None) -> Any:
    """`Event.resolve_by_type`, with the class found for each name kept."""
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    resolved = original("Event.resolve_by_type")(type_name, default)
    if resolved is not None and resolved is not default:
        _event_classes[type_name] = resolved
    return resolved


def copy_tracker(self: Any) -> Any:
    """`DialogueStateTracker.copy` without replaying the events (see the module docstring)."""
    import copy
    import math

    if any(not math.isfinite(event.timestamp) for event in self.events):
        return original("DialogueStateTracker.copy")(self)
    duplicate = self.init_copy()
    duplicate.events.extend(self.events)
    duplicate.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
    duplicate._paused = self._paused
    duplicate.followup_action = self.followup_action
    duplicate.latest_action = copy.copy(self.latest_action)
    duplicate.latest_message = self.latest_message
    duplicate.latest_bot_utterance = self.latest_bot_utterance
    duplicate.active_loop = copy.deepcopy(self.active_loop)
    if EVENT_DICTS_ATTRIBUTE in self.__dict__:  # the action call's kept event dicts (10.)
        duplicate.__dict__[EVENT_DICTS_ATTRIBUTE] = self.__dict__[EVENT_DICTS_ATTRIBUTE]
    return duplicate


APPLIED_ATTRIBUTE = "_cim_applied_events"


@dataclass
class _Seen:
    """Where a per-tracker memo stopped: how many events it covered, the first and the last.

    The events (a deque Rasa only appends to, or drops from the front when capped) still
    start with those same objects if the first and the last covered one are where they were;
    `grown_by` then gives the events since, and None otherwise (start again)."""

    count: int = 0
    first: Any = None
    last: Any = None

    def grown_by(self, events: Any) -> list[Any] | None:
        count = len(events)
        if self.count > count or (
            self.count and (events[0] is not self.first or events[self.count - 1] is not self.last)
        ):
            return None
        return [events[i] for i in range(self.count, count)]

    def mark(self, events: Any) -> None:
        self.count = len(events)
        self.first, self.last = (events[0], events[-1]) if self.count else (None, None)


@dataclass
class _AppliedMemo:
    seen: _Seen
    loop_names: frozenset[str]
    applied: list[Any]


def applied_events(self: Any) -> list[Any]:
    """`DialogueStateTracker.applied_events`, resumed for a tracker that only grew."""
    from rasa.shared.core.events import ActiveLoop

    events = self.events
    memo: _AppliedMemo | None = self.__dict__.get(APPLIED_ATTRIBUTE)
    new = memo.seen.grown_by(events) if memo else None
    names = {e.name for e in new or () if isinstance(e, ActiveLoop) and e.name}
    if memo is None or new is None or not names <= memo.loop_names:
        new = list(events)
        loop_names = frozenset(e.name for e in new if isinstance(e, ActiveLoop) and e.name)
        memo = _AppliedMemo(_Seen(), loop_names, [])
    _apply(self, new, memo.loop_names, memo.applied)
    memo.seen.mark(events)
    self.__dict__[APPLIED_ATTRIBUTE] = memo
    return list(memo.applied)


def _apply(tracker: Any, events: list[Any], loop_names: frozenset[str], applied: list[Any]) -> None:
    """The loop of Rasa's `applied_events`, on `applied`, for `events` in order."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )

    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


# What earlier user messages leave out in an action call (see 10. above).
SLIM_PARSE_KEYS = frozenset(
    {"intent_ranking", "interaction_type_ranking", "response_selector", "metadata"}
)
EVENT_DICTS_ATTRIBUTE = "_cim_event_dicts"


def slim_event(data: dict[str, Any]) -> dict[str, Any]:
    """An event dict as sent to the action server: a user message loses its rankings and
    metadata (new dicts; the event's own are left alone), anything else is unchanged."""
    if data.get("event") != "user":
        return data
    parse = data.get("parse_data") or {}
    return {
        **data,
        "metadata": {},
        "parse_data": {k: v for k, v in parse.items() if k not in SLIM_PARSE_KEYS},
    }


@dataclass
class _EventDicts:
    seen: _Seen
    dicts: list[dict[str, Any]]


def event_dicts(tracker: Any) -> list[dict[str, Any]]:
    """The tracker's events as slim dicts, reusing those built for a shorter history.

    The kept dicts live in a holder that `copy_tracker` hands on to the copy, because Rasa
    calls the action server with a copy of the conversation's tracker; whichever of them
    asks, the holder is only reused for events that are the same objects, in order."""
    events = tracker.events
    holder: _EventDicts = tracker.__dict__.setdefault(
        EVENT_DICTS_ATTRIBUTE, _EventDicts(_Seen(), [])
    )
    new = holder.seen.grown_by(events)
    kept = holder.dicts if new is not None else []
    holder.dicts = kept + [slim_event(e.as_dict()) for e in (new if new is not None else events)]
    holder.seen.mark(events)
    return list(holder.dicts)


def action_call_format(self: Any, tracker: Any, domain: Any) -> dict[str, Any]:
    """`RemoteAction._action_call_format` with kept, slimmer event dicts."""
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    tracker_state = tracker.current_state(EventVerbosity.NONE)
    tracker_state["events"] = event_dicts(tracker)
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        result["domain"] = domain.as_dict()
    return result


class LazyStatesText:
    """What `Policy.format_tracker_states` returns, formatted only when shown."""

    def __init__(self, states: list[Any]) -> None:
        self.states = states
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = original("Policy.format_tracker_states")(self.states)
        return self._text

    def __repr__(self) -> str:
        return repr(str(self))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyStatesText:
        return self


def format_tracker_states(states: list[Any]) -> LazyStatesText:
    """`Policy.format_tracker_states`, formatted when a debug line shows it."""
    return LazyStatesText(states)


def _targets() -> dict[str, tuple[Any, str, Callable[..., Any]]]:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    return {
        "Domain.states_for_tracker_history": (
            Domain,
            "states_for_tracker_history",
            states_for_tracker_history,
        ),
        "EndpointConfig.session": (EndpointConfig, "session", kept_session),
        "RemoteAction._validate_action_result": (
            RemoteAction,
            "_validate_action_result",
            validate_action_result,
        ),
        "DaskGraphRunner.run": (DaskGraphRunner, "run", run_graph),
        "RulePolicy._get_possible_keys": (
            RulePolicy,
            "_get_possible_keys",
            get_possible_keys,
        ),
        "Domain.is_empty": (Domain, "is_empty", domain_is_empty),
        "Policy.format_tracker_states": (
            Policy,
            "format_tracker_states",
            staticmethod(format_tracker_states),
        ),
        "RemoteAction._action_call_format": (
            RemoteAction,
            "_action_call_format",
            action_call_format,
        ),
        "DialogueStateTracker.copy": (DialogueStateTracker, "copy", copy_tracker),
        "DialogueStateTracker.applied_events": (
            DialogueStateTracker,
            "applied_events",
            applied_events,
        ),
        "Event.resolve_by_type": (Event, "resolve_by_type", staticmethod(resolve_event_type)),
    }


def install() -> None:
    """Replace the functions above in Rasa (once per process)."""
    for label, (owner, attribute, replacement) in _targets().items():
        if label in _originals:
            continue
        _originals[label] = getattr(owner, attribute)
        _descriptors[label] = owner.__dict__[attribute]  # a staticmethod stays one
        setattr(owner, attribute, replacement)
        logger.info("Run-time override installed: %s", label)


def uninstall() -> None:
    """Put Rasa's functions back."""
    for label, (owner, attribute, _) in _targets().items():
        if _originals.pop(label, None) is not None:
            setattr(owner, attribute, _descriptors.pop(label))
    _plans.clear()
    _event_classes.clear()
    _sessions.clear()  # open ones are closed with their event loop


def original(label: str) -> Callable[..., Any]:
    """Rasa's own function for `label` ("Class.function"), installed or not."""
    if label in _originals:
        return _originals[label]
    if label in CHECKED_ONLY:
        import importlib

        module, attribute = CHECKED_ONLY[label]
        owner = getattr(importlib.import_module(module), label.split(".")[0])
        return getattr(owner, attribute)  # type: ignore[no-any-return]
    owner, attribute, _ = _targets()[label]
    return getattr(owner, attribute)  # type: ignore[no-any-return]
