"""The run's report: resolution by category, routine against needs-a-person, leaks, and every
failing turn with what the customer typed and what the bot said, as JSON and Markdown.

Targets (issue 20): at least 95 % of routine conversations resolved, every conversation that
needs a person in the queue, and no reply with another customer's data.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tools.evaluation.simulate.record import ConversationResult
from tools.evaluation.simulate.runner import RunResult

ROUTINE_TARGET = 0.95
QUEUE_TARGET = 1.0


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _group(results: list[ConversationResult]) -> dict[str, Any]:
    played = [r for r in results if r.setup_error is None]
    routine = [r for r in played if r.routine]
    person = [r for r in played if not r.routine]
    resolved = sum(r.resolved for r in played)
    return {
        "conversations": len(results),
        "played": len(played),
        "not_played": len(results) - len(played),
        "resolved": resolved,
        "resolution_rate": _rate(resolved, len(played)),
        "routine": len(routine),
        "routine_resolved": sum(r.resolved for r in routine),
        "routine_rate": _rate(sum(r.resolved for r in routine), len(routine)),
        "needs_person": len(person),
        "needs_person_reached_queue": sum(r.reached_queue for r in person),
        "needs_person_queue_rate": _rate(sum(r.reached_queue for r in person), len(person)),
        "needs_person_resolved": sum(r.resolved for r in person),
        "replies_with_other_customer_data": sum(r.leaks for r in played),
    }


def summarise(run: RunResult, *, meta: dict[str, Any]) -> dict[str, Any]:
    results = run.conversations
    overall = _group(results)
    categories = {
        c: _group([r for r in results if r.category == c])
        for c in dict.fromkeys(r.category for r in results)
    }
    failing = Counter(f.expectation.split("(")[0] for r in results for _, f in r.failures())
    return {
        "meta": {
            **meta,
            "started_at": run.started_at,
            "seconds": run.seconds,
            "turns": sum(len(r.turns) for r in results),
            "rate_limited_turns": run.rate_limited,
        },
        "overall": overall,
        "targets": {
            "routine_resolved_at_least": ROUTINE_TARGET,
            "routine_met": _met(overall["routine_rate"], ROUTINE_TARGET),
            "needs_person_in_queue": QUEUE_TARGET,
            "needs_person_met": _met(overall["needs_person_queue_rate"], QUEUE_TARGET),
            "no_other_customer_data_met": overall["replies_with_other_customer_data"] == 0,
        },
        "categories": categories,
        "failed_expectations": dict(failing.most_common()),
        "conversations": [r.as_dict() for r in results],
    }


def _met(rate: float | None, target: float) -> bool | None:
    """None when the run had no conversation of the kind (nothing to meet)."""
    return None if rate is None else rate >= target


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f} %"


def markdown(report: dict[str, Any]) -> str:
    meta, overall, targets = report["meta"], report["overall"], report["targets"]
    lines = [
        "# Conversation simulations",
        "",
        f"Run {meta['started_at']} · {meta.get('transport', 'rest')} · store "
        f"{meta.get('database', '?')} · {overall['conversations']} conversations, "
        f"{meta['turns']} turns in {meta['seconds']:.0f} s · rate-limited turns: "
        f"{meta['rate_limited_turns']}",
        "",
        f"Command: `{meta.get('command', '')}`"
        + (f" · {meta['label']}" if meta.get("label") else ""),
        "",
        "| measure | value | target | met |",
        "|---|---|---|---|",
        f"| routine conversations resolved | {overall['routine_resolved']}/{overall['routine']} "
        f"({_pct(overall['routine_rate'])}) | ≥ {ROUTINE_TARGET * 100:.0f} % | "
        f"{_yes(targets['routine_met'])} |",
        f"| needs-a-person conversations in the queue | "
        f"{overall['needs_person_reached_queue']}/{overall['needs_person']} "
        f"({_pct(overall['needs_person_queue_rate'])}) | 100 % | "
        f"{_yes(targets['needs_person_met'])} |",
        f"| replies with another customer's data | "
        f"{overall['replies_with_other_customer_data']} | 0 | "
        f"{_yes(targets['no_other_customer_data_met'])} |",
        f"| all conversations resolved | {overall['resolved']}/{overall['played']} "
        f"({_pct(overall['resolution_rate'])}) | | |",
        "",
    ]
    if overall["not_played"]:
        lines += [
            f"{overall['not_played']} conversation(s) could not be cast on this store "
            "(listed below) and are left out of the rates.",
            "",
        ]
    return (
        "\n".join(lines + _category_table(report) + _expectation_table(report) + _failures(report))
        + "\n"
    )


def _yes(met: bool | None) -> str:
    return "-" if met is None else ("yes" if met else "**no**")


def _category_table(report: dict[str, Any]) -> list[str]:
    lines = [
        "## By category",
        "",
        "| category | conversations | resolved | routine resolved | needs a person: in queue "
        "| leaks |",
        "|---|---|---|---|---|---|",
    ]
    for name, g in report["categories"].items():
        person = (
            f"{g['needs_person_reached_queue']}/{g['needs_person']}" if g["needs_person"] else "-"
        )
        routine = (
            f"{g['routine_resolved']}/{g['routine']} ({_pct(g['routine_rate'])})"
            if g["routine"]
            else "-"
        )
        lines.append(
            f"| {name} | {g['conversations']} | {g['resolved']}/{g['played']} "
            f"({_pct(g['resolution_rate'])}) | {routine} | {person} | "
            f"{g['replies_with_other_customer_data']} |"
        )
    return [*lines, ""]


def _expectation_table(report: dict[str, Any]) -> list[str]:
    lines = ["## Failed expectations", "", "| expectation | failures |", "|---|---|"]
    lines += [f"| {kind} | {count} |" for kind, count in report["failed_expectations"].items()]
    return [*lines, ""]


def _failures(report: dict[str, Any]) -> list[str]:
    lines = ["## Failing conversations", ""]
    for conversation in report["conversations"]:
        if conversation["resolved"]:
            continue
        lines += _conversation(conversation)
    return lines


def _quote(text: str) -> str:
    return " / ".join(part.strip() for part in text.splitlines() if part.strip()) or "(nothing)"


def _conversation(c: dict[str, Any]) -> list[str]:
    routine = "routine" if c["routine"] else "needs a person"
    who = f"{c['identity']} {c['customer'] or ''}".strip()
    lines = [f"### {c['category']} · {c['id']} ({routine}; {who})", ""]
    if c["setup_error"]:
        return [*lines, f"Not played: {c['setup_error']}", ""]
    for turn in c["turns"]:
        replies = (
            " ‖ ".join(
                _quote(r["text"]) + (f" [{', '.join(r['buttons'])}]" if r.get("buttons") else "")
                for r in turn["replies"]
            )
            or "(no reply)"
        )
        mark = "✗" if turn["failures"] else "✓"
        intent = f" _{turn['intent']} {turn['confidence']}_" if turn["intent"] else ""
        lines.append(f"- {mark} **{turn['turn']}.** “{turn['text']}”{intent}")
        lines.append(f"  - bot: {replies}")
        lines += [f"  - failed `{f['expectation']}`: {f['detail']}" for f in turn["failures"]]
    lines += [f"- ✗ **end** failed `{f['expectation']}`: {f['detail']}" for f in c["end_failures"]]
    return [*lines, ""]
