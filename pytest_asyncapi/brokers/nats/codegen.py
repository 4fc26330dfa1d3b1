"""Publish helpers for nats-py in generated packages (``codegen``): headers as a dict of text."""

from __future__ import annotations

from pytest_asyncapi.brokers.publishing import Publish, PublishHelpers

CLIENT = '''

class NatsClient(Protocol):
    """What the helpers need of a ``nats.aio.client.Client``."""

    async def publish(
        self,
        subject: str,
        payload: bytes = b"",
        reply: str = "",
        headers: dict[str, str] | None = None,
    ) -> None: ...
'''


def _call(publish: Publish) -> list[str]:
    call = f"await client.publish({publish.destination}, {publish.payload}"
    if publish.headers:
        call += f", headers=dict({publish.headers})"
    return [call + ")"]


HELPERS = PublishHelpers(
    library="nats-py", client_type="NatsClient", client_text=CLIENT, returns="None", call=_call
)
