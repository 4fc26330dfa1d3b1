"""payloads(): generated Avro values and Protobuf messages are valid and encode."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings

from pytest_asyncapi.generation import payloads
from pytest_asyncapi.schemas.binary import BinarySchema
from pytest_asyncapi.schemas.compile import compile_schema
from pytest_asyncapi.spec.loader import load_spec
from tests.support.binary import ROOT

TELEMETRY = ROOT / "sample_specs" / "telemetry-avro.yaml"
READING = compile_schema(load_spec(TELEMETRY).channel("telemetry.readings").messages[0].payload)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(payloads(TELEMETRY, "telemetry.readings"))
def test_generated_avro_values_are_valid_and_encode(value: object) -> None:
    assert isinstance(READING, BinarySchema)
    assert READING.avro is not None
    assert READING.check(value).violations == ()
    assert READING.avro.decode(READING.encode(value)[0]).problem is None


PROTO_DOC = """
asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  lines:
    address: lines
    messages:
      line:
        payload:
          schemaFormat: application/vnd.google.protobuf;version=3
          schema: |
            syntax = "proto3";
            enum Kind { A = 0; B = 1; }
            message P { int64 x = 1; Kind kind = 2; repeated string tags = 3; bytes blob = 4; }
            message L { P start = 1; double w = 2; }
"""


def test_generated_protobuf_values_are_valid_and_encode(tmp_path: Path) -> None:
    path = tmp_path / "proto.yaml"
    path.write_text(PROTO_DOC)
    compiled = compile_schema(load_spec(path).channel("lines").messages[0].payload)  # type: ignore[arg-type]
    assert isinstance(compiled, BinarySchema)
    assert compiled.proto is not None
    assert compiled.proto.root.name == "L"

    @settings(max_examples=40, deadline=None)
    @given(payloads(path, "lines"))
    def check(value: object) -> None:
        assert compiled.check(value).violations == ()
        body, indexes = compiled.encode(value)
        assert indexes == (1,)
        assert compiled.proto.decode(body).problem is None  # type: ignore[union-attr]

    check()
