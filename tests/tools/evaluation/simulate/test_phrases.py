"""Facts in any of their usual forms, and never as part of a longer word or number."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.tools.evaluation.simulate.conftest import write
from tools.evaluation.simulate.phrases import (
    date_forms,
    has_any,
    has_form,
    money_forms,
    normalise,
    time_forms,
)
from tools.evaluation.simulate.shop_facts import hours_topic

SATURDAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    ("text", "form", "found"),
    [
        ("arrives june 3", "june 3", True),
        ("arrives june 30", "june 3", False),
        ("arrives 13 june", "3 june", False),
        ("arrives on the 3rd of June", "3rd of june", True),
        ("total $89.00", "$89", True),
        ("total $890", "$89", False),
        ("order #100234.", "100234", True),
        ("order 1002345", "100234", False),
        ("we're in stock", "in stock", True),
        ("3 to 5 business days", "3-5 business days", True),
        ("3\u20135 working days", "3-5 working days", True),
        ("We DON\u2019T sell bikes", "don't sell", True),
    ],
)
def test_a_form_is_found_as_a_whole(text: str, form: str, found: bool) -> None:
    assert has_form(normalise(text), form) is found


def test_dates_in_words_numbers_and_relative_to_today() -> None:
    monday = date(2024, 6, 3)
    forms = date_forms(monday, today=SATURDAY)
    for said in ("Monday, June 3", "3 June", "3rd June", "2024-06-03", "in 2 days", "Jun 3"):
        assert has_any(normalise(f"It should arrive {said}."), forms), said
    assert not has_any(normalise("It should arrive June 4."), forms)
    far = date_forms(date(2024, 7, 3), today=SATURDAY)
    assert not has_any(normalise("Wednesday"), far)  # a weekday alone only means this week


def test_money_and_times() -> None:
    assert {"$89.00", "$89", "89 dollars"} <= set(money_forms(8900))
    assert "$1,234.50" in money_forms(123450) and "$1234.50" in money_forms(123450)
    assert {"17:00", "5pm", "5 pm", "5 p.m."} <= set(time_forms("17:00"))
    assert {"09:00", "9:00", "9am"} <= set(time_forms("09:00"))


def test_the_hours_are_those_of_the_queue(tmp_path: Path) -> None:
    policy = write(
        tmp_path,
        "escalation.yml",
        """
business_hours:
  timezone: UTC
  days: {mon: "08:30-16:00", tue: "08:30-16:00", wed: "08:30-16:00", thu: "08:30-16:00",
         fri: "08:30-16:00", sat: "10:00-24:00", sun: closed}
""",
    )
    topic = hours_topic(policy)
    assert topic.core == ("weekday_opens", "weekday_closes")
    assert "8:30am" in topic.facts["weekday_opens"] and "4pm" in topic.facts["weekday_closes"]
    assert "midnight" in topic.facts["saturday_closes"]
