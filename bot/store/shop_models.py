"""The shop's own records: customers, the catalogue, orders and their items, refunds, loyalty.

What a customer asks the bot about. Enumerations are plain strings guarded by CHECK
constraints, so the schema is the same on SQLite and PostgreSQL; money is integer cents and
times are aware UTC (`UtcDateTime`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, relationship, validates

from bot.store.columns import UtcDateTime, one_of, utcnow
from bot.store.declarative import Base

CUSTOMER_TIERS = ("standard", "silver", "gold", "vip")
ORDER_STATUSES = (
    "pending",
    "processing",
    "shipped",
    "in_transit",
    "delivered",
    "cancelled",
    "returned",
)
REFUND_STATUSES = ("requested", "approved", "paid", "rejected")


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        one_of("tier", CUSTOMER_TIERS, name="tier"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    public_id: Mapped[str] = Column(String(16), nullable=False, unique=True)
    first_name: Mapped[str] = Column(String(100), nullable=False)
    last_name: Mapped[str] = Column(String(100), nullable=False)
    email: Mapped[str] = Column(String(254), nullable=False, unique=True)
    phone: Mapped[str | None] = Column(String(32))
    tier: Mapped[str] = Column(String(16), nullable=False, default="standard")
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        """Emails are matched case-insensitively, so they are stored lower-case."""
        return value.strip().lower()


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    sku: Mapped[str] = Column(String(32), nullable=False, unique=True)
    name: Mapped[str] = Column(String(200), nullable=False, unique=True)
    category: Mapped[str] = Column(String(50), nullable=False, index=True)
    price_cents: Mapped[int] = Column(Integer, nullable=False)
    in_stock: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    description: Mapped[str] = Column(Text, nullable=False, default="")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        one_of("status", ORDER_STATUSES, name="status"),
        CheckConstraint("length(number) = 6", name="number_six_digits"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    number: Mapped[str] = Column(String(6), nullable=False, unique=True)
    customer_id: Mapped[int] = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = Column(String(16), nullable=False, default="pending")
    placed_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    shipped_at: Mapped[datetime | None] = Column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = Column(UtcDateTime)
    eta: Mapped[date | None] = Column(Date)
    carrier: Mapped[str | None] = Column(String(32))
    tracking_number: Mapped[str | None] = Column(String(64))
    total_cents: Mapped[int] = Column(Integer, nullable=False, default=0)
    ship_to_name: Mapped[str] = Column(String(200), nullable=False, default="")
    ship_to_line1: Mapped[str] = Column(String(200), nullable=False, default="")
    ship_to_city: Mapped[str] = Column(String(100), nullable=False, default="")
    ship_to_postcode: Mapped[str] = Column(String(20), nullable=False, default="")
    ship_to_country: Mapped[str] = Column(String(100), nullable=False, default="")

    items: Mapped[list[OrderItem]] = relationship(
        "OrderItem", order_by="OrderItem.id", lazy="selectin", cascade="all, delete-orphan"
    )


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[int] = Column(
        Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    product_id: Mapped[int] = Column(Integer, ForeignKey("products.id"), nullable=False, index=True)
    quantity: Mapped[int] = Column(Integer, nullable=False, default=1)
    unit_price_cents: Mapped[int] = Column(Integer, nullable=False)

    product: Mapped[Product] = relationship("Product", lazy="selectin")


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        one_of("status", REFUND_STATUSES, name="status"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[int] = Column(
        Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount_cents: Mapped[int] = Column(Integer, nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False, default="requested")
    reason: Mapped[str] = Column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = Column(
        UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    order: Mapped[Order] = relationship("Order", lazy="joined", innerjoin=True)


class LoyaltyAccount(Base):
    __tablename__ = "loyalty_accounts"
    __table_args__ = (
        one_of("tier", CUSTOMER_TIERS, name="tier"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    customer_id: Mapped[int] = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = Column(Integer, nullable=False, default=0)
    tier: Mapped[str] = Column(String(16), nullable=False, default="standard")
