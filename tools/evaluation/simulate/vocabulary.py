"""The expectations a conversation may state, and the shape of each one's value.

Kept small and general on purpose: every expectation names a fact resolved from the store or
the shop's facts at run time (an order's status, a refund, a handoff), never a sentence of
the bot's. A value that does not fit raises `SuiteError` naming the file, the conversation
and the expectation, so a typo in a suite file fails loudly instead of passing silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

ORDER_FACTS = ("number", "status", "eta", "tracking", "carrier", "items", "total", "address")
REFUND_FACTS = ("status", "amount")
ACCOUNT_FACTS = (
    "name",
    "first_name",
    "email",
    "phone",
    "tier",
    "points",
    "next_tier",
    "member_since",
)
PRODUCT_FACTS = ("price", "stock")
ASKABLE = ("email", "order_number", "address")
ORDER_STATUSES = (
    "pending",
    "processing",
    "shipped",
    "in_transit",
    "delivered",
    "cancelled",
    "returned",
)
BUILTIN_ORDERS = ("newest", "newest_open")


class SuiteError(ValueError):
    """A suite file that cannot be run as written; the message says where and why."""


@dataclass(frozen=True)
class Expectation:
    kind: str
    value: Any  # normalised by the kind's parser
    where: str  # "order_status.yml: status-1, turn 2", for messages

    @property
    def label(self) -> str:
        """A short, readable form for reports: `mentions_order(moving: status, eta)`."""
        if self.value in (True, None, {}):
            return self.kind
        return f"{self.kind}({_describe(self.value)})"


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_describe(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_describe(v) for v in value)
    return str(value)


Parser = Callable[[Any, str], Any]


def _fail(where: str, message: str) -> SuiteError:
    return SuiteError(f"{where}: {message}")


def _flag(value: Any, where: str) -> bool:
    if value is not True:
        raise _fail(where, "takes no value (write it alone, or `true`)")
    return True


def _name(value: Any, where: str, what: str = "an order name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"needs {what}")
    return value.strip()


def _subset(values: Any, allowed: Iterable[str], where: str, key: str) -> tuple[str, ...]:
    items = [values] if isinstance(values, str) else values
    allowed = tuple(allowed)
    if not isinstance(items, list) or not items:
        raise _fail(where, f"'{key}' must be one or a list of: {', '.join(allowed)}")
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise _fail(where, f"unknown {key} {unknown}; known: {', '.join(allowed)}")
    return tuple(items)


def _mapping(value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, f"needs a mapping with {', '.join(required)}")
    missing = [key for key in required if key not in value]
    if missing:
        raise _fail(where, f"missing field(s) {missing}")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise _fail(where, f"unknown field(s) {unknown}; known: {', '.join(required + optional)}")
    return dict(value)


def _fact_ref(key: str, facts: tuple[str, ...], default: tuple[str, ...]) -> Parser:
    """`X` or `{key: X, facts: [...]}` -> {key: X, facts: (...)}."""

    def parse(value: Any, where: str) -> dict[str, Any]:
        if isinstance(value, str):
            return {key: _name(value, where), "facts": default}
        fields = _mapping(value, where, (key,), ("facts",))
        chosen = _subset(fields["facts"], facts, where, "facts") if "facts" in fields else default
        return {key: _name(fields[key], where), "facts": chosen}

    return parse


def _account(value: Any, where: str) -> tuple[str, ...]:
    return _subset(value, ACCOUNT_FACTS, where, "facts")


def _recommends(value: Any, where: str) -> dict[str, Any]:
    if value is True:
        return {}
    fields = _mapping(value, where, (), ("max_price", "categories", "products"))
    if "max_price" in fields and not isinstance(fields["max_price"], (int, float)):
        raise _fail(where, "'max_price' must be a number of dollars")
    for key in ("categories", "products"):
        if key in fields:
            fields[key] = _strings(fields[key], where, key)
    return fields


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise _fail(where, f"'{key}' must be a text or a list of texts")
    return tuple(items)


def _policy(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, str):
        return {"topic": value, "facts": ()}
    fields = _mapping(value, where, ("topic",), ("facts",))
    facts = _strings(fields["facts"], where, "facts") if "facts" in fields else ()
    return {"topic": _name(fields["topic"], where, "a topic"), "facts": facts}


def _confirmation(value: Any, where: str) -> dict[str, Any]:
    if value is True:
        return {}
    if isinstance(value, str):
        return {"order": value}
    return {"order": _name(_mapping(value, where, ("order",), ())["order"], where)}


def _order_list(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise _fail(where, "needs an order name or a list of them")
    return tuple(items)


def _which(value: Any, where: str) -> tuple[str, ...]:
    orders = _order_list(value, where)
    if len(orders) < 2:
        raise _fail(where, "needs the two or more orders the customer must choose between")
    return orders


def _order_state(value: Any, where: str) -> dict[str, Any]:
    fields = _mapping(value, where, ("order", "status"), ())
    if fields["status"] not in ORDER_STATUSES:
        raise _fail(where, f"unknown status {fields['status']!r}; known: {ORDER_STATUSES}")
    return {"order": _name(fields["order"], where), "status": fields["status"]}


def _order_address(value: Any, where: str) -> dict[str, Any]:
    fields = _mapping(value, where, ("order", "contains"), ())
    return {
        "order": _name(fields["order"], where),
        "contains": _strings(fields["contains"], where, "contains"),
    }


def _handoff(value: Any, where: str) -> dict[str, Any]:
    if value is True:
        return {}
    fields = _mapping(value, where, ("team",), ())
    return {"team": _name(fields["team"], where, "a team")}


def _asks_for(value: Any, where: str) -> tuple[str, ...]:
    return _subset(value, ASKABLE, where, "asks_for")


def _text(value: Any, where: str) -> str:
    return _name(value, where, "what the customer asked for")


# kind -> value parser. `checks.CHECKS` holds the functions that judge each kind.
PARSERS: dict[str, Parser] = {
    "mentions_order": _fact_ref("order", ORDER_FACTS, ("number", "status")),
    "mentions_refund": _fact_ref("order", REFUND_FACTS, ("status",)),
    "mentions_account": _account,
    "mentions_product": _fact_ref("product", PRODUCT_FACTS, PRODUCT_FACTS),
    "recommends": _recommends,
    "answers_policy": _policy,
    "says_not_sold": _text,
    "asks_confirmation": _confirmation,
    "asks_which": _which,
    "asks_for": _asks_for,
    "not_fallback": _flag,
    "reveals_nothing": _flag,
    "order_state": _order_state,
    "order_unchanged": _order_list,
    "order_address": _order_address,
    "refund_requested": _name,
    "store_unchanged": _flag,
    "handoff": _handoff,
    "no_handoff": _flag,
    "feedback_recorded": _flag,
}
# Kinds that judge the store, so they may also stand in a conversation's `end:` list.
STATE_KINDS = frozenset(
    {
        "order_state",
        "order_unchanged",
        "order_address",
        "refund_requested",
        "store_unchanged",
        "handoff",
        "no_handoff",
        "feedback_recorded",
    }
)


def parse_expectation(item: Any, where: str) -> Expectation:
    """`kind` alone, or `{kind: value}` with exactly one key."""
    if isinstance(item, str):
        kind, value = item, True
    elif isinstance(item, dict) and len(item) == 1:
        kind, value = next(iter(item.items()))
    else:
        raise _fail(where, f"an expectation is a name or a one-key mapping, not {item!r}")
    if kind not in PARSERS:
        raise _fail(where, f"unknown expectation {kind!r}; known: {', '.join(sorted(PARSERS))}")
    located = f"{where}, {kind}"
    return Expectation(kind, PARSERS[kind](value, located), where)


def orders_named(expectation: Expectation) -> tuple[str, ...]:
    """The order names an expectation refers to, to check they are declared."""
    value = expectation.value
    if expectation.kind in ("order_unchanged", "asks_which"):
        return tuple(value)
    if expectation.kind == "refund_requested":
        return (value,)
    if isinstance(value, dict) and "order" in value:
        return (value["order"],)
    return ()
