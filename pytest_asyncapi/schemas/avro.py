"""Avro schemas: decode binary (fastavro) or Avro JSON, check values, explain failures.

The fast path is fastavro's ``schemaless_reader`` plus a check that every byte was used. Only
when that fails does a small tracing decoder re-read the bytes to say *where* it went wrong:
the path of the field (``/address/zip``), the Avro type expected there and the byte offset.
Values (document examples, Avro JSON messages) are checked by :func:`value_problems`, which
follows the Avro JSON encoding (a union value is ``null`` or ``{"branch": value}``) and also
accepts a plain value that fits a branch (how documents write examples).
"""

from __future__ import annotations

import copy
import io
import math
import struct
import uuid
from dataclasses import dataclass
from typing import Any

import fastavro
import orjson

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.errors import SchemaCompileError

AVRO_FORMAT = "application/vnd.apache.avro"
PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)


def is_avro_format(schema_format: str | None) -> bool:
    """Does ``schema_format`` name Avro (``application/vnd.apache.avro[+json|+yaml];...``)?"""
    return bool(schema_format) and str(schema_format).strip().lower().startswith(AVRO_FORMAT)


@dataclass(frozen=True)
class AvroProblem:
    """Why bytes or a value do not fit an Avro schema: where, the type expected, what is wrong."""

    pointer: str
    expected: str
    message: str
    offset: int | None = None

    def text(self) -> str:
        at = f" at byte {self.offset}" if self.offset is not None else ""
        return f"{self.message} (Avro type {self.expected}{at})"


@dataclass(frozen=True)
class Decoded:
    """A decoded value, or the first problem that stopped decoding."""

    value: Any = None
    problem: AvroProblem | None = None


class AvroSchema:
    """One Avro schema parsed once: decode, check values, encode."""

    def __init__(self, schema: Any, where: str) -> None:
        self.where = where
        self.named: dict[str, Any] = {}
        try:
            self.parsed = fastavro.parse_schema(
                copy.deepcopy(schema), named_schemas=self.named, _ignore_default_error=True
            )
        except RecursionError:
            raise SchemaCompileError(where, "not a valid Avro schema: nested too deeply") from None
        except Exception as exc:  # fastavro raises many kinds for a malformed schema
            raise SchemaCompileError(where, f"not a valid Avro schema: {exc}") from None

    @property
    def name(self) -> str:
        return type_name(self.parsed)

    # -- binary ---------------------------------------------------------------------------
    def decode(self, data: bytes, writer: AvroSchema | None = None) -> Decoded:
        """Decode Avro binary (written with ``writer``'s schema when given, else this one)."""
        stream = io.BytesIO(data)
        try:
            value = fastavro.schemaless_reader(
                stream, (writer or self).parsed, self.parsed if writer else None
            )
        except Exception:  # any failure: the tracer says where and why
            return Decoded(problem=self.explain(data, writer))
        if stream.tell() != len(data):
            return Decoded(problem=_left_over(writer or self, len(data), stream.tell()))
        return Decoded(value)

    def explain(self, data: bytes, writer: AvroSchema | None = None) -> AvroProblem:
        """Re-read ``data`` with the tracing decoder to locate the failure."""
        source = writer or self
        tracer = _Tracer(data, source.named)
        try:
            tracer.read(source.parsed, "")
        except _Stop as stop:
            return stop.problem
        if tracer.pos != len(data):
            return _left_over(source, len(data), tracer.pos)
        if writer is not None:
            found = resolution_problems(writer.parsed, self.parsed, writer.named, self.named)
            if found:
                return AvroProblem(found[0].pointer, found[0].expected, found[0].message)
        return AvroProblem("", source.name, "the bytes could not be decoded as this schema")

    def encode(self, value: Any) -> bytes:
        """Avro binary of ``value`` (a document example); ``ValueError`` when it does not fit."""
        problems = self.value_problems(value)
        if problems:
            raise ValueError(f"{problems[0].pointer or '/'}: {problems[0].text()}")
        stream = io.BytesIO()
        fastavro.schemaless_writer(stream, self.parsed, _plain(value, self.parsed, self.named))
        return stream.getvalue()

    # -- values ---------------------------------------------------------------------------
    def value_problems(self, value: Any, *, limit: int = 50) -> list[AvroProblem]:
        """Where ``value`` breaks the schema (Avro JSON encoding or plain), first ``limit``."""
        found: list[AvroProblem] = []
        _check(self.parsed, value, "", self.named, found, limit)
        return found

    def decode_json(self, data: bytes) -> Decoded:
        """An Avro JSON message: parse the JSON, then check it as a value."""
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            return Decoded(problem=AvroProblem("", self.name, f"payload is not JSON ({error})"))
        problems = self.value_problems(value, limit=1)
        return Decoded(value, problems[0] if problems else None)


