"""An SQL tracker store that does not rebuild the whole conversation on every turn.

Rasa's `SQLTrackerStore` reads every event of the conversation's session on each turn,
turns each back into an `Event` (`Event.resolve_by_type` walks the whole class tree for each
one) and replays them into a new tracker; on save it counts the stored events again. That
cost grows with the conversation and was a quarter of the server's CPU under load
(../shared/notes/rasa-capacity.md). This store writes exactly the same rows, to the same
`events` table, on SQLite and PostgreSQL, so the full history stays where the console,
transcripts and Rasa's own API read it; what it adds is a bounded in-process cache of the
trackers it last saved.

The cache is only trusted when it cannot be stale:

- a cached tracker is handed out to one caller at a time; saving it hands it back, and other
  callers meanwhile read the database as with Rasa's store;
- on each hit one indexed query checks that the conversation's newest row is still the one
  this process wrote (another replica, or anyone else, writing makes it a miss);
- a tracker handed out and changed but never saved (a failed turn) is a miss;
- a save that starts a new session drops the entry, so the next read returns the last
  session only, as Rasa's store does.

Configure it in endpoints.yml in place of `type: SQL`, with the same keys, plus:

- `cache_size` (default 1000): conversations kept in memory, least recently used dropped
  (measured: about 77 MB per 1000 ten-turn conversations);
  0 turns the cache off (the store then behaves as Rasa's);
- `runtime_overrides`: no longer read (a warning says so). The store used to install the
  run-time patches of Rasa as a side effect; the Rasa server's bootstrap installs them now
  (bot/rasa_patches, bot/bootstrap.py), so a store built in a test or a tool patches nothing;
- `sqlite_wal` (default true): on SQLite, pooled connections in WAL mode with
  synchronous=NORMAL instead of a new connection and an fsync per query.

Rows differ from Rasa's in two ways (bot/trackers/scrub.py): the customer's token, the
channel's client key and any other key naming a secret are left out of every event written,
so no credential rests in the events table or comes back from Rasa's tracker API; and the
bot's replies are stored with contact data (emails, phones, addresses, cards, IBANs) masked.
The turn that carried them still has them in memory, and so does the cached tracker; a
tracker read back from the database has the stored form, and nothing after the turn needs more.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.pool import QueuePool

from bot.trackers.scrub import stored_json

logger = logging.getLogger(__name__)

CACHE_SIZE = "cache_size"
RUNTIME_OVERRIDES = "runtime_overrides"
DEFAULT_CACHE_SIZE = 1000  # ~77 MB of trackers at most (bench/results/chat.md)
# The conversation's newest row; one index seek (events.sender_id is indexed).
LAST_ID = sa.text("SELECT max(id) FROM events WHERE sender_id = :sender_id")


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@dataclass
class _Entry:
    tracker: DialogueStateTracker
    saved: int  # how many of tracker.events are in the database
    last_id: int | None  # the conversation's newest row id when this process last wrote
    out: bool = False  # handed to a caller who has not saved it yet


class CachedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` with a validated in-process tracker cache; see the module docstring."""

    def __init__(
        self,
        domain: Domain | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        runtime_overrides: object = None,
        sqlite_wal: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, **kwargs)
        if vars(self)["engine"].dialect.name == "sqlite":
            if sqlite_wal:
                self._use_pooled_wal_engine()
        else:
            self._ping_pooled_connections()
        if int(cache_size) < 0:
            raise ValueError(f"{CACHE_SIZE} must be 0 or more, got {cache_size}")
        self.cache_size = int(cache_size)
        # Built once, so SQLAlchemy compiles them once (see `_insert`).
        table = self.SQLEvent.__table__
        self._insert_events = table.insert()
        self._insert_returning_id = self._insert_events.returning(table.c.id)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        if runtime_overrides is not None:
            logger.warning(
                "%s is no longer read: the Rasa server's bootstrap installs the patches of "
                "Rasa (bot/rasa_patches; CIM_RASA_SPEED_PATCHES and friends). Remove it from "
                "endpoints.yml.",
                RUNTIME_OVERRIDES,
            )

    def _ping_pooled_connections(self) -> None:
        """A database server restart leaves every pooled connection dead; Rasa's engine
        would fail the next turn on each (and the fail-safe store would then answer from an
        empty tracker, losing the conversation's context). `pool_pre_ping` tests a pooled
        connection before use and replaces it if the server went away. Statements are
        bounded as in `bot.store.db`."""
        from bot.store.db import postgres_connect_args

        old: sa.engine.Engine = vars(self)["engine"]
        old.dispose()
        # The statements are bounded as the customer store's are (CIM_DB_STATEMENT_TIMEOUT_MS):
        # Rasa's tracker store queries on the event loop, so a held lock on `events` would
        # otherwise stop the whole replica until it is released.
        options = {
            **create_engine_kwargs(old.url),
            "pool_pre_ping": True,
            "connect_args": postgres_connect_args(old.url),
        }
        self.engine = sa.create_engine(old.url, **options)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    def _use_pooled_wal_engine(self) -> None:
        """SQLite: keep connections open and commit without an fsync each time.

        Rasa's engine opens a new SQLite connection per query (SQLAlchemy 1.4 uses no pool
        for SQLite files) and commits in rollback-journal mode, which fsyncs every turn
        while the event loop waits. WAL with synchronous=NORMAL stays consistent after a
        crash and may lose only the last turns on power loss.
        """
        old: sa.engine.Engine = vars(self)["engine"]
        old.dispose()
        engine = sa.create_engine(
            old.url,
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=4,
            connect_args={"check_same_thread": False},
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        self.engine = engine
        self.sessionmaker = sa.orm.sessionmaker(bind=engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        entry = self._entries.get(sender_id)
        if entry is not None:
            if self._usable(sender_id, entry):
                entry.out = True
                self._entries.move_to_end(sender_id)
                return entry.tracker
            del self._entries[sender_id]
        last_id = self._last_id(sender_id)
        if last_id is None:
            return None  # no rows: Rasa's query would find none either (a new conversation)
        tracker = await super().retrieve(sender_id)
        if tracker is not None and self.cache_size:
            self._remember(tracker, last_id, out=True)
        return tracker

    def _usable(self, sender_id: str, entry: _Entry) -> bool:
        if entry.out or entry.saved != len(entry.tracker.events):
            return False
        return self._last_id(sender_id) == entry.last_id

    async def save(self, tracker: DialogueStateTracker) -> None:
        entry = self._entries.get(tracker.sender_id)
        if entry is None or entry.tracker is not tracker or not self.cache_size:
            await self._save_unknown(tracker)
            return
        new = list(tracker.events)[entry.saved :]
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new, tracker.sender_id)
        last_id = self._insert(tracker.sender_id, new) or entry.last_id
        if any(isinstance(event, SessionStarted) for event in new):
            del self._entries[tracker.sender_id]  # the next read returns the new session only
            return
        entry.saved, entry.last_id, entry.out = len(tracker.events), last_id, False

    async def _save_unknown(self, tracker: DialogueStateTracker) -> None:
        """A tracker the cache does not hold. With no rows yet (a new conversation: Rasa's
        `create_tracker`), every event is new, as Rasa's store would find by reading and
        counting the rows; otherwise Rasa's store counts what is stored."""
        last_id = self._last_id(tracker.sender_id)
        if last_id is None and tracker.events.maxlen is None:
            events = list(tracker.events)
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, events, tracker.sender_id)
            last_id = self._insert(tracker.sender_id, events)
        else:
            await self._save_as_rasa(tracker)
            last_id = self._last_id(tracker.sender_id)
        if self.cache_size:
            self._remember(tracker, last_id, out=True)

    async def _save_as_rasa(self, tracker: DialogueStateTracker) -> None:
        """`SQLTrackerStore.save` (stream the new events, count the stored ones of the
        session, write the rest), writing its rows through `_insert`, so scrubbed."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            events = list(self._additional_events(session, tracker))
        self._insert(tracker.sender_id, events)

    def _insert(self, sender_id: str, events: list[Event]) -> int | None:
        """Write `events` as Rasa's store does; the newest row id.

        All rows but the last go in one executemany, the last alone so that its id comes back
        (RETURNING on PostgreSQL, lastrowid on SQLite). Both statements are built once, so
        SQLAlchemy compiles them once; a multi-row VALUES built per turn cost a compile and
        a cache key over every value each turn.
        """
        if not events:
            return None
        rows = [self._row(sender_id, event) for event in events]
        statement = self._insert_events
        with self._engine.begin() as connection:
            if len(rows) > 1:
                connection.execute(statement, rows[:-1])
            dialect = connection.dialect.name
            if dialect == "postgresql":
                last = connection.execute(self._insert_returning_id, rows[-1])
                return int(last.scalar_one())
            result = connection.execute(statement, rows[-1])
            if dialect == "sqlite":
                return int(result.lastrowid)
        return self._last_id(sender_id)

    @staticmethod
    def _row(sender_id: str, event: Event) -> dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": stored_json(data),
        }

    def _last_id(self, sender_id: str) -> int | None:
        with self._engine.connect() as connection:
            found = connection.execute(LAST_ID, {"sender_id": sender_id}).scalar()
        return None if found is None else int(found)

    @property
    def _engine(self) -> sa.engine.Engine:
        return vars(self)["engine"]  # type: ignore[no-any-return]

    def _remember(self, tracker: DialogueStateTracker, last_id: int | None, *, out: bool) -> None:
        if tracker.events.maxlen is not None:  # a capped history cannot be counted
            return
        self._entries[tracker.sender_id] = _Entry(tracker, len(tracker.events), last_id, out)
        self._entries.move_to_end(tracker.sender_id)
        while len(self._entries) > self.cache_size:
            self._entries.popitem(last=False)

    @property
    def cached(self) -> int:
        """Conversations held in memory."""
        return len(self._entries)
