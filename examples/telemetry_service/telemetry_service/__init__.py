"""A telemetry service on Kafka (aiokafka + fastavro) that sends Confluent-framed Avro: the
example for pytest-asyncapi's Avro support."""

from __future__ import annotations

from telemetry_service.events import BROKEN_VARIANTS, Reading, reading_schema
from telemetry_service.registry import RegistryError, SchemaRegistry
from telemetry_service.service import ReadingError, TelemetryService

__all__ = [
    "BROKEN_VARIANTS",
    "Reading",
    "ReadingError",
    "RegistryError",
    "SchemaRegistry",
    "TelemetryService",
    "reading_schema",
]
