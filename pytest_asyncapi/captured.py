"""The record of one message seen on a broker: what the brokers produce and the judge reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_set = object.__setattr__
_new = object.__new__


@dataclass(frozen=True, init=False)
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

    def __init__(
        self,
        destination: str,
        payload: bytes,
        headers: tuple[tuple[str, bytes], ...] | None,
        time: float,
        seq: int,
        key: bytes | None = None,
        partition: int | None = None,
        offset: int | None = None,
        timestamp_ms: int | None = None,
        reply: str | None = None,
        defect: str | None = None,
        tombstone: bool = False,
        retained: bool = False,
    ) -> None:
        # one store instead of a frozen dataclass's 13 ``object.__setattr__`` calls: a capture
        # builds one record per message, and this is a third of what a valid message costs
        fields: dict[str, Any] = {
            "destination": destination,
            "payload": payload,
            "headers": headers,
            "time": time,
            "seq": seq,
            "key": key,
            "partition": partition,
            "offset": offset,
            "timestamp_ms": timestamp_ms,
            "reply": reply,
            "defect": defect,
            "tombstone": tombstone,
            "retained": retained,
        }
        _set(self, "__dict__", fields)

    @classmethod
    def plain(cls, destination: str, payload: bytes, time: float, seq: int) -> Captured:
        """``Captured(destination, payload, None, time, seq)``, built faster: the common record
        (no headers, key, reply or defect) of a capture's hot loop. Its unset fields are the
        class's defaults."""
        record = _new(cls)
        _set(
            record,
            "__dict__",
            {
                "destination": destination,
                "payload": payload,
                "headers": None,
                "time": time,
                "seq": seq,
            },
        )
        return record

    def header(self, name: str) -> bytes | None:
        """The first value of header ``name`` (``None`` when absent)."""
        return next((value for key, value in self.headers or () if key == name), None)
