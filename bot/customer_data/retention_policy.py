"""How long each category of data is kept: `retention.yml` at the project root, read and checked.

One file, a window per category, so the answer to "how long do you keep my chats?" is in one
place and the purge job (bot/customer_data/retention.py) does exactly what it says. Loading is
strict: a missing or unknown category, or a window that is not a duration, is an error naming
the key, because a typo here would silently keep (or delete) data for the wrong time.

A window is one of:
- a duration, `<n>d` or `<n>h` (e.g. `180d`): rows older than that are purged;
- `never`: the data is never stored at all (customer tokens); nothing to purge, and a test
  checks the tracker store really scrubs it (bot/trackers/scrub.py);
- `until_erased`: kept while the customer's account is (the shop's own records, the training
  data); age alone never removes it, erasure does (bot/customer_data/erasure.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

DEFAULT_FILE = PROJECT_ROOT / "retention.yml"
NEVER = "never"
UNTIL_ERASED = "until_erased"

# Every category the data map (bot/customer_data/data_map.py) may name, in the file's order.
PURGED_CATEGORIES = (
    "transcripts",
    "interaction_log",
    "handoffs",
    "review_inbox",
    "ratings",
    "verified_sessions",
    "throttles",
    "console_sessions",
    "access_trail",
    "kpi_identities",
    "retention_runs",
)
KEPT_CATEGORIES = ("shop_records", "staff_accounts", "training_data")
NEVER_STORED_CATEGORIES = ("customer_tokens",)
CATEGORIES = PURGED_CATEGORIES + KEPT_CATEGORIES + NEVER_STORED_CATEGORIES

_DURATION = re.compile(r"^(?P<n>[0-9]+)\s*(?P<unit>[dh])$")
_UNITS = {"d": "days", "h": "hours"}


class RetentionConfigError(ValueError):
    """retention.yml is missing a category, names an unknown one, or has a bad window."""


@dataclass(frozen=True)
class Window:
    """One category's window: `keep` is None unless the category is purged by age."""

    category: str
    keep: timedelta | None
    rule: str  # a duration as written, NEVER or UNTIL_ERASED

    @property
    def purged(self) -> bool:
        return self.keep is not None


@dataclass(frozen=True)
class RetentionPolicy:
    windows: dict[str, Window]
    source: str

    def window(self, category: str) -> Window:
        return self.windows[category]

    def keep(self, category: str) -> timedelta:
        """The window of a category purged by age (KeyError-free for those in the file)."""
        keep = self.windows[category].keep
        if keep is None:
            raise RetentionConfigError(f"{self.source}: {category} is not purged by age")
        return keep


def load_policy(path: Path | None = None) -> RetentionPolicy:
    """The policy in `path` (default: retention.yml at the project root), checked."""
    path = DEFAULT_FILE if path is None else Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RetentionConfigError(f"{path}: cannot be read: {error}") from None
    return policy_from(document, source=str(path))


def policy_from(document: Any, *, source: str = "retention.yml") -> RetentionPolicy:
    categories = document.get("categories") if isinstance(document, dict) else None
    if not isinstance(categories, dict):
        raise RetentionConfigError(f"{source}: needs a `categories:` mapping")
    unknown = sorted(set(map(str, categories)) - set(CATEGORIES))
    if unknown:
        raise RetentionConfigError(f"{source}: unknown category {', '.join(unknown)}")
    missing = [name for name in CATEGORIES if name not in categories]
    if missing:
        raise RetentionConfigError(f"{source}: missing category {', '.join(missing)}")
    windows = {name: _window(name, categories[name], source) for name in CATEGORIES}
    return RetentionPolicy(windows, source)


def _window(category: str, entry: Any, source: str) -> Window:
    raw = entry.get("keep") if isinstance(entry, dict) else entry
    rule = str(raw).strip() if raw is not None else ""
    where = f"{source}: categories.{category}.keep"
    if category in NEVER_STORED_CATEGORIES:
        if rule != NEVER:
            raise RetentionConfigError(f"{where} must be `{NEVER}` (it is never stored)")
        return Window(category, None, rule)
    if category in KEPT_CATEGORIES:
        if rule != UNTIL_ERASED:
            raise RetentionConfigError(f"{where} must be `{UNTIL_ERASED}`")
        return Window(category, None, rule)
    return Window(category, _duration(rule, where), rule)


def _duration(rule: str, where: str) -> timedelta:
    match = _DURATION.match(rule)
    if match is None or int(match["n"]) <= 0:
        raise RetentionConfigError(f"{where} must be a duration such as 180d or 12h, not {rule!r}")
    return timedelta(**{_UNITS[match["unit"]]: int(match["n"])})
