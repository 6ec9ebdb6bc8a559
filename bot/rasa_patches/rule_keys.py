"""RulePolicy's rule lookups remembered by the last states a rule can see.

To predict, RulePolicy filters all its rules against the conversation's states in Python,
every prediction (2-3 per turn). A rule only looks at its own last states, so the answer
depends on the rules and the last `n` states, `n` being the longest rule (3 here). This
patch keeps the answers per policy, keyed by the lookup and the `repr` of those last states
(lists told apart from tuples, as Rasa's comparison does), and asks Rasa's function on a
miss. Serving never changes a policy's lookups; training, where they change, never installs
this patch (only the Rasa server's bootstrap does). The memo is bounded per policy.

Measured (bench/results/rasa-patches.md): +0.7 ms/turn (9 %).

Kind: speed (the same keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.rasa_patches.base import Patch

POSSIBLE_KEYS_ATTRIBUTE = "_cim_possible_keys"
POSSIBLE_KEYS_MEMO_SIZE = 20_000  # per policy; cleared when full (a few MB at most)


def _frozen(states: list[Any]) -> str:
    """A key equal only for equal states: `repr` tells lists from tuples and strings from
    numbers, as Rasa's comparison does. Equal states whose dicts were filled in another
    order get another key: a miss, answered by Rasa's function, never a wrong answer."""
    return repr(states)


@dataclass
class KeysMemo:
    """One policy's remembered answers, and the longest rule of each lookup."""

    windows: dict[tuple[int, int], int]
    answers: dict[Any, frozenset[str]]


def get_possible_keys(self: Any, lookup: dict[str, str], states: list[Any]) -> set[str]:
    """`RulePolicy._get_possible_keys`, remembered by the last states a rule can see."""
    rasa = PATCH.rasa()
    memo: KeysMemo = self.__dict__.setdefault(POSSIBLE_KEYS_ATTRIBUTE, KeysMemo({}, {}))
    lookup_key = (id(lookup), len(lookup))
    window = memo.windows.get(lookup_key)
    if window is None:
        window = max((len(self._rule_key_to_state(key)) for key in lookup), default=0)
        memo.windows[lookup_key] = window
    if not window:
        return set(rasa(self, lookup, states))
    key = (lookup_key, _frozen(states[-window:]))
    found = memo.answers.get(key)
    if found is None:
        if len(memo.answers) >= POSSIBLE_KEYS_MEMO_SIZE:
            memo.answers.clear()
        found = memo.answers[key] = frozenset(rasa(self, lookup, states))
    return set(found)


PATCH = Patch(
    target="rasa.core.policies.rule_policy:RulePolicy._get_possible_keys",
    sha256="2915fd81711e194c6d667728e00bd0e51e9c1c2791a0be14c55f0ef9938f9936",
    kind="speed",
    why=__doc__ or "",
    replacement=get_possible_keys,
)
