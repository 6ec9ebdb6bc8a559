"""Each Rasa patch's measured gain: Rasa CPU per turn with every patch, and without that one.

Run: `nice -n 10 .venv/bin/python -m bench.rasa_patches` (a few minutes; writes
bench/results/rasa-patches.md).

In one process, the served model (models/current.tar.gz) is loaded with Rasa's `Agent`, our
tracker store (`CachedSQLTrackerStore` on a temporary SQLite file) and the real action
server (bot.action_server, on a seeded temporary store, in a child process whose CPU is not
counted). A block is one identified customer's conversation of `--turns` varied messages
(tools/evaluation/chat/scripts.py: the chat benchmark's scripts back to back, about half of
the turns calling an action), played through `Agent.handle_message` under a new sender id;
its cost is this process's CPU time (time.process_time: every thread) per turn. For each
patch, a block with every patch installed is played, then a block with only that patch taken
out, alternately, `--rounds` times, so that drift in the machine's load falls on both sides;
a pair with no patch at all shows the total. The gain is the paired difference.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot import rasa_patches
from bot.rasa_patches.base import Patch, put_in, take_out
from bot.rasa_patches.registry import PATCHES
from bot.settings import PROJECT_ROOT, Settings
from tools.evaluation.chat.scripts import Message, customers_from_store, long_conversation

OUT = PROJECT_ROOT / "bench" / "results" / "rasa-patches.md"
MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
COMMAND = "nice -n 10 .venv/bin/python -m bench.rasa_patches"
ACTION_TOKEN = "bench-action-token-" + uuid.uuid4().hex
ALL = "(none: every patch in)"
NONE = "(all: no patch at all)"


@dataclass
class Pairs:
    """CPU ms per turn of the blocks with every patch in, and of those without `label`."""

    label: str
    kind: str
    baseline: list[float] = field(default_factory=list)
    without: list[float] = field(default_factory=list)

    def differences(self) -> list[float]:
        return [w - b for w, b in zip(self.without, self.baseline, strict=True)]

    def gain_ms(self) -> float:
        return statistics.mean(self.differences())

    def standard_error(self) -> float:
        differences = self.differences()
        if len(differences) < 2:
            return float("nan")
        return statistics.stdev(differences) / len(differences) ** 0.5


@contextmanager
def action_server(store_url: str, work: Path) -> Iterator[str]:
    """bot.action_server on a free port, on the seeded store; its webhook URL."""
    from tools.evaluation.chat.servers import free_port
    from tools.processes.stack import action_server_argv

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": store_url,
        "CIM_ENV": "development",
        "CIM_ACTION_TOKEN": ACTION_TOKEN,
        "SANIC_HOST": "127.0.0.1",
    }
    with (work / "actions.log").open("wb") as log:
        process = subprocess.Popen(
            action_server_argv(port), env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log
        )
        try:
            _wait_ready(f"http://127.0.0.1:{port}/health", process)
            yield f"http://127.0.0.1:{port}/webhook"
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the action server did not start ({url})")


def serve_logging() -> None:
    """INFO, as `rasa run` without --debug configures it (debug lines would format states)."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO, warn_only_once=True, filter_repeated_logs=True)
    configure_structlog(logging.INFO)


def load_agent(action_url: str, work: Path) -> Any:
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from bot.trackers.store import CachedSQLTrackerStore

    store = CachedSQLTrackerStore(None, dialect="sqlite", db=str(work / "tracker.db"))
    endpoint = EndpointConfig(action_url, headers={"X-Cim-Action-Token": ACTION_TOKEN})
    return Agent.load(str(MODEL), tracker_store=store, action_endpoint=endpoint)


