"""The chat's guards kept on the server: throttle counters and verified sessions.

A chat slot can be reset by the customer (`/restart`, a new sender id); these rows can't, so
limits and verifications hold across conversations, sessions and restarts
(bot/store/guard_repository.py, bot/services/throttles.py, actions/identification.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped

from bot.store.columns import UtcDateTime, utcnow
from bot.store.declarative import Base


class ChatThrottle(Base):
    """A counter the chat keeps on the server, per scope and key (bot/services/throttles.py).

    Wrong verification pairs per email and per client, handoffs per client and per
    conversation. A chat slot resets with `/restart` or a new sender id; these rows hold
    across conversations, sessions and restarts. Keys are keyed hashes (never an email in
    clear). `count` is the failures (or requests) since `window_started_at`; `locked_until`
    is set while a key must wait.
    """

    __tablename__ = "chat_throttles"

    scope: Mapped[str] = Column(String(32), primary_key=True)
    key: Mapped[str] = Column(String(64), primary_key=True)
    count: Mapped[int] = Column(Integer, nullable=False, default=0)
    window_started_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    last_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow, index=True)
    locked_until: Mapped[datetime | None] = Column(UtcDateTime)


class VerifiedSession(Base):
    """A customer verified by email and order number, for one Rasa session of one
    conversation, from one client, until `expires_at`.

    The `customer_id` slot only hints at this: slots carry over into new sessions and can
    be set by whoever writes to the conversation, so identity comes from a signed token or
    from a row here (actions/identification.py).
    """

    __tablename__ = "verified_sessions"
    __table_args__ = (UniqueConstraint("conversation_id", "session_key"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False)
    # When the session started (the `session_started` event's timestamp).
    session_key: Mapped[str] = Column(String(64), nullable=False)
    customer_id: Mapped[int] = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    client_key: Mapped[str] = Column(String(64), nullable=False)
    verified_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, index=True)
