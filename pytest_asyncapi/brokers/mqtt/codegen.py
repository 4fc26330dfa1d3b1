"""Publish helpers for aiomqtt (paho-mqtt's MQTT 5 properties) in generated packages
(``codegen``): QoS from the operations' ``bindings.mqtt.qos``, headers as user properties."""

from __future__ import annotations

from pytest_asyncapi.brokers.mqtt import channel_qos
from pytest_asyncapi.brokers.publishing import Publish, PublishHelpers

CLIENT = '''

class MqttClient(Protocol):
    """What the helpers need of an ``aiomqtt.Client`` (MQTT 5 when messages have headers)."""

    async def publish(
        self,
        topic: str,
        payload: bytes | None = None,
        qos: int = 0,
        retain: bool = False,
        properties: Any = None,
    ) -> None: ...


def user_properties(headers: list[tuple[str, str]]) -> Any:
    """MQTT 5 PUBLISH properties carrying ``headers`` as user properties (needs paho-mqtt)."""
    from paho.mqtt import packettypes, properties  # type: ignore[import-not-found, unused-ignore]

    make: Any = properties.Properties  # its constructor is untyped
    found = make(packettypes.PacketTypes.PUBLISH)
    found.UserProperty = headers
    return found
'''


def _call(publish: Publish) -> list[str]:
    call = f"await client.publish({publish.destination}, {publish.payload}"
    qos = channel_qos(publish.spec, publish.channel)
    if qos:
        call += f", qos={qos}"
    if publish.headers:
        call += f", properties=user_properties({publish.headers})"
    return [call + ")"]


HELPERS = PublishHelpers(
    library="aiomqtt",
    client_type="MqttClient",
    client_text=CLIENT,
    returns="None",
    call=_call,
    typing_names=("Any", "Protocol"),
)
