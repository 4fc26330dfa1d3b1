"""Schemas and byte makers shared by the Avro/Protobuf tests (bytes come from fastavro and
protobuf classes, the libraries producers use)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import fastavro

ROOT = Path(__file__).resolve().parents[2]

READING = {
    "type": "record",
    "name": "SensorReading",
    "namespace": "com.example.telemetry",
    "fields": [
        {"name": "sensorId", "type": "string"},
        {"name": "recordedAt", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "temperature", "type": "double"},
        {"name": "humidity", "type": ["null", "double"], "default": None},
        {
            "name": "status",
            "type": {
                "type": "enum",
                "name": "SensorStatus",
                "symbols": ["OK", "DEGRADED", "FAILED"],
            },
        },
    ],
}
GOOD_READING = {
    "sensorId": "sensor-042",
    "recordedAt": 1717245000000,
    "temperature": 21.5,
    "humidity": 48.2,
    "status": "OK",
}

POINTS_PROTO = """
syntax = "proto3";
package geo;

message Point {
  int32 x = 1;
  int32 y = 2;
  string label = 3;
}

message Line {
  Point start = 1;
  Point end = 2;
  repeated string tags = 4;
}
"""


def avro_bytes(schema: Any, value: Any) -> bytes:
    """``value`` written by fastavro's schemaless_writer, as a producer would."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), value)
    return out.getvalue()


def confluent(schema_id: int, body: bytes, indexes: bytes = b"") -> bytes:
    return b"\x00" + schema_id.to_bytes(4, "big") + indexes + body
