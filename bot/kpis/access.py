"""Who may see the KPI dashboard, and how much of the customer they see in drill-downs.

Supervisors run the service and see who the customer was; trainers see the dashboard to
find what the bot gets wrong, but never who said it; agents do not see it at all.
Aggregates carry counts only, so redaction is a drill-down matter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FULL, REDACTED = "full", "redacted"
DASHBOARD_ACCESS: Mapping[str, str] = {"supervisor": FULL, "trainer": REDACTED}
CUSTOMER_FIELDS = ("customer_public_id", "customer_name", "customer_email")
MASK = "[redacted]"
# Free text from customers: what could identify them becomes a typed placeholder.
_PATTERNS = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?:\d[ -]?){13,19}"), "[card]"),
    (re.compile(r"\+?\d[\d ()./-]{7,}\d"), "[phone]"),
    (re.compile(r"\b\d{6}\b"), "[order]"),
)


def access_for(role: str) -> str | None:
    """FULL, REDACTED, or None (no access) for an agent's role."""
    return DASHBOARD_ACCESS.get(role)


def redact_text(text: str | None) -> str | None:
    if text is None:
        return None
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


def shown(row: Mapping[str, Any], access: str) -> dict[str, Any]:
    """The drill-down row as this access level may see it."""
    visible = dict(row)
    if access == FULL:
        return visible
    for name in CUSTOMER_FIELDS:
        if visible.get(name) is not None:
            visible[name] = MASK
    visible["csat_comment"] = redact_text(visible.get("csat_comment"))
    return visible
