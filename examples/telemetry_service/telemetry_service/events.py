"""The messages of the contract (``sample_specs/telemetry-avro.yaml``) and their Kafka encoding.

``SensorReading`` records go to ``telemetry.readings``, keyed by the sensor id (UTF-8), the
value **Confluent-framed Avro**: magic byte ``0``, the writer schema's registry id (4 bytes,
big-endian), then the record in Avro binary encoding (fastavro's ``schemaless_writer``).
``SensorAlert`` events go to ``telemetry.alerts`` as JSON, keyed by the sensor id too.

The writer schema is the service's own copy, ``sensor_reading.avsc``: it is what the service
registers, so the contract tests see it drift from the document if someone edits one only.

``broken`` selects a deliberately wrong encoding, so that the project's own tests can check
that a contract test fails with the right message:

==================  ========================================================================
``unframed``        plain Avro bytes, no Confluent frame (a serializer that skips it)
``drifted-schema``  the writer schema renames ``temperature`` to ``temperatureCelsius``: the
                    service registers that schema and writes records with it
``unknown-id``      the frame carries a schema id the registry does not know
==================  ========================================================================
"""

from __future__ import annotations

import copy
import io
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastavro

READINGS_TOPIC = "telemetry.readings"
"""Channel ``telemetry.readings``: one ``SensorReading`` per sensor and interval."""
ALERTS_TOPIC = "telemetry.alerts"
"""Channel ``telemetry.alerts``: a ``SensorAlert`` when a reading crosses a threshold."""
MAGIC_BYTE = 0
STATUSES = ("OK", "DEGRADED", "FAILED")
BROKEN_VARIANTS = ("unframed", "drifted-schema", "unknown-id")
UNKNOWN_ID_OFFSET = 1000
"""``unknown-id`` frames records with the registered id plus this."""

THRESHOLDS: dict[str, tuple[tuple[str, float], ...]] = {
    "temperature": (("critical", 75.0), ("warning", 60.0)),
    "humidity": (("critical", 95.0), ("warning", 85.0)),
}
"""Per metric, (severity, threshold) from the highest: a reading at or above one raises an alert."""

SCHEMA_FILE = Path(__file__).with_name("sensor_reading.avsc")


def reading_schema(broken: str | None = None) -> dict[str, Any]:
    """The writer schema the service registers (the ``drifted-schema`` variant's, if chosen)."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    if broken == "drifted-schema":
        schema = copy.deepcopy(schema)
        for field in schema["fields"]:
            if field["name"] == "temperature":
                field["name"] = "temperatureCelsius"
    return schema


def check_broken(value: str | None) -> str | None:
    """``value`` if it names a broken variant (or is empty/None); ValueError otherwise."""
    if not value:
        return None
    if value not in BROKEN_VARIANTS:
        raise ValueError(
            f"unknown broken variant {value!r} (TELEMETRY_BROKEN); "
            f"choose one of: {', '.join(BROKEN_VARIANTS)}"
        )
    return value


@dataclass(frozen=True)
class Reading:
    """One measurement of one sensor."""

    sensor_id: str
    recorded_at: datetime
    """Timezone-aware; sent as Avro ``timestamp-millis``."""
    temperature: float
    """Degrees Celsius."""
    humidity: float | None = None
    """Percent relative humidity; ``None`` when the sensor has no hygrometer."""
    status: str = "OK"

    def problems(self) -> list[str]:
        """What makes this reading unsendable (empty: it is fine)."""
        found = []
        if not self.sensor_id:
            found.append("sensor_id must not be empty")
        if self.recorded_at.tzinfo is None:
            found.append("recorded_at must be timezone-aware")
        if not math.isfinite(self.temperature):
            found.append(f"temperature {self.temperature!r} is not a finite number")
        if self.humidity is not None and not 0.0 <= self.humidity <= 100.0:
            found.append(f"humidity {self.humidity!r} is not a percentage")
        if self.status not in STATUSES:
            found.append(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        return found


@dataclass(frozen=True)
class Outgoing:
    """One Kafka record ready to send."""

    topic: str
    key: bytes
    value: bytes


class ReadingEncoder:
    """Writes readings as Confluent-framed Avro with one registered writer schema."""

    def __init__(self, schema: dict[str, Any], schema_id: int, *, broken: str | None = None):
        self.schema = schema
        self.schema_id = schema_id
        self.broken = broken
        self._parsed = fastavro.parse_schema(copy.deepcopy(schema))
        self._temperature = "temperatureCelsius" if broken == "drifted-schema" else "temperature"

    def encode(self, reading: Reading) -> Outgoing:
        record = {
            "sensorId": reading.sensor_id,
            "recordedAt": reading.recorded_at,  # fastavro writes timestamp-millis
            self._temperature: reading.temperature,
            "humidity": reading.humidity,
            "status": reading.status,
        }
        out = io.BytesIO()
        fastavro.schemaless_writer(out, self._parsed, record)
        body = out.getvalue()
        if self.broken == "unframed":
            value = body
        else:
            schema_id = self.schema_id
            if self.broken == "unknown-id":
                schema_id += UNKNOWN_ID_OFFSET
            value = bytes([MAGIC_BYTE]) + schema_id.to_bytes(4, "big") + body
        return Outgoing(READINGS_TOPIC, reading.sensor_id.encode(), value)


def alerts(reading: Reading, raised_at: datetime) -> list[Outgoing]:
    """The ``SensorAlert`` events a reading raises: per metric, the highest threshold crossed."""
    found = []
    for metric, value in (("temperature", reading.temperature), ("humidity", reading.humidity)):
        if value is None:
            continue
        for severity, threshold in THRESHOLDS[metric]:
            if value >= threshold:
                payload = {
                    "sensorId": reading.sensor_id,
                    "metric": metric,
                    "value": value,
                    "threshold": threshold,
                    "severity": severity,
                    "raisedAt": timestamp(raised_at),
                }
                found.append(
                    Outgoing(ALERTS_TOPIC, reading.sensor_id.encode(), json.dumps(payload).encode())
                )
                break
    return found


def timestamp(when: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` (``when`` must be timezone-aware)."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
