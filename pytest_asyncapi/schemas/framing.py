"""Schema-registry framing of Kafka values and keys, as the Kafka message binding declares it.

``schemaIdLocation: payload`` puts the schema id in front of the bytes:
- ``schemaIdPayloadEncoding: confluent`` (or ``4``, the default): magic byte ``0`` + a 4-byte
  big-endian id; for Protobuf then the message indexes (a zig-zag varint count and that many
  zig-zag varints; the single byte ``0`` means ``[0]``, the file's first message).
- ``apicurio-new`` (or ``8``): magic byte ``0`` + an 8-byte big-endian global id.
- ``apicurio-legacy``: magic byte ``0`` + a 4-byte global id.
``schemaIdLocation: header`` leaves the bytes plain and carries the id in a header: Apicurio's
``apicurio.value.globalId`` / ``apicurio.key.globalId`` (8-byte big-endian, or decimal text).
No ``schemaIdLocation``: the bytes are plain Avro/Protobuf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ID_SIZES = {"confluent": 4, "4": 4, "apicurio-legacy": 4, "apicurio-new": 8, "8": 8}
ID_HEADERS = {"payload": "apicurio.value.globalId", "key": "apicurio.key.globalId"}


@dataclass(frozen=True)
class Framing:
    """How a message's schema id travels: ``location`` ``payload`` / ``header`` / ``None``."""

    location: str | None
    id_size: int = 4
    encoding: str = "confluent"

    @property
    def framed(self) -> bool:
        return self.location == "payload"

    @property
    def confluent(self) -> bool:
        """Confluent's frame (Protobuf message indexes follow the id)."""
        return self.framed and self.encoding in ("confluent", "4")


@dataclass(frozen=True)
class Unframed:
    """The bytes after the frame, the schema id (``None`` when none) and Protobuf indexes."""

    body: bytes
    schema_id: int | None = None
    indexes: tuple[int, ...] = ()
    problem: str | None = None
    offset: int = 0


def framing_of(bindings: Mapping[str, Any]) -> Framing | str:
    """The framing a message's ``bindings`` declare, or what is wrong with the declaration."""
    kafka = bindings.get("kafka") if isinstance(bindings, Mapping) else None
    if not isinstance(kafka, Mapping):
        return Framing(None)
    location = kafka.get("schemaIdLocation")
    if location is None:
        return Framing(None)
    if location not in ("payload", "header"):
        return (
            f"the Kafka message binding's schemaIdLocation is {location!r}; "
            "it must be 'payload' or 'header'"
        )
    encoding = str(kafka.get("schemaIdPayloadEncoding", "confluent")).strip().lower()
    if location == "payload" and encoding not in ID_SIZES:
        return f"schemaIdPayloadEncoding {encoding!r} is not known (known: {', '.join(ID_SIZES)})"
    return Framing(str(location), ID_SIZES.get(encoding, 4), encoding)


def unframe(data: bytes, framing: Framing, *, protobuf: bool) -> Unframed:
    """Split framed bytes; ``problem`` says why they are not framed as declared."""
    if not framing.framed:
        return Unframed(data)
    need = 1 + framing.id_size
    if len(data) < need:
        return Unframed(
            data,
            problem=f"{len(data)} byte(s) cannot hold the {framing.encoding} frame (magic byte 0 "
            f"and a {framing.id_size}-byte schema id) that the binding declares",
        )
    if data[0] != 0:
        return Unframed(
            data,
            problem=f"the first byte is 0x{data[0]:02x}, not the magic byte 0x00 of the "
            f"{framing.encoding} frame that the binding declares "
            "(unframed bytes, or a different serializer?)",
        )
    schema_id = int.from_bytes(data[1:need], "big")
    if not protobuf or not framing.confluent:
        return Unframed(data[need:], schema_id, offset=need)
    indexes, pos = _indexes(data, need)
    if indexes is None:
        return Unframed(
            data,
            schema_id,
            problem="the Protobuf message indexes after the schema "
            f"id are cut short or malformed (at byte {pos})",
            offset=pos,
        )
    return Unframed(data[pos:], schema_id, indexes, offset=pos)


def _zigzag(data: bytes, pos: int) -> tuple[int | None, int]:
    shift = result = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), pos
        shift += 7
    return None, pos


def _indexes(data: bytes, pos: int) -> tuple[tuple[int, ...] | None, int]:
    count, pos = _zigzag(data, pos)
    if count is None or count < 0 or count > 100:
        return None, pos
    if count == 0:
        return (0,), pos
    found: list[int] = []
    for _ in range(count):
        index, pos = _zigzag(data, pos)
        if index is None or index < 0:
            return None, pos
        found.append(index)
    return tuple(found), pos


def frame(body: bytes, framing: Framing, schema_id: int, indexes: tuple[int, ...] = ()) -> bytes:
    """``body`` framed as declared (``publish(example=)``); plain when nothing is declared."""
    if not framing.framed:
        return body
    head = b"\x00" + schema_id.to_bytes(framing.id_size, "big")
    if indexes and framing.confluent:
        head += b"\x00" if indexes == (0,) else _varints((len(indexes), *indexes))
    return head + body


def _varints(values: tuple[int, ...]) -> bytes:
    out = bytearray()
    for value in values:
        n = (value << 1) ^ (value >> 63)
        while True:
            byte = n & 0x7F
            n >>= 7
            if n:
                out.append(byte | 0x80)
            else:
                out.append(byte)
                break
    return bytes(out)


def header_schema_id(headers: Any, part: str) -> int | str | None:
    """The schema id in the Apicurio header for ``part``; ``None`` when absent; a str problem."""
    name = ID_HEADERS[part]
    value = header_value(headers, name)
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode()
    if len(value) == 8:
        return int.from_bytes(value, "big")
    try:
        return int(value.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return f"header {name} is neither an 8-byte id nor decimal text: {value!r}"


def header_value(headers: Any, name: str) -> bytes | str | None:
    """The first value of header ``name`` from a mapping or from (name, value) pairs."""
    if headers is None:
        return None
    if isinstance(headers, Mapping):
        found = headers.get(name)
        return found if isinstance(found, bytes | str) else None
    for key, value in headers:
        if key == name and isinstance(value, bytes | str):
            return value
    return None
