"""`Domain.is_empty` answered once per domain object.

Rasa checks it on every parse (`_check_for_unseen_features`) by building an empty Domain and
both domains' dicts: 0.3 ms a turn. A loaded domain does not change, so the answer is kept
on the domain object after the first call.

Measured (bench/results/rasa-patches.md): within the noise of a whole turn (the 0.3 ms above
was timed on the call alone).

Kind: speed (the same answer).
"""

from __future__ import annotations

from typing import Any

from bot.rasa_patches.base import Patch

IS_EMPTY_ATTRIBUTE = "_cim_is_empty"


def domain_is_empty(self: Any) -> bool:
    """`Domain.is_empty`, computed once per domain object."""
    known = self.__dict__.get(IS_EMPTY_ATTRIBUTE)
    if known is None:
        known = self.__dict__[IS_EMPTY_ATTRIBUTE] = bool(PATCH.rasa()(self))
    return bool(known)


PATCH = Patch(
    target="rasa.shared.core.domain:Domain.is_empty",
    sha256="884be90ef485f1d2c0f140657a47f106a7d2785b63b03e46cd699b4072e95369",
    kind="speed",
    why=__doc__ or "",
    replacement=domain_is_empty,
)
