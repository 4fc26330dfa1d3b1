"""The service: sensor readings to ``telemetry.readings`` (Avro), alerts to ``telemetry.alerts``.

On start the service registers its writer schema with the schema registry (subject
``telemetry.readings-value``, Confluent's ``TopicNameStrategy``) and frames every reading with
the id the registry gave. Records are sent with ``send_and_wait``: when :meth:`record`
returns, the broker has the reading and its alerts.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from telemetry_service.events import (
    READINGS_TOPIC,
    Outgoing,
    Reading,
    ReadingEncoder,
    alerts,
    check_broken,
    reading_schema,
)
from telemetry_service.registry import SchemaRegistry, value_subject

log = logging.getLogger("telemetry_service")

CLIENT_ID = "telemetry-service"


class ReadingError(ValueError):
    """A reading the service refuses to send (empty sensor id, unknown status, ...)."""


class TelemetryService:
    """Publishes sensor readings as Confluent-framed Avro, and alerts as JSON.

    ``registry_url``: the Confluent Schema Registry (REST API) the writer schema is registered
    with. ``broken``: a variant of :data:`~telemetry_service.events.BROKEN_VARIANTS`, by
    default read from the ``TELEMETRY_BROKEN`` environment variable (unset: the correct
    service).
    """

    def __init__(
        self, bootstrap_servers: str, registry_url: str, *, broken: str | None = None
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.registry = SchemaRegistry(registry_url)
        self.broken = check_broken(broken or os.environ.get("TELEMETRY_BROKEN"))
        self.subject = value_subject(READINGS_TOPIC)
        self.schema_id: int | None = None
        """The registry id of the writer schema, once started."""
        self.sent = 0
        self._encoder: ReadingEncoder | None = None
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        """Register the writer schema, then connect the producer."""
        schema = reading_schema(self.broken)
        self.schema_id = await self.registry.register(self.subject, schema)
        self._encoder = ReadingEncoder(schema, self.schema_id, broken=self.broken)
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers, client_id=CLIENT_ID, acks="all"
        )
        await self._producer.start()
        log.info(
            "telemetry service started on %s, schema id %d (broken: %s)",
            self.bootstrap_servers,
            self.schema_id,
            self.broken,
        )

    async def record(self, reading: Reading) -> int:
        """Send one reading and the alerts it raises; returns how many alerts."""
        problems = reading.problems()
        if problems:
            raise ReadingError("; ".join(problems))
        if self._encoder is None:
            raise RuntimeError("the telemetry service is not started (await start() first)")
        raised = alerts(reading, datetime.now(UTC))
        await self._send(self._encoder.encode(reading))
        for alert in raised:
            await self._send(alert)
        return len(raised)

    async def stop(self) -> None:
        """Flush and close the producer."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        log.info("telemetry service stopped (%d record(s) sent)", self.sent)

    async def __aenter__(self) -> TelemetryService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _send(self, event: Outgoing) -> None:
        assert self._producer is not None
        await self._producer.send_and_wait(event.topic, event.value, key=event.key)
        self.sent += 1
