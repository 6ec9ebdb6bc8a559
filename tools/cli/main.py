"""`cim`: the assistant's command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT, get_settings
from tools.processes.stack import Ports

DEFAULT_MODEL = PROJECT_ROOT / "models" / "current.tar.gz"


def _cmd_run(args: argparse.Namespace) -> int:
    if args.profile == "prod":
        from tools.processes.prod import run_prod

        return run_prod(args)
    from tools.processes.stack import ensure_demo_agent, services
    from tools.processes.supervisor import serve
    from tools.seed.demo_store import ensure_seeded

    settings = get_settings()
    if not args.model.exists():
        print(f"error: no trained model at {args.model}; run `make train` first", file=sys.stderr)
        return 2
    if not settings.is_development:
        print(
            "error: `cim run` runs the demo shop, which signs in anyone as a demo customer; "
            "production runs without it (deploy/compose.yml, or `cim run --profile prod`)",
            file=sys.stderr,
        )
        return 2
    args.var_dir.mkdir(parents=True, exist_ok=True)
    if ensure_seeded(settings.database_url):
        print(f"Seeded the demo customer store at {settings.database_url}")
    demo_agent = ensure_demo_agent(settings)
    ports = Ports(rasa=args.rasa_port, actions=args.actions_port, web=args.web_port)
    return serve(
        services(settings, model=args.model, ports=ports, var_dir=args.var_dir),
        start_timeout=args.start_timeout,
        on_ready=lambda: _print_ready(ports, demo_agent=bool(demo_agent)),
    )


def _print_ready(ports: Ports, *, demo_agent: bool) -> None:
    from bot.services.agents import DEMO_PASSWORD, DEMO_USERNAME

    web, rasa = ports.web, ports.rasa
    login = f" (demo agent: {DEMO_USERNAME} / {DEMO_PASSWORD})" if demo_agent else ""
    print(
        "\n"
        f"  The shop with its chat:        http://127.0.0.1:{web}/\n"
        f"  …signed in as Maria Garcia:    http://127.0.0.1:{web}/?customer=C0001\n"
        f"  Agent console:                 http://127.0.0.1:{rasa}/webhooks/console/{login}\n"
        f"  Rasa server (API, channel):    http://127.0.0.1:{rasa}/\n"
        "  Press Ctrl-C to stop everything.\n",
        flush=True,
    )


def _cmd_seed(args: argparse.Namespace) -> int:
    from tools.seed.demo_store import ensure_seeded

    url = args.database_url or get_settings().database_url
    print("seeded" if ensure_seeded(url) else "already seeded", url)
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    from bot.customer_tokens import sign_token

    settings = get_settings()
    print(sign_token(args.customer, secret=settings.token_secret, ttl_seconds=args.ttl))
    return 0


def _read_password(stdin: Any = None) -> str:
    """From the terminal (twice, not echoed), or the first line of piped stdin; never argv."""
    import getpass

    stream = stdin or sys.stdin
    if not stream.isatty():
        return str(stream.readline().rstrip("\r\n"))
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise ValueError("the passwords differ")
    return first


def _cmd_agent_create(args: argparse.Namespace) -> int:
    from bot.services.agents import create_agent
    from bot.store.db import create_schema, get_engine
    from bot.store.unit_of_work import SqlAlchemyUnitOfWork

    settings = get_settings()
    try:
        password = _read_password()
        create_schema(get_engine(settings.database_url))
        agent = create_agent(
            SqlAlchemyUnitOfWork(),
            username=args.username,
            password=password,
            display_name=args.name,
            role=args.role,
            team=args.team,
        )
    except ValueError as error:  # AgentError, PasswordPolicyError
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"created agent {agent.username} ({agent.display_name}, {agent.role})")
    return 0


def _add_agent(commands: Any) -> None:
    agent = commands.add_parser("agent", help="agents of the handoff console")
    verbs = agent.add_subparsers(dest="agent", required=True)
    create = verbs.add_parser(
        "create", help="create an agent; the password is read from the terminal or stdin"
    )
    create.add_argument("username")
    create.add_argument("--name", required=True, help="the name customers see, e.g. Anna")
    create.add_argument("--team", default=None, help="default: every team")
    create.add_argument("--role", default="agent", choices=("agent", "supervisor", "trainer"))
    create.set_defaults(handler=_cmd_agent_create)


def _cmd_check(args: argparse.Namespace) -> int:
    from bot.checks import main as check_main

    return check_main([str(args.root)])


def _cmd_crossval(args: argparse.Namespace) -> int:
    from bot.interaction_types import InteractionTypeError
    from tools.evaluation.crossval import CrossvalOptions, run
    from tools.evaluation.folds import EvaluationError

    options = CrossvalOptions(args.config, args.data, args.folds, args.seed, args.out)
    try:
        print(run(options))
    except (EvaluationError, InteractionTypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _bench_options(args: argparse.Namespace) -> Any:
    """BenchOptions from the arguments given; the rest keep BenchOptions' defaults."""
    from tools.evaluation.bench import BenchOptions
    from tools.evaluation.datasets import CsvColumns
    from tools.evaluation.selection import Selection

    given = {
        "ours": args.ours,
        "stock": args.stock,
        "datasets": None
        if args.datasets is None
        else tuple(filter(None, args.datasets.split(","))),
        "stock_epochs": args.stock_epochs,
        "folds": args.folds,
        "target_recall": args.oos_recall,
        "datasets_dir": args.datasets_dir,
        "own_data": args.own_data,
        "custom": (args.train, args.test) if args.train else None,
        "out": args.out,
    }
    return BenchOptions(
        **{key: value for key, value in given.items() if value is not None},
        selection=Selection(intents=args.intents, sample=args.sample, seed=args.seed),
        columns=CsvColumns(text=args.text_column, label=args.label_column),
        use_cache=not args.no_cache,
    )


