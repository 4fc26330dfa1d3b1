"""Broker-adapter conformance suite (the base class is ``tests.support.conformance``).

Brokers come from :func:`pytest_asyncapi.brokers.provision.provision`; ``start_local_nats``
is only for servers that need options provision() does not take (auth, TLS, limits).
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from pytest_asyncapi.brokers.local_binary import find_binary

if TYPE_CHECKING:
    from collections.abc import Sequence


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LocalNats:
    """A nats-server process on a loopback port."""

    process: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.log.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(5)
        self.log.close()


def start_local_nats(args: Sequence[str] = (), timeout: float = 10.0) -> LocalNats:
    """Start nats-server with ``args``; return once it accepts connections (polling a connect)."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by LocalNats; a pipe could fill up)
    process = subprocess.Popen(
        [str(find_binary("nats")), "-a", "127.0.0.1", "-p", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            err = log.read().decode(errors="replace")
            log.close()
            raise RuntimeError(f"nats-server exited with {process.returncode}: {err}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            continue
        return LocalNats(process, port, log)
    LocalNats(process, port, log).kill()
    raise RuntimeError(f"nats-server did not accept connections on port {port} in {timeout} s")
