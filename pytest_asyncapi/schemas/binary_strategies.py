"""Hypothesis strategies of valid Avro values and Protobuf messages (as JSON) for consumers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from pytest_asyncapi.schemas.binary import BinarySchema

_DEPTH = 4


def binary_strategy(schema: BinarySchema) -> SearchStrategy[Any]:
    """Values ``schema`` accepts: plain Avro values (unions unwrapped), or Protobuf JSON."""
    if schema.avro is not None:
        return _avro(schema.avro.parsed, schema.avro.named, 0)
    assert schema.proto is not None
    return _proto(schema.proto.root, 0)


def _avro(schema: Any, named: dict[str, Any], depth: int) -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    from pytest_asyncapi.schemas.avro import _kind, _resolve

    schema = _resolve(schema, named)
    kind = _kind(schema)
    if kind == "union":
        branches = [b for b in schema if depth < _DEPTH or _kind(_resolve(b, named)) == "null"]
        return st.one_of([_avro(b, named, depth + 1) for b in branches or schema[:1]])
    simple: dict[str, SearchStrategy[Any]] = {
        "null": st.none(),
        "boolean": st.booleans(),
        "int": st.integers(-(2**31), 2**31 - 1),
        "long": st.integers(-(2**53), 2**53),
        "float": st.floats(-(2.0**100), 2.0**100, width=32),
        "double": st.floats(allow_nan=False, allow_infinity=False),
        "bytes": st.binary(max_size=20),
        "string": st.text(max_size=20),
    }
    logical = schema.get("logicalType") if isinstance(schema, dict) else None
    if logical == "uuid":
        return st.uuids().map(str)
    if logical in ("timestamp-millis", "timestamp-micros", "date", "time-millis", "time-micros"):
        return st.integers(0, 2**40 if kind == "long" else 2**31 - 1)
    if kind in simple:
        return simple[kind]
    if kind == "enum":
        return st.sampled_from(schema["symbols"])
    if kind == "fixed":
        return st.binary(min_size=int(schema["size"]), max_size=int(schema["size"]))
    if kind == "array":
        size = 3 if depth < _DEPTH else 0
        return st.lists(_avro(schema["items"], named, depth + 1), max_size=size)
    if kind == "map":
        size = 3 if depth < _DEPTH else 0
        return st.dictionaries(
            st.text(max_size=5), _avro(schema["values"], named, depth + 1), max_size=size
        )
    return st.fixed_dictionaries(
        {f["name"]: _avro(f["type"], named, depth + 1) for f in schema["fields"]}
    )


def _proto(descriptor: Any, depth: int) -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    from pytest_asyncapi.schemas.protobuf import is_repeated

    fields: dict[str, SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.message_type is not None:
            if depth >= _DEPTH or field.message_type.GetOptions().map_entry:
                continue
            one = _proto(field.message_type, depth + 1)
        elif field.enum_type is not None:
            one = st.sampled_from([v.name for v in field.enum_type.values])
        else:
            one = _scalar(field.type)
        fields[field.json_name] = st.lists(one, max_size=3) if is_repeated(field) else one
    return st.fixed_dictionaries({}, optional=fields)


def _scalar(kind: int) -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    if kind in (1, 2):  # double, float
        return st.floats(-(2.0**100), 2.0**100, width=32)
    if kind == 8:
        return st.booleans()
    if kind == 9:
        return st.text(max_size=20)
    if kind == 12:
        import base64

        return st.binary(max_size=10).map(lambda b: base64.b64encode(b).decode())
    if kind in (4, 6):  # uint64, fixed64
        return st.integers(0, 2**53)
    if kind in (13, 7):  # uint32, fixed32
        return st.integers(0, 2**32 - 1)
    if kind in (3, 16, 18):  # int64, sfixed64, sint64
        return st.integers(-(2**53), 2**53)
    return st.integers(-(2**31), 2**31 - 1)
