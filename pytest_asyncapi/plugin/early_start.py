"""The session's start in a thread, while the pytest thread goes on collecting tests.

Starting is mostly waiting: for the broker's process or container, for its readiness probe,
for the capture's connection and confirmed subscriptions. The plugin begins it once the
documents are loaded; the first test takes the result (or the error, raised again in the
pytest thread), and the session's end waits for a start no test took, to stop what it made.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["EarlyStart"]

T = TypeVar("T")


class EarlyStart(Generic[T]):
    """``start()`` running in a daemon thread; :meth:`result` waits for it."""

    def __init__(self, start: Callable[[], T]) -> None:
        self._start = start
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pytest-asyncapi-start", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._start()
        except BaseException as error:  # raised again by result(), in the caller's thread
            self._error = error

    def result(self) -> T:
        """What ``start()`` returned, once it has; the error it raised, if it did."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value
