"""The data map's entries for the shop's records, the conversations and the verification
guards (bot/customer_data/data_map.py has the why)."""

from __future__ import annotations

from bot.customer_data.data_map_types import SHOP_BASIS, STAFF_SEE, TableEntry, cols

SHOP_TABLES: dict[str, TableEntry] = {
    "customers": TableEntry(
        holds="the customer's account: public id, name, email, phone, loyalty tier",
        columns=cols(
            operational="id tier created_at",
            identifier="public_id first_name last_name",
            contact="email phone",
        ),
        purpose="identify the customer and answer about their orders",
        basis="contract",
        retention="shop_records",
        seen_by=("customer", *STAFF_SEE),
    ),
    "products": TableEntry(
        holds="the catalogue",
        columns=cols(none="id sku name category price_cents in_stock description"),
        purpose="answer product questions",
        basis="contract",
        retention="shop_records",
        seen_by=("customer", "agent", "trainer", "supervisor"),
    ),
    "orders": TableEntry(
        holds="the customer's orders, their delivery address and tracking",
        columns=cols(
            operational="id status placed_at shipped_at delivered_at eta carrier total_cents",
            pseudonymous="customer_id number tracking_number",
            identifier="ship_to_name",
            contact="ship_to_line1 ship_to_city ship_to_postcode ship_to_country",
        ),
        purpose="track, cancel and re-address orders",
        basis=SHOP_BASIS,
        retention="shop_records",
        seen_by=("customer", *STAFF_SEE),
    ),
    "order_items": TableEntry(
        holds="what each order contains",
        columns=cols(
            operational="id quantity unit_price_cents", pseudonymous="order_id product_id"
        ),
        purpose="answer about an order's contents and refunds",
        basis=SHOP_BASIS,
        retention="shop_records",
        seen_by=("customer", *STAFF_SEE),
    ),
    "refunds": TableEntry(
        holds="refunds of an order, with the customer's reason",
        columns=cols(
            operational="id amount_cents status created_at updated_at",
            pseudonymous="order_id",
            free_text="reason",
        ),
        purpose="request and report refunds",
        basis=SHOP_BASIS,
        retention="shop_records",
        seen_by=("customer", *STAFF_SEE),
    ),
    "loyalty_accounts": TableEntry(
        holds="the customer's loyalty points and tier",
        columns=cols(operational="points tier", pseudonymous="customer_id"),
        purpose="answer about loyalty points",
        basis="contract",
        retention="shop_records",
        seen_by=("customer", *STAFF_SEE),
    ),
}

CONVERSATION_TABLES: dict[str, TableEntry] = {
    "events": TableEntry(
        holds="every conversation turn (Rasa's tracker): the customer's own words, the bot's "
        "and agents' replies (emails, phones, addresses, cards and IBANs masked), slots "
        "(email, order number, customer id), intents; never tokens or client keys",
        columns=cols(
            operational="id type_name timestamp intent_name action_name",
            pseudonymous="sender_id",
            free_text="data",
        ),
        purpose="carry the conversation on; history in the widget; context for agents",
        basis="contract",
        retention="transcripts",
        seen_by=("customer", *STAFF_SEE),
        store="tracker",
    ),
    "interactions": TableEntry(
        holds="the interaction log: what the bot did for which intent, and how it went",
        columns=cols(
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
        columns=cols(
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
        columns=cols(
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
        columns=cols(
            operational="id state reasons interaction_type intent priority vip team decision "
            "queued_at sla_due_at assigned_at resolved_at disposition customer_last_seen_at "
            "created_at updated_at",
            pseudonymous="conversation_id customer_id assigned_agent_id",
            free_text="summary",
        ),
        purpose="the handoff queue; KPIs",
        basis="contract",
        retention="handoffs",
        seen_by=STAFF_SEE,
    ),
    "handoff_notes": TableEntry(
        holds="agents' private notes on a handoff",
        columns=cols(
            operational="id created_at", pseudonymous="handoff_id agent_id", free_text="body"
        ),
        purpose="hand a conversation over between agents",
        basis="legitimate_interest",
        retention="handoffs",
        seen_by=STAFF_SEE,
    ),
}

GUARD_TABLES: dict[str, TableEntry] = {
    "verified_sessions": TableEntry(
        holds="a customer verified by email and order number, for one chat session",
        columns=cols(
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
        columns=cols(
            operational="scope count window_started_at last_at locked_until",
            pseudonymous="key",
        ),
        purpose="stop guessing and flooding (security)",
        basis="legitimate_interest",
        retention="throttles",
        seen_by=("nobody",),
    ),
}
