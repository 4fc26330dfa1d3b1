"""Readiness probes that speak each broker's protocol, and the polling loop around them."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import time
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers.endpoints import Address

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable

_CLIENT_ID = b"pytest-asyncapi"
_API_VERSIONS, _METADATA = 18, 3
_METADATA_VERSION = 4


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


def nats_info(
    address: Address, timeout: float, tls: ssl.SSLContext | None = None
) -> dict[str, object]:
    """Connect and read the server's ``INFO`` line within ``timeout`` in all (a server that
    trickles it byte by byte cannot hold the probe longer); returns its JSON. ``tls``: the
    server is TLS-first (``handshake_first``), so the socket is wrapped before ``INFO``."""
    deadline = time.monotonic() + timeout
    with contextlib.ExitStack() as stack:
        sock = stack.enter_context(
            socket.create_connection((address.host, address.port), timeout=timeout)
        )
        if tls is not None:
            sock = stack.enter_context(tls.wrap_socket(sock, server_hostname=address.host))
        line = b""
        while not line.endswith(b"\r\n"):
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                sock.settimeout(remaining)
                chunk = sock.recv(4096)
            except TimeoutError:
                raise ProbeError(
                    f"no complete INFO line within {timeout:g} s ({len(line)} byte(s) came)"
                ) from None
            if not chunk:
                raise ProbeError("connection closed before the INFO line")
            line += chunk
            if len(line) > 1 << 20:
                raise ProbeError("no end of line in the first MiB: not a NATS server")
    if not line.startswith(b"INFO "):
        raise ProbeError(f"expected an INFO line, got {line[:60]!r}: not a NATS server")
    try:
        info = json.loads(line[5:])
    except ValueError as exc:
        raise ProbeError(f"INFO line is not JSON: {exc}") from None
    if not isinstance(info, dict):
        raise ProbeError("INFO line is not a JSON object")
    return info


def kafka_brokers(address: Address, timeout: float) -> list[Address]:
    """An ApiVersions and a Metadata round trip; returns the brokers the cluster advertises."""
    with socket.create_connection((address.host, address.port), timeout=timeout) as sock:
        body = _kafka_call(sock, _API_VERSIONS, 0, 1, b"")
        error, count = struct.unpack_from(">hi", body)
        if error:
            raise ProbeError(f"ApiVersions answered with error code {error}")
        ranges = {
            key: (low, high)
            for key, low, high in struct.iter_unpack(">hhh", body[6 : 6 + 6 * count])
        }
        low, high = ranges.get(_METADATA, (0, -1))
        if not low <= _METADATA_VERSION <= high:
            raise ProbeError(f"broker does not offer Metadata v{_METADATA_VERSION} ({low}..{high})")
        # Metadata v4: no topics, no auto-creation.
        body = _kafka_call(sock, _METADATA, _METADATA_VERSION, 2, struct.pack(">ib", 0, 0))
    return _metadata_brokers(body)


def _metadata_brokers(body: bytes) -> list[Address]:
    (count,) = struct.unpack_from(">i", body, 4)  # after throttle_time_ms
    offset, brokers = 8, []
    for _ in range(count):
        _node, size = struct.unpack_from(">ih", body, offset)
        host = body[offset + 6 : offset + 6 + size].decode()
        offset += 6 + size
        port, rack = struct.unpack_from(">ih", body, offset)
        offset += 6 + max(rack, 0)
        brokers.append(Address(host, port))
    if not brokers:
        raise ProbeError("Metadata lists no brokers yet")
    return brokers


def _kafka_call(
    sock: socket.socket, api_key: int, version: int, correlation: int, body: bytes
) -> bytes:
    header = struct.pack(">hhih", api_key, version, correlation, len(_CLIENT_ID)) + _CLIENT_ID
    request = header + body
    sock.sendall(struct.pack(">i", len(request)) + request)
    (size,) = struct.unpack(">i", _recv_exactly(sock, 4))
    reply = _recv_exactly(sock, size)
    if struct.unpack_from(">i", reply)[0] != correlation:
        raise ProbeError("reply with a wrong correlation id: not a Kafka broker")
    return reply[4:]


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    if not 0 <= size <= 1 << 24:
        raise ProbeError(f"implausible reply size {size}: not a Kafka broker")
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ProbeError("connection closed in the middle of a reply")
        data += chunk
    return data


def ready(
    protocol: str, address: Address, timeout: float, tls: ssl.SSLContext | None = None
) -> object:
    """A protocol-level readiness check (NATS ``INFO`` line, Kafka Metadata round trip);
    ``tls`` for a TLS-first NATS server."""
    if protocol == "nats":
        return nats_info(address, timeout, tls)
    return kafka_brokers(address, timeout)


def poll_until_ready(
    probe: Callable[[float], object],
    pause: Callable[[float], str | None],
    timeout: float,
) -> None:
    """Call ``probe(attempt_timeout)`` until it returns; between attempts ``pause(interval)``
    waits and returns a reason when the broker died. Raises ``NotReady``."""
    deadline = time.monotonic() + timeout
    interval, last = 0.005, "no attempt made"
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
        interval = min(interval * 2, 0.1)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
