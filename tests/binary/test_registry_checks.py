"""Framed Avro/Protobuf through check_message, with and without a schema registry."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_asyncapi.check.message_check import check_message
from pytest_asyncapi.schemas import registry as registry_module
from pytest_asyncapi.schemas.binary import writer_schema_note
from pytest_asyncapi.schemas.compile import Verdict
from pytest_asyncapi.schemas.registry import RegistryClient, RegistryError, mask
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.model import Message, Spec
from tests.support.binary import GOOD_READING, POINTS_PROTO, READING, avro_bytes, confluent
from tests.support.registry_server import registry

DOC = """
asyncapi: 3.0.0
info: {title: t, version: '1'}
servers:
  kafka:
    host: localhost:9092
    protocol: kafka
channels:
  readings:
    address: readings
    messages:
      reading:
        contentType: application/vnd.apache.avro
        payload:
          schemaFormat: application/vnd.apache.avro;version=1.9.0
          schema: %(avro)s
        bindings:
          kafka:
            key: {type: enum, name: Site, symbols: [north, south]}
            schemaIdLocation: payload
            schemaIdPayloadEncoding: confluent
  lines:
    address: lines
    messages:
      line:
        contentType: application/x-protobuf
        payload:
          schemaFormat: application/vnd.google.protobuf;version=3
          schema: %(proto)s
        bindings:
          kafka: {schemaIdLocation: payload}
  plain:
    address: plain
    messages:
      reading:
        payload:
          schemaFormat: application/vnd.apache.avro;version=1.9.0
          schema: %(avro)s
