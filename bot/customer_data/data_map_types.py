"""The data map's vocabulary: column kinds, lawful bases, roles, stores, and the entry types
(bot/customer_data/data_map.py has the why).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

KINDS: Mapping[str, str] = {
    "identifier": "names a person directly (public id, name, username)",
    "contact": "reaches a person (email, phone, postal address)",
    "free_text": "what a person wrote or was told; may hold anything they typed",
    "pseudonymous": "points to a person through another table (customer id, conversation "
    "id, keyed hash, address of a client)",
    "credential": "a hash that guards an account or a session (never the secret itself)",
    "operational": "how the service ran (states, times, counts, intents); nothing personal",
    "none": "not about a person (the catalogue, model metrics)",
}
PERSONAL_KINDS = frozenset({"identifier", "contact", "free_text", "pseudonymous"})
BASES: Mapping[str, str] = {
    "contract": "needed to serve the customer's orders and requests (art. 6(1)(b))",
    "legitimate_interest": "the shop's legitimate interest, weighed against the customer's "
    "(art. 6(1)(f)): service quality, security, staff accountability",
    "legal_obligation": "a law requires it (art. 6(1)(c)): accounting, accountability",
    "consent": "the customer agreed and may withdraw (art. 6(1)(a))",
}
ROLES = ("customer", "agent", "trainer", "supervisor", "nobody")
STORES: Mapping[str, str] = {
    "store": "the customer store (DATABASE_URL)",
    "tracker": "the tracker store (endpoints.yml `tracker_store`; CIM_TRACKER_DB or the store's "
    "own database)",
}


@dataclass(frozen=True)
class TableEntry:
    """One table: its columns' kinds and the facts a record of processing needs.

    `retention` is a category of retention.yml (bot/customer_data/retention_policy.py),
    or None for a table that holds nothing personal.
    """

    holds: str
    columns: Mapping[str, str]
    purpose: str
    basis: str
    retention: str | None
    seen_by: tuple[str, ...]
    store: str = "store"

    @property
    def personal(self) -> bool:
        return any(kind in PERSONAL_KINDS for kind in self.columns.values())

    def columns_of(self, kind: str) -> list[str]:
        return [name for name, of in self.columns.items() if of == kind]


@dataclass(frozen=True)
class FileEntry:
    """Files (a glob from the project root) that can hold personal data.

    `retention` is a category of retention.yml, or None when the product does not decide
    how long they live (`note` says who does).
    """

    path: str
    holds: str
    purpose: str
    basis: str
    retention: str | None
    seen_by: tuple[str, ...]
    note: str = ""


def cols(**kinds: str) -> dict[str, str]:
    """Columns by kind, written `kind="col col ..."` so a table reads on a few lines."""
    return {column: kind for kind, names in kinds.items() for column in names.split()}


SHOP_BASIS = "legal_obligation"  # orders are accounting records; the profile serves them
STAFF_SEE = ("agent", "supervisor")
