"""The stock-Rasa build of our bot, the chat benchmark's baseline.

Same domain, data and action server as ours; what `rasa init` would give it otherwise: the
default pipeline (bench/configs/stock.yml), the default policies (Memoization, Rule,
UnexpecTED, TED), the in-memory tracker store and the stock REST channel. Training DIET and
TED at their default 100 epochs takes too long on 2 cores, so the epochs are capped (the
table says by how much), and the trained model is cached, keyed by the data, domain, config
and Rasa version.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT
from tools.evaluation.bench_cache import cache_key, data_digest

STOCK_PIPELINE = PROJECT_ROOT / "bench" / "configs" / "stock.yml"
# The policies `rasa init` writes in Rasa 3.6 (rasa/cli/initial_project/config.yml).
STOCK_POLICIES: list[dict[str, Any]] = [
    {"name": "MemoizationPolicy"},
    {"name": "RulePolicy"},
    {"name": "UnexpecTEDIntentPolicy", "max_history": 5, "epochs": 100},
    {"name": "TEDPolicy", "max_history": 5, "epochs": 100, "constrain_similarities": True},
]
EPOCH_COMPONENTS = {"DIETClassifier", "ResponseSelector", "TEDPolicy", "UnexpecTEDIntentPolicy"}
DEFAULT_STOCK_EPOCHS = 20
# The stock endpoints: the action server only (in-memory tracker and lock stores by default).
STOCK_ENDPOINTS = "action_endpoint:\n  url: ${CIM_ACTION_URL}\n"
STOCK_CREDENTIALS = "rest:\n"


def stock_config(epochs: int) -> dict[str, Any]:
    """The stock pipeline and policies, every epoch count capped at `epochs` (0: uncapped)."""
    config = yaml.safe_load(STOCK_PIPELINE.read_text(encoding="utf-8"))
    config["assistant_id"] = "stock-rasa-chat-baseline"
    config["policies"] = [dict(policy) for policy in STOCK_POLICIES]
    for component in [*config["pipeline"], *config["policies"]]:
        if epochs and component["name"] in EPOCH_COMPONENTS:
            component["epochs"] = min(int(component.get("epochs", 100)), epochs)
    return dict(config)


def model_key(config_text: str, root: Path = PROJECT_ROOT) -> str:
    digest = data_digest([root / "data", root / "domain.yml"])
    return cache_key(digest, config_text, {"kind": "chat-stock-model"})


def stock_model(cache_dir: Path, *, epochs: int, log: Path, root: Path = PROJECT_ROOT) -> Path:
    """The trained stock model, from the cache or trained now (minutes)."""
    config_text = yaml.safe_dump(stock_config(epochs), sort_keys=False)
    key = model_key(config_text, root)
    model = cache_dir / f"chat-stock-{key[:16]}.tar.gz"
    if model.exists():
        return model
    cache_dir.mkdir(parents=True, exist_ok=True)
    config_path = cache_dir / f"chat-stock-{key[:16]}.yml"
    config_path.write_text(config_text, encoding="utf-8")
    rasa = str(Path(sys.executable).parent / "rasa")
    argv = [rasa, "train", "--config", str(config_path), "--domain", str(root / "domain.yml")]
    argv += ["--data", str(root / "data"), "--out", str(cache_dir)]
    argv += ["--fixed-model-name", model.name.removesuffix(".tar.gz")]
    with log.open("w") as output:
        result = subprocess.run(argv, cwd=root, stdout=output, stderr=subprocess.STDOUT)
    if result.returncode != 0 or not model.exists():
        raise RuntimeError(f"training the stock model failed; see {log}")
    return model
