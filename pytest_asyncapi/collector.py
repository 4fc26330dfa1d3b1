"""Pausing Python's cyclic garbage collector while many long-lived, acyclic objects are built.

Loading a document, and handing out and judging a window of captured messages, build many
containers that all stay alive: each pass of the collector walks them again, so with it on
the time grows faster than the work (measured: x7 load time for x3 channels; a third of the
cost of a captured message). Paused meanwhile; its work resumes after.
"""

from __future__ import annotations

import contextlib
import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["paused"]


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (left off if it already was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
