"""Brokers in a container, through testcontainers and a Docker engine.

Default images are pinned official tags; ``image=`` replaces them. NATS images must have
``nats-server`` as their entrypoint (the official ones do). The Kafka container is a plain
container whose host port is chosen before it starts, so that the advertised listener can
name it; it gets the environment of both conventions, so either kind of image works:

* ``apache/kafka`` (KRaft, single node): ``KAFKA_*`` variables, external listener advertised
  as ``<docker host>:<port>``;
* Tansu (``tansu broker`` as entrypoint): ``LISTENER_URL`` / ``ADVERTISED_LISTENER_URL``.

Where testcontainers needs settings (no Ryuk reaper image reachable, running inside a
container), set them in the environment: ``TESTCONTAINERS_RYUK_DISABLED=true``,
``TESTCONTAINERS_CONNECTION_MODE=docker_host``, ``TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1``.
"""

from __future__ import annotations

import gc
import re
import threading
import warnings
import weakref
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers import probes
from pytest_asyncapi.brokers.endpoints import Address, ProvisionedBroker, endpoint
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

DEFAULT_IMAGES = {"nats": "nats:2.10.22-alpine", "kafka": "apache/kafka:3.9.1"}
_NATS_PORT, _KAFKA_PORT = 4222, 9092
_PORT_TAKEN = re.compile(r"port is already allocated|address already in use", re.IGNORECASE)
_ATTEMPTS = 3
_DEFAULT_SOCKET = "unix:///var/run/docker.sock"
_DOCKER_HINT = (
    "start a Docker engine (or set DOCKER_HOST), or use --asyncapi-broker local "
    "or --asyncapi-broker <url>"
)


def docker_problem(timeout: float = 2.0) -> str | None:
    """``None`` when a Docker engine answers a ping within ``timeout``, else why not."""
    try:
        from testcontainers.core.docker_client import get_docker_host
    except ImportError:
        return (
            "the testcontainers package is not installed — "
            "pip install 'pytest-asyncapi[containers]'"
        )
    # docker-py does not close the socket of a failed unix-socket connect: collect it here,
    # where its ResourceWarning is expected, rather than in some later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        problem = _ping(timeout)
        gc.collect()
    if problem is not None:
        return f"no Docker engine answers at {get_docker_host() or _DEFAULT_SOCKET} ({problem})"
    return None


def _ping(timeout: float) -> str | None:
    from testcontainers.core.docker_client import DockerClient

    try:
        client = DockerClient(timeout=timeout).client
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # docker raises many kinds; any of them means "no engine"
        return _short(exc)
    return None


def kafka_environment(advertised: str) -> dict[str, str]:
    """Container environment that makes apache/kafka and Tansu advertise ``advertised``."""
    return {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": f"CONTROLLER://:29093,BROKER://:19092,EXTERNAL://:{_KAFKA_PORT}",
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
        "LISTENER_URL": f"tcp://0.0.0.0:{_KAFKA_PORT}",
        "ADVERTISED_LISTENER_URL": f"tcp://{advertised}",
        "NO_COLOR": "1",
    }


class ContainerBroker(ProvisionedBroker):
    """A broker container; ``stop`` removes it."""

    def __init__(self, protocol: str, container: DockerContainer, host: str, port: int) -> None:
        self.endpoint = endpoint(protocol, host, port, "container")
        self.description = f"container {container.image} ({container.get_container_id()[:12]})"
        self._container = container
        self._final_log: str | None = None
        self._cleanup = weakref.finalize(self, _remove, container)

    def stop(self) -> None:
        if self._final_log is None:
            self._final_log = _logs(self._container, 200)
            self._cleanup()

    def kill(self) -> None:
        if self._final_log is not None:  # stopped: the container is gone
            return
        wrapped = self._container.get_wrapped_container()
        wrapped.reload()
        if wrapped.status == "running":
            wrapped.kill()
            wrapped.wait()

    def log_tail(self, lines: int = 20) -> str:
        if self._final_log is not None:
            return "\n".join(self._final_log.splitlines()[-lines:])
        return _logs(self._container, lines)


