"""The data map: every table and file that can hold personal data, what, why, how long, who.

A shop that runs the assistant keeps a record of its processing (GDPR art. 30): for each
store, what it holds, for which purpose and on which lawful basis, how long, and who can see
it. Those facts live here, as data beside the models, because a prose document drifts the day
someone adds a column; tests/bot/customer_data/test_data_map.py fails when a table or column
of the schema (or of Rasa's `events` table) is not classified here, when the map names one that
is gone, when a retention category is not one of retention.yml's, and when docs/privacy.md no
longer shows what `render_markdown()` renders from this map. Export, erasure and the retention
purge walk the same stores.

Each column has one kind (`KINDS`): the most identifying thing it can hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.customer_data.data_map_staff import FILES, KPI_TABLES, STAFF_TABLES, TRAINING_TABLES
from bot.customer_data.data_map_tables import CONVERSATION_TABLES, GUARD_TABLES, SHOP_TABLES
from bot.customer_data.data_map_types import (
    BASES,
    KINDS,
    PERSONAL_KINDS,
    ROLES,
    STORES,
    FileEntry,
    TableEntry,
)

__all__ = [
    "BASES",
    "DATA_MAP",
    "FILES",
    "KINDS",
    "PERSONAL_KINDS",
    "ROLES",
    "STORES",
    "FileEntry",
    "TableEntry",
    "render_markdown",
    "retention_categories",
    "stale",
    "unclassified",
]

DATA_MAP: dict[str, TableEntry] = {
    **SHOP_TABLES,
    **CONVERSATION_TABLES,
    **GUARD_TABLES,
    **STAFF_TABLES,
    **TRAINING_TABLES,
    **KPI_TABLES,
}


def retention_categories() -> set[str]:
    """Every retention category the map names, tables and files."""
    named = [entry.retention for entry in DATA_MAP.values()]
    named += [entry.retention for entry in FILES]
    return {category for category in named if category is not None}


FILES_HEADER = "| files | holds | purpose | lawful basis | retention | seen by | note |"


def render_markdown() -> str:
    """The map as docs/privacy.md shows it: an overview, then each table's columns by kind."""
    lines = [
        "| table | store | holds | purpose | lawful basis | retention | seen by |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_overview_row(name, entry) for name, entry in DATA_MAP.items()]
    for name, entry in DATA_MAP.items():
        lines += ["", f"#### `{name}`", *_column_lines(entry)]
    lines += ["", "### Files", "", FILES_HEADER, "|---|---|---|---|---|---|---|"]
    lines += [_file_row(entry) for entry in FILES]
    return "\n".join(lines) + "\n"


def _overview_row(name: str, entry: TableEntry) -> str:
    cells = (
        f"`{name}`",
        entry.store,
        entry.holds,
        entry.purpose,
        entry.basis,
        _retention(entry.retention),
        ", ".join(entry.seen_by),
    )
    return _row(cells)


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _column_lines(entry: TableEntry) -> list[str]:
    return [
        f"- {kind}: " + ", ".join(f"`{column}`" for column in entry.columns_of(kind))
        for kind in KINDS
        if entry.columns_of(kind)
    ]


def _file_row(entry: FileEntry) -> str:
    cells = (
        entry.path,
        entry.holds,
        entry.purpose,
        entry.basis,
        _retention(entry.retention),
        ", ".join(entry.seen_by),
        entry.note,
    )
    return _row(cells)


def _retention(category: str | None) -> str:
    return f"`{category}`" if category else "-"


def unclassified(columns_by_table: Mapping[str, Iterable[str]]) -> list[str]:
    """`table.column` of the schema that the map does not classify (a whole table: `table`)."""
    missing: list[str] = []
    for table, columns in columns_by_table.items():
        entry = DATA_MAP.get(table)
        if entry is None:
            missing.append(table)
            continue
        missing += [f"{table}.{column}" for column in columns if column not in entry.columns]
    return missing


def stale(columns_by_table: Mapping[str, Iterable[str]]) -> list[str]:
    """`table.column` the map names that the schema no longer has."""
    gone: list[str] = []
    for table, entry in DATA_MAP.items():
        if table not in columns_by_table:
            gone.append(table)
            continue
        present = set(columns_by_table[table])
        gone += [f"{table}.{column}" for column in entry.columns if column not in present]
    return gone
