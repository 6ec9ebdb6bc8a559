"""The metrics as the dashboard and the report show them: label, unit, and which
conversations a number stands for (its drill-down)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    unit: str  # "n" count, "%" ratio, "s" seconds, "score" already on its scale
    drill: str  # a key of bot.kpis.metrics.DRILLS
    count: str  # the rollup sum counted by the drill-down


METRICS = (
    MetricInfo("conversations", "Conversations", "n", "conversations", "conversations"),
    MetricInfo("csat", "CSAT (% satisfied)", "score", "rated", "csat_count"),
    MetricInfo("nps", "NPS", "score", "nps_answered", "nps_count"),
    MetricInfo("containment_rate", "Containment", "%", "contained", "contained"),
    MetricInfo(
        "false_containment_rate", "False containment", "%", "false_contained", "false_contained"
    ),
    MetricInfo("handoff_rate", "Handoff rate", "%", "handed_off", "handed_off"),
    MetricInfo("fallback_rate", "Fallback rate", "%", "with_fallback", "fallbacks"),
    MetricInfo("first_response_s", "First response time", "s", "conversations", "frt_count"),
    MetricInfo("queue_s", "Time in queue", "s", "handed_off", "queue_count"),
    MetricInfo("handle_s", "Agent handle time", "s", "handed_off", "handle_count"),
    MetricInfo("bot_resolution_rate", "Resolved by the bot", "%", "bot_resolved", "bot_resolved"),
    MetricInfo(
        "human_resolution_rate", "Resolved by agents", "%", "human_resolved", "human_resolved"
    ),
    MetricInfo("repeat_rate", "Repeat contacts (7 days)", "%", "repeat_7d", "repeat_7d"),
)
BY_NAME = {m.name: m for m in METRICS}


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "s":
        return f"{value:.1f} s"
    if unit == "score":
        return f"{value:.1f}"
    return f"{value:,.0f}"
