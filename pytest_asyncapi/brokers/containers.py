"""Brokers in a container, through testcontainers and a Docker engine.

Each protocol's registry description says how (``ContainerRecipe``): the pinned default image
(``image=`` replaces it), what to set before the start (NATS: ``nats-server`` entrypoint, a
Docker-mapped port; Kafka: a host port chosen before the start so that the advertised listener
can name it, with the environment of both apache/kafka and Tansu — see
``brokers/kafka/provisioning.py``) and any check once the probe passed.

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

from pytest_asyncapi.brokers import probes, registry
from pytest_asyncapi.brokers.endpoints import Address, ProvisionedBroker, endpoint
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

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
    recipe = registry.describe(protocol).container
    image = image or recipe.image
    attempt = 1
    while True:
        container, chosen = _create(recipe, image, jetstream)
        try:
            container.start()
            if chosen is None:
                assert recipe.mapped_port is not None
                host = container.get_container_host_ip()
                port = int(container.get_exposed_port(recipe.mapped_port))
            else:
                host, port = chosen
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


def _create(
    recipe: registry.ContainerRecipe, image: str, jetstream: bool
) -> tuple[DockerContainer, tuple[str, int] | None]:
    """The container, and the host and port chosen before it starts (``None``: mapped by
    Docker, read after the start)."""
    from testcontainers.core.container import DockerContainer

    container = DockerContainer(image)
    return container, recipe.prepare(container, jetstream)


def _wait_ready(
    protocol: str, container: DockerContainer, image: str, address: Address, timeout: float
) -> None:
    try:
        probes.poll_until_ready(
            lambda t: probes.ready(protocol, address, t),
            lambda interval: _exited(container, interval),
            timeout,
        )
        check_ready = registry.describe(protocol).container.check_ready
        if check_ready is not None:
            check_ready(address, image)
    except (probes.NotReady, BrokerError) as exc:
        tail = _logs(container, 20)
        _remove(container)
        if isinstance(exc, BrokerError):
            raise BrokerError(exc.problem, hint=exc.hint, log_tail=tail) from None
        images = "; ".join(d.container.image_hint for d in registry.descriptions())
        raise BrokerError(
            f"container {image} at {address.hostport} did not become ready: {exc}",
            hint=f"check the image ({images}), or raise the startup timeout",
            log_tail=tail,
        ) from None


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
