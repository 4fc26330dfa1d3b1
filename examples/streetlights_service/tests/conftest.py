"""Fixtures: the controller under test, connected to the broker pytest-asyncapi started."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest_asyncio
from streetlights_service import StreetlightsController

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from pytest_asyncapi.plugin.session import BrokerInfo


@pytest_asyncio.fixture
async def controller(asyncapi_broker: BrokerInfo) -> AsyncIterator[StreetlightsController]:
    """A running controller, subscribed to every streetlight's measurements."""
    async with StreetlightsController(asyncapi_broker.url) as running:
        yield running
