"""A real nats-server that requires a user and password (for the masking tests)."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers import probes
from pytest_asyncapi.brokers.endpoints import Address
from pytest_asyncapi.brokers.local_binary import find_binary
from pytest_asyncapi.brokers.nats.provisioning import nats_info

if TYPE_CHECKING:
    from collections.abc import Iterator

USER, PASSWORD = "bob", "s3cr3t-pa55"


@contextmanager
def nats_with_password() -> Iterator[int]:
    """A nats-server on a free loopback port that accepts only ``USER``/``PASSWORD``."""
    port = probes.free_port()
    command = [str(find_binary("nats")), "-a", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(
        [*command, "--user", USER, "--pass", PASSWORD],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        probes.poll_until_ready(
            lambda t: nats_info(Address("127.0.0.1", port), t),
            lambda interval: None if process.poll() is None else "nats-server exited",
            20,
        )
        yield port
    finally:
        process.terminate()
        process.wait(10)
