"""`cim privacy export|erase|purge`: a customer's data out, a customer's data gone, and the
retention windows applied; tools/cli/main.py adds them with one call.

Whoever can run `cim` on the host can read the store anyway, so the command line needs no
login of its own: it acts with the operator's authorisation, and the access trail records
it as `cli:<os user>` from this host (an export and an erasure; a purge is about no one
customer and leaves its own run log). Heavy imports happen inside the handlers, so building
the parser stays cheap.
"""

from __future__ import annotations

import argparse
import getpass
import json
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

EXIT_REFUSED = 2  # a bad or unknown customer id, as every `cim` command refuses bad input
EXIT_NOT_CONFIRMED = 1


def add_commands(commands: Any) -> None:
    privacy = commands.add_parser("privacy", help="a customer's data: export, erase; retention")
    verbs = privacy.add_subparsers(dest="privacy", required=True)

    export = verbs.add_parser("export", help="everything held about a customer, as one zip")
    _where(export)
    export.add_argument("--customer", required=True, help="the public id, e.g. C0042")
    export.add_argument("--out", type=Path, default=Path("."), help="directory (default: .)")
    export.set_defaults(handler=_cmd_export)

    erase = verbs.add_parser("erase", help="remove or anonymise a customer everywhere")
    _where(erase)
    erase.add_argument("--customer", required=True, help="the public id, e.g. C0042")
    erase.add_argument("--yes", action="store_true", help="erase without asking")
    erase.set_defaults(handler=_cmd_erase)

    purge = verbs.add_parser("purge", help="delete what is past its retention window")
    _where(purge)
    purge.add_argument("--now", type=_moment, help="ISO time to purge as of (default: now)")
    purge.add_argument("--batch", type=_positive, default=500, help="rows per batch")
    purge.add_argument("--policy", type=Path, help="the windows (default: CIM_RETENTION_FILE)")
    purge.set_defaults(handler=_cmd_purge)


def _where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="the store (default: DATABASE_URL)")
    parser.add_argument("--tracker-url", help="the tracker store (default: CIM_TRACKER_DB)")
    parser.add_argument(
        "--endpoints", type=Path, help="find the tracker store as the Rasa server does from it"
    )


def _moment(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a time like 2025-01-31T00:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _positive(raw: str) -> int:
    value = int(raw) if raw.isdigit() else 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a positive whole number")
    return value


def actor() -> str:
    """Who the access trail says did it: the operator's OS account."""
    return f"cli:{getpass.getuser()}"


def _locations(args: argparse.Namespace) -> Any:
    """Every place the customer's data can be; the defaults are the running product's."""
    from bot.customer_data.locations import (
        DataLocations,
        default_locations,
        tracker_url_from_endpoints,
    )
    from bot.kpis.sources import tracker_engine
    from bot.settings import get_settings
    from bot.store.db import get_engine, session_factory
    from bot.store.unit_of_work import SqlAlchemyUnitOfWork

    if not args.database_url and not args.tracker_url:
        return default_locations(endpoints=args.endpoints)
    settings = get_settings()
    url = args.database_url or settings.database_url
    given = args.tracker_url
    if given is None and args.endpoints is not None:
        given = tracker_url_from_endpoints(args.endpoints)
    return DataLocations(
        new_uow=lambda: SqlAlchemyUnitOfWork(session_factory(url)),
        tracker_engine=tracker_engine(get_engine(url), given),
        data_dir=Path(settings.training_root) / "data",
    )


def _refuse(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_REFUSED


def _public_id(raw: str) -> str | None:
    from bot.console.customer_lookup import BadCustomerQuery, public_id_of

    try:
        return public_id_of(raw)
    except BadCustomerQuery:
        return None


def _summary(locations: Any, public_id: str) -> Any:
    from bot.console.customer_lookup import summary

    return summary(locations, public_id=public_id)


def _log(locations: Any, action: str, customer_id: int | None) -> None:
    from bot.services.access_log import record_access

    record_access(
        locations.new_uow(),
        actor=actor(),
        action=action,
        address=socket.gethostname(),
        customer_id=customer_id,
    )


def _bad_id(raw: str) -> int:
    return _refuse(f"{raw!r} is not a customer id (they look like C0042)")


def _cmd_export(args: argparse.Namespace) -> int:
    from bot.customer_data.export import export_customer

    locations, public_id = _locations(args), _public_id(args.customer)
    if public_id is None:
        return _bad_id(args.customer)
    found = _summary(locations, public_id)
    if found is None:
        return _refuse(f"no customer {public_id} in the store")
    archive = export_customer(locations, public_id=public_id)
    _log(locations, "export_customer", found.customer.id)
    print(archive.write(args.out))
    return 0


def _cmd_erase(args: argparse.Namespace) -> int:
    """With --yes, erase at once (again, for a customer already erased: a fresh receipt);
    without, show what will go and erase only once the customer id is typed back."""
    locations, public_id = _locations(args), _public_id(args.customer)
    if public_id is None:
        return _bad_id(args.customer)
    found = _summary(locations, public_id)
    if not args.yes:
        if found is None:
            return _refuse(f"no customer {public_id} in the store")
        if not confirmed(found, sys.stdin, sys.stderr):
            print("not erased: the id typed was not the customer's", file=sys.stderr)
            return EXIT_NOT_CONFIRMED
    from bot.customer_data.erasure import erase_customer
    from bot.customer_data.export import UnknownCustomer

    try:
        receipt = erase_customer(locations, public_id=public_id, actor=actor())
    except UnknownCustomer:
        return _refuse(f"no customer {public_id}, nor a record of one erased")
    _log(locations, "erase_customer", found.customer.id if found else None)
    print(json.dumps(receipt.as_json(), indent=2, sort_keys=True, default=str))
    return 0


def confirmed(found: Any, stdin: IO[str], stdout: IO[str]) -> bool:
    """Show what will go and ask for the customer id, typed (or piped) back. The question
    goes to stderr, so stdout carries the receipt alone."""
    who = found.customer
    print(f"This erases {who.public_id} ({who.name}, {who.email}) everywhere:", file=stdout)
    for place, count in sorted(found.counts.items()):
        print(f"  {place:<22} {count:>8,}", file=stdout)
    print(f"Type {who.public_id} to erase, anything else to stop: ", end="", file=stdout)
    stdout.flush()
    answer = stdin.readline().strip().upper()
    return bool(answer) and answer == who.public_id


def _cmd_purge(args: argparse.Namespace) -> int:
    """One run; its record (also in the run log, the audit evidence) is printed as JSON."""
    from bot.customer_data.retention import RetentionConfigError, load_policy, purge
    from bot.settings import get_settings

    try:
        policy = load_policy(args.policy or Path(get_settings().retention_file))
    except RetentionConfigError as error:
        return _refuse(str(error))
    now = args.now or datetime.now(timezone.utc)
    run = purge(_locations(args), policy, now=now, batch_size=args.batch)
    print(json.dumps(run.as_json(), indent=2, sort_keys=True))
    return 0 if run.outcome == "ok" else 1
