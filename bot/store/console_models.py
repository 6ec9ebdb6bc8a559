"""The console's security records: staff sessions the server can revoke, and the access log.

Both are about staff, not customers: who is signed in, and who looked at which customer's
data. The access log is append-only down to the database (triggers on SQLite and PostgreSQL),
but for the retention purge of rows past the trail's window (`ConsoleAccessClearance`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, CheckConstraint, Column, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, relationship

from bot.store.columns import UtcDateTime, utcnow
from bot.store.declarative import Base
from bot.store.queue_models import Agent  # registered first: the relationship names it


class ConsoleSession(Base):
    """A member of staff's console session, as the server knows it.

    The cookie is signed, but a signature cannot be taken back: this row can. Logout,
    deactivation and a new password set `revoked_at`, and every request (and every push to
    the agents' live feed) checks the row, with `created_at` bounding its age whatever the
    cookie says. `token_hash` is a SHA-256 of the cookie's random id, never the id itself.
    """

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = Column(String(64), primary_key=True)
    agent_id: Mapped[int] = Column(
        Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    address: Mapped[str | None] = Column(String(64))
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, index=True)
    revoked_at: Mapped[datetime | None] = Column(UtcDateTime)
    revoked_why: Mapped[str | None] = Column(String(32))


class ConsoleAccessEntry(Base):
    """Who viewed, searched, exported or erased which handoff or customer, when, from where.

    Append-only: nothing in the product updates or deletes a row, and the database refuses
    to (triggers, below). Handoff and customer ids are plain numbers, not foreign keys, so
    the record outlives what it is about and no cascade ever rewrites it.

    Who: a member of staff (`agent_id`), or an actor with no agent row (`actor`, e.g.
    `cli:root` for `cim privacy`, run with the operator's access to the host); one of the two.
    """

    __tablename__ = "console_access_log"
    __table_args__ = (
        CheckConstraint("agent_id IS NOT NULL OR actor IS NOT NULL", name="has_actor"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    agent_id: Mapped[int | None] = Column(
        Integer, ForeignKey("agents.id", ondelete="RESTRICT"), index=True
    )
    actor: Mapped[str | None] = Column(String(64))
    action: Mapped[str] = Column(String(32), nullable=False)
    handoff_id: Mapped[int | None] = Column(Integer, index=True)
    customer_id: Mapped[int | None] = Column(Integer, index=True)
    detail: Mapped[str | None] = Column(String(500))
    address: Mapped[str | None] = Column(String(64))
    at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow, index=True)

    agent: Mapped[Agent | None] = relationship("Agent", lazy="joined")


class ConsoleAccessClearance(Base):
    """The one way an access-log row can be deleted: retention, past the trail's window.

    The purge (bot/customer_data/retention.py) inserts a row here, deletes the log's rows
    older than `purge_before` and removes its row again, all in one transaction, so no other
    session ever sees one (a crashed purge rolls it back). The DELETE trigger below lets a
    row go only while such a clearance covers it; UPDATE is refused always.
    """

    __tablename__ = "console_access_clearance"

    id: Mapped[int] = Column(Integer, primary_key=True)
    purge_before: Mapped[datetime] = Column(UtcDateTime, nullable=False)


_APPEND_ONLY = "the console access log is append-only"
_CLEARED = "SELECT 1 FROM console_access_clearance c WHERE OLD.at < c.purge_before"
event.listen(
    ConsoleAccessEntry.__table__,
    "after_create",
    DDL(
        "CREATE TRIGGER console_access_log_no_update BEFORE UPDATE "
        f"ON console_access_log BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
    ).execute_if(dialect="sqlite"),
)
event.listen(
    ConsoleAccessEntry.__table__,
    "after_create",
    DDL(
        "CREATE TRIGGER console_access_log_no_delete BEFORE DELETE ON console_access_log "
        f"WHEN NOT EXISTS ({_CLEARED}) BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
    ).execute_if(dialect="sqlite"),
)
event.listen(
    ConsoleAccessEntry.__table__,
    "after_create",
    DDL(
        "CREATE OR REPLACE FUNCTION console_access_log_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' AND EXISTS ({_CLEARED}) THEN RETURN OLD; END IF; "
        f"RAISE EXCEPTION '{_APPEND_ONLY}'; END $$; "
        "CREATE TRIGGER console_access_log_append_only BEFORE UPDATE OR DELETE "
        "ON console_access_log FOR EACH ROW EXECUTE FUNCTION console_access_log_append_only()"
    ).execute_if(dialect="postgresql"),
)
