"""The production profile (`cim run --profile prod`, tools/processes/prod.py) started for a
run of its own: on free loopback ports, in a PostgreSQL database and under a Redis key prefix that
nothing else uses, both removed afterwards. The production chat benchmark
(bench/prod_chat.py) and the profile's end-to-end tests run against it, so neither touches
the machine's other databases and keys, nor the other's.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.settings import Settings
from bot.store.db import dispose_engine
from tools.evaluation.chat.servers import free_port
from tools.processes import prod
from tools.processes.supervisor import Supervisor
from tools.seed.databases import postgres_admin_url


@dataclass(frozen=True)
class RunningProfile:
    settings: Settings  # with the profile's database as `database_url`
    ports: prod.ProdPorts
    stores: prod.ProdStores
    supervisor: Supervisor
    ready_seconds: float  # from starting the first service to every one answering


def free_ports() -> prod.ProdPorts:
    return prod.ProdPorts(
        public=free_port(),
        console=free_port(),
        http=free_port(),
        rasa=(free_port(), free_port()),
        actions=(free_port(), free_port()),
    )


@contextmanager
def own_stores(label: str, *, redis_url: str) -> Iterator[prod.ProdStores]:
    """Stores named `cim_<label>_<random>` (a database on the server of `postgres_admin_url`,
    made by `prod.prepare`) and `<label><random>` (the Redis keys); afterwards the database
    is dropped and the keys are deleted, whatever happened meanwhile."""
    suffix = uuid.uuid4().hex
    database = make_url(postgres_admin_url()).set(database=f"cim_{label}_{suffix[:12]}")
    url = database.render_as_string(hide_password=False)
    stores = prod.ProdStores(url, redis_url, f"{label}{suffix[12:20]}")
    try:
        yield stores
    finally:
        dispose_engine(url)
        _drop_database(stores)
        _delete_keys(stores)


@contextmanager
def running_profile(
    settings: Settings,
    *,
    model: Path,
    ports: prod.ProdPorts,
    stores: prod.ProdStores,
    echo: IO[str],
    start_timeout: float,
) -> Iterator[RunningProfile]:
    """The stores prepared, every service started and answering; all stopped afterwards."""
    prod.prepare(stores)
    supervisor = Supervisor(echo=echo)
    try:
        started = time.monotonic()
        for service in prod.services(settings, model=model, ports=ports, stores=stores):
            supervisor.start(service)
        supervisor.wait_ready(timeout=start_timeout)
        ready = time.monotonic() - started
        yield RunningProfile(settings, ports, stores, supervisor, ready)
    finally:
        supervisor.stop()


@contextmanager
def isolated_profile(
    settings: Settings,
    *,
    label: str,
    redis_url: str,
    model: Path,
    echo: IO[str],
    start_timeout: float,
) -> Iterator[RunningProfile]:
    """`running_profile` on free ports in `own_stores`; `settings.database_url` is replaced."""
    with own_stores(label, redis_url=redis_url) as stores:
        own = dataclasses.replace(settings, database_url=stores.database_url)
        with running_profile(
            own,
            model=model,
            ports=free_ports(),
            stores=stores,
            echo=echo,
            start_timeout=start_timeout,
        ) as running:
            yield running


def _drop_database(stores: prod.ProdStores) -> None:
    url = stores.database
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _delete_keys(stores: prod.ProdStores) -> None:
    with redis.Redis.from_url(stores.redis_url) as client:
        keys = list(client.scan_iter(f"{stores.redis_prefix}*"))
        if keys:
            client.delete(*keys)
