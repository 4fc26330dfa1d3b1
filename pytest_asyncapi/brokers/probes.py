"""Readiness: the polling loop around each protocol's probe (``registry`` ``probe``), TCP checks,
free ports."""

from __future__ import annotations

import socket
import struct
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable

    from pytest_asyncapi.brokers.endpoints import Address


class ProbeError(Exception):
    """The broker answered, but not (yet) as a ready broker."""


class NotReady(Exception):
    """The broker did not become ready: ``reason`` (timeout or death), ``last`` probe error."""

    def __init__(self, reason: str, last: str) -> None:
        self.reason = reason
        self.last = last
        super().__init__(f"{reason} (last probe: {last})")


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the caller retries if it is taken meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def tcp_answers(address: Address, timeout: float) -> str | None:
    """``None`` when something accepts a TCP connection at ``address``, else why not."""
    try:
        socket.create_connection((address.host, address.port), timeout=timeout).close()
    except OSError as exc:
        return _describe(exc)
    return None


def ready(
    protocol: str, address: Address, timeout: float, tls: ssl.SSLContext | None = None
) -> object:
    """The protocol's readiness round trip (its registry description's ``probe``: NATS
    ``INFO`` line, Kafka Metadata round trip, …); ``tls`` for a TLS-first server."""
    from pytest_asyncapi.brokers.registry import describe

    return describe(protocol).probe(address, timeout, tls)


def poll_until_ready(
    probe: Callable[[float], object],
    pause: Callable[[float], str | None],
    timeout: float,
) -> None:
    """Call ``probe(attempt_timeout)`` until it returns; between attempts ``pause(interval)``
    waits and returns a reason when the broker died. Raises ``NotReady``.

    The pauses start at 2 ms and grow by half each time up to 100 ms, so a broker is found
    ready at most about a third of its start time (and 100 ms) after it is."""
    deadline = time.monotonic() + timeout
    interval, last = 0.002, "no attempt made"
    while True:
        remaining = deadline - time.monotonic()
        try:
            probe(max(0.05, min(1.0, remaining)))
            return
        except (OSError, ProbeError, struct.error, UnicodeDecodeError) as exc:
            last = _describe(exc)
        died = pause(interval)
        if died:
            raise NotReady(died, last)
        if time.monotonic() >= deadline:
            raise NotReady(f"not ready after {timeout:g} s", last)
        interval = min(interval * 1.5, 0.1)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
