"""Acceptance on a real Kafka-protocol broker (local Tansu): Avro written by fastavro and
Protobuf written by protoc-generated classes, Confluent-framed, with a schema registry.

The registry is the small HTTP server of ``registry_server.py`` (no registry server can be
installed here). Each way of being wrong fails its own test with a clear message."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.binary import READING
from tests.support.registry_server import registry

LINE_PROTO = """syntax = "proto3";
package geo;

message Point {
  int32 x = 1;
  int32 y = 2;
}

message Line {
  Point start = 1;
  Point end = 2;
  string label = 3;
}
"""
WRONG_PROTO = """syntax = "proto3";
package wrong;

message Line {
  int64 start = 1;
}
"""
SPEC = """
asyncapi: 3.0.0
info: {title: Binary telemetry, version: '1.0.0'}
servers:
  local: {host: 'localhost:9092', protocol: kafka}
channels:
  readings:
    address: telemetry.readings.avro
    messages:
      reading: {$ref: '#/components/messages/Reading'}
  lines:
    address: geo.lines
    messages:
      line: {$ref: '#/components/messages/Line'}
operations:
  sendReading:
    action: send
    channel: {$ref: '#/channels/readings'}
    messages: [{$ref: '#/channels/readings/messages/reading'}]
  sendLine:
    action: send
    channel: {$ref: '#/channels/lines'}
    messages: [{$ref: '#/channels/lines/messages/line'}]
components:
  messages:
    Reading:
      contentType: application/vnd.apache.avro
      payload:
        schemaFormat: application/vnd.apache.avro+json;version=1.9.0
        schema: {$ref: './reading.avsc'}
      bindings:
        kafka: {schemaIdLocation: payload, schemaIdPayloadEncoding: confluent}
    Line:
      contentType: application/x-protobuf
      payload:
        schemaFormat: application/vnd.google.protobuf;version=3
        schema: %s
"""
PRODUCER = """
import asyncio, io, os
import fastavro
from aiokafka import AIOKafkaProducer


def send(topic, value):
    async def go():
        producer = AIOKafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        await producer.start()
        try:
            await producer.send_and_wait(topic, value)
        finally:
            await producer.stop()
    asyncio.run(go())


def avro(schema, value):
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), value)
    return out.getvalue()


def framed(schema_id, body):
    return b"\\x00" + schema_id.to_bytes(4, "big") + body
"""
TESTS = """
import copy, json
from producer import send, avro, framed
import line_pb2, wrong_pb2

READING = json.load(open("reading.avsc"))
GOOD = {"sensorId": "s-1", "recordedAt": 1717245000000, "temperature": 21.5,
        "humidity": None, "status": "OK"}
AS_STRING = copy.deepcopy(READING)
AS_STRING["fields"][2]["type"] = "string"
TOPIC = "telemetry.readings.avro"

def test_valid_reading():
    send(TOPIC, framed(1, avro(READING, GOOD)))

def test_wrong_type():
    send(TOPIC, framed(1, avro(AS_STRING, {**GOOD, "temperature": "21.5 degrees C"})))

def test_missing_field():
    older = json.load(open("older.avsc"))
    send(TOPIC, framed(2, avro(older, {k: v for k, v in GOOD.items() if k != "status"})))

def test_truncated_bytes():
    send(TOPIC, framed(1, avro(READING, GOOD))[:-10])

def test_wrong_magic_byte():
    send(TOPIC, avro(READING, GOOD))

def test_unknown_schema_id():
    send(TOPIC, framed(99, avro(READING, GOOD)))

def test_valid_line():
    line = line_pb2.Line(label="a")
    line.start.x = 1
    line.end.y = 2
    send("geo.lines", line.SerializeToString())

def test_protobuf_wrong_wire_type():
    send("geo.lines", wrong_pb2.Line(start=7).SerializeToString())
