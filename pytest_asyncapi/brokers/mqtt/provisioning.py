"""Where an MQTT broker comes from: the readiness probe, the container, the local mosquitto."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers.probes import ProbeError

if TYPE_CHECKING:
    import ssl

    from testcontainers.core.container import DockerContainer

    from pytest_asyncapi.brokers.endpoints import Address

PORT = 1883
"""The port mosquitto listens on inside its container."""

_CONNECT = bytes(
    [0x10, 12 + 17, 0x00, 0x04, *b"MQTT", 0x04, 0x02, 0x00, 0x0A, 0x00, 17, *b"asyncapi-probe-01"]
)
"""An MQTT 3.1.1 CONNECT: clean session, keep-alive 10 s, client id ``asyncapi-probe-01``."""

CONFIG = """\
# written by pytest-asyncapi for a local test broker
listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 0
log_dest stdout
"""
"""mosquitto's configuration: loopback only, anonymous, nothing kept, no queue limit (a slow
capture must not lose messages: mosquitto drops QoS 1 messages past 1000 queued by default)."""


def connack(address: Address, timeout: float, tls: ssl.SSLContext | None = None) -> int:
    """A CONNECT/CONNACK round trip within ``timeout``; returns the CONNACK return code
    (``ProbeError`` unless it is 0). ``tls`` is for NATS; unused here."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((address.host, address.port), timeout=timeout) as sock:
        sock.sendall(_CONNECT)
        answer = b""
        while len(answer) < 4:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProbeError(f"no CONNACK within {timeout:g} s")
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(4 - len(answer))
            except TimeoutError:
                raise ProbeError(f"no CONNACK within {timeout:g} s") from None
            if not chunk:
                raise ProbeError("connection closed before CONNACK: not an MQTT broker")
            answer += chunk
        sock.sendall(b"\xe0\x00")  # DISCONNECT
    if answer[:2] != b"\x20\x02":
        raise ProbeError(f"expected a CONNACK, got {answer!r}: not an MQTT broker")
    if answer[3]:
        raise ProbeError(f"the broker refused the connection (CONNACK return code {answer[3]})")
    return 0


def prepare_container(container: DockerContainer, jetstream: bool) -> None:
    """eclipse-mosquitto images ship ``/mosquitto-no-auth.conf`` (anonymous, port 1883)."""
    container.with_exposed_ports(PORT)
    container.with_command(["mosquitto", "-c", "/mosquitto-no-auth.conf"])


def find_binary() -> str | None:
    """``mosquitto`` on PATH, else Debian's ``/usr/sbin/mosquitto`` (not on a user's PATH)."""
    found = shutil.which("mosquitto")
    if found:
        return found
    debian = Path("/usr/sbin/mosquitto")
    return str(debian) if debian.is_file() else None


def command(
    binary: Path, port: int, workdir: Path, jetstream: bool, config: Path | None
) -> list[str]:
    """mosquitto on loopback with :data:`CONFIG` written into the broker's temp dir
    (``jetstream`` and ``config`` are NATS options)."""
    path = workdir / "mosquitto.conf"
    path.write_text(CONFIG.format(port=port))
    return [str(binary), "-c", str(path)]
