"""The data map: every table and file that can hold personal data, what, why, how long, who.

A shop that runs the assistant keeps a record of its processing (GDPR art. 30): for each
store, what it holds, for which purpose and on which lawful basis, how long, and who can see
it. Those facts live here, as data beside the models, because a prose document drifts the day
someone adds a column; tests/bot/customer_data/test_data_map.py fails when a table or column
of the schema (or of Rasa's `events` table) is not classified here, when the map names one that
is gone, when a retention category is not one of retention.yml's, and when docs/privacy.md no
longer shows what `render_markdown()` renders from this map. Export, erasure and the retention
purge walk the same stores.

Each column has one kind (`KINDS`): the most identifying thing it can hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def _cols(**kinds: str) -> dict[str, str]:
    """Columns by kind, written `kind="col col ..."` so a table reads on a few lines."""
    return {column: kind for kind, names in kinds.items() for column in names.split()}


_SHOP = "legal_obligation"  # orders are accounting records; the profile serves them
_STAFF_SEE = ("agent", "supervisor")

SHOP_TABLES: dict[str, TableEntry] = {
    "customers": TableEntry(
        holds="the customer's account: public id, name, email, phone, loyalty tier",
        columns=_cols(
            operational="id tier created_at",
            identifier="public_id first_name last_name",
            contact="email phone",
        ),
        purpose="identify the customer and answer about their orders",
        basis="contract",
        retention="shop_records",
        seen_by=("customer", *_STAFF_SEE),
    ),
    "products": TableEntry(
        holds="the catalogue",
        columns=_cols(none="id sku name category price_cents in_stock description"),
        purpose="answer product questions",
        basis="contract",
        retention="shop_records",
        seen_by=("customer", "agent", "trainer", "supervisor"),
    ),
    "orders": TableEntry(
        holds="the customer's orders, their delivery address and tracking",
        columns=_cols(
            operational="id status placed_at shipped_at delivered_at eta carrier total_cents",
            pseudonymous="customer_id number tracking_number",
            identifier="ship_to_name",
            contact="ship_to_line1 ship_to_city ship_to_postcode ship_to_country",
        ),
        purpose="track, cancel and re-address orders",
        basis=_SHOP,
        retention="shop_records",
        seen_by=("customer", *_STAFF_SEE),
    ),
    "order_items": TableEntry(
        holds="what each order contains",
        columns=_cols(
            operational="id quantity unit_price_cents", pseudonymous="order_id product_id"
        ),
        purpose="answer about an order's contents and refunds",
        basis=_SHOP,
        retention="shop_records",
        seen_by=("customer", *_STAFF_SEE),
    ),
    "refunds": TableEntry(
        holds="refunds of an order, with the customer's reason",
        columns=_cols(
            operational="id amount_cents status created_at updated_at",
            pseudonymous="order_id",
            free_text="reason",
        ),
        purpose="request and report refunds",
        basis=_SHOP,
        retention="shop_records",
        seen_by=("customer", *_STAFF_SEE),
    ),
    "loyalty_accounts": TableEntry(
        holds="the customer's loyalty points and tier",
        columns=_cols(operational="points tier", pseudonymous="customer_id"),
        purpose="answer about loyalty points",
        basis="contract",
        retention="shop_records",
        seen_by=("customer", *_STAFF_SEE),
    ),
}

CONVERSATION_TABLES: dict[str, TableEntry] = {
    "events": TableEntry(
        holds="every conversation turn (Rasa's tracker): the customer's own words, the bot's "
        "and agents' replies (emails, phones, addresses, cards and IBANs masked), slots "
        "(email, order number, customer id), intents; never tokens or client keys",
        columns=_cols(
            operational="id type_name timestamp intent_name action_name",
            pseudonymous="sender_id",
            free_text="data",
        ),
        purpose="carry the conversation on; history in the widget; context for agents",
        basis="contract",
        retention="transcripts",
        seen_by=("customer", *_STAFF_SEE),
        store="tracker",
    ),
    "interactions": TableEntry(
        holds="the interaction log: what the bot did for which intent, and how it went",
        columns=_cols(
            operational="id intent interaction_type action outcome created_at",
            pseudonymous="conversation_id customer_id",
            free_text="details",
        ),
        purpose="KPIs, the trainers' inbox, audit of what the bot did",
        basis="legitimate_interest",
        retention="interaction_log",
        seen_by=("supervisor",),
    ),
    "conversation_ratings": TableEntry(
        holds="the customer's 1-5 rating of a conversation, with an optional comment",
        columns=_cols(
            operational="id rating channel created_at",
            pseudonymous="conversation_id customer_id",
            free_text="comment",
        ),
        purpose="CSAT; low ratings reach the trainers' inbox (redacted)",
        basis="legitimate_interest",
        retention="ratings",
        seen_by=("supervisor",),
    ),
    "nps_responses": TableEntry(
        holds="NPS questions asked and the customer's 0-10 answer and comment",
        columns=_cols(
            operational="id channel asked_at score answered_at",
            pseudonymous="customer_id conversation_id",
            free_text="comment",
        ),
        purpose="NPS; asking at most once per CIM_NPS_EVERY_DAYS",
        basis="legitimate_interest",
        retention="ratings",
        seen_by=("supervisor",),
    ),
    "handoffs": TableEntry(
        holds="conversations handed to a person: who, why, the bot's summary, the outcome",
        columns=_cols(
            operational="id state reasons interaction_type intent priority vip team decision "
            "queued_at sla_due_at assigned_at resolved_at disposition customer_last_seen_at "
            "created_at updated_at",
            pseudonymous="conversation_id customer_id assigned_agent_id",
            free_text="summary",
        ),
        purpose="the handoff queue; KPIs",
        basis="contract",
        retention="handoffs",
        seen_by=_STAFF_SEE,
    ),
    "handoff_notes": TableEntry(
        holds="agents' private notes on a handoff",
        columns=_cols(
            operational="id created_at", pseudonymous="handoff_id agent_id", free_text="body"
        ),
        purpose="hand a conversation over between agents",
        basis="legitimate_interest",
        retention="handoffs",
        seen_by=_STAFF_SEE,
    ),
}

GUARD_TABLES: dict[str, TableEntry] = {
    "verified_sessions": TableEntry(
        holds="a customer verified by email and order number, for one chat session",
        columns=_cols(
            operational="id session_key verified_at expires_at",
            pseudonymous="conversation_id customer_id client_key",
        ),
        purpose="identify a customer without a token, for one session (security)",
        basis="contract",
        retention="verified_sessions",
        seen_by=("nobody",),
    ),
    "chat_throttles": TableEntry(
        holds="counters of failed verifications and handoffs, keyed by keyed hashes",
        columns=_cols(
            operational="scope count window_started_at last_at locked_until",
            pseudonymous="key",
        ),
        purpose="stop guessing and flooding (security)",
        basis="legitimate_interest",
        retention="throttles",
        seen_by=("nobody",),
    ),
}

STAFF_TABLES: dict[str, TableEntry] = {
    "agents": TableEntry(
        holds="staff accounts: username, display name, role, team",
        columns=_cols(
            operational="id role team active created_at",
            identifier="username display_name",
            credential="password_hash",
        ),
        purpose="sign staff in; say who handled what",
        basis="contract",
        retention="staff_accounts",
        seen_by=("supervisor",),
    ),
    "console_sessions": TableEntry(
        holds="staff sessions the server can revoke (a hash of the cookie's id, never the id)",
        columns=_cols(
            operational="created_at expires_at revoked_at revoked_why",
            credential="token_hash",
            pseudonymous="agent_id address",
        ),
        purpose="sign staff in and out (security)",
        basis="legitimate_interest",
        retention="console_sessions",
        seen_by=("nobody",),
    ),
    "console_access_log": TableEntry(
        holds="the access trail: who viewed, searched, exported or erased which customer's "
        "data, when, from where (append-only)",
        columns=_cols(
            operational="id action at",
            pseudonymous="agent_id actor handoff_id customer_id address",
            free_text="detail",
        ),
        purpose="accountability for access to customers' data",
        basis="legal_obligation",
        retention="access_trail",
        seen_by=("supervisor",),
    ),
    "console_access_clearance": TableEntry(
        holds="a cutoff, present only inside the purge's transaction: the access trail's "
        "rows older than it may be deleted",
        columns=_cols(operational="id purge_before"),
        purpose="let the retention purge, and nothing else, shorten the access trail",
        basis="legal_obligation",
        retention="access_trail",
        seen_by=("nobody",),
    ),
    "erasure_records": TableEntry(
        holds="proof of each erasure: a keyed hash of whom (never the id itself), by whom, "
        "when, and the counts removed per place",
        columns=_cols(
            operational="id kind erased_at removed retrain_flagged",
            pseudonymous="subject_key erased_id",
            identifier="actor",
        ),
        purpose="prove an erasure happened; answer a repeated request as already done",
        basis="legal_obligation",
        retention="access_trail",
        seen_by=("supervisor",),
    ),
    "retention_runs": TableEntry(
        holds="the retention run log: per purge, each category's cutoff and rows removed "
        "(counts, never content)",
        columns=_cols(
            operational="id started_at finished_at as_of batch_size policy outcome removed "
            "categories"
        ),
        purpose="evidence that the retention windows are applied",
        basis="legal_obligation",
        retention="retention_runs",
        seen_by=("supervisor",),
    ),
}

TRAINING_TABLES: dict[str, TableEntry] = {
    "review_items": TableEntry(
        holds="customer messages the bot did not understand, redacted before they are written",
        columns=_cols(
            operational="id source sources count intent confidence interaction_type "
            "suggestions first_seen_at last_seen_at state label decided_at",
            pseudonymous="key conversation_id decided_by trained_in",
            free_text="text details",
        ),
        purpose="trainers label them to improve the bot",
        basis="legitimate_interest",
        retention="review_inbox",
        seen_by=("trainer", "supervisor"),
    ),
    "review_sources": TableEntry(
        holds="which handoffs and ratings the inbox already collected",
        columns=_cols(operational="kind collected_at", pseudonymous="source_id item_id"),
        purpose="collect each handoff or rating once",
        basis="legitimate_interest",
        retention="review_inbox",
        seen_by=("nobody",),
    ),
    "training_runs": TableEntry(
        holds="each retraining: who asked, the labels applied (redacted texts), metrics",
        columns=_cols(
            operational="id started_at finished_at outcome reason metrics model_path commit",
            identifier="requested_by",
            free_text="changes",
        ),
        purpose="audit and roll back retrainings",
        basis="legitimate_interest",
        retention="training_data",
        seen_by=("trainer", "supervisor"),
    ),
}

KPI_TABLES: dict[str, TableEntry] = {
    "kpi_conversations": TableEntry(
        holds="one fact row per conversation (derived from the stores above), with the "
        "customer id and the redacted CSAT comment",
        columns=_cols(
            operational="id started_at ended_at day channel intent interaction_type "
            "customer_tier user_messages fallbacks first_response_ms handed_off "
            "handoff_reason queue_seconds handle_seconds contained false_contained "
            "false_reason bot_resolved human_resolved repeat_7d csat nps",
            pseudonymous="conversation_id customer_id",
            free_text="csat_comment_redacted",
        ),
        purpose="the supervisors' dashboard and its drill-downs",
        basis="legitimate_interest",
        retention="kpi_identities",
        seen_by=("trainer", "supervisor"),
    ),
    "kpi_daily": TableEntry(
        holds="daily sums of the facts per dimension: counts only",
        columns=_cols(
            none="id day interaction_type intent channel customer_tier handoff_reason "
            "conversations contained false_contained handed_off bot_resolved human_resolved "
            "identified repeat_7d user_messages fallbacks frt_count frt_sum_ms queue_count "
            "queue_sum_s handle_count handle_sum_s csat_count csat_sum csat_satisfied "
            "nps_count nps_promoters nps_detractors"
        ),
        purpose="the dashboard's aggregates",
        basis="legitimate_interest",
        retention=None,
        seen_by=("trainer", "supervisor"),
    ),
}

DATA_MAP: dict[str, TableEntry] = {
    **SHOP_TABLES,
    **CONVERSATION_TABLES,
    **GUARD_TABLES,
    **STAFF_TABLES,
    **TRAINING_TABLES,
    **KPI_TABLES,
}

FILES: tuple[FileEntry, ...] = (
    FileEntry(
        path="data/**/*.yml",
        holds="training examples; a trainer's label can bring a (redacted) customer message "
        "in; lookups/ may hold product names",
        purpose="train the bot",
        basis="legitimate_interest",
        retention="training_data",
        seen_by=("trainer",),
        note="erasure removes a customer's examples and flags the next retrain",
    ),
    FileEntry(
        path="models/*.tar.gz, models/history/",
        holds="trained models: they embed the training examples they were trained on",
        purpose="serve the bot (current), roll back (previous, history)",
        basis="legitimate_interest",
        retention="training_data",
        seen_by=("nobody",),
        note="an erased example stays in a model until the next retrain replaces it",
    ),
    FileEntry(
        path="models/training.log",
        holds="the output of retrainings started from the console (who asked, metrics)",
        purpose="diagnose a failed retraining",
        basis="legitimate_interest",
        retention=None,
        seen_by=("nobody",),
        note="appended to; the operator rotates it",
    ),
    FileEntry(
        path="var/*.db",
        holds="the SQLite stores of `cim run`: shop.db (every store table above), tracker.db "
        "(`events`)",
        purpose="the development and single-machine stores",
        basis="contract",
        retention=None,
        seen_by=("nobody",),
        note="each table's own retention applies; SQLite keeps freed pages until VACUUM",
    ),
    FileEntry(
        path="exports written by `cim privacy export` (--out, a .zip)",
        holds="one customer's whole footprint: customer.json and summary.html",
        purpose="answer a customer's access request",
        basis="legal_obligation",
        retention=None,
        seen_by=("customer", "supervisor"),
        note="the operator hands it over and deletes it; the product keeps no copy",
    ),
    FileEntry(
        path="process logs (stdout/stderr of Rasa, the action server, cim run)",
        holds="errors and warnings; may quote a conversation id or, in a stack trace, a value",
        purpose="run and debug the service",
        basis="legitimate_interest",
        retention=None,
        seen_by=("nobody",),
        note="outside the product: the host's log rotation decides",
    ),
    FileEntry(
        path="bench/results/",
        holds="benchmark figures only, from synthetic seeded customers",
        purpose="measure the product",
        basis="legitimate_interest",
        retention=None,
        seen_by=("nobody",),
        note="no real customer's data: benchmarks run on seeded stores",
    ),
)


def retention_categories() -> set[str]:
    """Every retention category the map names, tables and files."""
    named = [entry.retention for entry in DATA_MAP.values()]
    named += [entry.retention for entry in FILES]
    return {category for category in named if category is not None}


FILES_HEADER = "| files | holds | purpose | lawful basis | retention | seen by | note |"


def render_markdown() -> str:
    """The map as docs/privacy.md shows it: an overview, then each table's columns by kind."""
    lines = [
        "| table | store | holds | purpose | lawful basis | retention | seen by |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_overview_row(name, entry) for name, entry in DATA_MAP.items()]
    for name, entry in DATA_MAP.items():
        lines += ["", f"#### `{name}`", *_column_lines(entry)]
    lines += ["", "### Files", "", FILES_HEADER, "|---|---|---|---|---|---|---|"]
    lines += [_file_row(entry) for entry in FILES]
    return "\n".join(lines) + "\n"


def _overview_row(name: str, entry: TableEntry) -> str:
    cells = (
        f"`{name}`",
        entry.store,
        entry.holds,
        entry.purpose,
        entry.basis,
        _retention(entry.retention),
        ", ".join(entry.seen_by),
    )
    return _row(cells)


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _column_lines(entry: TableEntry) -> list[str]:
    return [
        f"- {kind}: " + ", ".join(f"`{column}`" for column in entry.columns_of(kind))
        for kind in KINDS
        if entry.columns_of(kind)
    ]


def _file_row(entry: FileEntry) -> str:
    cells = (
        entry.path,
        entry.holds,
        entry.purpose,
        entry.basis,
        _retention(entry.retention),
        ", ".join(entry.seen_by),
        entry.note,
    )
    return _row(cells)


def _retention(category: str | None) -> str:
    return f"`{category}`" if category else "-"


def unclassified(columns_by_table: Mapping[str, Iterable[str]]) -> list[str]:
    """`table.column` of the schema that the map does not classify (a whole table: `table`)."""
    missing: list[str] = []
    for table, columns in columns_by_table.items():
        entry = DATA_MAP.get(table)
        if entry is None:
            missing.append(table)
            continue
        missing += [f"{table}.{column}" for column in columns if column not in entry.columns]
    return missing


def stale(columns_by_table: Mapping[str, Iterable[str]]) -> list[str]:
    """`table.column` the map names that the schema no longer has."""
    gone: list[str] = []
    for table, entry in DATA_MAP.items():
        if table not in columns_by_table:
            gone.append(table)
            continue
        present = set(columns_by_table[table])
        gone += [f"{table}.{column}" for column in entry.columns if column not in present]
    return gone
