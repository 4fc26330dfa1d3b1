"""Kafka tombstones (records with a null value) on a real Tansu: captured as such and judged
against the payload schema as the JSON value ``null``, not as "not valid JSON"."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_asyncapi.brokers.kafka.capture import KafkaCapture
from pytest_asyncapi.brokers.local_binary import start_local
from pytest_asyncapi.check.contract import Outcome, judge
from pytest_asyncapi.routing import Router, build_routes
from pytest_asyncapi.spec.loader import load_spec
from tests.support.kafka_clients import AiokafkaClient

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker

SPEC = """
asyncapi: 3.0.0
info: {{title: compacted, version: '1'}}
servers:
  local: {{host: localhost, protocol: kafka}}
channels:
  users:
    address: {topic}
    messages:
      user:
        payload:
          type: {types}
          properties: {{id: {{type: string}}}}
          required: [id]
operations:
  publishUser:
    action: send
    channel: {{$ref: '#/channels/users'}}
"""


@pytest.fixture(scope="module")
def broker() -> Iterator[ProvisionedBroker]:
    started = start_local("kafka")
    yield started
    started.stop()


def _captured(broker: ProvisionedBroker, topic: str, value: Any) -> Any:
    url = broker.endpoint.url
    capture = KafkaCapture(url)
    client = AiokafkaClient(url.split("://", 1)[1])
    try:
        capture.start([topic])
        client.publish_keyed([(topic, value, None, b"user-1")], partition=0)
        (record,) = capture.drain()
        return record
    finally:
        client.close()
        capture.close()


def _verdict(tmp_path: Path, topic: str, types: str, record: Any) -> Any:
    path = tmp_path / f"{uuid.uuid4().hex}.yaml"
    path.write_text(SPEC.format(topic=topic, types=types))
    routes, _ = build_routes([load_spec(path)], "kafka")
    (verdict,) = judge(record, Router(routes), check_key=True)
    return verdict


def test_a_tombstone_is_judged_as_json_null(broker: ProvisionedBroker, tmp_path: Path) -> None:
    topic = "t" + uuid.uuid4().hex[:10]
    record = _captured(broker, topic, None)
    assert record.tombstone
    assert (record.payload, record.key) == (b"", b"user-1")
    assert _verdict(tmp_path, topic, '["object", "null"]', record).outcome is Outcome.VALID
    refused = _verdict(tmp_path, topic, "object", record)
    assert refused.outcome is Outcome.INVALID
    (violation,) = refused.violations
    assert (violation.keyword, violation.pointer) == ("type", "")
    assert "null" in violation.text


def test_an_empty_value_is_not_a_tombstone(broker: ProvisionedBroker, tmp_path: Path) -> None:
    topic = "t" + uuid.uuid4().hex[:10]
    record = _captured(broker, topic, b"")
    assert not record.tombstone
    verdict = _verdict(tmp_path, topic, '["object", "null"]', record)
    assert verdict.outcome is Outcome.INVALID
    assert verdict.violations[0].keyword == "contentType"