def start_container(
    protocol: str,
    *,
    image: str | None = None,
    startup_timeout: float = 20.0,
    jetstream: bool = False,
) -> ContainerBroker:
    """Start the protocol's broker image and wait until it serves on the mapped port."""
    problem = docker_problem()
    if problem is not None:
        raise BrokerError(problem, hint=_DOCKER_HINT)
    image = image or DEFAULT_IMAGES[protocol]
    attempt = 1
    while True:
        container, host, port = _create(protocol, image, jetstream)
        try:
            container.start()
            if protocol == "nats":
                host = container.get_container_host_ip()
                port = container.get_exposed_port(_NATS_PORT)
        except Exception as exc:  # docker and testcontainers raise many kinds
            tail = _logs(container, 20)
            _remove(container)
            if attempt < _ATTEMPTS and _PORT_TAKEN.search(str(exc)):
                attempt += 1
                continue
            raise BrokerError(
                f"container {image} could not be started: {_short(exc)}",
                hint=_start_hint(exc),
                log_tail=tail,
            ) from None
        break
    _wait_ready(protocol, container, image, Address(host, port), startup_timeout)
    return ContainerBroker(protocol, container, host, port)


def _create(protocol: str, image: str, jetstream: bool) -> tuple[DockerContainer, str, int]:
    """The container, and for Kafka the host and port chosen before it starts."""
    from testcontainers.core.container import DockerContainer

    container = DockerContainer(image)
    if protocol == "nats":
        container.with_exposed_ports(_NATS_PORT)
        if jetstream:
            container.with_command(["-js"])
        return container, "", 0
    host = container.get_docker_client().host()
    port = probes.free_port()
    container.with_bind_ports(_KAFKA_PORT, port)
    container.with_envs(**kafka_environment(f"{host}:{port}"))
    return container, host, port


def _wait_ready(
    protocol: str, container: DockerContainer, image: str, address: Address, timeout: float
) -> None:
    try:
        probes.poll_until_ready(
            lambda t: probes.ready(protocol, address, t),
            lambda interval: _exited(container, interval),
            timeout,
        )
        if protocol == "kafka":
            _check_advertised(address, probes.kafka_brokers(address, 2.0), image)
    except (probes.NotReady, BrokerError) as exc:
        tail = _logs(container, 20)
        _remove(container)
        if isinstance(exc, BrokerError):
            raise BrokerError(exc.problem, hint=exc.hint, log_tail=tail) from None
        raise BrokerError(
            f"container {image} at {address.hostport} did not become ready: {exc}",
            hint="check the image (NATS: entrypoint nats-server; Kafka: apache/kafka or Tansu), "
            "or raise the startup timeout",
            log_tail=tail,
        ) from None


def _check_advertised(address: Address, brokers: list[Address], image: str) -> None:
    if all(b.port != address.port for b in brokers):
        listed = ", ".join(b.hostport for b in brokers)
        raise BrokerError(
            f"container {image} is reachable at {address.hostport} but advertises {listed}: "
            "Kafka clients would be sent to the wrong address",
            hint="use an image that honours KAFKA_ADVERTISED_LISTENERS (apache/kafka) "
            "or ADVERTISED_LISTENER_URL (Tansu)",
        )


def _exited(container: DockerContainer, interval: float) -> str | None:
    threading.Event().wait(interval)
    wrapped = container.get_wrapped_container()
    wrapped.reload()
    if wrapped.status in ("exited", "dead"):
        return f"the container exited with code {wrapped.attrs['State']['ExitCode']}"
    return None


def _logs(container: DockerContainer, lines: int) -> str:
    try:
        data: bytes = container.get_wrapped_container().logs(tail=lines)
    except Exception:  # the container is gone: no log to show
        return ""
    return data.decode("utf-8", errors="replace").rstrip("\n")


def _remove(container: DockerContainer) -> None:
    try:
        container.stop()
    except Exception:  # already removed, or the engine went away: nothing left to clean up
        return


def _start_hint(exc: Exception) -> str:
    text = str(exc)
    if "ryuk" in text.lower():
        return "set TESTCONTAINERS_RYUK_DISABLED=true when the reaper image cannot be pulled"
    if "pull" in text.lower() or "not found" in text.lower() or "no such host" in text.lower():
        return (
            "the image is not present locally and cannot be pulled: "
            "build or load it, or pass another image"
        )
    return _DOCKER_HINT


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
