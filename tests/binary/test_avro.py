"""Avro: bytes from fastavro decode and pass; each way of being wrong says where and what."""

from __future__ import annotations

import copy

import pytest

from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.schemas.avro import AvroSchema, resolution_problems
from tests.support.binary import GOOD_READING, READING, avro_bytes


@pytest.fixture(scope="module")
def reading() -> AvroSchema:
    return AvroSchema(READING, "#/components/messages/SensorReading/payload")


def test_fastavro_bytes_decode_with_logical_types(reading: AvroSchema) -> None:
    decoded = reading.decode(avro_bytes(READING, GOOD_READING))
    assert decoded.problem is None
    assert decoded.value["recordedAt"].year == 2024  # timestamp-millis became a datetime
    assert decoded.value["status"] == "OK"


def test_truncated_bytes_name_the_field_type_and_offset(reading: AvroSchema) -> None:
    data = avro_bytes(READING, GOOD_READING)
    problem = reading.decode(data[:20]).problem  # sensorId 11 bytes, recordedAt 6, then 3 of 8
    assert problem is not None
    assert problem.pointer == "/temperature"
    assert problem.expected == "double"
    assert "the bytes end (length 20) where 8 more byte(s) were expected" in problem.message
    assert problem.offset == 17


def test_missing_field_shows_as_bytes_ending_at_that_field(reading: AvroSchema) -> None:
    writer = copy.deepcopy(READING)
    writer["fields"] = writer["fields"][:-1]  # the producer's schema lacks `status`
    value = {k: v for k, v in GOOD_READING.items() if k != "status"}
    problem = reading.decode(avro_bytes(writer, value)).problem
    assert problem is not None
    assert (problem.pointer, problem.expected) == (
        "/status",
        "enum com.example.telemetry.SensorStatus",
    )


def test_wrong_type_is_caught_and_located(reading: AvroSchema) -> None:
    writer = copy.deepcopy(READING)
    writer["fields"][2]["type"] = "string"  # temperature written as a string
    value = {**GOOD_READING, "temperature": "21.5 degrees"}
    problem = reading.decode(avro_bytes(writer, value)).problem
    assert problem is not None
    assert problem.pointer in ("/humidity", "/status", "")


def test_left_over_bytes_are_a_problem(reading: AvroSchema) -> None:
    problem = reading.decode(avro_bytes(READING, GOOD_READING) + b"\x00").problem
    assert problem is not None
    assert "1 byte(s) left over" in problem.message


def test_bad_enum_index_and_union_branch(reading: AvroSchema) -> None:
    data = bytearray(avro_bytes(READING, GOOD_READING))
    data[-1] = 0x10  # enum index 8
    problem = reading.decode(bytes(data)).problem
    assert problem is not None
    assert problem.pointer == "/status"
    assert "enum index 8 is out of range (0..2)" in problem.message


def test_values_follow_avro_json_and_plain_unions(reading: AvroSchema) -> None:
    assert reading.value_problems(GOOD_READING) == []
    assert reading.value_problems({**GOOD_READING, "humidity": {"double": 1.0}}) == []
    found = reading.value_problems(
        {"sensorId": 1, "recordedAt": 1, "temperature": 1.0, "status": "HOT", "extra": 1}
    )
    assert [(p.pointer, p.expected) for p in found] == [
        ("/sensorId", "string"),
        ("/status", "enum com.example.telemetry.SensorStatus"),
        ("/extra", "record com.example.telemetry.SensorReading"),
    ]


def test_encode_round_trips_a_plain_example(reading: AvroSchema) -> None:
    assert reading.decode(reading.encode(GOOD_READING)).problem is None
    with pytest.raises(ValueError, match="/status"):
        reading.encode({**GOOD_READING, "status": "HOT"})


def test_invalid_avro_schema_is_a_compile_error() -> None:
    with pytest.raises(SchemaCompileError, match="not a valid Avro schema"):
        AvroSchema({"type": "recrod", "name": "R", "fields": []}, "#/p")


def test_resolution_rules_default_makes_an_added_field_compatible() -> None:
    old = AvroSchema(READING, "#/old")
    with_default = copy.deepcopy(READING)
    with_default["fields"].append({"name": "site", "type": "string", "default": "x"})
    without = copy.deepcopy(READING)
    without["fields"].append({"name": "site", "type": "string"})
    new_ok, new_bad = AvroSchema(with_default, "#/a"), AvroSchema(without, "#/b")
    assert resolution_problems(old.parsed, new_ok.parsed, old.named, new_ok.named) == []
    found = resolution_problems(old.parsed, new_bad.parsed, old.named, new_bad.named)
    assert [p.pointer for p in found] == ["/site"]
    promoted = copy.deepcopy(READING)
    promoted["fields"][1]["type"] = "int"
    assert (
        resolution_problems(AvroSchema(promoted, "#/p").parsed, old.parsed, {}, old.named) == []
    )  # int is promoted to long
