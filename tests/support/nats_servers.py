"""Real nats-servers the NATS capture tests start themselves: a config file, a fixed port,
restartable on that same port (a broker restarted mid-session)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers import probes
from pytest_asyncapi.brokers.endpoints import Address
from pytest_asyncapi.brokers.local_binary import find_binary
from pytest_asyncapi.brokers.nats.provisioning import nats_info

if TYPE_CHECKING:
    from types import TracebackType


RUNNING: dict[str, NatsServer] = {}
"""Servers an in-process pytester run can reach by name (e.g. to restart one mid-session)."""


class NatsServer:
    """``nats-server -c config`` on ``port``; ``restart()`` brings it back on the same port."""

    def __init__(self, workdir: Path, config: str = "") -> None:
        self.port = probes.free_port()
        self.config = workdir / "nats.conf"
        self.config.write_text(f"listen: 127.0.0.1:{self.port}\n{config}")
        self.log = workdir / "nats.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def url_for(self, user: str, password: str) -> str:
        return f"nats://{user}:{password}@127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                [str(find_binary("nats")), "-c", str(self.config)], stdout=log, stderr=log
            )
        process = self._process
        probes.poll_until_ready(
            lambda timeout: nats_info(Address("127.0.0.1", self.port), timeout),
            lambda _: None if process.poll() is None else f"nats-server exited: {self.tail()}",
            20,
        )
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
