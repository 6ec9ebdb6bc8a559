"""Domains are judged empty as Rasa judges them, once per domain."""

from __future__ import annotations

from bot.rasa_patches import domain_is_empty as patch


def test_domains_are_judged_empty_as_rasa_judges_them() -> None:
    from rasa.shared.core.domain import Domain

    from bot.settings import PROJECT_ROOT

    rasa = patch.PATCH.rasa()
    for domain in (
        Domain.empty(),
        Domain.load(str(PROJECT_ROOT / "domain.yml")),
        Domain.from_yaml("version: '3.1'\nintents: [greet]"),
    ):
        assert patch.domain_is_empty(domain) is rasa(domain)
        assert patch.domain_is_empty(domain) is rasa(domain)  # the kept answer
