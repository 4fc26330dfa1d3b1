"""Protobuf: compiled with the packaged protoc, message type by convention or by name, strict."""

from __future__ import annotations

import pytest

from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.schemas.protobuf import ProtoSchema
from tests.support.binary import POINTS_PROTO

PROTO3 = "application/vnd.google.protobuf;version=3"


@pytest.fixture(scope="module")
def lines() -> ProtoSchema:
    return ProtoSchema(POINTS_PROTO, PROTO3, "#/p")


def test_root_is_the_message_no_other_uses(lines: ProtoSchema) -> None:
    assert lines.root.full_name == "geo.Line"


def test_explicit_message_type_wins() -> None:
    assert (
        ProtoSchema(POINTS_PROTO, PROTO3 + ";messageType=Point", "#/p").root.full_name
        == "geo.Point"
    )
    with pytest.raises(SchemaCompileError, match=r"messageType 'Nope' is not in the \.proto"):
        ProtoSchema(POINTS_PROTO, PROTO3 + ";messageType=Nope", "#/p")


def test_several_roots_need_a_root_node_comment() -> None:
    two = 'syntax = "proto3";\nmessage A { int32 a = 1; }\nmessage B { int32 b = 1; }\n'
    with pytest.raises(SchemaCompileError, match="several root messages"):
        ProtoSchema(two, PROTO3, "#/p")
    marked = two.replace("message B", "// @RootNode\nmessage B")
    assert ProtoSchema(marked, PROTO3, "#/p").root.name == "B"


def test_compile_errors_quote_protoc() -> None:
    with pytest.raises(SchemaCompileError, match=r"does not compile: root\.proto:1"):
        ProtoSchema("message {", PROTO3, "#/p")


def test_generated_class_bytes_pass_and_wrong_wire_type_fails(lines: ProtoSchema) -> None:
    cls = lines.message_class(lines.root)
    good = cls()
    good.start.x = 3
    good.tags.append("a")
    assert lines.decode(good.SerializeToString()).problem is None
    wrong = b"\x0a\x02\x08\x05" + b"\x20\x07"  # tags (field 4) sent as a varint
    problem = lines.decode(wrong).problem
    assert problem is not None
    assert problem.pointer == "/tags"
    assert "wire type varint" in problem.message


def test_unknown_fields_and_truncation(lines: ProtoSchema) -> None:
    unknown = lines.decode(b"\x0a\x02\x08\x05\x48\x01").problem  # field 9
    assert unknown is not None
    assert "unknown field number 9" in unknown.message
    nested = lines.decode(b"\x0a\x02\x58\x01").problem  # field 11 inside start
    assert nested is not None
    assert nested.pointer == "/start"
    cut = lines.decode(b"\x0a\x05\x08").problem
    assert cut is not None
    assert "not a valid Line" in cut.message


def test_proto2_required_fields() -> None:
    source = 'syntax = "proto2";\nmessage P { required int32 x = 1; optional string s = 2; }\n'
    schema = ProtoSchema(source, "application/vnd.google.protobuf;version=2", "#/p")
    problem = schema.decode(b"\x12\x01a").problem
    assert problem is not None
    assert problem.pointer == "/x"
    assert "required field x" in problem.message
    assert schema.value_problem({"s": "a"}) is not None
    assert schema.decode(schema.encode({"x": 1})).problem is None
