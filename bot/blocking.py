"""Blocking calls from async code, written once.

The store is synchronous SQLAlchemy, and so are a few other calls (password hashing, file
reads). Rasa's channels, the console's handlers and the action server's actions are async
and share one event loop per process: a store call made there directly holds every other
conversation until it returns (one 2 s lock wait stalls every action call). Each such call
goes through `in_thread`, which runs it on a worker thread and lets the loop go on.

`asyncio.to_thread` copies the caller's context variables, so a request's logging context
follows the call into the thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


async def in_thread(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` on a worker thread; the event loop serves others meanwhile."""
    return await asyncio.to_thread(function, *args, **kwargs)
