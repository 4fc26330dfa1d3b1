"""Fixtures: the service under test, connected to the broker pytest-asyncapi started."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import pytest_asyncio
from signup_service import ServiceThread, SignupService

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from pytest_asyncapi.plugin.session import BrokerInfo


@pytest_asyncio.fixture
async def service(asyncapi_broker: BrokerInfo, tmp_path: Path) -> AsyncIterator[SignupService]:
    """A running service on a fresh database; stopped gracefully after the test."""
    async with SignupService(tmp_path / "users.db", asyncapi_broker.url) as running:
        yield running


@pytest.fixture
def service_thread(asyncapi_broker: BrokerInfo, tmp_path: Path) -> Iterator[ServiceThread]:
    """The service on its own event loop in a thread, for synchronous tests."""
    with ServiceThread(tmp_path / "users.db", asyncapi_broker.url) as running:
        yield running