async def play(agent: Any, messages: list[Message]) -> float:
    """One conversation under a new sender id; this process's CPU ms per turn."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    sender = uuid.uuid4().hex
    started = time.process_time()
    for message in messages:
        output = CollectingOutputChannel()
        await agent.handle_message(
            UserMessage(message.text, output, sender, metadata=dict(message.metadata))
        )
    return (time.process_time() - started) * 1000 / len(messages)


async def measure(agent: Any, messages: list[Message], rounds: int) -> list[Pairs]:
    settings = Settings()
    results = [Pairs(NONE, "all")] + [Pairs(p.label, p.kind) for p in PATCHES]
    rasa_patches.install(settings)
    await play(agent, messages)  # warm-up: caches, connections, the model's first calls
    for round_number in range(rounds):
        for pairs in results:
            pairs.baseline.append(await play(agent, messages))
            out = list(PATCHES) if pairs.label == NONE else [_patch(pairs.label)]
            for patch in out:
                take_out(patch)
            pairs.without.append(await play(agent, messages))
            for patch in out:
                patch.configure(settings)
                put_in(patch)
        print(f"round {round_number + 1}/{rounds} done", file=sys.stderr)
    return results


def _patch(label: str) -> Patch:
    return next(patch for patch in PATCHES if patch.label == label)


def table(results: list[Pairs]) -> str:
    rows = [
        "| patch taken out | kind | ms/turn, all in | ms/turn, without it "
        "| gain ms/turn (± s.e.) | gain % |",
        "|---|---|---|---|---|---|",
    ]
    for pairs in results:
        base, without = statistics.mean(pairs.baseline), statistics.mean(pairs.without)
        gain = pairs.gain_ms()
        rows.append(
            f"| {pairs.label} | {pairs.kind} | {base:.2f} | {without:.2f} | "
            f"{gain:+.2f} (± {pairs.standard_error():.2f}) | {100 * gain / without:+.1f} % |"
        )
    return "\n".join(rows)


def write(results: list[Pairs], args: argparse.Namespace, elapsed: float) -> None:
    import rasa

    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = f"""# Rasa patches: Rasa CPU per turn with each patch taken out

    {COMMAND} --turns {args.turns} --rounds {args.rounds}

{when}, {elapsed:.0f} s; Rasa {rasa.__version__}, Python {platform.python_version()},
{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.

What: the served model in one process (Rasa's `Agent`, `CachedSQLTrackerStore` on SQLite, the
real action server in a child process, not counted), one identified customer's
{args.turns}-turn conversation per block (the chat benchmark's scripts back to back, about half
of the turns calling an action). Every block with a patch out is paired with a block with every
patch in, played just before it; {args.rounds} rounds; the gain is the mean paired difference
in this process's CPU time per turn, with the standard error of those differences (a gain
within about two of them is noise). The gain % is of the CPU per turn without the patch. The
first row takes every patch out (Rasa as shipped, but our tracker store).

{table(results)}

How to read it: the speed patches' gains add up to roughly the first row. The two contract
patches (`RemoteAction.run`: the action time-out; `RemoteAction._action_call_format`: the slim
payload, whose kept event dicts are also a speed-up at long conversations) are there for what
they change, not for speed. Several patches matter more the longer the conversation (states,
copies, applied events, payload): `--turns 200` shows it. What this in-process measure cannot
show: `EndpointConfig.session` saves connection set-up on both sides of the loopback socket
and the action server's accept, not much of Rasa's own CPU; `Event.resolve_by_type` mostly
pays off where events are read back from rows (a tracker-cache miss, Rasa's own SQL store),
which `CachedSQLTrackerStore` avoids on every turn of a conversation it holds.
"""
    args.out.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rasa_patches")
    parser.add_argument("--turns", type=int, default=120, help="turns per conversation")
    parser.add_argument("--rounds", type=int, default=4, help="pairs per patch")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cim-bench-patches-") as folder:
        results = asyncio.run(_run(args, Path(folder)))
    write(results, args, time.monotonic() - started)
    print(args.out.read_text())
    return 0


async def _run(args: argparse.Namespace, work: Path) -> list[Pairs]:
    from bot.store.db import create_schema, get_engine, session_factory
    from tools.seed.databases import temporary_database
    from tools.seed.demo_store import seed_demo_data

    with temporary_database("sqlite") as store_url:
        create_schema(get_engine(store_url))
        seed_demo_data(session_factory(store_url))
        customer = customers_from_store(store_url, limit=1)[0]
        messages = long_conversation(
            customer, turns=args.turns, secret=Settings.from_env().token_secret
        )
        with action_server(store_url, work) as action_url:
            serve_logging()
            agent = load_agent(action_url, work)
            return await measure(agent, messages, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
