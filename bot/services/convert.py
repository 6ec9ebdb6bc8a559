"""ORM objects to views, in one place so every service presents data the same way."""

from __future__ import annotations

from bot.services.tracking import tracking_url
from bot.services.views import (
    CustomerView,
    HandoffView,
    ItemView,
    OrderView,
    ProductView,
    RefundView,
)
from bot.store.models import Customer, Handoff, Order, OrderItem, Product, Refund


def customer_view(customer: Customer) -> CustomerView:
    return CustomerView(
        id=customer.id,
        public_id=customer.public_id,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        phone=customer.phone,
        tier=customer.tier,
        member_since=customer.created_at.date(),
    )


def order_view(order: Order) -> OrderView:
    return OrderView(
        number=order.number,
        status=order.status,
        placed_at=order.placed_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        eta=order.eta,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        tracking_url=tracking_url(order.carrier, order.tracking_number),
        ship_to=ship_to_line(order),
        total_cents=order.total_cents,
        items=tuple(item_view(item) for item in order.items),
    )


def ship_to_line(order: Order) -> str:
    """The address on one line, as the bot reads it back: 'Name, street, city, code, CC'."""
    parts = (
        order.ship_to_name,
        order.ship_to_line1,
        order.ship_to_city,
        order.ship_to_postcode,
        order.ship_to_country,
    )
    return ", ".join(part for part in parts if part)


def item_view(item: OrderItem) -> ItemView:
    return ItemView(
        product_name=item.product.name,
        sku=item.product.sku,
        quantity=item.quantity,
        unit_price_cents=item.unit_price_cents,
    )


def refund_view(refund: Refund) -> RefundView:
    return RefundView(
        order_number=refund.order.number,
        amount_cents=refund.amount_cents,
        status=refund.status,
        reason=refund.reason,
        created_at=refund.created_at,
        updated_at=refund.updated_at,
    )


def product_view(product: Product) -> ProductView:
    return ProductView(
        sku=product.sku,
        name=product.name,
        category=product.category,
        price_cents=product.price_cents,
        in_stock=product.in_stock,
        description=product.description,
    )


def handoff_view(handoff: Handoff) -> HandoffView:
    return HandoffView(
        id=handoff.id,
        conversation_id=handoff.conversation_id,
        customer_id=handoff.customer_id,
        state=handoff.state,
        reasons=tuple(handoff.reasons or ()),
        interaction_type=handoff.interaction_type,
        intent=handoff.intent,
        summary=handoff.summary,
        created_at=handoff.created_at,
    )
