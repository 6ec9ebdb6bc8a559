"""The erasure record: proof that a customer (or one conversation) was erased, and by whom.

Written by bot/customer_data/erasure.py in the same transaction as the erasure itself, so a
record exists exactly when the store's part of the erasure committed. It holds no personal
data: the subject is a keyed hash (HMAC-SHA256 under the server's token secret) of what was
erased (`customer:C0042`, or `conversation:<customer id>:<conversation id>`), enough to say
"already erased" to a second request for the same subject and nothing more; `erased_id` is the
random id the anonymised customer row now carries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, String
from sqlalchemy.orm import Mapped

from bot.store.columns import UtcDateTime, one_of, utcnow
from bot.store.declarative import Base

ERASURE_KINDS = ("customer", "conversation")


class ErasureRecord(Base):
    """One erasure: what kind, of whom (keyed hash), by whom, when, and the counts per place
    (`removed`: place -> rows or files removed or anonymised)."""

    __tablename__ = "erasure_records"
    __table_args__ = (one_of("kind", ERASURE_KINDS, name="kind"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    kind: Mapped[str] = Column(String(16), nullable=False)
    subject_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    erased_id: Mapped[str] = Column(String(64), nullable=False, unique=True)
    actor: Mapped[str] = Column(String(100), nullable=False)
    erased_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow, index=True)
    removed: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    retrain_flagged: Mapped[bool] = Column(Boolean, nullable=False, default=False)
