"""Brokers run as a local process (NATS: ``nats-server``; Kafka: Tansu), as each protocol's
registry description says (``LocalRecipe``: where the binary is, its command line).

Each runs under :mod:`~pytest_asyncapi.brokers.watchdog`, which holds the read end of a pipe
that only this process writes to: whatever ends this process (SIGTERM, SIGKILL, ``os._exit``),
the pipe closes, and the watchdog stops the broker and removes its temp dir.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import weakref
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.brokers import probes, registry, watchdog
from pytest_asyncapi.brokers.endpoints import Address, ProvisionedBroker, endpoint
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    import ssl

_PORT_TAKEN = re.compile(r"address (already )?in use", re.IGNORECASE)
_ATTEMPTS = 3  # a free port can be taken between choosing it and the broker binding it


class BinaryNotFound(BrokerError):
    """No broker binary for the protocol on this machine."""


def find_binary(protocol: str) -> Path:
    """The broker executable for ``protocol``; raises ``BinaryNotFound`` naming where it looked."""
    recipe = registry.describe(protocol).local
    found = recipe.find()
    if found is None:
        raise BinaryNotFound(recipe.not_found, hint=recipe.install_hint)
    return Path(found)


def _command(
    protocol: str, binary: Path, port: int, workdir: Path, jetstream: bool, config: Path | None
) -> list[str]:
    return registry.describe(protocol).local.command(binary, port, workdir, jetstream, config)


class LocalBroker(ProvisionedBroker):
    """A broker process on a loopback port; its output goes to a log file in a temp dir."""

    def __init__(
        self,
        protocol: str,
        process: _Watched,
        command: list[str],
        port: int,
        workdir: Path,
    ) -> None:
        self.endpoint = endpoint(protocol, "127.0.0.1", port, "local")
        self.description = f"local {Path(command[0]).name} ({command[0]})"
        self._process = process
        self._workdir = workdir
        self._final_log: str | None = None
        self._cleanup = weakref.finalize(self, _cleanup, process, workdir)

    def stop(self) -> None:
        if self._final_log is None:
            _terminate(self._process)
            self._final_log = _read_tail(self._workdir / "broker.log", 200)
            self._cleanup()

    def kill(self) -> None:
        self._process.kill_broker()

    def log_tail(self, lines: int = 20) -> str:
        if self._final_log is not None:
            return "\n".join(self._final_log.splitlines()[-lines:])
        return _read_tail(self._workdir / "broker.log", lines)


def start_local(
    protocol: str,
    *,
    startup_timeout: float = 20.0,
    jetstream: bool = False,
    config: Path | None = None,
    tls: ssl.SSLContext | None = None,
) -> LocalBroker:
    """Start the protocol's broker binary on a free loopback port and wait until it serves.

    NATS only: ``jetstream`` enables JetStream with its store in the broker's temp dir (removed
    on stop); ``config`` is a nats-server config file (auth, TLS, accounts; its listen address
    and port are overridden, relative paths in it are read from its folder); ``tls`` is the
    context the readiness probe needs for a TLS-first server.
    """
    binary = find_binary(protocol)
    workdir = Path(tempfile.mkdtemp(prefix=f"pytest-asyncapi-{protocol}-"))
    log_path = workdir / "broker.log"
    attempt = 1
    while True:
        port = probes.free_port()
        command = _command(protocol, binary, port, workdir, jetstream, config)
        with log_path.open("wb") as log:
            process = _Watched.spawn(
                command,
                workdir,
                log,
                cwd=config.parent if config else None,
                stop_signal=registry.describe(protocol).local.stop_signal,
            )
        try:
            probes.poll_until_ready(
                lambda t: probes.ready(protocol, Address("127.0.0.1", port), t, tls),  # noqa: B023
                lambda interval: _exited(process, interval),  # noqa: B023
                startup_timeout,
            )
        except probes.NotReady as exc:
            _terminate(process)
            tail = _read_tail(log_path, 20)
            if attempt < _ATTEMPTS and _PORT_TAKEN.search(tail):
                attempt += 1
                continue
            _cleanup(process, workdir)
            raise BrokerError(
                f"local {binary.name} on 127.0.0.1:{port} did not become ready: {exc}",
                hint=f"try it by hand: {' '.join(command)}",
                log_tail=tail,
            ) from None
        return LocalBroker(protocol, process, command, port, workdir)


@dataclass
class _Watched:
    """A broker under its watchdog: the watchdog process and the pipe that keeps it waiting."""

    watchdog: subprocess.Popen[bytes]
    pipe: int | None
    workdir: Path

    @classmethod
    def spawn(
        cls,
        command: list[str],
        workdir: Path,
        log: Any,
        cwd: Path | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> _Watched:
        read_end, write_end = os.pipe()  # not inheritable: no other child keeps it open
        watched = [str(workdir), str(int(stop_signal)), *command]
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", watchdog.__file__, *watched],
                stdin=read_end,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd or workdir,
                env={**os.environ, "NO_COLOR": "1"},
                start_new_session=True,
            )
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
        return cls(process, write_end, workdir)

    def wait(self, timeout: float | None = None) -> int:
        return self.watchdog.wait(timeout)

    def stop(self) -> None:
        """An orderly stop: the watchdog terminates the broker and leaves the dir to us."""
        if self.pipe is not None:
            with suppress(OSError):  # the watchdog may be gone already
                os.write(self.pipe, watchdog.KEEP)
            os.close(self.pipe)
            self.pipe = None
        if not _exits_within(self.watchdog, 10):
            self.watchdog.kill()  # the broker follows it (parent-death signal)
            self.watchdog.wait()

    def kill_broker(self) -> None:
        """SIGKILL the broker itself; the watchdog then exits with its status."""
        if self.watchdog.poll() is not None:
            return
        try:
            pid = int((self.workdir / watchdog.PID_FILE).read_text())
        except (OSError, ValueError):
            self.watchdog.kill()  # no pid yet: the parent-death signal takes the broker
        else:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.watchdog.wait()


def _exits_within(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Whether ``process`` exits within ``timeout``, known the moment it does: a thread blocks
    in ``wait`` (``Popen.wait(timeout)`` polls, with sleeps growing to 50 ms)."""
    waiter = threading.Thread(target=process.wait, name="pytest-asyncapi-broker-stop", daemon=True)
    waiter.start()
    waiter.join(timeout)
    return not waiter.is_alive()


def _exited(process: _Watched, interval: float) -> str | None:
    try:
        code = process.wait(timeout=interval)
    except subprocess.TimeoutExpired:
        return None
    return f"the process exited with code {code}"


def _terminate(process: _Watched) -> None:
    process.stop()


def _cleanup(process: _Watched, workdir: Path) -> None:
    _terminate(process)
    shutil.rmtree(workdir, ignore_errors=True)


def _read_tail(path: Path, lines: int) -> str:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
