"""The shop's facts a policy answer must contain: payment, shipping, returns, contact, hours.

Topics and their facts come from a YAML file (simulations/shop_facts.yml): each fact is a
list of accepted forms, any one of which will do, and a topic's `core` facts must all appear
in an answer to it. The opening hours are not written there: they are the business hours
the handoff queue runs on (escalation.yml), so an answer that contradicts the queue fails.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

import yaml

from bot.escalation.hours import OpeningSpan
from bot.escalation.policy_file import load_policy
from tools.evaluation.simulate.phrases import time_forms
from tools.evaluation.simulate.vocabulary import SuiteError

HOURS_TOPIC = "hours"
# How an answer may say the team is off on Saturdays.
CLOSED_SATURDAY = (
    "closed on saturday",
    "closed on saturdays",
    "closed saturday",
    "closed saturdays",
    "closed at weekends",
    "closed at the weekend",
    "closed on weekends",
    "closed on the weekend",
    "not open on saturday",
    "not open at weekends",
    "not open on weekends",
    "monday to friday only",
    "monday-friday only",
    "mon-fri only",
    "weekdays only",
    "only on weekdays",
    "saturday: closed",
)


@dataclass(frozen=True)
class Topic:
    name: str
    facts: dict[str, tuple[str, ...]]  # fact -> accepted forms (any one)
    core: tuple[str, ...]  # facts an answer must contain


@dataclass(frozen=True)
class ShopFacts:
    topics: dict[str, Topic]

    def topic(self, name: str) -> Topic:
        return self.topics[name]


def load_shop_facts(path: Path, *, policy_file: Path) -> ShopFacts:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SuiteError(f"{path}: cannot read the shop facts ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("topics"), dict):
        raise SuiteError(f"{path}: needs a top-level 'topics:' mapping")
    topics = {
        str(name): _topic(str(name), body, f"{path.name}: topics.{name}")
        for name, body in document["topics"].items()
    }
    topics[HOURS_TOPIC] = hours_topic(policy_file)
    return ShopFacts(topics)


def _topic(name: str, body: Any, where: str) -> Topic:
    if not isinstance(body, dict) or not isinstance(body.get("facts"), dict):
        raise SuiteError(f"{where}: needs 'facts:' (fact: [accepted forms])")
    facts = {}
    for fact, forms in body["facts"].items():
        if not isinstance(forms, list) or not forms or not all(isinstance(f, str) for f in forms):
            raise SuiteError(f"{where}.facts.{fact}: needs a list of accepted forms")
        facts[str(fact)] = tuple(forms)
    core = tuple(body.get("core") or facts)
    unknown = [fact for fact in core if fact not in facts]
    if unknown:
        raise SuiteError(f"{where}.core: unknown facts {unknown}")
    return Topic(name, facts, core)


def hours_topic(policy_file: Path) -> Topic:
    """Weekday opening and closing times (and Saturday's, when open) of the queue's hours."""
    days = load_policy(policy_file).business_hours.days
    facts: dict[str, tuple[str, ...]] = {}
    weekday = _usual([span for span in days[:5] if span is not None])
    if weekday is not None:
        facts["weekday_opens"] = time_forms(f"{weekday.start:%H:%M}")
        facts["weekday_closes"] = _closing_forms(weekday)
    saturday = days[5]
    if saturday is not None:
        facts["saturday"] = time_forms(f"{saturday.start:%H:%M}")
        facts["saturday_closes"] = _closing_forms(saturday)
    else:
        facts["saturday"] = CLOSED_SATURDAY
    return Topic(HOURS_TOPIC, facts, tuple(f for f in facts if f.startswith("weekday")))


def _usual(spans: list[OpeningSpan]) -> OpeningSpan | None:
    if not spans:
        return None
    return Counter(spans).most_common(1)[0][0]


def _closing_forms(span: OpeningSpan) -> tuple[str, ...]:
    """A span ending at 24:00 is stored as the last moment of the day (time.max)."""
    closing = "24:00" if span.end == time.max else f"{span.end:%H:%M}"
    return time_forms(closing)
