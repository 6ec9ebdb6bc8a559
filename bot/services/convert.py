"""ORM objects to views, in one place so every service presents data the same way."""

from __future__ import annotations

from bot.services.tracking import tracking_url
from bot.services.views import (
    AgentView,
    CustomerView,
    HandoffView,
    ItemView,
    NoteView,
    OrderView,
    ProductView,
    ReasonView,
    RefundView,
)
from bot.store.models import (
    Agent,
    Customer,
    Handoff,
    HandoffNote,
    Order,
    OrderItem,
    Product,
    Refund,
)


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
    decision = handoff.decision if isinstance(handoff.decision, dict) else {}
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
        priority=handoff.priority,
        vip=handoff.vip,
        team=handoff.team,
        explanations=reason_views(decision.get("reasons")),
        score=decision.get("score"),
        assigned_agent_id=handoff.assigned_agent_id,
        queued_at=handoff.queued_at,
        sla_due_at=handoff.sla_due_at,
        assigned_at=handoff.assigned_at,
        resolved_at=handoff.resolved_at,
        disposition=handoff.disposition,
        customer_last_seen_at=handoff.customer_last_seen_at,
    )


def reason_views(reasons: object) -> tuple[ReasonView, ...]:
    """The stored decision's reasons; anything malformed is skipped, not fatal."""
    if not isinstance(reasons, list):
        return ()
    return tuple(
        ReasonView(str(r["code"]), str(r.get("explanation", "")), float(r.get("weight", 0)))
        for r in reasons
        if isinstance(r, dict) and "code" in r
    )


def agent_view(agent: Agent) -> AgentView:
    return AgentView(
        id=agent.id,
        username=agent.username,
        display_name=agent.display_name,
        role=agent.role,
        team=agent.team,
        active=agent.active,
        created_at=agent.created_at,
    )


def note_view(note: HandoffNote) -> NoteView:
    return NoteView(
        id=note.id,
        handoff_id=note.handoff_id,
        agent_id=note.agent_id,
        agent_name=note.agent.display_name,
        body=note.body,
        created_at=note.created_at,
    )
