"""One archive of everything the product holds about a customer (the right of access).

`export_customer` gathers the sections from the store (export_store), the tracker
(export_transcripts) and says what it could not hold (consent); `Archive` is the result as
JSON with stable keys and ISO dates, as a readable HTML summary (export_html), and as one
private zip file. Who may ask is checked by the caller (the CLI's signed token, the console's
supervisor role); this module only reads.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.customer_data import export_store as store
from bot.customer_data.export_html import render
from bot.customer_data.export_transcripts import transcripts
from bot.customer_data.footprint import (
    UnknownCustomer,
    conversations_of,
    find_customer,
    session_of,
)
from bot.customer_data.locations import DataLocations, events_engine
from bot.store.models import Customer, LoyaltyAccount

__all__ = ["FORMAT", "Archive", "UnknownCustomer", "export_customer"]

FORMAT = "cim-customer-export/1"
JSON_NAME = "customer.json"
HTML_NAME = "summary.html"
FILE_MODE = 0o600  # the archive is the customer's personal data: its owner alone reads it
NO_CONSENT_RECORDS = (
    "The shop and the chat record no consent: the chat answers under the shop's terms and "
    "privacy notice, and no marketing or optional processing is asked for. A consent given "
    "to the shop (newsletter, cookies) would be listed here with what, when and how."
)

Section = Callable[[Session, int, Sequence[str]], Any]
# The store's sections, in the archive's order; each reads rows by customer and conversation.
STORE_SECTIONS: dict[str, Section] = {
    "handoffs": store.handoffs,
    "interaction_log": store.interactions,
    "review_inbox_items": store.review_items,
    "verified_sessions": store.verified_sessions,
    "kpi_facts": store.kpi_facts,
}


@dataclass(frozen=True)
class Archive:
    public_id: str
    generated_at: datetime
    sections: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The archive as JSON values; `json.dumps(..., sort_keys=True)` makes it stable."""
        return {
            "format": FORMAT,
            "customer": self.public_id,
            "generated_at": self.generated_at.isoformat(),
            **self.sections,
        }

    def json_text(self) -> str:
        return json.dumps(self.as_json(), sort_keys=True, indent=2, ensure_ascii=False)

    def html(self) -> str:
        return render(self.as_json())

    def write(self, directory: Path) -> Path:
        """One zip of customer.json and summary.html, readable by its owner only (created
        with that mode, never widened after). An existing file of the same name is replaced."""
        directory.mkdir(parents=True, exist_ok=True)
        stamp = self.generated_at.strftime("%Y%m%dT%H%M%SZ")
        path = directory / f"{self.public_id}-export-{stamp}.zip"
        path.unlink(missing_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(descriptor, "wb") as file, zipfile.ZipFile(file, "w") as archive:
            archive.writestr(JSON_NAME, self.json_text(), zipfile.ZIP_DEFLATED)
            archive.writestr(HTML_NAME, self.html(), zipfile.ZIP_DEFLATED)
        return path


def export_customer(
    locations: DataLocations, *, public_id: str, now: datetime | None = None
) -> Archive:
    """Everything held about the customer; `UnknownCustomer` if no customer has this id."""
    with locations.new_uow() as uow:
        found = find_customer(uow, public_id=public_id)
    if found is None:
        raise UnknownCustomer(public_id)
    conversations = conversations_of(locations, customer_id=found.id)
    with locations.new_uow() as uow:
        session = session_of(uow)
        customer = session.get(Customer, found.id)
        if customer is None:  # erased meanwhile
            raise UnknownCustomer(public_id)
        sections = _store_sections(session, customer, conversations)
    sections["conversations"] = transcripts(events_engine(locations), conversations)
    sections["consent"] = {"records": [], "note": NO_CONSENT_RECORDS}
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    return Archive(public_id=found.public_id, generated_at=moment, sections=sections)


def _store_sections(
    session: Session, customer: Customer, conversations: Sequence[str]
) -> dict[str, Any]:
    loyalty = session.get(LoyaltyAccount, customer.id)
    sections: dict[str, Any] = {
        "profile": store.profile(customer, loyalty),
        "orders": store.orders(session, customer.id),
        "feedback": store.feedback(session, customer.id, conversations),
    }
    for name, read in STORE_SECTIONS.items():
        sections[name] = read(session, customer.id, conversations)
    return sections