def _cmd_bench_nlu(args: argparse.Namespace) -> int:
    if (args.train is None) != (args.test is None):
        print("error: give your own data as both --train and --test", file=sys.stderr)
        return 2
    from bot.interaction_types import InteractionTypeError
    from tools.evaluation.bench import run
    from tools.evaluation.folds import EvaluationError

    try:
        print(run(_bench_options(args)))
    except (EvaluationError, InteractionTypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _add_bench(commands: Any) -> None:
    """`cim bench nlu`; defaults live in BenchOptions, so none is repeated here but in help."""
    bench = commands.add_parser("bench", help="benchmarks")
    kinds = bench.add_subparsers(dest="bench", required=True)
    nlu = kinds.add_parser("nlu", help="our NLU pipeline and stock Rasa's, side by side")
    add = nlu.add_argument
    add("--datasets", help="comma-separated: clinc150, bitext, own (default: all three)")
    add("--ours", type=Path, help="our pipeline (default: config.yml)")
    add("--stock", type=Path, help="the baseline (default: bench/configs/stock.yml)")
    add(
        "--stock-epochs",
        type=int,
        help="cap the baseline's epochs (default: 5 on public data, none on ours; 0: never)",
    )
    add("--sample", type=int, help="N examples per intent, in every split")
    add("--intents", type=int, help="only the first K intents by name (plus out-of-scope)")
    add("--seed", type=int, default=42)
    add("--folds", type=int, help="cross-validation folds on our own data (default: 5)")
    add("--oos-recall", type=float, help="OOS recall the threshold reaches on val (default: 0.6)")
    add("--datasets-dir", type=Path, help="the public data sets (default: ../shared/datasets)")
    add("--own-data", type=Path, help="our NLU data (default: data/nlu)")
    add("--train", type=Path, help="a training file of your own: CSV or Rasa NLU YAML")
    add("--test", type=Path, help="its test file")
    add("--text-column", default="text", help="CSV column of the text (default: text)")
    add("--label-column", default="label", help="CSV column of the intent (default: label)")
    add("--out", type=Path, help="where nlu.md, nlu.json, cache/ go (default: bench/results)")
    add("--no-cache", action="store_true", help="rerun the baseline even if cached")
    nlu.set_defaults(handler=_cmd_bench_nlu)
    _add_bench_chat(kinds)


def _add_bench_chat(kinds: Any) -> None:
    """`cim bench chat`; defaults live in ChatBenchOptions."""
    chat = kinds.add_parser("chat", help="chat capacity: ours and stock Rasa under offered load")
    add = chat.add_argument
    add("--loads", help="comma-separated offered turns/s (default: 20,50,75,100,150,200)")
    add("--seconds", type=float, help="measured seconds per step (default: 40)")
    add("--warmup", type=float, help="seconds of customer arrivals before measuring (default: 5)")
    add("--think", type=float, help="mean think time in seconds (default: 5)")
    add("--builds", help="comma-separated: ours, stock (default: both)")
    add("--stock-epochs", type=int, help="cap the stock model's epochs (default: 20)")
    add("--single-conversations", type=int, help="10-turn conversations alone (default: 10)")
    add("--long-turns", type=int, help="turns of the long conversation (default: 200)")
    add("--model", type=Path, help="our model (default: models/current.tar.gz)")
    add("--endpoints", type=Path, help="our endpoints file (default: endpoints.yml)")
    add("--out", type=Path, help="where chat.md, chat.json, chat.png go (default: bench/results)")
    add("--keep-going", action="store_true", help="run the steps above the first that failed")
    chat.set_defaults(handler=_cmd_bench_chat)


def _cmd_bench_chat(args: argparse.Namespace) -> int:
    from tools.evaluation.chat.run import ChatBenchOptions, run

    given: dict[str, Any] = {
        "seconds": args.seconds,
        "warmup": args.warmup,
        "think_mean": args.think,
        "stock_epochs": args.stock_epochs,
        "single_conversations": args.single_conversations,
        "long_turns": args.long_turns,
        "model": args.model,
        "endpoints": args.endpoints,
        "out": args.out,
    }
    try:
        if args.loads is not None:
            given["loads"] = tuple(float(x) for x in args.loads.split(",") if x.strip())
        if args.builds is not None:
            given["builds"] = tuple(filter(None, args.builds.split(",")))
        options = ChatBenchOptions(
            **{k: v for k, v in given.items() if v is not None},
            keep_going=args.keep_going,
            command="cim bench chat " + " ".join(sys.argv[3:]),
        )
        run(options)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _add_simulate(commands: Any) -> None:
    """`cim simulate`: scripted customers through the running product (simulations/)."""
    from tools.evaluation.simulate.cli import add_arguments, run_from_args

    simulate = commands.add_parser(
        "simulate", help="play the YAML conversations in simulations/ through the product"
    )
    add_arguments(simulate)
    simulate.set_defaults(handler=run_from_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="serve the assistant, the action server and the demo shop (development)"
    )
    run.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)
    run.add_argument("--web-port", type=int, default=8000)
    run.add_argument("--start-timeout", type=float, default=180.0)
    run.add_argument(
        "--var-dir",
        type=Path,
        default=PROJECT_ROOT / "var",
        help="where the embedded profile keeps its conversations (tracker.db)",
    )
    run.add_argument(
        "--profile",
        choices=("embedded", "prod"),
        default="embedded",
        help="prod: HAProxy, 2 Rasa replicas, PostgreSQL, Redis (see tools/processes/prod.py)",
    )
    from tools.processes.prod import add_prod_arguments

    add_prod_arguments(run)
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

    _add_bench(commands)
    _add_agent(commands)
    _add_simulate(commands)
    from tools.cli.trainer_commands import add_trainer_commands

    add_trainer_commands(commands)
    from tools.cli.kpis_commands import add_commands as add_kpi_commands  # cim kpis …, cim report

    add_kpi_commands(commands)
    from tools.cli.privacy_commands import add_commands as add_privacy  # cim privacy …

    add_privacy(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
