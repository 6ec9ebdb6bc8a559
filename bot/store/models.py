"""The store's tables as declarative models: one import for all of them.

The tables are declared by concern (shop_models: customers and orders; queue_models: staff
and handoffs; conversation_models: the interaction log, ratings, NPS; guard_models: chat
throttles and verified sessions; console_models: staff sessions and the access log; the
trainers' tables are review_models) on one `Base` (declarative.py). Importing this module
registers every one of them on `Base.metadata`, which is what `create_schema` creates.

Enumerations are plain strings guarded by CHECK constraints so the schema is the same on
SQLite and PostgreSQL. Money is integer cents; times are aware UTC (`UtcDateTime`).
"""

from __future__ import annotations

from bot.store.console_models import ConsoleAccessEntry, ConsoleSession
from bot.store.conversation_models import ConversationRating, Interaction, NpsResponse
from bot.store.declarative import NAMING_CONVENTION, Base
from bot.store.guard_models import ChatThrottle, VerifiedSession
from bot.store.privacy_models import ErasureRecord
from bot.store.queue_models import (
    ACTIVE_HANDOFF_STATES,
    AGENT_ROLES,
    DEFAULT_PRIORITY,
    DEFAULT_TEAM,
    HANDOFF_DISPOSITIONS,
    HANDOFF_STATES,
    Agent,
    Handoff,
    HandoffNote,
)
from bot.store.retention_models import RetentionRun
from bot.store.shop_models import (
    CUSTOMER_TIERS,
    ORDER_STATUSES,
    REFUND_STATUSES,
    Customer,
    LoyaltyAccount,
    Order,
    OrderItem,
    Product,
    Refund,
)

__all__ = [
    "ACTIVE_HANDOFF_STATES",
    "AGENT_ROLES",
    "CUSTOMER_TIERS",
    "DEFAULT_PRIORITY",
    "DEFAULT_TEAM",
    "HANDOFF_DISPOSITIONS",
    "HANDOFF_STATES",
    "NAMING_CONVENTION",
    "ORDER_STATUSES",
    "REFUND_STATUSES",
    "Agent",
    "Base",
    "ChatThrottle",
    "ConsoleAccessEntry",
    "ConsoleSession",
    "ConversationRating",
    "Customer",
    "ErasureRecord",
    "Handoff",
    "HandoffNote",
    "Interaction",
    "LoyaltyAccount",
    "NpsResponse",
    "Order",
    "OrderItem",
    "Product",
    "Refund",
    "RetentionRun",
    "VerifiedSession",
]