def type_name(schema: Any) -> str:
    """How a (parsed) schema is named in messages: ``string``, ``record User``, ``union [...]``."""
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union [" + ", ".join(_short(b) for b in schema) + "]"
    if isinstance(schema, dict):
        kind = str(schema.get("type"))
        logical = schema.get("logicalType")
        if kind in ("record", "error", "enum", "fixed"):
            return f"{kind} {schema.get('name')}"
        if kind == "array":
            return f"array<{_short(schema.get('items'))}>"
        if kind == "map":
            return f"map<{_short(schema.get('values'))}>"
        return f"{kind} ({logical})" if logical else kind
    return repr(schema)


def _short(schema: Any) -> str:
    if isinstance(schema, dict) and schema.get("type") in ("record", "error", "enum", "fixed"):
        return str(schema.get("name"))
    return type_name(schema)


def _left_over(schema: AvroSchema, size: int, used: int) -> AvroProblem:
    return AvroProblem(
        "",
        schema.name,
        f"{size - used} byte(s) left over after the value ended at byte {used} of {size} "
        "(written with a different schema, or framed bytes read as plain Avro?)",
        used,
    )


def _resolve(schema: Any, named: dict[str, Any]) -> Any:
    if isinstance(schema, str) and schema not in PRIMITIVES:
        return named.get(schema, schema)
    return schema


def _kind(schema: Any) -> str:
    if isinstance(schema, list):
        return "union"
    if isinstance(schema, dict):
        return str(schema.get("type"))
    return str(schema)


def branch_name(schema: Any) -> str:
    """The name of a union branch in the Avro JSON encoding."""
    if isinstance(schema, dict):
        if schema.get("type") in ("record", "error", "enum", "fixed"):
            return str(schema.get("name"))
        return str(schema.get("type"))
    return str(schema)


# -- tracing decoder ------------------------------------------------------------------------
class _Stop(Exception):
    def __init__(self, problem: AvroProblem) -> None:
        self.problem = problem