"""


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    path = tmp_path / "binary.yaml"
    path.write_text(DOC % {"avro": json.dumps(READING), "proto": json.dumps(POINTS_PROTO)})
    return load_spec(path)


@pytest.fixture(autouse=True)
def _no_override() -> Iterator[None]:
    yield
    registry_module.set_registry_url(None)


def message(spec: Spec, channel: str) -> Message:
    return spec.channel(channel).messages[0]


def test_framed_avro_without_registry_decodes_with_the_document_schema(spec: Spec) -> None:
    reading = message(spec, "readings")
    good = confluent(1, avro_bytes(READING, GOOD_READING))
    assert check_message(reading, good, (), spec=spec).verdict is Verdict.VALID
    assert writer_schema_note([spec]) is not None
    assert "writer schemas were not checked" in str(writer_schema_note([spec]))
    unframed = check_message(reading, avro_bytes(READING, GOOD_READING), (), spec=spec)
    ((_, violation),) = unframed.violations()
    assert violation.keyword == "framing"
    assert "not the magic byte 0x00" in violation.message
    assert violation.value_excerpt.startswith("hex 14 73 65")


def test_confluent_frame_where_none_is_declared_is_named(spec: Spec) -> None:
    plain = message(spec, "plain")
    framed = confluent(3, avro_bytes(READING, GOOD_READING))
    ((_, violation),) = check_message(plain, framed, (), spec=spec).violations()
    assert "look Confluent-framed (magic byte 0, schema id 3)" in violation.message


def test_avro_key_is_checked(spec: Spec) -> None:
    reading = message(spec, "readings")
    body = confluent(1, avro_bytes(READING, GOOD_READING))
    key = confluent(2, b"\x02")  # enum index 1: south
    assert check_message(reading, body, (), key, check_key=True, spec=spec).verdict is Verdict.VALID
    bad = check_message(reading, body, (), confluent(2, b"\x08"), check_key=True, spec=spec)
    ((part, violation),) = bad.violations()
    assert part == "key"
    assert "enum index 4 is out of range" in violation.message


def test_registry_writer_schema_checked_twice(spec: Spec) -> None:
    reading = message(spec, "readings")
    older = copy.deepcopy(READING)
    older["fields"] = [f for f in older["fields"] if f["name"] != "humidity"]  # has a default
    incompatible = copy.deepcopy(READING)
    incompatible["fields"] = [f for f in incompatible["fields"] if f["name"] != "sensorId"]
    answers = {
        1: {"schema": json.dumps(READING)},
        2: {"schema": json.dumps(older)},
        3: {"schema": json.dumps(incompatible)},
        4: {"schema": POINTS_PROTO, "schemaType": "PROTOBUF"},
    }
    with registry(answers) as (url, requested):
        registry_module.set_registry_url(url)
        assert writer_schema_note([spec]) is None
        same = confluent(1, avro_bytes(READING, GOOD_READING))
        assert check_message(reading, same, (), spec=spec).verdict is Verdict.VALID
        old_value = {k: v for k, v in GOOD_READING.items() if k != "humidity"}
        evolved = confluent(2, avro_bytes(older, old_value))
        assert check_message(reading, evolved, (), spec=spec).verdict is Verdict.VALID
        value = {k: v for k, v in GOOD_READING.items() if k != "sensorId"}
        broken = check_message(
            reading, confluent(3, avro_bytes(incompatible, value)), (), spec=spec
        )
        ((_, violation),) = broken.violations()
        assert violation.keyword == "writer-schema"
        assert violation.pointer == "/sensorId"
        unknown = check_message(reading, confluent(99, b"\x00"), (), spec=spec)
        ((_, violation),) = unknown.violations()
        assert violation.keyword == "schemaId"
        assert "schema id 99 is not in the schema registry" in violation.message
        assert "Schema not found (error_code 40403)" in violation.message
        wrong_kind = check_message(reading, confluent(4, b"\x00"), (), spec=spec)
        assert "is a PROTOBUF schema in the registry" in wrong_kind.violations()[0][1].message
        for _ in range(3):
            check_message(reading, same, (), spec=spec)
        check_message(reading, confluent(99, b"\x00"), (), spec=spec)
    assert requested.count("/schemas/ids/1") == 1  # cached per session
    assert requested.count("/schemas/ids/99") == 1  # failures too


def test_protobuf_framed_with_indexes_and_registry(spec: Spec) -> None:
    line = message(spec, "lines")
    compiled_schema = __import__(
        "pytest_asyncapi.schemas.compile", fromlist=["compile_schema"]
    ).compile_schema(line.payload)
    cls = compiled_schema.proto.message_class(compiled_schema.proto.root)
    value = cls()
    value.start.x = 1
    body = value.SerializeToString()
    with_index = confluent(4, body, b"\x02\x02")  # indexes [1]: Line, the file's second message
    assert check_message(line, with_index, (), spec=spec).verdict is Verdict.VALID
    as_point = check_message(line, confluent(4, body, b"\x00"), (), spec=spec)  # [0]: Point
    assert as_point.verdict is Verdict.INVALID
    assert "wire type" in as_point.violations()[0][1].message
    changed = POINTS_PROTO.replace("Point start = 1;", "string start = 1;")
    with registry(
        {
            4: {"schema": POINTS_PROTO, "schemaType": "PROTOBUF"},
            5: {"schema": changed, "schemaType": "PROTOBUF"},
        }
    ) as (url, _):
        registry_module.set_registry_url(url)
        assert check_message(line, with_index, (), spec=spec).verdict is Verdict.VALID
        moved = check_message(line, confluent(5, body, b"\x02\x02"), (), spec=spec)
        ((_, violation),) = moved.violations()
        assert violation.keyword == "writer-schema"
        assert violation.pointer == "/start"
        assert "field number 1" in violation.message


def test_credentials_are_sent_and_masked() -> None:
    with registry({1: {"schema": '"string"'}}, auth=("ada", "s3cret")) as (url, _):
        good = url.replace("http://", "http://ada:s3cret@")
        assert RegistryClient(good).schema(1).schema_type == "AVRO"
        bad = RegistryClient(url.replace("http://", "http://ada:wrong@"))
        with pytest.raises(RegistryError) as caught:
            bad.schema(1)
    assert "401" in str(caught.value)
    assert "wrong" not in str(caught.value)
    assert "ada:***@" in str(caught.value)
    assert mask("https://u:p@h:1/x") == "https://u:***@h:1/x"


def test_unreachable_registry_is_unchecked_not_invalid(spec: Spec) -> None:
    with registry({}) as (url, _):
        pass  # closed: nothing listens there now
    registry_module.set_registry_url(url)
    result = check_message(message(spec, "readings"), confluent(7, b"\x00"), (), spec=spec)
    assert result.verdict is Verdict.UNCHECKED
    assert "cannot be reached" in result.unchecked_reasons()[0]
