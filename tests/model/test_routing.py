"""Channel addresses become broker destinations, and destinations find their channel again."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_asyncapi.routing import Router, build_routes, subscription_pattern
from pytest_asyncapi.spec.loader import load_spec

SAMPLES = Path(__file__).resolve().parents[2] / "sample_specs"


def test_nats_address_kept_as_written_by_default() -> None:
    spec = load_spec(SAMPLES / "user-signup-3.0.yaml")
    routes, dynamic = build_routes([spec], "nats")
    assert {r.channel.id: r.pattern for r in routes} == {
        "userSignedUp": "user/signedup",
        "userDelete": "user/delete",
        "userLookup": "user/lookup",
    }
    # userLookupReply has no address: its replies go to each request's reply subject
    assert [(s.title, c.id) for s, c in dynamic] == [("User Service", "userLookupReply")]


def test_slash_to_dot_and_per_channel_override() -> None:
    spec = load_spec(SAMPLES / "user-signup-3.0.yaml")
    routes, _ = build_routes(
        [spec], "nats", slash_to_dot=True, overrides={"userDelete": "commands.user.delete"}
    )
    assert {r.channel.id: r.pattern for r in routes} == {
        "userSignedUp": "user.signedup",
        "userDelete": "commands.user.delete",
        "userLookup": "user.lookup",
    }


def test_parameters_become_wildcards_and_values_are_extracted() -> None:
    spec = load_spec(SAMPLES / "streetlights-params.yaml")
    routes, _ = build_routes([spec], "nats")
    router = Router(routes)
    assert router.patterns() == [
        "smartylighting.streetlights.1.0.event.*.lighting.measured",
        "smartylighting.streetlights.1.0.action.*.turn.*",
    ]
    [(route, values)] = router.match("smartylighting.streetlights.1.0.action.lamp-7.turn.on")
    assert route.channel.id.endswith("turn.{command}")
    assert values == {"streetlightId": "lamp-7", "command": "on"}
    assert router.match("smartylighting.streetlights.1.0.action.lamp-7.turn") == []
    assert route.concrete(values) == "smartylighting.streetlights.1.0.action.lamp-7.turn.on"
    with pytest.raises(KeyError, match="command"):
        route.concrete({"streetlightId": "x"})


def test_param_inside_a_token_makes_the_whole_token_a_wildcard() -> None:
    assert subscription_pattern("user/{id}/signedup", "nats") == "*"
    assert subscription_pattern("orders.{region}-eu.created", "nats") == "orders.*.created"


def test_kafka_topic_from_channel_binding() -> None:
    spec = load_spec(SAMPLES / "orders-kafka.yaml")
    routes, _ = build_routes([spec], "kafka")
    assert {r.channel.id: r.destination for r in routes} == {
        "orderEvents": "orders.events",
        "paymentEvents": "payments.events",
    }


def test_dynamic_address_is_reported_not_routed(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
        "channels:\n  anywhere: {address: null}\n  known: {address: a.b}\n"
    )
    routes, dynamic = build_routes([load_spec(path)], "nats")
    assert [r.channel.id for r in routes] == ["known"]
    assert [c.id for _, c in dynamic] == ["anywhere"]


FASTSTREAM_26 = """
asyncapi: 2.6.0
info: {title: FastStream, version: 0.1.0}
defaultContentType: application/json
servers:
  development: {url: "nats://127.0.0.1:4222", protocol: nats}
channels:
  orders.accepted:Publisher:
    bindings: {nats: {subject: orders.accepted, bindingVersion: custom}}
    subscribe:
      message: {payload: {type: object}}
  orders.shipped:
    bindings: {nats: {subject: orders.shipped}}
    subscribe:
      message: {payload: {type: object}}
"""


def test_a_channel_binding_subject_is_the_destination_and_a_mismatch_is_a_warning(
    tmp_path: Path,
) -> None:
    path = tmp_path / "asyncapi.yaml"
    path.write_text(FASTSTREAM_26)
    spec = load_spec(path)
    routes, _ = build_routes([spec], "nats")
    assert {r.channel.id: r.pattern for r in routes} == {
        "orders.accepted:Publisher": "orders.accepted",
        "orders.shipped": "orders.shipped",
    }
    mismatches = [f for f in spec.findings if f.rule == "binding-address-mismatch"]
    assert [(f.severity, f.pointer) for f in mismatches] == [
        ("warning", "/channels/orders.accepted:Publisher/bindings/nats/subject")
    ]
    assert "'orders.accepted' is what is captured" in mismatches[0].message
    override = build_routes(
        [spec], "nats", overrides={"orders.accepted:Publisher": "orders.other"}
    )[0]
    assert override[0].pattern == "orders.other"


def test_jetstream_consumer_deliveries_are_redeliveries() -> None:
    assert Router.is_redelivery("$JS.ACK.ORDERS.worker.1.2.2.1764750000000000000.0")
    assert not Router.is_redelivery("_INBOX.abc")
    assert not Router.is_redelivery(None)
