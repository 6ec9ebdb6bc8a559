"""The "no other customer's data" check against every customer of a real seeded store."""

from __future__ import annotations

import pytest

from tools.evaluation.simulate.privacy import PrivacyIndex
from tools.evaluation.simulate.store import CustomerFacts, StoreReader


@pytest.fixture(scope="module")
def index(store_url: str) -> PrivacyIndex:
    reader = StoreReader(store_url)
    return PrivacyIndex(reader.customers(), reader.orders())


@pytest.fixture(scope="module")
def people(store_url: str) -> dict[str, CustomerFacts]:
    return {c.public_id: c for c in StoreReader(store_url).customers()}


def test_another_customers_email_fails_and_ones_own_passes(
    index: PrivacyIndex, people: dict[str, CustomerFacts]
) -> None:
    maria, james = people["C0001"], people["C0002"]
    reply = "We have james.smith@example.com on file."
    (leak,) = index.leaks(reply, allowed={maria.id}, typed="what email do you have?")
    assert (leak.kind, leak.value, leak.owner) == ("email", "james.smith@example.com", "C0002")
    assert index.leaks(reply, allowed={james.id}, typed="") == []


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("Order #100004 has shipped.", "order"),
        ("Tracking: JD014600003828041234", "tracking"),
        ("Call us on +1 555 0100.", None),
        ("Call James on +1 (555) 010-2.", "phone"),
        ("Call James on +1 555-0102.", "phone"),
        ("This is for James Smith.", "name"),
        ("Hi james smith!", "name"),
    ],
)
def test_each_kind_of_data_is_found_in_any_format(
    index: PrivacyIndex, people: dict[str, CustomerFacts], reply: str, kind: str | None
) -> None:
    leaks = index.leaks(reply, allowed={people["C0001"].id}, typed="")
    assert [leak.kind for leak in leaks] == ([kind] if kind else [])
    assert all(leak.owner == "C0002" for leak in leaks)


def test_what_the_customer_typed_is_not_a_leak(
    index: PrivacyIndex, people: dict[str, CustomerFacts]
) -> None:
    reply = "I can't find order #100004 on your account."
    assert index.leaks(reply, allowed={people["C0001"].id}, typed="where is 100004?") == []
    assert index.leaks(reply, allowed={people["C0001"].id}, typed="where is my order?")


def test_an_example_number_that_is_a_real_order_counts(index: PrivacyIndex, store_url: str) -> None:
    real = StoreReader(store_url).orders()[0]
    prompt = f"What's your order number? It has six digits, for example {real.number}."
    (leak,) = index.leaks(prompt, allowed=set(), typed="")
    assert leak.kind == "order" and leak.value == real.number


def test_whoever_typed_an_email_and_its_order_is_that_customer(
    index: PrivacyIndex, people: dict[str, CustomerFacts]
) -> None:
    assert index.proven("james.smith@example.com and 100004") == {people["C0002"].id}
    assert index.proven("james.smith@example.com and 100001") == set()  # Maria's order
    assert index.proven("order 100004") == set()
