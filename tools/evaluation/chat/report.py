"""chat.md, chat.json and chat.png from one `cim bench chat` run."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from tools.evaluation.chat.stats import P95_BUDGET_MS

NONE = "-"


def _ms(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NONE
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _held(value: Any) -> str:
    return "none" if value is None else f"{value:g}"


def _load(value: Any) -> str:
    return NONE if value is None else f"{value:.1f}"


def _ratio(ours: Any, stock: Any) -> str:
    if not ours or not stock or any(math.isnan(v) for v in (ours, stock)):
        return NONE
    return f"{stock / ours:.1f}x"


def _step_rows(builds: dict[str, Any]) -> list[str]:
    rows = [
        "| offered turns/s | build | customers | served/s | p50 ms | p95 ms | p99 ms | errors "
        "| time-outs | silent | action turns | Rasa CPU ms/turn | actions CPU ms/turn "
        "| Rasa RSS MB | load avg | held |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    loads = sorted({s["offered"] for b in builds.values() for s in b["steps"]})
    for load in loads:
        for name, build in builds.items():
            step = next((s for s in build["steps"] if s["offered"] == load), None)
            if step is None:
                rows.append(f"| {load:g} | {name} | not run: an earlier step failed |" + " |" * 13)
                continue
            cpu, rss = step["cpu_ms_per_turn"], step["rss_mb"]
            rows.append(
                f"| {load:g} | {name} | {step['customers']} | {step['served_per_s']:.1f} "
                f"| {_ms(step['p50_ms'])} | {_ms(step['p95_ms'])} | {_ms(step['p99_ms'])} "
                f"| {step['errors']} | {step['timeouts']} | {step['silent']} "
                f"| {step['action_share']:.0%} | {_ms(cpu.get('rasa'))} "
                f"| {_ms(cpu.get('actions'))} | {rss.get('rasa', 0):.0f} "
                f"| {_load(step.get('load_average'))} | {'yes' if step['held'] else 'no'} |"
            )
    return rows


def _summary_rows(builds: dict[str, Any]) -> list[str]:
    names = list(builds)
    rows = ["| | " + " | ".join(names) + (" | stock / ours |" if len(names) == 2 else " |")]
    rows.append("|---" * (len(names) + 1 + (len(names) == 2)) + "|")
    lines = [
        ("highest offered load held (turns/s)", "highest_held", _held),
        ("single customer: p50 turn (ms)", "single_p50_ms", _ms),
        ("single customer: p50 action turn (ms)", "single_action_p50_ms", _ms),
        ("long conversation: turn 10 (ms)", "turn_10_ms", _ms),
        ("long conversation: turn 200 (ms)", "turn_200_ms", _ms),
        ("turn 200 / turn 10", "long_ratio", lambda v: f"{v:.2f}" if v else NONE),
        ("Rasa start to ready (s)", "rasa_ready_s", lambda v: f"{v:.1f}"),
        ("Rasa RSS idle (MB)", "rss_idle_mb", lambda v: f"{v:.0f}"),
        ("memory per 1000 conversations (MB)", "mb_per_1000_conversations", _ms),
    ]
    for label, key, fmt in lines:
        values = [builds[n].get(key) for n in names]
        cells = [fmt(v) if v is not None or fmt is _held else NONE for v in values]
        ratio = ""
        if len(names) == 2 and key.endswith("_ms"):
            ratio = f" {_ratio(values[0], values[1])} |"
        elif len(names) == 2:
            ratio = " |"
        rows.append(f"| {label} | " + " | ".join(cells) + " |" + ratio)
    return rows


def markdown(result: dict[str, Any]) -> str:
    meta = result["meta"]
    lines = [
        "# Chat benchmark",
        "",
        f"`{meta['command']}` on {meta['cores']} cores, {meta['when']}. Customers wait for each "
        f"reply and think {meta['think_mean_s']:g} s on average (exponential) before the next "
        f"message; 10-turn conversations from {meta['scripts']} scripts, "
        f"{meta['action_share']:.0%} of turns run a custom action that reads the store. "
        f"{meta['step_seconds']:g} s measured per step after {meta['warmup_s']:g} s of "
        f"arrivals. Held = p95 ≤ {P95_BUDGET_MS:.0f} ms with no error or time-out. "
        "Load avg: the machine's 1-minute load average at the end of the step (2 cores; "
        "above 2, other work shared the machine).",
        "",
        *(f"- {note}" for note in meta["notes"]),
        "",
        "## Summary",
        "",
        *_summary_rows(result["builds"]),
        "",
        "## Steps of offered load",
        "",
        *_step_rows(result["builds"]),
        "",
        f"Load generator CPU: {meta['loadgen_cpu_ms_per_turn']:.2f} ms per turn sent.",
        "",
        "![p95 latency against offered load](chat.png)",
        "",
    ]
    return "\n".join(lines)


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=110)
    for name, build in result["builds"].items():
        steps = sorted(build["steps"], key=lambda s: s["offered"])
        xs = [s["offered"] for s in steps]
        ys = [math.nan if s["p95_ms"] is None else max(s["p95_ms"], 1.0) for s in steps]
        axes.plot(xs, ys, marker="o", label=name)
    budget = f"{P95_BUDGET_MS:.0f} ms budget"
    axes.axhline(P95_BUDGET_MS, color="grey", linestyle="--", label=budget)
    axes.set_yscale("log")
    axes.set_xlabel("offered load (turns/s)")
    axes.set_ylabel("p95 turn latency (ms)")
    axes.set_title("Chat benchmark: p95 latency against offered load")
    axes.legend()
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write(result: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / "chat.json").write_text(json.dumps(result, indent=2, default=_json_default) + "\n")
    plot(result, out / "chat.png")
    path = out / "chat.md"
    path.write_text(markdown(result))
    return path


def _json_default(value: Any) -> Any:
    raise TypeError(f"not JSON serialisable: {value!r}")
