"""JetStream on the plugin's local broker: streams declared up front, a store that is removed."""

from __future__ import annotations

import asyncio

import nats
import pytest

from pytest_asyncapi.brokers.nats.streams import declare_streams
from pytest_asyncapi.brokers.provision import provision
from pytest_asyncapi.errors import BrokerError


async def _publish(url: str, subject: str) -> str:
    client = await nats.connect(url)
    try:
        ack = await client.jetstream().publish(subject, b"{}")
        return str(ack.stream)
    finally:
        await client.close()


def test_declared_streams_take_js_publish_and_the_store_is_removed() -> None:
    with provision("nats", "local", jetstream=True) as broker:
        url = broker.endpoint.url
        declare_streams(url, {"ORDERS": ("orders.>",), "AUDIT": ("audit.*", "log.*")})
        declare_streams(url, {"ORDERS": ("orders.>",)})  # the same stream again: kept
        assert asyncio.run(_publish(url, "orders.created")) == "ORDERS"
        assert asyncio.run(_publish(url, "log.x")) == "AUDIT"
        store = broker._workdir / "jetstream"  # type: ignore[attr-defined]
        assert store.is_dir()
        with pytest.raises(BrokerError, match="JetStream refused stream ORDERS") as caught:
            declare_streams(url, {"ORDERS": ("other.>",)})
        assert "fix --asyncapi-nats-stream" in str(caught.value)
    assert not store.exists()


def test_a_server_without_jetstream_is_named() -> None:
    with provision("nats", "local") as broker, pytest.raises(BrokerError) as caught:
        declare_streams(broker.endpoint.url, {"ORDERS": ("orders.>",)})
    assert "has no JetStream, so stream ORDERS cannot be created" in str(caught.value)
    assert "--asyncapi-jetstream" in str(caught.value)
