"""The one shape every Rasa patch has, and the bookkeeping that puts patches in and out.

A patch replaces one Rasa function at run time where no extension point reaches a measured
hot spot (or where a contract had to change). Each module of this package declares one
`Patch`: the function it replaces (`target`, "module:Class.function"), the sha256 of that
function's source as it was reviewed (the text itself is kept in `upstream/`, so an upgrade
shows a diff: `python -m tools.rasa_upgrade_check`), whether it only makes Rasa faster
(`speed`: same results, same errors) or changes what Rasa does (`contract`, governed by a
setting of its own), and why (the module's docstring). Functions a replacement relies on
without replacing them are declared too (`relies_on`), and checked the same way.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.settings import Settings

logger = logging.getLogger(__name__)

Kind = Literal["speed", "contract"]
SPEED: Kind = "speed"
CONTRACT: Kind = "contract"
SPEED_SETTING = "CIM_RASA_SPEED_PATCHES"
UPSTREAM = Path(__file__).resolve().parent / "upstream"
UPSTREAM_SUFFIX = ".py.txt"


def _speed_wanted(settings: Settings) -> bool:
    return settings.rasa_speed_patches


def _nothing(*_: object) -> None:
    return None


@dataclass(frozen=True)
class Reviewed:
    """A Rasa function as it was reviewed: "module:Class.function" and its source's sha256."""

    target: str
    sha256: str

    @property
    def label(self) -> str:
        """ "Class.function", the function's `__qualname__`."""
        return self.target.split(":", 1)[1]

    def rasa(self) -> Callable[..., Any]:
        """Rasa's own function, whether or not a patch replaced it."""
        return original(self.label, self)

    def owner(self) -> tuple[type, str]:
        """The class that holds the function, and the function's name in it."""
        module, qualname = self.target.split(":", 1)
        class_name, attribute = qualname.rsplit(".", 1)
        return getattr(importlib.import_module(module), class_name), attribute


@dataclass(frozen=True)
class Patch(Reviewed):
    """One replaced Rasa function; see the module docstring."""

    kind: Kind = SPEED
    why: str = ""
    replacement: Callable[..., Any] = _nothing
    static: bool = False  # installed as a staticmethod, as Rasa's is
    relies_on: tuple[Reviewed, ...] = ()
    setting: str = SPEED_SETTING  # the variable that turns it on or off
    wanted: Callable[[Settings], bool] = _speed_wanted
    configure: Callable[[Settings], None] = _nothing  # before install, from the settings
    forget: Callable[[], None] = _nothing  # drops process-wide caches on uninstall
    reviewed: tuple[Reviewed, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reviewed", (Reviewed(self.target, self.sha256), *self.relies_on))


_originals: dict[str, Callable[..., Any]] = {}
_descriptors: dict[str, Any] = {}  # what the class held, to put back as it was


def source_digest(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def upstream_path(label: str, folder: Path = UPSTREAM) -> Path:
    """Where the reviewed source of `label` is kept."""
    return folder / f"{label}{UPSTREAM_SUFFIX}"


def is_installed(patch: Patch) -> bool:
    return patch.label in _originals


def put_in(patch: Patch) -> None:
    """Replace the target with the patch's function (once)."""
    if is_installed(patch):
        return
    owner, attribute = patch.owner()
    _originals[patch.label] = getattr(owner, attribute)
    _descriptors[patch.label] = owner.__dict__[attribute]  # a staticmethod stays one
    replacement = staticmethod(patch.replacement) if patch.static else patch.replacement
    setattr(owner, attribute, replacement)
    logger.info("Rasa patch installed: %s (%s)", patch.label, patch.kind)


def take_out(patch: Patch) -> None:
    """Put Rasa's function back, and drop what the patch kept."""
    if _originals.pop(patch.label, None) is not None:
        owner, attribute = patch.owner()
        setattr(owner, attribute, _descriptors.pop(patch.label))
        logger.info("Rasa patch removed: %s", patch.label)
    patch.forget()


def original(label: str, reviewed: Reviewed | None = None) -> Callable[..., Any]:
    """Rasa's own function for `label`, installed or not (`reviewed` says where it lives)."""
    if label in _originals:
        return _originals[label]
    if reviewed is None:
        raise KeyError(label)
    owner, attribute = reviewed.owner()
    return getattr(owner, attribute)  # type: ignore[no-any-return]
