"""Every patch declares what it replaces, the source it was reviewed against, its kind and why;
the settings decide which are installed."""

from __future__ import annotations

import hashlib

import pytest

from bot import rasa_patches
from bot.rasa_patches.base import (
    CONTRACT,
    SPEED,
    SPEED_SETTING,
    Patch,
    Reviewed,
    source_digest,
    upstream_path,
)
from bot.rasa_patches.registry import PATCHES
from bot.settings import Settings

REVIEWED = [reviewed for patch in PATCHES for reviewed in patch.reviewed]
CONTRACTS = {
    "RemoteAction.run": "CIM_ACTION_TIMEOUT_SECONDS",
    "RemoteAction._action_call_format": "CIM_ACTION_PAYLOAD",
}


@pytest.mark.parametrize("patch", PATCHES, ids=lambda patch: patch.label)
def test_each_patch_declares_target_hash_kind_and_why(patch: Patch) -> None:
    module, _, qualname = patch.target.partition(":")
    assert module.startswith("rasa.") and qualname.count(".") == 1
    assert len(patch.sha256) == 64 and int(patch.sha256, 16) >= 0
    assert patch.kind in (SPEED, CONTRACT)
    assert f"Kind: {patch.kind}" in patch.why and len(patch.why) > 200
    assert patch.replacement.__module__.startswith("bot.rasa_patches.")
    assert patch.setting == CONTRACTS.get(patch.label, SPEED_SETTING)
    assert (patch.kind == CONTRACT) is (patch.label in CONTRACTS)


def test_one_patch_per_target() -> None:
    labels = [patch.label for patch in PATCHES]
    assert len(labels) == len(set(labels)) == 12


@pytest.mark.parametrize("reviewed", REVIEWED, ids=lambda reviewed: reviewed.label)
def test_the_installed_rasa_function_is_the_reviewed_one(
    reviewed: Reviewed,
) -> None:
    assert source_digest(reviewed.rasa()) == reviewed.sha256
    assert reviewed.rasa().__qualname__ == reviewed.label
    assert rasa_patches.original(reviewed.label) is reviewed.rasa()


@pytest.mark.parametrize("reviewed", REVIEWED, ids=lambda reviewed: reviewed.label)
def test_the_kept_upstream_text_is_the_reviewed_source(
    reviewed: Reviewed,
) -> None:
    kept = upstream_path(reviewed.label).read_bytes()
    assert hashlib.sha256(kept).hexdigest() == reviewed.sha256


def test_the_default_settings_install_every_patch_and_again_changes_nothing() -> None:
    first = rasa_patches.install(Settings())
    assert first == [patch.label for patch in PATCHES]
    assert rasa_patches.install(Settings()) == first
    rasa_patches.uninstall()
    assert rasa_patches.installed() == []


def test_speed_patches_off_keeps_the_contract() -> None:
    installed = rasa_patches.install(Settings(rasa_speed_patches=False))
    assert installed == list(CONTRACTS)


def test_each_contract_follows_its_own_setting() -> None:
    speed = [patch.label for patch in PATCHES if patch.kind == SPEED]
    installed = rasa_patches.install(Settings(action_timeout_seconds=0, action_payload="full"))
    assert installed == speed
    assert rasa_patches.install(Settings(action_payload="full")) == [
        patch.label for patch in PATCHES if patch.label != "RemoteAction._action_call_format"
    ]


def test_a_patch_taken_out_gives_rasa_back() -> None:
    from rasa.shared.core.events import Event

    rasa_patches.install(Settings())
    assert isinstance(Event.__dict__["resolve_by_type"], staticmethod)
    rasa_patches.install(Settings(rasa_speed_patches=False))
    assert Event.__dict__["resolve_by_type"].__func__ is rasa_patches.original(
        "Event.resolve_by_type"
    )


def test_an_unknown_label_is_refused() -> None:
    with pytest.raises(KeyError):
        rasa_patches.original("Nothing.here")
