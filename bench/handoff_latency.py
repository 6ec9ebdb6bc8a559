"""Handoff latency on loopback with the real processes: customer -> agent's screen and
agent -> customer's screen, median and p95 over N messages each way.

    .venv/bin/python bench/handoff_latency.py [--messages 100]

Writes bench/results/handoff-latency.json. The "screen" is the socket.io client of each
side (python-socketio, polling transport) receiving the event; the agent sends over the
console's HTTP API as the page does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.e2e.stack import running_stack  # noqa: E402
from tests.e2e.test_handoff import AgentBrowser, agent_socket, create_agent, next_of  # noqa: E402
from tests.e2e.test_socketio import Customer  # noqa: E402
from tools.seed.demo_store import ensure_seeded  # noqa: E402


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def measure(stack: Any, messages: int) -> dict[str, Any]:
    create_agent(stack, "bench", "Bench Agent")
    session_id = uuid.uuid4().hex
    async with Customer(stack, session_id) as customer:
        await customer.say("I want to talk to a human")
        agent = AgentBrowser(stack, "bench")
        handoff_id = agent.get("/api/queue")["queue"][0]["id"]
        socket, events = await agent_socket(stack, agent)
        assert agent.act(handoff_id, "claim").status_code == 200
        await asyncio.wait_for(customer.inbox.get(), 30)
        to_agent, to_customer = [], []
        cookies = {"cim_agent_session": agent.cookie}
        headers = {"X-CSRF-Token": agent.csrf}
        url = f"{agent.base}/api/handoffs/{handoff_id}/reply"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            header = {"Cookie": f"cim_agent_session={cookies['cim_agent_session']}", **headers}
            for n in range(messages):
                text = f"customer message {n}"
                started = time.perf_counter()
                await customer.client.emit(
                    "user_uttered", {"message": text, "session_id": session_id}
                )
                while (await next_of(events, "customer_message"))["text"] != text:
                    pass
                to_agent.append(time.perf_counter() - started)

                reply = f"agent reply {n}"
                started = time.perf_counter()
                async with http.post(url, json={"text": reply}, headers=header) as response:
                    assert response.status == 200
                    while (await asyncio.wait_for(customer.inbox.get(), 30)).get("text") != reply:
                        pass
                to_customer.append(time.perf_counter() - started)
        await socket.eio.disconnect(abort=True)
    return {
        "customer_to_agent": summary(to_agent),
        "agent_to_customer": summary(to_customer),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/handoff-latency.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cim-bench-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'shop.db'}"
        ensure_seeded(database_url)
        with running_stack(Path(tmp), database_url=database_url) as stack:
            figures = asyncio.run(measure(stack, args.messages))
    result = {
        "what": "time to the other side's socket.io client, loopback, real Rasa + action server",
        "transport": "socket.io polling (python-socketio client); agent sends over HTTP",
        "store": "SQLite",
        "python": platform.python_version(),
        "machine": platform.machine(),
        **figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
