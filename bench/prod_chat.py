"""The chat benchmark's load against the production profile (`make bench-chat-prod`).

Starts the profile of `cim run --profile prod` on free loopback ports, in a PostgreSQL
database and a Redis key prefix of its own (both removed afterwards), and drives it through
HAProxy with the simulated customers of `cim bench chat` (tools/evaluation/chat): think time,
10-turn scripts, a third of the turns running a custom action. Per step: served turns/s,
p50/p95/p99, errors and time-outs, CPU per turn of the Rasa replicas, the action servers and
the proxy. Writes bench/results/chat-prod.{md,json}.

    nice -n 19 .venv/bin/python bench/prod_chat.py --loads 10,20 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT, Settings
from tools.evaluation.chat import load, scripts, servers, stats
from tools.evaluation.chat.prod_profile import isolated_profile
from tools.processes import prod
from tools.processes.supervisor import Supervisor

TOKEN_SECRET = "bench-chat-token-secret-0123456789"
RESULTS = PROJECT_ROOT / "bench" / "results"
MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
REDIS_URL = "redis://127.0.0.1:6379/2"  # the profile's default database; keys of its own
GROUPS = {"rasa": ("rasa1", "rasa2"), "actions": ("actions1", "actions2"), "proxy": ("proxy",)}


def _pids(supervisor: Supervisor) -> dict[str, int]:
    return {r.service.name: r.process.pid for r in supervisor._running}


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    return {name: servers.cpu_seconds(pid) for name, pid in pids.items()}


def _use(pids: dict[str, int], before: dict[str, float]) -> dict[str, stats.ProcessUse]:
    now = _cpu(pids)
    return {
        group: stats.ProcessUse(
            sum(now[n] - before[n] for n in names), sum(servers.rss_mb(pids[n]) for n in names)
        )
        for group, names in GROUPS.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loads", default="10,20", help="offered turns/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per step")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    loads = [float(x) for x in args.loads.split(",") if x.strip()]
    settings = Settings(
        env="test",
        token_secret=TOKEN_SECRET,
        rasa_auth_token="bench-chat-rasa-token-0123456789",
        escalation_file=str(PROJECT_ROOT / "escalation.yml"),
    )
    log = (args.out / "logs").resolve()
    log.mkdir(parents=True, exist_ok=True)
    with (
        (log / "chat-prod.log").open("w") as echo,
        isolated_profile(
            settings, label="bench", redis_url=REDIS_URL, model=MODEL, echo=echo, start_timeout=300
        ) as running,
    ):
        print(f"production profile ready in {running.ready_seconds:.1f} s", flush=True)
        people = scripts.customers_from_store(running.settings.database_url)
        steps = _steps(running.supervisor, running.ports, loads, args, people)
    _write(args.out, steps, running.ready_seconds, args)
    return 0


def _steps(
    supervisor: Supervisor, ports: prod.ProdPorts, loads: list[float], args: Any, people: Any
) -> list[stats.StepResult]:
    target = load.Target(
        "prod", f"{prod.public_url(ports)}/webhooks/web/webhook", str(prod.DEFAULT_TLS_CERT)
    )
    pids = _pids(supervisor)
    results = []
    for index, offered in enumerate(sorted(loads)):
        plan = load.StepPlan(offered, args.seconds, args.warmup, seed=42 + index)
        before = _cpu(pids)
        samples, _ = asyncio.run(load.run_step(target, plan, people, secret=TOKEN_SECRET))
        step = stats.summarise(
            samples,
            offered=offered,
            customers=plan.customers,
            seconds=args.seconds,
            processes=_use(pids, before),
        )
        step.load_average = os.getloadavg()[0]
        results.append(step)
        print(
            f"{offered:g} turns/s: served {step.served_per_s:.1f}/s, p50 {step.p50_ms:.0f} "
            f"p95 {step.p95_ms:.0f} p99 {step.p99_ms:.0f} ms, {step.errors} errors, "
            f"{step.timeouts} time-outs, CPU/turn {_fmt(step.cpu_ms_per_turn)}",
            flush=True,
        )
        time.sleep(2)
    return results


def _fmt(cpu: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items() if not math.isnan(v))


def _write(out: Path, steps: list[stats.StepResult], ready: float, args: Any) -> None:
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "python bench/prod_chat.py " + " ".join(sys.argv[1:])
    data = {
        "when": when,
        "command": command,
        "ready_s": ready,
        "steps": [step.as_dict() for step in steps],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "chat-prod.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    lines = [
        "# Chat benchmark: production profile",
        "",
        f"`{command}` on 2 cores, {when}. HAProxy in front of 2 Rasa replicas and 2 action "
        "servers, PostgreSQL tracker and customer stores, Redis locks; the load generator on "
        f"the same machine, through the proxy. {args.seconds:g} s measured per step after "
        f"{args.warmup:g} s of arrivals. Ready in {ready:.1f} s.",
        "",
        "| offered turns/s | customers | served/s | p50 ms | p95 ms | p99 ms | errors | "
        "time-outs | Rasa CPU ms/turn (both) | actions CPU ms/turn | proxy CPU ms/turn | "
        "Rasa RSS MB (both) | load avg | held |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in steps:
        cpu = s.cpu_ms_per_turn
        lines.append(
            f"| {s.offered:g} | {s.customers} | {s.served_per_s:.1f} | {s.p50_ms:.1f} | "
            f"{s.p95_ms:.1f} | {s.p99_ms:.1f} | {s.errors} | {s.timeouts} | "
            f"{cpu.get('rasa', math.nan):.1f} | {cpu.get('actions', math.nan):.1f} | "
            f"{cpu.get('proxy', math.nan):.2f} | {s.rss_mb.get('rasa', math.nan):.0f} | "
            f"{s.load_average:.1f} | {'yes' if s.held else 'no'} |"
        )
    (out / "chat-prod.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
