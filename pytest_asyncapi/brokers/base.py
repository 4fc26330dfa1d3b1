"""The one small interface every protocol's capture adapter implements.

An adapter owns one connection to a broker, records what is published on the destinations it
was asked to watch (and on any other, through a catch-all), and can publish. It never
validates: the receive path only appends :class:`Captured` records (validation is done later,
off that path, by :mod:`pytest_asyncapi.contract`).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


CAPTURE_GAP = "(capture connection)"
"""The destination of a record that stands for a gap in capture (``defect`` names it)."""


@dataclass(frozen=True)
class Captured:
    """One message as it was seen on the broker.

    ``headers`` are ``(name, raw value)`` pairs in wire order (a name may repeat), ``None``
    when the message has no header block. ``destination`` is the concrete NATS subject or
    Kafka topic; ``time`` is ``time.time()`` at
    receipt; ``seq`` is the adapter's capture order. Kafka fills ``partition``/``offset``/``key``.
    ``reply`` is the reply address the sender asked for (NATS reply subject), if any;
    ``defect`` says what was wrong with a frame the adapter could not read normally (a
    malformed header block, a subject that is not UTF-8): the judge reports it as invalid.
    ``tombstone`` marks a Kafka record whose value is null (``payload`` is then ``b""``): it is
    judged as the JSON value ``null``. ``retained`` marks a message published with the retain
    flag (MQTT: the broker keeps it for later subscribers); the judge treats it like any other.
    """

    destination: str
    payload: bytes
    headers: tuple[tuple[str, bytes], ...] | None
    time: float
    seq: int
    key: bytes | None = None
    partition: int | None = None
    offset: int | None = None
    timestamp_ms: int | None = field(default=None, compare=False)
    reply: str | None = None
    defect: str | None = None
    tombstone: bool = False
    retained: bool = False

    def header(self, name: str) -> bytes | None:
        """The first value of header ``name`` (``None`` when absent)."""
        return next((value for key, value in self.headers or () if key == name), None)


class CaptureAdapter(abc.ABC):
    """Capture and publish on one broker. Thread-safe: the pytest thread calls every method."""

    protocol: str = ""

    @abc.abstractmethod
    def start(self, destinations: Sequence[str]) -> None:
        """Watch ``destinations`` (protocol-level patterns) plus a catch-all for the rest.

        Return only once the broker has confirmed every subscription, so that a message
        published after ``start`` returns is captured.
        """

    @abc.abstractmethod
    def drain(self, *, settle: bool = True) -> list[Captured]:
        """Every record received since the previous ``drain``/``take``, in capture order,
        after making sure that what was published before this call has been delivered.

        ``settle=False`` skips the quiet window of drains that are a round trip plus a
        window (NATS), for the cheap drain at the start of a test; exact drains (Kafka)
        ignore it. Raise :class:`~pytest_asyncapi.errors.BrokerError` when the broker is
        gone."""

    @abc.abstractmethod
    def take(self, timeout: float) -> list[Captured]:
        """Records received since the previous ``drain``/``take``; wait up to ``timeout``
        seconds for at least one (no delivery guarantee; used while a test is running)."""

    @abc.abstractmethod
    def publish(
        self,
        destination: str,
        payload: bytes,
        headers: Mapping[str, str] | None = None,
        key: bytes | None = None,
        *,
        reply: str | None = None,
    ) -> None:
        """Publish one message and return once the broker has accepted it.
        Messages the adapter publishes itself are not captured. ``reply`` is the reply
        subject of a request (NATS); protocols without one refuse it."""

    def notes(self) -> list[str]:
        """What the session summary must say about this capture (e.g. what it cannot see)."""
        return []

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection; idempotent."""
