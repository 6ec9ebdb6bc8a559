"""`cim bench chat`: ours against stock Rasa, the same customers, the same machine.

For each build: start it, measure one customer alone (10-turn conversations, then one long
conversation), then the steps of offered load, then stop it. Stock runs after ours in the
same invocation, so both meet the same machine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT, Settings
from tools.evaluation.chat import load, report, scripts, servers, stats, stock
from tools.evaluation.chat.load import StepPlan, Target

DEFAULT_LOADS = (20.0, 50.0, 75.0, 100.0, 150.0, 200.0)
TOKEN_SECRET = "bench-chat-token-secret-0123456789"


@dataclass(frozen=True)
class ChatBenchOptions:
    loads: tuple[float, ...] = DEFAULT_LOADS
    seconds: float = 40.0
    warmup: float = 5.0
    think_mean: float = 5.0
    timeout: float = 10.0
    builds: tuple[str, ...] = ("ours", "stock")
    stock_epochs: int = stock.DEFAULT_STOCK_EPOCHS
    single_conversations: int = 10
    long_turns: int = 200
    model: Path = PROJECT_ROOT / "models" / "current.tar.gz"
    endpoints: Path | None = None  # ours with another endpoints file (default: endpoints.yml)
    out: Path = PROJECT_ROOT / "bench" / "results"
    seed: int = 42
    keep_going: bool = False  # run the steps above the first that failed
    command: str = "cim bench chat"


Say = Callable[[str], None]


def run(options: ChatBenchOptions, say: Say = print) -> dict[str, Any]:
    if not options.model.exists():
        raise FileNotFoundError(f"no trained model at {options.model}; run `make train` first")
    unknown = set(options.builds) - {"ours", "stock"}
    if unknown or not options.builds:
        raise ValueError(f"builds must be 'ours' and/or 'stock', got {sorted(unknown)}")
    logs = options.out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    _exit_cleanly_on_sigterm()
    result: dict[str, Any] = {"meta": _meta(options), "builds": {}}
    gen_cpu, gen_turns = 0.0, 0
    for name in options.builds:
        say(f"== {name}")
        measured, cpu, turns = _bench_build(name, options, logs, say)
        result["builds"][name] = measured
        gen_cpu, gen_turns = gen_cpu + cpu, gen_turns + turns
    result["meta"]["loadgen_cpu_ms_per_turn"] = 1000 * gen_cpu / gen_turns if gen_turns else 0.0
    report.write(_finite(result), options.out)
    return result


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the servers this run started are stopped."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def _meta(options: ChatBenchOptions) -> dict[str, Any]:
    notes = []
    if "stock" in options.builds:
        notes.append(
            f"stock: the `rasa init` pipeline and policies on our domain and data, DIET, "
            f"ResponseSelector, TED and UnexpecTED capped at {options.stock_epochs} epochs "
            f"(default 100), in-memory tracker store, stock REST channel, same action server"
        )
    notes.append(
        "ours: models/current.tar.gz (config.yml), endpoints.yml and credentials.yml as "
        "`cim run` starts them, SQLite stores, our web channel's REST webhook"
    )
    return {
        "command": options.command,
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "think_mean_s": options.think_mean,
        "step_seconds": options.seconds,
        "warmup_s": options.warmup,
        "timeout_s": options.timeout,
        "scripts": len(scripts.SCRIPTS),
        "action_share": scripts.action_share(),
        "notes": notes,
    }


def _bench_build(
    name: str, options: ChatBenchOptions, logs: Path, say: Say
) -> tuple[dict[str, Any], float, int]:
    from tools.seed.demo_store import ensure_seeded

    with tempfile.TemporaryDirectory(prefix=f"cim-bench-chat-{name}-") as tmp:
        work = Path(tmp)
        database_url = f"sqlite:///{work / 'shop.db'}"
        ensure_seeded(database_url)
        people = scripts.customers_from_store(database_url)
        settings = Settings(
            env="test",
            database_url=database_url,
            token_secret=TOKEN_SECRET,
            rasa_auth_token="bench-chat-rasa-token-0123456789",
            escalation_file=str(PROJECT_ROOT / "escalation.yml"),
        )
        model = options.model
        if name == "stock":
            say(f"stock model (cached by data and config hash, {options.stock_epochs} epochs)")
            train_log = logs / "chat-stock-train.log"
            model = stock.stock_model(
                options.out / "cache", epochs=options.stock_epochs, log=train_log
            )
        spec = servers.BuildSpec(settings, model, work, endpoints=options.endpoints)
        with (logs / f"chat-{name}.log").open("wb") as log:
            start = servers.start_ours if name == "ours" else servers.start_stock
            with servers.running(start(spec, log)) as build:
                return _measure(build, options, people, say)


def _measure(
    build: servers.Build, options: ChatBenchOptions, people: list[scripts.Customer], say: Say
) -> tuple[dict[str, Any], float, int]:
    target = Target(build.name, build.webhook)
    rasa_pid = build.procs["rasa"].pid
    measured: dict[str, Any] = {"rasa_ready_s": build.procs["rasa"].ready_seconds}
    say(f"ready in {measured['rasa_ready_s']:.1f} s; one customer alone")
    measured.update(_single(target, options, people))
    measured.update(_long(target, options, people))
    say(
        f"single p50 {measured['single_p50_ms']:.1f} ms; turn 10 {measured['turn_10_ms']:.1f} "
        f"ms, turn {options.long_turns} {measured['turn_200_ms']:.1f} ms"
    )
    measured["rss_idle_mb"] = servers.rss_mb(rasa_pid)
    steps, conversations, gen_cpu, gen_turns = _steps(build, target, options, people, say)
    measured["steps"] = [step.as_dict() for step in steps]
    measured["highest_held"] = stats.highest_held(steps)
    measured["conversations"] = conversations
    grown = servers.rss_mb(rasa_pid) - measured["rss_idle_mb"]
    measured["mb_per_1000_conversations"] = 1000 * grown / conversations if conversations else None
    return measured, gen_cpu, gen_turns


def _single(
    target: Target, options: ChatBenchOptions, people: list[scripts.Customer]
) -> dict[str, Any]:
    rng = random.Random(options.seed)
    samples: list[stats.TurnSample] = []
    for _ in range(options.single_conversations):
        script, person = scripts.pick(rng, people)
        messages = scripts.render(script, person, secret=TOKEN_SECRET)
        samples += asyncio.run(load.run_conversation(target, messages))
    answered = [s for s in samples if s.outcome == stats.OK]
    return {
        "single_turns": len(samples),
        "single_failures": len(samples) - len(answered),
        "single_p50_ms": stats.percentile([s.latency_ms for s in answered], 50),
        "single_action_p50_ms": stats.percentile([s.latency_ms for s in answered if s.action], 50),
        "single_other_p50_ms": stats.percentile(
            [s.latency_ms for s in answered if not s.action], 50
        ),
    }


def _long(
    target: Target, options: ChatBenchOptions, people: list[scripts.Customer]
) -> dict[str, Any]:
    identified = people[0]
    messages = scripts.long_conversation(identified, turns=options.long_turns, secret=TOKEN_SECRET)
    samples = asyncio.run(load.run_conversation(target, messages))
    latencies = [s.latency_ms for s in samples]
    early = stats.window_median(latencies, min(10, len(latencies)))
    late = stats.window_median(latencies, len(latencies))
    return {
        "long_turns": len(samples),
        "long_failures": sum(s.outcome != stats.OK for s in samples),
        "turn_10_ms": early,
        "turn_200_ms": late,
        "long_ratio": late / early if early else None,
    }


def _steps(
    build: servers.Build,
    target: Target,
    options: ChatBenchOptions,
    people: list[scripts.Customer],
    say: Say,
) -> tuple[list[stats.StepResult], int, float, int]:
    steps: list[stats.StepResult] = []
    conversations, gen_cpu, gen_turns = 0, 0.0, 0
    for index, offered in enumerate(sorted(options.loads)):
        plan = StepPlan(
            offered,
            options.seconds,
            options.warmup,
            options.think_mean,
            options.timeout,
            options.seed + index,
        )
        before, gen_before = build.cpu(), time.process_time()
        samples, started = asyncio.run(load.run_step(target, plan, people, secret=TOKEN_SECRET))
        gen_cpu += time.process_time() - gen_before
        gen_turns += len(samples)
        conversations += started
        step = stats.summarise(
            samples,
            offered=offered,
            customers=plan.customers,
            seconds=options.seconds,
            processes=build.use_since(before),
        )
        step.load_average = os.getloadavg()[0]
        steps.append(step)
        say(
            f"{offered:g} turns/s offered: served {step.served_per_s:.1f}/s, p50 "
            f"{step.p50_ms:.0f} p95 {step.p95_ms:.0f} p99 {step.p99_ms:.0f} ms, "
            f"{step.errors} errors, {step.timeouts} time-outs, Rasa "
            f"{step.cpu_ms_per_turn.get('rasa', math.nan):.1f} ms CPU/turn, load average "
            f"{step.load_average:.1f}"
        )
        if not step.held and not options.keep_going:
            break
        time.sleep(2)  # let the last replies drain
    return steps, conversations, gen_cpu, gen_turns


def _finite(value: Any) -> Any:
    """NaN becomes None (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
