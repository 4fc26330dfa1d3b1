"""Publish helpers for aio-pika in generated packages (``codegen``): to the channel's exchange
with the routing key (queue channels: the default exchange, the queue name), headers as the
message's headers table."""

from __future__ import annotations

from pytest_asyncapi.brokers.amqp import channel_exchange
from pytest_asyncapi.brokers.publishing import Publish, PublishHelpers

CLIENT = '''

class AmqpExchange(Protocol):
    """What the helpers need of an ``aio_pika`` exchange."""

    async def publish(self, message: Any, routing_key: str) -> Any: ...


class AmqpChannel(Protocol):
    """What the helpers need of an ``aio_pika`` channel."""

    @property
    def default_exchange(self) -> AmqpExchange: ...

    async def get_exchange(self, name: str) -> AmqpExchange: ...


def message(body: bytes, headers: dict[str, Any] | None = None) -> Any:
    """An ``aio_pika.Message`` (needs aio-pika)."""
    from aio_pika import Message  # type: ignore[import-not-found, unused-ignore]

    return Message(body, headers=headers)
'''


def _call(publish: Publish) -> list[str]:
    exchange = channel_exchange(publish.channel)
    target = f"await client.get_exchange({exchange!r})" if exchange else "client.default_exchange"
    headers = f", dict({publish.headers})" if publish.headers else ""
    return [
        f"exchange = {target}",
        f"return await exchange.publish(message({publish.payload}{headers}), "
        f"{publish.destination})",
    ]


HELPERS = PublishHelpers(
    library="aio-pika",
    client_type="AmqpChannel",
    client_text=CLIENT,
    returns="Any",
    call=_call,
    typing_names=("Any", "Protocol"),
)
