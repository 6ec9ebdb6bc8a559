"""The chat widget's weight and speed: bundle size (raw and gzip) and, in headless Chromium
against the real stack, the time from navigation start to the widget being ready (connected,
session confirmed, conversation shown: the `cim-widget-ready` performance mark).

    .venv/bin/python bench/widget.py [--loads 20]      # or: make bench-widget

Every load is a new browser context (empty cache and storage), so each one fetches the
bundle and opens a new conversation. Writes bench/results/widget.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import platform
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM_ARGS, chromium_executable  # noqa: E402
from tests.e2e.stack import running_stack  # noqa: E402
from tools.seed.demo_store import ensure_seeded  # noqa: E402

STATIC = ROOT / "bot" / "web" / "static"
RESULT = ROOT / "bench" / "results" / "widget.json"
READY_JS = """() => new Promise((resolve) => {
  const look = () => {
    const mark = performance.getEntriesByName("cim-widget-ready")[0];
    if (!mark) return setTimeout(look, 10);
    const nav = performance.getEntriesByType("navigation")[0];
    resolve({ready: mark.startTime, domContentLoaded: nav.domContentLoadedEventEnd});
  };
  look();
})"""


def bundle_sizes() -> dict[str, dict[str, int]]:
    sizes = {}
    for name in ("widget.js", "widget.css"):
        body = (STATIC / name).read_bytes()
        sizes[name] = {"raw": len(body), "gzip": len(gzip.compress(body, compresslevel=9))}
    return sizes


async def measure(url: str, loads: int) -> list[dict[str, Any]]:
    from playwright.async_api import async_playwright

    samples = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS
        )
        try:
            for _ in range(loads):
                context = await browser.new_context(viewport={"width": 1280, "height": 800})
                page = await context.new_page()
                await page.goto(url)
                samples.append(await page.evaluate(READY_JS))
                await context.close()
        finally:
            await browser.close()
    return samples


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "min_ms": round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cim-bench-widget-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'shop.db'}"
        ensure_seeded(database_url)
        with running_stack(Path(tmp), database_url=database_url) as stack:
            url = f"{stack.web_url}/?customer=C0001"
            asyncio.run(measure(url, 2))  # warm-up: Rasa's first requests are slower
            samples = asyncio.run(measure(url, args.loads))
    result = {
        "bundle_bytes": bundle_sizes(),
        "page_load_to_ready": summary([s["ready"] for s in samples]),
        "page_load_to_dom_content_loaded": summary([s["domContentLoaded"] for s in samples]),
        "dom_content_loaded_to_ready": summary(
            [s["ready"] - s["domContentLoaded"] for s in samples]
        ),
        "loads": args.loads,
        "what": "navigation start to the cim-widget-ready mark (connected, session confirmed, "
        "history shown), headless Chromium, new context per load, real stack on loopback",
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
    }
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
