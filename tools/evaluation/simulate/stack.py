"""A product of its own for a simulation run: a freshly seeded store, then the action server
and the Rasa server exactly as `cim run` starts them (tools/processes/stack.py), on free ports.

The team is on duty around the clock in this run's escalation policy, so a handoff is
queued whatever the hour (outside business hours it would be a ticket, and the bot would
keep answering): results do not depend on when the suite runs. The opening hours a policy
answer must state still come from the project's escalation.yml (shop_facts.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from sqlalchemy import func, select

from bot.escalation.hours import WEEKDAYS
from bot.settings import Settings
from bot.store.db import create_schema, get_engine, session_factory
from bot.store.models import Customer
from tools.evaluation.chat.servers import free_port
from tools.evaluation.simulate.runner import Target
from tools.processes.stack import Ports, services
from tools.processes.supervisor import Supervisor
from tools.seed.demo_store import seed_demo_data

START_TIMEOUT = 300.0
# The runner presents each simulated customer's own address in X-Forwarded-For (as customers
# behind the shop's proxy arrive), believed from loopback here only, so per-client limits
# (chat rate, wrong verification pairs, handoffs) apply per customer, as in production.
# Per-conversation limits keep the product's defaults: the runner types at a human pace.
SIMULATION_ENV = {"CIM_TRUSTED_PROXIES": "127.0.0.1"}


def prepare_store(database_url: str, say: Callable[[str], None]) -> bool:
    """Create the schema and seed it when it has no customers; True if it seeded."""
    create_schema(get_engine(database_url))
    factory = session_factory(database_url)
    with factory() as session:
        if session.scalar(select(func.count()).select_from(Customer)):
            say("The store already has customers; the run uses it as it is.")
            return False
    summary = seed_demo_data(factory)
    say(f"Seeded the store: {summary.customers} customers, {summary.orders} orders.")
    return True


def always_open_policy(project_policy: Path, work: Path) -> Path:
    policy = yaml.safe_load(project_policy.read_text(encoding="utf-8"))
    hours = policy.setdefault("business_hours", {})
    hours["days"] = {day: "00:00-24:00" for day in WEEKDAYS}
    hours["closed_dates"] = []
    path = work / "escalation.yml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    return path


@contextmanager
def own_stack(
    work: Path,
    *,
    model: Path,
    project_policy: Path,
    database_url: str | None = None,
    transport: str = "rest",
    say: Callable[[str], None] = print,
) -> Iterator[Target]:
    """Seed the store (a new SQLite file unless `database_url` is given), start Rasa and the
    action server, yield where they are, stop them afterwards. Their output goes to
    `work/stack.log`."""
    if not model.exists():
        raise FileNotFoundError(f"no trained model at {model}; run `make train` first")
    url = database_url or f"sqlite:///{work / 'shop.db'}"
    prepare_store(url, say)
    settings = Settings(
        env="test",
        database_url=url,
        token_secret=secrets.token_hex(24),
        rasa_auth_token=secrets.token_hex(24),
        escalation_file=str(always_open_policy(project_policy, work)),
    )
    ports = Ports(rasa=free_port(), actions=free_port(), web=free_port())
    with (work / "stack.log").open("w") as echo:
        supervisor = Supervisor(echo=echo)
        try:
            for service in services(settings, model=model, ports=ports, var_dir=work):
                if service.name != "shop":
                    service.env.update(SIMULATION_ENV)
                    supervisor.start(service)
            say(f"Starting the stack (log: {work / 'stack.log'})…")
            supervisor.wait_ready(timeout=START_TIMEOUT)
            yield Target(
                rasa_url=f"http://127.0.0.1:{ports.rasa}",
                database_url=url,
                token_secret=settings.token_secret,
                rasa_token=settings.rasa_auth_token,
                transport=transport,
            )
        finally:
            supervisor.stop()
