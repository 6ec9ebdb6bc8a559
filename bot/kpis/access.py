"""Who may see the KPI dashboard, and how much of the customer they see in drill-downs.

Supervisors run the service and see who the customer was; trainers see the dashboard to
find what the bot gets wrong, but never who said it; agents do not see it at all.
Trainers do not get the conversation id either: it is the key to the customer's chat
(whoever holds it can write as them). They get `K-<n>`, the number of the KPI fact row,
which means nothing outside the dashboard.
Aggregates carry counts only, so redaction is a drill-down matter. Free text goes through
the product's one redactor (bot/privacy.py), with the customer's own name added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.privacy import redact

FULL, REDACTED = "full", "redacted"
DASHBOARD_ACCESS: Mapping[str, str] = {"supervisor": FULL, "trainer": REDACTED}
CUSTOMER_FIELDS = ("customer_public_id", "customer_name", "customer_email")
MASK = "[redacted]"
REFERENCE_PREFIX = "K-"


def conversation_reference(fact_id: object) -> str:
    """The opaque reference a trainer sees instead of a conversation id."""
    return f"{REFERENCE_PREFIX}{fact_id}"


def access_for(role: str) -> str | None:
    """FULL, REDACTED, or None (no access) for an agent's role."""
    return DASHBOARD_ACCESS.get(role)


def redact_text(text: str | None, *, names: list[str] | None = None) -> str | None:
    return None if text is None else redact(text, names=names).text


def shown(row: Mapping[str, Any], access: str) -> dict[str, Any]:
    """The drill-down row as this access level may see it."""
    visible = dict(row)
    fact_id = visible.pop("fact_id", None)
    if access == FULL:
        return visible
    visible["conversation_id"] = conversation_reference(fact_id) if fact_id else MASK
    name = visible.get("customer_name")
    for field in CUSTOMER_FIELDS:
        if visible.get(field) is not None:
            visible[field] = MASK
    names = [str(name)] if name else None
    visible["csat_comment"] = redact_text(visible.get("csat_comment"), names=names)
    return visible
