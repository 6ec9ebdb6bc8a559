"""`rasa run`, with the API token kept off the command line: `python -m bot.rasa_server run …`.

`rasa run --auth-token <token>` shows the token to anyone on the machine who can list
processes (`ps`, /proc/<pid>/cmdline; issue 14, finding 14). This entry point reads the token
from CIM_RASA_AUTH_TOKEN and hands it to Rasa's own command line parser inside the process,
so the process's command line holds every argument but that one. The environment of a
process is readable by its owner (and root) only.

It is also where the process is wired, once, before Rasa's main: `bot.bootstrap.bootstrap`
installs the patches of Rasa and starts what runs beside the chat with the server.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

TOKEN_VARIABLE = "CIM_RASA_AUTH_TOKEN"
TOKEN_OPTION = "--auth-token"


class RasaArgumentsError(ValueError):
    """The arguments or the environment would start Rasa with its token exposed, or none."""


def rasa_argv(args: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """What Rasa's parser is given: `rasa run <args> --auth-token <token from environ>`."""
    if list(args[:1]) != ["run"]:
        raise RasaArgumentsError("only `run` is started this way: python -m bot.rasa_server run …")
    if any(arg == TOKEN_OPTION or arg.startswith(TOKEN_OPTION + "=") for arg in args):
        raise RasaArgumentsError(
            f"{TOKEN_OPTION} on the command line is what this entry point avoids; "
            f"set {TOKEN_VARIABLE} instead"
        )
    token = environ.get(TOKEN_VARIABLE, "")
    if not token:
        raise RasaArgumentsError(f"{TOKEN_VARIABLE} is not set: Rasa's HTTP API would be open")
    return ["rasa", *args, TOKEN_OPTION, token]


def main(argv: Sequence[str] | None = None) -> int:
    from bot.settings import SettingsError, get_settings

    try:
        sys.argv = rasa_argv(sys.argv[1:] if argv is None else argv, os.environ)
        settings = get_settings()
    except (RasaArgumentsError, SettingsError) as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    from bot.bootstrap import bootstrap

    bootstrap(settings)
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