class _Tracer:
    """A plain Avro binary reader that knows the path and the offset of everything it reads."""

    def __init__(self, data: bytes, named: dict[str, Any]) -> None:
        self.data = data
        self.pos = 0
        self.named = named
        self.depth = 0

    def fail(self, pointer: str, schema: Any, message: str, at: int | None = None) -> _Stop:
        return _Stop(
            AvroProblem(pointer, type_name(schema), message, self.pos if at is None else at)
        )

    def take(self, count: int, pointer: str, schema: Any) -> bytes:
        if self.pos + count > len(self.data):
            raise self.fail(
                pointer,
                schema,
                f"the bytes end (length {len(self.data)}) where {count} more byte(s) were "
                "expected: truncated, or written with a schema that lacks this field",
            )
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def long(self, pointer: str, schema: Any) -> int:
        start, shift, result = self.pos, 0, 0
        while True:
            if self.pos >= len(self.data):
                raise self.fail(
                    pointer,
                    schema,
                    f"the bytes end (length {len(self.data)}) inside a number: truncated, or "
                    "written with a schema that lacks this field",
                    start,
                )
            byte = self.data[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
            if shift > 63:
                raise self.fail(
                    pointer, schema, "a variable-length number runs past 10 bytes", start
                )
        return (result >> 1) ^ -(result & 1)

    def read(self, schema: Any, pointer: str) -> Any:
        schema = _resolve(schema, self.named)
        self.depth += 1
        if self.depth > 500:
            raise self.fail(pointer, schema, "nested more than 500 levels deep")
        try:
            kind = _kind(schema)
            logical = schema.get("logicalType") if isinstance(schema, dict) else None
            if kind == "null":
                return None
            if kind == "boolean":
                at = self.pos
                byte = self.take(1, pointer, schema)[0]
                if byte > 1:
                    raise self.fail(
                        pointer, schema, f"a boolean byte must be 0 or 1, not {byte}", at
                    )
                return bool(byte)
            if kind in ("int", "long"):
                at = self.pos
                value = self.long(pointer, schema)
                low, high = _INT_RANGE if kind == "int" else _LONG_RANGE
                if not low <= value <= high:
                    raise self.fail(pointer, schema, f"{value} is out of the {kind} range", at)
                return value
            if kind == "float":
                return struct.unpack("<f", self.take(4, pointer, schema))[0]
            if kind == "double":
                return struct.unpack("<d", self.take(8, pointer, schema))[0]
            if kind in ("bytes", "string"):
                at = self.pos
                size = self.long(pointer, schema)
                if size < 0:
                    raise self.fail(pointer, schema, f"a negative length ({size})", at)
                raw = self.take(size, pointer, schema)
                if kind == "bytes":
                    return raw
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise self.fail(
                        pointer, schema, f"the string is not UTF-8 ({error})", at
                    ) from None
                if logical == "uuid":
                    _uuid_or_stop(text, lambda m: self.fail(pointer, schema, m, at))
                return text
            if kind == "fixed":
                return self.take(int(schema["size"]), pointer, schema)
            if kind == "enum":
                at = self.pos
                index = self.long(pointer, schema)
                symbols = schema["symbols"]
                if not 0 <= index < len(symbols):
                    raise self.fail(
                        pointer,
                        schema,
                        f"enum index {index} is out of range (0..{len(symbols) - 1})",
                        at,
                    )
                return symbols[index]
            if kind == "union":
                at = self.pos
                index = self.long(pointer, schema)
                if not 0 <= index < len(schema):
                    raise self.fail(
                        pointer,
                        schema,
                        f"union branch {index} does not exist (0..{len(schema) - 1})",
                        at,
                    )
                return self.read(schema[index], pointer)
            if kind in ("array", "map"):
                return self._blocks(schema, kind, pointer)
            if kind in ("record", "error"):
                return {
                    f["name"]: self.read(f["type"], jsonpointer.child(pointer, f["name"]))
                    for f in schema["fields"]
                }
            raise self.fail(pointer, schema, f"unknown Avro type {kind!r}")
        finally:
            self.depth -= 1

    def _blocks(self, schema: Any, kind: str, pointer: str) -> Any:
        items: list[Any] = []
        entries: dict[str, Any] = {}
        while True:
            at = self.pos
            count = self.long(pointer, schema)
            if count == 0:
                return items if kind == "array" else entries
            if count < 0:
                count = -count
                self.long(pointer, schema)  # the block's size in bytes
            if count > len(self.data) - self.pos + 1:
                raise self.fail(
                    pointer, schema, f"a block of {count} items cannot fit the bytes left", at
                )
            for _ in range(count):
                if kind == "array":
                    child = jsonpointer.child(pointer, str(len(items)))
                    items.append(self.read(schema["items"], child))
                else:
                    key = self.read("string", pointer)
                    entries[key] = self.read(schema["values"], jsonpointer.child(pointer, key))


def _uuid_or_stop(text: str, stop: Any) -> None:
    try:
        uuid.UUID(text)
    except ValueError:
        raise stop(f"{text!r} is not a UUID (logical type uuid)") from None


# -- value checks -----------------------------------------------------------------------------
def _check(
    schema: Any,
    value: Any,
    pointer: str,
    named: dict[str, Any],
    found: list[AvroProblem],
    limit: int,
) -> None:
    if len(found) >= limit:
        return
    schema = _resolve(schema, named)
    kind = _kind(schema)
    logical = schema.get("logicalType") if isinstance(schema, dict) else None

    def bad(message: str) -> None:
        found.append(AvroProblem(pointer, type_name(schema), message))

    if kind == "union":
        if isinstance(value, dict) and len(value) == 1:
            ((label, inner),) = value.items()
            for branch in schema:
                if branch_name(_resolve(branch, named)) == label or branch == label:
                    _check(branch, inner, pointer, named, found, limit)
                    return
        for branch in schema:
            trial: list[AvroProblem] = []
            _check(branch, value, pointer, named, trial, 1)
            if not trial:
                return
        bad(f"{_shown(value)} fits no branch of the union")
        return
    if logical in (
        "date",
        "time-millis",
        "time-micros",
        "timestamp-millis",
        "timestamp-micros",
        "local-timestamp-millis",
        "local-timestamp-micros",
    ) and hasattr(value, "isoformat"):
        return
    if logical == "decimal" and type(value).__name__ == "Decimal":
        return
    if logical == "uuid" and isinstance(value, uuid.UUID):
        return
    if kind == "null":
        if value is not None:
            bad(f"{_shown(value)} is not null")
    elif kind == "boolean":
        if not isinstance(value, bool):
            bad(f"{_shown(value)} is not a boolean")
    elif kind in ("int", "long"):
        low, high = _INT_RANGE if kind == "int" else _LONG_RANGE
        if isinstance(value, bool) or not isinstance(value, int):
            bad(f"{_shown(value)} is not an integer")
        elif not low <= value <= high:
            bad(f"{value} is out of the {kind} range")
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            bad(f"{_shown(value)} is not a number")
        elif (
            kind == "float"
            and isinstance(value, float)
            and math.isfinite(value)
            and abs(value) > 3.5e38
        ):
            bad(f"{value} is out of the float range")
    elif kind == "string":
        if not isinstance(value, str):
            bad(f"{_shown(value)} is not a string")
        elif logical == "uuid":
            try:
                uuid.UUID(value)
            except ValueError:
                bad(f"{value!r} is not a UUID (logical type uuid)")
    elif kind in ("bytes", "fixed"):
        if not isinstance(value, str | bytes):
            bad(f"{_shown(value)} is not bytes (a string of code points 0-255 in Avro JSON)")
        elif kind == "fixed" and len(value) != int(schema["size"]):
            bad(f"{len(value)} byte(s), but fixed {schema.get('name')} has size {schema['size']}")
    elif kind == "enum":
        if value not in schema["symbols"]:
            bad(f"{_shown(value)} is not one of the symbols {schema['symbols']}")
    elif kind == "array":
        if not isinstance(value, list | tuple):
            bad(f"{_shown(value)} is not an array")
            return
        for index, item in enumerate(value):
            _check(
                schema["items"], item, jsonpointer.child(pointer, str(index)), named, found, limit
            )
    elif kind == "map":
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            bad(f"{_shown(value)} is not a map with string keys")
            return
        for key, item in value.items():
            _check(schema["values"], item, jsonpointer.child(pointer, key), named, found, limit)
    elif kind in ("record", "error"):
        if not isinstance(value, dict):
            bad(f"{_shown(value)} is not a record")
            return
        declared = {f["name"] for f in schema["fields"]}
        for field in schema["fields"]:
            child = jsonpointer.child(pointer, field["name"])
            if field["name"] in value:
                _check(field["type"], value[field["name"]], child, named, found, limit)
            elif "default" not in field:
                found.append(
                    AvroProblem(
                        child,
                        type_name(_resolve(field["type"], named)),
                        f"field {field['name']!r} is missing and has no default",
                    )
                )
        for extra in sorted(set(value) - declared):
            found.append(
                AvroProblem(
                    jsonpointer.child(pointer, str(extra)),
                    type_name(schema),
                    f"field {extra!r} is not declared in record {schema.get('name')}",
                )
            )
    else:
        bad(f"unknown Avro type {kind!r}")


def _shown(value: Any) -> str:
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _plain(value: Any, schema: Any, named: dict[str, Any]) -> Any:
    """A checked value with Avro JSON union wrappers and JSON byte strings made plain."""
    schema = _resolve(schema, named)
    kind = _kind(schema)
    if kind == "union":
        if isinstance(value, dict) and len(value) == 1:
            ((label, inner),) = value.items()
            for branch in schema:
                if branch_name(_resolve(branch, named)) == label:
                    return (branch_name(_resolve(branch, named)), _plain(inner, branch, named))
        for branch in schema:
            trial: list[AvroProblem] = []
            _check(branch, value, "", named, trial, 1)
            if not trial:
                return (branch_name(_resolve(branch, named)), _plain(value, branch, named))
        return value
    if kind in ("bytes", "fixed") and isinstance(value, str):
        return value.encode("latin-1", "replace")
    if kind == "array" and isinstance(value, list | tuple):
        return [_plain(v, schema["items"], named) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _plain(v, schema["values"], named) for k, v in value.items()}
    if kind in ("record", "error") and isinstance(value, dict):
        return {
            f["name"]: _plain(value[f["name"]], f["type"], named)
            for f in schema["fields"]
            if f["name"] in value
        }
    return value


# -- schema resolution (writer -> reader) -------------------------------------------------------
_PROMOTIONS = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}


