"""`python -m tools.evaluation.simulate` (and, once wired, `cim simulate`): play the suite.

`add_arguments` and `run_from_args` are what a `cim simulate` sub-command needs; `main` is
the module's own entry point.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT, get_settings
from tools.evaluation.simulate.report import markdown, summarise
from tools.evaluation.simulate.runner import Runner, Target
from tools.evaluation.simulate.shop_facts import ShopFacts, load_shop_facts
from tools.evaluation.simulate.suite import Suite, load_suite
from tools.evaluation.simulate.vocabulary import SuiteError

DEFAULT_SUITE = PROJECT_ROOT / "simulations"
FACTS_FILE = "_shop_facts.yml"
NICKNAMES_FILE = "_nicknames.yml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--suite", type=Path, default=DEFAULT_SUITE, help="a folder or one .yml file")
    add("--category", action="append", default=[], help="only this category (repeatable)")
    add("--conversation", action="append", default=[], help="only this id (repeatable)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--rasa-url", help="a running product's Rasa server")
    where.add_argument(
        "--start-stack",
        action="store_true",
        help="start a product of its own on a freshly seeded store",
    )
    add(
        "--database-url",
        help="the store (default: DATABASE_URL with --rasa-url; a new "
        "SQLite file with --start-stack, which seeds an empty one)",
    )
    add("--rasa-token", help="Rasa's API token, to read trackers (default: CIM_RASA_AUTH_TOKEN)")
    add("--token-secret", help="signs customer tokens (default: CIM_TOKEN_SECRET)")
    add("--transport", choices=("rest", "socketio"), default="rest")
    add("--facts", type=Path, help=f"shop facts (default: <suite>/{FACTS_FILE})")
    add(
        "--policy",
        type=Path,
        default=PROJECT_ROOT / "escalation.yml",
        help="where the opening hours come from (default: escalation.yml)",
    )
    add("--model", type=Path, default=PROJECT_ROOT / "models" / "current.tar.gz")
    add("--pace", type=float, default=0.3, help="least seconds between a conversation's turns")
    add("--work", type=Path, help="--start-stack's store, logs and tracker (default: a temp dir)")
    add("--json", type=Path, help="write the report as JSON here")
    add("--md", type=Path, help="write the report as Markdown here")
    add("--label", default="", help="what was measured (e.g. the commit), kept in the report")
    add(
        "--require-targets",
        action="store_true",
        help="exit 1 unless the routine, queue and privacy targets are met",
    )


def _support_dir(suite: Path) -> Path:
    return suite if suite.is_dir() else suite.parent


def load_inputs(args: argparse.Namespace) -> tuple[Suite, ShopFacts, dict[str, tuple[str, ...]]]:
    support = _support_dir(args.suite)
    shop = load_shop_facts(args.facts or support / FACTS_FILE, policy_file=args.policy)
    topics = {name: tuple(topic.facts) for name, topic in shop.topics.items()}
    suite = load_suite(args.suite, categories=args.category or None, topics=topics)
    if args.conversation:
        wanted = set(args.conversation)
        missing = wanted - {c.id for c in suite.conversations}
        if missing:
            raise SuiteError(f"no conversations with ids {sorted(missing)}")
        suite = Suite(tuple(c for c in suite.conversations if c.id in wanted), suite.files)
    return suite, shop, load_nicknames(support / NICKNAMES_FILE)


def load_nicknames(path: Path) -> dict[str, tuple[str, ...]]:
    """Product name -> what customers call it ("the tent"), for `{order.thing}`."""
    if not path.exists():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict):
        raise SuiteError(f"{path.name}: needs a mapping of product name to nicknames")
    return {str(k): tuple(v if isinstance(v, list) else [v]) for k, v in document.items()}


def run_from_args(args: argparse.Namespace) -> int:
    try:
        suite, shop, nicknames = load_inputs(args)
    except SuiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        target = _target(args, stack)
        runner = Runner(target, shop, nicknames, pace=args.pace)
        run = runner.run(suite)
    report = summarise(run, meta=_meta(args, target, suite))
    _write(report, args)
    print(_headline(report))
    met = all(v is not False for k, v in report["targets"].items() if k.endswith("_met"))
    return 1 if args.require_targets and not met else 0


def _target(args: argparse.Namespace, stack: ExitStack) -> Target:
    if args.start_stack:
        from tools.evaluation.simulate.stack import own_stack

        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sim-")))
        work.mkdir(parents=True, exist_ok=True)
        return stack.enter_context(
            own_stack(
                work,
                model=args.model,
                project_policy=args.policy,
                database_url=args.database_url,
                transport=args.transport,
            )
        )
    settings = get_settings()
    return Target(
        rasa_url=args.rasa_url,
        database_url=args.database_url or settings.database_url,
        token_secret=args.token_secret or settings.token_secret,
        rasa_token=args.rasa_token or settings.rasa_auth_token,
        transport=args.transport,
    )


def _meta(args: argparse.Namespace, target: Target, suite: Suite) -> dict[str, Any]:
    return {
        "command": "python -m tools.evaluation.simulate " + shlex.join(sys.argv[1:]),
        "transport": target.transport,
        "database": make_url(target.database_url).get_backend_name(),
        "suite": str(args.suite),
        "categories": suite.categories(),
        "model": str(args.model),
        "label": args.label,
    }


def _write(report: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    if args.md:
        args.md.parent.mkdir(parents=True, exist_ok=True)
        args.md.write_text(markdown(report))


def _headline(report: dict[str, Any]) -> str:
    o = report["overall"]
    return (
        f"routine resolved {o['routine_resolved']}/{o['routine']}, needs a person in the queue "
        f"{o['needs_person_reached_queue']}/{o['needs_person']}, replies with another "
        f"customer's data {o['replies_with_other_customer_data']}, all resolved "
        f"{o['resolved']}/{o['played']}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.evaluation.simulate",
        description="Play the simulated customers' conversations through the product.",
    )
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))
