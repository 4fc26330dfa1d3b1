"""Contract tests of the telemetry service: run with
``pytest examples/telemetry_service --asyncapi sample_specs/telemetry-avro.yaml``.

The plugin checks every record the service sends against the document: for a reading the
Confluent frame the Kafka message binding declares (magic byte 0 + schema id), the writer
schema fetched by that id from the registry (compatible with the document's Avro schema, by
Avro's schema-resolution rules), the Avro body decoded with it, and the key; for an alert the
JSON payload. It fails the test during which a bad record was sent. These tests check what the
document cannot say: which sensor, which values, which alerts.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import fastavro
import pytest
from telemetry_service import Reading, ReadingError, reading_schema

if TYPE_CHECKING:
    from telemetry_service import SchemaRegistry, TelemetryService

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.plugin.fixtures import AsyncAPIFixture

pytestmark = pytest.mark.asyncio

READINGS = "telemetry.readings"
ALERTS = "telemetry.alerts"
AT = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)


def unframe(record: Captured) -> tuple[int, int, bytes]:
    """Magic byte, schema id and Avro body of a captured reading."""
    value = record.payload
    return value[0], int.from_bytes(value[1:5], "big"), value[5:]


def decode(body: bytes) -> dict[str, object]:
    """The reading, read with the service's schema (as a consumer with that schema would)."""
    record = fastavro.schemaless_reader(io.BytesIO(body), fastavro.parse_schema(reading_schema()))
    assert isinstance(record, dict)
    return record


async def test_a_reading_is_sent_as_confluent_framed_avro(
    service: TelemetryService, asyncapi: AsyncAPIFixture
) -> None:
    alerts = await service.record(Reading("sensor-042", AT, 21.5, 48.2))

    [event] = await asyncapi.aexpect(READINGS, message="SensorReading")

    assert alerts == 0
    assert event.destination == "telemetry.readings"
    assert event.key == b"sensor-042"
    magic, schema_id, body = unframe(event)
    assert (magic, schema_id) == (0, service.schema_id)
    assert decode(body) == {
        "sensorId": "sensor-042",
        "recordedAt": AT,
        "temperature": 21.5,
        "humidity": 48.2,
        "status": "OK",
    }


async def test_the_frame_names_the_schema_registered_for_the_topic(
    service: TelemetryService, registry: SchemaRegistry, asyncapi: AsyncAPIFixture
) -> None:
    await service.record(Reading("sensor-7", AT, 19.0, status="DEGRADED"))

    [event] = await asyncapi.aexpect(READINGS)

    latest = await registry.latest("telemetry.readings-value")  # TopicNameStrategy
    assert unframe(event)[1] == latest["id"]
    assert json.loads(latest["schema"]) == reading_schema()


async def test_a_reading_without_humidity_is_the_null_branch(
    service: TelemetryService, asyncapi: AsyncAPIFixture
) -> None:
    await service.record(Reading("sensor-9", AT, -3.25, None, "FAILED"))

    [event] = await asyncapi.aexpect(READINGS)

    record = decode(unframe(event)[2])
    assert (record["humidity"], record["status"], record["temperature"]) == (None, "FAILED", -3.25)


@pytest.mark.asyncapi(must_see=[READINGS, ALERTS])
async def test_a_hot_reading_raises_a_critical_alert(
    service: TelemetryService, asyncapi: AsyncAPIFixture
) -> None:
    alerts = await service.record(Reading("sensor-042", AT, 81.3, 88.0))

    [reading] = await asyncapi.aexpect(READINGS)
    raised = await asyncapi.aexpect(ALERTS, count=2, message="SensorAlert")

    assert alerts == 2
    assert decode(unframe(reading)[2])["temperature"] == 81.3
    by_metric = {json.loads(a.payload)["metric"]: json.loads(a.payload) for a in raised}
    assert by_metric["temperature"]["severity"] == "critical"
    assert by_metric["temperature"]["threshold"] == 75.0
    assert by_metric["humidity"]["severity"] == "warning"
    assert {a.key for a in raised} == {b"sensor-042"}


async def test_several_sensors_share_one_writer_schema(
    service: TelemetryService, asyncapi: AsyncAPIFixture
) -> None:
    for number in range(5):
        await service.record(Reading(f"sensor-{number}", AT, 20.0 + number, 40.0))

    events = await asyncapi.aexpect(READINGS, count=5)

    assert {unframe(e)[:2] for e in events} == {(0, service.schema_id)}
    # six partitions: records of different keys may be captured in any order
    assert sorted(e.key for e in events) == [f"sensor-{n}".encode() for n in range(5)]


async def test_bad_readings_are_refused_without_a_record(service: TelemetryService) -> None:
    with pytest.raises(ReadingError, match="status 'BROKEN' is not one of OK, DEGRADED, FAILED"):
        await service.record(Reading("sensor-1", AT, 20.0, status="BROKEN"))
    with pytest.raises(ReadingError, match="sensor_id must not be empty"):
        await service.record(Reading("", AT, 20.0))
    with pytest.raises(ReadingError, match="temperature nan is not a finite number"):
        await service.record(Reading("sensor-1", AT, float("nan")))

    assert service.sent == 0
