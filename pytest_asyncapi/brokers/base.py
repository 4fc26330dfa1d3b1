"""The one small interface every protocol's capture adapter implements.

An adapter owns one connection to a broker, records what is published on the destinations it
was asked to watch (and on any other, through a catch-all), and can publish. It never
validates itself: the receive path appends :class:`~pytest_asyncapi.captured.Captured` records,
judged later by :mod:`pytest_asyncapi.check`; an adapter that builds its records in its own
thread first hands each list to :attr:`CaptureAdapter.observer` (the recorder counts valid
ones there, while the test runs).
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from pytest_asyncapi.captured import Captured

    PlainCounter = Callable[[str, Sequence[bytes]], list[int] | None]
    """``counter(destination, payloads)``: the indices of the payloads not counted, in order
    (``None``: none counted), as :class:`~pytest_asyncapi.check.fast_path.PlainCount`."""


CAPTURE_GAP = "(capture connection)"
"""The destination of a record that stands for a gap in capture (``defect`` names it)."""


class CaptureAdapter(abc.ABC):
    """Capture and publish on one broker. Thread-safe: the pytest thread calls every method."""

    protocol: str = ""
    observer: Callable[[list[Captured]], None] | None = None
    """Called in the capture's own thread with each list of records it builds there, before
    they can be handed out (the recorder counts valid ones while the test runs). Kafka's
    capture calls it per fetched batch; adapters that build records at hand-out (NATS) or one
    delivery at a time (MQTT, AMQP) do not, and their windows are counted when judged."""
    counter: PlainCounter | None = None
    """Offered, by the ``drain`` of an adapter that builds its records at hand-out (NATS), the
    payloads of plain messages (no headers, reply or defect) to one destination, before their
    records are built: the recorder counts the valid ones, and only the others (by index) are
    handed out (``take`` offers nothing: its records are the ones a running test looks at)."""

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
