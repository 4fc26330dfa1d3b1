"""Fixtures: the service under test, connected to the broker pytest-asyncapi started.

One service for the whole test module: joining a Kafka consumer group takes seconds (on Tansu
half the session timeout), which a long-running service pays once, not once per test. Each
test works on its own orders, so sharing the service does not couple the tests; the tests run
in the module's event loop (``pytest.mark.asyncio(loop_scope="module")``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest_asyncio
from orders_service import OrdersService

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from pytest_asyncapi.plugin.session import BrokerInfo


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(asyncapi_broker: BrokerInfo) -> AsyncIterator[OrdersService]:
    """A running service: producer connected, payments consumer in its group."""
    async with OrdersService(asyncapi_broker.servers) as running:
        yield running
