"""Fixtures: the service under test, connected to the broker pytest-asyncapi started."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest_asyncio
from signup_service import SignupService

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from pytest_asyncapi.session import BrokerInfo


@pytest_asyncio.fixture
async def service(asyncapi_broker: BrokerInfo, tmp_path: Path) -> AsyncIterator[SignupService]:
    """A running service on a fresh database; stopped gracefully after the test."""
    async with SignupService(tmp_path / "users.db", asyncapi_broker.url) as running:
        yield running
