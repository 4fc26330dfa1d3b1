"""Publish helpers for aiokafka in generated packages (``codegen``): the record key, headers as
``(name, bytes)`` pairs."""

from __future__ import annotations

from pytest_asyncapi.brokers.publishing import Publish, PublishHelpers

CLIENT = '''

class KafkaProducer(Protocol):
    """What the helpers need of an ``aiokafka.AIOKafkaProducer``."""

    async def send_and_wait(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Any: ...
'''


def _call(publish: Publish) -> list[str]:
    lines = []
    call = f"return await client.send_and_wait({publish.destination}, {publish.payload}"
    if publish.key:
        call += f", key={publish.key}.encode()"
    if publish.headers:
        lines.append(f"sent = [(name, value.encode()) for name, value in {publish.headers}]")
        call += ", headers=sent"
    return [*lines, call + ")"]


HELPERS = PublishHelpers(
    library="aiokafka",
    client_type="KafkaProducer",
    client_text=CLIENT,
    returns="Any",
    call=_call,
    typing_names=("Any", "Protocol"),
)
