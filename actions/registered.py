"""Another action by name, as rasa_sdk registered it.

A verified customer's pending request is resumed, and a message that is not about the order
in focus goes on to its intent's usual action, so an action sometimes runs another by name.
The name is looked up the way the action server found the action: rasa_sdk's executor walks
this package and registers every non-abstract `Action` subclass. There is no list of ours to
keep in step, and no walk of our own that could find a different set.
"""

from __future__ import annotations

import logging
import threading

from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor

_PACKAGE = "actions"
_lock = threading.Lock()
_executor: ActionExecutor | None = None


def _registry() -> ActionExecutor:
    """rasa_sdk's registration of this package, made once on first use (never at import:
    the package's modules import this one)."""
    global _executor
    with _lock:
        if _executor is None:
            executor = ActionExecutor()
            # The server logged each registration at startup; a second list would read
            # like a restart.
            executor_log = logging.getLogger("rasa_sdk.executor")
            level = executor_log.level
            executor_log.setLevel(logging.WARNING)
            try:
                executor.register_package(_PACKAGE)
            finally:
                executor_log.setLevel(level)
            _executor = executor
        return _executor


def action_named(name: str) -> Action | None:
    """The action rasa_sdk runs for `name`, or None for a name it does not know."""
    run = _registry().actions.get(name)
    action = getattr(run, "__self__", None)
    return action if isinstance(action, Action) else None
