"""Fixtures: the service under test, connected to the broker pytest-asyncapi started and to
the schema registry the plugin reads writer schemas from."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import pytest_asyncio
from telemetry_service import SchemaRegistry, TelemetryService

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from pytest_asyncapi.plugin.session import BrokerInfo


@pytest.fixture
def registry_url(pytestconfig: pytest.Config) -> str:
    """The registry the plugin checks writer schemas with (``--asyncapi-schema-registry``)."""
    url = pytestconfig.getoption("asyncapi_schema_registry") or pytestconfig.getini(
        "asyncapi_schema_registry"
    )
    assert url, "the example's conftest.py sets --asyncapi-schema-registry"
    return str(url)


@pytest.fixture
def registry(registry_url: str) -> SchemaRegistry:
    return SchemaRegistry(registry_url)


@pytest_asyncio.fixture
async def service(
    asyncapi_broker: BrokerInfo, registry_url: str
) -> AsyncIterator[TelemetryService]:
    """A running service: writer schema registered, producer connected."""
    async with TelemetryService(asyncapi_broker.servers, registry_url) as running:
        yield running
