"""The load generator: simulated customers who wait for each reply, then think.

One process, one asyncio loop, one aiohttp session with keep-alive: it shares the 2 cores
with the servers it measures, so it must stay cheap (its own CPU is reported). It is bounded
in customers and in time, and refuses any target but loopback.

Every simulated customer presents an address of its own in X-Forwarded-For, as customers
behind a proxy do; the servers under test believe it from loopback (servers.py), so the
chat's per-client rate limit sees many customers, not one client sending everything.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import ssl
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tools.evaluation.chat.scripts import Customer, Message, pick, render
from tools.evaluation.chat.stats import ERROR, OK, TIMEOUT, TurnSample

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_CUSTOMERS = 2000
MAX_STEP_SECONDS = 600.0
# Our channel answers a failed turn with this apology (HTTP 200); it is an error here.
APOLOGY_PREFIX = "Sorry, something went wrong on our side"
CUSTOMER_NETWORK = int(ipaddress.IPv4Address("10.0.0.0"))  # 10.0.0.0/8: 2**24 customers


def customer_address(number: int) -> str:
    """The address customer `number` presents (X-Forwarded-For)."""
    return str(ipaddress.IPv4Address(CUSTOMER_NETWORK + number % 2**24))


@dataclass(frozen=True)
class Target:
    name: str
    url: str  # the REST webhook
    cafile: str | None = None  # an https target's certificate (the prod profile's self-signed)

    def __post_init__(self) -> None:
        host = urlsplit(self.url).hostname
        if host not in LOOPBACK:
            raise ValueError(f"the load generator talks to loopback only, not {host!r}")

    def connector(self, **options: Any) -> aiohttp.TCPConnector:
        """A connector that trusts `cafile` (and only it) when one is given."""
        if self.cafile is None:
            return aiohttp.TCPConnector(**options)
        return aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=self.cafile), **options)


@dataclass(frozen=True)
class StepPlan:
    offered: float  # turns/s
    seconds: float  # measured time
    warmup: float = 5.0  # customers arrive over this time; their turns are not counted
    think_mean: float = 5.0
    timeout: float = 10.0
    seed: int = 42

    @property
    def customers(self) -> int:
        """Customers who, answered instantly, would offer `offered` turns/s."""
        return max(1, round(self.offered * self.think_mean))

    def check(self) -> None:
        if self.offered <= 0 or self.seconds <= 0 or self.think_mean <= 0:
            raise ValueError("offered load, step time and think time must be positive")
        if self.customers > MAX_CUSTOMERS:
            raise ValueError(f"{self.customers} customers exceed the bound of {MAX_CUSTOMERS}")
        if self.warmup + self.seconds > MAX_STEP_SECONDS:
            raise ValueError(f"a step may last at most {MAX_STEP_SECONDS:.0f} s")


def sender_id() -> str:
    return f"bench-{uuid.uuid4().hex[:20]}"


async def send(
    session: aiohttp.ClientSession,
    target: Target,
    sender: str,
    message: Message,
    timeout: float,
    *,
    client: str,
) -> tuple[str, float, bool]:
    """One turn of the customer at address `client`: (outcome, latency in ms, silent)."""
    body = {"sender": sender, "message": message.text, "metadata": message.metadata}
    started = time.perf_counter()
    try:
        async with session.post(
            target.url,
            json=body,
            headers={"X-Forwarded-For": client},
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            replies = await response.json(content_type=None) if response.status == 200 else None
    except asyncio.TimeoutError:
        return TIMEOUT, (time.perf_counter() - started) * 1000, False
    except (aiohttp.ClientError, ValueError):
        return ERROR, (time.perf_counter() - started) * 1000, False
    latency = (time.perf_counter() - started) * 1000
    if not isinstance(replies, list):
        return ERROR, latency, False
    texts = [str(reply.get("text", "")) for reply in replies if isinstance(reply, dict)]
    if any(text.startswith(APOLOGY_PREFIX) for text in texts):
        return ERROR, latency, False
    return OK, latency, not replies


async def _customer(
    session: aiohttp.ClientSession,
    target: Target,
    plan: StepPlan,
    rng: random.Random,
    people: list[Customer],
    secret: str,
    clock: tuple[float, float, float],
    samples: list[TurnSample],
    client: str,
) -> int:
    """Conversations until the step ends; returns how many were started."""
    _, measured_from, ends = clock
    await asyncio.sleep(rng.uniform(0, plan.warmup))
    conversations = 0
    while time.monotonic() < ends:
        script, person = pick(rng, people)
        sender, conversations = sender_id(), conversations + 1
        for message in render(script, person, secret=secret):
            if time.monotonic() >= ends:
                break
            sent_at = time.monotonic()
            outcome, latency, silent = await send(
                session, target, sender, message, plan.timeout, client=client
            )
            if sent_at >= measured_from:
                samples.append(
                    TurnSample(sent_at - measured_from, latency, outcome, message.action, silent)
                )
            await asyncio.sleep(rng.expovariate(1 / plan.think_mean))
    return conversations


async def run_step(
    target: Target, plan: StepPlan, people: list[Customer], *, secret: str
) -> tuple[list[TurnSample], int]:
    """Run one step of offered load; the turns sent in the measured window and the number of
    conversations started."""
    plan.check()
    samples: list[TurnSample] = []
    began = time.monotonic()
    clock = (began, began + plan.warmup, began + plan.warmup + plan.seconds)
    connector = target.connector(limit=plan.customers, keepalive_timeout=30)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [
            _customer(
                session,
                target,
                plan,
                random.Random(plan.seed * 100003 + index),
                people,
                secret,
                clock,
                samples,
                customer_address(index),
            )
            for index in range(plan.customers)
        ]
        started = await asyncio.gather(*tasks)
    return samples, sum(started)


async def run_conversation(
    target: Target, messages: list[Message], *, timeout: float = 30.0
) -> list[TurnSample]:
    """One customer, no think time: each turn's latency in order."""
    samples: list[TurnSample] = []
    sender, client = sender_id(), customer_address(uuid.uuid4().int)
    began = time.monotonic()
    async with aiohttp.ClientSession(connector=target.connector()) as session:
        for message in messages:
            sent_at = time.monotonic()
            outcome, latency, silent = await send(
                session, target, sender, message, timeout, client=client
            )
            samples.append(TurnSample(sent_at - began, latency, outcome, message.action, silent))
    return samples