def resolution_problems(
    writer: Any,
    reader: Any,
    writer_named: dict[str, Any],
    reader_named: dict[str, Any],
    pointer: str = "",
    seen: set[tuple[str, str]] | None = None,
) -> list[AvroProblem]:
    """Why data written with ``writer`` cannot be read with ``reader`` (Avro resolution rules).

    An empty list means the schemas are compatible in that direction.
    """
    seen = set() if seen is None else seen
    writer = _resolve(writer, writer_named)
    reader = _resolve(reader, reader_named)
    w_kind, r_kind = _kind(writer), _kind(reader)
    if w_kind == "union":
        found: list[AvroProblem] = []
        for branch in writer:
            found += resolution_problems(branch, reader, writer_named, reader_named, pointer, seen)
        return found
    if r_kind == "union":
        for branch in reader:
            if not resolution_problems(writer, branch, writer_named, reader_named, pointer, seen):
                return []
        return [
            AvroProblem(
                pointer,
                type_name(reader),
                f"the writer's {type_name(writer)} matches no branch of the reader's union",
            )
        ]
    if w_kind != r_kind:
        if r_kind in _PROMOTIONS.get(w_kind, set()):
            return []
        return [
            AvroProblem(
                pointer,
                type_name(reader),
                f"the writer has {type_name(writer)} where the reader expects {type_name(reader)}",
            )
        ]
    if w_kind in ("record", "error", "enum", "fixed"):
        w_name, r_name = str(writer.get("name")), str(reader.get("name"))
        aliases = {str(a) for a in reader.get("aliases", [])}
        if w_name.rpartition(".")[2] != r_name.rpartition(".")[2] and w_name not in aliases:
            return [
                AvroProblem(
                    pointer,
                    type_name(reader),
                    f"the writer's {w_kind} is named {w_name}, the reader's {r_name}",
                )
            ]
    if w_kind == "fixed" and writer.get("size") != reader.get("size"):
        return [
            AvroProblem(
                pointer,
                type_name(reader),
                f"fixed size {writer.get('size')} in the writer, "
                f"{reader.get('size')} in the reader",
            )
        ]
    if w_kind == "enum":
        missing = [s for s in writer["symbols"] if s not in reader["symbols"]]
        if missing and "default" not in reader:
            return [
                AvroProblem(
                    pointer,
                    type_name(reader),
                    f"the writer's symbols {missing} are not in the reader's enum, "
                    "which has no default",
                )
            ]
        return []
    if w_kind == "array":
        return resolution_problems(
            writer["items"],
            reader["items"],
            writer_named,
            reader_named,
            jsonpointer.child(pointer, "items"),
            seen,
        )
    if w_kind == "map":
        return resolution_problems(
            writer["values"],
            reader["values"],
            writer_named,
            reader_named,
            jsonpointer.child(pointer, "values"),
            seen,
        )
    if w_kind in ("record", "error"):
        pair = (str(writer.get("name")), str(reader.get("name")))
        if pair in seen:
            return []
        seen.add(pair)
        found = []
        w_fields = {f["name"]: f for f in writer["fields"]}
        for field in reader["fields"]:
            names = [field["name"], *field.get("aliases", [])]
            source = next((w_fields[n] for n in names if n in w_fields), None)
            child = jsonpointer.child(pointer, field["name"])
            if source is None:
                if "default" not in field:
                    found.append(
                        AvroProblem(
                            child,
                            type_name(_resolve(field["type"], reader_named)),
                            f"the reader's field {field['name']!r} is not written "
                            "and has no default",
                        )
                    )
                continue
            found += resolution_problems(
                source["type"], field["type"], writer_named, reader_named, child, seen
            )
        return found
    return []


def parse_schema_text(text: str, where: str) -> AvroSchema:
    """An Avro schema given as JSON text (a registry's answer)."""
    try:
        schema = orjson.loads(text)
    except orjson.JSONDecodeError:
        schema = text  # a bare primitive name, e.g. "string"
    return AvroSchema(schema, where)
