"""The data map's entries for the staff's tables, the trainers' inbox, the KPI facts, and the
files (bot/customer_data/data_map.py has the why)."""

from __future__ import annotations

from bot.customer_data.data_map_types import FileEntry, TableEntry, cols

STAFF_TABLES: dict[str, TableEntry] = {
    "agents": TableEntry(
        holds="staff accounts: username, display name, role, team",
        columns=cols(
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
        columns=cols(
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
        columns=cols(
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
        columns=cols(operational="id purge_before"),
        purpose="let the retention purge, and nothing else, shorten the access trail",
        basis="legal_obligation",
        retention="access_trail",
        seen_by=("nobody",),
    ),
    "erasure_records": TableEntry(
        holds="proof of each erasure: a keyed hash of whom (never the id itself), by whom, "
        "when, and the counts removed per place",
        columns=cols(
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
        columns=cols(
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
        columns=cols(
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
        columns=cols(operational="kind collected_at", pseudonymous="source_id item_id"),
        purpose="collect each handoff or rating once",
        basis="legitimate_interest",
        retention="review_inbox",
        seen_by=("nobody",),
    ),
    "training_runs": TableEntry(
        holds="each retraining: who asked, the labels applied (redacted texts), metrics",
        columns=cols(
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
        columns=cols(
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
        columns=cols(
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
