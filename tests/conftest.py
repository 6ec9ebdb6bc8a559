"""Fixtures shared across the test tree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.settings import get_settings


@pytest.fixture
def no_nps_question(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nobody is asked the NPS question unless a test says so (the draw depends on the date):
    CIM_NPS_SHARE_PERCENT=0, with the settings read again before and after."""
    monkeypatch.setenv("CIM_NPS_SHARE_PERCENT", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
