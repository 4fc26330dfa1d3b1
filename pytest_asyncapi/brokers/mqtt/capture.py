"""MQTT capture with paho-mqtt: one MQTT 5 connection, one catch-all subscription, exact drains.

The capture connection always speaks MQTT 5 (whatever the service speaks: a 3.1.1 publisher's
messages arrive without user properties), because three subscription options make capture
exact and side-effect free:

- ``#`` with **No Local**: the adapter's own publishes are never delivered back to it;
- **Retain As Published**: a message published with the retain flag keeps it on delivery, so
  the record says ``retained=True``;
- **Retain Handling 2**: subscribing does not replay what the broker retained before the test.

``#`` covers every topic but those starting with ``$`` (MQTT 4.7.2); declared patterns that
start with ``$`` are subscribed to as well. One subscription per message means one copy per
message, however the declared patterns overlap.

**Drain.** MQTT has no offsets. A server forwards the messages of one publisher in order, and
the messages of a topic to a subscriber in order at one QoS (MQTT 5 §4.6); a broker that queues
a PUBLISH for its subscribers before it acknowledges it (mosquitto does, single-threaded)
therefore has queued, to this connection, every message whose PUBACK came before the drain
began, ahead of anything published later. ``drain`` publishes a marker (QoS 1) to a private
topic that this connection subscribes to (QoS 1, without No Local) and waits for it to come
back: everything acknowledged before the drain arrived before the marker. The capture
subscription is QoS 1 too, so messages and markers share one ordered flow (QoS 0 messages are
sent no later than the QoS 1 ones queued after them).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.brokers.base import CaptureAdapter
from pytest_asyncapi.captured import Captured
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

MARKER_PREFIX = "asyncapi-capture/"
"""Topics of drain markers; messages under it are never recorded (another capture's markers)."""

DRAIN_TIMEOUT = 30.0
"""Seconds a drain waits for its marker before the broker counts as unresponsive."""


def split_url(url: str) -> tuple[str, int]:
    """``mqtt://host:port`` -> ``(host, port)``."""
    from pytest_asyncapi.brokers.endpoints import split_url as addresses

    address = addresses(url)[1][0]
    return address.host, address.port


class MqttCapture(CaptureAdapter):
    """Capture and publish on one MQTT 5 broker through paho-mqtt's network thread."""

    protocol = "mqtt"

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 10.0,
        qos: Sequence[tuple[str, int]] = (),
        default_qos: int = 1,
    ) -> None:
        """``qos``: ``(topic regex, qos)`` rules from the document's MQTT bindings; the first
        whose regex matches a topic says the QoS of a publish there, else ``default_qos``."""
        self.url = url
        self._connect_timeout = connect_timeout
        self._qos = [(re.compile(pattern), level) for pattern, level in qos]
        self._default_qos = default_qos
        self._id = "asyncapi-" + uuid.uuid4().hex[:16]
        self._marker_topic = f"{MARKER_PREFIX}{self._id}"
        self._cond = threading.Condition()
        self._records: list[Captured] = []
        self._seq = 0
        self._markers_seen = 0
        self._markers_sent = 0
        self._connected = False
        self._gone: str | None = None
        self._closed = False
        self._acks: dict[int, list[int] | None] = {}
        self._client: Any = None

    # -- paho callbacks (network thread) ---------------------------------------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        with self._cond:
            if reason.is_failure:
                self._gone = f"the broker refused the connection: {reason}"
            else:
                self._connected = True
            self._cond.notify_all()

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        with self._cond:
            if self._gone is None:
                self._gone = f"connection to the MQTT broker lost ({reason})"
            self._cond.notify_all()

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        with self._cond:
            self._acks[mid] = [int(r.value) for r in reasons]
            self._cond.notify_all()

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        topic = message.topic
        with self._cond:
            if topic == self._marker_topic:
                self._markers_seen = max(self._markers_seen, int(message.payload))
                self._cond.notify_all()
                return
            if topic.startswith(MARKER_PREFIX):
                return
            properties = message.properties
            pairs = getattr(properties, "UserProperty", None) if properties else None
            headers = tuple((k, v.encode()) for k, v in pairs) if pairs else None
            self._seq += 1
            self._records.append(
                Captured(
                    destination=topic,
                    payload=bytes(message.payload),
                    headers=headers,
                    time=time.time(),
                    seq=self._seq,
                    retained=bool(message.retain),
                )
            )
            self._cond.notify_all()

    # -- the adapter -----------------------------------------------------------------------

    def _wait(self, done: Any, timeout: float, what: str) -> None:
        """Wait (holding the condition) until ``done()``; ``BrokerError`` when the connection
        is gone or nothing came within ``timeout``."""
        deadline = time.monotonic() + timeout
        while not done():
            if self._gone is not None:
                raise BrokerError(self._gone)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrokerError(
                    f"the MQTT broker at {self.url} did not {what} within {timeout:g} s"
                )
            self._cond.wait(remaining)

    def _check(self) -> None:
        if self._closed:
            raise BrokerError("the MQTT capture is closed")
        if self._gone is not None:
            raise BrokerError(self._gone)

    def start(self, destinations: Sequence[str]) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion
        from paho.mqtt.subscribeoptions import SubscribeOptions

        host, port = split_url(self.url)
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self._id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,
        )
        client.max_queued_messages_set(0)
        client.max_inflight_messages_set(1000)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client
        try:
            client.connect(host, port, keepalive=30, clean_start=True)
        except OSError as exc:
            raise BrokerError(f"cannot connect to the MQTT broker at {self.url}: {exc}") from None
        client.loop_start()
        capture = SubscribeOptions(
            qos=1,
            noLocal=True,
            retainAsPublished=True,
            retainHandling=SubscribeOptions.RETAIN_DO_NOT_SEND,
        )
        topics = [("#", capture)]
        topics += [(d, capture) for d in dict.fromkeys(destinations) if d.startswith("$")]
        topics.append((self._marker_topic, SubscribeOptions(qos=1)))
        with self._cond:
            self._wait(lambda: self._connected, self._connect_timeout, "accept the connection")
            result, mid = client.subscribe(topics)
            if result != mqtt.MQTT_ERR_SUCCESS or mid is None:
                raise BrokerError(f"cannot subscribe on the MQTT broker at {self.url}: {result}")
            self._wait(lambda: mid in self._acks, self._connect_timeout, "acknowledge SUBSCRIBE")
            granted = self._acks.pop(mid) or []
        refused = [t for (t, _), code in zip(topics, granted, strict=False) if code >= 0x80]
        if refused:
            raise BrokerError(f"the MQTT broker at {self.url} refused subscriptions: {refused}")

    def drain(self, *, settle: bool = True) -> list[Captured]:
        self._check()
        with self._cond:
            self._markers_sent += 1
            marker = self._markers_sent
        self._publish(self._marker_topic, str(marker).encode(), None, qos=1)
        with self._cond:
            returned = lambda: self._markers_seen >= marker  # noqa: E731
            self._wait(returned, DRAIN_TIMEOUT, "return the drain marker")
            records, self._records = self._records, []
        return records

    def take(self, timeout: float) -> list[Captured]:
        self._check()
        with self._cond:
            self._cond.wait_for(lambda: self._records or self._gone is not None, timeout)
            records, self._records = self._records, []
        return records

    def publish(
        self,
        destination: str,
        payload: bytes,
        headers: Mapping[str, str] | None = None,
        key: bytes | None = None,
        *,
        reply: str | None = None,
    ) -> None:
        if reply is not None:
            raise BrokerError("MQTT has no reply address: declare a reply channel")
        if key is not None:
            raise BrokerError("MQTT messages have no key")
        self._check()
        self._publish(destination, payload, headers, qos=self.qos_for(destination))

    def qos_for(self, topic: str) -> int:
        """The QoS a publish on ``topic`` uses (the bindings' rule, else the default)."""
        return next((q for regex, q in self._qos if regex.fullmatch(topic)), self._default_qos)

    def _publish(
        self, topic: str, payload: bytes, headers: Mapping[str, str] | None, *, qos: int
    ) -> None:
        properties = None
        if headers:
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties

            properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            properties.UserProperty = [(str(k), str(v)) for k, v in headers.items()]
        info = self._client.publish(topic, payload, qos=qos, properties=properties)
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while not info.is_published():
            with self._cond:
                if self._gone is not None:
                    raise BrokerError(self._gone)
            if time.monotonic() > deadline:
                raise BrokerError(f"the MQTT broker at {self.url} did not acknowledge a publish")
            try:
                info.wait_for_publish(0.05)  # wakes on the PUBACK; the loop checks the link
            except (RuntimeError, ValueError) as exc:
                problem = f"cannot publish to the MQTT broker at {self.url}: {exc}"
                raise BrokerError(problem) from None

    def notes(self) -> list[str]:
        return []

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        client = self._client
        if client is not None:
            with self._cond:
                if self._gone is None:
                    self._gone = "the MQTT capture is closed"
            client.disconnect()
            client.loop_stop()