"""


def _generate(folder: Path, name: str, source: str) -> None:
    (folder / f"{name}.proto").write_text(source)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{folder}",
            f"--python_out={folder}",
            f"{name}.proto",
        ],
        check=True,
        cwd=folder,
    )


def test_binary_messages_on_tansu_fail_the_right_tests(contract_pytester: pytest.Pytester) -> None:
    folder = contract_pytester.path
    (folder / "reading.avsc").write_text(json.dumps(READING))
    older = copy.deepcopy(READING)
    older["fields"] = [f for f in older["fields"] if f["name"] != "status"]
    (folder / "older.avsc").write_text(json.dumps(older))
    (folder / "binary.yaml").write_text(SPEC % json.dumps(LINE_PROTO))
    _generate(folder, "line", LINE_PROTO)
    _generate(folder, "wrong", WRONG_PROTO)
    contract_pytester.makepyfile(producer=PRODUCER, test_binary=TESTS)
    answers = {1: {"schema": json.dumps(READING)}, 2: {"schema": json.dumps(older)}}
    with registry(answers) as (url, requested):
        result = contract_pytester.runpytest_subprocess(
            "--asyncapi",
            "binary.yaml",
            "--asyncapi-broker",
            "local",
            "--asyncapi-schema-registry",
            url,
            "-p",
            "no:cacheprovider",
        )
    assert requested.count("/schemas/ids/1") == 1  # one fetch for the whole session
    result.assert_outcomes(passed=2, failed=6)
    out = result.stdout
    for name in (
        "wrong_type",
        "missing_field",
        "truncated_bytes",
        "wrong_magic_byte",
        "unknown_schema_id",
        "protobuf_wrong_wire_type",
    ):
        out.fnmatch_lines([f"*FAILED test_binary.py::test_{name}*"])
    out.fnmatch_lines(
        [
            "*_ test_wrong_type _*",
            "*channel readings*",
            "*payload /* [[]avro[]]: does not decode with the writer schema*Avro type*",
        ]
    )
    out.fnmatch_lines(
        [
            "*_ test_missing_field _*",
            "*payload /status [[]writer-schema[]]: the writer schema (registry schema 2) "
            "is not compatible*'status' is not written and has no default*",
            "*value: hex 00 00 00 00 02*",
        ]
    )
    out.fnmatch_lines(
        ["*_ test_truncated_bytes _*", "*payload /* [[]avro[]]:*the bytes end*Avro type*at byte*"]
    )
    out.fnmatch_lines(
        [
            "*_ test_wrong_magic_byte _*",
            "*payload / [[]framing[]]: the first byte is 0x06, not the magic byte 0x00*",
        ]
    )
    out.fnmatch_lines(
        [
            "*_ test_unknown_schema_id _*",
            "*payload / [[]schemaId[]]: schema id 99 is not in the schema registry*",
        ]
    )
    out.fnmatch_lines(
        [
            "*_ test_protobuf_wrong_wire_type _*",
            "*payload /start [[]protobuf[]]: field start (number 1) was sent with wire "
            "type varint*(Protobuf message field 1)*",
        ]
    )
    out.fnmatch_lines(["*readings*6*1*5*0*telemetry.readings.avro*"])
    out.fnmatch_lines(["*lines*2*1*1*0*geo.lines*"])
    assert "writer schemas were not checked" not in out.str()


def test_without_a_registry_the_summary_says_writer_schemas_were_not_checked(
    contract_pytester: pytest.Pytester,
) -> None:
    folder = contract_pytester.path
    (folder / "reading.avsc").write_text(json.dumps(READING))
    (folder / "binary.yaml").write_text(SPEC % json.dumps(LINE_PROTO))
    contract_pytester.makepyfile(
        producer=PRODUCER,
        test_plain="""
        import json
        from producer import send, avro, framed

        def test_reading():
            reading = json.load(open("reading.avsc"))
            good = {"sensorId": "s", "recordedAt": 1, "temperature": 1.0, "humidity": 2.0,
                    "status": "FAILED"}
            send("telemetry.readings.avro", framed(7, avro(reading, good)))
        """,
    )
    result = contract_pytester.runpytest_subprocess(
        "--asyncapi", "binary.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*readings*1*1*0*0*", "*writer schemas were not checked*"])
