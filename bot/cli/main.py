"""`cim`: the assistant's command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli.stack import Ports
from bot.settings import PROJECT_ROOT, get_settings

DEFAULT_MODEL = PROJECT_ROOT / "models" / "current.tar.gz"


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.cli.stack import services
    from bot.cli.supervisor import ServiceFailed, Supervisor
    from bot.store.seed import ensure_seeded

    settings = get_settings()
    if not args.model.exists():
        print(f"error: no trained model at {args.model}; run `make train` first", file=sys.stderr)
        return 2
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    if ensure_seeded(settings.database_url):
        print(f"Seeded the demo customer store at {settings.database_url}")
    ports = Ports(rasa=args.rasa_port, actions=args.actions_port, web=args.web_port)
    supervisor = Supervisor()
    try:
        for service in services(settings, model=args.model, ports=ports):
            supervisor.start(service)
        supervisor.wait_ready(timeout=args.start_timeout)
        _print_ready(ports)
        supervisor.watch()
        print("\nStopping…")
        return 0
    except ServiceFailed as failure:
        print(f"\nerror: {failure}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()


def _print_ready(ports: Ports) -> None:
    web, rasa = ports.web, ports.rasa
    print(
        "\n"
        f"  The shop with its chat:        http://127.0.0.1:{web}/\n"
        f"  …signed in as Maria Garcia:    http://127.0.0.1:{web}/?customer=C0001\n"
        f"  Rasa server (API, channel):    http://127.0.0.1:{rasa}/\n"
        "  Press Ctrl-C to stop everything.\n",
        flush=True,
    )


def _cmd_seed(args: argparse.Namespace) -> int:
    from bot.store.seed import ensure_seeded

    url = args.database_url or get_settings().database_url
    print("seeded" if ensure_seeded(url) else "already seeded", url)
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    from bot.identity import sign_token

    settings = get_settings()
    print(sign_token(args.customer, secret=settings.token_secret, ttl_seconds=args.ttl))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from bot.checks import main as check_main

    return check_main([str(args.root)])


def _cmd_crossval(args: argparse.Namespace) -> int:
    from bot.evaluation.crossval import CrossvalOptions, run
    from bot.evaluation.folds import EvaluationError
    from bot.interaction_types import InteractionTypeError

    options = CrossvalOptions(args.config, args.data, args.folds, args.seed, args.out)
    try:
        print(run(options))
    except (EvaluationError, InteractionTypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="serve the assistant, the action server and the demo shop"
    )
    run.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)
    run.add_argument("--web-port", type=int, default=8000)
    run.add_argument("--start-timeout", type=float, default=180.0)
    run.set_defaults(handler=_cmd_run)

    seed = commands.add_parser("seed", help="create and seed the demo customer store if empty")
    seed.add_argument("--database-url", default=None)
    seed.set_defaults(handler=_cmd_seed)

    token = commands.add_parser("token", help="sign a customer token, as a shop's backend would")
    token.add_argument("customer", help="the customer's public id, e.g. C0001")
    token.add_argument("--ttl", type=int, default=3600)
    token.set_defaults(handler=_cmd_token)

    check = commands.add_parser("check", help="check the training data: types, counts, duplicates")
    check.add_argument("root", type=Path, nargs="?", default=PROJECT_ROOT)
    check.set_defaults(handler=_cmd_check)

    crossval = commands.add_parser(
        "crossval", help="stratified k-fold cross-validation of the NLU pipeline on data/nlu"
    )
    crossval.add_argument("--config", type=Path, default=Path("config.yml"))
    crossval.add_argument("--data", type=Path, default=Path("data/nlu"))
    crossval.add_argument("--folds", type=int, default=5)
    crossval.add_argument("--seed", type=int, default=42)
    crossval.add_argument("--out", type=Path, default=Path("results/crossval"))
    crossval.set_defaults(handler=_cmd_crossval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
