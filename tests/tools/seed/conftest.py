"""The seed is tested on the store's own fixtures: SQLite and the real PostgreSQL, each fresh."""

from tests.bot.store.conftest import (  # noqa: F401  (fixtures, found by pytest through this module)
    SMALL_SEED,
    database_url,
    engine,
    factory,
    seeded,
    shared_seeded,
)
