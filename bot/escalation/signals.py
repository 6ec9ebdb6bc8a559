"""What the decision looks at, gathered from the conversation before deciding."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signals:
    """One turn's evidence; the defaults describe a calm, understood, anonymous message.

    `interaction_confidence` is None when the type did not come from the classifier
    (a button payload typed by its intent), which counts as certain.
    """

    intent: str | None = None
    interaction_type: str | None = None
    interaction_confidence: float | None = None
    consecutive_fallbacks: int = 0
    # Earlier customer messages, oldest first, without the latest one.
    recent_texts: tuple[str, ...] = ()
    latest_text: str = ""
    failed_action: bool = False
    customer_tier: str | None = None
    explicit_request: bool = False
    # Earlier intents, newest first: a request for a person is routed by its topic.
    recent_intents: tuple[str, ...] = ()
