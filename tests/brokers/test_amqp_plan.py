"""What the AMQP capture binds, read from the channels' ``amqp`` bindings (no broker needed:
the bindings themselves are tested on RabbitMQ in ``test_amqp_capture.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_asyncapi.brokers import registry
from pytest_asyncapi.brokers.amqp import capture_plan
from pytest_asyncapi.brokers.endpoints import canonical_url
from pytest_asyncapi.routing import build_routes
from pytest_asyncapi.spec.loader import load_spec

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_asyncapi.brokers.amqp import CapturePlan

SPEC = """
asyncapi: 3.0.0
info: {title: plan, version: '1'}
channels:
  a:
    address: 'orders.{id}.created'
    parameters: {id: {}}
    bindings: {amqp: {is: routingKey, exchange: {name: orders, type: topic, durable: true}}}
  b:
    address: 'orders.cancelled'
    bindings: {amqp: {is: routingKey, exchange: {name: orders, type: topic}}}
  c:
    address: 'untyped.key'
    bindings: {amqp: {is: routingKey, exchange: {name: untyped}}}
  d:
    address: 'news.{topic}'
    parameters: {topic: {}}
    bindings: {amqp: {is: routingKey, exchange: {name: news, type: fanout, autoDelete: true}}}
  e:
    address: 'ignored'
    bindings: {amqp: {is: queue, queue: {name: jobs}}}
  f:
    address: 'plain.key'
"""


def plan(tmp_path: Path) -> CapturePlan:
    path = tmp_path / "plan.yaml"
    path.write_text(SPEC)
    routes, _ = build_routes([load_spec(path)], "amqp")
    return capture_plan(routes)


def test_exchanges_and_their_binding_keys(tmp_path: Path) -> None:
    found = {e.name: e for e in plan(tmp_path).exchanges}
    assert list(found) == ["orders", "untyped", "news"]
    orders, untyped, news = found["orders"], found["untyped"], found["news"]
    assert (orders.type, orders.keys, orders.durable, orders.auto_delete) == (
        "topic",
        ["#"],
        True,
        False,
    )
    # a type the binding does not say: every key (topic), and the routing key itself (direct)
    assert (untyped.type, untyped.keys) == (None, ["#", "untyped.key"])
    # a parameterised address cannot name every message of a fanout exchange
    assert (news.type, news.keys, news.destination, news.auto_delete) == (
        "fanout",
        [""],
        None,
        True,
    )


def test_queue_channels_and_channels_without_exchange_are_noted_and_go_straight_to_a_queue(
    tmp_path: Path,
) -> None:
    found = plan(tmp_path)
    exchanges = dict((pattern, exchange) for pattern, exchange in found.publish_to)
    assert exchanges[r"jobs"] == ""
    assert exchanges[r"plain\.key"] == ""
    assert exchanges[r"orders\.([^.]+)\.created"] == "orders"
    assert [n.split(" is a queue ")[0] for n in found.notes] == [
        "AMQP: channel 'e'",
        "AMQP: channel 'f'",
    ]
    assert all("not captured (unchecked)" in n for n in found.notes)


def test_routing_key_rules() -> None:
    described = registry.describe("amqp")
    assert described.subscription_pattern("orders.{id}.created") == "orders.*.created"
    assert described.subscription_pattern("lamp-{id}.on") == "*.on"
    assert canonical_url("amqps://u:p@broker") == "amqps://u:p@broker:5672"
    assert canonical_url("amqp://broker:5673") == "amqp://broker:5673"
