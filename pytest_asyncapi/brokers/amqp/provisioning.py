"""Where an AMQP 0-9-1 broker comes from: the readiness probe, the container, a local RabbitMQ.

The local broker is the system's ``rabbitmq-server`` (Debian: ``apt-get install
rabbitmq-server``), run as a private node: its own node name, AMQP port, distribution port and
``epmd`` port (all free loopback ports), its data, logs, config, cookie and plugin list (none:
no management plugin) in the broker's temp dir. Erlang's port mapper (``epmd``) would start as
a daemon that outlives the node, so the start script runs a private ``epmd`` in the foreground
with a parent-death signal (``setpriv --pdeathsig``) bound to the node's process: whatever ends
the node, its ``epmd`` ends with it.
"""

from __future__ import annotations

import shlex
import shutil
import socket
import struct
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers.probes import ProbeError, free_port

if TYPE_CHECKING:
    import ssl

    from testcontainers.core.container import DockerContainer

    from pytest_asyncapi.brokers.endpoints import Address

PORT = 5672
"""The port RabbitMQ listens on inside its container."""

_PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
_CONNECTION_START = struct.pack(">HH", 10, 10)
"""Class ``connection``, method ``start``: the server's first frame."""

CONFIG = """\
# written by pytest-asyncapi for a local test broker
listeners.tcp.default = 127.0.0.1:{port}
log.console = true
log.console.level = warning
log.file = false
"""

_SCRIPT = """\
#!/bin/sh
# written by pytest-asyncapi: a private RabbitMQ node and its own epmd (see provisioning.py)
set -e
export HOME={workdir}
export RABBITMQ_NODENAME={node}
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT={port}
export RABBITMQ_DIST_PORT={dist_port}
export ERL_EPMD_PORT={epmd_port}
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE={workdir}/mnesia
export RABBITMQ_LOG_BASE={workdir}/log
export RABBITMQ_CONFIG_FILE={workdir}/rabbitmq.conf
export RABBITMQ_ENABLED_PLUGINS_FILE={workdir}/enabled_plugins
export RABBITMQ_LOGS=-
export RABBITMQ_ALLOW_INPUT=1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-noinput -start_epmd false \
-kernel inet_dist_use_interface {{127,0,0,1}}"
{pdeathsig}{epmd} -port {epmd_port} -address 127.0.0.1 &
until {epmd} -port {epmd_port} -names >/dev/null 2>&1; do sleep 0.02; done
exec {binary}
"""
"""``RABBITMQ_ALLOW_INPUT`` makes ``rabbitmq-server`` exec the VM (no signal-proxy shell),
``-noinput`` keeps it from reading a shell; so the script's process becomes the node, the
parent of its ``epmd``."""


def connection_start(address: Address, timeout: float, tls: ssl.SSLContext | None = None) -> int:
    """Send the AMQP 0-9-1 protocol header and read the server's ``connection.start`` frame
    within ``timeout``; returns 0 (``ProbeError`` otherwise). ``tls`` is for NATS; unused."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((address.host, address.port), timeout=timeout) as sock:
        sock.sendall(_PROTOCOL_HEADER)
        answer = b""
        while len(answer) < 11:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProbeError(f"no connection.start within {timeout:g} s")
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(11 - len(answer))
            except TimeoutError:
                raise ProbeError(f"no connection.start within {timeout:g} s") from None
            if not chunk:
                raise ProbeError("connection closed before connection.start: not an AMQP broker")
            answer += chunk
    if answer[0] != 1 or answer[7:11] != _CONNECTION_START:
        raise ProbeError(
            f"expected AMQP connection.start, got {answer!r}: not an AMQP 0-9-1 broker"
        )
    return 0


def prepare_container(container: DockerContainer, jetstream: bool) -> None:
    """rabbitmq images start the broker by default, and their configuration lets ``guest``
    log in from outside the container (``loopback_users.guest = false``)."""
    container.with_exposed_ports(PORT)


def find_binary() -> str | None:
    """Debian's ``/usr/lib/rabbitmq/bin/rabbitmq-server`` (``/usr/sbin``'s is a wrapper that
    switches to the ``rabbitmq`` user), else ``rabbitmq-server`` on PATH."""
    debian = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
    if debian.is_file():
        return str(debian)
    return shutil.which("rabbitmq-server")


def _epmd() -> str:
    return shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"


def command(
    binary: Path, port: int, workdir: Path, jetstream: bool, config: Path | None
) -> list[str]:
    """A start script in the broker's temp dir: a private node on loopback (see the module
    docstring); ``jetstream`` and ``config`` are NATS options."""
    (workdir / "rabbitmq.conf").write_text(CONFIG.format(port=port))
    (workdir / "enabled_plugins").write_text("[].\n")
    setpriv = shutil.which("setpriv")
    script = _SCRIPT.format(
        workdir=shlex.quote(str(workdir)),
        node=f"asyncapi-{uuid.uuid4().hex[:12]}@localhost",
        port=port,
        dist_port=free_port(),
        epmd_port=free_port(),
        epmd=shlex.quote(_epmd()),
        pdeathsig=f"{shlex.quote(setpriv)} --pdeathsig KILL -- " if setpriv else "",
        binary=shlex.quote(str(binary)),
    )
    path = workdir / "rabbitmq-server"
    path.write_text(script)
    path.chmod(0o700)
    return [str(path)]
