"""The data map stays the truth: every table and column of the schema classified, nothing it
names gone, its retention categories those of retention.yml, and docs/privacy.md showing it.

The schema is found, not listed: every module of `bot` that declares a table is imported, so
a table added in a new module counts too; Rasa's `events` table is read from Rasa's own model.
"""

from __future__ import annotations

import importlib

import pytest
from rasa.core.tracker_store import SQLTrackerStore

from bot.customer_data import retention_policy
from bot.customer_data.data_map import (
    BASES,
    DATA_MAP,
    FILES,
    KINDS,
    ROLES,
    STORES,
    render_markdown,
    retention_categories,
    stale,
    unclassified,
)
from bot.settings import PROJECT_ROOT
from bot.store.declarative import Base

DOC = PROJECT_ROOT / "docs" / "privacy.md"
RETENTION_FILE = PROJECT_ROOT / "retention.yml"
TABLE_MARKERS = ("__tablename__", "Base.metadata")
REGENERATE = (
    "docs/privacy.md must show the data map as render_markdown() renders it, between its "
    "markers; paste the output of: .venv/bin/python -c "
    '"from bot.customer_data.data_map import render_markdown; print(render_markdown())"'
)


def declaring_modules() -> list[str]:
    """Every module under bot/ whose source declares a table."""
    found = []
    for path in sorted((PROJECT_ROOT / "bot").rglob("*.py")):
        if any(marker in path.read_text(encoding="utf-8") for marker in TABLE_MARKERS):
            relative = path.relative_to(PROJECT_ROOT).with_suffix("")
            found.append(".".join(relative.parts))
    return found


def schema_columns() -> dict[str, list[str]]:
    for module in declaring_modules():
        importlib.import_module(module)
    tables = {name: [c.name for c in table.columns] for name, table in Base.metadata.tables.items()}
    events = SQLTrackerStore.SQLEvent.__table__
    tables[events.name] = [column.name for column in events.columns]
    return tables


def test_every_table_and_column_of_the_schema_is_classified() -> None:
    assert unclassified(schema_columns()) == []


def test_the_map_names_no_table_or_column_that_is_gone() -> None:
    assert stale(schema_columns()) == []


def test_a_new_column_or_table_is_reported_and_a_dropped_one_too() -> None:
    columns = {name: list(entry.columns) for name, entry in DATA_MAP.items()}
    columns["customers"] = [*columns["customers"], "birthday"]
    columns["wishlists"] = ["id", "customer_id"]
    del columns["refunds"]
    columns["orders"].remove("carrier")

    assert unclassified(columns) == ["customers.birthday", "wishlists"]
    assert stale(columns) == ["orders.carrier", "refunds"]


@pytest.mark.parametrize("table", sorted(DATA_MAP))
def test_each_entry_uses_the_maps_own_vocabulary(table: str) -> None:
    entry = DATA_MAP[table]

    assert set(entry.columns.values()) <= set(KINDS)
    assert entry.basis in BASES and entry.store in STORES
    assert entry.seen_by and set(entry.seen_by) <= set(ROLES)
    assert entry.holds and entry.purpose
    assert entry.retention is not None or not entry.personal  # personal data has a window


def test_each_file_entry_uses_the_maps_own_vocabulary() -> None:
    for entry in FILES:
        assert entry.basis in BASES and set(entry.seen_by) <= set(ROLES)
        assert entry.retention is not None or entry.note  # who decides, when we don't


def test_every_retention_category_is_one_the_retention_policy_knows() -> None:
    assert retention_categories() <= set(retention_policy.CATEGORIES)


def test_every_retention_category_has_a_window_in_retention_yml() -> None:
    if not RETENTION_FILE.exists():
        pytest.skip("retention.yml is not there yet")  # checked against the policy above
    policy = retention_policy.load_policy(RETENTION_FILE)

    assert retention_categories() <= set(policy.windows)


def test_tokens_are_a_category_never_stored_and_no_table_claims_it() -> None:
    never = set(retention_policy.NEVER_STORED_CATEGORIES)

    assert never and not never & retention_categories()


def test_docs_privacy_shows_the_map_as_rendered() -> None:
    doc = DOC.read_text(encoding="utf-8")
    begin, end = "<!-- data-map:begin -->\n", "<!-- data-map:end -->"

    assert begin in doc and end in doc, REGENERATE
    shown = doc.split(begin, 1)[1].split(end, 1)[0]
    assert shown.strip() == render_markdown().strip(), REGENERATE


def test_docs_privacy_names_every_table_of_the_schema() -> None:
    doc = DOC.read_text(encoding="utf-8")

    assert [table for table in schema_columns() if f"`{table}`" not in doc] == []


def test_the_rendered_map_has_a_row_and_a_column_list_per_table() -> None:
    rendered = render_markdown()

    for name, entry in DATA_MAP.items():
        assert f"| `{name}` | {entry.store} |" in rendered
        assert f"#### `{name}`" in rendered
        assert all(f"`{column}`" in rendered for column in entry.columns)


def test_no_module_is_missed_by_the_search_for_tables() -> None:
    assert {"bot.store.shop_models", "bot.kpis.schema"} <= set(declaring_modules())
