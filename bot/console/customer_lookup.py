"""A customer as the supervisors' privacy panel and `cim privacy erase` show them first.

Before an export or an erasure, the person doing it sees whose data it is and how much there
is (counts per table, from the footprint that export and erasure walk), so they can tell
they found the right customer. No Sanic here: the command line uses it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.customer_data.footprint import (
    LINKING_TABLES,
    CustomerRef,
    conversations_of,
    find_customer,
    session_of,
)
from bot.customer_data.locations import DataLocations
from bot.services.customers import normalise_email
from bot.store.models import Order

# C0042; S0000001 (the seeded KPI customers); ERASED-1A2B3C4D5 (an erased customer's row)
PUBLIC_ID = re.compile(r"[A-Z][A-Z0-9-]{1,15}")


class BadCustomerQuery(ValueError):
    """Neither a public id nor an email address."""


@dataclass(frozen=True)
class CustomerSummary:
    customer: CustomerRef
    tier: str
    since: str
    counts: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        who = self.customer
        profile: dict[str, str | None] = {
            "public_id": who.public_id,
            "name": who.name,
            "email": who.email,
        }
        profile |= {"phone": who.phone, "tier": self.tier, "since": self.since}
        return {"customer": profile, "counts": self.counts}


def public_id_of(raw: object) -> str:
    """The public id in canonical form (C0042), or BadCustomerQuery."""
    value = raw.strip().upper() if isinstance(raw, str) else ""
    if not PUBLIC_ID.fullmatch(value):
        raise BadCustomerQuery("a customer id looks like C0042")
    return value


def query_kind(raw: object) -> str:
    """`email` or `public_id`: which lookup a query asks for (BadCustomerQuery: neither)."""
    if isinstance(raw, str) and "@" in raw:
        if normalise_email(raw) is None:
            raise BadCustomerQuery("not an email address")
        return "email"
    public_id_of(raw)
    return "public_id"


def lookup(locations: DataLocations, query: str) -> CustomerSummary | None:
    """The customer a public id or an email names, with their counts; None: no such one."""
    public_id = _public_id_for(locations, query)
    return summary(locations, public_id=public_id) if public_id else None


def summary(locations: DataLocations, *, public_id: str) -> CustomerSummary | None:
    with locations.new_uow() as uow:
        found = find_customer(uow, public_id=public_id_of(public_id))
        if found is None:
            return None
        row = uow.customers.get(customer_id=found.id)
        assert row is not None
        counts = _row_counts(uow, customer_id=found.id)
        tier, since = row.tier, row.created_at.date().isoformat()
    counts["conversations"] = len(conversations_of(locations, customer_id=found.id))
    return CustomerSummary(found, tier, since, counts)


def _public_id_for(locations: DataLocations, query: str) -> str | None:
    if query_kind(query) == "public_id":
        return public_id_of(query)
    with locations.new_uow() as uow:
        row = uow.customers.get_by_email(email=str(normalise_email(query)))
        return row.public_id if row is not None else None


def _row_counts(uow: Any, *, customer_id: int) -> dict[str, int]:
    """Rows per store table that name the customer (orders, and each linking table)."""
    session = session_of(uow)
    counts = {}
    for model in (Order, *LINKING_TABLES):
        query = sa.select(sa.func.count()).where(model.customer_id == customer_id)
        counts[model.__tablename__] = int(session.scalar(query) or 0)
    return counts
