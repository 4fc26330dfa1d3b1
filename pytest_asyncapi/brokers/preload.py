"""Importing a protocol's client modules in a thread while its broker starts.

Starting a broker is mostly waiting (for the process, the readiness probe); importing the
capture and its client library (nats-py, aiokafka, paho-mqtt, aiormq) is tens of
milliseconds of work. Done meanwhile, the session's start costs the longer of the two. An
import that fails here is left alone: it fails again, with its own error, where it is needed.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = ["preloading"]


def _import_all(modules: Iterable[str]) -> None:
    for name in modules:
        with contextlib.suppress(Exception):  # raised again where the module is needed
            importlib.import_module(name)


@contextlib.contextmanager
def preloading(modules: Iterable[str]) -> Iterator[None]:
    """``modules`` imported in a thread during the block; done when the block ends."""
    thread = threading.Thread(
        target=_import_all, args=(tuple(modules),), name="pytest-asyncapi-preload", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        thread.join()
